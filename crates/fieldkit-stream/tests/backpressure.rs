//! Backpressure and degraded operation: a sink that cannot keep up (a store locked by another
//! connection, a reader that drains a FIFO slowly) stops the source instead of growing memory,
//! and nothing is lost once it catches up.

mod common;

use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fieldkit_store::Store;
use fieldkit_stream::{RunOptions, Status, run_blocking, validate};

const CAPACITY: usize = 64;
/// Records that can be in memory: two stage channels, one transform chunk, one store batch
/// (100) or JSONL chunk (256), and the record each producer holds while it waits.
const STORE_BOUND: u64 = (2 * CAPACITY + 64 + 100 + 3) as u64;
const JSONL_BOUND: u64 = (2 * CAPACITY + 64 + 256 + 3) as u64;

fn sampler() -> (Arc<Mutex<Vec<Status>>>, RunOptions) {
    let samples = Arc::new(Mutex::new(Vec::new()));
    let s = samples.clone();
    let options = RunOptions {
        status: Some(Box::new(move |st: &Status| s.lock().unwrap().push(st.clone()))),
        status_interval: Duration::from_millis(10),
        ..RunOptions::default()
    };
    (samples, options)
}

#[test]
fn locked_store_is_degraded_then_resumes_with_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.ndjson");
    let db = dir.path().join("s.db");
    common::write_input(&input, 0..20_000);
    drop(Store::open(&db).unwrap());
    let mut config = common::file_to_store(&input, &db, "busy_timeout_ms = 50");
    config.pipeline.channel_capacity = CAPACITY;
    if let fieldkit_stream::config::SinkKind::Store { batch_size, .. } = &mut config.sinks[0].kind {
        *batch_size = 100;
    }

    // Another connection holds the write lock.
    let locker = rusqlite::Connection::open(&db).unwrap();
    locker.execute_batch("BEGIN IMMEDIATE").unwrap();

    let (samples, options) = sampler();
    let run = std::thread::spawn(move || run_blocking(&config, options));
    std::thread::sleep(Duration::from_millis(1500));
    {
        let s = samples.lock().unwrap();
        let last = s.last().expect("status samples");
        assert!(last.degraded, "{last:?}");
        assert_eq!(last.counters.stored, 0);
        assert!(last.counters.store_retries > 0);
        let max_consumed = s.iter().map(|x| x.counters.consumed).max().unwrap();
        assert!(max_consumed <= STORE_BOUND, "read {max_consumed} records while the store was locked");
        assert!(s.iter().flat_map(|x| &x.queues).all(|q| q.len <= q.capacity && q.capacity == CAPACITY));
        // The source really is blocked, not just slow: the channels are full.
        assert!(s.iter().flat_map(|x| &x.queues).any(|q| q.len == CAPACITY), "no channel filled up");
    }
    locker.execute_batch("COMMIT").unwrap();
    let c = run.join().unwrap().unwrap();
    assert_eq!((c.stored, c.dead_lettered), (19_800, 200), "{c:?}");
    assert!(c.reconciles());
    let s = samples.lock().unwrap();
    let first_degraded = s.iter().position(|x| x.degraded).unwrap();
    assert!(s[first_degraded..].iter().any(|x| !x.degraded && x.counters.stored > 0), "never recovered");
    assert!(s[first_degraded].to_string().contains("DEGRADED"), "{}", s[first_degraded]);
    let stats = Store::open(&db).unwrap().stats().unwrap();
    assert_eq!((stats.monitoring, stats.dead_letter), (19_800, 200));
}

#[test]
fn slow_sink_keeps_memory_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.ndjson");
    let fifo = dir.path().join("out.fifo");
    common::write_input(&input, 0..5_000);
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let text = format!(
        r#"
[pipeline]
channel_capacity = {CAPACITY}
max_record_bytes = {max}
[sources.in]
type = "file"
path = "{input}"
[transforms.sum]
type = "summarize"
inputs = ["in"]
[sinks.out]
type = "file"
inputs = ["sum"]
path = "{fifo}"
"#,
        max = common::MAX_RECORD,
        input = input.display(),
        fifo = fifo.display()
    );
    let config = validate(&text, std::iter::empty()).unwrap();
    // The reader: about 2 MB/s, far slower than the pipeline.
    let reader_path = fifo.clone();
    let reader = std::thread::spawn(move || {
        let mut f = std::fs::File::open(reader_path).unwrap();
        let mut buf = vec![0; 4096];
        let mut lines = 0;
        loop {
            match f.read(&mut buf).unwrap() {
                0 => return lines,
                n => lines += buf[..n].iter().filter(|&&b| b == b'\n').count(),
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    });
    let (samples, options) = sampler();
    let c = run_blocking(&config, options).unwrap();
    assert_eq!(reader.join().unwrap(), 5_000);
    assert_eq!((c.written, c.dead_lettered), (4_950, 50));
    assert!(c.reconciles());
    let s = samples.lock().unwrap();
    assert!(s.len() > 10, "the run was too quick to observe");
    let max_in_flight = s.iter().map(|x| x.counters.in_flight()).max().unwrap();
    assert!(max_in_flight as u64 <= JSONL_BOUND, "{max_in_flight} records in flight");
    assert!(s.iter().flat_map(|x| &x.queues).any(|q| q.len == CAPACITY), "the sink never held the pipeline back");
}
