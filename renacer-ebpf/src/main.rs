//! renacer's kernel side.
//!
//! * `raw_syscalls:sys_enter` / `sys_exit` (as raw tracepoints, or as classic
//!   tracepoints for comparison) pair every syscall of a traced thread group in
//!   the kernel and emit one [`SyscallEvent`] per completed call.
//! * `sched:sched_process_fork/exec/exit` keep the traced PID trees in
//!   [`TRACED`] and tell user space about process lifetimes (exits with
//!   the task's wait status).
//! * `signal_generate` / `signal_deliver` (raw tracepoints) send the
//!   siginfo of signals for traced tasks, for strace's `--- SIG... ---` lines.
//!
//! The hot path for a process that is not traced is one hash lookup keyed by
//! tgid; nothing else runs before it. A traced process then pays one array
//! lookup and one bit test ([`CONFIG`]) for a syscall its capture filters out,
//! and nothing is stored or sent for it.
//!
//! Captures that decode arguments also read strings and buffers from the
//! tracee's memory per [`PLANS`] and send them as [`kind::PAYLOAD`] records
//! ahead of the syscall's own record; calls with nothing to read keep the
//! small fixed-size event.
#![no_std]
#![no_main]
// Atomic adds on map values: core's Atomic* types need primitives BPF lacks.
#![feature(core_intrinsics)]
#![expect(
    internal_features,
    reason = "atomic_xadd is the only way to emit a BPF atomic add"
)]

mod aggregate;

use aya_ebpf::{
    EbpfContext as _, Global,
    bindings::{BPF_ANY, BPF_NOEXIST, BPF_RB_AVAIL_DATA, BPF_RB_FORCE_WAKEUP, BPF_RB_NO_WAKEUP},
    cty::c_void,
    helpers::{
        bpf_get_current_pid_tgid, bpf_get_current_uid_gid, bpf_get_smp_processor_id,
        bpf_ktime_get_ns, bpf_probe_read_kernel, bpf_probe_read_user, generated,
    },
    macros::{map, raw_tracepoint, tracepoint},
    maps::{Array, HashMap, LruHashMap, PerCpuArray, ProgramArray, RingBuf},
    programs::{RawTracePointContext, TracePointContext},
};
use renacer_common::{
    CaptureConfig, EventHeader, FD_SET_MAX_BYTES, FD_SET_SYSCALLS, IOVEC_BYTES, InflightSyscall,
    MAX_ARGV_CAPTURED, MAX_CAPTURE_BYTES, MAX_CAPTURES, MAX_INFLIGHT_THREADS, MAX_IOV_CAPTURED,
    MAX_SUMMARY_SLOTS, MAX_TRACED_PROCESSES, MSGHDR_BYTES, PayloadHeader, PayloadScratch,
    ProcessEvent, RING_BUFFER_BYTES, SCRATCH_DATA_BYTES, SIGINFO_BYTES, SYSCALL_SLOTS, SignalEvent,
    SummaryValue, SyscallCapturePlan, SyscallEvent, TaskOffsets, USER_STACK_BYTES,
    USER_STACK_REGS_BYTES, WAKEUP_THRESHOLD_BYTES, capture_at, capture_len, config, fd_set_bytes,
    flags, kind, payload, signal_how,
};

/// tgid -> capture id of every traced thread group (plus the tids of traced
/// threads, added at clone time because the fork tracepoint cannot tell a
/// thread from a process; they are never looked up as tgids while alive).
#[map]
static TRACED: HashMap<u32, u32> = HashMap::with_max_entries(MAX_TRACED_PROCESSES, 0);

/// tid -> the syscall the thread is in. `enter_ns == 0` marks a free slot; slots
/// are reused in place because a hash update or delete per syscall costs more.
#[map]
static INFLIGHT: HashMap<u32, InflightSyscall> = HashMap::with_max_entries(MAX_INFLIGHT_THREADS, 0);

#[map]
static EVENTS: RingBuf = RingBuf::with_byte_size(RING_BUFFER_BYTES, 0);

/// Events lost in the kernel, per capture id (ring buffer full, in-flight map full).
#[map]
static DROPS: PerCpuArray<u64> = PerCpuArray::with_max_entries(MAX_CAPTURES, 0);

/// Capture id -> its syscall bitmap, string limits and flags (set by the
/// daemon before the capture's first process is tracked).
#[map]
static CONFIG: Array<CaptureConfig> = Array::with_max_entries(MAX_CAPTURES, 0);

/// Capture id -> nonzero while user space cannot keep up with that lossless
/// capture (its subscriber's queue is full): its processes pause.
#[map]
static PAUSE: Array<u32> = Array::with_max_entries(MAX_CAPTURES, 0);

/// tgid -> capture id of each process a lossless capture paused (SIGSTOP), so
/// that user space resumes exactly those (SIGCONT) once it has drained.
#[map]
static PAUSED: HashMap<u32, u32> = HashMap::with_max_entries(MAX_TRACED_PROCESSES, 0);

/// Summary slot * SYSCALL_SLOTS + nr -> calls, errors and time of the `-c`
/// captures, which send no syscall records. Per CPU: no atomics, no hashing.
#[map]
static SUMMARY: PerCpuArray<SummaryValue> =
    PerCpuArray::with_max_entries(MAX_SUMMARY_SLOTS * SYSCALL_SLOTS, 0);

/// Syscall number -> which arguments to read from user memory.
#[map]
static PLANS: Array<SyscallCapturePlan> = Array::with_max_entries(SYSCALL_SLOTS, 0);

/// Per-CPU staging area for payload records (too large for the 512-byte stack).
#[map]
static SCRATCH: PerCpuArray<PayloadScratch> = PerCpuArray::with_max_entries(1, 0);

/// Per-CPU staging area of the stack program: its own, so that it never
/// shares a record with the enter program's payloads.
#[map]
static STACK_SCRATCH: PerCpuArray<PayloadScratch> = PerCpuArray::with_max_entries(1, 0);

/// tgid -> 1 once the process image's memory map has been asked for (its
/// first stack stopped it for user space to read /proc/PID/maps). LRU: an
/// entry of a long-gone process makes room by itself.
#[map]
static STACK_SNAPSHOTS: LruHashMap<u32, u32> =
    LruHashMap::with_max_entries(MAX_TRACED_PROCESSES, 0);

/// Slot 0: the enter program of select and pselect6 of each attach flavour
/// (a tail call needs the caller's program type), set by the daemon.
#[map]
static FD_SET_ENTER_TP: ProgramArray = ProgramArray::with_max_entries(1, 0);
#[map]
static FD_SET_ENTER_RAW: ProgramArray = ProgramArray::with_max_entries(1, 0);

