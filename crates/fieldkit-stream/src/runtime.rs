//! Wiring a [`Config`] into tasks and running it.
//!
//! Every transform and sink has ONE bounded input channel of `channel_capacity` records;
//! producers wait when it is full, so a slow sink slows the sources down instead of letting
//! memory grow. Records in memory at any moment are at most
//! `Σ stages (channel_capacity + chunk)` plus each store sink's `batch_size`, where the chunk
//! is 64 records for transforms and 256 for JSONL sinks; each record is at most
//! `max_record_bytes` of payload (plus its summary, smaller than the payload). With the
//! defaults (1,024 records, 1 MiB) and file → summarize → store (batch 1,000), that is
//! (2 × 1,024 + 64 + 1,000) × 1 MiB ≈ 3 GiB in the worst case of maximal records, and
//! about 6 MiB for typical 2 KB notifications. Lower `channel_capacity` or `max_record_bytes`
//! to lower the bound.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use fieldkit_store::{Backend, InputPosition, StoreError, StoreTarget};
use tokio::sync::Notify;
use tokio::sync::mpsc::{self, Receiver, Sender, WeakSender};

use crate::config::graph::{kafka_sinks_of, store_sinks_of};
use crate::config::{Config, SinkKind, SourceKind, TransformKind, UNMATCHED_ROUTE};
use crate::counters::{Counters, Live, add};
use crate::outputs::Outputs;
use crate::record::{Record, Tracker};
use crate::redact::RedactStage;
use crate::sink::jsonl::{self, Target};
use crate::sink::kafka::KafkaSinkTask;
use crate::sink::store::StoreSink;
use crate::source::file::FileSource;
use crate::source::kafka::KafkaSourceTask;
use crate::source::stdin;

/// Asks a running pipeline to stop reading, drain what is in flight and return.
#[derive(Clone, Default)]
pub struct Shutdown(Arc<(AtomicBool, Notify)>);

impl Shutdown {
    pub fn new() -> Self {
        Shutdown::default()
    }

    pub fn trigger(&self) {
        self.0.0.store(true, Ordering::SeqCst);
        self.0.1.notify_waiters();
    }

    pub fn is_triggered(&self) -> bool {
        self.0.0.load(Ordering::SeqCst)
    }

    /// Resolves once triggered.
    pub async fn wait(&self) {
        loop {
            let notified = self.0.1.notified();
            if self.is_triggered() {
                return;
            }
            notified.await;
        }
    }
}

/// A periodic view of a running pipeline.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Status {
    pub counters: Counters,
    /// A store is refusing writes (locked, or unreachable); batches are being retried.
    pub degraded: bool,
    /// While degraded: why the store last refused a batch.
    pub last_store_error: Option<String>,
    /// Records waiting in each stage's input channel.
    pub queues: Vec<QueueStatus>,
    /// The last error a source recovered from (see `counters.source_errors`).
    pub last_source_error: Option<String>,
    /// The last error a sink reported: a failed Kafka delivery (see `counters.failed`) or a
    /// broker error librdkafka is retrying.
    pub last_sink_error: Option<String>,
    /// Kafka consumer lag per source: messages between its positions and the partition ends.
    pub consumer_lag: std::collections::BTreeMap<String, i64>,
    /// Records per second since the previous status (none in the first).
    pub rates: Option<Rates>,
}

/// Throughput between two statuses.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Rates {
    pub consumed_per_s: f64,
    /// Summaries stored, dead letters and records written by JSONL sinks.
    pub settled_per_s: f64,
}

impl Rates {
    fn between(before: &Counters, after: &Counters, secs: f64) -> Option<Rates> {
        let settled = |c: &Counters| c.stored + c.duplicates + c.dead_lettered + c.written + c.filtered;
        (secs > 0.0).then(|| Rates {
            consumed_per_s: after.consumed.saturating_sub(before.consumed) as f64 / secs,
            settled_per_s: settled(after).saturating_sub(settled(before)) as f64 / secs,
        })
    }
}

