//! Worked examples from the published guides, and the behaviour around them.
//!
//! Where a guide states its own numbers, the test uses them (Google's broker-count example,
//! Cloudera's restatement of Confluent's partition formula). Where the search found the formula
//! but no worked numbers (Google's vCPU steps, AWS's throughput bound and storage formula, Kafka's
//! 30-second page cache), the example is built from the formula and says so.

use super::*;

fn approx(a: f64, b: f64) {
    assert!((a - b).abs() < 0.01, "{a} != {b}");
}

/// (guide, inputs, the guide's or the formula's result, whether the numbers are the guide's own)
struct Example {
    guide: &'static str,
    published_numbers: bool,
    run: fn() -> (f64, f64),
}

const EXAMPLES: &[Example] = &[
    // Google overview, scaling algorithm: "70 vCPUs and 130 GiB … ceiling(70/15) = 5, ceiling(130/120) = 2 → 5 brokers".
    Example { guide: "google-msak-overview", published_numbers: true, run: || (google_brokers(70, 130.0) as f64, 5.0) },
    // Cloudera's restatement of Confluent's formula: read 1000 MB/s, consumer 50 MB/s → 20, producer 100 MB/s → 10;
    // max = 20 partitions.
    Example {
        guide: "confluent-partitions",
        published_numbers: true,
        run: || (confluent_partitions(1000.0, 100.0, 50.0) as f64, 20.0),
    },
    // Confluent's formula, example built here: t = 20, p = 5, c = 3 → max(4, 6.67) → 7.
    Example {
        guide: "confluent-partitions",
        published_numbers: false,
        run: || (confluent_partitions(20.0, 5.0, 3.0) as f64, 7.0),
    },
    // Google plan-size steps, example built from the formula: produce 50, consume 100, 3 replicas, 50 % target:
    // write 150, read 100 + 50 × 2 = 200, write-equivalent 150 + 200 / 4 = 200, vCPU = ceil(200 / 20 / 0.5) = 20.
    Example {
        guide: "google-msak-plan-size",
        published_numbers: false,
        run: || (google_vcpus(50.0, 100.0, 3, 0.5).1 as f64, 20.0),
    },
    Example {
        guide: "google-msak-plan-size",
        published_numbers: false,
        run: || (google_vcpus(50.0, 100.0, 3, 0.5).0, 200.0),
    },
    // AWS right-sizing bound, example built from the formula: 3 × m5.large (0.75 Gbps = 93.75 MB/s baseline,
    // 250 MiB/s = 262.144 MB/s storage), 2 consumer groups, RF 3:
    // min(262.144 × 3 / 3, 93.75 × 3 / (2 + 3 − 1)) = min(262.14, 70.31) = 70.31 MB/s — the network binds.
    Example {
        guide: "aws-msk-right-sizing",
        published_numbers: false,
        run: || (aws_max_cluster_throughput(3, 262.144, 93.75, 2, 3), 70.3125),
    },
];

#[test]
fn worked_examples_from_the_guides() {
    for (i, e) in EXAMPLES.iter().enumerate() {
        let (got, want) = (e.run)();
        assert!(
            (got - want).abs() < 0.001,
            "example {i} ({}, {} numbers): got {got}, want {want}",
            e.guide,
            if e.published_numbers { "published" } else { "formula-built" }
        );
        assert!(sources::ALL.iter().any(|s| s.id == e.guide), "unknown source {}", e.guide);
    }
}

fn workload(mb: f64) -> Workload {
    Workload { produce_mb_s: Some(mb), ..Workload::default() }
}

