//! The `line,template` assignments format written by `fieldkit patterns --assignments` and read by
//! the Loghub evaluator: plain RFC 4180 CSV.

/// One CSV field: quoted when it holds a comma, quote, CR or LF, with quotes doubled. Templates
/// are quoted once per cluster and then copied per line, which is why this returns bytes.
pub fn csv_field(s: &str) -> Vec<u8> {
    if !s.contains([',', '"', '\r', '\n']) {
        return s.as_bytes().to_vec();
    }
    let mut out = Vec::with_capacity(s.len() + 2);
    out.push(b'"');
    for b in s.bytes() {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    out.push(b'"');
    out
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn fields_are_quoted_only_when_needed() {
        assert_eq!(csv_field("plain <*> text"), b"plain <*> text");
        assert_eq!(csv_field("a,b"), b"\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), b"\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), b"\"two\nlines\"");
    }
}
