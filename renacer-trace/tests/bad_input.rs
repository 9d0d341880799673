//! Bounded property runs over malformed input for renacer-trace's readers:
//! the `-e` filter parser, renacer-json-v1, W3C traceparent and the packed
//! record reader. None may panic; every error is one line. The cargo-fuzz
//! targets in `fuzz/` drive the same functions without a bound.
#![expect(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]

use proptest::prelude::*;
use renacer_trace::{
    decode::DecodeOptions,
    filter::parse_filter_args,
    json::{JsonSyscall, TraceFile},
    packed::{self, item},
    record::{SyscallRecord, SyscallResult},
    traceparent::TraceParent,
};

const CASES: u32 = 512;

fn one_line(error: &impl std::fmt::Display) -> Result<(), TestCaseError> {
    let text = error.to_string();
    prop_assert!(!text.is_empty(), "an empty error message");
    prop_assert!(!text.contains('\n'), "a multi-line error: {text:?}");
    Ok(())
}

/// Filter expressions from strace's vocabulary, shuffled and broken.
fn filter_expr() -> impl Strategy<Value = String> {
    let words = prop::sample::select(vec![
        "trace=",
        "status=",
        "trace-fds=",
        "t=",
        "e=",
        "%file",
        "%network",
        "%process",
        "%memory",
        "%desc",
        "%creds",
        "%clock",
        "%",
        "!",
        "open",
        "openat",
        "read",
        "write",
        "failed",
        "successful",
        "/op.*/",
        "/[",
        "/(a|b)*/",
        "/",
        ",",
        "=",
        "all",
        "none",
        "1",
        "-1",
        "4294967296",
        "execve",
        "?",
        "\u{e9}",
        " ",
        "\0",
        "\n",
        "\r",
        "\u{1b}[31m",
    ]);
    prop_oneof![
        prop::collection::vec(words, 0..8).prop_map(|words| words.concat()),
        "(?s).{0,40}",
    ]
}

fn sample_trace_json() -> String {
    let rec = SyscallRecord {
        nr: 257,
        args: [u64::MAX - 99, 0x7ffd_0000, 0, 0, 0, 0],
        result: SyscallResult::Returned(3),
        timestamp_nanos: 1_000,
        duration_nanos: 200,
        pid: 42,
        tid: 42,
        cpu: 1,
        lamport: 7,
    };
    let trace = TraceFile::from_records(
        "0af7651916cd43dd8448eb211c80319c".to_owned(),
        renacer_trace::json::ProcessInfo {
            pid: 42,
            command: vec!["cat".into(), "/etc/hostname".into()],
        },
        &[rec],
        renacer_trace::json::Drops::default(),
    );
    trace.to_json_pretty()
}

/// A valid document with a slice replaced by arbitrary text.
fn mutated_json() -> impl Strategy<Value = String> {
    let base = sample_trace_json();
    let len = base.len();
    (0..len, 0..len, "(?s).{0,12}").prop_map(move |(a, b, insert)| {
        let (start, end) = (a.min(b), a.max(b));
        let mut text = base.clone();
        if text.is_char_boundary(start) && text.is_char_boundary(end) {
            text.replace_range(start..end.min(start + 16), &insert);
        }
        text
    })
}

/// Packed batches: well-formed records with random items, then random
/// bytes flipped or cut.
fn packed_batch() -> impl Strategy<Value = Vec<u8>> {
    let item = (
        prop::sample::select(vec![
            item::STRING,
            item::BUFFER,
            item::ARGV,
            item::ADDRESS,
            item::IOVEC,
            item::MSGHDR,
            item::STRUCT,
            0,
            255,
        ]),
        0u8..8,
        0u8..8,
        prop::collection::vec(any::<u8>(), 0..64),
    );
    let record = (
        prop::sample::select(vec![
            0u32, 1, 2, 4, 20, 42, 44, 46, 47, 59, 257, 262, 332, 999,
        ]),
        prop::array::uniform6(any::<u64>()),
        any::<i64>(),
        prop::collection::vec(item, 0..5),
    );
    (
        prop::collection::vec(record, 1..4),
        prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
        prop::option::of(any::<prop::sample::Index>()),
    )
        .prop_map(|(records, flips, cut)| {
            let mut out = Vec::new();
            for (nr, args, ret, items) in records {
                let mut encoded = Vec::new();
                for (kind, arg, flags, bytes) in items {
                    packed::push_item(&mut encoded, kind, arg, flags, &bytes);
                }
                let rec = SyscallRecord {
                    nr,
                    args,
                    result: SyscallResult::Returned(ret),
                    timestamp_nanos: 0,
                    duration_nanos: 0,
                    pid: 1,
                    tid: 1,
                    cpu: 0,
                    lamport: 0,
                };
                packed::push_record(&mut out, &rec, &encoded);
            }
            for (at, byte) in flips {
                let at = at.index(out.len());
                out[at] ^= byte;
            }
            if let Some(cut) = cut {
                out.truncate(cut.index(out.len() + 1));
            }
            out
        })
}

/// Everything a consumer does with a packed batch.
fn read_packed(batch: &[u8]) -> Result<(), TestCaseError> {
    for record in packed::records(batch) {
        match record {
            Ok((rec, items)) => {
                let _ = packed::items(items).count();
                let _ = packed::captured(items);
                let _ = packed::by_argument(items);
                for limit in [0, 32, 4096] {
                    let call = JsonSyscall::from_packed(
                        &rec,
                        items,
                        &DecodeOptions {
                            string_limit: limit,
                            ..DecodeOptions::default()
                        },
                    );
                    let _ = serde_json::to_string(&call).unwrap();
                }
            }
            Err(err) => one_line(&err)?,
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn filter_expressions_never_panic(exprs in prop::collection::vec(filter_expr(), 0..4)) {
        if let Err(err) = parse_filter_args(&exprs) {
            one_line(&err)?;
        }
    }

    #[test]
    fn json_traces_never_panic(text in prop_oneof![mutated_json(), "(?s).{0,200}", "[\\x00-\\x7f]{0,200}"]) {
        if let Err(err) = TraceFile::parse(&text) {
            one_line(&err)?;
        }
    }

    #[test]
    fn traceparents_never_panic(
        text in prop_oneof![
            "[0-9a-fA-F-]{0,60}",
            "[0-9a-f\\-\n\r\t\\x00 ]{0,60}",
            "00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}",
            "(?s).{0,80}",
        ],
        environ in prop::collection::vec(any::<u8>(), 0..120),
    ) {
        if let Err(err) = TraceParent::parse(&text) {
            one_line(&err)?;
        }
        let mut block = b"A=1\0TRACEPARENT=".to_vec();
        block.extend_from_slice(text.as_bytes());
        block.push(0);
        for environ in [&block, &environ] {
            if let Some(Err(err)) = TraceParent::from_environ(environ) {
                one_line(&err)?;
            }
        }
    }

    #[test]
    fn packed_batches_never_panic(batch in prop_oneof![
        packed_batch(),
        prop::collection::vec(any::<u8>(), 0..300),
    ]) {
        read_packed(&batch)?;
    }
}

#[test]
fn the_sample_trace_parses() {
    TraceFile::parse(&sample_trace_json()).unwrap();
}
