//! The built-in Rackspace Cloud Monitoring mapping against the real payloads in
//! ../shared/data/maas (read in place: they are reference data, never copied into the repo).

use std::path::PathBuf;

use fieldkit_events::mapping::{Field, Header, Mapping, MappingError, RawInput};
use fieldkit_events::{Metric, MetricValue, MonitoringEvent, SourcePosition, State};
use serde_json::{Value, json};

fn shared(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/maas").join(name);
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (the MaaS samples live in ../shared/data/maas)", path.display()))
}

fn maas() -> Mapping {
    Mapping::builtin("rackspace-maas").expect("the built-in mapping loads")
}

const RECEIVED: i64 = 1_700_000_000_000;

fn map_value(mapping: &Mapping, v: &Value) -> Result<MonitoringEvent, MappingError> {
    let bytes = serde_json::to_vec(v).unwrap();
    mapping.map(&RawInput::new(&bytes, RECEIVED))
}

fn metric(name: &str, value: MetricValue, unit: &str) -> Metric {
    Metric { name: name.into(), value: Some(value), unit: Some(unit.into()) }
}

#[test]
fn documented_webhook_example() {
    let pos = SourcePosition { topic: "maas_notifications".into(), partition: 2, offset: 41 };
    let payload = shared("maas-example.json");
    let e = maas().map(&RawInput::new(&payload, RECEIVED).with_source(&pos)).unwrap();
    let n = MetricValue::Number;
    assert_eq!(
        e,
        MonitoringEvent {
            event_time_ms: 1_326_905_540_481,
            received_time_ms: RECEIVED,
            tenant: "91111".into(),
            environment: "unspecified".into(),
            node: "entity one".into(),
            check: "ch a".into(),
            alarm: Some("Alarm 1".into()),
            state: State::Warning,
            previous_state: None,
            message: Some("warn.".into()),
            metrics: vec![
                metric("tt_firstbyte", n(2.0), "milliseconds"),
                metric("duration", n(2.0), "milliseconds"),
                metric("bytes", n(17.0), "bytes"),
                metric("tt_connect", n(0.0), "milliseconds"),
                metric("code", MetricValue::Text("200".into()), "unknown"),
            ],
            source: Some(pos),
            dedup_key: "maas/91111/acOne:enOne:alOne:chOne:1326910500000:WARNING".into(),
        }
    );
}

#[test]
fn real_critical_notification_without_entity() {
    let payload = shared("maas-example-critical-real.json");
    let e = maas().map(&RawInput::new(&payload, RECEIVED)).unwrap();
    assert_eq!(e.event_time_ms, 1_396_739_833_810);
    assert_eq!(e.tenant, "487439");
    assert_eq!(e.environment, "unspecified");
    // No `entity` object and no `alarm.entity_id`: the entity id comes from `event_id`.
    assert_eq!(e.node, "enPUVwV0IL");
    assert_eq!(e.check, "www.everloop.com");
    assert_eq!(e.alarm.as_deref(), Some("Body match - string not found"));
    assert_eq!(e.state, State::Critical);
    assert_eq!(e.previous_state, None);
    assert_eq!(e.message.as_deref(), Some("HTTP response did not contain the correct content."));
    let names: Vec<&str> = e.metrics.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["tt_firstbyte", "duration", "bytes", "tt_connect", "body_match", "truncated", "code"]);
    assert_eq!(e.metrics[0], metric("tt_firstbyte", MetricValue::Number(21196.0), "milliseconds"));
    assert_eq!(e.metrics[4], metric("body_match", MetricValue::Text(String::new()), "unknown"));
    assert_eq!(e.metrics[6], metric("code", MetricValue::Text("502".into()), "unknown"));
    assert_eq!(e.source, None);
    assert_eq!(e.dedup_key, "maas/487439/ac5rNRE5nk:enPUVwV0IL:alWusVry77:chUWmQjirR:1396739820000:CRITICAL");
}

fn example() -> Value {
    serde_json::from_slice(&shared("maas-example.json")).unwrap()
}

