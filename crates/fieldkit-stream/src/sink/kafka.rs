//! The `kafka` sink: every record produced to a topic by an idempotent producer
//! (`enable.idempotence=true`, `acks=all`), its acknowledgement settled only in the delivery
//! report that says the broker has it.
//!
//! - Summaries are their JSON (the same JSON the stdout / file sinks write), keyed by their
//!   dedup key, so partitioning and log compaction follow the event's identity. Raw records are
//!   written as read, dead letters as `{"dead_letter": {...}}` (to `dead_letter_topic` when one
//!   is set); both are keyed by their position (`SOURCE/TOPIC/PARTITION/OFFSET`) when they have
//!   one, and have no key otherwise.
//! - Headers: `fieldkit-kind` (`summary`, `raw`, `dead_letter`), `fieldkit-source` (the source
//!   stage) and, for records with a position, `fieldkit-source-topic`, `-partition`, `-offset`
//!   (for file sources the topic is the file's key and the offset a byte offset).
//! - Delivery failures are retried by librdkafka (until `message.timeout.ms`); a record whose
//!   delivery fails for good is never settled: it counts in `failed`, its error shows in the
//!   status, and its source's positions stop moving for the rest of the run, so a restart
//!   re-reads it. A fatal producer error (the idempotent producer lost its guarantees) ends
//!   the run.
//! - Bounded memory: librdkafka holds at most `queue.buffering.max.messages` records (10,000
//!   unless configured); when its queue is full the sink waits (the backpressure reaches the
//!   sources), it never drops.
//! - A kafka source whose records reach no store sink has its watermarks published by its
//!   first kafka sink (through the tracker's durable hook) once delivered: its consumer-group
//!   offsets then move only past records the broker acknowledged (and every other copy of them
//!   was settled).

use std::sync::Arc;
use std::time::Duration;

use rdkafka::ClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use tokio::sync::mpsc::Receiver;

use crate::config::KafkaSink;
use crate::counters::{Live, add};
use crate::record::{Ack, Item, Origin, Outcome, Record, Tracker};
use crate::runtime::RunError;
use crate::sink::jsonl::dead_letter_json;
use crate::source::kafka::Durable;

/// Records taken from the input channel at once.
const CHUNK: usize = 256;

/// How often delivered positions are published to the sources (and a full queue retried).
const TICK: Duration = Duration::from_millis(100);

/// Properties fieldkit sets itself; the parser refuses user values that contradict them.
const FORCED: [(&str, &str); 2] = [("enable.idempotence", "true"), ("acks", "all")];

/// Defaults a user may override in `[sinks.NAME.properties]`: they bound what librdkafka holds.
const DEFAULTS: [(&str, &str); 2] =
    [("queue.buffering.max.messages", "10000"), ("queue.buffering.max.kbytes", "65536")];

/// The librdkafka configuration of a kafka sink (no network access).
pub(crate) fn client_config(cfg: &KafkaSink) -> ClientConfig {
    let mut c = ClientConfig::new();
    for (k, v) in DEFAULTS {
        c.set(k, v);
    }
    for (k, v) in &cfg.properties {
        c.set(k, v);
    }
    c.set("bootstrap.servers", &cfg.brokers);
    for (k, v) in FORCED {
        c.set(k, v);
    }
    c
}

pub(crate) struct KafkaSinkTask {
    pub name: String,
    pub cfg: KafkaSink,
    /// Kafka sources whose positions no store writes and this sink publishes once delivered.
    pub publishes: Vec<Arc<Tracker>>,
    pub live: Arc<Live>,
}

/// What a delivery report settles.
struct Delivery {
    ack: Ack,
    dead: bool,
}

struct Ctx {
    live: Arc<Live>,
}

fn note(live: &Live, detail: String) {
    *live.last_sink_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(detail);
}

impl ClientContext for Ctx {
    fn error(&self, error: KafkaError, reason: &str) {
        note(&self.live, format!("kafka: {error}: {reason}"));
    }
}

impl ProducerContext for Ctx {
    type DeliveryOpaque = Box<Delivery>;

    fn delivery(&self, result: &DeliveryResult<'_>, delivery: Box<Delivery>) {
        let Delivery { ack, dead } = *delivery;
        match result {
            Ok(_) => {
                if dead {
                    add(&self.live.dead_lettered, 1);
                    ack.settle(Outcome::DeadLettered);
                } else {
                    add(&self.live.written, 1);
                    ack.settle(Outcome::Kept);
                }
            }
            Err((e, _)) => {
                // Not settled: dropping the ack holds the source's positions back.
                add(&self.live.failed, 1);
                note(&self.live, format!("kafka: delivery failed for good: {e}"));
                drop(ack);
            }
        }
    }
}

/// Publishes delivered watermarks; closes the sources' durable hooks when dropped.
struct Publisher {
    trackers: Vec<(Arc<Tracker>, Option<Durable>)>,
}

impl Publisher {
    fn publish(&mut self) {
        for (tracker, last) in &mut self.trackers {
            if let Some(p) = tracker.positions()
                && last.as_ref() != Some(&p)
            {
                tracker.durable(p.clone());
                *last = Some(p);
            }
        }
    }

    fn quiescent(&self) -> bool {
        self.trackers.iter().all(|(t, _)| t.quiescent())
    }
}

