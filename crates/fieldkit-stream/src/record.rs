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
    /// Kafka record headers, in record order (empty for other sources).
    pub headers: Vec<(String, Option<Vec<u8>>)>,
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
    /// Told the positions a store sink has durably committed (the Kafka source commits them
    /// as consumer-group offsets). Dropped when the store sink ends.
    durable_hook: Mutex<Option<DurableHook>>,
}

/// `(topic, partition, next_offset)` positions that are durably stored.
pub(crate) type DurableHook = tokio::sync::mpsc::UnboundedSender<crate::source::kafka::Durable>;

#[derive(Debug, Default)]
struct TrackerInner {
    /// `(topic, partition, watermark, active)`: a partition revoked in a Kafka rebalance is
    /// inactive: its in-flight records no longer hold anything back and its position is no
    /// longer this pipeline's to write. Entries are never removed, since acks hold indexes.
    partitions: Vec<(String, i32, Watermark, bool)>,
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
        let idx = match g.partitions.iter().position(|(t, p, _, a)| *a && t == topic && *p == partition) {
            Some(i) => i,
            None => {
                g.partitions.push((topic.to_owned(), partition, Watermark::new(start), true));
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
        } else if let Some((_, _, w, true)) = g.partitions.get_mut(idx) {
            // Only a source bug could fail here; poisoning keeps the position safe anyway.
            if w.complete(offset).is_err() {
                g.poisoned = true;
            }
        }
    }

    /// True when nothing delivered is still in flight, or positions are frozen anyway.
    pub fn quiescent(&self) -> bool {
        let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.poisoned || g.partitions.iter().all(|(_, _, w, active)| !*active || w.in_flight() == 0)
    }

    /// Forgets a partition this source no longer owns (revoked in a rebalance): its records
    /// still in flight settle without effect and its position is no longer reported.
    pub fn forget(&self, topic: &str, partition: i32) {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        for (t, p, _, active) in g.partitions.iter_mut() {
            if t == topic && *p == partition {
                *active = false;
            }
        }
    }

    /// Installs the receiver of durably committed positions (see [`Tracker::durable`]).
    pub fn set_durable_hook(&self, hook: DurableHook) {
        *self.durable_hook.lock().unwrap_or_else(|p| p.into_inner()) = Some(hook);
    }

    /// Called by the store sink after a commit that wrote these positions succeeded.
    pub fn durable(&self, positions: Vec<(String, i32, i64)>) {
        if let Some(h) = self.durable_hook.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            let _ = h.send(positions);
        }
    }

    /// The store sink writing these positions has ended: no more durable positions will come.
    pub fn close_durable_hook(&self) {
        self.durable_hook.lock().unwrap_or_else(|p| p.into_inner()).take();
    }

    /// `(topic, partition, next_offset)` of every partition; `None` once poisoned.
    pub fn positions(&self) -> Option<Vec<(String, i32, i64)>> {
        let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        (!g.poisoned)
            .then(|| g.partitions.iter().filter(|e| e.3).map(|(t, p, w, _)| (t.clone(), *p, w.next_offset())).collect())
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
///
/// A copy may also carry a [`Receipt`] handle (records of an HTTP request do): settling with
/// [`Ack::settle`] also confirms the receipt, for stages where settled means final (a filter, a
/// JSONL sink after its flush). A sink that settles BEFORE it commits (the store sink, so that
/// the watermark it writes includes the batch) calls [`Ack::settle_before_commit`] and
/// confirms what it returns once the commit succeeded; if the commit fails, dropping the
/// [`Pending`] marks the receipt failed.
#[derive(Debug)]
pub(crate) struct Ack {
    state: Arc<AckState>,
    settled: bool,
    receipt: Option<Receipt>,
}

/// How a copy ended, for the counts a receipt reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Stored or written.
    Kept,
    DeadLettered,
    /// Dropped by a user filter or an unread route.
    Filtered,
}

impl Ack {
    pub fn new(tracker: Option<Arc<Tracker>>, partition: usize, offset: i64) -> Ack {
        Ack {
            state: Arc::new(AckState { tracker, partition, offset, failed: AtomicBool::new(false) }),
            settled: false,
            receipt: None,
        }
    }

    /// Attaches a receipt handle: this copy (and every copy cloned from it) must be confirmed.
    pub fn with_receipt(mut self, receipt: Receipt) -> Ack {
        self.receipt = Some(receipt);
        self
    }

    /// This copy is durably done (written and flushed, or filtered).
    pub fn settle(self, outcome: Outcome) {
        self.settle_before_commit(outcome).confirm();
    }

    /// Settles the watermark share now; the receipt (if any) waits for [`Pending::confirm`].
    pub fn settle_before_commit(mut self, outcome: Outcome) -> Pending {
        self.settled = true;
        Pending { receipt: self.receipt.take(), outcome }
    }
}

impl Clone for Ack {
    fn clone(&self) -> Self {
        Ack { state: Arc::clone(&self.state), settled: false, receipt: self.receipt.clone() }
    }
}

impl Drop for Ack {
    fn drop(&mut self) {
        if !self.settled {
            self.state.failed.store(true, Ordering::Relaxed);
        }
    }
}

/// A settled copy whose durability is still to be confirmed. Dropped unconfirmed (a failed
/// commit), it fails its receipt.
#[derive(Debug)]
#[must_use = "confirm after the commit; dropping fails the receipt"]
pub(crate) struct Pending {
    receipt: Option<Receipt>,
    outcome: Outcome,
}

impl Pending {
    pub fn confirm(self) {
        if let Some(r) = self.receipt {
            r.done(self.outcome);
        }
    }
}

