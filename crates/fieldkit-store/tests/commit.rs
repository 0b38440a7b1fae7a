//! Batches: atomicity, idempotent replay, positions, locking and schema guards.

mod common;

use std::time::Duration;

use common::{SOURCE, TOPIC, advance, dead_letter, event};
use fieldkit_store::{Batch, CommitOutcome, Durability, EventFilter, Store, StoreError, StoreOptions};

fn batch(partition: i32, offsets: std::ops::Range<i64>) -> Batch {
    let mut b = Batch::default();
    for o in offsets.clone() {
        // Every fifth record is malformed input.
        if o % 5 == 4 { b.dead_letters.push(dead_letter(partition, o)) } else { b.events.push(event(partition, o)) }
    }
    b.positions.push(advance(partition, offsets.end));
    b
}

#[test]
fn replaying_a_batch_stores_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("s.db")).unwrap();
    let b = batch(0, 0..10);
    let first = store.commit(&b).unwrap();
    assert_eq!(
        first,
        CommitOutcome {
            events_new: 8,
            events_duplicate: 0,
            dead_letters_new: 2,
            dead_letters_duplicate: 0,
            positions_advanced: 1
        }
    );
    let again = store.commit(&b).unwrap();
    assert_eq!(
        again,
        CommitOutcome {
            events_new: 0,
            events_duplicate: 8,
            dead_letters_new: 0,
            dead_letters_duplicate: 2,
            positions_advanced: 0
        }
    );
    // An overlapping replay (crash after commit, consumer re-reads from an older offset).
    let overlap = store.commit(&batch(0, 5..15)).unwrap();
    assert_eq!((overlap.events_new, overlap.events_duplicate), (4, 4));
    assert_eq!((overlap.dead_letters_new, overlap.dead_letters_duplicate), (1, 1));
    let stats = store.stats().unwrap();
    assert_eq!((stats.monitoring, stats.dead_letter, stats.input_position), (12, 3, 1));
    assert_eq!(store.position(SOURCE, TOPIC, 0).unwrap(), Some(15));
    // Duplicates inside one batch count once as new.
    let mut dup = batch(1, 0..3);
    dup.events.extend(dup.events.clone());
    let o = store.commit(&dup).unwrap();
    assert_eq!((o.events_new, o.events_duplicate), (3, 3));
}

#[test]
fn stats_serialise_with_the_documented_keys() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("s.db")).unwrap();
    assert_eq!(store.last_event_id().unwrap(), 0);
    store.commit(&batch(0, 0..5)).unwrap();
    let json = serde_json::to_value(store.stats().unwrap()).unwrap();
    assert_eq!(json, serde_json::json!({"monitoring": 4, "dead_letter": 1, "input_position": 1}));
}

#[test]
fn positions_only_move_forward_with_their_batch() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("s.db")).unwrap();
    store.commit(&batch(0, 0..10)).unwrap();
    store.commit(&batch(1, 0..4)).unwrap();
    // A stale advance (late duplicate batch) does not move the position back.
    let o = store.commit(&batch(0, 2..6)).unwrap();
    assert_eq!(o.positions_advanced, 0);
    let positions = store.positions(SOURCE).unwrap();
    let got: Vec<(i32, i64)> = positions.iter().map(|p| (p.partition, p.next_offset)).collect();
    assert_eq!(got, [(0, 10), (1, 4)]);
    assert!(store.positions("other").unwrap().is_empty());
    let all: Vec<(String, i32, i64)> =
        store.all_positions().unwrap().into_iter().map(|(s, p)| (s, p.partition, p.next_offset)).collect();
    assert_eq!(all, [(SOURCE.to_owned(), 0, 10), (SOURCE.to_owned(), 1, 4)]);
    assert_eq!(store.position(SOURCE, TOPIC, 7).unwrap(), None);

    // A batch that fails leaves rows and positions as they were.
    let mut bad = batch(0, 10..20);
    bad.positions.push(advance(2, -1));
    assert!(matches!(store.commit(&bad), Err(StoreError::InvalidBatch(_))));
    assert_eq!(store.position(SOURCE, TOPIC, 0).unwrap(), Some(10));
    assert_eq!(store.stats().unwrap().monitoring, 8 + 4);

    // An operator may move a position backwards explicitly.
    store.reset_position(&advance(0, 3)).unwrap();
    assert_eq!(store.position(SOURCE, TOPIC, 0).unwrap(), Some(3));
}