/// Field offsets of the sched tracepoints, read from tracefs by the daemon.
#[unsafe(no_mangle)]
static FORK_CHILD_PID_OFFSET: Global<u32> = Global::new(20);
#[unsafe(no_mangle)]
static EXIT_GROUP_DEAD_OFFSET: Global<u32> = Global::new(32);
/// `struct task_struct` field offsets from the kernel's BTF, set at load time.
#[unsafe(no_mangle)]
static TASK_OFFSETS: Global<TaskOffsets> = Global::new(TaskOffsets {
    exit_code: 0,
    pid: 0,
    tgid: 0,
    _pad: 0,
});
/// Once this many bytes wait in the ring buffer, lossless captures pause
/// their processes: half the ring, set by the daemon with the ring's size.
/// The other half absorbs what threads already inside a syscall emit.
#[unsafe(no_mangle)]
static LOSSLESS_HIGH_WATER_BYTES: Global<u64> = Global::new(RING_BUFFER_BYTES as u64 / 2);

/// `sizeof(struct sockaddr_storage)`.
const SOCKADDR_MAX: u32 = 128;
const NR_MMAP: u64 = 9;
const NR_MPROTECT: u64 = 10;
const PROT_EXEC: u64 = 4;
const NR_EXECVE: u64 = 59;
const NR_EXECVEAT: u64 = 322;
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
    wakeup_flags_for(EVENTS.query(BPF_RB_AVAIL_DATA as u64))
}

#[inline(always)]
fn wakeup_flags_for(waiting_bytes: u64) -> u64 {
    if waiting_bytes >= WAKEUP_THRESHOLD_BYTES {
        BPF_RB_FORCE_WAKEUP as u64
    } else {
        BPF_RB_NO_WAKEUP as u64
    }
}

const SIGSTOP: u32 = 19;
const SIGCONT: u32 = 18;

/// A lossless capture's process pauses when user space is behind: SIGSTOP
/// now, at the syscall's exit, takes effect on the way back to user mode, so
/// no call is interrupted and the process stops before its next one. It is
/// recorded in `PAUSED` first, once, and user space resumes it.
#[inline(always)]
fn pause_if_behind(capture_id: u32, tgid: u32, waiting_bytes: u64) {
    let behind = waiting_bytes >= LOSSLESS_HIGH_WATER_BYTES.load()
        || PAUSE.get(capture_id).is_some_and(|pause| *pause != 0);
    if behind
        && PAUSED
            .insert(&tgid, &capture_id, BPF_NOEXIST as u64)
            .is_ok()
    {
        // SAFETY: helper without memory arguments; signals the current process.
        unsafe { generated::bpf_send_signal(SIGSTOP) };
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

/// The capture's settings; a missing entry (never for a tracked capture)
/// records nothing.
#[inline(always)]
fn capture_config(capture_id: u32) -> Option<&'static CaptureConfig> {
    CONFIG.get(capture_id)
}

/// The filter push-down: one bit test per syscall of a traced process.
#[inline(always)]
fn wants(cfg: &CaptureConfig, nr: u64) -> bool {
    if nr >= u64::from(SYSCALL_SLOTS) {
        return cfg.flags & config::ALL_SYSCALLS != 0;
    }
    (cfg.syscalls[(nr >> 6) as usize & 7] >> (nr & 63)) & 1 != 0
}

/// Argument `i` without a bounds check the verifier would see as a branch to a panic.
#[inline(always)]
fn arg_at(args: &[u64; 6], i: u8) -> u64 {
    match i {
        0 => args[0],
        1 => args[1],
        2 => args[2],
        3 => args[3],
        4 => args[4],
        5 => args[5],
        _ => 0,
    }
}

/// Bounds a length for the verifier. The mask comes after an optimisation
/// barrier: LLVM drops masks it can prove redundant from earlier clamps, and
/// the verifier does not follow that proof across registers.
#[inline(always)]
fn bounded(len: u32) -> usize {
    core::hint::black_box(len) as usize & (SCRATCH_DATA_BYTES - 1)
}

/// A capture limit within what the staging area and records allow.
#[inline(always)]
fn capped(limit: u32) -> u32 {
    if limit > MAX_CAPTURE_BYTES {
        MAX_CAPTURE_BYTES
    } else {
        limit
    }
}

/// How many of `wanted` bytes to read under `limit`, and the TRUNCATED
/// flag when that is fewer.
#[inline(always)]
fn cut(wanted: u64, limit: u32) -> (u32, u8) {
    if wanted > u64::from(limit) {
        (limit, payload::TRUNCATED)
    } else {
        (wanted as u32, 0)
    }
}

/// Copies the staged header plus `len` data bytes into the ring buffer.
#[inline(always)]
#[expect(
    clippy::too_many_arguments,
    reason = "flat record fields, inlined into the caller"
)]
fn send_payload(
    scratch: *mut PayloadScratch,
    capture_id: u32,
    tid: u32,
    nr: u64,
    arg: u8,
    payload_kind: u8,
    index: u8,
    payload_flags: u8,
    len: u32,
) {
    let _ = send_payload_waking(
        scratch,
        capture_id,
        tid,
        nr,
        arg,
        payload_kind,
        index,
        payload_flags,
        len,
        false,
    );
}

/// [`send_payload`], waking the reader now if `force_wakeup`. The flags are
/// computed at the output, not by the caller: a value kept live across the
/// record's assembly costs the classic enter program verifier states, and
/// it is at the 1M-instruction limit.
#[inline(always)]
#[expect(
    clippy::too_many_arguments,
    reason = "flat record fields, inlined into the caller"
)]
fn send_payload_waking(
    scratch: *mut PayloadScratch,
    capture_id: u32,
    tid: u32,
    nr: u64,
    arg: u8,
    payload_kind: u8,
    index: u8,
    payload_flags: u8,
    len: u32,
    force_wakeup: bool,
) -> bool {
    // The mask bounds the length for the verifier; callers never exceed it.
    let len = bounded(len);
    let size = size_of::<PayloadHeader>() + len;
    // SAFETY: `scratch` is this CPU's staging record; nothing else runs on
    // this CPU until the program returns.
    unsafe {
        (*scratch).header = PayloadHeader {
            header: EventHeader {
                kind: kind::PAYLOAD,
                size: size as u16,
                cpu: 0,
                timestamp_ns: 0,
            },
            capture_id,
            tid,
            nr: nr as u16,
            arg,
            kind: payload_kind,
            index,
            flags: payload_flags,
            _pad: 0,
            len: len as u32,
            _pad2: 0,
        };
    }
    // SAFETY: `size` is at most the size of the staging record.
    let bytes = unsafe { core::slice::from_raw_parts(scratch.cast::<u8>(), size) };
    let wakeup = if force_wakeup {
        BPF_RB_FORCE_WAKEUP as u64
    } else {
        wakeup_flags()
    };
    let sent = EVENTS.output::<[u8]>(bytes, wakeup).is_ok();
    if !sent {
        count_drop(capture_id);
    }
    sent
}

