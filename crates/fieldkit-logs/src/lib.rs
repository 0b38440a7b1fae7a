//! Reading Kafka / Confluent support bundles: safe archive extraction, file recognition, rotation
//! order, and log record parsing (headers, multi-line records, timestamps normalised to UTC).
//!
//! Parsing ([`record`], [`time`], [`kind`]) is pure; only [`bundle`] and the archive reader touch the
//! file system, and only to read (extraction writes into a private temporary directory).

mod archive;
pub mod bundle;
pub mod kind;
pub mod record;
pub mod time;

pub use archive::ArchiveKind;
pub use bundle::{Bundle, BundleError, BundleFile, Limits, Skipped};
pub use kind::FileKind;
pub use record::{Header, Level, RecordSpan, Records, is_header, parse_header, trailing_logger_of_last_line};
pub use time::{SourceZone, Stamp, earliest, format_utc_millis, parse_cli_time};
