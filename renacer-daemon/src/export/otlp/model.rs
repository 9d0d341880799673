//! The OTLP span model of a capture, and its volume policy. Pure: it turns
//! records into OTLP spans and does no I/O, so it is tested without root.
//!
//! - Every traced process gets one span, `process <executable>`, from its
//!   fork (or its first event) to its exit. A forked process's span is a child
//!   of its parent's; the first process's span is a child of the imposed
//!   traceparent's span, or a root span without one.
//! - A syscall gets its own span, a child of its process span, when it took
//!   at least `span_threshold`, when it failed (ERROR status, the errno name
//!   as message) unless error spans are off, or when it never returned
//!   (`exit_group`, or still in flight at the end).
//! - At most `max_spans` syscall spans per capture; the rest are counted.
//! - Every syscall, with or without its own span, is counted on its process
//!   span: `syscall.<name>.calls`, `.errors` and `.total_ns` attributes.
use std::{
    collections::HashMap,
    hash::{BuildHasherDefault, Hasher},
};

use opentelemetry_proto::tonic::{
    common::v1::{AnyValue, ArrayValue, KeyValue, any_value::Value},
    trace::v1::{Span, Status, span::SpanKind, status::StatusCode},
};
use renacer_trace::{
    SyscallRecord, SyscallResult,
    decode::{Captured, DecodeOptions, decode_args, decode_return},
    errno, syscalls,
};

/// Which syscalls become spans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Calls at least this slow get a span.
    pub span_threshold_nanos: u64,
    /// Failed calls get a span whatever their duration.
    pub error_spans: bool,
    /// Syscall spans per capture at most.
    pub max_spans: u64,
}

impl Policy {
    fn wants_span(&self, record: &SyscallRecord) -> bool {
        match record.result {
            SyscallResult::NoReturn | SyscallResult::Unfinished => true,
            SyscallResult::Returned(_) => {
                record.duration_nanos >= self.span_threshold_nanos
                    || (self.error_spans && record.result.is_error())
            }
        }
    }
}

/// The trace a capture's spans belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceContext {
    pub trace_id: [u8; 16],
    /// The imposed parent span (from a traceparent), if any.
    pub parent_span_id: Option<[u8; 8]>,
}

/// Span ids: splitmix64 over a random seed, never zero (invalid in W3C).
#[derive(Debug, Clone)]
pub struct SpanIds(u64);

impl SpanIds {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next(&mut self) -> [u8; 8] {
        loop {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            if z != 0 {
                return z.to_be_bytes();
            }
        }
    }
}

/// What the model made, for the capture's report.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ModelCounts {
    pub process_spans: u64,
    pub syscall_spans: u64,
    /// Syscalls that qualified for a span beyond `max_spans`.
    pub capped: u64,
}

/// Hashes a pid with one multiply: this map is looked up once per syscall
/// on the reader thread, where SipHash costs more than everything else.
#[derive(Debug, Default)]
struct PidHasher(u64);

impl Hasher for PidHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 << 8 | u64::from(byte)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }

    fn write_u32(&mut self, value: u32) {
        self.0 = u64::from(value).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

type PidMap<V> = HashMap<u32, V, BuildHasherDefault<PidHasher>>;

/// Per-syscall totals of one process, indexed by syscall number.
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    calls: u64,
    errors: u64,
    total_nanos: u64,
}

#[derive(Debug)]
struct ProcessSpan {
    span_id: [u8; 8],
    parent_span_id: Option<[u8; 8]>,
    parent_pid: Option<u32>,
    start_nanos: u64,
    command: Vec<String>,
    /// Calls that returned, by number (as strace -c counts them).
    by_nr: Vec<Counts>,
    /// Calls that never returned or were unfinished: not in `by_nr`.
    no_return: u64,
    execs: u32,
    syscall_spans: u64,
    capped: u64,
    last_lamport: u64,
    /// The process's cgroup v2 path, when known.
    cgroup: Option<String>,
}

