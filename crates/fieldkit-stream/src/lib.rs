//! fieldkit-stream: the pipeline runtime behind `fieldkit run`.
//!
//! A pipeline is a small DAG of named sources → transforms → sinks, described in TOML
//! ([`config`]), validated with [`validate`] and run with [`run`] / [`run_blocking`]. Records
//! carry their origin; a source's position advances only once everything derived from a record
//! is durably written, and for the `store` sink the position is committed in the same
//! transaction as the rows. Every consumed record ends stored, filtered by a user rule,
//! written, or dead-lettered, and the [`Counters`] reconcile. See `docs/pipeline.md`.

pub mod config;
mod counters;
mod http;
mod outputs;
mod record;
mod redact;
mod runtime;
mod sink;
mod source;
mod transform;

pub use config::{Config, ConfigError, Endpoint, HttpSource, KafkaSink, Redact, Secret, TlsFiles, validate};
pub use counters::Counters;
pub use runtime::{QueueStatus, Rates, RunError, RunOptions, Shutdown, Status, StatusCallback, run, run_blocking};
