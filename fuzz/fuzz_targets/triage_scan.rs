//! Any bytes scanned with the built-in playbook as every kind of file: no panic, sane counters.
#![no_main]
use std::sync::OnceLock;

use fieldkit_diagnose::{Playbook, ScanOptions};
use fieldkit_logs::FileKind;
use libfuzzer_sys::fuzz_target;

static PLAYBOOK: OnceLock<Playbook> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let playbook = PLAYBOOK.get_or_init(|| Playbook::builtin().expect("built-in playbook"));
    for kind in [FileKind::Broker, FileKind::Client, FileKind::Other] {
        let scan = playbook.scan(data, kind, &ScanOptions::default());
        assert_eq!(scan.bytes, data.len() as u64);
        assert!(scan.records_examined as usize <= data.len());
    }
});
