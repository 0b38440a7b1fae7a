//! Architecture diagrams of the platform model: a layered [`Diagram`] (coordination, brokers by
//! rack, platform services, management and monitoring) with listener / security labels on the
//! edges, rendered as standalone SVG with its own deterministic layout ([`svg`]), Graphviz DOT
//! ([`dot`]) or a Mermaid flowchart ([`mermaid`]).
//!
//! Edges always point from a lower layer (the client side) to a layer above it (the server side):
//! brokers → controllers / ZooKeeper, clients and services → brokers, Control Center and
//! monitoring → what they talk to or scrape.

pub mod dot;
pub mod layout;
pub mod mermaid;
pub mod svg;

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{Component, ComponentKind, Listener, Platform};

/// How well a connection is protected, worst first (the order of the legend).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protection {
    /// PLAINTEXT / HTTP: neither encrypted nor authenticated. A risk.
    Plaintext,
    /// SASL_PLAINTEXT: authenticated, not encrypted.
    AuthNoTls,
    /// SSL without client certificates, HTTPS: encrypted, the client not authenticated by TLS.
    TlsOnly,
    /// SASL_SSL, or TLS with required client certificates (mTLS).
    Secure,
    /// Not in the model.
    Unknown,
}

impl Protection {
    pub const ALL: [Protection; 5] =
        [Protection::Secure, Protection::TlsOnly, Protection::AuthNoTls, Protection::Plaintext, Protection::Unknown];

    pub fn of(l: &Listener) -> Protection {
        match (l.protocol.as_str(), l.mtls) {
            ("SASL_SSL", _) | ("SSL" | "HTTPS", true) => Protection::Secure,
            ("SSL" | "HTTPS", false) => Protection::TlsOnly,
            ("SASL_PLAINTEXT", _) => Protection::AuthNoTls,
            ("PLAINTEXT" | "HTTP", _) => Protection::Plaintext,
            _ => Protection::Unknown,
        }
    }

    pub fn color(self) -> &'static str {
        match self {
            Protection::Plaintext => "#c62828",
            Protection::AuthNoTls => "#e65100",
            Protection::TlsOnly => "#1565c0",
            Protection::Secure => "#2e7d32",
            Protection::Unknown => "#757575",
        }
    }

    /// A short id (CSS classes, marker ids).
    pub fn id(self) -> &'static str {
        match self {
            Protection::Plaintext => "plaintext",
            Protection::AuthNoTls => "auth-no-tls",
            Protection::TlsOnly => "tls",
            Protection::Secure => "secure",
            Protection::Unknown => "unknown",
        }
    }

    pub fn legend(self) -> &'static str {
        match self {
            Protection::Secure => "SASL_SSL / mTLS: encrypted and authenticated",
            Protection::TlsOnly => "SSL / HTTPS: encrypted, client not authenticated by TLS",
            Protection::AuthNoTls => "SASL_PLAINTEXT: authenticated, not encrypted",
            Protection::Plaintext => "PLAINTEXT / HTTP: no encryption, no authentication (risk)",
            Protection::Unknown => "security not in the model",
        }
    }

    pub fn is_risk(self) -> bool {
        self == Protection::Plaintext
    }
}

/// One box: a process on a host (or a properties file), or a synthetic one (clients, scrapers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub id: String,
    pub title: String,
    pub lines: Vec<String>,
}

/// A cluster of nodes inside a layer: a rack, a Connect / ksqlDB cluster, a component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub id: String,
    pub title: String,
    pub nodes: Vec<Node>,
}

/// One horizontal layer of the diagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    pub id: String,
    pub title: String,
    /// A short note under the title (inter-broker listener, quorum size).
    pub note: Option<String>,
    pub groups: Vec<Group>,
}

/// A connection from a group or a layer (`from`) to a layer above it (`to`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub label: String,
    pub protection: Protection,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagram {
    pub title: String,
    pub subtitle: String,
    /// Top to bottom.
    pub layers: Vec<Layer>,
    pub edges: Vec<Edge>,
}

impl Diagram {
    /// The layer index of a layer or group id.
    pub fn layer_of(&self, id: &str) -> Option<usize> {
        self.layers.iter().position(|l| l.id == id || l.groups.iter().any(|g| g.id == id))
    }
}

/// Identifiers safe in DOT, Mermaid and XML: `[a-z0-9_]`, starting with a letter, unique.
#[derive(Default)]
struct Ids(BTreeSet<String>);

