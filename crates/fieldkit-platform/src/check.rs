//! Security and production-readiness checks over the [`Platform`] model, and their renderings
//! (SARIF 2.1.0, Markdown). Each finding names its setting and its evidence: a file and line, or
//! an inventory path such as `all.vars.ssl_enabled`.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::{Value, json};

use crate::model::{Evidence, Node, Origin, Platform};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
            Severity::Critical => "critical",
        }
    }
    fn sarif_level(self) -> &'static str {
        match self {
            Severity::Info => "note",
            Severity::Warning => "warning",
            Severity::Error | Severity::Critical => "error",
        }
    }
}

/// One rule of the catalogue.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    pub title: &'static str,
    pub why: &'static str,
    pub fix: &'static str,
}

macro_rules! rules {
    ($($name:ident = $id:literal, $sev:ident, $title:literal, $why:literal, $fix:literal;)*) => {
        $(pub const $name: Rule = Rule { id: $id, severity: Severity::$sev, title: $title, why: $why, fix: $fix };)*
        /// Every rule, most important first.
        pub const RULES: &[Rule] = &[$($name),*];
    };
}

rules! {
    SASL_PLAIN_NO_TLS = "sasl-plain-without-tls", Critical, "SASL/PLAIN over an unencrypted listener",
        "SASL/PLAIN sends the password itself; without TLS anyone on the network path reads every client's credentials.",
        "Use SASL_SSL for this listener (cp-ansible: ssl_enabled: true), or a challenge mechanism such as SCRAM over TLS.";
    ALLOW_EVERYONE = "allow-everyone-if-no-acl", Critical, "allow.everyone.if.no.acl.found=true",
        "Every resource without an ACL is open to every principal, anonymous ones included: a new topic is public until someone remembers to lock it.",
        "Set allow.everyone.if.no.acl.found=false and grant access with ACLs or RBAC role bindings.";
    PLAINTEXT_LISTENER = "plaintext-listener", Error, "Listener without encryption or authentication",
        "A PLAINTEXT listener accepts any client without credentials and carries data in clear text.",
        "Enable TLS (cp-ansible: ssl_enabled: true; properties: map the listener to SSL or SASL_SSL) and client authentication (mTLS or SASL).";
    UNAUTHENTICATED_LISTENER = "unauthenticated-listener", Error, "TLS listener without client authentication",
        "TLS encrypts, but with neither SASL nor required client certificates every client is User:ANONYMOUS: anyone who reaches the port may connect.",
        "Require client authentication: mTLS (ssl_mutual_auth_enabled: true / ssl.client.auth=required) or SASL (sasl_protocol / SASL_SSL).";
    NO_AUTHORIZER = "no-authorizer", Error, "No authorizer configured",
        "Without an authorizer every authenticated (or anonymous) client may read, write and delete every topic.",
        "Set authorizer.class.name (org.apache.kafka.metadata.authorizer.StandardAuthorizer on KRaft, ConfluentServerAuthorizer with RBAC: rbac_enabled: true).";
    UNCLEAN_ELECTION = "unclean-leader-election", Error, "Unclean leader election enabled",
        "An out-of-sync replica may become leader: acknowledged messages are lost silently.",
        "Set unclean.leader.election.enable=false (the default); recover availability by hand when it is really needed.";
    LOG_DIRS_TMP = "log-dirs-in-tmp", Error, "Data directory under /tmp",
        "/tmp is cleared on reboot or by tmp cleaners on many systems: the broker loses its partitions.",
        "Point log.dirs at dedicated disks (e.g. /var/lib/kafka/data), one directory per disk.";
    RF_ONE = "replication-factor-one", Error, "Replication factor 1",
        "One copy of the data: losing a broker or disk loses the partitions and makes them unavailable.",
        "Use default.replication.factor=3 (at least 3 brokers).";
    MIN_ISR_GE_RF = "min-isr-not-below-rf", Error, "min.insync.replicas is not below the replication factor",
        "With min.insync.replicas >= RF, producers using acks=all fail as soon as one replica is down: no broker can be restarted.",
        "Use RF=3 with min.insync.replicas=2.";
    INTERNAL_UNDER_REPLICATED = "internal-topic-under-replicated", Error, "Internal topic under-replicated",
        "Consumer offsets, transaction state and Confluent metadata topics with fewer than 3 replicas (or min ISR below 2) lose committed offsets or block transactions when one broker fails.",
        "Set the internal topics' replication factor to 3 (transaction.state.log.min.isr=2) before the topics are created; existing topics need a reassignment.";
    SASL_NO_TLS = "sasl-without-tls", Warning, "SASL over an unencrypted listener",
        "Authentication happens, but the data (and for some mechanisms the session) travels in clear text.",
        "Use SASL_SSL (cp-ansible: ssl_enabled: true).";
    HTTP_NO_TLS = "http-without-tls", Warning, "REST endpoint without TLS",
        "Schema Registry, Connect, ksqlDB, REST Proxy and Control Center endpoints carry schemas, connector secrets and data in clear text.",
        "Enable TLS for the component (cp-ansible: ssl_enabled or <component>_ssl_enabled: true; properties: an https:// listener).";
    ENDPOINT_IDENTIFICATION = "ssl-endpoint-identification-disabled", Warning, "TLS host name verification disabled",
        "An empty ssl.endpoint.identification.algorithm accepts any certificate the CA signed, for any host: a man in the middle with one valid certificate reads the traffic.",
        "Set ssl.endpoint.identification.algorithm=https (the default) and put the host names in the certificates' SANs.";
    BROAD_SUPER_USERS = "broad-super-users", Warning, "Broad super.users",
        "Super users bypass every ACL; a wildcard, ANONYMOUS or a long list makes the authorizer decorative.",
        "Keep super.users to the broker and admin principals; grant others what they need with ACLs or RBAC.";
    MIN_ISR_ONE = "min-isr-one", Warning, "min.insync.replicas=1",
        "An acks=all write is acknowledged by the leader alone: if it dies before followers catch up, the write is lost.",
        "Set min.insync.replicas=2 with replication factor 3.";
    AUTO_CREATE = "auto-create-topics", Warning, "Automatic topic creation enabled",
        "A typo in a client creates a topic with default partitions and replication; topics appear that nobody owns.",
        "Set auto.create.topics.enable=false and create topics deliberately (GitOps, Terraform, an admin tool).";
    JOLOKIA_NO_AUTH = "jolokia-without-auth", Warning, "Jolokia without authentication",
        "Jolokia exposes JMX over HTTP, including operations that change the running broker, to anyone who can reach the port.",
        "Set jolokia_auth_mode: basic (with jolokia_user / jolokia_password) and TLS, or disable Jolokia.";
    ZOOKEEPER_NO_ACL = "zookeeper-without-acl", Warning, "ZooKeeper without authentication or ACLs",
        "Anyone who reaches ZooKeeper can change broker metadata, ACLs and configs.",
        "Enable SASL (digest or Kerberos) or mTLS to ZooKeeper and zookeeper.set.acl=true; better, migrate to KRaft.";
    QUORUM_SIZE = "controller-quorum-size", Warning, "Controller quorum of an unhelpful size",
        "A KRaft quorum of N voters tolerates floor((N-1)/2) failures: 1 or 2 voters tolerate none, and an even count adds a voter without adding tolerance.",
        "Run 3 controllers (5 for larger clusters or rolling maintenance with a failure in flight).";
    JMX_EXPORTER_OPEN = "jmx-exporter-open", Info, "JMX exporter endpoint has no authentication",
        "The Prometheus JMX exporter serves metrics (topic names, client ids, hosts) over plain HTTP to anyone who can reach the port.",
        "Restrict the port to the Prometheus servers with a firewall or security group.";
    RACK_MISSING = "rack-awareness-missing", Info, "No broker.rack",
        "Without racks, replicas of a partition may share a zone, power feed or rack: one failure there takes all copies.",
        "Set broker.rack per broker to its availability zone or rack (cp-ansible: kafka_broker_custom_properties per host).";
}

