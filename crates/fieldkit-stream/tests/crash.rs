//! `kill -9` the pipeline three times at random moments while it ingests 100,000 records, then
//! let it finish: the store ends with exactly 99,000 summaries and 1,000 dead letters, each
//! once, and the position at the end of the input.
//!
//! The pipeline runs in a child process: this test binary itself, re-executed with
//! `PIPELINE_CHILD` set, as fieldkit-store's crash test does. The parent watches the store's
//! row count (a second connection; WAL readers never block the writer) and kills the child
//! once it passes a randomly chosen threshold, so every kill lands mid-stream.

mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use fieldkit_store::Store;
use fieldkit_stream::{RunOptions, run_blocking};

const CHILD_ENV: &str = "FIELDKIT_STREAM_CRASH_CHILD";
const TOTAL: u64 = 100_000;

/// The child's body; a no-op when run as an ordinary test.
#[test]
fn crash_child() {
    let Ok(dir) = std::env::var(CHILD_ENV) else { return };
    let dir = PathBuf::from(dir);
    let config = common::file_to_store(&dir.join("in.ndjson"), &dir.join("s.db"), "");
    let c = run_blocking(&config, RunOptions::default()).unwrap();
    println!("done {}", serde_json::to_string(&c).unwrap());
}

/// xorshift seeded from the clock: different kill points on every run, printed for replay.
fn rng() -> impl FnMut(u64) -> u64 {
    let mut s = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64 | 1;
    eprintln!("seed {s}");
    move |n| {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s % n
    }
}

fn stored(db: &std::path::Path) -> u64 {
    Store::open(db).ok().and_then(|s| s.stats().ok()).map_or(0, |s| s.monitoring + s.dead_letter)
}

#[test]
fn kill_9_three_times_then_finish_exact_counts_no_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.ndjson");
    let db = dir.path().join("s.db");
    common::write_input(&input, 0..TOTAL);
    let exe = std::env::current_exe().unwrap();
    let spawn = || {
        Command::new(&exe)
            .args(["crash_child", "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut rand = rng();
    let mut last = 0;
    for round in 0..3u64 {
        // Kill somewhere in the next quarter of the input, plus a random few milliseconds so
        // the moment is not aligned with the check.
        let threshold = last + 1 + rand(TOTAL / 4);
        let mut child = spawn();
        let deadline = Instant::now() + Duration::from_secs(300);
        while stored(&db) < threshold {
            assert!(Instant::now() < deadline, "round {round}: no progress");
            assert!(child.try_wait().unwrap().is_none(), "round {round}: child finished before the kill");
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(rand(40)));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let now = stored(&db);
        eprintln!("round {round}: killed after {threshold} rows, {now} stored");
        assert!(now >= last, "rows went backwards");
        last = now;
        let store = Store::open(&db).unwrap();
        assert!(store.integrity_check().unwrap().is_empty());
    }
    let out = spawn().wait_with_output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    // libtest prints "test crash_child ... " before the output on the same line.
    let done = stdout.lines().find_map(|l| l.split_once("done ").map(|(_, r)| r)).expect("final run reported");
    let c: serde_json::Value = serde_json::from_str(done).unwrap();
    eprintln!("final run: {c}");

    let store = Store::open(&db).unwrap();
    let stats = store.stats().unwrap();
    assert_eq!((stats.monitoring, stats.dead_letter), (99_000, 1_000));
    let positions = store.positions("maas").unwrap();
    assert_eq!(positions[0].next_offset as u64, std::fs::metadata(&input).unwrap().len());
    // The final run's own counters reconcile, and it re-read at most the unpositioned tail.
    let n = |k: &str| c[k].as_u64().unwrap();
    assert_eq!(n("consumed"), n("stored") + n("duplicates") + n("dead_lettered") + n("filtered"));
}
