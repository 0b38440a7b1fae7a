//! The terminal rendering of a triage report: ranked, scannable, the evidence with file:line and
//! the remediation steps right under each finding.

use std::io::{self, Write};

use fieldkit_diagnose::{Report, Severity};

use crate::cmd::printable;
use crate::term::Style;

fn severity_badge(style: Style, s: Severity) -> String {
    let label = format!(" {:<8} ", s.as_str().to_ascii_uppercase());
    let code = match s {
        Severity::Critical => "1;37;41",
        Severity::Error => "1;31",
        Severity::Warning => "1;33",
        Severity::Info => "1;34",
    };
    style.paint(code, &label)
}

fn short_ts(ts: &Option<String>) -> String {
    ts.as_deref().map(|t| t.replacen('T', " ", 1)).unwrap_or_else(|| "-".into())
}

pub fn write(out: &mut impl Write, report: &Report, style: Style) -> io::Result<()> {
    let s = &report.stats;
    writeln!(
        out,
        "{} {} · {} files · {} lines · {} → {}",
        style.bold("fieldkit triage"),
        report.bundle,
        s.files,
        s.lines,
        short_ts(&s.first_seen),
        short_ts(&s.last_seen)
    )?;
    writeln!(out)?;
    if report.findings.is_empty() {
        writeln!(out, "  {}", style.paint("1;32", "No known issue found."))?;
    }
    for (i, f) in report.findings.iter().enumerate() {
        writeln!(
            out,
            "{} {} {}",
            severity_badge(style, f.severity),
            style.bold(&f.title),
            style.dim(&format!("[{}]", f.id))
        )?;
        let hosts = if f.hosts.is_empty() { String::new() } else { format!(" · hosts {}", f.hosts.join(", ")) };
        writeln!(
            out,
            "   {}",
            style.dim(&format!(
                "{} record(s) · {} → {} · {}{}{}",
                f.count,
                short_ts(&f.first_seen),
                short_ts(&f.last_seen),
                f.category,
                hosts,
                if f.related.is_empty() { String::new() } else { format!(" · correlated: {}", f.related.join(", ")) }
            ))
        )?;
        for line in textwrap(&f.diagnosis, 96) {
            writeln!(out, "   {line}")?;
        }
        writeln!(out, "   {}", style.bold("Evidence"))?;
        for e in &f.evidence {
            writeln!(out, "     {} {}", style.paint("36", &printable(&format!("{}:{}", e.file, e.line))), e.text)?;
        }
        writeln!(out, "   {}", style.bold("What to do"))?;
        for (n, step) in f.remediation.iter().enumerate() {
            let mut lines = textwrap(step, 92).into_iter();
            if let Some(first) = lines.next() {
                writeln!(out, "     {}. {first}", n + 1)?;
            }
            for rest in lines {
                writeln!(out, "        {rest}")?;
            }
        }
        if i + 1 < report.findings.len() {
            writeln!(out)?;
        }
    }
    if !report.unexplained.is_empty() {
        let records: u64 = report.unexplained.iter().map(|u| u.count).sum();
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            style.bold(&format!(
                "Errors no rule explains: {} template(s), {} record(s)",
                report.unexplained.len(),
                records
            ))
        )?;
        for u in report.unexplained.iter().take(15) {
            writeln!(
                out,
                "  {:>6}× {:<5} {}  {}",
                u.count,
                u.level.as_str(),
                printable(&u.template),
                style.dim(&printable(&format!("{}:{}", u.example.file, u.example.line)))
            )?;
        }
        if report.unexplained.len() > 15 {
            writeln!(out, "  … {} more (use --format json or html for all)", report.unexplained.len() - 15)?;
        }
    }
    if !report.skipped.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", style.bold(&format!("Skipped {} file(s):", report.skipped.len())))?;
        for sk in report.skipped.iter().take(20) {
            writeln!(out, "  {}: {}", printable(&sk.path), printable(&sk.reason))?;
        }
        if report.skipped.len() > 20 {
            writeln!(out, "  … {} more (see --format json)", report.skipped.len() - 20)?;
        }
    }
    writeln!(out)?;
    let by_sev: Vec<String> = ["critical", "error", "warning", "info"]
        .iter()
        .filter_map(|k| s.findings_by_severity.get(*k).map(|n| format!("{n} {k}")))
        .collect();
    writeln!(
        out,
        "{} finding(s){} · {} rules · {:.1}s",
        report.findings.len(),
        if by_sev.is_empty() { String::new() } else { format!(": {}", by_sev.join(", ")) },
        s.rules_loaded,
        s.elapsed_ms as f64 / 1000.0
    )
}

/// Greedy word wrap; long words stay whole.
fn textwrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}
