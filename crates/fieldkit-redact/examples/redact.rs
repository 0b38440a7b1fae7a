//! Redacts a file and reports throughput.
//!
//! `cargo run --release -p fieldkit-redact --example redact -- INPUT OUTPUT [KEY_FILE [MAP_FILE]]`
//!
//! Reads INPUT fully, redacts it on one thread in 4 MB chunks streamed to OUTPUT, prints MB/s
//! (redaction time only, and end to end) to stderr. With KEY_FILE the key is loaded or created there (otherwise a fixed
//! demo key is used); with MAP_FILE the reverse map is saved (merged) there.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use fieldkit_redact::{Key, RedactConfig, Redactor, load_or_create_key};

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        return Err("usage: redact INPUT OUTPUT [KEY_FILE [MAP_FILE]]".into());
    }
    let t0 = Instant::now();
    let input = std::fs::read(&args[0])?;
    let key = match args.get(2) {
        Some(k) => load_or_create_key(Path::new(k))?,
        None => Key::from_bytes([0x5a; 32]),
    };
    let mut r = Redactor::new(key, RedactConfig::default())?;
    // Stream in ~4 MB chunks ending at line boundaries, reusing one output buffer (as a CLI
    // would: bounded memory, no page faults for a file-sized output buffer).
    let mut writer = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&args[1])?);
    let mut out = Vec::with_capacity(5 << 20);
    let mut redact_secs = 0.0;
    let mut rest = &input[..];
    while !rest.is_empty() {
        let mut cut = rest.len().min(4 << 20);
        if cut < rest.len() {
            cut = memchr_back(&rest[..cut]).map_or(cut, |nl| nl + 1);
        }
        let (chunk, tail) = rest.split_at(cut);
        out.clear();
        let t = Instant::now();
        r.redact_text(chunk, &mut out);
        redact_secs += t.elapsed().as_secs_f64();
        writer.write_all(&out)?;
        rest = tail;
    }
    writer.flush()?;
    if let Some(m) = args.get(3) {
        r.mapping().save(Path::new(m))?;
    }
    let total_secs = t0.elapsed().as_secs_f64();
    let mb = input.len() as f64 / 1e6;
    eprintln!(
        "redacted {mb:.1} MB in {redact_secs:.2} s: {:.1} MB/s (end to end {:.1} MB/s); {} map entries",
        mb / redact_secs,
        mb / total_secs,
        r.mapping().len()
    );
    Ok(())
}

/// Position of the last newline in `b`.
fn memchr_back(b: &[u8]) -> Option<usize> {
    b.iter().rposition(|&c| c == b'\n')
}