/// The periodic one-line status: counts, records in flight, the fullest queue, and whether a
/// store is refusing writes.
impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = &self.counters;
        write!(
            f,
            "consumed {} stored {} duplicates {} filtered {} dead-lettered {} written {} in-flight {}",
            c.consumed,
            c.stored,
            c.duplicates,
            c.filtered,
            c.dead_lettered,
            c.written,
            c.in_flight()
        )?;
        if let Some(r) = &self.rates {
            write!(f, " rate {:.0}/s in {:.0}/s out", r.consumed_per_s, r.settled_per_s)?;
        }
        for (source, lag) in &self.consumer_lag {
            write!(f, " lag {source} {lag}")?;
        }
        if let Some(q) = self.queues.iter().max_by_key(|q| q.len) {
            write!(f, " fullest-queue {} {}/{}", q.stage, q.len, q.capacity)?;
        }
        if self.degraded {
            write!(f, " DEGRADED: store busy or unreachable, retried {} times", c.store_retries)?;
            if let Some(e) = &self.last_store_error {
                write!(f, " (last: {e})")?;
            }
        }
        if let Some(e) = &self.last_source_error {
            write!(f, " source-errors {} (last: {e})", c.source_errors)?;
        }
        if c.failed > 0 {
            write!(f, " FAILED {} (positions held back; a restart re-reads them)", c.failed)?;
        }
        if let Some(e) = &self.last_sink_error {
            write!(f, " sink-error (last: {e})")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct QueueStatus {
    pub stage: String,
    pub len: usize,
    pub capacity: usize,
}

/// Reads the live state of a running pipeline: for the status line and `/metrics`.
pub(crate) struct Probe {
    live: Arc<Live>,
    /// Weak, so that the probe does not keep channels open after their producers finish.
    queues: Vec<(String, WeakSender<Record>)>,
}

impl Probe {
    pub fn live(&self) -> &Live {
        &self.live
    }

    pub fn status(&self) -> Status {
        let live = &self.live;
        let mut queues: Vec<QueueStatus> = self
            .queues
            .iter()
            .filter_map(|(n, w)| {
                let s = w.upgrade()?;
                Some(QueueStatus { stage: n.clone(), len: s.max_capacity() - s.capacity(), capacity: s.max_capacity() })
            })
            .collect();
        queues.sort_by(|a, b| a.stage.cmp(&b.stage));
        Status {
            counters: live.snapshot(),
            degraded: live.degraded.load(Ordering::Relaxed),
            last_store_error: live
                .degraded
                .load(Ordering::Relaxed)
                .then(|| live.last_store_error.lock().unwrap_or_else(|p| p.into_inner()).clone())
                .flatten(),
            last_source_error: live.last_source_error.lock().unwrap_or_else(|p| p.into_inner()).clone(),
            consumer_lag: live.consumer_lag.lock().unwrap_or_else(|p| p.into_inner()).clone(),
            rates: None,
            last_sink_error: live.last_sink_error.lock().unwrap_or_else(|p| p.into_inner()).clone(),
            queues,
        }
    }
}

/// Receives each periodic [`Status`].
pub type StatusCallback = Box<dyn Fn(&Status) + Send + Sync>;

/// How [`run`] is driven by its caller.
pub struct RunOptions {
    pub shutdown: Shutdown,
    /// Called every `status_interval` while the pipeline runs.
    pub status: Option<StatusCallback>,
    pub status_interval: Duration,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions { shutdown: Shutdown::new(), status: None, status_interval: Duration::from_secs(10) }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("source `{source_name}`: {detail}")]
    Source { source_name: String, detail: String },
    #[error("sink `{sink}`: {detail}")]
    Sink { sink: String, detail: String },
    #[error("transform `{transform}`: {detail}")]
    Transform { transform: String, detail: String },
    #[error("sink `{sink}`: {source}")]
    Store { sink: String, source: StoreError },
    #[error("cannot start the runtime: {0}")]
    Runtime(std::io::Error),
}

/// Runs `config` on a runtime of its own until the sources end (or `shutdown`), then drains.
pub fn run_blocking(config: &Config, options: RunOptions) -> Result<Counters, RunError> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(RunError::Runtime)?;
    rt.block_on(run(config, options))
}