/// What a receipt reports once every copy of every record it covers is done.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ReceiptOutcome {
    /// True only if every handle was confirmed; false if any was dropped unconfirmed.
    pub ok: bool,
    pub kept: u64,
    pub dead_lettered: u64,
    pub filtered: u64,
}

struct ReceiptState {
    failed: AtomicBool,
    kept: std::sync::atomic::AtomicU64,
    dead: std::sync::atomic::AtomicU64,
    filtered: std::sync::atomic::AtomicU64,
    tx: Mutex<Option<tokio::sync::oneshot::Sender<ReceiptOutcome>>>,
}

impl Drop for ReceiptState {
    fn drop(&mut self) {
        let g = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed);
        let outcome = ReceiptOutcome {
            ok: !self.failed.load(Ordering::Relaxed),
            kept: g(&self.kept),
            dead_lettered: g(&self.dead),
            filtered: g(&self.filtered),
        };
        if let Some(tx) = self.tx.get_mut().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = tx.send(outcome);
        }
    }
}

/// A completion handle shared by everything derived from one request (an HTTP POST): the
/// receiver resolves when the last handle is gone, with `ok` only if each was confirmed
/// durably done. Every clone is one more handle that must be confirmed, so fan-out copies are
/// covered without counting them. The submitter holds one handle while it submits and
/// confirms it last, so the receipt cannot resolve before everything was submitted.
pub(crate) struct Receipt {
    state: Arc<ReceiptState>,
    done: bool,
}

impl Receipt {
    pub fn new() -> (Receipt, tokio::sync::oneshot::Receiver<ReceiptOutcome>) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let state = ReceiptState {
            failed: AtomicBool::new(false),
            kept: Default::default(),
            dead: Default::default(),
            filtered: Default::default(),
            tx: Mutex::new(Some(tx)),
        };
        (Receipt { state: Arc::new(state), done: false }, rx)
    }

    /// This handle is durably done.
    pub fn done(mut self, outcome: Outcome) {
        self.done = true;
        let c = match outcome {
            Outcome::Kept => &self.state.kept,
            Outcome::DeadLettered => &self.state.dead,
            Outcome::Filtered => &self.state.filtered,
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// The submitter's own handle: done, counting nothing.
    pub fn release(mut self) {
        self.done = true;
    }
}

impl Clone for Receipt {
    fn clone(&self) -> Self {
        Receipt { state: Arc::clone(&self.state), done: false }
    }
}

impl Drop for Receipt {
    fn drop(&mut self) {
        if !self.done {
            self.state.failed.store(true, Ordering::Relaxed);
        }
    }
}

impl std::fmt::Debug for Receipt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Receipt")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forgotten_partition_neither_holds_back_nor_reports_and_restarts_fresh() {
        let t = Arc::new(Tracker::default());
        let a = t.deliver("k", 0, 10, 10, 11).unwrap();
        let ack10 = Ack::new(Some(t.clone()), a, 10);
        let b = t.deliver("k", 1, 5, 5, 6).unwrap();
        Ack::new(Some(t.clone()), b, 5).settle(Outcome::Kept);
        assert!(!t.quiescent());
        assert_eq!(t.positions().unwrap(), vec![("k".into(), 0, 10), ("k".into(), 1, 6)]);

        t.forget("k", 0);
        assert!(t.quiescent(), "a revoked partition's records in flight do not hold anything back");
        assert_eq!(t.positions().unwrap(), vec![("k".into(), 1, 6)]);
        ack10.settle(Outcome::Kept);
        assert_eq!(t.positions().unwrap(), vec![("k".into(), 1, 6)]);

        // Assigned again, from an earlier offset: a new watermark.
        let c = t.deliver("k", 0, 8, 8, 9).unwrap();
        assert_ne!(a, c);
        Ack::new(Some(t.clone()), c, 8).settle(Outcome::Kept);
        assert_eq!(t.positions().unwrap(), vec![("k".into(), 1, 6), ("k".into(), 0, 9)]);
    }

    #[test]
    fn a_receipt_resolves_ok_only_when_every_copy_is_confirmed() {
        // Two copies (fan-out), one settled before a commit that then succeeds.
        let (r, mut rx) = Receipt::new();
        let a = Ack::new(None, 0, 0).with_receipt(r.clone());
        let b = a.clone();
        a.settle(Outcome::Filtered);
        let pending = b.settle_before_commit(Outcome::Kept);
        r.release();
        assert!(rx.try_recv().is_err(), "settled is not durable");
        pending.confirm();
        assert_eq!(rx.try_recv().unwrap(), ReceiptOutcome { ok: true, kept: 1, dead_lettered: 0, filtered: 1 });

        // A commit that failed: the pending handle is dropped.
        let (r, mut rx) = Receipt::new();
        let a = Ack::new(None, 0, 0).with_receipt(r.clone());
        r.release();
        drop(a.settle_before_commit(Outcome::Kept));
        assert!(!rx.try_recv().unwrap().ok);

        // A copy dropped unsettled (a stage failed).
        let (r, mut rx) = Receipt::new();
        let a = Ack::new(None, 0, 0).with_receipt(r.clone());
        let b = a.clone();
        a.settle(Outcome::Kept);
        r.release();
        drop(b);
        assert!(!rx.try_recv().unwrap().ok);
    }

    #[test]
    fn durable_positions_reach_the_hook_until_it_is_closed() {
        let t = Tracker::default();
        t.durable(vec![("k".into(), 0, 1)]);
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        t.set_durable_hook(tx);
        t.durable(vec![("k".into(), 0, 2)]);
        t.close_durable_hook();
        t.durable(vec![("k".into(), 0, 3)]);
        assert_eq!(rx.try_recv().unwrap(), vec![("k".to_owned(), 0, 2)]);
        assert!(rx.try_recv().is_err());
    }
}
