//! `fieldkit docs security|readiness|faq`: documents built from the platform model, the check
//! findings and the engagement details, rendered with minijinja templates embedded in the binary
//! (`crates/fieldkit-platform/templates/`). A template of the same name given by the caller
//! replaces the built-in one (`--templates DIR`).
//!
//! Context variables (every template):
//!
//! | name | what |
//! |---|---|
//! | `kind` | `security`, `readiness` or `faq` |
//! | `format` | `markdown` or `html` |
//! | `version` | the fieldkit version |
//! | `sources` | the files the model was read from |
//! | `platform` | the whole model (`fieldkit inventory show --format json`) |
//! | `topology` | per component: `kind`, `name` (display name), `group`, `cluster`, `hosts` (`name`, `address`, `rack`) |
//! | `racks` | `rack` → hosts, for brokers with `broker.rack` |
//! | `listeners` | the model's listeners with `tls` and `auth` (e.g. `SASL SCRAM-SHA-512`, `mTLS`, `none`) added |
//! | `security` | the model's `security` plus `super_users`, `zookeeper`, `quorum`, `exporters`, `kafka_listeners`, `unencrypted_kafka_listeners` |
//! | `findings` | check findings (`id`, `severity`, `title`, `setting`, `evidence`, `why`, `fix`) with `accepted` (the deviation or none) |
//! | `open_findings`, `accepted_findings` | the findings without / with an accepted deviation |
//! | `counts` | findings per severity (`critical`, `error`, `warning`, `info`) |
//! | `engagement` | the engagement YAML (see `examples/engagement.yaml`), or none |
//! | `deviations` | accepted deviations, each with `present` (the finding fires on this model) and `title` |
//! | `controls` | the general part: `id`, `title`, `how`, `why`, `findings`, `present` (the control is relevant to a finding here) |
//! | `faq` | generated questions: `section`, `question`, `answer` |
//! | `rules` | the whole check catalogue |
//!
//! Markdown templates escape `<`, `>`, `|` and newlines of every value; HTML templates escape HTML.

pub mod engagement;
pub mod knowledge;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use minijinja::{AutoEscape, Environment, Value};
use serde_json::json;

pub use engagement::{Engagement, EngagementError};

use crate::check::{Finding, RULES};
use crate::model::{ComponentKind, Platform};

/// Which document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    Security,
    Readiness,
    Faq,
}

impl DocKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Security => "security",
            DocKind::Readiness => "readiness",
            DocKind::Faq => "faq",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocFormat {
    Markdown,
    Html,
}

impl DocFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            DocFormat::Markdown => "markdown",
            DocFormat::Html => "html",
        }
    }
    fn ext(self) -> &'static str {
        match self {
            DocFormat::Markdown => "md",
            DocFormat::Html => "html",
        }
    }
}

/// The built-in templates, by name. `--templates DIR` files with these names replace them.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("layout.html.j2", include_str!("../../templates/layout.html.j2")),
    ("macros.html.j2", include_str!("../../templates/macros.html.j2")),
    ("macros.md.j2", include_str!("../../templates/macros.md.j2")),
    ("security.md.j2", include_str!("../../templates/security.md.j2")),
    ("security.html.j2", include_str!("../../templates/security.html.j2")),
    ("readiness.md.j2", include_str!("../../templates/readiness.md.j2")),
    ("readiness.html.j2", include_str!("../../templates/readiness.html.j2")),
    ("faq.md.j2", include_str!("../../templates/faq.md.j2")),
    ("faq.html.j2", include_str!("../../templates/faq.html.j2")),
];

/// The template a document starts from.
pub fn template_name(kind: DocKind, format: DocFormat) -> String {
    format!("{}.{}.j2", kind.as_str(), format.ext())
}

#[derive(Debug, thiserror::Error)]
pub enum DocError {
    #[error("template {name}: {source:#}")]
    Template { name: String, source: minijinja::Error },
}

/// Everything a document is built from.
pub struct DocInput<'a> {
    pub platform: &'a Platform,
    pub findings: &'a [Finding],
    pub engagement: Option<&'a Engagement>,
    pub version: &'a str,
}

pub fn kind_name(kind: ComponentKind) -> String {
    serde_json::to_value(kind).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
}

