//! Continuous profiling mode: per (process, syscall) counts, errors, total
//! time and a log2 latency histogram, kept in maps and read by the daemon on
//! an interval. Nothing goes through the ring buffer.
//!
//! These programs are separate from the capture programs and attached only
//! while continuous mode is on. They are raw tracepoints: the syscall number
//! and the return value are plain arguments there, so nothing is probe-read
//! and no perf record is prepared. The enter time lives in task local
//! storage, found through the task itself rather than by hashing the tid.
use core::intrinsics::{AtomicOrdering, atomic_xadd};

use aya_ebpf::{
    bindings::{
        BPF_ANY, BPF_F_NO_PREALLOC, BPF_LOCAL_STORAGE_GET_F_CREATE, BPF_NOEXIST, bpf_map_type,
    },
    helpers::{
        bpf_get_current_ancestor_cgroup_id, bpf_get_current_comm, bpf_get_current_pid_tgid,
        bpf_get_current_task_btf, bpf_ktime_get_ns, bpf_task_storage_get,
    },
    macros::{map, raw_tracepoint, tracepoint},
    maps::{Array, HashMap, PerCpuArray},
    programs::{RawTracePointContext, TracePointContext},
};
use renacer_common::aggregate::{
    AggregateConfig, AggregateInflight, AggregateKey, AggregateValue, ExitedProcess,
    MAX_AGGREGATE_ENTRIES, MAX_EXITED_PROCESSES, MAX_SCOPE_PROCESSES, histogram_bucket, pressure,
    scope,
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

/// A BTF-defined task local storage map (aya-ebpf 0.2 has none): the
/// loader reads type, key, value and flags from these field types.
#[repr(C)]
pub struct TaskStorage<T> {
    r#type: *const [i32; bpf_map_type::BPF_MAP_TYPE_TASK_STORAGE as usize],
    key: *const i32,
    value: *const T,
    max_entries: *const [i32; 0],
    map_flags: *const [i32; BPF_F_NO_PREALLOC as usize],
}

// SAFETY: placeholder pointers the loader patches; never dereferenced here.
unsafe impl<T> Sync for TaskStorage<T> {}

impl<T> TaskStorage<T> {
    const fn new() -> Self {
        Self {
            r#type: core::ptr::null(),
            key: core::ptr::null(),
            value: core::ptr::null(),
            max_entries: core::ptr::null(),
            map_flags: core::ptr::null(),
        }
    }

    /// The current thread's slot, zero-initialised on first use when `create`.
    #[inline(always)]
    fn current(&self, create: bool) -> Option<*mut T> {
        let flags = if create {
            u64::from(BPF_LOCAL_STORAGE_GET_F_CREATE)
        } else {
            0
        };
        // SAFETY: the map pointer is this BTF map; the task is the current
        // one (a trusted BTF pointer); no initial value is passed.
        let slot = unsafe {
            bpf_task_storage_get(
                core::ptr::from_ref(self).cast_mut().cast(),
                bpf_get_current_task_btf(),
                core::ptr::null_mut(),
                flags,
            )
        };
        (!slot.is_null()).then_some(slot.cast())
    }
}

/// Per thread: enter time and syscall number, freed with the thread.
#[unsafe(link_section = ".maps")]
#[unsafe(export_name = "AGG_TASK")]
static AGG_TASK: TaskStorage<AggregateInflight> = TaskStorage::new();

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
fn in_scope(config: &AggregateConfig, tgid: u32) -> bool {
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
        if failed {
            atomic_add(&raw mut (*value).errors, 1);
        }
        match duration_ns {
            Some(duration_ns) => {
                atomic_add(&raw mut (*value).total_ns, duration_ns);
                let bucket = histogram_bucket(duration_ns);
                if let Some(slot) = (*value).buckets.get_mut(bucket) {
                    atomic_add(slot, 1);
                }
            }
            None => atomic_add(&raw mut (*value).untimed_calls, 1),
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
        untimed_calls: u64::from(duration_ns.is_none()),
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
    let tgid = (bpf_get_current_pid_tgid() >> 32) as u32;
    let Some(config) = AGG_CONFIG.get(0) else {
        return 0;
    };
    if !in_scope(config, tgid) {
        return 0;
    }
    let nr: u64 = ctx.arg(1);
    if nr == NR_EXIT || nr == NR_EXIT_GROUP {
        record(tgid, nr as u32, false, None);
        return 0;
    }
    let Some(slot) = AGG_TASK.current(true) else {
        count_pressure(pressure::THREADS_FULL);
        return 0;
    };
    // SAFETY: the slot belongs to this thread; nothing else writes it meanwhile.
    unsafe {
        *slot = AggregateInflight {
            enter_ns: now_ns(),
            nr: nr as u32,
            generation: config.generation,
        };
    }
    0
}

/// No scope check: a thread has a slot armed in this generation only if it
/// was in scope at entry.
#[raw_tracepoint(tracepoint = "sys_exit")]
pub fn renacer_agg_sys_exit(ctx: RawTracePointContext) -> i32 {
    let Some(slot) = AGG_TASK.current(false) else {
        return 0;
    };
    // SAFETY: the slot belongs to this thread; see `renacer_agg_sys_enter`.
    let state = unsafe { &mut *slot };
    if state.enter_ns == 0 {
        return 0;
    }
    let Some(config) = AGG_CONFIG.get(0) else {
        return 0;
    };
    if state.generation != config.generation {
        state.enter_ns = 0;
        return 0;
    }
    let tgid = (bpf_get_current_pid_tgid() >> 32) as u32;
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
    if AGG_SCOPE
        .insert(&(child as u32), &tgid, BPF_ANY as u64)
        .is_err()
    {
        count_pressure(pressure::SCOPE_FULL);
    }
    0
}

/// When the whole group is dead, leaves the process for the daemon to fold
/// into its command's total (thread slots go with their task).
#[tracepoint(category = "sched", name = "sched_process_exit")]
pub fn renacer_agg_sched_exit(ctx: TracePointContext) -> u32 {
    let pid_tgid = bpf_get_current_pid_tgid();
    let (tgid, tid) = ((pid_tgid >> 32) as u32, pid_tgid as u32);
    let Some(config) = AGG_CONFIG.get(0) else {
        return 0;
    };
    // SAFETY: the offset comes from this kernel's tracefs format file.
    let group_dead =
        unsafe { ctx.read_at::<u8>(EXIT_GROUP_DEAD_OFFSET.load() as usize) }.unwrap_or(0) != 0;
    if tid != tgid {
        let _ = AGG_SCOPE.remove(&tid);
    }
    if !group_dead || !in_scope(config, tgid) {
        return 0;
    }
    let exited = ExitedProcess {
        comm: bpf_get_current_comm().unwrap_or([0; 16]),
        from_leader: u32::from(tid == tgid),
        _pad: 0,
    };
    if AGG_EXITED.insert(&tgid, &exited, BPF_ANY as u64).is_err() {
        count_pressure(pressure::EXITED_FULL);
    }
    let _ = AGG_SCOPE.remove(&tgid);
    0
}