impl ProcessSpan {
    fn count(&mut self, record: &SyscallRecord) {
        if !matches!(record.result, SyscallResult::Returned(_)) {
            self.no_return += 1;
            return;
        }
        let index = record.nr as usize;
        if index >= self.by_nr.len() {
            self.by_nr.resize(index + 1, Counts::default());
        }
        let counts = &mut self.by_nr[index];
        counts.calls += 1;
        counts.errors += u64::from(record.result.is_error());
        counts.total_nanos += record.duration_nanos;
    }
}

/// Builds a capture's spans as its events arrive.
#[derive(Debug)]
pub struct SpanModel {
    context: TraceContext,
    policy: Policy,
    ids: SpanIds,
    root_pid: u32,
    root_command: Vec<String>,
    root_start_nanos: u64,
    processes: PidMap<ProcessSpan>,
    /// Tasks forked by a traced process whose first event has not come yet:
    /// their parent and fork time. Threads also land here and leave at exit.
    forked: PidMap<(u32, u64)>,
    counts: ModelCounts,
}

impl SpanModel {
    pub fn new(
        context: TraceContext,
        policy: Policy,
        ids: SpanIds,
        root_pid: u32,
        root_command: Vec<String>,
        start_nanos: u64,
    ) -> Self {
        Self {
            context,
            policy,
            ids,
            root_pid,
            root_command,
            root_start_nanos: start_nanos,
            processes: PidMap::default(),
            forked: PidMap::default(),
            counts: ModelCounts::default(),
        }
    }

    pub fn counts(&self) -> ModelCounts {
        self.counts
    }

    /// Accounts one syscall; returns its span when the policy wants one.
    pub fn syscall(&mut self, record: &SyscallRecord, captured: &Captured<'_>) -> Option<Span> {
        let wants_span = self.policy.wants_span(record);
        let allowed = self.counts.syscall_spans < self.policy.max_spans;
        let process = self.process(record.pid, record.timestamp_nanos);
        process.count(record);
        process.last_lamport = process.last_lamport.max(record.lamport);
        if !wants_span {
            return None;
        }
        if !allowed {
            process.capped += 1;
            self.counts.capped += 1;
            return None;
        }
        process.syscall_spans += 1;
        let parent = process.span_id;
        self.counts.syscall_spans += 1;
        Some(self.syscall_span(record, captured, parent))
    }

    /// `parent` forked `child` (a process or a thread).
    pub fn fork(&mut self, parent: u32, child: u32, timestamp_nanos: u64) {
        self.process(parent, timestamp_nanos);
        self.forked.insert(child, (parent, timestamp_nanos));
    }

    /// `pid` now runs `command`; empty when it could not be read (the
    /// process was gone): the span is then named by pid, except for the first
    /// exec of the root process, whose command the capture was given.
    pub fn exec(&mut self, pid: u32, command: Vec<String>, timestamp_nanos: u64) {
        let is_root = pid == self.root_pid;
        let process = self.process(pid, timestamp_nanos);
        if !command.is_empty() || !is_root || process.execs > 0 {
            process.command = command;
        }
        process.execs += 1;
    }

    /// `pid` runs in cgroup v2 `path` (at its exec or exit).
    pub fn cgroup(&mut self, pid: u32, path: String, timestamp_nanos: u64) {
        self.process(pid, timestamp_nanos).cgroup = Some(path);
    }

    /// The argv a successful execve read in the kernel: more reliable than
    /// /proc at exec time, which a short-lived child may have left already.
    /// A truncated argv (strace's -s applies to it) only replaces an unknown command.
    pub fn exec_argv(
        &mut self,
        pid: u32,
        argv: Vec<String>,
        truncated: bool,
        timestamp_nanos: u64,
    ) {
        let process = self.process(pid, timestamp_nanos);
        if !argv.is_empty() && (!truncated || process.command.is_empty()) {
            process.command = argv;
        }
    }