#[test]
fn a_transaction_that_fails_midway_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let mut store = Store::open(&path).unwrap();
    // A trigger makes the 7th insert fail inside the transaction, after six rows and before
    // the position: none of it may remain.
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute_batch(
        "CREATE TRIGGER fail_seventh BEFORE INSERT ON event WHEN NEW.source_offset = 7
         BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
    )
    .unwrap();
    let err = store.commit(&batch(0, 0..10)).unwrap_err();
    assert!(err.to_string().contains("injected failure"), "{err}");
    assert!(!err.is_retryable());
    assert_eq!(store.stats().unwrap().monitoring, 0);
    assert_eq!(store.stats().unwrap().dead_letter, 0);
    assert_eq!(store.position(SOURCE, TOPIC, 0).unwrap(), None);
    raw.execute_batch("DROP TRIGGER fail_seventh").unwrap();
    assert_eq!(store.commit(&batch(0, 0..10)).unwrap().events_new, 8);
}

#[test]
fn a_locked_store_is_a_retryable_busy_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let options = StoreOptions { durability: Durability::Normal, busy_timeout: Duration::from_millis(50) };
    let mut store = Store::open_with(&path, options).unwrap();
    let holder = rusqlite::Connection::open(&path).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let err = store.commit(&batch(0, 0..5)).unwrap_err();
    assert!(matches!(err, StoreError::Busy { .. }), "{err}");
    assert!(err.is_retryable());
    // Readers are not blocked by the writer's lock.
    assert_eq!(store.stats().unwrap().monitoring, 0);
    holder.execute_batch("COMMIT").unwrap();
    assert_eq!(store.commit(&batch(0, 0..5)).unwrap().events_new, 4);
}

#[test]
fn reopening_keeps_everything_and_schema_is_versioned() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    {
        let mut store = Store::open(&path).unwrap();
        store.commit(&batch(0, 0..10)).unwrap();
        assert_eq!(store.schema_version().unwrap(), 2);
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.stats().unwrap().monitoring, 8);
    assert!(store.integrity_check().unwrap().is_empty());
    let events = store.events(&EventFilter::default()).unwrap();
    assert_eq!(events[0].event, event(0, 8));
    let mode: String =
        rusqlite::Connection::open(&path).unwrap().query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn foreign_or_newer_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.db");
    rusqlite::Connection::open(&other).unwrap().execute_batch("CREATE TABLE t (x)").unwrap();
    assert!(matches!(Store::open(&other), Err(StoreError::NotAStore { .. })));

    let newer = dir.path().join("newer.db");
    drop(Store::open(&newer).unwrap());
    rusqlite::Connection::open(&newer).unwrap().execute_batch("PRAGMA user_version = 99").unwrap();
    let err = Store::open(&newer).err().unwrap();
    assert!(matches!(err, StoreError::SchemaTooNew { found: 99, supported: 2 }), "{err}");

    let garbage = dir.path().join("garbage.db");
    std::fs::write(&garbage, vec![0x5a; 8192]).unwrap();
    assert!(Store::open(&garbage).is_err());

    let missing_dir = dir.path().join("no/such/dir/s.db");
    assert!(matches!(Store::open(&missing_dir), Err(StoreError::Open { .. })));
}