impl Ids {
    fn make(&mut self, prefix: &str, name: &str) -> String {
        let mut base = String::from(prefix);
        base.push('_');
        for c in name.chars() {
            base.push(if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' });
        }
        let mut id = base.clone();
        let mut n = 2;
        while self.0.contains(&id) {
            id = format!("{base}_{n}");
            n += 1;
        }
        self.0.insert(id.clone());
        id
    }
}

/// `INTERNAL SASL_SSL :9092 (PLAIN, mTLS)`; `(risk)` after PLAINTEXT / HTTP.
pub fn listener_label(l: &Listener) -> String {
    let mut s = format!("{} {}", l.name, l.protocol);
    if l.name == l.protocol || matches!(l.protocol.as_str(), "HTTP" | "HTTPS") {
        s = l.protocol.clone();
    }
    if let Some(p) = l.port {
        s.push_str(&format!(" :{p}"));
    }
    let mut extra: Vec<String> = l.sasl_mechanisms.clone();
    if l.mtls {
        extra.push("mTLS".into());
    }
    if !extra.is_empty() {
        s.push_str(&format!(" ({})", extra.join(", ")));
    }
    if Protection::of(l).is_risk() {
        s.push_str(" (risk)");
    }
    s
}

fn count(n: usize, what: &str) -> String {
    if n == 1 { format!("1 {what}") } else { format!("{n} {what}s") }
}

fn basename(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// Distinct labelled connections, worst protection first within one label.
fn distinct<'a>(listeners: impl Iterator<Item = &'a Listener>) -> Vec<(String, Protection)> {
    let mut seen: BTreeMap<String, Protection> = BTreeMap::new();
    for l in listeners {
        let p = Protection::of(l);
        let e = seen.entry(listener_label(l)).or_insert(p);
        *e = (*e).min(p);
    }
    seen.into_iter().collect()
}

/// The names of broker listeners that are not for clients: inter-broker and controller.
fn non_client_listener_names(p: &Platform) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut inter = BTreeSet::new();
    let mut controller = BTreeSet::new();
    for n in &p.nodes {
        match n.get("inter.broker.listener.name") {
            Some(s) => {
                inter.insert(s.value.trim().to_ascii_uppercase());
            }
            None if n.origin == crate::model::Origin::CpAnsible => {
                inter.insert("BROKER".into());
            }
            None => {}
        }
        if let Some(s) = n.get("controller.listener.names") {
            controller.extend(crate::model::split_list(&s.value).into_iter().map(|x| x.to_ascii_uppercase()));
        }
    }
    (inter, controller)
}

fn components<'a>(p: &'a Platform, kinds: &'a [ComponentKind]) -> impl Iterator<Item = &'a Component> + 'a {
    p.components.iter().filter(move |c| kinds.contains(&c.kind))
}

