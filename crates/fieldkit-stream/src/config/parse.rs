//! Walking the spanned TOML tree (`toml::de::DeTable`) by hand rather than deriving: serde
//! stops at the first error, and an operator fixing a config wants every problem at once.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use fieldkit_events::Mapping;
use fieldkit_events::mapping::jq::Program;
use fieldkit_store::{Durability, PgTarget};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::interp::interpolate;
use super::{
    Config, ConfigError, Endpoint, HttpSource, KafkaSink, KafkaSource, PipelineOptions, Redact, Secret, SinkConfig,
    SinkKind, SourceConfig, SourceKind, TlsFiles, TransformConfig, TransformKind, UNMATCHED_ROUTE,
};

/// Where things are in the text, for errors found after parsing (wiring, cycles).
#[derive(Default)]
pub(super) struct Spans {
    /// Offset of each stage's name.
    pub names: HashMap<String, usize>,
    /// Offset of each stage's `inputs` key, and of each entry.
    pub inputs_key: HashMap<String, usize>,
    pub input_entries: HashMap<(String, usize), usize>,
    /// Stages whose own section had errors: references to them are not errors too.
    pub broken: std::collections::HashSet<String>,
}

type Parsed = (Config, Vec<ConfigError>, Spans);

struct Walker<'t> {
    text: &'t str,
    env: &'t HashMap<String, String>,
    errors: Vec<ConfigError>,
    spans: Spans,
}

pub(super) fn parse(text: &str, env: &HashMap<String, String>) -> Result<Parsed, Vec<ConfigError>> {
    let root = DeTable::parse(text).map_err(|e| {
        let at = e.span().map_or(0, |s| s.start);
        vec![ConfigError::at(text, at, e.message().trim().to_owned())]
    })?;
    let mut w = Walker { text, env, errors: Vec::new(), spans: Spans::default() };
    let root = root.get_ref();
    w.known_keys(root, "", &["pipeline", "sources", "transforms", "sinks", "api"]);
    let mut config = Config {
        pipeline: PipelineOptions::default(),
        sources: Vec::new(),
        transforms: Vec::new(),
        sinks: Vec::new(),
        api: None,
    };
    if let Some(t) = w.table(root, "pipeline") {
        w.known_keys(t, "pipeline.", &["channel_capacity", "max_record_bytes", "status_interval_ms"]);
        config.pipeline.status_interval = w.millis(t, "status_interval_ms", 10_000);
        if let Some(n) = w.int(t, "channel_capacity", 1, 1 << 20) {
            config.pipeline.channel_capacity = n as usize;
        }
        if let Some(n) = w.int(t, "max_record_bytes", 16, 64 << 20) {
            config.pipeline.max_record_bytes = n as usize;
        }
    }
    if let Some(t) = w.table(root, "api") {
        let at = Walker::entry(root, "api").map_or(0, |(k, _)| k.span().start);
        w.known_keys(t, "api.", &[LISTEN, TOKEN_FILE, TOKEN_ENV, TLS_CERT, TLS_KEY]);
        if Walker::entry(t, LISTEN).is_none() {
            w.err(at, "[api]: `listen` is required (e.g. listen = \"127.0.0.1:9464\")");
        }
        config.api = w.endpoint(t, at, None);
    }
    for (name, t) in w.sections(root, "sources") {
        let before = w.errors.len();
        match w.source(&name, t) {
            Some(s) if w.errors.len() == before => config.sources.push(s),
            _ => {
                w.spans.broken.insert(name);
            }
        }
    }
    for (name, t) in w.sections(root, "transforms") {
        let before = w.errors.len();
        match w.transform(&name, t) {
            Some(s) if w.errors.len() == before => config.transforms.push(s),
            _ => {
                w.spans.broken.insert(name);
            }
        }
    }
    for (name, t) in w.sections(root, "sinks") {
        let before = w.errors.len();
        match w.sink(&name, t) {
            Some(s) if w.errors.len() == before => config.sinks.push(s),
            _ => {
                w.spans.broken.insert(name);
            }
        }
    }
    // Two servers on one address cannot both bind.
    let mut listens: Vec<(SocketAddr, &str)> = Vec::new();
    let named = config.sources.iter().filter_map(|s| match &s.kind {
        SourceKind::Http(h) => Some((h.endpoint.listen, s.name.as_str())),
        _ => None,
    });
    for (addr, name) in config.api.as_ref().map(|a| (a.listen, "api")).into_iter().chain(named) {
        if addr.port() != 0
            && let Some((_, other)) = listens.iter().find(|(a, _)| *a == addr)
        {
            let at = w.spans.names.get(name).copied().unwrap_or(0);
            w.errors.push(ConfigError::at(text, at, format!("`{name}` listens on {addr}, like `{other}`")));
        }
        listens.push((addr, name));
    }
    Ok((config, w.errors, w.spans))
}

