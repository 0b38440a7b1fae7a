//! The PostgreSQL store against a real server (`scripts/test-services start`). Each test works
//! in a schema of its own, so they run in parallel. Without FIELDKIT_TEST_POSTGRES_URL they
//! print a skip notice and pass, unless FIELDKIT_REQUIRE_POSTGRES=1 (CI), where they fail.

mod common;

use common::{advance, dead_letter, event};
use fieldkit_events::State;
use fieldkit_store::{Backend, Batch, PgStore, PgTarget, StoreError};

fn pg_target(test: &str) -> Option<PgTarget> {
    let Ok(url) = std::env::var("FIELDKIT_TEST_POSTGRES_URL") else {
        if std::env::var("FIELDKIT_REQUIRE_POSTGRES").as_deref() == Ok("1") {
            panic!(
                "FIELDKIT_REQUIRE_POSTGRES=1 but FIELDKIT_TEST_POSTGRES_URL is not set (scripts/test-services start)"
            );
        }
        eprintln!("SKIPPED {test}: FIELDKIT_TEST_POSTGRES_URL is not set (run scripts/test-services start)");
        return None;
    };
    let schema = format!("t_{test}_{}", std::process::id());
    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    c.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE")).unwrap();
    // Named after the schema, so a test can find its own connections in pg_stat_activity.
    let sep = if url.contains('?') { '&' } else { '?' };
    Some(PgTarget::parse(&format!("{url}{sep}application_name={schema}")).unwrap().with_schema(&schema).unwrap())
}

fn admin(t: &PgTarget) -> postgres::Client {
    let url = std::env::var("FIELDKIT_TEST_POSTGRES_URL").unwrap();
    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    c.batch_execute(&format!("SET search_path TO \"{}\"", t.schema)).unwrap();
    c
}

#[test]
fn the_same_batch_twice_stores_nothing_twice() {
    let Some(t) = pg_target("idem") else { return };
    let mut store = PgStore::connect(&t).unwrap();
    let mut batch = Batch {
        events: (0..500).map(|o| event(o as i32 % 3, o)).collect(),
        dead_letters: (1000..1010).map(|o| dead_letter(0, o)).collect(),
        positions: vec![advance(0, 1010), advance(1, 499), advance(2, 500)],
    };
    let mut unpositioned = dead_letter(0, 0);
    unpositioned.position = None;
    batch.dead_letters.push(unpositioned);
    // A duplicate inside one batch counts once as new, once as duplicate.
    batch.events.push(event(0, 0));

    let o = store.commit(&batch).unwrap();
    assert_eq!((o.events_new, o.events_duplicate), (500, 1));
    assert_eq!((o.dead_letters_new, o.dead_letters_duplicate), (11, 0));
    assert_eq!(o.positions_advanced, 3);

    let again = store.commit(&batch).unwrap();
    assert_eq!((again.events_new, again.events_duplicate), (0, 501));
    // Positioned dead letters are known by their origin; one without a position has no identity.
    assert_eq!((again.dead_letters_new, again.dead_letters_duplicate), (1, 10));
    assert_eq!(again.positions_advanced, 0);

    let stats = store.stats().unwrap();
    assert_eq!((stats.monitoring, stats.dead_letter, stats.input_position), (500, 12, 3));

    // What was stored reads back as written.
    let mut c = admin(&t);
    let row = c
        .query_one(
            "SELECT tenant, alarm, state, metrics::text, source_topic, source_partition, source_offset
             FROM monitoring WHERE dedup_key = 'k/1/7'",
            &[],
        )
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "t1");
    assert_eq!(row.get::<_, Option<String>>(1).as_deref(), Some("5xx"));
    assert_eq!(row.get::<_, String>(2), "OK");
    assert!(row.get::<_, String>(3).contains("duration"));
    assert_eq!((row.get::<_, Option<i32>>(5), row.get::<_, Option<i64>>(6)), (Some(1), Some(7)));
    let payload: Vec<u8> =
        c.query_one("SELECT payload FROM dead_letter WHERE source_offset = 1003", &[]).unwrap().get(0);
    assert_eq!(payload, vec![0xff, 0x00, b'{']);
}

#[test]
fn positions_only_move_forward() {
    let Some(t) = pg_target("fwd") else { return };
    let mut store = PgStore::connect(&t).unwrap();
    let commit = |s: &mut PgStore, next| s.commit(&Batch { positions: vec![advance(0, next)], ..Batch::default() });
    assert_eq!(commit(&mut store, 10).unwrap().positions_advanced, 1);
    assert_eq!(commit(&mut store, 5).unwrap().positions_advanced, 0);
    assert_eq!(commit(&mut store, 10).unwrap().positions_advanced, 0);
    assert_eq!(store.positions("maas").unwrap()[0].next_offset, 10);
    // Two advances of one partition in one batch: the furthest wins.
    let b = Batch { positions: vec![advance(0, 30), advance(0, 20), advance(1, 3)], ..Batch::default() };
    assert_eq!(store.commit(&b).unwrap().positions_advanced, 2);
    let p = Backend::positions(&mut store, "maas").unwrap();
    assert_eq!(p.iter().map(|p| (p.partition, p.next_offset)).collect::<Vec<_>>(), vec![(0, 30), (1, 3)]);
    assert!(store.positions("other").unwrap().is_empty());
    assert!(matches!(commit(&mut store, -1), Err(StoreError::InvalidBatch(_))));
}

