//! renacer-json-v1 documents through renacer-trace's strict reader.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Err(err) = renacer_trace::json::TraceFile::parse(text)
    {
        assert!(!err.to_string().contains('\n'), "multi-line error: {err}");
    }
});
