//! The PostgreSQL store: the same contract as the SQLite [`Store`](crate::Store) for shared
//! deployments where several pipelines (or a pipeline and its readers) use one database.
//!
//! * [`PgStore::commit`] writes a [`Batch`] in ONE transaction: summaries unique by dedup key
//!   (`INSERT ... ON CONFLICT DO NOTHING RETURNING`, so new and duplicate are counted exactly),
//!   the current state per series moving only forward in `(event_time_ms, dedup_key)`, dead
//!   letters unique by origin key when positioned, and positions that only advance. Each table
//!   takes one statement whatever the batch size (`unnest` over array parameters), so a commit
//!   is BEGIN, at most three statements and COMMIT.
//! * Connection loss, a server that is down or starting or shutting down, serialization
//!   failures, deadlocks and lock timeouts are [`StoreError::Unavailable`]
//!   ([`StoreError::is_retryable`]): nothing of the batch was written, the connection is
//!   dropped, and the next call reconnects.
//! * Migrations are versioned in a `fieldkit_schema` table and run under an advisory lock
//!   ([`schema`]), in the PostgreSQL schema the target names (`public` unless set).
//! * TLS: through OpenSSL (already linked for librdkafka). `sslmode` in the URL is honoured as
//!   tokio-postgres does: `disable`, `prefer` (the default: TLS when the server offers it) and
//!   `require`. When TLS is used the server's certificate is verified against the system's
//!   trust store (`SSL_CERT_FILE` / `SSL_CERT_DIR` select another), and its name is checked.
//! * Passwords: `${PGPASSWORD}` in a pipeline's URL, or no password in the URL and the
//!   `PGPASSWORD` environment variable (as libpq). [`PgTarget`]'s `Debug` and every error text
//!   show the URL with its password replaced by `***`.
//!
//! The sync `postgres` client runs its own small runtime: call [`PgStore`] from a blocking
//! thread (tokio's `spawn_blocking`), never directly from async code. Dropping a `PgStore` is
//! safe anywhere (the connection is closed on a helper thread).

pub(crate) mod schema;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use openssl::ssl::{SslConnector, SslMethod};
use postgres::Client;
use postgres_openssl::MakeTlsConnector;

mod query;

use crate::batch::{Batch, CommitOutcome};
use crate::error::StoreError;
use crate::position::InputPosition;
use crate::store::{Stats, validate};
use fieldkit_events::State;

/// True when `s` names a PostgreSQL store (`postgres://` or `postgresql://`) rather than a file.
pub fn is_postgres_url(s: &str) -> bool {
    let lower = s.get(..13).unwrap_or(s).to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

/// Where a PostgreSQL store is and how to talk to it; parsed offline ([`PgTarget::parse`]), so
/// `fieldkit validate` checks it without connecting.
#[derive(Clone, PartialEq, Eq)]
pub struct PgTarget {
    /// The URL as given, less a `schema` query parameter.
    url: String,
    /// PostgreSQL schema holding the tables: `[a-z_][a-z0-9_]*`, at most 63 bytes.
    pub schema: String,
    /// How long connecting may take.
    pub connect_timeout: Duration,
    /// How long a statement waits for a row lock another session holds before the batch fails
    /// (retryably) with a lock timeout.
    pub lock_timeout: Duration,
}

impl fmt::Debug for PgTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgTarget")
            .field("url", &redact_url(&self.url))
            .field("schema", &self.schema)
            .field("connect_timeout", &self.connect_timeout)
            .field("lock_timeout", &self.lock_timeout)
            .finish()
    }
}

