//! renacer.toml assertion files.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Err(err) = renacer_analysis::assertions::parse_config(text)
    {
        assert!(!err.to_string().contains('\n'), "multi-line error: {err}");
    }
});
