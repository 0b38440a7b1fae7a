//! `fieldkit diagram`: the SVG layout has no overlaps and stays on its canvas, DOT renders with
//! Graphviz, Mermaid is structurally sound, for every inventory in ../shared/data/cp-ansible.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use fieldkit_platform::Platform;
use fieldkit_platform::diagram::layout::{Rect, text_width};
use fieldkit_platform::diagram::{Format, Protection, build, render};
use quick_xml::events::Event;

fn cp_ansible_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/cp-ansible")
}

fn inventories() -> Vec<(String, Platform)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(cp_ansible_dir())
        .expect("../shared/data/cp-ansible")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "expected the cp-ansible sample inventories, found {}", files.len());
    files
        .into_iter()
        .map(|f| {
            let name = f.file_name().unwrap().to_string_lossy().to_string();
            let text = std::fs::read_to_string(&f).unwrap();
            let p = Platform::load(Some((&name, &text)), &[]).unwrap();
            (name, p)
        })
        .collect()
}

fn data(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)).unwrap()
}

#[derive(Debug)]
struct SvgText {
    x: f64,
    y: f64,
    size: f64,
    bold: bool,
    text: String,
}

#[derive(Debug, Default)]
struct ParsedSvg {
    width: f64,
    height: f64,
    rects: Vec<(String, Rect)>,
    texts: Vec<SvgText>,
}

fn attr(e: &quick_xml::events::BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .map(|a| a.unwrap())
        .find(|a| a.key.as_ref() == name.as_bytes())
        .map(|a| a.unescape_value().unwrap().to_string())
}

fn num(e: &quick_xml::events::BytesStart<'_>, name: &str) -> f64 {
    attr(e, name).unwrap_or_else(|| panic!("missing {name}")).parse().unwrap()
}

fn parse_svg(svg: &str) -> ParsedSvg {
    let mut reader = quick_xml::Reader::from_str(svg);
    let mut out = ParsedSvg::default();
    let mut open_text: Option<SvgText> = None;
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == b"svg" => {
                out.width = num(&e, "width");
                out.height = num(&e, "height");
            }
            Event::Empty(e) if e.name().as_ref() == b"rect" => {
                let class = attr(&e, "class").unwrap_or_default();
                out.rects.push((
                    class,
                    Rect { x: num(&e, "x"), y: num(&e, "y"), w: num(&e, "width"), h: num(&e, "height") },
                ));
            }
            Event::Start(e) if e.name().as_ref() == b"text" => {
                open_text = Some(SvgText {
                    x: num(&e, "x"),
                    y: num(&e, "y"),
                    size: num(&e, "font-size"),
                    bold: attr(&e, "font-weight").as_deref() == Some("bold"),
                    text: String::new(),
                });
            }
            Event::Text(t) => {
                if let Some(open) = open_text.as_mut() {
                    open.text.push_str(&t.decode().unwrap());
                }
            }
            Event::GeneralRef(r) => {
                if let Some(open) = open_text.as_mut() {
                    let s = match r.as_ref() {
                        b"amp" => "&",
                        b"lt" => "<",
                        b"gt" => ">",
                        b"quot" => "\"",
                        b"apos" => "'",
                        other => panic!("unexpected entity {}", String::from_utf8_lossy(other)),
                    };
                    open.text.push_str(s);
                }
            }
            Event::End(e) if e.name().as_ref() == b"text" => out.texts.push(open_text.take().unwrap()),
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

fn contains(outer: &Rect, inner: &Rect) -> bool {
    inner.x >= outer.x - 0.05
        && inner.y >= outer.y - 0.05
        && inner.right() <= outer.right() + 0.05
        && inner.bottom() <= outer.bottom() + 0.05
}

/// The checks every SVG must pass.
fn assert_clean_svg(name: &str, svg: &str) {
    let s = parse_svg(svg);
    let canvas = Rect { x: 0.0, y: 0.0, w: s.width, h: s.height };
    let of = |class: &str| -> Vec<Rect> { s.rects.iter().filter(|(c, _)| c == class).map(|(_, r)| *r).collect() };
    let (nodes, groups, chips, layers) = (of("node"), of("group"), of("chip"), of("layer"));
    assert!(!nodes.is_empty(), "{name}: no nodes");
    for (what, set) in [("node", &nodes), ("group", &groups), ("label", &chips), ("layer", &layers)] {
        for (i, a) in set.iter().enumerate() {
            assert!(contains(&canvas, a), "{name}: {what} {a:?} outside the canvas {canvas:?}");
            for b in &set[i + 1..] {
                assert!(!a.intersects(b), "{name}: {what}s overlap: {a:?} and {b:?}");
            }
        }
    }
    // Labels sit in the channels: never on a node or a group.
    for c in &chips {
        for r in nodes.iter().chain(&groups) {
            assert!(!c.intersects(r), "{name}: label {c:?} overlaps box {r:?}");
        }
    }
    // Every node lies in a group, every group in a layer.
    for n in &nodes {
        assert!(groups.iter().any(|g| contains(g, n)), "{name}: node {n:?} outside every group");
    }
    for g in &groups {
        assert!(layers.iter().any(|l| contains(l, g)), "{name}: group {g:?} outside every layer");
    }
    for t in &s.texts {
        assert!(t.size >= 12.0, "{name}: text {:?} smaller than 12px", t.text);
        // The text's box: from the cap height above the baseline to the descent below it.
        let extent = Rect { x: t.x, y: t.y - t.size, w: text_width(&t.text, t.size, t.bold), h: t.size * 1.25 };
        assert!(contains(&canvas, &extent), "{name}: text {:?} at {extent:?} leaves the canvas {canvas:?}", t.text);
        // A text that starts inside a node or a label stays inside it.
        for r in nodes.iter().chain(&chips) {
            if t.x > r.x && t.x < r.right() && t.y > r.y && t.y < r.bottom() {
                assert!(contains(r, &extent), "{name}: text {:?} overflows its box {r:?}", t.text);
            }
        }
    }
}

#[test]
fn svg_of_every_inventory_has_no_overlaps_and_stays_on_the_canvas() {
    for (name, p) in inventories() {
        let svg = render(&p, Format::Svg);
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""), "{name}");
        assert!(svg.contains(&format!("Platform architecture: {name}")), "{name}: title names the inventory");
        assert!(svg.contains("Legend"), "{name}: legend");
        assert_clean_svg(&name, &svg);
        // Deterministic.
        assert_eq!(svg, render(&p, Format::Svg), "{name}");
    }
}

