//! Bounded property runs over malformed input for renacer-analysis's
//! readers: trace files in either form (renacer-json-v1 and `.rnz`), the
//! `.rnz` decoder and renacer.toml. None may panic; every error is one line.
//! The cargo-fuzz targets in `fuzz/` drive the same functions without a bound.
#![expect(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]

use std::sync::LazyLock;

use proptest::prelude::*;
use renacer_analysis::{
    assertions::parse_config,
    load::{load_trace, load_trace_bytes},
    rle,
};

const CASES: u32 = 384;

const GOLDEN: &str = include_str!("../../golden_traces/fileio.json");

const CONFIG: &str = r#"
[[assertion]]
name = "build"
type = "critical_path"
max_duration_ms = 12

[[assertion]]
name = "spans"
type = "span_count"
max_spans = 100
fail_on_violation = false

[[assertion]]
name = "memory"
type = "memory_usage"
max_bytes = 1048576

[[assertion]]
name = "loops"
type = "anti_pattern"
pattern = "TightLoop"
threshold = 0.5
"#;

/// The `.rnz` header and the inflated body of the golden trace.
static RNZ: LazyLock<(Vec<u8>, Vec<u8>)> = LazyLock::new(|| {
    let packed = rle::compress(&load_trace(GOLDEN).unwrap());
    let (header, deflated) = packed.split_at(7);
    let body = miniz_oxide::inflate::decompress_to_vec(deflated).unwrap();
    (header.to_vec(), body)
});

fn one_line(error: &impl std::fmt::Display) -> Result<(), TestCaseError> {
    let text = error.to_string();
    prop_assert!(!text.is_empty(), "an empty error message");
    prop_assert!(!text.contains('\n'), "a multi-line error: {text:?}");
    Ok(())
}

/// `base` with up to `n` byte ranges replaced.
fn mutated(base: &'static [u8], n: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        (
            any::<prop::sample::Index>(),
            0usize..12,
            prop::collection::vec(any::<u8>(), 0..8),
        ),
        1..=n,
    )
    .prop_map(move |edits| {
        let mut data = base.to_vec();
        for (at, remove, insert) in edits {
            let start = at.index(data.len() + 1);
            let end = (start + remove).min(data.len());
            data.splice(start..end, insert);
        }
        data
    })
}

fn mutated_text(base: &'static str, n: usize) -> impl Strategy<Value = String> {
    mutated(base.as_bytes(), n).prop_map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
}

fn stored(body: &[u8]) -> Vec<u8> {
    let mut data = RNZ.0[..6].to_vec();
    data.push(0); // stored codec
    data.extend_from_slice(body);
    data
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn json_traces_never_panic(text in prop_oneof![mutated_text(GOLDEN, 4), "(?s).{0,200}", "[\\x00-\\x7f]{0,200}"]) {
        if let Err(err) = load_trace(&text) {
            one_line(&err)?;
        }
        if let Err(err) = load_trace_bytes(text.as_bytes()) {
            one_line(&err)?;
        }
    }

    #[test]
    fn rnz_bodies_never_panic(edits in prop::collection::vec(
        (any::<prop::sample::Index>(), any::<u8>()), 1..6), cut in any::<prop::sample::Index>()) {
        let mut body = RNZ.1.clone();
        for (at, byte) in edits {
            let at = at.index(body.len());
            body[at] ^= byte.max(1);
        }
        for data in [stored(&body), stored(&body[..cut.index(body.len() + 1)])] {
            match rle::decompress(&data) {
                Err(err) => one_line(&err)?,
                Ok(trace) => prop_assert!(trace.syscalls.len() < 1_000_000),
            }
        }
    }

    #[test]
    fn rnz_files_never_panic(data in prop_oneof![
        prop::collection::vec(any::<u8>(), 0..200).prop_map(|tail| [b"RNRLE\x02\x01".as_slice(), &tail].concat()),
        prop::collection::vec(any::<u8>(), 0..200).prop_map(|tail| [b"RNRLE\x02\x00".as_slice(), &tail].concat()),
        prop::collection::vec(any::<u8>(), 0..64).prop_map(|tail| {
            let deflated = miniz_oxide::deflate::compress_to_vec(&tail, 1);
            [b"RNRLE\x02\x01".as_slice(), &deflated].concat()
        }),
        prop::collection::vec(any::<u8>(), 0..64),
    ]) {
        if let Err(err) = load_trace_bytes(&data) {
            one_line(&err)?;
        }
    }

    #[test]
    fn configs_never_panic(text in prop_oneof![mutated_text(CONFIG, 3), "(?s).{0,120}", "[\\x00-\\x7f]{0,120}"]) {
        if let Err(err) = parse_config(&text) {
            one_line(&err)?;
        }
    }
}

#[test]
fn the_seeds_are_valid() {
    parse_config(CONFIG).unwrap();
    let trace = load_trace(GOLDEN).unwrap();
    assert_eq!(rle::decompress(&stored(&RNZ.1)).unwrap(), trace);
}
