//! A support bundle: a directory, an archive, or a single file, turned into an ordered list of the
//! log and config files inside it, plus a list of everything that was skipped and why.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::archive::{self, ArchiveKind, Budget};
use crate::kind::{FileKind, Rotation, is_binary_name, kind_from_content, kind_from_name, rotation_of};

/// Safety limits for opening bundles. The defaults suit real support bundles (gigabytes of text
/// that compresses 10–30x) while stopping zip bombs and runaway archives.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Total bytes extracted or decompressed from one bundle.
    pub max_total_bytes: u64,
    /// Largest allowed ratio of extracted bytes to archive bytes.
    pub max_ratio: u64,
    /// The ratio is only judged once this much was extracted: tiny archives of repetitive text
    /// legitimately compress far better than big ones.
    pub ratio_floor_bytes: u64,
    /// Entries per bundle (all archives together).
    pub max_entries: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_total_bytes: 32 << 30, max_ratio: 250, ratio_floor_bytes: 64 << 20, max_entries: 200_000 }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("{path}: no such file or directory")]
    NotFound { path: PathBuf },
    /// The cause is the error's `source`, so chains (`{:#}`) print it once.
    #[error("{path}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{path}: not a readable archive: {message}")]
    Corrupt { path: PathBuf, message: String },
    #[error("{path}: extracting it would exceed the size limit of {limit} bytes (raise it with --max-bundle-size)")]
    TooLarge { path: PathBuf, limit: u64 },
    #[error("{path}: compression ratio {ratio}:1 exceeds the limit of {limit}:1 — refusing a likely zip bomb")]
    Bomb { path: PathBuf, ratio: u64, limit: u64 },
    #[error("{path}: more than {limit} entries")]
    TooManyEntries { path: PathBuf, limit: usize },
}

impl BundleError {
    pub(crate) fn io(path: &Path, source: io::Error) -> Self {
        BundleError::Io { path: path.to_path_buf(), source }
    }
    pub(crate) fn corrupt(path: &Path, e: impl std::fmt::Display) -> Self {
        BundleError::Corrupt { path: path.to_path_buf(), message: e.to_string() }
    }

    /// Why, without the (often temporary) path: for `skipped` reasons, which carry the path
    /// inside the bundle themselves.
    pub fn reason(&self) -> String {
        match self {
            BundleError::NotFound { .. } => "no such file or directory".into(),
            BundleError::Io { source, .. } => source.to_string(),
            BundleError::Corrupt { message, .. } => format!("not readable: {message}"),
            BundleError::TooLarge { limit, .. } => format!("larger than the size limit of {limit} bytes"),
            BundleError::Bomb { ratio, limit, .. } => format!("compression ratio {ratio}:1 exceeds {limit}:1"),
            BundleError::TooManyEntries { limit, .. } => format!("more than {limit} entries"),
        }
    }
}

/// A file that was not read, and why. Shown to the user: nothing disappears silently.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

/// One file of the bundle.
#[derive(Clone, Debug, serde::Serialize)]
pub struct BundleFile {
    /// Path inside the bundle, `/`-separated; members of nested archives are prefixed with the
    /// archive's own path (`broker-1.tar.gz/server.log`).
    pub path: String,
    #[serde(skip)]
    pub disk_path: PathBuf,
    pub kind: FileKind,
    /// The host the file came from: the first directory of its path when the bundle has one per host.
    pub host: String,
    /// Size on disk (compressed size for `.gz` members).
    pub size: u64,
    /// `.gz` members are decompressed on read.
    pub gzip: bool,
}

impl BundleFile {
    /// Reads the whole file, decompressing `.gz` within the limits. Any damage is an error.
    pub fn read(&self, limits: &Limits) -> Result<Vec<u8>, BundleError> {
        match self.read_partial(limits)? {
            (bytes, None) => Ok(bytes),
            (_, Some(damage)) => Err(BundleError::corrupt(&self.disk_path, damage)),
        }
    }

