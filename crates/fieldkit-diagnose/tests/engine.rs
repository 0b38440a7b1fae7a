//! The matching engine on small, hand-made playbooks: prefilter + verification, multi-line records,
//! correlation, time filters, unexplained errors, user rule overrides and error reporting.

use fieldkit_diagnose::{Aggregator, Playbook, ScanOptions, Severity};
use fieldkit_logs::{FileKind, SourceZone, parse_cli_time};

const RULES: &str = r#"
- id: TLS-SAN
  title: No SAN matches the host
  category: tls
  component: client
  severity: error
  correlate: { group: tls-handshake, role: cause }
  match:
    - contains: ["No subject alternative"]
      regex: 'No subject alternative (DNS )?names? matching'
  diagnosis: The certificate does not name the host.
  remediation: ["Re-issue the certificate."]
  examples: ["[2026-03-14 09:12:01,100] ERROR x (a.B)\nCaused by: java.security.cert.CertificateException: No subject alternative DNS name matching b1 found."]
- id: TLS-CLIENT-FAILED
  title: Client handshake failed
  category: tls
  component: client
  severity: warning
  correlate: { group: tls-handshake, role: symptom }
  match:
    - contains: ["failed authentication due to", "SSL handshake failed"]
  diagnosis: Client could not complete TLS.
  remediation: ["Look for the cause."]
  examples: ["[2026-03-14 09:12:01,100] ERROR Connection to node -1 (b1/10.0.0.1:9093) failed authentication due to: SSL handshake failed (org.apache.kafka.clients.NetworkClient)"]
- id: TLS-BROKER-FAILED
  title: Broker saw failed handshake
  category: tls
  component: broker
  severity: warning
  correlate: { group: tls-handshake, role: symptom }
  match:
    - contains: ["Failed authentication with", "(SSL handshake failed)"]
      level: [INFO, WARN, ERROR]
  diagnosis: Broker side.
  remediation: ["Look for the cause."]
  examples: ["[2026-03-14 09:12:01,100] INFO [SocketServer listenerType=BROKER, nodeId=1] Failed authentication with /10.0.0.50 (channelId=1) (SSL handshake failed) (org.apache.kafka.common.network.Selector)"]
- id: DISK-FULL
  title: Disk full
  category: disk
  component: broker
  severity: critical
  match:
    - contains: ["No space left on device"]
      file_kind: [broker]
  diagnosis: Disk is full.
  remediation: ["Free space."]
  examples: ["[2026-03-14 09:12:01,100] ERROR Error while appending (kafka.log.Log)\njava.io.IOException: No space left on device"]
- id: REBALANCE-INFO
  title: Group rebalanced
  category: consumer-group
  component: broker
  severity: info
  match:
    - contains: ["Preparing to rebalance group"]
  diagnosis: Normal.
  remediation: ["Nothing."]
  examples: ["[2026-03-14 09:12:01,100] INFO [GroupCoordinator 1]: Preparing to rebalance group g1 (kafka.coordinator.group.GroupCoordinator)"]
"#;

fn playbook() -> Playbook {
    Playbook::from_sources([("test.yaml".to_string(), RULES.to_string())], std::iter::empty())
        .expect("test rules compile")
}

const CLIENT_LOG: &str = "\
2026-03-14 09:12:01.100 [main] INFO  org.apache.kafka.clients.producer.KafkaProducer - started
2026-03-14 09:12:02.100 [net] ERROR org.apache.kafka.clients.NetworkClient - [Producer clientId=p1] Connection to node -1 (b1/10.0.0.11:9093) failed authentication due to: SSL handshake failed
javax.net.ssl.SSLHandshakeException: No subject alternative DNS name matching b1 found.
\tat sun.security.ssl.Alert.createSSLException(Alert.java:131)
Caused by: java.security.cert.CertificateException: No subject alternative DNS name matching b1 found.
\tat sun.security.util.HostnameChecker.matchDNS(HostnameChecker.java:212)
2026-03-14 09:12:03.100 [net] ERROR org.apache.kafka.clients.NetworkClient - [Producer clientId=p1] Connection to node -1 (b1/10.0.0.11:9093) failed authentication due to: SSL handshake failed
2026-03-14 09:12:04.100 [main] ERROR com.acme.orders.App - order 42 could not be stored
2026-03-14 09:12:05.100 [main] ERROR com.acme.orders.App - order 43 could not be stored
";

