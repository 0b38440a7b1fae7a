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
    // 2: a layout that writes less per event. Version 1 added every event at a random place in
    // four B-trees (the dedup key, a six-column series index, the current-state key and its
    // state index), so a 1,000-event transaction dirtied thousands of pages. Now:
    // * `series` holds each series once, with its current state (was `current_state`), so an
    //   event row carries an integer instead of five strings;
    // * events are unique by dedup key through an index of its 64-bit hash (8 bytes a key
    //   instead of the key's text); the key itself is compared on the rare hash match;
    // * the series index is gone: the state an event changed from is recorded when it is
    //   written (`prior_state`), which was the index's main use;
    // * `monitoring` and `current_state` remain, as views, for readers and ad-hoc SQL.
    r#"
    CREATE TABLE series (
        id            INTEGER PRIMARY KEY,
        tenant        TEXT    NOT NULL,
        environment   TEXT    NOT NULL,
        node          TEXT    NOT NULL,
        check_name    TEXT    NOT NULL,
        alarm         TEXT    NOT NULL,
        state         TEXT    NOT NULL CHECK (state IN ('OK', 'WARNING', 'CRITICAL', 'UNKNOWN')),
        event_time_ms INTEGER NOT NULL,
        dedup_key     TEXT    NOT NULL,
        message       TEXT,
        UNIQUE (tenant, environment, node, check_name, alarm)
    );
    INSERT INTO series (tenant, environment, node, check_name, alarm, state, event_time_ms, dedup_key, message)
        SELECT tenant, environment, node, check_name, alarm, state, event_time_ms, dedup_key, message
        FROM current_state ORDER BY tenant, environment, node, check_name, alarm;

    -- prior_state: the state of the latest earlier event of the series when this one was
    -- written; '' for the first event of its series; NULL when unknown (the event arrived
    -- after a later event of its series had been stored).
    CREATE TABLE event (
        id               INTEGER PRIMARY KEY,
        series_id        INTEGER NOT NULL REFERENCES series (id),
        dedup_hash       INTEGER NOT NULL,
        dedup_key        TEXT    NOT NULL,
        event_time_ms    INTEGER NOT NULL,
        received_time_ms INTEGER NOT NULL,
        state            TEXT    NOT NULL CHECK (state IN ('OK', 'WARNING', 'CRITICAL', 'UNKNOWN')),
        previous_state   TEXT             CHECK (previous_state IN ('OK', 'WARNING', 'CRITICAL', 'UNKNOWN')),
        prior_state      TEXT             CHECK (prior_state IN ('', 'OK', 'WARNING', 'CRITICAL', 'UNKNOWN')),
        message          TEXT,
        metrics          TEXT    NOT NULL DEFAULT '[]',
        source_topic     TEXT,
        source_partition INTEGER,
        source_offset    INTEGER
    );
    INSERT INTO event (id, series_id, dedup_hash, dedup_key, event_time_ms, received_time_ms, state,
            previous_state, prior_state, message, metrics, source_topic, source_partition, source_offset)
        SELECT m.id, s.id, fieldkit_dedup_hash(m.dedup_key), m.dedup_key, m.event_time_ms, m.received_time_ms,
            m.state, m.previous_state,
            COALESCE((SELECT p.state FROM monitoring p
                WHERE p.tenant = m.tenant AND p.environment = m.environment AND p.node = m.node
                  AND p.check_name = m.check_name AND p.alarm IS m.alarm
                  AND (p.event_time_ms, p.dedup_key) < (m.event_time_ms, m.dedup_key)
                ORDER BY p.event_time_ms DESC, p.dedup_key DESC LIMIT 1), ''),
            m.message, m.metrics, m.source_topic, m.source_partition, m.source_offset
        FROM monitoring m JOIN series s
          ON s.tenant = m.tenant AND s.environment = m.environment AND s.node = m.node
         AND s.check_name = m.check_name AND s.alarm = COALESCE(m.alarm, '')
        ORDER BY m.id;
    DROP TABLE monitoring;
    DROP TABLE current_state;
    CREATE INDEX event_by_dedup_hash ON event (dedup_hash);
    CREATE INDEX event_by_time ON event (event_time_ms);

    CREATE VIEW monitoring AS
        SELECT e.id, e.dedup_key, e.event_time_ms, e.received_time_ms, s.tenant, s.environment, s.node,
            s.check_name, NULLIF(s.alarm, '') AS alarm, e.state, e.previous_state, e.prior_state, e.message,
            e.metrics, e.source_topic, e.source_partition, e.source_offset, e.series_id
        FROM event e JOIN series s ON s.id = e.series_id;
    CREATE VIEW current_state AS
        SELECT tenant, environment, node, check_name, alarm, state, event_time_ms, dedup_key, message,
            id AS series_id
        FROM series;
    "#,
];

/// The 64-bit identity hash of a dedup key: the first 8 bytes of its SHA-256, big-endian, as a
/// signed integer (SQLite's integer type). Stable across versions: stores depend on it. Also
/// registered as the SQL function `fieldkit_dedup_hash(text)` for migrations.
pub(crate) fn dedup_hash(key: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(key.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first)
}

/// Registers the SQL functions migrations use.
pub(crate) fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("fieldkit_dedup_hash", 1, flags, |ctx| {
        let key: String = ctx.get(0)?;
        Ok(dedup_hash(&key))
    })
}

/// The schema version this code writes.
pub(crate) const VERSION: i64 = MIGRATIONS.len() as i64;

/// Creates a store file at an older schema `version`, for migration tests.
#[doc(hidden)]
pub fn create_at_version(path: &Path, version: i64) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    register_functions(&conn)?;
    conn.pragma_update(None, "application_id", APPLICATION_ID)?;
    for (i, step) in MIGRATIONS.iter().enumerate().take(usize::try_from(version).unwrap_or(0)) {
        conn.execute_batch(step)?;
        conn.pragma_update(None, "user_version", i as i64 + 1)?;
    }
    Ok(conn)
}

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
