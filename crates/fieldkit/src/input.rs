//! Opening inputs the way every command does: bundles with their limits and zone, rule directories.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use fieldkit_diagnose::{Playbook, builtin_sources};
use fieldkit_logs::{Bundle, Limits, SourceZone};

use crate::cli::BundleOpts;

pub fn open_bundle(path: &Path, opts: &BundleOpts) -> Result<Bundle> {
    let limits = Limits { max_total_bytes: opts.max_bundle_size, ..Limits::default() };
    Ok(Bundle::open(path, limits)?)
}

pub fn zone(opts: &BundleOpts) -> Result<SourceZone> {
    Ok(SourceZone::parse(&opts.tz)?)
}

/// Reads every `*.yaml` / `*.yml` in the directories, sorted by name: (path, text).
pub fn read_rule_dirs(dirs: &[PathBuf]) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for dir in dirs {
        let entries =
            std::fs::read_dir(dir).with_context(|| format!("{}: cannot read rule directory", dir.display()))?;
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
            .collect();
        paths.sort();
        if paths.is_empty() {
            anyhow::bail!("{}: no *.yaml or *.yml rule files", dir.display());
        }
        for path in paths {
            let text = std::fs::read_to_string(&path).with_context(|| format!("{}: cannot read", path.display()))?;
            out.push((path.display().to_string(), text));
        }
    }
    Ok(out)
}

/// The built-in playbook plus the user's rule directories; errors list every problem found.
pub fn load_playbook(dirs: &[PathBuf]) -> Result<Playbook> {
    let user = read_rule_dirs(dirs)?;
    let builtin = builtin_sources().iter().map(|(n, t)| (format!("built-in:{n}"), t.to_string()));
    Playbook::from_sources(builtin, user).map_err(|errors| {
        let list: Vec<String> = errors.iter().map(|e| format!("  {e}")).collect();
        anyhow::anyhow!("the playbook has {} problem(s):\n{}", errors.len(), list.join("\n"))
    })
}
