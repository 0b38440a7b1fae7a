//! Log records: header parsing for the layouts Kafka and Confluent ship, and the grouping of
//! continuation lines (stack traces, `Caused by:` chains, config dumps) with the header above them.
//!
//! Everything here works on bytes: bundles contain invalid UTF-8, NULs and megabyte lines, and a
//! record parser must neither choke on them nor pay for validation it does not need.

use std::ops::Range;

use crate::time::{Stamp, parse_stamp};

/// A UTF-8 byte-order mark, which Windows tools put before a file's first line.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A record's severity, normalised across log4j, logback, java.util.logging and the JVM's GC log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
    Fatal,
}

impl Level {
    /// Recognises a level word in any case (`INFO`, `warning` from the GC log, `SEVERE` from JUL).
    pub fn parse(word: &[u8]) -> Option<Level> {
        if word.len() < 4 || word.len() > 8 {
            return None;
        }
        let mut upper = [0u8; 8];
        for (dst, src) in upper.iter_mut().zip(word) {
            *dst = src.to_ascii_uppercase();
        }
        Some(match &upper[..word.len()] {
            b"TRACE" | b"FINEST" | b"FINER" => Level::Trace,
            b"DEBUG" | b"FINE" => Level::Debug,
            b"INFO" | b"NOTICE" | b"CONFIG" => Level::Info,
            b"WARN" | b"WARNING" => Level::Warn,
            b"ERROR" | b"SEVERE" => Level::Error,
            b"FATAL" | b"CRITICAL" => Level::Fatal,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "TRACE",
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
            Level::Fatal => "FATAL",
        }
    }
}

/// What the first line of a record says about it. Ranges index into that line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub stamp: Option<Stamp>,
    pub level: Option<Level>,
    pub logger: Option<Range<usize>>,
    pub thread: Option<Range<usize>>,
    pub message: Range<usize>,
}

/// Longest bracket group (`[thread name]`) we look into; longer ones are message text.
const MAX_BRACKET: usize = 256;

/// True when `line` starts a new record: it begins with a timestamp (optionally in brackets) or a
/// JVM unified-logging uptime decoration (`[12.345s]`).
#[inline]
pub fn is_header(line: &[u8]) -> bool {
    let line = line.strip_prefix(BOM).unwrap_or(line);
    let first = match line.first() {
        Some(b) => *b,
        None => return false,
    };
    if first == b'[' {
        return parse_stamp(&line[1..]).is_some() || uptime_len(&line[1..]).is_some();
    }
    first.is_ascii_digit() && parse_stamp(line).is_some()
}

/// `12.345s]` → length of `12.345s`.
fn uptime_len(b: &[u8]) -> Option<usize> {
    let digits = b.iter().take_while(|c| c.is_ascii_digit() || **c == b'.').count();
    (digits > 0 && b.get(digits) == Some(&b's') && b.get(digits + 1) == Some(&b']')).then_some(digits + 1)
}

fn skip_spaces(line: &[u8], mut p: usize) -> usize {
    while matches!(line.get(p), Some(b' ') | Some(b'\t')) {
        p += 1;
    }
    p
}

