//! The `http` source: clients POST one JSON document (`application/json`) or NDJSON
//! (`application/x-ndjson`; other types are sniffed) and get 200 only once every record of the
//! request, every fan-out copy, is durably done: committed by a store sink, written and flushed
//! by a JSONL sink, filtered, or durably dead-lettered. Otherwise (a stage failed, the pipeline
//! stopped, `request_timeout_ms` passed) the answer is 503 and the client retries: the store
//! dedups by key, so a retry never stores twice.
//!
//! Memory: at most `max_concurrent_requests` bodies of at most `max_body_bytes` are held (each
//! about twice while it is split into records); further requests wait for a slot.
//! Records from HTTP have no position (like stdin): nothing is replayed by the source.

use std::sync::Arc;

use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{ALLOW, CONTENT_LENGTH, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use hyper::{Method, Request, Response, StatusCode};
use tokio::sync::Semaphore;
use tokio::time::{Instant, timeout_at};

use super::{Body, Listener, authorized, error, json, serve, unauthorized};
use crate::config::HttpSource;
use crate::counters::add;
use crate::outputs::Outputs;
use crate::record::{Ack, Item, Origin, Receipt, Record};
use crate::runtime::{RunError, Shutdown};
use crate::source::lines::{Line, LineReader, is_blank};
use crate::source::now_ms;

struct Ingest {
    name: Arc<str>,
    cfg: HttpSource,
    max_record: usize,
    out: Outputs,
    slots: Semaphore,
    shutdown: Shutdown,
}

pub(crate) async fn run(
    name: Arc<str>,
    cfg: HttpSource,
    max_record: usize,
    out: Outputs,
    listener: Listener,
    shutdown: Shutdown,
) -> Result<(), RunError> {
    let slots = Semaphore::new(cfg.max_concurrent_requests);
    let ingest = Arc::new(Ingest { name, cfg, max_record, out, slots, shutdown: shutdown.clone() });
    serve(listener, move |req| ingest.clone().handle(req), shutdown).await;
    Ok(())
}

fn unavailable(message: &str) -> Response<Body> {
    let mut r = error(StatusCode::SERVICE_UNAVAILABLE, message);
    r.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static("1"));
    r
}

impl Ingest {
    async fn handle(self: Arc<Self>, req: Request<Incoming>) -> Response<Body> {
        if !authorized(&req, self.cfg.endpoint.token.as_ref()) {
            return unauthorized(&self.out.live.http_unauthorized);
        }
        if req.uri().path() != self.cfg.path {
            return error(StatusCode::NOT_FOUND, format!("POST records to {}", self.cfg.path));
        }
        if req.method() != Method::POST {
            let mut r = error(StatusCode::METHOD_NOT_ALLOWED, "only POST");
            r.headers_mut().insert(ALLOW, HeaderValue::from_static("POST"));
            return r;
        }
        let max_body = self.cfg.max_body_bytes;
        let too_large = || error(StatusCode::PAYLOAD_TOO_LARGE, format!("the body is over {max_body} bytes"));
        let declared = req.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|n| n > max_body as u64) {
            return too_large();
        }
        let deadline = Instant::now() + self.cfg.request_timeout;
        // Bounded concurrency bounds memory: each slot holds at most one body.
        let Ok(Ok(_slot)) = timeout_at(deadline, self.slots.acquire()).await else {
            return unavailable("too many requests in progress; retry");
        };
        let kind = req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_ascii_lowercase);
        let body = match timeout_at(deadline, Limited::new(req.into_body(), max_body).collect()).await {
            Err(_) => return unavailable("timed out reading the body"),
            Ok(Ok(b)) => b.to_bytes(),
            Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => return too_large(),
            Ok(Err(e)) => return error(StatusCode::BAD_REQUEST, format!("cannot read the body: {e}")),
        };
        if self.shutdown.is_triggered() {
            return unavailable("the pipeline is stopping");
        }

        let (receipt, done) = Receipt::new();
        let mut accepted = 0u64;
        for (n, item) in split(&body, kind.as_deref(), self.max_record).into_iter().enumerate() {
            let origin = Arc::new(Origin {
                source: self.name.clone(),
                position: None,
                received_ms: now_ms(),
                headers: Vec::new(),
            });
            let mut record = Record {
                origin,
                item: Item::Raw(Vec::new()),
                ack: Ack::new(None, 0, n as i64).with_receipt(receipt.clone()),
            };
            record.item = match item {
                Split::Raw(b) => Item::Raw(b),
                Split::TooLarge { head, len } => record.dead(
                    head,
                    "too_large",
                    format!("record is {len} bytes, over the limit of {} bytes", self.max_record),
                ),
            };
            // Waits while the pipeline is full (backpressure), up to the deadline.
            match self.out.send_until(record, deadline).await {
                Ok(Ok(())) => {
                    add(&self.out.live.consumed, 1);
                    accepted += 1;
                }
                Ok(Err(_unsent)) => return unavailable("the pipeline is full; retry"),
                Err(_) => return unavailable("the pipeline stopped"),
            }
            if self.shutdown.is_triggered() {
                return unavailable("the pipeline is stopping");
            }
        }
        drop(body);
        receipt.release();
        match timeout_at(deadline, done).await {
            Ok(Ok(o)) if o.ok => json(
                StatusCode::OK,
                &serde_json::json!({
                    "accepted": accepted,
                    "stored_or_written": o.kept,
                    "dead_lettered": o.dead_lettered,
                    "filtered": o.filtered,
                }),
            ),
            Ok(_) => unavailable("a pipeline stage failed before the records were durable; retry"),
            Err(_) => unavailable("the records are not durable yet (is a store busy?); retry"),
        }
    }
}

