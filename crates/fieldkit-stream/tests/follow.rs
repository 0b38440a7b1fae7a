//! `follow = true`: tailing through appends, a rename-and-recreate rotation and an in-place
//! truncation, then a graceful shutdown; a restart re-reads nothing.

mod common;

use std::time::{Duration, Instant};

use fieldkit_store::Store;
use fieldkit_stream::{RunOptions, Shutdown, run_blocking, validate};

fn rows(db: &std::path::Path) -> u64 {
    Store::open(db).ok().and_then(|s| s.stats().ok()).map_or(0, |s| s.monitoring + s.dead_letter)
}

fn wait_for(db: &std::path::Path, n: u64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while rows(db) < n {
        assert!(Instant::now() < deadline, "waited for {n} rows, have {}", rows(db));
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn follows_appends_rotation_and_truncation() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("live.ndjson");
    let db = dir.path().join("s.db");
    let text = format!(
        r#"
[pipeline]
max_record_bytes = {max}
[sources.live]
type = "file"
path = "{input}"
follow = true
poll_interval_ms = 10
[transforms.sum]
type = "summarize"
inputs = ["live"]
[sinks.db]
type = "store"
inputs = ["sum"]
path = "{db}"
linger_ms = 10
"#,
        max = common::MAX_RECORD,
        input = input.display(),
        db = db.display()
    );
    let config = validate(&text, std::iter::empty()).unwrap();
    let shutdown = Shutdown::new();
    let options = RunOptions { shutdown: shutdown.clone(), ..RunOptions::default() };
    let c2 = config.clone();
    // Started before the file exists: following waits for it.
    let run = std::thread::spawn(move || run_blocking(&c2, options));
    std::thread::sleep(Duration::from_millis(50));
    common::write_input(&input, 0..100);
    wait_for(&db, 100);
    common::write_input(&input, 100..200);
    wait_for(&db, 200);

    // Rotation: rename away, recreate.
    std::fs::rename(&input, dir.path().join("live.ndjson.1")).unwrap();
    common::write_input(&input, 200..300);
    wait_for(&db, 300);

    // Truncation in place (copytruncate), then new content shorter than what was read.
    std::fs::OpenOptions::new().write(true).open(&input).unwrap().set_len(0).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    common::write_input(&input, 300..350);
    wait_for(&db, 350);

    shutdown.trigger();
    let c = run.join().unwrap().unwrap();
    assert_eq!(c.consumed, 350, "{c:?}");
    assert_eq!(c.stored + c.dead_lettered, 350);
    assert!(c.reconciles());
    let store = Store::open(&db).unwrap();
    let stats = store.stats().unwrap();
    assert_eq!((stats.monitoring, stats.dead_letter), (350 - 3, 3));
    // The current file's position: its inode, generation 1 (after the truncation), at its end.
    let positions = store.positions("live").unwrap();
    let last = positions.iter().max_by_key(|p| p.partition).unwrap();
    assert_eq!(last.partition, 1, "{positions:?}");
    assert_eq!(last.next_offset as u64, std::fs::metadata(&input).unwrap().len());
    drop(store);

    // Restarted, it resumes at the end: nothing is read twice.
    let shutdown = Shutdown::new();
    let options = RunOptions { shutdown: shutdown.clone(), ..RunOptions::default() };
    let run = std::thread::spawn(move || run_blocking(&config, options));
    std::thread::sleep(Duration::from_millis(300));
    shutdown.trigger();
    let again = run.join().unwrap().unwrap();
    assert_eq!(again.consumed, 0, "{again:?}");
}
