//! `fieldkit redact`: write a redacted copy of a file, directory or archive, keeping its layout and
//! every line where it was; and `--reverse` to look a pseudonym up in the private map.

use std::fs;
use std::io::Write;
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

enum Sink {
    Dir(PathBuf),
    File(PathBuf),
    TarGz(tar::Builder<flate2::write::GzEncoder<fs::File>>),
}

impl Sink {
    fn put(&mut self, rel: &str, bytes: &[u8]) -> Result<()> {
        match self {
            Sink::Dir(root) => {
                let dest = root.join(rel);
                if let Some(parent) = dest.parent() {
                    fs::create_dir_all(parent).with_context(|| format!("{}: cannot create", parent.display()))?;
                }
                fs::write(&dest, bytes).with_context(|| format!("{}: cannot write", dest.display()))
            }
            Sink::File(path) => fs::write(&*path, bytes).with_context(|| format!("{}: cannot write", path.display())),
            Sink::TarGz(builder) => {
                let mut header = tar::Header::new_gnu();
                header.set_size(bytes.len() as u64);
                header.set_mode(0o644);
                header.set_cksum();
                builder.append_data(&mut header, rel, bytes).with_context(|| format!("adding {rel} to the archive"))
            }
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

fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes)?;
    Ok(enc.finish()?)
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
    let mut out = Vec::new();
    for file in &bundle.files {
        let bytes = file.read(bundle.limits.max_total_bytes)?;
        out.clear();
        // Pseudonyms are about as long as what they replace: reserve once instead of growing
        // (and page-faulting) through a dozen reallocations on big files.
        out.reserve(bytes.len() + bytes.len() / 16);
        redactor.redact_text(&bytes, &mut out);
        // Line-spanning state (an open PEM block) must not leak into the next file.
        redactor.end_file();
        let rel = redact_path(&mut redactor, &file.path);
        let data = if file.gzip { gzip(&out)? } else { std::mem::take(&mut out) };
        sink.put(&rel, &data)?;
        files += 1;
        bytes_in += bytes.len() as u64;
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
