//! `-e` filter expressions (renacerctl flags and CaptureRequest.filter).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // Several `-e` flags, NUL-separated (a flag may hold a newline).
    let exprs: Vec<String> = text.split('\0').map(str::to_owned).collect();
    if let Err(err) = renacer_trace::filter::parse_filter_args(&exprs) {
        assert!(!err.to_string().contains('\n'), "multi-line error: {err}");
    }
});
