//! The `redact` transform: deterministic keyed pseudonyms, originals never in the output, dead
//! letters passed unchanged (or redacted when asked), a key file created when missing.

mod common;

use std::io::Write;
use std::path::Path;

use fieldkit_events::MonitoringEvent;
use fieldkit_stream::{RunOptions, run_blocking, validate};

const SECRETS: [&str; 4] = ["acme-corp", "10.20.30.40", "alice", "node-"];

/// Notifications whose status names a host, an address and a user; entity labels `node-N`;
/// every 10th line is not JSON and mentions the address.
fn write_input(path: &Path, n: u64) {
    let t = common::template();
    let mut f = std::fs::File::create(path).unwrap();
    for i in 0..n {
        if i % 10 == 9 {
            writeln!(f, "not json: 10.20.30.40 via kafka-3.acme-corp.com {i}").unwrap();
            continue;
        }
        let mut v: serde_json::Value = serde_json::from_slice(&common::line(&t, i)).unwrap();
        v["details"]["status"] =
            format!("disk full on kafka-3.acme-corp.com (10.20.30.40), reported by alice@acme-corp.com, run {i}")
                .into();
        writeln!(f, "{}", serde_json::to_string(&v).unwrap()).unwrap();
    }
}

fn run(input: &Path, out: &Path, key: &Path, transform: &str, after_summary: bool) -> fieldkit_stream::Counters {
    let (first, redact_in, sink_in) = if after_summary { ("in", "summary", "anon") } else { ("anon", "in", "summary") };
    let text = format!(
        r#"
[sources.in]
type = "file"
path = "${{INPUT}}"

[transforms.summary]
type = "summarize"
inputs = ["{first}"]

[transforms.anon]
type = "redact"
inputs = ["{redact_in}"]
key_file = "${{KEY}}"
{transform}

[sinks.out]
type = "file"
inputs = ["{sink_in}"]
path = "${{OUT}}"
"#
    );
    let env = [
        ("INPUT".to_owned(), input.display().to_string()),
        ("OUT".to_owned(), out.display().to_string()),
        ("KEY".to_owned(), key.display().to_string()),
    ];
    let config = validate(&text, env).unwrap_or_else(|e| panic!("{e:?}"));
    let c = run_blocking(&config, RunOptions::default()).unwrap();
    assert!(c.reconciles(), "{c:?}");
    c
}

#[test]
fn summaries_get_deterministic_pseudonyms_and_originals_never_appear() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.ndjson");
    write_input(&input, 200);
    let key = dir.path().join("keys/redact.key");
    let spec = r#"fields = ["message"]
whole_fields = ["node", "tenant", "dedup_key"]"#;
    let (a, b) = (dir.path().join("a.jsonl"), dir.path().join("b.jsonl"));
    let c = run(&input, &a, &key, spec, true);
    assert_eq!((c.consumed, c.written, c.dead_lettered), (200, 180, 20), "{c:?}");
    // The key file was created: 64 hex digits, private.
    let hex = std::fs::read_to_string(&key).unwrap();
    assert_eq!(hex.trim().len(), 64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    }
    run(&input, &b, &key, spec, true);
    let out_a = std::fs::read_to_string(&a).unwrap();
    // Same key, same output (but for the time each record was received).
    let timeless = |text: &str| -> Vec<serde_json::Value> {
        text.lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                let mut o = v.get("dead_letter").cloned().unwrap_or(v);
                o.as_object_mut().unwrap().remove("received_time_ms");
                o
            })
            .collect()
    };
    let (ta, tb) = (timeless(&out_a), timeless(&std::fs::read_to_string(&b).unwrap()));
    assert_eq!(ta.len(), 200);
    assert!(ta == tb, "same key, same pseudonyms");

    let mut nodes = std::collections::HashSet::new();
    for line in out_a.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if let Some(d) = v.get("dead_letter") {
            // Dead letters pass unchanged by default.
            assert!(d["payload"].as_str().unwrap().starts_with("not json: 10.20.30.40"), "{d}");
            continue;
        }
        for s in SECRETS {
            assert!(!line.contains(s), "`{s}` in {line}");
        }
        let e: MonitoringEvent = serde_json::from_value(v).unwrap();
        assert!(e.node.starts_with("v-") && e.node.len() == 18, "{}", e.node);
        assert!(e.tenant.starts_with("v-") && e.dedup_key.starts_with("v-"));
        assert!(e.message.as_deref().unwrap().contains("reported by user-"), "{:?}", e.message);
        nodes.insert(e.node);
    }
    // node-N for N < 180 (i % 500), minus the dead lines: one pseudonym per node, distinct.
    assert_eq!(nodes.len(), 180);

    // Another key, other pseudonyms.
    let other = dir.path().join("c.jsonl");
    run(&input, &other, &dir.path().join("other.key"), spec, true);
    let first_node = |p: &Path| {
        let text = std::fs::read_to_string(p).unwrap();
        let line = text.lines().next().unwrap().to_owned();
        serde_json::from_str::<MonitoringEvent>(&line).unwrap().node
    };
    assert_ne!(first_node(&a), first_node(&other));
}