/// The template context (see the module docs for what each key holds).
pub fn context(kind: DocKind, format: DocFormat, input: &DocInput<'_>) -> serde_json::Value {
    let p = input.platform;
    let topology: Vec<_> = p
        .components
        .iter()
        .map(|c| {
            let hosts: Vec<_> = c
                .hosts
                .iter()
                .map(|h| {
                    let host = p.hosts.get(h);
                    json!({"name": h, "address": host.and_then(|x| x.ansible_host.clone()), "rack": host.and_then(|x| x.rack.clone())})
                })
                .collect();
            json!({"kind": kind_name(c.kind), "name": c.kind.display_name(), "group": c.group, "cluster": c.cluster, "hosts": hosts})
        })
        .collect();
    let mut racks: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, h) in &p.hosts {
        if let Some(r) = &h.rack {
            racks.entry(r.clone()).or_default().push(name.clone());
        }
    }
    let racks: Vec<_> = racks.into_iter().map(|(rack, hosts)| json!({"rack": rack, "hosts": hosts})).collect();
    let listeners: Vec<_> = p
        .listeners
        .iter()
        .map(|l| {
            let mut auth = Vec::new();
            if !l.sasl_mechanisms.is_empty() && l.protocol.starts_with("SASL") {
                auth.push(format!("SASL {}", l.sasl_mechanisms.join(", ")));
            }
            if l.mtls {
                auth.push("mTLS".to_string());
            }
            let auth = if auth.is_empty() { "none".to_string() } else { auth.join(" + ") };
            let mut v = serde_json::to_value(l).unwrap_or_default();
            v["tls"] = json!(l.tls());
            v["auth"] = json!(auth);
            v["component_name"] = json!(l.component.display_name());
            v["evidence"] = json!(l.evidence.to_string());
            v
        })
        .collect();
    let super_users: BTreeSet<String> = p
        .nodes
        .iter()
        .filter_map(|n| n.get("super.users"))
        .flat_map(|s| s.value.split(';').map(|u| u.trim().to_string()).filter(|u| !u.is_empty()).collect::<Vec<_>>())
        .collect();
    let exporters: Vec<_> = p
        .hosts
        .iter()
        .flat_map(|(h, host)| {
            host.exporters.iter().map(move |e| {
                json!({"host": h, "component": e.component.display_name(), "kind": e.kind, "port": e.port, "auth": e.auth, "tls": e.tls})
            })
        })
        .collect();
    let mut security = serde_json::to_value(&p.security).unwrap_or_default();
    security["super_users"] = json!(super_users);
    security["zookeeper"] = json!(
        p.zookeeper.as_ref().map(|z| json!({"hosts": z.hosts, "auth": z.auth, "evidence": z.evidence.to_string()}))
    );
    security["quorum"] =
        json!(p.quorum.as_ref().map(|q| json!({"voters": q.voters, "evidence": q.evidence.to_string()})));
    security["exporters"] = json!(exporters);
    let kafka: Vec<_> = p.listeners.iter().filter(|l| !matches!(l.protocol.as_str(), "HTTP" | "HTTPS")).collect();
    security["kafka_listeners"] = json!(kafka.len());
    security["unencrypted_kafka_listeners"] = json!(kafka.iter().filter(|l| !l.tls()).count());

    let deviations = input.engagement.map(|e| e.accepted_deviations.as_slice()).unwrap_or_default();
    let present: BTreeSet<&str> = input.findings.iter().map(|f| f.id.as_str()).collect();
    let findings: Vec<_> = input
        .findings
        .iter()
        .map(|f| {
            let mut v = serde_json::to_value(f).unwrap_or_default();
            v["accepted"] = json!(deviations.iter().find(|d| d.finding == f.id));
            v
        })
        .collect();
    let open: Vec<_> = findings.iter().filter(|f| f["accepted"].is_null()).cloned().collect();
    let accepted: Vec<_> = findings.iter().filter(|f| !f["accepted"].is_null()).cloned().collect();
    let mut counts = json!({"critical": 0, "error": 0, "warning": 0, "info": 0});
    for f in input.findings {
        counts[f.severity.as_str()] = json!(counts[f.severity.as_str()].as_u64().unwrap_or(0) + 1);
    }
    let deviations: Vec<_> = deviations
        .iter()
        .map(|d| {
            let mut v = serde_json::to_value(d).unwrap_or_default();
            v["present"] = json!(present.contains(d.finding.as_str()));
            v["title"] = json!(RULES.iter().find(|r| r.id == d.finding).map(|r| r.title));
            v
        })
        .collect();
    let controls: Vec<_> = knowledge::CONTROLS
        .iter()
        .map(|c| {
            let mut v = serde_json::to_value(c).unwrap_or_default();
            v["present"] = json!(c.findings.iter().any(|f| present.contains(f)));
            v
        })
        .collect();
    json!({
        "kind": kind.as_str(),
        "format": format.as_str(),
        "version": input.version,
        "sources": p.sources,
        "platform": p,
        "topology": topology,
        "racks": racks,
        "listeners": listeners,
        "security": security,
        "findings": findings,
        "open_findings": open,
        "accepted_findings": accepted,
        "counts": counts,
        "engagement": input.engagement,
        "deviations": deviations,
        "controls": controls,
        "faq": faq(input),
        "rules": RULES,
    })
}

/// A listener as clients see it: component, name, protocol, mechanisms, mTLS, port.
type ListenerKey = (String, String, String, Vec<String>, bool, Option<u16>);

