//! renacer-trace's packed records (CaptureResponse batches), walked and
//! decoded as renacerctl does.
#![no_main]

use libfuzzer_sys::fuzz_target;
use renacer_trace::{decode::DecodeOptions, json::JsonSyscall, packed};

fuzz_target!(|data: &[u8]| {
    for record in packed::records(data) {
        let Ok((rec, items)) = record else { continue };
        let _ = packed::items(items).count();
        let _ = packed::captured(items);
        let _ = packed::by_argument(items);
        for string_limit in [0, 32, 4096] {
            let _ = JsonSyscall::from_packed(&rec, items, &DecodeOptions { string_limit });
        }
    }
});
