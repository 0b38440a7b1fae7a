//! Any bytes as a .tar.gz, .tar and .zip bundle: open and read every file without panicking, and
//! never write outside the extraction root.
#![no_main]
use fieldkit_logs::{Bundle, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("temp dir");
    for name in ["b.tar.gz", "b.tar", "b.zip"] {
        let path = dir.path().join(name);
        std::fs::write(&path, data).expect("write input");
        let limits = Limits { max_total_bytes: 64 << 20, ratio_floor_bytes: 1 << 20, ..Limits::default() };
        if let Ok(bundle) = Bundle::open(&path, limits.clone()) {
            for file in &bundle.files {
                let _ = file.read_partial(&limits);
            }
        }
    }
    // Extraction happens in a private temp dir: nothing may appear beside the inputs.
    let entries = std::fs::read_dir(dir.path()).expect("list").count();
    assert_eq!(entries, 3);
});
