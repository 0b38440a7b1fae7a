//! Turning the jq values an expression produced into typed event fields.
//!
//! The rules, the same for every mapping:
//! * `null` and blank strings are "no value": the next fallback expression is tried;
//! * text fields take strings, and numbers (written as JSON writes them: `487439`, `1.5`),
//!   because identifiers such as tenant ids arrive as either;
//! * times take integer or fractional epoch milliseconds, or an RFC 3339 string;
//! * anything else is the wrong type and rejects the record: falling through to another path
//!   on a value that *is* there would hide a payload change.

use jaq_json::{Map, Num, Val};

use crate::event::{Metric, MetricValue};

/// Why a value that is present cannot be used.
#[derive(Debug)]
pub(crate) enum Reject {
    /// Wrong JSON type; carries the expected type.
    Type(&'static str),
    /// Right type, unusable value; carries the problem.
    Value(String),
}

/// The jq type name of a value, as `type` would print it.
pub(crate) fn type_name(v: &Val) -> &'static str {
    match v {
        Val::Null => "null",
        Val::Bool(_) => "boolean",
        Val::Num(_) => "number",
        Val::TStr(_) | Val::BStr(_) => "string",
        Val::Arr(_) => "array",
        Val::Obj(_) => "object",
    }
}

/// The value as compact JSON, cut to `max` characters, for error messages.
pub(crate) fn excerpt(v: &Val, max: usize) -> String {
    cut(&v.to_string(), max)
}

pub(crate) fn cut(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// True when the value counts as absent for fallback purposes.
pub(crate) fn is_absent(v: &Val) -> bool {
    match v {
        Val::Null => true,
        Val::TStr(b) | Val::BStr(b) => b.iter().all(u8::is_ascii_whitespace),
        _ => false,
    }
}

/// A text field: strings (trimmed) and numbers.
pub(crate) fn text(v: &Val) -> Result<String, Reject> {
    match v {
        Val::TStr(b) | Val::BStr(b) => match std::str::from_utf8(b) {
            Ok(s) => Ok(s.trim().to_owned()),
            Err(_) => Err(Reject::Value("string is not valid UTF-8".to_owned())),
        },
        Val::Num(n) if number_is_finite(n) => Ok(v.to_string()),
        Val::Num(_) => Err(Reject::Value("number is not finite".to_owned())),
        _ => Err(Reject::Type("a string or number")),
    }
}

fn number_is_finite(n: &Num) -> bool {
    match n {
        Num::Float(f) => f.is_finite(),
        _ => true,
    }
}

/// A time: epoch milliseconds (fractions rounded to the nearest millisecond) or RFC 3339 text.
pub(crate) fn time_ms(v: &Val) -> Result<i64, Reject> {
    let ms = match v {
        Val::Num(Num::Int(i)) => Some(*i as i64),
        Val::Num(Num::BigInt(_)) => None,
        Val::Num(Num::Float(f)) => float_ms(*f),
        Val::Num(Num::Dec(s)) => s.parse::<f64>().ok().and_then(float_ms),
        Val::TStr(_) | Val::BStr(_) => {
            let s = text(v)?;
            return match s.parse::<jiff::Timestamp>() {
                Ok(ts) => Ok(ts.as_millisecond()),
                Err(e) => Err(Reject::Value(format!(
                    "not an RFC 3339 time ({e}); numeric times must be JSON numbers of epoch milliseconds"
                ))),
            };
        }
        _ => return Err(Reject::Type("epoch milliseconds or an RFC 3339 string")),
    };
    // jiff's range (years -9999..=9999) is the store's and the renderer's range too.
    match ms {
        Some(ms) if jiff::Timestamp::from_millisecond(ms).is_ok() => Ok(ms),
        _ => Err(Reject::Value("time is out of range (years -9999 to 9999 in epoch milliseconds)".to_owned())),
    }
}

fn float_ms(f: f64) -> Option<i64> {
    // The bound keeps the cast exact; jiff's range check follows.
    (f.is_finite() && f.abs() < 9.0e15).then(|| f.round() as i64)
}

/// The value under a text `key` of an object.
///
/// A linear scan: payload objects have a handful of keys, and a `Val` key to hash would have to
/// be allocated per lookup (keys cannot be kept as `Val`s, which are not `Send`).
pub(crate) fn get<'v>(obj: &'v Map, key: &str) -> Option<&'v Val> {
    obj.iter().find_map(|(k, v)| match k {
        Val::TStr(b) if b.as_ref() == key.as_bytes() => Some(v),
        _ => None,
    })
}

/// Which keys of a metric entry hold its name, value and unit (`[metrics]` in a mapping).
#[derive(Debug)]
pub(crate) struct MetricKeys {
    names: [String; 3],
}

impl MetricKeys {
    pub(crate) fn new(name: &str, value: &str, unit: &str) -> Self {
        MetricKeys { names: [name.to_owned(), value.to_owned(), unit.to_owned()] }
    }
}

impl Default for MetricKeys {
    fn default() -> Self {
        MetricKeys::new("name", "value", "unit")
    }
}

