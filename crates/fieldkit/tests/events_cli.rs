//! `fieldkit events`, `events top` and `store stats` end to end, on stores built from Rackspace
//! Cloud Monitoring notifications (the samples in ../shared/data/maas, read in place and varied
//! per test) mapped by the built-in mapping, as `fieldkit run` will store them.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{fieldkit, run, stderr, stdout};
use fieldkit_events::mapping::{Mapping, RawInput};
use fieldkit_events::{MonitoringEvent, SourcePosition};
use fieldkit_store::{Batch, DeadLetter, PositionAdvance, Store};
use serde_json::{Value, json};

const MIN: i64 = 60_000;
const TOPIC: &str = "maas_notifications";

fn shared_sample(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/maas").join(name);
    let bytes = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (the MaaS samples live in ../shared/data/maas)", path.display()));
    serde_json::from_slice(&bytes).unwrap()
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
}

/// One notification as MaaS would send it, built from the documented webhook sample.
struct Note<'a> {
    tenant: &'a str,
    env: &'a str,
    node: &'a str,
    check: &'a str,
    state: &'a str,
    previous: Option<&'a str>,
    minutes_ago: i64,
    message: &'a str,
}

impl Note<'_> {
    fn event(&self, base_ms: i64, offset: i64) -> MonitoringEvent {
        let ts = base_ms - self.minutes_ago * MIN;
        let mut v = shared_sample("maas-example.json");
        v["tenant_id"] = json!(self.tenant);
        v["entity"]["label"] = json!(self.node);
        v["entity"]["metadata"] = json!({ "environment": self.env });
        v["check"]["label"] = json!(self.check);
        v["alarm"]["label"] = json!(format!("{} alarm", self.check));
        v["details"]["state"] = json!(self.state);
        v["details"]["status"] = json!(self.message);
        v["details"]["timestamp"] = json!(ts);
        if let Some(previous) = self.previous {
            v["details"]["previous_state"] = json!(previous);
        }
        v["event_id"] = json!(format!("acX:en-{}:al-{}:ch-{}:{ts}:{}", self.node, self.check, self.env, self.state));
        map(&v, offset)
    }
}

/// Maps a payload read from TOPIC partition 0 at `offset`, received a second after it was sent.
fn map(payload: &Value, offset: i64) -> MonitoringEvent {
    let bytes = serde_json::to_vec(payload).unwrap();
    let pos = SourcePosition { topic: TOPIC.into(), partition: 0, offset };
    let received = payload["details"]["timestamp"].as_i64().unwrap() + 1_000;
    Mapping::builtin("rackspace-maas").unwrap().map(&RawInput::new(&bytes, received).with_source(&pos)).unwrap()
}

/// The real CRITICAL notification (no `entity` object: the node comes from `event_id`), moved
/// to `minutes_ago`.
fn real_critical(base_ms: i64, minutes_ago: i64, offset: i64) -> MonitoringEvent {
    let ts = base_ms - minutes_ago * MIN;
    let mut v = shared_sample("maas-example-critical-real.json");
    v["details"]["timestamp"] = json!(ts);
    v["event_id"] = json!(format!("ac5rNRE5nk:enPUVwV0IL:alWusVry77:chUWmQjirR:{ts}:CRITICAL"));
    map(&v, offset)
}

fn notes() -> Vec<Note<'static>> {
    let n = |tenant, env, node, check, state, minutes_ago, message| Note {
        tenant,
        env,
        node,
        check,
        state,
        previous: None,
        minutes_ago,
        message,
    };
    vec![
        // acme/prod/broker-1/http: OK, then CRITICAL (a change), then CRITICAL again (none).
        n("acme", "prod", "broker-1", "http", "OK", 90, "HTTP 200"),
        n("acme", "prod", "broker-1", "http", "CRITICAL", 40, "HTTP 502"),
        n("acme", "prod", "broker-1", "http", "CRITICAL", 20, "HTTP 502 again"),
        // acme/prod/broker-2/disk: WARNING, first seen in the window; its message is hostile.
        n("acme", "prod", "broker-2", "disk", "WARNING", 30, "disk 91% full\n\x1b[31mreally\x1b[0m"),
        // acme/staging/broker-1/http: OK, first seen; the payload says it was UNKNOWN before.
        Note { previous: Some("UNKNOWN"), ..n("acme", "staging", "broker-1", "http", "OK", 10, "recovered") },
        // globex: an old OK outside every window.
        n("globex", "prod", "zk-1", "ping", "OK", 200, "pong"),
    ]
}

