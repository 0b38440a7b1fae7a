//! Opening a store and writing batches.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::Serialize;

use crate::batch::{Batch, CommitOutcome, PositionAdvance};
use crate::error::StoreError;
use crate::position::InputPosition;
use crate::schema;

/// How hard a commit works to survive power loss.
///
/// Both modes use SQLite's write-ahead log, and in both a commit that returned survives the
/// process being killed (`kill -9`): the log is in the OS page cache, and SQLite recovers it on
/// the next open. They differ when the *machine* dies:
///
/// * [`Durability::Full`] (the default) syncs the log to disk at every commit, so a commit
///   that returned survives power loss. This is what makes "acknowledge only once stored"
///   true for sources that cannot replay, such as HTTP clients that received a 2xx. With
///   batches of hundreds of records, one fsync per commit costs little.
/// * [`Durability::Normal`] syncs only at checkpoints: after power loss the last commits may
///   be rolled back, *together with their input positions*, so a replayable source (Kafka)
///   resumes from the older position and nothing is lost, provided it resumes from the
///   store's position and the data is still retained upstream.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Durability {
    #[default]
    Full,
    Normal,
}

/// Page cache per connection, in KiB (SQLite's `cache_size`, an upper bound).
const CACHE_KIB: i64 = 32 * 1024;

/// Log pages between automatic checkpoints (SQLite's default is 1,000).
const WAL_AUTOCHECKPOINT_PAGES: i64 = 4_000;

/// Options for [`Store::open_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreOptions {
    pub durability: Durability,
    /// How long a write waits for another connection's lock before failing with the retryable
    /// [`StoreError::Busy`].
    pub busy_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions { durability: Durability::Full, busy_timeout: Duration::from_secs(5) }
    }
}

/// Counts of stored records per kind (`fieldkit store stats`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub monitoring: u64,
    pub dead_letter: u64,
    pub input_position: u64,
}

/// An embedded fieldkit store: one SQLite file (plus its `-wal` and `-shm` while open).
///
/// One `Store` is one connection: use it from one thread at a time (it is `Send`). Several
/// processes and connections may open the same file; writes are serialised by SQLite's lock,
/// and readers never block the writer.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the store at `path` with default options.
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        Store::open_with(path, StoreOptions::default())
    }

    /// Opens a store that must already exist, for commands that only look at it. Unlike
    /// [`Store::open`] it never creates a file, and it refuses files that are certainly not
    /// fieldkit stores without changing them (`open` would first switch a foreign SQLite
    /// database to write-ahead logging, then refuse it): not SQLite at all, or a SQLite
    /// database whose header names another application or that uses a rollback journal without
    /// fieldkit's application id. A missing path is [`StoreError::Missing`], an empty file
    /// [`StoreError::Empty`] (see [`StoreError::is_absent`]).
    pub fn open_existing(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        let path = path.as_ref();
        check_existing(path)?;
        Store::open(path)
    }

    pub fn open_with(path: impl AsRef<Path>, options: StoreOptions) -> Result<Store, StoreError> {
        let path = path.as_ref().to_owned();
        let open_err = |source| StoreError::Open { path: path.clone(), source };
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(&path, flags).map_err(open_err)?;
        // rusqlite panics on timeouts beyond i32 milliseconds; a day is already absurd.
        conn.busy_timeout(options.busy_timeout.min(Duration::from_secs(86_400))).map_err(open_err)?;
        // An unreadable file surfaces here, on the first statement, rather than in open.
        let mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0)).map_err(
                |e| match StoreError::from(e) {
                    busy @ StoreError::Busy { .. } => busy,
                    StoreError::Sqlite(source) => StoreError::Open { path: path.clone(), source },
                    other => other,
                },
            )?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::NoWal { mode });
        }
        let sync = match options.durability {
            Durability::Full => "FULL",
            Durability::Normal => "NORMAL",
        };
        conn.pragma_update(None, "synchronous", sync)?;
        // Ingest touches index pages all over the file; SQLite's default 2 MiB page cache made
        // the writer re-read and spill them on every batch. The cache grows only as used.
        conn.pragma_update(None, "cache_size", -CACHE_KIB)?;
        // Checkpoint every ~16 MiB of log instead of ~4 MiB: pages written in several batches
        // are copied to the database once. Durability is unchanged (commits still sync the log).
        conn.pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES)?;
        schema::register_functions(&conn)?;
        schema::migrate(&mut conn, &path)?;
        Ok(Store { conn, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the open store.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self.conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// Writes a batch in one transaction: all of it or nothing. Events and positioned dead
    /// letters already stored are counted as duplicates, not written again; positions only
    /// move forward. On [`StoreError::Busy`] nothing was written and the same batch can be
    /// retried.
    pub fn commit(&mut self, batch: &Batch) -> Result<CommitOutcome, StoreError> {
        validate(batch)?;
        crate::commit::commit(&mut self.conn, batch)
    }

    /// Stored positions of a source, by topic and partition.
    pub fn positions(&self, source_name: &str) -> Result<Vec<InputPosition>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT topic, partition, next_offset FROM input_position WHERE source_name = ?1 ORDER BY topic, partition",
        )?;
        let rows = stmt.query_map([source_name], |r| {
            Ok(InputPosition { topic: r.get(0)?, partition: r.get(1)?, next_offset: r.get(2)? })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every stored position of every source: (source name, position), by source, topic and
    /// partition (`fieldkit store stats`).
    pub fn all_positions(&self) -> Result<Vec<(String, InputPosition)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT source_name, topic, partition, next_offset FROM input_position ORDER BY source_name, topic, partition",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get(0)?, InputPosition { topic: r.get(1)?, partition: r.get(2)?, next_offset: r.get(3)? }))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The stored position of one partition, if any.
    pub fn position(&self, source_name: &str, topic: &str, partition: i32) -> Result<Option<i64>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT next_offset FROM input_position WHERE source_name = ?1 AND topic = ?2 AND partition = ?3",
            )?
            .query_row(params![source_name, topic, partition], |r| r.get(0))
            .optional()?)
    }

    /// Sets a position outright, also backwards: an operator's decision (re-ingest from an
    /// offset), never part of normal flow, where positions only advance with their batch.
    pub fn reset_position(&mut self, position: &PositionAdvance) -> Result<(), StoreError> {
        validate_position(position)?;
        self.conn.execute(
            "INSERT INTO input_position (source_name, topic, partition, next_offset) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (source_name, topic, partition) DO UPDATE SET next_offset = excluded.next_offset",
            params![position.source_name, position.topic, position.partition, position.next_offset],
        )?;
        Ok(())
    }

    /// Counts per kind of record.
    pub fn stats(&self) -> Result<Stats, StoreError> {
        let count = |table: &str| -> Result<u64, StoreError> {
            let n: i64 = self.conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?;
            Ok(n.max(0) as u64)
        };
        Ok(Stats {
            monitoring: count("event")?,
            dead_letter: count("dead_letter")?,
            input_position: count("input_position")?,
        })
    }

    /// Runs SQLite's `integrity_check`; `Ok(vec![])` when the file is sound.
    pub fn integrity_check(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
        let rows: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
        Ok(if rows == ["ok"] { Vec::new() } else { rows })
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }
}

