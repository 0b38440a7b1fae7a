//! The two metric-name dialects of the JMX exporter: Confluent's rule files (jmx-monitoring-stacks,
//! what cp-ansible's `jmxexporter_enabled` installs) and Strimzi's `kafka-metrics.yaml`. Every name
//! here is derived from those rule files; the comment of each field says how.

/// Which exporter rule file the hosts run, so which metric names the alerts and dashboards use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Confluent,
    Strimzi,
}

impl Dialect {
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::Confluent => "confluent",
            Dialect::Strimzi => "strimzi",
        }
    }

    pub fn metrics(self) -> &'static Metrics {
        match self {
            Dialect::Confluent => &CONFLUENT,
            Dialect::Strimzi => &STRIMZI,
        }
    }
}

/// Metric names (or small expressions) of one dialect.
#[derive(Debug)]
pub struct Metrics {
    /// The exporter rule file and the alert rule files the names come from.
    pub sources: &'static [&'static str],
    pub offline_partitions: &'static str,
    pub active_controller_count: &'static str,
    pub under_replicated: &'static str,
    /// Summed to a cluster-wide count.
    pub under_min_isr: &'static str,
    /// A counter: alerts and panels use `increase` / `rate`.
    pub unclean_elections: &'static str,
    /// A ratio 0..1.
    pub request_handler_idle: &'static str,
    /// A ratio 0..1.
    pub network_processor_idle: &'static str,
    pub connect_failed_tasks: &'static str,
    /// The KRaft leader id a node sees, -1 when it sees none.
    pub raft_current_leader: &'static str,
    /// `bytes in` per second, per topic (the `topic` label) and over all topics.
    pub bytes_in_topic: Rate,
    pub bytes_out_topic: Rate,
    pub messages_in_topic: Rate,
    pub bytes_in_all: Rate,
    pub bytes_out_all: Rate,
    pub messages_in_all: Rate,
    pub zookeeper_outstanding: Option<&'static str>,
}

