//! `fieldkit monitoring`: the monitoring package of an inventory, written into a directory.

use std::path::Path;

use anyhow::{Context, Result, bail};
use fieldkit_platform::monitoring::{Dialect, generate};

use crate::cli::{MonitoringArgs, MonitoringDialect};
use crate::cmd::printable;
use crate::exit;

pub fn run(args: MonitoringArgs) -> Result<u8> {
    let platform = crate::cmd::platform::load(&args.input, args.properties.as_deref())?;
    let dialect = match args.dialect {
        MonitoringDialect::Confluent => Dialect::Confluent,
        MonitoringDialect::Strimzi => Dialect::Strimzi,
    };
    let name = env_name(&args.input);
    let package = generate(&platform, &name, dialect);
    prepare(&args.output, args.force)?;
    for (rel, text) in &package.files {
        let path = args.output.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create", dir.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("{}: cannot write", path.display()))?;
        println!("wrote {}", path.display());
    }
    println!("{} scrape target(s) for {} ({} dialect)", package.targets.len(), printable(&name), dialect.as_str());
    for note in &package.notes {
        eprintln!("note: {}", printable(note));
    }
    Ok(exit::OK)
}

/// The `env` / `cluster` label: the inventory's file name without its extension.
fn env_name(input: &Path) -> String {
    let stem = input.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let clean: String =
        stem.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' }).collect();
    if clean.is_empty() { "kafka".into() } else { clean }
}

/// Creates the output directory, or accepts an existing one that is empty (or any with `--force`).
fn prepare(dir: &Path, force: bool) -> Result<()> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() && !force {
                bail!("{}: the directory is not empty (use --force to write into it)", dir.display());
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create", dir.display()))
        }
        Err(e) => Err(e).with_context(|| format!("{}: cannot read the output directory", dir.display())),
    }
}
