//! `fieldkit patterns`: template mining over a file or bundle.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::{Context, Result};
use fieldkit_logs::record::line_at;
use fieldkit_logs::{Records, earliest, format_utc_millis, parse_header};
use fieldkit_patterns::{ClusterId, Miner, csv_field};
use serde::Serialize;

use crate::cli::{ListFormat, PatternsArgs};
use crate::cmd::{printable, write_output};
use crate::exit;
use crate::input::{open_bundle, zone};
use crate::term::{Progress, Style};

/// What we remember of the first message of each cluster the miner handed out.
struct FirstSeen {
    file: usize,
    line: u64,
    text: String,
    first: Option<i64>,
    last: Option<i64>,
}

/// A run of input lines assigned to one cluster (a record, or a single raw line).
struct Assigned {
    file: usize,
    first_line: u64,
    lines: u32,
    id: ClusterId,
}

#[derive(Serialize)]
struct ExampleOut {
    file: String,
    line: u64,
    text: String,
}

#[derive(Serialize)]
struct TemplateOut {
    template: String,
    count: u64,
    first_seen: Option<String>,
    last_seen: Option<String>,
    example: ExampleOut,
}

#[derive(Serialize)]
struct StatsOut {
    files: usize,
    lines: u64,
    messages: u64,
    templates: usize,
}

#[derive(Serialize)]
struct PatternsOut {
    templates: Vec<TemplateOut>,
    stats: StatsOut,
}

fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max { text.to_string() } else { text.chars().take(max).collect::<String>() + "…" }
}

pub fn run(args: PatternsArgs) -> Result<u8> {
    let zone = zone(&args.bundle_opts)?;
    let bundle = open_bundle(&args.input, &args.bundle_opts)?;
    for skipped in &bundle.skipped {
        eprintln!("fieldkit: skipped {}: {}", skipped.path, skipped.reason);
    }
    let mut miner = Miner::default();
    // Indexed by the id `add` hands out: ids are dense, in arrival order.
    let mut first_seen: Vec<Option<FirstSeen>> = Vec::new();
    let mut assigned: Vec<Assigned> = Vec::new();
    let mut lines_total = 0u64;
    let mut progress = Progress::new(bundle.files.iter().map(|f| f.size).sum(), args.bundle_opts.no_progress);
    let mut observe =
        |miner: &mut Miner, file: usize, line: u64, lines: u32, message: &str, text: &[u8], ts: Option<i64>| {
            let id = miner.add(message);
            let slot = id.0 as usize;
            if first_seen.len() <= slot {
                first_seen.resize_with(slot + 1, || None);
            }
            let seen = first_seen[slot].get_or_insert_with(|| FirstSeen {
                file,
                line,
                text: cut(&String::from_utf8_lossy(text), 300),
                first: ts,
                last: ts,
            });
            seen.first = earliest(seen.first, ts);
            seen.last = seen.last.max(ts);
            assigned.push(Assigned { file, first_line: line, lines, id });
        };
    for (idx, file) in bundle.files.iter().enumerate() {
        let bytes = match file.read_partial(&bundle.limits) {
            Ok((bytes, damage)) => {
                if let Some(damage) = damage {
                    eprintln!("fieldkit: partly read {}: {damage}", file.path);
                }
                bytes
            }
            Err(e) => {
                eprintln!("fieldkit: skipped {}: {}", file.path, e.reason());
                continue;
            }
        };
        if args.raw {
            let mut pos = 0;
            let mut line_no = 0u64;
            while pos < bytes.len() {
                let (line, next) = line_at(&bytes, pos);
                line_no += 1;
                observe(&mut miner, idx, line_no, 1, &String::from_utf8_lossy(line), line, None);
                pos = next;
            }
            lines_total += line_no;
        } else {
            for span in Records::new(&bytes) {
                let (first, _) = line_at(&bytes, span.start);
                let header = if span.has_header { parse_header(first) } else { None };
                let message = header.as_ref().map_or(first, |h| &first[h.message.clone()]);
                let ts = header.as_ref().and_then(|h| h.stamp.as_ref()).and_then(|s| zone.to_utc_millis(s));
                observe(
                    &mut miner,
                    idx,
                    span.first_line,
                    span.line_count,
                    &String::from_utf8_lossy(message),
                    first,
                    ts,
                );
                lines_total += u64::from(span.line_count);
            }
        }
        progress.advance(file.size, &file.path);
    }
    progress.finish();

    // Fold what we saw per handed-out id into the final clusters.
    let mut finals: BTreeMap<ClusterId, FirstSeen> = BTreeMap::new();
    for (id, seen) in first_seen.into_iter().enumerate().filter_map(|(i, s)| Some((ClusterId(i as u32), s?))) {
        let root = miner.resolve(id);
        match finals.get_mut(&root) {
            None => {
                finals.insert(root, seen);
            }
            Some(f) => {
                if (seen.file, seen.line) < (f.file, f.line) {
                    f.file = seen.file;
                    f.line = seen.line;
                    f.text = seen.text;
                }
                f.first = earliest(f.first, seen.first);
                f.last = f.last.max(seen.last);
            }
        }
    }
    let clusters = miner.clusters();
    let mut templates: Vec<TemplateOut> = clusters
        .iter()
        .filter_map(|c| {
            let seen = finals.get(&c.id)?;
            Some(TemplateOut {
                template: c.template.clone(),
                count: c.count,
                first_seen: seen.first.map(format_utc_millis),
                last_seen: seen.last.map(format_utc_millis),
                example: ExampleOut {
                    file: bundle.files[seen.file].path.clone(),
                    line: seen.line,
                    text: seen.text.clone(),
                },
            })
        })
        .collect();
    let template_count = templates.len();
    if args.top > 0 {
        templates.truncate(args.top);
    }

    if let Some(path) = &args.assignments {
        write_assignments(path, &bundle.files.iter().map(|f| f.path.clone()).collect::<Vec<_>>(), &assigned, &miner)?;
    }

    let out = PatternsOut {
        templates,
        stats: StatsOut {
            files: bundle.files.len(),
            lines: lines_total,
            messages: assigned.len() as u64,
            templates: template_count,
        },
    };
    let rendered = match args.format {
        ListFormat::Json => serde_json::to_string_pretty(&out)? + "\n",
        ListFormat::Text => render_text(&out, Style::for_stdout()),
    };
    write_output(None, rendered.as_bytes())?;
    Ok(exit::OK)
}