    /// Reads the whole file; a truncated or corrupt `.gz` member yields what decompressed before
    /// the damage, with a note saying so, rather than nothing.
    pub fn read_partial(&self, limits: &Limits) -> Result<(Vec<u8>, Option<String>), BundleError> {
        let mut out = Vec::new();
        if !self.gzip {
            out.reserve(self.size as usize);
        }
        match self.reader(limits)?.read_to_end(&mut out) {
            Ok(_) => Ok((out, None)),
            Err(e) if self.gzip && is_damage(&e) => {
                let note = format!("gzip stream damaged after {} bytes ({e}); read up to there", out.len());
                Ok((out, Some(note)))
            }
            Err(e) => Err(self.read_error(e, limits)),
        }
    }

    /// A streaming reader over the file's (decompressed) bytes. It fails with an error naming the
    /// limit once more than `max_total_bytes` come out, or when a `.gz` member inflates beyond the
    /// compression-ratio limit: a gzip bomb is stopped while it inflates.
    pub fn reader(&self, limits: &Limits) -> Result<Box<dyn Read + Send>, BundleError> {
        let file = File::open(&self.disk_path).map_err(|e| BundleError::io(&self.disk_path, e))?;
        let inner: Box<dyn Read + Send> = if self.gzip {
            Box::new(flate2::read::MultiGzDecoder::new(io::BufReader::new(file)))
        } else {
            Box::new(file)
        };
        let ratio = self.gzip.then(|| (self.size.max(1), limits.max_ratio, limits.ratio_floor_bytes));
        Ok(Box::new(LimitedReader { inner, read: 0, limit: limits.max_total_bytes, ratio }))
    }

    /// Maps a read failure to the bundle error that explains it.
    pub fn read_error(&self, e: io::Error, limits: &Limits) -> BundleError {
        match e.kind() {
            io::ErrorKind::FileTooLarge => {
                BundleError::TooLarge { path: self.disk_path.clone(), limit: limits.max_total_bytes }
            }
            io::ErrorKind::QuotaExceeded => BundleError::Bomb {
                path: self.disk_path.clone(),
                ratio: e.to_string().parse().unwrap_or(0),
                limit: limits.max_ratio,
            },
            _ => BundleError::io(&self.disk_path, e),
        }
    }
}

/// Truncated or corrupt compressed data, as flate2 reports it.
fn is_damage(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::UnexpectedEof | io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData)
}

/// Counts what comes out and stops at the size limit (`FileTooLarge`) or, for compressed input,
/// the ratio limit (`QuotaExceeded`, the ratio as the message).
struct LimitedReader {
    inner: Box<dyn Read + Send>,
    read: u64,
    limit: u64,
    /// (compressed size, max ratio, floor) for `.gz` members.
    ratio: Option<(u64, u64, u64)>,
}

impl Read for LimitedReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read > self.limit {
            return Err(io::Error::new(io::ErrorKind::FileTooLarge, "file exceeds the size limit"));
        }
        if let Some((compressed, max_ratio, floor)) = self.ratio
            && self.read > floor
            && self.read / compressed > max_ratio
        {
            return Err(io::Error::new(io::ErrorKind::QuotaExceeded, (self.read / compressed).to_string()));
        }
        Ok(n)
    }
}

/// An opened bundle. Extracted archives live in a temporary directory removed on drop.
#[derive(Debug)]
pub struct Bundle {
    pub name: String,
    pub files: Vec<BundleFile>,
    pub skipped: Vec<Skipped>,
    pub limits: Limits,
    _scratch: Option<tempfile::TempDir>,
}

struct Walker<'a> {
    limits: &'a Limits,
    budget: Budget,
    scratch: Option<tempfile::TempDir>,
    nested: usize,
    files: Vec<BundleFile>,
    skipped: Vec<Skipped>,
}

