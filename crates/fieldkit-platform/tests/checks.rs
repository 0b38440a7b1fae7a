//! The check catalogue as data: small snippets under tests/data with the finding ids they must
//! (and must not) produce, and the real cp-ansible inventories in ../shared/data.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use fieldkit_platform::{Platform, Severity, check};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

fn shared(name: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/cp-ansible")).join(name)
}

fn load(path: &Path) -> Platform {
    let text = std::fs::read_to_string(path).unwrap();
    let name = path.file_name().unwrap().to_str().unwrap();
    if name.ends_with(".properties") {
        Platform::load(None, &[(name.to_string(), text)]).unwrap()
    } else {
        Platform::load(Some((name, &text)), &[]).unwrap()
    }
}

fn ids(p: &Platform) -> BTreeSet<String> {
    check(p).into_iter().map(|f| f.id).collect()
}

#[test]
fn snippets_produce_exactly_the_expected_findings() {
    let table: &[(&str, &[&str], &[&str])] = &[
        (
            "plaintext_broker.properties",
            &[
                "plaintext-listener",
                "log-dirs-in-tmp",
                "auto-create-topics",
                "unclean-leader-election",
                "replication-factor-one",
                "min-isr-one",
                "internal-topic-under-replicated",
                "allow-everyone-if-no-acl",
                "broad-super-users",
                "no-authorizer",
            ],
            &["min-isr-not-below-rf"],
        ),
        (
            "sasl_plain_no_tls.properties",
            &[
                "sasl-plain-without-tls",
                "ssl-endpoint-identification-disabled",
                "min-isr-not-below-rf",
                "internal-topic-under-replicated",
            ],
            &["plaintext-listener", "no-authorizer", "auto-create-topics", "log-dirs-in-tmp", "replication-factor-one"],
        ),
        ("hardened_broker.properties", &[], &[]),
        (
            "zk_broker.properties",
            &["zookeeper-without-acl", "unauthenticated-listener"],
            &["plaintext-listener", "no-authorizer"],
        ),
        (
            "two_controllers.properties",
            &["controller-quorum-size", "unauthenticated-listener"],
            &["plaintext-listener", "no-authorizer"],
        ),
        (
            "jolokia_open.yml",
            &["jolokia-without-auth"],
            &[
                "plaintext-listener",
                "no-authorizer",
                "rack-awareness-missing",
                "controller-quorum-size",
                "auto-create-topics",
            ],
        ),
        (
            "sasl_plain_inventory.yml",
            &["sasl-plain-without-tls", "unclean-leader-election", "zookeeper-without-acl", "no-authorizer"],
            &["sasl-without-tls"],
        ),
    ];
    for (file, expected, forbidden) in table {
        let got = ids(&load(&data(file)));
        if expected.is_empty() && forbidden.is_empty() {
            assert!(got.is_empty(), "{file}: expected no findings, got {got:?}");
        }
        for id in *expected {
            assert!(got.contains(*id), "{file}: expected {id}, got {got:?}");
        }
        for id in *forbidden {
            assert!(!got.contains(*id), "{file}: did not expect {id}, got {got:?}");
        }
    }
}

#[test]
fn evidence_points_at_file_line_or_inventory_path() {
    let p = load(&data("plaintext_broker.properties"));
    let f = check(&p).into_iter().find(|f| f.id == "unclean-leader-election").unwrap();
    assert_eq!(f.evidence, "plaintext_broker.properties:6");
    assert_eq!((f.file.as_str(), f.line), ("plaintext_broker.properties", Some(6)));
    let p = load(&data("sasl_plain_inventory.yml"));
    let findings = check(&p);
    let f = findings.iter().find(|f| f.id == "unclean-leader-election").unwrap();
    assert_eq!(
        f.evidence,
        "sasl_plain_inventory.yml:15 (kafka_broker.vars.kafka_broker_custom_properties.unclean.leader.election.enable)"
    );
    let f = findings.iter().find(|f| f.id == "sasl-plain-without-tls").unwrap();
    assert!(f.evidence.contains("`ssl_enabled` not set"), "{}", f.evidence);
    // The EXTERNAL listener sets ssl_enabled: SASL_SSL, so only the two default listeners are flagged
    // and they share one piece of evidence: one finding.
    assert_eq!(findings.iter().filter(|f| f.id == "sasl-plain-without-tls").count(), 1);
    let ext = p.listeners.iter().find(|l| l.name == "EXTERNAL").unwrap();
    assert_eq!((ext.protocol.as_str(), ext.port), ("SASL_SSL", Some(9094)));
}

