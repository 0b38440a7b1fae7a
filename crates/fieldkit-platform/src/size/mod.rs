//! Cluster sizing (`fieldkit size`): brokers, controllers, partitions, disk, network, memory from
//! a workload, each figure with its formula and the published source it comes from.
//!
//! Units: MB = 10^6 bytes, TB = 10^12 bytes, Gbps = 125 MB/s. Produce throughput is the
//! application's bytes; the bytes on the wire and on disk are that divided by the compression
//! ratio. Headroom is the share of each resource kept free: usable = capacity × (1 − headroom).

pub mod layout;
pub mod profiles;
pub mod render;
pub mod sources;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use profiles::{BrokerProfile, INSTANCES, Instance};
use sources::{
    AWS_MSK_BEST_PRACTICES, AWS_MSK_RIGHT_SIZING, CONFLUENT_PARTITIONS, FIRST_PRINCIPLES, GOOGLE_OVERVIEW,
    GOOGLE_PLAN_SIZE, KAFKA_HW_OS, KAFKA_JAVA, KAFKA_KRAFT, Source,
};

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SizeError {
    #[error("no throughput: give produce MB/s, or messages/s with an average message size")]
    NoThroughput,
    #[error("unknown instance `{0}`; known: {1}")]
    UnknownInstance(String, String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}: invalid YAML: {1}")]
    Yaml(String, String),
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Acks {
    #[serde(rename = "0")]
    Zero,
    #[serde(rename = "1")]
    One,
    #[default]
    All,
}

/// What the cluster must carry. Every field has a default, so a YAML file names only what it knows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Workload {
    /// Produce throughput at peak, MB/s of application bytes (before compression).
    pub produce_mb_s: Option<f64>,
    /// Messages per second at peak (with `avg_message_bytes`, gives the MB/s when it is not given).
    pub messages_per_s: Option<f64>,
    pub avg_message_bytes: Option<f64>,
    /// Consumer groups reading everything (fan-out).
    pub consumer_groups: u32,
    /// Consumers in the largest group (partitions per topic floor: one partition per consumer).
    pub consumers_per_group: Option<u32>,
    pub retention_hours: f64,
    pub replication_factor: u32,
    pub min_insync_replicas: u32,
    /// Topics the throughput is spread over (evenly).
    pub topics: u32,
    /// Partitions per topic floor for ordering / key spread (keys hash to partitions).
    pub min_partitions_per_topic: Option<u32>,
    pub acks: Acks,
    pub idempotence: bool,
    pub exactly_once: bool,
    /// Application bytes / compressed bytes (1 = no compression, 4 = 4:1).
    pub compression_ratio: f64,
    /// Share of every resource kept free, percent.
    pub headroom_pct: f64,
    /// Produce throughput one partition sustains, MB/s (Confluent's p; measure yours).
    pub partition_produce_mb_s: f64,
    /// Consume throughput one partition sustains for your consumer, MB/s (Confluent's c).
    pub partition_consume_mb_s: f64,
    /// Racks / availability zones the brokers spread over.
    pub racks: u32,
    /// Controller failures the KRaft quorum must survive (1 → 3 voters, 2 → 5).
    pub controller_failures: Option<u32>,
    /// A cloud instance preset (see [`INSTANCES`]).
    pub instance: Option<String>,
    /// Broker capacity, field by field (overrides the preset's fields).
    pub broker: BrokerProfile,
}

impl Default for Workload {
    fn default() -> Self {
        Workload {
            produce_mb_s: None,
            messages_per_s: None,
            avg_message_bytes: None,
            consumer_groups: 1,
            consumers_per_group: None,
            retention_hours: 168.0,
            replication_factor: 3,
            min_insync_replicas: 2,
            topics: 1,
            min_partitions_per_topic: None,
            acks: Acks::All,
            idempotence: true,
            exactly_once: false,
            compression_ratio: 1.0,
            headroom_pct: 30.0,
            partition_produce_mb_s: 10.0,
            partition_consume_mb_s: 10.0,
            racks: 3,
            controller_failures: None,
            instance: None,
            broker: BrokerProfile::default(),
        }
    }
}