    /// Task `tid` of `pid` exited; with `group_dead` the process is gone and
    /// its span is complete.
    pub fn exit(
        &mut self,
        pid: u32,
        tid: u32,
        group_dead: bool,
        timestamp_nanos: u64,
    ) -> Option<Span> {
        self.forked.remove(&tid);
        if !group_dead {
            return None;
        }
        let process = self.processes.remove(&pid)?;
        Some(self.process_span(pid, process, timestamp_nanos))
    }

    /// The spans of processes still alive when the capture ended.
    pub fn finish(&mut self, end_nanos: u64) -> Vec<Span> {
        let mut alive: Vec<(u32, ProcessSpan)> = self.processes.drain().collect();
        alive.sort_by_key(|(pid, _)| *pid);
        alive
            .into_iter()
            .map(|(pid, process)| self.process_span(pid, process, end_nanos))
            .collect()
    }

    /// The span of `pid`, opened on its first event.
    fn process(&mut self, pid: u32, timestamp_nanos: u64) -> &mut ProcessSpan {
        if !self.processes.contains_key(&pid) {
            let (parent_pid, start_nanos) = match self.forked.remove(&pid) {
                Some((parent, forked_at)) => (Some(parent), forked_at),
                None if pid == self.root_pid => (None, self.root_start_nanos.min(timestamp_nanos)),
                None => (None, timestamp_nanos),
            };
            let parent = parent_pid.and_then(|parent| self.processes.get(&parent));
            let parent_span_id = parent.map_or(self.context.parent_span_id, |p| Some(p.span_id));
            let command = match parent {
                Some(parent) => parent.command.clone(),
                None if pid == self.root_pid => self.root_command.clone(),
                None => Vec::new(),
            };
            let span = ProcessSpan {
                span_id: self.ids.next(),
                parent_span_id,
                parent_pid,
                start_nanos,
                command,
                by_nr: Vec::new(),
                no_return: 0,
                execs: 0,
                syscall_spans: 0,
                capped: 0,
                last_lamport: 0,
                cgroup: None,
            };
            self.processes.insert(pid, span);
        }
        self.processes.get_mut(&pid).expect("inserted above")
    }

    fn syscall_span(
        &mut self,
        record: &SyscallRecord,
        captured: &Captured<'_>,
        parent: [u8; 8],
    ) -> Span {
        let name = record.name().into_owned();
        let args = decode_args(record, captured, &DecodeOptions::default());
        let mut attributes = vec![
            string("syscall.name", name.clone()),
            string("syscall.result", decode_return(record)),
            key_value(
                "syscall.args",
                Value::ArrayValue(ArrayValue {
                    values: args
                        .into_iter()
                        .map(|arg| AnyValue {
                            value: Some(Value::StringValue(arg)),
                        })
                        .collect(),
                }),
            ),
            int("process.pid", record.pid.into()),
            int("thread.id", record.tid.into()),
            int("renacer.lamport", record.lamport),
            int("renacer.cpu", record.cpu.into()),
        ];
        let mut status = None;
        if let Some(code) = record.result.errno() {
            let errno_name =
                errno::name(code).map_or_else(|| format!("errno {code}"), str::to_owned);
            attributes.push(string("syscall.errno", errno_name.clone()));
            status = Some(Status {
                message: errno_name,
                code: StatusCode::Error.into(),
            });
        }
        match record.result {
            SyscallResult::NoReturn => attributes.push(bool_attr("syscall.no_return", true)),
            SyscallResult::Unfinished => attributes.push(bool_attr("syscall.unfinished", true)),
            SyscallResult::Returned(_) => {}
        }
        Span {
            trace_id: self.context.trace_id.to_vec(),
            span_id: self.ids.next().to_vec(),
            parent_span_id: parent.to_vec(),
            name,
            kind: SpanKind::Internal.into(),
            start_time_unix_nano: record.timestamp_nanos,
            end_time_unix_nano: record.timestamp_nanos + record.duration_nanos,
            attributes,
            status,
            ..Span::default()
        }
    }