/// Builds the diagram of a platform model.
pub fn build(p: &Platform) -> Diagram {
    let mut ids = Ids::default();
    let names: Vec<&str> = p.sources.iter().map(|s| basename(s)).collect();
    let title = format!("Platform architecture: {}", names.join(", "));
    let sec = &p.security;
    let mut summary = vec![if sec.tls {
        "TLS on every Kafka listener".to_string()
    } else {
        "not every Kafka listener uses TLS".into()
    }];
    if !sec.sasl_mechanisms.is_empty() {
        summary.push(format!("SASL {}", sec.sasl_mechanisms.iter().cloned().collect::<Vec<_>>().join(", ")));
    }
    if sec.mtls {
        summary.push("mTLS".into());
    }
    if sec.rbac {
        summary.push("RBAC".into());
    }
    if sec.plaintext_listeners > 0 {
        summary.push(format!("{} PLAINTEXT listener(s)", sec.plaintext_listeners));
    }
    let subtitle = summary.join(" · ");

    let listeners_of = |kind: ComponentKind, host: &str| -> Vec<&Listener> {
        p.listeners.iter().filter(|l| l.component == kind && l.host == host).collect()
    };
    let exporters_of = |kind: ComponentKind, host: &str| -> Vec<String> {
        p.hosts
            .get(host)
            .map(|h| {
                h.exporters
                    .iter()
                    .filter(|e| e.component == kind)
                    .map(|e| {
                        let name = if e.kind == "jmx_exporter" { "JMX exporter" } else { "Jolokia" };
                        format!("{name} :{}", e.port)
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let node = |ids: &mut Ids, kind: ComponentKind, host: &str| -> Node {
        let mut lines = vec![kind.display_name().to_string()];
        lines.extend(listeners_of(kind, host).iter().map(|l| listener_label(l)));
        let exp = exporters_of(kind, host);
        if !exp.is_empty() {
            lines.push(exp.join(" · "));
        }
        Node { id: ids.make("n", &format!("{}_{host}", kind.display_name())), title: host.to_string(), lines }
    };

    let mut layers = Vec::new();
    let mut edges = Vec::new();

    // 1. Coordination: ZooKeeper and/or KRaft controllers.
    let coord_kinds = [ComponentKind::Zookeeper, ComponentKind::KafkaController];
    let mut coord = Layer { id: ids.make("layer", "coordination"), title: String::new(), note: None, groups: vec![] };
    for c in components(p, &coord_kinds) {
        let title = match (c.kind, &c.cluster) {
            (ComponentKind::KafkaController, _) => format!("KRaft quorum ({})", count(c.hosts.len(), "voter")),
            (_, _) => format!("ZooKeeper ensemble ({})", count(c.hosts.len(), "server")),
        };
        let nodes = c.hosts.iter().map(|h| node(&mut ids, c.kind, h)).collect();
        coord.groups.push(Group { id: ids.make("g", &c.group), title, nodes });
    }
    let has_zk = components(p, &[ComponentKind::Zookeeper]).next().is_some();
    let has_kraft = components(p, &[ComponentKind::KafkaController]).next().is_some();
    coord.title = match (has_zk, has_kraft) {
        (true, true) => "ZooKeeper + KRaft controllers".into(),
        (true, false) => "ZooKeeper".into(),
        _ => "KRaft controllers".into(),
    };
    if let Some(z) = &p.zookeeper {
        coord.note = Some(format!("broker auth to ZooKeeper: {}", z.auth));
    }
    let coord_id = (!coord.groups.is_empty()).then(|| coord.id.clone());
    if coord_id.is_some() {
        layers.push(coord);
    }

    // 2. Brokers by rack (`broker.rack`; for properties files from the node's settings).
    let (inter_names, controller_names) = non_client_listener_names(p);
    let mut racks: BTreeMap<Option<String>, Vec<String>> = BTreeMap::new();
    for c in components(p, &[ComponentKind::KafkaBroker]) {
        for h in &c.hosts {
            let rack = p.hosts.get(h).and_then(|x| x.rack.clone()).or_else(|| {
                p.nodes.iter().find(|n| &n.name == h).and_then(|n| n.get("broker.rack")).map(|s| s.value.clone())
            });
            let v = racks.entry(rack).or_default();
            if !v.contains(h) {
                v.push(h.clone());
            }
        }
    }
    let mut brokers =
        Layer { id: ids.make("layer", "brokers"), title: "Kafka brokers".into(), note: None, groups: vec![] };
    let any_rack = racks.keys().any(Option::is_some);
    // Racks first, then brokers without one.
    let mut rack_list: Vec<(Option<String>, Vec<String>)> = racks.into_iter().collect();
    rack_list.sort_by_key(|(r, _)| (r.is_none(), r.clone()));
    for (rack, hosts) in rack_list {
        let title = match &rack {
            Some(r) => format!("rack {r}"),
            None if any_rack => "no broker.rack".into(),
            None => format!("{}, no broker.rack", count(hosts.len(), "broker")),
        };
        let nodes = hosts.iter().map(|h| node(&mut ids, ComponentKind::KafkaBroker, h)).collect();
        brokers.groups.push(Group {
            id: ids.make("g", &format!("rack_{}", rack.as_deref().unwrap_or("none"))),
            title,
            nodes,
        });
    }
    let broker_listeners: Vec<&Listener> =
        p.listeners.iter().filter(|l| l.component == ComponentKind::KafkaBroker).collect();
    let inter: Vec<(String, Protection)> =
        distinct(broker_listeners.iter().copied().filter(|l| inter_names.contains(&l.name)));
    if !inter.is_empty() {
        brokers.note =
            Some(format!("replication: {}", inter.iter().map(|(l, _)| l.as_str()).collect::<Vec<_>>().join(", ")));
    }
    let mut client_listeners: Vec<&Listener> = broker_listeners
        .iter()
        .copied()
        .filter(|l| !inter_names.contains(&l.name) && !controller_names.contains(&l.name))
        .collect();
    if client_listeners.is_empty() {
        client_listeners = broker_listeners.clone();
    }
    // What services use: cp-ansible's default `<component>_kafka_listener_name` is `internal`.
    let service_listener: Vec<(String, Protection)> = {
        let internal: Vec<&Listener> = client_listeners.iter().copied().filter(|l| l.name == "INTERNAL").collect();
        let chosen = if internal.is_empty() { client_listeners.clone() } else { internal };
        let d = distinct(chosen.into_iter());
        d.into_iter().take(1).collect()
    };
    let brokers_id = (!brokers.groups.is_empty()).then(|| brokers.id.clone());
    if let (Some(b), Some(c)) = (&brokers_id, &coord_id) {
        let to_coord: Vec<&Listener> = p
            .listeners
            .iter()
            .filter(|l| matches!(l.component, ComponentKind::KafkaController | ComponentKind::Zookeeper))
            .collect();
        for (label, protection) in distinct(to_coord.into_iter()) {
            edges.push(Edge { from: b.clone(), to: c.clone(), label, protection });
        }
        // Combined-mode nodes from properties files: the controller listener is a broker listener.
        let own: Vec<&Listener> =
            broker_listeners.iter().copied().filter(|l| controller_names.contains(&l.name)).collect();
        if !has_kraft && !own.is_empty() {
            for (label, protection) in distinct(own.into_iter()) {
                edges.push(Edge { from: b.clone(), to: c.clone(), label, protection });
            }
        }
    }
    if brokers_id.is_some() {
        layers.push(brokers);
    }

    // 3. Platform services (and the clients, which talk to the brokers like them).
    let service_kinds = [
        ComponentKind::SchemaRegistry,
        ComponentKind::KafkaConnect,
        ComponentKind::Ksql,
        ComponentKind::KafkaRest,
        ComponentKind::KafkaConnectReplicator,
    ];
    let mut services = Layer {
        id: ids.make("layer", "services"),
        title: "Clients and platform services".into(),
        note: None,
        groups: vec![],
    };
    if brokers_id.is_some() {
        let labels = distinct(client_listeners.iter().copied());
        let clients = Group {
            id: ids.make("g", "clients"),
            title: "Clients".into(),
            nodes: vec![Node {
                id: ids.make("n", "clients"),
                title: "Kafka clients".into(),
                lines: vec!["producers, consumers,".into(), "Streams applications".into()],
            }],
        };
        for (label, protection) in labels {
            edges.push(Edge {
                from: clients.id.clone(),
                to: brokers_id.clone().unwrap_or_default(),
                label,
                protection,
            });
        }
        services.groups.push(clients);
    }
    for c in components(p, &service_kinds) {
        let title = match &c.cluster {
            Some(cl) => format!("{} cluster {cl}", c.kind.display_name()),
            None if c.hosts.len() > 1 => format!("{} ({})", c.kind.display_name(), count(c.hosts.len(), "node")),
            None => c.kind.display_name().to_string(),
        };
        let nodes = c.hosts.iter().map(|h| node(&mut ids, c.kind, h)).collect();
        let g = Group { id: ids.make("g", c.cluster.as_deref().unwrap_or(&c.group)), title, nodes };
        if let Some(b) = &brokers_id {
            if c.kind == ComponentKind::KafkaConnectReplicator {
                edges.push(Edge {
                    from: g.id.clone(),
                    to: b.clone(),
                    label: "replicates (clusters in its own config)".into(),
                    protection: Protection::Unknown,
                });
            } else {
                for (label, protection) in &service_listener {
                    edges.push(Edge {
                        from: g.id.clone(),
                        to: b.clone(),
                        label: label.clone(),
                        protection: *protection,
                    });
                }
            }
        }
        services.groups.push(g);
    }
    let services_id = components(p, &service_kinds).next().map(|_| services.id.clone());
    let services_has_any = !services.groups.is_empty();
    if services_has_any {
        layers.push(services);
    }

    // 4. Management and monitoring.
    let mut mgmt = Layer {
        id: ids.make("layer", "management"),
        title: "Management and monitoring".into(),
        note: None,
        groups: vec![],
    };
    for c in components(p, &[ComponentKind::ControlCenter, ComponentKind::ControlCenterNextGen]) {
        let nodes = c.hosts.iter().map(|h| node(&mut ids, c.kind, h)).collect();
        let g = Group { id: ids.make("g", &c.group), title: c.kind.display_name().to_string(), nodes };
        if let Some(b) = &brokers_id {
            for (label, protection) in &service_listener {
                edges.push(Edge { from: g.id.clone(), to: b.clone(), label: label.clone(), protection: *protection });
            }
        }
        if let Some(s) = &services_id {
            let rest: Vec<&Listener> = p
                .listeners
                .iter()
                .filter(|l| {
                    matches!(
                        l.component,
                        ComponentKind::SchemaRegistry | ComponentKind::KafkaConnect | ComponentKind::Ksql
                    )
                })
                .collect();
            let mut by_proto: BTreeMap<String, Protection> = BTreeMap::new();
            for l in rest {
                let p = Protection::of(l);
                let label = format!(
                    "REST {}{}{}",
                    l.protocol,
                    if l.mtls { " (mTLS)" } else { "" },
                    if p.is_risk() { " (risk)" } else { "" }
                );
                let e = by_proto.entry(label).or_insert(p);
                *e = (*e).min(p);
            }
            for (label, protection) in by_proto {
                edges.push(Edge { from: g.id.clone(), to: s.clone(), label, protection });
            }
        }
        mgmt.groups.push(g);
    }
    // Exporters, per layer they are scraped in.
    let mut scrape: BTreeMap<(String, String), (BTreeSet<String>, Protection)> = BTreeMap::new();
    let mut exporter_lines: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for h in p.hosts.values() {
        for e in &h.exporters {
            let layer = match e.component {
                ComponentKind::KafkaController | ComponentKind::Zookeeper => coord_id.clone(),
                ComponentKind::KafkaBroker => brokers_id.clone(),
                ComponentKind::ControlCenter | ComponentKind::ControlCenterNextGen => None,
                _ => services_id.clone(),
            };
            let name = if e.kind == "jmx_exporter" { "JMX exporter" } else { "Jolokia" };
            exporter_lines.entry(name.to_string()).or_default().insert(format!(
                "{} :{}",
                e.component.display_name(),
                e.port
            ));
            let protection = match (e.tls, e.auth.as_str()) {
                (true, "none") => Protection::TlsOnly,
                (true, _) => Protection::Secure,
                (false, "none") => Protection::Plaintext,
                (false, _) => Protection::AuthNoTls,
            };
            if let Some(layer) = layer {
                let entry = scrape.entry((layer, name.to_string())).or_insert_with(|| (BTreeSet::new(), protection));
                entry.0.insert(e.port.to_string());
                entry.1 = entry.1.min(protection);
            }
        }
    }
    if !exporter_lines.is_empty() {
        let g = Group {
            id: ids.make("g", "monitoring"),
            title: "Metrics scraping (Prometheus or similar)".into(),
            nodes: exporter_lines
                .into_iter()
                .map(|(name, lines)| Node { id: ids.make("n", &name), title: name, lines: lines.into_iter().collect() })
                .collect(),
        };
        for ((layer, name), (ports, protection)) in scrape {
            let ports: Vec<String> = ports.into_iter().map(|p| format!(":{p}")).collect();
            let scheme = if matches!(protection, Protection::TlsOnly | Protection::Secure) { "HTTPS" } else { "HTTP" };
            let auth = if matches!(protection, Protection::Plaintext | Protection::TlsOnly) { ", no auth" } else { "" };
            let risk = if protection.is_risk() { " (risk)" } else { "" };
            edges.push(Edge {
                from: g.id.clone(),
                to: layer,
                label: format!("{name} {scheme} {}{auth}{risk}", ports.join(" ")),
                protection,
            });
        }
        mgmt.groups.push(g);
    }
    if !mgmt.groups.is_empty() {
        layers.push(mgmt);
    }

    let mut d = Diagram { title, subtitle, layers, edges };
    // Keep only edges that point upwards between existing layers.
    let keep: Vec<bool> = d
        .edges
        .iter()
        .map(|e| matches!((d.layer_of(&e.from), d.layer_of(&e.to)), (Some(f), Some(t)) if t < f))
        .collect();
    let mut k = keep.into_iter();
    d.edges.retain(|_| k.next().unwrap_or(false));
    d
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Svg,
    Dot,
    Mermaid,
}

/// Renders the model in one format.
pub fn render(p: &Platform, format: Format) -> String {
    let d = build(p);
    match format {
        Format::Svg => svg::render(&d),
        Format::Dot => dot::render(&d),
        Format::Mermaid => mermaid::render(&d),
    }
}
