//! Transforms: pure work on records (no I/O, no clock). Dead letters pass through untouched
//! so they always reach a sink; records a transform cannot process become dead letters.

use std::sync::Arc;

use fieldkit_events::RawInput;
use fieldkit_events::mapping::Header;
use fieldkit_events::mapping::jq::{Globals, Outcome, Program};
use jaq_json::Val;
use tokio::sync::mpsc::Receiver;

use crate::config::{TransformKind, UNMATCHED_ROUTE};
use crate::counters::add;
use crate::outputs::Outputs;
use crate::record::{Item, Origin, Record};
use crate::redact::RedactStage;

/// Records taken from the input channel at once: amortises channel costs. Part of the
/// memory bound (see the runtime's docs).
pub(crate) const CHUNK: usize = 64;

/// A transform's outputs: one for most, one per route (then `_unmatched`) for `route`.
/// `redact` comes with its redactor (its key loaded when the pipeline started).
pub(crate) async fn run(
    kind: TransformKind,
    mut redact: Option<RedactStage>,
    mut rx: Receiver<Record>,
    outs: Vec<(String, Outputs)>,
) {
    let mut buf = Vec::with_capacity(CHUNK);
    while rx.recv_many(&mut buf, CHUNK).await > 0 {
        for mut r in buf.drain(..) {
            let target = match &kind {
                TransformKind::Summarize { mapping } => {
                    if let Item::Raw(payload) = &r.item {
                        let headers = headers_of(&r.origin);
                        let input = RawInput::new(payload, r.origin.received_ms).with_headers(&headers);
                        let input = match &r.origin.position {
                            Some(p) => input.with_source(p),
                            None => input,
                        };
                        r.item = match mapping.map(&input) {
                            Ok(e) => Item::Event(Box::new(e)),
                            Err(e) => r.dead(payload.clone(), e.kind(), e.to_string()),
                        };
                    }
                    0
                }
                TransformKind::Filter { condition } => match eval(condition, &r) {
                    Eval::Pass | Eval::Value(Val::Bool(true)) => 0,
                    Eval::Value(_) | Eval::Empty => {
                        add(&outs[0].1.live.filtered, 1);
                        r.ack.settle(crate::record::Outcome::Filtered);
                        continue;
                    }
                    Eval::Dead(item) => {
                        r.item = item;
                        0
                    }
                },
                TransformKind::FilterHeader { name, equals } => {
                    let pass = matches!(r.item, Item::Dead(_))
                        || r.origin.headers.iter().any(|(n, v)| {
                            n == name && equals.as_ref().is_none_or(|e| v.as_deref() == Some(e.as_bytes()))
                        });
                    if !pass {
                        add(&outs[0].1.live.filtered, 1);
                        r.ack.settle(crate::record::Outcome::Filtered);
                        continue;
                    }
                    0
                }
                TransformKind::Extract { expression } => {
                    match eval(expression, &r) {
                        Eval::Pass => {}
                        Eval::Value(v) => r.item = Item::Raw(v.to_string().into_bytes()),
                        Eval::Empty => {
                            let payload = payload_of(&r.item);
                            r.item =
                                r.dead(payload, "extract_empty", format!("`{}` gave no output", expression.source()));
                        }
                        Eval::Dead(item) => r.item = item,
                    }
                    0
                }
                TransformKind::Route { routes } => route(routes, &mut r, &outs),
                TransformKind::Redact(_) => {
                    if let Some(stage) = redact.as_mut() {
                        stage.apply(&mut r);
                    }
                    0
                }
            };
            if outs[target].1.send(r).await.is_err() {
                // Downstream failed; the run is ending with its error.
                return;
            }
        }
    }
}

fn route(routes: &[(String, Arc<Program>)], r: &mut Record, outs: &[(String, Outputs)]) -> usize {
    let unmatched = outs.iter().position(|(n, _)| n == UNMATCHED_ROUTE).unwrap_or(0);
    if matches!(r.item, Item::Dead(_)) {
        // Dead letters must reach a sink: `_unmatched` if something reads it, else the first
        // route that has a reader.
        if !outs[unmatched].1.targets.is_empty() {
            return unmatched;
        }
        return outs.iter().position(|(_, o)| !o.targets.is_empty()).unwrap_or(unmatched);
    }
    for (i, (_, p)) in routes.iter().enumerate() {
        match eval(p, r) {
            Eval::Value(Val::Bool(true)) => return i,
            Eval::Dead(item) => {
                r.item = item;
                return route(routes, r, outs);
            }
            _ => {}
        }
    }
    unmatched
}

enum Eval {
    /// A dead letter: passed on unchanged.
    Pass,
    Value(Val),
    Empty,
    /// The record could not be evaluated: this dead letter replaces it.
    Dead(Item),
}

/// The record's Kafka headers, borrowed for a mapping or jq (`$headers`).
fn headers_of(origin: &Origin) -> Vec<Header<'_>> {
    origin.headers.iter().map(|(name, value)| Header { name, value: value.as_deref() }).collect()
}

fn payload_of(item: &Item) -> Vec<u8> {
    match item {
        Item::Raw(b) => b.clone(),
        Item::Event(e) => serde_json::to_vec(e).unwrap_or_default(),
        Item::Dead(d) => d.payload.clone(),
    }
}

/// Runs `p` on the record's JSON: the payload, or the summary as JSON.
fn eval(p: &Program, r: &Record) -> Eval {
    let bytes = match &r.item {
        Item::Dead(_) => return Eval::Pass,
        Item::Raw(b) => std::borrow::Cow::Borrowed(b.as_slice()),
        Item::Event(e) => match serde_json::to_vec(e) {
            Ok(v) => std::borrow::Cow::Owned(v),
            Err(e) => return Eval::Dead(r.dead(Vec::new(), "invalid_event", e.to_string())),
        },
    };
    let val: Val = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => {
            return Eval::Dead(r.dead(bytes.into_owned(), "invalid_json", format!("payload is not valid JSON: {e}")));
        }
    };
    let headers = headers_of(&r.origin);
    let input = RawInput::new(&bytes, r.origin.received_ms).with_headers(&headers);
    let input = match &r.origin.position {
        Some(pos) => input.with_source(pos),
        None => input,
    };
    match p.first(&val, &Globals::new(&input)) {
        Outcome::Value(v) => Eval::Value(v),
        Outcome::Empty => Eval::Empty,
        Outcome::Error(e) => {
            Eval::Dead(r.dead(bytes.into_owned(), "expression_failed", format!("`{}` failed: {e}", p.source())))
        }
    }
}
