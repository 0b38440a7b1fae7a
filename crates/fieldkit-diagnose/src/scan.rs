//! Scanning one file's bytes against the playbook.
//!
//! The hot loop is a leftmost-first multi-pattern search over the whole buffer. Only when it hits
//! does any parsing happen: the record around the hit is delimited, its header parsed, every needle
//! inside it found, and the matchers those needles point at verified. The scan then resumes after
//! the record. Lines without a needle cost one automaton step per byte and nothing else.

use std::collections::BTreeMap;

use aho_corasick::Input;
use fieldkit_logs::record::{line_at, parse_header, record_end, record_start_after};
use fieldkit_logs::{FileKind, Level, SourceZone, earliest, trailing_logger_of_last_line};

use crate::playbook::{CompiledMatcher, Playbook};

/// Evidence lines are cut here: a 10 MB line is evidence enough in its first few hundred bytes.
pub const MAX_EVIDENCE_CHARS: usize = 400;
/// Samples kept per rule per file; the aggregator chooses among them.
const SAMPLES_PER_FILE: usize = 3;
/// Unexplained error records kept per file for template mining; beyond it they are only counted.
/// A few thousand samples per file are plenty to mine templates from; the cap bounds memory on
/// bundles that are nothing but errors (each sample keeps at most ~1 KB).
const MAX_UNEXPLAINED_PER_FILE: usize = 20_000;
/// Longest message prefix mined for unexplained templates.
const MAX_UNEXPLAINED_MESSAGE: usize = 512;

#[derive(Clone, Debug, Default)]
pub struct ScanOptions {
    /// Keep records at or after this instant (UTC epoch ms). Records without a date are kept.
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub zone: SourceZone,
    /// Report every rule that matches a record, even several of one correlation group (rule
    /// linting wants to know that a symptom's example fires the symptom). Triage leaves it off.
    pub every_rule: bool,
}

/// One line of evidence.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Sample {
    pub line: u64,
    pub timestamp: Option<i64>,
    pub text: String,
}

/// What one rule found in one file.
#[derive(Clone, Debug, Default)]
pub struct RuleHits {
    pub count: u64,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    pub samples: Vec<Sample>,
}

/// An ERROR/FATAL record that no rule explained.
#[derive(Clone, Debug)]
pub struct UnexplainedRecord {
    pub level: Level,
    pub line: u64,
    pub timestamp: Option<i64>,
    /// The message part of the first line (for template mining).
    pub message: String,
    /// The first line as written (for evidence).
    pub text: String,
}

/// The result of scanning one file.
#[derive(Clone, Debug, Default)]
pub struct FileScan {
    pub bytes: u64,
    pub lines: u64,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    /// Records that hit a needle and were parsed and verified.
    pub records_examined: u64,
    /// Records left out by `--since` / `--until`.
    pub records_out_of_range: u64,
    pub rules: BTreeMap<u32, RuleHits>,
    pub unexplained: Vec<UnexplainedRecord>,
    /// Unexplained records beyond the per-file cap: counted, not mined.
    pub unexplained_overflow: u64,
}

/// Evidence for a match at byte `hit` of `line`: the line itself, or on a very long line a window
/// that starts shortly before the match, so the matched text is what the reader sees.
pub fn evidence_around(line: &[u8], hit: usize) -> String {
    let lead = 80;
    if hit + 100 <= MAX_EVIDENCE_CHARS || line.len() <= MAX_EVIDENCE_CHARS {
        return evidence_text(line);
    }
    let mut start = hit.saturating_sub(lead);
    // Start on a character boundary: skip UTF-8 continuation bytes.
    while start < line.len() && (line[start] & 0xC0) == 0x80 {
        start += 1;
    }
    format!("…{}", evidence_text(&line[start..]))
}

/// Lossy, cut to [`MAX_EVIDENCE_CHARS`], control characters made visible.
pub fn evidence_text(line: &[u8]) -> String {
    let cut = &line[..line.len().min(MAX_EVIDENCE_CHARS * 4)];
    let text = String::from_utf8_lossy(cut);
    let mut out: String = text
        .chars()
        .take(MAX_EVIDENCE_CHARS)
        .map(|c| if c.is_control() && c != '\t' { '\u{fffd}' } else { c })
        .collect();
    if text.chars().count() > MAX_EVIDENCE_CHARS || cut.len() < line.len() {
        out.push('…');
    }
    out
}

