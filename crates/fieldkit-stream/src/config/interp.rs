//! `${VAR}` and `${VAR:-default}` inside string values. Interpolation runs on parsed strings,
//! never on the raw text, so a variable's value cannot inject TOML syntax, and every error
//! still points at the original line. `$$` is a literal `$`.

use std::collections::HashMap;

/// Why a string could not be interpolated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum InterpError {
    Unset(String),
    Unterminated,
    BadName(String),
}

impl std::fmt::Display for InterpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InterpError::Unset(v) => {
                write!(f, "environment variable `{v}` is not set and has no default (`${{{v}:-default}}`)")
            }
            InterpError::Unterminated => f.write_str("`${` without a closing `}`"),
            InterpError::BadName(v) => write!(f, "`{v}` is not a variable name (letters, digits and `_`)"),
        }
    }
}

pub(crate) fn interpolate(s: &str, env: &HashMap<String, String>) -> Result<String, InterpError> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(r) = after.strip_prefix('$') {
            out.push('$');
            rest = r;
        } else if let Some(r) = after.strip_prefix('{') {
            let end = r.find('}').ok_or(InterpError::Unterminated)?;
            let inner = &r[..end];
            let (name, default) = match inner.split_once(":-") {
                Some((n, d)) => (n, Some(d)),
                None => (inner, None),
            };
            let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                return Err(InterpError::BadName(name.to_owned()));
            }
            // An empty value counts as unset, as in the shell's `:-`.
            match (env.get(name).filter(|v| !v.is_empty()), default) {
                (Some(v), _) => out.push_str(v),
                (None, Some(d)) => out.push_str(d),
                (None, None) => return Err(InterpError::Unset(name.to_owned())),
            }
            rest = &r[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_defaults_and_escapes() {
        let env: HashMap<String, String> =
            [("A".to_owned(), "x".to_owned()), ("E".to_owned(), String::new())].into_iter().collect();
        assert_eq!(interpolate("a${A}b", &env).unwrap(), "axb");
        assert_eq!(interpolate("${B:-d.db}", &env).unwrap(), "d.db");
        assert_eq!(interpolate("${E:-d}", &env).unwrap(), "d");
        assert_eq!(interpolate("$$A $5", &env).unwrap(), "$A $5");
        assert_eq!(interpolate("${B}", &env), Err(InterpError::Unset("B".into())));
        assert_eq!(interpolate("${A", &env), Err(InterpError::Unterminated));
        assert_eq!(interpolate("${1x}", &env), Err(InterpError::BadName("1x".into())));
    }
}
