//! Mine templates from a file of raw messages (one per line, read as lossy UTF-8) and write
//! `line,template` CSV (1-based line numbers) — the format `scripts/loghub-accuracy` scores.
//!
//! Usage: cargo run --release -p fieldkit-patterns --example mine -- INPUT OUTPUT.csv

use std::collections::HashMap;
use std::io::{BufWriter, Write};
use std::process::ExitCode;
use std::time::Instant;

use fieldkit_patterns::csv_field;
use fieldkit_patterns::{ClusterId, Miner, MinerConfig};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: mine INPUT OUTPUT.csv");
        return ExitCode::from(2);
    }
    match run(&args[1], &args[2]) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mine: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(input: &str, output: &str) -> Result<(), Box<dyn std::error::Error>> {
    let data = std::fs::read(input)?;
    let started = Instant::now();
    let mut miner = Miner::new(MinerConfig::default());
    let mut ids: Vec<ClusterId> = Vec::new();
    let data = data.strip_suffix(b"\n").unwrap_or(&data);
    // Valid UTF-8 (the usual case) is split in place; otherwise each line is decoded lossily.
    match std::str::from_utf8(data) {
        Ok("") => {}
        Ok(text) => {
            for line in text.split('\n') {
                ids.push(miner.add(line.strip_suffix('\r').unwrap_or(line)));
            }
        }
        Err(_) => {
            for line in data.split(|&b| b == b'\n') {
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                ids.push(miner.add(&String::from_utf8_lossy(line)));
            }
        }
    }
    let mined = started.elapsed();

    // Each cluster's template is rendered and CSV-quoted once, then written per line.
    let mut quoted: HashMap<ClusterId, Vec<u8>> = HashMap::new();
    let mut out = BufWriter::with_capacity(1 << 16, std::fs::File::create(output)?);
    out.write_all(b"line,template\n")?;
    for (i, id) in ids.iter().enumerate() {
        let root = miner.resolve(*id);
        let field = quoted.entry(root).or_insert_with(|| csv_field(&miner.template(root)));
        write!(out, "{},", i + 1)?;
        out.write_all(field)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    eprintln!(
        "mine: {} lines, {} clusters, mined in {:.3}s, total {:.3}s",
        ids.len(),
        miner.clusters().len(),
        mined.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