impl PgTarget {
    /// Parses `postgres://user[:password]@host[:port]/db[?params]`. libpq parameters that the
    /// `postgres` crate knows (`sslmode`, `connect_timeout`, `application_name`, `options`, ...)
    /// are kept; `schema=NAME` is fieldkit's own and selects the PostgreSQL schema.
    pub fn parse(url: &str) -> Result<PgTarget, StoreError> {
        if !is_postgres_url(url) {
            return Err(StoreError::InvalidUrl(format!(
                "`{}` does not start with postgres:// or postgresql://",
                redact_url(url)
            )));
        }
        let (base, query) = match url.split_once('?') {
            Some((b, q)) => (b, Some(q)),
            None => (url, None),
        };
        let mut schema = None;
        let mut kept = Vec::new();
        for pair in query.into_iter().flat_map(|q| q.split('&')).filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some(("schema", v)) => schema = Some(v.to_owned()),
                _ => kept.push(pair),
            }
        }
        let url = if kept.is_empty() { base.to_owned() } else { format!("{base}?{}", kept.join("&")) };
        let config: postgres::Config =
            url.parse().map_err(|e: postgres::Error| StoreError::InvalidUrl(redact_url(&e.to_string())))?;
        if config.get_hosts().is_empty() {
            return Err(StoreError::InvalidUrl("no host: name one, e.g. postgres://user@localhost/fieldkit".into()));
        }
        let mut target = PgTarget {
            url,
            schema: "public".to_owned(),
            connect_timeout: config.get_connect_timeout().copied().unwrap_or(Duration::from_secs(10)),
            lock_timeout: Duration::from_secs(5),
        };
        if let Some(s) = schema {
            target = target.with_schema(&s)?;
        }
        Ok(target)
    }

    /// The same target with another PostgreSQL schema.
    pub fn with_schema(mut self, schema: &str) -> Result<PgTarget, StoreError> {
        check_schema_name(schema)?;
        self.schema = schema.to_owned();
        Ok(self)
    }

    /// The URL with any password replaced by `***`, for messages.
    pub fn redacted(&self) -> String {
        let url = redact_url(&self.url);
        if self.schema == "public" { url } else { format!("{url} (schema {})", self.schema) }
    }

    fn config(&self) -> Result<postgres::Config, StoreError> {
        let mut config: postgres::Config =
            self.url.parse().map_err(|e: postgres::Error| StoreError::InvalidUrl(redact_url(&e.to_string())))?;
        config.connect_timeout(self.connect_timeout);
        // Notice a server that vanished without closing the connection (a cut network).
        config.keepalives_idle(Duration::from_secs(30));
        if config.get_password().is_none()
            && let Ok(p) = std::env::var("PGPASSWORD")
        {
            config.password(p);
        }
        if config.get_application_name().is_none() {
            config.application_name("fieldkit");
        }
        Ok(config)
    }
}

/// Lower-case identifiers only, so that the name never needs quoting rules beyond `"..."`.
fn check_schema_name(s: &str) -> Result<(), StoreError> {
    let ok = !s.is_empty()
        && s.len() <= 63
        && s.bytes().next().is_some_and(|b| b == b'_' || b.is_ascii_lowercase())
        && s.bytes().all(|b| b == b'_' || b.is_ascii_lowercase() || b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(StoreError::InvalidUrl(format!(
            "schema `{s}`: use lower-case letters, digits and `_` (not first), at most 63 characters"
        )))
    }
}

/// A checked schema name as a quoted identifier.
pub(crate) fn ident(schema: &str) -> String {
    format!("\"{schema}\"")
}

/// `scheme://user:secret@host` → `scheme://user:***@host`; `password=secret` → `password=***`.
pub fn redact_url(s: &str) -> String {
    let mut out = s.to_owned();
    if let Some(scheme_end) = out.find("://") {
        let rest_start = scheme_end + 3;
        let rest = &out[rest_start..];
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        if let Some(at) = rest[..authority_end].rfind('@')
            && let Some(colon) = rest[..at].find(':')
        {
            out.replace_range(rest_start + colon + 1..rest_start + at, "***");
        }
    }
    // Key-value form, and `password=` in a URL's query.
    let mut result = String::with_capacity(out.len());
    let mut rest = out.as_str();
    while let Some(i) = rest.find("password=") {
        let value_start = i + "password=".len();
        result.push_str(&rest[..value_start]);
        result.push_str("***");
        let tail = &rest[value_start..];
        let end = tail.find(['&', ' ']).unwrap_or(tail.len());
        rest = &tail[end..];
    }
    result.push_str(rest);
    result
}

/// Maps a client error, deciding whether retrying may help.
pub(crate) fn pg_err(e: postgres::Error) -> StoreError {
    let detail = match e.as_db_error() {
        Some(db) => format!("{} ({}): {}", db.severity(), db.code().code(), db.message()),
        None => {
            let mut d = e.to_string();
            let mut src = std::error::Error::source(&e);
            while let Some(s) = src {
                let more = s.to_string();
                if !d.contains(&more) {
                    d.push_str(": ");
                    d.push_str(&more);
                }
                src = s.source();
            }
            d
        }
    };
    let detail = redact_url(&detail);
    if is_transient(&e) { StoreError::Unavailable { detail } } else { StoreError::Postgres { detail } }
}

