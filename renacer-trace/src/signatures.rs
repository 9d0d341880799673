//! Typed signatures for every x86_64 syscall in [`crate::syscalls::TABLE`]:
//! what each argument is, how strace prints it, which user memory the
//! kernel side must copy for decoding, and strace's syscall classes.
//!
//! The table is written once, here; decoding, capture planning and the
//! `%class` filters all read it.

use crate::xlat::{self as x, Xlat};

/// How one syscall argument is interpreted and printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArgType {
    /// A file descriptor (`int`), printed in decimal.
    Fd,
    /// A directory fd for `*at` calls: `AT_FDCWD` or decimal.
    DirFd,
    /// A signed `int`.
    Int,
    /// An `unsigned int`.
    UInt,
    /// A signed 64-bit value such as an `off_t`.
    Long,
    /// A `size_t`, in decimal.
    Size,
    /// A value strace shows in hex (`%#llx`).
    Hex,
    /// A user pointer: `NULL` or hex.
    Ptr,
    /// A user pointer the kernel writes to; printed like [`ArgType::Ptr`], but
    /// it belongs to the exit half of the call (matters for `<unfinished ...>`).
    OutPtr,
    /// A user or group id: `-1` for `(uid_t)-1`, else unsigned.
    Uid,
    /// A NUL-terminated path, read at enter, printed in full.
    Path,
    /// A NUL-terminated string, read at enter, cut at the `-s` limit.
    Str,
    /// A buffer read at enter whose length is argument `len_arg` (write-like).
    Buf {
        len_arg: usize,
    },
    /// A buffer filled by the kernel whose length is the return value (read-like).
    OutBuf,
    /// Like [`ArgType::OutBuf`], but strace prints every byte in hex (getrandom).
    OutBufHex,
    /// A NUL-terminated path written by the kernel (getcwd).
    OutPath,
    /// A NULL-terminated array of strings (execve argv).
    StrArray,
    /// A socket address read at enter whose length is argument `len_arg`.
    SockAddr {
        len_arg: usize,
    },
    /// A socket address written by the kernel (accept, recvfrom...).
    SockAddrOut,
    /// An iovec array read at enter, its length in argument `count_arg` (writev).
    Iovec {
        count_arg: usize,
    },
    /// An iovec array the kernel fills, its data as long as the result (readv).
    IovecOut {
        count_arg: usize,
    },
    /// A `struct msghdr` read at enter (sendmsg).
    Msghdr,
    /// A `struct msghdr` the kernel fills (recvmsg).
    MsghdrOut,
    /// A `struct mmsghdr` array sent (sendmmsg) or filled (recvmmsg), as
    /// long as `count_arg`. Only the first element is read (its msghdr
    /// like sendmsg's or recvmsg's, and the whole element at exit for its
    /// `msg_len`): decoded when the call handled one element of one.
    Mmsghdrs {
        count_arg: usize,
    },
    MmsghdrsOut {
        count_arg: usize,
    },
    /// Two fds the kernel writes (`int[2]`: pipe, socketpair).
    FdPairOut,
    /// A `struct rlimit` read at enter (setrlimit). `infinity` is how strace
    /// names `RLIM_INFINITY` for this call.
    Rlimit {
        infinity: &'static str,
    },
    /// A `struct rlimit` the kernel fills (getrlimit, prlimit64's old limit).
    RlimitOut {
        infinity: &'static str,
    },
    /// A signal set the call reads (`[INT TERM]`, `~[RTMIN RT_1]`).
    Sigset,
    /// A signal set the kernel fills.
    SigsetOut,
    /// A `struct sigaction` (the kernel's layout) the call reads.
    Sigaction,
    /// A `struct sigaction` the kernel fills.
    SigactionOut,
    /// A wait status the kernel fills (`[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]`).
    WaitStatusOut,
    /// A `struct stat` the kernel fills, shown abbreviated as strace does.
    StatOut,
    /// A `struct statx` the kernel fills, shown abbreviated.
    StatxOut,
    /// A `struct timespec` read at enter.
    Timespec,
    /// A `struct timespec` written by the kernel.
    TimespecOut,
    /// open(2) flags: access mode then `O_*` flags.
    OpenFlags,
    /// `AT_*` flags.
    AtFlags,
    /// statx(2) flags: the `AT_STATX_*` sync type then `AT_*` flags.
    StatxFlags,
    /// A permission mode, octal (`0644`).
    Mode,
    /// A mode with file type bits (`S_IFREG|0644`), as for mknod.
    FileMode,
    /// A device number: `makedev(0x1, 0x3)`.
    Dev,
    /// access(2) mode: `F_OK` or `R_OK|W_OK|X_OK`.
    AccessMode,
    /// `PROT_*` flags.
    ProtFlags,
    /// mmap flags: mapping type, `MAP_*` flags, huge page size.
    MapFlags,
    /// clone(2) flags with the exit signal in the low byte.
    CloneFlags,
    /// A signal number.
    Signal,
    /// An address family (`AF_INET`).
    SockFamily,
    /// A socket type with `SOCK_*` flags.
    SockType,
    /// A socket protocol, named according to the family argument.
    SockProto,
    /// A socket option name, named according to the level argument.
    SockOptName,
    /// An fcntl(2) command.
    FcntlCmd,
    /// fcntl(2)'s third argument, printed according to the command.
    FcntlArg,
    /// An ioctl(2) request code.
    IoctlCmd,
    /// ioctl(2)'s third argument: a value or a pointer, by request; up to
    /// [`IOCTL_ARG_READ`] bytes are read at exit.
    IoctlArg,
    /// A System V IPC key: `IPC_PRIVATE` or hex.
    IpcKey,
    /// `*get` flags then the permission bits: `IPC_CREAT|0600`.
    IpcGetFlags(&'static Xlat),
    /// A `*ctl` command, with `IPC_64|` when set.
    IpcCmd(&'static Xlat),
    /// semop's `struct sembuf` array, its length in argument `count_arg`.
    SemBufs {
        count_arg: usize,
    },
    /// A key serial: `KEY_SPEC_SESSION_KEYRING` for the special ones.
    KeySerial,
    /// keyctl's second argument: a key serial for the commands taking one.
    KeyctlArg,
    /// syslog(2)'s action: `10 /* SYSLOG_ACTION_SIZE_BUFFER */`.
    SyslogAction,
    /// lseek(2) whence.
    Whence,
    /// A futex(2) operation; the remaining arguments depend on it.
    FutexOp,
    /// A prctl(2) option; the remaining arguments depend on it.
    PrctlOp,
    /// execve's environment: its address and `/* N vars */`, the count from
    /// the pointer array the kernel side read (on the new stack when the
    /// call succeeded).
    EnvArray,
    /// An argument strace does not print (preadv2's high offset word).
    Hidden,
    /// An `int` the kernel fills: `[N]`.
    IntOut,
    /// An address the kernel fills: `[0x…]` or `[NULL]`.
    AddrOut,
    /// A `socklen_t` the caller passes and the kernel updates: `[N]`.
    SockLenInOut,
    /// A `struct timespec[2]` (utimensat) with `UTIME_NOW`/`UTIME_OMIT`.
    Utimens,
    /// A `struct timeval[2]` (utimes, futimesat).
    Timevals,
    /// A `struct utimbuf` (utime).
    Utimbuf,
    /// A `stack_t` the call reads / the kernel fills (sigaltstack).
    StackT,
    StackTOut,
    /// A `struct open_how` (openat2).
    OpenHow,
    /// A `struct clone_args` (clone3).
    CloneArgs,
    /// A `struct sched_attr` the call reads / the kernel fills.
    SchedAttr,
    SchedAttrOut,
    /// A `struct sched_param` the call reads / the kernel fills: `[prio]`.
    SchedParam,
    SchedParamOut,
    /// A CPU set the call reads (length in argument `len_arg`) / the kernel
    /// fills (as long as the result).
    CpuSet {
        len_arg: usize,
    },
    CpuSetOut,
    /// A `struct epoll_event` the call reads (epoll_ctl).
    EpollEvent,
    /// The `struct epoll_event` array the kernel fills, one per result.
    EpollEventsOut,
    /// A `struct itimerval` the call reads / the kernel fills.
    Itimerval,
    ItimervalOut,
    /// A `struct itimerspec` the call reads / the kernel fills.
    Itimerspec,
    ItimerspecOut,
    /// A `struct rusage` the kernel fills, abbreviated.
    RusageOut,
    /// A `struct timezone` the kernel fills.
    TimezoneOut,
    /// A `struct timespec` the call reads, read at exit (futex's timeout,
    /// which is not a pointer for every operation).
    TimeoutIn,
    /// select's fd sets (`[0 3]`), sized by argument 0: read at entry as
    /// passed and at exit as the kernel left them (see
    /// `renacer_common::FD_SET_SYSCALLS`).
    FdSet,
    /// select's `struct timeval` and pselect6's `struct timespec` timeout:
    /// read at entry as passed, and at exit for what is `left` of it.
    SelectTimeval,
    SelectTimespec,
    /// prctl(2)'s second argument: a value, or a pointer to an int or a
    /// 16-byte name, by option; the pointed-to bytes are read at exit.
    PrctlArg,
    /// personality(2)'s persona: `PER_LINUX|ADDR_NO_RANDOMIZE`.
    Personality,
    /// A socket option value the call reads, `len_arg` bytes long: `[1]`
    /// for an int, `{l_onoff=1, l_linger=5}` for a linger.
    SockOptVal {
        len_arg: usize,
    },
    /// A socket option value the kernel fills, as long as the updated length.
    SockOptValOut,
    /// A `struct pollfd` array the call reads and the kernel updates, its
    /// length in argument `count_arg`; read at exit.
    Pollfds {
        count_arg: usize,
    },
    /// mincore's vector, one byte per page of the range in argument `len_arg`.
    MincoreOut {
        len_arg: usize,
    },
    /// A `gid_t` array the call reads, its length in argument `count_arg`.
    GidArray {
        count_arg: usize,
    },
    /// A `gid_t` array the kernel fills, as long as the result.
    GidArrayOut,
    /// A `siginfo_t` the call reads / the kernel fills.
    Siginfo,
    SiginfoOut,
    /// A `struct sigevent` the call reads (timer_create).
    Sigevent,
    /// A `loff_t` the call reads and updates (sendfile's offset): read at
    /// enter and at exit.
    OffsetInOut,
    /// A System V message (`mtype`, then `mtext` of argument `size_arg`
    /// bytes) the call reads / the kernel fills.
    MsgBuf {
        size_arg: usize,
    },
    MsgBufOut {
        size_arg: usize,
    },
    /// Directory entries the kernel fills, as long as the result: strace
    /// shows their address and `/* N entries */`. `reclen_at` is the offset
    /// of `d_reclen` in an entry.
    DirentsOut {
        reclen_at: usize,
    },
    /// A `struct utsname` the kernel fills, abbreviated:
    /// `{sysname="Linux", nodename="host", ...}`.
    UtsnameOut,
    /// One `int` the kernel fills, named from a table: `[MPOL_DEFAULT]`.
    EnumOut(&'static Xlat),
    /// An `int` the kernel fills, read through a struct slot at exit (for
    /// calls with more outputs than one buffer): `[N]`.
    IntOutAtExit,
    /// A `struct __user_cap_header_struct`.
    CapHeader,
    /// The two `struct __user_cap_data_struct`s the call reads / the kernel fills.
    CapData,
    CapDataOut,
    /// A flag set from an `xlat` table over all 64 bits (`unsigned long`).
    Flags64(&'static Xlat),
    /// A flag set from an `xlat` table.
    Flags(&'static Xlat),
    /// One value from an `xlat` table.
    Enum(&'static Xlat),
}

impl ArgType {
    /// Whether the value is only known once the call returns, which is where
    /// strace cuts an `<unfinished ...>` line.
    pub fn is_exit_value(self) -> bool {
        matches!(
            self,
            Self::OutPtr
                | Self::OutBuf
                | Self::OutBufHex
                | Self::OutPath
                | Self::SockAddrOut
                | Self::TimespecOut
                | Self::IovecOut { .. }
                | Self::MsghdrOut
                | Self::MmsghdrsOut { .. }
                | Self::FdPairOut
                | Self::StatOut
                | Self::StatxOut
                | Self::RlimitOut { .. }
                | Self::SigsetOut
                | Self::SigactionOut
                | Self::WaitStatusOut
                | Self::IntOut
                | Self::AddrOut
                | Self::SockLenInOut
                | Self::StackTOut
                | Self::SchedAttrOut
                | Self::SchedParamOut
                | Self::CpuSetOut
                | Self::EpollEventsOut
                | Self::ItimervalOut
                | Self::ItimerspecOut
                | Self::RusageOut
                | Self::TimezoneOut
                | Self::SockOptValOut
                | Self::MincoreOut { .. }
                | Self::GidArrayOut
                | Self::SiginfoOut
                | Self::EnumOut(_)
                | Self::IntOutAtExit
                | Self::CapDataOut
                | Self::UtsnameOut
                | Self::MsgBufOut { .. }
                | Self::DirentsOut { .. }
        )
    }
}

/// How the return value is printed on success.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RetType {
    /// Signed decimal.
    Int,
    /// A new file descriptor, decimal.
    Fd,
    /// An address, hex.
    Ptr,
    /// Hex (`%#llx`).
    Hex,
    /// Octal with a leading zero (umask).
    Octal,
    /// Decimal and the value's name: `3 (SCHED_BATCH)`.
    Named(&'static Xlat),
    /// Hex and the flags' names: `0x3ff (MEMBARRIER_CMD_GLOBAL|...)`.
    HexFlags(&'static Xlat),
    /// personality(2)'s previous persona: `0x40000 (PER_LINUX|ADDR_NO_RANDOMIZE)`.
    Personality,
    /// Seconds since the epoch and the date: `1796526646 (2026-12-06T03:10:46+0000)`.
    Time,
    /// poll/select: decimal, `0 (Timeout)` when nothing was ready.
    Ready,
    /// A signal number: `10 (SIGUSR1)`.
    Signal,
}

/// strace's syscall classes, as used by `trace=%file` etc.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Classes(u32);

impl Classes {
    pub const NONE: Self = Self(0);
    pub const DESC: Self = Self(1);
    pub const FILE: Self = Self(1 << 1);
    pub const IPC: Self = Self(1 << 2);
    pub const NETWORK: Self = Self(1 << 3);
    pub const PROCESS: Self = Self(1 << 4);
    pub const SIGNAL: Self = Self(1 << 5);
    pub const MEMORY: Self = Self(1 << 6);
    pub const STAT: Self = Self(1 << 7);
    pub const LSTAT: Self = Self(1 << 8);
    pub const FSTAT: Self = Self(1 << 9);
    pub const STAT_LIKE: Self = Self(1 << 10);
    pub const STATFS: Self = Self(1 << 11);
    pub const FSTATFS: Self = Self(1 << 12);
    pub const STATFS_LIKE: Self = Self(1 << 13);
    pub const PURE: Self = Self(1 << 14);
    pub const CREDS: Self = Self(1 << 15);
    pub const CLOCK: Self = Self(1 << 16);

    pub const fn or(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// Whether every class in `other` is set (strace's `(flags & n) == n`).
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    pub const fn bits(self) -> u32 {
        self.0
    }
}

/// The typed signature of one syscall.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Signature {
    pub nr: u32,
    pub name: &'static str,
    pub args: &'static [ArgType],
    pub ret: RetType,
    pub classes: Classes,
}

const fn s(
    nr: u32,
    name: &'static str,
    args: &'static [ArgType],
    ret: RetType,
    classes: Classes,
) -> Signature {
    Signature {
        nr,
        name,
        args,
        ret,
        classes,
    }
}

// Short names keep the table one line per syscall.
const D: Classes = Classes::DESC;
const F: Classes = Classes::FILE;
const I: Classes = Classes::IPC;
const N: Classes = Classes::NETWORK;
const P: Classes = Classes::PROCESS;
const S: Classes = Classes::SIGNAL;
const M: Classes = Classes::MEMORY;
const ST: Classes = Classes::STAT;
const LST: Classes = Classes::LSTAT;
const FST: Classes = Classes::FSTAT;
const STA: Classes = Classes::STAT_LIKE;
const SF: Classes = Classes::STATFS;
const FSF: Classes = Classes::FSTATFS;
const SFA: Classes = Classes::STATFS_LIKE;
const PU: Classes = Classes::PURE;
const C: Classes = Classes::CREDS;
const CL: Classes = Classes::CLOCK;
const NONE: Classes = Classes::NONE;

use ArgType::*;
use RetType::{Fd as RFd, Int as RInt, Named, Octal, Ptr as RPtr, Ready};

/// Every syscall of [`crate::syscalls::TABLE`], sorted by number. Classes
/// follow strace's x86_64 `syscallent.h`.
#[rustfmt::skip]
const SIGNATURES: &[Signature] = &[
    s(0, "read", &[Fd, OutBuf, Size], RInt, D),
    s(1, "write", &[Fd, Buf { len_arg: 2 }, Size], RInt, D),
    s(2, "open", &[Path, OpenFlags, Mode], RFd, D.or(F)),
    s(3, "close", &[Fd], RInt, D),
    s(4, "stat", &[Path, StatOut], RInt, F.or(ST).or(STA)),
    s(5, "fstat", &[Fd, StatOut], RInt, D.or(FST).or(STA)),
    s(6, "lstat", &[Path, StatOut], RInt, F.or(LST).or(STA)),
    s(7, "poll", &[Pollfds { count_arg: 1 }, UInt, Int], Ready, D),
    s(8, "lseek", &[Fd, Long, Whence], RInt, D),
    s(9, "mmap", &[Ptr, Size, ProtFlags, MapFlags, Fd, Hex], RPtr, D.or(M)),
    s(10, "mprotect", &[Ptr, Size, ProtFlags], RInt, M),
    s(11, "munmap", &[Ptr, Size], RInt, M),
    s(12, "brk", &[Ptr], RPtr, M),
    s(13, "rt_sigaction", &[Signal, Sigaction, SigactionOut, Size], RInt, S),
    s(14, "rt_sigprocmask", &[Enum(&x::SIG_HOW), Sigset, SigsetOut, Size], RInt, S),
    s(15, "rt_sigreturn", &[], RInt, S),
    s(16, "ioctl", &[Fd, IoctlCmd, IoctlArg], RInt, D),
    s(17, "pread64", &[Fd, OutBuf, Size, Long], RInt, D),
    s(18, "pwrite64", &[Fd, Buf { len_arg: 2 }, Size, Long], RInt, D),
    s(19, "readv", &[Fd, IovecOut { count_arg: 2 }, Int], RInt, D),
    s(20, "writev", &[Fd, Iovec { count_arg: 2 }, Int], RInt, D),
    s(21, "access", &[Path, AccessMode], RInt, F),
    s(22, "pipe", &[FdPairOut], RInt, D),
    s(23, "select", &[Int, FdSet, FdSet, FdSet, SelectTimeval], Ready, D),
    s(24, "sched_yield", &[], RInt, NONE),
    s(25, "mremap", &[Ptr, Size, Size, Flags(&x::MREMAP), Ptr], RPtr, M),
    s(26, "msync", &[Ptr, Size, Flags(&x::MSYNC)], RInt, M),
    s(27, "mincore", &[Ptr, Size, MincoreOut { len_arg: 1 }], RInt, M),
    s(28, "madvise", &[Ptr, Size, Enum(&x::MADV)], RInt, M),
    s(29, "shmget", &[IpcKey, Size, IpcGetFlags(&x::SHMGET)], RInt, I),
    s(30, "shmat", &[Int, Ptr, Flags(&x::SHMAT)], RPtr, I.or(M)),
    s(31, "shmctl", &[Int, IpcCmd(&x::SHMCTL), Ptr], RInt, I),
    s(32, "dup", &[Fd], RFd, D),
    s(33, "dup2", &[Fd, Fd], RFd, D),
    s(34, "pause", &[], RInt, S),
    s(35, "nanosleep", &[Timespec, OutPtr], RInt, NONE),
    s(36, "getitimer", &[Enum(&x::ITIMER), ItimervalOut], RInt, NONE),
    s(37, "alarm", &[UInt], RInt, NONE),
    s(38, "setitimer", &[Enum(&x::ITIMER), Itimerval, ItimervalOut], RInt, NONE),
    s(39, "getpid", &[], RInt, PU),
    s(40, "sendfile", &[Fd, Fd, OffsetInOut, Size], RInt, D.or(N)),
    s(41, "socket", &[SockFamily, SockType, SockProto], RFd, N),
    s(42, "connect", &[Fd, SockAddr { len_arg: 2 }, UInt], RInt, N),
    s(43, "accept", &[Fd, SockAddrOut, SockLenInOut], RFd, N),
    s(44, "sendto", &[Fd, Buf { len_arg: 2 }, Size, Flags(&x::MSG), SockAddr { len_arg: 5 }, UInt], RInt, N),
    s(45, "recvfrom", &[Fd, OutBuf, Size, Flags(&x::MSG), SockAddrOut, OutPtr], RInt, N),
    s(46, "sendmsg", &[Fd, Msghdr, Flags(&x::MSG)], RInt, N),
    s(47, "recvmsg", &[Fd, MsghdrOut, Flags(&x::MSG)], RInt, N),
    s(48, "shutdown", &[Fd, Enum(&x::SHUT)], RInt, N),
    s(49, "bind", &[Fd, SockAddr { len_arg: 2 }, UInt], RInt, N),
    s(50, "listen", &[Fd, Int], RInt, N),
    s(51, "getsockname", &[Fd, SockAddrOut, SockLenInOut], RInt, N),
    s(52, "getpeername", &[Fd, SockAddrOut, SockLenInOut], RInt, N),
    s(53, "socketpair", &[SockFamily, SockType, SockProto, FdPairOut], RInt, N),
    s(54, "setsockopt", &[Fd, Enum(&x::SOL), SockOptName, SockOptVal { len_arg: 4 }, UInt], RInt, N),
    s(55, "getsockopt", &[Fd, Enum(&x::SOL), SockOptName, SockOptValOut, SockLenInOut], RInt, N),
    s(56, "clone", &[CloneFlags, Ptr, Ptr, Ptr, Ptr], RInt, P),
    s(57, "fork", &[], RInt, P),
    s(58, "vfork", &[], RInt, P),
    s(59, "execve", &[Path, StrArray, EnvArray], RInt, F.or(P)),
    s(60, "exit", &[Int], RInt, P),
    s(61, "wait4", &[Int, WaitStatusOut, Flags(&x::WAIT), RusageOut], RInt, P),
    s(62, "kill", &[Int, Signal], RInt, S.or(P)),
    s(63, "uname", &[UtsnameOut], RInt, NONE),
    s(64, "semget", &[IpcKey, Int, IpcGetFlags(&x::IPCGET)], RInt, I),
    s(65, "semop", &[Int, SemBufs { count_arg: 2 }, Size], RInt, I),
    s(66, "semctl", &[Int, Int, IpcCmd(&x::SEMCTL), Ptr], RInt, I),
    s(67, "shmdt", &[Ptr], RInt, I.or(M)),
    s(68, "msgget", &[IpcKey, IpcGetFlags(&x::IPCGET)], RInt, I),
    s(69, "msgsnd", &[Int, MsgBuf { size_arg: 2 }, Size, Flags(&x::MSGFLG)], RInt, I),
    s(70, "msgrcv", &[Int, MsgBufOut { size_arg: 2 }, Size, Long, Flags(&x::MSGFLG)], RInt, I),
    s(71, "msgctl", &[Int, IpcCmd(&x::MSGCTL), Ptr], RInt, I),
    s(72, "fcntl", &[Fd, FcntlCmd, FcntlArg], RInt, D),
    s(73, "flock", &[Fd, Flags(&x::LOCK)], RInt, D),
    s(74, "fsync", &[Fd], RInt, D),
    s(75, "fdatasync", &[Fd], RInt, D),
    s(76, "truncate", &[Path, Long], RInt, F),
    s(77, "ftruncate", &[Fd, Long], RInt, D),
    s(78, "getdents", &[Fd, DirentsOut { reclen_at: 16 }, UInt], RInt, D),
    s(79, "getcwd", &[OutPath, Size], RInt, F),
    s(80, "chdir", &[Path], RInt, F),
    s(81, "fchdir", &[Fd], RInt, D),
    s(82, "rename", &[Path, Path], RInt, F),
    s(83, "mkdir", &[Path, Mode], RInt, F),
    s(84, "rmdir", &[Path], RInt, F),
    s(85, "creat", &[Path, Mode], RFd, D.or(F)),
    s(86, "link", &[Path, Path], RInt, F),
    s(87, "unlink", &[Path], RInt, F),
    s(88, "symlink", &[Path, Path], RInt, F),
    s(89, "readlink", &[Path, OutBuf, Size], RInt, F),
    s(90, "chmod", &[Path, Mode], RInt, F),
    s(91, "fchmod", &[Fd, Mode], RInt, D),
    s(92, "chown", &[Path, Uid, Uid], RInt, F),
    s(93, "fchown", &[Fd, Uid, Uid], RInt, D),
    s(94, "lchown", &[Path, Uid, Uid], RInt, F),
    s(95, "umask", &[Mode], Octal, NONE),
    s(96, "gettimeofday", &[OutPtr, TimezoneOut], RInt, CL),
    s(97, "getrlimit", &[Enum(&x::RLIMIT), RlimitOut { infinity: "RLIM64_INFINITY" }], RInt, NONE),
    s(98, "getrusage", &[Enum(&x::RUSAGE), RusageOut], RInt, NONE),
    s(99, "sysinfo", &[OutPtr], RInt, NONE),
    s(100, "times", &[OutPtr], RInt, NONE),
    s(101, "ptrace", &[Enum(&x::PTRACE), Int, Ptr, Ptr], RInt, NONE),
    s(102, "getuid", &[], RInt, C.or(PU)),
    s(103, "syslog", &[SyslogAction, Ptr, Int], RInt, NONE),
    s(104, "getgid", &[], RInt, C.or(PU)),
    s(105, "setuid", &[Uid], RInt, C),
    s(106, "setgid", &[Uid], RInt, C),
    s(107, "geteuid", &[], RInt, C.or(PU)),
    s(108, "getegid", &[], RInt, C.or(PU)),
    s(109, "setpgid", &[Int, Int], RInt, NONE),
    s(110, "getppid", &[], RInt, PU),
    s(111, "getpgrp", &[], RInt, PU),
    s(112, "setsid", &[], RInt, NONE),
    s(113, "setreuid", &[Uid, Uid], RInt, C),
    s(114, "setregid", &[Uid, Uid], RInt, C),
    s(115, "getgroups", &[Int, GidArrayOut], RInt, C),
    s(116, "setgroups", &[Int, GidArray { count_arg: 0 }], RInt, C),
    s(117, "setresuid", &[Uid, Uid, Uid], RInt, C),
    s(118, "getresuid", &[IntOut, IntOutAtExit, IntOutAtExit], RInt, C),
    s(119, "setresgid", &[Uid, Uid, Uid], RInt, C),
    s(120, "getresgid", &[IntOut, IntOutAtExit, IntOutAtExit], RInt, C),
    s(121, "getpgid", &[Int], RInt, NONE),
    s(122, "setfsuid", &[Uid], RInt, C),
    s(123, "setfsgid", &[Uid], RInt, C),
    s(124, "getsid", &[Int], RInt, NONE),
    s(125, "capget", &[CapHeader, CapDataOut], RInt, C),
    s(126, "capset", &[CapHeader, CapData], RInt, C),
    s(127, "rt_sigpending", &[SigsetOut, Size], RInt, S),
    s(128, "rt_sigtimedwait", &[Sigset, SiginfoOut, TimeoutIn, Size], RetType::Signal, S),
    s(129, "rt_sigqueueinfo", &[Int, Signal, Siginfo], RInt, S.or(P)),
    s(130, "rt_sigsuspend", &[Sigset, Size], RInt, S),
    s(131, "sigaltstack", &[StackT, StackTOut], RInt, S),
    s(132, "utime", &[Path, Utimbuf], RInt, F),
    s(133, "mknod", &[Path, FileMode, Dev], RInt, F),
    s(134, "uselib", &[Path], RInt, F),
    s(135, "personality", &[Personality], RetType::Personality, NONE),
    s(136, "ustat", &[Hex, OutPtr], RInt, SFA),
    s(137, "statfs", &[Path, OutPtr], RInt, F.or(SF).or(SFA)),
    s(138, "fstatfs", &[Fd, OutPtr], RInt, D.or(FSF).or(SFA)),
    s(139, "sysfs", &[Int, Hex, Hex], RInt, NONE),
    s(140, "getpriority", &[Enum(&x::PRIO), Int], RInt, NONE),
    s(141, "setpriority", &[Enum(&x::PRIO), Int, Int], RInt, NONE),
    s(142, "sched_setparam", &[Int, SchedParam], RInt, NONE),
    s(143, "sched_getparam", &[Int, SchedParamOut], RInt, NONE),
    s(144, "sched_setscheduler", &[Int, Enum(&x::SCHED), SchedParam], RInt, NONE),
    s(145, "sched_getscheduler", &[Int], Named(&x::SCHED), NONE),
    s(146, "sched_get_priority_max", &[Enum(&x::SCHED)], RInt, NONE),
    s(147, "sched_get_priority_min", &[Enum(&x::SCHED)], RInt, NONE),
    s(148, "sched_rr_get_interval", &[Int, TimespecOut], RInt, NONE),
    s(149, "mlock", &[Ptr, Size], RInt, M),
    s(150, "munlock", &[Ptr, Size], RInt, M),
    s(151, "mlockall", &[Flags(&x::MCL)], RInt, M),
    s(152, "munlockall", &[], RInt, M),
    s(153, "vhangup", &[], RInt, NONE),
    s(154, "modify_ldt", &[Int, Ptr, Size], RInt, NONE),
    s(155, "pivot_root", &[Path, Path], RInt, F),
    s(156, "_sysctl", &[Ptr], RInt, NONE),
    s(157, "prctl", &[PrctlOp, PrctlArg, Hex, Hex, Hex], RInt, C),
    s(158, "arch_prctl", &[Enum(&x::ARCH), AddrOut], RInt, NONE),
    s(159, "adjtimex", &[Ptr], RInt, CL),
    s(160, "setrlimit", &[Enum(&x::RLIMIT), Rlimit { infinity: "RLIM_INFINITY" }], RInt, NONE),
    s(161, "chroot", &[Path], RInt, F),
    s(162, "sync", &[], RInt, NONE),
    s(163, "acct", &[Path], RInt, F),
    s(164, "settimeofday", &[Ptr, Ptr], RInt, CL),
    s(165, "mount", &[Path, Path, Str, Flags(&x::MOUNT), Str], RInt, F),
    s(166, "umount2", &[Path, Flags(&x::UMOUNT)], RInt, F),
    s(167, "swapon", &[Path, Hex], RInt, F),
    s(168, "swapoff", &[Path], RInt, F),
    s(169, "reboot", &[Hex, Hex, Hex, Ptr], RInt, NONE),
    s(170, "sethostname", &[Buf { len_arg: 1 }, Size], RInt, NONE),
    s(171, "setdomainname", &[Buf { len_arg: 1 }, Size], RInt, NONE),
    s(172, "iopl", &[Int], RInt, NONE),
    s(173, "ioperm", &[Hex, Hex, Int], RInt, NONE),
    s(174, "create_module", &[Str, Size], RPtr, NONE),
    s(175, "init_module", &[Ptr, Size, Str], RInt, NONE),
    s(176, "delete_module", &[Str, Flags(&x::OPEN)], RInt, NONE),
    s(177, "get_kernel_syms", &[Ptr], RInt, NONE),
    s(178, "query_module", &[Str, Int, Ptr, Size, Ptr], RInt, NONE),
    s(179, "quotactl", &[Hex, Path, Int, Ptr], RInt, F),
    s(180, "nfsservctl", &[Int, Ptr, Ptr], RInt, NONE),
    s(181, "getpmsg", &[Hex, Hex, Hex, Hex, Hex], RInt, N),
    s(182, "putpmsg", &[Hex, Hex, Hex, Hex, Hex], RInt, N),
    s(183, "afs_syscall", &[Hex, Hex, Hex, Hex, Hex], RInt, NONE),
    s(184, "tuxcall", &[Hex, Hex, Hex], RInt, NONE),
    s(185, "security", &[Hex, Hex, Hex], RInt, NONE),
    s(186, "gettid", &[], RInt, PU),
    s(187, "readahead", &[Fd, Long, Size], RInt, D),
    s(188, "setxattr", &[Path, Str, Buf { len_arg: 3 }, Size, Flags(&x::XATTR)], RInt, F),
    s(189, "lsetxattr", &[Path, Str, Buf { len_arg: 3 }, Size, Flags(&x::XATTR)], RInt, F),
    s(190, "fsetxattr", &[Fd, Str, Buf { len_arg: 3 }, Size, Flags(&x::XATTR)], RInt, D),
    s(191, "getxattr", &[Path, Str, OutBuf, Size], RInt, F),
    s(192, "lgetxattr", &[Path, Str, OutBuf, Size], RInt, F),
    s(193, "fgetxattr", &[Fd, Str, OutBuf, Size], RInt, D),
    s(194, "listxattr", &[Path, OutBuf, Size], RInt, F),
    s(195, "llistxattr", &[Path, OutBuf, Size], RInt, F),
    s(196, "flistxattr", &[Fd, OutBuf, Size], RInt, D),
    s(197, "removexattr", &[Path, Str], RInt, F),
    s(198, "lremovexattr", &[Path, Str], RInt, F),
    s(199, "fremovexattr", &[Fd, Str], RInt, D),
    s(200, "tkill", &[Int, Signal], RInt, S.or(P)),
    s(201, "time", &[OutPtr], RetType::Time, CL),
    s(202, "futex", &[Ptr, FutexOp, UInt, TimeoutIn, Ptr, UInt], RInt, NONE),
    s(203, "sched_setaffinity", &[Int, UInt, CpuSet { len_arg: 1 }], RInt, NONE),
    s(204, "sched_getaffinity", &[Int, UInt, CpuSetOut], RInt, NONE),
    s(205, "set_thread_area", &[Ptr], RInt, NONE),
    s(206, "io_setup", &[UInt, AddrOut], RInt, M),
    s(207, "io_destroy", &[Ptr], RInt, M),
    s(208, "io_getevents", &[Hex, Long, Long, OutPtr, Timespec], RInt, NONE),
    s(209, "io_submit", &[Hex, Long, Ptr], RInt, NONE),
    s(210, "io_cancel", &[Hex, Ptr, OutPtr], RInt, NONE),
    s(211, "get_thread_area", &[OutPtr], RInt, NONE),
    s(212, "lookup_dcookie", &[Hex, OutPtr, Size], RInt, NONE),
    s(213, "epoll_create", &[Int], RFd, D),
    s(214, "epoll_ctl_old", &[Hex, Hex, Hex, Hex], RInt, NONE),
    s(215, "epoll_wait_old", &[Hex, Hex, Hex, Hex], RInt, NONE),
    s(216, "remap_file_pages", &[Ptr, Size, ProtFlags, Size, MapFlags], RInt, M),
    s(217, "getdents64", &[Fd, DirentsOut { reclen_at: 16 }, UInt], RInt, D),
    s(218, "set_tid_address", &[Hex], RInt, NONE),
    s(219, "restart_syscall", &[], RInt, NONE),
    s(220, "semtimedop", &[Int, SemBufs { count_arg: 2 }, Size, Timespec], RInt, I),
    s(221, "fadvise64", &[Fd, Long, Long, Enum(&x::FADV)], RInt, D),
    s(222, "timer_create", &[Enum(&x::CLOCK), Sigevent, IntOut], RInt, NONE),
    s(223, "timer_settime", &[Int, Flags(&x::TIMER), Itimerspec, ItimerspecOut], RInt, NONE),
    s(224, "timer_gettime", &[Int, ItimerspecOut], RInt, NONE),
    s(225, "timer_getoverrun", &[Int], RInt, NONE),
    s(226, "timer_delete", &[Int], RInt, NONE),
    s(227, "clock_settime", &[Enum(&x::CLOCK), Timespec], RInt, CL),
    s(228, "clock_gettime", &[Enum(&x::CLOCK), TimespecOut], RInt, CL),
    s(229, "clock_getres", &[Enum(&x::CLOCK), TimespecOut], RInt, CL),
    s(230, "clock_nanosleep", &[Enum(&x::CLOCK), Flags(&x::TIMER), Timespec, OutPtr], RInt, NONE),
    s(231, "exit_group", &[Int], RInt, P),
    s(232, "epoll_wait", &[Fd, EpollEventsOut, Int, Int], RInt, D),
    s(233, "epoll_ctl", &[Fd, Enum(&x::EPOLL_CTL), Fd, EpollEvent], RInt, D),
    s(234, "tgkill", &[Int, Int, Signal], RInt, S.or(P)),
    s(235, "utimes", &[Path, Timevals], RInt, F),
    s(236, "vserver", &[Hex, Hex, Hex, Hex, Hex], RInt, NONE),
    s(237, "mbind", &[Ptr, Size, Enum(&x::MPOL), Ptr, Size, Hex], RInt, M),
    s(238, "set_mempolicy", &[Enum(&x::MPOL), Ptr, Size], RInt, M),
    s(239, "get_mempolicy", &[EnumOut(&x::MPOL), OutPtr, Size, Ptr, Hex], RInt, M),
    s(240, "mq_open", &[Path, OpenFlags, Mode, Ptr], RFd, D),
    s(241, "mq_unlink", &[Path], RInt, NONE),
    s(242, "mq_timedsend", &[Fd, Buf { len_arg: 2 }, Size, UInt, Timespec], RInt, D),
    s(243, "mq_timedreceive", &[Fd, OutBuf, Size, OutPtr, Timespec], RInt, D),
    s(244, "mq_notify", &[Fd, Ptr], RInt, D),
    s(245, "mq_getsetattr", &[Fd, Ptr, OutPtr], RInt, D),
    s(246, "kexec_load", &[Hex, Hex, Ptr, Hex], RInt, NONE),
    s(247, "waitid", &[Enum(&x::IDTYPE), Int, SiginfoOut, Flags(&x::WAIT), RusageOut], RInt, P),
    s(248, "add_key", &[Str, Str, Buf { len_arg: 3 }, Size, KeySerial], RInt, NONE),
    s(249, "request_key", &[Str, Str, Str, KeySerial], RInt, NONE),
    s(250, "keyctl", &[Enum(&x::KEYCTL), KeyctlArg, Hex, Hex, Hex], RInt, NONE),
    s(251, "ioprio_set", &[Int, Int, Int], RInt, NONE),
    s(252, "ioprio_get", &[Int, Int], RInt, NONE),
    s(253, "inotify_init", &[], RFd, D),
    s(254, "inotify_add_watch", &[Fd, Path, Flags(&x::IN_MASK)], RInt, D.or(F)),
    s(255, "inotify_rm_watch", &[Fd, Int], RInt, D),
    s(256, "migrate_pages", &[Int, Size, Ptr, Ptr], RInt, M),
    s(257, "openat", &[DirFd, Path, OpenFlags, Mode], RFd, D.or(F)),
    s(258, "mkdirat", &[DirFd, Path, Mode], RInt, D.or(F)),
    s(259, "mknodat", &[DirFd, Path, FileMode, Dev], RInt, D.or(F)),
    s(260, "fchownat", &[DirFd, Path, Uid, Uid, AtFlags], RInt, D.or(F)),
    s(261, "futimesat", &[DirFd, Path, Timevals], RInt, D.or(F)),
    s(262, "newfstatat", &[DirFd, Path, StatOut, AtFlags], RInt, D.or(F).or(FST).or(STA)),
    s(263, "unlinkat", &[DirFd, Path, AtFlags], RInt, D.or(F)),
    s(264, "renameat", &[DirFd, Path, DirFd, Path], RInt, D.or(F)),
    s(265, "linkat", &[DirFd, Path, DirFd, Path, AtFlags], RInt, D.or(F)),
    s(266, "symlinkat", &[Path, DirFd, Path], RInt, D.or(F)),
    s(267, "readlinkat", &[DirFd, Path, OutBuf, Size], RInt, D.or(F)),
    s(268, "fchmodat", &[DirFd, Path, Mode], RInt, D.or(F)),
    s(269, "faccessat", &[DirFd, Path, AccessMode], RInt, D.or(F)),
    s(270, "pselect6", &[Int, FdSet, FdSet, FdSet, SelectTimespec, Ptr], Ready, D),
    s(271, "ppoll", &[Pollfds { count_arg: 1 }, UInt, Timespec, Ptr, Size], Ready, D),
    s(272, "unshare", &[Flags(&x::CLONE)], RInt, NONE),
    s(273, "set_robust_list", &[Ptr, Size], RInt, NONE),
    s(274, "get_robust_list", &[Int, OutPtr, OutPtr], RInt, NONE),
    s(275, "splice", &[Fd, Ptr, Fd, Ptr, Size, Flags(&x::SPLICE)], RInt, D),
    s(276, "tee", &[Fd, Fd, Size, Flags(&x::SPLICE)], RInt, D),
    s(277, "sync_file_range", &[Fd, Long, Long, Flags(&x::SYNC_FILE_RANGE)], RInt, D),
    s(278, "vmsplice", &[Fd, Ptr, Size, Flags(&x::SPLICE)], RInt, D),
    s(279, "move_pages", &[Int, Size, Ptr, Ptr, OutPtr, Hex], RInt, M),
    s(280, "utimensat", &[DirFd, Path, Utimens, AtFlags], RInt, D.or(F)),
    s(281, "epoll_pwait", &[Fd, EpollEventsOut, Int, Int, Ptr, Size], RInt, D),
    s(282, "signalfd", &[Fd, Sigset, Size], RFd, D.or(S)),
    s(283, "timerfd_create", &[Enum(&x::CLOCK), Flags(&x::TFD)], RFd, D),
    s(284, "eventfd", &[UInt], RFd, D),
    s(285, "fallocate", &[Fd, Flags(&x::FALLOC), Long, Long], RInt, D),
    s(286, "timerfd_settime", &[Fd, Flags(&x::TFD), Itimerspec, ItimerspecOut], RInt, D),
    s(287, "timerfd_gettime", &[Fd, ItimerspecOut], RInt, D),
    s(288, "accept4", &[Fd, SockAddrOut, SockLenInOut, Flags(&x::SOCK_FLAGS)], RFd, N),
    s(289, "signalfd4", &[Fd, Sigset, Size, Flags(&x::SFD)], RFd, D.or(S)),
    s(290, "eventfd2", &[UInt, Flags(&x::EFD)], RFd, D),
    s(291, "epoll_create1", &[Flags(&x::EPOLL_FLAGS)], RFd, D),
    s(292, "dup3", &[Fd, Fd, Flags(&x::OPEN)], RFd, D),
    s(293, "pipe2", &[FdPairOut, Flags(&x::OPEN)], RInt, D),
    s(294, "inotify_init1", &[Flags(&x::IN_INIT)], RFd, D),
    s(295, "preadv", &[Fd, IovecOut { count_arg: 2 }, Int, Long], RInt, D),
    s(296, "pwritev", &[Fd, Iovec { count_arg: 2 }, Int, Long], RInt, D),
    s(297, "rt_tgsigqueueinfo", &[Int, Int, Signal, Siginfo], RInt, P.or(S)),
    s(298, "perf_event_open", &[Ptr, Int, Int, Fd, Hex], RFd, D),
    s(299, "recvmmsg", &[Fd, MmsghdrsOut { count_arg: 2 }, UInt, Flags(&x::MSG), Timespec], RInt, N),
    s(300, "fanotify_init", &[Enum(&x::FAN_CLASS), OpenFlags], RFd, D),
    s(301, "fanotify_mark", &[Fd, Hex, Hex, DirFd, Path], RInt, D.or(F)),
    s(302, "prlimit64", &[Int, Enum(&x::RLIMIT), Rlimit { infinity: "RLIM64_INFINITY" }, RlimitOut { infinity: "RLIM64_INFINITY" }], RInt, NONE),
    s(303, "name_to_handle_at", &[DirFd, Path, OutPtr, OutPtr, AtFlags], RInt, D.or(F)),
    s(304, "open_by_handle_at", &[Fd, Ptr, OpenFlags], RFd, D),
    s(305, "clock_adjtime", &[Enum(&x::CLOCK), Ptr], RInt, CL),
    s(306, "syncfs", &[Fd], RInt, D),
    s(307, "sendmmsg", &[Fd, Mmsghdrs { count_arg: 2 }, UInt, Flags(&x::MSG)], RInt, N),
    s(308, "setns", &[Fd, Flags(&x::CLONE)], RInt, D),
    s(309, "getcpu", &[OutPtr, OutPtr, Ptr], RInt, NONE),
    s(310, "process_vm_readv", &[Int, Ptr, Size, Ptr, Size, Hex], RInt, NONE),
    s(311, "process_vm_writev", &[Int, Ptr, Size, Ptr, Size, Hex], RInt, NONE),
    s(312, "kcmp", &[Int, Int, Int, Hex, Hex], RInt, NONE),
    s(313, "finit_module", &[Fd, Str, Hex], RInt, D),
    s(314, "sched_setattr", &[Int, SchedAttr, UInt], RInt, NONE),
    s(315, "sched_getattr", &[Int, SchedAttrOut, UInt, UInt], RInt, NONE),
    s(316, "renameat2", &[DirFd, Path, DirFd, Path, Flags(&x::RENAME)], RInt, D.or(F)),
    s(317, "seccomp", &[Enum(&x::SECCOMP), Hex, Ptr], RInt, NONE),
    s(318, "getrandom", &[OutBufHex, Size, Flags(&x::GRND)], RInt, NONE),
    s(319, "memfd_create", &[Str, Flags(&x::MFD)], RFd, D),
    s(320, "kexec_file_load", &[Fd, Fd, Size, Buf { len_arg: 2 }, Hex], RInt, D),
    s(321, "bpf", &[Enum(&x::BPF), Ptr, UInt], RInt, D),
    s(322, "execveat", &[DirFd, Path, StrArray, EnvArray, AtFlags], RInt, D.or(F).or(P)),
    s(323, "userfaultfd", &[Flags(&x::OPEN)], RFd, D),
    s(324, "membarrier", &[Enum(&x::MEMBARRIER_CMD), Hex, Int], RetType::HexFlags(&x::MEMBARRIER_CMD), NONE),
    s(325, "mlock2", &[Ptr, Size, Flags(&x::MLOCK)], RInt, M),
    s(326, "copy_file_range", &[Fd, Ptr, Fd, Ptr, Size, UInt], RInt, D),
    s(327, "preadv2", &[Fd, IovecOut { count_arg: 2 }, Int, Long, Hidden, Flags(&x::RWF)], RInt, D),
    s(328, "pwritev2", &[Fd, Iovec { count_arg: 2 }, Int, Long, Hidden, Flags(&x::RWF)], RInt, D),
    s(329, "pkey_mprotect", &[Ptr, Size, ProtFlags, Int], RInt, M),
    s(330, "pkey_alloc", &[Hex, Flags64(&x::PKEY_ACCESS)], RInt, NONE),
    s(331, "pkey_free", &[Int], RInt, NONE),
    s(332, "statx", &[DirFd, Path, StatxFlags, Flags(&x::STATX), StatxOut], RInt, D.or(F).or(FST).or(STA)),
    s(333, "io_pgetevents", &[Hex, Long, Long, OutPtr, Timespec, Ptr], RInt, NONE),
    s(334, "rseq", &[Hex, Hex, Hex, Hex], RInt, NONE),
    s(335, "uretprobe", &[], RInt, NONE),
    s(336, "uprobe", &[], RInt, NONE),
    s(424, "pidfd_send_signal", &[Fd, Signal, Ptr, UInt], RInt, D.or(S).or(P)),
    s(425, "io_uring_setup", &[UInt, Ptr], RFd, D),
    s(426, "io_uring_enter", &[Fd, UInt, UInt, Hex, Ptr, Size], RInt, D.or(S)),
    s(427, "io_uring_register", &[Fd, UInt, Ptr, UInt], RInt, D.or(M)),
    s(428, "open_tree", &[DirFd, Path, Hex], RFd, D.or(F)),
    s(429, "move_mount", &[DirFd, Path, DirFd, Path, Hex], RInt, D.or(F)),
    s(430, "fsopen", &[Str, Hex], RFd, D),
    s(431, "fsconfig", &[Fd, UInt, Str, Ptr, Int], RInt, D.or(F)),
    s(432, "fsmount", &[Fd, Hex, Hex], RFd, D),
    s(433, "fspick", &[DirFd, Path, Hex], RFd, D.or(F)),
    s(434, "pidfd_open", &[Int, Flags(&x::PIDFD)], RFd, D),
    s(435, "clone3", &[CloneArgs, Size], RInt, P),
    s(436, "close_range", &[UInt, UInt, Flags(&x::CLOSE_RANGE)], RInt, NONE),
    s(437, "openat2", &[DirFd, Path, OpenHow, Size], RFd, D.or(F)),
    s(438, "pidfd_getfd", &[Fd, Int, UInt], RFd, D),
    s(439, "faccessat2", &[DirFd, Path, AccessMode, Flags(&x::FACCESSAT)], RInt, D.or(F)),
    s(440, "process_madvise", &[Fd, Ptr, Size, Enum(&x::MADV), UInt], RInt, D),
    s(441, "epoll_pwait2", &[Fd, OutPtr, Int, Timespec, Ptr, Size], RInt, D),
    s(442, "mount_setattr", &[DirFd, Path, AtFlags, Ptr, Size], RInt, D.or(F)),
    s(443, "quotactl_fd", &[Fd, Hex, Int, Ptr], RInt, D),
    s(444, "landlock_create_ruleset", &[Ptr, Size, Flags(&x::LANDLOCK_RULESET)], RFd, D),
    s(445, "landlock_add_rule", &[Fd, Int, Ptr, Hex], RInt, D),
    s(446, "landlock_restrict_self", &[Fd, Hex], RInt, D),
    s(447, "memfd_secret", &[Hex], RFd, D),
    s(448, "process_mrelease", &[Fd, UInt], RInt, D),
    s(449, "futex_waitv", &[Ptr, UInt, Hex, Timespec, Enum(&x::CLOCK)], RInt, NONE),
    s(450, "set_mempolicy_home_node", &[Ptr, Size, Size, Hex], RInt, M),
    s(451, "cachestat", &[Fd, Ptr, OutPtr, Hex], RInt, D),
    s(452, "fchmodat2", &[DirFd, Path, Mode, AtFlags], RInt, D.or(F)),
    s(453, "map_shadow_stack", &[Ptr, Size, Hex], RPtr, M),
    s(454, "futex_wake", &[Ptr, Hex, Int, Hex], RInt, NONE),
    s(455, "futex_wait", &[Ptr, Hex, Hex, Hex, Timespec, Enum(&x::CLOCK)], RInt, NONE),
    s(456, "futex_requeue", &[Ptr, Hex, Int, Int], RInt, NONE),
    s(457, "statmount", &[Ptr, OutPtr, Size, Hex], RInt, NONE),
    s(458, "listmount", &[Ptr, OutPtr, Size, Hex], RInt, NONE),
    s(459, "lsm_get_self_attr", &[UInt, OutPtr, OutPtr, Hex], RInt, NONE),
    s(460, "lsm_set_self_attr", &[UInt, Ptr, Size, Hex], RInt, NONE),
    s(461, "lsm_list_modules", &[OutPtr, OutPtr, Hex], RInt, NONE),
    s(462, "mseal", &[Ptr, Size, Hex], RInt, M),
    s(463, "setxattrat", &[DirFd, Path, AtFlags, Str, Ptr, Size], RInt, D.or(F)),
    s(464, "getxattrat", &[DirFd, Path, AtFlags, Str, OutPtr, Size], RInt, D.or(F)),
    s(465, "listxattrat", &[DirFd, Path, AtFlags, OutBuf, Size], RInt, D.or(F)),
    s(466, "removexattrat", &[DirFd, Path, AtFlags, Str], RInt, D.or(F)),
    s(467, "open_tree_attr", &[DirFd, Path, Hex, Ptr, Size], RFd, D.or(F)),
    s(468, "file_getattr", &[DirFd, Path, OutPtr, Size, AtFlags], RInt, D.or(F)),
    s(469, "file_setattr", &[DirFd, Path, Ptr, Size, AtFlags], RInt, D.or(F)),
    s(470, "listns", &[Ptr, OutPtr, Size, Hex], RInt, NONE),
];

/// Highest syscall number with a signature; sizes the dense index.
const MAX_NR: usize = 470;

/// Index into `SIGNATURES` by number, built at compile time.
const BY_NR: [Option<u16>; MAX_NR + 1] = {
    let mut out = [None; MAX_NR + 1];
    let mut i = 0;
    while i < SIGNATURES.len() {
        assert!(
            i == 0 || SIGNATURES[i - 1].nr < SIGNATURES[i].nr,
            "SIGNATURES must be sorted and unique"
        );
        assert!(SIGNATURES[i].args.len() <= 6, "at most six arguments");
        out[SIGNATURES[i].nr as usize] = Some(i as u16);
        i += 1;
    }
    out
};

/// The signature of syscall `nr`, if known.
pub fn signature(nr: u32) -> Option<&'static Signature> {
    let idx = (*BY_NR.get(usize::try_from(nr).ok()?)?)?;
    SIGNATURES.get(usize::from(idx))
}

/// All signatures, sorted by number.
pub fn all() -> &'static [Signature] {
    SIGNATURES
}

/// The type of argument `i` of syscall `nr`; unknown syscalls have only
/// untyped (hex) arguments.
pub fn arg_type(nr: u32, i: usize) -> ArgType {
    signature(nr)
        .and_then(|sig| sig.args.get(i).copied())
        .unwrap_or(Hex)
}

/// When a buffer has to be copied from user memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaptureAt {
    /// At syscall enter, before the kernel acts (data passed in).
    Enter,
    /// At syscall exit, and only on success (data passed out).
    Exit,
}

/// How many bytes a buffer capture covers (before the capture limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaptureLen {
    /// The value of argument `n`.
    Arg(usize),
    /// The syscall's return value.
    Return,
    /// A fixed size (struct timespec, sockaddr_storage).
    Fixed(u32),
}

/// The one buffer captured for a syscall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BufferCapture {
    /// The argument holding the user address.
    pub arg: usize,
    pub at: CaptureAt,
    pub len: CaptureLen,
}

/// What the kernel side must copy from user memory so that a syscall can be
/// decoded like strace does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CapturePlan {
    /// Bit `i` set: argument `i` is a NUL-terminated string to read at enter.
    pub string_args: u8,
    /// At most one buffer (the first buffer-like argument).
    pub buffer: Option<BufferCapture>,
    /// The argument holding a NULL-terminated string array (execve argv),
    /// read at enter.
    pub argv_arg: Option<usize>,
    /// A socket address passed in besides the buffer (sendto's destination):
    /// (address argument, length argument), read at enter.
    pub address: Option<(usize, usize)>,
    /// An iovec array, directly or in a msghdr.
    pub iovec: Option<IovecCapture>,
    /// A fixed-size struct the call reads: (argument, size). Read at exit,
    /// where the caller's copy is unchanged.
    pub input: Option<(usize, u32)>,
    /// A second such struct: (argument, size).
    pub input2: Option<(usize, u32)>,
}

