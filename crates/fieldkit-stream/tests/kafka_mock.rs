//! The `kafka` source on librdkafka's in-process mock cluster (3 brokers): kafka → summarize →
//! store with 1% malformed messages, offsets committed only after the store commit, resumption
//! without duplicates, and faults (request errors, a broker down) that lose nothing.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use fieldkit_store::Store;
use fieldkit_stream::{Config, Counters, RunOptions, Shutdown, run_blocking, validate};
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::types::{RDKafkaApiKey, RDKafkaRespErr};
use rdkafka::{Offset, TopicPartitionList};

const TOPIC: &str = "maas_notifications";
const GROUP: &str = "fieldkit-test";
const PARTITIONS: i32 = 3;

/// The shipped example, read at test time (never copied into the repository).
fn template() -> serde_json::Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/maas/maas-example.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn cluster() -> MockCluster<'static, DefaultProducerContext> {
    let c = MockCluster::new(3).unwrap();
    c.create_topic(TOPIC, PARTITIONS, 1).unwrap();
    c
}

/// Produces messages `range` (1% malformed), keyed so they spread over the partitions, each
/// with a `tenant` header.
fn produce(brokers: &str, range: std::ops::Range<u64>) {
    let p: ThreadedProducer<DefaultProducerContext> =
        ClientConfig::new().set("bootstrap.servers", brokers).set("message.max.bytes", "2000000").create().unwrap();
    let t = template();
    for i in range {
        let payload = common::line(&t, i);
        let key = i.to_string();
        let tenant = if i % 2 == 0 { "acme" } else { "other" };
        let headers = OwnedHeaders::new().insert(Header { key: "tenant", value: Some(tenant) });
        let mut rec = BaseRecord::to(TOPIC).key(&key).payload(&payload).headers(headers);
        loop {
            match p.send(rec) {
                Ok(()) => break,
                Err((_, r)) => {
                    // Queue full: let deliveries catch up.
                    std::thread::sleep(Duration::from_millis(5));
                    rec = r;
                }
            }
        }
    }
    p.flush(Duration::from_secs(30)).unwrap();
    assert_eq!(p.in_flight_count(), 0);
}

fn config(brokers: &str, store: &std::path::Path) -> Config {
    config_with(brokers, store, 500, 1024)
}

/// `batch_size` and `channel_capacity` set how fast a member stores and how far it reads
/// ahead: a rebalance test needs a member slow enough to be caught mid-stream.
fn config_with(brokers: &str, store: &std::path::Path, batch_size: usize, channel_capacity: usize) -> Config {
    let text = format!(
        r#"
[pipeline]
max_record_bytes = {max}
channel_capacity = {channel_capacity}

[sources.maas]
type = "kafka"
brokers = "${{BROKERS}}"
topics = ["{TOPIC}"]
group = "{GROUP}"

[sources.maas.properties]
"session.timeout.ms" = 6000
"fetch.wait.max.ms" = 50

[transforms.summary]
type = "summarize"
inputs = ["maas"]

[sinks.db]
type = "store"
inputs = ["summary"]
path = "${{STORE}}"
batch_size = {batch_size}
linger_ms = 50
durability = "full"
"#,
        max = common::MAX_RECORD
    );
    let env = [("BROKERS".to_owned(), brokers.to_owned()), ("STORE".to_owned(), store.display().to_string())];
    validate(&text, env).unwrap_or_else(|e| panic!("{e:?}"))
}

/// Runs `config` on a thread until `settled` records are stored/dead-lettered (or `limit`
/// passes), then shuts it down and returns its counters.
fn run_until(config: &Config, settled: u64, limit: Duration) -> Counters {
    let shutdown = Shutdown::new();
    let done = Arc::new(AtomicBool::new(false));
    let (s, d) = (shutdown.clone(), done.clone());
    let started = Instant::now();
    let options = RunOptions {
        shutdown: shutdown.clone(),
        status: Some(Box::new(move |st| {
            let c = &st.counters;
            if c.stored + c.dead_lettered + c.duplicates >= settled || started.elapsed() > limit {
                if started.elapsed() > limit {
                    eprintln!("time limit reached: {st}");
                }
                d.store(true, Ordering::SeqCst);
                s.trigger();
            }
        })),
        status_interval: Duration::from_millis(100),
    };
    let c = run_blocking(config, options).unwrap();
    assert!(done.load(Ordering::SeqCst));
    eprintln!("run: {c:?} in {:?}", started.elapsed());
    c
}

