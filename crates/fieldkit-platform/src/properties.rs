//! Java `*.properties` files (server.properties, controller.properties, …) with line numbers.

use serde::Serialize;

/// One `key=value` with the line its key starts on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub key: String,
    pub value: String,
    pub line: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PropertiesFile {
    /// The name evidence uses (usually the path as the user gave it).
    pub name: String,
    pub entries: Vec<Entry>,
}

impl PropertiesFile {
    /// Parses the `java.util.Properties` format: `#`/`!` comments, `=`, `:` or whitespace as the
    /// separator, backslash line continuations and escapes. Never fails: a line without a
    /// separator is a key with an empty value, as Java reads it.
    pub fn parse(name: &str, text: &str) -> PropertiesFile {
        let mut entries = Vec::new();
        let mut lines = text.lines().enumerate();
        while let Some((i, line)) = lines.next() {
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with('!') {
                continue;
            }
            let mut logical = String::from(trimmed);
            while ends_with_odd_backslashes(&logical) {
                logical.pop();
                match lines.next() {
                    Some((_, next)) => logical.push_str(next.trim_start()),
                    None => break,
                }
            }
            let (key, value) = split_key_value(&logical);
            entries.push(Entry { key: unescape(key), value: unescape(value.trim_end()), line: i + 1 });
        }
        PropertiesFile { name: name.to_string(), entries }
    }

    /// The value of `key` (the last one wins, as in Java).
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().rev().find(|e| e.key == key)
    }
}

fn ends_with_odd_backslashes(s: &str) -> bool {
    s.bytes().rev().take_while(|&b| b == b'\\').count() % 2 == 1
}

fn split_key_value(line: &str) -> (&str, &str) {
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'=' | b':' => return (&line[..i], line[i + 1..].trim_start()),
            b' ' | b'\t' | b'\x0c' => {
                let rest = line[i..].trim_start();
                let rest = rest.strip_prefix(['=', ':']).map_or(rest, str::trim_start);
                return (&line[..i], rest);
            }
            _ => i += 1,
        }
    }
    (line, "")
}

fn unescape(s: &str) -> String {
    if !s.contains('\\') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('f') => out.push('\x0c'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                out.push(u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32).unwrap_or('\u{fffd}'));
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_properties_format() {
        let p = PropertiesFile::parse(
            "s.properties",
            "# c\n! c\nlisteners=PLAINTEXT://:9092,\\\n    SSL://:9093\nkey\\ a : b\nbare\nx y\nlog.dirs=/a\nlog.dirs=/b\n",
        );
        assert_eq!(p.get("listeners").unwrap().value, "PLAINTEXT://:9092,SSL://:9093");
        assert_eq!(p.get("listeners").unwrap().line, 3);
        assert_eq!(p.get("key a").unwrap().value, "b");
        assert_eq!(p.get("bare").unwrap().value, "");
        assert_eq!(p.get("x").unwrap().value, "y");
        assert_eq!(p.get("log.dirs").unwrap(), &Entry { key: "log.dirs".into(), value: "/b".into(), line: 9 });
    }
}
