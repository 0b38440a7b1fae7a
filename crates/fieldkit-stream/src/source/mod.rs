//! Sources: read records, register them with their tracker, and send them downstream.

pub(crate) mod file;
pub(crate) mod kafka;
pub(crate) mod lines;
pub(crate) mod stdin;

use std::time::{SystemTime, UNIX_EPOCH};

/// Now, in epoch milliseconds: sources stamp `received_time_ms` (transforms never read clocks).
pub(crate) fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}
