//! Declarative, versioned mappings from a raw JSON payload to a [`MonitoringEvent`].
//!
//! A mapping file (TOML, see `docs/mapping.md`) lists, for every event field, jq expressions
//! tried in order: the first that yields a value wins. A `[dedup]` template builds the
//! event's identity. Loading compiles every expression, so a broken mapping fails before the
//! first record; mapping a payload never panics and never reads a clock: what is not in the
//! payload comes in through [`RawInput`].

mod doc;
mod error;
mod field;
pub mod jq;
mod load;
mod spec;
mod template;
mod value;

use jaq_json::Val;

pub use doc::Doc;
pub use error::{Attempt, MappingConfigError, MappingError};
pub use field::Field;

use crate::event::{MonitoringEvent, SourcePosition, State};
use jq::{Globals, Outcome, Program};
use template::{Segment, Template};
use value::Reject;

/// Mappings compiled into the binary: (name, TOML text).
const BUILTIN: &[(&str, &str)] = &[("rackspace-maas", include_str!("../../mappings/rackspace-maas.toml"))];

/// One record to map: the payload bytes and what the source knows about them.
#[derive(Debug, Clone, Copy)]
pub struct RawInput<'a> {
    pub payload: &'a [u8],
    /// When the source received the record (epoch ms); becomes `received_time_ms`.
    pub received_time_ms: i64,
    pub source: Option<&'a SourcePosition>,
    /// Kafka record headers (or HTTP headers), in record order.
    pub headers: &'a [Header<'a>],
}

impl<'a> RawInput<'a> {
    pub fn new(payload: &'a [u8], received_time_ms: i64) -> Self {
        RawInput { payload, received_time_ms, source: None, headers: &[] }
    }

    pub fn with_source(self, source: &'a SourcePosition) -> Self {
        RawInput { source: Some(source), ..self }
    }

    pub fn with_headers(self, headers: &'a [Header<'a>]) -> Self {
        RawInput { headers, ..self }
    }
}

/// A record header as Kafka carries it: a name and optional bytes.
#[derive(Debug, Clone, Copy)]
pub struct Header<'a> {
    pub name: &'a str,
    pub value: Option<&'a [u8]>,
}

/// A loaded, compiled mapping. Immutable and `Send + Sync`: share one across workers.
pub struct Mapping {
    /// The payload parts plain-path expressions read (parsed eagerly).
    want: doc::Want,
    name: String,
    version: u32,
    description: String,
    max_payload_bytes: usize,
    /// Indexed by [`Field::index`].
    fields: Vec<FieldRule>,
    /// Extra names for states, upper-cased.
    state_aliases: Vec<(String, State)>,
    metric_keys: value::MetricKeys,
    template: Template,
    parts: Vec<(String, Vec<Program>)>,
}

struct FieldRule {
    programs: Vec<Program>,
    default: Option<String>,
}

/// What running a field's expressions gave.
enum Lookup<'m> {
    Found(Found<'m>),
    /// Every expression gave null, a blank string or no output.
    Absent(Misses<'m>),
    /// No expression gave a value and at least one raised an error.
    Failed(Misses<'m>),
}

/// What each expression that did not yield a value gave. Kept cheap (no copies of the
/// expressions) because misses are routine, e.g. every fallback before the one that applies;
/// turned into text only for an error.
#[derive(Default)]
struct Misses<'m>(Vec<(&'m str, Miss)>);

enum Miss {
    Null,
    Blank,
    NoOutput,
    Failed(String),
}

impl Misses<'_> {
    fn attempts(self) -> Vec<Attempt> {
        let outcome = |m: Miss| match m {
            Miss::Null => "gave null".to_owned(),
            Miss::Blank => "gave a blank string".to_owned(),
            Miss::NoOutput => "gave no output".to_owned(),
            Miss::Failed(e) => format!("failed: {}", value::cut(&e, 120)),
        };
        self.0.into_iter().map(|(expr, m)| Attempt { expr: expr.to_owned(), outcome: outcome(m) }).collect()
    }
}

/// A field value found by a rule: the value and the expression that produced it.
struct Found<'m> {
    value: Val,
    expr: &'m str,
}

impl Mapping {
    /// Loads and compiles a mapping from TOML text.
    pub fn from_toml(text: &str) -> Result<Mapping, MappingConfigError> {
        load::from_toml(text)
    }

    /// A mapping compiled into the binary, by name (see [`Mapping::builtin_names`]).
    pub fn builtin(name: &str) -> Result<Mapping, MappingConfigError> {
        match BUILTIN.iter().find(|(n, _)| *n == name) {
            Some((_, text)) => Mapping::from_toml(text),
            None => Err(MappingConfigError::UnknownBuiltin {
                name: name.to_owned(),
                known: Mapping::builtin_names().collect::<Vec<_>>().join(", "),
            }),
        }
    }