/// Reads a NUL-terminated string of at most `limit` bytes. One byte more is
/// read so that a string of exactly `limit` bytes is not marked truncated.
#[inline(always)]
#[expect(
    clippy::too_many_arguments,
    reason = "flat record fields, inlined into the caller"
)]
fn emit_string(
    scratch: *mut PayloadScratch,
    capture_id: u32,
    tid: u32,
    nr: u64,
    arg: u8,
    payload_kind: u8,
    index: u8,
    src: u64,
    limit: u32,
) -> bool {
    if src == 0 {
        return true;
    }
    let limit = capped(limit);
    let size = bounded(limit + 2);
    // SAFETY: the destination is this CPU's staging area and `size` fits it;
    // the helper checks the user address.
    let read = unsafe {
        generated::bpf_probe_read_user_str(
            (*scratch).data.as_mut_ptr().cast::<c_void>(),
            size as u32,
            src as *const c_void,
        )
    };
    if read <= 0 {
        // Unreadable now (bad address, or a page not yet resident).
        return false;
    }
    let chars = (read - 1) as u32;
    let (len, truncated) = if chars > limit {
        (limit, payload::TRUNCATED)
    } else {
        (chars, 0)
    };
    send_payload(
        scratch,
        capture_id,
        tid,
        nr,
        arg,
        payload_kind,
        index,
        truncated,
        len,
    );
    true
}

/// execve's argv: up to `MAX_ARGV_CAPTURED` strings, then a marker when more follow.
#[inline(always)]
fn emit_argv(
    scratch: *mut PayloadScratch,
    cfg: &CaptureConfig,
    capture_id: u32,
    tid: u32,
    nr: u64,
    arg: u8,
    base: u64,
) {
    if base == 0 {
        return;
    }
    for i in 0..MAX_ARGV_CAPTURED {
        // SAFETY: probe_read checks the user address.
        let Ok(element) = (unsafe { bpf_probe_read_user((base + u64::from(i) * 8) as *const u64) })
        else {
            return;
        };
        if element == 0 {
            return;
        }
        emit_string(
            scratch,
            capture_id,
            tid,
            nr,
            arg,
            payload::ARGV,
            i as u8,
            element,
            cfg.buffer_limit,
        );
    }
    // SAFETY: as above.
    let more =
        unsafe { bpf_probe_read_user((base + u64::from(MAX_ARGV_CAPTURED) * 8) as *const u64) };
    if more.is_ok_and(|element| element != 0) {
        send_payload(
            scratch,
            capture_id,
            tid,
            nr,
            arg,
            payload::ARGV,
            MAX_ARGV_CAPTURED as u8,
            payload::ARGV_MORE,
            0,
        );
    }
}

/// Reads `wanted` bytes (at most `max`, or the capture's buffer limit when
/// `max` is 0) from user address `src`.
#[inline(always)]
#[expect(
    clippy::too_many_arguments,
    reason = "flat record fields, inlined into the caller"
)]
fn emit_bytes(
    scratch: *mut PayloadScratch,
    cfg: &CaptureConfig,
    capture_id: u32,
    tid: u32,
    nr: u64,
    arg: u8,
    payload_kind: u8,
    src: u64,
    wanted: u64,
    max: u32,
) {
    if src == 0 {
        return;
    }
    let max = capped(if max != 0 { max } else { cfg.buffer_limit });
    let (len, truncated) = cut(wanted, max);
    if len == 0 {
        return;
    }
    let size = bounded(len);
    // SAFETY: the destination is this CPU's staging area and `size` fits it;
    // the helper checks the user address.
    let rc = unsafe {
        generated::bpf_probe_read_user(
            (*scratch).data.as_mut_ptr().cast::<c_void>(),
            size as u32,
            src as *const c_void,
        )
    };
    if rc != 0 {
        return;
    }
    send_payload(
        scratch,
        capture_id,
        tid,
        nr,
        arg,
        payload_kind,
        0,
        truncated,
        len,
    );
}

/// The plan's data buffer: at enter with `ret` 0, at exit with the result.
#[inline(always)]
#[expect(
    clippy::too_many_arguments,
    reason = "flat record fields, inlined into the caller"
)]
fn emit_buffer(
    scratch: *mut PayloadScratch,
    cfg: &CaptureConfig,
    plan: &SyscallCapturePlan,
    capture_id: u32,
    tid: u32,
    nr: u64,
    args: &[u64; 6],
    ret: i64,
) {
    let wanted = match plan.buffer_len {
        capture_len::ARG => arg_at(args, plan.buffer_len_arg),
        capture_len::RETURN if ret > 0 => ret as u64,
        capture_len::FIXED => u64::from(plan.buffer_max),
        _ => return,
    };
    emit_bytes(
        scratch,
        cfg,
        capture_id,
        tid,
        nr,
        plan.buffer_arg,
        payload::BUFFER,
        arg_at(args, plan.buffer_arg),
        wanted,
        plan.buffer_max,
    );
}

/// An iovec array: one record per element with its base and length, then
/// up to the buffer limit of its data (none when `with_data` is false: a
/// failed read-like call). Nothing is carried from one element to the next,
/// so the verifier can prune the loop; the daemon cuts a read-like call's
/// data at its result.
#[inline(always)]
#[expect(
    clippy::too_many_arguments,
    reason = "flat record fields, inlined into the caller"
)]
fn emit_iovec(
    scratch: *mut PayloadScratch,
    cfg: &CaptureConfig,
    capture_id: u32,
    tid: u32,
    nr: u64,
    arg: u8,
    base: u64,
    count: u64,
    with_data: bool,
) {
    if base == 0 {
        return;
    }
    let limit = capped(cfg.buffer_limit);
    for i in 0..MAX_IOV_CAPTURED {
        if u64::from(i) >= count {
            return;
        }
        // SAFETY: probe_read checks the user address.
        let Ok(iov) = (unsafe {
            bpf_probe_read_user((base + u64::from(i) * IOVEC_BYTES as u64) as *const [u64; 2])
        }) else {
            return;
        };
        let wanted = if with_data { iov[1] } else { 0 };
        let (mut len, mut record_flags) = cut(wanted, limit);
        // SAFETY: this CPU's staging area; the element's data goes after its
        // base and length, at a length masked to half the area.
        unsafe {
            let data = (*scratch).data.as_mut_ptr();
            data.cast::<[u64; 2]>().write_unaligned(iov);
            if len != 0 {
                let size = core::hint::black_box(len) as usize & (SCRATCH_DATA_BYTES / 2 - 1);
                let rc = generated::bpf_probe_read_user(
                    data.add(IOVEC_BYTES).cast::<c_void>(),
                    size as u32,
                    iov[0] as *const c_void,
                );
                if rc != 0 {
                    len = 0;
                    record_flags = payload::UNREADABLE;
                }
            }
        }
        send_payload(
            scratch,
            capture_id,
            tid,
            nr,
            arg,
            payload::IOVEC,
            i as u8,
            record_flags,
            IOVEC_BYTES as u32 + len,
        );
    }
    if count > u64::from(MAX_IOV_CAPTURED) {
        send_payload(
            scratch,
            capture_id,
            tid,
            nr,
            arg,
            payload::IOVEC,
            MAX_IOV_CAPTURED as u8,
            payload::ARGV_MORE,
            0,
        );
    }
}