    fn process_span(&mut self, pid: u32, process: ProcessSpan, end_nanos: u64) -> Span {
        self.counts.process_spans += 1;
        let executable = process
            .command
            .first()
            .map(|arg0| executable_name(arg0).to_owned())
            .unwrap_or_else(|| format!("pid {pid}"));
        let mut attributes = vec![
            int("process.pid", pid.into()),
            string("process.executable.name", executable.clone()),
            string("process.command_line", process.command.join(" ")),
            int(
                "renacer.syscalls",
                process.by_nr.iter().map(|c| c.calls).sum::<u64>() + process.no_return,
            ),
            int(
                "renacer.syscall_errors",
                process.by_nr.iter().map(|c| c.errors).sum(),
            ),
            int("renacer.syscall_spans", process.syscall_spans),
            int("renacer.syscall_spans_capped", process.capped),
            int("renacer.lamport", process.last_lamport),
        ];
        if let Some(parent) = process.parent_pid {
            attributes.push(int("process.parent_pid", parent.into()));
        }
        if let Some(path) = &process.cgroup {
            // OpenTelemetry's container and Kubernetes attribute names.
            let container = renacer_trace::cgroup::container(path);
            attributes.push(string("cgroup.path", path.clone()));
            if let Some(id) = container.id {
                attributes.push(string("container.id", id));
            }
            if let Some(uid) = container.pod_uid {
                attributes.push(string("k8s.pod.uid", uid));
            }
        }
        for (nr, counts) in process.by_nr.iter().enumerate() {
            if counts.calls == 0 {
                continue;
            }
            let name = syscalls::display_name(nr as u32);
            attributes.push(int(&format!("syscall.{name}.calls"), counts.calls));
            attributes.push(int(&format!("syscall.{name}.errors"), counts.errors));
            attributes.push(int(&format!("syscall.{name}.total_ns"), counts.total_nanos));
        }
        Span {
            trace_id: self.context.trace_id.to_vec(),
            span_id: process.span_id.to_vec(),
            parent_span_id: process
                .parent_span_id
                .map(|id| id.to_vec())
                .unwrap_or_default(),
            name: format!("process {executable}"),
            kind: SpanKind::Internal.into(),
            start_time_unix_nano: process.start_nanos,
            end_time_unix_nano: end_nanos.max(process.start_nanos),
            attributes,
            ..Span::default()
        }
    }
}

/// The file name of a command's argv[0].
pub fn executable_name(arg0: &str) -> &str {
    arg0.rsplit('/').next().unwrap_or(arg0)
}

pub fn key_value(key: &str, value: Value) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue { value: Some(value) }),
        ..KeyValue::default()
    }
}

pub fn string(key: &str, value: String) -> KeyValue {
    key_value(key, Value::StringValue(value))
}

pub fn int(key: &str, value: u64) -> KeyValue {
    key_value(
        key,
        Value::IntValue(i64::try_from(value).unwrap_or(i64::MAX)),
    )
}

