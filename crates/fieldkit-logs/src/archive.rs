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

/// Copies at most the remaining budget; errors out when an entry would break a limit.
fn copy_limited(
    reader: &mut dyn Read,
    dest: &Path,
    archive: &Path,
    archive_size: u64,
    limits: &Limits,
    budget: &mut Budget,
) -> Result<(), BundleError> {
    if let Some(parent) = dest.parent() {
        fs::create_dir_all(parent).map_err(|e| BundleError::io(parent, e))?;
    }
    let mut out = File::create(dest).map_err(|e| BundleError::io(dest, e))?;
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            // A read failure is the archive's fault (truncated, bad CRC), not the disk's.
            Err(e) => return Err(BundleError::corrupt(archive, e)),
        };
        budget.written += n as u64;
        if budget.written > limits.max_total_bytes {
            return Err(BundleError::TooLarge { path: archive.to_path_buf(), limit: limits.max_total_bytes });
        }
        // The ratio is judged on the running total, so a bomb is stopped long before it lands on disk.
        let floor = limits.ratio_floor_bytes;
        if budget.written > floor && budget.written / archive_size.max(1) > limits.max_ratio {
            return Err(BundleError::Bomb {
                path: archive.to_path_buf(),
                ratio: budget.written / archive_size.max(1),
                limit: limits.max_ratio,
            });
        }
        out.write_all(&buf[..n]).map_err(|e| BundleError::io(dest, e))?;
    }
    Ok(())
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
    match kind {
        ArchiveKind::Tar | ArchiveKind::TarGz => {
            let file = File::open(archive).map_err(|e| BundleError::io(archive, e))?;
            let reader: Box<dyn Read> = if kind == ArchiveKind::TarGz {
                Box::new(flate2::read::MultiGzDecoder::new(io::BufReader::new(file)))
            } else {
                Box::new(io::BufReader::new(file))
            };
            extract_tar(reader, archive, size, dest, display_prefix, limits, budget, skipped)
        }
        ArchiveKind::Zip => extract_zip(archive, size, dest, display_prefix, limits, budget, skipped),
    }
}

#[allow(clippy::too_many_arguments)]
fn extract_tar(
    reader: Box<dyn Read>,
    archive: &Path,
    size: u64,
    dest: &Path,
    prefix: &str,
    limits: &Limits,
    budget: &mut Budget,
    skipped: &mut Vec<Skipped>,
) -> Result<(), BundleError> {
    let mut tar = tar::Archive::new(reader);
    let entries = tar.entries().map_err(|e| BundleError::corrupt(archive, e))?;
    for entry in entries {
        let mut entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                // A truncated archive: keep what was read, say where it stopped.
                skipped.push(Skipped {
                    path: format!("{prefix}(rest of archive)"),
                    reason: format!("archive is truncated or corrupt: {e}"),
                });
                break;
            }
        };
        budget.entries += 1;
        if budget.entries > limits.max_entries {
            return Err(BundleError::TooManyEntries { path: archive.to_path_buf(), limit: limits.max_entries });
        }
        let name = match entry.path() {
            Ok(p) => p.into_owned(),
            Err(_) => {
                skipped.push(Skipped { path: format!("{prefix}?"), reason: "entry name is not readable".into() });
                continue;
            }
        };
        let display = format!("{prefix}{}", name.display());
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
            skipped.push(Skipped { path: display, reason: what.into() });
            continue;
        }
        match safe_relative(&name) {
            Ok(rel) => match copy_limited(&mut entry, &dest.join(rel), archive, size, limits, budget) {
                Ok(()) => {}
                Err(BundleError::Corrupt { message, .. }) => {
                    // Keep what was read before the damage; say where it stopped.
                    skipped.push(Skipped {
                        path: display,
                        reason: format!("archive is truncated or corrupt here ({message}); read up to this point"),
                    });
                    break;
                }
                Err(other) => return Err(other),
            },
            Err(reason) => skipped.push(Skipped { path: display, reason: reason.into() }),
        }
    }
    Ok(())
}

fn extract_zip(
    archive: &Path,
    size: u64,
    dest: &Path,
    prefix: &str,
    limits: &Limits,
    budget: &mut Budget,
    skipped: &mut Vec<Skipped>,
) -> Result<(), BundleError> {
    let file = File::open(archive).map_err(|e| BundleError::io(archive, e))?;
    let mut zip = zip::ZipArchive::new(io::BufReader::new(file)).map_err(|e| BundleError::corrupt(archive, e))?;
    for i in 0..zip.len() {
        budget.entries += 1;
        if budget.entries > limits.max_entries {
            return Err(BundleError::TooManyEntries { path: archive.to_path_buf(), limit: limits.max_entries });
        }
        let mut entry = match zip.by_index(i) {
            Ok(entry) => entry,
            Err(e) => {
                skipped.push(Skipped { path: format!("{prefix}#{i}"), reason: format!("unreadable zip entry: {e}") });
                continue;
            }
        };
        let raw_name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        let display = format!("{prefix}{raw_name}");
        if entry.is_dir() {
            continue;
        }
        if entry.is_symlink() {
            skipped.push(Skipped { path: display, reason: "link not followed".into() });
            continue;
        }
        let Some(rel) = entry.enclosed_name() else {
            let reason = safe_relative(Path::new(&raw_name)).err().unwrap_or("unsafe path: not extracted");
            skipped.push(Skipped { path: display, reason: reason.into() });
            continue;
        };
        let target = dest.join(rel);
        if let Err(e) = copy_limited(&mut entry, &target, archive, size, limits, budget) {
            match e {
                // A damaged member (bad CRC, truncated) spoils only itself.
                BundleError::Corrupt { .. } => {
                    let _ = fs::remove_file(&target);
                    skipped.push(Skipped { path: display, reason: format!("unreadable zip entry: {e}") });
                }
                other => return Err(other),
            }
        }
    }
    Ok(())
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
