//! Any bytes through the redactor: no panic, no newline added or removed, deterministic tokens,
//! every mapped token is in the output, and with every kind off the input comes back unchanged.
#![no_main]
use fieldkit_redact::{Key, RedactConfig, Redactor};
use libfuzzer_sys::fuzz_target;

fn redactor() -> Redactor {
    let config = RedactConfig {
        keywords: vec!["acme".into(), "Globex Corp".into()],
        regexes: vec![r"ticket-(\d+)".into()],
        ..RedactConfig::default()
    };
    Redactor::new(Key::from_bytes([7; 32]), config).expect("static config")
}

fuzz_target!(|data: &[u8]| {
    let count = |b: &[u8]| b.iter().filter(|&&c| c == b'\n').count();

    let mut r = redactor();
    let mut out = Vec::new();
    r.redact_line(data, &mut out);
    assert_eq!(count(&out), count(data), "newlines changed");

    // the same input again (cached tokens) and through a fresh redactor: same output
    let mut again = Vec::new();
    r.end_file();
    r.redact_line(data, &mut again);
    assert_eq!(out, again, "not deterministic within a redactor");
    let mut fresh = Vec::new();
    redactor().redact_text(data, &mut fresh);
    assert_eq!(out, fresh, "not deterministic across redactors");

    // every token in the reverse map was written to the output
    for (token, _) in r.mapping().iter() {
        let t = token.as_bytes();
        assert!(out.windows(t.len()).any(|w| w == t), "map token {token:?} not in output");
    }

    // with every kind off and no keywords, the output is the input
    let mut off = Redactor::new(
        Key::from_bytes([7; 32]),
        RedactConfig { kinds: fieldkit_redact::Kinds::NONE, ..RedactConfig::default() },
    )
    .expect("static config");
    let mut same = Vec::new();
    off.redact_line(data, &mut same);
    assert_eq!(same, data, "kinds off changed the input");
});