#[test]
fn msk_storage_formula_example() {
    // AWS: storage = ingress × retention × RF, spread over brokers, with headroom. Built from the formula:
    // 100 MB/s, 24 h, RF 3 → 25.92 TB; 6 brokers, 30 % headroom → 25.92 / 6 / 0.7 = 6.17 TB per broker.
    let w = Workload {
        retention_hours: 24.0,
        racks: 3,
        broker: BrokerProfile {
            nic_gbps: Some(25.0),
            cores: Some(48),
            max_partitions: Some(4000),
            disk_tb: Some(16.0),
            ..Default::default()
        },
        ..workload(100.0)
    };
    let s = size(&w).unwrap();
    approx(s.figure("cluster_storage").unwrap().value, 25.92);
    // 25.92 / (16 × 0.7) = 2.31 → 3 brokers for disk; RF floor 3; network 300 / (3125 × 0.7) → 1.
    assert_eq!(s.brokers, 3);
    assert_eq!(s.binding, "replication factor");
    approx(s.figure("broker_disk").unwrap().value, 25.92 / 3.0 / 0.7);
    assert_eq!(s.figure("cluster_storage").unwrap().source.id, "aws-msk-right-sizing");
}

#[test]
fn network_out_binds_with_fan_out_and_is_named() {
    // m5.large's network and storage (0.75 Gbps = 93.75 MB/s, 262 MB/s) with 16 cores, no headroom, 75 MB/s and
    // 2 consumer groups: out = 75 × 4 = 300 MB/s → 3.2 → 4 brokers; in = 225 → 2.4; disk 225 / 262 → 0.86;
    // CPU 300 write-equivalent / 20 = 15 vCPU → 1. Network out binds.
    let w = Workload {
        consumer_groups: 2,
        headroom_pct: 0.0,
        racks: 1,
        instance: Some("kafka.m5.large".into()),
        broker: BrokerProfile { cores: Some(16), ..Default::default() },
        ..workload(75.0)
    };
    let s = size(&w).unwrap();
    assert_eq!(s.brokers, 4);
    assert_eq!(s.binding, "network out");
    approx(s.figure("broker_network_out").unwrap().value, 75.0);
    approx(s.figure("broker_network_in").unwrap().value, 56.25);
    // The AWS bound at 4 brokers carries at least the ingress.
    assert!(s.figure("max_cluster_ingress").unwrap().value >= 75.0);
}

#[test]
fn cpu_binds_on_small_instances() {
    // The same load on plain m5.large (2 vCPUs): Google's 15 vCPU → 8 brokers; CPU binds.
    let w = Workload {
        consumer_groups: 2,
        headroom_pct: 0.0,
        racks: 1,
        instance: Some("m5.large".into()),
        ..workload(75.0)
    };
    let s = size(&w).unwrap();
    assert_eq!((s.brokers, s.binding), (8, "CPU"));
}

#[test]
fn page_cache_is_thirty_seconds_of_writes_and_heap_six_gb() {
    // Kafka docs: write_throughput × 30. 100 MB/s × RF 3 over 3 brokers = 100 MB/s each → 3 GB.
    let w = Workload { broker: BrokerProfile { nic_gbps: Some(100.0), ..Default::default() }, ..workload(100.0) };
    let s = size(&w).unwrap();
    assert_eq!(s.brokers, 3);
    approx(s.figure("broker_page_cache").unwrap().value, 3.0);
    approx(s.figure("broker_heap").unwrap().value, 6.0);
    assert_eq!(s.figure("broker_page_cache").unwrap().source.id, "kafka-hw-os");
}

#[test]
fn messages_and_compression_give_the_wire_rate() {
    // 200,000 msg/s × 1,000 B = 200 MB/s of application bytes; 4:1 compression → 50 MB/s on the wire.
    let w = Workload {
        messages_per_s: Some(200_000.0),
        avg_message_bytes: Some(1000.0),
        compression_ratio: 4.0,
        ..Workload::default()
    };
    let s = size(&w).unwrap();
    approx(s.figure("ingress").unwrap().value, 50.0);
    assert!(s.notes.iter().any(|n| n.contains("Confluent's production recommendation")));
}

#[test]
fn partitions_floor_from_consumers_and_keys() {
    let w = Workload { consumers_per_group: Some(24), min_partitions_per_topic: Some(12), ..workload(10.0) };
    assert_eq!(size(&w).unwrap().partitions_per_topic, 24);
    let w = Workload { topics: 4, partition_consume_mb_s: 2.0, ..workload(100.0) };
    // 25 MB/s per topic: max(25 / 10, 25 / 2) → 13.
    assert_eq!(size(&w).unwrap().partitions_per_topic, 13);
}

