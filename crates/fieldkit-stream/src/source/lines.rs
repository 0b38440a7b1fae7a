//! Reading lines with a size limit: a line longer than the limit is never held in memory
//! whole; its first bytes are kept for the dead letter and the rest is skipped.

use std::io::{self, BufRead};

/// Bytes of an oversized line kept in its dead letter.
pub(crate) const OVERSIZE_KEEP: usize = 4096;

pub(crate) enum Line {
    /// A complete line (without `\n` / `\r\n`), and the bytes it took in the input.
    Full { bytes: Vec<u8>, len: usize },
    /// A line over the limit: its first bytes and full length.
    TooLong { head: Vec<u8>, len: usize },
    /// End of input so far, with a partial line pending (kept in the reader's state).
    Eof,
}

/// Line reader state, so a partial line survives a follow-mode wait for more data.
#[derive(Default)]
pub(crate) struct LineReader {
    buf: Vec<u8>,
    len: usize,
    over: bool,
}

impl LineReader {
    /// Reads the next line. At end of input, a partial line is returned only if `final_eof`.
    pub fn next(&mut self, r: &mut impl BufRead, max: usize, final_eof: bool) -> io::Result<Line> {
        loop {
            let chunk = r.fill_buf()?;
            if chunk.is_empty() {
                if final_eof && self.len > 0 {
                    return Ok(self.take());
                }
                return Ok(Line::Eof);
            }
            let (part, found) = match memchr::memchr(b'\n', chunk) {
                Some(i) => (&chunk[..=i], true),
                None => (chunk, false),
            };
            let n = part.len();
            self.len += n;
            if !self.over {
                if self.len - usize::from(found) > max {
                    self.over = true;
                    let keep = OVERSIZE_KEEP.min(max);
                    let more = keep.saturating_sub(self.buf.len()).min(n);
                    self.buf.extend_from_slice(&part[..more]);
                    self.buf.truncate(keep);
                } else {
                    self.buf.extend_from_slice(part);
                }
            }
            r.consume(n);
            if found {
                return Ok(self.take());
            }
        }
    }

    fn take(&mut self) -> Line {
        let len = std::mem::take(&mut self.len);
        let mut bytes = std::mem::take(&mut self.buf);
        if std::mem::take(&mut self.over) {
            return Line::TooLong { head: bytes, len };
        }
        if bytes.last() == Some(&b'\n') {
            bytes.pop();
        }
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
        Line::Full { bytes, len }
    }

    /// Forgets a partial line (the file was replaced or truncated under it).
    pub fn reset(&mut self) {
        *self = LineReader::default();
    }
}

/// True for lines that hold no record at all.
pub(crate) fn is_blank(b: &[u8]) -> bool {
    b.iter().all(u8::is_ascii_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(input: &[u8], max: usize, final_eof: bool) -> Vec<String> {
        // A tiny buffer so lines straddle refills.
        let mut r = io::BufReader::with_capacity(3, input);
        let mut lr = LineReader::default();
        let mut out = Vec::new();
        loop {
            match lr.next(&mut r, max, final_eof).unwrap() {
                Line::Full { bytes, len } => out.push(format!("{}:{len}", String::from_utf8_lossy(&bytes))),
                Line::TooLong { head, len } => out.push(format!("LONG {}:{len}", String::from_utf8_lossy(&head))),
                Line::Eof => return out,
            }
        }
    }

    #[test]
    fn limits_crlf_and_partial_lines() {
        assert_eq!(all(b"ab\r\ncdef\n", 4, true), ["ab:4", "cdef:5"]);
        assert_eq!(all(b"abcde\nxy", 4, true), ["LONG abcd:6", "xy:2"]);
        // In follow mode a partial last line waits for the rest.
        assert_eq!(all(b"ab\ncd", 4, false), ["ab:3"]);
        // Exactly at the limit is fine, one over is not.
        assert_eq!(all(b"abcd\nabcde\n", 4, true), ["abcd:5", "LONG abcd:6"]);
    }
}
