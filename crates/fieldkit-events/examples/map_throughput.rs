//! Maps every line of an NDJSON file with a built-in mapping and prints records/s: the
//! mapping's own cost, without I/O or a store.
//!
//! `cargo run --release -p fieldkit-events --example map_throughput -- FILE [MAPPING]`

use std::time::Instant;

use fieldkit_events::mapping::{Mapping, RawInput};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: map_throughput FILE [MAPPING]")?;
    let mapping = Mapping::builtin(&args.next().unwrap_or_else(|| "rackspace-maas".to_owned()))?;
    let data = std::fs::read(&path)?;
    let lines: Vec<&[u8]> = data.split(|&b| b == b'\n').filter(|l| !l.is_empty()).collect();
    let cpu0 = cpu_seconds();
    let t = Instant::now();
    let (mut ok, mut dead) = (0u64, 0u64);
    for line in &lines {
        match mapping.map(&RawInput::new(line, 0)) {
            Ok(_) => ok += 1,
            Err(_) => dead += 1,
        }
    }
    let secs = t.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu0;
    println!(
        "{} records ({ok} events, {dead} dead letters) in {secs:.3} s ({cpu:.3} s CPU, {:.2} µs CPU/record): \
         {:.0} records/s, {:.2} µs/record, {:.0} MB/s",
        lines.len(),
        cpu * 1e6 / lines.len() as f64,
        lines.len() as f64 / secs,
        secs * 1e6 / lines.len() as f64,
        data.len() as f64 / 1e6 / secs
    );
    Ok(())
}

/// User + system CPU time of this process so far, from /proc (Linux), so that a loaded machine
/// does not inflate the figure the way it inflates wall time.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may contain spaces) start after the last ')'.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest.split_whitespace().skip(11).take(2).filter_map(|x| x.parse().ok()).collect();
    f.iter().sum::<f64>() / 100.0
}
