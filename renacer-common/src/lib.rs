//! Types shared by the kernel side (`renacer-ebpf`) and user space.
//!
//! Every struct that crosses the ring buffer or lives in a map is `#[repr(C)]`,
//! has no implicit padding, and has its size pinned by a compile-time assertion,
//! so both sides agree on the layout byte for byte.
#![no_std]

pub mod aggregate;

/// Capture ids index per-capture arrays in the kernel; 0 means "no capture".
pub const MAX_CAPTURES: u32 = 1024;
/// Capacity of the traced thread-group map (processes under capture at once).
pub const MAX_TRACED_PROCESSES: u32 = 65_536;
/// Capacity of the per-thread in-flight syscall map.
pub const MAX_INFLIGHT_THREADS: u32 = 65_536;
/// Default ring buffer size in bytes (a power of two, a multiple of the page
/// size; `renacer-daemon --ring-buffer-mib` sets it at load time). The daemon
/// maps it twice, so it shows in the daemon's RSS at twice its size.
pub const RING_BUFFER_BYTES: u32 = 8 << 20;
/// Once this many bytes wait in the ring buffer the producer wakes the consumer;
/// below it records are submitted without a wakeup and the consumer polls on a timer.
pub const WAKEUP_THRESHOLD_BYTES: u64 = 256 << 10;

/// `EventHeader::kind` values.
pub mod kind {
    pub const SYSCALL: u16 = 1;
    pub const FORK: u16 = 2;
    pub const EXEC: u16 = 3;
    pub const EXIT: u16 = 4;
    /// Bytes read from the tracee for the next syscall record of the same
    /// thread ([`PayloadHeader`] followed by the data).
    pub const PAYLOAD: u16 = 5;
    /// A signal for a traced task ([`SignalEvent`]).
    pub const SIGNAL: u16 = 6;
}

/// `SignalEvent::how` values: where in a signal's life the record was taken.
pub mod signal_how {
    /// `signal_deliver`: the task dequeued the signal (a handler runs, or
    /// the default action is taken), in the receiving task's context.
    pub const DELIVERED: u32 = 1;
    /// `signal_generate` with a queued result, in the sender's context. A
    /// signal whose default action kills the process takes a fast path that
    /// delivers SIGKILL instead; this record is then the only one with its
    /// siginfo (strace, whose tracee is stopped, shows it).
    pub const GENERATED: u32 = 2;
    /// `signal_generate`, discarded because ignored (SIG_IGN, or SIG_DFL of
    /// SIGCHLD, SIGWINCH, ...). strace shows these: a ptraced task never
    /// ignores a signal at generation.
    pub const IGNORED: u32 = 3;
}

/// `sizeof(struct kernel_siginfo)`.
pub const SIGINFO_BYTES: usize = 48;

/// Largest string or buffer the kernel reads for one argument (`-s`, path limit).
pub const MAX_CAPTURE_BYTES: u32 = 4096;
/// execve argv elements read; more are marked with [`payload::ARGV_MORE`].
pub const MAX_ARGV_CAPTURED: u32 = 16;
/// Syscall numbers covered by the per-capture bitmap and the capture plans.
pub const SYSCALL_SLOTS: u32 = 512;
/// Data area of the per-CPU scratch record: a power of two above
/// `MAX_CAPTURE_BYTES + 2`, so that masking with `SCRATCH_DATA_BYTES - 1`
/// bounds every length for the verifier.
pub const SCRATCH_DATA_BYTES: usize = 16384;

