//! Store errors. [`StoreError::is_retryable`] tells a pipeline whether to back off and retry
//! the same batch (another process holds the lock) or to stop and report.

use std::path::PathBuf;

use rusqlite::ErrorCode;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another connection held the database lock for longer than the busy timeout. Nothing of
    /// the batch was written; retrying the same batch later is safe.
    #[error("store is busy (locked by another connection): {detail}")]
    Busy { detail: String },
    #[error("cannot open store {}: {source}", path.display())]
    Open { path: PathBuf, source: rusqlite::Error },
    #[error("{} is a SQLite database but not a fieldkit store ({why})", path.display())]
    NotAStore { path: PathBuf, why: String },
    #[error("store schema version {found} is newer than this fieldkit understands ({supported}): upgrade fieldkit")]
    SchemaTooNew { found: i64, supported: i64 },
    #[error("store cannot use write-ahead logging (journal mode is `{mode}`); is it on a network file system?")]
    NoWal { mode: String },
    #[error("invalid batch: {0}")]
    InvalidBatch(String),
    #[error("invalid query: {0}")]
    InvalidQuery(String),
    /// A stored row that this version cannot read back (hand-edited, or written by a newer one).
    #[error("stored {table} row {id} is unreadable: {detail}")]
    Corrupt { table: &'static str, id: i64, detail: String },
    #[error("store: {0}")]
    Sqlite(rusqlite::Error),
}

impl StoreError {
    /// True when the same operation may succeed later without any change (lock contention).
    pub fn is_retryable(&self) -> bool {
        matches!(self, StoreError::Busy { .. })
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Busy { detail: e.to_string() },
            _ => StoreError::Sqlite(e),
        }
    }
}
