//! What a pipeline's store sink needs from a store, whichever it is: the embedded SQLite
//! [`Store`] or the shared [`PgStore`].

use std::path::PathBuf;

use crate::batch::{Batch, CommitOutcome};
use crate::error::StoreError;
use crate::pg::{PgStore, PgTarget};
use crate::position::InputPosition;
use crate::store::{Stats, Store, StoreOptions};

/// A store a pipeline commits batches to and reads its sources' positions from.
///
/// Methods block: call them from a blocking thread. `positions` takes `&mut self` because a
/// server store may reconnect on the way.
pub trait Backend: Send {
    /// Writes a batch in ONE transaction (see [`Store::commit`]).
    fn commit(&mut self, batch: &Batch) -> Result<CommitOutcome, StoreError>;
    /// Stored positions of a source, by topic and partition.
    fn positions(&mut self, source_name: &str) -> Result<Vec<InputPosition>, StoreError>;
    /// Counts per kind of record.
    fn stats(&mut self) -> Result<Stats, StoreError>;
}

impl Backend for Store {
    fn commit(&mut self, batch: &Batch) -> Result<CommitOutcome, StoreError> {
        Store::commit(self, batch)
    }
    fn positions(&mut self, source_name: &str) -> Result<Vec<InputPosition>, StoreError> {
        Store::positions(self, source_name)
    }
    fn stats(&mut self) -> Result<Stats, StoreError> {
        Store::stats(self)
    }
}

impl Backend for PgStore {
    fn commit(&mut self, batch: &Batch) -> Result<CommitOutcome, StoreError> {
        PgStore::commit(self, batch)
    }
    fn positions(&mut self, source_name: &str) -> Result<Vec<InputPosition>, StoreError> {
        PgStore::positions(self, source_name)
    }
    fn stats(&mut self) -> Result<Stats, StoreError> {
        PgStore::stats(self)
    }
}

/// Which store, and how to open it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreTarget {
    Sqlite { path: PathBuf, options: StoreOptions },
    Postgres(PgTarget),
}

impl StoreTarget {
    /// Opens the store to write to it, creating or migrating it when needed (blocks).
    pub fn open(&self) -> Result<Box<dyn Backend>, StoreError> {
        Ok(match self {
            StoreTarget::Sqlite { path, options } => Box::new(Store::open_with(path, *options)?),
            StoreTarget::Postgres(t) => Box::new(PgStore::connect(t)?),
        })
    }

    /// Opens the store to read positions: a SQLite file must already exist
    /// ([`Store::open_existing`]); a PostgreSQL store is connected to as by [`StoreTarget::open`].
    pub fn open_reader(&self) -> Result<Box<dyn Backend>, StoreError> {
        Ok(match self {
            StoreTarget::Sqlite { path, .. } => Box::new(Store::open_existing(path)?),
            StoreTarget::Postgres(t) => Box::new(PgStore::connect(t)?),
        })
    }

    /// For messages: the file's path, or the URL without its password.
    pub fn describe(&self) -> String {
        match self {
            StoreTarget::Sqlite { path, .. } => path.display().to_string(),
            StoreTarget::Postgres(t) => t.redacted(),
        }
    }
}
