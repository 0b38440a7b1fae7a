//! Pipeline configuration (TOML): named sources, transforms and sinks wired by `inputs`.
//!
//! [`validate`] parses, interpolates, type-checks and wires a config, collecting EVERY problem
//! with its line and column rather than stopping at the first, so `fieldkit validate` shows a
//! whole broken file at once. A [`Config`] that validated has its mappings loaded and its jq
//! expressions compiled: running it cannot fail on configuration.

pub(crate) mod graph;
mod interp;
mod parse;

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use fieldkit_events::Mapping;
use fieldkit_events::mapping::jq::Program;
use fieldkit_store::{Durability, PgTarget, StoreOptions, StoreTarget};

/// A validated pipeline.
#[derive(Clone, Debug)]
pub struct Config {
    pub pipeline: PipelineOptions,
    pub sources: Vec<SourceConfig>,
    pub transforms: Vec<TransformConfig>,
    pub sinks: Vec<SinkConfig>,
    /// `[api]`: `/metrics` and `/health`; off unless configured.
    pub api: Option<Endpoint>,
}

/// `[pipeline]`: limits that hold for every stage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PipelineOptions {
    /// Records each stage's input channel holds (backpressure starts when it is full).
    pub channel_capacity: usize,
    /// Largest record a source accepts; longer ones become dead letters.
    pub max_record_bytes: usize,
    /// How often `fieldkit run` prints its status line (zero: never); its CLI flag wins.
    pub status_interval: Duration,
}

impl Default for PipelineOptions {
    fn default() -> Self {
        PipelineOptions {
            channel_capacity: 1024,
            max_record_bytes: 1024 * 1024,
            status_interval: Duration::from_secs(10),
        }
    }
}

/// Where an HTTP server (the `http` source, `[api]`) listens and whom it admits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// 127.0.0.1 unless the config names another address.
    pub listen: SocketAddr,
    /// When set, every request (but `/health`) must carry `Authorization: Bearer TOKEN`.
    pub token: Option<Secret>,
    pub tls: Option<TlsFiles>,
}

/// A bearer token, read from a file or an environment variable at validation; never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub(crate) Arc<str>);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// PEM certificate chain and private key (checked to load and match at validation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// `type = "http"`: POSTed JSON / NDJSON, answered 2xx only once every record is durable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpSource {
    pub endpoint: Endpoint,
    /// The path records are POSTed to (`/ingest`).
    pub path: String,
    /// Largest request body; larger ones are answered 413.
    pub max_body_bytes: usize,
    /// Requests handled at once; more wait for a slot (within `request_timeout`).
    pub max_concurrent_requests: usize,
    /// Longest a request waits for a slot, room in the pipeline and durability; then 503.
    pub request_timeout: Duration,
}

#[derive(Clone, Debug)]
pub struct SourceConfig {
    pub name: String,
    pub kind: SourceKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceKind {
    /// NDJSON (one JSON document per line).
    File {
        path: PathBuf,
        follow: bool,
        poll_interval: Duration,
    },
    Stdin,
    /// A Kafka consumer in a consumer group.
    Kafka(KafkaSource),
    /// An HTTP endpoint clients POST records to.
    Http(HttpSource),
}

/// `type = "kafka"`: offsets are committed only once what was read is durably stored.
#[derive(Clone, PartialEq, Eq)]
pub struct KafkaSource {
    /// `bootstrap.servers`.
    pub brokers: String,
    /// Topic names; a `topic_regex` is one entry starting with `^` (librdkafka's convention).
    pub topics: Vec<String>,
    /// `group.id`.
    pub group: String,
    /// Every other librdkafka property, verbatim (`security.protocol`, `sasl.*`, `ssl.*` ...).
    pub properties: Vec<(String, String)>,
}

/// librdkafka properties for `Debug`: values that may hold secrets are not printed.
fn shown_properties(properties: &[(String, String)]) -> Vec<String> {
    properties
        .iter()
        .map(|(k, v)| {
            let secret = ["password", "secret", "key", "token", "jaas"].iter().any(|w| k.contains(w));
            if secret { format!("{k}=***") } else { format!("{k}={v}") }
        })
        .collect()
}

/// Properties whose values may hold secrets are not printed.
impl fmt::Debug for KafkaSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KafkaSource")
            .field("brokers", &self.brokers)
            .field("topics", &self.topics)
            .field("group", &self.group)
            .field("properties", &shown_properties(&self.properties))
            .finish()
    }
}

/// `[sinks.NAME] type = "kafka"`: records produced with an idempotent producer (`acks=all`),
/// each acknowledged only once the broker confirmed its delivery.
#[derive(Clone, PartialEq, Eq)]
pub struct KafkaSink {
    /// `bootstrap.servers`.
    pub brokers: String,
    /// Where summaries and raw records go.
    pub topic: String,
    /// Where dead letters go; `None`: to `topic`, as `{"dead_letter": {...}}`.
    pub dead_letter_topic: Option<String>,
    /// Every other librdkafka property, verbatim.
    pub properties: Vec<(String, String)>,
}

impl fmt::Debug for KafkaSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KafkaSink")
            .field("brokers", &self.brokers)
            .field("topic", &self.topic)
            .field("dead_letter_topic", &self.dead_letter_topic)
            .field("properties", &shown_properties(&self.properties))
            .finish()
    }
}

