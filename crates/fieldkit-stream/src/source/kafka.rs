//! The `kafka` source: a consumer-group member whose offsets move only after durability.
//!
//! Every message becomes a record whose origin is (topic, partition, offset) and which keeps
//! the message's headers. Offsets are never committed automatically: a store sink writes the
//! source's contiguous watermarks in the same transaction as the rows, then tells this source
//! (through the tracker's durable hook), and only then is `watermark` committed to the group as
//! the next offset to read. On assignment a partition resumes from the store's position when
//! there is one (the store is the truth; the group's offset may lag it), else from the group's
//! committed offset, else from `auto.offset.reset` (earliest unless configured). A revoked
//! partition is forgotten by the tracker, so its records still in flight neither hold back nor
//! publish a position for a partition another member now owns.
//!
//! Broker errors are retried by librdkafka; they are counted and shown in the status, and
//! never end the run.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use fieldkit_events::SourcePosition;
use fieldkit_store::{Backend, InputPosition, StoreTarget};
use rdkafka::client::ClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, RebalanceProtocol, StreamConsumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{Headers, Message};
use rdkafka::types::RDKafkaRespErr;
use rdkafka::{Offset, TopicPartitionList};
use tokio::sync::mpsc::UnboundedReceiver;

use super::now_ms;
use crate::config::KafkaSource;
use crate::counters::{Live, add};
use crate::outputs::Outputs;
use crate::record::{Ack, Item, Origin, Record, Tracker};
use crate::runtime::{RunError, Shutdown};

/// `(topic, partition, next_offset)` positions a store sink committed.
pub(crate) type Durable = Vec<(String, i32, i64)>;

/// The first bytes of an oversized message kept in its dead letter.
const TOO_LARGE_KEEP: usize = 4096;

/// Properties fieldkit sets itself; the parser refuses user values that contradict them.
pub(crate) const FORCED: [(&str, &str); 2] = [("enable.auto.commit", "false"), ("enable.auto.offset.store", "false")];

/// Defaults a user may override in `[sources.NAME.properties]`.
const DEFAULTS: [(&str, &str); 2] = [
    // A new group reads the topic from its start: a pipeline that must lose nothing should not
    // skip what was produced before it first ran.
    ("auto.offset.reset", "earliest"),
    // Statistics carry each partition's consumer lag, which the status line and /metrics show.
    ("statistics.interval.ms", "5000"),
];

/// The librdkafka configuration of a source (no network access).
pub(crate) fn client_config(cfg: &KafkaSource) -> ClientConfig {
    let mut c = ClientConfig::new();
    for (k, v) in DEFAULTS {
        c.set(k, v);
    }
    for (k, v) in &cfg.properties {
        c.set(k, v);
    }
    c.set("bootstrap.servers", &cfg.brokers).set("group.id", &cfg.group);
    for (k, v) in FORCED {
        c.set(k, v);
    }
    c
}

pub(crate) struct KafkaSourceTask {
    pub name: Arc<str>,
    pub cfg: KafkaSource,
    pub max: usize,
    pub tracker: Arc<Tracker>,
    /// Positions stored for this source when the run started.
    pub stored: Vec<InputPosition>,
    /// The store that writes this source's positions: read again on every assignment, so a
    /// partition handed over by another member of the group (sharing the store) resumes where
    /// that member's rows end.
    pub position_store: Option<StoreTarget>,
    /// Positions durably committed by the store sink; `None` when no store sink writes them
    /// (then no offset is ever committed and a restart re-reads from the group's last offset).
    pub durable: Option<UnboundedReceiver<Durable>>,
    pub out: Outputs,
    pub shutdown: Shutdown,
}

/// Shared between the consumer's callbacks and the source task.
struct Ctx {
    name: String,
    store: Option<Mutex<Box<dyn Backend>>>,
    tracker: Arc<Tracker>,
    live: Arc<Live>,
    /// Latest durable position per partition: where an assigned partition resumes.
    positions: Mutex<HashMap<(String, i32), i64>>,
    assigned: Mutex<HashSet<(String, i32)>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Ctx {
    fn note(&self, detail: String) {
        add(&self.live.source_errors, 1);
        *lock(&self.live.last_source_error) = Some(detail);
    }

    fn is_assigned(&self, topic: &str, partition: i32) -> bool {
        lock(&self.assigned).contains(&(topic.to_owned(), partition))
    }

    /// Takes in positions the store holds now (another member may have advanced them).
    fn refresh_positions(&self) {
        let Some(store) = &self.store else { return };
        // Rebalance callbacks run inside the consumer's poll, which may be on async code, where
        // a blocking client (PostgreSQL's) must not run: read on a helper thread.
        let stored = std::thread::scope(|s| s.spawn(|| lock(store).positions(&self.name)).join())
            .unwrap_or_else(|_| Err(fieldkit_store::StoreError::InvalidQuery("position reader panicked".into())));
        match stored {
            Ok(stored) => {
                let mut positions = lock(&self.positions);
                for p in stored {
                    let r = positions.entry((p.topic, p.partition)).or_insert(p.next_offset);
                    *r = (*r).max(p.next_offset);
                }
            }
            Err(e) => self.note(format!("reading stored positions: {e}")),
        }
    }

    /// The durable positions of `parts` this member knows, as a list to commit.
    fn durable_list(&self, parts: &[(String, i32)]) -> TopicPartitionList {
        let positions = lock(&self.positions);
        let mut tpl = TopicPartitionList::new();
        for key in parts {
            if let Some(&next) = positions.get(key)
                && let Err(e) = tpl.add_partition_offset(&key.0, key.1, Offset::Offset(next))
            {
                self.note(format!("kafka: {e}"));
            }
        }
        tpl
    }
}

impl ClientContext for Ctx {
    fn error(&self, error: KafkaError, reason: &str) {
        self.note(format!("kafka: {error}: {reason}"));
    }