/// The plan's iovec array, directly (readv, writev) or through a msghdr
/// (sendmsg, recvmsg), whose header and `msg_name` are sent first.
#[inline(always)]
#[expect(
    clippy::too_many_arguments,
    reason = "flat record fields, inlined into the caller"
)]
fn emit_iov_plan(
    scratch: *mut PayloadScratch,
    cfg: &CaptureConfig,
    plan: &SyscallCapturePlan,
    capture_id: u32,
    tid: u32,
    nr: u64,
    args: &[u64; 6],
    with_data: bool,
) {
    let pointer = arg_at(args, plan.iov_arg);
    let (base, count) = if plan.iov_msghdr != 0 {
        if pointer == 0 {
            return;
        }
        // SAFETY: probe_read checks the user address.
        let Ok(header) = (unsafe { bpf_probe_read_user(pointer as *const [u64; 7]) }) else {
            return;
        };
        // SAFETY: this CPU's staging area, larger than a msghdr.
        unsafe {
            (*scratch)
                .data
                .as_mut_ptr()
                .cast::<[u64; 7]>()
                .write_unaligned(header)
        };
        send_payload(
            scratch,
            capture_id,
            tid,
            nr,
            plan.iov_arg,
            payload::MSGHDR,
            0,
            0,
            MSGHDR_BYTES as u32,
        );
        // msg_name, msg_namelen (an int), msg_iov, msg_iovlen.
        emit_bytes(
            scratch,
            cfg,
            capture_id,
            tid,
            nr,
            plan.iov_arg,
            payload::ADDRESS,
            header[0],
            header[1] & 0xffff_ffff,
            SOCKADDR_MAX,
        );
        (header[2], header[3])
    } else {
        (pointer, arg_at(args, plan.iov_count_arg))
    };
    emit_iovec(
        scratch,
        cfg,
        capture_id,
        tid,
        nr,
        plan.iov_arg,
        base,
        count,
        with_data,
    );
}

/// String arguments; returns the bits of those that could not be read.
#[inline(always)]
fn emit_strings(
    scratch: *mut PayloadScratch,
    cfg: &CaptureConfig,
    capture_id: u32,
    tid: u32,
    nr: u64,
    string_args: u8,
    args: &[u64; 6],
) -> u32 {
    let mut failed = 0;
    for i in 0..6u8 {
        if string_args & (1 << i) != 0
            && !emit_string(
                scratch,
                capture_id,
                tid,
                nr,
                i,
                payload::STRING,
                0,
                arg_at(args, i),
                cfg.path_limit,
            )
        {
            failed |= 1 << i;
        }
    }
    failed
}

#[inline(always)]
fn capture_plan(nr: u64) -> Option<SyscallCapturePlan> {
    if nr >= u64::from(SYSCALL_SLOTS) {
        return None;
    }
    PLANS.get(nr as u32).copied()
}

/// Strings, argv and enter-time buffers, sent before the syscall's record.
/// Returns the string arguments to read again at exit.
#[inline(always)]
fn capture_at_enter(
    cfg: &CaptureConfig,
    capture_id: u32,
    tid: u32,
    nr: u64,
    args: &[u64; 6],
) -> u32 {
    let Some(plan) = capture_plan(nr) else {
        return 0;
    };
    if plan.string_args == 0
        && plan.argv_arg > 5
        && plan.buffer_at != capture_at::ENTER
        && plan.address_arg > 5
    {
        return 0;
    }
    let Some(scratch) = SCRATCH.get_ptr_mut(0) else {
        return 0;
    };
    let failed = emit_strings(scratch, cfg, capture_id, tid, nr, plan.string_args, args);
    if plan.argv_arg <= 5 {
        emit_argv(
            scratch,
            cfg,
            capture_id,
            tid,
            nr,
            plan.argv_arg,
            arg_at(args, plan.argv_arg),
        );
    }
    if plan.buffer_at == capture_at::ENTER {
        emit_buffer(scratch, cfg, &plan, capture_id, tid, nr, args, 0);
    }
    if plan.address_arg <= 5 {
        emit_bytes(
            scratch,
            cfg,
            capture_id,
            tid,
            nr,
            plan.address_arg,
            payload::ADDRESS,
            arg_at(args, plan.address_arg),
            arg_at(args, plan.address_len_arg),
            SOCKADDR_MAX,
        );
    }
    // After a successful execve the old addresses mean nothing: no retry.
    if plan.argv_arg <= 5 { 0 } else { failed }
}

/// Exit-time buffers (read, recvfrom, accept's address), only on success,
/// and strings that were not resident at enter.
#[inline(always)]
fn capture_at_exit(cfg: &CaptureConfig, state: &InflightSyscall, tid: u32, ret: i64) {
    let nr = u64::from(state.nr);
    // A failed execve's environment is still the caller's; a successful
    // one's was read on the new stack by the exec tracepoint.
    if (nr == NR_EXECVE || nr == NR_EXECVEAT) && ret < 0 {
        // argv's first pointer: NULL tells an empty argv (`[]`) from an
        // unreadable one, which the enter program sends nothing for either.
        if let Some(scratch) = SCRATCH.get_ptr_mut(0) {
            let argv = envp_arg(nr) - 1;
            emit_bytes(
                scratch,
                cfg,
                state.capture_id,
                tid,
                nr,
                argv,
                payload::STRUCT,
                arg_at(&state.args, argv),
                8,
                8,
            );
        }
        let arg = envp_arg(nr);
        emit_envp(
            cfg,
            state.capture_id,
            tid,
            nr,
            arg,
            arg_at(&state.args, arg),
        );
    }
    let Some(plan) = capture_plan(nr) else {
        return;
    };
    if plan.buffer_at != capture_at::EXIT
        && plan.iov_at == capture_at::NONE
        && plan.struct_arg > 5
        && plan.struct2_arg > 5
        && state.retry_strings == 0
    {
        return;
    }
    let Some(scratch) = SCRATCH.get_ptr_mut(0) else {
        return;
    };
    if state.retry_strings != 0 {
        emit_strings(
            scratch,
            cfg,
            state.capture_id,
            tid,
            nr,
            state.retry_strings as u8,
            &state.args,
        );
    }
    if plan.struct_arg <= 5 {
        emit_bytes(
            scratch,
            cfg,
            state.capture_id,
            tid,
            nr,
            plan.struct_arg,
            payload::STRUCT,
            arg_at(&state.args, plan.struct_arg),
            u64::from(plan.struct_size),
            u32::from(plan.struct_size),
        );
    }
    if plan.struct2_arg <= 5 {
        emit_bytes(
            scratch,
            cfg,
            state.capture_id,
            tid,
            nr,
            plan.struct2_arg,
            payload::STRUCT,
            arg_at(&state.args, plan.struct2_arg),
            u64::from(plan.struct2_size),
            u32::from(plan.struct2_size),
        );
    }
    if ret > 0 && is_fd_set_call(nr) {
        emit_fd_sets(
            scratch,
            cfg,
            state.capture_id,
            tid,
            nr,
            &state.args,
            payload::STRUCT,
        );
    }
    // iovec arrays are read here whichever way their data goes: a writer's
    // buffers still hold what it passed, and the enter program is near the
    // verifier's limit. A failed reader's elements go out without data:
    // strace then shows their addresses.
    if plan.iov_at != capture_at::NONE {
        emit_iov_plan(
            scratch,
            cfg,
            &plan,
            state.capture_id,
            tid,
            nr,
            &state.args,
            plan.iov_at == capture_at::ENTER || ret > 0,
        );
    }
    if plan.buffer_at == capture_at::EXIT && ret >= 0 {
        emit_buffer(
            scratch,
            cfg,
            &plan,
            state.capture_id,
            tid,
            nr,
            &state.args,
            ret,
        );
    }
}

