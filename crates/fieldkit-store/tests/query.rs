//! The queries behind `fieldkit events` and `fieldkit events top`.

mod common;

use fieldkit_events::{MonitoringEvent, State};
use fieldkit_store::{Batch, EventFilter, Store, StoreError, TopQuery};

const MIN: i64 = 60_000;
/// "Now" for these tests: 12:00 on some day, in epoch ms.
const NOW: i64 = 1_700_000_000_000;

/// A summary at `minutes_ago` before NOW.
fn ev(tenant: &str, node: &str, check: &str, state: State, minutes_ago: i64) -> MonitoringEvent {
    let mut e = common::event(0, 0);
    e.tenant = tenant.into();
    e.node = node.into();
    e.check = check.into();
    e.alarm = Some(format!("{check}-alarm"));
    e.state = state;
    e.event_time_ms = NOW - minutes_ago * MIN;
    e.received_time_ms = e.event_time_ms + 1_000;
    e.message = Some(format!("{check} on {node} is {state}"));
    e.source = None;
    e.dedup_key = format!("{tenant}/{node}/{check}/{minutes_ago}");
    e
}

use State::{Critical, Ok, Unknown, Warning};

/// A small history: two tenants, a flapping check, a recovered one, an old incident.
fn fixture() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("q.db")).unwrap();
    let events = vec![
        // t1/web-1/http flaps in the last hour: OK -> CRITICAL -> OK -> CRITICAL.
        ev("t1", "web-1", "http", Ok, 90),
        ev("t1", "web-1", "http", Critical, 50),
        ev("t1", "web-1", "http", Ok, 30),
        ev("t1", "web-1", "http", Critical, 10),
        // t1/web-2/disk: WARNING, repeated (no change), still warning.
        ev("t1", "web-2", "disk", Warning, 40),
        ev("t1", "web-2", "disk", Warning, 20),
        // t1/db-1/ping: recovered.
        ev("t1", "db-1", "ping", Critical, 45),
        ev("t1", "db-1", "ping", Ok, 15),
        // t2/kafka-1/lag: critical two hours ago, still (outside the window).
        ev("t2", "kafka-1", "lag", Critical, 120),
        // t2/kafka-2/cpu: unknown, first ever seen in the window.
        ev("t2", "kafka-2", "cpu", Unknown, 5),
    ];
    // Insert out of time order: current state must not depend on arrival order.
    let mut shuffled = events.clone();
    shuffled.reverse();
    store.commit(&Batch { events: shuffled, ..Batch::default() }).unwrap();
    (dir, store)
}

fn keys(events: &[fieldkit_store::StoredEvent]) -> Vec<String> {
    events.iter().map(|e| e.event.dedup_key.clone()).collect()
}

#[test]
fn filters_order_and_limit() {
    let (_dir, store) = fixture();
    let all = store.events(&EventFilter::default()).unwrap();
    assert_eq!(all.len(), 10);
    // Newest event time first.
    assert!(all.windows(2).all(|w| w[0].event.event_time_ms >= w[1].event.event_time_ms));
    assert_eq!(all[0].event.dedup_key, "t2/kafka-2/cpu/5");

    let cases: Vec<(EventFilter, Vec<&str>)> = vec![
        (
            EventFilter { tenant: Some("t2".into()), ..Default::default() },
            vec!["t2/kafka-2/cpu/5", "t2/kafka-1/lag/120"],
        ),
        (EventFilter { node: Some("db-1".into()), ..Default::default() }, vec!["t1/db-1/ping/15", "t1/db-1/ping/45"]),
        (
            EventFilter { check: Some("http".into()), states: vec![Critical], ..Default::default() },
            vec!["t1/web-1/http/10", "t1/web-1/http/50"],
        ),
        (
            EventFilter { states: vec![Warning, Unknown], ..Default::default() },
            vec!["t2/kafka-2/cpu/5", "t1/web-2/disk/20", "t1/web-2/disk/40"],
        ),
        (
            EventFilter { since_ms: Some(NOW - 30 * MIN), until_ms: Some(NOW - 10 * MIN), ..Default::default() },
            vec!["t1/db-1/ping/15", "t1/web-2/disk/20", "t1/web-1/http/30"],
        ),
        (EventFilter { environment: Some("staging".into()), ..Default::default() }, vec![]),
        (
            EventFilter { tenant: Some("t1".into()), limit: Some(2), ..Default::default() },
            vec!["t1/web-1/http/10", "t1/db-1/ping/15"],
        ),
    ];
    for (filter, want) in cases {
        assert_eq!(keys(&store.events(&filter).unwrap()), want, "{filter:?}");
    }
    let bad = EventFilter { since_ms: Some(2), until_ms: Some(1), ..Default::default() };
    assert!(matches!(store.events(&bad), Err(StoreError::InvalidQuery(_))));
}

