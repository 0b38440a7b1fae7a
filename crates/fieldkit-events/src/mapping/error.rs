//! Errors of mappings: loading a mapping file, and placing one payload.

use std::fmt;

/// Why one payload could not be turned into an event. The `Display` text is the dead-letter
/// reason and [`MappingError::kind`] its stable class, so both are written for an operator
/// reading the dead-letter table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    #[error("payload is {size} bytes, over the mapping's limit of {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    #[error("payload is not UTF-8: invalid byte at offset {offset}")]
    NotUtf8 { offset: usize },
    #[error("payload is not valid JSON: {detail}")]
    InvalidJson { detail: String },
    #[error("no value for required field `{field}`: {}", Tried(.tried))]
    MissingField { field: String, tried: Vec<Attempt> },
    #[error("field `{field}`: no expression gave a value: {}", Tried(.tried))]
    ExpressionFailed { field: String, tried: Vec<Attempt> },
    #[error("field `{field}`: `{expr}` gave {found}, expected {expected}")]
    WrongType { field: String, expr: String, expected: &'static str, found: String },
    #[error("field `{field}`: `{expr}` gave {value}: {problem}")]
    InvalidValue { field: String, expr: String, value: String, problem: String },
}

impl MappingError {
    /// Stable, machine-readable class of the error (dead-letter `error_kind`, metric labels).
    pub fn kind(&self) -> &'static str {
        match self {
            MappingError::TooLarge { .. } => "too_large",
            MappingError::NotUtf8 { .. } => "not_utf8",
            MappingError::InvalidJson { .. } => "invalid_json",
            MappingError::MissingField { .. } => "missing_field",
            MappingError::ExpressionFailed { .. } => "expression_failed",
            MappingError::WrongType { .. } => "wrong_type",
            MappingError::InvalidValue { .. } => "invalid_value",
        }
    }
}

/// What one fallback expression gave when it did not yield a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub expr: String,
    pub outcome: String,
}

struct Tried<'a>(&'a [Attempt]);

impl fmt::Display for Tried<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("no expression and no default");
        }
        for (i, a) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "`{}` {}", a.expr, a.outcome)?;
        }
        Ok(())
    }
}

/// Why a mapping file cannot be used. Raised at load time, before any record is read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingConfigError {
    /// Not TOML, a key of the wrong type or an unknown key; the text points at the line.
    #[error("{0}")]
    Toml(String),
    #[error("mapping format {found} is not supported: this fieldkit reads format {supported}")]
    UnsupportedFormat { found: u32, supported: u32 },
    #[error("{key}: {reason}")]
    Invalid { key: String, reason: String },
    #[error("{key}[{index}] `{expr}`: {reason}")]
    Expression { key: String, index: usize, expr: String, reason: String },
    #[error("no built-in mapping named `{name}` (built-in: {known})")]
    UnknownBuiltin { name: String, known: String },
}

impl MappingConfigError {
    pub(crate) fn invalid(key: impl Into<String>, reason: impl Into<String>) -> Self {
        MappingConfigError::Invalid { key: key.into(), reason: reason.into() }
    }
}
