//! Standalone SVG from the [`layout`](super::layout): no scripts, no external references, all
//! text XML-escaped.

use std::fmt::Write as _;

use super::layout::{Item, layout};
use super::{Diagram, Protection};

/// Escapes text and attribute values; control characters (not allowed in XML 1.0) become U+FFFD.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

fn n(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r.fract() == 0.0 { format!("{}", r as i64) } else { format!("{r:.1}") }
}

pub fn render(d: &Diagram) -> String {
    let scene = layout(d);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" role="img">"#,
        w = n(scene.width),
        h = n(scene.height)
    );
    let _ = writeln!(s, "<title>{}</title>", escape(&d.title));
    s.push_str("<defs>\n");
    for p in Protection::ALL {
        let _ = writeln!(
            s,
            r#"<marker id="arrow-{id}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="{c}"/></marker>"#,
            id = p.id(),
            c = p.color()
        );
    }
    s.push_str("</defs>\n");
    let _ =
        writeln!(s, r##"<rect x="0" y="0" width="{}" height="{}" fill="#ffffff"/>"##, n(scene.width), n(scene.height));
    // Arrows of the legend have no arrowhead: they are samples of a line.
    let legend_start = scene.items.iter().rposition(|i| matches!(i, Item::Text { text, .. } if text == "Legend"));
    for (idx, item) in scene.items.iter().enumerate() {
        match item {
            Item::Rect { rect, class, id, fill, stroke } => {
                let radius = match *class {
                    "node" => 6,
                    "group" | "chip" => 4,
                    _ => 8,
                };
                let _ = writeln!(
                    s,
                    r#"<rect class="{class}" data-id="{id}" x="{}" y="{}" width="{}" height="{}" rx="{radius}" fill="{fill}" stroke="{}" stroke-width="1"/>"#,
                    n(rect.x),
                    n(rect.y),
                    n(rect.w),
                    n(rect.h),
                    escape(stroke),
                    id = escape(id),
                );
            }
            Item::Text { x, y, size, bold, fill, text } => {
                let weight = if *bold { r#" font-weight="bold""# } else { "" };
                let _ = writeln!(
                    s,
                    r#"<text x="{}" y="{}" font-size="{}"{weight} fill="{fill}">{}</text>"#,
                    n(*x),
                    n(*y),
                    n(*size),
                    escape(text)
                );
            }
            Item::Path { points, protection } => {
                let d: Vec<String> = points
                    .iter()
                    .enumerate()
                    .map(|(i, (x, y))| format!("{}{} {}", if i == 0 { "M" } else { " L" }, n(*x), n(*y)))
                    .collect();
                let legend = legend_start.is_some_and(|l| idx > l);
                let dash = if protection.is_risk() { r#" stroke-dasharray="6 4""# } else { "" };
                let width = if protection.is_risk() { "2.5" } else { "1.6" };
                let marker =
                    if legend { String::new() } else { format!(r#" marker-end="url(#arrow-{})""#, protection.id()) };
                let _ = writeln!(
                    s,
                    r#"<path class="edge {cls}" d="{d}" fill="none" stroke="{c}" stroke-width="{width}"{dash}{marker}/>"#,
                    cls = protection.id(),
                    d = d.concat(),
                    c = protection.color()
                );
            }
        }
    }
    s.push_str("</svg>\n");
    s
}