/// `CaptureConfig::flags` bits.
pub mod config {
    /// Read strings and buffers per the syscall's [`super::SyscallCapturePlan`].
    pub const DECODE: u32 = 1;
    /// Numbers past the bitmap (`SYSCALL_SLOTS` and up) are traced too.
    pub const ALL_SYSCALLS: u32 = 2;
    /// Pause the capture's processes instead of losing events when user space
    /// falls behind (the ring buffer half full, or the `PAUSE` map set).
    pub const LOSSLESS: u32 = 4;
    /// strace `-c`: count calls in the kernel's `SUMMARY` map and send no
    /// syscall records at all (process events still flow).
    pub const SUMMARY_ONLY: u32 = 8;
    /// strace `-v`: read execve's environment strings, not only the
    /// pointers `/* N vars */` counts.
    pub const ENV_STRINGS: u32 = 16;
    /// Copy each wanted call's user registers and the top of its user stack
    /// (a [`super::payload::USER_STACK`] payload) for unwinding in user space.
    /// Read by the separate stack program only, attached while a capture asks.
    pub const STACKS: u32 = 32;
}

/// Bytes of user stack copied from the stack pointer at sys_enter: deep
/// enough for the frames between a syscall and the user's code in practice
/// (libc and std wrappers use little stack), small enough for the ring.
pub const USER_STACK_BYTES: usize = 8192;
/// A [`payload::USER_STACK`] record's data starts with the user's ip, sp
/// and bp (three native u64), then up to [`USER_STACK_BYTES`] from sp.
pub const USER_STACK_REGS_BYTES: usize = 24;

/// `-c` captures counted in the kernel at once; each owns a slot of
/// `SYSCALL_SLOTS` per-CPU counters (`CaptureConfig::summary_slot`). More run
/// as record-sending captures summarized in user space.
pub const MAX_SUMMARY_SLOTS: u32 = 16;

/// What strace -c shows of one syscall, counted per CPU. Calls that never
/// return (exit, exit_group) are not counted, as in strace -c.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SummaryValue {
    pub calls: u64,
    /// Calls that returned -4095..=-1.
    pub errors: u64,
    pub total_ns: u64,
}

/// `PayloadHeader::kind` and `flags` values.
pub mod payload {
    /// A NUL-terminated string argument (the NUL is not sent).
    pub const STRING: u8 = 1;
    /// A data buffer, socket address or timespec.
    pub const BUFFER: u8 = 2;
    /// One element of a string array (execve argv), `index` = position.
    pub const ARGV: u8 = 3;
    /// A socket address besides the buffer (sendto's destination).
    pub const ADDRESS: u8 = 4;
    /// One element of an iovec array (readv, writev, and a msghdr's
    /// `msg_iov`), `index` = position. The data starts with the element's
    /// `iov_base` and `iov_len` (two native u64), then the bytes read from it.
    pub const IOVEC: u8 = 5;
    /// A `struct msghdr` (sendmsg, recvmsg), 56 raw bytes. Its `msg_name`
    /// follows as an ADDRESS record and its `msg_iov` as IOVEC records.
    pub const MSGHDR: u8 = 6;
    /// A fixed-size struct the call reads (rt_sigaction's act, a sigset),
    /// read at exit: the caller's copy is unchanged then.
    pub const STRUCT: u8 = 7;
    /// execve's environment strings (with `config::ENV_STRINGS`): the address
    /// they were read from (a native u64), then the bytes, NUL-separated.
    pub const ENV: u8 = 8;
    /// The user registers and top of the user stack at sys_enter (see
    /// [`super::USER_STACK_REGS_BYTES`]); user space unwinds it into FRAMES.
    pub const USER_STACK: u8 = 9;
    /// Not sent by the kernel: the unwound user stack, as the daemon puts it
    /// in a packed record (renacer-trace's `stack` module has the layout).
    pub const FRAMES: u8 = 10;
    /// A struct or set as the caller passed it, read at entry by the
    /// separate enter program of [`super::FD_SET_SYSCALLS`] (select's fd
    /// sets and timeout, which the kernel overwrites); a STRUCT record of
    /// the same argument is what the kernel left there at exit.
    pub const ENTRY: u8 = 11;
    /// Flag: the string or buffer went on past what was read.
    pub const TRUNCATED: u8 = 1;
    /// Flag on an empty ARGV or IOVEC record: the array had more elements.
    pub const ARGV_MORE: u8 = 2;
    /// Flag on an IOVEC record: the element's data could not be read.
    pub const UNREADABLE: u8 = 4;
    /// Flag on a USER_STACK record: the first stack of this process image;
    /// the kernel stopped the process (SIGSTOP, effective when this call
    /// returns) so that user space reads its memory map while it lives, and
    /// user space continues it (SIGCONT) once it has.
    pub const SNAPSHOT: u8 = 8;
}

