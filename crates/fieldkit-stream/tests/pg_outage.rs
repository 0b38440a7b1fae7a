//! The PostgreSQL server stops in the middle of a run (`pg_ctl stop -m fast`) and comes back:
//! the pipeline reports degraded, retries, resumes, and the rows are exactly the input.
//!
//! Alone in its test binary on purpose: it stops the shared test server, and cargo runs test
//! binaries one after another, so no other test is using the server meanwhile.

mod common;
#[path = "common/pg.rs"]
mod pg;

use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fieldkit_stream::{RunOptions, Status, run_blocking};

/// Runs `pg_ctl` as the cluster's owner (`postgres` when the tests run as root).
fn pg_ctl(args: &[&str]) {
    let bin = std::env::var("FIELDKIT_TEST_PG_CTL").unwrap();
    let data = std::env::var("FIELDKIT_TEST_POSTGRES_DATA").unwrap();
    let log = std::env::var("FIELDKIT_TEST_POSTGRES_LOG").unwrap();
    let root = Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0\n")).unwrap_or(false);
    let mut cmd = if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--", &bin]);
        c
    } else {
        Command::new(&bin)
    };
    let status = cmd.args(["-D", &data, "-l", &log, "-w"]).args(args).status().unwrap();
    assert!(status.success(), "pg_ctl {args:?}: {status}");
}

/// Starts the server again even when the test fails half-way.
struct Restart(bool);
impl Drop for Restart {
    fn drop(&mut self) {
        if self.0 {
            pg_ctl(&["start"]);
        }
    }
}

#[test]
fn server_stopped_mid_run_degrades_retries_and_loses_nothing() {
    let Some(url) = pg::url("outage") else { return };
    if std::env::var("FIELDKIT_TEST_POSTGRES_DATA").is_err() {
        eprintln!("SKIPPED outage: FIELDKIT_TEST_POSTGRES_DATA is not set (scripts/test-services writes it)");
        return;
    }
    let schema = pg::schema(&url, "outage");
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("maas.ndjson");
    const N: u64 = 30_000;
    common::write_input(&input, 0..N);
    let config =
        pg::file_to_postgres(&input, &url, &schema, "batch_size = 100\nlinger_ms = 5\nconnect_timeout_ms = 1000");

    let statuses: Arc<Mutex<Vec<Status>>> = Arc::default();
    let seen = statuses.clone();
    let options = RunOptions {
        status: Some(Box::new(move |s: &Status| seen.lock().unwrap().push(s.clone()))),
        status_interval: Duration::from_millis(20),
        ..RunOptions::default()
    };
    let started = Instant::now();
    let run = std::thread::spawn(move || run_blocking(&config, options));

    // Let some batches land, then take the server away for two seconds.
    let stored = || statuses.lock().unwrap().last().map_or(0, |s| s.counters.stored);
    while stored() < 3_000 {
        assert!(!run.is_finished(), "the run ended before the outage");
        std::thread::sleep(Duration::from_millis(5));
    }
    pg_ctl(&["-m", "fast", "stop"]);
    let mut restart = Restart(true);
    let stopped_at = stored();
    std::thread::sleep(Duration::from_secs(2));
    let during = statuses.lock().unwrap().last().cloned().unwrap();
    assert!(during.degraded, "{during}");
    assert!(during.counters.store_retries > 0, "{during}");
    assert!(during.to_string().contains("DEGRADED"), "{during}");
    assert!(during.counters.stored <= stopped_at + 100, "{during}: stored while the server was down?");
    pg_ctl(&["start"]);
    restart.0 = false;

    let c = run.join().unwrap().unwrap();
    eprintln!("run with outage: {c:?} in {:?}", started.elapsed());
    assert_eq!(c.consumed, N);
    assert!(c.reconciles(), "{c:?}");
    // A commit cut off by the shutdown may have landed before its answer was lost: its retry
    // counts duplicates. Nothing else may.
    assert_eq!(c.stored + c.duplicates + c.dead_lettered, N, "{c:?}");
    let s = statuses.lock().unwrap();
    assert!(!s.last().unwrap().degraded, "still degraded at the end: {}", s.last().unwrap());

    let mut store = pg::store(&url, &schema);
    let stats = store.stats().unwrap();
    assert_eq!((stats.monitoring, stats.dead_letter), (N - N / 100, N / 100));
    // Rows of a commit whose answer was lost were counted as duplicates when retried.
    assert!(c.stored <= stats.monitoring && stats.monitoring <= c.stored + c.duplicates, "{c:?} vs {stats:?}");
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let distinct: i64 = admin
        .query_one(&format!("SELECT count(DISTINCT source_offset) FROM \"{schema}\".monitoring"), &[])
        .unwrap()
        .get(0);
    assert_eq!(distinct as u64, N - N / 100);
}
