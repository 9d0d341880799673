//! Continuous profiling mode: per (process, syscall) counts, errors, total
//! time and a log2 latency histogram, kept in maps and read by the daemon on
//! an interval. Nothing goes through the ring buffer.
//!
//! These programs are separate from the capture programs and attached only
//! while continuous mode is on. They are raw tracepoints: the syscall number
//! and the return value are plain arguments there, so nothing is probe-read
//! and no perf record is prepared.
use core::intrinsics::{AtomicOrdering, atomic_xadd};

use aya_ebpf::{
    bindings::{BPF_ANY, BPF_F_NO_PREALLOC, BPF_NOEXIST},
    helpers::{
        bpf_get_current_ancestor_cgroup_id, bpf_get_current_comm, bpf_get_current_pid_tgid,
        bpf_ktime_get_ns,
    },
    macros::{map, raw_tracepoint, tracepoint},
    maps::{Array, HashMap, PerCpuArray},
    programs::{RawTracePointContext, TracePointContext},
};
use renacer_common::aggregate::{
    AggregateConfig, AggregateInflight, AggregateKey, AggregateValue, ExitedProcess,
    MAX_AGGREGATE_ENTRIES, MAX_AGGREGATE_THREADS, MAX_EXITED_PROCESSES, MAX_SCOPE_PROCESSES,
    histogram_bucket, pressure, scope,
};

use crate::{EXIT_GROUP_DEAD_OFFSET, FORK_CHILD_PID_OFFSET, NR_EXIT, NR_EXIT_GROUP};

/// What is in scope; one entry, rewritten by the daemon when it retargets.
#[map]
static AGG_CONFIG: Array<AggregateConfig> = Array::with_max_entries(1, 0);

/// (tgid, nr) -> cumulative counters. Not preallocated: continuous mode may
/// never be turned on, and inserts are rare (once per process and syscall).
#[map]
static AGG_STATS: HashMap<AggregateKey, AggregateValue> =
    HashMap::with_max_entries(MAX_AGGREGATE_ENTRIES, BPF_F_NO_PREALLOC);

/// tid -> enter time and syscall number, reused in place (cleared at thread exit).
#[map]
static AGG_THREADS: HashMap<u32, AggregateInflight> =
    HashMap::with_max_entries(MAX_AGGREGATE_THREADS, BPF_F_NO_PREALLOC);

/// tgid -> comm of processes that exited; the daemon folds and deletes them.
#[map]
static AGG_EXITED: HashMap<u32, ExitedProcess> =
    HashMap::with_max_entries(MAX_EXITED_PROCESSES, BPF_F_NO_PREALLOC);

/// Thread-group ids (and thread ids) of the PID tree in scope.
#[map]
static AGG_SCOPE: HashMap<u32, u32> =
    HashMap::with_max_entries(MAX_SCOPE_PROCESSES, BPF_F_NO_PREALLOC);

/// Updates lost to a full map, by `pressure::*` index.
#[map]
static AGG_PRESSURE: PerCpuArray<u64> = PerCpuArray::with_max_entries(pressure::COUNT, 0);

#[inline(always)]
fn count_pressure(index: u32) {
    if let Some(counter) = AGG_PRESSURE.get_ptr_mut(index) {
        // SAFETY: per-CPU slot, only this CPU writes it while preemption is off.
        unsafe { *counter += 1 };
    }
}

#[inline(always)]
fn in_scope(tgid: u32) -> bool {
    let Some(config) = AGG_CONFIG.get(0) else {
        return false;
    };
    match config.scope {
        scope::SYSTEM => true,
        // SAFETY: the value is not read, only its presence.
        scope::PID_TREE => unsafe { AGG_SCOPE.get(&tgid) }.is_some(),
        _ => {
            // SAFETY: helper without preconditions; a too-deep level yields 0.
            let ancestor =
                unsafe { bpf_get_current_ancestor_cgroup_id(config.cgroup_level as i32) };
            ancestor == config.cgroup_id
        }
    }
}

#[inline(always)]
fn atomic_add(counter: *mut u64, amount: u64) {
    // SAFETY: `counter` points into a map value that stays allocated while
    // this program runs; other CPUs update it concurrently, hence the atomic.
    // The result is unused, so LLVM emits a plain `lock +=` (no BPF_FETCH).
    unsafe { atomic_xadd::<u64, u64, { AtomicOrdering::Relaxed }>(counter, amount) };
}

#[inline(always)]
fn add_call(value: *mut AggregateValue, failed: bool, duration_ns: Option<u64>) {
    // SAFETY: `value` is a live map value (see `atomic_add`); only field
    // addresses are taken here.
    unsafe {
        atomic_add(&raw mut (*value).calls, 1);
        if failed {
            atomic_add(&raw mut (*value).errors, 1);
        }
        if let Some(duration_ns) = duration_ns {
            atomic_add(&raw mut (*value).total_ns, duration_ns);
            let bucket = histogram_bucket(duration_ns);
            if let Some(slot) = (*value).buckets.get_mut(bucket) {
                atomic_add(slot, 1);
            }
        }
    }
}

