//! What one commit writes: summaries, dead letters and input-position advances, together.

use fieldkit_events::{MonitoringEvent, SourcePosition};
use serde::Serialize;

/// Everything derived from a run of input records, written in one transaction: either all of
/// it is durable, or none of it is (and the positions did not move, so the records are read
/// again).
#[derive(Debug, Clone, Default)]
pub struct Batch {
    pub events: Vec<MonitoringEvent>,
    pub dead_letters: Vec<DeadLetter>,
    pub positions: Vec<PositionAdvance>,
}

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.events.is_empty() && self.dead_letters.is_empty() && self.positions.is_empty()
    }
}

/// An input record that could not become a summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeadLetter {
    /// The pipeline source it came from (its configured name).
    pub source_name: String,
    /// Its position, when the source has positions; dead letters with a position are stored
    /// once per position, so a replay does not duplicate them.
    pub position: Option<SourcePosition>,
    pub received_time_ms: i64,
    /// Stable error class, e.g. `invalid_json` (`MappingError::kind`).
    pub error_kind: String,
    /// Human-readable reason.
    pub error: String,
    /// The payload exactly as received.
    #[serde(skip)]
    pub payload: Vec<u8>,
}

impl DeadLetter {
    /// `source/topic/partition/offset`, the identity of a positioned record. Each component is
    /// percent-encoded for `/` and `%` so that distinct origins never share a key.
    pub(crate) fn origin_key(&self) -> Option<String> {
        self.position
            .as_ref()
            .map(|p| format!("{}/{}/{}/{}", escape(&self.source_name), escape(&p.topic), p.partition, p.offset))
    }
}

fn escape(s: &str) -> String {
    s.replace('%', "%25").replace('/', "%2F")
}

/// "Everything before `next_offset` of this topic-partition is durably handled."
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct PositionAdvance {
    pub source_name: String,
    pub topic: String,
    pub partition: i32,
    pub next_offset: i64,
}

/// What a commit changed. `*_new + *_duplicate` equals what the batch held, so a pipeline's
/// counters reconcile: consumed = stored + duplicates + dead-lettered (+ filtered upstream).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CommitOutcome {
    pub events_new: u64,
    /// Events whose dedup key was already stored (replays, redeliveries).
    pub events_duplicate: u64,
    pub dead_letters_new: u64,
    /// Positioned dead letters already stored for that position.
    pub dead_letters_duplicate: u64,
    /// Positions that moved forward; an advance to or below the stored position is a no-op.
    pub positions_advanced: u64,
}

impl std::ops::AddAssign for CommitOutcome {
    fn add_assign(&mut self, o: CommitOutcome) {
        self.events_new += o.events_new;
        self.events_duplicate += o.events_duplicate;
        self.dead_letters_new += o.dead_letters_new;
        self.dead_letters_duplicate += o.dead_letters_duplicate;
        self.positions_advanced += o.positions_advanced;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_keys_do_not_collide() {
        let dl = |source: &str, topic: &str| DeadLetter {
            source_name: source.into(),
            position: Some(SourcePosition { topic: topic.into(), partition: 1, offset: 2 }),
            received_time_ms: 0,
            error_kind: "x".into(),
            error: "x".into(),
            payload: vec![],
        };
        assert_ne!(dl("a/b", "c").origin_key(), dl("a", "b/c").origin_key());
        assert_eq!(dl("k", "t").origin_key().unwrap(), "k/t/1/2");
        let mut none = dl("k", "t");
        none.position = None;
        assert_eq!(none.origin_key(), None);
    }
}