#[test]
fn partitions_can_bind() {
    // 200 topics × 50 partitions × RF 3 = 30,000 replicas over m5.2xlarge (2,000 each) → 15 brokers.
    let w = Workload {
        topics: 200,
        min_partitions_per_topic: Some(50),
        racks: 3,
        instance: Some("m5.2xlarge".into()),
        ..workload(10.0)
    };
    let s = size(&w).unwrap();
    assert_eq!(s.binding, "partitions");
    assert_eq!(s.brokers, 15);
    assert_eq!(s.controllers, 5, "{}", s.controllers_reason);
}

#[test]
fn brokers_round_to_racks_and_controllers() {
    let w = Workload {
        headroom_pct: 0.0,
        racks: 3,
        broker: BrokerProfile { nic_gbps: Some(1.0), ..Default::default() },
        ..workload(100.0)
    };
    // in = 300 / 125 = 2.4; out = 100 × 3 / 125 = 2.4 → 3; RF 3 → 3 brokers (a multiple of 3 racks).
    let s = size(&w).unwrap();
    assert_eq!(s.brokers, 3);
    assert_eq!(s.controllers, 3);
    let w = Workload { consumer_groups: 3, ..w };
    // out = 100 × 5 / 125 = 4 → 4 → rounded to 6.
    let s = size(&w).unwrap();
    assert_eq!(s.brokers, 6);
    assert!(s.notes.iter().any(|n| n.contains("rounded up to 6")));
}

#[test]
fn delivery_notes() {
    let w = Workload { min_insync_replicas: 3, acks: Acks::One, exactly_once: true, ..workload(10.0) };
    let s = size(&w).unwrap();
    assert!(s.notes.iter().any(|n| n.contains("min ISR 3 ≥ RF 3")));
    assert!(s.notes.iter().any(|n| n.contains("acks=1")));
    assert!(s.notes.iter().any(|n| n.contains("require acks=all")));
    assert!(s.notes.iter().any(|n| n.contains("transaction state log")));
}

#[test]
fn every_figure_and_need_names_a_known_source_and_a_formula() {
    let w = Workload { instance: Some("m7g.4xlarge".into()), consumer_groups: 3, ..workload(250.0) };
    let s = size(&w).unwrap();
    for f in &s.figures {
        assert!(!f.formula.is_empty() && sources::ALL.contains(&f.source), "{f:?}");
    }
    for n in &s.needs {
        assert!(!n.formula.is_empty() && sources::ALL.contains(&n.source), "{n:?}");
    }
    let md = render::markdown(&s, None);
    assert!(md.contains("**(binding)**") && md.contains("https://cloud.google.com/managed-service-for-apache-kafka"));
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["brokers"], s.brokers);
    assert!(json["figures"][0]["source"]["url"].as_str().unwrap().starts_with("docs/"));
}

#[test]
fn yaml_input_and_errors() {
    let w = Workload::from_yaml(
        "w.yaml",
        "produce_mb_s: 120\nconsumer_groups: 4\nretention_hours: 72\nacks: all\ninstance: n2-standard-16\nbroker:\n  disk_tb: 4\n",
    )
    .unwrap();
    assert_eq!(w.consumer_groups, 4);
    let s = size(&w).unwrap();
    assert_eq!(s.profile.disk_tb, Some(4.0));
    assert_eq!(s.profile.cores, Some(16));
    assert!(s.notes.iter().any(|n| n.contains("Google publishes no storage throughput")));
    assert!(matches!(Workload::from_yaml("w.yaml", "produce: 1\n"), Err(SizeError::Yaml(..))));
    assert_eq!(size(&Workload::default()), Err(SizeError::NoThroughput));
    assert!(matches!(
        size(&Workload { instance: Some("z9.huge".into()), ..workload(1.0) }),
        Err(SizeError::UnknownInstance(..))
    ));
    assert!(matches!(size(&Workload { compression_ratio: 0.5, ..workload(1.0) }), Err(SizeError::Invalid(..))));
}
