//! Every way a payload can fail to map, with the dead-letter class and reason it produces, and
//! every way a mapping file can be rejected at load.

use fieldkit_events::mapping::{Mapping, MappingConfigError, MappingError, RawInput};

fn maas() -> Mapping {
    Mapping::builtin("rackspace-maas").unwrap()
}

fn err(payload: &[u8]) -> MappingError {
    match maas().map(&RawInput::new(payload, 0)) {
        Ok(e) => panic!("mapped: {e:?}"),
        Err(e) => e,
    }
}

/// A minimal valid MaaS payload with `patch` spliced in at the top level.
fn payload(patch: &str) -> Vec<u8> {
    let base = r#""tenant_id": "42", "entity": {"id": "enA", "label": "web-1"},
        "check": {"id": "chA", "label": "http"}, "alarm": {"id": "alA", "label": "5xx"}, "event_id": "e1""#;
    let details = r#""details": {"timestamp": 1700000000000, "state": "OK", "status": "fine"}"#;
    let body =
        if patch.contains("\"details\"") { format!("{base}, {patch}") } else { format!("{base}, {details}, {patch}") };
    format!("{{{}}}", body.trim_end_matches(", ")).into_bytes()
}

#[test]
fn minimal_payload_maps() {
    let e = maas().map(&RawInput::new(&payload(""), 0)).unwrap();
    assert_eq!(e.dedup_key, "maas/42/e1");
}

