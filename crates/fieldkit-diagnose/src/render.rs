//! Report renderers that need no terminal: Markdown (for tickets) and one self-contained HTML file
//! (no network: styles inline, no scripts needed to read it, legible when printed).

use std::fmt::Write;

use crate::finding::Report;

const HTML_TEMPLATE: &str = include_str!("report.html.j2");

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Markdown for a ticket or a wiki page.
pub fn markdown(report: &Report) -> String {
    let mut out = String::new();
    let s = &report.stats;
    let _ = writeln!(out, "# fieldkit triage: {}\n", report.bundle);
    let _ = writeln!(
        out,
        "{} finding(s) from {} file(s), {} lines; logs span {} to {}.\n",
        report.findings.len(),
        s.files,
        s.lines,
        s.first_seen.as_deref().unwrap_or("?"),
        s.last_seen.as_deref().unwrap_or("?")
    );
    if !report.findings.is_empty() {
        let _ = writeln!(
            out,
            "| severity | finding | count | first seen | last seen | hosts |\n|---|---|---:|---|---|---|"
        );
        for f in &report.findings {
            let _ = writeln!(
                out,
                "| {} | [{}](#{}) {} | {} | {} | {} | {} |",
                f.severity,
                f.id,
                f.id.to_ascii_lowercase(),
                md_escape(&f.title),
                f.count,
                f.first_seen.as_deref().unwrap_or("-"),
                f.last_seen.as_deref().unwrap_or("-"),
                md_escape(&f.hosts.join(", "))
            );
        }
        out.push('\n');
    }
    for f in &report.findings {
        let _ =
            writeln!(out, "## {}\n\n**{}** · {} · {} · {} record(s)\n", f.id, f.title, f.severity, f.category, f.count);
        let _ = writeln!(out, "{}\n", f.diagnosis);
        let _ = writeln!(out, "**Evidence**\n\n```");
        for e in &f.evidence {
            let _ = writeln!(out, "{}:{}: {}", e.file, e.line, e.text);
        }
        let _ = writeln!(out, "```\n\n**Remediation**\n");
        for (i, step) in f.remediation.iter().enumerate() {
            let _ = writeln!(out, "{}. {}", i + 1, step);
        }
        if !f.related.is_empty() {
            let _ = writeln!(out, "\nCorrelated with: {}", f.related.join(", "));
        }
        if !f.references.is_empty() {
            let _ = writeln!(out, "\nReferences: {}", f.references.join("; "));
        }
        out.push('\n');
    }
    if !report.unexplained.is_empty() {
        let _ =
            writeln!(out, "## Errors no rule explains\n\n| level | count | template | example |\n|---|---:|---|---|");
        for u in &report.unexplained {
            let _ = writeln!(
                out,
                "| {} | {} | `{}` | {}:{} |",
                u.level.as_str(),
                u.count,
                md_escape(&u.template).replace('`', "'"),
                u.example.file,
                u.example.line
            );
        }
        out.push('\n');
    }
    if !report.skipped.is_empty() {
        let _ = writeln!(out, "## Skipped files\n");
        for sk in &report.skipped {
            let _ = writeln!(out, "- `{}`: {}", sk.path, sk.reason);
        }
    }
    out
}

/// One self-contained HTML file.
pub fn html(report: &Report, version: &str) -> Result<String, minijinja::Error> {
    let mut env = minijinja::Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    env.add_template("report", HTML_TEMPLATE)?;
    env.get_template("report")?.render(
        minijinja::context! { report => minijinja::Value::from(minijinja::value::Serde(report)), version => version },
    )
}
