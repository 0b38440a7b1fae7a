//! Broker profiles: what one broker can carry. Either given field by field, or a cloud instance
//! preset from a small table of published figures.

use serde::{Deserialize, Serialize};

use super::sources::{AWS_EC2_BANDWIDTH, AWS_MSK_BEST_PRACTICES, AWS_MSK_STORAGE_THROUGHPUT, GCP_BANDWIDTH, Source};

/// One broker's capacity. `None` means "not given": that resource is not a constraint, and the
/// output says so.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrokerProfile {
    /// Data disk per broker, TB (10^12 bytes).
    #[serde(default)]
    pub disk_tb: Option<f64>,
    /// Sustained disk throughput per broker (read + write), MB/s.
    #[serde(default)]
    pub disk_mb_s: Option<f64>,
    /// Network interface bandwidth, Gbps, each direction (full duplex).
    #[serde(default)]
    pub nic_gbps: Option<f64>,
    #[serde(default)]
    pub cores: Option<u32>,
    #[serde(default)]
    pub ram_gb: Option<f64>,
    /// Partition replicas (leaders and followers) one broker should carry.
    #[serde(default)]
    pub max_partitions: Option<u32>,
}

/// A cloud instance shape with its published figures.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Instance {
    pub name: &'static str,
    pub vcpus: u32,
    pub ram_gib: f64,
    /// Baseline (sustained) network bandwidth, Gbps.
    pub baseline_gbps: f64,
    /// Maximum storage throughput, MiB/s (MSK's provisioned maximum, or the 250 MiB/s default).
    pub storage_mib_s: f64,
    /// Partition replicas per broker (MSK's recommendation for the size).
    pub max_partitions: u32,
    pub sources: &'static [Source],
}

const AWS: &[Source] = &[AWS_EC2_BANDWIDTH, AWS_MSK_STORAGE_THROUGHPUT, AWS_MSK_BEST_PRACTICES];
const GCP: &[Source] = &[GCP_BANDWIDTH];

/// AWS figures: vCPUs and RAM from the EC2 instance tables; baseline bandwidth from the EC2
/// network specifications (the "up to" burst figures are not sustainable and are not used);
/// storage throughput from the MSK provisioned-throughput table (250 MiB/s, the default, below
/// m5.4xlarge / m7g.2xlarge); partitions per broker from the MSK best-practices table.
/// GCP n2-standard: 4 GB per vCPU, default egress 2 Gbps per vCPU capped at 32 Gbps; no
/// published storage throughput or partition figure, so the generic 250 MiB/s (a balanced PD /
/// gp3-class volume) and 4,000 are assumed, and said so in the output.
pub const INSTANCES: &[Instance] = &[
    inst("m5.large", 2, 8.0, 0.75, 250.0, 1000, AWS),
    inst("m5.xlarge", 4, 16.0, 1.25, 250.0, 1000, AWS),
    inst("m5.2xlarge", 8, 32.0, 2.5, 250.0, 2000, AWS),
    inst("m5.4xlarge", 16, 64.0, 5.0, 593.0, 4000, AWS),
    inst("m5.8xlarge", 32, 128.0, 10.0, 850.0, 4000, AWS),
    inst("m5.12xlarge", 48, 192.0, 12.0, 1000.0, 4000, AWS),
    inst("m7g.large", 2, 8.0, 0.937, 250.0, 1000, AWS),
    inst("m7g.xlarge", 4, 16.0, 1.876, 250.0, 1000, AWS),
    inst("m7g.2xlarge", 8, 32.0, 3.75, 312.5, 2000, AWS),
    inst("m7g.4xlarge", 16, 64.0, 7.5, 625.0, 4000, AWS),
    inst("m7g.8xlarge", 32, 128.0, 15.0, 1000.0, 4000, AWS),
    inst("n2-standard-4", 4, 16.0, 8.0, 250.0, 4000, GCP),
    inst("n2-standard-8", 8, 32.0, 16.0, 250.0, 4000, GCP),
    inst("n2-standard-16", 16, 64.0, 32.0, 250.0, 4000, GCP),
    inst("n2-standard-32", 32, 128.0, 32.0, 250.0, 4000, GCP),
];

const fn inst(
    name: &'static str,
    vcpus: u32,
    ram_gib: f64,
    baseline_gbps: f64,
    storage_mib_s: f64,
    max_partitions: u32,
    sources: &'static [Source],
) -> Instance {
    Instance { name, vcpus, ram_gib, baseline_gbps, storage_mib_s, max_partitions, sources }
}

/// Looks a preset up by name; `kafka.m5.large` (MSK's spelling) is accepted.
pub fn instance(name: &str) -> Option<&'static Instance> {
    let name = name.trim().trim_start_matches("kafka.");
    INSTANCES.iter().find(|i| i.name.eq_ignore_ascii_case(name))
}

impl Instance {
    /// The profile of this instance; `disk_tb` is the customer's choice (EBS / PD size) and stays as given.
    pub fn profile(&self, disk_tb: Option<f64>) -> BrokerProfile {
        BrokerProfile {
            disk_tb,
            disk_mb_s: Some(self.storage_mib_s * MIB_IN_MB),
            nic_gbps: Some(self.baseline_gbps),
            cores: Some(self.vcpus),
            ram_gb: Some(self.ram_gib * GIB_IN_GB),
            max_partitions: Some(self.max_partitions),
        }
    }
}

pub const MIB_IN_MB: f64 = 1.048_576;
pub const GIB_IN_GB: f64 = 1.073_741_824;

/// The profile used when none is given: Confluent's production broker recommendation (12 cores,
/// 64 GB RAM, 10 GbE); disk left unset (the output then gives the disk each broker needs).
pub fn default_profile() -> BrokerProfile {
    BrokerProfile {
        disk_tb: None,
        disk_mb_s: None,
        nic_gbps: Some(10.0),
        cores: Some(12),
        ram_gb: Some(64.0),
        max_partitions: Some(4000),
    }
}

impl BrokerProfile {
    /// Fields set in `over` replace those here.
    pub fn overlay(&self, over: &BrokerProfile) -> BrokerProfile {
        BrokerProfile {
            disk_tb: over.disk_tb.or(self.disk_tb),
            disk_mb_s: over.disk_mb_s.or(self.disk_mb_s),
            nic_gbps: over.nic_gbps.or(self.nic_gbps),
            cores: over.cores.or(self.cores),
            ram_gb: over.ram_gb.or(self.ram_gb),
            max_partitions: over.max_partitions.or(self.max_partitions),
        }
    }
}
