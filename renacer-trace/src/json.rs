//! The `renacer-json-v1` trace file format.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::decode::{Captured, DecodeOptions, decode_args};
use crate::errno;
use crate::record::{SyscallRecord, SyscallResult, arg_count};
pub use crate::stack::{JsonFrame, JsonSource};

/// Value of [`TraceFile::format`].
pub const FORMAT: &str = "renacer-json-v1";

/// A whole trace as written by `renacer -o trace.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceFile {
    /// renacer version that wrote the file.
    pub version: String,
    /// Always [`FORMAT`].
    pub format: String,
    /// 32 lowercase hex characters.
    pub trace_id: String,
    pub process: ProcessInfo,
    pub syscalls: Vec<JsonSyscall>,
    pub statistics: Statistics,
    #[serde(default)]
    pub drops: Drops,
    /// Why the trace ends early, when it does: the capture was interrupted
    /// (a signal to renacerctl, the daemon gone) and holds what arrived until then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incomplete: Option<String>,
    /// Forks, execs, exits and signals of the traced tasks, in the order
    /// they happened (absent in files from older versions).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<JsonEvent>,
}

/// A process or signal event of the trace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonEvent {
    pub kind: JsonEventKind,
    pub pid: u32,
    pub tid: u32,
    pub timestamp_nanos: u64,
    pub lamport: u64,
    /// Fork: the new task's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub child_pid: Option<u32>,
    /// Exit: the whole thread group is gone.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub group_dead: bool,
    /// Exit: the wait status (`exit code << 8`, or the killing signal |
    /// 0x80 when it dumped core).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_status: Option<u32>,
    /// Exit and signal: strace's line (`+++ exited with 0 +++`,
    /// `--- SIGCHLD {si_signo=SIGCHLD, ...} ---`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Signal: how the kernel reported it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal_how: Option<crate::signal::SignalHow>,
    /// Signal: its number and `si_code`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signo: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub si_code: Option<i32>,
    /// Fork (the child's), exec and exit: the task's cgroup v2 path, relative
    /// to the cgroup2 mount, and the container and Kubernetes pod it names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cgroup: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k8s_pod_uid: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JsonEventKind {
    Fork,
    Exec,
    Exit,
    Signal,
}

impl JsonEvent {
    /// A bare event of `kind`; the kind's fields are set by the caller.
    pub fn new(
        kind: JsonEventKind,
        pid: u32,
        tid: u32,
        timestamp_nanos: u64,
        lamport: u64,
    ) -> Self {
        Self {
            kind,
            pid,
            tid,
            timestamp_nanos,
            lamport,
            child_pid: None,
            group_dead: false,
            exit_status: None,
            text: None,
            signal_how: None,
            signo: None,
            si_code: None,
            cgroup: None,
            container_id: None,
            k8s_pod_uid: None,
        }
    }

    /// A task's end with its wait status.
    pub fn exit(
        pid: u32,
        tid: u32,
        timestamp_nanos: u64,
        lamport: u64,
        group_dead: bool,
        status: u32,
    ) -> Self {
        Self {
            group_dead,
            exit_status: Some(status),
            text: Some(crate::signal::exit_line(status)),
            ..Self::new(JsonEventKind::Exit, pid, tid, timestamp_nanos, lamport)
        }
    }