fn is_transient(e: &postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    if let Some(code) = e.code() {
        let c = code.code();
        // 08: connection exceptions; 53: insufficient resources (too many connections, disk
        // full); 57P0x: admin/crash shutdown, cannot connect now (starting up); 40001
        // serialization failure; 40P01 deadlock; 55P03 lock not available (lock_timeout);
        // 57014 query canceled (statement_timeout).
        return c.starts_with("08")
            || c.starts_with("53")
            || c.starts_with("57P")
            || matches!(c, "40001" | "40P01" | "55P03" | "57014");
    }
    // No SQLSTATE: an I/O problem (refused, reset, timed out) is transient; anything else (TLS
    // set-up, a value the client cannot encode) is not.
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        if s.is::<std::io::Error>() {
            return true;
        }
        src = s.source();
    }
    false
}

/// A PostgreSQL store: one connection, re-established after a transient failure.
///
/// Like [`Store`](crate::Store), one `PgStore` is used from one thread at a time (it is `Send`).
/// Any number of processes may use one database and schema: batches are transactions, and
/// their statements are idempotent.
pub struct PgStore {
    target: PgTarget,
    tls: MakeTlsConnector,
    client: Option<Client>,
}

impl fmt::Debug for PgStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgStore").field("target", &self.target).field("connected", &self.client.is_some()).finish()
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        // The sync client closes its connection by blocking on its own runtime, which panics
        // on a thread that is running async code: close it on a helper thread instead.
        if let Some(client) = self.client.take() {
            std::thread::scope(|s| {
                s.spawn(move || drop(client));
            });
        }
    }
}

impl PgStore {
    /// Connects, creating the schema and its tables or migrating them when needed. A server
    /// that cannot be reached is [`StoreError::Unavailable`] (retryable).
    pub fn connect(target: &PgTarget) -> Result<PgStore, StoreError> {
        let builder = SslConnector::builder(SslMethod::tls_client())
            .map_err(|e| StoreError::Postgres { detail: format!("TLS set-up: {e}") })?;
        let mut store = PgStore { target: target.clone(), tls: MakeTlsConnector::new(builder.build()), client: None };
        store.client()?;
        Ok(store)
    }

    pub fn target(&self) -> &PgTarget {
        &self.target
    }

    /// The open connection, connecting (and migrating) first when there is none.
    fn client(&mut self) -> Result<&mut Client, StoreError> {
        if self.client.is_none() {
            let config = self.target.config()?;
            let mut client = config.connect(self.tls.clone()).map_err(pg_err)?;
            let lock_ms = self.target.lock_timeout.as_millis().min(i32::MAX as u128);
            client
                .batch_execute(&format!(
                    "SET search_path TO {}; SET lock_timeout = {lock_ms}",
                    ident(&self.target.schema)
                ))
                .map_err(pg_err)?;
            schema::migrate(&mut client, &self.target.schema)?;
            self.client = Some(client);
        }
        Ok(self.client.as_mut().expect("connected above"))
    }

    /// Runs `f` on the connection; a transient failure drops the connection so the next call
    /// reconnects.
    fn with<T>(&mut self, f: impl FnOnce(&mut Client) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let r = f(self.client()?);
        if let Err(e) = &r
            && e.is_retryable()
            && let Some(client) = self.client.take()
        {
            std::thread::scope(|s| {
                s.spawn(move || drop(client));
            });
        }
        r
    }

    /// The schema version of the store.
    pub fn schema_version(&mut self) -> Result<i64, StoreError> {
        self.with(|c| {
            let v: i32 =
                c.query_one("SELECT coalesce(max(version), 0) FROM fieldkit_schema", &[]).map_err(pg_err)?.get(0);
            Ok(v.into())
        })
    }