const LISTEN: &str = "listen";
const TOKEN_FILE: &str = "token_file";
const TOKEN_ENV: &str = "token_env";
const TLS_CERT: &str = "tls_cert";
const TLS_KEY: &str = "tls_key";

/// `listen`: `IP:PORT`, `[IPv6]:PORT`, `localhost:PORT`, or a bare port (on 127.0.0.1).
/// Host names are not resolved: validation stays offline and the bound address is explicit.
pub(crate) fn parse_listen(s: &str) -> Result<SocketAddr, String> {
    let local = |p: &str| p.parse::<u16>().ok().map(|p| SocketAddr::from((Ipv4Addr::LOCALHOST, p)));
    if let Some(a) = local(s).or_else(|| s.strip_prefix("localhost:").and_then(local)) {
        return Ok(a);
    }
    s.parse::<SocketAddr>().map_err(|_| {
        format!(
            "`listen` = \"{s}\" is not an address: use IP:PORT (127.0.0.1:8080, [::1]:8080, 0.0.0.0:8080), \
             localhost:PORT, or a bare port (bound on 127.0.0.1)"
        )
    })
}

/// How a kafka stage constrains its librdkafka properties.
struct PropRules {
    /// Properties fieldkit sets itself: `(name, values allowed, why)`.
    forced: &'static [(&'static str, &'static [&'static str], &'static str)],
    /// Properties the stage's own keys set.
    reserved: &'static [&'static str],
}

const AUTO_COMMIT: &str = "must stay false: fieldkit commits offsets itself, only after the records are durably \
                           stored (automatic commits could lose records)";

const SOURCE_PROPERTIES: PropRules = PropRules {
    forced: &[("enable.auto.commit", &["false"], AUTO_COMMIT), ("enable.auto.offset.store", &["false"], AUTO_COMMIT)],
    reserved: &["bootstrap.servers", "metadata.broker.list", "group.id"],
};

const SINK_PROPERTIES: PropRules = PropRules {
    forced: &[
        (
            "enable.idempotence",
            &["true"],
            "must stay true: the kafka sink relies on idempotent delivery, so that retries never write a \
             record twice",
        ),
        ("acks", &["all", "-1"], "must stay `all`: a record is acknowledged only once every in-sync replica has it"),
        (
            "request.required.acks",
            &["all", "-1"],
            "must stay `all`: a record is acknowledged only once every in-sync replica has it",
        ),
    ],
    reserved: &["bootstrap.servers", "metadata.broker.list"],
};

