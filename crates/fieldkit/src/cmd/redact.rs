//! `fieldkit redact`: write a redacted copy of a file, directory or archive, keeping its layout and
//! every line where it was; and `--reverse` to look a pseudonym up in the private map.

use std::fs;
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use fieldkit_diagnose::Report;
use fieldkit_redact::{Mapping, RedactConfig, Redactor, load_or_create_key};

use crate::cli::RedactArgs;
use crate::exit;
use crate::input::open_bundle;
use crate::term::Progress;

pub fn open_redactor(key_file: &Path, keywords: &[String], regexes: &[String]) -> Result<Redactor> {
    let key = load_or_create_key(key_file).with_context(|| format!("{}: key file", key_file.display()))?;
    let config = RedactConfig { keywords: keywords.to_vec(), regexes: regexes.to_vec(), ..RedactConfig::default() };
    Ok(Redactor::new(key, config)?)
}

fn redact_string(r: &mut Redactor, text: &mut String) {
    *text = r.redact_str(text);
}

/// Redacts a `/`-separated path component by component, so directories named after hosts are
/// pseudonymised like the hosts in the logs.
fn redact_path(r: &mut Redactor, path: &str) -> String {
    path.split('/')
        .map(|part| {
            let mut s = part.to_string();
            redact_string(r, &mut s);
            s
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// `triage --redact`: everything in the report that quotes the bundle.
pub fn redact_report(r: &mut Redactor, report: &mut Report) {
    report.bundle = redact_path(r, &report.bundle);
    for f in &mut report.findings {
        for e in &mut f.evidence {
            redact_string(r, &mut e.text);
            e.file = redact_path(r, &e.file);
            e.host = redact_path(r, &e.host);
        }
        f.hosts = f.hosts.iter().map(|h| redact_path(r, h)).collect();
        f.files = f.files.iter().map(|p| redact_path(r, p)).collect();
    }
    for u in &mut report.unexplained {
        redact_string(r, &mut u.template);
        redact_string(r, &mut u.example.text);
        u.example.file = redact_path(r, &u.example.file);
        u.example.host = redact_path(r, &u.example.host);
    }
    for f in &mut report.files {
        f.path = redact_path(r, &f.path);
        f.host = redact_path(r, &f.host);
    }
    for s in &mut report.skipped {
        s.path = redact_path(r, &s.path);
    }
}

/// Where redacted files go: a directory tree, one file, or a .tar.gz.
enum Sink {
    Dir(PathBuf),
    File(PathBuf),
    TarGz(tar::Builder<flate2::write::GzEncoder<fs::File>>),
}

/// Redacted bytes are streamed in blocks of this size, cut at the last newline, so memory stays
/// bounded whatever the file size and no line is ever split between two calls.
const BLOCK: usize = 8 << 20;

/// Streams `input` through the redactor into `out`, line structure intact. Returns bytes read.
fn redact_stream(r: &mut Redactor, input: &mut dyn Read, out: &mut dyn Write) -> io::Result<u64> {
    let mut buf = vec![0u8; BLOCK];
    let mut filled = 0;
    let mut red = Vec::with_capacity(BLOCK + BLOCK / 8);
    let mut total = 0u64;
    loop {
        if filled == buf.len() {
            // One line longer than the block: grow rather than split it.
            buf.resize(buf.len() * 2, 0);
        }
        let n = match input.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        filled += n;
        total += n as u64;
        if let Some(last) = memchr::memrchr(b'\n', &buf[..filled]) {
            red.clear();
            r.redact_text(&buf[..=last], &mut red);
            out.write_all(&red)?;
            buf.copy_within(last + 1..filled, 0);
            filled -= last + 1;
        }
    }
    if filled > 0 {
        red.clear();
        r.redact_text(&buf[..filled], &mut red);
        out.write_all(&red)?;
    }
    // Line-spanning state (an open PEM block) must not leak into the next file.
    r.end_file();
    out.flush()?;
    Ok(total)
}

impl Sink {
    /// Redacts one bundle file into the sink under `rel`; `.gz` members stay gzip-compressed.
    fn put(&mut self, r: &mut Redactor, rel: &str, input: &mut dyn Read, gzip: bool) -> Result<u64> {
        let dest = match self {
            Sink::Dir(root) => root.join(rel),
            Sink::File(path) => path.clone(),
            Sink::TarGz(_) => PathBuf::new(),
        };
        if let Sink::TarGz(builder) = self {
            // tar wants the size up front: spool to a temporary file first.
            let mut spool = tempfile::tempfile().context("creating a spool file")?;
            let read = write_redacted(r, input, &mut spool, gzip)?;
            let size = spool.seek(io::SeekFrom::End(0))?;
            spool.seek(io::SeekFrom::Start(0))?;
            let mut header = tar::Header::new_gnu();
            header.set_size(size);
            header.set_mode(0o644);
            header.set_cksum();
            builder
                .append_data(&mut header, rel, &mut spool)
                .with_context(|| format!("adding {rel} to the archive"))?;
            return Ok(read);
        }
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent).with_context(|| format!("{}: cannot create", parent.display()))?;
        }
        let mut file = fs::File::create(&dest).with_context(|| format!("{}: cannot create", dest.display()))?;
        write_redacted(r, input, &mut file, gzip).with_context(|| format!("{}: cannot write", dest.display()))
    }

    fn finish(self) -> Result<()> {
        if let Sink::TarGz(builder) = self {
            let gz = builder.into_inner().context("finishing the archive")?;
            gz.finish().context("finishing the archive")?.flush()?;
        }
        Ok(())
    }
}

fn write_redacted(r: &mut Redactor, input: &mut dyn Read, file: &mut fs::File, gzip: bool) -> Result<u64> {
    let buffered = io::BufWriter::with_capacity(1 << 20, file);
    if gzip {
        let mut enc = flate2::write::GzEncoder::new(buffered, flate2::Compression::default());
        let n = redact_stream(r, input, &mut enc)?;
        enc.finish()?.flush()?;
        Ok(n)
    } else {
        let mut buffered = buffered;
        Ok(redact_stream(r, input, &mut buffered)?)
    }
}

pub fn run(args: RedactArgs) -> Result<u8> {
    if let Some(token) = &args.reverse {
        let map_file = args.map_file.as_deref().context("--reverse needs --map-file")?;
        let mapping = Mapping::load(map_file).with_context(|| format!("{}: map file", map_file.display()))?;
        return match mapping.reverse(token) {
            Some(entry) => {
                println!("{}", entry.original);
                Ok(exit::OK)
            }
            None => bail!("{token:?} is not in {} (was it made with another key or map file?)", map_file.display()),
        };
    }
    let input = args.input.as_deref().context("INPUT is required")?;
    let output = args.output.as_deref().context("--output is required")?;
    if output.exists() && !args.force {
        bail!("{}: already exists (use --force to overwrite)", output.display());
    }
    let mut redactor = open_redactor(&args.key_file, &args.keyword, &args.regex)?;
    let bundle = open_bundle(input, &args.bundle_opts)?;
    let lower = output.to_string_lossy().to_ascii_lowercase();
    let single = input.is_file()
        && bundle.files.len() == 1
        && fieldkit_logs::ArchiveKind::of(&input.to_string_lossy()).is_none();
    let mut sink = if lower.ends_with(".tar.gz") || lower.ends_with(".tgz") {
        let file = fs::File::create(output).with_context(|| format!("{}: cannot create", output.display()))?;
        Sink::TarGz(tar::Builder::new(flate2::write::GzEncoder::new(file, flate2::Compression::default())))
    } else if single {
        Sink::File(output.to_path_buf())
    } else {
        fs::create_dir_all(output).with_context(|| format!("{}: cannot create", output.display()))?;
        Sink::Dir(output.to_path_buf())
    };

    let mut progress = Progress::new(bundle.files.iter().map(|f| f.size).sum(), args.bundle_opts.no_progress);
    let (mut files, mut bytes_in) = (0usize, 0u64);
    let limit = bundle.limits.max_total_bytes;
    for file in &bundle.files {
        let rel = redact_path(&mut redactor, &file.path);
        let mut input = file.reader(limit)?;
        let read = sink
            .put(&mut redactor, &rel, &mut input, file.gzip)
            .map_err(|e| match e.downcast::<io::Error>() {
                Ok(io) => anyhow::Error::new(file.read_error(io, limit)),
                Err(other) => other,
            })
            .with_context(|| format!("redacting {}", file.path))?;
        files += 1;
        bytes_in += read;
        progress.advance(file.size, &file.path);
    }
    progress.finish();
    sink.finish()?;
    if let Some(map_file) = &args.map_file {
        redactor.mapping().save(map_file).with_context(|| format!("{}: map file", map_file.display()))?;
    }
    eprintln!("fieldkit: redacted {files} file(s), {bytes_in} bytes → {}", output.display());
    for s in &bundle.skipped {
        eprintln!("fieldkit: not copied {}: {}", s.path, s.reason);
    }
    Ok(exit::OK)
}