impl Drop for Publisher {
    fn drop(&mut self) {
        for (tracker, _) in &self.trackers {
            tracker.close_durable_hook();
        }
    }
}

impl KafkaSinkTask {
    fn fail(&self, detail: impl std::fmt::Display) -> RunError {
        RunError::Sink { sink: self.name.clone(), detail: detail.to_string() }
    }

    fn fatal(&self, producer: &ThreadedProducer<Ctx>) -> Result<(), RunError> {
        match producer.client().fatal_error() {
            Some((code, reason)) => Err(self.fail(format!("kafka: fatal producer error: {code}: {reason}"))),
            None => Ok(()),
        }
    }

    pub async fn run(self, mut rx: Receiver<Record>) -> Result<(), RunError> {
        let mut publisher = Publisher { trackers: self.publishes.iter().map(|t| (t.clone(), None)).collect() };
        let producer: ThreadedProducer<Ctx> = client_config(&self.cfg)
            .create_with_context(Ctx { live: self.live.clone() })
            .map_err(|e| self.fail(format!("kafka: {e}")))?;
        let mut buf = Vec::with_capacity(CHUNK);
        let mut tick = tokio::time::interval(TICK);
        loop {
            tokio::select! {
                n = rx.recv_many(&mut buf, CHUNK) => {
                    if n == 0 {
                        break;
                    }
                    for r in buf.drain(..) {
                        self.produce(&producer, &mut publisher, r).await;
                    }
                }
                _ = tick.tick() => publisher.publish(),
            }
            self.fatal(&producer)?;
        }
        // Every record handed to librdkafka ends delivered or failed (it retries until
        // `message.timeout.ms`): wait for each report.
        while producer.in_flight_count() > 0 {
            self.fatal(&producer)?;
            tokio::time::sleep(Duration::from_millis(10)).await;
            publisher.publish();
        }
        // Copies of the same records other stages hold also decide the positions.
        while !publisher.quiescent() {
            tokio::time::sleep(Duration::from_millis(10)).await;
            publisher.publish();
        }
        publisher.publish();
        Ok(())
    }

    /// Hands one record to librdkafka, waiting while its queue is full.
    async fn produce(&self, producer: &ThreadedProducer<Ctx>, publisher: &mut Publisher, r: Record) {
        let Record { origin, item, ack } = r;
        let (kind, dead) = match &item {
            Item::Event(_) => ("summary", false),
            Item::Raw(_) => ("raw", false),
            Item::Dead(_) => ("dead_letter", true),
        };
        let encoded = match &item {
            Item::Event(e) => serde_json::to_vec(e),
            Item::Dead(d) => serde_json::to_vec(&dead_letter_json(d)),
            Item::Raw(_) => Ok(Vec::new()),
        };
        let encoded = match encoded {
            Ok(v) => v,
            Err(e) => {
                add(&self.live.failed, 1);
                note(&self.live, format!("kafka: cannot encode a record: {e}"));
                return;
            }
        };
        let (payload, key): (&[u8], Option<String>) = match &item {
            Item::Event(e) => (&encoded, Some(e.dedup_key.clone())),
            Item::Raw(b) => (b, position_key("", &origin)),
            Item::Dead(_) => (&encoded, position_key("dead_letter/", &origin)),
        };
        let topic = match (&item, &self.cfg.dead_letter_topic) {
            (Item::Dead(_), Some(t)) => t.as_str(),
            _ => self.cfg.topic.as_str(),
        };
        let mut rec: BaseRecord<'_, [u8], [u8], Box<Delivery>> =
            BaseRecord::with_opaque_to(topic, Box::new(Delivery { ack, dead }))
                .payload(payload)
                .headers(headers(kind, &origin));
        if let Some(k) = &key {
            rec = rec.key(k.as_bytes());
        }
        loop {
            match producer.send(rec) {
                Ok(()) => return,
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    // Backpressure: wait for deliveries to make room; never drop.
                    rec = back;
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    publisher.publish();
                }
                Err((e, back)) => {
                    // Refused outright (too large, fatal error): failed, never settled.
                    add(&self.live.failed, 1);
                    note(&self.live, format!("kafka: cannot produce to `{topic}`: {e}"));
                    drop(back);
                    return;
                }
            }
        }
    }
}

/// `PREFIX SOURCE/TOPIC/PARTITION/OFFSET` for records with a position.
fn position_key(prefix: &str, origin: &Origin) -> Option<String> {
    let p = origin.position.as_ref()?;
    Some(format!("{prefix}{}/{}/{}/{}", origin.source, p.topic, p.partition, p.offset))
}

fn headers(kind: &str, origin: &Origin) -> OwnedHeaders {
    let mut h = OwnedHeaders::new_with_capacity(5)
        .insert(Header { key: "fieldkit-kind", value: Some(kind) })
        .insert(Header { key: "fieldkit-source", value: Some(&*origin.source) });
    if let Some(p) = &origin.position {
        h = h
            .insert(Header { key: "fieldkit-source-topic", value: Some(&p.topic) })
            .insert(Header { key: "fieldkit-source-partition", value: Some(&p.partition.to_string()) })
            .insert(Header { key: "fieldkit-source-offset", value: Some(&p.offset.to_string()) });
    }
    h
}
