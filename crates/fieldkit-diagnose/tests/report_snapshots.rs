//! Whole reports of the sample bundles as snapshots: a playbook or engine change that alters what
//! a support engineer reads shows up as a reviewable diff (`cargo insta review`, or
//! INSTA_UPDATE=always to accept).

use std::path::Path;

use fieldkit_diagnose::{Aggregator, Playbook, Report, ScanOptions, Severity, render};
use fieldkit_logs::{Bundle, Limits};

fn triage(rel: &str) -> Report {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(rel);
    let bundle = Bundle::open(&path, Limits::default()).expect("sample bundle opens");
    let playbook = Playbook::builtin().expect("built-in playbook");
    let mut agg = Aggregator::new(&playbook, bundle.name.clone());
    for file in &bundle.files {
        let bytes = file.read(&bundle.limits).expect("readable");
        agg.add(&file.path, &file.host, file.kind, playbook.scan(&bytes, file.kind, &ScanOptions::default()));
    }
    agg.finish(Severity::Info, bundle.skipped.clone())
}

#[test]
fn zk_cluster_markdown_report() {
    insta::assert_snapshot!(render::markdown(&triage("tests/data/bundles/zk-cluster")));
}

#[test]
fn tls_outage_summary() {
    let report = triage("examples/bundles/tls-outage");
    let lines: Vec<String> = report
        .findings
        .iter()
        .map(|f| {
            format!(
                "{:<8} {:<32} {:>4}  {} → {}  related: {}",
                f.severity.as_str(),
                f.id,
                f.count,
                f.first_seen.as_deref().unwrap_or("-"),
                f.last_seen.as_deref().unwrap_or("-"),
                f.related.join(",")
            )
        })
        .collect();
    insta::assert_snapshot!(lines.join("\n"));
}