#[test]
fn every_error_class_has_a_kind_and_a_readable_reason() {
    let big = {
        let mut p = payload("");
        p.truncate(p.len() - 1);
        p.extend_from_slice(b", \"pad\": \"");
        p.resize(10 * 1024 * 1024, b'x');
        p.extend_from_slice(b"\"}");
        p
    };
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    // (payload, kind, fragments the reason must contain)
    let cases: Vec<(Vec<u8>, &str, Vec<&str>)> = vec![
        (big, "too_large", vec!["10485762 bytes", "limit of 1048576 bytes"]),
        (b"{\"a\": \"\xff\"}".to_vec(), "not_utf8", vec!["offset 7"]),
        (b"".to_vec(), "invalid_json", vec!["EOF while parsing"]),
        (b"{\"a\": 1".to_vec(), "invalid_json", vec!["line 1 column"]),
        (b"{} trailing".to_vec(), "invalid_json", vec!["trailing characters"]),
        (b"{\"a\": NaN}".to_vec(), "invalid_json", vec!["expected value"]),
        (b"# comment\n{}".to_vec(), "invalid_json", vec![]),
        (deep.into_bytes(), "invalid_json", vec!["recursion limit"]),
        (b"\x00\x01\x02binary".to_vec(), "invalid_json", vec![]),
        (b"{}".to_vec(), "missing_field", vec!["`event_time`", "`.details.timestamp` gave null"]),
        (b"[1, 2]".to_vec(), "expression_failed", vec!["`event_time`", "failed: cannot index"]),
        (br#""a string""#.to_vec(), "expression_failed", vec!["`event_time`"]),
        (
            payload(r#""tenant_id": null"#),
            "missing_field",
            vec![
                "required field `tenant`",
                "`.tenant_id` gave null",
                "`.entity.metadata.tenant` gave null",
                "`.alarm.metadata.tenant` gave null",
            ],
        ),
        (
            payload(r#""tenant_id": {"id": 1}"#),
            "wrong_type",
            vec!["field `tenant`", "`.tenant_id` gave object {\"id\":1}", "expected a string or number"],
        ),
        (payload(r#""tenant_id": true"#), "wrong_type", vec!["gave boolean true"]),
        (
            payload(r#""details": {"timestamp": 1, "state": "BROKEN"}"#),
            "invalid_value",
            vec!["field `state`", "\"BROKEN\"", "not a state"],
        ),
        (
            payload(r#""details": {"timestamp": "yesterday", "state": "OK"}"#),
            "invalid_value",
            vec!["field `event_time`", "not an RFC 3339 time"],
        ),
        (
            payload(r#""details": {"timestamp": "1700000000000", "state": "OK"}"#),
            "invalid_value",
            vec!["numeric times must be JSON numbers"],
        ),
        (payload(r#""details": {"timestamp": 1e300, "state": "OK"}"#), "invalid_value", vec!["out of range"]),
        (payload(r#""details": {"timestamp": [1], "state": "OK"}"#), "wrong_type", vec!["expected epoch milliseconds"]),
        (
            payload(r#""details": {"timestamp": 1, "state": "OK", "metrics": "oops"}"#),
            "wrong_type",
            vec!["field `metrics`", "expected an array of metric objects or an object keyed by metric name"],
        ),
        (
            payload(r#""details": {"timestamp": 1, "state": "OK", "metrics": {"m": {"data": [1]}}}"#),
            "invalid_value",
            vec!["metric #0", "`m`: value must be a number, string or boolean, got array"],
        ),
        (
            payload(r#""details": {"timestamp": 1, "state": "OK", "previous_state": "MAYBE"}"#),
            "invalid_value",
            vec!["field `previous_state`"],
        ),
        (payload(r#""entity": {"label": ["x"]}"#), "wrong_type", vec!["field `node`", "gave array [\"x\"]"]),
        (payload(r#""event_id": {"x": 1}"#), "wrong_type", vec!["field `dedup.parts.event`"]),
        (payload(r#""details": "oops""#), "expression_failed", vec!["field `event_time`", "cannot index"]),
    ];
    for (bytes, kind, fragments) in cases {
        let shown = String::from_utf8_lossy(&bytes[..bytes.len().min(80)]).into_owned();
        let e = err(&bytes);
        assert_eq!(e.kind(), kind, "{shown}: {e}");
        let reason = e.to_string();
        assert!(reason.len() < 1200, "reasons stay short enough for a dead-letter row: {reason}");
        for f in fragments {
            assert!(reason.contains(f), "{shown}: reason `{reason}` lacks `{f}`");
        }
    }
}

#[test]
fn exactly_at_the_limit_is_accepted() {
    let limit = maas().max_payload_bytes();
    let mut p = payload("");
    p.truncate(p.len() - 1);
    p.extend_from_slice(b", \"pad\": \"");
    let pad = limit - p.len() - 2;
    p.extend(std::iter::repeat_n(b'x', pad));
    p.extend_from_slice(b"\"}");
    assert_eq!(p.len(), limit);
    assert!(maas().map(&RawInput::new(&p, 0)).is_ok());
}

fn config_err(text: &str) -> String {
    match Mapping::from_toml(text) {
        Ok(_) => panic!("loaded:\n{text}"),
        Err(e) => e.to_string(),
    }
}

const GOOD: &str = r#"
format = 1
name = "t"
version = 1
[fields]
event_time = ".t"
tenant = ".tenant"
environment = ".env"
node = ".node"
check = ".check"
state = ".state"
[dedup]
template = "t/{tenant}/{id}"
[dedup.parts]
id = ".id"
"#;

#[test]
fn a_good_custom_mapping_loads_and_maps() {
    let m = Mapping::from_toml(GOOD).unwrap();
    assert_eq!(m.id(), "t@1");
    let e = m
        .map(&RawInput::new(
            br#"{"t":"2024-05-01T12:00:00Z","tenant":"a","env":"p","node":"n","check":"c","state":"ok","id":7}"#,
            1,
        ))
        .unwrap();
    assert_eq!(e.event_time_ms, 1_714_564_800_000);
    assert_eq!(e.dedup_key, "t/a/7");
}

#[test]
fn broken_mapping_files_are_rejected_with_the_key_at_fault() {
    let with = |from: &str, to: &str| {
        assert!(GOOD.contains(from), "{from}");
        GOOD.replacen(from, to, 1)
    };
    let cases: Vec<(String, &str)> = vec![
        ("not toml [".to_owned(), "line"),
        (with("format = 1", "format = 2"), "mapping format 2 is not supported"),
        (with("format = 1\n", ""), "missing field `format`"),
        (with("version = 1", "version = 0"), "version: versions start at 1"),
        (with("name = \"t\"", "name = \"a b\""), "name:"),
        (with("[fields]", "surprise = 1\n[fields]"), "unknown field `surprise`"),
        (with("tenant = \".tenant\"", "tenant = \".tenant\"\ntennant = \".x\""), "fields.tennant: unknown field"),
        (with("tenant = \".tenant\"", "tenant = [\".a\", \".tenant |\"]"), "fields.tenant[1] `.tenant |`: expected"),
        (with("tenant = \".tenant\"", "tenant = \"now\""), "fields.tenant[0] `now`: undefined filter `now/0`"),
        (with("tenant = \".tenant\"", "tenant = \"$nope\""), "undefined variable `$nope`"),
        (with("tenant = \".tenant\"", "tenant = 5"), "a jq expression or a list of jq expressions"),
        (with("state = \".state\"\n", ""), "fields.state: required field"),
        (with("[dedup]", "[defaults]\nstate = \"OK\"\n[dedup]"), "defaults.state: only text fields"),
        (with("[dedup]", "[states]\nWARN = \"YELLOW\"\n[dedup]"), "states.WARN: `YELLOW` is not a state"),
        (with("t/{tenant}/{id}", "t/{tenant}{id}"), "dedup.template: placeholder `{id}` follows another"),
        (with("t/{tenant}/{id}", "static"), "no placeholder"),
        (with("t/{tenant}/{id}", "t/{tenant}/{id}/{what}"), "`{what}` is neither an event field"),
        (with("id = \".id\"", "id = \".id\"\nextra = \".x\""), "dedup.parts.extra: not used by dedup.template"),
        (with("id = \".id\"", "id = []"), "dedup.parts.id: list at least one expression"),
        (with("[dedup]", "[limits]\nmax_payload_bytes = 0\n[dedup]"), "limits.max_payload_bytes"),
        (with("[dedup]", "[metrics]\nvalue_key = \"data\"\n[dedup]"), "metrics: set fields.metrics"),
        (with("[dedup]", "[metrics]\nvalue = \"data\"\n[dedup]"), "unknown field `value`"),
    ];
    for (text, want) in cases {
        let e = config_err(&text);
        assert!(e.contains(want), "`{e}` lacks `{want}`");
    }
    assert!(matches!(Mapping::builtin("nagios"), Err(MappingConfigError::UnknownBuiltin { .. })));
}

#[test]
fn state_aliases_and_defaults_apply() {
    let text = GOOD.replace(
        "[dedup]",
        "[states]\n\"2\" = \"CRITICAL\"\nwarn = \"WARNING\"\n[defaults]\nenvironment = \"prod\"\n[dedup]",
    );
    let m = Mapping::from_toml(&text).unwrap();
    let map = |json: &str| m.map(&RawInput::new(json.as_bytes(), 0));
    let e = map(r#"{"t":1,"tenant":"a","node":"n","check":"c","state":2,"id":1}"#).unwrap();
    assert_eq!((e.state.as_str(), e.environment.as_str()), ("CRITICAL", "prod"));
    assert_eq!(
        map(r#"{"t":1,"tenant":"a","node":"n","check":"c","state":"Warn","id":1}"#).unwrap().state.as_str(),
        "WARNING"
    );
    assert_eq!(
        map(r#"{"t":1,"tenant":"a","node":"n","check":"c","state":3,"id":1}"#).unwrap_err().kind(),
        "invalid_value"
    );
}