#[test]
fn follow_returns_rows_stored_after_an_id_in_insertion_order() {
    let (_dir, mut store) = fixture();
    let last = store.events(&EventFilter::default()).unwrap().iter().map(|e| e.id).max().unwrap();
    assert_eq!(store.last_event_id().unwrap(), last);
    assert!(store.events_after(&EventFilter::default(), last).unwrap().is_empty());
    let new = vec![ev("t1", "web-9", "http", Critical, 1), ev("t2", "kafka-1", "lag", Ok, 0)];
    store.commit(&Batch { events: new, ..Batch::default() }).unwrap();
    let after = store.events_after(&EventFilter::default(), last).unwrap();
    assert_eq!(keys(&after), ["t1/web-9/http/1", "t2/kafka-1/lag/0"]);
    assert_eq!(store.last_event_id().unwrap(), after[1].id);
    let t2 = EventFilter { tenant: Some("t2".into()), ..Default::default() };
    assert_eq!(keys(&store.events_after(&t2, last).unwrap()), ["t2/kafka-1/lag/0"]);
}

#[test]
fn top_shows_alerting_checks_per_tenant_noisiest_and_changes() {
    let (_dir, store) = fixture();
    let top = store.top(&TopQuery::new(NOW)).unwrap();

    // Current picture: latest state per check, whatever the window.
    let alerting: Vec<(String, u64, u64, Vec<String>)> = top
        .alerting
        .iter()
        .map(|t| {
            (
                t.tenant.clone(),
                t.critical,
                t.warning,
                t.checks.iter().map(|c| format!("{}/{}", c.node, c.check)).collect(),
            )
        })
        .collect();
    assert_eq!(
        alerting,
        [
            ("t1".to_owned(), 1, 1, vec!["web-1/http".to_owned(), "web-2/disk".to_owned()]),
            ("t2".to_owned(), 1, 0, vec!["kafka-1/lag".to_owned()]),
        ]
    );
    assert_eq!(top.alerting[0].checks[0].state, Critical);
    assert_eq!(top.alerting[0].checks[0].event_time_ms, NOW - 10 * MIN);
    assert_eq!(top.alerting[0].checks[0].alarm.as_deref(), Some("http-alarm"));

    // Noisiest in the last hour: the flapping check (3 events in the window), then by events
    // and events not OK.
    let noisy: Vec<(String, u64, u64)> =
        top.noisiest.iter().map(|n| (format!("{}/{}/{}", n.tenant, n.node, n.check), n.events, n.not_ok)).collect();
    assert_eq!(
        noisy,
        [
            ("t1/web-1/http".to_owned(), 3, 2),
            ("t1/web-2/disk".to_owned(), 2, 2),
            ("t1/db-1/ping".to_owned(), 2, 1),
            ("t2/kafka-2/cpu".to_owned(), 1, 1),
        ]
    );

    // Changes in the last hour, newest first; the repeated WARNING is not a change, the first
    // summary ever seen of a check is (from unknown).
    let changes: Vec<(String, Option<State>, State)> = top
        .changes
        .iter()
        .map(|c| (format!("{}/{}@{}", c.node, c.check, (NOW - c.event_time_ms) / MIN), c.from, c.to))
        .collect();
    assert_eq!(
        changes,
        [
            ("kafka-2/cpu@5".to_owned(), None, Unknown),
            ("web-1/http@10".to_owned(), Some(Ok), Critical),
            ("db-1/ping@15".to_owned(), Some(Critical), Ok),
            ("web-1/http@30".to_owned(), Some(Critical), Ok),
            ("web-2/disk@40".to_owned(), None, Warning),
            ("db-1/ping@45".to_owned(), None, Critical),
            ("web-1/http@50".to_owned(), Some(Ok), Critical),
        ]
    );

    // Limits apply per list (and per tenant for alerting checks).
    let small = store.top(&TopQuery { limit: 1, ..TopQuery::new(NOW) }).unwrap();
    assert_eq!((small.alerting[0].checks.len(), small.alerting[0].critical + small.alerting[0].warning), (1, 2));
    assert_eq!((small.noisiest.len(), small.changes.len()), (1, 1));
    assert!(matches!(store.top(&TopQuery { window_ms: 0, ..TopQuery::new(NOW) }), Err(StoreError::InvalidQuery(_))));
}

#[test]
fn payload_previous_state_wins_and_recovery_clears_alerting() {
    let (_dir, mut store) = fixture();
    let mut e = ev("t1", "web-2", "disk", Ok, 2);
    e.previous_state = Some(Critical); // the source knows better than our history
    store.commit(&Batch { events: vec![e], ..Batch::default() }).unwrap();
    let top = store.top(&TopQuery::new(NOW)).unwrap();
    assert_eq!((top.changes[0].from, top.changes[0].to), (Some(Critical), Ok));
    let t1 = top.alerting.iter().find(|t| t.tenant == "t1").unwrap();
    assert_eq!((t1.critical, t1.warning), (1, 0));
    // A late, older event does not overwrite the current state.
    store.commit(&Batch { events: vec![ev("t1", "web-2", "disk", Critical, 3)], ..Batch::default() }).unwrap();
    let top = store.top(&TopQuery::new(NOW)).unwrap();
    assert_eq!(top.alerting.iter().find(|t| t.tenant == "t1").unwrap().warning, 0);
    // JSON for `--format json`.
    let json = serde_json::to_value(&top).unwrap();
    assert_eq!(json["changes"][0]["to"], "OK");
    assert!(json["alerting"][0]["checks"][0]["event_time_ms"].is_i64());
}