/// select or pselect6 (see [`FD_SET_SYSCALLS`]).
#[inline(always)]
fn is_fd_set_call(nr: u64) -> bool {
    nr == FD_SET_SYSCALLS[0] || nr == FD_SET_SYSCALLS[1]
}

/// select's three fd sets, as long as `nfds` (argument 0) asks.
#[inline(always)]
fn emit_fd_sets(
    scratch: *mut PayloadScratch,
    cfg: &CaptureConfig,
    capture_id: u32,
    tid: u32,
    nr: u64,
    args: &[u64; 6],
    payload_kind: u8,
) {
    let size = fd_set_bytes(args[0]);
    for arg in 1..4u8 {
        emit_bytes(
            scratch,
            cfg,
            capture_id,
            tid,
            nr,
            arg,
            payload_kind,
            arg_at(args, arg),
            u64::from(size),
            FD_SET_MAX_BYTES,
        );
    }
}

/// select's and pselect6's enter: the fd sets and the timeout as passed
/// (the kernel overwrites them); their plans read nothing else at enter.
#[inline(always)]
fn on_fd_set_enter(
    cfg: &CaptureConfig,
    capture_id: u32,
    tgid: u32,
    tid: u32,
    nr: u64,
    args: [u64; 6],
) {
    let enter_ns = now_ns();
    if let Some(scratch) = SCRATCH.get_ptr_mut(0) {
        emit_fd_sets(scratch, cfg, capture_id, tid, nr, &args, payload::ENTRY);
        // A timeval (select) or timespec (pselect6): 16 bytes either way.
        emit_bytes(
            scratch,
            cfg,
            capture_id,
            tid,
            nr,
            4,
            payload::ENTRY,
            args[4],
            16,
            16,
        );
    }
    track_enter(capture_id, tgid, tid, nr, args, enter_ns, 0);
}

/// The argument holding execve's (or execveat's) environment.
#[inline(always)]
fn envp_arg(nr: u64) -> u8 {
    if nr == NR_EXECVEAT { 3 } else { 2 }
}

/// The pointer array of an environment, as a STRUCT payload of the env
/// argument: user space counts the pointers up to the NULL.
#[inline(always)]
fn emit_envp(cfg: &CaptureConfig, capture_id: u32, tid: u32, nr: u64, arg: u8, envp: u64) {
    if envp == 0 || cfg.flags & config::DECODE == 0 {
        return;
    }
    let Some(scratch) = SCRATCH.get_ptr_mut(0) else {
        return;
    };
    // Whole pages of the array are resident (the caller wrote them), but the
    // page after it may not be: exec leaves a random gap between the tables
    // and the strings, and a non-faulting read fails on any missing page.
    // So: 4096 bytes, else what is left of the array's first page.
    let rest_of_page = 4096 - (envp & 4095) as u32;
    let size = if read_user_to_scratch(scratch, MAX_CAPTURE_BYTES, envp) {
        MAX_CAPTURE_BYTES
    } else if read_user_to_scratch(scratch, rest_of_page, envp) {
        rest_of_page
    } else {
        return;
    };
    send_payload(
        scratch,
        capture_id,
        tid,
        nr,
        arg,
        payload::STRUCT,
        0,
        0,
        size,
    );
    if cfg.flags & config::ENV_STRINGS != 0 {
        // SAFETY: at least 8 bytes of the array were just read there.
        let first = unsafe { (*scratch).data.as_ptr().cast::<u64>().read_unaligned() };
        emit_env_strings(scratch, capture_id, tid, nr, arg, first);
    }
}

/// The strings an environment points at, from its first one on: contiguous
/// on a fresh stack (user space checks every pointer falls inside).
#[inline(always)]
fn emit_env_strings(
    scratch: *mut PayloadScratch,
    capture_id: u32,
    tid: u32,
    nr: u64,
    arg: u8,
    first: u64,
) {
    const ADDRESS_BYTES: u32 = 8;
    let rest_of_page = 4096 - (first & 4095) as u32;
    let most = MAX_CAPTURE_BYTES - ADDRESS_BYTES;
    // SAFETY: this CPU's staging area; the data part is much larger than 8 bytes.
    unsafe {
        (*scratch)
            .data
            .as_mut_ptr()
            .cast::<u64>()
            .write_unaligned(first);
    }
    let read = |size: u32| {
        let size = bounded(size) as u32;
        // SAFETY: the destination is this CPU's staging area past the
        // address, and `size` fits it; the helper checks the user address.
        unsafe {
            generated::bpf_probe_read_user(
                (*scratch).data.as_mut_ptr().add(8).cast::<c_void>(),
                size,
                first as *const c_void,
            ) == 0
        }
    };
    // An empty environment: the address alone says so.
    let size = if first == 0 {
        0
    } else if read(most) {
        most
    } else if read(rest_of_page.min(most)) {
        rest_of_page.min(most)
    } else {
        return;
    };
    send_payload(
        scratch,
        capture_id,
        tid,
        nr,
        arg,
        payload::ENV,
        0,
        0,
        ADDRESS_BYTES + size,
    );
}

/// Copies `size` bytes (bounded to the staging area) from user address `src`.
#[inline(always)]
fn read_user_to_scratch(scratch: *mut PayloadScratch, size: u32, src: u64) -> bool {
    let size = bounded(size) as u32;
    // SAFETY: the destination is this CPU's staging area and `size` fits it;
    // the helper checks the user address.
    unsafe {
        generated::bpf_probe_read_user(
            (*scratch).data.as_mut_ptr().cast::<c_void>(),
            size,
            src as *const c_void,
        ) == 0
    }
}

/// Adds a completed call to its capture's in-kernel summary (`-c`).
#[inline(always)]
fn summarize(cfg: &CaptureConfig, nr: u32, ret: i64, duration_ns: u64) {
    // Numbers past the table (never seen on x86_64) are not counted.
    if nr >= SYSCALL_SLOTS {
        return;
    }
    let Some(value) = SUMMARY.get_ptr_mut(cfg.summary_slot * SYSCALL_SLOTS + nr) else {
        return;
    };
    // SAFETY: this CPU's slot; nothing else writes it while preemption is off.
    unsafe {
        (*value).calls += 1;
        (*value).total_ns += duration_ns;
        if (-4095..0).contains(&ret) {
            (*value).errors += 1;
        }
    }
}