/// Where an iovec array is and when its data is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IovecCapture {
    /// The argument holding the array, or the msghdr when `in_msghdr`.
    pub arg: usize,
    /// The argument holding the array's length (unused with a msghdr).
    pub count_arg: usize,
    /// At exit, the data read is as long as the result.
    pub at: CaptureAt,
    pub in_msghdr: bool,
}

impl CapturePlan {
    /// Whether argument `i` is read as a string at enter.
    pub fn captures_string(&self, i: usize) -> bool {
        i < 8 && self.string_args & (1 << i) != 0
    }

    /// Reads the struct at argument `i` at exit, in the first free of the
    /// two struct slots (a third is not read).
    fn add_input(&mut self, i: usize, size: u32) {
        if self.input.is_none() {
            self.input = Some((i, size));
        } else if self.input2.is_none() {
            self.input2 = Some((i, size));
        }
    }

    /// Whether nothing needs to be captured.
    pub fn is_empty(&self) -> bool {
        self.string_args == 0
            && self.buffer.is_none()
            && self.argv_arg.is_none()
            && self.address.is_none()
            && self.iovec.is_none()
            && self.input.is_none()
            && self.input2.is_none()
    }
}

/// `sizeof(int[2])`.
pub const FD_PAIR_SIZE: u32 = 8;
/// The kernel's sigset (64 signals) and `struct sigaction` on x86_64.
pub const SIGSET_SIZE: u32 = 8;
pub const SIGACTION_SIZE: u32 = 32;
/// `sizeof(int)`: a wait status.
pub const WAIT_STATUS_SIZE: u32 = 4;
/// `sizeof(struct rlimit)`.
pub const RLIMIT_SIZE: u32 = 16;
/// `sizeof(struct stat)` and `sizeof(struct statx)` on x86_64.
pub const STAT_SIZE: u32 = 144;
pub const STATX_SIZE: u32 = 256;
/// `sizeof(struct timespec)` on x86_64.
pub const TIMESPEC_SIZE: u32 = 16;
/// `sizeof(struct timespec[2])`, `sizeof(struct timeval[2])`, `sizeof(struct
/// itimerval)` and `sizeof(struct itimerspec)`: two 16-byte times.
pub const TIME_PAIR_SIZE: u32 = 32;
/// Bytes of a `struct sembuf` array read: 16 operations of 6 bytes.
pub const SEMBUF_READ: u32 = 96;
/// Bytes of a System V message read: `mtype` and 32 bytes of `mtext`.
pub const MSGBUF_READ: u32 = 40;
/// One field of `struct utsname` (`__NEW_UTS_LEN + 1`).
pub const UTS_FIELD_SIZE: u32 = 65;
/// Bytes read at exit through ioctl's third argument (an int, a winsize).
pub const IOCTL_ARG_READ: u32 = 8;
/// Two `struct __user_cap_data_struct`s (_LINUX_CAPABILITY_U32S_3).
pub const CAP_DATA_SIZE: u32 = 24;
/// `sizeof(struct pollfd)` and how many of an array are read.
pub const POLLFD_SIZE: u32 = 8;
pub const POLLFDS_READ: u32 = 16;
/// `sizeof(siginfo_t)` and `sizeof(struct sigevent)`.
pub const SIGINFO_SIZE: u32 = 128;
pub const SIGEVENT_SIZE: u32 = 64;
/// Bytes of a `gid_t` array read: 32 groups, strace's default `-s` elements.
pub const GID_ARRAY_READ: u32 = 128;
/// prctl's `TASK_COMM_LEN`, the most its second argument points at.
pub const PRCTL_NAME_SIZE: u32 = 16;
/// `sizeof(struct utimbuf)`.
pub const UTIMBUF_SIZE: u32 = 16;
/// `sizeof(stack_t)`.
pub const STACK_T_SIZE: u32 = 24;
/// `sizeof(struct open_how)`.
pub const OPEN_HOW_SIZE: u32 = 24;
/// `sizeof(struct clone_args)` up to `cgroup` (CLONE_ARGS_SIZE_VER2).
pub const CLONE_ARGS_SIZE: u32 = 88;
/// `sizeof(struct sched_attr)` (SCHED_ATTR_SIZE_VER1).
pub const SCHED_ATTR_SIZE: u32 = 56;
/// `sizeof(struct epoll_event)` (packed on x86_64) and how many of an
/// epoll_wait result are read.
pub const EPOLL_EVENT_SIZE: u32 = 12;
pub const EPOLL_EVENTS_READ: u32 = 32;
/// `sizeof(struct rusage)`.
pub const RUSAGE_SIZE: u32 = 144;
/// `sizeof(struct flock)`.
pub const FLOCK_SIZE: u32 = 32;
/// Most bytes of a socket option value read at exit.
pub const SOCKOPT_MAX: u32 = 64;
/// `sizeof(struct sockaddr_storage)`: the most any address family needs.
pub const SOCKADDR_STORAGE_SIZE: u32 = 128;
/// `sizeof(struct mmsghdr)`: a msghdr, `msg_len` and padding.
pub const MMSGHDR_SIZE: u32 = 64;

