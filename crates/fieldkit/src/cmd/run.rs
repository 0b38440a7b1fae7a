//! `fieldkit run` and `fieldkit validate`: the ingest pipeline from a TOML config.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use fieldkit_stream::{Config, RunOptions, Shutdown, validate as validate_config};

use crate::cli::{RunArgs, ValidateArgs};
use crate::exit;

/// Reads and validates a config against the process environment; every error names file:line:col.
fn load(path: &Path) -> Result<Config> {
    let text = std::fs::read_to_string(path).with_context(|| format!("{}: cannot read", path.display()))?;
    validate_config(&text, std::env::vars()).map_err(|errors| {
        let list: Vec<String> =
            errors.iter().map(|e| format!("  {}:{}:{}: {}", path.display(), e.line, e.column, e.message)).collect();
        anyhow::anyhow!("{} has {} problem(s):\n{}", path.display(), errors.len(), list.join("\n"))
    })
}

pub fn validate(args: ValidateArgs) -> Result<u8> {
    let config = load(&args.config)?;
    println!(
        "{}: OK ({} source(s), {} transform(s), {} sink(s))",
        args.config.display(),
        config.sources.len(),
        config.transforms.len(),
        config.sinks.len()
    );
    Ok(exit::OK)
}

pub fn run(args: RunArgs) -> Result<u8> {
    let config = load(&args.config)?;
    let shutdown = Shutdown::new();
    let on_signal = shutdown.clone();
    // Ctrl-C and SIGTERM stop reading; what is in flight is drained and committed before exit.
    ctrlc::set_handler(move || {
        eprintln!("fieldkit: stopping: draining records in flight (Ctrl-C again to force)");
        if on_signal.is_triggered() {
            std::process::exit(i32::from(exit::ERROR));
        }
        on_signal.trigger();
    })
    .context("installing the Ctrl-C handler")?;
    // The flag, when given, wins over the config.
    let interval = args.status_interval.unwrap_or(config.pipeline.status_interval);
    let options = RunOptions {
        shutdown,
        status: (!interval.is_zero()).then(|| {
            Box::new(|status: &fieldkit_stream::Status| eprintln!("fieldkit: {status}"))
                as fieldkit_stream::StatusCallback
        }),
        status_interval: interval.max(Duration::from_millis(100)),
    };
    let counters = fieldkit_stream::run_blocking(&config, options)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&counters)?);
    } else {
        eprintln!(
            "fieldkit: done: consumed {} · stored {} · duplicates {} · filtered {} · dead-lettered {} · written {} · failed {}",
            counters.consumed,
            counters.stored,
            counters.duplicates,
            counters.filtered,
            counters.dead_lettered,
            counters.written,
            counters.failed
        );
    }
    if !counters.reconciles() {
        bail!("counters do not reconcile: {} record(s) unaccounted for", counters.in_flight());
    }
    if counters.failed > 0 {
        // Nothing is lost (the positions stayed before them), but the run did not deliver
        // everything it read: a CI job or a supervisor must see that.
        bail!(
            "{} record(s) could not be delivered by a sink; their source positions were not advanced, so a restart reads them again",
            counters.failed
        );
    }
    Ok(exit::OK)
}