/// Adds one call to (tgid, nr). `duration_ns` is None for calls that never return.
#[inline(always)]
fn record(tgid: u32, nr: u32, failed: bool, duration_ns: Option<u64>) {
    let key = AggregateKey { pid: tgid, nr };
    if let Some(value) = AGG_STATS.get_ptr_mut(&key) {
        add_call(value, failed, duration_ns);
        return;
    }
    let mut fresh = AggregateValue {
        calls: 1,
        errors: u64::from(failed),
        ..AggregateValue::default()
    };
    if let Some(duration_ns) = duration_ns {
        fresh.total_ns = duration_ns;
        if let Some(slot) = fresh.buckets.get_mut(histogram_bucket(duration_ns)) {
            *slot = 1;
        }
    }
    if AGG_STATS.insert(&key, &fresh, BPF_NOEXIST as u64).is_ok() {
        return;
    }
    // Another CPU inserted it first, or the map is full.
    match AGG_STATS.get_ptr_mut(&key) {
        Some(value) => add_call(value, failed, duration_ns),
        None => count_pressure(pressure::STATS_FULL),
    }
}

#[inline(always)]
fn now_ns() -> u64 {
    // SAFETY: helper without preconditions.
    unsafe { bpf_ktime_get_ns() }
}

#[raw_tracepoint(tracepoint = "sys_enter")]
pub fn renacer_agg_sys_enter(ctx: RawTracePointContext) -> i32 {
    let pid_tgid = bpf_get_current_pid_tgid();
    let (tgid, tid) = ((pid_tgid >> 32) as u32, pid_tgid as u32);
    if !in_scope(tgid) {
        return 0;
    }
    let nr: u64 = ctx.arg(1);
    if nr == NR_EXIT || nr == NR_EXIT_GROUP {
        record(tgid, nr as u32, false, None);
        return 0;
    }
    let enter_ns = now_ns();
    if let Some(slot) = AGG_THREADS.get_ptr_mut(&tid) {
        // SAFETY: the slot belongs to this thread; nothing else writes it meanwhile.
        unsafe {
            (*slot).enter_ns = enter_ns;
            (*slot).nr = nr as u32;
        }
    } else {
        let state = AggregateInflight {
            enter_ns,
            nr: nr as u32,
            _pad: 0,
        };
        if AGG_THREADS.insert(&tid, &state, BPF_ANY as u64).is_err() {
            count_pressure(pressure::THREADS_FULL);
        }
    }
    0
}

/// No scope check: a thread has an armed slot only if it was in scope at entry.
#[raw_tracepoint(tracepoint = "sys_exit")]
pub fn renacer_agg_sys_exit(ctx: RawTracePointContext) -> i32 {
    let pid_tgid = bpf_get_current_pid_tgid();
    let (tgid, tid) = ((pid_tgid >> 32) as u32, pid_tgid as u32);
    let Some(slot) = AGG_THREADS.get_ptr_mut(&tid) else {
        return 0;
    };
    // SAFETY: the slot belongs to this thread; see `renacer_agg_sys_enter`.
    let state = unsafe { &mut *slot };
    if state.enter_ns == 0 {
        return 0;
    }
    let duration_ns = now_ns().saturating_sub(state.enter_ns);
    state.enter_ns = 0;
    let ret: i64 = ctx.arg(1);
    record(tgid, state.nr, (-4095..0).contains(&ret), Some(duration_ns));
    0
}

/// Follows the PID tree in scope: the child joins before it first runs.
#[tracepoint(category = "sched", name = "sched_process_fork")]
pub fn renacer_agg_sched_fork(ctx: TracePointContext) -> u32 {
    let Some(config) = AGG_CONFIG.get(0) else {
        return 0;
    };
    if config.scope != scope::PID_TREE {
        return 0;
    }
    let tgid = (bpf_get_current_pid_tgid() >> 32) as u32;
    // SAFETY: only presence is checked.
    if unsafe { AGG_SCOPE.get(&tgid) }.is_none() {
        return 0;
    }
    // SAFETY: the offset comes from this kernel's tracefs format file.
    let Ok(child) = (unsafe { ctx.read_at::<i32>(FORK_CHILD_PID_OFFSET.load() as usize) }) else {
        return 0;
    };
    if AGG_SCOPE.insert(&(child as u32), &tgid, BPF_ANY as u64).is_err() {
        count_pressure(pressure::SCOPE_FULL);
    }
    0
}

/// Frees the thread's slot; when the whole group is dead, leaves the process
/// for the daemon to fold into its command's total.
#[tracepoint(category = "sched", name = "sched_process_exit")]
pub fn renacer_agg_sched_exit(ctx: TracePointContext) -> u32 {
    let pid_tgid = bpf_get_current_pid_tgid();
    let (tgid, tid) = ((pid_tgid >> 32) as u32, pid_tgid as u32);
    let _ = AGG_THREADS.remove(&tid);
    // SAFETY: the offset comes from this kernel's tracefs format file.
    let group_dead =
        unsafe { ctx.read_at::<u8>(EXIT_GROUP_DEAD_OFFSET.load() as usize) }.unwrap_or(0) != 0;
    if tid != tgid {
        let _ = AGG_SCOPE.remove(&tid);
    }
    if !group_dead || !in_scope(tgid) {
        return 0;
    }
    let exited = ExitedProcess {
        comm: bpf_get_current_comm().unwrap_or([0; 16]),
    };
    if AGG_EXITED.insert(&tgid, &exited, BPF_ANY as u64).is_err() {
        count_pressure(pressure::EXITED_FULL);
    }
    let _ = AGG_SCOPE.remove(&tgid);
    0
}
