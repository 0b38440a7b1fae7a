//! The worked example in docs/mapping.md runs as written: its mapping, payload and expected
//! summary are read from the page itself, so the documentation cannot drift from the code.

use std::path::PathBuf;

use fieldkit_events::mapping::{Header, Mapping, RawInput};
use fieldkit_events::{MonitoringEvent, SourcePosition};

/// The fenced code blocks of `lang` that follow `heading`, in order.
fn blocks(doc: &str, heading: &str, lang: &str) -> Vec<String> {
    let start = doc.find(heading).unwrap_or_else(|| panic!("docs/mapping.md lacks `{heading}`"));
    let section = &doc[start..];
    let section = &section[..section[heading.len()..].find("\n## ").map_or(section.len(), |i| i + heading.len())];
    let fence = format!("```{lang}\n");
    let mut out = Vec::new();
    let mut rest = section;
    while let Some(i) = rest.find(&fence) {
        let body = &rest[i + fence.len()..];
        let end = body.find("\n```").unwrap();
        out.push(body[..end].to_owned());
        rest = &body[end..];
    }
    out
}

fn doc() -> String {
    std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/mapping.md")).unwrap()
}

#[test]
fn worked_example_produces_the_documented_summary() {
    let doc = doc();
    let toml = blocks(&doc, "## Worked example", "toml");
    let json = blocks(&doc, "## Worked example", "json");
    assert_eq!((toml.len(), json.len()), (1, 2), "one mapping, one payload, one summary");
    let mapping = Mapping::from_toml(&toml[0]).unwrap();
    assert_eq!(mapping.id(), "sensu-go@1");
    let pos = SourcePosition { topic: "sensu-events".into(), partition: 3, offset: 1042 };
    let event = mapping.map(&RawInput::new(json[0].as_bytes(), 1_700_000_125_000).with_source(&pos)).unwrap();
    let expected: MonitoringEvent = serde_json::from_str(&json[1]).unwrap();
    assert_eq!(event, expected);

    // The documented fallbacks: header, then default, for the environment; the event timestamp
    // when the check's execution time is missing; the payload hash without an id.
    let mut payload: serde_json::Value = serde_json::from_str(&json[0]).unwrap();
    payload["entity"]["metadata"].as_object_mut().unwrap().remove("labels");
    payload["check"].as_object_mut().unwrap().remove("executed");
    payload.as_object_mut().unwrap().remove("id");
    let bytes = serde_json::to_vec(&payload).unwrap();
    let headers = [Header { name: "x-environment", value: Some(b"canary") }];
    let e = mapping.map(&RawInput::new(&bytes, 0).with_headers(&headers)).unwrap();
    assert_eq!(e.environment, "canary");
    assert_eq!(e.event_time_ms, 1_700_000_123_000);
    assert_eq!(e.dedup_key.len(), "sensu/acme/".len() + 64);
    assert_eq!(mapping.map(&RawInput::new(&bytes, 0)).unwrap().environment, "production");
}

#[test]
fn the_file_layout_sample_is_well_formed_toml() {
    let doc = doc();
    let sample = &blocks(&doc, "## File layout", "toml")[0];
    // It is a sketch (`# ...` elides fields), so only the syntax is checked.
    toml::from_str::<toml::Table>(sample).unwrap();
}

#[test]
fn builtin_mapping_table_names_every_field() {
    let doc = doc();
    let section = &doc[doc.find("## The built-in Rackspace Cloud Monitoring mapping").unwrap()..];
    for f in fieldkit_events::mapping::Field::ALL {
        assert!(section.contains(&format!("| `{}` |", f.name())), "{f} is not documented");
    }
}