/// The bracket group starting at `p` (which holds `[`): (content range, position after `]`).
/// Nested brackets are balanced: ZooKeeper threads read `[QuorumPeer[myid=1](plain=...):QuorumPeer@1234]`.
fn bracket(line: &[u8], p: usize) -> Option<(Range<usize>, usize)> {
    let end = line.len().min(p + 1 + MAX_BRACKET);
    let mut depth = 0usize;
    for (i, &c) in line[p + 1..end].iter().enumerate() {
        match c {
            b'[' => depth += 1,
            b']' if depth == 0 => return Some((p + 1..p + 1 + i, p + 2 + i)),
            b']' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// JVM unified-logging decorations that are neither level, tags nor thread: uptime (`3612.345s`,
/// `12ms`), pid/tid numbers.
fn is_decoration(text: &[u8]) -> bool {
    let digits = text.iter().take_while(|c| c.is_ascii_digit() || **c == b'.').count();
    digits > 0 && matches!(&text[digits..], b"" | b"s" | b"ms" | b"ns" | b"us")
}

fn word_end(line: &[u8], p: usize) -> usize {
    p + line[p..].iter().take_while(|c| !matches!(c, b' ' | b'\t')).count()
}

/// A Java logger or class name: `kafka.server.KafkaServer`, `o.a.k.c.NetworkClient`, `KafkaConsumer`.
fn is_logger_like(s: &[u8]) -> bool {
    !s.is_empty()
        && s.len() <= 200
        && s[0].is_ascii_alphabetic()
        && s.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'$' | b'-'))
}

fn trim_range(line: &[u8], r: Range<usize>) -> Range<usize> {
    let mut r = r;
    while r.start < r.end && line[r.start] == b' ' {
        r.start += 1;
    }
    while r.end > r.start && line[r.end - 1] == b' ' {
        r.end -= 1;
    }
    r
}

/// `... message (kafka.server.KafkaServer)` or `(org.apache...WorkerTask:212)`: the trailing logger of
/// the `[%d] %p %m (%c)` layouts. Returns (logger range, start of ` (`).
fn trailing_logger(line: &[u8], from: usize) -> Option<(Range<usize>, usize)> {
    let mut end = line.len();
    while end > from && matches!(line[end - 1], b' ' | b'\r') {
        end -= 1;
    }
    if end <= from + 2 || line[end - 1] != b')' {
        return None;
    }
    let open = memchr::memrchr(b'(', &line[from..end - 1])? + from;
    if open == from || line[open - 1] != b' ' {
        return None;
    }
    let inner = open + 1..end - 1;
    let name_end = memchr::memchr(b':', &line[inner.clone()]).map_or(inner.end, |i| inner.start + i);
    if name_end < inner.end && !line[name_end + 1..inner.end].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let name = &line[inner.start..name_end];
    (is_logger_like(name) && name.contains(&b'.')).then_some((inner.start..name_end, open - 1))
}

/// Parses the first line of a record. Understands:
/// - Kafka / Confluent log4j: `[2026-03-14 09:12:01,100] INFO message (logger)` and Connect's
///   `(logger:line)` variant;
/// - ZooKeeper: `2026-03-14 09:12:01,100 [myid:1] - WARN  [thread:Class@123] - message`;
/// - logback / log4j2 defaults: `ts [thread] LEVEL logger - message`, `ts LEVEL [thread] logger - message`,
///   time-only `09:12:01.100 [main] INFO logger - message`;
/// - Spring Boot: `ts  INFO 1234 --- [main] o.a.k.c.NetworkClient : message`;
/// - JVM GC logs: `[ts][info][gc] message`, `[12.3s][info][gc] message`, `ts: 12.345: [GC ...`.
///
/// Returns `None` when the line does not start a record.
pub fn parse_header(line: &[u8]) -> Option<Header> {
    if line.starts_with(BOM) {
        // Ranges must index the line as given: parse past the mark, then shift back.
        let mut h = parse_header(&line[BOM.len()..])?;
        let shift = |r: Range<usize>| r.start + BOM.len()..r.end + BOM.len();
        h.logger = h.logger.map(shift);
        h.thread = h.thread.map(shift);
        h.message = shift(h.message);
        return Some(h);
    }
    let bracketed = line.first() == Some(&b'[');
    let mut p = usize::from(bracketed);
    let stamp = match parse_stamp(&line[p..]) {
        Some((stamp, n)) => {
            p += n;
            Some(stamp)
        }
        None if bracketed => {
            p += uptime_len(&line[p..])?;
            None
        }
        None => return None,
    };
    if bracketed {
        if line.get(p) != Some(&b']') {
            return None;
        }
        p += 1;
    }
    let mut h = Header { stamp, level: None, logger: None, thread: None, message: p..line.len() };

    // JDK 8 GC log: `ts: 12.345: [GC pause ...]`.
    if line.get(p) == Some(&b':') {
        p = skip_spaces(line, p + 1);
        let uptime = line[p..].iter().take_while(|c| c.is_ascii_digit() || **c == b'.').count();
        if uptime > 0 && line.get(p + uptime) == Some(&b':') {
            p = skip_spaces(line, p + uptime + 1);
        }
        h.message = p..line.len();
        return Some(h);
    }

    // Prefix tokens before the message: level, thread, myid, pid, separators.
    let mut level_was_bracketed = false;
    for _ in 0..8 {
        p = skip_spaces(line, p);
        match line.get(p) {
            Some(b'[') => {
                let Some((content, next)) = bracket(line, p) else { break };
                let text = &line[content.clone()];
                if h.level.is_none() {
                    if let Some(level) = Level::parse(text) {
                        h.level = Some(level);
                        level_was_bracketed = true;
                    } else if text.starts_with(b"myid:") || is_decoration(text) {
                        // ZooKeeper's server id, JVM uptime/pid decorations: not a thread.
                    } else if h.thread.is_none() {
                        h.thread = Some(trim_range(line, content));
                    } else {
                        break;
                    }
                    p = next;
                } else if level_was_bracketed && h.logger.is_none() {
                    // JVM unified logging: `[info][gc,heap]` — the tag set is the logger.
                    h.logger = Some(content);
                    p = next;
                } else {
                    break;
                }
            }
            Some(b'-') if line.get(p + 1) == Some(&b' ') && h.level.is_none() => p += 2,
            Some(c) if c.is_ascii_alphabetic() && h.level.is_none() => {
                let end = word_end(line, p);
                match Level::parse(&line[p..end]) {
                    Some(level) => {
                        h.level = Some(level);
                        p = end;
                    }
                    None => break,
                }
            }
            Some(c) if c.is_ascii_digit() && h.level.is_some() => {
                // Spring Boot's `INFO 1234 --- [main]`.
                let end = word_end(line, p);
                let q = skip_spaces(line, end);
                if line[p..end].iter().all(u8::is_ascii_digit) && line[q..].starts_with(b"---") {
                    p = q + 3;
                } else {
                    break;
                }
            }
            _ => break,
        }
    }
    p = skip_spaces(line, p);

    if bracketed && h.logger.is_none() && h.level.is_some() {
        // `[%d] %p %m (%c)`: everything after the level is message, logger in trailing parens.
        if let Some((logger, msg_end)) = trailing_logger(line, p) {
            h.logger = Some(logger);
            h.message = p..msg_end;
            return Some(h);
        }
    }
    if bracketed && h.level.is_some() && h.logger.is_none() {
        // Still the `[%d] %p %m (%c)` family, its logger on a later line of a multi-line message:
        // everything after the level is message (`[sink|task-0]`, `[GroupCoordinator 1]:` included).
        h.message = p.min(line.len())..line.len();
        return Some(h);
    }
    if h.level.is_some() && line.get(p) == Some(&b'[') {
        // `LEVEL [thread] logger - msg`, or ZooKeeper's `[thread:Class@line] - msg`.
        if let Some((content, next)) = bracket(line, p) {
            let text = &line[content.clone()];
            if h.thread.is_none() {
                let colon = memchr::memrchr(b':', text);
                let at = memchr::memrchr(b'@', text);
                match (colon, at) {
                    (Some(c), Some(a)) if a > c && is_logger_like(&text[c + 1..a]) => {
                        h.thread = Some(content.start..content.start + c);
                        h.logger = Some(content.start + c + 1..content.start + a);
                    }
                    _ => h.thread = Some(trim_range(line, content)),
                }
                p = skip_spaces(line, next);
                if line[p..].starts_with(b"- ") {
                    p += 2;
                }
            }
        }
    }
    if h.level.is_some() && h.logger.is_none() {
        // `logger - message` (logback) or `logger   : message` (Spring Boot).
        let end = word_end(line, p);
        let q = skip_spaces(line, end);
        let sep = line[q..].starts_with(b"- ") || line[q..].starts_with(b": ") || q == line.len();
        if end > p && sep && is_logger_like(&line[p..end]) && (line[p..end].contains(&b'.') || q > end) {
            h.logger = Some(p..end);
            p = (q + 2).min(line.len());
        }
    }
    h.message = skip_spaces(line, p).min(line.len())..line.len();
    Some(h)
}

/// The logger of a `[%d] %p %m (%c)` record whose message spans lines: the trailing `(logger)` then
/// ends the record's LAST line (config dumps, log-cleaner statistics). Source references of stack
/// frames (`(KafkaApis.scala:123)`) are not loggers. Returns a range into `last_line`.
pub fn trailing_logger_of_last_line(last_line: &[u8]) -> Option<Range<usize>> {
    let (range, _) = trailing_logger(last_line, 0)?;
    let name = &last_line[range.clone()];
    let source_file = [&b".java"[..], b".scala", b".kt", b".groovy"].iter().any(|ext| name.ends_with(ext));
    (!source_file).then_some(range)
}

/// Records longer than this are cut: a file with one header and a million continuation lines must
/// not become one record that every rule has to read.
pub const MAX_RECORD_LINES: u32 = 1000;

/// One record's place in a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordSpan {
    /// Byte offset of the first line.
    pub start: usize,
    /// Byte offset just past the last line's newline (or end of file).
    pub end: usize,
    /// 1-based line number of the first line.
    pub first_line: u64,
    pub line_count: u32,
    /// Whether the first line is a header (lines before a file's first header are records of their own).
    pub has_header: bool,
}