/// `(partition, high watermark)` of every partition.
fn end_offsets(brokers: &str) -> Vec<(i32, i64)> {
    let c: BaseConsumer = ClientConfig::new().set("bootstrap.servers", brokers).create().unwrap();
    (0..PARTITIONS).map(|p| (p, c.fetch_watermarks(TOPIC, p, Duration::from_secs(10)).unwrap().1)).collect()
}

/// The group's committed offsets, asked by a consumer that is not a member.
fn committed(brokers: &str) -> Vec<(i32, i64)> {
    committed_raw(brokers)
        .into_iter()
        .map(|(p, o)| match o {
            Offset::Offset(o) => (p, o),
            other => panic!("partition {p} has no committed offset: {other:?}"),
        })
        .collect()
}

fn committed_raw(brokers: &str) -> Vec<(i32, Offset)> {
    let c: BaseConsumer =
        ClientConfig::new().set("bootstrap.servers", brokers).set("group.id", GROUP).create().unwrap();
    let mut tpl = TopicPartitionList::new();
    for p in 0..PARTITIONS {
        tpl.add_partition(TOPIC, p);
    }
    let got = c.committed_offsets(tpl, Duration::from_secs(10)).unwrap();
    let mut out: Vec<(i32, Offset)> = got.elements().iter().map(|e| (e.partition(), e.offset())).collect();
    out.sort_by_key(|(p, _)| *p);
    out
}

fn stored_positions(db: &std::path::Path) -> Vec<(i32, i64)> {
    let store = Store::open(db).unwrap();
    let mut v: Vec<(i32, i64)> = store
        .positions("maas")
        .unwrap()
        .into_iter()
        .map(|p| {
            assert_eq!(p.topic, TOPIC);
            (p.partition, p.next_offset)
        })
        .collect();
    v.sort();
    v
}

fn stats(db: &std::path::Path) -> (u64, u64) {
    let s = Store::open(db).unwrap().stats().unwrap();
    (s.monitoring, s.dead_letter)
}

#[test]
fn kafka_to_store_commits_offsets_after_the_store_and_resumes_without_duplicates() {
    let started = Instant::now();
    let cluster = cluster();
    let brokers = cluster.bootstrap_servers();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fieldkit.db");
    produce(&brokers, 0..3_000);
    let config = config(&brokers, &db);

    let c = run_until(&config, 3_000, Duration::from_secs(60));
    assert_eq!(c.consumed, 3_000, "{c:?}");
    assert_eq!((c.stored, c.dead_lettered, c.duplicates, c.filtered), (2_970, 30, 0, 0));
    assert!(c.reconciles(), "{c:?}");
    assert_eq!(stats(&db), (2_970, 30));
    let ends = end_offsets(&brokers);
    assert_eq!(ends.iter().map(|(_, e)| e).sum::<i64>(), 3_000);
    assert_eq!(stored_positions(&db), ends, "positions are the end offsets");
    assert_eq!(committed(&brokers), ends, "the group's offsets are the stored positions");

    // More messages: only they are read, nothing twice.
    produce(&brokers, 3_000..3_500);
    let c = run_until(&config, 500, Duration::from_secs(60));
    assert_eq!((c.consumed, c.stored, c.dead_lettered, c.duplicates), (500, 495, 5, 0), "{c:?}");
    assert_eq!(stats(&db), (3_465, 35));
    let ends = end_offsets(&brokers);
    assert_eq!(stored_positions(&db), ends);
    assert_eq!(committed(&brokers), ends);
    eprintln!("test took {:?}", started.elapsed());
}

