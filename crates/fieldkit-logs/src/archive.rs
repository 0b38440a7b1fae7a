//! Safe extraction of `.tar`, `.tar.gz` / `.tgz` and `.zip` bundles.
//!
//! Bundles come from customers' machines and are opened on a support engineer's: an entry may try
//! to climb out of the extraction root (`../../.bashrc`), be a symlink to `/etc`, or be a zip bomb.
//! Every entry is checked before a byte is written; what is not extracted is reported, never
//! silently dropped.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Component, Path, PathBuf};

use crate::bundle::{BundleError, Limits, Skipped};

/// The archive formats we open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArchiveKind {
    Tar,
    TarGz,
    Zip,
}

impl ArchiveKind {
    pub fn of(name: &str) -> Option<ArchiveKind> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".tar.gz") || lower.ends_with(".tgz") {
            Some(ArchiveKind::TarGz)
        } else if lower.ends_with(".tar") {
            Some(ArchiveKind::Tar)
        } else if lower.ends_with(".zip") {
            Some(ArchiveKind::Zip)
        } else {
            None
        }
    }
}

/// Byte budget shared by everything extracted from one bundle.
pub(crate) struct Budget {
    pub written: u64,
    pub entries: usize,
}

/// Turns an archive entry's name into a safe relative path, or says why it is refused.
fn safe_relative(name: &Path) -> Result<PathBuf, &'static str> {
    let mut out = PathBuf::new();
    for component in name.components() {
        match component {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            Component::ParentDir => return Err("path climbs out of the bundle (`..`): not extracted"),
            Component::RootDir | Component::Prefix(_) => return Err("absolute path: not extracted"),
        }
    }
    if out.as_os_str().is_empty() {
        return Err("empty path");
    }
    Ok(out)
}

/// Creates `dest` for writing without ever replacing an earlier entry of the same name: a second
/// `b1/server.log` in one archive lands as `b1/server.log~2`, so both are read.
fn create_unique(dest: &Path) -> io::Result<File> {
    if let Some(parent) = dest.parent() {
        fs::create_dir_all(parent)?;
    }
    let mut candidate = dest.to_path_buf();
    for n in 2..10_000 {
        match fs::OpenOptions::new().write(true).create_new(true).open(&candidate) {
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                let mut name = dest.as_os_str().to_os_string();
                name.push(format!("~{n}"));
                candidate = PathBuf::from(name);
            }
            other => return other,
        }
    }
    Err(io::Error::new(io::ErrorKind::AlreadyExists, "too many entries with one name"))
}

/// One archive being extracted: where from, where to, and the shared limits and budget.
struct Extraction<'a> {
    archive: &'a Path,
    /// On-disk size of the archive, for the compression-ratio check.
    size: u64,
    dest: &'a Path,
    /// Prepended to entry names in `skipped` (the archive's own path for nested archives).
    prefix: &'a str,
    limits: &'a Limits,
    budget: &'a mut Budget,
    skipped: &'a mut Vec<Skipped>,
    /// Bytes extracted from THIS archive: the compression ratio is judged per archive, the total
    /// size limit on the whole bundle.
    written_here: u64,
}

/// Extracts `archive` into `dest` (which must exist). Entries that cannot be extracted safely are
/// added to `skipped` with `display_prefix` + their name.
pub(crate) fn extract(
    archive: &Path,
    kind: ArchiveKind,
    dest: &Path,
    display_prefix: &str,
    limits: &Limits,
    budget: &mut Budget,
    skipped: &mut Vec<Skipped>,
) -> Result<(), BundleError> {
    let size = fs::metadata(archive).map_err(|e| BundleError::io(archive, e))?.len();
    let mut x = Extraction { archive, size, dest, prefix: display_prefix, limits, budget, skipped, written_here: 0 };
    match kind {
        ArchiveKind::Tar | ArchiveKind::TarGz => {
            let file = File::open(archive).map_err(|e| BundleError::io(archive, e))?;
            let reader: Box<dyn Read> = if kind == ArchiveKind::TarGz {
                Box::new(flate2::read::MultiGzDecoder::new(io::BufReader::new(file)))
            } else {
                Box::new(io::BufReader::new(file))
            };
            x.tar(reader)
        }
        ArchiveKind::Zip => x.zip(),
    }
}