/// iovec array elements read per call (strace shows `-s`, default 32); more are
/// marked with [`payload::ARGV_MORE`].
pub const MAX_IOV_CAPTURED: u32 = 32;
/// `sizeof(struct iovec)` and `sizeof(struct msghdr)` on x86_64.
pub const IOVEC_BYTES: usize = 16;
pub const MSGHDR_BYTES: usize = 56;

/// select and pselect6: their fd sets (arguments 1 to 3, sized by argument
/// 0) and timeout (argument 4) are read at entry as [`payload::ENTRY`]
/// records by a separate program the enter programs tail-call (they are
/// near the verifier's limit), and the sets again at exit as STRUCT
/// records when the call returned ready fds.
pub const FD_SET_SYSCALLS: [u64; 2] = [23, 270];
/// The most of an fd set read: `sizeof(fd_set)` (FD_SETSIZE bits).
pub const FD_SET_MAX_BYTES: u32 = 128;
/// Bytes of an fd set of `nfds` fds as strace reads them: whole longs.
#[inline(always)]
pub const fn fd_set_bytes(nfds: u64) -> u32 {
    let nfds = nfds & 0xffff_ffff;
    if nfds > FD_SET_MAX_BYTES as u64 * 8 {
        FD_SET_MAX_BYTES
    } else {
        (nfds.div_ceil(64) * 8) as u32
    }
}

/// `SyscallCapturePlan::buffer_at` values.
pub mod capture_at {
    pub const NONE: u8 = 0;
    pub const ENTER: u8 = 1;
    pub const EXIT: u8 = 2;
}

/// `SyscallCapturePlan::buffer_len` values: where the buffer's length comes from.
pub mod capture_len {
    /// Argument `buffer_len_arg`.
    pub const ARG: u8 = 1;
    /// The return value.
    pub const RETURN: u8 = 2;
    /// `buffer_max` bytes.
    pub const FIXED: u8 = 3;
}

/// `SyscallEvent::flags` bits.
pub mod flags {
    /// The call never returns (`exit`, `exit_group`): recorded at entry, result `?`.
    pub const NO_RETURN: u16 = 1;
}

/// Starts every ring-buffer record, so user space can dispatch and skip records
/// without knowing every kind.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EventHeader {
    pub kind: u16,
    /// Total record size in bytes, header included.
    pub size: u16,
    pub cpu: u32,
    /// `bpf_ktime_get_ns()` at the start of the event (syscall entry for syscalls).
    pub timestamp_ns: u64,
}

/// One completed (or never-returning) syscall.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyscallEvent {
    pub header: EventHeader,
    pub capture_id: u32,
    /// Thread-group id (the user-visible pid).
    pub pid: u32,
    pub tid: u32,
    pub nr: u16,
    pub flags: u16,
    pub args: [u64; 6],
    pub ret: i64,
    pub duration_ns: u64,
}

/// Fork, exec and exit of a traced task.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProcessEvent {
    pub header: EventHeader,
    pub capture_id: u32,
    /// Thread-group id of the task the event happened in (the parent for a fork).
    pub pid: u32,
    pub tid: u32,
    /// Fork: the child's tid (its pid when it is a new process). Exec: the old tid.
    /// Exit: 1 when the whole thread group is dead, else 0.
    pub other: u32,
    /// Exit: the task's `exit_code`, a wait status (`code << 8`, or the
    /// killing signal with 0x80 when it dumped core). Else 0.
    pub exit_status: u32,
    pub _pad: u32,
    /// The task's cgroup v2 id (the inode of its cgroup directory); a fork's
    /// child starts in its parent's. Carried here rather than per syscall:
    /// the daemon keeps it per process.
    pub cgroup_id: u64,
}