/// One finding: what, where (evidence), why it matters, how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub id: String,
    pub severity: Severity,
    pub title: String,
    pub setting: String,
    pub evidence: String,
    pub why: String,
    pub fix: String,
    #[serde(skip)]
    pub file: String,
    #[serde(skip)]
    pub line: Option<usize>,
}

struct Out(Vec<Finding>);

impl Out {
    fn add(&mut self, rule: &Rule, setting: &str, evidence: &Evidence) {
        self.add_with(rule, rule.severity, setting, evidence);
    }
    fn add_with(&mut self, rule: &Rule, severity: Severity, setting: &str, evidence: &Evidence) {
        self.0.push(Finding {
            id: rule.id.into(),
            severity,
            title: rule.title.into(),
            setting: setting.into(),
            evidence: evidence.to_string(),
            why: rule.why.into(),
            fix: rule.fix.into(),
            file: evidence.file.clone(),
            line: evidence.line,
        });
    }
}

fn num(node: &Node, key: &str) -> Option<(i64, Evidence)> {
    let s = node.get(key)?;
    Some((s.value.trim().parse().ok()?, s.evidence.clone()))
}

fn is_true(node: &Node, key: &str) -> Option<(bool, Evidence)> {
    let s = node.get(key)?;
    Some((s.value.trim().eq_ignore_ascii_case("true"), s.evidence.clone()))
}