#[test]
fn fallbacks_table() {
    // (what to change, field to look at, expected value)
    type Edit = fn(&mut Value);
    type Get = fn(&MonitoringEvent) -> String;
    let cases: &[(&str, Edit, Get, &str)] = &[
        (
            "tenant from entity metadata",
            |v| {
                v.as_object_mut().unwrap().remove("tenant_id");
                v["entity"]["metadata"] = json!({"tenant": "t-meta"});
            },
            |e| e.tenant.clone(),
            "t-meta",
        ),
        (
            "blank tenant_id falls through to check metadata",
            |v| {
                v["tenant_id"] = json!("  ");
                v["check"]["metadata"] = json!({"tenant": "t-check"});
            },
            |e| e.tenant.clone(),
            "t-check",
        ),
        ("numeric tenant id", |v| v["tenant_id"] = json!(487439), |e| e.tenant.clone(), "487439"),
        (
            "environment from entity metadata",
            |v| v["entity"]["metadata"] = json!({"environment": "prod"}),
            |e| e.environment.clone(),
            "prod",
        ),
        (
            "environment from alarm metadata",
            |v| v["alarm"]["metadata"] = json!({"environment": "stage"}),
            |e| e.environment.clone(),
            "stage",
        ),
        ("node from entity id when unlabelled", |v| v["entity"]["label"] = json!(null), |e| e.node.clone(), "enOne"),
        (
            "node from alarm.entity_id without entity",
            |v| {
                v.as_object_mut().unwrap().remove("entity");
            },
            |e| e.node.clone(),
            "enOne",
        ),
        ("check id when unlabelled", |v| v["check"]["label"] = json!(""), |e| e.check.clone(), "chOne"),
        (
            "check from alarm.check_id without check",
            |v| {
                v.as_object_mut().unwrap().remove("check");
            },
            |e| e.check.clone(),
            "chOne",
        ),
        ("alarm id when unlabelled", |v| v["alarm"]["label"] = json!(null), |e| e.alarm.clone().unwrap(), "alOne"),
        (
            "event time from latest observation",
            |v| {
                v["details"].as_object_mut().unwrap().remove("timestamp");
                v["details"]["observations"] = json!([{"timestamp": 5}, {"timestamp": 9}, {"timestamp": 7}]);
            },
            |e| e.event_time_ms.to_string(),
            "9",
        ),
        (
            "previous state from details",
            |v| v["details"]["previous_state"] = json!("ok"),
            |e| format!("{:?}", e.previous_state),
            "Some(Ok)",
        ),
        (
            "dedup falls back to log_entry_id",
            |v| {
                v.as_object_mut().unwrap().remove("event_id");
            },
            |e| e.dedup_key.clone(),
            "maas/91111/6da55310-4200-11e1-aaaf-cd4c8801b6b1",
        ),
        (
            "no metrics object",
            |v| {
                v["details"].as_object_mut().unwrap().remove("metrics");
            },
            |e| e.metrics.len().to_string(),
            "0",
        ),
        (
            "state case is normalised",
            |v| v["details"]["state"] = json!("critical"),
            |e| e.state.to_string(),
            "CRITICAL",
        ),
    ];
    let mapping = maas();
    for (what, edit, get, want) in cases {
        let mut v = example();
        edit(&mut v);
        let e = map_value(&mapping, &v).unwrap_or_else(|err| panic!("{what}: {err}"));
        assert_eq!(get(&e), *want, "{what}");
    }
}

#[test]
fn dedup_falls_back_to_payload_hash() {
    let mut v = example();
    let obj = v.as_object_mut().unwrap();
    obj.remove("event_id");
    obj.remove("log_entry_id");
    let bytes = serde_json::to_vec(&v).unwrap();
    let e = maas().map(&RawInput::new(&bytes, RECEIVED)).unwrap();
    let hash = e.dedup_key.strip_prefix("maas/91111/").unwrap();
    assert_eq!(hash.len(), 64);
    assert!(hash.bytes().all(|b| b.is_ascii_hexdigit()));
    // The same bytes are the same event; other bytes another one.
    assert_eq!(maas().map(&RawInput::new(&bytes, RECEIVED + 1)).unwrap().dedup_key, e.dedup_key);
    let mut other = bytes.clone();
    other.push(b' ');
    assert_ne!(maas().map(&RawInput::new(&other, RECEIVED)).unwrap().dedup_key, e.dedup_key);
}

#[test]
fn tenant_separator_is_escaped_in_dedup_key() {
    let mut v = example();
    v["tenant_id"] = json!("a/b");
    assert_eq!(map_value(&maas(), &v).unwrap().dedup_key, "maas/a%2Fb/acOne:enOne:alOne:chOne:1326910500000:WARNING");
}

#[test]
fn pipeline_default_environment_overrides_the_mapping_default() {
    let mapping = maas().with_default(Field::Environment, "production").unwrap();
    assert_eq!(map_value(&mapping, &example()).unwrap().environment, "production");
    // An explicit value in the payload still wins.
    let mut v = example();
    v["entity"]["metadata"] = json!({"environment": "dr"});
    assert_eq!(map_value(&mapping, &v).unwrap().environment, "dr");
    assert!(maas().with_default(Field::State, "OK").is_err());
    assert!(maas().with_default(Field::Tenant, " ").is_err());
}

#[test]
fn headers_and_source_are_visible_to_expressions() {
    let text = maas_with_extra_field("environment = ['$headers[\"x-env\"]', '$source.topic']");
    let mapping = Mapping::from_toml(&text).unwrap();
    let payload = shared("maas-example.json");
    let headers = [Header { name: "x-env", value: Some(b"blue") }, Header { name: "other", value: None }];
    let e = mapping.map(&RawInput::new(&payload, RECEIVED).with_headers(&headers)).unwrap();
    assert_eq!(e.environment, "blue");
    let pos = SourcePosition { topic: "green".into(), partition: 0, offset: 0 };
    let e = mapping.map(&RawInput::new(&payload, RECEIVED).with_source(&pos)).unwrap();
    assert_eq!(e.environment, "green");
}

/// The built-in mapping with its first `key = …` entry (in `[fields]`) replaced by `line`.
fn maas_with_extra_field(line: &str) -> String {
    let key = line.split('=').next().unwrap().trim();
    let src = Mapping::builtin_source("rackspace-maas").unwrap();
    let mut out = String::new();
    let mut skipping = false;
    let mut replaced = false;
    for l in src.lines() {
        if !replaced && l.starts_with(&format!("{key} =")) {
            replaced = true;
            out.push_str(line);
            out.push('\n');
            skipping = l.trim_end().ends_with('[');
            continue;
        }
        if skipping {
            skipping = !l.starts_with(']');
            continue;
        }
        out.push_str(l);
        out.push('\n');
    }
    out
}