    /// A signal report.
    pub fn signal(
        pid: u32,
        tid: u32,
        timestamp_nanos: u64,
        lamport: u64,
        how: crate::signal::SignalHow,
        info: &crate::signal::Siginfo,
    ) -> Self {
        Self {
            text: Some(crate::signal::signal_line(info)),
            signal_how: Some(how),
            signo: Some(info.signo()),
            si_code: Some(info.code()),
            ..Self::new(JsonEventKind::Signal, pid, tid, timestamp_nanos, lamport)
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessInfo {
    pub pid: u32,
    /// Empty when renacer attached to a running process.
    pub command: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statistics {
    pub total_syscalls: u64,
    pub total_duration_nanos: u64,
    pub syscall_counts: BTreeMap<String, u64>,
}

impl Statistics {
    /// Counts one more call.
    pub fn add(&mut self, call: &JsonSyscall) {
        self.total_syscalls += 1;
        self.total_duration_nanos = self
            .total_duration_nanos
            .saturating_add(call.duration_nanos);
        match self.syscall_counts.get_mut(&call.name) {
            Some(count) => *count += 1,
            None => {
                self.syscall_counts.insert(call.name.clone(), 1);
            }
        }
    }
}

/// Writes a renacer-json-v1 document as its calls arrive, one call per line,
/// so memory stays flat however long the trace: the header first, the
/// statistics and drops (known only at the end) last. The result parses as
/// the same [`TraceFile`] that [`TraceFile::to_json_pretty`] writes.
#[derive(Debug)]
pub struct TraceWriter<W: std::io::Write> {
    out: W,
    statistics: Statistics,
    /// Process events, written after the calls (a few per process).
    events: Vec<JsonEvent>,
}

impl<W: std::io::Write> TraceWriter<W> {
    /// Writes everything before the first call.
    pub fn begin(mut out: W, trace_id: &str, process: &ProcessInfo) -> std::io::Result<Self> {
        write!(
            out,
            "{{\n  \"version\": {},\n  \"format\": {},\n  \"trace_id\": {},\n  \"process\": {},\n  \"syscalls\": [",
            json_string(env!("CARGO_PKG_VERSION")),
            json_string(FORMAT),
            json_string(trace_id),
            to_json_compact(process),
        )?;
        Ok(Self {
            out,
            statistics: Statistics::default(),
            events: Vec::new(),
        })
    }

    /// A process or signal event, written with the trace's end.
    pub fn event(&mut self, event: JsonEvent) {
        self.events.push(event);
    }

    pub fn syscall(&mut self, call: &JsonSyscall) -> std::io::Result<()> {
        let separator = if self.statistics.total_syscalls == 0 {
            "\n    "
        } else {
            ",\n    "
        };
        self.out.write_all(separator.as_bytes())?;
        serde_json::to_writer(&mut self.out, call).map_err(std::io::Error::from)?;
        self.statistics.add(call);
        Ok(())
    }

    /// Calls written so far.
    pub fn statistics(&self) -> &Statistics {
        &self.statistics
    }

    /// Pushes what was written so far to the underlying writer (a reader of
    /// the file sees whole lines).
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }

    /// Closes the document; `incomplete` says why it ends early, if it does.
    pub fn finish(mut self, drops: Drops, incomplete: Option<&str>) -> std::io::Result<W> {
        let close = if self.statistics.total_syscalls == 0 {
            "],\n"
        } else {
            "\n  ],\n"
        };
        self.out.write_all(close.as_bytes())?;
        if !self.events.is_empty() {
            self.out.write_all(b"  \"events\": [")?;
            for (i, event) in self.events.iter().enumerate() {
                let separator = if i == 0 { "\n    " } else { ",\n    " };
                self.out.write_all(separator.as_bytes())?;
                serde_json::to_writer(&mut self.out, event).map_err(std::io::Error::from)?;
            }
            self.out.write_all(b"\n  ],\n")?;
        }
        write!(
            self.out,
            "  \"statistics\": {},\n  \"drops\": {}",
            to_json_compact(&self.statistics),
            to_json_compact(&drops),
        )?;
        if let Some(reason) = incomplete {
            write!(self.out, ",\n  \"incomplete\": {}", json_string(reason))?;
        }
        self.out.write_all(b"\n}\n")?;
        self.out.flush()?;
        Ok(self.out)
    }
}

fn json_string(s: &str) -> String {
    to_json_compact(&s)
}

fn to_json_compact<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).expect("plain data with string map keys serializes infallibly")
}

/// Events lost before they reached the file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drops {
    /// Ring-buffer reserve failures in the kernel.
    #[serde(default)]
    pub kernel: u64,
    /// Events dropped because the daemon's queue overflowed.
    #[serde(default)]
    pub daemon: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonSyscall {
    pub name: String,
    /// Arguments decoded as strace shows them (`AT_FDCWD`, `"/etc/hosts"`,
    /// `O_RDONLY|O_CLOEXEC`). Files from older versions hold hex here.
    pub args: Vec<String>,
    /// The raw argument registers, as many as the syscall takes (absent in
    /// files from older versions).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub raw_args: Vec<u64>,
    /// Bytes the kernel read from the tracee for this call, strace-escaped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub captured: Vec<JsonCaptured>,
    pub result: JsonResult,
    /// Errno name (`ENOENT`) when the call failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errno: Option<String>,
    pub duration_nanos: u64,
    pub pid: u32,
    pub tid: u32,
    pub lamport: u64,
    pub timestamp_nanos: u64,
    /// Where the call was made from (`--source`, `-k`); absent in traces
    /// captured without it and in files from older versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<JsonSource>,
}

/// Strings or buffers read through one argument.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonCaptured {
    /// The argument (0-5) the bytes were read through.
    pub arg: u32,
    /// One escaped string per item (`"hello\n"`); several for execve's argv.
    pub items: Vec<String>,
    /// More data followed than was read.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

/// A return value, or a marker string for calls that did not return.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum JsonResult {
    Returned(i64),
    Marker(JsonMarker),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum JsonMarker {
    /// `exit`, `exit_group`: strace's `= ?`.
    #[serde(rename = "?")]
    NoReturn,
    #[serde(rename = "unfinished")]
    Unfinished,
}

impl From<SyscallResult> for JsonResult {
    fn from(result: SyscallResult) -> Self {
        match result {
            SyscallResult::Returned(r) => Self::Returned(r),
            SyscallResult::NoReturn => Self::Marker(JsonMarker::NoReturn),
            SyscallResult::Unfinished => Self::Marker(JsonMarker::Unfinished),
        }
    }
}

impl From<JsonResult> for SyscallResult {
    fn from(result: JsonResult) -> Self {
        match result {
            JsonResult::Returned(r) => Self::Returned(r),
            JsonResult::Marker(JsonMarker::NoReturn) => Self::NoReturn,
            JsonResult::Marker(JsonMarker::Unfinished) => Self::Unfinished,
        }
    }
}

/// Without captured memory: strings and buffers show as addresses.
impl From<&SyscallRecord> for JsonSyscall {
    fn from(rec: &SyscallRecord) -> Self {
        let args = decode_args(rec, &Captured::default(), &DecodeOptions::default());
        Self::decoded(rec, args, Vec::new())
    }
}

impl JsonSyscall {
    /// A record with arguments decoded elsewhere (by the daemon) and the
    /// bytes they were decoded from.
    pub fn decoded(rec: &SyscallRecord, args: Vec<String>, captured: Vec<JsonCaptured>) -> Self {
        Self {
            name: rec.name().into_owned(),
            args,
            raw_args: rec.args.iter().take(arg_count(rec.nr)).copied().collect(),
            captured,
            result: rec.result.into(),
            errno: rec
                .result
                .errno()
                .map(|e| errno::name(e).map_or_else(|| e.to_string(), str::to_owned)),
            duration_nanos: rec.duration_nanos,
            pid: rec.pid,
            tid: rec.tid,
            lamport: rec.lamport,
            timestamp_nanos: rec.timestamp_nanos,
            source: None,
        }
    }
}

impl JsonSyscall {
    /// A call in its packed form (see [`crate::packed`]), decoded here.
    pub fn from_packed(rec: &SyscallRecord, items: &[u8], options: &DecodeOptions) -> Self {
        let args = decode_args(rec, &crate::packed::captured(items), options);
        let captured = crate::packed::by_argument(items)
            .into_iter()
            .map(|group| JsonCaptured {
                arg: group.arg,
                items: group
                    .items
                    .into_iter()
                    .map(crate::decode::escape_bytes)
                    .collect(),
                truncated: group.truncated,
            })
            .collect();
        Self::decoded(rec, args, captured)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum JsonError {
    /// Malformed JSON or a document that does not fit the schema.
    #[error("invalid trace file at line {line}, column {column}: {message}")]
    Parse {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("unsupported trace format {found:?} (expected {FORMAT:?})")]
    UnsupportedFormat { found: String },
}

impl From<serde_json::Error> for JsonError {
    fn from(e: serde_json::Error) -> Self {
        let (line, column) = (e.line(), e.column());
        // serde_json appends the position to its message; we report it separately.
        let full = e.to_string();
        let suffix = format!(" at line {line} column {column}");
        let message = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
        Self::Parse {
            line,
            column,
            message,
        }
    }
}

/// Only the `format` field, read first so that files in another format are
/// rejected by name rather than by whichever field they happen to lack.
#[derive(Deserialize)]
struct FormatProbe {
    format: Option<String>,
}

impl TraceFile {
    /// Builds the file for `records`; `version` is this crate's version.
    pub fn from_records(
        trace_id: String,
        process: ProcessInfo,
        records: &[SyscallRecord],
        drops: Drops,
    ) -> Self {
        Self::from_syscalls(
            trace_id,
            process,
            records.iter().map(JsonSyscall::from).collect(),
            drops,
        )
    }

    /// Builds the file for records already in their JSON form.
    pub fn from_syscalls(
        trace_id: String,
        process: ProcessInfo,
        syscalls: Vec<JsonSyscall>,
        drops: Drops,
    ) -> Self {
        let mut statistics = Statistics::default();
        for call in &syscalls {
            statistics.add(call);
        }
        Self {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            format: FORMAT.to_owned(),
            trace_id,
            process,
            statistics,
            syscalls,
            drops,
            incomplete: None,
            events: Vec::new(),
        }
    }

    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self)
            .expect("TraceFile serializes infallibly: plain data with string map keys")
    }