/// `type = "redact"`: keyed pseudonyms (fieldkit-redact) in a record's text values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redact {
    /// The 32-byte key (64 hex digits), as `fieldkit redact --key-file`; created (mode 0600)
    /// when the pipeline starts if it does not exist.
    pub key_file: PathBuf,
    /// Dotted paths whose string values are scanned for identifying values (addresses, host
    /// names, users, secrets, keywords...) by the rules of `fieldkit redact`. Empty: every
    /// string value of the record.
    pub fields: Vec<Vec<String>>,
    /// Dotted paths whose whole values (strings, numbers) become `v-` pseudonyms.
    pub whole_fields: Vec<Vec<String>>,
    /// Literal words redacted wherever they appear in scanned text (ASCII case ignored).
    pub keywords: Vec<String>,
    /// Whether dead letters have their payload and error redacted (else they pass unchanged).
    pub dead_letters: bool,
}

#[derive(Clone, Debug)]
pub struct TransformConfig {
    pub name: String,
    /// Stage outputs this transform reads: `stage` or `router.route`.
    pub inputs: Vec<String>,
    pub kind: TransformKind,
}

#[derive(Clone)]
pub enum TransformKind {
    Summarize {
        mapping: Arc<Mapping>,
    },
    Filter {
        condition: Arc<Program>,
    },
    /// `header = { name = "...", equals = "..." }`: on Kafka headers, without decoding the
    /// payload. Passes when a header of that name exists (and, with `equals`, has that value).
    FilterHeader {
        name: String,
        equals: Option<String>,
    },
    Extract {
        expression: Arc<Program>,
    },
    /// Conditions tried in order; the first that yields `true` picks the output.
    Route {
        routes: Vec<(String, Arc<Program>)>,
    },
    Redact(Arc<Redact>),
}

impl fmt::Debug for TransformKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransformKind::Summarize { mapping } => write!(f, "Summarize({})", mapping.id()),
            TransformKind::Filter { condition } => write!(f, "Filter({})", condition.source()),
            TransformKind::FilterHeader { name, equals } => write!(f, "FilterHeader({name} = {equals:?})"),
            TransformKind::Extract { expression } => write!(f, "Extract({})", expression.source()),
            TransformKind::Route { routes } => {
                f.debug_list().entries(routes.iter().map(|(n, p)| format!("{n}: {}", p.source()))).finish()
            }
            TransformKind::Redact(r) => write!(f, "{r:?}"),
        }
    }
}

/// Name of the output of a `route` transform that takes records no condition matched.
pub const UNMATCHED_ROUTE: &str = "_unmatched";

#[derive(Clone, Debug)]
pub struct SinkConfig {
    pub name: String,
    pub inputs: Vec<String>,
    pub kind: SinkKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SinkKind {
    Store {
        path: PathBuf,
        batch_size: usize,
        linger: Duration,
        durability: Durability,
        busy_timeout: Duration,
    },
    /// `type = "postgres"`: the store contract in a shared PostgreSQL database. `Debug` never
    /// shows the URL's password.
    Postgres {
        target: PgTarget,
        batch_size: usize,
        linger: Duration,
    },
    Stdout,
    File {
        path: PathBuf,
    },
    Kafka(KafkaSink),
}

impl SinkKind {
    /// The store a store-like sink (`store`, `postgres`) writes to, with its batch size and
    /// linger; `None` for the JSONL sinks.
    pub fn store_target(&self) -> Option<(StoreTarget, usize, Duration)> {
        match self {
            SinkKind::Store { path, batch_size, linger, durability, busy_timeout } => Some((
                StoreTarget::Sqlite {
                    path: path.clone(),
                    options: StoreOptions { durability: *durability, busy_timeout: *busy_timeout },
                },
                *batch_size,
                *linger,
            )),
            SinkKind::Postgres { target, batch_size, linger } => {
                Some((StoreTarget::Postgres(target.clone()), *batch_size, *linger))
            }
            SinkKind::Stdout | SinkKind::File { .. } | SinkKind::Kafka(_) => None,
        }
    }

    /// Store-like sinks take summaries and write their sources' positions.
    pub fn is_store(&self) -> bool {
        matches!(self, SinkKind::Store { .. } | SinkKind::Postgres { .. })
    }
}

/// One problem in a config, at a 1-based line and column of the original text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct ConfigError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl ConfigError {
    pub(crate) fn at(text: &str, offset: usize, message: impl Into<String>) -> Self {
        let offset = offset.min(text.len());
        let before = text.get(..offset).unwrap_or(text);
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        ConfigError { line, column, message: message.into() }
    }
}

/// Parses and checks a pipeline config. `env` supplies `${VAR}` values (pass
/// `std::env::vars()`; taking it as an argument keeps validation pure and testable).
pub fn validate(text: &str, env: impl IntoIterator<Item = (String, String)>) -> Result<Config, Vec<ConfigError>> {
    let env: HashMap<String, String> = env.into_iter().collect();
    let (config, mut errors, spans) = parse::parse(text, &env)?;
    graph::check(text, &config, &spans, &mut errors);
    if errors.is_empty() {
        Ok(config)
    } else {
        errors.sort_by_key(|e| (e.line, e.column));
        Err(errors)
    }
}
