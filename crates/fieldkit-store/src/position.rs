//! Input positions: what is stored, and the watermark a pipeline keeps per partition to decide
//! what may be stored.

use std::collections::BTreeSet;

use serde::Serialize;

/// A stored position: everything of `topic`/`partition` before `next_offset` is durably handled.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct InputPosition {
    pub topic: String,
    pub partition: i32,
    pub next_offset: i64,
}

/// The contiguous watermark of one partition.
///
/// Records complete out of order (parallel mapping, batches), and Kafka offsets have gaps
/// (transaction markers, compaction), so "highest offset done + 1" would skip unfinished
/// records and "lowest offset not done" would wait forever on a gap. The watermark therefore
/// follows the records *as delivered*: it is the offset of the oldest delivered record not yet
/// completed, or one past the last delivered record when all are complete.
#[derive(Debug, Clone)]
pub struct Watermark {
    next: i64,
    last_delivered: Option<i64>,
    /// Where the record after the last delivered one starts: `last + 1` for Kafka offsets,
    /// the byte after the line for files (see [`Watermark::deliver_span`]).
    last_end: i64,
    in_flight: BTreeSet<i64>,
}

/// Misuse of a [`Watermark`]: a source bug, never bad input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WatermarkError {
    #[error("offset {offset} delivered after {last}: offsets must increase")]
    NotIncreasing { offset: i64, last: i64 },
    #[error("offset {offset} is before the start position {start}")]
    BeforeStart { offset: i64, start: i64 },
    #[error("record at {offset} ends at {end}: a record's end must be after its start")]
    EmptySpan { offset: i64, end: i64 },
    #[error("offset {0} was completed but never delivered (or completed twice)")]
    NotInFlight(i64),
}

impl Watermark {
    /// Starts at a stored position (or the source's start offset).
    pub fn new(next_offset: i64) -> Self {
        Watermark { next: next_offset, last_delivered: None, last_end: next_offset, in_flight: BTreeSet::new() }
    }

    /// Registers a record handed to the pipeline.
    pub fn deliver(&mut self, offset: i64) -> Result<(), WatermarkError> {
        self.deliver_span(offset, offset.saturating_add(1))
    }

    /// Registers a record that starts at `offset` and is followed by a record starting at
    /// `end`. Byte-positioned sources (files) need this: a line at byte 100 of 40 bytes is
    /// followed by byte 140, not 101, and resuming at 101 would read half a line.
    pub fn deliver_span(&mut self, offset: i64, end: i64) -> Result<(), WatermarkError> {
        if end <= offset {
            return Err(WatermarkError::EmptySpan { offset, end });
        }
        if let Some(last) = self.last_delivered.filter(|&l| offset <= l) {
            return Err(WatermarkError::NotIncreasing { offset, last });
        }
        if self.last_delivered.is_none() && offset < self.next {
            return Err(WatermarkError::BeforeStart { offset, start: self.next });
        }
        self.last_delivered = Some(offset);
        self.last_end = end;
        self.in_flight.insert(offset);
        Ok(())
    }

    /// Marks a delivered record as handled (stored, dead-lettered or filtered).
    pub fn complete(&mut self, offset: i64) -> Result<(), WatermarkError> {
        if !self.in_flight.remove(&offset) {
            return Err(WatermarkError::NotInFlight(offset));
        }
        self.next = match (self.in_flight.first(), self.last_delivered) {
            (Some(&oldest), _) => oldest,
            (None, Some(_)) => self.last_end,
            (None, None) => self.next,
        };
        Ok(())
    }

    /// The offset to store as `next_offset`: every delivered record before it is complete.
    pub fn next_offset(&self) -> i64 {
        self.next
    }

    /// Delivered records not yet complete.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advances_only_over_completed_prefixes_and_skips_gaps() {
        let mut w = Watermark::new(10);
        for o in [10, 11, 13, 14] {
            w.deliver(o).unwrap(); // 12 is a transaction marker: never delivered
        }
        w.complete(11).unwrap();
        assert_eq!(w.next_offset(), 10);
        w.complete(13).unwrap();
        assert_eq!(w.next_offset(), 10);
        w.complete(10).unwrap();
        assert_eq!(w.next_offset(), 14);
        w.complete(14).unwrap();
        assert_eq!(w.next_offset(), 15);
        assert_eq!(w.in_flight(), 0);
    }

    #[test]
    fn spans_resume_after_the_whole_record() {
        let mut w = Watermark::new(0);
        w.deliver_span(0, 40).unwrap();
        w.deliver_span(40, 95).unwrap();
        w.complete(40).unwrap();
        assert_eq!(w.next_offset(), 0);
        w.complete(0).unwrap();
        assert_eq!(w.next_offset(), 95);
        assert_eq!(w.deliver_span(95, 95), Err(WatermarkError::EmptySpan { offset: 95, end: 95 }));
    }

    #[test]
    fn misuse_is_reported() {
        let mut w = Watermark::new(5);
        assert_eq!(w.deliver(4), Err(WatermarkError::BeforeStart { offset: 4, start: 5 }));
        w.deliver(7).unwrap();
        assert_eq!(w.deliver(7), Err(WatermarkError::NotIncreasing { offset: 7, last: 7 }));
        assert_eq!(w.complete(6), Err(WatermarkError::NotInFlight(6)));
        w.complete(7).unwrap();
        assert_eq!(w.complete(7), Err(WatermarkError::NotInFlight(7)));
        assert_eq!(w.next_offset(), 8);
    }
}
