//! The `.rnz` decoder. The input is the body after the header, tried both
//! stored and deflated, so the fuzzer reaches the run-length decoder
//! without having to produce valid deflate streams.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for codec in [0u8, 1] {
        let mut file = b"RNRLE\x02".to_vec();
        file.push(codec);
        file.extend_from_slice(data);
        if let Err(err) = renacer_analysis::rle::decompress(&file) {
            assert!(!err.to_string().contains('\n'), "multi-line error: {err}");
        }
    }
});