    /// Consumer lag: for each partition this member consumes, the messages between its
    /// position and the partition's end, as librdkafka last measured them.
    fn stats(&self, statistics: rdkafka::Statistics) {
        let lag: i64 = statistics
            .topics
            .iter()
            .flat_map(|(topic, t)| t.partitions.iter().map(move |(id, p)| (topic, *id, p.consumer_lag)))
            .filter(|&(topic, id, lag)| id >= 0 && lag >= 0 && self.is_assigned(topic, id))
            .map(|(_, _, lag)| lag)
            .sum();
        lock(&self.live.consumer_lag).insert(self.name.clone(), lag);
    }
}

impl ConsumerContext for Ctx {
    fn rebalance(&self, consumer: &BaseConsumer<Self>, err: RDKafkaRespErr, tpl: &mut TopicPartitionList) {
        let cooperative = matches!(consumer.rebalance_protocol(), RebalanceProtocol::Cooperative);
        let parts: Vec<(String, i32)> = tpl.elements().iter().map(|e| (e.topic().to_owned(), e.partition())).collect();
        let result = match err {
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS => {
                self.refresh_positions();
                let positions = lock(&self.positions);
                let mut assigned = lock(&self.assigned);
                for (topic, partition) in &parts {
                    self.tracker.forget(topic, *partition);
                    if let Some(&next) = positions.get(&(topic.clone(), *partition))
                        && let Err(e) = tpl.set_partition_offset(topic, *partition, Offset::Offset(next))
                    {
                        self.note(format!("kafka: cannot resume {topic}/{partition} at {next}: {e}"));
                    }
                    assigned.insert((topic.clone(), *partition));
                }
                drop((positions, assigned));
                if cooperative { consumer.incremental_assign(tpl) } else { consumer.assign(tpl) }
            }
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS => {
                // Hand over with the group's offsets at what is durable, for a next owner that
                // does not share this store. (Records still in flight are read again there.)
                let durable = self.durable_list(&parts);
                if durable.count() > 0
                    && !consumer.assignment_lost()
                    && let Err(e) = consumer.commit(&durable, CommitMode::Sync)
                {
                    self.note(format!("kafka: committing offsets of revoked partitions: {e}"));
                }
                let mut assigned = lock(&self.assigned);
                for (topic, partition) in &parts {
                    self.tracker.forget(topic, *partition);
                    assigned.remove(&(topic.clone(), *partition));
                }
                drop(assigned);
                if cooperative { consumer.incremental_unassign(tpl) } else { consumer.unassign() }
            }
            other => {
                self.note(format!("kafka: rebalance failed: {}", rdkafka::error::RDKafkaErrorCode::from(other)));
                let mut assigned = lock(&self.assigned);
                for (topic, partition) in assigned.drain() {
                    self.tracker.forget(&topic, partition);
                }
                drop(assigned);
                consumer.unassign()
            }
        };
        if let Err(e) = result {
            self.note(format!("kafka: rebalance: {e}"));
        }
    }
}

impl KafkaSourceTask {
    fn fail(&self, detail: impl std::fmt::Display) -> RunError {
        RunError::Source { source_name: self.name.to_string(), detail: detail.to_string() }
    }

