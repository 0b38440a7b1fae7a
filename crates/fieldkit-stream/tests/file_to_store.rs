//! 100,000 notifications with 1% malformed through file → summarize → store, then again.

mod common;

use fieldkit_store::{EventFilter, Store};
use fieldkit_stream::{RunOptions, run_blocking};

#[test]
fn hundred_thousand_records_one_percent_malformed_then_rerun_stores_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("maas.ndjson");
    let db = dir.path().join("fieldkit.db");
    common::write_input(&input, 0..100_000);
    let config = common::file_to_store(&input, &db, "");

    let started = std::time::Instant::now();
    let c = run_blocking(&config, RunOptions::default()).unwrap();
    eprintln!("first run: {c:?} in {:?}", started.elapsed());
    assert_eq!(c.consumed, 100_000);
    assert_eq!((c.stored, c.dead_lettered, c.duplicates, c.filtered), (99_000, 1_000, 0, 0));
    assert!(c.reconciles(), "{c:?}");

    let store = Store::open(&db).unwrap();
    let stats = store.stats().unwrap();
    assert_eq!((stats.monitoring, stats.dead_letter), (99_000, 1_000));
    // The position is the end of the file: everything before it is handled.
    let positions = store.positions("maas").unwrap();
    assert_eq!(positions.len(), 1);
    assert_eq!(positions[0].next_offset as u64, std::fs::metadata(&input).unwrap().len());
    // Summaries carry their origin.
    let some = store.events(&EventFilter { limit: Some(1), ..EventFilter::default() }).unwrap();
    assert!(some[0].event.source.as_ref().unwrap().topic.starts_with(&input.display().to_string()));
    drop(store);

    // Same input again: resumes at the stored position, reads nothing.
    let again = run_blocking(&config, RunOptions::default()).unwrap();
    assert_eq!(again.consumed, 0, "{again:?}");

    // Appended lines: only they are read.
    common::write_input(&input, 100_000..100_200);
    let more = run_blocking(&config, RunOptions::default()).unwrap();
    assert_eq!((more.consumed, more.stored, more.dead_lettered), (200, 198, 2), "{more:?}");
    let stats = Store::open(&db).unwrap().stats().unwrap();
    assert_eq!((stats.monitoring, stats.dead_letter), (99_198, 1_002));

    // Without positions (a fresh store would do the same): the replay is all duplicates.
    let mut store = Store::open(&db).unwrap();
    let topic = store.positions("maas").unwrap()[0].topic.clone();
    store
        .reset_position(&fieldkit_store::PositionAdvance {
            source_name: "maas".into(),
            topic,
            partition: 0,
            next_offset: 0,
        })
        .unwrap();
    drop(store);
    let replay = run_blocking(&config, RunOptions::default()).unwrap();
    assert_eq!((replay.consumed, replay.stored, replay.duplicates), (100_200, 0, 100_200), "{replay:?}");
    assert!(replay.reconciles());
    let stats = Store::open(&db).unwrap().stats().unwrap();
    assert_eq!((stats.monitoring, stats.dead_letter), (99_198, 1_002));
}
