//! `[api]`: `GET /metrics` (Prometheus text exposition) and `GET /health` for probes.
//! `/health` needs no token (probes rarely carry one, and it tells nothing but ok/degraded);
//! every other path requires the token once one is configured.

use std::fmt::Write as _;
use std::sync::Arc;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};

use super::{Body, Listener, authorized, error, json, serve, unauthorized};
use crate::config::Endpoint;
use crate::runtime::{Probe, Shutdown, Status};

pub(crate) async fn run(endpoint: Endpoint, listener: Listener, probe: Arc<Probe>, stop: Shutdown) {
    let endpoint = Arc::new(endpoint);
    serve(listener, move |req| handle(endpoint.clone(), probe.clone(), req), stop).await;
}

async fn handle(endpoint: Arc<Endpoint>, probe: Arc<Probe>, req: Request<Incoming>) -> Response<Body> {
    let get = req.method() == Method::GET || req.method() == Method::HEAD;
    if req.uri().path() == "/health" && get {
        let status = probe.status();
        return if status.degraded {
            json(StatusCode::SERVICE_UNAVAILABLE, &serde_json::json!({"status": "degraded"}))
        } else {
            json(StatusCode::OK, &serde_json::json!({"status": "ok"}))
        };
    }
    if !authorized(&req, endpoint.token.as_ref()) {
        return unauthorized(&probe.live().http_unauthorized);
    }
    match (req.uri().path(), get) {
        ("/metrics", true) => {
            let mut r = Response::new(Full::new(Bytes::from(metrics(&probe.status()))));
            r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
            r
        }
        ("/status", true) => json(StatusCode::OK, &serde_json::to_value(probe.status()).unwrap_or_default()),
        ("/metrics" | "/status", false) => error(StatusCode::METHOD_NOT_ALLOWED, "only GET"),
        _ => error(StatusCode::NOT_FOUND, "GET /metrics, /health or /status"),
    }
}

/// What each counter means, for `# HELP`.
fn help(field: &str) -> &'static str {
    match field {
        "consumed" => "Records read by sources.",
        "stored" => "Summaries newly written to a store.",
        "duplicates" => "Summaries and dead letters a store already held.",
        "filtered" => "Records a filter (or a route with no reader) dropped.",
        "dead_lettered" => "Records written as dead letters.",
        "written" => "Records written by stdout/file/kafka sinks.",
        "failed" => "Records a sink could not deliver (re-read after a restart).",
        "fanned_out" => "Extra copies made where one output feeds several stages.",
        "store_retries" => "Store commits retried because the store was busy.",
        "source_errors" => "Errors a source reported and recovered from.",
        "http_unauthorized" => "HTTP requests refused for a missing or wrong bearer token.",
        _ => "A pipeline counter.",
    }
}

/// The Prometheus text exposition format (version 0.0.4): every [`crate::Counters`] field as
/// `fieldkit_pipeline_FIELD_total`, plus gauges for records in flight, degraded, and each
/// stage's queue.
pub(crate) fn metrics(status: &Status) -> String {
    let mut out = String::new();
    // Through serde, so a counter added to `Counters` is exported without touching this.
    if let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(status.counters) {
        for (field, value) in fields {
            let name = format!("fieldkit_pipeline_{field}_total");
            let _ = writeln!(out, "# HELP {name} {}\n# TYPE {name} counter\n{name} {value}", help(&field));
        }
    }
    let gauge = |out: &mut String, name: &str, help: &str| {
        let _ = writeln!(out, "# HELP fieldkit_pipeline_{name} {help}\n# TYPE fieldkit_pipeline_{name} gauge");
    };
    gauge(&mut out, "in_flight", "Records consumed (and copied) but not yet settled.");
    let _ = writeln!(out, "fieldkit_pipeline_in_flight {}", status.counters.in_flight());
    gauge(&mut out, "degraded", "1 while a store refuses writes (batches are being retried).");
    let _ = writeln!(out, "fieldkit_pipeline_degraded {}", u8::from(status.degraded));
    gauge(&mut out, "consumer_lag", "Kafka consumer lag of a source: messages behind the partition ends.");
    for (source, lag) in &status.consumer_lag {
        let _ = writeln!(out, "fieldkit_pipeline_consumer_lag{{source=\"{}\"}} {lag}", escape(source));
    }
    let mut queues = status.queues.clone();
    queues.sort_by(|a, b| a.stage.cmp(&b.stage));
    gauge(&mut out, "queue_length", "Records waiting in a stage's input channel.");
    for q in &queues {
        let _ = writeln!(out, "fieldkit_pipeline_queue_length{{stage=\"{}\"}} {}", escape(&q.stage), q.len);
    }
    gauge(&mut out, "queue_capacity", "Records a stage's input channel holds.");
    for q in &queues {
        let _ = writeln!(out, "fieldkit_pipeline_queue_capacity{{stage=\"{}\"}} {}", escape(&q.stage), q.capacity);
    }
    out
}

/// Label values escape `\`, `"` and newlines (stage names cannot hold them; stay correct anyway).
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}