    pub fn parse(s: &str) -> Result<Self, JsonError> {
        let probe: FormatProbe = serde_json::from_str(s)?;
        if let Some(found) = probe.format
            && found != FORMAT
        {
            return Err(JsonError::UnsupportedFormat { found });
        }
        Ok(serde_json::from_str(s)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(nr: u32, result: SyscallResult, lamport: u64) -> SyscallRecord {
        SyscallRecord {
            nr,
            args: [3, 0x7ffd_0000, 0x340, 0, 0, 0],
            result,
            timestamp_nanos: 1_000 + lamport,
            duration_nanos: 500,
            pid: 42,
            tid: 43,
            cpu: 1,
            lamport,
        }
    }

    fn sample() -> TraceFile {
        let records = [
            rec(0, SyscallResult::Returned(832), 1),
            rec(257, SyscallResult::Returned(-2), 2),
            rec(0, SyscallResult::Unfinished, 3),
            rec(231, SyscallResult::NoReturn, 4),
        ];
        TraceFile::from_records(
            "0123456789abcdef0123456789abcdef".to_owned(),
            ProcessInfo {
                pid: 42,
                command: vec!["cat".to_owned(), "/etc/hostname".to_owned()],
            },
            &records,
            Drops {
                kernel: 1,
                daemon: 2,
            },
        )
    }

    #[test]
    fn from_records() {
        let t = sample();
        assert_eq!(t.format, FORMAT);
        assert_eq!(t.version, env!("CARGO_PKG_VERSION"));
        assert_eq!(t.statistics.total_syscalls, 4);
        assert_eq!(t.statistics.total_duration_nanos, 2_000);
        assert_eq!(t.statistics.syscall_counts.get("read"), Some(&2));
        // Decoded, with no captured memory: buffers and paths are addresses.
        assert_eq!(t.syscalls[0].args, ["3", "0x7ffd0000", "832"]);
        assert_eq!(t.syscalls[0].raw_args, [3, 0x7ffd_0000, 0x340]);
        assert_eq!(
            t.syscalls[1].args,
            [
                "3",
                "0x7ffd0000",
                "O_RDONLY|O_CREAT|O_NOCTTY|O_TRUNC",
                "000"
            ]
        );
        assert_eq!(t.syscalls[1].raw_args, [3, 0x7ffd_0000, 0x340, 0]);
        assert_eq!(t.syscalls[1].errno.as_deref(), Some("ENOENT"));
        assert_eq!(t.syscalls[3].args, ["3"]);
    }

    #[test]
    fn streamed_document_parses_as_the_same_trace() {
        let whole = sample();
        let mut writer =
            TraceWriter::begin(Vec::new(), &whole.trace_id, &whole.process).expect("in memory");
        for call in &whole.syscalls {
            writer.syscall(call).expect("in memory");
        }
        let bytes = writer.finish(whole.drops, None).expect("in memory");
        let text = String::from_utf8(bytes).expect("UTF-8");
        assert_eq!(TraceFile::parse(&text).expect("valid"), whole);
        // One call per line: a reader can follow the file as it grows.
        assert_eq!(text.lines().filter(|l| l.contains("\"name\"")).count(), 4);
    }

    /// Exits and signals go in `events`, after the calls; files without
    /// the field (older versions) load with none.
    #[test]
    fn events_stream_and_round_trip() {
        let mut whole = sample();
        let mut info = [0u8; crate::signal::SIGINFO_BYTES];
        info[0..4].copy_from_slice(&17i32.to_ne_bytes());
        info[8..12].copy_from_slice(&1i32.to_ne_bytes());
        info[16..20].copy_from_slice(&43i32.to_ne_bytes());
        let signal = JsonEvent::signal(
            42,
            42,
            9_000,
            6,
            crate::signal::SignalHow::Delivered,
            &crate::signal::Siginfo(info),
        );
        assert_eq!(
            signal.text.as_deref(),
            Some(
                "--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=43, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---"
            )
        );
        let exit = JsonEvent::exit(42, 42, 10_000, 7, true, 1 << 8);
        assert_eq!(exit.text.as_deref(), Some("+++ exited with 1 +++"));
        whole.events = vec![signal, exit];
        let mut writer =
            TraceWriter::begin(Vec::new(), &whole.trace_id, &whole.process).expect("in memory");
        for call in &whole.syscalls {
            writer.syscall(call).expect("in memory");
        }
        for event in &whole.events {
            writer.event(event.clone());
        }
        let bytes = writer.finish(whole.drops, None).expect("in memory");
        let text = String::from_utf8(bytes).expect("UTF-8");
        assert_eq!(TraceFile::parse(&text).expect("valid"), whole);
        let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(v["events"][1]["kind"], "exit");
        assert_eq!(v["events"][1]["exit_status"], 256);
        assert_eq!(v["events"][0]["signal_how"], "delivered");
        assert_eq!(
            TraceFile::parse(&sample().to_json_pretty())
                .expect("old")
                .events,
            []
        );
    }

    #[test]
    fn an_interrupted_stream_is_marked_and_still_loads() {
        let writer = TraceWriter::begin(Vec::new(), "ab", &ProcessInfo::default()).expect("mem");
        let bytes = writer
            .finish(Drops::default(), Some("interrupted by SIGINT"))
            .expect("in memory");
        let trace = TraceFile::parse(std::str::from_utf8(&bytes).expect("UTF-8")).expect("valid");
        assert!(trace.syscalls.is_empty());
        assert_eq!(trace.incomplete.as_deref(), Some("interrupted by SIGINT"));
        // Files without the field (older versions) load as complete.
        let mut old = serde_json::to_value(sample()).expect("value");
        old.as_object_mut().expect("object").remove("incomplete");
        assert_eq!(
            TraceFile::parse(&old.to_string())
                .expect("valid")
                .incomplete,
            None
        );
    }

    #[test]
    fn json_shape() {
        let json = sample().to_json_pretty();
        let v: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
        assert_eq!(v["syscalls"][0]["result"], 832);
        assert_eq!(v["syscalls"][1]["result"], -2);
        assert_eq!(v["syscalls"][1]["errno"], "ENOENT");
        assert!(v["syscalls"][0].get("errno").is_none());
        assert_eq!(v["syscalls"][2]["result"], "unfinished");
        assert_eq!(v["syscalls"][3]["result"], "?");
        assert_eq!(v["drops"]["kernel"], 1);
        assert_eq!(v["format"], "renacer-json-v1");
    }

    #[test]
    fn round_trip() {
        let t = sample();
        let parsed = TraceFile::parse(&t.to_json_pretty()).expect("parses");
        assert_eq!(parsed, t);
        let results: Vec<SyscallResult> = parsed.syscalls.iter().map(|s| s.result.into()).collect();
        assert_eq!(
            results,
            [
                SyscallResult::Returned(832),
                SyscallResult::Returned(-2),
                SyscallResult::Unfinished,
                SyscallResult::NoReturn,
            ]
        );
    }

    #[test]
    fn captured_bytes_round_trip() {
        let mut t = sample();
        t.syscalls[0].captured = vec![JsonCaptured {
            arg: 1,
            items: vec![crate::decode::escape_bytes(b"hi\n\0")],
            truncated: true,
        }];
        let json = t.to_json_pretty();
        let v: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
        assert_eq!(v["syscalls"][0]["captured"][0]["items"][0], r#""hi\n\0""#);
        assert_eq!(v["syscalls"][0]["captured"][0]["truncated"], true);
        assert_eq!(v["syscalls"][0]["raw_args"][2], 0x340);
        assert!(v["syscalls"][1].get("captured").is_none());
        assert_eq!(TraceFile::parse(&json).expect("parses"), t);
    }

    #[test]
    fn older_files_without_raw_values_still_load() {
        let mut v: serde_json::Value =
            serde_json::from_str(&sample().to_json_pretty()).expect("valid JSON");
        for call in v["syscalls"].as_array_mut().expect("array") {
            if let Some(call) = call.as_object_mut() {
                call.remove("raw_args");
            }
        }
        let parsed = TraceFile::parse(&v.to_string()).expect("parses");
        assert!(parsed.syscalls.iter().all(|c| c.raw_args.is_empty()));
    }

    #[test]
    fn drops_default_when_absent() {
        let mut v: serde_json::Value =
            serde_json::from_str(&sample().to_json_pretty()).expect("valid JSON");
        if let Some(obj) = v.as_object_mut() {
            obj.remove("drops");
        }
        let parsed = TraceFile::parse(&v.to_string()).expect("parses");
        assert_eq!(parsed.drops, Drops::default());
    }

    #[test]
    fn malformed_input_reports_position() {
        let err = TraceFile::parse("{\n  \"format\": \"renacer-json-v1\",\n  \"version\": ]\n}")
            .expect_err("malformed");
        match &err {
            JsonError::Parse { line, column, .. } => {
                assert_eq!((*line, *column), (3, 14));
            }
            other => panic!("unexpected error {other:?}"),
        }
        let text = err.to_string();
        assert!(text.contains("line 3, column 14"), "{text}");
        assert!(!text.ends_with("column 14"), "position repeated: {text}");
    }

    #[test]
    fn schema_errors_report_position() {
        let err = TraceFile::parse("{\"format\": \"renacer-json-v1\"}").expect_err("incomplete");
        assert!(matches!(err, JsonError::Parse { line: 1, .. }), "{err:?}");
        assert!(err.to_string().contains("missing field"), "{err}");
    }

    #[test]
    fn wrong_format_rejected() {
        let json = sample()
            .to_json_pretty()
            .replace("renacer-json-v1", "renacer-json-v2");
        let err = TraceFile::parse(&json).expect_err("wrong format");
        assert!(
            matches!(&err, JsonError::UnsupportedFormat { found } if found == "renacer-json-v2"),
            "{err:?}"
        );
        assert!(err.to_string().contains("renacer-json-v1"), "{err}");
    }
}