const BROKER_LOG: &str = "\
[2026-03-14 09:12:02,000] INFO [SocketServer listenerType=BROKER, nodeId=1] Failed authentication with /10.0.0.50 (channelId=10.0.0.11:9093-10.0.0.50:53722-12) (SSL handshake failed) (org.apache.kafka.common.network.Selector)
[2026-03-14 09:13:00,000] INFO [GroupCoordinator 1]: Preparing to rebalance group g1 in state PreparingRebalance (kafka.coordinator.group.GroupCoordinator)
[2026-03-14 10:00:00,000] ERROR Error while appending records to orders-3 in dir /var/lib/kafka (kafka.server.LogDirFailureChannel)
java.io.IOException: No space left on device
\tat java.base/sun.nio.ch.FileDispatcherImpl.write0(Native Method)
";

fn triage(files: &[(&str, &str, FileKind)], opts: &ScanOptions, min: Severity) -> fieldkit_diagnose::Report {
    let pb = playbook();
    let mut agg = Aggregator::new(&pb, "test-bundle");
    for (path, text, kind) in files {
        let host = path.split('/').next().unwrap_or_default();
        agg.add(path, host, *kind, pb.scan(text.as_bytes(), *kind, opts));
    }
    agg.finish(min, Vec::new())
}

#[test]
fn correlated_tls_evidence_becomes_one_finding() {
    let report = triage(
        &[("client/app.log", CLIENT_LOG, FileKind::Client), ("broker-1/server.log", BROKER_LOG, FileKind::Broker)],
        &ScanOptions::default(),
        Severity::Info,
    );
    let ids: Vec<_> = report.findings.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, vec!["DISK-FULL", "TLS-SAN", "REBALANCE-INFO"], "one TLS finding, ranked by severity");
    let tls = &report.findings[1];
    assert_eq!(tls.severity, Severity::Error);
    assert_eq!(tls.related, vec!["TLS-BROKER-FAILED", "TLS-CLIENT-FAILED"]);
    // The client record at line 2 carries cause and symptom: counted once, as the cause. Then the
    // client symptom at line 7 and the broker symptom: 3 records.
    assert_eq!(tls.count, 3);
    assert_eq!(tls.hosts, vec!["broker-1", "client"]);
    let places: Vec<_> = tls.evidence.iter().map(|e| (e.file.as_str(), e.line, e.rule.as_str())).collect();
    assert!(
        places.contains(&("client/app.log", 3, "TLS-SAN")),
        "the Caused-by line is the cause's evidence: {places:?}"
    );
    assert!(places.contains(&("broker-1/server.log", 1, "TLS-BROKER-FAILED")), "{places:?}");
    assert!(places.contains(&("client/app.log", 7, "TLS-CLIENT-FAILED")), "{places:?}");
    assert_eq!(tls.first_seen.as_deref(), Some("2026-03-14T09:12:02.000Z"));
    assert_eq!(tls.last_seen.as_deref(), Some("2026-03-14T09:12:03.100Z"));
    assert!(report.has_problems());
}

#[test]
fn unexplained_errors_are_listed_by_template() {
    let report = triage(&[("client/app.log", CLIENT_LOG, FileKind::Client)], &ScanOptions::default(), Severity::Info);
    assert_eq!(report.unexplained.len(), 1, "{:?}", report.unexplained);
    let u = &report.unexplained[0];
    assert_eq!(u.count, 2);
    assert!(u.template.contains("could not be stored"), "{}", u.template);
    assert_eq!((u.example.file.as_str(), u.example.line), ("client/app.log", 8));
}

#[test]
fn file_kind_and_level_constraints_apply() {
    // The disk rule only fires in broker logs.
    let report = triage(&[("x/client.log", BROKER_LOG, FileKind::Client)], &ScanOptions::default(), Severity::Info);
    assert!(report.findings.iter().all(|f| f.id != "DISK-FULL"));
    // A DEBUG record does not satisfy a level list without DEBUG.
    let debug = BROKER_LOG.replace("] INFO [SocketServer", "] DEBUG [SocketServer");
    let report = triage(&[("b/server.log", &debug, FileKind::Broker)], &ScanOptions::default(), Severity::Info);
    assert!(report.findings.iter().all(|f| f.id != "TLS-BROKER-FAILED"));
}