/// The generated questions: per finding present, per listener, per control in use, then the
/// general operations FAQ and the check catalogue.
fn faq(input: &DocInput<'_>) -> Vec<serde_json::Value> {
    let p = input.platform;
    let mut out = Vec::new();
    let mut q = |section: &str, question: String, answer: String| {
        out.push(json!({"section": section, "question": question, "answer": answer}));
    };
    for f in input.findings {
        let mut answer = format!("{} Setting: {}. Evidence: {}. Fix: {}", f.why, f.setting, f.evidence, f.fix);
        if let Some(d) = input.engagement.and_then(|e| e.accepted_deviations.iter().find(|d| d.finding == f.id)) {
            let _ = write!(answer, " This deviation was accepted by {}: {}", d.accepted_by, d.reason);
        }
        q("Findings on this platform", format!("Why does the check flag {} ({})?", f.title, f.id), answer);
    }
    // One question per distinct listener (name, component, protocol, auth), hosts grouped.
    let mut seen: BTreeMap<ListenerKey, Vec<String>> = BTreeMap::new();
    for l in &p.listeners {
        seen.entry((
            l.component.display_name().to_string(),
            l.name.clone(),
            l.protocol.clone(),
            l.sasl_mechanisms.clone(),
            l.mtls,
            l.port,
        ))
        .or_default()
        .push(l.host.clone());
    }
    for ((component, name, protocol, mechs, mtls, port), hosts) in seen {
        let port = port.map(|p| p.to_string()).unwrap_or_else(|| "its port".into());
        let mut a =
            format!("Connect to {} on port {} ({} host(s): {}). ", component, port, hosts.len(), hosts.join(", "));
        let _ = match protocol.as_str() {
            "PLAINTEXT" => {
                write!(a, "The listener is PLAINTEXT: security.protocol=PLAINTEXT, no credentials, no encryption.")
            }
            "SSL" => write!(
                a,
                "Set security.protocol=SSL and ssl.truststore.location / ssl.truststore.password to a truststore holding the cluster's CA."
            ),
            "SASL_PLAINTEXT" => write!(
                a,
                "Set security.protocol=SASL_PLAINTEXT, sasl.mechanism to one of {} and sasl.jaas.config with the client's credentials (not encrypted).",
                mechs.join(", ")
            ),
            "SASL_SSL" => write!(
                a,
                "Set security.protocol=SASL_SSL, a truststore with the cluster's CA, sasl.mechanism to one of {} and sasl.jaas.config with the client's credentials.",
                mechs.join(", ")
            ),
            "HTTPS" => write!(a, "Use https:// and trust the cluster's CA."),
            "HTTP" => write!(a, "Use http:// (not encrypted)."),
            other => write!(a, "Protocol {other}."),
        };
        if mtls {
            a.push_str(" The server requires a client certificate: set ssl.keystore.location / ssl.keystore.password (and ssl.key.password) to the client's keystore.");
        }
        q("Connecting", format!("How do clients connect to listener {name} of {component}?"), a);
    }
    for c in knowledge::CONTROLS {
        q("How the controls work", format!("How does {} work here, and why?", c.title), format!("{} {}", c.how, c.why));
    }
    for g in knowledge::GENERAL_FAQ {
        q("Operations", g.question.to_string(), g.answer.to_string());
    }
    for r in RULES {
        q(
            "The check catalogue",
            format!("What does the check {} ({}) look for?", r.id, r.severity.as_str()),
            format!("{}: {} Fix: {}", r.title, r.why, r.fix),
        );
    }
    out
}

fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' => out.push_str("\\|"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The environment with the built-in templates, then the overrides (name → text).
pub fn environment(overrides: &BTreeMap<String, String>) -> Result<Environment<'static>, DocError> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html.j2") {
            AutoEscape::Html
        } else if name.ends_with(".md.j2") {
            AutoEscape::Custom("markdown".into())
        } else {
            AutoEscape::None
        }
    });
    env.set_formatter(|out, state, value| {
        if matches!(state.auto_escape(), AutoEscape::Custom(_)) {
            if value.is_safe() || value.is_none() || value.is_undefined() {
                if !(value.is_none() || value.is_undefined()) {
                    write!(out, "{value}")
                        .map_err(|e| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string()))?;
                }
                return Ok(());
            }
            return write!(out, "{}", md_escape(&value.to_string()))
                .map_err(|e| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string()));
        }
        minijinja::escape_formatter(out, state, value)
    });
    env.set_syntax(
        minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()
            .map_err(|source| DocError::Template { name: "syntax".into(), source })?,
    );
    for (name, text) in TEMPLATES {
        let text = overrides.get(*name).cloned().unwrap_or_else(|| text.to_string());
        env.add_template_owned(name.to_string(), text)
            .map_err(|source| DocError::Template { name: name.to_string(), source })?;
    }
    for (name, text) in overrides {
        if !TEMPLATES.iter().any(|(n, _)| n == name) {
            env.add_template_owned(name.clone(), text.clone())
                .map_err(|source| DocError::Template { name: name.clone(), source })?;
        }
    }
    Ok(env)
}

/// Renders one document.
pub fn render(
    kind: DocKind,
    format: DocFormat,
    input: &DocInput<'_>,
    overrides: &BTreeMap<String, String>,
) -> Result<String, DocError> {
    let env = environment(overrides)?;
    let name = template_name(kind, format);
    let ctx = Value::from(minijinja::value::Serde(context(kind, format, input)));
    env.get_template(&name).and_then(|t| t.render(ctx)).map_err(|source| DocError::Template { name, source })
}
