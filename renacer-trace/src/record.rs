//! The trace model: one completed (or abandoned) system call.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::syscalls;

/// Largest errno the kernel returns in-band: raw results in `-4095..=-1` are errors.
const MAX_ERRNO: i64 = 4095;

/// How a system call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SyscallResult {
    /// The raw kernel return value (negative errno on failure).
    Returned(i64),
    /// The call never returns (`exit`, `exit_group`); strace prints `= ?`.
    NoReturn,
    /// Still in flight when the capture ended.
    Unfinished,
}

impl SyscallResult {
    /// The errno when the call failed.
    pub fn errno(&self) -> Option<i32> {
        match *self {
            Self::Returned(r) if (-MAX_ERRNO..=-1).contains(&r) => i32::try_from(-r).ok(),
            _ => None,
        }
    }

    pub fn is_error(&self) -> bool {
        self.errno().is_some()
    }
}

/// One traced system call.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SyscallRecord {
    pub nr: u32,
    pub args: [u64; 6],
    pub result: SyscallResult,
    /// Enter time, `CLOCK_MONOTONIC` nanoseconds (`bpf_ktime_get_ns`).
    pub timestamp_nanos: u64,
    pub duration_nanos: u64,
    /// Thread-group id.
    pub pid: u32,
    pub tid: u32,
    pub cpu: u32,
    pub lamport: u64,
}

impl SyscallRecord {
    /// The syscall's name, or `syscall_0x…` when unknown.
    pub fn name(&self) -> Cow<'static, str> {
        syscalls::display_name(self.nr)
    }
}

/// How many arguments strace shows for syscall `nr` (the kernel's count);
/// 6 for unknown numbers, since all registers may be meaningful.
pub fn arg_count(nr: u32) -> usize {
    syscalls::arg_count(nr).unwrap_or(6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_range() {
        assert_eq!(SyscallResult::Returned(-2).errno(), Some(2));
        assert_eq!(SyscallResult::Returned(-4095).errno(), Some(4095));
        assert_eq!(SyscallResult::Returned(-4096).errno(), None);
        assert_eq!(SyscallResult::Returned(0).errno(), None);
        assert_eq!(SyscallResult::Returned(832).errno(), None);
        assert_eq!(SyscallResult::Returned(i64::MIN).errno(), None);
        assert_eq!(SyscallResult::NoReturn.errno(), None);
        assert_eq!(SyscallResult::Unfinished.errno(), None);
        assert!(SyscallResult::Returned(-1).is_error());
        assert!(!SyscallResult::Returned(3).is_error());
    }

    #[test]
    fn arg_counts() {
        assert_eq!(arg_count(0), 3);
        assert_eq!(arg_count(257), 4);
        assert_eq!(arg_count(231), 1);
        assert_eq!(arg_count(39), 0);
        assert_eq!(arg_count(0x1f4), 6);
    }

    #[test]
    fn record_name() {
        let rec = SyscallRecord {
            nr: 0x1f4,
            args: [0; 6],
            result: SyscallResult::Returned(0),
            timestamp_nanos: 0,
            duration_nanos: 0,
            pid: 1,
            tid: 1,
            cpu: 0,
            lamport: 0,
        };
        assert_eq!(rec.name(), "syscall_0x1f4");
        assert_eq!(SyscallRecord { nr: 1, ..rec }.name(), "write");
    }
}
