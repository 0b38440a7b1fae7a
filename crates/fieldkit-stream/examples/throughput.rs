//! Measures file → summarize → store throughput.
//!
//! `cargo run --release -p fieldkit-stream --example throughput -- N DIR [TEMPLATE.json]`
//! writes N MaaS-like notifications (1% malformed) to DIR/in.ndjson (once), ingests them into
//! a fresh DIR/bench.db, and prints events/s, MB/s and the process's peak RSS.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use fieldkit_stream::{RunOptions, run_blocking, validate};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().ok_or("usage: throughput N DIR [TEMPLATE]")?.parse()?;
    let dir = PathBuf::from(args.next().ok_or("usage: throughput N DIR [TEMPLATE]")?);
    let template = args.next().unwrap_or_else(|| "../shared/data/maas/maas-example.json".to_owned());
    let template: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(template)?)?;
    std::fs::create_dir_all(&dir)?;
    let input = dir.join("in.ndjson");
    if !input.exists() {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&input)?);
        for i in 0..n {
            if i % 100 == 99 {
                writeln!(w, "{{\"broken\": {i}")?;
                continue;
            }
            let mut v = template.clone();
            let ts = 1_700_000_000_000_i64 + i as i64 * 1000;
            let state = ["OK", "WARNING", "CRITICAL"][(i % 3) as usize];
            v["event_id"] = format!("ac{}:en{}:al1:ch1:{ts}:{state}", i % 37, i % 500).into();
            v["entity"]["label"] = format!("node-{}", i % 500).into();
            v["details"]["timestamp"] = ts.into();
            v["details"]["state"] = state.into();
            serde_json::to_writer(&mut w, &v)?;
            w.write_all(b"\n")?;
        }
        w.flush()?;
    }
    let db = dir.join("bench.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let text = format!(
        "[sources.in]\ntype = \"file\"\npath = \"{}\"\n[transforms.sum]\ntype = \"summarize\"\ninputs = [\"in\"]\n\
         [sinks.db]\ntype = \"store\"\ninputs = [\"sum\"]\npath = \"{}\"\nbatch_size = 1000\n",
        input.display(),
        db.display()
    );
    let config = validate(&text, std::iter::empty()).map_err(|e| format!("{e:?}"))?;
    let bytes = std::fs::metadata(&input)?.len();
    let t = Instant::now();
    let c = run_blocking(&config, RunOptions::default())?;
    let secs = t.elapsed().as_secs_f64();
    let rss = std::fs::read_to_string("/proc/self/status")?
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .map(|l| l.split_whitespace().nth(1).unwrap_or("?").to_owned())
        .unwrap_or_default();
    println!(
        "{} records ({:.1} MB) in {secs:.2} s: {:.0} events/s, {:.1} MB/s, peak RSS {rss} kB; {c:?}",
        c.consumed,
        bytes as f64 / 1e6,
        c.consumed as f64 / secs,
        bytes as f64 / 1e6 / secs
    );
    Ok(())
}
