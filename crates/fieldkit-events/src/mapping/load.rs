//! Loading a mapping file: parse, validate every key, compile every expression. Anything
//! wrong is reported here, with the key at fault, before a single record is mapped.

use super::doc::Want;
use super::jq::Program;
use super::template::Template;
use super::{Field, FieldRule, Mapping, MappingConfigError, spec, value};
use crate::event::State;

/// Placeholders that refer to event fields rather than `[dedup.parts]`.
pub(super) const FIELD_PLACEHOLDERS: [&str; 9] =
    ["event_time", "tenant", "environment", "node", "check", "alarm", "state", "previous_state", "payload_sha256"];

/// Loads and compiles a mapping from TOML text.
pub(super) fn from_toml(text: &str) -> Result<Mapping, MappingConfigError> {
    check_format(text)?;
    let file = spec::parse(text).map_err(MappingConfigError::Toml)?;
    build(file)
}

/// Reads only `format` first, so a file from a newer fieldkit is reported as such rather than
/// as a list of unknown keys.
fn check_format(text: &str) -> Result<(), MappingConfigError> {
    #[derive(serde::Deserialize)]
    struct Probe {
        format: Option<u32>,
    }
    match toml::from_str::<Probe>(text) {
        Ok(Probe { format: Some(f) }) if f != spec::FORMAT => {
            Err(MappingConfigError::UnsupportedFormat { found: f, supported: spec::FORMAT })
        }
        // Missing or well-formed: the full parse reports anything else with its line.
        _ => Ok(()),
    }
}

fn build(file: spec::MappingFile) -> Result<Mapping, MappingConfigError> {
    if file.format != spec::FORMAT {
        return Err(MappingConfigError::UnsupportedFormat { found: file.format, supported: spec::FORMAT });
    }
    if file.name.is_empty() || !file.name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
        return Err(invalid("name", "use letters, digits, `-`, `_` and `.` only"));
    }
    if file.version == 0 {
        return Err(invalid("version", "versions start at 1"));
    }
    let max = file.limits.max_payload_bytes.unwrap_or(spec::DEFAULT_MAX_PAYLOAD);
    if max == 0 || max > spec::MAX_MAX_PAYLOAD {
        return Err(invalid("limits.max_payload_bytes", format!("must be between 1 and {}", spec::MAX_MAX_PAYLOAD)));
    }

    let mut fields: Vec<FieldRule> =
        Field::ALL.iter().map(|_| FieldRule { programs: Vec::new(), default: None }).collect();
    for (name, exprs) in &file.fields {
        let field = Field::from_name(name)
            .ok_or_else(|| invalid(format!("fields.{name}"), format!("unknown field; fields are {}", field_list())))?;
        fields[field.index()].programs = compile_all(&format!("fields.{name}"), &exprs.0)?;
    }
    for (name, value) in &file.defaults {
        let key = format!("defaults.{name}");
        let field = Field::from_name(name)
            .ok_or_else(|| invalid(&key, format!("unknown field; fields are {}", field_list())))?;
        if !field.takes_default() {
            return Err(invalid(
                key,
                "only text fields (tenant, environment, node, check, alarm, message) take defaults",
            ));
        }
        if value.trim().is_empty() {
            return Err(invalid(key, "a default must not be empty"));
        }
        fields[field.index()].default = Some(value.trim().to_owned());
    }
    for field in Field::ALL {
        let rule = &fields[field.index()];
        if field.is_required() && rule.programs.is_empty() && rule.default.is_none() {
            return Err(invalid(format!("fields.{field}"), "required field: list at least one expression"));
        }
    }

    let mut state_aliases = Vec::new();
    for (alias, target) in &file.states {
        let state = target.parse::<State>().map_err(|e| invalid(format!("states.{alias}"), e.to_string()))?;
        if alias.trim().is_empty() {
            return Err(invalid("states", "an alias must not be empty"));
        }
        state_aliases.push((alias.trim().to_ascii_uppercase(), state));
    }

    let metric_keys = match &file.metrics {
        None => value::MetricKeys::default(),
        Some(spec) => {
            if fields[Field::Metrics.index()].programs.is_empty() {
                return Err(invalid("metrics", "set fields.metrics for these keys to apply to"));
            }
            let key = |k: &Option<String>, name: &str, default: &'static str| match k.as_deref() {
                None => Ok(default.to_owned()),
                Some("") => Err(invalid(format!("metrics.{name}"), "must not be empty")),
                Some(k) => Ok(k.to_owned()),
            };
            value::MetricKeys::new(
                &key(&spec.name_key, "name_key", "name")?,
                &key(&spec.value_key, "value_key", "value")?,
                &key(&spec.unit_key, "unit_key", "unit")?,
            )
        }
    };

    let template = Template::parse(&file.dedup.template).map_err(|e| invalid("dedup.template", e))?;
    let mut parts = Vec::new();
    for (name, exprs) in &file.dedup.parts {
        let key = format!("dedup.parts.{name}");
        if FIELD_PLACEHOLDERS.contains(&name.as_str()) {
            return Err(invalid(key, "this name is taken by an event field"));
        }
        if !template.placeholders().any(|p| p == name) {
            return Err(invalid(key, "not used by dedup.template"));
        }
        if exprs.0.is_empty() {
            return Err(invalid(key, "list at least one expression"));
        }
        parts.push((name.clone(), compile_all(&key, &exprs.0)?));
    }
    for p in template.placeholders() {
        if !FIELD_PLACEHOLDERS.contains(&p) && !parts.iter().any(|(n, _)| n == p) {
            return Err(invalid(
                "dedup.template",
                format!("`{{{p}}}` is neither an event field nor a [dedup.parts] entry"),
            ));
        }
    }

    // What plain paths read is parsed up front; the rest of a payload only when an expression
    // that runs the interpreter needs it.
    let mut want = Want::default();
    let programs = fields.iter().flat_map(|f| &f.programs).chain(parts.iter().flat_map(|(_, p)| p));
    for path in programs.filter_map(Program::input_path) {
        want.add(path);
    }

    Ok(Mapping {
        want,
        name: file.name,
        version: file.version,
        description: file.description,
        max_payload_bytes: usize::try_from(max).unwrap_or(usize::MAX),
        fields,
        state_aliases,
        metric_keys,
        template,
        parts,
    })
}

fn invalid(key: impl Into<String>, reason: impl Into<String>) -> MappingConfigError {
    MappingConfigError::invalid(key, reason)
}

fn compile_all(key: &str, exprs: &[String]) -> Result<Vec<Program>, MappingConfigError> {
    exprs
        .iter()
        .enumerate()
        .map(|(index, expr)| {
            Program::compile(expr).map_err(|reason| MappingConfigError::Expression {
                key: key.to_owned(),
                index,
                expr: expr.clone(),
                reason,
            })
        })
        .collect()
}

fn field_list() -> String {
    Field::ALL.iter().map(|f| f.name()).collect::<Vec<_>>().join(", ")
}
