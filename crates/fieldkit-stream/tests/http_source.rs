//! The `http` source and the `[api]` endpoints over real sockets: NDJSON through summarize →
//! store answered only after the commit, bearer tokens, limits, TLS, `/metrics`, `/health`,
//! and 503 while the records cannot be made durable.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use fieldkit_store::Store;
use fieldkit_stream::config::SourceKind;
use fieldkit_stream::{Config, Counters, RunError, RunOptions, Shutdown, run, validate};
use reqwest::StatusCode;

const TOKEN: &str = "s3cr3t-t0ken";

/// The MaaS samples, read from ../shared at run time (never copied into the project).
fn samples() -> Vec<serde_json::Value> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/maas");
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        if p.extension().is_some_and(|e| e == "json") {
            out.push(serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap());
        }
    }
    assert!(!out.is_empty(), "no samples in {}", dir.display());
    out
}

/// `n` distinct notifications (distinct dedup keys) as NDJSON lines.
fn ndjson(n: usize, salt: &str) -> String {
    let samples = samples();
    let mut body = String::new();
    for i in 0..n {
        let mut v = samples[i % samples.len()].clone();
        let ts = 1_700_000_000_000_i64 + i as i64 * 1000;
        v["event_id"] = format!("ac{salt}:en{i}:al1:ch1:{ts}:CRITICAL").into();
        v["details"]["timestamp"] = ts.into();
        body.push_str(&serde_json::to_string(&v).unwrap());
        body.push('\n');
    }
    body
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap().local_addr().unwrap().port()
}

fn config(text: &str, env: &[(&str, String)]) -> Config {
    let env = env.iter().map(|(k, v)| (k.to_string(), v.clone())).chain([("HTTP_TOKEN".into(), TOKEN.into())]);
    validate(text, env).unwrap_or_else(|e| panic!("{e:?}"))
}

struct Running {
    shutdown: Shutdown,
    task: tokio::task::JoinHandle<Result<Counters, RunError>>,
}

async fn start(config: Config, ports: &[u16]) -> Running {
    let shutdown = Shutdown::new();
    let options = RunOptions { shutdown: shutdown.clone(), ..RunOptions::default() };
    let task = tokio::spawn(async move { run(&config, options).await });
    let started = Instant::now();
    for &port in ports {
        while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(20), "port {port} never opened");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    Running { shutdown, task }
}

impl Running {
    async fn stop(self) -> Counters {
        self.shutdown.trigger();
        tokio::time::timeout(Duration::from_secs(30), self.task).await.unwrap().unwrap().unwrap()
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap()
}

/// http → summarize → store, plus `[api]`.
fn store_pipeline(http: u16, api: u16, db: &Path, extra_http: &str) -> Config {
    config(
        &format!(
            r#"
[pipeline]
max_record_bytes = 65536

[api]
listen = "127.0.0.1:{api}"
token_env = "HTTP_TOKEN"

[sources.web]
type = "http"
listen = "127.0.0.1:{http}"
token_env = "HTTP_TOKEN"
{extra_http}

[transforms.summary]
type = "summarize"
inputs = ["web"]

[sinks.db]
type = "store"
inputs = ["summary"]
path = "${{STORE}}"
linger_ms = 300
"#
        ),
        &[("STORE", db.display().to_string())],
    )
}

/// Prometheus text: `# HELP` / `# TYPE` comments and `name{labels} value` samples only.
fn parse_metrics(text: &str) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with("# HELP ") || line.starts_with("# TYPE ") {
            continue;
        }
        let (name, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("bad metrics line `{line}`"));
        let bare = name.split('{').next().unwrap();
        assert!(
            !bare.is_empty() && bare.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "bad metric name `{name}`"
        );
        if let Some(labels) = name.strip_prefix(bare) {
            assert!(labels.is_empty() || (labels.starts_with('{') && labels.ends_with('}')), "bad labels `{name}`");
        }
        out.push((name.to_owned(), value.parse().unwrap_or_else(|_| panic!("bad value in `{line}`"))));
    }
    out
}