#[test]
fn layers_racks_services_and_security_labels() {
    let p = Platform::load(Some(("jolokia_open.yml", &data("jolokia_open.yml"))), &[]).unwrap();
    let d = build(&p);
    let titles: Vec<&str> = d.layers.iter().map(|l| l.title.as_str()).collect();
    assert_eq!(titles[0], "KRaft controllers");
    assert_eq!(titles[1], "Kafka brokers");
    let racks: Vec<&str> = d.layers[1].groups.iter().map(|g| g.title.as_str()).collect();
    assert_eq!(racks, ["rack az1", "rack az2"]);
    // SASL_SSL with SCRAM, client → broker and broker → controller.
    assert!(
        d.edges
            .iter()
            .any(|e| e.to == d.layers[1].id && e.label.contains("SASL_SSL") && e.protection == Protection::Secure)
    );
    assert!(d.edges.iter().any(|e| e.to == d.layers[0].id && e.label.starts_with("CONTROLLER")));
    assert_clean_svg("jolokia_open.yml", &render(&p, Format::Svg));

    // PLAINTEXT is a risk, drawn dashed red; exporters are listed and scraped.
    let (name, p) = inventories().into_iter().find(|(n, _)| n == "hosts_example.7.9.x.yml").unwrap();
    let d = build(&p);
    let risky: Vec<&str> =
        d.edges.iter().filter(|e| e.protection == Protection::Plaintext).map(|e| e.label.as_str()).collect();
    assert!(risky.iter().any(|l| l.contains("PLAINTEXT :9092") && l.ends_with("(risk)")), "{name}: {risky:?}");
    assert!(d.layers.iter().any(|l| l.title == "ZooKeeper + KRaft controllers"), "{name}");
    let svg = render(&p, Format::Svg);
    assert!(svg.contains(r#"stroke-dasharray="6 4""#), "{name}: PLAINTEXT dashed");
    let (name, p) = inventories().into_iter().find(|(n, _)| n == "single_dev_node.yml").unwrap();
    let d = build(&p);
    let mgmt = d.layers.last().unwrap();
    assert!(
        mgmt.groups
            .iter()
            .flat_map(|g| &g.nodes)
            .any(|n| n.title == "JMX exporter" && n.lines.iter().any(|l| l.contains(":8080"))),
        "{name}: {mgmt:?}"
    );
    assert!(d.edges.iter().any(|e| e.label.starts_with("JMX exporter HTTP :8080")), "{name}");
    let groups: Vec<&str> = d.layers.iter().flat_map(|l| l.groups.iter().map(|g| g.title.as_str())).collect();
    for want in ["Schema Registry", "Kafka Connect", "ksqlDB", "Control Center"] {
        assert!(groups.iter().any(|g| g.starts_with(want)), "{name}: {want} in {groups:?}");
    }
}

#[test]
fn hostile_names_are_escaped_in_every_format() {
    let props = vec![(
        "etc/a&b <\"x\"> 'broker'.properties".to_string(),
        "listeners=PLAINTEXT://:9092\nbroker.rack=r<1>&\"2\"\n".to_string(),
    )];
    let p = Platform::load(None, &props).unwrap();
    let svg = render(&p, Format::Svg);
    assert_clean_svg("hostile", &svg);
    assert!(parse_svg(&svg).texts.iter().any(|t| t.text == "etc/a&b <\"x\"> 'broker'.properties"));
    let dot = render(&p, Format::Dot);
    assert!(dot.contains(r#"etc/a&b <\"x\"> 'broker'.properties"#), "{dot}");
    if let Some(err) = dot_renders(&dot) {
        panic!("hostile: {err}\n{dot}");
    }
    let mermaid = render(&p, Format::Mermaid);
    assert!(mermaid.contains("a#amp;b #lt;#quot;x#quot;#gt;"), "{mermaid}");
    assert_mermaid_structure("hostile", &mermaid);
}

/// `None` when `dot -Tsvg` renders it (exit 0), else the error; panics when dot is missing and
/// FIELDKIT_REQUIRE_DOT is set.
fn dot_renders(dot: &str) -> Option<String> {
    use std::io::Write;
    let child =
        Command::new("dot").arg("-Tsvg").stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(_) => {
            assert!(
                std::env::var_os("FIELDKIT_REQUIRE_DOT").is_none(),
                "FIELDKIT_REQUIRE_DOT is set and `dot` is missing"
            );
            eprintln!("SKIPPED: `dot` (graphviz) is not installed");
            return None;
        }
    };
    child.stdin.take().unwrap().write_all(dot.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    if !out.status.success() {
        return Some(format!("dot exited {}: {}", out.status, String::from_utf8_lossy(&out.stderr)));
    }
    if !String::from_utf8_lossy(&out.stdout).contains("<svg") {
        return Some("dot printed no SVG".into());
    }
    None
}

#[test]
fn dot_of_every_inventory_renders_with_graphviz() {
    for (name, p) in inventories() {
        let dot = render(&p, Format::Dot);
        assert!(dot.starts_with("digraph fieldkit {") && dot.ends_with("}\n"), "{name}");
        if let Some(err) = dot_renders(&dot) {
            panic!("{name}: {err}");
        }
    }
}

/// Every node id is declared once, every edge endpoint is a declared node or subgraph, subgraphs
/// are balanced.
fn assert_mermaid_structure(name: &str, m: &str) {
    let body = m.split_once("flowchart TB\n").unwrap_or_else(|| panic!("{name}: no flowchart TB")).1;
    let mut nodes = BTreeSet::new();
    let mut subgraphs = BTreeSet::new();
    let mut depth = 0i32;
    let id_ok = |id: &str| !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let mut edges = 0;
    for line in body.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("subgraph ") {
            let id = rest.split('[').next().unwrap();
            assert!(id_ok(id), "{name}: subgraph id {id:?}");
            assert!(subgraphs.insert(id.to_string()), "{name}: subgraph {id} declared twice");
            assert!(rest[id.len()..].starts_with("[\"") && rest.ends_with("\"]"), "{name}: unquoted {line}");
            depth += 1;
        } else if line == "end" {
            depth -= 1;
            assert!(depth >= 0, "{name}: unbalanced end");
        } else if let Some((from, rest)) = line.split_once(" -->|") {
            let (label, to) = rest.rsplit_once("| ").unwrap();
            assert!(
                label.starts_with('"') && label.ends_with('"') && !label[1..label.len() - 1].contains('"'),
                "{name}: {line}"
            );
            for id in [from, to] {
                assert!(nodes.contains(id) || subgraphs.contains(id), "{name}: edge endpoint {id} not declared");
            }
            edges += 1;
        } else if line.starts_with("linkStyle ") {
            let i: usize = line.split_whitespace().nth(1).unwrap().parse().unwrap();
            assert!(i < edges, "{name}: linkStyle {i} of {edges} edges");
        } else if line.starts_with("classDef ") {
        } else {
            let (id, rest) = line.split_once('[').unwrap_or_else(|| panic!("{name}: unexpected line {line:?}"));
            assert!(id_ok(id), "{name}: node id {id:?}");
            assert!(rest.starts_with('"') && rest.ends_with("\"]:::host"), "{name}: {line}");
            assert!(!rest[1..rest.len() - 9].contains('"'), "{name}: quote inside a label: {line}");
            assert!(nodes.insert(id.to_string()), "{name}: node {id} declared twice");
            assert!(!subgraphs.contains(id), "{name}: {id} is a node and a subgraph");
        }
    }
    assert_eq!(depth, 0, "{name}: unbalanced subgraphs");
    assert!(!nodes.is_empty(), "{name}");
}

#[test]
fn mermaid_of_every_inventory_is_structurally_sound() {
    for (name, p) in inventories() {
        assert_mermaid_structure(&name, &render(&p, Format::Mermaid));
    }
}

#[test]
fn snapshots_of_a_small_inventory() {
    let (_, p) = inventories().into_iter().find(|(n, _)| n == "mtls_kraft.yml").unwrap();
    insta::assert_snapshot!("mtls_kraft_dot", render(&p, Format::Dot));
    insta::assert_snapshot!("mtls_kraft_mermaid", render(&p, Format::Mermaid));
}