/// Counts lines incrementally: offsets asked for only ever grow.
struct LineCounter<'a> {
    buf: &'a [u8],
    pos: usize,
    line: u64,
}

impl LineCounter<'_> {
    /// 1-based line number of the line containing `offset`; offsets never go backwards (the
    /// scan only moves forward, record by record).
    fn line_of(&mut self, offset: usize) -> u64 {
        debug_assert!(offset >= self.pos, "line counter asked to go back");
        let offset = offset.max(self.pos);
        self.line += memchr::memchr_iter(b'\n', &self.buf[self.pos..offset]).count() as u64;
        self.pos = offset;
        self.line
    }
}

/// Verifies one matcher against a record.
fn matcher_fires(
    m: &CompiledMatcher,
    record: &[u8],
    level: Option<Level>,
    logger: Option<&[u8]>,
    kind: FileKind,
) -> bool {
    if let Some(kinds) = &m.file_kinds
        && !kinds.contains(&kind)
    {
        return false;
    }
    if let Some(levels) = &m.levels {
        match level {
            Some(l) if levels.contains(&l) => {}
            _ => return false,
        }
    }
    if let Some(re) = &m.logger {
        match logger.map(String::from_utf8_lossy) {
            Some(name) if re.is_match(&name) => {}
            _ => return false,
        }
    }
    // The first fragment is known present (it was the hit); check the rest.
    if !m.contains.iter().skip(1).all(|f| f.find(record).is_some()) {
        return false;
    }
    m.regex.as_ref().is_none_or(|re| re.is_match(record))
}

