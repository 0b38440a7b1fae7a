//! The write path: one batch, one transaction.
//!
//! Written to touch few pages per event, because page writes (to the write-ahead log, then
//! again at checkpoint) and their syncs are what ingest costs:
//! * an event row is appended (its id grows), and its two index entries are an 8-byte hash
//!   and its event time, which mostly grows too;
//! * duplicates are found by hash through that index, comparing the key text on a match;
//! * each series' current state is updated once per batch, from the batch's latest event of
//!   that series, not once per event;
//! * the state an event changed from is worked out here, while the series' latest state is at
//!   hand, so no reader needs a per-series index to find it.

use std::collections::{HashMap, HashSet};

use fieldkit_events::{MonitoringEvent, State};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::batch::{Batch, CommitOutcome};
use crate::error::StoreError;
use crate::schema::dedup_hash;
use crate::store::{ADVANCE_POSITION, INSERT_DEAD_LETTER};

/// A series as stored: (tenant, environment, node, check, alarm or '').
type SeriesKey<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str);

/// A series' latest event: (event time, dedup key, state).
type Head = (i64, String, &'static str);

pub(crate) fn commit(conn: &mut Connection, batch: &Batch) -> Result<CommitOutcome, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut out = CommitOutcome::default();
    {
        // 1. New events: not stored yet, and not earlier in this batch.
        let mut exists = tx.prepare_cached("SELECT 1 FROM event WHERE dedup_hash = ?1 AND dedup_key = ?2")?;
        let mut in_batch: HashSet<&str> = HashSet::with_capacity(batch.events.len());
        let mut fresh: Vec<(&MonitoringEvent, i64)> = Vec::with_capacity(batch.events.len());
        for e in &batch.events {
            let hash = dedup_hash(&e.dedup_key);
            if !in_batch.insert(&e.dedup_key) || exists.exists(params![hash, e.dedup_key])? {
                out.events_duplicate += 1;
            } else {
                fresh.push((e, hash));
            }
        }
        out.events_new = fresh.len() as u64;

        // 2. Per series, in (event time, dedup key) order: the state each event changed from,
        //    and the series' new latest event.
        // First-seen order, so that new series get their ids deterministically.
        let mut slot: HashMap<SeriesKey<'_>, usize> = HashMap::new();
        let mut by_series: Vec<(SeriesKey<'_>, Vec<usize>)> = Vec::new();
        for (i, (e, _)) in fresh.iter().enumerate() {
            let key = series_key(e);
            let at = *slot.entry(key).or_insert_with(|| {
                by_series.push((key, Vec::new()));
                by_series.len() - 1
            });
            by_series[at].1.push(i);
        }
        let mut find = tx.prepare_cached(
            "SELECT id, event_time_ms, dedup_key, state FROM series
             WHERE tenant = ?1 AND environment = ?2 AND node = ?3 AND check_name = ?4 AND alarm = ?5",
        )?;
        let mut create = tx.prepare_cached(
            "INSERT INTO series (tenant, environment, node, check_name, alarm, state, event_time_ms, dedup_key, message)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        // Only forward in (event time, dedup key), so concurrent writers cannot move it back.
        let mut advance = tx.prepare_cached(
            "UPDATE series SET state = ?2, event_time_ms = ?3, dedup_key = ?4, message = ?5
             WHERE id = ?1 AND (event_time_ms, dedup_key) < (?3, ?4)",
        )?;
        let mut series_of = vec![0i64; fresh.len()];
        let mut prior_of: Vec<Option<&'static str>> = vec![None; fresh.len()];
        for (key, mut members) in by_series {
            members.sort_by(|&a, &b| order(fresh[a].0).cmp(&order(fresh[b].0)));
            let stored: Option<(i64, Head)> = find
                .query_row(params![key.0, key.1, key.2, key.3, key.4], |r| {
                    let state: String = r.get(3)?;
                    // A state the CHECK constraint let through is one of the four.
                    let state = state.parse::<State>().map_or("UNKNOWN", State::as_str);
                    Ok((r.get(0)?, (r.get(1)?, r.get(2)?, state)))
                })
                .optional()?;
            let stored_head = stored.as_ref().map(|(_, h)| (h.0, h.1.as_str(), h.2));
            // The latest event seen so far, stored or from this batch.
            let mut latest: Option<(i64, &str, &'static str)> = stored_head;
            let mut moved = false;
            for &i in &members {
                let e = fresh[i].0;
                prior_of[i] = match latest {
                    None => Some(""),
                    Some((t, k, s)) if (t, k) < order(e) => Some(s),
                    // Arrived after a later event of its series: what it changed from is unknown.
                    Some(_) => None,
                };
                if latest.is_none_or(|(t, k, _)| (t, k) < order(e)) {
                    latest = Some((e.event_time_ms, &e.dedup_key, e.state.as_str()));
                    moved = true;
                }
            }
            let last = members.iter().map(|&i| fresh[i].0).max_by(|a, b| order(a).cmp(&order(b)));
            let id = match (&stored, last) {
                (Some((id, _)), Some(e)) => {
                    if moved {
                        advance.execute(params![id, e.state.as_str(), e.event_time_ms, e.dedup_key, e.message])?;
                    }
                    *id
                }
                (None, Some(e)) => {
                    create.execute(params![
                        key.0,
                        key.1,
                        key.2,
                        key.3,
                        key.4,
                        e.state.as_str(),
                        e.event_time_ms,
                        e.dedup_key,
                        e.message
                    ])?;
                    tx.last_insert_rowid()
                }
                (_, None) => continue,
            };
            for &i in &members {
                series_of[i] = id;
            }
        }

        // 3. The rows, in batch order (ids follow arrival, which `events --follow` reads by).
        let mut insert = tx.prepare_cached(
            "INSERT INTO event (series_id, dedup_hash, dedup_key, event_time_ms, received_time_ms, state,
                previous_state, prior_state, message, metrics, source_topic, source_partition, source_offset)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )?;
        for (i, (e, hash)) in fresh.iter().enumerate() {
            let metrics = serde_json::to_string(&e.metrics)
                .map_err(|err| StoreError::InvalidBatch(format!("event {}: metrics: {err}", e.dedup_key)))?;
            let src = e.source.as_ref();
            insert.execute(params![
                series_of[i],
                hash,
                e.dedup_key,
                e.event_time_ms,
                e.received_time_ms,
                e.state.as_str(),
                e.previous_state.map(State::as_str),
                prior_of[i],
                e.message,
                metrics,
                src.map(|s| s.topic.as_str()),
                src.map(|s| s.partition),
                src.map(|s| s.offset),
            ])?;
        }

        let mut insert_dead = tx.prepare_cached(INSERT_DEAD_LETTER)?;
        for d in &batch.dead_letters {
            let pos = d.position.as_ref();
            let inserted = insert_dead.execute(params![
                d.received_time_ms,
                d.source_name,
                pos.map(|p| p.topic.as_str()),
                pos.map(|p| p.partition),
                pos.map(|p| p.offset),
                d.error_kind,
                d.error,
                d.payload,
                d.origin_key(),
            ])?;
            if inserted == 1 {
                out.dead_letters_new += 1;
            } else {
                out.dead_letters_duplicate += 1;
            }
        }
        let mut advance = tx.prepare_cached(ADVANCE_POSITION)?;
        for p in &batch.positions {
            out.positions_advanced +=
                advance.execute(params![p.source_name, p.topic, p.partition, p.next_offset])? as u64;
        }
    }
    tx.commit()?;
    Ok(out)
}

fn series_key(e: &MonitoringEvent) -> SeriesKey<'_> {
    (&e.tenant, &e.environment, &e.node, &e.check, e.alarm.as_deref().unwrap_or(""))
}

/// The order of events within a series: event time, then dedup key (so ties are decided the
/// same way whatever the arrival order).
fn order(e: &MonitoringEvent) -> (i64, &str) {
    (e.event_time_ms, &e.dedup_key)
}
