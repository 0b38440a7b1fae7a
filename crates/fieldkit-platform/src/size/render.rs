//! Markdown and plain-text renderings of a [`Sizing`] (JSON is its `Serialize`).

use std::fmt::Write as _;

use super::layout::Layout;
use super::{Sizing, sources};

fn fmt_value(v: f64, unit: &str) -> String {
    let n = if v.fract() == 0.0 { format!("{v:.0}") } else { format!("{v:.2}") };
    if unit.is_empty() { n } else { format!("{n} {unit}") }
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

pub fn markdown(s: &Sizing, layout: Option<&Layout>) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Cluster sizing\n");
    let _ = writeln!(
        o,
        "**{} brokers** ({} binds) · **{} controllers** · **{} partitions per topic**\n",
        s.brokers, s.binding, s.controllers, s.partitions_per_topic
    );
    let _ = writeln!(o, "Controllers: {}\n", md_cell(&s.controllers_reason));
    let _ = writeln!(o, "## Brokers each resource needs\n");
    let _ = writeln!(o, "| resource | brokers | formula | source |\n|---|---|---|---|");
    for n in &s.needs {
        let b = n.brokers.map(|b| b.to_string()).unwrap_or_else(|| "—".into());
        let mark = if n.resource == s.binding { " **(binding)**" } else { "" };
        let _ = writeln!(
            o,
            "| {}{mark} | {b} | {} | [{}]({}) |",
            n.resource,
            md_cell(&n.formula),
            n.source.id,
            n.source.url
        );
    }
    let _ = writeln!(o, "\n## Figures\n");
    let _ = writeln!(o, "| figure | value | formula | source |\n|---|---|---|---|");
    for f in &s.figures {
        let _ = writeln!(
            o,
            "| {} | {} | {} | [{}]({}) |",
            f.label,
            fmt_value(f.value, f.unit),
            md_cell(&f.formula),
            f.source.id,
            f.source.url
        );
    }
    if !s.notes.is_empty() {
        let _ = writeln!(o, "\n## Notes\n");
        for n in &s.notes {
            let _ = writeln!(o, "- {}", md_cell(n));
        }
    }
    if let Some(l) = layout {
        let _ = writeln!(o, "\n## Layout check\n");
        let _ = writeln!(o, "| check | required | actual | ok | note |\n|---|---|---|---|---|");
        for c in &l.checks {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} |",
                c.what,
                md_cell(&c.required),
                md_cell(&c.actual),
                if c.ok { "yes" } else { "**no**" },
                md_cell(&c.note)
            );
        }
    }
    let _ = writeln!(o, "\n## Sources\n");
    for src in used_sources(s) {
        let _ = writeln!(o, "- `{}`: {} — <{}>", src.id, src.title, src.url);
    }
    o
}

fn used_sources(s: &Sizing) -> Vec<sources::Source> {
    sources::ALL
        .iter()
        .filter(|src| {
            s.figures.iter().any(|f| f.source.id == src.id)
                || s.needs.iter().any(|n| n.source.id == src.id)
                || (src.id == sources::KAFKA_KRAFT.id)
        })
        .copied()
        .collect()
}

/// Plain text; the binary adds terminal styling around the headline.
pub fn text(s: &Sizing, layout: Option<&Layout>) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "brokers {}   (binding: {})\ncontrollers {}   ({})\npartitions per topic {}\n",
        s.brokers, s.binding, s.controllers, s.controllers_reason, s.partitions_per_topic
    );
    let _ = writeln!(o, "Brokers each resource needs");
    for n in &s.needs {
        let b = n.brokers.map(|b| b.to_string()).unwrap_or_else(|| "-".into());
        let mark = if n.resource == s.binding { " <- binding" } else { "" };
        let _ = writeln!(o, "  {:<20} {:>5}{mark}\n      {}  [{}]", n.resource, b, n.formula, n.source.id);
    }
    let _ = writeln!(o, "\nFigures");
    for f in &s.figures {
        let _ =
            writeln!(o, "  {:<55} {:>14}\n      {}  [{}]", f.label, fmt_value(f.value, f.unit), f.formula, f.source.id);
    }
    if !s.notes.is_empty() {
        let _ = writeln!(o, "\nNotes");
        for n in &s.notes {
            let _ = writeln!(o, "  - {n}");
        }
    }
    if let Some(l) = layout {
        let _ = writeln!(o, "\nLayout check");
        for c in &l.checks {
            let _ = writeln!(
                o,
                "  [{}] {:<20} required {}  actual {}\n      {}",
                if c.ok { "ok" } else { "SHORT" },
                c.what,
                c.required,
                c.actual,
                c.note
            );
        }
    }
    let _ = writeln!(o, "\nSources");
    for src in used_sources(s) {
        let _ = writeln!(o, "  [{}] {}\n      {}", src.id, src.title, src.url);
    }
    o
}
