//! filter, summarize, route and extract wired together, with store, file and stdout sinks;
//! the counters reconcile and positions still cover every record.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use fieldkit_store::Store;
use fieldkit_stream::{RunOptions, run_blocking, validate};

#[test]
fn filter_summarize_route_to_store_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.ndjson");
    let db = dir.path().join("s.db");
    let other = dir.path().join("other.jsonl");
    common::write_input(&input, 0..1_000);
    let text = format!(
        r#"
[pipeline]
max_record_bytes = {max}

[sources.in]
type = "file"
path = "${{INPUT}}"

[transforms.not_tenant_0]
type = "filter"
inputs = ["in"]
condition = '.tenant_id != "100000"'

[transforms.sum]
type = "summarize"
inputs = ["not_tenant_0"]

[transforms.by_state]
type = "route"
inputs = ["sum"]
routes = [
  {{ name = "critical", condition = '.state == "CRITICAL"' }},
]

[sinks.db]
type = "store"
inputs = ["by_state.critical"]
path = "${{DB}}"
linger_ms = 20

[sinks.rest]
type = "file"
inputs = ["by_state._unmatched"]
path = "${{OTHER}}"
"#,
        max = common::MAX_RECORD
    );
    let env = [
        ("INPUT".to_owned(), input.display().to_string()),
        ("DB".to_owned(), db.display().to_string()),
        ("OTHER".to_owned(), other.display().to_string()),
    ];
    let config = validate(&text, env).unwrap();
    let c = run_blocking(&config, RunOptions::default()).unwrap();

    let (mut dead, mut filtered, mut critical, mut rest) = (0, 0, 0, 0);
    for i in 0..1_000u64 {
        if i % 100 == 99 {
            dead += 1;
        } else if i % 37 == 0 {
            filtered += 1;
        } else if i % 3 == 2 {
            critical += 1;
        } else {
            rest += 1;
        }
    }
    assert_eq!(c.consumed, 1_000);
    assert_eq!((c.stored, c.filtered, c.dead_lettered, c.written), (critical, filtered, dead, rest), "{c:?}");
    assert!(c.reconciles());

    let lines = std::fs::read_to_string(&other).unwrap();
    let values: Vec<serde_json::Value> = lines.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(values.len() as u64, rest + dead);
    let dead_kinds: Vec<&str> = values.iter().filter_map(|v| v["dead_letter"]["error_kind"].as_str()).collect();
    assert_eq!(dead_kinds.len() as u64, dead);
    assert!(dead_kinds.contains(&"invalid_json") && dead_kinds.contains(&"too_large"), "{dead_kinds:?}");
    assert!(values.iter().filter(|v| v.get("dead_letter").is_none()).all(|v| v["state"] != "CRITICAL"));

    // The store holds only critical summaries, but its position covers every record: the
    // filtered and file-written ones were settled before it was committed.
    let store = Store::open(&db).unwrap();
    assert_eq!(store.stats().unwrap().monitoring, critical);
    assert_eq!(store.positions("in").unwrap()[0].next_offset as u64, std::fs::metadata(&input).unwrap().len());
}

const STDIN_CHILD: &str = "FIELDKIT_STREAM_STDIN_CHILD";

/// Child: stdin → extract → stdout.
#[test]
fn stdin_child() {
    if std::env::var(STDIN_CHILD).is_err() {
        return;
    }
    let text = r#"
[sources.in]
type = "stdin"
[transforms.pick]
type = "extract"
inputs = ["in"]
expression = '{node: .entity.label, state: .details.state}'
[sinks.out]
type = "stdout"
inputs = ["pick"]
"#;
    let config = validate(text, std::iter::empty()).unwrap();
    let c = run_blocking(&config, RunOptions::default()).unwrap();
    eprintln!("{}", serde_json::to_string(&c).unwrap());
}

#[test]
fn stdin_extract_stdout() {
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(exe)
        .args(["stdin_child", "--exact", "--nocapture", "--test-threads=1", "-q"])
        .env(STDIN_CHILD, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let t = common::template();
    let mut stdin = child.stdin.take().unwrap();
    for i in 0..10 {
        stdin.write_all(&common::line(&t, i)).unwrap();
        stdin.write_all(b"\n\n").unwrap(); // blank lines are not records
    }
    stdin.write_all(b"not json\n").unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let picked: Vec<serde_json::Value> =
        stdout.lines().filter(|l| l.starts_with('{')).map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(picked.len(), 11, "{stdout}");
    assert_eq!(picked[4], serde_json::json!({"node": "node-4", "state": "WARNING"}));
    let dead = &picked[10]["dead_letter"];
    assert_eq!(dead["error_kind"], "invalid_json");
    assert!(dead["position"].is_null(), "stdin records have no position");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let counters: serde_json::Value =
        serde_json::from_str(stderr.lines().find(|l| l.starts_with('{')).unwrap()).unwrap();
    assert_eq!((counters["consumed"].as_u64(), counters["written"].as_u64()), (Some(11), Some(10)));
}