/// Iterates over the records of a file's bytes, in order.
pub struct Records<'a> {
    buf: &'a [u8],
    pos: usize,
    line: u64,
}

impl<'a> Records<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Records { buf, pos: 0, line: 1 }
    }
}

/// The line starting at `pos`, without its `\n` (or `\r\n`), and the offset of the next line.
#[inline]
pub fn line_at(buf: &[u8], pos: usize) -> (&[u8], usize) {
    match memchr::memchr(b'\n', &buf[pos..]) {
        Some(i) => {
            let mut line = &buf[pos..pos + i];
            if line.last() == Some(&b'\r') {
                line = &line[..line.len() - 1];
            }
            (line, pos + i + 1)
        }
        None => (&buf[pos..], buf.len()),
    }
}

impl Iterator for Records<'_> {
    type Item = RecordSpan;

    fn next(&mut self) -> Option<RecordSpan> {
        if self.pos >= self.buf.len() {
            return None;
        }
        let start = self.pos;
        let has_header = is_header(line_at(self.buf, start).0);
        let (next, count) = record_end(self.buf, start);
        let span = RecordSpan { start, end: next, first_line: self.line, line_count: count, has_header };
        self.pos = next;
        self.line += u64::from(count);
        Some(span)
    }
}

/// The start of the record that holds the line beginning at `line_start`: walks back over
/// continuation lines to the nearest header, at most [`MAX_RECORD_LINES`] lines. Returns
/// (record start offset, number of lines walked back).
pub fn record_start(buf: &[u8], line_start: usize) -> (usize, u32) {
    record_start_after(buf, line_start, 0)
}

