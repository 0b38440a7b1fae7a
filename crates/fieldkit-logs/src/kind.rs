//! What a file in a bundle is, from its name and, when the name is not enough, its first lines;
//! and where a rotated file sits in its family's time order.

use std::cmp::Ordering;

/// The kinds of file a Kafka / Confluent support bundle holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileKind {
    /// Broker `server.log`.
    Broker,
    /// `controller.log`, including a KRaft controller's.
    Controller,
    StateChange,
    LogCleaner,
    Authorizer,
    Zookeeper,
    Connect,
    SchemaRegistry,
    Ksqldb,
    RestProxy,
    ControlCenter,
    /// A client application's log (producers, consumers, Streams apps).
    Client,
    Gc,
    Properties,
    Other,
}

impl FileKind {
    pub const ALL: [FileKind; 15] = [
        FileKind::Broker,
        FileKind::Controller,
        FileKind::StateChange,
        FileKind::LogCleaner,
        FileKind::Authorizer,
        FileKind::Zookeeper,
        FileKind::Connect,
        FileKind::SchemaRegistry,
        FileKind::Ksqldb,
        FileKind::RestProxy,
        FileKind::ControlCenter,
        FileKind::Client,
        FileKind::Gc,
        FileKind::Properties,
        FileKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Broker => "broker",
            FileKind::Controller => "controller",
            FileKind::StateChange => "state-change",
            FileKind::LogCleaner => "log-cleaner",
            FileKind::Authorizer => "authorizer",
            FileKind::Zookeeper => "zookeeper",
            FileKind::Connect => "connect",
            FileKind::SchemaRegistry => "schema-registry",
            FileKind::Ksqldb => "ksqldb",
            FileKind::RestProxy => "rest-proxy",
            FileKind::ControlCenter => "control-center",
            FileKind::Client => "client",
            FileKind::Gc => "gc",
            FileKind::Properties => "properties",
            FileKind::Other => "other",
        }
    }

    pub fn parse(name: &str) -> Option<FileKind> {
        FileKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// Splits a rotated file name into its family base and rotation: `server.log.2` → (`server.log`,
/// Index(2)); `server.log.2026-03-14-09` → (`server.log`, Dated); `server.log` → (`server.log`, Current).
/// A trailing `.gz` is looked through.
pub fn rotation_of(file_name: &str) -> (&str, Rotation) {
    let name = file_name.strip_suffix(".gz").unwrap_or(file_name);
    if let Some(dot) = name.rfind('.') {
        let (base, suffix) = (&name[..dot], &name[dot + 1..]);
        if base.ends_with(".log") || base.ends_with(".out") || base.ends_with(".txt") {
            if !suffix.is_empty() && suffix.len() <= 4 && suffix.bytes().all(|b| b.is_ascii_digit()) {
                return (base, Rotation::Index(suffix.parse().unwrap_or(u32::MAX)));
            }
            if suffix.len() >= 8 && suffix.bytes().all(|b| b.is_ascii_digit() || b == b'-' || b == b'_') {
                return (base, Rotation::Dated(suffix.to_string()));
            }
        }
    }
    // logback / log4j2 style `server-2026-03-14.1.log`, `server.2026-03-14.log` keep their name order.
    (name, Rotation::Current)
}

/// Where a file sits among its rotated siblings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rotation {
    /// The live file: newest.
    Current,
    /// `RollingFileAppender`: `.1` is newer than `.2`.
    Index(u32),
    /// `DailyRollingFileAppender`: the suffix sorts by time.
    Dated(String),
}

impl Rotation {
    /// Oldest first: dated files in suffix order, then indexed ones from the highest index down,
    /// then the live file.
    pub fn time_order(&self, other: &Rotation) -> Ordering {
        use Rotation::*;
        match (self, other) {
            (Dated(a), Dated(b)) => a.cmp(b),
            (Dated(_), _) => Ordering::Less,
            (_, Dated(_)) => Ordering::Greater,
            (Index(a), Index(b)) => b.cmp(a),
            (Index(_), Current) => Ordering::Less,
            (Current, Index(_)) => Ordering::Greater,
            (Current, Current) => Ordering::Equal,
        }
    }
}

