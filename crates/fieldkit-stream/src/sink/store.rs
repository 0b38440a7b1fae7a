//! The `store` and `postgres` sinks: batches (size + linger) committed in ONE transaction
//! together with the positions of the sources upstream, retried with exponential backoff while
//! the store is busy or unreachable (the pipeline reports itself degraded meanwhile). The sink
//! writes through [`Backend`], so both stores behave alike.
//!
//! Settled is not durable: acknowledgements are settled before the commit, so a record's
//! [`crate::record::Receipt`] (an HTTP request waiting for its answer) is confirmed only after
//! the commit succeeded.
//!
//! Ordering that makes positions safe: the batch's acknowledgements are settled first, then
//! the sources' watermarks are read and written in the same commit as the rows. A watermark can
//! only include records that are settled, and everything settled elsewhere (filtered, written
//! by a JSONL sink) is already final. This sink is the only writer of those sources' positions
//! (validation allows one store per source), so no other commit can publish them early.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use fieldkit_store::{Backend, Batch, PositionAdvance};
use tokio::sync::mpsc::Receiver;
use tokio::time::{Instant, sleep, sleep_until};

use crate::counters::{Live, add};
use crate::record::{Item, Outcome, Pending, Record, Tracker};
use crate::runtime::RunError;

pub(crate) struct StoreSink {
    pub name: String,
    /// `None` only while a commit runs on the blocking pool.
    pub store: Option<Box<dyn Backend>>,
    pub batch_size: usize,
    pub linger: Duration,
    /// Sources whose positions this sink writes.
    pub sources: Vec<(String, Arc<Tracker>)>,
    pub live: Arc<Live>,
}

impl Drop for StoreSink {
    fn drop(&mut self) {
        // Ended (drained, or failed): sources waiting for durable positions stop waiting.
        for (_, tracker) in &self.sources {
            tracker.close_durable_hook();
        }
    }
}

const MAX_BACKOFF: Duration = Duration::from_secs(5);

impl StoreSink {
    pub async fn run(mut self, mut rx: Receiver<Record>) -> Result<(), RunError> {
        let mut pending: Vec<Record> = Vec::with_capacity(self.batch_size);
        let mut written: HashMap<(String, String, i32), i64> = HashMap::new();
        let mut deadline = Instant::now() + self.linger;
        loop {
            let mut closed = false;
            let room = self.batch_size - pending.len();
            tokio::select! {
                n = rx.recv_many(&mut pending, room) => closed = n == 0,
                () = sleep_until(deadline) => {}
            }
            let due = Instant::now() >= deadline;
            if closed || due || pending.len() >= self.batch_size {
                self.flush(&mut pending, &mut written).await?;
                deadline = Instant::now() + self.linger;
            }
            if closed {
                // Records of these sources may still be settling elsewhere (a JSONL sink on
                // another branch); their positions are this sink's to write, so wait for them.
                while !self.sources.iter().all(|(_, t)| t.quiescent()) {
                    sleep(self.linger.max(Duration::from_millis(5))).await;
                    self.flush(&mut pending, &mut written).await?;
                }
                self.flush(&mut pending, &mut written).await?;
                return Ok(());
            }
        }
    }

    async fn flush(
        &mut self,
        pending: &mut Vec<Record>,
        written: &mut HashMap<(String, String, i32), i64>,
    ) -> Result<(), RunError> {
        let mut batch = Batch::default();
        // Receipts (HTTP requests) are confirmed only after the commit succeeded; if it fails
        // they are dropped unconfirmed and their requests are answered with an error.
        let mut confirms = Vec::new();
        for r in pending.drain(..) {
            let outcome = if matches!(r.item, Item::Event(_)) { Outcome::Kept } else { Outcome::DeadLettered };
            match r.item {
                Item::Event(e) => batch.events.push(*e),
                Item::Dead(d) => batch.dead_letters.push(*d),
                // Validation only wires summaries here; stay total regardless.
                Item::Raw(ref b) => {
                    let item = r.dead(b.clone(), "not_a_summary", "raw record reached a store sink".to_owned());
                    if let Item::Dead(d) = item {
                        batch.dead_letters.push(*d);
                    }
                }
            }
            confirms.push(r.ack.settle_before_commit(outcome));
        }
        let mut advanced = Vec::new();
        for (source, tracker) in &self.sources {
            for (topic, partition, next) in tracker.positions().unwrap_or_default() {
                let key = (source.clone(), topic.clone(), partition);
                if written.get(&key).is_none_or(|&w| next > w) {
                    advanced.push((key, next));
                    batch.positions.push(PositionAdvance {
                        source_name: source.clone(),
                        topic,
                        partition,
                        next_offset: next,
                    });
                }
            }
        }
        if batch.is_empty() {
            return Ok(());
        }
        let mut backoff = Duration::from_millis(50);
        let batch = Arc::new(batch);
        loop {
            let b = batch.clone();
            let Some(mut store) = self.store.take() else {
                return Err(RunError::Sink { sink: self.name.clone(), detail: "store connection lost".into() });
            };
            let (store, result) = tokio::task::spawn_blocking(move || {
                let r = store.commit(&b);
                (store, r)
            })
            .await
            .map_err(|e| RunError::Sink { sink: self.name.clone(), detail: e.to_string() })?;
            self.store = Some(store);
            match result {
                Ok(o) => {
                    add(&self.live.stored, o.events_new);
                    add(&self.live.duplicates, o.events_duplicate + o.dead_letters_duplicate);
                    add(&self.live.dead_lettered, o.dead_letters_new);
                    self.live.degraded.store(false, Ordering::Relaxed);
                    let mut durable: HashMap<String, Vec<(String, i32, i64)>> = HashMap::new();
                    for ((source, topic, partition), v) in advanced {
                        durable.entry(source.clone()).or_default().push((topic.clone(), partition, v));
                        written.insert((source, topic, partition), v);
                    }
                    for (source, tracker) in &self.sources {
                        if let Some(d) = durable.remove(source) {
                            tracker.durable(d);
                        }
                    }
                    confirms.into_iter().for_each(Pending::confirm);
                    return Ok(());
                }
                Err(e) if e.is_retryable() => {
                    // Never drop: the same batch is retried until the store takes it.
                    *self.live.last_store_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(e.to_string());
                    self.live.degraded.store(true, Ordering::Relaxed);
                    add(&self.live.store_retries, 1);
                    sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
                Err(e) => return Err(RunError::Store { sink: self.name.clone(), source: e }),
            }
        }
    }
}