fn metric(m: &[(String, f64)], name: &str) -> f64 {
    m.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("no metric {name}")).1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ndjson_is_answered_only_after_the_rows_are_committed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fieldkit.db");
    let (http, api) = (free_port(), free_port());
    let running = start(store_pipeline(http, api, &db, ""), &[http, api]).await;
    let c = client();
    let url = format!("http://127.0.0.1:{http}/ingest");

    // 40 notifications, one line of broken JSON, one over max_record_bytes, a blank line.
    let mut body = ndjson(40, "a");
    body.push_str("{\"event_id\": \"broken\n\n");
    body.push_str(&format!("{{\"pad\": \"{}\"}}\n", "x".repeat(70_000)));
    let r = c
        .post(&url)
        .bearer_auth(TOKEN)
        .header("content-type", "application/x-ndjson")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let answer: serde_json::Value = r.json().await.unwrap();
    // The store is read right after the answer: everything is already committed.
    let stats = Store::open(&db).unwrap().stats().unwrap();
    assert_eq!((stats.monitoring, stats.dead_letter), (40, 2), "{answer}");
    assert_eq!(answer, serde_json::json!({"accepted": 42, "stored_or_written": 40, "dead_lettered": 2, "filtered": 0}));

    // A retry stores nothing twice (dead letters without a position are stored again).
    let r = c.post(&url).bearer_auth(TOKEN).body(ndjson(40, "a")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(Store::open(&db).unwrap().stats().unwrap().monitoring, 40);

    // One pretty-printed document as application/json.
    let doc = serde_json::to_string_pretty(&samples()[0]).unwrap();
    let r = c.post(&url).bearer_auth(TOKEN).header("content-type", "application/json").body(doc).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let answer: serde_json::Value = r.json().await.unwrap();
    assert_eq!(answer["accepted"], 1);

    // /health needs no token; /metrics does and parses as Prometheus text.
    let h = c.get(format!("http://127.0.0.1:{api}/health")).send().await.unwrap();
    assert_eq!(h.status(), StatusCode::OK);
    assert_eq!(h.json::<serde_json::Value>().await.unwrap(), serde_json::json!({"status": "ok"}));
    let m = c.get(format!("http://127.0.0.1:{api}/metrics")).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(m.status(), StatusCode::OK);
    assert!(m.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    let m = parse_metrics(&m.text().await.unwrap());
    assert_eq!(metric(&m, "fieldkit_pipeline_consumed_total"), 83.0);
    assert_eq!(metric(&m, "fieldkit_pipeline_stored_total"), 41.0);
    assert_eq!(metric(&m, "fieldkit_pipeline_duplicates_total"), 40.0);
    assert_eq!(metric(&m, "fieldkit_pipeline_dead_lettered_total"), 2.0);
    assert_eq!(metric(&m, "fieldkit_pipeline_http_unauthorized_total"), 0.0);
    assert_eq!(metric(&m, "fieldkit_pipeline_degraded"), 0.0);
    assert_eq!(metric(&m, "fieldkit_pipeline_in_flight"), 0.0);
    assert_eq!(metric(&m, "fieldkit_pipeline_queue_length{stage=\"db\"}"), 0.0);
    assert_eq!(metric(&m, "fieldkit_pipeline_queue_capacity{stage=\"summary\"}"), 1024.0);

    let counters = running.stop().await;
    assert_eq!(counters.consumed, 83);
    assert_eq!(
        counters.consumed,
        counters.stored + counters.duplicates + counters.filtered + counters.dead_lettered + counters.written
    );
    assert!(counters.reconciles(), "{counters:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_limits_and_paths_are_enforced_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fieldkit.db");
    let (http, api) = (free_port(), free_port());
    let running = start(store_pipeline(http, api, &db, "max_body_bytes = 4096"), &[http, api]).await;
    let c = client();
    let url = format!("http://127.0.0.1:{http}/ingest");
    let body = ndjson(1, "b");

    let r = c.post(&url).body(body.clone()).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.headers()["www-authenticate"].to_str().unwrap(), "Bearer realm=\"fieldkit\"");
    let r = c.post(&url).bearer_auth("s3cr3t-t0kem").body(body.clone()).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = c.post(&url).header("authorization", format!("Basic {TOKEN}")).body(body.clone()).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = c.get(format!("http://127.0.0.1:{api}/metrics")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(Store::open(&db).unwrap().stats().unwrap().monitoring, 0, "nothing unauthenticated was stored");

    // Over max_body_bytes: declared (Content-Length) and streamed (chunked, no length).
    let big = ndjson(10, "c");
    assert!(big.len() > 4096);
    let r = c.post(&url).bearer_auth(TOKEN).body(big.clone()).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(chunked_post(http, &big), 413);
    let r = c.post(format!("http://127.0.0.1:{http}/other")).bearer_auth(TOKEN).body(body.clone()).send().await;
    assert_eq!(r.unwrap().status(), StatusCode::NOT_FOUND);
    let r = c.get(&url).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    let r = c.post(&url).bearer_auth(TOKEN).body(body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    let m = c.get(format!("http://127.0.0.1:{api}/metrics")).bearer_auth(TOKEN).send().await.unwrap();
    let m = parse_metrics(&m.text().await.unwrap());
    assert_eq!(metric(&m, "fieldkit_pipeline_http_unauthorized_total"), 4.0);
    let counters = running.stop().await;
    assert_eq!((counters.consumed, counters.stored, counters.http_unauthorized), (1, 1, 4));
    assert!(counters.reconciles());
}

/// POSTs `body` in chunks without a Content-Length over a raw socket; returns the status.
fn chunked_post(port: u16, body: &str) -> u16 {
    use std::io::{Read, Write};
    let mut s = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let head = format!(
        "POST /ingest HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {TOKEN}\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    s.write_all(head.as_bytes()).unwrap();
    for line in body.lines() {
        let chunk = format!("{line}\n");
        // The server may answer and close before the whole body is sent.
        if s.write_all(format!("{:x}\r\n{chunk}\r\n", chunk.len()).as_bytes()).is_err() {
            break;
        }
    }
    let _ = s.write_all(b"0\r\n\r\n");
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer);
    text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or_else(|| panic!("no status in `{text}`"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_store_is_answered_503_and_degraded_then_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fieldkit.db");
    let (http, api) = (free_port(), free_port());
    let cfg = store_pipeline(http, api, &db, "request_timeout_ms = 1500");
    let running = start(cfg, &[http, api]).await;
    let c = client();
    let url = format!("http://127.0.0.1:{http}/ingest");
    let health = format!("http://127.0.0.1:{api}/health");

    let locker = rusqlite::Connection::open(&db).unwrap();
    locker.execute_batch("BEGIN IMMEDIATE").unwrap();
    let r = c.post(&url).bearer_auth(TOKEN).body(ndjson(5, "d")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE, "not durable, so not 2xx");
    assert_eq!(r.headers()["retry-after"], "1");
    let h = c.get(&health).send().await.unwrap();
    assert_eq!(h.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(h.json::<serde_json::Value>().await.unwrap(), serde_json::json!({"status": "degraded"}));

    locker.execute_batch("ROLLBACK").unwrap();
    drop(locker);
    // The retry succeeds; the first request's records were committed meanwhile, once.
    let r = c.post(&url).bearer_auth(TOKEN).body(ndjson(5, "d")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(Store::open(&db).unwrap().stats().unwrap().monitoring, 5);
    assert_eq!(c.get(&health).send().await.unwrap().status(), StatusCode::OK);
    let counters = running.stop().await;
    assert_eq!((counters.consumed, counters.stored, counters.duplicates), (10, 5, 5));
    assert!(counters.reconciles());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_sink_is_answered_503() {
    // A JSONL sink whose file cannot be written: the records are never durable.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.ndjson");
    let http = free_port();
    let cfg = config(
        &format!(
            r#"
[sources.web]
type = "http"
listen = "{http}"

[sinks.out]
type = "file"
inputs = ["web"]
path = "${{OUT}}"
"#
        ),
        &[("OUT", "/dev/full".to_owned())],
    );
    let running = start(cfg, &[http]).await;
    let r = client().post(format!("http://127.0.0.1:{http}/ingest")).body(ndjson(3, "e")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    running.shutdown.trigger();
    let result = tokio::time::timeout(Duration::from_secs(30), running.task).await.unwrap().unwrap();
    assert!(result.is_err(), "the sink failed: {result:?}");
    assert!(!out.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_round_trip_with_a_self_signed_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let (cert_pem, key_pem) = (cert.cert.pem(), cert.signing_key.serialize_pem());
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_path, &cert_pem).unwrap();
    std::fs::write(&key_path, &key_pem).unwrap();
    let token_path = dir.path().join("token");
    std::fs::write(&token_path, format!("{TOKEN}\n")).unwrap();
    let out = dir.path().join("out.ndjson");
    let http = free_port();
    let cfg = config(
        &format!(
            r#"
[sources.web]
type = "http"
listen = "localhost:{http}"
path = "/v1/notifications"
token_file = "${{TOKEN_FILE}}"
tls_cert = "${{CERT}}"
tls_key = "${{KEY}}"

[sinks.out]
type = "file"
inputs = ["web"]
path = "${{OUT}}"
"#
        ),
        &[
            ("TOKEN_FILE", token_path.display().to_string()),
            ("CERT", cert_path.display().to_string()),
            ("KEY", key_path.display().to_string()),
            ("OUT", out.display().to_string()),
        ],
    );
    let running = start(cfg, &[http]).await;
    let c = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert_pem.as_bytes()).unwrap())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let url = format!("https://localhost:{http}/v1/notifications");
    let r = c.post(&url).bearer_auth(TOKEN).body(ndjson(3, "f")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // Written and flushed before the answer.
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 3);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["stored_or_written"], 3);
    // Plain HTTP to the TLS port gets no HTTP answer.
    let plain = client().post(format!("http://localhost:{http}/v1/notifications")).body("{}").send().await;
    assert!(plain.is_err() || !plain.unwrap().status().is_success());
    let counters = running.stop().await;
    assert_eq!((counters.consumed, counters.written), (3, 3));
    assert!(counters.reconciles());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binds_loopback_by_default() {
    let sink = "[sinks.out]\ntype = \"stdout\"\ninputs = [\"web\"]\n";
    let default = config(&format!("[sources.web]\ntype = \"http\"\n{sink}"), &[]);
    let SourceKind::Http(h) = &default.sources[0].kind else { panic!() };
    assert_eq!(h.endpoint.listen, SocketAddr::from((Ipv4Addr::LOCALHOST, 8080)));
    assert_eq!((h.path.as_str(), h.max_body_bytes, h.endpoint.token.is_none()), ("/ingest", 16 << 20, true));

    let port = free_port();
    let cfg = config(&format!("[sources.web]\ntype = \"http\"\nlisten = \"{port}\"\n{sink}"), &[]);
    let SourceKind::Http(h) = &cfg.sources[0].kind else { panic!() };
    assert!(h.endpoint.listen.ip().is_loopback());
    let running = start(cfg, &[port]).await;
    // Reachable on loopback, not on the machine's other addresses (when it has one).
    if let Some(ip) = non_loopback_ip() {
        assert!(TcpStream::connect_timeout(&SocketAddr::new(ip, port), Duration::from_secs(2)).is_err());
    }
    let r = client().post(format!("http://127.0.0.1:{port}/ingest")).body("").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "an empty body is zero records, all durable");
    running.stop().await;
}

/// An address of this machine other than loopback, found without sending anything.
fn non_loopback_ip() -> Option<std::net::IpAddr> {
    let s = std::net::UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).ok()?;
    s.connect((Ipv4Addr::new(192, 0, 2, 1), 9)).ok()?;
    let ip = s.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

#[test]
fn validation_reports_http_and_api_problems_at_their_lines() {
    let dir = tempfile::tempdir().unwrap();
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert_path = dir.path().join("cert.pem");
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    let empty = dir.path().join("empty");
    std::fs::write(&empty, "\n").unwrap();
    let text = format!(
        r#"[pipeline]
status_interval_ms = 2500

[api]
token = "inline"

[sources.a]
type = "http"
listen = "example.com:80"
token_file = "/nonexistent/token"

[sources.b]
type = "http"
listen = "127.0.0.1:9000"
tls_cert = "{cert}"
token_env = "UNSET_VAR"

[sources.c]
type = "http"
listen = "9000"
path = "ingest"
token_file = "{empty}"
tls_key = "{cert}"

[sinks.out]
type = "stdout"
inputs = ["a", "b", "c"]
"#,
        cert = cert_path.display(),
        empty = empty.display()
    );
    let errors = validate(&text, std::iter::empty()).unwrap_err();
    let got: Vec<(usize, String)> = errors.iter().map(|e| (e.line, e.message.clone())).collect();
    let expect: [(usize, &str); 10] = [
        (4, "`listen` is required"),
        (5, "unknown key `api.token`"),
        (5, "a token is never written in the config"),
        (9, "is not an address"),
        (10, "cannot read token file `/nonexistent/token`"),
        (15, "`tls_cert` without `tls_key`"),
        (16, "environment variable `UNSET_VAR` is not set"),
        (21, "`path` = \"ingest\" must start with `/`"),
        (22, "holds an empty token"),
        (23, "`tls_key` without `tls_cert`"),
    ];
    for (line, needle) in expect {
        assert!(got.iter().any(|(l, m)| *l == line && m.contains(needle)), "no `{needle}` at line {line}: {got:#?}");
    }
    assert_eq!(got.len(), expect.len(), "{got:#?}");

    // A key file that holds no key; two servers on one address.
    let text = format!(
        "[api]\nlisten = \"9000\"\n\n[sources.a]\ntype = \"http\"\nlisten = \"127.0.0.1:9000\"\n\
         tls_cert = \"{cert}\"\ntls_key = \"{cert}\"\n[sinks.o]\ntype = \"stdout\"\ninputs = [\"a\"]\n",
        cert = cert_path.display()
    );
    let errors = validate(&text, std::iter::empty()).unwrap_err();
    let got: Vec<(usize, usize, String)> = errors.iter().map(|e| (e.line, e.column, e.message.clone())).collect();
    assert!(got.iter().any(|(l, c, m)| (*l, *c) == (8, 11) && m.contains("not a PEM private key")), "{got:#?}");
    let text = text.replace(&format!("tls_key = \"{}\"\n", cert_path.display()), "").replace("tls_cert", "path");
    let got = validate(&text, std::iter::empty()).unwrap_err();
    assert!(got.iter().any(|e| e.line == 4 && e.message.contains("listens on 127.0.0.1:9000, like `api`")), "{got:#?}");

    let ok = validate("[pipeline]\nstatus_interval_ms = 2500\n[sources.s]\ntype = \"stdin\"\n[sinks.o]\ntype = \"stdout\"\ninputs = [\"s\"]\n", std::iter::empty()).unwrap();
    assert_eq!(ok.pipeline.status_interval, Duration::from_millis(2500));
    assert!(ok.api.is_none());
}