#[test]
fn request_errors_and_a_broker_down_lose_nothing_and_duplicate_nothing() {
    let started = Instant::now();
    let cluster = cluster();
    let brokers = cluster.bootstrap_servers();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fieldkit.db");
    produce(&brokers, 0..3_000);
    let config = config(&brokers, &db);

    // Fetches and offset commits fail for a while.
    let fetch_errors = [RDKafkaRespErr::RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION; 5];
    cluster.request_errors(RDKafkaApiKey::Fetch, &fetch_errors);
    let commit_errors = [RDKafkaRespErr::RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT; 3];
    cluster.request_errors(RDKafkaApiKey::OffsetCommit, &commit_errors);

    // A broker goes down during the run and comes back.
    let handle = {
        let config = config.clone();
        std::thread::spawn(move || run_until(&config, 3_000, Duration::from_secs(90)))
    };
    std::thread::sleep(Duration::from_millis(300));
    cluster.broker_down(2).unwrap();
    std::thread::sleep(Duration::from_secs(2));
    cluster.broker_up(2).unwrap();
    let c = handle.join().unwrap();

    assert!(c.source_errors > 0, "the faults were not seen: {c:?}");
    assert_eq!((c.consumed, c.stored, c.dead_lettered, c.duplicates), (3_000, 2_970, 30, 0), "{c:?}");
    assert!(c.reconciles(), "{c:?}");
    assert_eq!(stats(&db), (2_970, 30));
    let ends = end_offsets(&brokers);
    assert_eq!(stored_positions(&db), ends);
    assert_eq!(committed(&brokers), ends);

    // A second run finds nothing new.
    produce(&brokers, 3_000..3_100);
    let c = run_until(&config, 100, Duration::from_secs(60));
    assert_eq!((c.consumed, c.duplicates), (100, 0), "{c:?}");
    assert_eq!(stats(&db), (3_069, 31));
    eprintln!("test took {:?}", started.elapsed());
}

#[test]
fn a_header_filter_drops_other_tenants_without_decoding_them() {
    let cluster = cluster();
    let brokers = cluster.bootstrap_servers();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fieldkit.db");
    produce(&brokers, 0..400);
    let text = format!(
        r#"
[sources.maas]
type = "kafka"
brokers = "{brokers}"
topic_regex = "^maas_.*"
group = "{GROUP}"

[transforms.acme]
type = "filter"
inputs = ["maas"]
header = {{ name = "tenant", equals = "acme" }}

[transforms.summary]
type = "summarize"
inputs = ["acme"]

[sinks.db]
type = "store"
inputs = ["summary"]
path = "{db}"
linger_ms = 50
"#,
        db = db.display()
    );
    let config = validate(&text, []).unwrap_or_else(|e| panic!("{e:?}"));
    // Even messages are acme's (200, all well-formed); the malformed ones (i % 100 == 99) are
    // odd, so the filter drops them before anything parses them.
    let shutdown = Shutdown::new();
    let s = shutdown.clone();
    let options = RunOptions {
        shutdown,
        status: Some(Box::new(move |st| {
            if st.counters.consumed >= 400 && st.counters.in_flight() == 0 {
                s.trigger();
            }
        })),
        status_interval: Duration::from_millis(100),
    };
    let c = run_blocking(&config, options).unwrap();
    assert_eq!((c.consumed, c.filtered, c.stored, c.dead_lettered), (400, 200, 200, 0), "{c:?}");
    assert_eq!(stored_positions(&db), end_offsets(&brokers));
}

#[test]
fn kafka_config_errors_point_at_their_line() {
    let text = r#"
[sources.k]
type = "kafka"
brokers = "localhost:9092"
topics = ["a"]
group = "g"

[sources.k.properties]
"enable.auto.commit" = true
"no.such.property" = "x"
"security.protocol" = "SASL_PLAINTEXT"
"sasl.mechanism" = "PLAIN"
"sasl.username" = "${USER_NAME}"

[sinks.out]
type = "stdout"
inputs = ["k"]
"#;
    let errors = validate(text, [("USER_NAME".to_owned(), "fk".to_owned())]).unwrap_err();
    let lines: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.message.as_str())).collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(lines[0].0, 9);
    assert!(lines[0].1.contains("must stay false"), "{}", lines[0].1);
    assert_eq!(lines[1].0, 10);
    assert!(lines[1].1.contains("no.such.property"), "{}", lines[1].1);

    let missing =
        "[sources.k]\ntype = \"kafka\"\nbrokers = \"b\"\n\n[sinks.out]\ntype = \"stdout\"\ninputs = [\"k\"]\n";
    let errors = validate(missing, []).unwrap_err();
    assert!(errors.iter().any(|e| e.line == 1 && e.message.contains("`group` is required")), "{errors:?}");
    assert!(errors.iter().any(|e| e.message.contains("`topic_regex` is required")), "{errors:?}");
}

