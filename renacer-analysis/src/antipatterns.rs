//! Heuristic detectors for performance anti-patterns.
//!
//! * **TightLoop** — the longest run of consecutive calls with the same name
//!   in one thread where no call made progress: it failed with `EAGAIN`,
//!   `ETIMEDOUT` or `EINTR`; or a wait/read returned 0 (`poll`, `ppoll`,
//!   `select`, `pselect6`, `epoll_wait`, `epoll_pwait`, `epoll_pwait2`:
//!   nothing ready; `read`, `readv`, `pread64`, `recvfrom`, `recvmsg`:
//!   nothing read); or it only waits (`sched_yield`, `nanosleep`,
//!   `clock_nanosleep`). Runs shorter than [`MIN_TIGHT_LOOP_RUN`] calls are
//!   ordinary retries, not loops. The value is the run's share of its
//!   thread's calls, in `[0, 1]` (renacer.toml thresholds are fractions, as
//!   for the other patterns): 0.9 flags a thread that spent 90% of its
//!   calls spinning.
//! * **GodProcess** — in a capture with two or more processes, the largest
//!   share any one process holds of *both* the syscalls and the syscall
//!   time: `min(count share, time share)`, in `[0, 1]`. With one process it
//!   does not apply (value 0).
//! * **PcieBottleneck** — the share of all syscall time spent in `ioctl`,
//!   `read`, `write`, `pread64`, `pwrite64`, `readv`, `writev` on fds opened
//!   from `/dev/nvidia*` (driver round trips for GPU work), in `[0, 1]`.

use std::collections::HashMap;

use renacer_trace::json::{JsonSyscall, TraceFile};

use crate::decode::{errno, int_arg, string_arg, success};
use crate::util::{FdTables, time_order};

const EINTR: i32 = 4;
const EAGAIN: i32 = 11;
const ETIMEDOUT: i32 = 110;

/// Whether `sc` made no progress; see the module documentation.
pub fn is_no_progress(sc: &JsonSyscall) -> bool {
    let name = sc.name.as_str();
    if matches!(name, "sched_yield" | "nanosleep" | "clock_nanosleep") {
        return true;
    }
    if matches!(errno(sc), Some(EAGAIN | ETIMEDOUT | EINTR)) {
        return true;
    }
    success(sc) == Some(0)
        && matches!(
            name,
            "poll"
                | "ppoll"
                | "select"
                | "pselect6"
                | "epoll_wait"
                | "epoll_pwait"
                | "epoll_pwait2"
                | "read"
                | "readv"
                | "pread64"
                | "recvfrom"
                | "recvmsg"
        )
}

/// Consecutive no-progress calls that make a tight loop.
pub const MIN_TIGHT_LOOP_RUN: u64 = 10;

/// The worst no-progress run.
#[derive(Debug, Clone, PartialEq)]
pub struct TightLoop {
    pub length: u64,
    pub tid: u32,
    pub name: String,
    /// Index of the run's first record.
    pub first_index: usize,
    /// All calls of the thread.
    pub thread_calls: u64,
    /// `length / thread_calls`.
    pub share: f64,
}

/// The no-progress run of at least [`MIN_TIGHT_LOOP_RUN`] calls with the
/// largest share of its thread's calls; `None` when there is none.
pub fn tight_loop(trace: &TraceFile) -> Option<TightLoop> {
    let mut thread_calls: HashMap<u32, u64> = HashMap::new();
    for sc in &trace.syscalls {
        *thread_calls.entry(sc.tid).or_default() += 1;
    }
    // Per thread: (name, length, first index) of the current run.
    let mut runs: HashMap<u32, (String, u64, usize)> = HashMap::new();
    let mut best: Option<TightLoop> = None;
    for i in time_order(trace) {
        let sc = &trace.syscalls[i];
        if !is_no_progress(sc) {
            runs.remove(&sc.tid);
            continue;
        }
        let run = runs
            .entry(sc.tid)
            .or_insert_with(|| (sc.name.clone(), 0, i));
        if run.0 != sc.name {
            *run = (sc.name.clone(), 0, i);
        }
        run.1 += 1;
        let calls = thread_calls.get(&sc.tid).copied().unwrap_or(run.1);
        let share = run.1 as f64 / calls as f64;
        let better = best
            .as_ref()
            .is_none_or(|b| (share, run.1) > (b.share, b.length));
        if run.1 >= MIN_TIGHT_LOOP_RUN && better {
            best = Some(TightLoop {
                length: run.1,
                tid: sc.tid,
                name: run.0.clone(),
                first_index: run.2,
                thread_calls: calls,
                share,
            });
        }
    }
    best
}

/// The process with the largest share of syscalls and time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProcessShare {
    pub pid: u32,
    pub syscall_share: f64,
    pub time_share: f64,
    /// `min(syscall_share, time_share)`.
    pub share: f64,
}

/// The dominant process; `None` with fewer than two processes.
pub fn god_process(trace: &TraceFile) -> Option<ProcessShare> {
    let mut per_pid: HashMap<u32, (u64, u64)> = HashMap::new();
    for sc in &trace.syscalls {
        let e = per_pid.entry(sc.pid).or_default();
        e.0 += 1;
        e.1 = e.1.saturating_add(sc.duration_nanos);
    }
    if per_pid.len() < 2 {
        return None;
    }
    let count: u64 = per_pid.values().map(|v| v.0).sum();
    let time: u64 = per_pid
        .values()
        .fold(0u64, |acc, v| acc.saturating_add(v.1));
    per_pid
        .into_iter()
        .map(|(pid, (n, t))| {
            let syscall_share = n as f64 / count as f64;
            // Without durations, time share falls back to the count share.
            let time_share = if time == 0 {
                syscall_share
            } else {
                t as f64 / time as f64
            };
            ProcessShare {
                pid,
                syscall_share,
                time_share,
                share: syscall_share.min(time_share),
            }
        })
        .max_by(|a, b| a.share.total_cmp(&b.share).then(b.pid.cmp(&a.pid)))
}

