//! The `kafka` sink on librdkafka's in-process mock cluster: summaries produced keyed by their
//! dedup key and read back exactly once, broker faults retried without loss or duplicates, a
//! kafka source whose offsets follow the deliveries, permanent failures that hold positions
//! back, and configuration errors at their line and column.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use fieldkit_events::MonitoringEvent;
use fieldkit_stream::{Config, Counters, RunOptions, Shutdown, run_blocking, validate};
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::types::{RDKafkaApiKey, RDKafkaRespErr};
use rdkafka::{Offset, TopicPartitionList};

const OUT: &str = "fieldkit_summaries";
const IN: &str = "maas_notifications";
const GROUP: &str = "fieldkit-ksink";
const PARTITIONS: i32 = 3;

fn cluster(topics: &[&str]) -> MockCluster<'static, DefaultProducerContext> {
    let c = MockCluster::new(3).unwrap();
    for t in topics {
        c.create_topic(t, PARTITIONS, 1).unwrap();
    }
    c
}

/// One message read back from the sink's topic.
#[derive(Debug)]
struct Out {
    key: Option<String>,
    value: serde_json::Value,
    headers: HashMap<String, String>,
}

/// Reads every message of `topic` (all partitions, from the start) until `expect` arrived and
/// nothing more comes for a moment.
fn consume_all(brokers: &str, topic: &str, expect: usize) -> Vec<Out> {
    let c: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", "fieldkit-ksink-reader")
        .set("enable.auto.commit", "false")
        .set("fetch.wait.max.ms", "50")
        .set("fetch.message.max.bytes", "2000000")
        .create()
        .unwrap();
    let mut tpl = TopicPartitionList::new();
    for p in 0..PARTITIONS {
        tpl.add_partition_offset(topic, p, Offset::Beginning).unwrap();
    }
    c.assign(&tpl).unwrap();
    let mut out = Vec::new();
    let started = Instant::now();
    let mut quiet_since = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        match c.poll(Duration::from_millis(100)) {
            Some(Ok(m)) => {
                quiet_since = Instant::now();
                let headers = m
                    .headers()
                    .map(|h| {
                        h.iter()
                            .map(|h| {
                                (h.key.to_owned(), String::from_utf8_lossy(h.value.unwrap_or_default()).into_owned())
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                out.push(Out {
                    key: m.key().map(|k| String::from_utf8_lossy(k).into_owned()),
                    value: serde_json::from_slice(m.payload().unwrap_or_default()).unwrap(),
                    headers,
                });
            }
            Some(Err(e)) => panic!("consuming {topic}: {e}"),
            None if out.len() >= expect && quiet_since.elapsed() > Duration::from_millis(500) => break,
            None => {}
        }
    }
    out
}

/// Runs `config` until `done` says so (checked every 50 ms) or `limit`, then shuts it down.
fn run_until(config: &Config, done: impl Fn(&Counters) -> bool + Send + Sync + 'static, limit: Duration) -> Counters {
    let shutdown = Shutdown::new();
    let finished = Arc::new(AtomicBool::new(false));
    let (s, f) = (shutdown.clone(), finished.clone());
    let started = Instant::now();
    let options = RunOptions {
        shutdown,
        status: Some(Box::new(move |st| {
            if done(&st.counters) || started.elapsed() > limit {
                if started.elapsed() > limit {
                    eprintln!("time limit reached: {st}");
                }
                f.store(true, Ordering::SeqCst);
                s.trigger();
            }
        })),
        status_interval: Duration::from_millis(50),
    };
    let c = run_blocking(config, options).unwrap();
    eprintln!("run: {c:?} in {:?}", started.elapsed());
    c
}

/// file → summarize → (kafka sink, file sink), with `props` added to the kafka sink.
fn file_to_kafka(input: &std::path::Path, copy: &std::path::Path, brokers: &str, props: &str) -> Config {
    let sinks = format!(
        r#"
[sinks.bus]
type = "kafka"
inputs = ["summary"]
brokers = "${{BROKERS}}"
topic = "{OUT}"

[sinks.bus.properties]
"linger.ms" = 5
{props}

[sinks.copy]
type = "file"
inputs = ["summary"]
path = "${{COPY}}"
"#
    );
    common::file_to(input, &sinks, &[("COPY", &copy.display().to_string()), ("BROKERS", brokers)])
}

/// The file sink's lines: summaries by dedup key, and dead letters.
fn read_copy(path: &std::path::Path) -> (BTreeMap<String, serde_json::Value>, Vec<serde_json::Value>) {
    let (mut events, mut dead) = (BTreeMap::new(), Vec::new());
    for line in std::fs::read_to_string(path).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if v.get("dead_letter").is_some() {
            dead.push(v);
        } else {
            let key = v["dedup_key"].as_str().unwrap().to_owned();
            assert!(events.insert(key, v).is_none(), "a summary twice in the file");
        }
    }
    (events, dead)
}

/// Checks the topic holds exactly the file sink's summaries and dead letters, once each.
fn assert_topic_matches_copy(brokers: &str, copy: &std::path::Path, summaries: usize, dead: usize) {
    let (events, dead_copy) = read_copy(copy);
    assert_eq!((events.len(), dead_copy.len()), (summaries, dead));
    let got = consume_all(brokers, OUT, summaries + dead);
    let mut topic_events = BTreeMap::new();
    let mut topic_dead = Vec::new();
    for m in got {
        if m.value.get("dead_letter").is_some() {
            assert_eq!(m.headers["fieldkit-kind"], "dead_letter");
            let key = m.key.expect("a positioned dead letter has a key");
            assert!(key.starts_with("dead_letter/maas/"), "{key}");
            topic_dead.push(m.value);
            continue;
        }
        assert_eq!(m.headers["fieldkit-kind"], "summary");
        assert_eq!(m.headers["fieldkit-source"], "maas");
        assert!(m.headers.contains_key("fieldkit-source-offset"), "{:?}", m.headers);
        let key = m.key.expect("summaries are keyed");
        let event: MonitoringEvent = serde_json::from_value(m.value.clone()).expect("a summary's JSON");
        assert_eq!(key, event.dedup_key, "the key is the dedup key");
        assert_eq!(m.headers["fieldkit-source-offset"], event.source.as_ref().unwrap().offset.to_string());
        assert!(topic_events.insert(key, m.value).is_none(), "a summary twice in the topic");
    }
    assert_eq!(topic_events, events, "the topic holds exactly the summaries the file sink wrote");
    let sort = |v: &mut Vec<serde_json::Value>| v.sort_by_key(|d| d["dead_letter"]["position"]["offset"].as_i64());
    let mut dead_copy = dead_copy;
    sort(&mut dead_copy);
    sort(&mut topic_dead);
    assert_eq!(topic_dead, dead_copy);
}

#[test]
fn file_to_kafka_writes_every_summary_once_keyed_by_dedup_key() {
    let started = Instant::now();
    let cluster = cluster(&[OUT]);
    let brokers = cluster.bootstrap_servers();
    let dir = tempfile::tempdir().unwrap();
    let (input, copy) = (dir.path().join("in.ndjson"), dir.path().join("copy.jsonl"));
    common::write_input(&input, 0..2_000);
    let config = file_to_kafka(&input, &copy, &brokers, "");
    let c = run_blocking(&config, RunOptions::default()).unwrap();
    eprintln!("{c:?}");
    assert_eq!((c.consumed, c.fanned_out), (2_000, 2_000));
    assert_eq!((c.written, c.dead_lettered, c.failed), (2 * 1_980, 2 * 20, 0), "{c:?}");
    assert!(c.reconciles(), "{c:?}");
    assert_topic_matches_copy(&brokers, &copy, 1_980, 20);
    eprintln!("test took {:?}", started.elapsed());
}

#[test]
fn produce_errors_and_a_broker_down_are_retried_without_loss_or_duplicates() {
    let started = Instant::now();
    let cluster = cluster(&[OUT]);
    let brokers = cluster.bootstrap_servers();
    let dir = tempfile::tempdir().unwrap();
    let (input, copy) = (dir.path().join("in.ndjson"), dir.path().join("copy.jsonl"));
    common::write_input(&input, 0..3_000);
    // Small batches, so that many produce requests meet the faults.
    let config = file_to_kafka(&input, &copy, &brokers, "\"batch.num.messages\" = 50");

    let errors = [
        RDKafkaRespErr::RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
        RDKafkaRespErr::RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
        RDKafkaRespErr::RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
        RDKafkaRespErr::RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND,
        RDKafkaRespErr::RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
    ];
    cluster.request_errors(RDKafkaApiKey::Produce, &errors.repeat(4));
    // A broker is down when the run starts and comes back two seconds later.
    cluster.broker_down(2).unwrap();
    let c = std::thread::scope(|s| {
        let run = s.spawn(|| run_blocking(&config, RunOptions::default()).unwrap());
        std::thread::sleep(Duration::from_secs(2));
        cluster.broker_up(2).unwrap();
        run.join().unwrap()
    });
    eprintln!("{c:?}");
    assert_eq!((c.consumed, c.written, c.dead_lettered, c.failed), (3_000, 2 * 2_970, 2 * 30, 0), "{c:?}");
    assert!(c.reconciles(), "{c:?}");
    assert_topic_matches_copy(&brokers, &copy, 2_970, 30);
    eprintln!("test took {:?}", started.elapsed());
}

/// Produces `n` messages of the test input to the source topic.
fn produce_input(brokers: &str, range: std::ops::Range<u64>) {
    let p: ThreadedProducer<DefaultProducerContext> =
        ClientConfig::new().set("bootstrap.servers", brokers).set("message.max.bytes", "2000000").create().unwrap();
    let t = common::template();
    for i in range {
        let payload = common::line(&t, i);
        let key = i.to_string();
        let mut rec = BaseRecord::to(IN).key(&key).payload(&payload);
        loop {
            match p.send(rec) {
                Ok(()) => break,
                Err((_, r)) => {
                    std::thread::sleep(Duration::from_millis(5));
                    rec = r;
                }
            }
        }
    }
    p.flush(Duration::from_secs(30)).unwrap();
}

fn kafka_to_kafka(source: &str, sink: &str, sink_props: &str) -> Config {
    let text = format!(
        r#"
[pipeline]
max_record_bytes = {max}

[sources.maas]
type = "kafka"
brokers = "{source}"
topics = ["{IN}"]
group = "{GROUP}"

[sources.maas.properties]
"fetch.wait.max.ms" = 50
"session.timeout.ms" = 6000

[transforms.summary]
type = "summarize"
inputs = ["maas"]

[sinks.bus]
type = "kafka"
inputs = ["summary"]
brokers = "{sink}"
topic = "{OUT}"
dead_letter_topic = "fieldkit_dead_letters"

[sinks.bus.properties]
"linger.ms" = 5
{sink_props}
"#,
        max = common::MAX_RECORD
    );
    validate(&text, []).unwrap_or_else(|e| panic!("{e:?}"))
}

fn committed(brokers: &str) -> Vec<(i32, Offset)> {
    let c: BaseConsumer =
        ClientConfig::new().set("bootstrap.servers", brokers).set("group.id", GROUP).create().unwrap();
    let mut tpl = TopicPartitionList::new();
    for p in 0..PARTITIONS {
        tpl.add_partition(IN, p);
    }
    let got = c.committed_offsets(tpl, Duration::from_secs(10)).unwrap();
    let mut out: Vec<(i32, Offset)> = got.elements().iter().map(|e| (e.partition(), e.offset())).collect();
    out.sort_by_key(|(p, _)| *p);
    out
}

fn end_offsets(brokers: &str) -> Vec<(i32, Offset)> {
    let c: BaseConsumer = ClientConfig::new().set("bootstrap.servers", brokers).create().unwrap();
    (0..PARTITIONS)
        .map(|p| (p, Offset::Offset(c.fetch_watermarks(IN, p, Duration::from_secs(10)).unwrap().1)))
        .collect()
}

#[test]
fn kafka_to_kafka_commits_offsets_only_after_delivery() {
    let started = Instant::now();
    let source = cluster(&[IN]);
    let sink = cluster(&[OUT, "fieldkit_dead_letters"]);
    let (src, dst) = (source.bootstrap_servers(), sink.bootstrap_servers());
    produce_input(&src, 0..1_000);

    // Every broker of the sink's cluster is down: deliveries time out and fail for good.
    for b in 1..=3 {
        sink.broker_down(b).unwrap();
    }
    let config = kafka_to_kafka(&src, &dst, "\"message.timeout.ms\" = 1500");
    let c = run_until(
        &config,
        |c| c.consumed >= 1_000 && c.failed + c.written + c.dead_lettered >= 1_000,
        Duration::from_secs(60),
    );
    assert_eq!(c.consumed, 1_000, "{c:?}");
    assert!(c.failed > 0, "{c:?}");
    assert_eq!(c.failed + c.written + c.dead_lettered, 1_000, "{c:?}");
    // (Offset 0, committed before the first failure, is "read from the start".)
    assert!(
        committed(&src).iter().all(|(_, o)| matches!(o, Offset::Invalid | Offset::Offset(0))),
        "no offset may pass an undelivered record: {:?}",
        committed(&src)
    );

    // The sink's cluster is back: a new run reads everything again and delivers it; the
    // group's offsets then reach the end.
    for b in 1..=3 {
        sink.broker_up(b).unwrap();
    }
    let config = kafka_to_kafka(&src, &dst, "");
    let c = run_until(&config, |c| c.written + c.dead_lettered >= 1_000, Duration::from_secs(60));
    assert_eq!((c.consumed, c.written, c.dead_lettered, c.failed), (1_000, 990, 10, 0), "{c:?}");
    assert!(c.reconciles(), "{c:?}");
    assert_eq!(committed(&src), end_offsets(&src), "offsets committed after delivery");
    let summaries = consume_all(&dst, OUT, 990);
    let dead = consume_all(&dst, "fieldkit_dead_letters", 10);
    let keys: std::collections::HashSet<_> = summaries.iter().map(|m| m.key.clone().unwrap()).collect();
    assert_eq!((summaries.len(), keys.len(), dead.len()), (990, 990, 10));
    assert!(dead.iter().all(|m| m.value.get("dead_letter").is_some()));
    assert!(dead.iter().all(|m| m.headers["fieldkit-source-topic"] == IN));

    // Nothing new: a third run reads nothing (the offsets hold).
    produce_input(&src, 1_000..1_100);
    let c = run_until(&config, |c| c.written + c.dead_lettered >= 100, Duration::from_secs(60));
    assert_eq!((c.consumed, c.written, c.dead_lettered), (100, 99, 1), "{c:?}");
    assert_eq!(committed(&src), end_offsets(&src));
    eprintln!("test took {:?}", started.elapsed());
}

#[test]
fn kafka_sink_config_errors_point_at_their_line_and_column() {
    let text = r#"
[sources.in]
type = "stdin"

[sinks.bus]
type = "kafka"
inputs = ["in"]
brokers = "localhost:9092"
topic = "bad topic"
colour = "blue"

[sinks.bus.properties]
"enable.idempotence" = false
"acks" = 1
"no.such.property" = "x"
"bootstrap.servers" = "elsewhere:9092"
"compression.type" = "lz4"
"#;
    let errors = validate(text, []).unwrap_err();
    let got: Vec<(usize, usize, &str)> = errors.iter().map(|e| (e.line, e.column, e.message.as_str())).collect();
    assert_eq!(errors.len(), 6, "{errors:#?}");
    assert_eq!((got[0].0, got[0].1), (9, 9));
    assert!(got[0].2.contains("not a topic name"), "{}", got[0].2);
    assert_eq!((got[1].0, got[1].1), (10, 1));
    assert!(got[1].2.contains("unknown key `colour`"), "{}", got[1].2);
    assert_eq!((got[2].0, got[2].1), (13, 24));
    assert!(got[2].2.contains("must stay true"), "{}", got[2].2);
    assert_eq!((got[3].0, got[3].1), (14, 10));
    assert!(got[3].2.contains("must stay `all`"), "{}", got[3].2);
    assert_eq!((got[4].0, got[4].1), (15, 1));
    assert!(got[4].2.contains("no.such.property"), "{}", got[4].2);
    assert_eq!((got[5].0, got[5].1), (16, 1));
    assert!(got[5].2.contains("set it with `brokers`"), "{}", got[5].2);

    let missing = "[sources.in]\ntype = \"stdin\"\n\n[sinks.bus]\ntype = \"kafka\"\ninputs = [\"in\"]\n";
    let errors = validate(missing, []).unwrap_err();
    assert!(errors.iter().any(|e| e.line == 4 && e.message.contains("`brokers` is required")), "{errors:?}");
    assert!(errors.iter().any(|e| e.line == 4 && e.message.contains("`topic` is required")), "{errors:?}");

    // `acks = "all"` and `enable.idempotence = true` may be spelled out.
    let ok = text
        .replace("topic = \"bad topic\"", "topic = \"ok\"")
        .replace("colour = \"blue\"\n", "")
        .replace("\"enable.idempotence\" = false", "\"enable.idempotence\" = true")
        .replace("\"acks\" = 1", "\"acks\" = \"all\"")
        .replace("\"no.such.property\" = \"x\"\n", "")
        .replace("\"bootstrap.servers\" = \"elsewhere:9092\"\n", "");
    validate(&ok, []).unwrap_or_else(|e| panic!("{e:?}"));
}
