//! The published guidance each sizing figure rests on. Every [`super::Figure`] names one of these,
//! so the output says where its formula comes from.

/// One published source: a short tag used in the output, its title and its address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Source {
    pub id: &'static str,
    pub title: &'static str,
    pub url: &'static str,
}

/// Google Cloud, "Plan the size of your Managed Service for Apache Kafka cluster": total write
/// bandwidth = produce × replicas; total read bandwidth = consume + produce × (replicas − 1);
/// write-equivalent = write + read / 4; vCPU = ceil(write-equivalent / 20 MBps / utilization);
/// 4 GiB of RAM per vCPU.
pub const GOOGLE_PLAN_SIZE: Source = Source {
    id: "google-msak-plan-size",
    title: "Google Cloud: Plan the size of your Managed Service for Apache Kafka cluster",
    url: "https://cloud.google.com/managed-service-for-apache-kafka/docs/plan-cluster-size",
};

/// Google Cloud, Managed Service for Apache Kafka overview, "Scaling algorithm": one broker per
/// 15 vCPUs or 120 GiB, whichever gives more brokers (example: 70 vCPUs, 130 GiB → 5 brokers).
pub const GOOGLE_OVERVIEW: Source = Source {
    id: "google-msak-overview",
    title: "Google Cloud: Managed Service for Apache Kafka overview (scaling algorithm)",
    url: "https://cloud.google.com/managed-service-for-apache-kafka/docs/overview",
};

/// AWS: a broker's sustained throughput is bounded by storage (ingress × RF written) and by the
/// network (egress = ingress × (consumer groups + RF − 1)); the AWS Big Data Blog derives
/// t_cluster ≤ min(storage × brokers / r, network × brokers / (c + r − 1)).
pub const AWS_MSK_RIGHT_SIZING: Source = Source {
    id: "aws-msk-right-sizing",
    title: "AWS Big Data Blog: Best practices for right-sizing your Apache Kafka clusters to optimize performance and cost \
            (same derivation in: Best practices for running production workloads using Amazon MSK tiered storage)",
    url: "https://aws.amazon.com/blogs/big-data/best-practices-for-right-sizing-your-apache-kafka-clusters-to-optimize-performance-and-cost/",
};

/// Amazon MSK developer guide, best practices for Standard brokers: partitions (leaders and
/// followers) per broker by size; RF ≥ 3 for three AZs; min ISR ≤ RF − 1.
pub const AWS_MSK_BEST_PRACTICES: Source = Source {
    id: "aws-msk-best-practices",
    title: "Amazon MSK Developer Guide: Best practices for Standard brokers",
    url: "https://docs.aws.amazon.com/msk/latest/developerguide/bestpractices.html",
};

/// Amazon MSK developer guide: maximum provisioned storage throughput per broker size (250 MiB/s
/// is the default for volumes of 10 GiB or more).
pub const AWS_MSK_STORAGE_THROUGHPUT: Source = Source {
    id: "aws-msk-storage-throughput",
    title: "Amazon MSK Developer Guide: Manage storage throughput for Standard brokers",
    url: "https://docs.aws.amazon.com/msk/latest/developerguide/msk-provision-throughput-management.html",
};

/// Amazon EC2 instance network bandwidth (baseline bandwidth per instance type).
pub const AWS_EC2_BANDWIDTH: Source = Source {
    id: "aws-ec2-bandwidth",
    title: "Amazon EC2 User Guide: instance network bandwidth / general purpose instance network specifications",
    url: "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-network-bandwidth.html",
};

/// Google Compute Engine network bandwidth: default per-VM egress 2 Gbps per vCPU, 32 Gbps cap for N2.
pub const GCP_BANDWIDTH: Source = Source {
    id: "gcp-network-bandwidth",
    title: "Google Compute Engine: Network bandwidth (per-VM egress limits)",
    url: "https://cloud.google.com/compute/docs/network-bandwidth",
};

/// Confluent, "How to choose the number of topics/partitions in a Kafka cluster?":
/// partitions ≥ max(t / p, t / c). Cloudera's tuning guide restates it with a worked example.
pub const CONFLUENT_PARTITIONS: Source = Source {
    id: "confluent-partitions",
    title: "Confluent blog: How to choose the number of topics/partitions in a Kafka cluster? \
            (restated with an example in Cloudera Runtime: Kafka sizing, number of partitions)",
    url: "https://www.confluent.io/blog/how-choose-number-topics-partitions-kafka-cluster/",
};

/// Apache Kafka documentation, Hardware and OS: "buffer for 30 seconds … write_throughput*30".
pub const KAFKA_HW_OS: Source = Source {
    id: "kafka-hw-os",
    title: "Apache Kafka documentation: 6.x Hardware and OS (Memory)",
    url: "https://kafka.apache.org/documentation/#hwandos",
};

/// Apache Kafka documentation, Java Version: typical arguments `-Xmx6g -Xms6g … -XX:+UseG1GC`.
pub const KAFKA_JAVA: Source = Source {
    id: "kafka-java",
    title: "Apache Kafka documentation: Java Version (typical arguments -Xmx6g -Xms6g, G1)",
    url: "https://kafka.apache.org/documentation/#java",
};

/// Apache Kafka documentation, KRaft: controllers are typically 3 or 5; a quorum of 2N+1 tolerates N failures.
pub const KAFKA_KRAFT: Source = Source {
    id: "kafka-kraft",
    title: "Apache Kafka documentation: KRaft (controller quorum of 3 or 5 voters; 2N+1 tolerates N failures)",
    url: "https://kafka.apache.org/documentation/#kraft",
};

/// Confluent Platform, Running Kafka in production: broker hardware (12+ cores, 64 GB RAM, 10 GbE…).
pub const CONFLUENT_PRODUCTION: Source = Source {
    id: "confluent-production",
    title: "Confluent Platform: Running Kafka in Production (hardware recommendations)",
    url: "https://docs.confluent.io/platform/current/kafka/deployment.html",
};

/// Derived here from first principles (stated with the figure), not from a published formula.
pub const FIRST_PRINCIPLES: Source = Source {
    id: "first-principles",
    title: "fieldkit: derived from first principles (see the formula)",
    url: "docs/platform.md#sizing",
};

pub const ALL: &[Source] = &[
    GOOGLE_PLAN_SIZE,
    GOOGLE_OVERVIEW,
    AWS_MSK_RIGHT_SIZING,
    AWS_MSK_BEST_PRACTICES,
    AWS_MSK_STORAGE_THROUGHPUT,
    AWS_EC2_BANDWIDTH,
    GCP_BANDWIDTH,
    CONFLUENT_PARTITIONS,
    KAFKA_HW_OS,
    KAFKA_JAVA,
    KAFKA_KRAFT,
    CONFLUENT_PRODUCTION,
    FIRST_PRINCIPLES,
];