impl Workload {
    pub fn from_yaml(name: &str, text: &str) -> Result<Workload, SizeError> {
        serde_yaml_ng::from_str(text).map_err(|e| SizeError::Yaml(name.to_string(), e.to_string()))
    }
}

/// One computed figure: value, unit, the formula with the numbers put in, and where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    pub key: &'static str,
    pub label: &'static str,
    pub value: f64,
    pub unit: &'static str,
    pub formula: String,
    pub source: Source,
}

/// Brokers one resource needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Need {
    pub resource: &'static str,
    /// `None` when the profile does not give this capacity (not a constraint).
    pub brokers: Option<u32>,
    /// The unrounded need (load / usable capacity): ties in `brokers` go to the larger one.
    #[serde(skip)]
    pub raw: Option<f64>,
    pub formula: String,
    pub source: Source,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sizing {
    pub inputs: Workload,
    /// The broker profile used (preset and overrides resolved).
    pub profile: BrokerProfile,
    pub brokers: u32,
    /// The resource that sets the broker count.
    pub binding: &'static str,
    pub needs: Vec<Need>,
    pub controllers: u32,
    pub controllers_reason: String,
    pub partitions_per_topic: u32,
    pub figures: Vec<Figure>,
    pub notes: Vec<String>,
}

impl Sizing {
    pub fn figure(&self, key: &str) -> Option<&Figure> {
        self.figures.iter().find(|f| f.key == key)
    }
}

pub const MB_PER_GBPS: f64 = 125.0;
/// Google's per-vCPU write capacity (one zone), MB/s.
pub const GOOGLE_MB_S_PER_VCPU: f64 = 20.0;
/// Google: reads cost a quarter of writes.
pub const GOOGLE_READ_WEIGHT: f64 = 0.25;
/// Kafka docs: page cache to buffer this many seconds of writes.
pub const PAGE_CACHE_SECONDS: f64 = 30.0;
/// Kafka docs: typical broker heap.
pub const HEAP_GB: f64 = 6.0;

fn ceil_u32(x: f64) -> u32 {
    if x.is_finite() && x > 0.0 { x.ceil().min(u32::MAX as f64) as u32 } else { 0 }
}

fn r2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Google's scaling algorithm: brokers = max(ceil(vCPU / 15), ceil(GiB / 120)).
pub fn google_brokers(vcpus: u32, memory_gib: f64) -> u32 {
    ceil_u32(vcpus as f64 / 15.0).max(ceil_u32(memory_gib / 120.0)).max(1)
}

/// Google's vCPU count: ceil(write-equivalent / 20 MBps / utilization), where
/// write-equivalent = produce × replicas + (consume + produce × (replicas − 1)) / 4.
pub fn google_vcpus(produce_mb_s: f64, consume_mb_s: f64, replicas: u32, utilization: f64) -> (f64, u32) {
    let write = produce_mb_s * replicas as f64;
    let read = consume_mb_s + produce_mb_s * (replicas.saturating_sub(1)) as f64;
    let weq = write + read * GOOGLE_READ_WEIGHT;
    (weq, ceil_u32(weq / GOOGLE_MB_S_PER_VCPU / utilization))
}

/// Confluent: partitions ≥ max(t / p, t / c).
pub fn confluent_partitions(target_mb_s: f64, produce_per_partition: f64, consume_per_partition: f64) -> u32 {
    ceil_u32(target_mb_s / produce_per_partition).max(ceil_u32(target_mb_s / consume_per_partition))
}

