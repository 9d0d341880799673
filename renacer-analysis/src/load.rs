//! Loading `renacer-json-v1` files, including those written by older renacer
//! versions.
//!
//! Older versions wrote each argument as a `[name, value]` pair
//! (`"args": [["fd", "3"], ["buf", "\"hello\""]]`), with the value a string or
//! a number. Those are normalised to the current plain strings, so the
//! analyses see one shape. The file is read in a single pass with a schema
//! that accepts both forms, so every error keeps its line and column.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

use renacer_trace::json::{
    Drops, FORMAT, JsonCaptured, JsonResult, JsonSyscall, ProcessInfo, Statistics, TraceFile,
};

/// Errors are renacer-trace's own JSON errors: one type, one message format.
pub use renacer_trace::json::JsonError as LoadError;

/// Why a trace file's bytes could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TraceReadError {
    #[error(transparent)]
    Json(#[from] LoadError),
    #[error(transparent)]
    Compressed(#[from] crate::rle::RleError),
    #[error("not a trace: neither UTF-8 JSON nor a compressed renacer trace ({0})")]
    NotText(std::str::Utf8Error),
}

/// Reads a trace file in either form, told apart by its first bytes: a
/// `--compress`ed trace or renacer-json-v1 text.
pub fn load_trace_bytes(data: &[u8]) -> Result<TraceFile, TraceReadError> {
    if crate::rle::is_compressed(data) {
        return Ok(crate::rle::decompress(data)?);
    }
    let text = std::str::from_utf8(data).map_err(TraceReadError::NotText)?;
    Ok(load_trace(text)?)
}

/// Parses a trace file, accepting plain-string and `[name, value]` arguments.
/// `statistics` may be absent (it is then recomputed from the records).
pub fn load_trace(text: &str) -> Result<TraceFile, LoadError> {
    // The format is checked first so that another format is rejected by name
    // rather than by whichever field it happens to lack.
    let probe: FormatProbe = serde_json::from_str(text)?;
    if let Some(found) = probe.format
        && found != FORMAT
    {
        return Err(LoadError::UnsupportedFormat { found });
    }
    let file: LenientFile = serde_json::from_str(text)?;
    let syscalls: Vec<JsonSyscall> = file.syscalls.into_iter().map(Into::into).collect();
    let statistics = file.statistics.unwrap_or_else(|| statistics_of(&syscalls));
    Ok(TraceFile {
        version: file.version,
        format: file.format,
        trace_id: file.trace_id,
        process: file.process,
        syscalls,
        statistics,
        drops: file.drops,
        incomplete: file.incomplete,
    })
}

fn statistics_of(syscalls: &[JsonSyscall]) -> Statistics {
    let mut statistics = Statistics::default();
    for call in syscalls {
        statistics.add(call);
    }
    statistics
}

#[derive(Deserialize)]
struct FormatProbe {
    format: Option<String>,
}

/// [`TraceFile`] with lenient arguments.
#[derive(Deserialize)]
struct LenientFile {
    version: String,
    format: String,
    trace_id: String,
    process: ProcessInfo,
    syscalls: Vec<LenientSyscall>,
    #[serde(default)]
    statistics: Option<Statistics>,
    #[serde(default)]
    drops: Drops,
    #[serde(default)]
    incomplete: Option<String>,
}

#[derive(Deserialize)]
struct LenientSyscall {
    name: String,
    args: Vec<Arg>,
    #[serde(default)]
    raw_args: Vec<u64>,
    #[serde(default)]
    captured: Vec<JsonCaptured>,
    result: JsonResult,
    #[serde(default)]
    errno: Option<String>,
    duration_nanos: u64,
    pid: u32,
    tid: u32,
    lamport: u64,
    timestamp_nanos: u64,
    #[serde(default)]
    source: Option<renacer_trace::stack::JsonSource>,
}

impl From<LenientSyscall> for JsonSyscall {
    fn from(s: LenientSyscall) -> Self {
        Self {
            name: s.name,
            args: s.args.into_iter().map(|a| a.0).collect(),
            raw_args: s.raw_args,
            captured: s.captured,
            result: s.result,
            errno: s.errno,
            duration_nanos: s.duration_nanos,
            pid: s.pid,
            tid: s.tid,
            lamport: s.lamport,
            timestamp_nanos: s.timestamp_nanos,
            source: s.source,
        }
    }
}

/// One argument: a string, a number, a `[name, value]` pair or a
/// `{"name": .., "value": ..}` object, normalised to the value's text.
struct Arg(String);

impl<'de> Deserialize<'de> for Arg {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ArgVisitor { in_pair: false })
    }
}

/// The value half of a pair: scalars only, so pairs cannot nest.
struct PairValue(String);

