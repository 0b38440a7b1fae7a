//! The deterministic layout behind the SVG: layers stacked top to bottom, groups of a layer in
//! rows that wrap, nodes of a group in rows that wrap, edge labels packed into the channels
//! between rows so that no two boxes or labels overlap.
//!
//! Geometry, top to bottom: the title; then for every row of groups a *channel* (the labels and
//! the turns of the edges that start in that row) followed by the row. A layer is a background
//! rectangle around its rows, with its title in a left column. An edge starts at the top of its
//! source (a group, or a whole layer) and goes straight up when its target layer is directly
//! above the channel; otherwise it turns right in its channel into a gutter lane beside the
//! layers and enters the target layer from the right. Text widths are estimated conservatively
//! ([`text_width`]), so boxes are never narrower than what a sans-serif font draws.

use super::{Diagram, Protection};

pub const FONT: f64 = 13.0;
pub const LABEL_FONT: f64 = 12.0;
pub const LAYER_FONT: f64 = 14.0;
pub const TITLE_FONT: f64 = 18.0;
const LINE: f64 = 17.0;
const PAD: f64 = 8.0;
const NODE_GAP: f64 = 12.0;
const GROUP_GAP: f64 = 20.0;
const MARGIN: f64 = 20.0;
/// The widest a row of nodes or groups grows before it wraps.
const MAX_ROW: f64 = 1100.0;
const CHIP_H: f64 = 18.0;
const CHIP_GAP: f64 = 6.0;
const LANE: f64 = 10.0;
const GUTTER_STEP: f64 = 12.0;