    pub async fn run(self) -> Result<(), RunError> {
        let positions: HashMap<(String, i32), i64> =
            self.stored.iter().map(|p| ((p.topic.clone(), p.partition), p.next_offset)).collect();
        let opened = match self.position_store.clone() {
            Some(t) => Some(
                tokio::task::spawn_blocking(move || t.open_reader())
                    .await
                    .map_err(|e| self.fail(format!("opening the position store: {e}")))?,
            ),
            None => None,
        };
        let store = opened.and_then(|r| match r {
            Ok(s) => Some(Mutex::new(s)),
            Err(e) => {
                // Positions read at start still apply; only hand-overs within this run lose the
                // fresher view (they re-read, and the store counts duplicates).
                add(&self.out.live.source_errors, 1);
                *lock(&self.out.live.last_source_error) = Some(format!("cannot read positions: {e}"));
                None
            }
        });
        let ctx = Ctx {
            name: self.name.to_string(),
            store,
            tracker: self.tracker.clone(),
            live: self.out.live.clone(),
            positions: Mutex::new(positions),
            assigned: Mutex::new(HashSet::new()),
        };
        let consumer: StreamConsumer<Ctx> =
            client_config(&self.cfg).create_with_context(ctx).map_err(|e| self.fail(format!("kafka: {e}")))?;
        let topics: Vec<&str> = self.cfg.topics.iter().map(String::as_str).collect();
        consumer.subscribe(&topics).map_err(|e| self.fail(format!("kafka: cannot subscribe to {topics:?}: {e}")))?;

        let KafkaSourceTask { name, max, tracker, mut durable, out, shutdown, .. } = self;
        loop {
            tokio::select! {
                biased;
                () = shutdown.wait() => break,
                d = next_durable(&mut durable) => match d {
                    Some(d) => commit(&consumer, d),
                    None => durable = None,
                },
                m = consumer.recv() => {
                    let m = match m {
                        Ok(m) => m,
                        Err(e) => {
                            consumer.context().note(format!("kafka: {e}"));
                            tokio::time::sleep(Duration::from_millis(100)).await;
                            continue;
                        }
                    };
                    let (topic, partition, offset) = (m.topic().to_owned(), m.partition(), m.offset());
                    if !consumer.context().is_assigned(&topic, partition) {
                        // Fetched before its partition was revoked: its new owner reads it.
                        continue;
                    }
                    let idx = match tracker.deliver(&topic, partition, offset, offset, offset + 1) {
                        Ok(i) => i,
                        Err(_) => {
                            // The consumer went back (an offset reset): track afresh from here;
                            // the older entry's position is no longer published.
                            tracker.forget(&topic, partition);
                            tracker.deliver(&topic, partition, offset, offset, offset + 1).map_err(|e| {
                                RunError::Source { source_name: name.to_string(), detail: e.to_string() }
                            })?
                        }
                    };
                    let headers = m
                        .headers()
                        .map(|h| h.iter().map(|h| (h.key.to_owned(), h.value.map(<[u8]>::to_vec))).collect())
                        .unwrap_or_default();
                    let payload = m.payload().unwrap_or_default();
                    let position = SourcePosition { topic, partition, offset };
                    let origin =
                        Arc::new(Origin { source: name.clone(), position: Some(position), received_ms: now_ms(), headers });
                    let mut record = Record {
                        origin,
                        item: Item::Raw(Vec::new()),
                        ack: Ack::new(Some(tracker.clone()), idx, offset),
                    };
                    record.item = if payload.len() > max {
                        let head = payload[..TOO_LARGE_KEEP.min(payload.len())].to_vec();
                        let reason = format!(
                            "record is {} bytes, over the limit of {max} bytes (first {} bytes kept)",
                            payload.len(),
                            head.len()
                        );
                        record.dead(head, "too_large", reason)
                    } else {
                        Item::Raw(payload.to_vec())
                    };
                    drop(m);
                    add(&out.live.consumed, 1);
                    if out.send(record).await.is_err() {
                        break;
                    }
                }
            }
        }
        // Stop feeding the pipeline, so the store sink drains, commits its last batch and ends;
        // then commit what it made durable.
        drop(out);
        if let Some(rx) = durable.as_mut() {
            while let Some(d) = rx.recv().await {
                commit(&consumer, d);
            }
        }
        // Wait for the last commit: every durable position of a partition still owned.
        let ctx = consumer.context();
        let owned: Vec<(String, i32)> = lock(&ctx.assigned).iter().cloned().collect();
        let tpl = ctx.durable_list(&owned);
        if tpl.count() > 0
            && let Err(e) = consumer.commit(&tpl, CommitMode::Sync)
        {
            ctx.note(format!("kafka: committing offsets: {e}"));
        }
        Ok(())
    }
}

async fn next_durable(rx: &mut Option<UnboundedReceiver<Durable>>) -> Option<Durable> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// Commits durable positions of partitions this member still owns as the group's offsets.
fn commit(consumer: &StreamConsumer<Ctx>, positions: Durable) {
    let ctx = consumer.context();
    let mut owned = Vec::new();
    {
        let mut resume = lock(&ctx.positions);
        for (topic, partition, next) in positions {
            let r = resume.entry((topic.clone(), partition)).or_insert(next);
            *r = (*r).max(next);
            if ctx.is_assigned(&topic, partition) {
                owned.push((topic, partition));
            }
        }
    }
    let tpl = ctx.durable_list(&owned);
    if tpl.count() > 0
        && let Err(e) = consumer.commit(&tpl, CommitMode::Async)
    {
        ctx.note(format!("kafka: committing offsets: {e}"));
    }
}
