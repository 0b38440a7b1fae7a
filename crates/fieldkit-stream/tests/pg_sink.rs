//! file → summarize → postgres against a real server (`scripts/test-services start`), and
//! postgres sinks in validation.

mod common;
#[path = "common/pg.rs"]
mod pg;

use fieldkit_store::Backend;
use fieldkit_stream::{RunOptions, run_blocking, validate};

#[test]
fn file_to_postgres_end_to_end_then_rerun_stores_nothing_twice() {
    let Some(url) = pg::url("e2e") else { return };
    let schema = pg::schema(&url, "e2e");
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("maas.ndjson");
    common::write_input(&input, 0..20_000);
    let config = pg::file_to_postgres(&input, &url, &schema, "batch_size = 1000\nlinger_ms = 20");

    let started = std::time::Instant::now();
    let c = run_blocking(&config, RunOptions::default()).unwrap();
    eprintln!("first run: {c:?} in {:?}", started.elapsed());
    assert_eq!(c.consumed, 20_000);
    assert_eq!((c.stored, c.dead_lettered, c.duplicates, c.filtered), (19_800, 200, 0, 0));
    assert!(c.reconciles(), "{c:?}");

    let mut store = pg::store(&url, &schema);
    let stats = store.stats().unwrap();
    assert_eq!((stats.monitoring, stats.dead_letter, stats.input_position), (19_800, 200, 1));
    let positions = Backend::positions(&mut store, "maas").unwrap();
    assert_eq!(positions[0].next_offset as u64, std::fs::metadata(&input).unwrap().len());

    // Same input again: resumes at the stored position, reads nothing.
    let again = run_blocking(&config, RunOptions::default()).unwrap();
    assert_eq!(again.consumed, 0, "{again:?}");

    // Appended lines: only they are read.
    common::write_input(&input, 20_000..20_200);
    let more = run_blocking(&config, RunOptions::default()).unwrap();
    assert_eq!((more.consumed, more.stored, more.dead_lettered), (200, 198, 2), "{more:?}");

    // Positions gone (as after a reset): the replay is all duplicates, and nothing is added.
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    admin.batch_execute(&format!("DELETE FROM \"{schema}\".input_position")).unwrap();
    let replay = run_blocking(&config, RunOptions::default()).unwrap();
    assert_eq!((replay.consumed, replay.stored, replay.duplicates), (20_200, 0, 20_200), "{replay:?}");
    assert!(replay.reconciles(), "{replay:?}");
    let stats = store.stats().unwrap();
    assert_eq!((stats.monitoring, stats.dead_letter), (19_998, 202));
}

#[test]
fn postgres_sinks_validate_offline_with_positions() {
    let text = |sink: &str| {
        format!(
            "[sources.maas]\ntype = \"stdin\"\n\n[transforms.s]\ntype = \"summarize\"\ninputs = [\"maas\"]\n\n{sink}"
        )
    };
    let env = || [("PGPASSWORD".to_owned(), "hunter2".to_owned())];
    // Nothing listens there: validation does not connect.
    let ok = text(
        "[sinks.db]\ntype = \"postgres\"\ninputs = [\"s\"]\nurl = \"postgres://fk:${PGPASSWORD}@db.invalid:5432/fk\"\nschema = \"fk_prod\"\nbatch_size = 500\nconnect_timeout_ms = 3000\n",
    );
    let config = validate(&ok, env()).unwrap();
    let debug = format!("{config:?}");
    assert!(!debug.contains("hunter2") && debug.contains("fk_prod"), "{debug}");

    let bad =
        text("[sinks.db]\ntype = \"postgres\"\ninputs = [\"s\"]\nurl = \"postgres://fk:${PGPASSWORD}@db:nope/fk\"\n");
    let errors = validate(&bad, env()).unwrap_err();
    assert_eq!((errors[0].line, errors[0].column), (11, 7), "{errors:?}");
    assert!(errors[0].message.contains("url") && !errors[0].message.contains("hunter2"), "{errors:?}");

    let bad = text(
        "[sinks.db]\ntype = \"postgres\"\ninputs = [\"s\"]\nurl = \"postgres://db/fk\"\nschema = \"No-Way\"\nlinger = 5\n",
    );
    let errors = validate(&bad, env()).unwrap_err();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors.iter().any(|e| e.line == 12 && e.message.contains("schema")), "{errors:?}");
    assert!(errors.iter().any(|e| e.line == 13 && e.message.contains("linger")), "{errors:?}");

    let missing = text("[sinks.db]\ntype = \"postgres\"\ninputs = [\"s\"]\n");
    assert!(validate(&missing, env()).unwrap_err()[0].message.contains("`url` is required"));

    // A postgres sink is a store: it needs summaries, and a source may reach only one store.
    let raw = "[sources.maas]\ntype = \"stdin\"\n\n[sinks.db]\ntype = \"postgres\"\ninputs = [\"maas\"]\nurl = \"postgres://db/fk\"\n";
    assert!(validate(raw, env()).unwrap_err()[0].message.contains("needs summaries"));
    let two = text(
        "[sinks.db]\ntype = \"postgres\"\ninputs = [\"s\"]\nurl = \"postgres://db/fk\"\n\n[sinks.local]\ntype = \"store\"\ninputs = [\"s\"]\npath = \"x.db\"\n",
    );
    let errors = validate(&two, env()).unwrap_err();
    assert!(errors[0].message.contains("reaches 2 store sinks"), "{errors:?}");
}
