//! `fieldkit monitoring`: writes the package, refuses a non-empty directory without --force,
//! exits 2 on unreadable input and without -o.

mod common;

use std::path::PathBuf;

use common::{run, stderr, stdout};

fn inventory(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/cp-ansible").join(name).display().to_string()
}

#[test]
fn writes_the_package_and_guards_the_output_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("mon");
    let out = out_dir.display().to_string();
    let inv = inventory("sasl_ssl_kraft.yml");
    let o = run(&["monitoring", &inv, "-o", &out, "--dialect", "strimzi"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for f in [
        "prometheus/prometheus.yml",
        "prometheus/alert-rules.yml",
        "alertmanager/alertmanager.yml",
        "grafana/kafka-cluster-overview.json",
        "grafana/kafka-broker.json",
        "grafana/kafka-topic.json",
        "grafana/kafka-consumer-lag.json",
    ] {
        assert!(out_dir.join(f).is_file(), "{f} not written: {}", stdout(&o));
    }
    let prom = std::fs::read_to_string(out_dir.join("prometheus/prometheus.yml")).unwrap();
    assert!(prom.contains("env: sasl_ssl_kraft"), "the env label is the inventory name");
    assert!(stderr(&o).contains("jmxexporter_enabled"), "the assumed ports are explained: {}", stderr(&o));

    // Non-empty: refused with 2, then accepted with --force.
    let o = run(&["monitoring", &inv, "-o", &out]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    let o = run(&["monitoring", &inv, "-o", &out, "--force"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rules = std::fs::read_to_string(out_dir.join("prometheus/alert-rules.yml")).unwrap();
    assert!(rules.contains("(confluent dialect)"), "the default dialect is confluent");
}

#[test]
fn bad_input_and_missing_output_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("o").display().to_string();
    let o = run(&["monitoring", "/nonexistent/hosts.yml", "-o", &out]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("/nonexistent/hosts.yml"), "{}", stderr(&o));
    assert!(!tmp.path().join("o").exists(), "nothing written on error");
    let o = run(&["monitoring", &inventory("single_dev_node.yml")]);
    assert_eq!(o.status.code(), Some(2), "-o is required");
}