/// AWS right-sizing: the sustained cluster throughput `brokers` can carry, MB/s:
/// min(storage × brokers / r, network × brokers / (c + r − 1)).
pub fn aws_max_cluster_throughput(
    brokers: u32,
    storage_mb_s: f64,
    network_mb_s: f64,
    consumer_groups: u32,
    rf: u32,
) -> f64 {
    let b = brokers as f64;
    let r = rf as f64;
    (storage_mb_s * b / r).min(network_mb_s * b / (consumer_groups as f64 + r - 1.0))
}

pub fn size(w: &Workload) -> Result<Sizing, SizeError> {
    validate(w)?;
    let mut notes = Vec::new();
    let mut figures = Vec::new();

    // The broker profile: preset, then the fields given one by one; the default when neither.
    let profile = match &w.instance {
        Some(name) => {
            let inst = profiles::instance(name).ok_or_else(|| {
                SizeError::UnknownInstance(
                    name.clone(),
                    INSTANCES.iter().map(|i| i.name).collect::<Vec<_>>().join(", "),
                )
            })?;
            if inst.sources.iter().any(|s| s.id == sources::GCP_BANDWIDTH.id) {
                notes.push(format!(
                    "{}: Google publishes no storage throughput or partition limit per shape; 250 MB/s-class \
                     volume and 4,000 partition replicas assumed — set broker.disk_mb_s / broker.max_partitions.",
                    inst.name
                ));
            }
            inst.profile(None).overlay(&w.broker)
        }
        None if w.broker == BrokerProfile::default() => {
            notes.push(
                "No broker profile given: Confluent's production recommendation assumed (12 cores, 64 GB RAM, \
                 10 GbE); disk size and disk throughput unset, so they do not bind."
                    .into(),
            );
            profiles::default_profile()
        }
        None => w.broker.clone(),
    };

    // Throughput.
    let (app_mb_s, how) = match (w.produce_mb_s, w.messages_per_s, w.avg_message_bytes) {
        (Some(mb), Some(n), Some(sz)) => {
            let derived = n * sz / 1e6;
            if (derived - mb).abs() > 0.1 * mb.max(derived) {
                notes.push(format!(
                    "produce MB/s ({mb}) and messages/s × size ({derived:.2} MB/s) differ by more than 10%; MB/s used."
                ));
            }
            (mb, format!("{mb} MB/s given"))
        }
        (Some(mb), _, _) => (mb, format!("{mb} MB/s given")),
        (None, Some(n), Some(sz)) => (n * sz / 1e6, format!("{n} msg/s × {sz} B / 10^6")),
        _ => return Err(SizeError::NoThroughput),
    };
    let cr = w.compression_ratio;
    let ingress = app_mb_s / cr;
    let rf = w.replication_factor;
    let rff = rf as f64;
    let c = w.consumer_groups as f64;
    let u = 1.0 - w.headroom_pct / 100.0;
    let retention_s = w.retention_hours * 3600.0;

    figures.push(Figure {
        key: "ingress",
        label: "Produce ingress (on the wire, compressed)",
        value: r2(ingress),
        unit: "MB/s",
        formula: format!("{how}; ÷ compression {cr} = {ingress:.2}"),
        source: FIRST_PRINCIPLES,
    });
    let net_in = ingress * rff;
    figures.push(Figure {
        key: "cluster_network_in",
        label: "Cluster network in (producers + replication)",
        value: r2(net_in),
        unit: "MB/s",
        formula: format!("ingress × RF = {ingress:.2} × {rf} = {net_in:.2}"),
        source: GOOGLE_PLAN_SIZE,
    });
    let net_out = ingress * (c + rff - 1.0);
    figures.push(Figure {
        key: "cluster_network_out",
        label: "Cluster network out (consumers + replication)",
        value: r2(net_out),
        unit: "MB/s",
        formula: format!(
            "ingress × (consumer groups + RF − 1) = {ingress:.2} × ({} + {rf} − 1) = {net_out:.2}",
            w.consumer_groups
        ),
        source: AWS_MSK_RIGHT_SIZING,
    });
    let disk_write = ingress * rff;
    let stored_tb = ingress * retention_s * rff / 1e6;
    figures.push(Figure {
        key: "cluster_storage",
        label: "Cluster storage (retained, all replicas)",
        value: r2(stored_tb),
        unit: "TB",
        formula: format!(
            "ingress × retention × RF = {ingress:.2} MB/s × {retention_s} s × {rf} / 10^6 = {stored_tb:.2}"
        ),
        source: AWS_MSK_RIGHT_SIZING,
    });

    // Partitions per topic.
    let topics = w.topics.max(1);
    let per_topic = ingress / topics as f64;
    let by_rate = confluent_partitions(per_topic, w.partition_produce_mb_s, w.partition_consume_mb_s);
    let floor_consumers = w.consumers_per_group.unwrap_or(0);
    let floor_keys = w.min_partitions_per_topic.unwrap_or(0);
    let partitions_per_topic = by_rate.max(floor_consumers).max(floor_keys).max(1);
    figures.push(Figure {
        key: "partitions_per_topic",
        label: "Partitions per topic",
        value: partitions_per_topic as f64,
        unit: "",
        formula: format!(
            "max(ceil(t / p), ceil(t / c), consumers per group, ordering floor) = max(ceil({per_topic:.2} / {}), \
             ceil({per_topic:.2} / {}), {floor_consumers}, {floor_keys}) = {partitions_per_topic}",
            w.partition_produce_mb_s, w.partition_consume_mb_s
        ),
        source: CONFLUENT_PARTITIONS,
    });
    let replicas = partitions_per_topic as u64 * topics as u64 * rf as u64;

    // Brokers per resource.
    let mut needs = Vec::new();
    let nic = profile.nic_gbps.map(|g| g * MB_PER_GBPS);
    needs.push(match nic {
        Some(n) => Need {
            resource: "network in",
            brokers: Some(ceil_u32(net_in / (n * u))),
            raw: Some(net_in / (n * u)),
            formula: format!("ceil(ingress × RF / (NIC × (1 − headroom))) = ceil({net_in:.2} / ({n:.0} × {u:.2}))"),
            source: GOOGLE_PLAN_SIZE,
        },
        None => unset("network in", "no NIC bandwidth given"),
    });
    needs.push(match nic {
        Some(n) => Need {
            resource: "network out",
            brokers: Some(ceil_u32(net_out / (n * u))),
            raw: Some(net_out / (n * u)),
            formula: format!(
                "ceil(ingress × (groups + RF − 1) / (NIC × (1 − headroom))) = ceil({net_out:.2} / ({n:.0} × {u:.2}))"
            ),
            source: AWS_MSK_RIGHT_SIZING,
        },
        None => unset("network out", "no NIC bandwidth given"),
    });
    needs.push(match profile.disk_mb_s {
        Some(d) => Need {
            resource: "disk throughput",
            brokers: Some(ceil_u32(disk_write / (d * u))),
            raw: Some(disk_write / (d * u)),
            formula: format!(
                "ceil(ingress × RF / (disk MB/s × (1 − headroom))) = ceil({disk_write:.2} / ({d:.0} × {u:.2})); \
                 consumers assumed to read from page cache"
            ),
            source: AWS_MSK_RIGHT_SIZING,
        },
        None => unset("disk throughput", "no disk throughput given"),
    });
    needs.push(match profile.disk_tb {
        Some(t) => Need {
            resource: "disk capacity",
            brokers: Some(ceil_u32(stored_tb / (t * u))),
            raw: Some(stored_tb / (t * u)),
            formula: format!(
                "ceil(ingress × retention × RF / (disk TB × (1 − headroom))) = ceil({stored_tb:.2} / ({t} × {u:.2}))"
            ),
            source: AWS_MSK_RIGHT_SIZING,
        },
        None => unset("disk capacity", "no disk size given: disk per broker is an output"),
    });
    let (weq, vcpus) = google_vcpus(ingress, ingress * c, rf, u);
    needs.push(match profile.cores {
        Some(cores) => Need {
            resource: "CPU",
            brokers: Some(ceil_u32(vcpus as f64 / cores as f64)),
            raw: Some(weq / GOOGLE_MB_S_PER_VCPU / u / cores as f64),
            formula: format!(
                "vCPU = ceil(write-equivalent / 20 MB/s / utilization) = ceil({weq:.2} / 20 / {u:.2}) = {vcpus}; \
                 ceil({vcpus} / {cores} cores)"
            ),
            source: GOOGLE_PLAN_SIZE,
        },
        None => unset("CPU", "no core count given"),
    });
    needs.push(match profile.max_partitions {
        Some(m) => Need {
            resource: "partitions",
            brokers: Some(ceil_u32(replicas as f64 / m as f64)),
            raw: Some(replicas as f64 / m as f64),
            formula: format!(
                "ceil(partitions × topics × RF / replicas per broker) = ceil({partitions_per_topic} × {topics} × {rf} / {m})"
            ),
            source: AWS_MSK_BEST_PRACTICES,
        },
        None => unset("partitions", "no partitions-per-broker limit given"),
    });
    needs.push(Need {
        resource: "replication factor",
        brokers: Some(rf),
        raw: Some(rff),
        formula: format!("every replica on its own broker: brokers ≥ RF = {rf}"),
        source: AWS_MSK_BEST_PRACTICES,
    });

    let brokers_needed = needs.iter().filter_map(|n| n.brokers).max().unwrap_or(rf).max(rf);
    // The binding resource: the largest unrounded need (the replication-factor floor on a tie).
    let mut binding = "replication factor";
    let mut top = rff;
    for n in &needs {
        if let Some(r) = n.raw
            && r > top
        {
            top = r;
            binding = n.resource;
        }
    }
    let mut brokers = brokers_needed;
    let racks = w.racks.max(1);
    if racks > 1 && !brokers.is_multiple_of(racks) {
        let rounded = brokers.div_ceil(racks) * racks;
        notes.push(format!(
            "{brokers} brokers rounded up to {rounded}, a multiple of {racks} racks, so each rack carries the same \
             share (and a rack lost takes out an equal part)."
        ));
        brokers = rounded;
    }
    if rf > racks && racks > 1 {
        notes.push(format!(
            "RF {rf} over {racks} racks: some partitions keep two replicas in one rack; a rack outage can take them \
             below min ISR {}.",
            w.min_insync_replicas
        ));
    }

    // Per broker.
    let b = brokers as f64;
    let per = |key, label, total: f64, formula: &str, source| Figure {
        key,
        label,
        value: r2(total / b),
        unit: "MB/s",
        formula: format!("{formula} / brokers = {total:.2} / {brokers} = {:.2}", total / b),
        source,
    };
    figures.push(per("broker_network_in", "Network in per broker", net_in, "ingress × RF", GOOGLE_PLAN_SIZE));
    figures.push(per(
        "broker_network_out",
        "Network out per broker",
        net_out,
        "ingress × (groups + RF − 1)",
        AWS_MSK_RIGHT_SIZING,
    ));
    figures.push(per("broker_disk_write", "Disk writes per broker", disk_write, "ingress × RF", AWS_MSK_RIGHT_SIZING));
    let disk_per_broker = stored_tb / b / u;
    figures.push(Figure {
        key: "broker_disk",
        label: "Disk per broker (with headroom)",
        value: r2(disk_per_broker),
        unit: "TB",
        formula: format!(
            "ingress × retention × RF / brokers / (1 − headroom) = {stored_tb:.2} / {brokers} / {u:.2} = {disk_per_broker:.2}"
        ),
        source: AWS_MSK_RIGHT_SIZING,
    });
    figures.push(Figure {
        key: "broker_partitions",
        label: "Partition replicas per broker",
        value: (replicas as f64 / b).ceil(),
        unit: "",
        formula: format!("partitions × topics × RF / brokers = {partitions_per_topic} × {topics} × {rf} / {brokers}"),
        source: AWS_MSK_BEST_PRACTICES,
    });
    let page_cache_gb = disk_write / b * PAGE_CACHE_SECONDS / 1000.0;
    figures.push(Figure {
        key: "broker_page_cache",
        label: "Page cache for the hot set per broker",
        value: r2(page_cache_gb),
        unit: "GB",
        formula: format!(
            "write throughput per broker × 30 s = {:.2} MB/s × 30 / 1000 = {page_cache_gb:.2}",
            disk_write / b
        ),
        source: KAFKA_HW_OS,
    });
    figures.push(Figure {
        key: "broker_heap",
        label: "Broker heap",
        value: HEAP_GB,
        unit: "GB",
        formula: "-Xms6g -Xmx6g with G1 (Kafka's typical arguments); the rest of RAM is page cache".into(),
        source: KAFKA_JAVA,
    });
    if let Some(ram) = profile.ram_gb {
        let need = HEAP_GB + page_cache_gb + 1.0;
        if ram < need {
            notes.push(format!(
                "RAM {ram:.0} GB < heap 6 GB + page cache {page_cache_gb:.1} GB + 1 GB for the OS: consumers will \
                 read from disk; take a larger instance or more brokers."
            ));
        }
    }
    let gcp_brokers = google_brokers(vcpus, vcpus as f64 * 4.0);
    figures.push(Figure {
        key: "google_brokers",
        label: "Cross-check: Google managed Kafka brokers for this load",
        value: gcp_brokers as f64,
        unit: "",
        formula: format!(
            "max(ceil(vCPU / 15), ceil(4 GiB × vCPU / 120 GiB)) = max(ceil({vcpus} / 15), ceil({} / 120))",
            vcpus * 4
        ),
        source: GOOGLE_OVERVIEW,
    });
    if let (Some(d), Some(n)) = (profile.disk_mb_s, nic) {
        let max = aws_max_cluster_throughput(brokers, d, n, w.consumer_groups, rf);
        figures.push(Figure {
            key: "max_cluster_ingress",
            label: "Sustained ingress these brokers carry (before headroom)",
            value: r2(max),
            unit: "MB/s",
            formula: format!(
                "min(disk × brokers / RF, NIC × brokers / (groups + RF − 1)) = min({d:.0} × {brokers} / {rf}, \
                 {n:.0} × {brokers} / ({} + {rf} − 1)) = {max:.2}",
                w.consumer_groups
            ),
            source: AWS_MSK_RIGHT_SIZING,
        });
    }

    // Controllers.
    let (controllers, controllers_reason) = controllers(w, brokers);

    // Delivery notes.
    if w.min_insync_replicas >= rf && rf > 1 {
        notes.push(format!(
            "min ISR {} ≥ RF {rf}: one broker down (a rolling restart) stops acks=all producers; use min ISR ≤ RF − 1.",
            w.min_insync_replicas
        ));
    }
    if w.min_insync_replicas <= 1 && w.acks == Acks::All {
        notes.push("min ISR 1 with acks=all: an acknowledged write may live on one broker only.".into());
    }
    match w.acks {
        Acks::All => {}
        Acks::One => {
            notes.push("acks=1: a leader failure can lose acknowledged writes; min ISR is not enforced.".into())
        }
        Acks::Zero => notes.push("acks=0: no acknowledgement; loss is silent; min ISR is not enforced.".into()),
    }
    if (w.idempotence || w.exactly_once) && w.acks != Acks::All {
        notes.push("idempotence / exactly-once require acks=all.".into());
    }
    if w.exactly_once {
        notes.push(
            "exactly-once: the transaction state log needs 3 brokers (transaction.state.log.replication.factor 3, \
             min ISR 2); commit markers and read_committed consumers add latency, little bandwidth."
                .into(),
        );
        if brokers < 3 {
            notes.push("exactly-once with fewer than 3 brokers: the transaction log cannot be created at RF 3.".into());
        }
    }
    if let Some(sz) = w.avg_message_bytes
        && sz < 1000.0
    {
        notes.push(format!(
            "Average message {sz} B: small batches (< 10 KB) lower the throughput per CPU below Google's 20 MB/s \
             per vCPU; set linger.ms / batch.size so batches fill."
        ));
    }

    Ok(Sizing {
        inputs: w.clone(),
        profile,
        brokers,
        binding,
        needs,
        controllers,
        controllers_reason,
        partitions_per_topic,
        figures,
        notes,
    })
}