impl Walker<'_> {
    fn scratch_dir(&mut self) -> Result<PathBuf, BundleError> {
        if self.scratch.is_none() {
            let dir = tempfile::Builder::new()
                .prefix("fieldkit-bundle-")
                .tempdir()
                .map_err(|e| BundleError::io(&std::env::temp_dir(), e))?;
            self.scratch = Some(dir);
        }
        let base = self.scratch.as_ref().map(|d| d.path().to_path_buf()).unwrap_or_default();
        self.nested += 1;
        let dir = base.join(format!("x{}", self.nested));
        fs::create_dir_all(&dir).map_err(|e| BundleError::io(&dir, e))?;
        Ok(dir)
    }

    /// Walks `dir`, naming files `prefix` + relative path. `archive_depth` counts the archives
    /// opened on the way here, the bundle's own archive not counted: archives inside the bundle
    /// open, archives inside those do not.
    fn walk(&mut self, dir: &Path, prefix: &str, archive_depth: u32) -> Result<(), BundleError> {
        let mut entries: Vec<_> = Vec::new();
        for entry in walkdir::WalkDir::new(dir).min_depth(1).follow_links(false).sort_by_file_name() {
            match entry {
                Ok(e) => entries.push(e),
                Err(e) => {
                    let path = e.path().map(|p| display_path(dir, p, prefix)).unwrap_or_else(|| prefix.to_string());
                    self.skipped.push(Skipped { path, reason: format!("unreadable: {e}") });
                }
            }
        }
        for entry in entries {
            let path = entry.path();
            let display = display_path(dir, path, prefix);
            let file_type = entry.file_type();
            if file_type.is_symlink() {
                self.skipped.push(Skipped { path: display, reason: "symbolic link not followed".into() });
                continue;
            }
            if file_type.is_dir() {
                continue;
            }
            if !file_type.is_file() {
                self.skipped
                    .push(Skipped { path: display, reason: "not a regular file (pipe, socket or device)".into() });
                continue;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(kind) = ArchiveKind::of(&name) {
                if archive_depth >= 1 {
                    self.skipped.push(Skipped {
                        path: display,
                        reason: "archive nested more than one level deep: not opened".into(),
                    });
                    continue;
                }
                let dest = self.scratch_dir()?;
                let nested_prefix = format!("{display}/");
                match archive::extract(
                    path,
                    kind,
                    &dest,
                    &nested_prefix,
                    self.limits,
                    &mut self.budget,
                    &mut self.skipped,
                ) {
                    Ok(()) => {}
                    // One damaged or hostile nested archive costs only itself; what it yielded
                    // before the problem is still read. The bundle-wide size limit still stops all.
                    Err(e @ (BundleError::Corrupt { .. } | BundleError::Bomb { .. } | BundleError::Io { .. })) => {
                        self.skipped.push(Skipped { path: display, reason: e.reason() });
                    }
                    Err(e) => return Err(e),
                }
                self.walk(&dest, &nested_prefix, archive_depth + 1)?;
                continue;
            }
            if is_binary_name(&name) {
                self.skipped.push(Skipped { path: display, reason: "binary file".into() });
                continue;
            }
            let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
            if size == 0 {
                self.skipped.push(Skipped { path: display, reason: "empty file".into() });
                continue;
            }
            let gzip = name.to_ascii_lowercase().ends_with(".gz");
            let mut file = BundleFile {
                path: display,
                disk_path: path.to_path_buf(),
                kind: FileKind::Other,
                host: String::new(),
                size,
                gzip,
            };
            file.kind = match kind_from_name(&name) {
                Some(kind) => kind,
                None => match sniff(&file) {
                    Ok(head) if looks_binary(&head) => {
                        self.skipped.push(Skipped { path: file.path, reason: "binary content".into() });
                        continue;
                    }
                    Ok(head) => kind_from_content(&head),
                    Err(e) => {
                        self.skipped.push(Skipped { path: file.path, reason: format!("unreadable: {}", e.reason()) });
                        continue;
                    }
                },
            };
            self.files.push(file);
        }
        Ok(())
    }
}

fn display_path(root: &Path, path: &Path, prefix: &str) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let rel: Vec<_> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    format!("{prefix}{}", rel.join("/"))
}

fn sniff(file: &BundleFile) -> Result<Vec<u8>, BundleError> {
    let handle = File::open(&file.disk_path).map_err(|e| BundleError::io(&file.disk_path, e))?;
    let mut head = Vec::with_capacity(8192);
    let result = if file.gzip {
        flate2::read::MultiGzDecoder::new(handle).take(8192).read_to_end(&mut head)
    } else {
        handle.take(8192).read_to_end(&mut head)
    };
    result.map_err(|e| BundleError::io(&file.disk_path, e))?;
    Ok(head)
}

