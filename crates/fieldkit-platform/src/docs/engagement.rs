//! The engagement details of a document (`--engagement FILE.yaml`): customer, contacts, escalation
//! chain, sign-offs, accepted deviations, known issues. Every key is optional except where a
//! record would mean nothing without it (a deviation needs its finding, reason and acceptor).

use serde::{Deserialize, Serialize};

use crate::check::RULES;

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Engagement {
    pub customer: Option<String>,
    pub engagement_id: Option<String>,
    /// The document date, as written (e.g. `2026-11-23`).
    pub date: Option<String>,
    pub environment: Option<String>,
    pub prepared_by: Option<String>,
    #[serde(default)]
    pub contacts: Vec<Contact>,
    #[serde(default)]
    pub emergency_contacts: Vec<Contact>,
    #[serde(default)]
    pub escalation: Vec<EscalationLevel>,
    #[serde(default)]
    pub sign_offs: Vec<SignOff>,
    #[serde(default)]
    pub accepted_deviations: Vec<Deviation>,
    #[serde(default)]
    pub known_issues: Vec<KnownIssue>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    pub name: String,
    pub role: Option<String>,
    pub organisation: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// When to call (e.g. `24x7`, `business hours CET`).
    pub availability: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EscalationLevel {
    pub level: u32,
    /// Who is called at this level (a team or a person).
    pub who: String,
    pub contact: Option<String>,
    /// When to escalate to this level.
    pub when: Option<String>,
    /// Expected response time (e.g. `15 min`).
    pub response_time: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SignOff {
    pub role: String,
    pub name: Option<String>,
    pub date: Option<String>,
    /// `pending` when unset.
    pub status: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Deviation {
    /// The check finding id (`fieldkit check`'s catalogue).
    pub finding: String,
    pub reason: String,
    pub accepted_by: String,
    pub date: Option<String>,
    /// When the acceptance should be reviewed again.
    pub review_by: Option<String>,
    /// A compensating control, if any (e.g. "port firewalled to the Prometheus hosts").
    pub mitigation: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct KnownIssue {
    pub title: String,
    pub description: Option<String>,
    pub workaround: Option<String>,
    pub reference: Option<String>,
}

/// An engagement file that cannot be used; the message names the file and the field.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct EngagementError {
    pub file: String,
    pub message: String,
}

impl Engagement {
    /// Parses and validates an engagement YAML. `file` is the name errors cite.
    pub fn parse(file: &str, text: &str) -> Result<Engagement, EngagementError> {
        let err = |message: String| EngagementError { file: file.to_string(), message };
        let e: Engagement = if text.trim().is_empty() {
            Engagement::default()
        } else {
            serde_yaml_ng::from_str(text).map_err(|e| err(e.to_string()))?
        };
        for (i, d) in e.accepted_deviations.iter().enumerate() {
            if !RULES.iter().any(|r| r.id == d.finding) {
                return Err(err(format!(
                    "accepted_deviations[{i}].finding: unknown finding id `{}` (see `fieldkit check` ids in docs/platform.md)",
                    d.finding
                )));
            }
            if d.reason.trim().is_empty() {
                return Err(err(format!("accepted_deviations[{i}].reason: must not be empty")));
            }
            if d.accepted_by.trim().is_empty() {
                return Err(err(format!("accepted_deviations[{i}].accepted_by: must not be empty")));
            }
        }
        for (i, c) in e.contacts.iter().chain(&e.emergency_contacts).enumerate() {
            if c.name.trim().is_empty() {
                let field = if i < e.contacts.len() {
                    format!("contacts[{i}].name")
                } else {
                    format!("emergency_contacts[{}].name", i - e.contacts.len())
                };
                return Err(err(format!("{field}: must not be empty")));
            }
        }
        Ok(e)
    }
}