fn unset(resource: &'static str, why: &str) -> Need {
    Need { resource, brokers: None, raw: None, formula: why.to_string(), source: FIRST_PRINCIPLES }
}

fn controllers(w: &Workload, brokers: u32) -> (u32, String) {
    let failures = w.controller_failures.unwrap_or(if brokers >= 12 || w.racks >= 5 { 2 } else { 1 }).clamp(1, 2);
    let n = 2 * failures + 1;
    let why = match (w.controller_failures, failures) {
        (Some(_), _) => format!("{n} voters survive {failures} failure(s), as asked (2N+1)"),
        (None, 2) => format!(
            "5 voters survive 2 failures: one controller down for maintenance plus one failure, worth it at \
             {brokers} brokers / {} racks (fieldkit's rule: 12+ brokers or 5+ racks)",
            w.racks
        ),
        _ => "3 voters survive 1 failure (2N+1), enough below 12 brokers (fieldkit's rule); one per rack".to_string(),
    };
    let _ = KAFKA_KRAFT;
    (n, format!("{why} [{}]", KAFKA_KRAFT.url))
}

fn validate(w: &Workload) -> Result<(), SizeError> {
    let bad = |m: &str| Err(SizeError::Invalid(m.to_string()));
    if w.replication_factor == 0 {
        return bad("replication factor must be ≥ 1");
    }
    if w.min_insync_replicas == 0 {
        return bad("min.insync.replicas must be ≥ 1");
    }
    if !(w.compression_ratio.is_finite() && w.compression_ratio >= 1.0) {
        return bad("compression ratio must be ≥ 1 (uncompressed / compressed)");
    }
    if !(0.0..95.0).contains(&w.headroom_pct) {
        return bad("headroom must be between 0 and 95 %");
    }
    if !(w.retention_hours.is_finite() && w.retention_hours >= 0.0) {
        return bad("retention must be ≥ 0");
    }
    if w.partition_produce_mb_s <= 0.0 || w.partition_consume_mb_s <= 0.0 {
        return bad("per-partition throughput must be > 0");
    }
    for (name, v) in
        [("produce MB/s", w.produce_mb_s), ("messages/s", w.messages_per_s), ("message size", w.avg_message_bytes)]
    {
        if v.is_some_and(|v| !(v.is_finite() && v > 0.0)) {
            return bad(&format!("{name} must be > 0"));
        }
    }
    let p = &w.broker;
    for (name, v) in
        [("disk_tb", p.disk_tb), ("disk_mb_s", p.disk_mb_s), ("nic_gbps", p.nic_gbps), ("ram_gb", p.ram_gb)]
    {
        if v.is_some_and(|v| !(v.is_finite() && v > 0.0)) {
            return bad(&format!("broker.{name} must be > 0"));
        }
    }
    if p.cores == Some(0) || p.max_partitions == Some(0) {
        return bad("broker.cores and broker.max_partitions must be > 0");
    }
    Ok(())
}
