//! Store errors. [`StoreError::is_retryable`] tells a pipeline whether to back off and retry
//! the same batch (another process holds the lock, a server store is unreachable) or to stop and
//! report.

use std::path::PathBuf;

use rusqlite::ErrorCode;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another connection held the database lock for longer than the busy timeout. Nothing of
    /// the batch was written; retrying the same batch later is safe.
    #[error("store is busy (locked by another connection): {detail}")]
    Busy { detail: String },
    /// [`Store::open_existing`](crate::Store::open_existing): nothing at the path yet.
    #[error("store {} does not exist", path.display())]
    Missing { path: PathBuf },
    /// [`Store::open_existing`](crate::Store::open_existing): an empty file, as SQLite leaves it
    /// between creating a database and writing its first page.
    #[error("store {} is an empty file, not a fieldkit store (yet)", path.display())]
    Empty { path: PathBuf },
    #[error("cannot read store {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("cannot open store {}: {source}", path.display())]
    Open { path: PathBuf, source: rusqlite::Error },
    #[error("{} is not a fieldkit store ({why})", path.display())]
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
    /// A server store (PostgreSQL) cannot be reached or refused the batch for a transient
    /// reason: connection lost or refused, server shutting down or starting, serialization
    /// failure, deadlock, lock timeout. Nothing of the batch was written; the store reconnects
    /// on the next call, and retrying the same batch is safe.
    #[error("store is unavailable: {detail}")]
    Unavailable { detail: String },
    /// A server store refused an operation for a reason retrying will not fix (authentication,
    /// permissions, a missing database). The text never holds a password.
    #[error("store: {detail}")]
    Postgres { detail: String },
    /// A PostgreSQL URL that does not parse (the text never holds a password).
    #[error("invalid PostgreSQL URL: {0}")]
    InvalidUrl(String),
}

impl StoreError {
    /// True when the same operation may succeed later without any change (lock contention).
    pub fn is_retryable(&self) -> bool {
        matches!(self, StoreError::Busy { .. } | StoreError::Unavailable { .. })
    }

    /// True when [`Store::open_existing`](crate::Store::open_existing) found no store *yet*
    /// (no file, or an empty one): a follower waits, other readers report it.
    pub fn is_absent(&self) -> bool {
        matches!(self, StoreError::Missing { .. } | StoreError::Empty { .. })
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
