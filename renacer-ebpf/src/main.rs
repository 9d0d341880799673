//! renacer's kernel side.
//!
//! * `raw_syscalls:sys_enter` / `sys_exit` (as raw tracepoints, or as classic
//!   tracepoints for comparison) pair every syscall of a traced thread group in
//!   the kernel and emit one [`SyscallEvent`] per completed call.
//! * `sched:sched_process_fork/exec/exit` keep the traced PID trees in
//!   [`TRACED`] and tell user space about process lifetimes.
//!
//! The hot path for a process that is not traced is one hash lookup keyed by
//! tgid; nothing else runs before it.
#![no_std]
#![no_main]
// Atomic adds on map values: core's Atomic* types need primitives BPF lacks.
#![feature(core_intrinsics)]
#![expect(internal_features, reason = "atomic_xadd is the only way to emit a BPF atomic add")]

mod aggregate;

use aya_ebpf::{
    EbpfContext as _, Global,
    bindings::{BPF_ANY, BPF_NOEXIST, BPF_RB_AVAIL_DATA, BPF_RB_FORCE_WAKEUP, BPF_RB_NO_WAKEUP},
    helpers::{
        bpf_get_current_pid_tgid, bpf_get_smp_processor_id, bpf_ktime_get_ns,
        bpf_probe_read_kernel,
    },
    macros::{map, raw_tracepoint, tracepoint},
    maps::{HashMap, PerCpuArray, RingBuf},
    programs::{RawTracePointContext, TracePointContext},
};
use renacer_common::{
    EventHeader, InflightSyscall, MAX_CAPTURES, MAX_INFLIGHT_THREADS, MAX_TRACED_PROCESSES,
    ProcessEvent, RING_BUFFER_BYTES, SyscallEvent, WAKEUP_THRESHOLD_BYTES, flags, kind,
};

/// tgid -> capture id of every traced thread group (plus the tids of traced
/// threads, added at clone time because the fork tracepoint cannot tell a
/// thread from a process; they are never looked up as tgids while alive).
#[map]
static TRACED: HashMap<u32, u32> = HashMap::with_max_entries(MAX_TRACED_PROCESSES, 0);

/// tid -> the syscall the thread is in. `enter_ns == 0` marks a free slot; slots
/// are reused in place because a hash update or delete per syscall costs more.
#[map]
static INFLIGHT: HashMap<u32, InflightSyscall> =
    HashMap::with_max_entries(MAX_INFLIGHT_THREADS, 0);

#[map]
static EVENTS: RingBuf = RingBuf::with_byte_size(RING_BUFFER_BYTES, 0);

/// Events lost in the kernel, per capture id (ring buffer full, in-flight map full).
#[map]
static DROPS: PerCpuArray<u64> = PerCpuArray::with_max_entries(MAX_CAPTURES, 0);

/// Field offsets of the sched tracepoints, read from tracefs by the daemon.
#[unsafe(no_mangle)]
static FORK_CHILD_PID_OFFSET: Global<u32> = Global::new(20);
#[unsafe(no_mangle)]
static EXIT_GROUP_DEAD_OFFSET: Global<u32> = Global::new(32);

const NR_EXIT: u64 = 60;
const NR_EXIT_GROUP: u64 = 231;

/// Offset of `r10` in x86_64 `struct pt_regs`; the syscall arguments live in
/// r10, r9, r8, (ax, cx,) dx, si, di from there on, read with one copy.
const PT_REGS_R10_OFFSET: usize = 7 * 8;

#[inline(always)]
fn current_ids() -> (u32, u32) {
    let pid_tgid = bpf_get_current_pid_tgid();
    ((pid_tgid >> 32) as u32, pid_tgid as u32)
}

#[inline(always)]
fn traced_capture(tgid: u32) -> Option<u32> {
    // SAFETY: the value is a plain u32 copied out at once.
    unsafe { TRACED.get(&tgid) }.copied()
}

#[inline(always)]
fn count_drop(capture_id: u32) {
    if let Some(counter) = DROPS.get_ptr_mut(capture_id) {
        // SAFETY: per-CPU slot, only this CPU writes it while preemption is off.
        unsafe { *counter += 1 };
    }
}

/// Submit without waking the consumer unless enough data waits: user space
/// drains on a short timer, and a wakeup per record would cost more than the record.
#[inline(always)]
fn wakeup_flags() -> u64 {
    if EVENTS.query(BPF_RB_AVAIL_DATA as u64) >= WAKEUP_THRESHOLD_BYTES {
        BPF_RB_FORCE_WAKEUP as u64
    } else {
        BPF_RB_NO_WAKEUP as u64
    }
}