/// Text logs may hold a stray NUL or invalid UTF-8; binaries are dense with control bytes.
fn looks_binary(head: &[u8]) -> bool {
    let control = head.iter().filter(|&&b| b < 0x09 || (0x0e..0x20).contains(&b)).count();
    !head.is_empty() && control * 10 > head.len()
}

impl Bundle {
    /// Opens a directory, a `.tar` / `.tar.gz` / `.tgz` / `.zip` archive, or a single log file.
    pub fn open(input: &Path, limits: Limits) -> Result<Bundle, BundleError> {
        let meta = fs::metadata(input).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => BundleError::NotFound { path: input.to_path_buf() },
            _ => BundleError::io(input, e),
        })?;
        let name =
            input.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| input.display().to_string());
        let mut walker = Walker {
            limits: &limits,
            budget: Budget { written: 0, entries: 0 },
            scratch: None,
            nested: 0,
            files: Vec::new(),
            skipped: Vec::new(),
        };
        if meta.is_dir() {
            walker.walk(input, "", 0)?;
        } else if let Some(kind) = ArchiveKind::of(&name) {
            let dest = walker.scratch_dir()?;
            archive::extract(input, kind, &dest, "", &limits, &mut walker.budget, &mut walker.skipped)?;
            walker.walk(&dest, "", 0)?;
        } else {
            // A single file: its parent is the walk root, the file the only entry taken.
            let gzip = name.to_ascii_lowercase().ends_with(".gz");
            let mut file = BundleFile {
                path: name.clone(),
                disk_path: input.to_path_buf(),
                kind: FileKind::Other,
                host: String::new(),
                size: meta.len(),
                gzip,
            };
            file.kind = match kind_from_name(&name) {
                Some(kind) => kind,
                None => kind_from_content(&sniff(&file)?),
            };
            walker.files.push(file);
        }
        let Walker { scratch, mut files, skipped, .. } = walker;
        assign_hosts(&mut files);
        order_by_family(&mut files);
        Ok(Bundle { name, files, skipped, limits, _scratch: scratch })
    }
}

/// A file's host is its first directory when the bundle is laid out one directory per host. A
/// first directory that every file shares (`tls-outage/broker-1/server.log` from `tar czf x.tgz
/// tls-outage`) is the bundle's own name, not a host, and is looked past.
fn assign_hosts(files: &mut [BundleFile]) {
    let first_dir = |p: &str| p.split_once('/').map(|(d, _)| d.to_string());
    let shared = match files.first().and_then(|f| first_dir(&f.path)) {
        Some(d) if files.iter().all(|f| first_dir(&f.path).as_deref() == Some(d.as_str())) => d.len() + 1,
        _ => 0,
    };
    for file in files.iter_mut() {
        let rest = &file.path[shared.min(file.path.len())..];
        file.host = match rest.split_once('/') {
            Some((first, _)) => strip_archive_extension(first).to_string(),
            None => String::new(),
        };
    }
}

/// `broker-1.tar.gz` → `broker-1`, whatever the case of the extension.
fn strip_archive_extension(name: &str) -> &str {
    let lower = name.to_ascii_lowercase();
    for ext in [".tar.gz", ".tgz", ".tar", ".zip"] {
        if lower.ends_with(ext) {
            return &name[..name.len() - ext.len()];
        }
    }
    name
}

/// Sorts files by directory and family, and rotated members of a family oldest first, so records
/// are read in time order.
fn order_by_family(files: &mut Vec<BundleFile>) {
    let mut families: BTreeMap<(String, String), Vec<(Rotation, BundleFile)>> = BTreeMap::new();
    for file in files.drain(..) {
        let (dir, name) = file
            .path
            .rsplit_once('/')
            .map_or((String::new(), file.path.clone()), |(d, n)| (d.to_string(), n.to_string()));
        let (base, rotation) = rotation_of(&name);
        families.entry((dir, base.to_string())).or_default().push((rotation, file));
    }
    for (_, mut members) in families {
        members.sort_by(|(a, fa), (b, fb)| a.time_order(b).then_with(|| fa.path.cmp(&fb.path)));
        files.extend(members.into_iter().map(|(_, f)| f));
    }
}
