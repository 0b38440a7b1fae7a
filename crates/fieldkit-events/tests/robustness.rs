//! Determinism, and a fuzz-style loop: random JSON, random bytes and mutated real payloads must
//! map or fail with a typed error, never panic.

use std::path::PathBuf;

use fieldkit_events::SourcePosition;
use fieldkit_events::mapping::{Mapping, RawInput};

fn shared(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/maas").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// xorshift64*: deterministic, so a failure reproduces from its iteration number.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Keys the MaaS mapping looks at, so random documents reach its paths and type checks.
const KEYS: &[&str] = &[
    "tenant_id",
    "entity",
    "check",
    "alarm",
    "details",
    "metadata",
    "label",
    "id",
    "entity_id",
    "check_id",
    "timestamp",
    "state",
    "status",
    "metrics",
    "data",
    "unit",
    "observations",
    "previous_state",
    "event_id",
    "log_entry_id",
    "tenant",
    "environment",
    "x",
];

fn random_json(rng: &mut Rng, depth: usize) -> String {
    let leaf = depth > 5 || rng.below(3) == 0;
    match if leaf { rng.below(7) } else { 7 + rng.below(2) } {
        0 => "null".into(),
        1 => rng.pick(&["true", "false"]).into(),
        2 => format!("{}", rng.next() as i64 >> rng.below(64)),
        3 => rng.pick(&["1.5", "-0.0", "1e308", "-1e-308", "12345678901234567890123", "0"]).into(),
        4 => format!(
            "{:?}",
            rng.pick(&[
                "OK",
                "critical",
                "",
                " ",
                "warn",
                "2024-05-01T12:00:00Z",
                "a:b:c:d:e:f",
                "\u{1F600}",
                "\\u0000"
            ])
        ),
        5 => format!("\"{}\"", rng.pick(&["\\ud800", "\\n", "x\\\"y"])),
        6 => format!("{:?}", rng.pick(KEYS)),
        7 => {
            let n = rng.below(5);
            let items: Vec<String> = (0..n).map(|_| random_json(rng, depth + 1)).collect();
            format!("[{}]", items.join(","))
        }
        _ => {
            let n = rng.below(7);
            let items: Vec<String> =
                (0..n).map(|_| format!("{:?}:{}", rng.pick(KEYS), random_json(rng, depth + 1))).collect();
            format!("{{{}}}", items.join(","))
        }
    }
}

fn mutate(rng: &mut Rng, base: &[u8]) -> Vec<u8> {
    let mut out = base.to_vec();
    for _ in 0..1 + rng.below(4) {
        if out.is_empty() {
            break;
        }
        let i = rng.below(out.len());
        match rng.below(5) {
            0 => out[i] = rng.next() as u8,
            1 => out.truncate(i),
            2 => {
                out.remove(i);
            }
            3 => {
                let j = rng.below(out.len());
                out.insert(i, out[j]);
            }
            _ => {
                // Swap a value for a random one: keeps the document valid more often.
                let v = random_json(rng, 3);
                if let Some(colon) = out[i..].iter().position(|&b| b == b':') {
                    let at = i + colon + 1;
                    out.splice(at..at, v.bytes().chain(*b","));
                }
            }
        }
    }
    out
}

const KINDS: &[&str] =
    &["too_large", "not_utf8", "invalid_json", "missing_field", "expression_failed", "wrong_type", "invalid_value"];

#[test]
fn random_input_never_panics_and_errors_are_typed() {
    let mapping = Mapping::builtin("rackspace-maas").unwrap();
    let bases = [shared("maas-example.json"), shared("maas-example-critical-real.json")];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut ok, mut failed) = (0, 0);
    let iterations = 20_000;
    for i in 0..iterations {
        let payload: Vec<u8> = match i % 4 {
            0 => random_json(&mut rng, 0).into_bytes(),
            1 => (0..rng.below(64)).map(|_| rng.next() as u8).collect(),
            _ => mutate(&mut rng, &bases[i % 2]),
        };
        let result = std::panic::catch_unwind(|| mapping.map(&RawInput::new(&payload, i as i64)));
        match result {
            Err(_) => panic!("iteration {i} panicked on {:?}", String::from_utf8_lossy(&payload)),
            Ok(Ok(e)) => {
                ok += 1;
                assert!(!e.tenant.is_empty() && !e.node.is_empty() && !e.check.is_empty() && !e.dedup_key.is_empty());
            }
            Ok(Err(e)) => {
                failed += 1;
                assert!(KINDS.contains(&e.kind()), "{}", e.kind());
                assert!(!e.to_string().is_empty());
            }
        }
    }
    // Both outcomes must be exercised, or the generator is not testing much.
    assert!(ok > iterations / 20 && failed > iterations / 4, "ok {ok}, failed {failed}");
}

#[test]
fn same_input_same_event() {
    let payload = shared("maas-example-critical-real.json");
    let pos = SourcePosition { topic: "t".into(), partition: 1, offset: 9 };
    let input = RawInput::new(&payload, 1_700_000_000_000).with_source(&pos);
    // Two independently loaded mappings (separately seeded hash maps inside jaq) and repeated runs.
    let a = Mapping::builtin("rackspace-maas").unwrap();
    let b = Mapping::builtin("rackspace-maas").unwrap();
    let first = serde_json::to_string(&a.map(&input).unwrap()).unwrap();
    for m in [&a, &b, &a, &b] {
        assert_eq!(serde_json::to_string(&m.map(&input).unwrap()).unwrap(), first);
    }
    // The receive time is data: it changes that field and nothing else.
    let later = a.map(&RawInput::new(&payload, 1_800_000_000_000).with_source(&pos)).unwrap();
    let mut earlier = a.map(&input).unwrap();
    earlier.received_time_ms = later.received_time_ms;
    assert_eq!(earlier, later);
    // Errors are deterministic too.
    let bad = br#"{"tenant_id": {"a": 1}}"#;
    assert_eq!(a.map(&RawInput::new(bad, 1)).unwrap_err(), b.map(&RawInput::new(bad, 2)).unwrap_err());
}

#[test]
fn mapping_is_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Mapping>();
    let mapping = std::sync::Arc::new(Mapping::builtin("rackspace-maas").unwrap());
    let payload = shared("maas-example.json");
    let keys: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> =
            (0..2).map(|_| s.spawn(|| mapping.map(&RawInput::new(&payload, 0)).unwrap().dedup_key)).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(keys[0], keys[1]);
}