/// What the kernel must read for syscall `nr`: path and string arguments at
/// enter, one buffer at enter (write, sendto, connect's address,
/// nanosleep's timespec) or at exit (read, recvfrom, accept's address, pipe's
/// fds), and an iovec array, directly (readv, writev) or in a msghdr.
pub fn strings_to_capture(nr: u32) -> CapturePlan {
    let mut plan = CapturePlan::default();
    let Some(sig) = signature(nr) else {
        return plan;
    };
    for (i, &ty) in sig.args.iter().enumerate() {
        let buffer = match ty {
            Path | Str => {
                plan.string_args |= 1 << i;
                None
            }
            StrArray => {
                plan.argv_arg.get_or_insert(i);
                None
            }
            Buf { len_arg } | SockAddr { len_arg } => {
                Some((CaptureAt::Enter, CaptureLen::Arg(len_arg)))
            }
            OutBuf | OutBufHex | OutPath => Some((CaptureAt::Exit, CaptureLen::Return)),
            SockAddrOut => Some((CaptureAt::Exit, CaptureLen::Fixed(SOCKADDR_STORAGE_SIZE))),
            Timespec => Some((CaptureAt::Enter, CaptureLen::Fixed(TIMESPEC_SIZE))),
            TimespecOut => Some((CaptureAt::Exit, CaptureLen::Fixed(TIMESPEC_SIZE))),
            FdPairOut => Some((CaptureAt::Exit, CaptureLen::Fixed(FD_PAIR_SIZE))),
            StatOut => Some((CaptureAt::Exit, CaptureLen::Fixed(STAT_SIZE))),
            SigsetOut => Some((CaptureAt::Exit, CaptureLen::Fixed(SIGSET_SIZE))),
            WaitStatusOut => Some((CaptureAt::Exit, CaptureLen::Fixed(WAIT_STATUS_SIZE))),
            SigactionOut => Some((CaptureAt::Exit, CaptureLen::Fixed(SIGACTION_SIZE))),
            Sigset | Sigaction => {
                let size = if ty == Sigset {
                    SIGSET_SIZE
                } else {
                    SIGACTION_SIZE
                };
                plan.add_input(i, size);
                None
            }
            // Structs the call reads, and outputs whose call has another
            // buffer: read at exit (inputs have not changed then).
            Rlimit { .. }
            | SockLenInOut
            | Utimens
            | Timevals
            | Utimbuf
            | StackT
            | OpenHow
            | CloneArgs
            | SchedAttr
            | SchedParam
            | EpollEvent
            | Itimerval
            | Itimerspec
            | RusageOut
            | TimeoutIn
            | SelectTimeval
            | SelectTimespec
            | Pollfds { .. }
            | Siginfo
            | Sigevent
            | IntOutAtExit
            | CapHeader
            | CapData
            | IoctlArg
            | OffsetInOut
            | FcntlArg => {
                let size = match ty {
                    Rlimit { .. } => RLIMIT_SIZE,
                    SockLenInOut | SchedParam | IntOutAtExit => 4,
                    CapHeader => 8,
                    CapData => CAP_DATA_SIZE,
                    IoctlArg => IOCTL_ARG_READ,
                    OffsetInOut => 8,
                    TimeoutIn | SelectTimeval | SelectTimespec => TIMESPEC_SIZE,
                    Pollfds { .. } => POLLFD_SIZE * POLLFDS_READ,
                    Siginfo => SIGINFO_SIZE,
                    Sigevent => SIGEVENT_SIZE,
                    Utimens | Timevals | Itimerval | Itimerspec => TIME_PAIR_SIZE,
                    Utimbuf => UTIMBUF_SIZE,
                    StackT => STACK_T_SIZE,
                    OpenHow => OPEN_HOW_SIZE,
                    CloneArgs => CLONE_ARGS_SIZE,
                    SchedAttr => SCHED_ATTR_SIZE,
                    EpollEvent => EPOLL_EVENT_SIZE,
                    RusageOut => RUSAGE_SIZE,
                    _ => FLOCK_SIZE,
                };
                plan.add_input(i, size);
                // The value before the call, too.
                (ty == OffsetInOut).then_some((CaptureAt::Enter, CaptureLen::Fixed(8)))
            }
            IntOut | SchedParamOut | EnumOut(_) => Some((CaptureAt::Exit, CaptureLen::Fixed(4))),
            SiginfoOut => Some((CaptureAt::Exit, CaptureLen::Fixed(SIGINFO_SIZE))),
            CapDataOut => Some((CaptureAt::Exit, CaptureLen::Fixed(CAP_DATA_SIZE))),
            // Read up to the capture's most, not `-s` (see the daemon's plans).
            DirentsOut { .. } => Some((CaptureAt::Exit, CaptureLen::Return)),
            // mtype and what `-s` shows of mtext (the capture's limit).
            MsgBuf { .. } => Some((CaptureAt::Enter, CaptureLen::Fixed(MSGBUF_READ))),
            MsgBufOut { .. } => Some((CaptureAt::Exit, CaptureLen::Fixed(MSGBUF_READ))),
            // sysname and nodename, the two fields strace shows.
            UtsnameOut => Some((CaptureAt::Exit, CaptureLen::Fixed(2 * UTS_FIELD_SIZE))),
            // Cut at the capture's `-s` like strace cuts the printed array.
            MincoreOut { len_arg } => Some((CaptureAt::Exit, CaptureLen::Arg(len_arg))),
            GidArray { .. } => Some((CaptureAt::Enter, CaptureLen::Fixed(GID_ARRAY_READ))),
            GidArrayOut => Some((CaptureAt::Exit, CaptureLen::Fixed(GID_ARRAY_READ))),
            PrctlArg => Some((CaptureAt::Exit, CaptureLen::Fixed(PRCTL_NAME_SIZE))),
            AddrOut | TimezoneOut => Some((CaptureAt::Exit, CaptureLen::Fixed(8))),
            StackTOut => Some((CaptureAt::Exit, CaptureLen::Fixed(STACK_T_SIZE))),
            SchedAttrOut => Some((CaptureAt::Exit, CaptureLen::Fixed(SCHED_ATTR_SIZE))),
            ItimervalOut | ItimerspecOut => {
                Some((CaptureAt::Exit, CaptureLen::Fixed(TIME_PAIR_SIZE)))
            }
            EpollEventsOut => Some((
                CaptureAt::Exit,
                CaptureLen::Fixed(EPOLL_EVENT_SIZE * EPOLL_EVENTS_READ),
            )),
            SockOptValOut => Some((CaptureAt::Exit, CaptureLen::Fixed(SOCKOPT_MAX))),
            CpuSet { len_arg } | SockOptVal { len_arg } => {
                Some((CaptureAt::Enter, CaptureLen::Arg(len_arg)))
            }
            CpuSetOut => Some((CaptureAt::Exit, CaptureLen::Return)),
            SemBufs { .. } => Some((CaptureAt::Enter, CaptureLen::Fixed(SEMBUF_READ))),
            RlimitOut { .. } => Some((CaptureAt::Exit, CaptureLen::Fixed(RLIMIT_SIZE))),
            StatxOut => Some((CaptureAt::Exit, CaptureLen::Fixed(STATX_SIZE))),
            Iovec { .. }
            | IovecOut { .. }
            | Msghdr
            | MsghdrOut
            | Mmsghdrs { .. }
            | MmsghdrsOut { .. } => {
                let at = if ty.is_exit_value() {
                    CaptureAt::Exit
                } else {
                    CaptureAt::Enter
                };
                let (count_arg, in_msghdr) = match ty {
                    Iovec { count_arg } | IovecOut { count_arg } => (count_arg, false),
                    _ => (i, true),
                };
                // The first mmsghdr's msg_len, which the kernel sets.
                if matches!(ty, Mmsghdrs { .. } | MmsghdrsOut { .. }) {
                    plan.add_input(i, MMSGHDR_SIZE);
                }
                plan.iovec = Some(IovecCapture {
                    arg: i,
                    count_arg,
                    at,
                    in_msghdr,
                });
                None
            }
            _ => None,
        };
        match (plan.buffer, buffer) {
            (None, Some((at, len))) => plan.buffer = Some(BufferCapture { arg: i, at, len }),
            (Some(_), Some(_)) => {
                if let SockAddr { len_arg } = ty {
                    plan.address.get_or_insert((i, len_arg));
                }
            }
            _ => {}
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::arg_count;
    use crate::syscalls::TABLE;

    #[test]
    fn every_syscall_has_a_matching_signature() {
        assert_eq!(SIGNATURES.len(), TABLE.len());
        for &(nr, name) in TABLE {
            let sig = signature(nr).unwrap_or_else(|| panic!("no signature for {name}"));
            assert_eq!(sig.name, name, "nr {nr}");
            assert_eq!(sig.nr, nr);
            assert_eq!(sig.args.len(), arg_count(nr), "{name}");
        }
        assert_eq!(signature(400), None);
        assert_eq!(signature(u32::MAX), None);
    }

    #[test]
    fn length_arguments_point_at_sizes() {
        for sig in SIGNATURES {
            for &ty in sig.args {
                if let Buf { len_arg } | SockAddr { len_arg } = ty {
                    let len_ty = sig.args.get(len_arg).copied();
                    assert!(
                        matches!(len_ty, Some(Size | UInt)),
                        "{}: length arg {len_arg} is {len_ty:?}",
                        sig.name
                    );
                }
            }
        }
    }

    #[test]
    fn classes_follow_strace() {
        let nr = |n| crate::syscalls::number(n).unwrap_or(u32::MAX);
        let has = |n, c| signature(nr(n)).is_some_and(|s| s.classes.contains(c));
        assert!(has("openat", Classes::FILE.or(Classes::DESC)));
        assert!(has("execve", Classes::FILE.or(Classes::PROCESS)));
        assert!(!has("read", Classes::FILE));
        assert!(has("newfstatat", Classes::FSTAT));
        assert!(has("getpid", Classes::PURE));
        assert!(has("clock_gettime", Classes::CLOCK));
        assert!(has("setuid", Classes::CREDS));
        assert!(has("connect", Classes::NETWORK));
        assert!(has("kill", Classes::SIGNAL.or(Classes::PROCESS)));
        assert!(has("shmat", Classes::IPC.or(Classes::MEMORY)));
        // Every syscall taking a path argument at position 0 is a file call
        // in strace, except the mqueue and module-ish ones.
        for sig in SIGNATURES {
            if sig.args.first() == Some(&Path) && !sig.name.starts_with("mq_") {
                assert!(sig.classes.contains(Classes::FILE), "{}", sig.name);
            }
        }
    }

    #[test]
    fn capture_plans() {
        let plan = |n| strings_to_capture(crate::syscalls::number(n).unwrap_or(u32::MAX));
        let p = plan("openat");
        assert_eq!(p.string_args, 0b10);
        assert!(p.captures_string(1) && !p.captures_string(0));
        assert_eq!(p.buffer, None);

        assert_eq!(plan("rename").string_args, 0b11);
        assert_eq!(plan("linkat").string_args, 0b1010);
        assert_eq!(plan("execve").argv_arg, Some(1));
        assert_eq!(plan("execve").string_args, 1);

        let w = BufferCapture {
            arg: 1,
            at: CaptureAt::Enter,
            len: CaptureLen::Arg(2),
        };
        assert_eq!(plan("write").buffer, Some(w));
        assert_eq!(plan("pwrite64").buffer, Some(w));
        assert_eq!(plan("sendto").buffer, Some(w));
        assert_eq!(plan("sendto").address, Some((4, 5)));
        assert_eq!(plan("connect").address, None);
        assert_eq!(plan("connect").buffer, Some(w));
        let r = BufferCapture {
            arg: 1,
            at: CaptureAt::Exit,
            len: CaptureLen::Return,
        };
        assert_eq!(plan("read").buffer, Some(r));
        assert_eq!(plan("pread64").buffer, Some(r));
        assert_eq!(plan("recvfrom").buffer, Some(r));
        assert_eq!(
            plan("accept").buffer,
            Some(BufferCapture {
                arg: 1,
                at: CaptureAt::Exit,
                len: CaptureLen::Fixed(128)
            })
        );
        assert_eq!(
            plan("nanosleep").buffer,
            Some(BufferCapture {
                arg: 0,
                at: CaptureAt::Enter,
                len: CaptureLen::Fixed(16)
            })
        );
        assert_eq!(
            plan("clock_gettime").buffer,
            Some(BufferCapture {
                arg: 1,
                at: CaptureAt::Exit,
                len: CaptureLen::Fixed(16)
            })
        );
        assert_eq!(
            plan("writev").iovec,
            Some(IovecCapture {
                arg: 1,
                count_arg: 2,
                at: CaptureAt::Enter,
                in_msghdr: false
            })
        );
        assert_eq!(
            plan("preadv2").iovec.map(|iov| iov.at),
            Some(CaptureAt::Exit)
        );
        assert_eq!(
            plan("recvmsg").iovec,
            Some(IovecCapture {
                arg: 1,
                count_arg: 1,
                at: CaptureAt::Exit,
                in_msghdr: true
            })
        );
        assert_eq!(
            plan("sendmsg").iovec.map(|iov| iov.at),
            Some(CaptureAt::Enter)
        );
        assert_eq!(plan("sendmsg").buffer, None);
        assert_eq!(
            plan("newfstatat").buffer,
            Some(BufferCapture {
                arg: 2,
                at: CaptureAt::Exit,
                len: CaptureLen::Fixed(144)
            })
        );
        assert_eq!(plan("newfstatat").string_args, 0b10);
        let sigaction = plan("rt_sigaction");
        assert_eq!(sigaction.input, Some((1, 32)));
        assert_eq!(
            sigaction.buffer,
            Some(BufferCapture {
                arg: 2,
                at: CaptureAt::Exit,
                len: CaptureLen::Fixed(32)
            })
        );
        assert_eq!(plan("rt_sigprocmask").input, Some((1, 8)));
        assert_eq!(
            plan("wait4").buffer,
            Some(BufferCapture {
                arg: 1,
                at: CaptureAt::Exit,
                len: CaptureLen::Fixed(4)
            })
        );
        assert_eq!(
            plan("pipe2").buffer,
            Some(BufferCapture {
                arg: 0,
                at: CaptureAt::Exit,
                len: CaptureLen::Fixed(8)
            })
        );
        // Structs read at exit: up to two, plus the buffer.
        let prlimit = plan("prlimit64");
        assert_eq!((prlimit.input, prlimit.input2), (Some((2, 16)), None));
        assert_eq!(
            prlimit.buffer.map(|b| (b.arg, b.at)),
            Some((3, CaptureAt::Exit))
        );
        let wait = plan("rt_sigtimedwait");
        assert_eq!((wait.input, wait.input2), (Some((0, 8)), Some((2, 16))));
        assert_eq!(plan("getresuid").input2, Some((2, 4)));
        assert_eq!(plan("wait4").input, Some((3, 144)));
        assert_eq!(plan("openat2").input, Some((2, 24)));
        // execve's environment is read by its own path, not a plan slot.
        assert_eq!(plan("execve").input, None);
        assert!(plan("getpid").is_empty());
        assert!(strings_to_capture(9999).is_empty());
    }

    #[test]
    fn arg_type_lookup() {
        assert_eq!(arg_type(257, 0), DirFd);
        assert_eq!(arg_type(257, 5), Hex);
        assert_eq!(arg_type(9999, 0), Hex);
        assert!(OutBuf.is_exit_value() && !Buf { len_arg: 2 }.is_exit_value());
    }
}