impl<'de> Deserialize<'de> for PairValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ArgVisitor { in_pair: true })
            .map(|Arg(s)| Self(s))
    }
}

struct ArgVisitor {
    in_pair: bool,
}

impl<'de> Visitor<'de> for ArgVisitor {
    type Value = Arg;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.in_pair {
            f.write_str("an argument value (string or number)")
        } else {
            f.write_str("an argument: a string, a number or a [name, value] pair")
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Arg, E> {
        Ok(Arg(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Arg, E> {
        Ok(Arg(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Arg, E> {
        Ok(Arg(v.to_string()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Arg, E> {
        Ok(Arg(v.to_string()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Arg, E> {
        Ok(Arg(v.to_string()))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Arg, E> {
        Ok(Arg(v.to_string()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Arg, A::Error> {
        if self.in_pair {
            return Err(de::Error::invalid_type(de::Unexpected::Seq, &self));
        }
        let _name: String = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(0, &"a [name, value] pair"))?;
        let PairValue(value) = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(1, &"a [name, value] pair"))?;
        if seq.next_element::<de::IgnoredAny>()?.is_some() {
            return Err(de::Error::invalid_length(3, &"a [name, value] pair"));
        }
        Ok(Arg(value))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Arg, A::Error> {
        if self.in_pair {
            return Err(de::Error::invalid_type(de::Unexpected::Map, &self));
        }
        let mut value = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == "value" {
                value = Some(map.next_value::<PairValue>()?.0);
            } else {
                map.next_value::<de::IgnoredAny>()?;
            }
        }
        value
            .map(Arg)
            .ok_or_else(|| de::Error::missing_field("value"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{TraceBuilder, q};

    fn sample() -> TraceFile {
        let mut b = TraceBuilder::new(10);
        b.call(10, "write", &["1", &q("hello\n"), "6"], 6)
            .call(10, "read", &["0x3", "0x7ffd0000", "0x340"], 0)
            .exit(10, 0);
        b.build()
    }

    #[test]
    fn current_format() {
        let t = sample();
        assert_eq!(load_trace(&t.to_json_pretty()).expect("loads"), t);
    }

    #[test]
    fn pair_arguments_are_normalised() {
        let json = r#"{
          "version": "0.0.9", "format": "renacer-json-v1",
          "trace_id": "0123456789abcdef0123456789abcdef",
          "process": {"pid": 7, "command": ["cat"]},
          "syscalls": [
            {"name": "write", "args": [["fd", "3"], ["buf", "\"hello\""], ["count", 5]],
             "result": 5, "duration_nanos": 10, "pid": 7, "tid": 7, "lamport": 1,
             "timestamp_nanos": 100},
            {"name": "close", "args": [{"name": "fd", "value": 3}],
             "result": 0, "duration_nanos": 1, "pid": 7, "tid": 7, "lamport": 2,
             "timestamp_nanos": 200}
          ]
        }"#;
        let t = load_trace(json).expect("loads");
        assert_eq!(t.syscalls[0].args, ["3", "\"hello\"", "5"]);
        assert_eq!(t.syscalls[1].args, ["3"]);
        // statistics were absent and are recomputed.
        assert_eq!(t.statistics.total_syscalls, 2);
        assert_eq!(t.statistics.total_duration_nanos, 11);
        assert_eq!(t.statistics.syscall_counts.get("write"), Some(&1));
    }

    #[test]
    fn malformed_json_has_position() {
        let err = load_trace("{\n  \"format\": \"renacer-json-v1\",\n  \"version\": ]\n}")
            .expect_err("malformed");
        assert!(
            matches!(
                err,
                LoadError::Parse {
                    line: 3,
                    column: 14,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("line 3, column 14"), "{err}");
    }

    #[test]
    fn bad_argument_has_position() {
        let json = sample()
            .to_json_pretty()
            .replacen("\"0x3\"", "[\"fd\", [1]]", 1);
        let err = load_trace(&json).expect_err("nested pair");
        let LoadError::Parse { line, message, .. } = &err else {
            panic!("unexpected {err:?}");
        };
        let expected_line = json
            .lines()
            .position(|l| l.contains("[\"fd\", [1]]"))
            .expect("replaced")
            + 1;
        assert_eq!(*line, expected_line, "{err}");
        assert!(message.contains("string or number"), "{message}");
    }

    #[test]
    fn other_format_rejected() {
        let json = sample()
            .to_json_pretty()
            .replace("renacer-json-v1", "renacer-json-v2");
        assert!(matches!(
            load_trace(&json),
            Err(LoadError::UnsupportedFormat { found }) if found == "renacer-json-v2"
        ));
    }
}
