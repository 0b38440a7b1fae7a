//! Reading summaries back: the filters of `fieldkit events` and the picture of `fieldkit events top`.

use rusqlite::types::Value;
use rusqlite::{Row, params_from_iter};
use serde::Serialize;

use fieldkit_events::{Metric, MonitoringEvent, SourcePosition, State};

use crate::error::StoreError;
use crate::store::Store;

/// Which summaries to list. Empty fields do not filter. Times are event times, `since`
/// inclusive and `until` exclusive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    pub tenant: Option<String>,
    pub environment: Option<String>,
    pub node: Option<String>,
    pub check: Option<String>,
    /// Any of these states; empty means all.
    pub states: Vec<State>,
    pub since_ms: Option<i64>,
    pub until_ms: Option<i64>,
    /// At most this many rows; `None` for all.
    pub limit: Option<usize>,
}

/// A stored summary and its row id (increasing in insertion order, for `--follow`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredEvent {
    pub id: i64,
    #[serde(flatten)]
    pub event: MonitoringEvent,
}

/// The current picture, as of `now_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopQuery {
    pub now_ms: i64,
    /// How far back "recent" reaches for noisiest checks and state changes.
    pub window_ms: i64,
    /// Rows per list (alerting checks are limited per tenant).
    pub limit: usize,
}

