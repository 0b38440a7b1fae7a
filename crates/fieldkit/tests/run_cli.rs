//! `fieldkit run` and `fieldkit validate` end to end with the shipped example config: file source
//! → Rackspace mapping → embedded store, nothing lost, nothing stored twice.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/monitoring-file.toml")
}

fn maas_payload() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/maas/maas-example.json");
    serde_json::from_str(&fs::read_to_string(path).expect("../shared/data/maas is beside the project")).unwrap()
}

/// `n` notifications, every 100th one malformed.
fn write_input(path: &Path, n: usize) {
    let base = maas_payload();
    let mut out = String::new();
    for i in 0..n {
        if i % 100 == 42 {
            out.push_str("{\"truncated\": \n");
            continue;
        }
        let mut p = base.clone();
        p["event_id"] =
            Value::String(format!("ac:en{}:al:ch{}:{}:WARNING", i % 13, i % 5, 1_326_910_500_000u64 + i as u64));
        out.push_str(&serde_json::to_string(&p).unwrap());
        out.push('\n');
    }
    fs::write(path, out).unwrap();
}

fn fieldkit(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("fieldkit").unwrap();
    cmd.current_dir(dir).env("FIELDKIT_INPUT", "in.ndjson").env("FIELDKIT_STORE", "fk.db").env("NO_COLOR", "1");
    cmd
}

fn stats(dir: &Path) -> Value {
    let out = fieldkit(dir).args(["store", "stats", "--store", "fk.db", "--format", "json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn example_pipeline_stores_everything_once() {
    let work = tempfile::tempdir().unwrap();
    write_input(&work.path().join("in.ndjson"), 5_000);
    let out = fieldkit(work.path()).args(["validate", "--config", example().to_str().unwrap()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let config = example();
    let run = |extra: &[&str]| {
        let mut args = vec!["run", "--config", config.to_str().unwrap(), "--json"];
        args.extend_from_slice(extra);
        let out = fieldkit(work.path()).args(&args).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    let first = run(&[]);
    assert_eq!(
        (first["consumed"].as_u64(), first["stored"].as_u64(), first["dead_lettered"].as_u64()),
        (Some(5_000), Some(4_950), Some(50))
    );
    let s = stats(work.path());
    assert_eq!((s["monitoring"].as_u64(), s["dead_letter"].as_u64()), (Some(4_950), Some(50)));

    // A second run resumes from the committed position: nothing new, nothing twice.
    let second = run(&[]);
    assert_eq!(second["consumed"].as_u64(), Some(0));
    assert_eq!(stats(work.path())["monitoring"].as_u64(), Some(4_950));
}

#[test]
fn validate_points_at_the_line() {
    let work = tempfile::tempdir().unwrap();
    let bad = work.path().join("bad.toml");
    fs::write(&bad, "[sources.a]\ntype = \"file\"\npath = \"${NOPE_NOT_SET}\"\n\n[sinks.s]\ntype = \"store\"\ninputs = [\"missing\"]\npath = \"x.db\"\n").unwrap();
    let out = fieldkit(work.path()).args(["validate", "--config", bad.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml:3:"), "the unset variable is on line 3: {err}");
    assert!(err.contains("NOPE_NOT_SET"), "{err}");
    assert!(err.contains("bad.toml:7:") && err.contains("missing"), "the unknown input is on line 7: {err}");
}