/// Runs `config` until every source ends or `shutdown` is triggered, draining everything in
/// flight; returns the final counters.
pub async fn run(config: &Config, options: RunOptions) -> Result<Counters, RunError> {
    let live = Arc::new(Live::default());
    let cap = config.pipeline.channel_capacity;
    let shutdown = options.shutdown.clone();

    // One input channel per consuming stage.
    let mut senders: HashMap<String, Sender<Record>> = HashMap::new();
    let mut receivers: HashMap<String, Receiver<Record>> = HashMap::new();
    for name in config.transforms.iter().map(|t| &t.name).chain(config.sinks.iter().map(|s| &s.name)) {
        let (tx, rx) = mpsc::channel(cap);
        senders.insert(name.clone(), tx);
        receivers.insert(name.clone(), rx);
    }
    let outputs_of = |output: &str| -> Outputs {
        let mut targets = Vec::new();
        let consumers = config
            .transforms
            .iter()
            .map(|t| (&t.name, &t.inputs))
            .chain(config.sinks.iter().map(|s| (&s.name, &s.inputs)));
        for (name, inputs) in consumers {
            if inputs.iter().any(|i| i == output)
                && let Some(tx) = senders.get(name)
            {
                targets.push(tx.clone());
            }
        }
        Outputs { targets, live: live.clone() }
    };
    let probe = Arc::new(Probe {
        live: live.clone(),
        queues: senders.iter().map(|(n, s)| (n.clone(), s.downgrade())).collect(),
    });
    let trackers: HashMap<String, Arc<Tracker>> =
        config.sources.iter().map(|s| (s.name.clone(), Arc::new(Tracker::default()))).collect();

    let mut tasks = tokio::task::JoinSet::new();

    // Sinks first: opening stores yields the positions sources resume from.
    let mut stored_positions: HashMap<String, Vec<fieldkit_store::InputPosition>> = HashMap::new();
    for sink in &config.sinks {
        let rx = receivers
            .remove(&sink.name)
            .ok_or_else(|| RunError::Sink { sink: sink.name.clone(), detail: "no input".into() })?;
        match &sink.kind {
            kind @ (SinkKind::Store { .. } | SinkKind::Postgres { .. }) => {
                let Some((target, batch_size, linger)) = kind.store_target() else { continue };
                let mine: Vec<String> = config
                    .sources
                    .iter()
                    .filter(|src| store_sinks_of(config, &src.name).contains(&sink.name))
                    .map(|src| src.name.clone())
                    .collect();
                let (store, positions) = open_store(&sink.name, &target, &mine, &live).await?;
                stored_positions.extend(positions);
                let sources = mine.iter().map(|name| (name.clone(), trackers[name].clone())).collect();
                let s = StoreSink {
                    name: sink.name.clone(),
                    store: Some(store),
                    batch_size,
                    linger,
                    sources,
                    live: live.clone(),
                };
                tasks.spawn(s.run(rx));
            }
            SinkKind::Stdout => {
                tasks.spawn(jsonl::run(sink.name.clone(), Target::Stdout, live.clone(), rx));
            }
            SinkKind::File { path } => {
                tasks.spawn(jsonl::run(sink.name.clone(), Target::File(path.clone()), live.clone(), rx));
            }
            SinkKind::Kafka(cfg) => {
                // Kafka sources no store writes positions for: their first kafka sink publishes
                // their watermarks once delivered, and the source commits them as offsets.
                let publishes = config
                    .sources
                    .iter()
                    .filter(|src| {
                        matches!(src.kind, SourceKind::Kafka(_))
                            && store_sinks_of(config, &src.name).is_empty()
                            && kafka_sinks_of(config, &src.name).first() == Some(&sink.name)
                    })
                    .map(|src| trackers[&src.name].clone())
                    .collect();
                let k = KafkaSinkTask { name: sink.name.clone(), cfg: cfg.clone(), publishes, live: live.clone() };
                tasks.spawn(k.run(rx));
            }
        }
    }

    for t in &config.transforms {
        let Some(rx) = receivers.remove(&t.name) else { continue };
        let outs = match &t.kind {
            TransformKind::Route { routes } => routes
                .iter()
                .map(|(r, _)| r.as_str())
                .chain([UNMATCHED_ROUTE])
                .map(|r| (r.to_owned(), outputs_of(&format!("{}.{r}", t.name))))
                .collect(),
            _ => vec![(String::new(), outputs_of(&t.name))],
        };
        let kind = t.kind.clone();
        let redact = match &t.kind {
            TransformKind::Redact(spec) => Some(
                RedactStage::open(spec.clone())
                    .map_err(|detail| RunError::Transform { transform: t.name.clone(), detail })?,
            ),
            _ => None,
        };
        tasks.spawn(async move {
            crate::transform::run(kind, redact, rx, outs).await;
            Ok(())
        });
    }

    for src in &config.sources {
        let out = outputs_of(&src.name);
        let name: Arc<str> = Arc::from(src.name.as_str());
        match &src.kind {
            SourceKind::File { path, follow, poll_interval } => {
                let fs = FileSource {
                    name,
                    path: path.clone(),
                    follow: *follow,
                    poll: *poll_interval,
                    max: config.pipeline.max_record_bytes,
                    tracker: trackers[&src.name].clone(),
                    stored: stored_positions.remove(&src.name).unwrap_or_default(),
                    out,
                    shutdown: shutdown.clone(),
                };
                tasks.spawn(async move {
                    tokio::task::spawn_blocking(move || fs.run())
                        .await
                        .map_err(|e| RunError::Source { source_name: "file".into(), detail: e.to_string() })?
                });
            }
            SourceKind::Stdin => {
                tasks.spawn(stdin::run(name, config.pipeline.max_record_bytes, out, shutdown.clone()));
            }
            SourceKind::Kafka(cfg) => {
                let tracker = trackers[&src.name].clone();
                // Offsets are committed once a store sink has made the records durable, or
                // (without a store) once a kafka sink's broker acknowledged them.
                let publisher =
                    !store_sinks_of(config, &src.name).is_empty() || !kafka_sinks_of(config, &src.name).is_empty();
                let durable = publisher.then(|| {
                    let (tx, rx) = mpsc::unbounded_channel();
                    tracker.set_durable_hook(tx);
                    rx
                });
                let position_store = store_sinks_of(config, &src.name).first().and_then(|sink| {
                    config.sinks.iter().find(|s| &s.name == sink).and_then(|s| s.kind.store_target()).map(|t| t.0)
                });
                let k = KafkaSourceTask {
                    position_store,
                    name,
                    cfg: cfg.clone(),
                    max: config.pipeline.max_record_bytes,
                    tracker,
                    stored: stored_positions.remove(&src.name).unwrap_or_default(),
                    durable,
                    out,
                    shutdown: shutdown.clone(),
                };
                tasks.spawn(k.run());
            }
            SourceKind::Http(cfg) => {
                let listener = crate::http::bind(&src.name, &cfg.endpoint).await?;
                let max = config.pipeline.max_record_bytes;
                tasks.spawn(crate::http::ingest::run(name, cfg.clone(), max, out, listener, shutdown.clone()));
            }
        }
    }
    // `/metrics` and `/health` serve until the pipeline has drained.
    let api_stop = Shutdown::new();
    let api = match &config.api {
        Some(ep) => {
            let listener = crate::http::bind("api", ep).await?;
            Some(tokio::spawn(crate::http::api::run(ep.clone(), listener, probe.clone(), api_stop.clone())))
        }
        None => None,
    };
    // Stages hold the only senders now: channels close as their producers finish.
    drop(senders);

    // `interval` panics on a zero period.
    let mut ticker = tokio::time::interval(options.status_interval.max(Duration::from_millis(1)));
    ticker.tick().await;
    let mut first_error = None;
    let mut previous: Option<(Counters, std::time::Instant)> = None;
    loop {
        tokio::select! {
            joined = tasks.join_next() => match joined {
                None => break,
                Some(Ok(Ok(()))) => {}
                Some(Ok(Err(e))) => {
                    // Stop the sources; the rest of the pipeline ends as channels close.
                    shutdown.trigger();
                    first_error.get_or_insert(e);
                }
                Some(Err(e)) => {
                    shutdown.trigger();
                    first_error.get_or_insert(RunError::Sink { sink: "task".into(), detail: e.to_string() });
                }
            },
            _ = ticker.tick() => {
                if let Some(cb) = &options.status {
                    let mut status = probe.status();
                    let now = std::time::Instant::now();
                    if let Some((before, at)) = &previous {
                        status.rates = Rates::between(before, &status.counters, now.duration_since(*at).as_secs_f64());
                    }
                    previous = Some((status.counters, now));
                    cb(&status);
                }
            }
        }
    }
    api_stop.trigger();
    if let Some(api) = api {
        let _ = tokio::time::timeout(Duration::from_secs(5), api).await;
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(live.snapshot()),
    }
}