impl TopQuery {
    /// The last hour, ten rows per list.
    pub fn new(now_ms: i64) -> Self {
        TopQuery { now_ms, window_ms: 3_600_000, limit: 10 }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Top {
    pub now_ms: i64,
    pub window_ms: i64,
    /// Tenants with checks whose latest state is CRITICAL or WARNING, most critical first.
    pub alerting: Vec<TenantAlerts>,
    /// Checks with the most events in the window.
    pub noisiest: Vec<NoisyCheck>,
    /// Events in the window whose state differs from the one before, newest first.
    pub changes: Vec<StateChange>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TenantAlerts {
    pub tenant: String,
    pub critical: u64,
    pub warning: u64,
    /// Most severe, then most recent first; at most `limit`.
    pub checks: Vec<AlertingCheck>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertingCheck {
    pub environment: String,
    pub node: String,
    pub check: String,
    pub alarm: Option<String>,
    pub state: State,
    /// Event time of the latest summary of this check.
    pub event_time_ms: i64,
    pub message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoisyCheck {
    pub tenant: String,
    pub environment: String,
    pub node: String,
    pub check: String,
    pub events: u64,
    /// Events in a state other than OK.
    pub not_ok: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StateChange {
    pub id: i64,
    pub event_time_ms: i64,
    pub tenant: String,
    pub environment: String,
    pub node: String,
    pub check: String,
    pub alarm: Option<String>,
    /// The state before: from the payload when it said so, else the previous summary of the
    /// same check and alarm; `None` for the first summary ever seen of it.
    pub from: Option<State>,
    pub to: State,
    pub message: Option<String>,
}

pub(crate) const EVENT_COLUMNS: &str =
    "id, dedup_key, event_time_ms, received_time_ms, tenant, environment, node, check_name,
    alarm, state, previous_state, message, metrics, source_topic, source_partition, source_offset";

impl Store {
    /// Summaries matching `filter`, newest event time first (ties: newest row first).
    pub fn events(&self, filter: &EventFilter) -> Result<Vec<StoredEvent>, StoreError> {
        let mut args = Vec::new();
        let clause = where_clause(filter, &mut args)?;
        args.push(limit_value(filter.limit));
        let sql =
            format!("SELECT {EVENT_COLUMNS} FROM monitoring{clause} ORDER BY event_time_ms DESC, id DESC LIMIT ?");
        self.read_events(&sql, args)
    }

    /// Summaries stored after row `after_id` that match `filter`, oldest row first: what
    /// `--follow` prints as records arrive.
    pub fn events_after(&self, filter: &EventFilter, after_id: i64) -> Result<Vec<StoredEvent>, StoreError> {
        let mut args = Vec::new();
        let clause = where_clause(filter, &mut args)?;
        let clause = if clause.is_empty() { " WHERE id > ?".to_owned() } else { format!("{clause} AND id > ?") };
        args.push(Value::Integer(after_id));
        args.push(limit_value(filter.limit));
        let sql = format!("SELECT {EVENT_COLUMNS} FROM monitoring{clause} ORDER BY id LIMIT ?");
        self.read_events(&sql, args)
    }

    /// The row id of the newest stored summary, 0 when there is none. Ids grow with every
    /// commit (summaries are never deleted), so this is where a follower that has printed
    /// everything so far resumes with [`Store::events_after`].
    pub fn last_event_id(&self) -> Result<i64, StoreError> {
        Ok(self.conn().query_row("SELECT COALESCE(max(id), 0) FROM monitoring", [], |r| r.get(0))?)
    }

    /// The current picture: what is alerting per tenant, what is noisy, what changed recently.
    pub fn top(&self, q: &TopQuery) -> Result<Top, StoreError> {
        if q.window_ms <= 0 {
            return Err(StoreError::InvalidQuery(format!("window must be positive, got {} ms", q.window_ms)));
        }
        let since = q.now_ms.saturating_sub(q.window_ms);
        let limit = i64::try_from(q.limit).unwrap_or(i64::MAX);
        Ok(Top {
            now_ms: q.now_ms,
            window_ms: q.window_ms,
            alerting: self.alerting(q.limit)?,
            noisiest: self.noisiest(since, q.now_ms, limit)?,
            changes: self.changes(since, q.now_ms, limit)?,
        })
    }

    fn read_events(&self, sql: &str, args: Vec<Value>) -> Result<Vec<StoredEvent>, StoreError> {
        let mut stmt = self.conn().prepare_cached(sql)?;
        let raw: Vec<RawEvent> = stmt.query_map(params_from_iter(args), RawEvent::read)?.collect::<Result<_, _>>()?;
        raw.into_iter().map(RawEvent::into_event).collect()
    }

    fn alerting(&self, per_tenant: usize) -> Result<Vec<TenantAlerts>, StoreError> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT tenant, environment, node, check_name, alarm, state, event_time_ms, message FROM current_state
             WHERE state IN ('CRITICAL', 'WARNING')
             ORDER BY tenant, state = 'WARNING', event_time_ms DESC, environment, node, check_name, alarm",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get(6)?,
                r.get(7)?,
            ))
        })?;
        group_alerting(rows.collect::<Result<Vec<_>, _>>()?, per_tenant)
    }

    fn noisiest(&self, since: i64, now: i64, limit: i64) -> Result<Vec<NoisyCheck>, StoreError> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT tenant, environment, node, check_name, count(*) AS events, sum(state != 'OK') AS not_ok
             FROM monitoring WHERE event_time_ms > ?1 AND event_time_ms <= ?2
             GROUP BY tenant, environment, node, check_name
             ORDER BY events DESC, not_ok DESC, tenant, environment, node, check_name
             LIMIT ?3",
        )?;
        let rows = stmt.query_map([since, now, limit], |r| {
            Ok(NoisyCheck {
                tenant: r.get(0)?,
                environment: r.get(1)?,
                node: r.get(2)?,
                check: r.get(3)?,
                events: r.get::<_, i64>(4)?.max(0) as u64,
                not_ok: r.get::<_, i64>(5)?.max(0) as u64,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn changes(&self, since: i64, now: i64, limit: i64) -> Result<Vec<StateChange>, StoreError> {
        // The state before an event: the payload's own previous_state, else the state of the
        // series' latest earlier event when it was written (`prior_state`: '' for the first of
        // its series, a change; NULL when it arrived late, which is not reported as a change).
        let mut stmt = self.conn().prepare_cached(
            "SELECT id, event_time_ms, tenant, environment, node, check_name, alarm, prev, state, message FROM (
                SELECT m.*, COALESCE(m.previous_state, m.prior_state) AS prev
                FROM monitoring m WHERE m.event_time_ms > ?1 AND m.event_time_ms <= ?2)
             WHERE prev = '' OR prev != state
             ORDER BY event_time_ms DESC, id DESC
             LIMIT ?3",
        )?;
        let rows = stmt.query_map([since, now, limit], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get::<_, Option<String>>(7)?,
                r.get::<_, String>(8)?,
                r.get(9)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, event_time_ms, tenant, environment, node, check, alarm, prev, state, message) = row?;
            let from = prev.filter(|p| !p.is_empty()).map(|p| parse_state("monitoring", id, &p)).transpose()?;
            let to = parse_state("monitoring", id, &state)?;
            out.push(StateChange { id, event_time_ms, tenant, environment, node, check, alarm, from, to, message });
        }
        Ok(out)
    }
}

/// A current-state row of an alerting check: tenant, environment, node, check, alarm ('' for
/// none), state, event time, message; ordered by tenant, CRITICAL first, newest first.
pub(crate) type AlertRow = (String, String, String, String, String, String, i64, Option<String>);

/// Alerting checks per tenant (at most `per_tenant` listed each), most critical tenant first.
pub(crate) fn group_alerting(rows: Vec<AlertRow>, per_tenant: usize) -> Result<Vec<TenantAlerts>, StoreError> {
    let mut out: Vec<TenantAlerts> = Vec::new();
    for (tenant, environment, node, check, alarm, state, event_time_ms, message) in rows {
        let state = parse_state("current_state", 0, &state)?;
        if out.last().is_none_or(|t| t.tenant != tenant) {
            out.push(TenantAlerts { tenant: tenant.clone(), critical: 0, warning: 0, checks: Vec::new() });
        }
        // Just pushed if it was missing, so `last_mut` is always `Some`.
        let Some(t) = out.last_mut() else { continue };
        match state {
            State::Critical => t.critical += 1,
            _ => t.warning += 1,
        }
        if t.checks.len() < per_tenant {
            let alarm = (!alarm.is_empty()).then_some(alarm);
            t.checks.push(AlertingCheck { environment, node, check, alarm, state, event_time_ms, message });
        }
    }
    out.sort_by(|a, b| b.critical.cmp(&a.critical).then(b.warning.cmp(&a.warning)).then(a.tenant.cmp(&b.tenant)));
    Ok(out)
}

pub(crate) fn where_clause(f: &EventFilter, args: &mut Vec<Value>) -> Result<String, StoreError> {
    if let (Some(s), Some(u)) = (f.since_ms, f.until_ms)
        && s > u
    {
        return Err(StoreError::InvalidQuery(format!("since ({s}) is after until ({u})")));
    }
    let mut conds: Vec<String> = Vec::new();
    let text = [("tenant", &f.tenant), ("environment", &f.environment), ("node", &f.node), ("check_name", &f.check)];
    for (col, value) in text {
        if let Some(v) = value {
            conds.push(format!("{col} = ?"));
            args.push(Value::Text(v.clone()));
        }
    }
    if !f.states.is_empty() {
        conds.push(format!("state IN ({})", vec!["?"; f.states.len()].join(", ")));
        args.extend(f.states.iter().map(|s| Value::Text(s.as_str().to_owned())));
    }
    if let Some(s) = f.since_ms {
        conds.push("event_time_ms >= ?".to_owned());
        args.push(Value::Integer(s));
    }
    if let Some(u) = f.until_ms {
        conds.push("event_time_ms < ?".to_owned());
        args.push(Value::Integer(u));
    }
    Ok(if conds.is_empty() { String::new() } else { format!(" WHERE {}", conds.join(" AND ")) })
}

/// SQLite reads a negative LIMIT as "no limit".
fn limit_value(limit: Option<usize>) -> Value {
    Value::Integer(limit.map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX)))
}

