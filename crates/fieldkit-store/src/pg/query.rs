//! Reading summaries back from PostgreSQL: what `fieldkit events` and `events top` show, with
//! the same filters, order and results as the SQLite store (`crate::query`).
//!
//! The filters are built by the same code as SQLite's; `?` placeholders are numbered for
//! PostgreSQL (`$1`, `$2`, …), which is safe because no query here has a `?` of its own.

use postgres::Row;
use postgres::types::ToSql;
use rusqlite::types::Value;

use super::{PgStore, pg_err};
use crate::error::StoreError;
use crate::query::{
    EVENT_COLUMNS, EventFilter, NoisyCheck, RawEvent, StateChange, StoredEvent, Top, TopQuery, group_alerting,
    parse_state, where_clause,
};

type Params = Vec<Box<dyn ToSql + Sync>>;

impl PgStore {
    /// Summaries matching `filter`, newest event time first (ties: newest row first).
    pub fn events(&mut self, filter: &EventFilter) -> Result<Vec<StoredEvent>, StoreError> {
        let mut args = Vec::new();
        let clause = where_clause(filter, &mut args)?;
        let sql = format!("SELECT {} FROM monitoring{clause} ORDER BY event_time_ms DESC, id DESC LIMIT ?", columns());
        self.read_events(&sql, args, filter.limit)
    }

    /// Summaries stored after row `after_id` that match `filter`, oldest row first (`--follow`).
    pub fn events_after(&mut self, filter: &EventFilter, after_id: i64) -> Result<Vec<StoredEvent>, StoreError> {
        let mut args = Vec::new();
        let clause = where_clause(filter, &mut args)?;
        let clause = if clause.is_empty() { " WHERE id > ?".to_owned() } else { format!("{clause} AND id > ?") };
        args.push(Value::Integer(after_id));
        let sql = format!("SELECT {} FROM monitoring{clause} ORDER BY id LIMIT ?", columns());
        self.read_events(&sql, args, filter.limit)
    }

    /// The id of the newest stored summary, 0 when there is none.
    pub fn last_event_id(&mut self) -> Result<i64, StoreError> {
        self.with(|c| Ok(c.query_one("SELECT COALESCE(max(id), 0) FROM monitoring", &[]).map_err(pg_err)?.get(0)))
    }