/// Share of syscall time spent talking to `/dev/nvidia*`; 0 without time.
pub fn pcie_share(trace: &TraceFile) -> f64 {
    let mut fds: FdTables<()> = FdTables::new();
    let (mut gpu, mut total) = (0u64, 0u64);
    for i in time_order(trace) {
        let sc = &trace.syscalls[i];
        total = total.saturating_add(sc.duration_nanos);
        if fds.apply_common(sc) {
            continue;
        }
        let name = sc.name.as_str();
        let path = match name {
            "open" => string_arg(sc, 0),
            "openat" | "openat2" => string_arg(sc, 1),
            "ioctl" | "read" | "write" | "pread64" | "pwrite64" | "readv" | "writev" => {
                if int_arg(sc, 0).is_some_and(|fd| fds.get(sc.pid, fd).is_some()) {
                    gpu = gpu.saturating_add(sc.duration_nanos);
                }
                continue;
            }
            _ => continue,
        };
        if let (Some(path), Some(fd)) = (path, success(sc))
            && path.starts_with(b"/dev/nvidia")
        {
            fds.set(sc.pid, fd, ());
        } else if let Some(fd) = success(sc) {
            // The fd number now names something else.
            fds.remove(sc.pid, fd);
        }
    }
    if total == 0 {
        0.0
    } else {
        gpu as f64 / total as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{TraceBuilder, q};

    #[test]
    fn tight_loop_finds_longest_run() {
        let mut b = TraceBuilder::new(1);
        for _ in 0..12 {
            b.call_tid(1, 1, "read", &["3", "0x7ffd0000", "4096"], -11);
        }
        // Progress breaks the run.
        b.call_tid(1, 1, "read", &["3", &q("x"), "4096"], 1);
        for _ in 0..15 {
            b.call_tid(1, 2, "epoll_wait", &["4", "[]", "64", "0"], 0);
            // Another thread's calls do not break thread 2's run.
            b.call_tid(1, 1, "write", &["1", &q("."), "1"], 1);
        }
        b.call_tid(1, 2, "nanosleep", &["{tv_sec=0, tv_nsec=1000}", "NULL"], 0);
        let t = b.build();
        let found = tight_loop(&t).expect("a loop");
        assert_eq!(
            (
                found.length,
                found.tid,
                found.name.as_str(),
                found.thread_calls
            ),
            (15, 2, "epoll_wait", 16)
        );
        assert!((found.share - 15.0 / 16.0).abs() < 1e-9);
        assert_eq!(t.syscalls[found.first_index].name, "epoll_wait");
        let mut quiet = TraceBuilder::new(1);
        quiet.call(1, "write", &["1", &q("x"), "1"], 1);
        assert_eq!(tight_loop(&quiet.build()), None);
        // A few retries are not a loop.
        let mut retries = TraceBuilder::new(1);
        for _ in 0..MIN_TIGHT_LOOP_RUN - 1 {
            retries.call(1, "futex", &["0x7ffd0000", "FUTEX_WAIT", "0", "NULL"], -11);
        }
        assert_eq!(tight_loop(&retries.build()), None);
    }

    #[test]
    fn god_process_needs_several_processes() {
        let mut b = TraceBuilder::new(1);
        b.call(1, "getpid", &[], 1);
        assert_eq!(god_process(&b.build()), None);
        b.dur = 9_000;
        for _ in 0..8 {
            b.call(2, "write", &["1", &q("x"), "1"], 1);
        }
        b.dur = 1_000;
        b.call(3, "write", &["1", &q("x"), "1"], 1);
        let share = god_process(&b.build()).expect("three processes");
        assert_eq!(share.pid, 2);
        assert!((share.syscall_share - 0.8).abs() < 1e-9, "{share:?}");
        // 72 µs of 73.5 µs.
        assert!((share.time_share - 72.0 / 73.5).abs() < 1e-9, "{share:?}");
        assert!((share.share - 0.8).abs() < 1e-9);
    }

    #[test]
    fn pcie_share_counts_nvidia_fds() {
        let mut b = TraceBuilder::new(1);
        b.dur = 1_000;
        b.call(
            1,
            "openat",
            &["AT_FDCWD", &q("/dev/nvidiactl"), "O_RDWR|O_CLOEXEC"],
            3,
        )
        .call(1, "openat", &["AT_FDCWD", &q("/tmp/data"), "O_RDONLY"], 4);
        b.dur = 6_000;
        b.call(1, "ioctl", &["3", "0xc020462a", "0x7ffd0000"], 0)
            .call(1, "dup", &["3"], 5);
        b.dur = 1_000;
        b.call(1, "ioctl", &["5", "0xc020462a", "0x7ffd0000"], 0)
            .call(1, "read", &["4", &q("data"), "4"], 4)
            .call(1, "close", &["5"], 0)
            .call(1, "write", &["5", &q("x"), "1"], -9);
        // Total 1+1+6+6+1+1+1+1 = 18 µs; GPU: 6 + 1.
        let share = pcie_share(&b.build());
        assert!((share - 7.0 / 18.0).abs() < 1e-9, "{share}");
    }
}