    pub fn builtin_names() -> impl Iterator<Item = &'static str> {
        BUILTIN.iter().map(|(n, _)| *n)
    }

    /// The TOML source of a built-in mapping, to print or to start a custom one from.
    pub fn builtin_source(name: &str) -> Option<&'static str> {
        BUILTIN.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
    }

    /// Sets or replaces the value used when no expression of a text field yields one, e.g.
    /// the environment of a whole pipeline.
    pub fn with_default(mut self, field: Field, value: &str) -> Result<Mapping, MappingConfigError> {
        let value = value.trim();
        if !field.takes_default() {
            return Err(MappingConfigError::invalid(format!("defaults.{field}"), "this field cannot have a default"));
        }
        if value.is_empty() {
            return Err(MappingConfigError::invalid(format!("defaults.{field}"), "a default must not be empty"));
        }
        self.fields[field.index()].default = Some(value.to_owned());
        Ok(self)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn version(&self) -> u32 {
        self.version
    }

    pub fn description(&self) -> &str {
        &self.description
    }

    /// `name@version`, for logs and provenance.
    pub fn id(&self) -> String {
        format!("{}@{}", self.name, self.version)
    }

    pub fn max_payload_bytes(&self) -> usize {
        self.max_payload_bytes
    }

    /// Maps one payload. Deterministic: the result depends only on `input`.
    pub fn map(&self, input: &RawInput<'_>) -> Result<MonitoringEvent, MappingError> {
        if input.payload.len() > self.max_payload_bytes {
            return Err(MappingError::TooLarge { size: input.payload.len(), limit: self.max_payload_bytes });
        }
        let text = std::str::from_utf8(input.payload).map_err(|e| MappingError::NotUtf8 { offset: e.valid_up_to() })?;
        // serde_json is strict JSON and bounds nesting depth (128), so hostile input cannot
        // exhaust the stack; jaq's own reader accepts a superset (NaN, comments) without a bound.
        let doc = Doc::parse(text, &self.want)
            .map_err(|e| MappingError::InvalidJson { detail: value::cut(&e.to_string(), 200) })?;
        let globals = Globals::new(input);

        let event_time_ms = self.required(Field::EventTime, &doc, &globals, value::time_ms)?;
        let tenant = self.required(Field::Tenant, &doc, &globals, value::text)?;
        let environment = self.required(Field::Environment, &doc, &globals, value::text)?;
        let node = self.required(Field::Node, &doc, &globals, value::text)?;
        let check = self.required(Field::Check, &doc, &globals, value::text)?;
        let alarm = self.optional(Field::Alarm, &doc, &globals, value::text)?;
        let state = self.required(Field::State, &doc, &globals, |v| self.state(v))?;
        let previous_state = self.optional(Field::PreviousState, &doc, &globals, |v| self.state(v))?;
        let message = self.optional(Field::Message, &doc, &globals, value::text)?;
        let metrics = self
            .optional(Field::Metrics, &doc, &globals, |v| value::metrics(v, &self.metric_keys))?
            .unwrap_or_default();

        let mut event = MonitoringEvent {
            event_time_ms,
            received_time_ms: input.received_time_ms,
            tenant,
            environment,
            node,
            check,
            alarm,
            state,
            previous_state,
            message,
            metrics,
            source: input.source.cloned(),
            dedup_key: String::new(),
        };
        event.dedup_key = self.dedup_key(&event, &doc, &globals, input.payload)?;
        Ok(event)
    }

    /// Runs expressions in order until one yields a value, noting what the others gave.
    fn find<'m>(&'m self, programs: &'m [Program], doc: &Doc<'_>, globals: &Globals) -> Lookup<'m> {
        let mut misses = Misses::default();
        for p in programs {
            let miss = match p.first_doc(doc, globals) {
                Outcome::Value(v) if !value::is_absent(&v) => {
                    return Lookup::Found(Found { value: v, expr: p.source() });
                }
                Outcome::Value(Val::Null) => Miss::Null,
                Outcome::Value(_) => Miss::Blank,
                Outcome::Empty => Miss::NoOutput,
                Outcome::Error(e) => Miss::Failed(e),
            };
            misses.0.push((p.source(), miss));
        }
        if misses.0.iter().any(|(_, m)| matches!(m, Miss::Failed(_))) {
            Lookup::Failed(misses)
        } else {
            Lookup::Absent(misses)
        }
    }

    fn optional<T>(
        &self,
        field: Field,
        doc: &Doc<'_>,
        globals: &Globals,
        convert: impl Fn(&Val) -> Result<T, Reject>,
    ) -> Result<Option<T>, MappingError> {
        let rule = &self.fields[field.index()];
        self.resolve(field.name(), &rule.programs, rule.default.as_deref(), doc, globals, convert).map(|r| r.ok())
    }

    fn required<T>(
        &self,
        field: Field,
        doc: &Doc<'_>,
        globals: &Globals,
        convert: impl Fn(&Val) -> Result<T, Reject>,
    ) -> Result<T, MappingError> {
        let rule = &self.fields[field.index()];
        self.resolve(field.name(), &rule.programs, rule.default.as_deref(), doc, globals, convert)?
            .map_err(|misses| MappingError::MissingField { field: field.name().to_owned(), tried: misses.attempts() })
    }

    /// The value of the first expression that yields one, else the default; `Ok(Err(tried))`
    /// when every expression gave nothing. A value that is there but unusable, or expressions
    /// that failed without any yielding a value, are errors: falling back to a default there
    /// would hide a payload that changed shape (write `.a.b?` to mean "absent if not an object").
    fn resolve<'m, T>(
        &'m self,
        key: &str,
        programs: &'m [Program],
        default: Option<&str>,
        doc: &Doc<'_>,
        globals: &Globals,
        convert: impl Fn(&Val) -> Result<T, Reject>,
    ) -> Result<Result<T, Misses<'m>>, MappingError> {
        let found = match self.find(programs, doc, globals) {
            Lookup::Found(found) => found,
            // A payload whose skipped parts cannot be fully parsed is invalid JSON, not a
            // failing expression.
            Lookup::Failed(_) if doc.val_error().is_some() => {
                let detail = value::cut(doc.val_error().unwrap_or_default(), 200);
                return Err(MappingError::InvalidJson { detail });
            }
            Lookup::Failed(misses) => {
                return Err(MappingError::ExpressionFailed { field: key.to_owned(), tried: misses.attempts() });
            }
            Lookup::Absent(misses) => match default {
                Some(d) => Found { value: Val::from(d.to_owned()), expr: "(default)" },
                None => return Ok(Err(misses)),
            },
        };
        convert(&found.value).map(Ok).map_err(|r| reject(key, &found, r))
    }

    fn state(&self, v: &Val) -> Result<State, Reject> {
        let text = value::text(v)?;
        if let Ok(s) = text.parse::<State>() {
            return Ok(s);
        }
        let upper = text.to_ascii_uppercase();
        self.state_aliases.iter().find(|(alias, _)| *alias == upper).map(|(_, s)| *s).ok_or_else(|| {
            Reject::Value(
                "not a state: expected OK, WARNING, CRITICAL or UNKNOWN, or a name listed in [states]".to_owned(),
            )
        })
    }

    fn dedup_key(
        &self,
        event: &MonitoringEvent,
        doc: &Doc<'_>,
        globals: &Globals,
        payload: &[u8],
    ) -> Result<String, MappingError> {
        let mut key = String::with_capacity(64);
        for segment in self.template.segments() {
            match segment {
                Segment::Literal(l) => key.push_str(l),
                Segment::Placeholder(name) => {
                    let value = self.placeholder(name, event, doc, globals, payload)?;
                    self.template.push_value(&mut key, &value);
                }
            }
        }
        Ok(key)
    }

    fn placeholder(
        &self,
        name: &str,
        event: &MonitoringEvent,
        doc: &Doc<'_>,
        globals: &Globals,
        payload: &[u8],
    ) -> Result<String, MappingError> {
        Ok(match name {
            "event_time" => event.event_time_ms.to_string(),
            "tenant" => event.tenant.clone(),
            "environment" => event.environment.clone(),
            "node" => event.node.clone(),
            "check" => event.check.clone(),
            "alarm" => event.alarm.clone().unwrap_or_default(),
            "state" => event.state.as_str().to_owned(),
            "previous_state" => event.previous_state.map(|s| s.as_str().to_owned()).unwrap_or_default(),
            "payload_sha256" => jq::sha256_hex(payload),
            part => {
                // Validated at load: every other placeholder names a part.
                let programs = self.parts.iter().find(|(n, _)| n == part).map(|(_, p)| p.as_slice()).unwrap_or(&[]);
                let key = format!("dedup.parts.{part}");
                self.resolve(&key, programs, None, doc, globals, value::text)?
                    .map_err(|misses| MappingError::MissingField { field: key, tried: misses.attempts() })?
            }
        })
    }
}

fn reject(field: &str, found: &Found<'_>, r: Reject) -> MappingError {
    match r {
        Reject::Type(expected) => MappingError::WrongType {
            field: field.to_owned(),
            expr: found.expr.to_owned(),
            expected,
            found: format!("{} {}", value::type_name(&found.value), value::excerpt(&found.value, 60)),
        },
        Reject::Value(problem) => MappingError::InvalidValue {
            field: field.to_owned(),
            expr: found.expr.to_owned(),
            value: value::excerpt(&found.value, 60),
            problem,
        },
    }
}
