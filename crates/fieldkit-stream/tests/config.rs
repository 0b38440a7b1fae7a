//! Config validation: every error at its line and column, interpolation, the shipped example.

use fieldkit_stream::config::{SinkKind, SourceKind};
use fieldkit_stream::validate;

const GOOD: &str = r#"
[sources.in]
type = "file"
path = "${INPUT}"

[transforms.sum]
type = "summarize"
inputs = ["in"]

[sinks.db]
type = "store"
inputs = ["sum"]
path = "${STORE:-fieldkit.db}"
"#;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

#[test]
fn interpolation_with_defaults() {
    let c = validate(GOOD, env(&[("INPUT", "/data/x.ndjson")])).unwrap();
    assert_eq!(
        c.sources[0].kind,
        SourceKind::File {
            path: "/data/x.ndjson".into(),
            follow: false,
            poll_interval: std::time::Duration::from_millis(250)
        }
    );
    assert!(matches!(&c.sinks[0].kind, SinkKind::Store { path, .. } if path.to_str() == Some("fieldkit.db")));
    let c = validate(GOOD, env(&[("INPUT", "x"), ("STORE", "/var/lib/f.db")])).unwrap();
    assert!(matches!(&c.sinks[0].kind, SinkKind::Store { path, .. } if path.to_str() == Some("/var/lib/f.db")));

    let errs = validate(GOOD, env(&[])).unwrap_err();
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].line, 4);
    assert!(errs[0].message.contains("`INPUT` is not set"), "{}", errs[0]);
}

/// (what is wrong, config, expected line, text the message contains)
const BAD: &[(&str, &str, usize, &str)] = &[
    ("toml syntax", "[sources.in\ntype = \"stdin\"", 1, ""),
    ("unknown top-level key", "[source.in]\ntype = \"stdin\"", 1, "unknown key `source`"),
    (
        "unknown key in a source",
        "[sources.in]\ntype = \"stdin\"\nfolow = true\n[sinks.o]\ntype = \"stdout\"\ninputs = [\"in\"]",
        3,
        "unknown key `folow`",
    ),
    (
        "wrong type",
        "[sources.in]\ntype = \"file\"\npath = 5\n[sinks.o]\ntype = \"stdout\"\ninputs = [\"in\"]",
        3,
        "must be a string",
    ),
    (
        "wrong type for a bool",
        "[sources.in]\ntype = \"file\"\npath = \"x\"\nfollow = \"yes\"\n[sinks.o]\ntype = \"stdout\"\ninputs = [\"in\"]",
        4,
        "true or false",
    ),
    ("unknown source type", "[sources.in]\ntype = \"kafka2\"", 2, "unknown source type"),
    (
        "unknown input",
        "[sources.in]\ntype = \"stdin\"\n[sinks.o]\ntype = \"stdout\"\ninputs = [\"in\", \"nope\"]",
        5,
        "unknown input `nope`",
    ),
    (
        "sink without inputs",
        "[sources.in]\ntype = \"stdin\"\n[sinks.o]\ntype = \"stdout\"\ninputs = []",
        5,
        "empty `inputs`",
    ),
    ("sink with no inputs key", "[sources.in]\ntype = \"stdin\"\n[sinks.o]\ntype = \"stdout\"", 3, "has no `inputs`"),
    (
        "duplicate name across sections",
        "[sources.a]\ntype = \"stdin\"\n[transforms.a]\ntype = \"filter\"\ninputs = [\"a\"]\ncondition = \"true\"\n[sinks.o]\ntype = \"stdout\"\ninputs = [\"a\"]",
        3,
        "duplicate stage name `a`",
    ),
    (
        "cycle",
        "[sources.in]\ntype = \"stdin\"\n[transforms.a]\ntype = \"filter\"\ninputs = [\"in\", \"b\"]\ncondition = \"true\"\n[transforms.b]\ntype = \"filter\"\ninputs = [\"a\"]\ncondition = \"true\"\n[sinks.o]\ntype = \"stdout\"\ninputs = [\"b\"]",
        9,
        "cycle",
    ),
    (
        "unknown mapping",
        "[sources.in]\ntype = \"stdin\"\n[transforms.s]\ntype = \"summarize\"\ninputs = [\"in\"]\nmapping = \"nagios\"\n[sinks.o]\ntype = \"stdout\"\ninputs = [\"s\"]",
        6,
        "no built-in mapping named `nagios`",
    ),
    (
        "missing mapping file",
        "[sources.in]\ntype = \"stdin\"\n[transforms.s]\ntype = \"summarize\"\ninputs = [\"in\"]\nmapping = \"/nonexistent/m.toml\"\n[sinks.o]\ntype = \"stdout\"\ninputs = [\"s\"]",
        6,
        "cannot read mapping file",
    ),
    (
        "bad jq",
        "[sources.in]\ntype = \"stdin\"\n[transforms.f]\ntype = \"filter\"\ninputs = [\"in\"]\ncondition = \".a |\"\n[sinks.o]\ntype = \"stdout\"\ninputs = [\"f\"]",
        6,
        "invalid jq expression",
    ),
    (
        "store fed raw records",
        "[sources.in]\ntype = \"stdin\"\n[sinks.db]\ntype = \"store\"\npath = \"x.db\"\ninputs = [\"in\"]",
        6,
        "needs summaries",
    ),
    (
        "route read without a route name",
        "[sources.in]\ntype = \"stdin\"\n[transforms.r]\ntype = \"route\"\ninputs = [\"in\"]\nroutes = [{ name = \"crit\", condition = \".x\" }]\n[sinks.o]\ntype = \"stdout\"\ninputs = [\"r\"]",
        9,
        "read one of its routes",
    ),
    (
        "unknown route",
        "[sources.in]\ntype = \"stdin\"\n[transforms.r]\ntype = \"route\"\ninputs = [\"in\"]\nroutes = [{ name = \"crit\", condition = \".x\" }]\n[sinks.o]\ntype = \"stdout\"\ninputs = [\"r.warn\"]",
        9,
        "no route `warn`",
    ),
    ("source feeding nothing", "[sources.in]\ntype = \"stdin\"", 1, "feeds nothing"),
    ("empty config", "# nothing here\n", 1, "at least one"),
    (
        "number out of range",
        "[pipeline]\nchannel_capacity = 0\n[sources.in]\ntype = \"stdin\"\n[sinks.o]\ntype = \"stdout\"\ninputs = [\"in\"]",
        2,
        "out of range",
    ),
];