#[test]
fn current_state_does_not_depend_on_arrival_order() {
    let (Some(a), Some(b)) = (pg_target("order_a"), pg_target("order_b")) else { return };
    // Three series, several results each, including two at one time (tie broken by key).
    let events: Vec<_> = (0..60)
        .map(|i| {
            let mut e = event(0, i);
            e.node = format!("node-{}", i % 3);
            e.event_time_ms = 1_700_000_000_000 + (i / 6) * 1000;
            e.state = [State::Ok, State::Warning, State::Critical][(i % 3) as usize];
            e.dedup_key = format!("key-{:03}", (i * 37) % 60);
            e
        })
        .collect();
    let mut forward = PgStore::connect(&a).unwrap();
    for chunk in events.chunks(7) {
        forward.commit(&Batch { events: chunk.to_vec(), ..Batch::default() }).unwrap();
    }
    let mut backward = PgStore::connect(&b).unwrap();
    let mut reversed = events.clone();
    reversed.reverse();
    backward.commit(&Batch { events: reversed[..30].to_vec(), ..Batch::default() }).unwrap();
    for e in &reversed[30..] {
        backward.commit(&Batch { events: vec![e.clone()], ..Batch::default() }).unwrap();
    }
    let state = |t: &PgTarget| -> Vec<(String, String, i64, String)> {
        admin(t)
            .query("SELECT node, state, event_time_ms, dedup_key FROM current_state ORDER BY node", &[])
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
            .collect()
    };
    let (sa, sb) = (state(&a), state(&b));
    assert_eq!(sa.len(), 3);
    assert_eq!(sa, sb);
    // The latest time wins; among equal times the greatest key.
    for (node, _, time, key) in &sa {
        let best =
            events.iter().filter(|e| &e.node == node).map(|e| (e.event_time_ms, e.dedup_key.clone())).max().unwrap();
        assert_eq!((*time, key.clone()), best);
    }
}

#[test]
fn concurrent_first_starts_migrate_once() {
    let Some(t) = pg_target("mig") else { return };
    let handles: Vec<_> = (0..6)
        .map(|_| {
            let t = t.clone();
            std::thread::spawn(move || PgStore::connect(&t).map(|mut s| s.schema_version().unwrap()))
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap().unwrap(), 1);
    }
    let versions: i64 = admin(&t).query_one("SELECT count(*) FROM fieldkit_schema", &[]).unwrap().get(0);
    assert_eq!(versions, 1);
}

#[test]
fn a_lost_connection_is_retryable_and_the_store_reconnects() {
    let Some(t) = pg_target("reconnect") else { return };
    let mut store = PgStore::connect(&t).unwrap();
    store.commit(&Batch { events: vec![event(0, 1)], ..Batch::default() }).unwrap();
    let mut c = admin(&t);
    let killed: i64 = c
        .query_one(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
             WHERE application_name = $1 AND pid <> pg_backend_pid()",
            &[&t.schema],
        )
        .unwrap()
        .get(0);
    assert!(killed >= 1);
    let batch = Batch { events: vec![event(0, 1), event(0, 2)], positions: vec![advance(0, 3)], ..Batch::default() };
    let mut errors = Vec::new();
    let outcome = loop {
        match store.commit(&batch) {
            Ok(o) => break o,
            Err(e) => {
                assert!(e.is_retryable(), "{e}");
                errors.push(e.to_string());
                assert!(errors.len() < 3, "{errors:?}");
            }
        }
    };
    assert_eq!((outcome.events_new, outcome.events_duplicate, outcome.positions_advanced), (1, 1, 1));
}

#[test]
fn an_unreachable_server_is_retryable_bad_credentials_are_not() {
    let Some(t) = pg_target("unreach") else { return };
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let down = PgTarget::parse(&format!("postgres://fieldkit:secret@127.0.0.1:{port}/x?connect_timeout=2")).unwrap();
    let e = PgStore::connect(&down).unwrap_err();
    assert!(e.is_retryable(), "{e}");
    assert!(!e.to_string().contains("secret"), "{e}");
    // A database that does not exist will not appear by waiting.
    let url = std::env::var("FIELDKIT_TEST_POSTGRES_URL").unwrap();
    let (base, _) = url.rsplit_once('/').unwrap();
    let missing = PgTarget::parse(&format!("{base}/no_such_db_fieldkit")).unwrap();
    let e = PgStore::connect(&missing).unwrap_err();
    assert!(!e.is_retryable(), "{e}");
    drop(t);
}

#[test]
fn nul_characters_do_not_fail_a_batch() {
    let Some(t) = pg_target("nul") else { return };
    let mut store = PgStore::connect(&t).unwrap();
    let mut e = event(0, 1);
    e.message = Some("a\0b".into());
    e.metrics[0].name = "x\0y".into();
    let mut d = dead_letter(0, 2);
    d.error = "bad \0 byte".into();
    let o = store.commit(&Batch { events: vec![e], dead_letters: vec![d], ..Batch::default() }).unwrap();
    assert_eq!((o.events_new, o.dead_letters_new), (1, 1));
}
