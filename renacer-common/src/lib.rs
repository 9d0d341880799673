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
/// Ring buffer size in bytes (power of two, multiple of the page size).
pub const RING_BUFFER_BYTES: u32 = 64 << 20;
/// Once this many bytes wait in the ring buffer the producer wakes the consumer;
/// below it records are submitted without a wakeup and the consumer polls on a timer.
pub const WAKEUP_THRESHOLD_BYTES: u64 = 256 << 10;

/// `EventHeader::kind` values.
pub mod kind {
    pub const SYSCALL: u16 = 1;
    pub const FORK: u16 = 2;
    pub const EXEC: u16 = 3;
    pub const EXIT: u16 = 4;
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
}

/// Load-time configuration: byte offsets of classic tracepoint fields, read by
/// the daemon from tracefs `format` files because they differ between kernels.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TracepointOffsets {
    pub fork_child_pid: u32,
    pub exit_group_dead: u32,
}

const _: () = assert!(core::mem::size_of::<EventHeader>() == 16);
const _: () = assert!(core::mem::size_of::<SyscallEvent>() == 96);
const _: () = assert!(core::mem::size_of::<ProcessEvent>() == 32);
const _: () = assert!(core::mem::size_of::<InflightSyscall>() == 72);
const _: () = assert!(core::mem::size_of::<TracepointOffsets>() == 8);

#[cfg(feature = "user")]
mod pod {
    // SAFETY: all of these are #[repr(C)], contain only integers and have no padding
    // (sizes are asserted above), so every bit pattern is a valid value.
    unsafe impl aya::Pod for super::SyscallEvent {}
    unsafe impl aya::Pod for super::ProcessEvent {}
    unsafe impl aya::Pod for super::InflightSyscall {}
    unsafe impl aya::Pod for super::TracepointOffsets {}
}