/// Metrics come as either
/// * an array of entry objects, each with a name, an optional value (number, string, boolean
///   or null) and an optional unit (text or null), or
/// * an object keyed by metric name whose values are such entries (without the name) or bare
///   values.
///
/// Other keys of an entry are ignored, so a mapping can point at the source's own metric
/// objects: walking them here costs a fraction of reshaping them in jq.
pub(crate) fn metrics(v: &Val, keys: &MetricKeys) -> Result<Vec<Metric>, Reject> {
    let wrap = |i: usize, why: String| Reject::Value(format!("metric #{i}: {why}"));
    match v {
        Val::Arr(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let Val::Obj(obj) = item else {
                    return Err(wrap(i, format!("expected an object, got {}", type_name(item))));
                };
                let name = match get(obj, &keys.names[0]) {
                    Some(n) if !is_absent(n) => text(n)
                        .map_err(|_| wrap(i, format!("`{}` must be a string, got {}", keys.names[0], type_name(n))))?,
                    _ => return Err(wrap(i, format!("`{}` is missing", keys.names[0]))),
                };
                entry(name, item, keys).map_err(|why| wrap(i, why))
            })
            .collect(),
        Val::Obj(obj) => obj
            .iter()
            .enumerate()
            .map(|(i, (k, item))| {
                let name = text(k).map_err(|_| wrap(i, format!("metric name {} is not text", excerpt(k, 40))))?;
                entry(name, item, keys).map_err(|why| wrap(i, why))
            })
            .collect(),
        _ => Err(Reject::Type("an array of metric objects or an object keyed by metric name")),
    }
}

/// One metric from an entry object, or from a bare value.
fn entry(name: String, item: &Val, keys: &MetricKeys) -> Result<Metric, String> {
    let (value, unit) = match item {
        Val::Obj(obj) => {
            let field = |i: usize| get(obj, &keys.names[i]).filter(|v| !matches!(v, Val::Null));
            (field(1), field(2))
        }
        Val::Null => (None, None),
        bare => (Some(bare), None),
    };
    let value = match value {
        None => None,
        Some(Val::Bool(b)) => Some(MetricValue::Bool(*b)),
        Some(Val::Num(n)) => {
            Some(MetricValue::Number(number_f64(n).ok_or_else(|| format!("`{name}`: value is not a finite number"))?))
        }
        Some(s @ (Val::TStr(_) | Val::BStr(_))) => {
            Some(MetricValue::Text(text(s).map_err(|_| format!("`{name}`: value is not valid UTF-8"))?))
        }
        Some(other) => {
            return Err(format!("`{name}`: value must be a number, string or boolean, got {}", type_name(other)));
        }
    };
    let unit = match unit {
        None => None,
        Some(u) if is_absent(u) => None,
        Some(u) => Some(text(u).map_err(|_| format!("`{name}`: unit must be a string, got {}", type_name(u)))?),
    };
    Ok(Metric { name, value, unit })
}

fn number_f64(n: &Num) -> Option<f64> {
    let f = match n {
        Num::Int(i) => *i as f64,
        Num::Float(f) => *f,
        Num::Dec(s) => s.parse().ok()?,
        Num::BigInt(b) => b.to_string().parse().ok()?,
    };
    f.is_finite().then_some(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn val(json: &str) -> Val {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn text_accepts_strings_and_numbers_only() {
        assert_eq!(text(&val(r#"" a b ""#)).unwrap(), "a b");
        assert_eq!(text(&val("487439")).unwrap(), "487439");
        assert_eq!(text(&val("1.5")).unwrap(), "1.5");
        assert!(matches!(text(&val("true")), Err(Reject::Type(_))));
        assert!(matches!(text(&val("{}")), Err(Reject::Type(_))));
        assert!(is_absent(&val("null")) && is_absent(&val(r#""  ""#)) && !is_absent(&val("0")));
    }

    #[test]
    fn times_from_millis_fractions_and_rfc3339() {
        assert_eq!(time_ms(&val("1396739833810")).unwrap(), 1_396_739_833_810);
        assert_eq!(time_ms(&val("1396739833810.6")).unwrap(), 1_396_739_833_811);
        assert_eq!(time_ms(&val(r#""2014-04-05T23:17:13.810Z""#)).unwrap(), 1_396_739_833_810);
        assert_eq!(time_ms(&val(r#""2014-04-06T01:17:13.810+02:00""#)).unwrap(), 1_396_739_833_810);
        assert!(matches!(time_ms(&val(r#""1396739833810""#)), Err(Reject::Value(_))));
        assert!(matches!(time_ms(&val("1e300")), Err(Reject::Value(_))));
        assert!(matches!(time_ms(&val("99999999999999999999999")), Err(Reject::Value(_))));
        assert!(matches!(time_ms(&val("[1]")), Err(Reject::Type(_))));
    }

    #[test]
    fn metrics_shapes() {
        let keys = MetricKeys::default();
        let m = metrics(
            &val(
                r#"[{"name":"code","value":"502","unit":"unknown"},{"name":"d","value":2},{"name":"n","value":null}]"#,
            ),
            &keys,
        )
        .unwrap();
        assert_eq!(m[0].value, Some(MetricValue::Text("502".into())));
        assert_eq!(m[1].value, Some(MetricValue::Number(2.0)));
        assert_eq!(m[1].unit, None);
        assert_eq!(m[2].value, None);
        assert!(metrics(&val(r#"[{"value":1}]"#), &keys).is_err());
        assert!(metrics(&val(r#"[{"name":"x","value":[1]}]"#), &keys).is_err());
        assert!(metrics(&val(r#"[1]"#), &keys).is_err());
        assert!(matches!(metrics(&val(r#""x""#), &keys), Err(Reject::Type(_))));

        // Keyed by name, entries or bare values, in payload order.
        let maas = MetricKeys::new("name", "data", "unit");
        let m = metrics(&val(r#"{"b":{"type":"I","data":5,"unit":"ms"},"a":true,"c":null}"#), &maas).unwrap();
        let names: Vec<&str> = m.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["b", "a", "c"]);
        assert_eq!((m[0].value.clone(), m[0].unit.as_deref()), (Some(MetricValue::Number(5.0)), Some("ms")));
        assert_eq!(m[1].value, Some(MetricValue::Bool(true)));
        assert_eq!(m[2].value, None);
        assert!(metrics(&val(r#"{"b":{"data":{}}}"#), &maas).is_err());
    }
}