/// Kafka's rule for topic names.
fn valid_topic(t: &str) -> bool {
    (1..=249).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// `node`, `entity.label`: names joined by dots, none empty.
fn valid_path(p: &str) -> bool {
    p.split('.').all(|s| !s.is_empty())
}

impl<'t> Walker<'t> {
    fn err(&mut self, at: usize, message: impl Into<String>) {
        self.errors.push(ConfigError::at(self.text, at, message));
    }

    fn known_keys(&mut self, t: &DeTable<'_>, prefix: &str, known: &[&str]) {
        for key in t.keys() {
            if !known.contains(&key.get_ref().as_ref()) {
                let msg = format!("unknown key `{prefix}{}` (expected one of: {})", key.get_ref(), known.join(", "));
                self.err(key.span().start, msg);
            }
        }
    }

    fn entry<'a, 'i>(
        t: &'a DeTable<'i>,
        key: &str,
    ) -> Option<(&'a Spanned<toml::de::DeString<'i>>, &'a Spanned<DeValue<'i>>)> {
        t.iter().find(|(k, _)| k.get_ref() == key)
    }

    fn table<'a, 'i>(&mut self, t: &'a DeTable<'i>, key: &str) -> Option<&'a DeTable<'i>> {
        let (_, v) = Self::entry(t, key)?;
        match v.get_ref() {
            DeValue::Table(t) => Some(t),
            other => {
                self.err(v.span().start, format!("`{key}` must be a table, not {}", other.type_str()));
                None
            }
        }
    }

    /// `[sources.NAME]` etc: name, table, and the name's span recorded.
    fn sections<'a, 'i>(&mut self, root: &'a DeTable<'i>, kind: &str) -> Vec<(String, &'a DeTable<'i>)> {
        let Some(t) = self.table(root, kind) else { return Vec::new() };
        let mut out = Vec::new();
        for (k, v) in t.iter() {
            let name = k.get_ref().to_string();
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
                self.err(k.span().start, format!("`{name}`: stage names use letters, digits, `-` and `_` only"));
                continue;
            }
            if self.spans.names.contains_key(&name) {
                self.err(
                    k.span().start,
                    format!("duplicate stage name `{name}`: sources, transforms and sinks share one namespace"),
                );
                continue;
            }
            self.spans.names.insert(name.clone(), k.span().start);
            match v.get_ref() {
                DeValue::Table(t) => out.push((name, t)),
                other => self.err(v.span().start, format!("`{kind}.{name}` must be a table, not {}", other.type_str())),
            }
        }
        out
    }

    /// A string value, interpolated; errors reported, `None` when absent or wrong.
    fn string(&mut self, t: &DeTable<'_>, key: &str) -> Option<String> {
        let (_, v) = Self::entry(t, key)?;
        match v.get_ref() {
            DeValue::String(s) => match interpolate(s, self.env) {
                Ok(s) => Some(s),
                Err(e) => {
                    self.err(v.span().start, format!("`{key}`: {e}"));
                    None
                }
            },
            other => {
                self.err(v.span().start, format!("`{key}` must be a string, not {}", other.type_str()));
                None
            }
        }
    }

    fn required_string(&mut self, t: &DeTable<'_>, key: &str, at: usize, what: &str) -> Option<String> {
        if Self::entry(t, key).is_none() {
            self.err(at, format!("{what}: `{key}` is required"));
            return None;
        }
        self.string(t, key)
    }

    fn bool(&mut self, t: &DeTable<'_>, key: &str) -> Option<bool> {
        let (_, v) = Self::entry(t, key)?;
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            other => {
                self.err(v.span().start, format!("`{key}` must be true or false, not {}", other.type_str()));
                None
            }
        }
    }

    fn int(&mut self, t: &DeTable<'_>, key: &str, min: i64, max: i64) -> Option<i64> {
        let (_, v) = Self::entry(t, key)?;
        let parsed =
            v.get_ref().as_integer().and_then(|i| i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()).ok());
        match parsed {
            Some(n) if (min..=max).contains(&n) => Some(n),
            Some(n) => {
                self.err(v.span().start, format!("`{key}` = {n} is out of range ({min} to {max})"));
                None
            }
            None => {
                self.err(v.span().start, format!("`{key}` must be an integer, not {}", v.get_ref().type_str()));
                None
            }
        }
    }

    fn millis(&mut self, t: &DeTable<'_>, key: &str, default: u64) -> Duration {
        Duration::from_millis(self.int(t, key, 0, 3_600_000).map_or(default, |n| n as u64))
    }

    /// `inputs = [...]`: required and non-empty for transforms and sinks.
    fn inputs(&mut self, name: &str, t: &DeTable<'_>) -> Vec<String> {
        let at = self.spans.names.get(name).copied().unwrap_or(0);
        let Some((k, v)) = Self::entry(t, "inputs") else {
            self.err(at, format!("`{name}` has no `inputs`: list the stages it reads, e.g. inputs = [\"source\"]"));
            return Vec::new();
        };
        self.spans.inputs_key.insert(name.to_owned(), k.span().start);
        let DeValue::Array(items) = v.get_ref() else {
            self.err(
                v.span().start,
                format!("`inputs` must be an array of stage names, not {}", v.get_ref().type_str()),
            );
            return Vec::new();
        };
        if items.is_empty() {
            self.err(v.span().start, format!("`{name}` has empty `inputs`: it would never receive a record"));
        }
        let mut out = Vec::new();
        for item in items.iter() {
            match item.get_ref() {
                DeValue::String(s) => {
                    self.spans.input_entries.insert((name.to_owned(), out.len()), item.span().start);
                    out.push(s.to_string());
                }
                other => {
                    self.err(item.span().start, format!("an input must be a stage name, not {}", other.type_str()))
                }
            }
        }
        out
    }

    fn compile(&mut self, t: &DeTable<'_>, key: &str, at: usize, what: &str) -> Option<Arc<Program>> {
        let code = self.required_string(t, key, at, what)?;
        let offset = Self::entry(t, key).map_or(at, |(_, v)| v.span().start);
        match Program::compile(&code) {
            Ok(p) => Some(Arc::new(p)),
            Err(e) => {
                self.err(offset, format!("`{key}`: invalid jq expression `{code}`: {e}"));
                None
            }
        }
    }

    fn kind(&mut self, name: &str, t: &DeTable<'_>, section: &str) -> Option<String> {
        let at = self.spans.names.get(name).copied().unwrap_or(0);
        self.required_string(t, "type", at, &format!("{section}.{name}"))
    }

    fn source(&mut self, name: &str, t: &DeTable<'_>) -> Option<SourceConfig> {
        let at = self.spans.names.get(name).copied().unwrap_or(0);
        let kind = match self.kind(name, t, "sources")?.as_str() {
            "file" => {
                self.known_keys(t, "", &["type", "path", "follow", "poll_interval_ms"]);
                let path = self.required_string(t, "path", at, &format!("sources.{name}"))?;
                let follow = self.bool(t, "follow").unwrap_or(false);
                let poll_interval = self.millis(t, "poll_interval_ms", 250);
                SourceKind::File { path: PathBuf::from(path), follow, poll_interval }
            }
            "stdin" => {
                self.known_keys(t, "", &["type"]);
                SourceKind::Stdin
            }
            "kafka" => SourceKind::Kafka(self.kafka(name, t, at)?),
            "http" => SourceKind::Http(self.http(name, t, at)?),
            other => {
                let at = Self::entry(t, "type").map_or(at, |(_, v)| v.span().start);
                self.err(at, format!("unknown source type `{other}` (expected file, stdin, kafka or http)"));
                return None;
            }
        };
        Some(SourceConfig { name: name.to_owned(), kind })
    }

    /// `listen`, `token_file` / `token_env` and `tls_cert` / `tls_key`: shared by the `http`
    /// source and `[api]`. Token files and TLS files are read here, so a broken one is reported
    /// by `fieldkit validate` at its line rather than when the server starts.
    fn endpoint(&mut self, t: &DeTable<'_>, at: usize, default_listen: Option<&str>) -> Option<Endpoint> {
        let before = self.errors.len();
        let offset = |key: &str| Self::entry(t, key).map_or(at, |(_, v)| v.span().start);
        let listen = match self.string(t, LISTEN).or_else(|| default_listen.map(str::to_owned)) {
            Some(l) => parse_listen(&l).map_err(|e| self.err(offset(LISTEN), e)).ok(),
            None => None,
        };
        if Self::entry(t, "token").is_some() {
            self.err(
                offset("token"),
                "a token is never written in the config: use `token_file` (a file holding it) or \
                 `token_env` (the name of an environment variable holding it)",
            );
        }
        let token = match (self.string(t, TOKEN_FILE), self.string(t, TOKEN_ENV)) {
            (Some(_), Some(_)) => {
                self.err(offset(TOKEN_ENV), "give `token_file` or `token_env`, not both");
                None
            }
            (Some(path), None) => match std::fs::read_to_string(&path) {
                Ok(text) => {
                    self.token(text.trim_end_matches(['\n', '\r']), offset(TOKEN_FILE), &format!("token file `{path}`"))
                }
                Err(e) => {
                    self.err(offset(TOKEN_FILE), format!("cannot read token file `{path}`: {e}"));
                    None
                }
            },
            (None, Some(var)) => match self.env.get(&var) {
                Some(v) => self.token(&v.clone(), offset(TOKEN_ENV), &format!("environment variable `{var}`")),
                None => {
                    self.err(offset(TOKEN_ENV), format!("`token_env`: environment variable `{var}` is not set"));
                    None
                }
            },
            (None, None) => None,
        };
        let tls = match (self.string(t, TLS_CERT), self.string(t, TLS_KEY)) {
            (Some(cert), Some(key)) => {
                let files = TlsFiles { cert: PathBuf::from(cert), key: PathBuf::from(key) };
                match crate::http::tls_config(&files) {
                    Ok(_) => Some(files),
                    Err(crate::http::TlsError::Cert(e)) => {
                        self.err(offset(TLS_CERT), e);
                        None
                    }
                    Err(crate::http::TlsError::Key(e)) => {
                        self.err(offset(TLS_KEY), e);
                        None
                    }
                }
            }
            (Some(_), None) => {
                self.err(offset(TLS_CERT), "`tls_cert` without `tls_key`: give both PEM files, or neither");
                None
            }
            (None, Some(_)) => {
                self.err(offset(TLS_KEY), "`tls_key` without `tls_cert`: give both PEM files, or neither");
                None
            }
            (None, None) => None,
        };
        (self.errors.len() == before).then_some(Endpoint { listen: listen?, token, tls })
    }

    fn token(&mut self, token: &str, at: usize, what: &str) -> Option<Secret> {
        if token.is_empty() {
            self.err(at, format!("{what} holds an empty token"));
            None
        } else if !token.bytes().all(|b| b.is_ascii_graphic()) {
            // Nothing else can arrive in an `Authorization` header; the token itself is not shown.
            self.err(at, format!("{what}: a token must be printable ASCII without spaces"));
            None
        } else {
            Some(Secret(Arc::from(token)))
        }
    }

    fn http(&mut self, name: &str, t: &DeTable<'_>, at: usize) -> Option<HttpSource> {
        self.known_keys(
            t,
            "",
            &[
                "type",
                LISTEN,
                "path",
                TOKEN_FILE,
                TOKEN_ENV,
                TLS_CERT,
                TLS_KEY,
                "max_body_bytes",
                "max_concurrent_requests",
                "request_timeout_ms",
            ],
        );
        let path = self.string(t, "path").unwrap_or_else(|| "/ingest".to_owned());
        if !path.starts_with('/') || path.contains(['?', '#', ' ']) {
            let o = Self::entry(t, "path").map_or(at, |(_, v)| v.span().start);
            self.err(
                o,
                format!("sources.{name}: `path` = \"{path}\" must start with `/` and hold no `?`, `#` or space"),
            );
        }
        let max_body_bytes = self.int(t, "max_body_bytes", 1, 1 << 30).unwrap_or(16 << 20) as usize;
        let max_concurrent_requests = self.int(t, "max_concurrent_requests", 1, 4096).unwrap_or(8) as usize;
        let request_timeout =
            Duration::from_millis(self.int(t, "request_timeout_ms", 1, 3_600_000).unwrap_or(30_000) as u64);
        let endpoint = self.endpoint(t, at, Some("127.0.0.1:8080"))?;
        Some(HttpSource { endpoint, path, max_body_bytes, max_concurrent_requests, request_timeout })
    }

    /// `[sources.NAME] type = "kafka"` and its `[sources.NAME.properties]`.
    fn kafka(&mut self, name: &str, t: &DeTable<'_>, at: usize) -> Option<KafkaSource> {
        let what = format!("sources.{name}");
        self.known_keys(t, "", &["type", "brokers", "topics", "topic_regex", "group", "properties"]);
        let brokers = self.required_string(t, "brokers", at, &what);
        let group = self.required_string(t, "group", at, &what);
        let mut topics = Vec::new();
        match (Self::entry(t, "topics"), Self::entry(t, "topic_regex")) {
            (Some(_), Some((_, v))) => {
                self.err(v.span().start, format!("{what}: give `topics` or `topic_regex`, not both"));
            }
            (None, None) => self.err(at, format!("{what}: `topics` (a list) or `topic_regex` is required")),
            (None, Some((_, v))) => {
                let start = v.span().start;
                match self.string(t, "topic_regex") {
                    Some(r) if r.is_empty() => self.err(start, "`topic_regex` is empty"),
                    Some(r) => topics.push(if r.starts_with('^') { r } else { format!("^{r}") }),
                    None => {}
                }
            }
            (Some((_, v)), None) => match v.get_ref() {
                DeValue::Array(items) if !items.is_empty() => {
                    for item in items.iter() {
                        match item.get_ref() {
                            DeValue::String(s) => match interpolate(s, self.env) {
                                Ok(s) if s.is_empty() || s.starts_with('^') => self.err(
                                    item.span().start,
                                    "a topic name must not be empty or start with `^` (use `topic_regex`)",
                                ),
                                Ok(s) => topics.push(s),
                                Err(e) => self.err(item.span().start, format!("`topics`: {e}")),
                            },
                            other => self
                                .err(item.span().start, format!("a topic must be a string, not {}", other.type_str())),
                        }
                    }
                }
                DeValue::Array(_) => self.err(v.span().start, "`topics` is empty"),
                other => {
                    self.err(v.span().start, format!("`topics` must be a list of names, not {}", other.type_str()))
                }
            },
        }
        let properties = self.kafka_properties(t, &SOURCE_PROPERTIES, &format!("`brokers` / `group` in [{what}]"));
        Some(KafkaSource { brokers: brokers?, topics, group: group?, properties })
    }

    /// `[STAGE.properties]`: librdkafka properties, checked by librdkafka without touching the
    /// network and reported at their line; `rules` names what fieldkit sets itself.
    fn kafka_properties(&mut self, t: &DeTable<'_>, rules: &PropRules, set_with: &str) -> Vec<(String, String)> {
        let mut properties = Vec::new();
        let Some(props) = self.table(t, "properties") else { return properties };
        for (k, v) in props.iter() {
            let key = k.get_ref().to_string();
            let value = match v.get_ref() {
                DeValue::String(s) => match interpolate(s, self.env) {
                    Ok(s) => s,
                    Err(e) => {
                        self.err(v.span().start, format!("`properties.{key}`: {e}"));
                        continue;
                    }
                },
                DeValue::Boolean(b) => b.to_string(),
                DeValue::Integer(i) => i.as_str().replace('_', ""),
                other => {
                    self.err(
                        v.span().start,
                        format!("`properties.{key}` must be a string, number or boolean, not {}", other.type_str()),
                    );
                    continue;
                }
            };
            if let Some((_, allowed, why)) = rules.forced.iter().find(|(n, _, _)| *n == key) {
                if !allowed.contains(&value.as_str()) {
                    self.err(v.span().start, format!("`properties.{key}` {why}"));
                }
                continue;
            }
            if rules.reserved.contains(&key.as_str()) {
                self.err(k.span().start, format!("`properties.{key}`: set it with {set_with}"));
                continue;
            }
            // librdkafka checks names and values without touching the network.
            let mut c = rdkafka::ClientConfig::new();
            c.set(&key, &value);
            match c.create_native_config() {
                Ok(_) => properties.push((key, value)),
                // Only librdkafka's description: the value may be a secret.
                Err(rdkafka::error::KafkaError::ClientConfig(_, desc, _, _)) => {
                    self.err(k.span().start, format!("`properties.{key}`: {desc}"))
                }
                Err(e) => self.err(k.span().start, format!("`properties.{key}`: {e}")),
            }
        }
        properties
    }

    /// `[sinks.NAME] type = "kafka"` and its `[sinks.NAME.properties]`.
    fn kafka_sink(&mut self, name: &str, t: &DeTable<'_>, at: usize) -> Option<KafkaSink> {
        let what = format!("sinks.{name}");
        self.known_keys(t, "", &["type", "inputs", "brokers", "topic", "dead_letter_topic", "properties"]);
        let brokers = self.required_string(t, "brokers", at, &what);
        let topic = self.required_string(t, "topic", at, &what);
        let dead_letter_topic = self.string(t, "dead_letter_topic");
        for (key, value) in [("topic", &topic), ("dead_letter_topic", &dead_letter_topic)] {
            if let Some(v) = value
                && !valid_topic(v)
            {
                let o = Self::entry(t, key).map_or(at, |(_, v)| v.span().start);
                self.err(o, format!("`{key}` = \"{v}\" is not a topic name (1 to 249 of a-z A-Z 0-9 . _ -)"));
            }
        }
        let properties = self.kafka_properties(t, &SINK_PROPERTIES, &format!("`brokers` in [{what}]"));
        Some(KafkaSink { brokers: brokers?, topic: topic?, dead_letter_topic, properties })
    }

    /// `[transforms.NAME] type = "redact"`.
    fn redact(&mut self, t: &DeTable<'_>, at: usize, what: &str) -> Option<Redact> {
        self.known_keys(t, "", &["type", "inputs", "key_file", "fields", "whole_fields", "keywords", "dead_letters"]);
        let key_file = PathBuf::from(self.required_string(t, "key_file", at, what)?);
        let key_at = Self::entry(t, "key_file").map_or(at, |(_, v)| v.span().start);
        // An existing key must be usable now; a missing one is created when the pipeline starts.
        match std::fs::read_to_string(&key_file) {
            Ok(text) => {
                if fieldkit_redact::Key::from_hex(&text).is_err() {
                    self.err(key_at, format!("key file `{}` does not hold 64 hex digits", key_file.display()));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => self.err(key_at, format!("cannot read key file `{}`: {e}", key_file.display())),
        }
        let mut lists = Vec::new();
        for key in ["fields", "whole_fields", "keywords"] {
            let mut out = Vec::new();
            if let Some((_, v)) = Self::entry(t, key) {
                match v.get_ref() {
                    DeValue::Array(items) => {
                        for item in items.iter() {
                            match item.get_ref() {
                                DeValue::String(s) if !s.is_empty() && (key == "keywords" || valid_path(s)) => {
                                    out.push(s.to_string())
                                }
                                _ if key == "keywords" => {
                                    self.err(item.span().start, "a keyword must be a non-empty string")
                                }
                                _ => self.err(
                                    item.span().start,
                                    format!(
                                        "`{key}`: a field is a dotted path of names, e.g. \"node\" or \"entity.label\""
                                    ),
                                ),
                            }
                        }
                    }
                    other => self.err(v.span().start, format!("`{key}` must be a list, not {}", other.type_str())),
                }
            }
            lists.push(out);
        }
        let keywords = lists.pop().unwrap_or_default();
        let split = |v: Vec<String>| -> Vec<Vec<String>> {
            v.into_iter().map(|p| p.split('.').map(str::to_owned).collect()).collect()
        };
        let whole_fields = split(lists.pop().unwrap_or_default());
        let fields = split(lists.pop().unwrap_or_default());
        let dead_letters = match self.string(t, "dead_letters").as_deref() {
            None | Some("pass") => false,
            Some("redact") => true,
            Some(other) => {
                let o = Self::entry(t, "dead_letters").map_or(at, |(_, v)| v.span().start);
                self.err(o, format!("unknown `dead_letters` = \"{other}\" (expected pass or redact)"));
                false
            }
        };
        Some(Redact { key_file, fields, whole_fields, keywords, dead_letters })
    }

    fn transform(&mut self, name: &str, t: &DeTable<'_>) -> Option<TransformConfig> {
        let at = self.spans.names.get(name).copied().unwrap_or(0);
        let kind_name = self.kind(name, t, "transforms")?;
        let inputs = self.inputs(name, t);
        let what = format!("transforms.{name}");
        let kind = match kind_name.as_str() {
            "summarize" => {
                self.known_keys(t, "", &["type", "inputs", "mapping"]);
                let mapping = self.string(t, "mapping").unwrap_or_else(|| "rackspace-maas".to_owned());
                let offset = Self::entry(t, "mapping").map_or(at, |(_, v)| v.span().start);
                TransformKind::Summarize { mapping: Arc::new(self.mapping(&mapping, offset)?) }
            }
            "filter" => {
                self.known_keys(t, "", &["type", "inputs", "condition", "header"]);
                match (Self::entry(t, "condition"), Self::entry(t, "header")) {
                    (Some(_), Some((_, v))) => {
                        self.err(v.span().start, format!("{what}: give `condition` or `header`, not both"));
                        return None;
                    }
                    (None, Some(_)) => {
                        let h = self.table(t, "header")?;
                        let hat = Self::entry(t, "header").map_or(at, |(_, v)| v.span().start);
                        self.known_keys(h, "header.", &["name", "equals"]);
                        let name = self.required_string(h, "name", hat, &format!("{what}.header"))?;
                        let equals = self.string(h, "equals");
                        TransformKind::FilterHeader { name, equals }
                    }
                    _ => TransformKind::Filter { condition: self.compile(t, "condition", at, &what)? },
                }
            }
            "extract" => {
                self.known_keys(t, "", &["type", "inputs", "expression"]);
                TransformKind::Extract { expression: self.compile(t, "expression", at, &what)? }
            }
            "route" => {
                self.known_keys(t, "", &["type", "inputs", "routes"]);
                TransformKind::Route { routes: self.routes(t, at, &what)? }
            }
            "redact" => TransformKind::Redact(Arc::new(self.redact(t, at, &what)?)),
            other => {
                let at = Self::entry(t, "type").map_or(at, |(_, v)| v.span().start);
                self.err(
                    at,
                    format!("unknown transform type `{other}` (expected summarize, filter, extract, route or redact)"),
                );
                return None;
            }
        };
        Some(TransformConfig { name: name.to_owned(), inputs, kind })
    }

    /// `routes = [{ name = "critical", condition = '...' }, ...]`: an array, because order
    /// decides which route a record takes.
    fn routes(&mut self, t: &DeTable<'_>, at: usize, what: &str) -> Option<Vec<(String, Arc<Program>)>> {
        let Some((_, v)) = Self::entry(t, "routes") else {
            self.err(
                at,
                format!("{what}: `routes` is required (routes = [{{ name = \"...\", condition = \"...\" }}])"),
            );
            return None;
        };
        let DeValue::Array(items) = v.get_ref() else {
            self.err(v.span().start, format!("`routes` must be an array of tables, not {}", v.get_ref().type_str()));
            return None;
        };
        if items.is_empty() {
            self.err(v.span().start, "`routes` is empty");
        }
        let mut out: Vec<(String, Arc<Program>)> = Vec::new();
        let mut ok = true;
        for item in items.iter() {
            let DeValue::Table(r) = item.get_ref() else {
                self.err(item.span().start, "a route must be a table with `name` and `condition`");
                ok = false;
                continue;
            };
            self.known_keys(r, "", &["name", "condition"]);
            let at = item.span().start;
            let name = self.required_string(r, "name", at, "route");
            let cond = self.compile(r, "condition", at, "route");
            match (name, cond) {
                (Some(n), Some(c)) => {
                    if n == UNMATCHED_ROUTE || out.iter().any(|(o, _)| *o == n) || n.is_empty() {
                        self.err(at, format!("route name `{n}` is empty, reserved or used twice"));
                        ok = false;
                    }
                    out.push((n, c));
                }
                _ => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// A built-in mapping by name, else a mapping file path.
    fn mapping(&mut self, name: &str, offset: usize) -> Option<Mapping> {
        let looks_like_path = name.contains('/') || name.ends_with(".toml");
        let result = if looks_like_path {
            match std::fs::read_to_string(name) {
                Ok(text) => Mapping::from_toml(&text).map_err(|e| format!("mapping file `{name}`: {e}")),
                Err(e) => Err(format!("cannot read mapping file `{name}`: {e}")),
            }
        } else {
            Mapping::builtin(name).map_err(|e| format!("`mapping`: {e} (or give the path of a mapping file)"))
        };
        result.map_err(|e| self.err(offset, e)).ok()
    }

    fn sink(&mut self, name: &str, t: &DeTable<'_>) -> Option<SinkConfig> {
        let at = self.spans.names.get(name).copied().unwrap_or(0);
        let kind_name = self.kind(name, t, "sinks")?;
        let inputs = self.inputs(name, t);
        let what = format!("sinks.{name}");
        let kind = match kind_name.as_str() {
            "store" => {
                self.known_keys(
                    t,
                    "",
                    &["type", "inputs", "path", "batch_size", "linger_ms", "durability", "busy_timeout_ms"],
                );
                let path = self.required_string(t, "path", at, &what)?;
                let batch_size = self.int(t, "batch_size", 1, 100_000).unwrap_or(1000) as usize;
                let linger = self.millis(t, "linger_ms", 200);
                let busy_timeout = self.millis(t, "busy_timeout_ms", 1000);
                let durability = match self.string(t, "durability").as_deref() {
                    None | Some("full") => Durability::Full,
                    Some("normal") => Durability::Normal,
                    Some(other) => {
                        let at = Self::entry(t, "durability").map_or(at, |(_, v)| v.span().start);
                        self.err(at, format!("unknown durability `{other}` (expected full or normal)"));
                        Durability::Full
                    }
                };
                SinkKind::Store { path: PathBuf::from(path), batch_size, linger, durability, busy_timeout }
            }
            "postgres" => {
                self.known_keys(
                    t,
                    "",
                    &[
                        "type",
                        "inputs",
                        "url",
                        "schema",
                        "batch_size",
                        "linger_ms",
                        "connect_timeout_ms",
                        "lock_timeout_ms",
                    ],
                );
                let url = self.required_string(t, "url", at, &what);
                let batch_size = self.int(t, "batch_size", 1, 100_000).unwrap_or(1000) as usize;
                let linger = self.millis(t, "linger_ms", 200);
                let connect_timeout =
                    Self::entry(t, "connect_timeout_ms").map(|_| self.millis(t, "connect_timeout_ms", 10_000));
                let lock_timeout = self.millis(t, "lock_timeout_ms", 5000);
                let schema = self.string(t, "schema");
                // Checked offline: the URL must parse, nothing is connected to.
                let url_at = Self::entry(t, "url").map_or(at, |(_, v)| v.span().start);
                let mut target = match PgTarget::parse(&url?) {
                    Ok(target) => target,
                    Err(e) => {
                        self.err(url_at, format!("`url`: {e}"));
                        return None;
                    }
                };
                if let Some(schema) = schema {
                    target = match target.with_schema(&schema) {
                        Ok(target) => target,
                        Err(e) => {
                            let at = Self::entry(t, "schema").map_or(at, |(_, v)| v.span().start);
                            self.err(at, format!("`schema`: {e}"));
                            return None;
                        }
                    };
                }
                if let Some(c) = connect_timeout {
                    target.connect_timeout = c;
                }
                target.lock_timeout = lock_timeout;
                SinkKind::Postgres { target, batch_size, linger }
            }
            "stdout" => {
                self.known_keys(t, "", &["type", "inputs"]);
                SinkKind::Stdout
            }
            "file" => {
                self.known_keys(t, "", &["type", "inputs", "path"]);
                SinkKind::File { path: PathBuf::from(self.required_string(t, "path", at, &what)?) }
            }
            "kafka" => SinkKind::Kafka(self.kafka_sink(name, t, at)?),
            other => {
                let at = Self::entry(t, "type").map_or(at, |(_, v)| v.span().start);
                self.err(at, format!("unknown sink type `{other}` (expected store, postgres, stdout, file or kafka)"));
                return None;
            }
        };
        Some(SinkConfig { name: name.to_owned(), inputs, kind })
    }
}