/// TLS and SCRAM settings as Kafka users write them are accepted (librdkafka is built with
/// OpenSSL); librdkafka still rejects what it does not know.
#[test]
fn tls_and_scram_settings_validate() {
    let text = r#"
[sources.k]
type = "kafka"
brokers = "broker1:9093"
topics = ["maas_notifications"]
group = "fieldkit"

[sources.k.properties]
"security.protocol" = "SASL_SSL"
"sasl.mechanism" = "SCRAM-SHA-512"
"sasl.username" = "fieldkit"
"sasl.password" = "${KAFKA_PASSWORD}"
"ssl.ca.location" = "/etc/kafka/ca.pem"
"ssl.endpoint.identification.algorithm" = "https"

[sinks.out]
type = "stdout"
inputs = ["k"]
"#;
    let env = [("KAFKA_PASSWORD".to_owned(), "s3cret".to_owned())];
    validate(text, env.clone()).unwrap_or_else(|e| panic!("TLS + SCRAM config refused: {e:?}"));
    let bad = text.replace("\"SASL_SSL\"", "\"SASL_TLS\"");
    let errors = validate(&bad, env).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].line, 9, "{errors:?}");
}

#[test]
fn offsets_are_not_committed_while_the_store_cannot_commit() {
    let cluster = cluster();
    let brokers = cluster.bootstrap_servers();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fieldkit.db");
    drop(Store::open(&db).unwrap());
    produce(&brokers, 0..600);
    let config = config(&brokers, &db);

    // Another connection holds the store's write lock: batches are retried, never committed.
    let locker = rusqlite::Connection::open(&db).unwrap();
    locker.execute_batch("BEGIN IMMEDIATE").unwrap();
    let consumed = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let shutdown = Shutdown::new();
    let options = {
        let (consumed, s) = (consumed.clone(), shutdown.clone());
        RunOptions {
            shutdown: shutdown.clone(),
            status: Some(Box::new(move |st| {
                consumed.store(st.counters.consumed, Ordering::SeqCst);
                if st.counters.stored + st.counters.dead_lettered >= 600 {
                    s.trigger();
                }
            })),
            status_interval: Duration::from_millis(50),
        }
    };
    let run = std::thread::spawn(move || run_blocking(&config, options));
    let started = Instant::now();
    while consumed.load(Ordering::SeqCst) < 600 {
        assert!(started.elapsed() < Duration::from_secs(60), "never consumed everything");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(500));
    // Everything is read, nothing is durable: the group has no offset to resume from.
    assert!(committed_raw(&brokers).iter().all(|(_, o)| *o == Offset::Invalid), "{:?}", committed_raw(&brokers));
    assert!(stored_positions(&db).is_empty());

    locker.execute_batch("COMMIT").unwrap();
    let c = run.join().unwrap().unwrap();
    assert_eq!((c.consumed, c.stored, c.dead_lettered), (600, 594, 6), "{c:?}");
    let ends = end_offsets(&brokers);
    assert_eq!(stored_positions(&db), ends);
    assert_eq!(committed(&brokers), ends);
}

#[test]
fn a_rebalance_between_two_pipelines_loses_nothing() {
    let started = Instant::now();
    let cluster = cluster();
    let brokers = cluster.bootstrap_servers();
    let dir = tempfile::tempdir().unwrap();
    // One store shared by both members: positions only advance, summaries are unique by key.
    let db = dir.path().join("fieldkit.db");
    drop(Store::open(&db).unwrap());
    produce(&brokers, 0..6_000);
    // Small synced batches and short queues: A stores a few thousand records a second and
    // reads little ahead, so B joins, and A leaves, while there is still work to hand over
    // (a fast A would store everything before B has joined).
    let config = config_with(&brokers, &db, 20, 64);

    // A takes every partition and runs until half is stored, then leaves the group.
    let a = {
        let config = config.clone();
        std::thread::spawn(move || run_until(&config, 3_000, Duration::from_secs(60)))
    };
    while stats(&db).0 < 300 {
        assert!(started.elapsed() < Duration::from_secs(60), "A stored nothing");
        std::thread::sleep(Duration::from_millis(20));
    }
    // B joins while A is mid-stream (A's partitions are revoked and shared out), and stays
    // after A leaves (B takes A's partitions mid-stream) until the store is complete.
    let b = {
        let (config, db) = (config.clone(), db.clone());
        std::thread::spawn(move || {
            let shutdown = Shutdown::new();
            let s = shutdown.clone();
            let t0 = Instant::now();
            let options = RunOptions {
                shutdown,
                status: Some(Box::new(move |_| {
                    let (m, d) = stats(&db);
                    if m + d >= 6_000 || t0.elapsed() > Duration::from_secs(90) {
                        s.trigger();
                    }
                })),
                status_interval: Duration::from_millis(100),
            };
            run_blocking(&config, options).unwrap()
        })
    };
    let ca = a.join().unwrap();
    let cb = b.join().unwrap();
    eprintln!("A: {ca:?}\nB: {cb:?}");
    assert!(ca.reconciles() && cb.reconciles());
    // Every message was read at least once; re-reads after a rebalance are duplicates, never
    // second copies.
    assert_eq!(stats(&db), (5_940, 60));
    assert_eq!(ca.stored + cb.stored, 5_940);
    assert_eq!(ca.dead_lettered + cb.dead_lettered, 60);
    assert_eq!(ca.consumed + cb.consumed, 6_000 + ca.duplicates + cb.duplicates);
    assert!(ca.consumed < 6_000 && cb.consumed > 0, "no handover");
    let ends = end_offsets(&brokers);
    assert_eq!(stored_positions(&db), ends);
    assert_eq!(committed(&brokers), ends);
    eprintln!("test took {:?}", started.elapsed());
}