impl Playbook {
    /// Scans one file. Pure: the caller reads the bytes, the clock is not consulted.
    pub fn scan(&self, buf: &[u8], kind: FileKind, opts: &ScanOptions) -> FileScan {
        let mut out = FileScan { bytes: buf.len() as u64, ..FileScan::default() };
        let (first_seen, last_seen) = file_time_range(buf, &opts.zone);
        out.first_seen = first_seen;
        out.last_seen = last_seen;
        let mut lines = LineCounter { buf, pos: 0, line: 1 };
        let mut pos = 0usize;
        while pos < buf.len() {
            let Some(hit) = self.scan.find(Input::new(buf).range(pos..)) else {
                break;
            };
            let line_start = memchr::memrchr(b'\n', &buf[..hit.start()]).map_or(0, |i| i + 1);
            let (rec_start, _) = record_start_after(buf, line_start.max(pos), pos);
            let (rec_end, _) = record_end(buf, rec_start);
            let first_line = lines.line_of(rec_start);
            self.examine(buf, rec_start, rec_end, first_line, kind, opts, &mut out);
            pos = rec_end.max(hit.end());
        }
        out.lines = lines.line_of(buf.len()) - u64::from(buf.last() == Some(&b'\n') || buf.is_empty());
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn examine(
        &self,
        buf: &[u8],
        start: usize,
        end: usize,
        first_line: u64,
        kind: FileKind,
        opts: &ScanOptions,
        out: &mut FileScan,
    ) {
        let record = &buf[start..end];
        let (first, _) = line_at(buf, start);
        let header = parse_header(first);
        let timestamp = header.as_ref().and_then(|h| h.stamp.as_ref()).and_then(|s| opts.zone.to_utc_millis(s));
        if let Some(ts) = timestamp
            && (opts.since.is_some_and(|since| ts < since) || opts.until.is_some_and(|until| ts > until))
        {
            out.records_out_of_range += 1;
            return;
        }
        out.records_examined += 1;
        let level = header.as_ref().and_then(|h| h.level);
        let mut logger = header.as_ref().and_then(|h| h.logger.clone()).map(|r| &first[r]);
        if logger.is_none() && header.is_some() && first.first() == Some(&b'[') && first.len() < record.len() {
            // A multi-line `[%d] %p %m (%c)` message ends with its logger on the last line.
            let body = record.strip_suffix(b"\n").unwrap_or(record);
            let last = &body[memchr::memrchr(b'\n', body).map_or(0, |i| i + 1)..];
            logger = trailing_logger_of_last_line(last).map(|r| &last[r]);
        }

        // Every needle in the record, first occurrence each.
        let mut needles: Vec<(usize, usize)> = Vec::new();
        for m in self.all.find_overlapping_iter(record) {
            let p = m.pattern().as_usize();
            if !needles.iter().any(|(q, _)| *q == p) {
                needles.push((p, m.start()));
            }
        }
        let mut fired: Vec<(u32, usize)> = Vec::new();
        for &(pattern, offset) in &needles {
            for &mi in &self.pattern_matchers[pattern] {
                let m = &self.matchers[mi as usize];
                if fired.iter().any(|(r, _)| *r == m.rule) {
                    continue;
                }
                if matcher_fires(m, record, level, logger, kind) {
                    fired.push((m.rule, offset));
                }
            }
        }
        if !opts.every_rule {
            self.one_per_group(&mut fired);
        }
        for (rule, offset) in &fired {
            let line_begin = memchr::memrchr(b'\n', &record[..*offset]).map_or(0, |i| i + 1);
            let line_no = first_line + memchr::memchr_iter(b'\n', &record[..line_begin]).count() as u64;
            let hits = out.rules.entry(*rule).or_default();
            hits.count += 1;
            hits.first_seen = earliest(hits.first_seen, timestamp);
            hits.last_seen = hits.last_seen.max(timestamp);
            if hits.samples.len() < SAMPLES_PER_FILE {
                let (line, _) = line_at(record, line_begin);
                let text = evidence_around(line, offset - line_begin);
                hits.samples.push(Sample { line: line_no, timestamp, text });
            }
        }
        if fired.is_empty()
            && let Some(level @ (Level::Error | Level::Fatal)) = level
        {
            if out.unexplained.len() >= MAX_UNEXPLAINED_PER_FILE {
                out.unexplained_overflow += 1;
                return;
            }
            let message = header.as_ref().map_or(first, |h| &first[h.message.clone()]);
            out.unexplained.push(UnexplainedRecord {
                level,
                line: first_line,
                timestamp,
                message: String::from_utf8_lossy(&message[..message.len().min(MAX_UNEXPLAINED_MESSAGE)]).into_owned(),
                text: evidence_text(first),
            });
        }
    }
}

impl Playbook {
    /// A record that fires several rules of one correlation group (a client line that carries
    /// both "SSL handshake failed" and "No subject alternative ...") is ONE record of that
    /// problem: keep the cause over a symptom, then the more severe rule, then the earlier one.
    fn one_per_group(&self, fired: &mut Vec<(u32, usize)>) {
        if fired.len() < 2 {
            return;
        }
        let rank = |rule: u32| {
            let r = &self.rules[rule as usize];
            let cause = r.correlate.as_ref().is_some_and(|c| c.role == crate::rule::Role::Cause);
            (cause, r.severity, std::cmp::Reverse(rule))
        };
        let group = |rule: u32| self.rules[rule as usize].correlate.as_ref().map(|c| c.group.as_str());
        let keep: Vec<bool> = fired
            .iter()
            .map(|&(rule, _)| match group(rule) {
                None => true,
                Some(g) => !fired
                    .iter()
                    .any(|&(other, _)| other != rule && group(other) == Some(g) && rank(other) > rank(rule)),
            })
            .collect();
        let mut i = 0;
        fired.retain(|_| {
            i += 1;
            keep[i - 1]
        });
    }
}

/// The first and last dated records of a file, found by reading a bounded number of lines from
/// each end.
pub fn file_time_range(buf: &[u8], zone: &SourceZone) -> (Option<i64>, Option<i64>) {
    let stamp_of = |line: &[u8]| parse_header(line).and_then(|h| h.stamp).and_then(|s| zone.to_utc_millis(&s));
    let mut first = None;
    let mut pos = 0;
    for _ in 0..2000 {
        if pos >= buf.len() {
            break;
        }
        let (line, next) = line_at(buf, pos);
        if let Some(ts) = stamp_of(line) {
            first = Some(ts);
            break;
        }
        pos = next;
    }
    let mut last = None;
    let mut end = buf.len();
    for _ in 0..2000 {
        if end == 0 {
            break;
        }
        let search_end = if buf[end - 1] == b'\n' { end - 1 } else { end };
        let start = memchr::memrchr(b'\n', &buf[..search_end]).map_or(0, |i| i + 1);
        if let Some(ts) = stamp_of(line_at(buf, start).0) {
            last = Some(ts);
            break;
        }
        end = start;
    }
    (first, last)
}