/// A per-second value: a gauge already holding a rate (Confluent's `*_oneminuterate`) or a counter
/// (Strimzi's `*_total`) that needs `rate()`.
#[derive(Debug, Clone, Copy)]
pub enum Rate {
    Gauge(&'static str),
    Counter(&'static str),
}

impl Rate {
    /// The per-second expression with `selector` (`{topic=~"$topic"}`, may be empty) applied.
    pub fn expr(self, selector: &str) -> String {
        match self {
            Rate::Gauge(name) => format!("{name}{selector}"),
            Rate::Counter(name) => format!("rate({name}{selector}[5m])"),
        }
    }
}

/// Confluent's rule files (cp-ansible installs the same ones). `lowercaseOutputName: true`; the
/// generic rule `kafka.(\w+)<type=(.+), name=(.+)><>(Count|Value)` → `kafka_$1_$2_$3` gives most
/// names; `BrokerTopicMetrics` and `RequestHandlerAvgIdlePercent` have rules of their own.
static CONFLUENT: Metrics = Metrics {
    sources: &[
        "jmx-exporter/confluent-kafka_broker.yml",
        "jmx-exporter/confluent-kafka_controller.yml",
        "confluent-jmx-monitoring-stacks-broker-alerts.yml",
        "confluent-jmx-monitoring-stacks-connector-alerts.yml",
        "confluent-jmx-monitoring-stacks-zookeeper-alerts.yml",
    ],
    offline_partitions: "kafka_controller_kafkacontroller_offlinepartitionscount",
    active_controller_count: "kafka_controller_kafkacontroller_activecontrollercount",
    under_replicated: "kafka_server_replicamanager_underreplicatedpartitions",
    // confluent-jmx-monitoring-stacks-broker-alerts.yml: UnderMinIsrPartitionCount (per partition).
    under_min_isr: "kafka_cluster_partition_underminisr",
    unclean_elections: "kafka_controller_controllerstats_uncleanleaderelectionspersec",
    // Its own rule: `...RequestHandlerAvgIdlePercent><>OneMinuteRate:`.
    request_handler_idle: "kafka_server_kafkarequesthandlerpool_requesthandleravgidlepercent_oneminuterate",
    network_processor_idle: "kafka_network_socketserver_networkprocessoravgidlepercent",
    // confluent-jmx-monitoring-stacks-connector-alerts.yml.
    connect_failed_tasks: "kafka_connect_connect_worker_metrics_connector_failed_task_count",
    // `kafka.server<type=raft-metrics><>(.+):(.*)` → `kafka_server_raft_metrics_$1`, `-` → `_`.
    raft_current_leader: "kafka_server_raft_metrics_current_leader",
    bytes_in_topic: Rate::Gauge("kafka_server_brokertopicmetrics_bytesinpersec_oneminuterate"),
    bytes_out_topic: Rate::Gauge("kafka_server_brokertopicmetrics_bytesoutpersec_oneminuterate"),
    messages_in_topic: Rate::Gauge("kafka_server_brokertopicmetrics_messagesinpersec_oneminuterate"),
    bytes_in_all: Rate::Gauge("kafka_server_brokertopicmetrics_bytesinpersec_oneminuterate_alltopics"),
    bytes_out_all: Rate::Gauge("kafka_server_brokertopicmetrics_bytesoutpersec_oneminuterate_alltopics"),
    messages_in_all: Rate::Gauge("kafka_server_brokertopicmetrics_messagesinpersec_oneminuterate_alltopics"),
    zookeeper_outstanding: Some("zookeeper_outstandingrequests"),
};

/// Strimzi's `kafka-metrics.yaml` (`lowercaseOutputName: true`): `name=(.+)Percent\w*` →
/// `kafka_$1_$2_$3_percent`, `name=(.+)PerSec\w*><>Count` → `kafka_$1_$2_$3_total` (a counter),
/// `raft-metrics` → `kafka_server_raftmetrics_$1`; the rest as Confluent's generic rule.
static STRIMZI: Metrics = Metrics {
    sources: &[
        "jmx-exporter/strimzi-kafka-metrics.yaml",
        "strimzi-prometheus-kafka-rules.yaml",
        "strimzi-prometheus-kafka-connect-rules.yaml",
        "strimzi-prometheus-kafka-exporter-topic-rules-group.yaml",
    ],
    offline_partitions: "kafka_controller_kafkacontroller_offlinepartitionscount",
    active_controller_count: "kafka_controller_kafkacontroller_activecontrollercount",
    under_replicated: "kafka_server_replicamanager_underreplicatedpartitions",
    under_min_isr: "kafka_server_replicamanager_underminisrpartitioncount",
    unclean_elections: "kafka_controller_controllerstats_uncleanleaderelections_total",
    request_handler_idle: "kafka_server_kafkarequesthandlerpool_requesthandleravgidle_percent",
    network_processor_idle: "kafka_network_socketserver_networkprocessoravgidle_percent",
    connect_failed_tasks: "kafka_connect_worker_connector_failed_task_count",
    raft_current_leader: "kafka_server_raftmetrics_current_leader",
    bytes_in_topic: Rate::Counter("kafka_server_brokertopicmetrics_bytesin_total"),
    bytes_out_topic: Rate::Counter("kafka_server_brokertopicmetrics_bytesout_total"),
    messages_in_topic: Rate::Counter("kafka_server_brokertopicmetrics_messagesin_total"),
    bytes_in_all: Rate::Counter("kafka_server_brokertopicmetrics_bytesin_total"),
    bytes_out_all: Rate::Counter("kafka_server_brokertopicmetrics_bytesout_total"),
    messages_in_all: Rate::Counter("kafka_server_brokertopicmetrics_messagesin_total"),
    zookeeper_outstanding: None,
};
