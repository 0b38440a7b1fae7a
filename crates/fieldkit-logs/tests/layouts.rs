//! The record parser against the truth table in tests/data/layouts/EXPECTED.tsv: one row per
//! record of each sample layout (log4j, Connect, ZooKeeper, logback, Spring Boot, ISO 8601, GC).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use fieldkit_logs::record::line_at;
use fieldkit_logs::time::parse_stamp;
use fieldkit_logs::{Level, Records, parse_header, trailing_logger_of_last_line};

fn layouts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/layouts")
}

#[derive(Debug, PartialEq, Eq)]
struct Row {
    first_line: u64,
    lines: u32,
    timestamp: String,
    level: String,
    logger: String,
    thread: String,
}

fn expected() -> BTreeMap<String, Vec<Row>> {
    let text = std::fs::read_to_string(layouts_dir().join("EXPECTED.tsv")).expect("EXPECTED.tsv");
    let mut out: BTreeMap<String, Vec<Row>> = BTreeMap::new();
    for line in text.lines().skip(1).filter(|l| !l.is_empty()) {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 7, "EXPECTED.tsv row: {line}");
        out.entry(f[0].to_string()).or_default().push(Row {
            first_line: f[1].parse().unwrap(),
            lines: f[2].parse().unwrap(),
            timestamp: f[3].to_string(),
            level: f[4].to_string(),
            logger: f[5].to_string(),
            thread: f[6].to_string(),
        });
    }
    out
}

/// What the parser sees in one file, in the table's terms. The timestamp is compared by meaning:
/// the parsed stamp of the expected text must equal the parsed stamp of the record.
fn parsed(file: &str, expected_rows: &[Row]) -> Vec<Row> {
    let bytes = std::fs::read(layouts_dir().join(file)).unwrap();
    Records::new(&bytes)
        .zip(expected_rows.iter().map(Some).chain(std::iter::repeat(None)))
        .map(|(span, want)| {
            let (first, _) = line_at(&bytes, span.start);
            let header = if span.has_header { parse_header(first) } else { None };
            let text = |r: Option<std::ops::Range<usize>>| {
                r.map(|r| String::from_utf8_lossy(&first[r]).trim().to_string()).unwrap_or_default()
            };
            let mut logger = text(header.as_ref().and_then(|h| h.logger.clone()));
            if logger.is_empty() && span.line_count > 1 && first.starts_with(b"[") {
                let last_start = memchr_last_line(&bytes[span.start..span.end]) + span.start;
                let (last, _) = line_at(&bytes, last_start);
                logger = trailing_logger_of_last_line(last)
                    .map(|r| String::from_utf8_lossy(&last[r]).to_string())
                    .unwrap_or_default();
            }
            let stamp = header.as_ref().and_then(|h| h.stamp);
            let timestamp = match (stamp, want) {
                (Some(s), Some(w)) if parse_stamp(w.timestamp.as_bytes()).map(|(ws, _)| ws) == Some(s) => {
                    w.timestamp.clone()
                }
                (Some(s), _) => format!("{s:?}"),
                (None, _) => String::new(),
            };
            let level = header.as_ref().and_then(|h| h.level);
            let level = match (level, want) {
                // The table keeps the level as written (`info` in GC logs); compare by meaning.
                (Some(l), Some(w)) if Level::parse(w.level.as_bytes()) == Some(l) => w.level.clone(),
                (Some(l), _) => l.as_str().to_string(),
                (None, _) => String::new(),
            };
            Row {
                first_line: span.first_line,
                lines: span.line_count,
                timestamp,
                level,
                logger,
                thread: text(header.as_ref().and_then(|h| h.thread.clone())),
            }
        })
        .collect()
}

fn memchr_last_line(record: &[u8]) -> usize {
    let body = record.strip_suffix(b"\n").unwrap_or(record);
    body.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1)
}

#[test]
fn every_layout_matches_its_truth_table() {
    let table = expected();
    assert!(table.len() >= 10, "layouts: {:?}", table.keys());
    let mut failures = Vec::new();
    for (file, rows) in &table {
        let got = parsed(file, rows);
        if got.len() != rows.len() {
            failures.push(format!("{file}: {} records parsed, {} expected", got.len(), rows.len()));
        }
        for (g, w) in got.iter().zip(rows) {
            if g != w {
                failures.push(format!("{file}:{}: got {g:?}\n    want {w:?}", w.first_line));
            }
        }
    }
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}