fn bool_attr(key: &str, value: bool) -> KeyValue {
    key_value(key, Value::BoolValue(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRACE: [u8; 16] = [0xab; 16];
    const PARENT: [u8; 8] = [0xcd; 8];

    fn model(policy: Policy) -> SpanModel {
        SpanModel::new(
            TraceContext {
                trace_id: TRACE,
                parent_span_id: Some(PARENT),
            },
            policy,
            SpanIds::new(42),
            100,
            vec!["/usr/bin/cat".into(), "/missing".into()],
            1_000,
        )
    }

    const POLICY: Policy = Policy {
        span_threshold_nanos: 1_000,
        error_spans: true,
        max_spans: 100,
    };

    fn call(pid: u32, nr: u32, ret: i64, ts: u64, duration: u64) -> SyscallRecord {
        SyscallRecord {
            nr,
            args: [0; 6],
            result: SyscallResult::Returned(ret),
            timestamp_nanos: ts,
            duration_nanos: duration,
            pid,
            tid: pid,
            cpu: 0,
            lamport: ts,
        }
    }

    fn attr<'a>(span: &'a Span, key: &str) -> Option<&'a Value> {
        span.attributes
            .iter()
            .find(|kv| kv.key == key)
            .and_then(|kv| kv.value.as_ref()?.value.as_ref())
    }

    #[test]
    fn slow_and_failed_calls_get_spans_the_rest_is_aggregated() {
        let mut model = model(POLICY);
        // read, fast and fine: aggregated only.
        assert!(
            model
                .syscall(&call(100, 0, 5, 2_000, 10), &Captured::default())
                .is_none()
        );
        // openat ENOENT, fast: an ERROR span.
        let failed = model
            .syscall(&call(100, 257, -2, 3_000, 20), &Captured::default())
            .expect("error span");
        // read, slow: a span.
        let slow = model
            .syscall(&call(100, 0, 5, 4_000, 5_000), &Captured::default())
            .expect("slow span");
        let mut exit_group = call(100, 231, 0, 10_000, 0);
        exit_group.result = SyscallResult::NoReturn;
        let exit_span = model
            .syscall(&exit_group, &Captured::default())
            .expect("no-return span");
        let process = model.exit(100, 100, true, 11_000).expect("process span");

        assert_eq!(failed.name, "openat");
        assert_eq!(
            failed.status.as_ref().map(|s| (s.code, s.message.as_str())),
            Some((StatusCode::Error.into(), "ENOENT"))
        );
        assert_eq!(
            attr(&failed, "syscall.result"),
            Some(&Value::StringValue(
                "-1 ENOENT (No such file or directory)".into()
            ))
        );
        assert_eq!(
            attr(&failed, "syscall.errno"),
            Some(&Value::StringValue("ENOENT".into()))
        );
        assert_eq!(attr(&failed, "thread.id"), Some(&Value::IntValue(100)));
        assert_eq!(
            attr(&failed, "renacer.lamport"),
            Some(&Value::IntValue(3_000))
        );
        assert!(
            matches!(attr(&failed, "syscall.args"), Some(Value::ArrayValue(a)) if a.values.len() == 3)
        );
        assert_eq!(
            (slow.start_time_unix_nano, slow.end_time_unix_nano),
            (4_000, 9_000)
        );
        assert_eq!(slow.status, None);
        assert_eq!(
            attr(&exit_span, "syscall.result"),
            Some(&Value::StringValue("?".into()))
        );

        for child in [&failed, &slow, &exit_span] {
            assert_eq!(child.trace_id, TRACE);
            assert_eq!(child.parent_span_id, process.span_id);
        }
        assert_eq!(process.parent_span_id, PARENT);
        assert_eq!(process.name, "process cat");
        assert_eq!(
            (process.start_time_unix_nano, process.end_time_unix_nano),
            (1_000, 11_000)
        );
        assert_eq!(
            attr(&process, "syscall.read.calls"),
            Some(&Value::IntValue(2))
        );
        assert_eq!(
            attr(&process, "syscall.read.total_ns"),
            Some(&Value::IntValue(5_010))
        );
        assert_eq!(
            attr(&process, "syscall.openat.errors"),
            Some(&Value::IntValue(1))
        );
        assert_eq!(
            attr(&process, "renacer.syscalls"),
            Some(&Value::IntValue(4))
        );
        assert_eq!(
            attr(&process, "renacer.syscall_spans"),
            Some(&Value::IntValue(3))
        );
        assert_eq!(
            attr(&process, "process.command_line"),
            Some(&Value::StringValue("/usr/bin/cat /missing".into()))
        );
        assert_eq!(
            model.counts(),
            ModelCounts {
                process_spans: 1,
                syscall_spans: 3,
                capped: 0
            }
        );
    }

    #[test]
    fn process_spans_name_their_container() {
        let mut model = model(POLICY);
        let id = "3f2a6c1d9b8e7f60a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718";
        model.cgroup(
            100,
            format!("/kubepods/besteffort/pod1c2d3e4f-5a6b-7c8d-9e0f-a1b2c3d4e5f6/{id}"),
            1_000,
        );
        let process = model.finish(50_000).pop().expect("open process span");
        assert_eq!(
            attr(&process, "container.id"),
            Some(&Value::StringValue(id.to_owned()))
        );
        assert_eq!(
            attr(&process, "k8s.pod.uid"),
            Some(&Value::StringValue(
                "1c2d3e4f-5a6b-7c8d-9e0f-a1b2c3d4e5f6".to_owned()
            ))
        );
    }

    #[test]
    fn error_spans_can_be_turned_off() {
        let mut model = model(Policy {
            error_spans: false,
            ..POLICY
        });
        assert!(
            model
                .syscall(&call(100, 257, -2, 3_000, 20), &Captured::default())
                .is_none()
        );
    }

    #[test]
    fn the_cap_counts_what_it_leaves_out() {
        let mut model = model(Policy {
            max_spans: 2,
            ..POLICY
        });
        let made = (0..5)
            .filter_map(|i| model.syscall(&call(100, 0, 1, 2_000 + i, 5_000), &Captured::default()))
            .count();
        assert_eq!(made, 2);
        let process = model.finish(50_000).pop().expect("open process span");
        assert_eq!(
            attr(&process, "renacer.syscall_spans_capped"),
            Some(&Value::IntValue(3))
        );
        assert_eq!(
            attr(&process, "syscall.read.calls"),
            Some(&Value::IntValue(5))
        );
        assert_eq!(model.counts().capped, 3);
    }

    #[test]
    fn forked_children_nest_under_their_parent_and_threads_make_no_span() {
        let mut model = model(POLICY);
        model.syscall(&call(100, 0, 1, 2_000, 10), &Captured::default());
        model.fork(100, 101, 3_000); // a child process
        model.fork(100, 102, 3_500); // a thread of 100
        model.exec(101, vec!["/bin/true".into()], 4_000);
        model.fork(100, 103, 4_100); // a child that is gone when its exec is handled
        model.exec(103, vec![], 4_200);
        model.exec(100, vec![], 4_300); // the root's own first exec: its known command
        let child_call = model
            .syscall(&call(101, 257, -2, 4_500, 10), &Captured::default())
            .expect("span");
        assert!(model.exit(100, 102, false, 5_000).is_none());
        let child = model.exit(101, 101, true, 6_000).expect("child span");
        let unknown = model
            .exit(103, 103, true, 6_500)
            .expect("unknown child span");
        assert_eq!(unknown.name, "process pid 103");
        let root = model.exit(100, 100, true, 7_000).expect("root span");
        assert!(model.finish(8_000).is_empty(), "no span for the thread");

        assert_eq!(child_call.parent_span_id, child.span_id);
        assert_eq!(child.parent_span_id, root.span_id);
        assert_eq!(root.parent_span_id, PARENT);
        assert_eq!(child.name, "process true");
        assert_eq!(root.name, "process cat");
        assert_eq!(
            child.start_time_unix_nano, 3_000,
            "a child starts at its fork"
        );
        assert_eq!(
            attr(&child, "process.parent_pid"),
            Some(&Value::IntValue(100))
        );
        assert_ne!(child.span_id, root.span_id);
    }

    #[test]
    fn without_a_traceparent_the_first_process_is_the_root() {
        let mut model = SpanModel::new(
            TraceContext {
                trace_id: TRACE,
                parent_span_id: None,
            },
            POLICY,
            SpanIds::new(7),
            100,
            vec!["sh".into()],
            1_000,
        );
        model.syscall(&call(100, 0, 1, 2_000, 10), &Captured::default());
        let root = model.finish(3_000).pop().expect("span");
        assert!(root.parent_span_id.is_empty());
    }
}