/// Recognises a file from its name (without directories); `None` when the name says nothing.
pub fn kind_from_name(file_name: &str) -> Option<FileKind> {
    let (base, _) = rotation_of(file_name);
    let lower = base.to_ascii_lowercase();
    let n = lower.as_str();
    if n.ends_with(".properties")
        || n.ends_with(".conf") && n.contains("jaas")
        || n.ends_with(".cfg") && n.contains("zoo")
    {
        return Some(FileKind::Properties);
    }
    // `gc` as a word of the name (kafkaServer-gc.log, gc.log.0.current), not inside another word
    // (connect-gcs-sink.log, kafka-logcleaner.log).
    let is_gc_word = n.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| w == "gc");
    if is_gc_word && (n.ends_with(".log") || n.contains("gc.log") || n.ends_with(".current")) {
        return Some(FileKind::Gc);
    }
    let table: &[(&str, FileKind)] = &[
        ("state-change", FileKind::StateChange),
        ("log-cleaner", FileKind::LogCleaner),
        ("kafka-authorizer", FileKind::Authorizer),
        ("authorizer", FileKind::Authorizer),
        ("zookeeper", FileKind::Zookeeper),
        ("zkserver", FileKind::Zookeeper),
        ("schema-registry", FileKind::SchemaRegistry),
        ("schemaregistry", FileKind::SchemaRegistry),
        ("ksql", FileKind::Ksqldb),
        ("kafka-rest", FileKind::RestProxy),
        ("rest-proxy", FileKind::RestProxy),
        ("control-center", FileKind::ControlCenter),
        ("controlcenter", FileKind::ControlCenter),
        ("connect", FileKind::Connect),
        ("controller", FileKind::Controller),
        ("server.log", FileKind::Broker),
        ("kafkaserver.out", FileKind::Broker),
        ("kafka.log", FileKind::Broker),
    ];
    table.iter().find(|(needle, _)| n.contains(needle)).map(|(_, kind)| *kind)
}

/// Recognises a file from its first few kilobytes when its name was not enough.
pub fn kind_from_content(head: &[u8]) -> FileKind {
    let has = |needle: &str| memchr::memmem::find(head, needle.as_bytes()).is_some();
    if has("[gc") || has("GC pause") || has("Pause Young") || has("[GC (") {
        FileKind::Gc
    } else if has("(kafka.server.") || has("(kafka.log.") || has("(kafka.cluster.") || has("(kafka.network.") {
        FileKind::Broker
    } else if has("QuorumController") || has("(org.apache.kafka.controller.") {
        FileKind::Controller
    } else if has("org.apache.kafka.connect.") || has("WorkerSinkTask") || has("WorkerSourceTask") {
        FileKind::Connect
    } else if has("io.confluent.kafka.schemaregistry") {
        FileKind::SchemaRegistry
    } else if has("io.confluent.ksql") {
        FileKind::Ksqldb
    } else if has("io.confluent.kafkarest") {
        FileKind::RestProxy
    } else if has("io.confluent.controlcenter") {
        FileKind::ControlCenter
    } else if has("[myid:") || has("org.apache.zookeeper.server") {
        FileKind::Zookeeper
    } else if has("org.apache.kafka.clients")
        || has("o.a.k.c.")
        || has("[Producer clientId=")
        || has("[Consumer clientId=")
    {
        FileKind::Client
    } else if looks_like_properties(head) {
        FileKind::Properties
    } else {
        FileKind::Other
    }
}

