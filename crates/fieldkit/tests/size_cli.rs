//! `fieldkit size` end to end: flags, YAML, formats, --check exit codes.

use assert_cmd::Command;

fn fieldkit() -> Command {
    Command::cargo_bin("fieldkit").unwrap()
}

fn example(path: &str) -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../").to_string() + path
}

#[test]
fn json_has_brokers_binding_and_sourced_figures() {
    let out = fieldkit()
        .args(["size", "--produce-mb-s", "75", "--consumer-groups", "2", "--headroom", "0", "--racks", "1"])
        .args(["--instance", "m5.large", "--cores", "16", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["brokers"], 4);
    assert_eq!(v["binding"], "network out");
    for f in v["figures"].as_array().unwrap() {
        assert!(f["formula"].as_str().is_some_and(|s| !s.is_empty()));
        assert!(f["source"]["url"].as_str().is_some_and(|s| !s.is_empty()));
    }
}

#[test]
fn yaml_input_markdown_and_flag_override() {
    let out = fieldkit()
        .args(["size", "--input", &example("examples/sizing/workload.yaml"), "--retention", "7d", "-f", "markdown"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.starts_with("# Cluster sizing"));
    assert!(md.contains("**(binding)**"));
    assert!(md.contains("| 168 ×") || md.contains("604800 s"), "retention flag overrides the file");
}

#[test]
fn check_exits_one_when_the_layout_is_short() {
    let inv = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/cp-ansible/hosts_example.master.yml");
    // Plenty of load: more brokers than the example inventory has.
    let out =
        fieldkit().args(["size", "--produce-mb-s", "2000", "--consumer-groups", "5", "--check", inv]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("[SHORT] brokers"), "{text}");
}

#[test]
fn errors_exit_two() {
    let out = fieldkit().args(["size", "--instance", "m5.large"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no throughput"));
    let out = fieldkit().args(["size", "--produce-mb-s", "1", "--instance", "x9.huge"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn list_instances() {
    let out = fieldkit().args(["size", "--list-instances"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(s.contains("m7g.4xlarge") && s.contains("n2-standard-16"));
}