#[inline(always)]
fn on_enter(cfg: &CaptureConfig, capture_id: u32, tgid: u32, tid: u32, nr: u64, args: [u64; 6]) {
    if nr == NR_EXIT || nr == NR_EXIT_GROUP {
        // strace -c does not count calls that never return.
        if cfg.flags & config::SUMMARY_ONLY == 0 {
            emit_no_return(capture_id, tgid, tid, nr, args);
        }
        return;
    }
    let enter_ns = now_ns();
    // Payloads go first so that user space holds them when the record comes.
    let retry_strings = if cfg.flags & config::DECODE != 0 {
        capture_at_enter(cfg, capture_id, tid, nr, &args)
    } else {
        0
    };
    track_enter(capture_id, tgid, tid, nr, args, enter_ns, retry_strings);
}

/// Stores the call in the thread's in-flight slot for its exit.
#[inline(always)]
fn track_enter(
    capture_id: u32,
    tgid: u32,
    tid: u32,
    nr: u64,
    args: [u64; 6],
    enter_ns: u64,
    retry_strings: u32,
) {
    let state = InflightSyscall {
        enter_ns,
        capture_id,
        pid: tgid,
        nr: nr as u32,
        cpu: cpu(),
        args,
        retry_strings,
        _pad: 0,
    };
    if let Some(slot) = INFLIGHT.get_ptr_mut(&tid) {
        // SAFETY: the slot belongs to this thread; nothing else writes it meanwhile.
        unsafe { *slot = state };
    } else if INFLIGHT.insert(&tid, &state, BPF_ANY as u64).is_err() {
        count_drop(capture_id);
    }
}

/// The exit of the current thread's syscall. The in-flight slot is the only
/// lookup: a thread that is not traced has none, and a traced thread's
/// filtered-out call left its slot free, so neither pays for more.
#[inline(always)]
fn on_exit(ret: i64) {
    let tid = bpf_get_current_pid_tgid() as u32;
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
    let Some(cfg) = capture_config(state.capture_id) else {
        return;
    };
    if cfg.flags & config::SUMMARY_ONLY != 0 {
        summarize(cfg, state.nr, ret, now - enter_ns);
        return;
    }
    if cfg.flags & config::DECODE != 0 {
        capture_at_exit(cfg, state, tid, ret);
    }
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
    let waiting_bytes = EVENTS.query(BPF_RB_AVAIL_DATA as u64);
    entry.submit(wakeup_flags_for(waiting_bytes));
    if cfg.flags & config::LOSSLESS != 0 {
        pause_if_behind(state.capture_id, state.pid, waiting_bytes);
    }
}

// ---- raw tracepoints: same logic, selectable with --attach raw-tracepoint ----

#[raw_tracepoint(tracepoint = "sys_enter")]
pub fn renacer_sys_enter_raw(ctx: RawTracePointContext) -> i32 {
    let (tgid, tid) = current_ids();
    let Some(capture_id) = traced_capture(tgid) else {
        return 0;
    };
    let nr: u64 = ctx.arg(1);
    let Some(cfg) = capture_config(capture_id) else {
        return 0;
    };
    if !wants(cfg, nr) {
        return 0;
    }
    // A summary needs no arguments: skip the read.
    if cfg.flags & config::SUMMARY_ONLY != 0 {
        on_enter(cfg, capture_id, tgid, tid, nr, [0; 6]);
        return 0;
    }
    if cfg.flags & (config::DECODE | config::SUMMARY_ONLY) == config::DECODE && is_fd_set_call(nr) {
        // SAFETY: the context is this program's; on failure (an empty
        // slot) the call goes on here, undecoded.
        unsafe { FD_SET_ENTER_RAW.tail_call(&ctx, 0) };
    }
    let Some(args) = raw_args(&ctx, capture_id) else {
        return 0;
    };
    on_enter(cfg, capture_id, tgid, tid, nr, args);
    0
}

/// The syscall's arguments from its pt_regs.
#[inline(always)]
fn raw_args(ctx: &RawTracePointContext, capture_id: u32) -> Option<[u64; 6]> {
    let regs: *const u8 = ctx.arg(0);
    // r10, r9, r8, ax, cx, dx, si, di
    // SAFETY: `regs` is the kernel's pt_regs of this syscall; probe_read checks the access.
    let Ok(r) = (unsafe { bpf_probe_read_kernel(regs.add(PT_REGS_R10_OFFSET).cast::<[u64; 8]>()) })
    else {
        count_drop(capture_id);
        return None;
    };
    Some([r[7], r[6], r[5], r[0], r[2], r[1]])
}

/// Tail-called by `renacer_sys_enter_raw` for [`FD_SET_SYSCALLS`] (not attached).
#[raw_tracepoint(tracepoint = "sys_enter")]
pub fn renacer_fd_set_enter_raw(ctx: RawTracePointContext) -> i32 {
    let (tgid, tid) = current_ids();
    let Some(capture_id) = traced_capture(tgid) else {
        return 0;
    };
    let Some(cfg) = capture_config(capture_id) else {
        return 0;
    };
    let Some(args) = raw_args(&ctx, capture_id) else {
        return 0;
    };
    on_fd_set_enter(cfg, capture_id, tgid, tid, ctx.arg(1), args);
    0
}

#[raw_tracepoint(tracepoint = "sys_exit")]
pub fn renacer_sys_exit_raw(ctx: RawTracePointContext) -> i32 {
    on_exit(ctx.arg(1));
    0
}

// ---- classic tracepoints: the default (measured cheaper on this kernel) ----

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
    let Some(cfg) = capture_config(capture_id) else {
        return 0;
    };
    if !wants(cfg, nr) {
        return 0;
    }
    if cfg.flags & (config::DECODE | config::SUMMARY_ONLY) == config::DECODE && is_fd_set_call(nr) {
        // SAFETY: as in `renacer_sys_enter_raw`.
        unsafe { FD_SET_ENTER_TP.tail_call(&ctx, 0) };
    }
    on_enter(cfg, capture_id, tgid, tid, nr, tp_args(&ctx));
    0
}

#[inline(always)]
fn tp_args(ctx: &TracePointContext) -> [u64; 6] {
    [
        tp_field(ctx, 16),
        tp_field(ctx, 24),
        tp_field(ctx, 32),
        tp_field(ctx, 40),
        tp_field(ctx, 48),
        tp_field(ctx, 56),
    ]
}

/// Tail-called by `renacer_sys_enter_tp` for [`FD_SET_SYSCALLS`] (not attached).
#[tracepoint(category = "raw_syscalls", name = "sys_enter")]
pub fn renacer_fd_set_enter_tp(ctx: TracePointContext) -> u32 {
    let (tgid, tid) = current_ids();
    let Some(capture_id) = traced_capture(tgid) else {
        return 0;
    };
    let Some(cfg) = capture_config(capture_id) else {
        return 0;
    };
    on_fd_set_enter(cfg, capture_id, tgid, tid, tp_field(&ctx, 8), tp_args(&ctx));
    0
}