struct Fixture {
    _dir: tempfile::TempDir,
    store: PathBuf,
    now: i64,
    /// What the store holds, to write the same into another store.
    batch: Batch,
}

/// A store holding the notes, the real critical notification (tenant 487439, 5 minutes ago),
/// two dead letters and positions for two partitions.
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store_path = dir.path().join("fieldkit.db");
    let now = now_ms();
    let mut events: Vec<MonitoringEvent> = notes().iter().enumerate().map(|(i, n)| n.event(now, i as i64)).collect();
    events.push(real_critical(now, 5, 6));
    let dead = |offset: i64| DeadLetter {
        source_name: "maas".into(),
        position: Some(SourcePosition { topic: TOPIC.into(), partition: 1, offset }),
        received_time_ms: now,
        error_kind: "invalid_json".into(),
        error: "payload is not valid JSON".into(),
        payload: b"{not json".to_vec(),
    };
    let advance = |partition, next_offset| PositionAdvance {
        source_name: "maas".into(),
        topic: TOPIC.into(),
        partition,
        next_offset,
    };
    let mut store = Store::open(&store_path).unwrap();
    let batch = Batch { events, dead_letters: vec![dead(0), dead(1)], positions: vec![advance(0, 7), advance(1, 2)] };
    let outcome = store.commit(&batch).unwrap();
    assert_eq!((outcome.events_new, outcome.dead_letters_new), (7, 2));
    Fixture { _dir: dir, store: store_path, now, batch }
}

fn ok_json(args: &[&str]) -> Value {
    let out = run(args);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(&out)))
}

fn events_json(f: &Fixture, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["events", "--store", f.store.to_str().unwrap(), "--format", "json"];
    args.extend_from_slice(extra);
    ok_json(&args).as_array().unwrap().clone()
}

/// (tenant, env, node, check, state) of each event, in output order.
fn summary(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            ["tenant", "environment", "node", "check", "state"].map(|k| e[k].as_str().unwrap().to_owned()).join("/")
        })
        .collect()
}

/// RFC 3339 UTC, as `--since` takes it and the table shows it.
fn iso(ms: i64) -> String {
    fieldkit_logs::format_utc_millis(ms)
}

#[test]
fn help_shows_examples() {
    for args in [&["events", "--help"][..], &["events", "top", "--help"], &["store", "stats", "--help"]] {
        let out = run(args);
        assert!(out.status.success(), "{args:?}");
        assert!(stdout(&out).contains("Examples:"), "{args:?}: {}", stdout(&out));
    }
    assert!(stdout(&run(&["--help"])).contains("events"));
}