fn render_text(out: &PatternsOut, style: Style) -> String {
    let mut s = String::new();
    for t in &out.templates {
        s.push_str(&format!("{:>9}  {}\n", t.count, style.bold(&printable(&t.template))));
        let span = match (&t.first_seen, &t.last_seen) {
            (Some(a), Some(b)) => format!("{a} → {b} · "),
            _ => String::new(),
        };
        s.push_str(&format!(
            "           {}\n",
            style.dim(&printable(&format!(
                "{span}e.g. {}:{}: {}",
                t.example.file,
                t.example.line,
                cut(&t.example.text, 160)
            )))
        ));
    }
    s.push_str(&format!(
        "{} template(s) from {} message(s), {} line(s), {} file(s)\n",
        out.stats.templates, out.stats.messages, out.stats.lines, out.stats.files
    ));
    s
}

fn write_assignments(path: &std::path::Path, files: &[String], assigned: &[Assigned], miner: &Miner) -> Result<()> {
    let file = std::fs::File::create(path).with_context(|| format!("{}: cannot create", path.display()))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    let multi = files.len() > 1;
    let write_err = |e: std::io::Error| anyhow::anyhow!("{}: cannot write: {e}", path.display());
    w.write_all(if multi { b"file,line,template\n" } else { b"line,template\n" }).map_err(write_err)?;
    // Each final template is rendered and quoted once; a million rows then cost a copy each.
    let mut quoted: BTreeMap<ClusterId, Vec<u8>> = BTreeMap::new();
    let file_fields: Vec<Vec<u8>> = files.iter().map(|f| csv_field(f)).collect();
    let mut number = String::with_capacity(20);
    for a in assigned {
        let root = miner.resolve(a.id);
        let template = quoted.entry(root).or_insert_with(|| csv_field(&miner.template(root)));
        for l in 0..u64::from(a.lines) {
            number.clear();
            let _ = std::fmt::Write::write_fmt(&mut number, format_args!("{}", a.first_line + l));
            if multi {
                w.write_all(&file_fields[a.file]).map_err(write_err)?;
                w.write_all(b",").map_err(write_err)?;
            }
            w.write_all(number.as_bytes()).map_err(write_err)?;
            w.write_all(b",").map_err(write_err)?;
            w.write_all(template).map_err(write_err)?;
            w.write_all(b"\n").map_err(write_err)?;
        }
    }
    w.flush().map_err(write_err)
}