    /// Writes a batch in one transaction: all of it or nothing (see the module docs). On a
    /// retryable error nothing was written and the same batch can be committed again.
    pub fn commit(&mut self, batch: &Batch) -> Result<CommitOutcome, StoreError> {
        validate(batch)?;
        let rows = Rows::of(batch)?;
        self.with(|c| {
            let mut tx = c.transaction().map_err(pg_err)?;
            let mut out = CommitOutcome::default();
            if !batch.events.is_empty() {
                let e = &rows.events;
                let new: i64 = tx
                    .query_one(
                        INSERT_EVENTS,
                        &[
                            &e.dedup_key,
                            &e.event_time_ms,
                            &e.received_time_ms,
                            &e.tenant,
                            &e.environment,
                            &e.node,
                            &e.check,
                            &e.alarm,
                            &e.state,
                            &e.previous_state,
                            &e.message,
                            &e.metrics,
                            &e.topic,
                            &e.partition,
                            &e.offset,
                        ],
                    )
                    .map_err(pg_err)?
                    .get(0);
                out.events_new = new.max(0) as u64;
                out.events_duplicate = batch.events.len() as u64 - out.events_new;
            }
            if !batch.dead_letters.is_empty() {
                let d = &rows.dead;
                let new = tx
                    .execute(
                        INSERT_DEAD_LETTERS,
                        &[
                            &d.received_time_ms,
                            &d.source_name,
                            &d.topic,
                            &d.partition,
                            &d.offset,
                            &d.error_kind,
                            &d.error,
                            &d.payload,
                            &d.origin_key,
                        ],
                    )
                    .map_err(pg_err)?;
                out.dead_letters_new = new;
                out.dead_letters_duplicate = batch.dead_letters.len() as u64 - new;
            }
            if !rows.positions.is_empty() {
                let (mut s, mut t, mut p, mut n) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
                for ((source, topic, partition), next) in &rows.positions {
                    s.push(&**source);
                    t.push(&**topic);
                    p.push(*partition);
                    n.push(*next);
                }
                out.positions_advanced = tx.execute(ADVANCE_POSITIONS, &[&s, &t, &p, &n]).map_err(pg_err)?;
            }
            tx.commit().map_err(pg_err)?;
            Ok(out)
        })
    }

    /// Stored positions of a source, by topic and partition.
    pub fn positions(&mut self, source_name: &str) -> Result<Vec<InputPosition>, StoreError> {
        let source_name = pg_text(source_name);
        self.with(|c| {
            let rows = c
                .query(
                    "SELECT topic, partition, next_offset FROM input_position WHERE source_name = $1
                     ORDER BY topic COLLATE \"C\", partition",
                    &[&source_name.as_ref()],
                )
                .map_err(pg_err)?;
            Ok(rows
                .iter()
                .map(|r| InputPosition { topic: r.get(0), partition: r.get(1), next_offset: r.get(2) })
                .collect())
        })
    }

    /// Every stored position of every source, by source, topic and partition.
    pub fn all_positions(&mut self) -> Result<Vec<(String, InputPosition)>, StoreError> {
        self.with(|c| {
            let rows = c
                .query(
                    "SELECT source_name, topic, partition, next_offset FROM input_position
                     ORDER BY source_name COLLATE \"C\", topic COLLATE \"C\", partition",
                    &[],
                )
                .map_err(pg_err)?;
            Ok(rows
                .iter()
                .map(|r| (r.get(0), InputPosition { topic: r.get(1), partition: r.get(2), next_offset: r.get(3) }))
                .collect())
        })
    }

    /// Counts per kind of record (exact counts: `count(*)`).
    pub fn stats(&mut self) -> Result<Stats, StoreError> {
        self.with(|c| {
            let r = c
                .query_one(
                    "SELECT (SELECT count(*) FROM monitoring), (SELECT count(*) FROM dead_letter),
                            (SELECT count(*) FROM input_position)",
                    &[],
                )
                .map_err(pg_err)?;
            let n = |i: usize| r.get::<_, i64>(i).max(0) as u64;
            Ok(Stats { monitoring: n(0), dead_letter: n(1), input_position: n(2) })
        })
    }
}

/// PostgreSQL text cannot hold NUL: it becomes U+FFFD (the SQLite store keeps it).
fn pg_text(s: &str) -> Cow<'_, str> {
    if s.contains('\0') { Cow::Owned(s.replace('\0', "\u{FFFD}")) } else { Cow::Borrowed(s) }
}

fn pg_opt(s: Option<&str>) -> Option<Cow<'_, str>> {
    s.map(pg_text)
}

