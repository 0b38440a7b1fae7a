//! The platform model: what runs where, how it listens, how it is secured. Built from a cp-ansible
//! inventory (cp-ansible's variable names and defaults, from its VARIABLES.md), from Kafka
//! `*.properties` files (Kafka's own defaults), or both.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;
use serde_yaml_ng::Value;

use crate::inventory::{Inventory, InventoryError, Var};
use crate::properties::PropertiesFile;

#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    #[error(transparent)]
    Inventory(#[from] InventoryError),
    #[error("nothing to model: no inventory and no *.properties files")]
    Empty,
}

/// The kinds of Confluent Platform component fieldkit knows, with their cp-ansible group names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ComponentKind {
    KafkaController,
    Zookeeper,
    KafkaBroker,
    SchemaRegistry,
    KafkaConnect,
    Ksql,
    KafkaRest,
    ControlCenter,
    ControlCenterNextGen,
    KafkaConnectReplicator,
}

impl ComponentKind {
    /// The product's name as people write it, for diagrams and documents.
    pub fn display_name(self) -> &'static str {
        match self {
            ComponentKind::KafkaController => "KRaft controller",
            ComponentKind::Zookeeper => "ZooKeeper",
            ComponentKind::KafkaBroker => "Kafka broker",
            ComponentKind::SchemaRegistry => "Schema Registry",
            ComponentKind::KafkaConnect => "Kafka Connect",
            ComponentKind::Ksql => "ksqlDB",
            ComponentKind::KafkaRest => "REST Proxy",
            ComponentKind::ControlCenter => "Control Center",
            ComponentKind::ControlCenterNextGen => "Control Center (next gen)",
            ComponentKind::KafkaConnectReplicator => "Replicator",
        }
    }
}

struct Spec {
    kind: ComponentKind,
    /// The cp-ansible group, also the prefix of its variables.
    group: &'static str,
    /// The HTTP port variable and its default, for REST components.
    http_port: Option<(&'static str, u16)>,
    jmx_exporter_port: Option<u16>,
    jolokia_port: Option<u16>,
    data_dir: Option<&'static str>,
}

const SPECS: &[Spec] = &[
    Spec {
        kind: ComponentKind::KafkaController,
        group: "kafka_controller",
        http_port: None,
        jmx_exporter_port: Some(8079),
        jolokia_port: Some(7770),
        data_dir: Some("/var/lib/controller/data"),
    },
    // cp-ansible 7.x defaults (ZooKeeper is gone from the 8.x variable reference).
    Spec {
        kind: ComponentKind::Zookeeper,
        group: "zookeeper",
        http_port: None,
        jmx_exporter_port: Some(8079),
        jolokia_port: Some(7770),
        data_dir: Some("/var/lib/zookeeper"),
    },
    Spec {
        kind: ComponentKind::KafkaBroker,
        group: "kafka_broker",
        http_port: None,
        jmx_exporter_port: Some(8080),
        jolokia_port: Some(7771),
        data_dir: Some("/var/lib/kafka/data"),
    },
    Spec {
        kind: ComponentKind::SchemaRegistry,
        group: "schema_registry",
        http_port: Some(("schema_registry_listener_port", 8081)),
        jmx_exporter_port: Some(8078),
        jolokia_port: Some(7772),
        data_dir: None,
    },
    Spec {
        kind: ComponentKind::KafkaConnect,
        group: "kafka_connect",
        http_port: Some(("kafka_connect_rest_port", 8083)),
        jmx_exporter_port: Some(8077),
        jolokia_port: Some(7773),
        data_dir: None,
    },
    Spec {
        kind: ComponentKind::Ksql,
        group: "ksql",
        http_port: Some(("ksql_listener_port", 8088)),
        jmx_exporter_port: Some(8076),
        jolokia_port: Some(7774),
        data_dir: None,
    },
    Spec {
        kind: ComponentKind::KafkaRest,
        group: "kafka_rest",
        http_port: Some(("kafka_rest_port", 8082)),
        jmx_exporter_port: Some(8075),
        jolokia_port: Some(7775),
        data_dir: None,
    },
    Spec {
        kind: ComponentKind::ControlCenter,
        group: "control_center",
        http_port: Some(("control_center_port", 9021)),
        jmx_exporter_port: None,
        jolokia_port: None,
        data_dir: None,
    },
    Spec {
        kind: ComponentKind::ControlCenterNextGen,
        group: "control_center_next_gen",
        http_port: Some(("control_center_next_gen_port", 9021)),
        jmx_exporter_port: None,
        jolokia_port: None,
        data_dir: None,
    },
    Spec {
        kind: ComponentKind::KafkaConnectReplicator,
        group: "kafka_connect_replicator",
        http_port: None,
        jmx_exporter_port: None,
        jolokia_port: Some(7777),
        data_dir: None,
    },
];

/// Where a fact comes from: a file, a line when known, an inventory path, a note (a default).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Evidence {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Evidence {
    pub fn file(file: &str) -> Evidence {
        Evidence { file: file.to_string(), line: None, path: None, note: None }
    }
    pub fn with_note(mut self, note: impl Into<String>) -> Evidence {
        self.note = Some(note.into());
        self
    }
}

impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(path) = &self.path {
            write!(f, " ({path})")?;
        }
        if let Some(note) = &self.note {
            write!(f, ": {note}")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Component {
    pub kind: ComponentKind,
    /// The inventory group (for properties files: `properties`).
    pub group: String,
    /// The cluster's child group, when a component has several clusters (Connect, ksqlDB).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// Inventory hosts, or properties file names.
    pub hosts: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Listener {
    pub component: ComponentKind,
    /// The host (inventory) or the file (properties) it belongs to.
    pub host: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL for Kafka listeners; HTTP or HTTPS for REST.
    pub protocol: String,
    pub sasl_mechanisms: Vec<String>,
    pub mtls: bool,
    pub evidence: Evidence,
}

impl Listener {
    pub fn tls(&self) -> bool {
        matches!(self.protocol.as_str(), "SSL" | "SASL_SSL" | "HTTPS")
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Exporter {
    pub component: ComponentKind,
    /// `jmx_exporter` or `jolokia`.
    pub kind: String,
    pub port: u16,
    /// Authentication in front of it (`none`, `basic`, …); the JMX exporter has none.
    pub auth: String,
    pub tls: bool,
    pub evidence: Evidence,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Host {
    /// Every group the host belongs to, parents included (Ansible's `group_names`), sorted.
    pub groups: Vec<String>,
    pub components: Vec<ComponentKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ansible_host: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rack: Option<String>,
    pub exporters: Vec<Exporter>,
    pub data_dirs: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Security {
    /// Every Kafka listener encrypts.
    pub tls: bool,
    /// At least one listener requires client certificates.
    pub mtls: bool,
    pub sasl_mechanisms: BTreeSet<String>,
    pub rbac: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorizer: Option<String>,
    pub plaintext_listeners: usize,
}

/// How a node's settings are completed when a key is not set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// A `*.properties` file: Kafka's own defaults apply.
    Properties,
    /// A cp-ansible host: cp-ansible's defaults apply.
    CpAnsible,
}

#[derive(Debug, Clone, Serialize)]
pub struct Setting {
    pub value: String,
    pub evidence: Evidence,
}

/// One Kafka process's configuration as checks see it (a broker or controller host of the
/// inventory, or one properties file).
#[derive(Debug, Clone, Serialize)]
pub struct Node {
    pub name: String,
    pub kind: ComponentKind,
    /// `broker`, `controller` or `broker,controller` (KRaft `process.roles`), empty for others.
    pub roles: String,
    pub origin: Origin,
    pub file: String,
    pub settings: BTreeMap<String, Setting>,
}

impl Node {
    pub fn get(&self, key: &str) -> Option<&Setting> {
        self.settings.get(key)
    }
    /// Evidence for a key that is not set.
    pub fn unset(&self, key: &str, default: &str) -> Evidence {
        let who = match self.origin {
            Origin::Properties => "Kafka",
            Origin::CpAnsible => "cp-ansible",
        };
        Evidence {
            file: self.file.clone(),
            line: None,
            path: (self.origin == Origin::CpAnsible).then(|| self.name.clone()),
            note: Some(format!("`{key}` not set ({who} default: {default})")),
        }
    }
    pub fn is_broker(&self) -> bool {
        self.kind == ComponentKind::KafkaBroker || self.roles.contains("broker")
    }
}

/// ZooKeeper as configured, for the ACL check.
#[derive(Debug, Clone, Serialize)]
pub struct ZookeeperAuth {
    pub hosts: Vec<String>,
    /// How brokers authenticate to ZooKeeper: `none`, `digest`, `kerberos`, `mtls`.
    pub auth: String,
    pub evidence: Evidence,
}

/// The KRaft controller quorum.
#[derive(Debug, Clone, Serialize)]
pub struct Quorum {
    pub voters: usize,
    pub evidence: Evidence,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Platform {
    /// The files the model was read from.
    pub sources: Vec<String>,
    pub components: Vec<Component>,
    pub hosts: BTreeMap<String, Host>,
    pub listeners: Vec<Listener>,
    pub security: Security,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quorum: Option<Quorum>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zookeeper: Option<ZookeeperAuth>,
    /// The Kafka processes' settings (brokers, controllers), what `fieldkit check` reads.
    pub nodes: Vec<Node>,
    pub warnings: Vec<String>,
}

impl Platform {
    /// Builds the model from an inventory (file name and text) and/or properties files.
    pub fn load(inventory: Option<(&str, &str)>, properties: &[(String, String)]) -> Result<Platform, PlatformError> {
        if inventory.is_none() && properties.is_empty() {
            return Err(PlatformError::Empty);
        }
        let mut p = Platform::default();
        if let Some((file, text)) = inventory {
            let inv = Inventory::parse(file, text)?;
            p.add_inventory(&inv);
        }
        for (name, text) in properties {
            p.add_properties(&PropertiesFile::parse(name, text));
        }
        p.summarise();
        Ok(p)
    }

    pub fn from_inventory(inv: &Inventory) -> Platform {
        let mut p = Platform::default();
        p.add_inventory(inv);
        p.summarise();
        p
    }

    fn add_inventory(&mut self, inv: &Inventory) {
        self.sources.push(inv.file.clone());
        self.warnings.extend(inv.warnings.iter().map(|w| format!("{}: {w}", inv.file)));
        for host in inv.hosts() {
            self.hosts.insert(host.clone(), Host { groups: inv.groups_of(host), ..Host::default() });
        }
        for spec in SPECS {
            if !inv.has_group(spec.group) {
                continue;
            }
            let hosts = inv.group_hosts(spec.group);
            if hosts.is_empty() {
                continue;
            }
            // Child groups holding hosts are separate clusters (Connect, ksqlDB).
            let clusters: Vec<(String, Vec<String>)> = inv
                .children(spec.group)
                .iter()
                .map(|c| (c.clone(), inv.group_hosts(c)))
                .filter(|(_, h)| !h.is_empty())
                .collect();
            if clusters.is_empty() || !matches!(spec.kind, ComponentKind::KafkaConnect | ComponentKind::Ksql) {
                self.components.push(Component {
                    kind: spec.kind,
                    group: spec.group.into(),
                    cluster: None,
                    hosts: hosts.clone(),
                });
            } else {
                let mut covered = BTreeSet::new();
                for (name, members) in clusters {
                    covered.extend(members.iter().cloned());
                    self.components.push(Component {
                        kind: spec.kind,
                        group: spec.group.into(),
                        cluster: Some(name),
                        hosts: members,
                    });
                }
                let rest: Vec<String> = hosts.iter().filter(|h| !covered.contains(*h)).cloned().collect();
                if !rest.is_empty() {
                    self.components.push(Component {
                        kind: spec.kind,
                        group: spec.group.into(),
                        cluster: None,
                        hosts: rest,
                    });
                }
            }
            for host in &hosts {
                let vars = HostVars { vars: inv.host_vars(host), inv };
                self.add_inventory_role(spec, host, &vars);
            }
            if spec.kind == ComponentKind::KafkaController {
                self.quorum = Some(Quorum {
                    voters: hosts.len(),
                    evidence: Evidence {
                        file: inv.file.clone(),
                        line: inv.group_path(spec.group).and_then(|p| inv.line_of(p)),
                        path: Some(format!("{}.hosts", inv.group_path(spec.group).unwrap_or(spec.group))),
                        note: None,
                    },
                });
            }
            if spec.kind == ComponentKind::Zookeeper {
                let vars = HostVars { vars: inv.host_vars(&hosts[0]), inv };
                let (auth, evidence) = vars.zookeeper_auth();
                self.zookeeper = Some(ZookeeperAuth { hosts: hosts.clone(), auth, evidence });
            }
        }
    }

    fn add_inventory_role(&mut self, spec: &Spec, host: &str, vars: &HostVars) {
        let kind = spec.kind;
        let entry = self.hosts.entry(host.to_string()).or_default();
        if !entry.components.contains(&kind) {
            entry.components.push(kind);
        }
        if entry.ansible_host.is_none() {
            entry.ansible_host = vars.string("ansible_host").map(|(s, _)| s);
        }
        // Exporters.
        if let Some(port) = spec.jmx_exporter_port {
            let enabled = vars.flag(&format!("{}_jmxexporter_enabled", spec.group), "jmxexporter_enabled", false);
            if enabled.0 {
                let port = vars.port(&format!("{}_jmxexporter_port", spec.group), port);
                entry.exporters.push(Exporter {
                    component: kind,
                    kind: "jmx_exporter".into(),
                    port: port.0,
                    auth: "none".into(),
                    tls: false,
                    evidence: enabled.1,
                });
            }
        }
        if let Some(port) = spec.jolokia_port {
            let enabled = vars.flag(&format!("{}_jolokia_enabled", spec.group), "jolokia_enabled", false);
            if enabled.0 {
                let port = vars.port(&format!("{}_jolokia_port", spec.group), port);
                let auth = vars
                    .string(&format!("{}_jolokia_auth_mode", spec.group))
                    .or_else(|| vars.string("jolokia_auth_mode"))
                    .map_or_else(|| "none".to_string(), |(s, _)| s);
                let tls = vars.flag(&format!("{}_jolokia_ssl_enabled", spec.group), "ssl_enabled", false).0;
                entry.exporters.push(Exporter {
                    component: kind,
                    kind: "jolokia".into(),
                    port: port.0,
                    auth,
                    tls,
                    evidence: enabled.1,
                });
            }
        }
        let ssl_var = format!("{}_ssl_enabled", spec.group);
        let mtls_var = format!("{}_ssl_mutual_auth_enabled", spec.group);
        match kind {
            ComponentKind::KafkaBroker => {
                let settings = vars.kafka_settings("kafka_broker_custom_properties", "kafka_broker");
                let mut node = Node {
                    name: host.to_string(),
                    kind,
                    roles: "broker".into(),
                    origin: Origin::CpAnsible,
                    file: vars.inv.file.clone(),
                    settings,
                };
                vars.implied_settings(&mut node);
                if let Some(rack) = node.get("broker.rack") {
                    entry.rack = Some(rack.value.clone());
                }
                entry.data_dirs = node
                    .get("log.dirs")
                    .or_else(|| node.get("log.dir"))
                    .map_or_else(|| vec![spec.data_dir.unwrap_or_default().to_string()], |s| split_list(&s.value));
                for l in vars.broker_listeners(host) {
                    self.listeners.push(l);
                }
                self.nodes.push(node);
            }
            ComponentKind::KafkaController => {
                let settings = vars.kafka_settings("kafka_controller_custom_properties", "kafka_controller");
                let node = Node {
                    name: host.to_string(),
                    kind,
                    roles: "controller".into(),
                    origin: Origin::CpAnsible,
                    file: vars.inv.file.clone(),
                    settings,
                };
                if !entry.components.contains(&ComponentKind::KafkaBroker) {
                    entry.data_dirs = node
                        .get("log.dirs")
                        .map_or_else(|| vec![spec.data_dir.unwrap_or_default().to_string()], |s| split_list(&s.value));
                }
                let ssl = vars.flag(&ssl_var, "ssl_enabled", false);
                let mtls = vars.flag(&mtls_var, "ssl_mutual_auth_enabled", false);
                let sasl = vars
                    .string("kafka_controller_sasl_protocol")
                    .or_else(|| vars.string("sasl_protocol"))
                    .map_or_else(|| "none".to_string(), |(s, _)| s);
                let port = vars.port("kafka_controller_port", 9093).0;
                self.listeners.push(kafka_listener(kind, host, "CONTROLLER", port, ssl, mtls.0, &sasl));
                self.nodes.push(node);
            }
            ComponentKind::Zookeeper => {
                let ssl = vars.flag(&ssl_var, "ssl_enabled", false);
                let port = vars.port("zookeeper_client_port", 2181).0;
                let protocol = if ssl.0 { "SSL" } else { "PLAINTEXT" };
                self.listeners.push(Listener {
                    component: kind,
                    host: host.to_string(),
                    name: "CLIENT".into(),
                    port: Some(port),
                    protocol: protocol.into(),
                    sasl_mechanisms: Vec::new(),
                    mtls: vars.flag(&mtls_var, "ssl_mutual_auth_enabled", false).0,
                    evidence: ssl.1,
                });
                entry.data_dirs = vec![spec.data_dir.unwrap_or_default().to_string()];
            }
            _ => {
                if let Some((port_var, default)) = spec.http_port {
                    let ssl = vars.flag(&ssl_var, "ssl_enabled", false);
                    let port = vars.port(port_var, default).0;
                    self.listeners.push(Listener {
                        component: kind,
                        host: host.to_string(),
                        name: "HTTP".into(),
                        port: Some(port),
                        protocol: if ssl.0 { "HTTPS" } else { "HTTP" }.into(),
                        sasl_mechanisms: Vec::new(),
                        mtls: vars.flag(&mtls_var, "ssl_mutual_auth_enabled", false).0,
                        evidence: ssl.1,
                    });
                }
            }
        }
    }

    fn add_properties(&mut self, file: &PropertiesFile) {
        self.sources.push(file.name.clone());
        let lower = file.name.to_ascii_lowercase();
        let base = lower.rsplit(['/', '\\']).next().unwrap_or(&lower).to_string();
        let roles = file.get("process.roles").map(|e| e.value.replace(' ', "")).unwrap_or_default();
        let has = |k: &str| file.get(k).is_some();
        let kind = if base.contains("schema-registry") || base.contains("schema_registry") {
            Some(ComponentKind::SchemaRegistry)
        } else if base.contains("ksql") {
            Some(ComponentKind::Ksql)
        } else if base.contains("replicator") {
            Some(ComponentKind::KafkaConnectReplicator)
        } else if base.contains("connect") {
            Some(ComponentKind::KafkaConnect)
        } else if base.contains("rest") {
            Some(ComponentKind::KafkaRest)
        } else if base.contains("control-center") || base.contains("control_center") {
            Some(ComponentKind::ControlCenter)
        } else if base.contains("zookeeper") || (has("clientPort") && has("dataDir")) {
            Some(ComponentKind::Zookeeper)
        } else if roles == "controller" || (roles.is_empty() && base.contains("controller")) {
            Some(ComponentKind::KafkaController)
        } else if !roles.is_empty()
            || has("broker.id")
            || has("node.id")
            || has("zookeeper.connect")
            || has("log.dirs")
            || has("listeners")
            || base.contains("server")
            || base.contains("broker")
        {
            Some(ComponentKind::KafkaBroker)
        } else {
            None
        };
        let Some(kind) = kind else {
            self.warnings.push(format!("{}: not recognised as a Kafka / Confluent component's config", file.name));
            return;
        };
        match self.components.iter_mut().find(|c| c.kind == kind && c.group == "properties") {
            Some(c) => c.hosts.push(file.name.clone()),
            None => self.components.push(Component {
                kind,
                group: "properties".into(),
                cluster: None,
                hosts: vec![file.name.clone()],
            }),
        }
        let evidence = |e: &crate::properties::Entry| Evidence {
            file: file.name.clone(),
            line: Some(e.line),
            path: None,
            note: None,
        };
        let settings: BTreeMap<String, Setting> = file
            .entries
            .iter()
            .map(|e| (e.key.clone(), Setting { value: e.value.clone(), evidence: evidence(e) }))
            .collect();
        let is_kafka = matches!(kind, ComponentKind::KafkaBroker | ComponentKind::KafkaController);
        if is_kafka {
            self.listeners.extend(properties_listeners(kind, &file.name, &settings));
            if let Some(voters) = settings.get("controller.quorum.voters").filter(|s| !s.value.trim().is_empty()) {
                let n = split_list(&voters.value).len();
                if self.quorum.as_ref().is_none_or(|q| q.voters < n) {
                    self.quorum = Some(Quorum { voters: n, evidence: voters.evidence.clone() });
                }
            }
            if let Some(zk) = settings.get("zookeeper.connect") {
                let acl = settings.get("zookeeper.set.acl").is_some_and(|s| s.value.trim() == "true");
                let tls = settings.get("zookeeper.ssl.client.enable").is_some_and(|s| s.value.trim() == "true");
                let (auth, evidence) = match (acl, tls) {
                    (true, true) => ("mtls", settings["zookeeper.set.acl"].evidence.clone()),
                    (true, false) => ("sasl", settings["zookeeper.set.acl"].evidence.clone()),
                    (false, _) => (
                        "none",
                        settings.get("zookeeper.set.acl").map_or_else(
                            || zk.evidence.clone().with_note("`zookeeper.set.acl` not set (Kafka default: false)"),
                            |s| s.evidence.clone(),
                        ),
                    ),
                };
                if self.zookeeper.as_ref().is_none_or(|z| z.auth != "none") {
                    self.zookeeper = Some(ZookeeperAuth { hosts: split_list(&zk.value), auth: auth.into(), evidence });
                }
            }
            self.nodes.push(Node {
                name: file.name.clone(),
                kind,
                roles: if roles.is_empty() && kind == ComponentKind::KafkaBroker { "broker".into() } else { roles },
                origin: Origin::Properties,
                file: file.name.clone(),
                settings,
            });
        } else if let Some(l) = settings.get("listeners") {
            for url in split_list(&l.value) {
                let (scheme, _, port) = parse_listener_url(&url);
                let tls = scheme.eq_ignore_ascii_case("https");
                self.listeners.push(Listener {
                    component: kind,
                    host: file.name.clone(),
                    name: scheme.to_ascii_uppercase(),
                    port,
                    protocol: if tls { "HTTPS" } else { "HTTP" }.into(),
                    sasl_mechanisms: Vec::new(),
                    mtls: settings.get("ssl.client.auth").is_some_and(|s| s.value.trim() == "true"),
                    evidence: l.evidence.clone(),
                });
            }
        }
    }

    fn summarise(&mut self) {
        let kafka: Vec<&Listener> =
            self.listeners.iter().filter(|l| !matches!(l.protocol.as_str(), "HTTP" | "HTTPS")).collect();
        let mut s = Security {
            tls: !kafka.is_empty() && kafka.iter().all(|l| l.tls()),
            mtls: self.listeners.iter().any(|l| l.mtls),
            sasl_mechanisms: kafka.iter().flat_map(|l| l.sasl_mechanisms.iter().cloned()).collect(),
            plaintext_listeners: kafka.iter().filter(|l| l.protocol == "PLAINTEXT").count(),
            ..Security::default()
        };
        for node in &self.nodes {
            if let Some(a) = node.get("authorizer.class.name").filter(|a| !a.value.trim().is_empty()) {
                s.authorizer.get_or_insert_with(|| a.value.clone());
                if a.value.contains("ConfluentServerAuthorizer") {
                    s.rbac |= node.origin == Origin::CpAnsible;
                }
            }
        }
        s.rbac |= self.nodes.iter().any(|n| n.get("confluent.metadata.server.listeners").is_some());
        self.security = s;
    }
}

/// An inventory host's resolved variables, with cp-ansible's semantics for flags and ports.
struct HostVars<'a> {
    vars: BTreeMap<String, Var>,
    inv: &'a Inventory,
}

impl HostVars<'_> {
    fn evidence(&self, var: &Var) -> Evidence {
        Evidence { file: self.inv.file.clone(), line: var.line, path: Some(var.path.clone()), note: None }
    }

    fn default_evidence(&self, name: &str, default: &str) -> Evidence {
        Evidence::file(&self.inv.file).with_note(format!("`{name}` not set (cp-ansible default: {default})"))
    }

    /// A variable's value, unless it is an unrendered Jinja template (then the default applies).
    fn get(&self, name: &str) -> Option<&Var> {
        self.vars.get(name).filter(|v| !matches!(&v.value, Value::String(s) if s.contains("{{")))
    }

    fn string(&self, name: &str) -> Option<(String, Evidence)> {
        let var = self.get(name)?;
        let s = scalar(&var.value)?;
        Some((s, self.evidence(var)))
    }

    /// `specific` if set, else `general` if set, else `default`; with its evidence.
    fn flag(&self, specific: &str, general: &str, default: bool) -> (bool, Evidence) {
        for name in [specific, general] {
            if let Some(var) = self.get(name)
                && let Some(b) = as_bool(&var.value)
            {
                return (b, self.evidence(var));
            }
        }
        (default, self.default_evidence(general, &default.to_string()))
    }

    fn port(&self, name: &str, default: u16) -> (u16, Evidence) {
        match self.get(name).and_then(|v| scalar(&v.value).and_then(|s| s.parse().ok()).map(|p| (p, v))) {
            Some((p, var)) => (p, self.evidence(var)),
            None => (default, self.default_evidence(name, &default.to_string())),
        }
    }

    /// `*_custom_properties` plus the per-host `kafka_broker: {properties: …}` form.
    fn kafka_settings(&self, custom_var: &str, host_var: &str) -> BTreeMap<String, Setting> {
        let mut out = BTreeMap::new();
        let mut add = |map: &serde_yaml_ng::Mapping, base: &str| {
            for (k, v) in map {
                let (Some(k), Some(value)) = (scalar(k), scalar(v)) else { continue };
                let path = format!("{base}.{k}");
                let line = self.inv.line_of(&path);
                out.insert(
                    k,
                    Setting {
                        value,
                        evidence: Evidence { file: self.inv.file.clone(), line, path: Some(path), note: None },
                    },
                );
            }
        };
        if let Some(var) = self.vars.get(custom_var)
            && let Value::Mapping(m) = &var.value
        {
            add(m, &var.path);
        }
        if let Some(var) = self.vars.get(host_var)
            && let Value::Mapping(m) = &var.value
            && let Some(Value::Mapping(props)) = m.get("properties")
        {
            add(props, &format!("{}.properties", var.path));
        }
        out
    }

    /// What cp-ansible writes into server.properties on its own.
    fn implied_settings(&self, node: &mut Node) {
        let rbac = self.flag("rbac_enabled", "rbac_enabled", false);
        if rbac.0 && !node.settings.contains_key("authorizer.class.name") {
            node.settings.insert(
                "authorizer.class.name".into(),
                Setting {
                    value: "io.confluent.kafka.security.authorizer.ConfluentServerAuthorizer".into(),
                    evidence: rbac.1.with_note("rbac_enabled sets the Confluent Server authorizer"),
                },
            );
        }
    }

    /// cp-ansible's broker listeners: BROKER (9091) and INTERNAL (9092), merged with
    /// `kafka_broker_custom_listeners`; each inherits `ssl_enabled`, `ssl_mutual_auth_enabled` and
    /// `sasl_protocol` unless it sets its own.
    fn broker_listeners(&self, host: &str) -> Vec<Listener> {
        let mut defs: BTreeMap<String, (Option<Var>, serde_yaml_ng::Mapping)> = BTreeMap::new();
        for (key, name, port) in [("broker", "BROKER", 9091), ("internal", "INTERNAL", 9092)] {
            let mut m = serde_yaml_ng::Mapping::new();
            m.insert("name".into(), name.into());
            m.insert("port".into(), port.into());
            defs.insert(key.into(), (None, m));
        }
        let custom = self.get("kafka_broker_custom_listeners");
        if let Some(var) = custom
            && let Value::Mapping(m) = &var.value
        {
            for (k, v) in m {
                let (Some(k), Value::Mapping(fields)) = (scalar(k), v) else { continue };
                let entry = defs.entry(k).or_insert_with(|| (None, serde_yaml_ng::Mapping::new()));
                entry.0 = Some(var.clone());
                for (fk, fv) in fields {
                    entry.1.insert(fk.clone(), fv.clone());
                }
            }
        }
        let ssl = self.flag("ssl_enabled", "ssl_enabled", false);
        let mtls = self.flag("ssl_mutual_auth_enabled", "ssl_mutual_auth_enabled", false);
        let sasl = self
            .string("sasl_protocol")
            .unwrap_or_else(|| ("none".into(), self.default_evidence("sasl_protocol", "none")));
        let mut out = Vec::new();
        for (key, (var, fields)) in defs {
            let name = fields.get("name").and_then(scalar).unwrap_or_else(|| key.to_ascii_uppercase());
            let port = fields.get("port").and_then(scalar).and_then(|p| p.parse().ok()).unwrap_or(0);
            let field_path = |f: &str| var.as_ref().map(|v| format!("{}.{key}.{f}", v.path));
            let own = |f: &str| fields.get(f).filter(|v| !matches!(v, Value::String(s) if s.contains("{{")));
            let l_ssl = own("ssl_enabled").and_then(as_bool);
            let l_mtls = own("ssl_mutual_auth_enabled").and_then(as_bool);
            let l_sasl = own("sasl_protocol").and_then(scalar);
            let evidence = match (l_ssl, field_path("ssl_enabled")) {
                (Some(_), Some(path)) => Evidence {
                    file: self.inv.file.clone(),
                    line: self.inv.line_of(&path),
                    path: Some(path),
                    note: None,
                },
                _ => ssl.1.clone(),
            };
            let mut l = kafka_listener(
                ComponentKind::KafkaBroker,
                host,
                &name,
                port,
                (l_ssl.unwrap_or(ssl.0), evidence),
                l_mtls.unwrap_or(mtls.0),
                &l_sasl.unwrap_or_else(|| sasl.0.clone()),
            );
            if port == 0 {
                l.port = None;
            }
            out.push(l);
        }
        out
    }

    fn zookeeper_auth(&self) -> (String, Evidence) {
        let mtls = self.flag("zookeeper_ssl_mutual_auth_enabled", "ssl_mutual_auth_enabled", false);
        if mtls.0 {
            return ("mtls".into(), mtls.1);
        }
        // cp-ansible 7.x: ZooKeeper follows `sasl_protocol` only for Kerberos.
        let inherited = self.string("sasl_protocol").filter(|(p, _)| p == "kerberos");
        if let Some((p, ev)) = self.string("zookeeper_sasl_protocol").or(inherited) {
            match p.as_str() {
                "kerberos" => return ("kerberos".into(), ev),
                "digest" | "plain" | "scram" | "scram256" => return ("digest".into(), ev),
                _ => return ("none".into(), ev),
            }
        }
        ("none".into(), self.default_evidence("zookeeper_sasl_protocol", "none"))
    }
}

fn kafka_listener(
    component: ComponentKind,
    host: &str,
    name: &str,
    port: u16,
    ssl: (bool, Evidence),
    mtls: bool,
    sasl_protocol: &str,
) -> Listener {
    let mechanisms: Vec<String> = sasl_protocol
        .split(',')
        .filter_map(|p| match p.trim().to_ascii_lowercase().as_str() {
            "plain" => Some("PLAIN".to_string()),
            "scram" => Some("SCRAM-SHA-512".to_string()),
            "scram256" => Some("SCRAM-SHA-256".to_string()),
            "kerberos" | "gssapi" => Some("GSSAPI".to_string()),
            "oauth" | "oauthbearer" => Some("OAUTHBEARER".to_string()),
            _ => None,
        })
        .collect();
    let protocol = match (ssl.0, mechanisms.is_empty()) {
        (true, false) => "SASL_SSL",
        (true, true) => "SSL",
        (false, false) => "SASL_PLAINTEXT",
        (false, true) => "PLAINTEXT",
    };
    Listener {
        component,
        host: host.to_string(),
        name: name.to_string(),
        port: Some(port),
        protocol: protocol.into(),
        sasl_mechanisms: mechanisms,
        mtls: ssl.0 && mtls,
        evidence: ssl.1,
    }
}

/// Kafka listeners of a properties file: `listeners` mapped through
/// `listener.security.protocol.map` (Kafka's default map when unset).
fn properties_listeners(kind: ComponentKind, file: &str, s: &BTreeMap<String, Setting>) -> Vec<Listener> {
    let Some(listeners) = s.get("listeners") else {
        return Vec::new();
    };
    let mut map: BTreeMap<String, String> =
        ["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"].iter().map(|p| (p.to_string(), p.to_string())).collect();
    if let Some(m) = s.get("listener.security.protocol.map") {
        for pair in split_list(&m.value) {
            if let Some((name, proto)) = pair.split_once(':') {
                map.insert(name.trim().to_ascii_uppercase(), proto.trim().to_ascii_uppercase());
            }
        }
    }
    let global_mechs =
        s.get("sasl.enabled.mechanisms").map_or_else(|| vec!["GSSAPI".to_string()], |m| split_list(&m.value));
    let global_client_auth = s.get("ssl.client.auth").map(|v| v.value.trim().to_string());
    let mut out = Vec::new();
    for url in split_list(&listeners.value) {
        let (name, _, port) = parse_listener_url(&url);
        let upper = name.to_ascii_uppercase();
        let lower = name.to_ascii_lowercase();
        let protocol = map.get(&upper).cloned().unwrap_or_else(|| "UNKNOWN".into());
        let sasl_mechanisms = if protocol.starts_with("SASL_") {
            s.get(&format!("listener.name.{lower}.sasl.enabled.mechanisms"))
                .map_or_else(|| global_mechs.clone(), |m| split_list(&m.value))
        } else {
            Vec::new()
        };
        let client_auth = s
            .get(&format!("listener.name.{lower}.ssl.client.auth"))
            .map(|v| v.value.trim().to_string())
            .or_else(|| global_client_auth.clone());
        let evidence = s
            .get("listener.security.protocol.map")
            .filter(|_| !map_is_default(&upper))
            .map_or_else(|| listeners.evidence.clone(), |m| m.evidence.clone());
        out.push(Listener {
            component: kind,
            host: file.to_string(),
            name: upper,
            port,
            mtls: protocol.ends_with("SSL") && client_auth.as_deref() == Some("required"),
            protocol,
            sasl_mechanisms,
            evidence,
        });
    }
    out
}

fn map_is_default(name: &str) -> bool {
    matches!(name, "PLAINTEXT" | "SSL" | "SASL_PLAINTEXT" | "SASL_SSL")
}

/// `NAME://host:port` → (NAME, host, port).
fn parse_listener_url(url: &str) -> (String, String, Option<u16>) {
    let (name, rest) = url.split_once("://").unwrap_or(("", url));
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) => (h.to_string(), p.trim_end_matches('/').parse().ok()),
        None => (rest.to_string(), None),
    };
    (name.trim().to_string(), host, port)
}

pub(crate) fn split_list(s: &str) -> Vec<String> {
    s.split(',').map(str::trim).filter(|x| !x.is_empty()).map(String::from).collect()
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "1" => Some(true),
            "false" | "no" | "off" | "0" => Some(false),
            _ => None,
        },
        Value::Number(n) => n.as_i64().map(|n| n != 0),
        _ => None,
    }
}
