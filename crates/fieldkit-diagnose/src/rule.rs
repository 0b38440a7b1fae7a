//! The playbook's rule format (see docs/playbook.md) and its validation.

use std::fmt;

use fieldkit_logs::{FileKind, Level};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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

    pub fn parse(s: &str) -> Option<Severity> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Some(Severity::Info),
            "warning" | "warn" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Tls,
    Authentication,
    Authorization,
    Network,
    Listeners,
    Disk,
    Replication,
    Zookeeper,
    Controller,
    ConsumerGroup,
    Producer,
    MessageSize,
    Offsets,
    OsLimits,
    Memory,
    Connect,
    SchemaRegistry,
    Startup,
    Config,
    Other,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Tls => "tls",
            Category::Authentication => "authentication",
            Category::Authorization => "authorization",
            Category::Network => "network",
            Category::Listeners => "listeners",
            Category::Disk => "disk",
            Category::Replication => "replication",
            Category::Zookeeper => "zookeeper",
            Category::Controller => "controller",
            Category::ConsumerGroup => "consumer-group",
            Category::Producer => "producer",
            Category::MessageSize => "message-size",
            Category::Offsets => "offsets",
            Category::OsLimits => "os-limits",
            Category::Memory => "memory",
            Category::Connect => "connect",
            Category::SchemaRegistry => "schema-registry",
            Category::Startup => "startup",
            Category::Config => "config",
            Category::Other => "other",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Cause,
    Symptom,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Correlate {
    pub group: String,
    pub role: Role,
}

/// One way a rule recognises a record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Matcher {
    pub contains: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logger: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_kind: Option<Vec<String>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    pub title: String,
    pub category: Category,
    pub component: String,
    pub severity: Severity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlate: Option<Correlate>,
    #[serde(rename = "match")]
    pub matchers: Vec<Matcher>,
    pub diagnosis: String,
    pub remediation: Vec<String>,
    #[serde(default)]
    pub references: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versions: Option<String>,
    #[serde(default)]
    pub examples: Vec<String>,
    #[serde(default)]
    pub counter_examples: Vec<String>,
}

pub const COMPONENTS: &[&str] = &[
    "broker",
    "controller",
    "zookeeper",
    "client",
    "connect",
    "schema-registry",
    "ksqldb",
    "rest-proxy",
    "control-center",
    "any",
];

/// A problem in a rule file, pointing at the file, the rule and the field (or line and column).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{source_name}{}: {message}", location(.line, .rule, .field))]
pub struct RuleError {
    pub source_name: String,
    pub line: Option<usize>,
    pub rule: Option<String>,
    pub field: Option<String>,
    pub message: String,
}

fn location(line: &Option<usize>, rule: &Option<String>, field: &Option<String>) -> String {
    let mut s = String::new();
    if let Some(line) = line {
        s.push_str(&format!(":{line}"));
    }
    if let Some(rule) = rule {
        s.push_str(&format!(": rule {rule}"));
    }
    if let Some(field) = field {
        s.push_str(&format!(": {field}"));
    }
    s
}

/// Parses one YAML rule file (a list of rules).
pub fn parse_rules(source_name: &str, text: &str) -> Result<Vec<Rule>, RuleError> {
    serde_yaml_ng::from_str::<Vec<Rule>>(text).map_err(|e| RuleError {
        source_name: source_name.to_string(),
        line: e.location().map(|l| l.line()),
        rule: None,
        field: None,
        message: e.to_string(),
    })
}

/// Checks what serde cannot: ids, components, non-empty fields, compilable regexes, known levels and
/// file kinds. Returns every problem, not just the first.
pub fn validate(source_name: &str, rule: &Rule) -> Vec<RuleError> {
    let mut errors = Vec::new();
    let mut err = |field: &str, message: String| {
        errors.push(RuleError {
            source_name: source_name.to_string(),
            line: None,
            rule: Some(rule.id.clone()),
            field: Some(field.to_string()),
            message,
        })
    };
    if rule.id.is_empty() || !rule.id.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-') {
        err("id", "must be non-empty UPPER-KEBAB (A-Z, 0-9, -)".into());
    }
    if rule.title.trim().is_empty() || rule.title.contains('\n') {
        err("title", "must be one non-empty line".into());
    }
    if !COMPONENTS.contains(&rule.component.as_str()) {
        err("component", format!("{:?} is not one of {}", rule.component, COMPONENTS.join(", ")));
    }
    if rule.matchers.is_empty() {
        err("match", "needs at least one matcher".into());
    }
    if rule.diagnosis.trim().is_empty() {
        err("diagnosis", "must not be empty".into());
    }
    if rule.remediation.is_empty() || rule.remediation.iter().any(|s| s.trim().is_empty()) {
        err("remediation", "needs at least one non-empty step".into());
    }
    if rule.examples.is_empty() {
        err("examples", "needs at least one record the rule fires on".into());
    }
    if let Some(c) = &rule.correlate
        && c.group.trim().is_empty()
    {
        err("correlate.group", "must not be empty".into());
    }
    for (i, m) in rule.matchers.iter().enumerate() {
        let at = |f: &str| format!("match[{i}].{f}");
        if m.contains.is_empty() || m.contains.iter().any(|c| c.is_empty()) {
            err(&at("contains"), "needs at least one non-empty literal fragment".into());
        } else if m.contains[0].len() < 4 {
            err(
                &at("contains"),
                format!("first fragment {:?} is too short to prefilter on (4 bytes at least)", m.contains[0]),
            );
        }
        if let Some(re) = &m.regex
            && let Err(e) = regex::bytes::Regex::new(re)
        {
            err(&at("regex"), format!("does not compile: {e}"));
        }
        if let Some(re) = &m.logger
            && let Err(e) = regex::Regex::new(re)
        {
            err(&at("logger"), format!("does not compile: {e}"));
        }
        for level in m.level.iter().flatten() {
            if Level::parse(level.as_bytes()).is_none() {
                err(&at("level"), format!("unknown level {level:?}"));
            }
        }
        for kind in m.file_kind.iter().flatten() {
            if FileKind::parse(kind).is_none() {
                let known: Vec<_> = FileKind::ALL.iter().map(|k| k.as_str()).collect();
                err(&at("file_kind"), format!("unknown file kind {kind:?} (one of {})", known.join(", ")));
            }
        }
    }
    errors
}