/// Runs every rule. Findings are deduplicated (one per rule, setting and evidence: a variable in
/// `all.vars` is one finding, not one per host) and sorted by severity, then id.
pub fn check(p: &Platform) -> Vec<Finding> {
    let mut out = Out(Vec::new());
    listener_rules(p, &mut out);
    for node in &p.nodes {
        node_rules(p, node, &mut out);
    }
    // Rack awareness: over the brokers together.
    let brokers: Vec<&Node> = p.nodes.iter().filter(|n| n.is_broker()).collect();
    if brokers.len() >= 2 && brokers.iter().all(|n| n.get("broker.rack").is_none()) {
        let e = brokers[0].unset("broker.rack", "none");
        out.add(&RACK_MISSING, "broker.rack", &e);
    }
    if let Some(q) = &p.quorum
        && (q.voters < 3 || q.voters % 2 == 0)
    {
        let mut e = q.evidence.clone();
        e.note = Some(format!("{} voter(s)", q.voters));
        out.add(&QUORUM_SIZE, "controller.quorum.voters", &e);
    }
    if let Some(zk) = &p.zookeeper
        && zk.auth == "none"
    {
        out.add(&ZOOKEEPER_NO_ACL, "zookeeper.set.acl", &zk.evidence);
    }
    for host in p.hosts.values() {
        for exp in &host.exporters {
            match exp.kind.as_str() {
                "jolokia" if exp.auth == "none" => out.add(&JOLOKIA_NO_AUTH, "jolokia_auth_mode", &exp.evidence),
                "jmx_exporter" => out.add(&JMX_EXPORTER_OPEN, "jmxexporter_enabled", &exp.evidence),
                _ => {}
            }
        }
    }
    let mut seen = BTreeSet::new();
    out.0.retain(|f| seen.insert((f.id.clone(), f.setting.clone(), f.evidence.clone())));
    out.0.sort_by(|a, b| {
        b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)).then_with(|| a.evidence.cmp(&b.evidence))
    });
    out.0
}