/// jsonb refuses `\u0000` in strings as well.
fn metrics_json(e: &fieldkit_events::MonitoringEvent) -> Result<String, StoreError> {
    let bad = |err: serde_json::Error| StoreError::InvalidBatch(format!("event {}: metrics: {err}", e.dedup_key));
    let text = serde_json::to_string(&e.metrics).map_err(bad)?;
    if !text.contains("\\u0000") {
        return Ok(text);
    }
    fn clean(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::String(s) => *s = s.replace('\0', "\u{FFFD}"),
            serde_json::Value::Array(a) => a.iter_mut().for_each(clean),
            serde_json::Value::Object(o) => {
                let entries: Vec<(String, serde_json::Value)> = std::mem::take(o).into_iter().collect();
                for (k, mut v) in entries {
                    clean(&mut v);
                    o.insert(k.replace('\0', "\u{FFFD}"), v);
                }
            }
            _ => {}
        }
    }
    let mut v = serde_json::to_value(&e.metrics).map_err(bad)?;
    clean(&mut v);
    serde_json::to_string(&v).map_err(bad)
}

/// A batch as column arrays (one `unnest` per table).
#[derive(Default)]
struct Rows<'a> {
    events: EventColumns<'a>,
    dead: DeadColumns<'a>,
    /// Positions per (source, topic, partition), the furthest of the batch.
    positions: BTreeMap<(Cow<'a, str>, Cow<'a, str>, i32), i64>,
}

#[derive(Default)]
struct EventColumns<'a> {
    dedup_key: Vec<Cow<'a, str>>,
    event_time_ms: Vec<i64>,
    received_time_ms: Vec<i64>,
    tenant: Vec<Cow<'a, str>>,
    environment: Vec<Cow<'a, str>>,
    node: Vec<Cow<'a, str>>,
    check: Vec<Cow<'a, str>>,
    alarm: Vec<Option<Cow<'a, str>>>,
    state: Vec<&'static str>,
    previous_state: Vec<Option<&'static str>>,
    message: Vec<Option<Cow<'a, str>>>,
    metrics: Vec<String>,
    topic: Vec<Option<Cow<'a, str>>>,
    partition: Vec<Option<i32>>,
    offset: Vec<Option<i64>>,
}

#[derive(Default)]
struct DeadColumns<'a> {
    received_time_ms: Vec<i64>,
    source_name: Vec<Cow<'a, str>>,
    topic: Vec<Option<Cow<'a, str>>>,
    partition: Vec<Option<i32>>,
    offset: Vec<Option<i64>>,
    error_kind: Vec<Cow<'a, str>>,
    error: Vec<Cow<'a, str>>,
    payload: Vec<&'a [u8]>,
    origin_key: Vec<Option<String>>,
}

