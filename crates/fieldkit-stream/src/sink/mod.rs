//! Sinks: where records end. A sink settles a record's acknowledgement only once the record
//! is durably written (committed, written and flushed, or acknowledged by a Kafka broker).

pub(crate) mod jsonl;
pub(crate) mod kafka;
pub(crate) mod store;
