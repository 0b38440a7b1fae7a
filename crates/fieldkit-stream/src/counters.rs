//! Counters every stage updates and the CLI and `/metrics` read.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use serde::Serialize;

/// A snapshot. For every finished run, and at any moment with `in_flight` added:
/// `consumed + fanned_out = stored + duplicates + filtered + dead_lettered + written + failed`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    /// Records read by sources.
    pub consumed: u64,
    /// Summaries newly written to a store.
    pub stored: u64,
    /// Summaries and dead letters a store already held (replays after a crash).
    pub duplicates: u64,
    /// Records a user `filter` (or a `route` with no taker) dropped.
    pub filtered: u64,
    /// Records written to a dead-letter store (or a JSONL sink as dead letters).
    pub dead_lettered: u64,
    /// Records written by `stdout` / `file` sinks.
    pub written: u64,
    /// Records a sink gave up on (a Kafka delivery that failed for good). Never settled: the
    /// source's position stays before them for the rest of the run, so a restart re-reads them.
    pub failed: u64,
    /// Extra copies made where one output feeds several stages.
    pub fanned_out: u64,
    /// Store commits retried because the store was busy.
    pub store_retries: u64,
    /// Errors a source reported and recovered from (a Kafka broker down, a failed commit).
    pub source_errors: u64,
    /// HTTP requests (`http` source or `[api]`) refused for a missing or wrong bearer token.
    pub http_unauthorized: u64,
}

impl Counters {
    /// Records consumed (and copied) but not yet settled.
    pub fn in_flight(&self) -> i64 {
        (self.consumed + self.fanned_out) as i64
            - (self.stored + self.duplicates + self.filtered + self.dead_lettered + self.written + self.failed) as i64
    }

    /// True when every consumed record is accounted for.
    pub fn reconciles(&self) -> bool {
        self.in_flight() == 0
    }
}

#[derive(Debug, Default)]
pub(crate) struct Live {
    pub consumed: AtomicU64,
    pub stored: AtomicU64,
    pub duplicates: AtomicU64,
    pub filtered: AtomicU64,
    pub dead_lettered: AtomicU64,
    pub written: AtomicU64,
    pub failed: AtomicU64,
    pub fanned_out: AtomicU64,
    pub store_retries: AtomicU64,
    pub source_errors: AtomicU64,
    pub http_unauthorized: AtomicU64,
    pub last_source_error: std::sync::Mutex<Option<String>>,
    /// Kafka consumer lag per source (messages behind the partition ends it consumes), from
    /// librdkafka's statistics; absent until the first statistics arrive.
    pub consumer_lag: std::sync::Mutex<std::collections::BTreeMap<String, i64>>,
    /// The last error a sink reported (a failed Kafka delivery, a broker error).
    pub last_sink_error: std::sync::Mutex<Option<String>>,
    /// Why the store last refused a batch (busy, unreachable), while degraded.
    pub last_store_error: std::sync::Mutex<Option<String>>,
    pub degraded: AtomicBool,
}

pub(crate) fn add(c: &AtomicU64, n: u64) {
    c.fetch_add(n, Ordering::Relaxed);
}

impl Live {
    pub fn snapshot(&self) -> Counters {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Counters {
            consumed: g(&self.consumed),
            stored: g(&self.stored),
            duplicates: g(&self.duplicates),
            filtered: g(&self.filtered),
            dead_lettered: g(&self.dead_lettered),
            written: g(&self.written),
            failed: g(&self.failed),
            fanned_out: g(&self.fanned_out),
            store_retries: g(&self.store_retries),
            source_errors: g(&self.source_errors),
            http_unauthorized: g(&self.http_unauthorized),
        }
    }
}
