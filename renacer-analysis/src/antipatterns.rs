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
//!   from GPU device nodes, `/dev/nvidia*`, `/dev/dri/*` or `/dev/kfd`
//!   (driver round trips for GPU work), in `[0, 1]`; see [`crate::gpu`].

use std::collections::HashMap;

use renacer_trace::json::{JsonSyscall, TraceFile};

use crate::decode::{errno, success};
use crate::util::time_order;

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

/// Share of syscall time spent in GPU driver round trips; see [`crate::gpu`].
pub fn pcie_share(trace: &TraceFile) -> f64 {
    crate::gpu::gpu_usage(trace).share()
}