/// A signal sent to or taken by a traced task.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignalEvent {
    pub header: EventHeader,
    pub capture_id: u32,
    /// Thread-group id and thread id of the task the signal is for.
    pub pid: u32,
    pub tid: u32,
    /// One of [`signal_how`].
    pub how: u32,
    /// The `struct kernel_siginfo` as the kernel holds it (x86_64 layout).
    pub siginfo: [u8; SIGINFO_BYTES],
}

/// Per-thread state between `sys_enter` and `sys_exit`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InflightSyscall {
    pub enter_ns: u64,
    pub capture_id: u32,
    pub pid: u32,
    pub nr: u32,
    pub cpu: u32,
    pub args: [u64; 6],
    /// Bit `i`: string argument `i` could not be read at enter (its page was
    /// not resident yet); it is read again at exit, once the kernel faulted it in.
    pub retry_strings: u32,
    pub _pad: u32,
}

/// Per-capture settings, indexed by capture id; checked right after the
/// `TRACED` lookup.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CaptureConfig {
    /// Bit `nr % 64` of word `nr / 64`: syscall `nr` is recorded.
    pub syscalls: [u64; 8],
    /// Longest path or string read, in bytes (at most `MAX_CAPTURE_BYTES`).
    pub path_limit: u32,
    /// Longest data buffer read, in bytes (at most `MAX_CAPTURE_BYTES`).
    pub buffer_limit: u32,
    pub flags: u32,
    /// With `config::SUMMARY_ONLY`: the capture's slot of summary counters.
    pub summary_slot: u32,
}

/// What to read from user memory for one syscall number (from
/// `renacer_trace::signatures::strings_to_capture`, filled in by the daemon).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyscallCapturePlan {
    /// Bit `i`: argument `i` is a NUL-terminated string, read at enter.
    pub string_args: u8,
    /// The argument holding a string array (argv), or 0xff.
    pub argv_arg: u8,
    /// The argument holding the buffer's address.
    pub buffer_arg: u8,
    /// One of `capture_at`.
    pub buffer_at: u8,
    /// One of `capture_len`.
    pub buffer_len: u8,
    pub buffer_len_arg: u8,
    /// A second socket address read at enter (sendto's destination), or 0xff.
    pub address_arg: u8,
    pub address_len_arg: u8,
    /// Most bytes to read (0: the capture's `buffer_limit`).
    pub buffer_max: u32,
    /// The argument holding an iovec array (or a msghdr, see `iov_msghdr`), or 0xff.
    pub iov_arg: u8,
    /// The argument holding the iovec array's length.
    pub iov_count_arg: u8,
    /// One of `capture_at`: whose data the elements hold, the caller's
    /// (ENTER: writev, sendmsg) or the kernel's (EXIT: readv, recvmsg, as
    /// long as the result). Both are read at exit, where a caller's buffers
    /// still hold what it passed: the enter program is near the verifier's limit.
    pub iov_at: u8,
    /// 1: `iov_arg` points at a `struct msghdr` whose `msg_iov` is the array.
    pub iov_msghdr: u8,
    /// The argument holding a struct the call reads, read at exit (it has
    /// not changed then, and the enter program is near the verifier's limit), or 0xff.
    pub struct_arg: u8,
    /// Its size in bytes.
    pub struct_size: u8,
    /// A second struct read at exit the same way (sigaltstack's old stack,
    /// rt_sigtimedwait's timeout), or 0xff.
    pub struct2_arg: u8,
    pub struct2_size: u8,
}

