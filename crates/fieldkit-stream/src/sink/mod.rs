//! Sinks: where records end. A sink settles a record's acknowledgement only once the record
//! is durably written (committed, or written and flushed).

pub(crate) mod jsonl;
pub(crate) mod store;