impl Extraction<'_> {
    fn skip(&mut self, name: impl std::fmt::Display, reason: impl Into<String>) {
        self.skipped.push(Skipped { path: format!("{}{name}", self.prefix), reason: reason.into() });
    }

    fn count_entry(&mut self) -> Result<(), BundleError> {
        self.budget.entries += 1;
        if self.budget.entries > self.limits.max_entries {
            return Err(BundleError::TooManyEntries {
                path: self.archive.to_path_buf(),
                limit: self.limits.max_entries,
            });
        }
        Ok(())
    }

    /// Copies one entry to `rel` under the destination, within the budget; errors out when the
    /// entry would break a limit.
    fn copy(&mut self, reader: &mut dyn Read, rel: &Path) -> Result<(), BundleError> {
        let dest = self.dest.join(rel);
        let mut out = match create_unique(&dest) {
            Ok(out) => out,
            Err(e) => {
                // A file where a directory must go (or the reverse): only this entry is lost.
                self.skip(rel.display(), format!("cannot be extracted beside the other entries: {e}"));
                return Ok(());
            }
        };
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // A read failure is the archive's fault (truncated, bad CRC), not the disk's.
                Err(e) => return Err(BundleError::corrupt(self.archive, e)),
            };
            self.budget.written += n as u64;
            self.written_here += n as u64;
            let limits = self.limits;
            if self.budget.written > limits.max_total_bytes {
                return Err(BundleError::TooLarge { path: self.archive.to_path_buf(), limit: limits.max_total_bytes });
            }
            // The ratio is judged on the running total, so a bomb is stopped long before it lands on disk.
            let ratio = self.written_here / self.size.max(1);
            if self.written_here > limits.ratio_floor_bytes && ratio > limits.max_ratio {
                return Err(BundleError::Bomb { path: self.archive.to_path_buf(), ratio, limit: limits.max_ratio });
            }
            out.write_all(&buf[..n]).map_err(|e| BundleError::io(&dest, e))?;
        }
        Ok(())
    }

    fn tar(&mut self, reader: Box<dyn Read>) -> Result<(), BundleError> {
        let mut tar = tar::Archive::new(reader);
        let entries = tar.entries().map_err(|e| BundleError::corrupt(self.archive, e))?;
        for entry in entries {
            let mut entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    // A truncated archive: keep what was read, say where it stopped.
                    self.skip("(rest of archive)", format!("archive is truncated or corrupt: {e}"));
                    break;
                }
            };
            self.count_entry()?;
            let Ok(name) = entry.path().map(|p| p.into_owned()) else {
                self.skip("?", "entry name is not readable");
                continue;
            };
            let entry_type = entry.header().entry_type();
            if entry_type.is_dir() {
                continue;
            }
            if !entry_type.is_file() {
                let what = if entry_type.is_symlink() || entry_type.is_hard_link() {
                    "link not followed"
                } else {
                    "not a regular file"
                };
                self.skip(name.display(), what);
                continue;
            }
            let rel = match safe_relative(&name) {
                Ok(rel) => rel,
                Err(reason) => {
                    self.skip(name.display(), reason);
                    continue;
                }
            };
            match self.copy(&mut entry, &rel) {
                Ok(()) => {}
                Err(BundleError::Corrupt { message, .. }) => {
                    // Keep what was read before the damage; say where it stopped.
                    self.skip(
                        name.display(),
                        format!("archive is truncated or corrupt here ({message}); read up to this point"),
                    );
                    break;
                }
                Err(other) => return Err(other),
            }
        }
        Ok(())
    }

    fn zip(&mut self) -> Result<(), BundleError> {
        let file = File::open(self.archive).map_err(|e| BundleError::io(self.archive, e))?;
        let mut zip =
            zip::ZipArchive::new(io::BufReader::new(file)).map_err(|e| BundleError::corrupt(self.archive, e))?;
        for i in 0..zip.len() {
            self.count_entry()?;
            let mut entry = match zip.by_index(i) {
                Ok(entry) => entry,
                Err(e) => {
                    self.skip(format!("#{i}"), format!("unreadable zip entry: {e}"));
                    continue;
                }
            };
            let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
            if entry.is_dir() {
                continue;
            }
            if entry.is_symlink() {
                self.skip(&name, "link not followed");
                continue;
            }
            let Some(rel) = entry.enclosed_name() else {
                let reason = safe_relative(Path::new(&name)).err().unwrap_or("unsafe path: not extracted");
                self.skip(&name, reason);
                continue;
            };
            match self.copy(&mut entry, &rel) {
                Ok(()) => {}
                // A damaged member (bad CRC, truncated) spoils only itself.
                Err(BundleError::Corrupt { message, .. }) => {
                    let _ = fs::remove_file(self.dest.join(&rel));
                    self.skip(&name, format!("unreadable zip entry: {message}"));
                }
                Err(other) => return Err(other),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_unsafe_paths() {
        assert!(safe_relative(Path::new("../etc/passwd")).is_err());
        assert!(safe_relative(Path::new("a/../../b")).is_err());
        assert!(safe_relative(Path::new("/etc/passwd")).is_err());
        assert_eq!(safe_relative(Path::new("./a/b.log")).unwrap(), PathBuf::from("a/b.log"));
    }
}