fn listener_rules(p: &Platform, out: &mut Out) {
    for l in &p.listeners {
        let setting = if l.evidence.path.is_some() || l.evidence.note.is_some() {
            "ssl_enabled".to_string()
        } else {
            format!("listener {}", l.name)
        };
        match l.protocol.as_str() {
            "PLAINTEXT" => out.add(&PLAINTEXT_LISTENER, &setting, &l.evidence),
            "SASL_PLAINTEXT" if l.sasl_mechanisms.iter().any(|m| m == "PLAIN") => {
                out.add(&SASL_PLAIN_NO_TLS, &setting, &l.evidence)
            }
            "SASL_PLAINTEXT" => out.add(&SASL_NO_TLS, &setting, &l.evidence),
            "HTTP" => out.add(&HTTP_NO_TLS, &setting, &l.evidence),
            "SSL" if !l.mtls => {
                let setting = if setting == "ssl_enabled" { "ssl_mutual_auth_enabled".to_string() } else { setting };
                out.add(&UNAUTHENTICATED_LISTENER, &setting, &l.evidence)
            }
            _ => {}
        }
    }
}

fn node_rules(p: &Platform, node: &Node, out: &mut Out) {
    // TLS host name verification, on the node and on its listeners.
    for (key, s) in &node.settings {
        if key.ends_with("ssl.endpoint.identification.algorithm") && s.value.trim().is_empty() {
            out.add(&ENDPOINT_IDENTIFICATION, key, &s.evidence);
        }
    }
    if let Some((true, e)) = is_true(node, "allow.everyone.if.no.acl.found") {
        out.add(&ALLOW_EVERYONE, "allow.everyone.if.no.acl.found", &e);
    }
    if let Some(su) = node.get("super.users") {
        let users: Vec<&str> = su.value.split(';').map(str::trim).filter(|u| !u.is_empty()).collect();
        let broad =
            users.iter().any(|u| u.contains('*') || u.eq_ignore_ascii_case("User:ANONYMOUS")) || users.len() > 5;
        if broad {
            out.add(&BROAD_SUPER_USERS, "super.users", &su.evidence);
        }
    }
    if let Some((true, e)) = is_true(node, "unclean.leader.election.enable") {
        out.add(&UNCLEAN_ELECTION, "unclean.leader.election.enable", &e);
    }
    // Data directories.
    match node.get("log.dirs").or_else(|| node.get("log.dir")) {
        Some(s) if crate::model::split_list(&s.value).iter().any(|d| d == "/tmp" || d.starts_with("/tmp/")) => {
            out.add(&LOG_DIRS_TMP, "log.dirs", &s.evidence);
        }
        Some(_) => {}
        None if node.origin == Origin::Properties => {
            out.add(&LOG_DIRS_TMP, "log.dirs", &node.unset("log.dirs", "/tmp/kafka-logs"));
        }
        None => {}
    }
    if !node.is_broker() {
        return;
    }
    // Authorizer.
    let authorizer = node.get("authorizer.class.name").filter(|s| !s.value.trim().is_empty());
    if authorizer.is_none() {
        let e = node.get("authorizer.class.name").map_or_else(
            || match node.origin {
                Origin::Properties => node.unset("authorizer.class.name", "none"),
                Origin::CpAnsible => {
                    let mut e = node.unset("authorizer.class.name", "none unless rbac_enabled");
                    e.path = None;
                    e
                }
            },
            |s| s.evidence.clone(),
        );
        out.add(&NO_AUTHORIZER, "authorizer.class.name", &e);
    }
    match is_true(node, "auto.create.topics.enable") {
        Some((true, e)) => out.add(&AUTO_CREATE, "auto.create.topics.enable", &e),
        Some((false, _)) => {}
        None => {
            let mut e = node.unset("auto.create.topics.enable", "true");
            if node.origin == Origin::CpAnsible {
                e.path = None;
            }
            out.add_with(&AUTO_CREATE, Severity::Info, "auto.create.topics.enable", &e);
        }
    }
    // Replication: explicit values, or Kafka's defaults in properties files (RF 1, min ISR 1).
    let rf = num(node, "default.replication.factor");
    let min_isr = num(node, "min.insync.replicas");
    let brokers = p.nodes.iter().filter(|n| n.is_broker()).count();
    if let Some((1, e)) = &rf {
        out.add(&RF_ONE, "default.replication.factor", e);
    } else if rf.is_none() && node.origin == Origin::Properties {
        out.add(&RF_ONE, "default.replication.factor", &node.unset("default.replication.factor", "1"));
    }
    if let (Some((r, _)), Some((m, e))) = (&rf, &min_isr)
        && m >= r
        && *r > 1
    {
        out.add(&MIN_ISR_GE_RF, "min.insync.replicas", e);
    }
    if let Some((1, e)) = &min_isr {
        out.add(&MIN_ISR_ONE, "min.insync.replicas", e);
    } else if min_isr.is_none() && node.origin == Origin::Properties && brokers > 0 {
        out.add(&MIN_ISR_ONE, "min.insync.replicas", &node.unset("min.insync.replicas", "1"));
    }
    for (key, s) in &node.settings {
        let internal_rf = key == "offsets.topic.replication.factor"
            || key == "transaction.state.log.replication.factor"
            || (key.starts_with("confluent.")
                && (key.ends_with(".replication.factor") || key.ends_with("topic.replicas")));
        let internal_isr = key == "transaction.state.log.min.isr";
        let Ok(v) = s.value.trim().parse::<i64>() else { continue };
        if (internal_rf && v < 3) || (internal_isr && v < 2) {
            out.add(&INTERNAL_UNDER_REPLICATED, key, &s.evidence);
        }
    }
}