#[test]
fn real_inventories_give_sensible_results() {
    let single = check(&load(&shared("single_dev_node.yml")));
    let single_ids: BTreeSet<&str> = single.iter().map(|f| f.id.as_str()).collect();
    // ssl_enabled: true, but its REST endpoints and listeners... the single node is a dev box:
    // one controller, RF 1 internal topics.
    // ssl_enabled: true but neither SASL nor mTLS: encrypted, anonymous.
    for id in [
        "unauthenticated-listener",
        "controller-quorum-size",
        "internal-topic-under-replicated",
        "no-authorizer",
        "jmx-exporter-open",
    ] {
        assert!(single_ids.contains(id), "single_dev_node: expected {id}: {single_ids:?}");
    }
    assert!(!single_ids.contains("plaintext-listener"), "single_dev_node sets ssl_enabled: {single_ids:?}");

    let mtls = ids(&load(&shared("mtls_kraft.yml")));
    assert!(!mtls.contains("plaintext-listener") && !mtls.contains("http-without-tls"), "{mtls:?}");
    assert!(!mtls.contains("unauthenticated-listener"), "{mtls:?}");
    assert!(mtls.contains("no-authorizer"), "{mtls:?}");

    let sasl = ids(&load(&shared("sasl_ssl_kraft.yml")));
    assert!(!sasl.contains("plaintext-listener") && !sasl.contains("sasl-plain-without-tls"), "{sasl:?}");

    let kerberos = ids(&load(&shared("kerberos_kraft.yml")));
    assert!(kerberos.contains("sasl-without-tls") && !kerberos.contains("plaintext-listener"), "{kerberos:?}");

    let rbac = ids(&load(&shared("rbac-over-mtls-file-based-user-store.yml")));
    assert!(!rbac.contains("no-authorizer") && !rbac.contains("plaintext-listener"), "{rbac:?}");

    let zk = ids(&load(&shared("hosts_example.7.9.x.yml")));
    for id in ["plaintext-listener", "zookeeper-without-acl", "http-without-tls", "no-authorizer"] {
        assert!(zk.contains(id), "7.9.x example: expected {id}: {zk:?}");
    }
    // Everything loads, and nothing panics.
    for entry in std::fs::read_dir(shared("")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yml") {
            let findings = check(&load(&path));
            assert!(findings.windows(2).all(|w| w[0].severity >= w[1].severity));
            assert!(findings.iter().all(|f| f.severity >= Severity::Info && !f.evidence.is_empty()));
        }
    }
}

#[test]
fn model_of_real_inventories() {
    let p = load(&shared("multi_connect_workers_on_single_node.yml"));
    let connect: Vec<_> = p.components.iter().filter_map(|c| c.cluster.clone()).collect();
    assert_eq!(connect, ["kafka_connect_default", "kafka_connect_deuce"]);
    assert_eq!(p.hosts["connect01.1"].groups, ["kafka_connect", "kafka_connect_deuce"]);
    assert_eq!(p.hosts["connect01.1"].ansible_host.as_deref(), Some("connect01.confluent.io"));
    assert!(p.hosts.contains_key("kfk02.confluent.io"));
    let deuce = p.listeners.iter().find(|l| l.host == "connect01.1").unwrap();
    assert_eq!(deuce.port, Some(8084));

    let p = load(&shared("rbac_mutiple_ksql.yml"));
    assert_eq!(p.hosts["demo-ksql-1"].groups, ["ksql", "ksql_analytics"]);
    assert!(p.security.rbac && p.security.tls);

    let p = load(&shared("single_dev_node.yml"));
    let host = &p.hosts["big-host-1.datadisorder.dev"];
    assert!(host.exporters.iter().any(|e| e.kind == "jmx_exporter" && e.port == 8080));
    assert_eq!(p.quorum.as_ref().unwrap().voters, 1);
}
