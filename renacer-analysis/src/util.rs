//! Small helpers shared by the analyses: event ordering, fd tables, formatting.

use std::collections::HashMap;

use renacer_trace::json::{JsonSyscall, TraceFile};

use crate::decode::{
    CLONE_THREAD, F_DUPFD, F_DUPFD_CLOEXEC, clone_flags, int_arg, parse_int, success,
};

/// End of a call (enter time plus duration).
pub(crate) fn end_nanos(sc: &JsonSyscall) -> u64 {
    sc.timestamp_nanos.saturating_add(sc.duration_nanos)
}

/// One line when the trace lost events: what is judged from it may be
/// incomplete, and that must not go unsaid.
pub fn lost_events(trace: &TraceFile) -> Option<String> {
    let lost = trace.drops.kernel.saturating_add(trace.drops.daemon);
    (lost > 0).then(|| {
        format!(
            "{lost} events lost (kernel {}, daemon {}): the trace is incomplete",
            trace.drops.kernel, trace.drops.daemon
        )
    })
}

/// Wall time of a trace: first enter to last exit; `None` without timestamps.
pub fn wall_span_nanos(trace: &TraceFile) -> Option<u64> {
    let start = trace.syscalls.iter().map(|s| s.timestamp_nanos).min()?;
    let end = trace.syscalls.iter().map(end_nanos).max()?;
    (start > 0 && end > start).then(|| end - start)
}

/// Record indices in the order the calls were entered. Lamport clocks are per
/// process, so only the timestamps order events across processes; ties keep
/// the per-process Lamport order, then file order.
pub(crate) fn time_order(trace: &TraceFile) -> Vec<usize> {
    let mut order: Vec<usize> = (0..trace.syscalls.len()).collect();
    order.sort_by_key(|&i| {
        let sc = &trace.syscalls[i];
        (sc.timestamp_nanos, sc.pid, sc.lamport, i)
    });
    order
}

/// The process that was launched: the file's `process.pid` when it has
/// records, otherwise the pid of the earliest record.
pub(crate) fn root_pid(trace: &TraceFile, order: &[usize]) -> Option<u32> {
    if trace.syscalls.iter().any(|s| s.pid == trace.process.pid) {
        return Some(trace.process.pid);
    }
    order.first().map(|&i| trace.syscalls[i].pid)
}

pub(crate) fn is_fork(name: &str) -> bool {
    matches!(name, "clone" | "clone3" | "fork" | "vfork")
}

/// Per-process file descriptor tables, with the bookkeeping every analysis
/// needs: `dup*`, `fcntl(F_DUPFD)`, `close` and inheritance across `fork`.
#[derive(Debug)]
pub(crate) struct FdTables<T> {
    tables: HashMap<u32, HashMap<i64, T>>,
}

impl<T: Clone> FdTables<T> {
    pub(crate) fn new() -> Self {
        Self {
            tables: HashMap::new(),
        }
    }

    pub(crate) fn get(&self, pid: u32, fd: i64) -> Option<&T> {
        self.tables.get(&pid).and_then(|t| t.get(&fd))
    }

    pub(crate) fn set(&mut self, pid: u32, fd: i64, value: T) {
        self.tables.entry(pid).or_default().insert(fd, value);
    }

    pub(crate) fn remove(&mut self, pid: u32, fd: i64) {
        if let Some(t) = self.tables.get_mut(&pid) {
            t.remove(&fd);
        }
    }

    /// The fds a `pipe`/`pipe2`/`socketpair` created: the decoded `[r, w]`
    /// array, or, when the argument is a raw pointer, a prediction: the
    /// kernel hands out the two lowest free numbers, and free here means not
    /// in the table and not stdin/stdout/stderr.
    pub(crate) fn new_pair(&self, sc: &JsonSyscall) -> Option<(i64, i64)> {
        success(sc)?;
        let arg = if sc.name == "socketpair" { 3 } else { 0 };
        if let Some(pair) = sc.args.get(arg).and_then(|a| fd_pair(a)) {
            return Some(pair);
        }
        let table = self.tables.get(&sc.pid);
        let mut free = (3..).filter(|fd| table.is_none_or(|t| !t.contains_key(fd)));
        Some((free.next()?, free.next()?))
    }

    /// Applies the descriptor-table effects of `sc`; returns whether it was
    /// one of the calls handled here.
    pub(crate) fn apply_common(&mut self, sc: &JsonSyscall) -> bool {
        let pid = sc.pid;
        match sc.name.as_str() {
            "close" => {
                if let Some(fd) = int_arg(sc, 0)
                    && success(sc).is_some()
                {
                    self.remove(pid, fd);
                }
            }
            "dup" | "dup2" | "dup3" | "fcntl" => {
                let is_dup =
                    sc.name != "fcntl" || matches!(int_arg(sc, 1), Some(F_DUPFD | F_DUPFD_CLOEXEC));
                if let (true, Some(old), Some(new)) = (is_dup, int_arg(sc, 0), success(sc))
                    && old != new
                {
                    match self.get(pid, old).cloned() {
                        Some(v) => self.set(pid, new, v),
                        None => self.remove(pid, new),
                    }
                }
            }
            name if is_fork(name) => {
                // Threads share their process's table, which records reach by
                // pid, so only new processes get a copy. clone3's flags sit in
                // a struct: copying for a thread too is harmless, no record
                // carries a thread id as its pid.
                let thread =
                    sc.name == "clone" && clone_flags(sc).is_some_and(|f| f & CLONE_THREAD != 0);
                if let (false, Some(child)) = (thread, success(sc))
                    && let Ok(child) = u32::try_from(child)
                    && child > 0
                {
                    let copy = self.tables.get(&pid).cloned().unwrap_or_default();
                    self.tables.insert(child, copy);
                }
            }
            _ => return false,
        }
        true
    }
}

/// `[3, 4]` as strace prints the fds of `pipe`/`socketpair`.
pub(crate) fn fd_pair(arg: &str) -> Option<(i64, i64)> {
    let inner = arg.trim().strip_prefix('[')?.strip_suffix(']')?;
    let mut parts = inner.split(',').map(parse_int);
    Some((parts.next()??, parts.next()??))
}

/// `1.234 ms`, `56.0 µs`, `2.50 s`.
pub fn format_nanos(nanos: u64) -> String {
    let n = nanos as f64;
    if nanos >= 1_000_000_000 {
        format!("{:.2} s", n / 1e9)
    } else if nanos >= 1_000_000 {
        format!("{:.3} ms", n / 1e6)
    } else if nanos >= 1_000 {
        format!("{:.1} µs", n / 1e3)
    } else {
        format!("{nanos} ns")
    }
}

/// `512 B`, `1.5 KiB`, `12.0 MiB`.
pub(crate) fn format_bytes(bytes: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes;
    let mut unit = 0;
    while value.abs() >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{value:.0} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