#[test]
fn time_window_and_min_severity() {
    let zone = SourceZone::default();
    let opts = ScanOptions { since: parse_cli_time("2026-03-14 09:30", &zone), until: None, zone, every_rule: false };
    let report = triage(&[("broker-1/server.log", BROKER_LOG, FileKind::Broker)], &opts, Severity::Info);
    let ids: Vec<_> = report.findings.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, vec!["DISK-FULL"]);
    assert_eq!(report.stats.records_out_of_range, 2);

    let report =
        triage(&[("broker-1/server.log", BROKER_LOG, FileKind::Broker)], &ScanOptions::default(), Severity::Warning);
    assert!(report.findings.iter().all(|f| f.severity >= Severity::Warning));
    let healthy = "[2026-03-14 09:13:00,000] INFO [GroupCoordinator 1]: Preparing to rebalance group g1 (kafka.coordinator.group.GroupCoordinator)\n";
    let report = triage(&[("b/server.log", healthy, FileKind::Broker)], &ScanOptions::default(), Severity::Info);
    assert_eq!(report.findings.len(), 1);
    assert!(!report.has_problems(), "an info finding does not fail the run");
}

#[test]
fn counts_lines_and_time_range() {
    let pb = playbook();
    let scan = pb.scan(BROKER_LOG.as_bytes(), FileKind::Broker, &ScanOptions::default());
    assert_eq!(scan.lines, 5);
    assert_eq!(scan.bytes, BROKER_LOG.len() as u64);
    assert!(scan.first_seen < scan.last_seen);
    let no_newline = "[2026-03-14 09:12:01,100] INFO a (a.B)\nlast";
    assert_eq!(pb.scan(no_newline.as_bytes(), FileKind::Broker, &ScanOptions::default()).lines, 2);
    assert_eq!(pb.scan(b"", FileKind::Broker, &ScanOptions::default()).lines, 0);
}

#[test]
fn examples_are_checked_through_the_scanner() {
    assert!(playbook().check_examples().is_empty());
    let broken = RULES.replace(
        r#"examples: ["[2026-03-14 09:12:01,100] INFO [GroupCoordinator 1]: Preparing"#,
        r#"examples: ["[2026-03-14 09:12:01,100] INFO [GroupCoordinator 1]: Completed"#,
    );
    let pb = Playbook::from_sources([("t.yaml".to_string(), broken)], std::iter::empty()).unwrap();
    let errors = pb.check_examples();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].rule.as_deref(), Some("REBALANCE-INFO"));
    assert!(
        errors[0].to_string().starts_with("t.yaml: rule REBALANCE-INFO: examples[0]: does not fire"),
        "{}",
        errors[0]
    );
}

#[test]
fn user_rules_override_and_errors_point_at_the_problem() {
    let user = "- id: DISK-FULL\n  title: Site override\n  category: disk\n  component: broker\n  severity: warning\n  match: [{contains: [\"No space left\"]}]\n  diagnosis: d\n  remediation: [r]\n  examples: [\"No space left on device\"]\n";
    let pb = Playbook::from_sources(
        [("test.yaml".to_string(), RULES.to_string())],
        [("site/disk.yaml".to_string(), user.to_string())],
    )
    .unwrap();
    assert_eq!(pb.rules.len(), 5);
    assert_eq!(pb.rule("DISK-FULL").unwrap().title, "Site override");

    let bad_yaml = "- id: X\n  title: [unclosed\n";
    let errors =
        Playbook::from_sources([("bad.yaml".to_string(), bad_yaml.to_string())], std::iter::empty()).unwrap_err();
    assert!(errors[0].to_string().starts_with("bad.yaml:"), "{}", errors[0]);
    assert!(errors[0].line.is_some());

    let bad_rule = user.replace("category: disk", "category: disks");
    let errors = Playbook::from_sources([("u.yaml".to_string(), bad_rule)], std::iter::empty()).unwrap_err();
    assert!(errors[0].to_string().contains("disks"), "{}", errors[0]);

    let bad_regex =
        RULES.replace("regex: 'No subject alternative (DNS )?names? matching'", "regex: 'No subject (alternative'");
    let errors = Playbook::from_sources([("r.yaml".to_string(), bad_regex)], std::iter::empty()).unwrap_err();
    assert_eq!(errors[0].to_string().split(": does not compile").next(), Some("r.yaml: rule TLS-SAN: match[0].regex"));

    let dup = format!("{RULES}{}", &RULES[RULES.find("- id: REBALANCE-INFO").unwrap()..]);
    let errors = Playbook::from_sources([("d.yaml".to_string(), dup)], std::iter::empty()).unwrap_err();
    assert!(errors.iter().any(|e| e.message.contains("duplicate id")), "{errors:?}");
}