    /// The current picture: what is alerting per tenant, what is noisy, what changed recently.
    pub fn top(&mut self, q: &TopQuery) -> Result<Top, StoreError> {
        if q.window_ms <= 0 {
            return Err(StoreError::InvalidQuery(format!("window must be positive, got {} ms", q.window_ms)));
        }
        let since = q.now_ms.saturating_sub(q.window_ms);
        let limit = i64::try_from(q.limit).unwrap_or(i64::MAX);
        let per_tenant = q.limit;
        self.with(|c| {
            let alerting = c
                .query(
                    "SELECT tenant, environment, node, check_name, alarm, state, event_time_ms, message
                     FROM current_state WHERE state IN ('CRITICAL', 'WARNING')
                     ORDER BY tenant, state = 'WARNING', event_time_ms DESC, environment, node, check_name, alarm",
                    &[],
                )
                .map_err(pg_err)?
                .iter()
                .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5), r.get(6), r.get(7)))
                .collect();
            let noisiest = c
                .query(
                    "SELECT tenant, environment, node, check_name, count(*) AS events,
                            count(*) FILTER (WHERE state <> 'OK') AS not_ok
                     FROM monitoring WHERE event_time_ms > $1 AND event_time_ms <= $2
                     GROUP BY tenant, environment, node, check_name
                     ORDER BY events DESC, not_ok DESC, tenant, environment, node, check_name
                     LIMIT $3",
                    &[&since, &q.now_ms, &limit],
                )
                .map_err(pg_err)?
                .iter()
                .map(|r| NoisyCheck {
                    tenant: r.get(0),
                    environment: r.get(1),
                    node: r.get(2),
                    check: r.get(3),
                    events: r.get::<_, i64>(4).max(0) as u64,
                    not_ok: r.get::<_, i64>(5).max(0) as u64,
                })
                .collect();
            // The state before an event: the payload's own previous_state, else the latest
            // earlier summary of the same series, ordered by (event time, dedup key).
            let rows = c
                .query(
                    "SELECT id, event_time_ms, tenant, environment, node, check_name, alarm, prev, state, message FROM (
                        SELECT m.*, COALESCE(m.previous_state, (
                            SELECT p.state FROM monitoring p
                            WHERE p.tenant = m.tenant AND p.environment = m.environment AND p.node = m.node
                              AND p.check_name = m.check_name AND p.alarm IS NOT DISTINCT FROM m.alarm
                              AND (p.event_time_ms, p.dedup_key) < (m.event_time_ms, m.dedup_key)
                            ORDER BY p.event_time_ms DESC, p.dedup_key DESC LIMIT 1)) AS prev
                        FROM monitoring m WHERE m.event_time_ms > $1 AND m.event_time_ms <= $2) AS w
                     WHERE prev IS NULL OR prev <> state
                     ORDER BY event_time_ms DESC, id DESC
                     LIMIT $3",
                    &[&since, &q.now_ms, &limit],
                )
                .map_err(pg_err)?;
            let mut changes = Vec::with_capacity(rows.len());
            for r in &rows {
                let id: i64 = r.get(0);
                let prev: Option<String> = r.get(7);
                let state: String = r.get(8);
                changes.push(StateChange {
                    id,
                    event_time_ms: r.get(1),
                    tenant: r.get(2),
                    environment: r.get(3),
                    node: r.get(4),
                    check: r.get(5),
                    alarm: r.get(6),
                    from: prev.map(|p| parse_state("monitoring", id, &p)).transpose()?,
                    to: parse_state("monitoring", id, &state)?,
                    message: r.get(9),
                });
            }
            Ok(Top {
                now_ms: q.now_ms,
                window_ms: q.window_ms,
                alerting: group_alerting(alerting, per_tenant)?,
                noisiest,
                changes,
            })
        })
    }

    fn read_events(
        &mut self,
        sql: &str,
        args: Vec<Value>,
        limit: Option<usize>,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let mut params: Params = args
            .into_iter()
            .map(|v| -> Box<dyn ToSql + Sync> {
                match v {
                    Value::Integer(i) => Box::new(i),
                    Value::Text(t) => Box::new(t),
                    // where_clause only binds text and integers.
                    _ => Box::new(Option::<String>::None),
                }
            })
            .collect();
        // LIMIT NULL is "no limit" in PostgreSQL.
        params.push(Box::new(limit.map(|l| i64::try_from(l).unwrap_or(i64::MAX))));
        let sql = numbered(sql);
        let rows = self.with(|c| {
            let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p.as_ref()).collect();
            c.query(&sql, &refs).map_err(pg_err)
        })?;
        rows.iter().map(|r| raw_event(r).into_event()).collect()
    }
}

/// The event columns, with the JSONB metrics read back as text.
fn columns() -> String {
    EVENT_COLUMNS.replace("metrics,", "metrics::text,")
}

/// `?` placeholders → `$1`, `$2`, … in order.
fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for ch in sql.chars() {
        if ch == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(ch);
        }
    }
    out
}

fn raw_event(r: &Row) -> RawEvent {
    RawEvent {
        id: r.get(0),
        dedup_key: r.get(1),
        event_time_ms: r.get(2),
        received_time_ms: r.get(3),
        tenant: r.get(4),
        environment: r.get(5),
        node: r.get(6),
        check: r.get(7),
        alarm: r.get(8),
        state: r.get(9),
        previous_state: r.get(10),
        message: r.get(11),
        metrics: r.get(12),
        source: (r.get(13), r.get(14), r.get(15)),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_are_numbered_in_order() {
        assert_eq!(super::numbered("a = ? AND b IN (?, ?) LIMIT ?"), "a = $1 AND b IN ($2, $3) LIMIT $4");
    }
}