/// `{"findings":[…]}` plus the rule catalogue is left to the caller; this is the SARIF 2.1.0 log.
pub fn to_sarif(findings: &[Finding], tool_version: &str) -> Value {
    let used: BTreeSet<&str> = findings.iter().map(|f| f.id.as_str()).collect();
    let rules: Vec<&Rule> = RULES.iter().filter(|r| used.contains(r.id)).collect();
    let rule_json: Vec<Value> = rules
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.id,
                "shortDescription": {"text": r.title},
                "fullDescription": {"text": r.why},
                "help": {"text": r.fix},
                "defaultConfiguration": {"level": r.severity.sarif_level()},
                "properties": {"severity": r.severity.as_str()},
            })
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let mut physical = json!({"artifactLocation": {"uri": f.file}});
            if let Some(line) = f.line {
                physical["region"] = json!({"startLine": line});
            }
            json!({
                "ruleId": f.id,
                "ruleIndex": rules.iter().position(|r| r.id == f.id).unwrap_or(0),
                "level": f.severity.sarif_level(),
                "message": {"text": format!("{}: {} ({}). {}", f.title, f.setting, f.evidence, f.fix)},
                "locations": [{"physicalLocation": physical}],
                "properties": {"severity": f.severity.as_str(), "setting": f.setting, "evidence": f.evidence},
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "fieldkit",
                "version": tool_version,
                "informationUri": "https://example.invalid/fieldkit",
                "rules": rule_json,
            }},
            "results": results,
        }],
    })
}

/// A Markdown report: a summary table and one section per finding.
pub fn to_markdown(findings: &[Finding], sources: &[String]) -> String {
    let mut s = String::from("# fieldkit check\n\n");
    s.push_str(&format!("Sources: {}\n\n", sources.iter().map(|x| format!("`{x}`")).collect::<Vec<_>>().join(", ")));
    if findings.is_empty() {
        s.push_str("No findings.\n");
        return s;
    }
    s.push_str("| severity | id | setting | evidence |\n|---|---|---|---|\n");
    let cell = |t: &str| t.replace('|', "\\|").replace('\n', " ");
    for f in findings {
        s.push_str(&format!(
            "| {} | `{}` | `{}` | {} |\n",
            f.severity.as_str(),
            f.id,
            cell(&f.setting),
            cell(&f.evidence)
        ));
    }
    for f in findings {
        s.push_str(&format!(
            "\n## {} ({}, `{}`)\n\n- **Setting:** `{}`\n- **Evidence:** {}\n- **Why:** {}\n- **Fix:** {}\n",
            f.title,
            f.severity.as_str(),
            f.id,
            f.setting,
            f.evidence,
            f.why,
            f.fix
        ));
    }
    s
}
