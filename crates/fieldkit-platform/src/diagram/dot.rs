//! Graphviz DOT: one cluster per layer, one nested cluster per group (rack, Connect cluster, …).
//! Edges are written server → client with `dir=back`, so `dot` ranks the servers (controllers)
//! above their clients while the arrow still points at the server; `lhead` / `ltail` clip them
//! to the clusters (`compound=true`).

use std::fmt::Write as _;

use super::Diagram;

/// A DOT double-quoted string: `"` and `\` escaped, control characters dropped.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Lines joined with DOT's left-justified line break.
fn lines(lines: &[&str]) -> String {
    let q: Vec<String> = lines.iter().map(|l| quote(l)).map(|q| q[1..q.len() - 1].to_string()).collect();
    format!("\"{}\\l\"", q.join("\\l"))
}

pub fn render(d: &Diagram) -> String {
    let mut s = String::new();
    s.push_str("digraph fieldkit {\n");
    let _ = writeln!(
        s,
        "  graph [compound=true, newrank=true, rankdir=TB, nodesep=0.3, ranksep=0.6, fontname=\"Helvetica\", \
         fontsize=16, labelloc=t, label={}];",
        quote(&format!("{} · {}", d.title, d.subtitle))
    );
    s.push_str("  node [shape=box, style=\"rounded,filled\", fillcolor=\"#e3f2fd\", color=\"#1e88e5\", fontname=\"Helvetica\", fontsize=11];\n");
    s.push_str("  edge [fontname=\"Helvetica\", fontsize=10];\n");
    // The first node of each layer and group: where clipped edges attach.
    let first_node = |id: &str| -> Option<&str> {
        for l in &d.layers {
            if l.id == id {
                return l.groups.iter().find_map(|g| g.nodes.first()).map(|n| n.id.as_str());
            }
            for g in &l.groups {
                if g.id == id {
                    return g.nodes.first().map(|n| n.id.as_str());
                }
            }
        }
        None
    };
    for l in &d.layers {
        let _ = writeln!(s, "  subgraph cluster_{} {{", l.id);
        let mut label = l.title.clone();
        if let Some(note) = &l.note {
            label = format!("{label} ({note})");
        }
        let _ = writeln!(
            s,
            "    label={}; labeljust=l; style=\"rounded,filled\"; fillcolor=\"#f4f6f8\"; color=\"#b0bec5\"; fontsize=13;",
            quote(&label)
        );
        for g in &l.groups {
            let _ = writeln!(s, "    subgraph cluster_{} {{", g.id);
            let _ = writeln!(
                s,
                "      label={}; labeljust=l; style=\"rounded,filled\"; fillcolor=\"#ffffff\"; color=\"#90a4ae\"; fontsize=12;",
                quote(&g.title)
            );
            for n in &g.nodes {
                let mut all = vec![n.title.as_str()];
                all.extend(n.lines.iter().map(String::as_str));
                let _ = writeln!(s, "      {} [label={}];", n.id, lines(&all));
            }
            s.push_str("    }\n");
        }
        s.push_str("  }\n");
    }
    // One rank per layer, and the layers in order even where no edge ranks them.
    for l in &d.layers {
        let ids: Vec<&str> = l.groups.iter().flat_map(|g| g.nodes.iter().map(|n| n.id.as_str())).collect();
        let _ = writeln!(s, "  {{ rank=same; {}; }}", ids.join("; "));
    }
    let firsts: Vec<&str> = d.layers.iter().filter_map(|l| first_node(&l.id)).collect();
    for w in firsts.windows(2) {
        let _ = writeln!(s, "  {} -> {} [style=invis];", w[0], w[1]);
    }
    for e in &d.edges {
        let (Some(from), Some(to)) = (first_node(&e.from), first_node(&e.to)) else { continue };
        let style = if e.protection.is_risk() { ", style=\"dashed,bold\", penwidth=2" } else { "" };
        let _ = writeln!(
            s,
            "  {to} -> {from} [dir=back, label={}, color=\"{c}\", fontcolor=\"{c}\", ltail=cluster_{}, lhead=cluster_{}{style}];",
            quote(&e.label),
            e.to,
            e.from,
            c = e.protection.color(),
        );
    }
    // The legend: one node with an HTML-like label of colored lines.
    s.push_str("  legend [shape=plaintext, style=\"\", label=<<table border=\"0\" cellborder=\"0\" cellspacing=\"2\"><tr><td align=\"left\"><b>Legend</b></td></tr>");
    for p in super::Protection::ALL {
        let dash = if p.is_risk() { "- - - " } else { "\u{2014}\u{2014} " };
        let _ = write!(
            s,
            "<tr><td align=\"left\"><font color=\"{}\">{dash}{}</font></td></tr>",
            p.color(),
            super::svg::escape(p.legend())
        );
    }
    s.push_str("</table>>];\n");
    if let Some(last) = d.layers.last().and_then(|l| first_node(&l.id)) {
        let _ = writeln!(s, "  {last} -> legend [style=invis];");
    }
    s.push_str("}\n");
    s
}