#[inline(always)]
fn cpu() -> u32 {
    // SAFETY: helper without preconditions.
    unsafe { bpf_get_smp_processor_id() }
}

#[inline(always)]
fn now_ns() -> u64 {
    // SAFETY: helper without preconditions.
    unsafe { bpf_ktime_get_ns() }
}

#[inline(always)]
fn header(event_kind: u16, size: usize, timestamp_ns: u64) -> EventHeader {
    EventHeader {
        kind: event_kind,
        size: size as u16,
        cpu: cpu(),
        timestamp_ns,
    }
}

/// Emits a syscall that never returns (`exit`, `exit_group`) at entry, as strace does.
#[inline(always)]
fn emit_no_return(capture_id: u32, tgid: u32, tid: u32, nr: u64, args: [u64; 6]) {
    let Some(mut entry) = EVENTS.reserve::<SyscallEvent>(0) else {
        count_drop(capture_id);
        return;
    };
    entry.write(SyscallEvent {
        header: header(kind::SYSCALL, size_of::<SyscallEvent>(), now_ns()),
        capture_id,
        pid: tgid,
        tid,
        nr: nr as u16,
        flags: flags::NO_RETURN,
        args,
        ret: 0,
        duration_ns: 0,
    });
    entry.submit(wakeup_flags());
}

#[inline(always)]
fn on_enter(capture_id: u32, tgid: u32, tid: u32, nr: u64, args: [u64; 6]) {
    if nr == NR_EXIT || nr == NR_EXIT_GROUP {
        emit_no_return(capture_id, tgid, tid, nr, args);
        return;
    }
    let state = InflightSyscall {
        enter_ns: now_ns(),
        capture_id,
        pid: tgid,
        nr: nr as u32,
        cpu: cpu(),
        args,
    };
    if let Some(slot) = INFLIGHT.get_ptr_mut(&tid) {
        // SAFETY: the slot belongs to this thread; nothing else writes it meanwhile.
        unsafe { *slot = state };
    } else if INFLIGHT.insert(&tid, &state, BPF_ANY as u64).is_err() {
        count_drop(capture_id);
    }
}

#[inline(always)]
fn on_exit(tid: u32, ret: i64) {
    let Some(slot) = INFLIGHT.get_ptr_mut(&tid) else {
        return;
    };
    // SAFETY: the slot belongs to this thread; see `on_enter`.
    let state = unsafe { &mut *slot };
    if state.enter_ns == 0 {
        return;
    }
    let now = now_ns();
    let enter_ns = state.enter_ns;
    state.enter_ns = 0;
    let Some(mut entry) = EVENTS.reserve::<SyscallEvent>(0) else {
        count_drop(state.capture_id);
        return;
    };
    entry.write(SyscallEvent {
        header: header(kind::SYSCALL, size_of::<SyscallEvent>(), enter_ns),
        capture_id: state.capture_id,
        pid: state.pid,
        tid,
        nr: state.nr as u16,
        flags: 0,
        args: state.args,
        ret,
        duration_ns: now - enter_ns,
    });
    entry.submit(wakeup_flags());
}

// ---- raw tracepoints: the default attachment (no perf record preparation, no tracefs) ----

#[raw_tracepoint(tracepoint = "sys_enter")]
pub fn renacer_sys_enter_raw(ctx: RawTracePointContext) -> i32 {
    let (tgid, tid) = current_ids();
    let Some(capture_id) = traced_capture(tgid) else {
        return 0;
    };
    let regs: *const u8 = ctx.arg(0);
    let nr: u64 = ctx.arg(1);
    // r10, r9, r8, ax, cx, dx, si, di
    // SAFETY: `regs` is the kernel's pt_regs of this syscall; probe_read checks the access.
    let Ok(r) = (unsafe { bpf_probe_read_kernel(regs.add(PT_REGS_R10_OFFSET).cast::<[u64; 8]>()) })
    else {
        count_drop(capture_id);
        return 0;
    };
    on_enter(capture_id, tgid, tid, nr, [r[7], r[6], r[5], r[0], r[2], r[1]]);
    0
}

#[raw_tracepoint(tracepoint = "sys_exit")]
pub fn renacer_sys_exit_raw(ctx: RawTracePointContext) -> i32 {
    let (tgid, tid) = current_ids();
    if traced_capture(tgid).is_none() {
        return 0;
    }
    on_exit(tid, ctx.arg(1));
    0
}

// ---- classic tracepoints: same logic, kept to measure the attachment cost ----

