//! The monitoring package of a platform model (`fieldkit monitoring`): Prometheus scrape config
//! and alert rules, an Alertmanager routing example, Grafana dashboards.
//!
//! Pure: [`generate`] returns the files (relative path, text); the binary writes them.
//! Scrape targets come from the model's hosts and JMX exporter ports; alert and dashboard metric
//! names from the exporter dialect ([`Dialect`]): Confluent's jmx-monitoring-stacks rule files or
//! Strimzi's `kafka-metrics.yaml`.

mod dialect;
mod grafana;
mod prometheus;
mod targets;

pub use dialect::{Dialect, Metrics, Rate};
pub use targets::{Target, job_of, targets};

use crate::model::Platform;

/// What `generate` produced.
#[derive(Debug, Clone)]
pub struct Package {
    /// Relative path (`prometheus/prometheus.yml`, …) and content, in writing order.
    pub files: Vec<(String, String)>,
    /// The scrape targets of the inventory's components.
    pub targets: Vec<Target>,
    /// What the user should know: assumed ports, components without an exporter.
    pub notes: Vec<String>,
}

/// Builds the package for `platform`. `name` labels everything (`env`, `cluster`): the inventory's
/// file stem.
pub fn generate(platform: &Platform, name: &str, dialect: Dialect) -> Package {
    let (targets, notes) = targets::targets(platform);
    let mut files = vec![
        ("prometheus/prometheus.yml".to_string(), prometheus::prometheus_yml(platform, name, dialect, &targets)),
        ("prometheus/alert-rules.yml".to_string(), prometheus::alert_rules_yml(platform, name, dialect)),
        ("alertmanager/alertmanager.yml".to_string(), prometheus::alertmanager_yml(name)),
    ];
    if !targets::tls_endpoints(platform).is_empty() {
        files.push(("blackbox/blackbox.yml".to_string(), prometheus::blackbox_yml()));
    }
    for (file, dash) in [
        ("kafka-cluster-overview.json", grafana::cluster_overview(dialect)),
        ("kafka-broker.json", grafana::broker(dialect)),
        ("kafka-topic.json", grafana::topic(dialect)),
        ("kafka-consumer-lag.json", grafana::consumer_lag(dialect)),
    ] {
        let text = serde_json::to_string_pretty(&dash).expect("plain data") + "\n";
        files.push((format!("grafana/{file}"), text));
    }
    Package { files, targets, notes }
}