/// Starts a [`kind::PAYLOAD`] record; `len` bytes of data follow it.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PayloadHeader {
    pub header: EventHeader,
    pub capture_id: u32,
    pub tid: u32,
    pub nr: u16,
    /// The argument the data was read through.
    pub arg: u8,
    /// One of `payload::{STRING, BUFFER, ARGV}`.
    pub kind: u8,
    /// Position in the array for ARGV.
    pub index: u8,
    /// `payload::{TRUNCATED, ARGV_MORE}`.
    pub flags: u8,
    pub _pad: u16,
    pub len: u32,
    pub _pad2: u32,
}

/// Per-CPU staging area where a payload record is assembled before it is
/// copied into the ring buffer with its real length.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct PayloadScratch {
    pub header: PayloadHeader,
    pub data: [u8; SCRATCH_DATA_BYTES],
}

/// Load-time configuration: byte offsets of classic tracepoint fields, read by
/// the daemon from tracefs `format` files because they differ between kernels.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TracepointOffsets {
    pub fork_child_pid: u32,
    pub exit_group_dead: u32,
}

/// Load-time configuration: byte offsets of `struct task_struct` fields,
/// read by the daemon from the kernel's BTF (they differ between builds).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TaskOffsets {
    /// `exit_code`: the wait status `do_exit` stored before `sched_process_exit`.
    pub exit_code: u32,
    /// `pid` (the thread id) and `tgid`, for the target of `signal_generate`.
    pub pid: u32,
    pub tgid: u32,
    pub _pad: u32,
}

const _: () = assert!(core::mem::size_of::<EventHeader>() == 16);
const _: () = assert!(core::mem::size_of::<SyscallEvent>() == 96);
const _: () = assert!(core::mem::size_of::<ProcessEvent>() == 48);
const _: () = assert!(core::mem::size_of::<SignalEvent>() == 32 + SIGINFO_BYTES);
const _: () = assert!(core::mem::size_of::<TaskOffsets>() == 16);
const _: () = assert!(core::mem::size_of::<InflightSyscall>() == 80);
const _: () = assert!(core::mem::size_of::<TracepointOffsets>() == 8);
const _: () = assert!(core::mem::size_of::<CaptureConfig>() == 80);
const _: () = assert!(core::mem::size_of::<SummaryValue>() == 24);
const _: () = assert!(core::mem::size_of::<SyscallCapturePlan>() == 20);
const _: () = assert!(core::mem::size_of::<PayloadHeader>() == 40);
const _: () = assert!(core::mem::size_of::<PayloadScratch>() == 40 + SCRATCH_DATA_BYTES);
const _: () = assert!(SCRATCH_DATA_BYTES.is_power_of_two());
const _: () = assert!(SCRATCH_DATA_BYTES >= MAX_CAPTURE_BYTES as usize + 2);
// An iovec element's data goes after its 16-byte base and length, at a length
// masked to half the staging area.
const _: () = assert!(SCRATCH_DATA_BYTES / 2 >= MAX_CAPTURE_BYTES as usize + IOVEC_BYTES);
// The stack copy goes after the registers, in chunks whose offsets are
// masked to half the staging area.
const _: () = assert!(SCRATCH_DATA_BYTES / 2 >= USER_STACK_BYTES);
const _: () = assert!(USER_STACK_REGS_BYTES + USER_STACK_BYTES + 2048 <= SCRATCH_DATA_BYTES);

#[cfg(feature = "user")]
mod pod {
    // SAFETY: all of these are #[repr(C)], contain only integers and have no padding
    // (sizes are asserted above), so every bit pattern is a valid value.
    unsafe impl aya::Pod for super::SyscallEvent {}
    unsafe impl aya::Pod for super::ProcessEvent {}
    unsafe impl aya::Pod for super::SignalEvent {}
    unsafe impl aya::Pod for super::TaskOffsets {}
    unsafe impl aya::Pod for super::InflightSyscall {}
    unsafe impl aya::Pod for super::TracepointOffsets {}
    unsafe impl aya::Pod for super::CaptureConfig {}
    unsafe impl aya::Pod for super::SummaryValue {}
    unsafe impl aya::Pod for super::SyscallCapturePlan {}
    unsafe impl aya::Pod for super::PayloadHeader {}
}
