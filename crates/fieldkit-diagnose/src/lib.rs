//! The Kafka known-issue playbook and the engine that applies it.
//!
//! - [`rule`]: the YAML rule format and its validation;
//! - [`playbook`]: built-in and user rules compiled into one multi-pattern automaton;
//! - [`scan`]: one pass over a file's bytes, parsing only the records a needle hit;
//! - [`finding`]: aggregation across files, correlation groups, ranking, unexplained errors;
//! - [`render`]: Markdown and self-contained HTML reports.
//!
//! No I/O: callers read files and pass bytes; time arrives as data.

pub mod finding;
mod lint;
pub mod playbook;
pub mod render;
pub mod rule;
pub mod scan;

pub use finding::{Aggregator, Evidence, FileSummary, Finding, Report, Stats, Unexplained};
pub use playbook::{Playbook, builtin_sources};
pub use rule::{Category, Rule, RuleError, Severity};
pub use scan::{FileScan, ScanOptions};