/// Reads a field of the classic tracepoint record at a constant offset (a direct
/// context load: the verifier allows it and it avoids a probe_read helper call).
#[inline(always)]
fn tp_field<T: Copy>(ctx: &TracePointContext, offset: usize) -> T {
    // SAFETY: `offset` is a constant inside the raw_syscalls record, whose layout is ABI.
    unsafe { *ctx.as_ptr().cast::<u8>().add(offset).cast::<T>() }
}

#[tracepoint(category = "raw_syscalls", name = "sys_enter")]
pub fn renacer_sys_enter_tp(ctx: TracePointContext) -> u32 {
    let (tgid, tid) = current_ids();
    let Some(capture_id) = traced_capture(tgid) else {
        return 0;
    };
    let nr: u64 = tp_field(&ctx, 8);
    let args = [
        tp_field(&ctx, 16),
        tp_field(&ctx, 24),
        tp_field(&ctx, 32),
        tp_field(&ctx, 40),
        tp_field(&ctx, 48),
        tp_field(&ctx, 56),
    ];
    on_enter(capture_id, tgid, tid, nr, args);
    0
}

#[tracepoint(category = "raw_syscalls", name = "sys_exit")]
pub fn renacer_sys_exit_tp(ctx: TracePointContext) -> u32 {
    let (tgid, tid) = current_ids();
    if traced_capture(tgid).is_none() {
        return 0;
    }
    on_exit(tid, tp_field(&ctx, 16));
    0
}

// ---- process lifetimes ----

#[inline(always)]
fn emit_process(event_kind: u16, capture_id: u32, tgid: u32, tid: u32, other: u32) {
    let Some(mut entry) = EVENTS.reserve::<ProcessEvent>(0) else {
        count_drop(capture_id);
        return;
    };
    entry.write(ProcessEvent {
        header: header(event_kind, size_of::<ProcessEvent>(), now_ns()),
        capture_id,
        pid: tgid,
        tid,
        other,
    });
    // Process events are rare and order matters to the daemon: wake it now.
    entry.submit(BPF_RB_FORCE_WAKEUP as u64);
}

/// Adds the child to its parent's capture before the child first runs, so a
/// child that runs before user space reacts is still traced.
#[tracepoint(category = "sched", name = "sched_process_fork")]
pub fn renacer_sched_fork(ctx: TracePointContext) -> u32 {
    let (tgid, tid) = current_ids();
    let Some(capture_id) = traced_capture(tgid) else {
        return 0;
    };
    // SAFETY: the offset comes from this kernel's tracefs format file.
    let Ok(child) = (unsafe { ctx.read_at::<i32>(FORK_CHILD_PID_OFFSET.load() as usize) }) else {
        count_drop(capture_id);
        return 0;
    };
    let child = child as u32;
    if TRACED.insert(&child, &capture_id, BPF_NOEXIST as u64).is_err() {
        count_drop(capture_id);
    }
    emit_process(kind::FORK, capture_id, tgid, tid, child);
    0
}

#[tracepoint(category = "sched", name = "sched_process_exec")]
pub fn renacer_sched_exec(ctx: TracePointContext) -> u32 {
    let (tgid, tid) = current_ids();
    let Some(capture_id) = traced_capture(tgid) else {
        return 0;
    };
    // old_pid: the tid that called execve (differs from tgid when a thread execs).
    // SAFETY: constant offset in the sched_process_exec record.
    let old_tid = unsafe { ctx.read_at::<i32>(16) }.unwrap_or(tid as i32) as u32;
    emit_process(kind::EXEC, capture_id, tgid, tid, old_tid);
    0
}

#[tracepoint(category = "sched", name = "sched_process_exit")]
pub fn renacer_sched_exit(ctx: TracePointContext) -> u32 {
    let (tgid, tid) = current_ids();
    let Some(capture_id) = traced_capture(tgid) else {
        return 0;
    };
    // SAFETY: the offset comes from this kernel's tracefs format file.
    let group_dead =
        unsafe { ctx.read_at::<u8>(EXIT_GROUP_DEAD_OFFSET.load() as usize) }.unwrap_or(0) != 0;
    let _ = INFLIGHT.remove(&tid);
    if tid != tgid {
        let _ = TRACED.remove(&tid);
    }
    emit_process(kind::EXIT, capture_id, tgid, tid, u32::from(group_dead));
    if group_dead {
        let _ = TRACED.remove(&tgid);
    }
    0
}

#[cfg(not(test))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    loop {}
}

#[unsafe(link_section = "license")]
#[unsafe(no_mangle)]
static LICENSE: [u8; 13] = *b"Dual MIT/GPL\0";