fn looks_like_properties(head: &[u8]) -> bool {
    let mut kv = 0;
    let mut other = 0;
    for line in head.split(|b| *b == b'\n').take(50) {
        let t = line.trim_ascii();
        if t.is_empty() || t.starts_with(b"#") {
            continue;
        }
        let eq = memchr::memchr(b'=', t);
        if eq.is_some_and(|i| {
            i > 0 && t[..i].trim_ascii().iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
        }) {
            kv += 1;
        } else {
            other += 1;
        }
    }
    kv >= 3 && kv > other * 4
}

/// Whether the name says "this is not a log": binaries, images and the like that a bundle collector
/// sweeps up. These are listed as skipped rather than read.
pub fn is_binary_name(file_name: &str) -> bool {
    let lower = file_name.to_ascii_lowercase();
    [
        ".jar",
        ".class",
        ".so",
        ".png",
        ".jpg",
        ".jpeg",
        ".gif",
        ".pdf",
        ".hprof",
        ".jfr",
        ".index",
        ".timeindex",
        ".snapshot",
        ".checkpoint",
        ".bin",
        ".exe",
        ".keystore",
        ".jks",
        ".p12",
        ".pfx",
        ".der",
    ]
    .iter()
    .any(|ext| lower.ends_with(ext))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_table() {
        let cases = [
            ("server.log", Some(FileKind::Broker)),
            ("server.log.3", Some(FileKind::Broker)),
            ("server.log.2026-03-14-09", Some(FileKind::Broker)),
            ("server.log.1.gz", Some(FileKind::Broker)),
            ("controller.log", Some(FileKind::Controller)),
            ("state-change.log", Some(FileKind::StateChange)),
            ("log-cleaner.log.1", Some(FileKind::LogCleaner)),
            ("kafka-authorizer.log", Some(FileKind::Authorizer)),
            ("zookeeper.log", Some(FileKind::Zookeeper)),
            ("connect.log", Some(FileKind::Connect)),
            ("connectDistributed.out", Some(FileKind::Connect)),
            ("schema-registry.log", Some(FileKind::SchemaRegistry)),
            ("ksql.log", Some(FileKind::Ksqldb)),
            ("kafka-rest.log", Some(FileKind::RestProxy)),
            ("control-center.log", Some(FileKind::ControlCenter)),
            ("kafkaServer-gc.log", Some(FileKind::Gc)),
            ("gc.log.0.current", Some(FileKind::Gc)),
            ("server.properties", Some(FileKind::Properties)),
            ("kafka_server_jaas.conf", Some(FileKind::Properties)),
            ("orders-service.log", None),
            ("connect-gcs-sink.log", Some(FileKind::Connect)),
            ("kafka-logcleaner.log", None),
        ];
        for (name, want) in cases {
            assert_eq!(kind_from_name(name), want, "{name}");
        }
    }

    #[test]
    fn content_sniffing() {
        assert_eq!(
            kind_from_content(b"[2026-03-14 09:12:01,100] INFO x (org.apache.kafka.clients.NetworkClient)"),
            FileKind::Client
        );
        assert_eq!(kind_from_content(b"[2026-03-14 09:12:01,100] INFO x (kafka.server.KafkaServer)"), FileKind::Broker);
        assert_eq!(kind_from_content(b"a=1\nb=2\n# c\nc.d=3\n"), FileKind::Properties);
        assert_eq!(kind_from_content(b"hello\nworld\n"), FileKind::Other);
    }

    #[test]
    fn rotation_order() {
        let mut names = vec![
            "server.log",
            "server.log.1",
            "server.log.10",
            "server.log.2",
            "server.log.2026-03-14-08",
            "server.log.2026-03-13-23",
        ];
        names.sort_by(|a, b| rotation_of(a).1.time_order(&rotation_of(b).1));
        assert_eq!(
            names,
            vec![
                "server.log.2026-03-13-23",
                "server.log.2026-03-14-08",
                "server.log.10",
                "server.log.2",
                "server.log.1",
                "server.log"
            ]
        );
        assert_eq!(rotation_of("server.log.1.gz").0, "server.log");
    }
}
