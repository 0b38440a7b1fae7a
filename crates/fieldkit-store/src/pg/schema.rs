//! Versioned schema migrations of the PostgreSQL store.
//!
//! The version is the highest row of the `fieldkit_schema` table in the store's schema;
//! migration `i` (0-based) takes it from `i` to `i + 1`. All pending steps run in ONE
//! transaction with their version rows, under a transaction-scoped advisory lock keyed by the
//! schema name, so several pipelines starting at once against an empty database apply each step
//! exactly once (the others wait on the lock, then find the work done). PostgreSQL DDL is
//! transactional: a failure leaves the previous version intact. Migrations are append-only:
//! never edit one that has shipped, add the next.

use postgres::Client;

use super::{ident, pg_err};
use crate::error::StoreError;

/// First key of the advisory lock ("FKST", as the SQLite store's application id); the second
/// is `hashtext(schema)`.
const LOCK_CLASS: i32 = 0x464B_5354;

const MIGRATIONS: &[&str] = &[
    // 1: monitoring summaries, current state per series, dead letters, input positions (the
    // SQLite store's tables, in PostgreSQL types). Keys compare byte-wise (COLLATE "C"), as in
    // SQLite, so the current state's tie-break does not depend on the server's locale.
    r#"
    CREATE TABLE monitoring (
        id               bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        dedup_key        text    COLLATE "C" NOT NULL UNIQUE,
        event_time_ms    bigint  NOT NULL,
        received_time_ms bigint  NOT NULL,
        tenant           text    NOT NULL,
        environment      text    NOT NULL,
        node             text    NOT NULL,
        check_name       text    NOT NULL,
        alarm            text,
        state            text    NOT NULL CHECK (state IN ('OK', 'WARNING', 'CRITICAL', 'UNKNOWN')),
        previous_state   text             CHECK (previous_state IN ('OK', 'WARNING', 'CRITICAL', 'UNKNOWN')),
        message          text,
        metrics          jsonb   NOT NULL DEFAULT '[]',
        source_topic     text,
        source_partition integer,
        source_offset    bigint
    );
    CREATE INDEX monitoring_by_time ON monitoring (event_time_ms);
    CREATE INDEX monitoring_by_series ON monitoring (tenant, environment, node, check_name, alarm, event_time_ms);

    CREATE TABLE current_state (
        tenant        text   NOT NULL,
        environment   text   NOT NULL,
        node          text   NOT NULL,
        check_name    text   NOT NULL,
        alarm         text   NOT NULL,
        state         text   NOT NULL,
        event_time_ms bigint NOT NULL,
        dedup_key     text   COLLATE "C" NOT NULL,
        message       text,
        PRIMARY KEY (tenant, environment, node, check_name, alarm)
    );
    CREATE INDEX current_state_by_state ON current_state (state, tenant);

    CREATE TABLE dead_letter (
        id               bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        received_time_ms bigint  NOT NULL,
        source_name      text    NOT NULL,
        source_topic     text,
        source_partition integer,
        source_offset    bigint,
        error_kind       text    NOT NULL,
        error            text    NOT NULL,
        payload          bytea   NOT NULL,
        origin_key       text    UNIQUE
    );
    CREATE INDEX dead_letter_by_time ON dead_letter (received_time_ms);

    CREATE TABLE input_position (
        source_name text    NOT NULL,
        topic       text    NOT NULL,
        partition   integer NOT NULL,
        next_offset bigint  NOT NULL CHECK (next_offset >= 0),
        PRIMARY KEY (source_name, topic, partition)
    );
    "#,
];

/// The schema version this code writes.
pub(crate) const VERSION: i32 = MIGRATIONS.len() as i32;

/// Creates the schema if needed and brings it up to [`VERSION`]; returns the version found.
/// The session's `search_path` must already name `schema`.
pub(crate) fn migrate(client: &mut Client, schema: &str) -> Result<i32, StoreError> {
    let mut tx = client.transaction().map_err(pg_err)?;
    tx.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", &[&LOCK_CLASS, &schema]).map_err(pg_err)?;
    // CREATE SCHEMA IF NOT EXISTS would need the CREATE privilege even when the schema exists.
    let exists = tx.query_opt("SELECT 1 FROM pg_namespace WHERE nspname = $1", &[&schema]).map_err(pg_err)?.is_some();
    if !exists {
        tx.batch_execute(&format!("CREATE SCHEMA {}", ident(schema))).map_err(pg_err)?;
    }
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS fieldkit_schema (
            version    integer     PRIMARY KEY,
            applied_at timestamptz NOT NULL DEFAULT now()
        )",
    )
    .map_err(pg_err)?;
    let found: i32 = tx.query_one("SELECT coalesce(max(version), 0) FROM fieldkit_schema", &[]).map_err(pg_err)?.get(0);
    if found > VERSION {
        return Err(StoreError::SchemaTooNew { found: found.into(), supported: VERSION.into() });
    }
    for (i, step) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
        tx.batch_execute(step).map_err(pg_err)?;
        let v = i as i32 + 1;
        tx.execute("INSERT INTO fieldkit_schema (version) VALUES ($1)", &[&v]).map_err(pg_err)?;
    }
    tx.commit().map_err(pg_err)?;
    Ok(found)
}
