//! The `stdin` source: NDJSON until end of input. Stdin cannot be replayed, so it has no
//! positions: its dead letters carry none, and nothing is stored for it to resume from.

use std::sync::Arc;

use tokio::sync::mpsc;

use super::lines::{Line, LineReader, is_blank};
use super::now_ms;
use crate::counters::add;
use crate::outputs::Outputs;
use crate::record::{Ack, Item, Origin, Record, Tracker};
use crate::runtime::{RunError, Shutdown};

pub(crate) async fn run(name: Arc<str>, max: usize, out: Outputs, shutdown: Shutdown) -> Result<(), RunError> {
    // A read of stdin cannot be interrupted, so it runs on a thread of its own that this task
    // forwards from; on shutdown the task stops and the thread ends at its next send.
    let (tx, mut rx) = mpsc::channel::<Line>(64);
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        let mut lock = stdin.lock();
        let mut lines = LineReader::default();
        while let Ok(line) = lines.next(&mut lock, max, true) {
            if matches!(line, Line::Eof) || tx.blocking_send(line).is_err() {
                break;
            }
        }
    });
    let tracker = Arc::new(Tracker::default());
    let mut n: i64 = 0;
    loop {
        let line = tokio::select! {
            l = rx.recv() => l,
            () = shutdown.wait() => None,
        };
        let Some(line) = line else { return Ok(()) };
        let (bytes, len, too_long) = match line {
            Line::Full { bytes, len } => (bytes, len, false),
            Line::TooLong { head, len } => (head, len, true),
            Line::Eof => continue,
        };
        if !too_long && is_blank(&bytes) {
            continue;
        }
        let idx = tracker
            .deliver("stdin", 0, 0, n, n + 1)
            .map_err(|e| RunError::Source { source_name: name.to_string(), detail: e.to_string() })?;
        let origin =
            Arc::new(Origin { source: name.clone(), position: None, received_ms: now_ms(), headers: Vec::new() });
        let mut record = Record { origin, item: Item::Raw(Vec::new()), ack: Ack::new(Some(tracker.clone()), idx, n) };
        n += 1;
        record.item = if too_long {
            record.dead(bytes, "too_large", format!("record is {len} bytes, over the limit of {max} bytes"))
        } else {
            Item::Raw(bytes)
        };
        add(&out.live.consumed, 1);
        if out.send(record).await.is_err() {
            return Ok(());
        }
    }
}
