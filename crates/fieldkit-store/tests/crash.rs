//! `kill -9` in the middle of a stream of commits: after reopening, every committed batch is
//! there in full, nothing of an uncommitted one is, and the stored position says exactly where
//! to resume.
//!
//! The writer is this test binary itself, started as a child with `CRASH_WRITER` set: it
//! resumes from the stored position (replaying the last batch, as a consumer whose offset
//! commit lagged would), then commits batches until it is killed, printing each committed
//! batch number. The parent kills it with SIGKILL at varying moments, mostly mid-transaction.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{SOURCE, TOPIC, advance, dead_letter, event};
use fieldkit_store::{Batch, EventFilter, Store};

const WRITER_ENV: &str = "FIELDKIT_STORE_CRASH_WRITER";
/// Records per batch: big enough that most of the writer's time is inside a transaction.
const BATCH: i64 = 250;
const PARTITIONS: i32 = 2;
const ROUNDS: u64 = 8;

fn batch(partition: i32, n: i64) -> Batch {
    let mut b = Batch::default();
    for offset in n * BATCH..(n + 1) * BATCH {
        if offset % 50 == 7 {
            b.dead_letters.push(dead_letter(partition, offset));
        } else {
            b.events.push(event(partition, offset));
        }
    }
    b.positions.push(advance(partition, (n + 1) * BATCH));
    b
}

/// The child's body; a no-op when run as an ordinary test.
#[test]
fn crash_writer() {
    let Ok(path) = std::env::var(WRITER_ENV) else { return };
    let mut store = Store::open(&path).unwrap();
    let start = |p: i32| store.position(SOURCE, TOPIC, p).unwrap().unwrap_or(0) / BATCH;
    let mut next: Vec<i64> = (0..PARTITIONS).map(|p| (start(p) - 1).max(0)).collect();
    loop {
        for p in 0..PARTITIONS {
            let n = next[p as usize];
            let b = batch(p, n);
            println!("begin {p} {n}");
            store.commit(&b).unwrap();
            println!("committed {p} {n}");
            next[p as usize] += 1;
        }
    }
}

#[test]
fn kill_9_mid_stream_leaves_only_whole_batches() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.db");
    let exe = std::env::current_exe().unwrap();
    let mut seen_committed = vec![-1_i64; PARTITIONS as usize];
    let mut mid_commit = 0;
    for round in 0..ROUNDS {
        let mut child = Command::new(&exe)
            .args(["crash_writer", "--exact", "--nocapture", "--test-threads=1"])
            .env(WRITER_ENV, &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        // Let a few batches through, then kill at a moment that varies by round.
        let wanted = 3 + round * 2;
        let deadline = Instant::now() + Duration::from_secs(120);
        let mut seen = 0;
        while seen < wanted {
            assert!(Instant::now() < deadline, "writer made no progress");
            let Some(line) = lines.next() else { panic!("writer exited early (round {round})") };
            let line = line.unwrap();
            if let Some(rest) = line.strip_prefix("committed ") {
                let mut it = rest.split(' ').map(|x| x.parse::<i64>().unwrap());
                let (p, n) = (it.next().unwrap(), it.next().unwrap());
                seen_committed[p as usize] = seen_committed[p as usize].max(n);
                seen += 1;
            }
        }
        std::thread::sleep(Duration::from_micros(1_500 * round + 300));
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        // Lines the writer printed before dying are commits that returned: they must survive.
        let mut last = String::new();
        for line in lines.map_while(Result::ok) {
            last.clone_from(&line);
            if let Some(rest) = line.strip_prefix("committed ") {
                let mut it = rest.split(' ').map(|x| x.parse::<i64>().unwrap());
                let (p, n) = (it.next().unwrap(), it.next().unwrap());
                seen_committed[p as usize] = seen_committed[p as usize].max(n);
            }
        }
        if last.starts_with("begin ") {
            mid_commit += 1;
        }
        verify(&path, &seen_committed, round);
    }
    // Commits dominate the writer's time, so most kills land inside one; make sure the test
    // really exercised that case (all 8 missing it has odds of about 1 in 65,000).
    assert!(mid_commit >= 1, "no kill landed inside a commit");
}

fn verify(path: &std::path::Path, seen_committed: &[i64], round: u64) {
    let store = Store::open(path).unwrap();
    assert!(store.integrity_check().unwrap().is_empty(), "round {round}: integrity");
    let all = store.events(&EventFilter::default()).unwrap();
    let mut total_expected = (0, 0);
    for p in 0..PARTITIONS {
        let next = store.position(SOURCE, TOPIC, p).unwrap().unwrap_or(0);
        assert_eq!(next % BATCH, 0, "round {round}: position {next} is not a batch boundary");
        let batches = next / BATCH;
        assert!(batches > seen_committed[p as usize], "round {round}: a reported commit was lost");
        // Exactly the records below the position, each once; nothing at or above it.
        let offsets: Vec<i64> = all
            .iter()
            .filter(|e| e.event.source.as_ref().unwrap().partition == p)
            .map(|e| e.event.source.as_ref().unwrap().offset)
            .collect();
        let dead = (0..next).filter(|o| o % 50 == 7).count() as u64;
        assert_eq!(offsets.len() as u64, next as u64 - dead, "round {round}, partition {p}");
        assert!(offsets.iter().all(|&o| o < next && o % 50 != 7));
        let mut sorted = offsets.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), offsets.len(), "round {round}: duplicate events");
        total_expected.0 += next as u64 - dead;
        total_expected.1 += dead;
    }
    let stats = store.stats().unwrap();
    assert_eq!((stats.monitoring, stats.dead_letter), total_expected, "round {round}");
}