enum Split {
    Raw(Vec<u8>),
    TooLarge { head: Vec<u8>, len: usize },
}

/// The records of a body: one document for `application/json`, lines for NDJSON, and for any
/// other type one document if the whole body parses as JSON, else lines. Blank lines are
/// skipped; records over `max` keep their first bytes for a `too_large` dead letter. Invalid
/// JSON passes as is: `summarize` (or a jq stage) dead-letters it like any source's.
fn split(body: &[u8], content_type: Option<&str>, max: usize) -> Vec<Split> {
    let essence = content_type.map(|t| t.split(';').next().unwrap_or("").trim());
    let one_document = match essence {
        Some("application/json") => true,
        Some("application/x-ndjson" | "application/ndjson" | "application/jsonl" | "application/x-jsonlines") => false,
        _ => serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok(),
    };
    if one_document {
        if is_blank(body) {
            return Vec::new();
        }
        if body.len() > max {
            let keep = crate::source::lines::OVERSIZE_KEEP.min(max);
            return vec![Split::TooLarge { head: body[..keep].to_vec(), len: body.len() }];
        }
        return vec![Split::Raw(body.to_vec())];
    }
    let mut out = Vec::new();
    let mut reader = LineReader::default();
    let mut input = body;
    // Reading a slice cannot fail.
    while let Ok(line) = reader.next(&mut input, max, true) {
        match line {
            Line::Full { bytes, .. } if is_blank(&bytes) => {}
            Line::Full { bytes, .. } => out.push(Split::Raw(bytes)),
            Line::TooLong { head, len } => out.push(Split::TooLarge { head, len }),
            Line::Eof => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shapes(v: Vec<Split>) -> Vec<String> {
        v.into_iter()
            .map(|s| match s {
                Split::Raw(b) => String::from_utf8(b).unwrap(),
                Split::TooLarge { len, .. } => format!("LONG {len}"),
            })
            .collect()
    }

    #[test]
    fn bodies_split_by_type_or_by_sniffing() {
        let nd = b"{\"a\":1}\n\n{\"b\":2}\r\nnot json\n";
        assert_eq!(shapes(split(nd, Some("application/x-ndjson"), 100)), ["{\"a\":1}", "{\"b\":2}", "not json"]);
        assert_eq!(shapes(split(nd, None, 100)).len(), 3);
        let doc = b"{\n  \"a\": 1\n}";
        assert_eq!(shapes(split(doc, Some("application/json; charset=utf-8"), 100)), ["{\n  \"a\": 1\n}"]);
        assert_eq!(shapes(split(doc, Some("text/plain"), 100)).len(), 1);
        assert_eq!(shapes(split(b"{\"pad\":\"xxxxxxxx\"}\n{}", None, 10)), ["LONG 19", "{}"]);
        assert_eq!(shapes(split(b"{\"pad\":\"xxxxxxxx\"}", Some("application/json"), 10)), ["LONG 18"]);
        assert!(split(b"  \n", None, 10).is_empty());
    }
}
