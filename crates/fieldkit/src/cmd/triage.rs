//! `fieldkit triage`: read a bundle, scan every file against the playbook in parallel, aggregate
//! in bundle order, render.

use std::io::Write;
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use fieldkit_diagnose::{Aggregator, Report, ScanOptions, Severity, render};
use fieldkit_logs::{Skipped, parse_cli_time};
use rayon::prelude::*;

use crate::cli::{MinSeverity, ReportFormat, TriageArgs};
use crate::cmd::{report_text, write_output};
use crate::exit;
use crate::input::{load_playbook, open_bundle, zone};
use crate::term::{Progress, Style};

pub fn min_severity(s: MinSeverity) -> Severity {
    match s {
        MinSeverity::Info => Severity::Info,
        MinSeverity::Warning => Severity::Warning,
        MinSeverity::Error => Severity::Error,
        MinSeverity::Critical => Severity::Critical,
    }
}

pub fn run(args: TriageArgs) -> Result<u8> {
    let started = Instant::now();
    let zone = zone(&args.bundle_opts)?;
    let parse_time = |flag: &str, value: &Option<String>| -> Result<Option<i64>> {
        match value {
            None => Ok(None),
            Some(text) => match parse_cli_time(text, &zone) {
                Some(ms) => Ok(Some(ms)),
                None => bail!(
                    "{flag}: cannot read {text:?} as a time: use RFC 3339 (2026-03-14T09:00:00Z) or 'YYYY-MM-DD HH:MM[:SS]'"
                ),
            },
        }
    };
    let opts = ScanOptions {
        since: parse_time("--since", &args.since)?,
        until: parse_time("--until", &args.until)?,
        zone: zone.clone(),
        every_rule: false,
    };
    if let (Some(since), Some(until)) = (opts.since, opts.until)
        && since > until
    {
        bail!("--since is after --until: nothing could match");
    }
    let playbook = load_playbook(&args.rules)?;
    let bundle = open_bundle(&args.bundle, &args.bundle_opts)?;
    let redactor = if args.redact { Some(crate::cmd::redact::open_redactor(&args.key_file, &[], &[])?) } else { None };

    if bundle.files.is_empty() {
        let why: Vec<String> = bundle.skipped.iter().take(5).map(|s| format!("{}: {}", s.path, s.reason)).collect();
        bail!(
            "{}: no readable log or config file in the bundle ({} skipped{}{})",
            args.bundle.display(),
            bundle.skipped.len(),
            if why.is_empty() { "" } else { ": " },
            why.join("; ")
        );
    }
    let total: u64 = bundle.files.iter().map(|f| f.size).sum();
    let progress = Mutex::new(Progress::new(total, args.bundle_opts.no_progress));
    let scans: Vec<_> = bundle
        .files
        .par_iter()
        .map(|file| {
            let result = file
                .read_partial(&bundle.limits)
                .map(|(bytes, damage)| (playbook.scan(&bytes, file.kind, &opts), damage));
            if let Ok(mut p) = progress.lock() {
                p.advance(file.size, &file.path);
            }
            result
        })
        .collect();
    if let Ok(p) = progress.into_inner() {
        p.finish();
    }

    let mut aggregator = Aggregator::new(&playbook, bundle.name.clone());
    let mut skipped: Vec<Skipped> = bundle.skipped.clone();
    for (file, scan) in bundle.files.iter().zip(scans) {
        match scan {
            Ok((scan, damage)) => {
                aggregator.add(&file.path, &file.host, file.kind, scan);
                if let Some(damage) = damage {
                    skipped.push(Skipped { path: file.path.clone(), reason: format!("partly read: {damage}") });
                }
            }
            Err(e) => skipped.push(Skipped { path: file.path.clone(), reason: format!("unreadable: {}", e.reason()) }),
        }
    }
    let mut report = aggregator.finish(min_severity(args.min_severity), skipped);
    report.stats.elapsed_ms = started.elapsed().as_millis() as u64;
    if let Some(mut redactor) = redactor {
        crate::cmd::redact::redact_report(&mut redactor, &mut report);
    }

    let rendered = render_report(&report, args.format, args.output.is_none())?;
    write_output(args.output.as_deref(), rendered.as_bytes())?;
    Ok(if report.has_problems() { exit::FINDINGS } else { exit::OK })
}

fn render_report(report: &Report, format: ReportFormat, to_terminal: bool) -> Result<String> {
    Ok(match format {
        ReportFormat::Json => {
            let mut s = serde_json::to_string_pretty(report)?;
            s.push('\n');
            s
        }
        ReportFormat::Markdown => render::markdown(report),
        ReportFormat::Html => render::html(report, env!("CARGO_PKG_VERSION")).context("rendering the HTML report")?,
        ReportFormat::Text => {
            let style = if to_terminal { Style::for_stdout() } else { Style { enabled: false } };
            let mut out = Vec::new();
            report_text::write(&mut out, report, style)?;
            out.flush()?;
            String::from_utf8_lossy(&out).into_owned()
        }
    })
}
