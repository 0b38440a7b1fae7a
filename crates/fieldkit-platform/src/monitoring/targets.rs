//! Scrape targets from the model: every host of every component, on its JMX exporter port.

use serde::Serialize;

use crate::model::{ComponentKind, Platform};

/// One `HOST:PORT` Prometheus scrapes, with the labels it gets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    /// The scrape job (`kafka-broker`, `zookeeper`, …), also the `component` label.
    pub job: &'static str,
    pub host: String,
    pub port: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rack: Option<String>,
    /// The inventory child group of a Connect / ksqlDB cluster.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub component_cluster: Option<String>,
    /// The inventory does not enable the exporter: the port is cp-ansible's default, what
    /// `jmxexporter_enabled: true` would give.
    pub assumed: bool,
}

impl Target {
    pub fn address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// The job name of a component and cp-ansible's default `<group>_jmxexporter_port` (docs/platform.md);
/// `None` for components cp-ansible installs no JMX exporter on.
pub fn job_of(kind: ComponentKind) -> (&'static str, Option<u16>) {
    match kind {
        ComponentKind::KafkaBroker => ("kafka-broker", Some(8080)),
        ComponentKind::KafkaController => ("kafka-controller", Some(8079)),
        ComponentKind::Zookeeper => ("zookeeper", Some(8079)),
        ComponentKind::SchemaRegistry => ("schema-registry", Some(8078)),
        ComponentKind::KafkaConnect => ("kafka-connect", Some(8077)),
        ComponentKind::Ksql => ("ksqldb", Some(8076)),
        ComponentKind::KafkaRest => ("kafka-rest", Some(8075)),
        ComponentKind::ControlCenter => ("control-center", None),
        ComponentKind::ControlCenterNextGen => ("control-center-next-gen", None),
        ComponentKind::KafkaConnectReplicator => ("replicator", None),
    }
}

/// The targets of every component host, in model order, and notes on what could not be placed.
pub fn targets(p: &Platform) -> (Vec<Target>, Vec<String>) {
    let mut out: Vec<Target> = Vec::new();
    let mut notes = Vec::new();
    let mut assumed = 0usize;
    for c in &p.components {
        let (job, default_port) = job_of(c.kind);
        for host in &c.hosts {
            let Some(h) = p.hosts.get(host) else {
                notes.push(format!("{job}: {host} is a properties file, not a host: no scrape target"));
                continue;
            };
            let exporter = h.exporters.iter().find(|e| e.component == c.kind && e.kind == "jmx_exporter");
            let (port, is_assumed) = match (exporter, default_port) {
                (Some(e), _) => (e.port, false),
                (None, Some(port)) => (port, true),
                (None, None) => {
                    let jolokia = h.exporters.iter().any(|e| e.component == c.kind && e.kind == "jolokia");
                    notes.push(format!(
                        "{job}: cp-ansible installs no JMX exporter on {host}{}: no scrape target",
                        if jolokia { " (Jolokia only, not Prometheus format)" } else { "" }
                    ));
                    continue;
                }
            };
            let t = Target {
                job,
                host: host.clone(),
                port,
                rack: h.rack.clone(),
                component_cluster: c.cluster.clone(),
                assumed: is_assumed,
            };
            if !out.iter().any(|o| o.job == t.job && o.host == t.host && o.port == t.port) {
                assumed += usize::from(is_assumed);
                out.push(t);
            }
        }
    }
    for (i, a) in out.iter().enumerate() {
        if let Some(b) = out[..i].iter().find(|b| b.host == a.host && b.port == a.port) {
            notes.push(format!(
                "{} and {} both scrape {}: two exporters cannot share a port on one host; set a \
                 <component>_jmxexporter_port for one of them",
                b.job,
                a.job,
                a.address()
            ));
        }
    }
    if assumed > 0 {
        notes.push(format!(
            "{assumed} target(s) use cp-ansible's default exporter port because the inventory does not set \
             jmxexporter_enabled: true (or <component>_jmxexporter_enabled): enable it, or these targets stay down"
        ));
    }
    (out, notes)
}

/// Every inventory host (for node_exporter), sorted.
pub fn hosts(p: &Platform) -> Vec<String> {
    p.hosts.keys().cloned().collect()
}

/// `HOST:PORT` of every TLS listener (Kafka and REST), sorted and unique: what the certificate
/// probe connects to.
pub fn tls_endpoints(p: &Platform) -> Vec<String> {
    let mut v: Vec<String> = p
        .listeners
        .iter()
        .filter(|l| l.tls() && p.hosts.contains_key(&l.host))
        .filter_map(|l| l.port.map(|port| format!("{}:{port}", l.host)))
        .collect();
    v.sort();
    v.dedup();
    v
}