#[test]
fn bad_configs_point_at_the_line() {
    for (what, text, line, needle) in BAD {
        let errs = match validate(text, env(&[])) {
            Ok(_) => panic!("{what}: validated"),
            Err(e) => e,
        };
        assert!(
            errs.iter().any(|e| e.line == *line && e.message.contains(needle)),
            "{what}: expected line {line} containing {needle:?}, got {errs:#?}"
        );
        assert!(errs.iter().all(|e| e.column >= 1));
    }
}

#[test]
fn every_error_is_reported_not_just_the_first() {
    let text = "[sources.in]\ntype = \"file\"\npath = \"${NOPE}\"\nextra = 1\n[sinks.o]\ntype = \"stdout\"\ninputs = [\"ghost\"]";
    let errs = validate(text, env(&[])).unwrap_err();
    let lines: Vec<usize> = errs.iter().map(|e| e.line).collect();
    assert!(lines.contains(&3) && lines.contains(&4) && lines.contains(&7), "{errs:#?}");
    assert!(errs[0].to_string().starts_with("line 3, column 8: "), "{}", errs[0]);
}

#[test]
fn shipped_example_runs() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("n.ndjson");
    let t: serde_json::Value =
        serde_json::from_str(include_str!("../../../../shared/data/maas/maas-example.json")).unwrap();
    std::fs::write(&input, format!("{}\n{{oops\n", serde_json::to_string(&t).unwrap())).unwrap();
    let db = dir.path().join("f.db");
    let text = include_str!("../../../examples/monitoring-file.toml");
    let env = env(&[("FIELDKIT_INPUT", input.to_str().unwrap()), ("FIELDKIT_STORE", db.to_str().unwrap())]);
    let c = fieldkit_stream::run_blocking(&validate(text, env).unwrap(), Default::default()).unwrap();
    assert_eq!((c.consumed, c.stored, c.dead_lettered), (2, 1, 1));
}

#[test]
fn shipped_example_validates() {
    let text = include_str!("../../../examples/monitoring-file.toml");
    let c = validate(text, env(&[("FIELDKIT_INPUT", "n.ndjson")])).unwrap();
    assert!(matches!(&c.sinks[0].kind, SinkKind::Store { path, .. } if path.to_str() == Some("fieldkit.db")));
    let errs = validate(text, env(&[])).unwrap_err();
    assert!(errs[0].message.contains("FIELDKIT_INPUT"));
}
