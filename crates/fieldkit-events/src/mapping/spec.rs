//! The mapping file format (TOML), as read; [`super::Mapping::from_toml`] validates and compiles it.
//! `docs/mapping.md` is the user-facing description of this format.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};

/// The file format version this code reads. Bump it only for changes old fieldkits would
/// misread; the mapping's own `version` is for changes to what a mapping extracts.
pub(crate) const FORMAT: u32 = 1;

/// Default payload limit: far above real notifications (about 2 KB), far below what would
/// hurt memory when many records are in flight.
pub(crate) const DEFAULT_MAX_PAYLOAD: u64 = 1024 * 1024;
/// Largest limit a mapping may set.
pub(crate) const MAX_MAX_PAYLOAD: u64 = 64 * 1024 * 1024;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MappingFile {
    pub format: u32,
    pub name: String,
    pub version: u32,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub limits: Limits,
    pub fields: BTreeMap<String, Exprs>,
    #[serde(default)]
    pub defaults: BTreeMap<String, String>,
    #[serde(default)]
    pub states: BTreeMap<String, String>,
    pub metrics: Option<MetricsSpec>,
    pub dedup: Dedup,
}

/// Which keys of the entries `fields.metrics` gives hold the name, value and unit.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MetricsSpec {
    pub name_key: Option<String>,
    pub value_key: Option<String>,
    pub unit_key: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Limits {
    pub max_payload_bytes: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Dedup {
    pub template: String,
    #[serde(default)]
    pub parts: BTreeMap<String, Exprs>,
}

/// A list of jq expressions tried in order; a single string is a list of one.
#[derive(Debug)]
pub(crate) struct Exprs(pub Vec<String>);

impl<'de> Deserialize<'de> for Exprs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Exprs;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a jq expression or a list of jq expressions")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Exprs, E> {
                Ok(Exprs(vec![s.to_owned()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Exprs, A::Error> {
                let mut out = Vec::new();
                while let Some(s) = seq.next_element::<String>()? {
                    out.push(s);
                }
                Ok(Exprs(out))
            }
        }
        d.deserialize_any(V)
    }
}

pub(crate) fn parse(text: &str) -> Result<MappingFile, String> {
    toml::from_str(text).map_err(|e| e.to_string())
}
