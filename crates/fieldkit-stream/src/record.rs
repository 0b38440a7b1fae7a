//! Records in flight and the acknowledgements that flow back to their source.
//!
//! Every record carries an [`Ack`]. Fan-out clones it; the source's watermark moves past a
//! record only when EVERY clone was settled (stored, written, filtered or dead-lettered). A
//! clone dropped without being settled (a failing stage, an aborted run) poisons the tracker:
//! from then on this run persists no position for that source, so a restart re-reads rather
//! than skips.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use fieldkit_events::{MonitoringEvent, SourcePosition};
use fieldkit_store::{DeadLetter, Watermark, WatermarkError};

/// What flows between stages.
#[derive(Debug, Clone)]
pub(crate) enum Item {
    /// A JSON payload as read (or as an `extract` rewrote it).
    Raw(Vec<u8>),
    Event(Box<MonitoringEvent>),
    Dead(Box<DeadLetter>),
}

/// Where a record came from, for mappings and dead letters.
#[derive(Debug, Clone)]
pub(crate) struct Origin {
    pub source: Arc<str>,
    /// `None` for sources without positions (stdin).
    pub position: Option<SourcePosition>,
    pub received_ms: i64,
}

#[derive(Debug, Clone)]
pub(crate) struct Record {
    pub origin: Arc<Origin>,
    pub item: Item,
    pub ack: Ack,
}

impl Record {
    /// A dead letter for this record's origin.
    pub fn dead(&self, payload: Vec<u8>, kind: &str, error: String) -> Item {
        Item::Dead(Box::new(DeadLetter {
            source_name: self.origin.source.to_string(),
            position: self.origin.position.clone(),
            received_time_ms: self.origin.received_ms,
            error_kind: kind.to_owned(),
            error,
            payload,
        }))
    }
}

/// The per-source record of what is delivered and what is done, by partition.
#[derive(Debug, Default)]
pub(crate) struct Tracker {
    inner: Mutex<TrackerInner>,
}

#[derive(Debug, Default)]
struct TrackerInner {
    partitions: Vec<(String, i32, Watermark)>,
    poisoned: bool,
}

impl Tracker {
    /// Registers a delivered record spanning `[offset, end)`; returns the partition index.
    pub fn deliver(
        &self,
        topic: &str,
        partition: i32,
        start: i64,
        offset: i64,
        end: i64,
    ) -> Result<usize, WatermarkError> {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let idx = match g.partitions.iter().position(|(t, p, _)| t == topic && *p == partition) {
            Some(i) => i,
            None => {
                g.partitions.push((topic.to_owned(), partition, Watermark::new(start)));
                g.partitions.len() - 1
            }
        };
        g.partitions[idx].2.deliver_span(offset, end)?;
        Ok(idx)
    }

    fn complete(&self, idx: usize, offset: i64, failed: bool) {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if failed {
            g.poisoned = true;
        } else if let Some((_, _, w)) = g.partitions.get_mut(idx) {
            // Only a source bug could fail here; poisoning keeps the position safe anyway.
            if w.complete(offset).is_err() {
                g.poisoned = true;
            }
        }
    }

    /// True when nothing delivered is still in flight, or positions are frozen anyway.
    pub fn quiescent(&self) -> bool {
        let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.poisoned || g.partitions.iter().all(|(_, _, w)| w.in_flight() == 0)
    }

    /// `(topic, partition, next_offset)` of every partition; `None` once poisoned.
    pub fn positions(&self) -> Option<Vec<(String, i32, i64)>> {
        let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        (!g.poisoned).then(|| g.partitions.iter().map(|(t, p, w)| (t.clone(), *p, w.next_offset())).collect())
    }
}

struct AckState {
    tracker: Option<Arc<Tracker>>,
    partition: usize,
    offset: i64,
    failed: AtomicBool,
}

impl Drop for AckState {
    fn drop(&mut self) {
        if let Some(t) = &self.tracker {
            t.complete(self.partition, self.offset, self.failed.load(Ordering::Relaxed));
        }
    }
}

impl std::fmt::Debug for AckState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Ack({})", self.offset)
    }
}

/// One copy's share of a record's acknowledgement. Settle it when this copy is durably done.
#[derive(Debug)]
pub(crate) struct Ack {
    state: Arc<AckState>,
    settled: bool,
}

impl Ack {
    pub fn new(tracker: Option<Arc<Tracker>>, partition: usize, offset: i64) -> Ack {
        Ack { state: Arc::new(AckState { tracker, partition, offset, failed: AtomicBool::new(false) }), settled: false }
    }

    pub fn settle(mut self) {
        self.settled = true;
    }
}

impl Clone for Ack {
    fn clone(&self) -> Self {
        Ack { state: Arc::clone(&self.state), settled: false }
    }
}

impl Drop for Ack {
    fn drop(&mut self) {
        if !self.settled {
            self.state.failed.store(true, Ordering::Relaxed);
        }
    }
}