/// A conservative estimate of the width of `s` in a sans-serif font (DejaVu Sans, the widest of
/// the usual defaults, draws narrower than this).
pub fn text_width(s: &str, size: f64, bold: bool) -> f64 {
    let em: f64 = s
        .chars()
        .map(|c| match c {
            'M' | 'W' | 'm' | 'w' | '@' | '%' | '—' => 1.0,
            'i' | 'l' | 'j' | '.' | ',' | ':' | ';' | '|' | '!' | '\'' | ' ' => 0.42,
            'f' | 't' | 'r' | '(' | ')' | '[' | ']' | '/' | '-' => 0.5,
            'A'..='Z' => 0.78,
            '0'..='9' => 0.66,
            'a'..='z' => 0.64,
            c if c.is_ascii() => 0.8,
            _ => 1.05,
        })
        .sum();
    em * size * if bold { 1.1 } else { 1.0 }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn right(&self) -> f64 {
        self.x + self.w
    }
    pub fn bottom(&self) -> f64 {
        self.y + self.h
    }
    /// Whether the interiors overlap (touching edges do not).
    pub fn intersects(&self, o: &Rect) -> bool {
        self.x < o.right() && o.x < self.right() && self.y < o.bottom() && o.y < self.bottom()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `class` is `layer`, `group`, `node`, `chip` or `legend`.
    Rect {
        rect: Rect,
        class: &'static str,
        id: String,
        fill: &'static str,
        stroke: String,
    },
    Text {
        x: f64,
        y: f64,
        size: f64,
        bold: bool,
        fill: &'static str,
        text: String,
    },
    Path {
        points: Vec<(f64, f64)>,
        protection: Protection,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scene {
    pub width: f64,
    pub height: f64,
    pub items: Vec<Item>,
}

struct Sized {
    w: f64,
    h: f64,
}

/// A group with its nodes placed relative to the group's top-left corner.
struct GroupBox {
    layer: usize,
    index: usize,
    size: Sized,
    nodes: Vec<Rect>,
}

fn node_size(title: &str, lines: &[String]) -> Sized {
    let w = lines.iter().map(|l| text_width(l, FONT, false)).fold(text_width(title, FONT, true), f64::max);
    Sized { w: (w + 2.0 * PAD).ceil(), h: 2.0 * PAD + LINE * (1 + lines.len()) as f64 }
}

/// Greedy rows: returns, per item, its (row, x offset), and the rows' widths.
fn wrap(widths: &[f64], gap: f64, limit: f64) -> (Vec<(usize, f64)>, Vec<f64>) {
    let mut out = Vec::with_capacity(widths.len());
    let mut rows: Vec<f64> = Vec::new();
    for &w in widths {
        let n = rows.len();
        match rows.last_mut() {
            Some(r) if *r + gap + w <= limit => {
                out.push((n - 1, *r + gap));
                *r += gap + w;
            }
            _ => {
                out.push((rows.len(), 0.0));
                rows.push(w);
            }
        }
    }
    (out, rows)
}

const GROUP_HEAD: f64 = PAD + LINE + 4.0;

fn group_box(d: &Diagram, layer: usize, index: usize) -> GroupBox {
    let g = &d.layers[layer].groups[index];
    let sizes: Vec<Sized> = g.nodes.iter().map(|n| node_size(&n.title, &n.lines)).collect();
    let widths: Vec<f64> = sizes.iter().map(|s| s.w).collect();
    let (pos, rows) = wrap(&widths, NODE_GAP, MAX_ROW - 2.0 * PAD);
    let mut row_h = vec![0.0f64; rows.len()];
    for ((r, _), s) in pos.iter().zip(&sizes) {
        row_h[*r] = row_h[*r].max(s.h);
    }
    let mut row_y = Vec::with_capacity(rows.len());
    let mut y = GROUP_HEAD;
    for h in &row_h {
        row_y.push(y);
        y += h + NODE_GAP;
    }
    let inner_h = if rows.is_empty() { 0.0 } else { y - NODE_GAP - GROUP_HEAD };
    let nodes = pos.iter().zip(&sizes).map(|((r, x), s)| Rect { x: PAD + x, y: row_y[*r], w: s.w, h: s.h }).collect();
    let w = rows.iter().copied().fold(text_width(&g.title, FONT, true), f64::max) + 2.0 * PAD;
    GroupBox { layer, index, size: Sized { w: w.ceil(), h: GROUP_HEAD + inner_h + PAD }, nodes }
}

/// One row of groups.
struct Row {
    layer: usize,
    first: bool,
    last: bool,
    groups: Vec<(GroupBox, f64)>,
    height: f64,
    /// Set when the y coordinates are assigned.
    top: f64,
    channel_top: f64,
    channel_h: f64,
}

struct EdgePlan {
    edge: usize,
    source_row: usize,
    x: f64,
    y_start: f64,
    target_layer: usize,
    chip: Rect,
    /// The chip row within the channel and, for a gutter edge, its lane and gutter index.
    chip_row: usize,
    lane: Option<(usize, usize)>,
    /// The source is a whole layer (its edges start at the layer's top).
    from_layer: bool,
}

pub fn layout(d: &Diagram) -> Scene {
    let mut items = Vec::new();
    // Left column: layer titles and notes.
    let col_w = d
        .layers
        .iter()
        .map(|l| {
            let t = text_width(&l.title, LAYER_FONT, true);
            l.note.as_deref().map_or(t, |n| t.max(text_width(n, LABEL_FONT, false)))
        })
        .fold(120.0, f64::max)
        + 2.0 * PAD;
    let col_h = |l: &super::Layer| PAD + LINE + if l.note.is_some() { LINE } else { 0.0 } + PAD;
    let x0 = MARGIN + col_w + PAD;

    // Rows of groups.
    let mut rows: Vec<Row> = Vec::new();
    for (li, layer) in d.layers.iter().enumerate() {
        let boxes: Vec<GroupBox> = (0..layer.groups.len()).map(|gi| group_box(d, li, gi)).collect();
        let widths: Vec<f64> = boxes.iter().map(|b| b.size.w).collect();
        let (pos, row_w) = wrap(&widths, GROUP_GAP, MAX_ROW);
        let start = rows.len();
        for _ in &row_w {
            rows.push(Row {
                layer: li,
                first: false,
                last: false,
                groups: Vec::new(),
                height: 0.0,
                top: 0.0,
                channel_top: 0.0,
                channel_h: 0.0,
            });
        }
        if row_w.is_empty() {
            continue;
        }
        rows[start].first = true;
        let last = rows.len() - 1;
        rows[last].last = true;
        rows[start].height = col_h(layer) - 2.0 * PAD;
        for (b, (r, x)) in boxes.into_iter().zip(pos) {
            let row = &mut rows[start + r];
            row.height = row.height.max(b.size.h);
            row.groups.push((b, x0 + x));
        }
    }
    let content_right = rows.iter().flat_map(|r| r.groups.iter().map(|(b, x)| x + b.size.w)).fold(x0 + 200.0, f64::max);
    let layer_right = content_right + PAD;
    let first_rows: Vec<Option<usize>> =
        (0..d.layers.len()).map(|li| rows.iter().position(|r| r.layer == li)).collect();
    let last_rows: Vec<Option<usize>> =
        (0..d.layers.len()).map(|li| rows.iter().rposition(|r| r.layer == li)).collect();

    // Edges: where they start, their chips, rows and lanes.
    let source_of = |id: &str| -> Option<(usize, f64, f64, bool)> {
        // (row, x, width, is_layer)
        if let Some(li) = d.layers.iter().position(|l| l.id == id) {
            let r = first_rows[li]?;
            return Some((r, x0, content_right - x0, true));
        }
        for (ri, row) in rows.iter().enumerate() {
            for (b, x) in &row.groups {
                if d.layers[b.layer].groups[b.index].id == id {
                    return Some((ri, *x, b.size.w, false));
                }
            }
        }
        None
    };
    let mut plans: Vec<EdgePlan> = Vec::new();
    let mut gutters = 0usize;
    let mut per_source: Vec<(String, usize)> = Vec::new();
    for e in &d.edges {
        match per_source.iter_mut().find(|(s, _)| *s == e.from) {
            Some((_, n)) => *n += 1,
            None => per_source.push((e.from.clone(), 1)),
        }
    }
    let mut seen_source: Vec<(String, usize)> = Vec::new();
    for (ei, e) in d.edges.iter().enumerate() {
        let (Some((row, sx, sw, from_layer)), Some(tl)) =
            (source_of(&e.from), d.layers.iter().position(|l| l.id == e.to))
        else {
            continue;
        };
        let Some(target_last) = last_rows[tl] else { continue };
        if target_last >= row {
            continue;
        }
        let n = per_source.iter().find(|(s, _)| *s == e.from).map_or(1, |(_, n)| *n);
        let k = match seen_source.iter_mut().find(|(s, _)| *s == e.from) {
            Some((_, k)) => {
                *k += 1;
                *k - 1
            }
            None => {
                seen_source.push((e.from.clone(), 1));
                0
            }
        };
        let x = (sx + sw * (k + 1) as f64 / (n + 1) as f64).round();
        let w = (text_width(&e.label, LABEL_FONT, e.protection.is_risk()) + 10.0).ceil();
        let lane = if target_last + 1 == row {
            None
        } else {
            gutters += 1;
            Some((0, gutters - 1))
        };
        plans.push(EdgePlan {
            edge: ei,
            source_row: row,
            x,
            y_start: 0.0,
            target_layer: tl,
            chip: Rect { x: (x - w / 2.0).max(MARGIN), y: 0.0, w, h: CHIP_H },
            chip_row: 0,
            lane,
            from_layer,
        });
    }
    // Pack chips per channel: greedy rows in x order; lanes numbered per channel.
    let mut chip_rows_per_row = vec![0usize; rows.len()];
    let mut lanes_per_row = vec![0usize; rows.len()];
    let mut order: Vec<usize> = (0..plans.len()).collect();
    order.sort_by(|a, b| {
        (plans[*a].source_row, plans[*a].chip.x).partial_cmp(&(plans[*b].source_row, plans[*b].chip.x)).unwrap()
    });
    let mut taken: Vec<Vec<Vec<(f64, f64)>>> = vec![Vec::new(); rows.len()];
    for i in order {
        let p = &mut plans[i];
        let span = (p.chip.x - CHIP_GAP, p.chip.right() + CHIP_GAP);
        let rows_here = &mut taken[p.source_row];
        let r = rows_here.iter().position(|row| row.iter().all(|(a, b)| span.1 <= *a || *b <= span.0)).unwrap_or_else(
            || {
                rows_here.push(Vec::new());
                rows_here.len() - 1
            },
        );
        rows_here[r].push(span);
        p.chip_row = r;
        chip_rows_per_row[p.source_row] = chip_rows_per_row[p.source_row].max(r + 1);
        if let Some((_, g)) = p.lane {
            p.lane = Some((lanes_per_row[p.source_row], g));
            lanes_per_row[p.source_row] += 1;
        }
    }

    // Vertical positions.
    let title_h = TITLE_FONT + 8.0 + LINE + 10.0;
    let mut y = MARGIN + title_h;
    let mut layer_rects: Vec<Rect> = vec![Rect { x: MARGIN, y: 0.0, w: layer_right - MARGIN, h: 0.0 }; d.layers.len()];
    for (ri, row) in rows.iter_mut().enumerate() {
        let lanes = lanes_per_row[ri] as f64;
        let chips = chip_rows_per_row[ri] as f64;
        let busy = lanes + chips > 0.0;
        row.channel_h = if busy {
            PAD + lanes * LANE + chips * (CHIP_H + CHIP_GAP) + PAD + 4.0
        } else if ri == 0 {
            0.0
        } else if row.first {
            GROUP_GAP
        } else {
            NODE_GAP
        };
        row.channel_top = y;
        y += row.channel_h;
        if row.first {
            layer_rects[row.layer].y = y;
            y += PAD;
        }
        row.top = y;
        y += row.height;
        if row.last {
            y += PAD;
            let r = &mut layer_rects[row.layer];
            r.h = y - r.y;
        }
    }
    let layers_bottom = y;

    // Layers, groups and nodes.
    for (li, layer) in d.layers.iter().enumerate() {
        let r = layer_rects[li];
        items.push(Item::Rect {
            rect: r,
            class: "layer",
            id: layer.id.clone(),
            fill: "#f4f6f8",
            stroke: "#b0bec5".into(),
        });
        items.push(Item::Text {
            x: r.x + PAD,
            y: r.y + PAD + LAYER_FONT,
            size: LAYER_FONT,
            bold: true,
            fill: "#263238",
            text: layer.title.clone(),
        });
        if let Some(note) = &layer.note {
            items.push(Item::Text {
                x: r.x + PAD,
                y: r.y + PAD + LINE + LABEL_FONT + 2.0,
                size: LABEL_FONT,
                bold: false,
                fill: "#455a64",
                text: note.clone(),
            });
        }
    }
    for row in &rows {
        for (b, x) in &row.groups {
            let g = &d.layers[b.layer].groups[b.index];
            let gr = Rect { x: *x, y: row.top, w: b.size.w, h: b.size.h };
            items.push(Item::Rect {
                rect: gr,
                class: "group",
                id: g.id.clone(),
                fill: "#ffffff",
                stroke: "#90a4ae".into(),
            });
            items.push(Item::Text {
                x: gr.x + PAD,
                y: gr.y + PAD + FONT,
                size: FONT,
                bold: true,
                fill: "#37474f",
                text: g.title.clone(),
            });
            for (n, nr) in g.nodes.iter().zip(&b.nodes) {
                let r = Rect { x: gr.x + nr.x, y: gr.y + nr.y, w: nr.w, h: nr.h };
                items.push(Item::Rect {
                    rect: r,
                    class: "node",
                    id: n.id.clone(),
                    fill: "#e3f2fd",
                    stroke: "#1e88e5".into(),
                });
                for (i, (text, bold)) in
                    std::iter::once((&n.title, true)).chain(n.lines.iter().map(|l| (l, false))).enumerate()
                {
                    items.push(Item::Text {
                        x: r.x + PAD,
                        y: r.y + PAD + FONT + LINE * i as f64,
                        size: FONT,
                        bold,
                        fill: "#102027",
                        text: text.clone(),
                    });
                }
            }
        }
    }

    // Edges and their chips.
    let gutter_x = |g: usize| layer_right + 14.0 + GUTTER_STEP * g as f64;
    let mut into_target: Vec<usize> = vec![0; d.layers.len()];
    let mut chips = Vec::new();
    let mut max_right = layer_right + 14.0 + GUTTER_STEP * gutters as f64;
    for p in &mut plans {
        let e = &d.edges[p.edge];
        let row = &rows[p.source_row];
        // A layer starts its edges at its top, a group at its own (every group of a row is top-aligned).
        p.y_start = if p.from_layer { layer_rects[row.layer].y } else { row.top };
        let lanes = lanes_per_row[p.source_row] as f64;
        let chip_top = row.channel_top + PAD + lanes * LANE + p.chip_row as f64 * (CHIP_H + CHIP_GAP);
        p.chip.y = chip_top;
        let target = layer_rects[p.target_layer];
        let points = match p.lane {
            None => vec![(p.x, p.y_start), (p.x, target.bottom())],
            Some((lane, g)) => {
                let ly = row.channel_top + PAD + lane as f64 * LANE + LANE / 2.0;
                let gx = gutter_x(g);
                let last_row = &rows[last_rows[p.target_layer].unwrap_or(0)];
                let k = into_target[p.target_layer];
                into_target[p.target_layer] += 1;
                let ty = (last_row.top + 12.0 + 16.0 * k as f64).min(target.bottom() - 4.0);
                vec![(p.x, p.y_start), (p.x, ly), (gx, ly), (gx, ty), (target.right(), ty)]
            }
        };
        items.push(Item::Path { points, protection: e.protection });
        max_right = max_right.max(p.chip.right());
        chips.push((p.chip, e));
    }
    for (i, (r, e)) in chips.into_iter().enumerate() {
        items.push(Item::Rect {
            rect: r,
            class: "chip",
            id: format!("label_{i}"),
            fill: "#ffffff",
            stroke: e.protection.color().into(),
        });
        items.push(Item::Text {
            x: r.x + 5.0,
            y: r.y + 13.0,
            size: LABEL_FONT,
            bold: e.protection.is_risk(),
            fill: if e.protection.is_risk() { "#b71c1c" } else { "#263238" },
            text: e.label.clone(),
        });
    }

    // Title.
    let title_w = text_width(&d.title, TITLE_FONT, true).max(text_width(&d.subtitle, FONT, false));
    items.push(Item::Text {
        x: MARGIN,
        y: MARGIN + TITLE_FONT,
        size: TITLE_FONT,
        bold: true,
        fill: "#102027",
        text: d.title.clone(),
    });
    items.push(Item::Text {
        x: MARGIN,
        y: MARGIN + TITLE_FONT + 8.0 + FONT,
        size: FONT,
        bold: false,
        fill: "#455a64",
        text: d.subtitle.clone(),
    });
    let width = (max_right.max(MARGIN + title_w) + MARGIN).max(MARGIN + 600.0).ceil();

    // Legend, wrapped to the width.
    let mut y = layers_bottom + 24.0;
    items.push(Item::Text { x: MARGIN, y: y + FONT, size: FONT, bold: true, fill: "#263238", text: "Legend".into() });
    y += LINE + 6.0;
    let mut x = MARGIN;
    for p in Protection::ALL {
        let w = 34.0 + text_width(p.legend(), LABEL_FONT, false) + 18.0;
        if x > MARGIN && x + w > width - MARGIN {
            x = MARGIN;
            y += LINE + 4.0;
        }
        items.push(Item::Path { points: vec![(x, y + 7.0), (x + 28.0, y + 7.0)], protection: p });
        items.push(Item::Text {
            x: x + 34.0,
            y: y + LABEL_FONT,
            size: LABEL_FONT,
            bold: false,
            fill: "#263238",
            text: p.legend().to_string(),
        });
        x += w;
    }
    let height = (y + LINE + MARGIN).ceil();
    Scene { width, height, items }
}
