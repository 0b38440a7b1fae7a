//! `stdout` and `file` sinks: one JSON line per record (summaries as their JSON, raw payloads
//! as read, dead letters as `{"dead_letter": {...}}`). A chunk is written and flushed (and, for
//! files, synced) before its records are settled.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::json;
use tokio::sync::mpsc::Receiver;

use crate::counters::{Live, add};
use crate::record::{Item, Outcome, Record};
use crate::runtime::RunError;

pub(crate) enum Target {
    Stdout,
    File(PathBuf),
}

const CHUNK: usize = 256;

/// A dead letter as JSONL and kafka sinks write it: `{"dead_letter": {...}}`.
pub(crate) fn dead_letter_json(d: &fieldkit_store::DeadLetter) -> serde_json::Value {
    json!({"dead_letter": {
        "source_name": d.source_name, "position": d.position, "received_time_ms": d.received_time_ms,
        "error_kind": d.error_kind, "error": d.error,
        "payload": String::from_utf8_lossy(&d.payload),
    }})
}

pub(crate) async fn run(
    name: String,
    target: Target,
    live: Arc<Live>,
    mut rx: Receiver<Record>,
) -> Result<(), RunError> {
    let err = |e: std::io::Error| RunError::Sink { sink: name.clone(), detail: e.to_string() };
    let mut file: Option<File> = match &target {
        Target::Stdout => None,
        Target::File(p) => Some(OpenOptions::new().create(true).append(true).open(p).map_err(err)?),
    };
    let mut buf = Vec::with_capacity(CHUNK);
    while rx.recv_many(&mut buf, CHUNK).await > 0 {
        let mut out = Vec::new();
        let (mut written, mut dead) = (0, 0);
        for r in &buf {
            match &r.item {
                Item::Raw(b) => {
                    out.extend_from_slice(b);
                    written += 1;
                }
                Item::Event(e) => {
                    serde_json::to_writer(&mut out, e).map_err(|e| err(e.into()))?;
                    written += 1;
                }
                Item::Dead(d) => {
                    serde_json::to_writer(&mut out, &dead_letter_json(d)).map_err(|e| err(e.into()))?;
                    dead += 1;
                }
            }
            out.push(b'\n');
        }
        let f = file.take();
        let (f, result) = tokio::task::spawn_blocking(move || {
            let r = match &f {
                Some(file) => {
                    let mut w: &File = file;
                    w.write_all(&out).and_then(|()| match file.sync_data() {
                        // Pipes and terminals cannot be synced: written is all they can be.
                        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => Ok(()),
                        other => other,
                    })
                }
                None => {
                    let mut lock = std::io::stdout().lock();
                    lock.write_all(&out).and_then(|()| lock.flush())
                }
            };
            (f, r)
        })
        .await
        .map_err(|e| RunError::Sink { sink: name.clone(), detail: e.to_string() })?;
        file = f;
        result.map_err(err)?;
        add(&live.written, written);
        add(&live.dead_lettered, dead);
        for r in buf.drain(..) {
            let outcome = if matches!(r.item, Item::Dead(_)) { Outcome::DeadLettered } else { Outcome::Kept };
            r.ack.settle(outcome);
        }
    }
    Ok(())
}
