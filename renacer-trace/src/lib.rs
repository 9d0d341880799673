//! Pure trace logic shared by the renacer daemon and CLI: the x86_64 syscall
//! table and typed signatures, errno names, the trace model and its text,
//! summary and JSON forms, strace-style argument decoding and `-e` filters.
//! Nothing here needs privileges or does I/O.

pub mod cgroup;
pub mod decode;
pub mod duration;
pub mod errno;
pub mod fds;
pub mod filter;
mod ioctls;
pub mod json;
pub mod packed;
pub mod quote;
pub mod record;
pub mod signal;
pub mod signatures;
pub mod stack;
pub mod summary;
pub mod syscalls;
pub mod text;
pub mod traceparent;
pub mod xlat;

pub use record::{SyscallRecord, SyscallResult};
