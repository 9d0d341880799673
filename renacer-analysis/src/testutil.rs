//! Builders for synthetic traces used by the unit tests.

use std::collections::{BTreeMap, HashMap};

use renacer_trace::errno;
use renacer_trace::json::{
    Drops, FORMAT, JsonMarker, JsonResult, JsonSyscall, ProcessInfo, Statistics, TraceFile,
};

/// Appends records with a running clock: each call starts `gap` after the
/// previous one ended, lasts `dur`, and ticks its process's Lamport clock.
#[derive(Debug)]
pub(crate) struct TraceBuilder {
    root: u32,
    command: Vec<String>,
    pub(crate) syscalls: Vec<JsonSyscall>,
    pub(crate) clock: u64,
    pub(crate) gap: u64,
    pub(crate) dur: u64,
    lamports: HashMap<u32, u64>,
}

impl TraceBuilder {
    pub(crate) fn new(root: u32) -> Self {
        Self {
            root,
            command: vec!["prog".to_owned()],
            syscalls: Vec::new(),
            clock: 1_000_000,
            gap: 1_000,
            dur: 500,
            lamports: HashMap::new(),
        }
    }

    pub(crate) fn command(mut self, argv: &[&str]) -> Self {
        self.command = argv.iter().map(|s| (*s).to_owned()).collect();
        self
    }

    /// A call by `pid`'s main thread.
    pub(crate) fn call(&mut self, pid: u32, name: &str, args: &[&str], ret: i64) -> &mut Self {
        self.call_tid(pid, pid, name, args, ret)
    }

    pub(crate) fn call_tid(
        &mut self,
        pid: u32,
        tid: u32,
        name: &str,
        args: &[&str],
        ret: i64,
    ) -> &mut Self {
        let (dur, ts) = (self.dur, self.clock + self.gap);
        self.call_at(pid, tid, name, args, JsonResult::Returned(ret), ts, dur);
        self.clock = ts + dur;
        self
    }

    /// `exit_group`, which does not return.
    pub(crate) fn exit(&mut self, pid: u32, code: i64) -> &mut Self {
        let ts = self.clock + self.gap;
        let code = code.to_string();
        self.call_at(
            pid,
            pid,
            "exit_group",
            &[&code],
            JsonResult::Marker(JsonMarker::NoReturn),
            ts,
            0,
        );
        self.clock = ts;
        self
    }

    /// A call at an explicit time, leaving the running clock alone.
    #[expect(
        clippy::too_many_arguments,
        reason = "test builder mirrors the record's fields"
    )]
    pub(crate) fn call_at(
        &mut self,
        pid: u32,
        tid: u32,
        name: &str,
        args: &[&str],
        result: JsonResult,
        ts: u64,
        dur: u64,
    ) -> &mut Self {
        let lamport = self.lamports.entry(pid).or_insert(0);
        *lamport += 1;
        let errno = match result {
            JsonResult::Returned(r) if (-4095..=-1).contains(&r) => {
                let e = i32::try_from(-r).expect("small errno");
                Some(errno::name(e).map_or_else(|| e.to_string(), str::to_owned))
            }
            _ => None,
        };
        self.syscalls.push(JsonSyscall {
            name: name.to_owned(),
            args: args.iter().map(|s| (*s).to_owned()).collect(),
            raw_args: Vec::new(),
            captured: Vec::new(),
            result,
            errno,
            duration_nanos: dur,
            pid,
            tid,
            lamport: *lamport,
            timestamp_nanos: ts,
            source: None,
        });
        self
    }

    pub(crate) fn build(&self) -> TraceFile {
        let mut syscall_counts = BTreeMap::new();
        for sc in &self.syscalls {
            *syscall_counts.entry(sc.name.clone()).or_insert(0) += 1;
        }
        TraceFile {
            version: "0.1.0".to_owned(),
            format: FORMAT.to_owned(),
            trace_id: format!("{:032x}", u128::from(self.root) * 0x1234_5678_9abc),
            process: ProcessInfo {
                pid: self.root,
                command: self.command.clone(),
            },
            statistics: Statistics {
                total_syscalls: self.syscalls.len() as u64,
                total_duration_nanos: self
                    .syscalls
                    .iter()
                    .fold(0u64, |acc, s| acc.saturating_add(s.duration_nanos)),
                syscall_counts,
            },
            syscalls: self.syscalls.clone(),
            drops: Drops::default(),
            incomplete: None,
        }
    }
}

/// strace quoting of a test string.
pub(crate) fn q(s: &str) -> String {
    crate::decode::quote(s.as_bytes())
}
