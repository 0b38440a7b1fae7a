//! `fieldkit redact`: write a redacted copy of a file, directory or archive, keeping its layout and
//! every line where it was; and `--reverse` to look a pseudonym up in the private map.

use std::collections::HashSet;
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
        s.reason = r.redact_str(&s.reason);
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
            Sink::TarGz(builder) => {
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
        };
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent).with_context(|| format!("{}: cannot create", parent.display()))?;
        }
        let mut file = fs::File::create(&dest).with_context(|| format!("{}: cannot create", dest.display()))?;
        write_redacted(r, input, &mut file, gzip).with_context(|| format!("{}: cannot write", dest.display()))
    }

    /// Removes what `put` half-wrote for `rel` after a failure (a tar entry is only appended
    /// once complete, so there is nothing to undo there).
    fn discard(&self, rel: &str) {
        match self {
            Sink::Dir(root) => {
                let _ = fs::remove_file(root.join(rel));
            }
            Sink::File(path) => {
                let _ = fs::remove_file(path);
            }
            Sink::TarGz(_) => {}
        }
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
    let lower = output.to_string_lossy().to_ascii_lowercase();
    let to_tar_gz = lower.ends_with(".tar.gz") || lower.ends_with(".tgz");
    if !to_tar_gz && (lower.ends_with(".zip") || lower.ends_with(".tar")) {
        bail!("{}: only .tar.gz / .tgz archives are written; give a directory or a .tar.gz", output.display());
    }
    refuse_overlap(input, output)?;
    if output.exists() {
        if !args.force {
            bail!("{}: already exists (use --force to replace it)", output.display());
        }
        // Replace, never merge: files left from an earlier run could hold what this run redacts.
        let removed = if output.is_dir() { fs::remove_dir_all(output) } else { fs::remove_file(output) };
        removed.with_context(|| format!("{}: cannot remove the old output", output.display()))?;
    }
    let mut redactor = open_redactor(&args.key_file, &args.keyword, &args.regex)?;
    let bundle = open_bundle(input, &args.bundle_opts)?;
    let single = input.is_file()
        && bundle.files.len() == 1
        && fieldkit_logs::ArchiveKind::of(&input.to_string_lossy()).is_none();
    let mut sink = if to_tar_gz {
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
    let mut failed: Vec<String> = Vec::new();
    let mut written: HashSet<String> = HashSet::new();
    for file in &bundle.files {
        // Two names can become one pseudonym's path (`Acme/a.log`, `acme/a.log` with --keyword
        // acme): never let the second overwrite the first.
        let mut rel = redact_path(&mut redactor, &file.path);
        let mut n = 2;
        while !written.insert(rel.clone()) {
            rel = format!("{}~{n}", redact_path(&mut redactor, &file.path));
            n += 1;
        }
        let result = file
            .reader(&bundle.limits)
            .map_err(anyhow::Error::new)
            .and_then(|mut reader| sink.put(&mut redactor, &rel, &mut reader, file.gzip));
        match result {
            Ok(read) => {
                files += 1;
                bytes_in += read;
            }
            Err(e) => {
                let reason = match e.downcast::<io::Error>() {
                    Ok(io) => file.read_error(io, &bundle.limits).reason(),
                    Err(other) => format!("{other:#}"),
                };
                // Whatever was half-written of this file goes: an output holds whole files only.
                sink.discard(&rel);
                eprintln!("fieldkit: could not redact {}: {reason}", file.path);
                failed.push(file.path.clone());
            }
        }
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
    if !failed.is_empty() {
        bail!("{} file(s) could not be redacted and are not in the output: {}", failed.len(), failed.join(", "));
    }
    Ok(exit::OK)
}

/// Refuses an output that is the input, inside it, or contains it: `--force` would otherwise
/// delete the originals, or the output would be read back as input.
fn refuse_overlap(input: &Path, output: &Path) -> Result<()> {
    let input = input.canonicalize().with_context(|| format!("{}: cannot read", input.display()))?;
    let output = match output.canonicalize() {
        Ok(p) => p,
        Err(_) => {
            let parent = output.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
            let parent = parent.canonicalize().with_context(|| format!("{}: no such directory", parent.display()))?;
            parent.join(output.file_name().unwrap_or_default())
        }
    };
    if output == input || output.starts_with(&input) || input.starts_with(&output) {
        bail!("the output {} overlaps the input {}: write it somewhere else", output.display(), input.display());
    }
    Ok(())
}