#[test]
fn raw_payloads_and_dead_letters_can_be_redacted_whole() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.ndjson");
    write_input(&input, 100);
    let key = dir.path().join("redact.key");
    let out = dir.path().join("out.jsonl");
    // Before summarize, every string of the raw payload is scanned; entity labels whole.
    let c = run(&input, &out, &key, "whole_fields = [\"entity.label\"]\ndead_letters = \"redact\"", false);
    assert_eq!((c.consumed, c.written, c.dead_lettered), (100, 90, 10), "{c:?}");
    let text = std::fs::read_to_string(&out).unwrap();
    for s in SECRETS {
        assert!(!text.contains(s), "`{s}` in the output");
    }
    // Lines that are not JSON were redacted as text, then dead-lettered by summarize.
    let dead: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v.get("dead_letter").is_some())
        .collect();
    assert_eq!(dead.len(), 10);
    assert!(dead.iter().all(|d| d["dead_letter"]["payload"].as_str().unwrap().starts_with("not json: ")));

    // After summarize, dead letters (the lines that are not JSON) are redacted when asked.
    let out = dir.path().join("dead.jsonl");
    let c = run(&input, &out, &key, "fields = [\"message\"]\ndead_letters = \"redact\"", true);
    assert_eq!((c.written, c.dead_lettered), (90, 10), "{c:?}");
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(!text.contains("10.20.30.40") && !text.contains("acme-corp"));
    assert_eq!(text.matches("\"payload\":\"not json: ").count(), 10);

    // A summary field that is not text cannot be pseudonymised whole: a dead letter whose
    // payload is the redacted summary.
    let out = dir.path().join("bad.jsonl");
    let c = run(&input, &out, &key, "whole_fields = [\"node\", \"event_time_ms\"]", true);
    assert_eq!((c.written, c.dead_lettered), (0, 100), "{c:?}");
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("redact_failed") && !text.contains("node-"));
}

#[test]
fn redact_config_errors_point_at_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad_key = dir.path().join("bad.key");
    std::fs::write(&bad_key, "not hex\n").unwrap();
    let text = format!(
        r#"[sources.in]
type = "stdin"

[transforms.anon]
type = "redact"
inputs = ["in"]
key_file = "{}"
fields = ["node", ""]
whole_fields = "node"
dead_letters = "drop"

[sinks.out]
type = "stdout"
inputs = ["anon"]
"#,
        bad_key.display()
    );
    let errors = validate(&text, []).unwrap_err();
    let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![7, 8, 9, 10], "{errors:#?}");
    assert!(errors[0].message.contains("64 hex digits"));
    let missing = "[sources.in]\ntype = \"stdin\"\n[transforms.anon]\ntype = \"redact\"\ninputs = [\"in\"]\n[sinks.out]\ntype = \"stdout\"\ninputs = [\"anon\"]\n";
    let errors = validate(missing, []).unwrap_err();
    assert!(errors.iter().any(|e| e.line == 3 && e.message.contains("`key_file` is required")), "{errors:?}");
}
