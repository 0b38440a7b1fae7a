//! The `redact` transform: keyed pseudonyms from fieldkit-redact in a record's text values.
//!
//! - Summaries: their JSON fields (`node`, `message`, `tenant`, `dedup_key`, `metrics.name`...).
//!   Values at `fields` are scanned by the rules of `fieldkit redact` (addresses, host names,
//!   users, secrets, `keywords`); values at `whole_fields` become `v-` pseudonyms whatever
//!   they hold. The result must still be a summary: a `whole_fields` entry that names a
//!   number or a state makes the record a `redact_failed` dead letter (with the redacted JSON).
//! - Raw records: the same on the JSON payload (paths into nested objects; through arrays
//!   too, `metrics.name` means the name of every metric). A payload that is not JSON is
//!   scanned as text, whole.
//! - Without `fields`, every string value is scanned.
//! - Dead letters pass unchanged unless `dead_letters = "redact"`: then their payload (JSON
//!   by the rules above, else as text) and their error text are redacted.
//!
//! Same key, same pseudonyms: the key file is the one `fieldkit redact --key-file` uses. The
//! reverse map is not kept (it would grow without bound in a pipeline).

use std::sync::Arc;

use fieldkit_events::MonitoringEvent;
use fieldkit_redact::{RedactConfig, Redactor, load_or_create_key};
use serde_json::Value;

use crate::config::Redact;
use crate::record::{Item, Record};

pub(crate) struct RedactStage {
    spec: Arc<Redact>,
    redactor: Redactor,
}

impl std::fmt::Debug for RedactStage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedactStage").field("spec", &self.spec).finish_non_exhaustive()
    }
}

impl RedactStage {
    /// Loads the key (creating the key file, mode 0600, when it does not exist).
    pub fn open(spec: Arc<Redact>) -> Result<Self, String> {
        let key = load_or_create_key(&spec.key_file).map_err(|e| e.to_string())?;
        let config = RedactConfig { keywords: spec.keywords.clone(), ..RedactConfig::default() };
        let redactor = Redactor::new(key, config).map_err(|e| e.to_string())?;
        Ok(RedactStage { spec, redactor })
    }

    pub fn apply(&mut self, r: &mut Record) {
        let replaced = match &mut r.item {
            Item::Event(e) => match serde_json::to_value(&**e) {
                Ok(mut v) => {
                    self.value(&mut v);
                    match serde_json::from_value::<MonitoringEvent>(v.clone()) {
                        Ok(redacted) => {
                            **e = redacted;
                            None
                        }
                        Err(err) => Some((
                            serde_json::to_vec(&v).unwrap_or_default(),
                            format!(
                                "the redacted summary is no longer a summary ({err}): whole_fields may only name text fields"
                            ),
                        )),
                    }
                }
                Err(err) => Some((Vec::new(), format!("summary cannot be encoded: {err}"))),
            },
            Item::Raw(b) => {
                *b = self.bytes(b);
                None
            }
            Item::Dead(d) => {
                if self.spec.dead_letters {
                    d.payload = self.bytes(&d.payload);
                    let mut out = Vec::with_capacity(d.error.len());
                    self.redactor.redact_text(d.error.as_bytes(), &mut out);
                    self.redactor.end_file();
                    d.error = String::from_utf8_lossy(&out).into_owned();
                }
                None
            }
        };
        if let Some((payload, error)) = replaced {
            r.item = r.dead(payload, "redact_failed", error);
        }
        // The reverse map is not kept: drop it so it does not grow.
        drop(self.redactor.take_mapping());
    }

    /// A payload: its JSON values redacted, or (not JSON) the whole text scanned.
    fn bytes(&mut self, b: &[u8]) -> Vec<u8> {
        match serde_json::from_slice::<Value>(b) {
            Ok(mut v) => {
                self.value(&mut v);
                serde_json::to_vec(&v).unwrap_or_default()
            }
            Err(_) => {
                let mut out = Vec::with_capacity(b.len());
                self.redactor.redact_text(b, &mut out);
                self.redactor.end_file();
                out
            }
        }
    }

    fn value(&mut self, v: &mut Value) {
        let spec = self.spec.clone();
        let r = &mut self.redactor;
        if spec.fields.is_empty() {
            scan(r, v);
        } else {
            for path in &spec.fields {
                visit(v, path, &mut |t| scan(r, t));
            }
        }
        for path in &spec.whole_fields {
            visit(v, path, &mut |t| whole(r, t));
        }
    }
}

/// Calls `f` on the values at `path`: through objects by name, through arrays element-wise.
fn visit(v: &mut Value, path: &[String], f: &mut dyn FnMut(&mut Value)) {
    let Some((first, rest)) = path.split_first() else {
        f(v);
        return;
    };
    match v {
        Value::Object(m) => {
            if let Some(child) = m.get_mut(first) {
                visit(child, rest, f);
            }
        }
        Value::Array(items) => {
            for item in items {
                visit(item, path, f);
            }
        }
        _ => {}
    }
}

/// Every string inside `v`, scanned for identifying values.
fn scan(r: &mut Redactor, v: &mut Value) {
    match v {
        Value::String(s) => {
            *s = r.redact_str(s);
            r.end_file();
        }
        Value::Array(items) => items.iter_mut().for_each(|i| scan(r, i)),
        Value::Object(m) => m.values_mut().for_each(|i| scan(r, i)),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// Every string and number inside `v`, replaced whole by its pseudonym.
fn whole(r: &mut Redactor, v: &mut Value) {
    match v {
        Value::String(s) => *s = r.pseudonym(s.as_bytes()),
        Value::Number(n) => *v = Value::String(r.pseudonym(n.to_string().as_bytes())),
        Value::Array(items) => items.iter_mut().for_each(|i| whole(r, i)),
        Value::Object(m) => m.values_mut().for_each(|i| whole(r, i)),
        Value::Null | Value::Bool(_) => {}
    }
}
