//! Any bytes through the header parser and the record splitter: no panic, spans tile the input.
#![no_main]
use fieldkit_logs::record::{Records, parse_header, record_end, record_start};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut end = 0;
    for span in Records::new(data) {
        assert_eq!(span.start, end, "records tile the input");
        assert!(span.end > span.start && span.end <= data.len());
        let (first, _) = fieldkit_logs::record::line_at(data, span.start);
        if let Some(h) = parse_header(first) {
            assert!(h.message.start <= h.message.end && h.message.end <= first.len());
        }
        let (start, _) = record_start(data, span.start);
        assert!(start <= span.start);
        let (rec_end, _) = record_end(data, span.start);
        assert!(rec_end <= data.len());
        end = span.end;
    }
    assert_eq!(end, data.len());
});