#[test]
fn open_existing_creates_nothing_and_leaves_foreign_files_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.db");
    let err = Store::open_existing(&missing).err().unwrap();
    assert!(matches!(err, StoreError::Missing { .. }) && err.is_absent(), "{err}");
    assert!(err.to_string().contains("missing.db"), "{err}");
    assert!(!missing.exists());

    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    assert!(matches!(Store::open_existing(&empty), Err(StoreError::Empty { .. })));
    assert_eq!(std::fs::metadata(&empty).unwrap().len(), 0);

    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not a database\n".repeat(20)).unwrap();
    let err = Store::open_existing(&text).err().unwrap();
    assert!(matches!(err, StoreError::NotAStore { .. }) && !err.is_absent(), "{err}");
    assert!(err.to_string().contains("notes.txt"), "{err}");
    assert!(matches!(Store::open_existing(dir.path()), Err(StoreError::NotAStore { .. })));

    // Another program's SQLite database (rollback journal, no application id): refused, and
    // not switched to write-ahead logging on the way.
    let other = dir.path().join("other.db");
    rusqlite::Connection::open(&other).unwrap().execute_batch("CREATE TABLE t (x)").unwrap();
    let before = std::fs::read(&other).unwrap();
    assert!(matches!(Store::open_existing(&other), Err(StoreError::NotAStore { .. })));
    assert_eq!(std::fs::read(&other).unwrap(), before);
    let tagged = dir.path().join("tagged.db");
    rusqlite::Connection::open(&tagged)
        .unwrap()
        .execute_batch("PRAGMA journal_mode = WAL; PRAGMA application_id = 42; CREATE TABLE t (x)")
        .unwrap();
    let err = Store::open_existing(&tagged).err().unwrap();
    assert!(err.to_string().contains("0x2a"), "{err}");

    // A real store, also while its writer is open and its header is still in the WAL.
    let path = dir.path().join("s.db");
    let mut writer = Store::open(&path).unwrap();
    writer.commit(&batch(0, 0..3)).unwrap();
    assert_eq!(Store::open_existing(&path).unwrap().stats().unwrap().monitoring, 3);
    drop(writer);
    assert_eq!(Store::open_existing(&path).unwrap().stats().unwrap().monitoring, 3);
}

#[test]
fn events_without_source_and_dead_letters_without_position() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("s.db")).unwrap();
    let mut e = event(0, 1);
    e.source = None;
    e.alarm = None;
    e.metrics.clear();
    let mut d = dead_letter(0, 1);
    d.position = None;
    let b = Batch { events: vec![e.clone()], dead_letters: vec![d.clone(), d], positions: vec![] };
    let o = store.commit(&b).unwrap();
    // Without a position, a dead letter has no identity to deduplicate on: both are kept.
    assert_eq!((o.events_new, o.dead_letters_new), (1, 2));
    assert_eq!(store.events(&EventFilter::default()).unwrap()[0].event, e);
}

#[test]
fn opening_an_up_to_date_store_does_not_need_the_write_lock() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    drop(Store::open(&path).unwrap());
    let holder = rusqlite::Connection::open(&path).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let options = StoreOptions { busy_timeout: Duration::from_millis(10), ..StoreOptions::default() };
    let reader = Store::open_with(&path, options).unwrap();
    assert_eq!(reader.stats().unwrap().monitoring, 0);
    holder.execute_batch("ROLLBACK").unwrap();
}

#[test]
fn store_can_move_to_another_thread() {
    fn assert_send<T: Send>() {}
    assert_send::<Store>();
}