#[test]
fn events_are_listed_newest_first_as_json_with_every_field() {
    let f = fixture();
    let events = events_json(&f, &[]);
    assert_eq!(
        summary(&events),
        [
            "487439/unspecified/enPUVwV0IL/www.everloop.com/CRITICAL",
            "acme/staging/broker-1/http/OK",
            "acme/prod/broker-1/http/CRITICAL",
            "acme/prod/broker-2/disk/WARNING",
            "acme/prod/broker-1/http/CRITICAL",
            "acme/prod/broker-1/http/OK",
            "globex/prod/zk-1/ping/OK",
        ]
    );
    let times: Vec<i64> = events.iter().map(|e| e["event_time_ms"].as_i64().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first: {times:?}");
    let first = events[0].as_object().unwrap();
    for key in [
        "id",
        "event_time_ms",
        "received_time_ms",
        "tenant",
        "environment",
        "node",
        "check",
        "alarm",
        "state",
        "previous_state",
        "message",
        "metrics",
        "source",
        "dedup_key",
    ] {
        assert!(first.contains_key(key), "event has {key}: {first:?}");
    }
    assert_eq!(events[0]["alarm"], "Body match - string not found");
    // (The tests re-serialise payloads through serde_json::Value, which sorts object keys, so
    // the metrics' order is not the sample's.)
    let metrics = events[0]["metrics"].as_array().unwrap();
    assert_eq!(metrics.len(), 7);
    assert!(
        metrics.contains(&json!({"name": "tt_firstbyte", "value": 21196.0, "unit": "milliseconds"})),
        "{metrics:?}"
    );
    assert_eq!(events[0]["source"], json!({"topic": TOPIC, "partition": 0, "offset": 6}));
    assert_eq!(events[1]["previous_state"], "UNKNOWN");
    assert_eq!(events[2]["previous_state"], Value::Null);
    assert!(events[0]["dedup_key"].as_str().unwrap().starts_with("maas/487439/"));
}

#[test]
fn text_is_a_table_with_sanitised_messages() {
    let f = fixture();
    let out = run(&["events", "--store", f.store.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1 + 7, "{text}");
    for word in ["TIME (UTC)", "TENANT", "ENV", "NODE", "CHECK", "STATE", "PREVIOUS", "MESSAGE"] {
        assert!(lines[0].contains(word), "header has {word}: {}", lines[0]);
    }
    assert!(lines[1].starts_with(&iso(f.now - 5 * MIN)), "{}", lines[1]);
    assert!(lines[1].contains("487439") && lines[1].contains("CRITICAL"), "{}", lines[1]);
    assert!(lines[2].contains("staging") && lines[2].contains("UNKNOWN") && lines[2].ends_with("recovered"));
    // Columns line up: every STATE starts where the header's does.
    let col = lines[0].find("STATE").unwrap();
    for line in &lines[1..] {
        let state = &line[col..];
        assert!(["OK", "WARNING", "CRITICAL"].iter().any(|s| state.starts_with(s)), "{line}");
    }
    // A message cannot drive the terminal or break the table.
    assert!(!text.contains('\x1b'), "{text:?}");
    assert!(lines.iter().any(|l| l.ends_with("disk 91% full \u{fffd}[31mreally\u{fffd}[0m")), "{text}");
    // With a known width the message is cut to it.
    let out = fieldkit().args(["events", "--store", f.store.to_str().unwrap()]).env("COLUMNS", "140").output().unwrap();
    let text = stdout(&out);
    assert!(text.lines().all(|l| l.chars().count() <= 140), "{text}");
    assert!(text.lines().any(|l| l.starts_with(&iso(f.now - 5 * MIN)) && l.ends_with('…')), "{text}");
}

#[test]
fn filters_select_by_tenant_environment_node_check_and_state() {
    let f = fixture();
    assert_eq!(events_json(&f, &["--tenant", "globex"]).len(), 1);
    assert_eq!(events_json(&f, &["--tenant", "acme", "--environment", "prod"]).len(), 4);
    assert_eq!(
        summary(&events_json(&f, &["--node", "broker-1", "--check", "http", "--environment", "prod"])),
        ["acme/prod/broker-1/http/CRITICAL", "acme/prod/broker-1/http/CRITICAL", "acme/prod/broker-1/http/OK"]
    );
    assert_eq!(
        summary(&events_json(&f, &["--state", "critical,warning", "--tenant", "acme"])),
        ["acme/prod/broker-1/http/CRITICAL", "acme/prod/broker-2/disk/WARNING", "acme/prod/broker-1/http/CRITICAL"]
    );
    // Repeated --state, any case.
    assert_eq!(events_json(&f, &["--state", "OK", "--state", "unknown"]).len(), 3);
    assert!(events_json(&f, &["--tenant", "nobody"]).is_empty());
    let out = run(&["events", "--store", f.store.to_str().unwrap(), "--tenant", "nobody"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("No events match (the store holds 7 monitoring summaries)"), "{}", stdout(&out));
    let out = run(&["events", "--store", f.store.to_str().unwrap(), "--state", "degraded"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("degraded"), "{}", stderr(&out));
}

#[test]
fn limit_keeps_the_newest() {
    let f = fixture();
    let two = events_json(&f, &["--limit", "2"]);
    assert_eq!(
        summary(&two),
        ["487439/unspecified/enPUVwV0IL/www.everloop.com/CRITICAL", "acme/staging/broker-1/http/OK"]
    );
    assert_eq!(events_json(&f, &["--limit", "0"]).len(), 7);
    let out = run(&["events", "--store", f.store.to_str().unwrap(), "--limit", "2"]);
    assert_eq!(stdout(&out).lines().count(), 1 + 2 + 1);
    assert!(stdout(&out).contains("(the newest 2;"), "{}", stdout(&out));
}

#[test]
fn time_windows_absolute_relative_and_zoned() {
    let f = fixture();
    // --since is inclusive, --until exclusive: exactly the events at 40 and 30 minutes ago.
    let since = iso(f.now - 40 * MIN);
    let until = iso(f.now - 20 * MIN);
    assert_eq!(
        summary(&events_json(&f, &["--since", &since, "--until", &until])),
        ["acme/prod/broker-2/disk/WARNING", "acme/prod/broker-1/http/CRITICAL"]
    );
    // Relative: the last 35 minutes, and everything older than 100 minutes.
    assert_eq!(events_json(&f, &["--since", "35m"]).len(), 4);
    assert_eq!(summary(&events_json(&f, &["--until", "1h40m"])), ["globex/prod/zk-1/ping/OK"]);
    // A time without an offset is read in --tz.
    let at = f.now - 40 * MIN;
    let local = iso(at + 2 * 3_600_000).replace('T', " ").trim_end_matches('Z').to_owned();
    let got = events_json(&f, &["--since", &local, "--until", &until, "--tz", "+02:00"]);
    assert_eq!(got.len(), 2, "{local}");
    // Mistakes are errors that say what to write.
    let out = run(&["events", "--store", f.store.to_str().unwrap(), "--since", "last tuesday"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--since: cannot read \"last tuesday\" as a time"), "{}", stderr(&out));
    let out = run(&["events", "--store", f.store.to_str().unwrap(), "--since", &until, "--until", &since]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--since is after --until"), "{}", stderr(&out));
}

#[test]
fn top_shows_alerting_noisy_and_changes() {
    let f = fixture();
    let store = f.store.to_str().unwrap();
    let top = ok_json(&["events", "top", "--store", store, "--format", "json"]);
    assert_eq!(top["window_ms"], 3_600_000);
    assert!((top["now_ms"].as_i64().unwrap() - now_ms()).abs() < 60_000, "now comes from the clock: {top}");
    // Alerting: latest state CRITICAL or WARNING, most critical tenant first.
    let alerting = top["alerting"].as_array().unwrap();
    let tenants: Vec<(&str, u64, u64)> = alerting
        .iter()
        .map(|t| (t["tenant"].as_str().unwrap(), t["critical"].as_u64().unwrap(), t["warning"].as_u64().unwrap()))
        .collect();
    assert_eq!(tenants, [("acme", 1, 1), ("487439", 1, 0)]);
    let acme: Vec<(&str, &str)> = alerting[0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["node"].as_str().unwrap(), c["state"].as_str().unwrap()))
        .collect();
    assert_eq!(acme, [("broker-1", "CRITICAL"), ("broker-2", "WARNING")]);
    // Noisiest in the last hour: broker-1/http with two CRITICAL events.
    let noisiest = &top["noisiest"].as_array().unwrap()[0];
    assert_eq!(
        (noisiest["node"].as_str(), noisiest["events"].as_u64(), noisiest["not_ok"].as_u64()),
        (Some("broker-1"), Some(2), Some(2))
    );
    assert_eq!(top["noisiest"].as_array().unwrap().len(), 4);
    // Changes in the last hour, newest first; the repeated CRITICAL is not one.
    let changes: Vec<(&str, Value, &str)> = top["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["node"].as_str().unwrap(), c["from"].clone(), c["to"].as_str().unwrap()))
        .collect();
    assert_eq!(
        changes,
        [
            ("enPUVwV0IL", Value::Null, "CRITICAL"),
            ("broker-1", json!("UNKNOWN"), "OK"),
            ("broker-2", Value::Null, "WARNING"),
            ("broker-1", json!("OK"), "CRITICAL"),
        ]
    );
    // A narrower window and a limit.
    let top = ok_json(&["events", "top", "--store", store, "--format", "json", "--window", "15m", "--limit", "1"]);
    assert_eq!(top["window_ms"], 900_000);
    assert_eq!(top["changes"].as_array().unwrap().len(), 1);
    assert_eq!(top["noisiest"].as_array().unwrap().len(), 1);
    assert_eq!(top["alerting"][0]["checks"].as_array().unwrap().len(), 1);
    assert_eq!(top["alerting"][0]["warning"], 1, "counts stay whole under --limit");

    let out = run(&["events", "top", "--store", store]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    for want in [
        "Alerting now",
        "2 critical, 1 warning, in 2 tenant(s)",
        "acme · 1 critical, 1 warning",
        "Noisiest checks",
        "State changes",
        "(new)",
        "window 1h",
    ] {
        assert!(text.contains(want), "top text has {want:?}:\n{text}");
    }
    assert!(!text.contains('\x1b'));
    let out = run(&["events", "top", "--store", store, "--window", "0s"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn top_of_a_quiet_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("quiet.db");
    drop(Store::open(&path).unwrap());
    let out = run(&["events", "top", "--store", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("Nothing is CRITICAL or WARNING."), "{}", stdout(&out));
    let out = run(&["events", "--store", path.to_str().unwrap()]);
    assert!(stdout(&out).contains("the store holds no monitoring summaries yet"), "{}", stdout(&out));
}

#[test]
fn store_stats_counts_per_kind_and_positions() {
    let f = fixture();
    let store = f.store.to_str().unwrap();
    let stats = ok_json(&["store", "stats", "--store", store, "--format", "json"]);
    assert_eq!(stats, json!({"monitoring": 7, "dead_letter": 2, "input_position": 2}));
    let out = run(&["store", "stats", "--store", store]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("monitoring summaries") && text.contains("dead letters"), "{text}");
    let positions: Vec<Vec<&str>> =
        text.lines().filter(|l| l.trim_start().starts_with("maas ")).map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(positions, [["maas", TOPIC, "0", "7"], ["maas", TOPIC, "1", "2"]], "{text}");
    // FIELDKIT_STORE stands in for --store.
    let out = fieldkit().args(["store", "stats", "--format", "json"]).env("FIELDKIT_STORE", store).output().unwrap();
    assert_eq!(serde_json::from_slice::<Value>(&out.stdout).unwrap()["dead_letter"], 2);
}

#[test]
fn missing_or_foreign_stores_exit_2_naming_the_path_and_are_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere.db");
    let text_file = dir.path().join("notes.txt");
    std::fs::write(&text_file, "just some notes\n".repeat(10)).unwrap();
    let foreign = dir.path().join("other-app.sqlite");
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1)")
        .unwrap();
    let foreign_before = std::fs::read(&foreign).unwrap();
    for path in [&missing, &text_file, &foreign] {
        let p = path.to_str().unwrap();
        for args in [
            vec!["events", "--store", p],
            vec!["events", "top", "--store", p],
            vec!["store", "stats", "--store", p, "--format", "json"],
        ] {
            let out = run(&args);
            assert_eq!(out.status.code(), Some(2), "{args:?}");
            let err = stderr(&out);
            assert!(err.contains(p), "{args:?}: the error names the path: {err}");
            if path == &missing {
                assert!(err.contains("does not exist"), "{err}");
            } else {
                assert!(err.contains("not a fieldkit store"), "{err}");
            }
            assert!(stdout(&out).is_empty());
        }
    }
    assert!(!missing.exists(), "a reader never creates a store");
    assert!(!dir.path().join("nowhere.db-wal").exists());
    assert_eq!(std::fs::read(&foreign).unwrap(), foreign_before, "a foreign database is not touched");
    let out = fieldkit()
        .args(["events", "--store", text_file.to_str().unwrap(), "--follow"])
        .timeout(Duration::from_secs(20))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "--follow waits for a missing store, not for a wrong one");
}

/// A running `fieldkit events --follow`, killed when dropped.
struct Follower {
    child: Child,
    lines: Receiver<String>,
}

impl Follower {
    fn start(args: &[&str]) -> Follower {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("fieldkit"))
            .args(args)
            .env("NO_COLOR", "1")
            .env_remove("FIELDKIT_STORE")
            .env_remove("COLUMNS")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Follower { child, lines }
    }

    fn next_line(&mut self) -> String {
        match self.lines.recv_timeout(Duration::from_secs(10)) {
            Ok(line) => line,
            Err(e) => {
                let status = self.child.try_wait().unwrap();
                panic!("no line from --follow within 10 s ({e}); process status {status:?}")
            }
        }
    }

    fn assert_quiet_for(&mut self, d: Duration) {
        if let Ok(line) = self.lines.recv_timeout(d) {
            panic!("unexpected line from --follow: {line}");
        }
        assert!(self.child.try_wait().unwrap().is_none(), "--follow is still running");
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn key_of(line: &str) -> String {
    let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("NDJSON line ({e}): {line}"));
    v["dedup_key"].as_str().unwrap().to_owned()
}

fn commit(path: &Path, events: Vec<MonitoringEvent>) {
    Store::open(path).unwrap().commit(&Batch { events, ..Batch::default() }).unwrap();
}

#[test]
fn follow_prints_the_page_then_new_matching_events_as_ndjson() {
    let f = fixture();
    let store = f.store.to_str().unwrap();
    let mut follower = Follower::start(&[
        "events",
        "--store",
        store,
        "--follow",
        "--format",
        "json",
        "--tenant",
        "acme",
        "--limit",
        "3",
        "--interval",
        "100ms",
    ]);
    // The page: the newest three of acme, oldest first.
    let page: Vec<String> = (0..3).map(|_| key_of(&follower.next_line())).collect();
    let expected: Vec<String> = events_json(&f, &["--tenant", "acme", "--limit", "3"])
        .iter()
        .rev()
        .map(|e| e["dedup_key"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(page, expected);
    follower.assert_quiet_for(Duration::from_millis(400));

    // A batch with an event of another tenant, then one of acme, older than the page: both are
    // new rows, only acme's matches.
    let other = Note {
        tenant: "globex",
        env: "prod",
        node: "zk-2",
        check: "ping",
        state: "CRITICAL",
        previous: None,
        minutes_ago: 1,
        message: "timeout",
    };
    let late = Note {
        tenant: "acme",
        env: "prod",
        node: "broker-3",
        check: "lag",
        state: "WARNING",
        previous: None,
        minutes_ago: 300,
        message: "lag 10k",
    };
    let (other, late) = (other.event(f.now, 100), late.event(f.now, 101));
    commit(&f.store, vec![other, late.clone()]);
    assert_eq!(key_of(&follower.next_line()), late.dedup_key);
    // A replayed batch stores nothing, so prints nothing.
    commit(&f.store, vec![late]);
    follower.assert_quiet_for(Duration::from_millis(400));
    // A second writer's batch arrives too.
    let again = Note {
        tenant: "acme",
        env: "prod",
        node: "broker-1",
        check: "http",
        state: "OK",
        previous: None,
        minutes_ago: 0,
        message: "HTTP 200",
    };
    let again = again.event(f.now, 102);
    commit(&f.store, vec![again.clone()]);
    assert_eq!(key_of(&follower.next_line()), again.dedup_key);
}

#[test]
fn follow_waits_for_a_store_created_after_it_started() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("later.db");
    let mut follower =
        Follower::start(&["events", "--store", path.to_str().unwrap(), "--follow", "--interval", "50ms"]);
    follower.assert_quiet_for(Duration::from_millis(500));
    assert!(!path.exists(), "the follower does not create the store");
    let now = now_ms();
    let e = Note {
        tenant: "acme",
        env: "prod",
        node: "broker-9",
        check: "http",
        state: "CRITICAL",
        previous: None,
        minutes_ago: 0,
        message: "HTTP 503",
    }
    .event(now, 0);
    commit(&path, vec![e]);
    // Text mode: the header, then the row.
    let header = follower.next_line();
    assert!(header.starts_with("TIME (UTC)") && header.contains("MESSAGE"), "{header}");
    let row = follower.next_line();
    assert!(row.contains("broker-9") && row.contains("CRITICAL") && row.ends_with("HTTP 503"), "{row}");
}

/// The same summaries in a PostgreSQL store (a `postgres` sink's) read back by `events` and
/// `events top` exactly as from SQLite. Needs `scripts/test-services start`; skipped without it
/// unless FIELDKIT_REQUIRE_POSTGRES=1 (CI).
#[test]
fn events_and_top_read_a_postgres_store_like_sqlite() {
    let Ok(url) = std::env::var("FIELDKIT_TEST_POSTGRES_URL") else {
        assert_ne!(
            std::env::var("FIELDKIT_REQUIRE_POSTGRES").as_deref(),
            Ok("1"),
            "FIELDKIT_REQUIRE_POSTGRES=1 but FIELDKIT_TEST_POSTGRES_URL is not set (scripts/test-services start)"
        );
        eprintln!(
            "SKIPPED events on postgres: FIELDKIT_TEST_POSTGRES_URL is not set (run scripts/test-services start)"
        );
        return;
    };
    let f = fixture();
    let schema = format!("s_events_cli_{}", std::process::id());
    let target = fieldkit_store::PgTarget::parse(&url).unwrap().with_schema(&schema).unwrap();
    let mut pg = fieldkit_store::PgStore::connect(&target).unwrap();
    pg.commit(&f.batch).unwrap();
    let pg_url = format!("{url}{}schema={schema}", if url.contains('?') { '&' } else { '?' });
    let sqlite = f.store.to_str().unwrap();

    // Row ids are each store's own (the order rows of one batch get theirs is not specified).
    fn without_ids(mut v: Value) -> Value {
        match &mut v {
            Value::Object(o) => {
                o.remove("id");
                for x in o.values_mut() {
                    *x = without_ids(x.take());
                }
            }
            Value::Array(a) => {
                for x in a.iter_mut() {
                    *x = without_ids(x.take());
                }
            }
            _ => {}
        }
        v
    }
    for extra in [&[][..], &["--tenant", "acme", "--state", "critical,warning"], &["--since", "45m", "--limit", "2"]] {
        let read = |store: &str| {
            let mut args = vec!["events", "--store", store, "--format", "json"];
            args.extend_from_slice(extra);
            without_ids(ok_json(&args))
        };
        assert_eq!(read(&pg_url), read(sqlite), "events {extra:?}");
    }
    let top = |store: &str| {
        let mut v = ok_json(&["events", "top", "--store", store, "--format", "json"]);
        v.as_object_mut().unwrap().remove("now_ms");
        without_ids(v)
    };
    let (from_pg, from_sqlite) = (top(&pg_url), top(sqlite));
    assert_eq!(from_pg, from_sqlite);
    assert!(!from_pg["changes"].as_array().unwrap().is_empty() && !from_pg["alerting"].as_array().unwrap().is_empty());
    // `store stats` counts the same on both.
    let stats = |store: &str| ok_json(&["store", "stats", "--store", store, "--format", "json"]);
    assert_eq!(stats(&pg_url), stats(sqlite));
    let text = run(&["store", "stats", "--store", &pg_url]);
    assert_eq!(text.status.code(), Some(0), "{}", stderr(&text));
    assert!(stdout(&text).contains("monitoring summaries"), "{}", stdout(&text));
    // The text table too, and a bad URL is an error naming it, not a panic.
    let text = run(&["events", "--store", &pg_url]);
    assert_eq!(text.status.code(), Some(0), "{}", stderr(&text));
    assert!(stdout(&text).contains("broker-1"));
    let bad = run(&["events", "--store", "postgres://nobody@127.0.0.1:1/none?connect_timeout=1"]);
    assert_eq!(bad.status.code(), Some(2));
}