/// The checks of [`Store::open_existing`], from the 100-byte SQLite header alone.
fn check_existing(path: &Path) -> Result<(), StoreError> {
    let io = |source| StoreError::Io { path: path.to_owned(), source };
    let not_a_store = |why: &str| StoreError::NotAStore { path: path.to_owned(), why: why.to_owned() };
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(StoreError::Missing { path: path.to_owned() });
        }
        Err(e) => return Err(io(e)),
    };
    if meta.is_dir() {
        return Err(not_a_store("it is a directory"));
    }
    if meta.len() == 0 {
        return Err(StoreError::Empty { path: path.to_owned() });
    }
    let mut header = Vec::with_capacity(100);
    std::fs::File::open(path).and_then(|f| f.take(100).read_to_end(&mut header)).map_err(io)?;
    if header.len() < 100 || !header.starts_with(b"SQLite format 3\0") {
        return Err(not_a_store("not a SQLite database"));
    }
    // Offset 68: application_id; offsets 18/19: 2 when the database uses write-ahead logging.
    // A store's id may still sit in the write-ahead log rather than in the file's own header
    // (until a checkpoint), so 0 in a WAL database is inconclusive and `open` decides.
    let app_id = i32::from_be_bytes([header[68], header[69], header[70], header[71]]);
    let wal = header[18] == 2 && header[19] == 2;
    if app_id != schema::APPLICATION_ID && (app_id != 0 || !wal) {
        let why = if app_id == 0 {
            "a SQLite database without fieldkit's application id".to_owned()
        } else {
            format!("a SQLite database of another application: application_id {app_id:#x}")
        };
        return Err(not_a_store(&why));
    }
    Ok(())
}

pub(crate) const INSERT_DEAD_LETTER: &str = "INSERT INTO dead_letter (received_time_ms, source_name, source_topic,
        source_partition, source_offset, error_kind, error, payload, origin_key)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
    ON CONFLICT (origin_key) DO NOTHING";

pub(crate) const ADVANCE_POSITION: &str = "INSERT INTO input_position (source_name, topic, partition, next_offset)
    VALUES (?1, ?2, ?3, ?4)
    ON CONFLICT (source_name, topic, partition) DO UPDATE SET next_offset = excluded.next_offset
    WHERE excluded.next_offset > input_position.next_offset";

/// The checks every backend makes before writing a batch.
pub(crate) fn validate(batch: &Batch) -> Result<(), StoreError> {
    for e in &batch.events {
        if e.dedup_key.is_empty() {
            return Err(StoreError::InvalidBatch("an event has an empty dedup key".to_owned()));
        }
    }
    batch.positions.iter().try_for_each(validate_position)
}

fn validate_position(p: &PositionAdvance) -> Result<(), StoreError> {
    if p.next_offset < 0 || p.partition < 0 {
        return Err(StoreError::InvalidBatch(format!(
            "position {}/{}/{} -> {}: partition and offset must not be negative",
            p.source_name, p.topic, p.partition, p.next_offset
        )));
    }
    Ok(())
}
