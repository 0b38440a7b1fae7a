//! A Mermaid `flowchart TB`: one subgraph per layer, one nested subgraph per group, edges between
//! subgraphs with quoted labels, colored with `linkStyle`. Ids are `[a-z0-9_]` (see `Ids`);
//! labels are quoted with Mermaid's entity codes for `"`, `#`, `<`, `>`, `&` and backticks.

use std::fmt::Write as _;

use super::Diagram;

/// A Mermaid quoted label.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '#' => out.push_str("#35;"),
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '`' => out.push_str("#96;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub fn render(d: &Diagram) -> String {
    let mut s = String::from("---\n");
    // The front-matter title is YAML: quote it as JSON (a subset of YAML).
    let _ = writeln!(s, "title: {}", serde_json::Value::String(d.title.clone()));
    s.push_str("---\nflowchart TB\n");
    s.push_str("  classDef host fill:#e3f2fd,stroke:#1e88e5,color:#102027\n");
    for l in &d.layers {
        let mut title = l.title.clone();
        if let Some(note) = &l.note {
            title = format!("{title} ({note})");
        }
        let _ = writeln!(s, "  subgraph {}[{}]", l.id, quote(&title));
        for g in &l.groups {
            let _ = writeln!(s, "    subgraph {}[{}]", g.id, quote(&g.title));
            for n in &g.nodes {
                let parts: Vec<String> = std::iter::once(&n.title)
                    .chain(&n.lines)
                    .map(|l| {
                        let q = quote(l);
                        q[1..q.len() - 1].to_string()
                    })
                    .collect();
                let label = format!("\"{}\"", parts.join("<br/>"));
                let _ = writeln!(s, "      {}[{}]:::host", n.id, label);
            }
            s.push_str("    end\n");
        }
        s.push_str("  end\n");
    }
    for e in &d.edges {
        let _ = writeln!(s, "  {} -->|{}| {}", e.from, quote(&e.label), e.to);
    }
    for (i, e) in d.edges.iter().enumerate() {
        let dash = if e.protection.is_risk() { ",stroke-width:3px,stroke-dasharray:6 4" } else { ",stroke-width:2px" };
        let _ = writeln!(s, "  linkStyle {i} stroke:{}{dash}", e.protection.color());
    }
    s
}
