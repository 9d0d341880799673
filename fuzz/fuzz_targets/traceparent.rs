//! W3C traceparent values (flags, requests) and /proc/PID/environ blocks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use renacer_trace::traceparent::TraceParent;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Err(err) = TraceParent::parse(text)
    {
        assert!(!err.to_string().contains('\n'), "multi-line error: {err}");
    }
    if let Some(Err(err)) = TraceParent::from_environ(data) {
        assert!(!err.to_string().contains('\n'), "multi-line error: {err}");
    }
});
