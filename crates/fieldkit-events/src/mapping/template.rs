//! The dedup-key template: `"maas:{tenant}:{event_id}"`.
//!
//! A dedup key decides which records are "the same event", so two different events must never
//! render to the same key. Plain concatenation cannot promise that (`a:b` + `c` and `a` + `b:c`
//! both give `a:b:c`), so the template requires literal text between placeholders, and in every
//! value the first character of each such separator, and `%` itself, are percent-encoded. A
//! value then never contains the start of the separator that follows it, so a key splits back
//! into its values one way only: rendering is injective. Other characters are left alone, so
//! keys stay readable (`maas/487439/ac5r…:en…:CRITICAL`).

use std::collections::BTreeSet;

/// A parsed template: literals and named placeholders, alternating.
#[derive(Debug, Clone)]
pub(crate) struct Template {
    segments: Vec<Segment>,
    /// Characters escaped inside placeholder values.
    reserved: BTreeSet<char>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Segment {
    Literal(String),
    Placeholder(String),
}

impl Template {
    /// Parses `{name}` placeholders; `{{` and `}}` stand for literal braces.
    pub(crate) fn parse(text: &str) -> Result<Template, String> {
        let mut segments = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    literal.push('}');
                }
                '{' => {
                    let mut name = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some(c) if c.is_ascii_alphanumeric() || c == '_' => name.push(c),
                            Some(c) => {
                                return Err(format!(
                                    "placeholder `{{{name}` contains `{c}`: names are letters, digits and `_`"
                                ));
                            }
                            None => return Err(format!("placeholder `{{{name}` is not closed with `}}`")),
                        }
                    }
                    if name.is_empty() {
                        return Err("empty placeholder `{}`".to_owned());
                    }
                    if matches!(segments.last(), Some(Segment::Placeholder(_))) && literal.is_empty() {
                        return Err(format!(
                            "placeholder `{{{name}}}` follows another one directly: put a separator between them so keys stay unambiguous"
                        ));
                    }
                    if !literal.is_empty() {
                        segments.push(Segment::Literal(std::mem::take(&mut literal)));
                    }
                    segments.push(Segment::Placeholder(name));
                }
                '}' => return Err("a lone `}`: write `}}` for a literal brace".to_owned()),
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            segments.push(Segment::Literal(literal));
        }
        if !segments.iter().any(|s| matches!(s, Segment::Placeholder(_))) {
            return Err("the template has no placeholder, so every record would get the same key".to_owned());
        }
        // Separators are the literals between two placeholders; a prefix or suffix is fixed text
        // and cannot make a split ambiguous.
        let mut reserved = BTreeSet::from(['%']);
        for w in segments.windows(3) {
            if let [Segment::Placeholder(_), Segment::Literal(sep), Segment::Placeholder(_)] = w {
                reserved.extend(sep.chars().next());
            }
        }
        Ok(Template { segments, reserved })
    }

    /// The placeholder names, in order of appearance.
    pub(crate) fn placeholders(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|s| if let Segment::Placeholder(p) = s { Some(p.as_str()) } else { None })
    }

    pub(crate) fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// Appends `value` to `out`, percent-encoding reserved characters (their UTF-8 bytes).
    pub(crate) fn push_value(&self, out: &mut String, value: &str) {
        for c in value.chars() {
            if self.reserved.contains(&c) {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            } else {
                out.push(c);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(t: &Template, values: &[&str]) -> String {
        let mut out = String::new();
        let mut vals = values.iter();
        for s in t.segments() {
            match s {
                Segment::Literal(l) => out.push_str(l),
                Segment::Placeholder(_) => t.push_value(&mut out, vals.next().unwrap()),
            }
        }
        out
    }

    #[test]
    fn parses_and_escapes() {
        let t = Template::parse("maas:{tenant}:{event_id}").unwrap();
        assert_eq!(t.placeholders().collect::<Vec<_>>(), ["tenant", "event_id"]);
        assert_eq!(render(&t, &["1", "ac:en"]), "maas:1:ac%3Aen");
        let slash = Template::parse("maas/{tenant}/{event}").unwrap();
        assert_eq!(render(&slash, &["1", "ac:en"]), "maas/1/ac:en");
        assert_eq!(render(&t, &["a:b", "c"]), "maas:a%3Ab:c");
        assert_ne!(render(&t, &["a:b", "c"]), render(&t, &["a", "b:c"]));
        assert_eq!(render(&t, &["100%", "x"]), "maas:100%25:x");
        let t = Template::parse("{a}::{b}").unwrap();
        assert_ne!(render(&t, &["x:", ":y"]), render(&t, &["x", "::y"]));
        let braces = Template::parse("{{{a}}}").unwrap();
        assert_eq!(render(&braces, &["v}"]), "{v}}");
    }

    #[test]
    fn rejects_ambiguous_or_broken_templates() {
        for bad in ["{a}{b}", "static", "{a", "{}", "a}", "{a b}"] {
            assert!(Template::parse(bad).is_err(), "{bad}");
        }
    }
}