#[tracepoint(category = "raw_syscalls", name = "sys_exit")]
pub fn renacer_sys_exit_tp(ctx: TracePointContext) -> u32 {
    on_exit(tp_field(&ctx, 16));
    0
}

// ---- user stacks: a program of its own, attached while a capture asks ----

/// Offsets of the user's bp, ip and sp in x86_64 `struct pt_regs`.
const PT_REGS_BP_OFFSET: usize = 4 * 8;
/// `rdx`: the third argument, mmap's and mprotect's `prot`.
const PT_REGS_DX_OFFSET: usize = 12 * 8;
const PT_REGS_IP_OFFSET: usize = 16 * 8;
const PT_REGS_SP_OFFSET: usize = 19 * 8;
/// The stack is copied in chunks aligned to this size, so that the copy stops
/// cleanly at the end of the stack's mapping (a read across it fails whole).
const STACK_CHUNK_BYTES: u64 = 1024;

#[inline(always)]
fn read_reg(regs: *const u8, offset: usize) -> Option<u64> {
    // SAFETY: `regs` is the kernel's pt_regs of this syscall; probe_read checks the access.
    unsafe { bpf_probe_read_kernel(regs.add(offset).cast::<u64>()) }.ok()
}

/// The user registers and the top of the user stack of a traced call, as a
/// `USER_STACK` payload ahead of the call's record, for captures with
/// `config::STACKS`. Separate from the enter program (which is at the
/// verifier's limit) and attached only while such a capture runs, so that
/// other captures pay nothing. Calls that never return get none: their
/// record is emitted at entry, before this program runs.
#[raw_tracepoint(tracepoint = "sys_enter")]
pub fn renacer_stack_enter(ctx: RawTracePointContext) -> i32 {
    let (tgid, tid) = current_ids();
    let Some(capture_id) = traced_capture(tgid) else {
        return 0;
    };
    let nr: u64 = ctx.arg(1);
    let Some(cfg) = capture_config(capture_id) else {
        return 0;
    };
    if cfg.flags & config::STACKS == 0 {
        return 0;
    }
    let regs: *const u8 = ctx.arg(0);
    // New code in the process (a new image, a library mapped executable):
    // the map user space holds is stale; the next stack after this call
    // takes a new snapshot.
    let new_code = nr == NR_EXECVE
        || nr == NR_EXECVEAT
        || ((nr == NR_MMAP || nr == NR_MPROTECT)
            && read_reg(regs, PT_REGS_DX_OFFSET).is_some_and(|prot| prot & PROT_EXEC != 0));
    if new_code {
        let _ = STACK_SNAPSHOTS.remove(&tgid);
    }
    if !wants(cfg, nr) || nr == NR_EXIT || nr == NR_EXIT_GROUP {
        return 0;
    }
    let (Some(ip), Some(sp), Some(bp)) = (
        read_reg(regs, PT_REGS_IP_OFFSET),
        read_reg(regs, PT_REGS_SP_OFFSET),
        read_reg(regs, PT_REGS_BP_OFFSET),
    ) else {
        count_drop(capture_id);
        return 0;
    };
    let Some(scratch) = STACK_SCRATCH.get_ptr_mut(0) else {
        return 0;
    };
    // SAFETY: this CPU's staging record; nothing else runs on this CPU until we return.
    let data = unsafe { (*scratch).data.as_mut_ptr() };
    // SAFETY: the data area is 8-byte aligned and far larger than three words.
    unsafe { *data.cast::<[u64; 3]>() = [ip, sp, bp] };
    let mut copied: u64 = 0;
    let mut chunk = STACK_CHUNK_BYTES - (sp & (STACK_CHUNK_BYTES - 1));
    for _ in 0..=(USER_STACK_BYTES as u64 / STACK_CHUNK_BYTES) {
        if copied + chunk > USER_STACK_BYTES as u64 {
            chunk = USER_STACK_BYTES as u64 - copied;
        }
        if chunk == 0 {
            break;
        }
        // Masks after a barrier bound both for the verifier (see `bounded`).
        let offset = core::hint::black_box(copied) as usize & (SCRATCH_DATA_BYTES / 2 - 1);
        let len = core::hint::black_box(chunk) as u32 & (2 * STACK_CHUNK_BYTES as u32 - 1);
        // SAFETY: the destination lies inside the staging area (offset and
        // length masked above); the helper checks the user address.
        let read = unsafe {
            generated::bpf_probe_read_user(
                data.add(USER_STACK_REGS_BYTES + offset).cast::<c_void>(),
                len,
                (sp + copied) as *const c_void,
            )
        };
        if read != 0 {
            break;
        }
        copied += chunk;
        chunk = STACK_CHUNK_BYTES;
    }
    // The first stack since the process's code changed: stop the process
    // when this call returns, until user space has read its map (a
    // short-lived process would otherwise be gone, and its map with it,
    // before the record is read). Not at the mapping call itself: its
    // mapping may not exist yet when user space reads the map.
    // The process waits for this record: wake the reader now.
    // A lookup first: an LRU insert that finds the key still takes a node.
    // SAFETY: the value is a plain u32, only tested for presence.
    let snapshot = if !new_code
        && unsafe { STACK_SNAPSHOTS.get(&tgid) }.is_none()
        && STACK_SNAPSHOTS
            .insert(&tgid, &1, BPF_NOEXIST as u64)
            .is_ok()
    {
        // SAFETY: helper without memory arguments; signals the current process.
        unsafe { generated::bpf_send_signal(SIGSTOP) };
        payload::SNAPSHOT
    } else {
        0
    };
    let sent = send_payload_waking(
        scratch,
        capture_id,
        tid,
        nr,
        0,
        payload::USER_STACK,
        0,
        snapshot,
        USER_STACK_REGS_BYTES as u32 + copied as u32,
        snapshot != 0,
    );
    if snapshot != 0 && !sent {
        // Nobody will read this process's map: let it go on (SIGCONT drops
        // the pending SIGSTOP), and let a later stack ask again.
        // SAFETY: helper without memory arguments; signals the current process.
        unsafe { generated::bpf_send_signal(SIGCONT) };
        let _ = STACK_SNAPSHOTS.remove(&tgid);
    }
    0
}

// ---- process lifetimes ----

#[inline(always)]
fn emit_process(event_kind: u16, capture_id: u32, tgid: u32, tid: u32, other: u32) {
    emit_process_status(event_kind, capture_id, tgid, tid, other, 0);
}

#[inline(always)]
fn emit_process_status(
    event_kind: u16,
    capture_id: u32,
    tgid: u32,
    tid: u32,
    other: u32,
    exit_status: u32,
) {
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
        exit_status,
        _pad: 0,
        // SAFETY: helper without arguments.
        cgroup_id: unsafe { generated::bpf_get_current_cgroup_id() },
    });
    // Process events are rare and order matters to the daemon: wake it now.
    entry.submit(BPF_RB_FORCE_WAKEUP as u64);
}