pub(crate) fn parse_state(table: &'static str, id: i64, s: &str) -> Result<State, StoreError> {
    s.parse().map_err(|e: fieldkit_events::event::ParseStateError| StoreError::Corrupt {
        table,
        id,
        detail: e.to_string(),
    })
}

/// A monitoring row as SQLite returns it, before the checks that need typed errors.
pub(crate) struct RawEvent {
    pub(crate) id: i64,
    pub(crate) dedup_key: String,
    pub(crate) event_time_ms: i64,
    pub(crate) received_time_ms: i64,
    pub(crate) tenant: String,
    pub(crate) environment: String,
    pub(crate) node: String,
    pub(crate) check: String,
    pub(crate) alarm: Option<String>,
    pub(crate) state: String,
    pub(crate) previous_state: Option<String>,
    pub(crate) message: Option<String>,
    pub(crate) metrics: String,
    pub(crate) source: (Option<String>, Option<i32>, Option<i64>),
}

impl RawEvent {
    fn read(r: &Row<'_>) -> rusqlite::Result<RawEvent> {
        Ok(RawEvent {
            id: r.get(0)?,
            dedup_key: r.get(1)?,
            event_time_ms: r.get(2)?,
            received_time_ms: r.get(3)?,
            tenant: r.get(4)?,
            environment: r.get(5)?,
            node: r.get(6)?,
            check: r.get(7)?,
            alarm: r.get(8)?,
            state: r.get(9)?,
            previous_state: r.get(10)?,
            message: r.get(11)?,
            metrics: r.get(12)?,
            source: (r.get(13)?, r.get(14)?, r.get(15)?),
        })
    }

    pub(crate) fn into_event(self) -> Result<StoredEvent, StoreError> {
        let id = self.id;
        let corrupt = |detail: String| StoreError::Corrupt { table: "monitoring", id, detail };
        let metrics: Vec<Metric> = serde_json::from_str(&self.metrics).map_err(|e| corrupt(format!("metrics: {e}")))?;
        let source = match self.source {
            (Some(topic), Some(partition), Some(offset)) => Some(SourcePosition { topic, partition, offset }),
            (None, None, None) => None,
            _ => return Err(corrupt("source topic, partition and offset must be all set or all null".to_owned())),
        };
        Ok(StoredEvent {
            id,
            event: MonitoringEvent {
                event_time_ms: self.event_time_ms,
                received_time_ms: self.received_time_ms,
                tenant: self.tenant,
                environment: self.environment,
                node: self.node,
                check: self.check,
                alarm: self.alarm,
                state: parse_state("monitoring", id, &self.state)?,
                previous_state: self.previous_state.map(|s| parse_state("monitoring", id, &s)).transpose()?,
                message: self.message,
                metrics,
                source,
                dedup_key: self.dedup_key,
            },
        })
    }
}