/// [`record_start`] that never walks back before `floor` (a line start): a scanner that already
/// consumed everything before `floor` need not look there again. Without the floor, a file of
/// header-less lines would walk back up to a thousand lines for every hit.
pub fn record_start_after(buf: &[u8], line_start: usize, floor: usize) -> (usize, u32) {
    let mut pos = line_start;
    let mut back = 0u32;
    loop {
        let (line, _) = line_at(buf, pos);
        if is_header(line) {
            return (pos, back);
        }
        if pos <= floor || back + 1 >= MAX_RECORD_LINES {
            // No header above: the line stands alone, as `Records` would have it.
            return (line_start, 0);
        }
        let prev = memchr::memrchr(b'\n', &buf[..pos - 1]).map_or(0, |i| i + 1);
        pos = prev;
        back += 1;
    }
}

/// The end of the record whose header line starts at `start`: just past its last continuation line.
/// Returns (end offset, line count).
pub fn record_end(buf: &[u8], start: usize) -> (usize, u32) {
    let (first, mut next) = line_at(buf, start);
    let mut count = 1u32;
    if is_header(first) {
        while next < buf.len() && count < MAX_RECORD_LINES {
            let (line, after) = line_at(buf, next);
            if is_header(line) {
                break;
            }
            next = after;
            count += 1;
        }
    }
    (next, count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(line: &str, r: &Option<Range<usize>>) -> Option<String> {
        r.clone().map(|r| line[r].to_string())
    }

    /// (line, level, logger, thread, message)
    type HeaderCase = (&'static str, Option<&'static str>, Option<&'static str>, Option<&'static str>, &'static str);

    #[test]
    fn headers_table() {
        let cases: &[HeaderCase] = &[
            (
                "[2026-03-14 09:12:01,100] INFO [KafkaServer id=1] started (kafka.server.KafkaServer)",
                Some("INFO"),
                Some("kafka.server.KafkaServer"),
                None,
                "[KafkaServer id=1] started",
            ),
            (
                "[2026-03-14 09:12:01,100] ERROR [sink|task-0] Task failed (org.apache.kafka.connect.runtime.WorkerTask:212)",
                Some("ERROR"),
                Some("org.apache.kafka.connect.runtime.WorkerTask"),
                None,
                "[sink|task-0] Task failed",
            ),
            (
                "2026-03-14 09:12:01,100 [myid:1] - WARN  [NIOWorkerThread-1:NIOServerCnxn@371] - Unable to read",
                Some("WARN"),
                Some("NIOServerCnxn"),
                Some("NIOWorkerThread-1"),
                "Unable to read",
            ),
            (
                "2026-03-14 09:12:01.100 [kafka-producer-network-thread | producer-1] WARN  org.apache.kafka.clients.NetworkClient - [Producer clientId=producer-1] boom",
                Some("WARN"),
                Some("org.apache.kafka.clients.NetworkClient"),
                Some("kafka-producer-network-thread | producer-1"),
                "[Producer clientId=producer-1] boom",
            ),
            (
                "09:12:01.100 [main] INFO  o.a.k.c.p.ProducerConfig - ProducerConfig values: ",
                Some("INFO"),
                Some("o.a.k.c.p.ProducerConfig"),
                Some("main"),
                "ProducerConfig values: ",
            ),
            (
                "2026-03-14T09:12:01.100Z  INFO 1234 --- [           main] o.a.k.c.c.KafkaConsumer                  : Subscribed",
                Some("INFO"),
                Some("o.a.k.c.c.KafkaConsumer"),
                Some("main"),
                "Subscribed",
            ),
            (
                "2026-03-14 09:12:01,100 ERROR [main] kafka.Kafka$ - Fatal error",
                Some("ERROR"),
                Some("kafka.Kafka$"),
                Some("main"),
                "Fatal error",
            ),
            (
                "[2026-03-14T09:12:01.100+0000][info][gc] GC(12) Pause Young (Normal) 12.345ms",
                Some("INFO"),
                Some("gc"),
                None,
                "GC(12) Pause Young (Normal) 12.345ms",
            ),
            ("[0.013s][info][gc,init] Version: 17.0.9", Some("INFO"), Some("gc,init"), None, "Version: 17.0.9"),
            (
                "2026-03-14T09:12:01.100+0000: 12.345: [GC pause (G1 Evacuation Pause) (young)]",
                None,
                None,
                None,
                "[GC pause (G1 Evacuation Pause) (young)]",
            ),
            ("[2026-03-14 09:12:01,100] WARN no logger here", Some("WARN"), None, None, "no logger here"),
        ];
        for (line, level, logger, thread, message) in cases {
            let h = parse_header(line.as_bytes()).unwrap_or_else(|| panic!("not a header: {line}"));
            assert_eq!(h.level.map(Level::as_str), *level, "level of {line}");
            assert_eq!(s(line, &h.logger).as_deref(), *logger, "logger of {line}");
            assert_eq!(s(line, &h.thread).as_deref(), *thread, "thread of {line}");
            assert_eq!(&line[h.message.clone()], *message, "message of {line}");
        }
    }

    #[test]
    fn not_headers() {
        for line in
            ["\tat kafka.Foo.bar(Foo.java:12)", "Caused by: x", "", "   ... 12 more", "[KafkaServer id=1] x", "2026"]
        {
            assert!(!is_header(line.as_bytes()), "{line}");
            assert!(parse_header(line.as_bytes()).is_none(), "{line}");
        }
    }

    #[test]
    fn records_group_continuations() {
        let text = b"loose line\n[2026-03-14 09:12:01,100] ERROR boom (a.B)\njava.io.IOException: x\n\tat a.B.c(B.java:1)\nCaused by: y\n[2026-03-14 09:12:02,100] INFO ok (a.B)\r\n";
        let spans: Vec<_> = Records::new(text).collect();
        let summary: Vec<_> = spans.iter().map(|s| (s.first_line, s.line_count, s.has_header)).collect();
        assert_eq!(summary, vec![(1, 1, false), (2, 4, true), (6, 1, true)]);
        assert_eq!(spans.last().unwrap().end, text.len());
        // Walking back from the `Caused by:` line finds the ERROR header.
        let caused = text.windows(6).position(|w| w == b"Caused").unwrap();
        assert_eq!(record_start(text, caused), (spans[1].start, 3));
        assert_eq!(record_end(text, spans[1].start), (spans[1].end, 4));
        assert_eq!(record_start(text, 0), (0, 0));
    }

    #[test]
    fn byte_order_mark_is_looked_past() {
        let line = b"\xEF\xBB\xBF[2026-03-14 09:12:01,100] ERROR boom (kafka.server.KafkaServer)";
        assert!(is_header(line));
        let h = parse_header(line).unwrap();
        assert_eq!(h.level, Some(Level::Error));
        assert_eq!(&line[h.logger.unwrap()], b"kafka.server.KafkaServer");
        assert_eq!(&line[h.message], b"boom");
    }

    #[test]
    fn no_panic_on_odd_bytes() {
        let odd: &[&[u8]] = &[
            b"[",
            b"[2026-03-14 09:12:01,100",
            b"[2026-03-14 09:12:01,100] ",
            b"[2026-03-14 09:12:01,100] INFO (",
            b"[2026-03-14 09:12:01,100] INFO  )",
            b"\xff\xfe\x00[",
            b"2026-03-14 09:12:01 [",
            b"[1s]",
            b"[0.1s][info][",
        ];
        for line in odd {
            let _ = parse_header(line);
            let _: Vec<_> = Records::new(line).collect();
        }
    }
}
