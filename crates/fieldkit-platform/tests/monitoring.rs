//! The monitoring package of every cp-ansible inventory in ../shared/data/cp-ansible, both
//! dialects: `promtool check config` / `check rules` / `test rules` pass (skipped when promtool is
//! missing, unless FIELDKIT_REQUIRE_PROMTOOL=1, which scripts/test sets), the Grafana dashboards
//! are structurally importable, and the scrape targets are the inventory's hosts and ports.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use fieldkit_platform::Platform;
use fieldkit_platform::model::ComponentKind;
use fieldkit_platform::monitoring::{Dialect, Package, generate, job_of};
use serde_json::Value;

fn inventories() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/cp-ansible");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    v.sort();
    assert!(v.len() >= 10, "expected the cp-ansible inventories in {}", dir.display());
    v
}

fn load(path: &Path) -> Platform {
    let text = std::fs::read_to_string(path).unwrap();
    Platform::load(Some((&path.display().to_string(), &text)), &[]).unwrap()
}

fn write(pkg: &Package, dir: &Path) {
    for (rel, text) in &pkg.files {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

fn promtool() -> bool {
    let required = std::env::var("FIELDKIT_REQUIRE_PROMTOOL").is_ok_and(|v| v == "1");
    if Command::new("promtool").arg("--version").output().is_ok() {
        return true;
    }
    assert!(
        !required,
        "FIELDKIT_REQUIRE_PROMTOOL=1 but promtool is missing (Debian package prometheus; scripts/install-test-deps installs it)"
    );
    eprintln!("SKIPPED: promtool is not installed (apt-get install prometheus)");
    false
}

fn run(dir: &Path, args: &[&str]) {
    let out = Command::new("promtool").args(args).current_dir(dir).output().unwrap();
    assert!(
        out.status.success(),
        "{}: promtool {}: {}{}",
        dir.display(),
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn promtool_accepts_every_inventory_in_both_dialects() {
    if !promtool() {
        return;
    }
    let unit = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/monitoring/alert-rules.test.yml");
    for inv in inventories() {
        let p = load(&inv);
        for dialect in [Dialect::Confluent, Dialect::Strimzi] {
            let tmp = tempfile::tempdir().unwrap();
            write(&generate(&p, "t", dialect), tmp.path());
            let prom = tmp.path().join("prometheus");
            run(&prom, &["check", "rules", "alert-rules.yml"]);
            run(&prom, &["check", "config", "prometheus.yml"]);
            std::fs::copy(&unit, prom.join("alert-rules.test.yml")).unwrap();
            run(&prom, &["test", "rules", "alert-rules.test.yml"]);
        }
    }
}

fn yaml(pkg: &Package, rel: &str) -> serde_yaml_ng::Value {
    let text = &pkg.files.iter().find(|(r, _)| r == rel).unwrap_or_else(|| panic!("no {rel}")).1;
    serde_yaml_ng::from_str(text).unwrap()
}

/// job → set of HOST:PORT in prometheus.yml.
fn scrape_targets(pkg: &Package) -> BTreeMap<String, BTreeSet<String>> {
    let config = yaml(pkg, "prometheus/prometheus.yml");
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for job in config["scrape_configs"].as_sequence().unwrap() {
        let name = job["job_name"].as_str().unwrap().to_string();
        for sc in job["static_configs"].as_sequence().unwrap() {
            for t in sc["targets"].as_sequence().unwrap() {
                out.entry(name.clone()).or_default().insert(t.as_str().unwrap().to_string());
            }
        }
    }
    out
}

#[test]
fn targets_are_the_inventory_hosts_and_exporter_ports() {
    for inv in inventories() {
        let p = load(&inv);
        let pkg = generate(&p, "t", Dialect::Confluent);
        let got = scrape_targets(&pkg);
        for c in &p.components {
            let (job, default_port) = job_of(c.kind);
            let Some(default_port) = default_port else {
                assert!(!got.contains_key(job), "{}: {job} has no exporter", inv.display());
                continue;
            };
            for host in &c.hosts {
                let port = p.hosts[host]
                    .exporters
                    .iter()
                    .find(|e| e.component == c.kind && e.kind == "jmx_exporter")
                    .map_or(default_port, |e| e.port);
                assert!(
                    got[job].contains(&format!("{host}:{port}")),
                    "{}: {job} lacks {host}:{port}: {:?}",
                    inv.display(),
                    got[job]
                );
            }
        }
        let hosts: BTreeSet<String> = p.hosts.keys().map(|h| format!("{h}:9100")).collect();
        assert_eq!(got["node"], hosts, "{}", inv.display());
        // Nothing but inventory hosts and the services beside Prometheus.
        for (job, targets) in &got {
            for t in targets {
                let host = t.rsplit_once(':').unwrap().0;
                assert!(p.hosts.contains_key(host) || host == "localhost", "{job}: {t} is not an inventory host");
            }
        }
    }
}

#[test]
fn enabled_exporters_use_the_inventory_ports_and_racks() {
    let inv = r#"
all:
  vars:
    jmxexporter_enabled: true
    kafka_broker_jmxexporter_port: 9404
    ssl_enabled: true
kafka_controller:
  hosts:
    c1.example.com:
    c2.example.com:
    c3.example.com:
kafka_broker:
  hosts:
    b1.example.com:
      kafka_broker_custom_properties:
        broker.rack: rack-a
    b2.example.com:
      kafka_broker_custom_properties:
        broker.rack: rack-b
kafka_connect:
  vars:
    kafka_connect_jmxexporter_port: 9500
  hosts:
    k1.example.com:
control_center:
  hosts:
    cc.example.com:
"#;
    let p = Platform::load(Some(("prod.yml", inv)), &[]).unwrap();
    let pkg = generate(&p, "prod", Dialect::Confluent);
    let got = scrape_targets(&pkg);
    let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(got["kafka-broker"], set(&["b1.example.com:9404", "b2.example.com:9404"]));
    assert_eq!(got["kafka-controller"], set(&["c1.example.com:8079", "c2.example.com:8079", "c3.example.com:8079"]));
    assert_eq!(got["kafka-connect"], set(&["k1.example.com:9500"]));
    assert!(!got.contains_key("control-center"));
    assert!(pkg.targets.iter().all(|t| !t.assumed), "every exporter is enabled: {:?}", pkg.targets);
    assert!(pkg.notes.iter().any(|n| n.contains("control-center")), "{:?}", pkg.notes);
    // Racks and env/cluster labels.
    let config = yaml(&pkg, "prometheus/prometheus.yml");
    let broker =
        config["scrape_configs"].as_sequence().unwrap().iter().find(|j| j["job_name"] == "kafka-broker").unwrap();
    let mut racks = BTreeMap::new();
    for sc in broker["static_configs"].as_sequence().unwrap() {
        assert_eq!(sc["labels"]["env"], "prod");
        assert_eq!(sc["labels"]["cluster"], "prod");
        assert_eq!(sc["labels"]["component"], "kafka-broker");
        racks
            .insert(sc["labels"]["rack"].as_str().unwrap().to_string(), sc["targets"][0].as_str().unwrap().to_string());
    }
    assert_eq!(racks["rack-a"], "b1.example.com:9404");
    assert_eq!(racks["rack-b"], "b2.example.com:9404");
    assert_eq!(config["rule_files"][0], "alert-rules.yml");
    // TLS on: the certificate probe and its alert.
    assert!(got.contains_key("tls-certificates"));
    let rules = &pkg.files.iter().find(|(r, _)| r == "prometheus/alert-rules.yml").unwrap().1;
    for name in ["TlsCertificateExpiry", "KraftQuorumLost", "KraftNoLeader", "KafkaConnectFailedTasks"] {
        assert!(rules.contains(name), "{name} missing");
    }
    assert!(!rules.contains("Zookeeper"));
}

#[test]
fn alert_rules_follow_the_dialect_and_the_deployment() {
    for inv in inventories() {
        let p = load(&inv);
        for dialect in [Dialect::Confluent, Dialect::Strimzi] {
            let pkg = generate(&p, "t", dialect);
            let rules = yaml(&pkg, "prometheus/alert-rules.yml");
            let mut names = BTreeSet::new();
            for g in rules["groups"].as_sequence().unwrap() {
                for r in g["rules"].as_sequence().unwrap() {
                    names.insert(r["alert"].as_str().unwrap().to_string());
                    assert!(matches!(r["labels"]["severity"].as_str(), Some("critical" | "warning")));
                    assert!(r["annotations"]["summary"].is_string() && r["annotations"]["description"].is_string());
                    assert!(r["for"].is_string());
                }
            }
            for base in [
                "KafkaOfflinePartitions",
                "KafkaActiveControllerCountNotOne",
                "KafkaUnderReplicatedPartitions",
                "KafkaUnderMinIsrPartitions",
                "KafkaUncleanLeaderElection",
                "KafkaRequestHandlerIdleLow",
                "KafkaNetworkProcessorIdleLow",
                "DiskFreeLow",
            ] {
                assert!(names.contains(base), "{}: {base} missing", inv.display());
            }
            let brokers = p.components.iter().any(|c| c.kind == ComponentKind::KafkaBroker);
            assert_eq!(names.contains("KafkaConsumerLagHigh"), brokers, "{}", inv.display());
            assert_eq!(names.contains("ZookeeperQuorumLost"), p.zookeeper.is_some(), "{}", inv.display());
            assert_eq!(names.contains("KraftNoLeader"), p.quorum.is_some(), "{}", inv.display());
            let tls = p.listeners.iter().any(|l| l.tls());
            assert_eq!(names.contains("TlsCertificateExpiry"), tls, "{}", inv.display());
            let text = &pkg.files.iter().find(|(r, _)| r == "prometheus/alert-rules.yml").unwrap().1;
            let (own, other) = match dialect {
                Dialect::Confluent => ("requesthandleravgidlepercent_oneminuterate", "requesthandleravgidle_percent"),
                Dialect::Strimzi => ("requesthandleravgidle_percent", "requesthandleravgidlepercent_oneminuterate"),
            };
            assert!(text.contains(own) && !text.contains(other), "{}: wrong dialect names", inv.display());
            assert!(text.contains("# Metric names follow the exporter rules"), "source comment missing");
        }
    }
}

#[test]
fn grafana_dashboards_are_importable() {
    let p = load(&inventories()[0]);
    for dialect in [Dialect::Confluent, Dialect::Strimzi] {
        let pkg = generate(&p, "t", dialect);
        let dashboards: Vec<_> = pkg.files.iter().filter(|(r, _)| r.starts_with("grafana/")).collect();
        let names: BTreeSet<&str> = dashboards.iter().map(|(r, _)| r.as_str()).collect();
        for want in ["overview", "broker", "topic", "consumer-lag"] {
            assert!(names.iter().any(|n| n.contains(want)), "no {want} dashboard: {names:?}");
        }
        let mut uids = BTreeSet::new();
        for (rel, text) in dashboards {
            let d: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{rel}: {e}"));
            assert!(d["schemaVersion"].as_u64().unwrap() >= 36, "{rel}");
            assert!(uids.insert(d["uid"].as_str().unwrap().to_string()), "{rel}: duplicate uid");
            assert_eq!(d["__inputs"][0]["name"], "DS_PROMETHEUS", "{rel}");
            let vars = d["templating"]["list"].as_array().unwrap();
            assert!(vars.iter().any(|v| v["name"] == "env"), "{rel}: no env variable");
            let panels = d["panels"].as_array().unwrap();
            assert!(!panels.is_empty(), "{rel}");
            let mut ids = BTreeSet::new();
            for panel in panels {
                assert!(ids.insert(panel["id"].as_u64().unwrap()), "{rel}: duplicate panel id");
                assert_eq!(panel["datasource"]["uid"], "${DS_PROMETHEUS}", "{rel}: {}", panel["title"]);
                let targets = panel["targets"].as_array().unwrap();
                assert!(!targets.is_empty(), "{rel}: {} has no query", panel["title"]);
                for t in targets {
                    assert!(!t["expr"].as_str().unwrap().is_empty(), "{rel}");
                    assert_eq!(t["datasource"]["uid"], "${DS_PROMETHEUS}");
                }
                let pos = &panel["gridPos"];
                assert!(
                    pos["x"].as_u64().unwrap() + pos["w"].as_u64().unwrap() <= 24,
                    "{rel}: panel wider than the grid"
                );
            }
        }
    }
}

#[test]
fn alertmanager_routes_critical_to_the_pager_and_inhibits_warnings() {
    let pkg = generate(&load(&inventories()[0]), "t", Dialect::Confluent);
    let am = yaml(&pkg, "alertmanager/alertmanager.yml");
    let group_by: Vec<&str> =
        am["route"]["group_by"].as_sequence().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(group_by, ["alertname", "cluster"]);
    let routes = am["route"]["routes"].as_sequence().unwrap();
    let receiver_of = |sev: &str| {
        routes.iter().find(|r| r["matchers"][0].as_str() == Some(&format!("severity=\"{sev}\""))).unwrap()["receiver"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(receiver_of("critical"), "pager");
    assert_eq!(receiver_of("warning"), "chat");
    let receivers: BTreeSet<&str> =
        am["receivers"].as_sequence().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert!(receivers.contains("pager") && receivers.contains("chat"));
    let inhibit = &am["inhibit_rules"][0];
    assert_eq!(inhibit["source_matchers"][0], "severity=\"critical\"");
    assert_eq!(inhibit["target_matchers"][0], "severity=\"warning\"");
}
