//! The consumers of one stage output: one bounded channel per consuming stage.

use std::sync::Arc;

use tokio::sync::mpsc::Sender;

use crate::counters::{Live, add};
use crate::record::{Outcome, Record};

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
                record.ack.settle(Outcome::Filtered);
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

    /// Like [`Outputs::send`], but gives up at `deadline` while waiting for room: room is
    /// reserved in every consumer's channel first, so a record is sent whole or not at all
    /// (`Ok(Err(record))`: nothing was sent and the record is handed back).
    pub async fn send_until(
        &self,
        record: Record,
        deadline: tokio::time::Instant,
    ) -> Result<Result<(), Record>, Closed> {
        let mut permits = Vec::with_capacity(self.targets.len());
        for tx in &self.targets {
            match tokio::time::timeout_at(deadline, tx.reserve()).await {
                Ok(Ok(p)) => permits.push(p),
                Ok(Err(_)) => return Err(Closed),
                Err(_) => return Ok(Err(record)),
            }
        }
        let Some(copies) = self.copies(record) else { return Ok(Ok(())) };
        for (permit, r) in permits.into_iter().zip(copies) {
            permit.send(r);
        }
        Ok(Ok(()))
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