#[test]
fn shipped_kafka_example_runs() {
    let cluster = cluster();
    let brokers = cluster.bootstrap_servers();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    produce(&brokers, 0..100);
    let text = include_str!("../../../examples/monitoring-kafka.toml");
    let env = [
        ("FIELDKIT_KAFKA_BROKERS".to_owned(), brokers.clone()),
        ("FIELDKIT_TOPIC".to_owned(), TOPIC.to_owned()),
        ("FIELDKIT_GROUP".to_owned(), GROUP.to_owned()),
        ("FIELDKIT_STORE".to_owned(), db.display().to_string()),
    ];
    let config = validate(text, env).unwrap_or_else(|e| panic!("{e:?}"));
    let c = run_until(&config, 100, Duration::from_secs(60));
    assert_eq!((c.consumed, c.stored, c.dead_lettered), (100, 99, 1), "{c:?}");
    let errs = validate(text, []).unwrap_err();
    assert!(errs[0].message.contains("FIELDKIT_KAFKA_BROKERS"), "{errs:?}");
}

#[test]
fn status_reports_rates_and_consumer_lag_until_caught_up() {
    let cluster = cluster();
    let brokers = cluster.bootstrap_servers();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    produce(&brokers, 0..900);
    // Statistics (which carry the lag) every 100 ms instead of the default 5 s.
    let text = format!(
        "[sources.maas]\ntype = \"kafka\"\nbrokers = \"{brokers}\"\ntopics = [\"{TOPIC}\"]\ngroup = \"lag\"\n\
         [sources.maas.properties]\n\"statistics.interval.ms\" = 100\n\"fetch.wait.max.ms\" = 50\n\
         [transforms.s]\ntype = \"summarize\"\ninputs = [\"maas\"]\n\
         [sinks.db]\ntype = \"store\"\ninputs = [\"s\"]\npath = \"{}\"\nlinger_ms = 20\n",
        db.display()
    );
    let config = validate(&text, []).unwrap_or_else(|e| panic!("{e:?}"));
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let shutdown = Shutdown::new();
    let options = {
        let (seen, s) = (seen.clone(), shutdown.clone());
        let started = Instant::now();
        RunOptions {
            shutdown: shutdown.clone(),
            status: Some(Box::new(move |st| {
                let caught_up =
                    st.consumer_lag.get("maas") == Some(&0) && st.counters.stored + st.counters.dead_lettered == 900;
                seen.lock().unwrap().push((st.rates, st.consumer_lag.get("maas").copied(), st.to_string()));
                if caught_up || started.elapsed() > Duration::from_secs(30) {
                    s.trigger();
                }
            })),
            status_interval: Duration::from_millis(50),
        }
    };
    let c = run_blocking(&config, options).unwrap();
    assert_eq!(c.stored + c.dead_lettered, 900, "{c:?}");
    let seen = seen.lock().unwrap();
    assert!(seen[0].0.is_none(), "no rate before a second status");
    assert!(seen.iter().skip(1).all(|(r, _, _)| r.is_some()));
    assert!(seen.iter().any(|(r, _, _)| r.is_some_and(|r| r.consumed_per_s > 0.0)), "never saw a rate");
    let (_, lag, line) = seen.last().unwrap();
    assert_eq!(*lag, Some(0), "caught up in the end: {line}");
    assert!(line.contains(" lag maas 0") && line.contains("/s in"), "{line}");
}