#[test]
fn a_version_1_store_migrates_with_its_rows_current_states_and_changes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.db");
    let old = fieldkit_store::create_at_version(&path, 1).unwrap();
    // Rows as version 1 wrote them: node-0 goes OK -> CRITICAL -> OK, node-1 has one event.
    for (id, node, minute, state) in
        [(1, "node-0", 1, "OK"), (2, "node-0", 2, "CRITICAL"), (3, "node-1", 2, "OK"), (4, "node-0", 3, "OK")]
    {
        old.execute(
            "INSERT INTO monitoring (id, dedup_key, event_time_ms, received_time_ms, tenant, environment, node,
                check_name, alarm, state, message) VALUES (?1, ?2, ?3, ?3, 't1', 'prod', ?4, 'http', NULL, ?5, 'm')",
            rusqlite::params![id, format!("k{id}"), minute * 60_000, node, state],
        )
        .unwrap();
        old.execute(
            "INSERT INTO current_state (tenant, environment, node, check_name, alarm, state, event_time_ms, dedup_key)
             VALUES ('t1', 'prod', ?1, 'http', '', ?2, ?3, ?4)
             ON CONFLICT DO UPDATE SET state = excluded.state, event_time_ms = excluded.event_time_ms,
                dedup_key = excluded.dedup_key",
            rusqlite::params![node, state, minute * 60_000, format!("k{id}")],
        )
        .unwrap();
    }
    drop(old);

    let mut store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), 2);
    assert!(store.integrity_check().unwrap().is_empty());
    assert_eq!(store.stats().unwrap().monitoring, 4);
    let events = store.events(&EventFilter::default()).unwrap();
    assert_eq!(events.len(), 4);
    assert!(events.iter().all(|e| e.event.alarm.is_none() && e.event.tenant == "t1"));
    let raw = rusqlite::Connection::open(&path).unwrap();
    let priors: Vec<(i64, String)> = raw
        .prepare("SELECT id, prior_state FROM event ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(priors, [(1, "".into()), (2, "OK".into()), (3, "".into()), (4, "CRITICAL".into())]);
    // The migrated dedup index still recognises stored events.
    let mut replay = common::event(0, 0);
    replay.dedup_key = "k2".into();
    replay.node = "node-0".into();
    replay.alarm = None;
    let o = store.commit(&Batch { events: vec![replay], ..Batch::default() }).unwrap();
    assert_eq!((o.events_new, o.events_duplicate), (0, 1));
}

#[test]
fn current_state_and_prior_states_do_not_depend_on_batching_or_order() {
    use fieldkit_events::State::{Critical, Ok as Fine, Warning};
    let states = [Fine, Critical, Warning, Fine, Critical];
    let events: Vec<_> = states
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut e = event(0, i as i64);
            e.node = "n".into();
            e.state = *s;
            e
        })
        .collect();
    let current = |store: &Store| {
        let top = store.top(&fieldkit_store::TopQuery::new(1_800_000_000_000)).unwrap();
        serde_json::to_value(&top.alerting).unwrap()
    };
    // All in one batch, in reverse order.
    let dir = tempfile::tempdir().unwrap();
    let mut one = Store::open(dir.path().join("one.db")).unwrap();
    one.commit(&Batch { events: events.iter().rev().cloned().collect(), ..Batch::default() }).unwrap();
    // One at a time, in order.
    let mut each = Store::open(dir.path().join("each.db")).unwrap();
    for e in &events {
        each.commit(&Batch { events: vec![e.clone()], ..Batch::default() }).unwrap();
    }
    assert_eq!(current(&one), current(&each));
    assert_eq!(current(&one)[0]["checks"][0]["state"], "CRITICAL");
    let priors = |path: &str| -> Vec<(String, Option<String>)> {
        rusqlite::Connection::open(dir.path().join(path))
            .unwrap()
            .prepare("SELECT dedup_key, prior_state FROM event ORDER BY event_time_ms")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let expected: Vec<(String, Option<String>)> = [None, Some(Fine), Some(Critical), Some(Warning), Some(Fine)]
        .iter()
        .enumerate()
        .map(|(i, s)| (format!("k/0/{i}"), Some(s.map_or("", |s| s.as_str()).to_owned())))
        .collect();
    assert_eq!(priors("one.db"), expected);
    assert_eq!(priors("each.db"), expected);
    // A late event (older than the stored latest) changes nothing current and has no known prior.
    let mut late = event(0, -1);
    late.node = "n".into();
    late.state = Warning;
    each.commit(&Batch { events: vec![late], ..Batch::default() }).unwrap();
    assert_eq!(current(&each), current(&one));
    assert_eq!(priors("each.db")[0], ("k/0/-1".to_owned(), None));
}