/// Opens a store and reads the stored positions of `sources`, waiting (degraded) while the
/// store is locked by another connection or unreachable.
async fn open_store(
    sink: &str,
    target: &StoreTarget,
    sources: &[String],
    live: &Live,
) -> Result<(Box<dyn Backend>, HashMap<String, Vec<InputPosition>>), RunError> {
    let mut backoff = Duration::from_millis(50);
    loop {
        let (t, names) = (target.clone(), sources.to_vec());
        // Both the open and the reads block (the PostgreSQL client must not run on async code).
        let r = tokio::task::spawn_blocking(move || -> Result<_, StoreError> {
            let mut store = t.open()?;
            let mut positions = HashMap::new();
            for name in names {
                let p = store.positions(&name)?;
                positions.insert(name, p);
            }
            Ok((store, positions))
        })
        .await
        .map_err(|e| RunError::Sink { sink: sink.to_owned(), detail: e.to_string() })?;
        match r {
            Ok(s) => {
                live.degraded.store(false, Ordering::Relaxed);
                return Ok(s);
            }
            Err(e) if e.is_retryable() => {
                live.degraded.store(true, Ordering::Relaxed);
                add(&live.store_retries, 1);
                *live.last_store_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(e.to_string());
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
            Err(e) => return Err(RunError::Store { sink: sink.to_owned(), source: e }),
        }
    }
}