#[test]
fn hostile_bytes_do_not_panic() {
    let pb = playbook();
    let mut nasty = Vec::new();
    nasty.extend_from_slice(b"\xff\xfe\x00No space left on device\x00\n");
    nasty.extend(std::iter::repeat_n(b'a', 3 << 20));
    nasty.extend_from_slice(
        b" No subject alternative DNS name matching x\n[2026-99-99 99:99:99,999] ERROR \xc3\x28 (a.B)\n\n\n[",
    );
    let scan = pb.scan(&nasty, FileKind::Broker, &ScanOptions::default());
    assert_eq!(scan.lines, 6);
    assert!(scan.rules.values().all(|h| h.samples.iter().all(|s| s.text.chars().count() <= 402)));
    // The match 3 MB into a line is what the evidence shows, not the line's first 400 bytes.
    let san = pb.rules.iter().position(|r| r.id == "TLS-SAN").unwrap() as u32;
    let sample = &scan.rules[&san].samples[0];
    assert!(sample.text.starts_with('…') && sample.text.contains("No subject alternative"), "{}", sample.text);
}

#[test]
fn records_are_counted_once_per_correlation_group() {
    // One record carries the cause and a symptom: one record of the TLS problem, not two.
    let one = "[2026-03-14 09:12:01,100] ERROR Connection to node -1 (b1/10.0.0.1:9093) failed authentication due to: SSL handshake failed (org.apache.kafka.clients.NetworkClient)\njavax.net.ssl.SSLHandshakeException: No subject alternative DNS name matching b1 found.\n";
    let report = triage(&[("c/app.log", one, FileKind::Client)], &ScanOptions::default(), Severity::Info);
    assert_eq!(report.findings.len(), 1);
    assert_eq!((report.findings[0].id.as_str(), report.findings[0].count), ("TLS-SAN", 1));
}

#[test]
fn symptoms_join_one_cause_only() {
    let rules = format!(
        "{RULES}{}",
        r#"
- id: TLS-EXPIRED
  title: Certificate expired
  category: tls
  component: any
  severity: error
  correlate: { group: tls-handshake, role: cause }
  match:
    - contains: ["certificate_expired"]
  diagnosis: Expired.
  remediation: ["Renew."]
  examples: ["[2026-03-14 09:12:01,100] ERROR Received fatal alert: certificate_expired (a.B)"]
"#
    );
    let pb = Playbook::from_sources([("t.yaml".to_string(), rules)], std::iter::empty()).unwrap();
    let log = format!("{CLIENT_LOG}[2026-03-14 09:20:00,000] ERROR Received fatal alert: certificate_expired (a.B)\n");
    let mut agg = Aggregator::new(&pb, "b");
    agg.add("c/app.log", "c", FileKind::Client, pb.scan(log.as_bytes(), FileKind::Client, &ScanOptions::default()));
    let report = agg.finish(Severity::Info, Vec::new());
    let counts: Vec<(&str, u64, usize)> =
        report.findings.iter().map(|f| (f.id.as_str(), f.count, f.related.len())).collect();
    // SAN: its own record + the client symptom record at line 7; EXPIRED: its record alone.
    assert_eq!(counts, vec![("TLS-SAN", 2, 1), ("TLS-EXPIRED", 1, 0)]);
}