impl<'a> Rows<'a> {
    fn of(batch: &'a Batch) -> Result<Rows<'a>, StoreError> {
        let mut r = Rows::default();
        let e = &mut r.events;
        for ev in &batch.events {
            e.dedup_key.push(pg_text(&ev.dedup_key));
            e.event_time_ms.push(ev.event_time_ms);
            e.received_time_ms.push(ev.received_time_ms);
            e.tenant.push(pg_text(&ev.tenant));
            e.environment.push(pg_text(&ev.environment));
            e.node.push(pg_text(&ev.node));
            e.check.push(pg_text(&ev.check));
            e.alarm.push(pg_opt(ev.alarm.as_deref()));
            e.state.push(ev.state.as_str());
            e.previous_state.push(ev.previous_state.map(State::as_str));
            e.message.push(pg_opt(ev.message.as_deref()));
            e.metrics.push(metrics_json(ev)?);
            let src = ev.source.as_ref();
            e.topic.push(pg_opt(src.map(|s| s.topic.as_str())));
            e.partition.push(src.map(|s| s.partition));
            e.offset.push(src.map(|s| s.offset));
        }
        let d = &mut r.dead;
        for dl in &batch.dead_letters {
            let pos = dl.position.as_ref();
            d.received_time_ms.push(dl.received_time_ms);
            d.source_name.push(pg_text(&dl.source_name));
            d.topic.push(pg_opt(pos.map(|p| p.topic.as_str())));
            d.partition.push(pos.map(|p| p.partition));
            d.offset.push(pos.map(|p| p.offset));
            d.error_kind.push(pg_text(&dl.error_kind));
            d.error.push(pg_text(&dl.error));
            d.payload.push(&dl.payload);
            d.origin_key.push(dl.origin_key().map(|k| pg_text(&k).into_owned()));
        }
        for p in &batch.positions {
            let next =
                r.positions.entry((pg_text(&p.source_name), pg_text(&p.topic), p.partition)).or_insert(p.next_offset);
            *next = (*next).max(p.next_offset);
        }
        Ok(r)
    }
}

// One statement for the summaries and the current state: the rows actually inserted (not the
// duplicates) feed the upsert, which keeps per series the greatest (event_time_ms, dedup_key)
// of the batch and replaces the stored row only when that is greater still.
const INSERT_EVENTS: &str = r#"
WITH ins AS (
    INSERT INTO monitoring (dedup_key, event_time_ms, received_time_ms, tenant, environment, node,
        check_name, alarm, state, previous_state, message, metrics, source_topic, source_partition, source_offset)
    SELECT k, et, rt, te, en, no, ch, al, st, ps, me, mt::jsonb, tp, pa, os
    FROM unnest($1::text[], $2::int8[], $3::int8[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::int4[], $15::int8[])
         AS b(k, et, rt, te, en, no, ch, al, st, ps, me, mt, tp, pa, os)
    ORDER BY k COLLATE "C"
    ON CONFLICT (dedup_key) DO NOTHING
    RETURNING dedup_key, event_time_ms, tenant, environment, node, check_name, alarm, state, message
), cur AS (
    INSERT INTO current_state (tenant, environment, node, check_name, alarm, state, event_time_ms, dedup_key, message)
    SELECT DISTINCT ON (tenant, environment, node, check_name, coalesce(alarm, ''))
           tenant, environment, node, check_name, coalesce(alarm, ''), state, event_time_ms, dedup_key, message
    FROM ins
    ORDER BY tenant, environment, node, check_name, coalesce(alarm, ''), event_time_ms DESC, dedup_key DESC
    ON CONFLICT (tenant, environment, node, check_name, alarm) DO UPDATE SET
        state = EXCLUDED.state, event_time_ms = EXCLUDED.event_time_ms,
        dedup_key = EXCLUDED.dedup_key, message = EXCLUDED.message
    WHERE (EXCLUDED.event_time_ms, EXCLUDED.dedup_key) > (current_state.event_time_ms, current_state.dedup_key)
)
SELECT count(*) FROM ins"#;

const INSERT_DEAD_LETTERS: &str = r#"
INSERT INTO dead_letter (received_time_ms, source_name, source_topic, source_partition, source_offset,
    error_kind, error, payload, origin_key)
SELECT * FROM unnest($1::int8[], $2::text[], $3::text[], $4::int4[], $5::int8[], $6::text[], $7::text[],
                     $8::bytea[], $9::text[])
ON CONFLICT (origin_key) DO NOTHING"#;

const ADVANCE_POSITIONS: &str = r#"
INSERT INTO input_position (source_name, topic, partition, next_offset)
SELECT * FROM unnest($1::text[], $2::text[], $3::int4[], $4::int8[])
ON CONFLICT (source_name, topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset
WHERE input_position.next_offset < EXCLUDED.next_offset"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact_url("postgres://fk:s3cr%40t@db:5432/x"), "postgres://fk:***@db:5432/x");
        assert_eq!(redact_url("postgres://fk@db/x"), "postgres://fk@db/x");
        assert_eq!(redact_url("host=db password=hunter2 user=fk"), "host=db password=*** user=fk");
        assert_eq!(
            redact_url("postgres://db/x?password=p&sslmode=require"),
            "postgres://db/x?password=***&sslmode=require"
        );
        let t = PgTarget::parse("postgres://fk:hunter2@db:5433/x?schema=fk_a&sslmode=disable").unwrap();
        let dbg = format!("{t:?}");
        assert!(!dbg.contains("hunter2") && dbg.contains("fk_a"), "{dbg}");
        assert!(!t.redacted().contains("hunter2"));
    }

    #[test]
    fn urls_are_checked_offline() {
        assert!(PgTarget::parse("postgres://u@localhost/db").is_ok());
        assert_eq!(PgTarget::parse("postgresql://u@h/db?schema=s1").unwrap().schema, "s1");
        for bad in [
            "mysql://h/db",
            "postgres://u@h/db?schema=Bad-Name",
            "postgres://u@h:notaport/db",
            "postgres://u@h/db?bogus=1",
        ] {
            let e = PgTarget::parse(bad).unwrap_err();
            assert!(matches!(e, StoreError::InvalidUrl(_)), "{bad}: {e}");
        }
        let e = PgTarget::parse("postgres://u:hunter2@h:x/db").unwrap_err().to_string();
        assert!(!e.contains("hunter2"), "{e}");
    }

    #[test]
    fn nul_never_reaches_postgres_text() {
        assert_eq!(pg_text("a\0b"), "a\u{FFFD}b");
        assert!(matches!(pg_text("ab"), Cow::Borrowed(_)));
    }
}
