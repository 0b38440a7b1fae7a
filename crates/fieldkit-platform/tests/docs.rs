//! `fieldkit docs`: every document in both formats for every cp-ansible inventory in
//! ../shared/data, finding ids present, escaping, template overrides, engagement errors.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use fieldkit_platform::docs::{DocFormat, DocInput, DocKind, Engagement, render};
use fieldkit_platform::{Platform, check};

fn shared_dir() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/cp-ansible")).to_path_buf()
}

fn inventories() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(shared_dir())
        .expect("../shared/data/cp-ansible")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    v.sort();
    v
}

fn load(path: &Path) -> Platform {
    let text = std::fs::read_to_string(path).unwrap();
    Platform::load(Some((path.file_name().unwrap().to_str().unwrap(), &text)), &[]).unwrap()
}

fn example_engagement() -> Engagement {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/engagement.yaml");
    Engagement::parse(path, &std::fs::read_to_string(path).unwrap()).unwrap()
}

const KINDS: [DocKind; 3] = [DocKind::Security, DocKind::Readiness, DocKind::Faq];
const FORMATS: [DocFormat; 2] = [DocFormat::Markdown, DocFormat::Html];

#[test]
fn every_document_renders_for_every_inventory_with_every_finding_id() {
    let engagement = example_engagement();
    let inventories = inventories();
    assert!(inventories.len() >= 10, "found {} inventories", inventories.len());
    for path in inventories {
        let p = load(&path);
        let findings = check(&p);
        for engagement in [None, Some(&engagement)] {
            let input = DocInput { platform: &p, findings: &findings, engagement, version: "test" };
            for kind in KINDS {
                for format in FORMATS {
                    let doc = render(kind, format, &input, &BTreeMap::new())
                        .unwrap_or_else(|e| panic!("{} {kind:?} {format:?}: {e}", path.display()));
                    for f in &findings {
                        assert!(doc.contains(&f.id), "{} {kind:?} {format:?} lacks {}", path.display(), f.id);
                    }
                    if kind != DocKind::Faq {
                        for c in &p.components {
                            for h in &c.hosts {
                                assert!(doc.contains(h.as_str()), "{} {kind:?} lacks host {h}", path.display());
                            }
                        }
                    }
                    if format == DocFormat::Html {
                        assert!(doc.starts_with("<!doctype html>"));
                        assert!(doc.contains("@media print"));
                        assert!(!doc.contains("<script") && !doc.contains("<link") && !doc.contains("src=\"http"));
                    }
                    if kind == DocKind::Readiness && engagement.is_none() {
                        assert!(doc.contains("escalation"), "placeholders name the YAML keys");
                        assert!(doc.contains("emergency_contacts"));
                    }
                    if kind == DocKind::Readiness && engagement.is_some() {
                        assert!(doc.contains("ENG-2026-042") && doc.contains("Confluent Support"));
                    }
                }
            }
        }
    }
}

#[test]
fn accepted_deviations_show_reason_and_acceptor() {
    let p = load(&shared_dir().join("hosts_example.master.yml"));
    let findings = check(&p);
    let e = example_engagement();
    let input = DocInput { platform: &p, findings: &findings, engagement: Some(&e), version: "t" };
    let md = render(DocKind::Security, DocFormat::Markdown, &input, &BTreeMap::new()).unwrap();
    assert!(md.contains("Metrics ports are reachable only from the monitoring VLAN."));
    assert!(md.contains("Max Mustermann (platform owner)"));
}

#[test]
fn values_are_escaped_in_html_and_markdown() {
    let inv = "kafka_broker:\n  hosts:\n    \"<script>alert(1)</script>\":\n      ansible_host: \"a|b\"\n";
    let p = Platform::load(Some(("evil.yml", inv)), &[]).unwrap();
    let findings = check(&p);
    let e = Engagement::parse("e.yaml", "customer: \"<script>x()</script>\"\n").unwrap();
    let input = DocInput { platform: &p, findings: &findings, engagement: Some(&e), version: "t" };
    for kind in KINDS {
        let html = render(kind, DocFormat::Html, &input, &BTreeMap::new()).unwrap();
        assert!(!html.contains("<script>"), "{kind:?}");
        assert!(html.contains("&lt;script&gt;x()"), "{kind:?}");
        let md = render(kind, DocFormat::Markdown, &input, &BTreeMap::new()).unwrap();
        assert!(!md.contains("<script>"), "{kind:?}");
    }
    let md = render(DocKind::Security, DocFormat::Markdown, &input, &BTreeMap::new()).unwrap();
    assert!(md.contains("a\\|b"), "a pipe cannot break a table row");
}

#[test]
fn a_template_of_the_same_name_replaces_the_built_in_one() {
    let p = load(&shared_dir().join("single_dev_node.yml"));
    let findings = check(&p);
    let input = DocInput { platform: &p, findings: &findings, engagement: None, version: "t" };
    let mut overrides = BTreeMap::new();
    overrides.insert(
        "security.md.j2".to_string(),
        "CUSTOM {{ kind }} {% for f in findings %}{{ f.id }};{% endfor %}".to_string(),
    );
    let md = render(DocKind::Security, DocFormat::Markdown, &input, &overrides).unwrap();
    assert!(md.starts_with("CUSTOM security "));
    assert!(md.contains(&format!("{};", findings[0].id)));
    // A shared piece (the HTML layout) replaced changes every HTML document.
    overrides.insert("layout.html.j2".to_string(), "LAYOUT {% block body %}{% endblock %}".to_string());
    let html = render(DocKind::Faq, DocFormat::Html, &input, &overrides).unwrap();
    assert!(html.starts_with("LAYOUT "));
    // A broken override names the template.
    overrides.insert("faq.md.j2".to_string(), "{% for %}".to_string());
    let err = render(DocKind::Faq, DocFormat::Markdown, &input, &overrides).unwrap_err().to_string();
    assert!(err.contains("faq.md.j2"), "{err}");
}

#[test]
fn engagement_errors_name_the_file_and_the_field() {
    let cases = [
        (
            "accepted_deviations:\n  - finding: no-such-rule\n    reason: r\n    accepted_by: a\n",
            "accepted_deviations[0].finding",
        ),
        ("accepted_deviations:\n  - finding: min-isr-one\n    accepted_by: a\n", "reason"),
        ("escalation:\n  - level: one\n    who: x\n", "escalation[0].level"),
        ("customr: typo\n", "customr"),
        ("contacts:\n  - name: \"\"\n", "contacts[0].name"),
    ];
    for (yaml, field) in cases {
        let err = Engagement::parse("eng.yaml", yaml).unwrap_err().to_string();
        assert!(err.starts_with("eng.yaml: "), "{err}");
        assert!(err.contains(field), "{yaml:?}: {err}");
    }
}
