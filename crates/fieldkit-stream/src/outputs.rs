//! The consumers of one stage output: one bounded channel per consuming stage.

use std::sync::Arc;

use tokio::sync::mpsc::Sender;

use crate::counters::{Live, add};
use crate::record::Record;

/// Where a stage's output goes. Sending waits while a consumer's channel is full: that wait is
/// the backpressure that reaches the sources.
#[derive(Clone)]
pub(crate) struct Outputs {
    pub targets: Vec<Sender<Record>>,
    pub live: Arc<Live>,
}

/// Every consumer has gone (a downstream stage failed): the caller stops.
#[derive(Debug)]
pub(crate) struct Closed;

impl Outputs {
    fn copies(&self, record: Record) -> Option<Vec<Record>> {
        match self.targets.len() {
            0 => {
                // An output nobody reads (a route no stage takes): the user's routing dropped it.
                add(&self.live.filtered, 1);
                record.ack.settle();
                None
            }
            n => {
                add(&self.live.fanned_out, n as u64 - 1);
                let mut v = Vec::with_capacity(n);
                for _ in 1..n {
                    v.push(record.clone());
                }
                v.push(record);
                Some(v)
            }
        }
    }

    pub async fn send(&self, record: Record) -> Result<(), Closed> {
        let Some(copies) = self.copies(record) else { return Ok(()) };
        for (tx, r) in self.targets.iter().zip(copies) {
            tx.send(r).await.map_err(|_| Closed)?;
        }
        Ok(())
    }

    /// For sources that run on their own thread.
    pub fn send_blocking(&self, record: Record) -> Result<(), Closed> {
        let Some(copies) = self.copies(record) else { return Ok(()) };
        for (tx, r) in self.targets.iter().zip(copies) {
            tx.blocking_send(r).map_err(|_| Closed)?;
        }
        Ok(())
    }
}
