//! Test data: MaaS-like notifications (the shipped example with varied identities) with a
//! share of malformed lines, and config helpers.
#![allow(dead_code)]

use std::io::Write;
use std::path::Path;

use fieldkit_stream::{Config, validate};

/// Read from ../shared at build time, never copied into the project.
const TEMPLATE: &str = include_str!("../../../../../shared/data/maas/maas-example.json");

/// `max_record_bytes` the test configs set: the oversized malformed lines exceed it.
pub const MAX_RECORD: usize = 65_536;

/// Line `i` of the test input: every 100th line (i % 100 == 99) is malformed, cycling through
/// invalid JSON, binary garbage, a payload the mapping cannot place, and an oversized line.
pub fn line(template: &serde_json::Value, i: u64) -> Vec<u8> {
    if i % 100 == 99 {
        return match (i / 100) % 4 {
            0 => format!("{{\"event_id\": \"broken-{i}").into_bytes(),
            1 => {
                let mut b = vec![0xff, 0xfe, 0x00, 0x01, 0x80];
                b.extend((0..200u32).map(|x| ((x * 7 + i as u32) % 250) as u8).filter(|&c| c != b'\n'));
                b
            }
            2 => format!("{{\"tenant_id\": \"t{i}\", \"details\": {{\"state\": \"OK\"}}}}").into_bytes(),
            _ => format!("{{\"pad\": \"{}\", \"n\": {i}}}", "x".repeat(MAX_RECORD + 10)).into_bytes(),
        };
    }
    let mut v = template.clone();
    let ts = 1_700_000_000_000_i64 + i as i64 * 1000;
    let state = ["OK", "WARNING", "CRITICAL"][(i % 3) as usize];
    v["event_id"] = format!("ac{}:en{}:al{}:ch{}:{ts}:{state}", i % 37, i % 500, i % 11, i % 13).into();
    v["tenant_id"] = format!("{}", 100_000 + i % 37).into();
    v["entity"]["label"] = format!("node-{}", i % 500).into();
    v["details"]["timestamp"] = ts.into();
    v["details"]["state"] = state.into();
    serde_json::to_vec(&v).unwrap()
}

pub fn template() -> serde_json::Value {
    serde_json::from_str(TEMPLATE).unwrap()
}

/// Writes lines `range` of the test input to `path` (appending).
pub fn write_input(path: &Path, range: std::ops::Range<u64>) {
    let t = template();
    let f = std::fs::OpenOptions::new().create(true).append(true).open(path).unwrap();
    let mut w = std::io::BufWriter::new(f);
    for i in range {
        w.write_all(&line(&t, i)).unwrap();
        w.write_all(b"\n").unwrap();
    }
    w.flush().unwrap();
}

/// file (`${INPUT}`) → summarize → the sinks in `sinks` (TOML; they read `["summary"]`), with
/// `env` beside INPUT for their `${VAR}`s.
pub fn file_to(input: &Path, sinks: &str, env: &[(&str, &str)]) -> Config {
    let text = format!(
        r#"
[pipeline]
max_record_bytes = {MAX_RECORD}

[sources.maas]
type = "file"
path = "${{INPUT}}"

[transforms.summary]
type = "summarize"
inputs = ["maas"]
{sinks}"#
    );
    let mut vars = vec![("INPUT".to_owned(), input.display().to_string())];
    vars.extend(env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    validate(&text, vars).unwrap_or_else(|e| panic!("{e:?}"))
}

/// file → summarize → store, the pipeline most tests run; `extra` is appended to the config.
pub fn file_to_store(input: &Path, store: &Path, extra: &str) -> Config {
    let sinks = format!(
        r#"
[sinks.db]
type = "store"
inputs = ["summary"]
path = "${{STORE}}"
batch_size = 1000
linger_ms = 50
{extra}
"#
    );
    file_to(input, &sinks, &[("STORE", &store.display().to_string())])
}