/// Reads a field of a kernel task at a BTF offset (0: unknown, reads nothing).
#[inline(always)]
fn task_field<T: Copy + Default>(task: *const u8, offset: u32) -> T {
    if offset == 0 || task.is_null() {
        return T::default();
    }
    // SAFETY: probe_read checks the access; the offset comes from this kernel's BTF.
    unsafe { bpf_probe_read_kernel(task.add(offset as usize).cast::<T>()) }.unwrap_or_default()
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
    if TRACED
        .insert(&child, &capture_id, BPF_NOEXIST as u64)
        .is_err()
    {
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
    emit_exec_envp(capture_id, tid);
    emit_process(kind::EXEC, capture_id, tgid, tid, old_tid);
    0
}

/// The environment execve passed, read on the new program's stack before
/// the call returns: `argc`, then argv's pointers and NULL, then envp's.
#[inline(always)]
fn emit_exec_envp(capture_id: u32, tid: u32) {
    // SAFETY: the value is copied out at once.
    let Some(state) = (unsafe { INFLIGHT.get(&tid) }).copied() else {
        return;
    };
    let nr = u64::from(state.nr);
    if state.enter_ns == 0 || (nr != NR_EXECVE && nr != NR_EXECVEAT) {
        return;
    }
    let Some(cfg) = capture_config(capture_id) else {
        return;
    };
    // SAFETY: helpers on the current task; the pointer they return is only
    // read through probe_read, which checks the access.
    let sp = unsafe {
        let regs = generated::bpf_task_pt_regs(generated::bpf_get_current_task_btf()) as *const u8;
        bpf_probe_read_kernel(regs.wrapping_add(PT_REGS_SP_OFFSET).cast::<u64>())
    };
    let Ok(sp) = sp else {
        return;
    };
    // SAFETY: probe_read checks the user address.
    let Ok(argc) = (unsafe { bpf_probe_read_user(sp as *const u64) }) else {
        return;
    };
    // The kernel limits argv to a few million entries; anything else is not
    // a fresh stack.
    if argc > 1 << 24 {
        return;
    }
    emit_envp(cfg, capture_id, tid, nr, envp_arg(nr), sp + 8 * (argc + 2));
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
    // do_exit stored the wait status in current->exit_code before this tracepoint.
    // SAFETY: plain helper call.
    let task = unsafe { generated::bpf_get_current_task() } as *const u8;
    let exit_status: i32 = task_field(task, TASK_OFFSETS.load().exit_code);
    let _ = INFLIGHT.remove(&tid);
    if tid != tgid {
        let _ = TRACED.remove(&tid);
    }
    emit_process_status(
        kind::EXIT,
        capture_id,
        tgid,
        tid,
        u32::from(group_dead),
        exit_status as u32,
    );
    if group_dead {
        let _ = TRACED.remove(&tgid);
        let _ = PAUSED.remove(&tgid);
    }
    0
}

// ---- signals ----

/// `SEND_SIG_NOINFO` and `SEND_SIG_PRIV`: no siginfo, the kernel makes one.
const SEND_SIG_PRIV: u64 = 1;
/// `si_code` values the kernel fills in for those.
const SI_USER: i32 = 0;
const SI_KERNEL: i32 = 0x80;
/// `enum trace_signal_generate_result`.
const TRACE_SIGNAL_DELIVERED: i32 = 0;
const TRACE_SIGNAL_IGNORED: i32 = 1;

#[inline(always)]
fn emit_signal(capture_id: u32, tgid: u32, tid: u32, how: u32, sig: i32, info: u64) {
    let Some(mut entry) = EVENTS.reserve::<SignalEvent>(0) else {
        count_drop(capture_id);
        return;
    };
    let mut siginfo = [0u8; SIGINFO_BYTES];
    if info > SEND_SIG_PRIV {
        // SAFETY: `info` is the kernel's siginfo of this signal; probe_read checks it.
        if let Ok(bytes) = unsafe { bpf_probe_read_kernel(info as *const [u8; SIGINFO_BYTES]) } {
            siginfo = bytes;
        }
    } else {
        // What __send_signal_locked fills in: the sender (current) for
        // SEND_SIG_NOINFO, the kernel for SEND_SIG_PRIV.
        let code = if info == SEND_SIG_PRIV {
            SI_KERNEL
        } else {
            SI_USER
        };
        let (sender, uid) = if info == SEND_SIG_PRIV {
            (0, 0)
        } else {
            (
                (bpf_get_current_pid_tgid() >> 32) as u32,
                bpf_get_current_uid_gid() as u32,
            )
        };
        siginfo[0..4].copy_from_slice(&sig.to_ne_bytes());
        siginfo[8..12].copy_from_slice(&code.to_ne_bytes());
        siginfo[16..20].copy_from_slice(&sender.to_ne_bytes());
        siginfo[20..24].copy_from_slice(&uid.to_ne_bytes());
    }
    entry.write(SignalEvent {
        header: header(kind::SIGNAL, size_of::<SignalEvent>(), now_ns()),
        capture_id,
        pid: tgid,
        tid,
        how,
        siginfo,
    });
    entry.submit(BPF_RB_FORCE_WAKEUP as u64);
}

/// `signal_generate(sig, info, task, group, result)`, in the sender's context.
#[raw_tracepoint(tracepoint = "signal_generate")]
pub fn renacer_signal_generate(ctx: RawTracePointContext) -> i32 {
    let result: u64 = ctx.arg(4);
    let how = match result as i32 {
        TRACE_SIGNAL_DELIVERED => signal_how::GENERATED,
        TRACE_SIGNAL_IGNORED => signal_how::IGNORED,
        // Already pending, or lost: strace sees it once, or not at all.
        _ => return 0,
    };
    let task: u64 = ctx.arg(2);
    let offsets = TASK_OFFSETS.load();
    let task = task as *const u8;
    let tgid: i32 = task_field(task, offsets.tgid);
    let Some(capture_id) = traced_capture(tgid as u32) else {
        return 0;
    };
    let tid: i32 = task_field(task, offsets.pid);
    let sig: u64 = ctx.arg(0);
    emit_signal(
        capture_id,
        tgid as u32,
        tid as u32,
        how,
        sig as i32,
        ctx.arg(1),
    );
    0
}

/// `signal_deliver(sig, info, ka)`, in the receiving task's context.
#[raw_tracepoint(tracepoint = "signal_deliver")]
pub fn renacer_signal_deliver(ctx: RawTracePointContext) -> i32 {
    let (tgid, tid) = current_ids();
    let Some(capture_id) = traced_capture(tgid) else {
        return 0;
    };
    let info: u64 = ctx.arg(1);
    // A group exit in progress delivers SIGKILL without a siginfo: strace
    // shows no line for it, only the exit.
    if info <= SEND_SIG_PRIV {
        return 0;
    }
    let sig: u64 = ctx.arg(0);
    emit_signal(
        capture_id,
        tgid,
        tid,
        signal_how::DELIVERED,
        sig as i32,
        info,
    );
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
