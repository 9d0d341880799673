//! Trace files as `compare`, `assert` and the daemon's Compare/Assert read
//! them: renacer-json-v1 (lenient) or `.rnz`, told apart by their first bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(err) = renacer_analysis::load::load_trace_bytes(data) {
        assert!(!err.to_string().contains('\n'), "multi-line error: {err}");
    }
    if let Ok(text) = std::str::from_utf8(data)
        && let Err(err) = renacer_analysis::load::load_trace(text)
    {
        assert!(!err.to_string().contains('\n'), "multi-line error: {err}");
    }
});
