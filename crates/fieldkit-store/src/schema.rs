//! Versioned schema migrations.
//!
//! The schema version is SQLite's `user_version`; migration `i` (0-based) takes the store from
//! version `i` to `i + 1`. Each runs in its own IMMEDIATE transaction together with the
//! version bump, so a crash mid-migration leaves the previous version intact, and two processes
//! opening a new store at once cannot both apply the same step. Migrations are append-only:
//! never edit one that has shipped, add the next.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use crate::error::StoreError;

/// `PRAGMA application_id` of fieldkit stores ("FKST"), so that `file(1)` and fieldkit itself can
/// tell a store from any other SQLite file.
pub(crate) const APPLICATION_ID: i32 = 0x464B_5354;

const MIGRATIONS: &[&str] = &[
    // 1: monitoring summaries, current state per series, dead letters, input positions.
    r#"
    CREATE TABLE monitoring (
        id               INTEGER PRIMARY KEY,
        dedup_key        TEXT    NOT NULL UNIQUE,
        event_time_ms    INTEGER NOT NULL,
        received_time_ms INTEGER NOT NULL,
        tenant           TEXT    NOT NULL,
        environment      TEXT    NOT NULL,
        node             TEXT    NOT NULL,
        check_name       TEXT    NOT NULL,
        alarm            TEXT,
        state            TEXT    NOT NULL CHECK (state IN ('OK', 'WARNING', 'CRITICAL', 'UNKNOWN')),
        previous_state   TEXT             CHECK (previous_state IN ('OK', 'WARNING', 'CRITICAL', 'UNKNOWN')),
        message          TEXT,
        metrics          TEXT    NOT NULL DEFAULT '[]',
        source_topic     TEXT,
        source_partition INTEGER,
        source_offset    INTEGER
    );
    CREATE INDEX monitoring_by_time ON monitoring (event_time_ms);
    CREATE INDEX monitoring_by_series ON monitoring (tenant, environment, node, check_name, alarm, event_time_ms);

    -- The latest event of each series (tenant, environment, node, check, alarm). Kept by an
    -- upsert that only moves forward in (event_time_ms, dedup_key), so the result does not
    -- depend on arrival order and a replay changes nothing. `alarm` is '' for events without
    -- one because NULLs never compare equal in a key.
    CREATE TABLE current_state (
        tenant        TEXT    NOT NULL,
        environment   TEXT    NOT NULL,
        node          TEXT    NOT NULL,
        check_name    TEXT    NOT NULL,
        alarm         TEXT    NOT NULL,
        state         TEXT    NOT NULL,
        event_time_ms INTEGER NOT NULL,
        dedup_key     TEXT    NOT NULL,
        message       TEXT,
        PRIMARY KEY (tenant, environment, node, check_name, alarm)
    ) WITHOUT ROWID;
    CREATE INDEX current_state_by_state ON current_state (state, tenant);

    -- Records that could not become summaries, with everything needed to replay them.
    -- origin_key identifies a positioned record (source/topic/partition/offset) so a replay
    -- after a crash does not store the same dead letter twice; it is NULL for records without
    -- a position (stdin, HTTP), which are always stored.
    CREATE TABLE dead_letter (
        id               INTEGER PRIMARY KEY,
        received_time_ms INTEGER NOT NULL,
        source_name      TEXT    NOT NULL,
        source_topic     TEXT,
        source_partition INTEGER,
        source_offset    INTEGER,
        error_kind       TEXT    NOT NULL,
        error            TEXT    NOT NULL,
        payload          BLOB    NOT NULL,
        origin_key       TEXT    UNIQUE
    );
    CREATE INDEX dead_letter_by_time ON dead_letter (received_time_ms);

    -- Next offset to read per source and topic-partition: everything below it is durably
    -- stored (a contiguous watermark). Written in the same transaction as the rows.
    CREATE TABLE input_position (
        source_name TEXT    NOT NULL,
        topic       TEXT    NOT NULL,
        partition   INTEGER NOT NULL,
        next_offset INTEGER NOT NULL CHECK (next_offset >= 0),
        PRIMARY KEY (source_name, topic, partition)
    ) WITHOUT ROWID;
    "#,
];

/// The schema version this code writes.
pub(crate) const VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the store up to [`VERSION`], refusing files that are not fieldkit stores or that a
/// newer fieldkit has migrated further.
pub(crate) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    // The common case, an up-to-date store, needs no write lock: readers such as
    // `fieldkit events` must not queue behind a busy pipeline just to open the file.
    let app_id: i32 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if app_id == APPLICATION_ID && version == VERSION {
        return Ok(());
    }
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let app_id: i32 = tx.pragma_query_value(None, "application_id", |r| r.get(0))?;
        let version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if app_id != APPLICATION_ID {
            let tables: i64 = tx.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
            if app_id != 0 || version != 0 || tables != 0 {
                let why = format!(
                    "a SQLite database of something else: application_id {app_id:#x}, user_version {version}, {tables} schema objects"
                );
                return Err(StoreError::NotAStore { path: path.to_owned(), why });
            }
            tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        }
        if version < 0 {
            let why = format!("negative user_version {version}");
            return Err(StoreError::NotAStore { path: path.to_owned(), why });
        }
        if version > VERSION {
            return Err(StoreError::SchemaTooNew { found: version, supported: VERSION });
        }
        if version == VERSION {
            tx.commit()?;
            return Ok(());
        }
        // `version` is in 0..VERSION here, so the index is in bounds.
        let step = MIGRATIONS[usize::try_from(version).unwrap_or(0)];
        tx.execute_batch(step)?;
        tx.pragma_update(None, "user_version", version + 1)?;
        tx.commit()?;
    }
}
