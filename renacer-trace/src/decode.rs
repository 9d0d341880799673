//! strace-grade argument decoding: turns a [`SyscallRecord`] plus the user
//! memory the kernel side captured (see [`strings_to_capture`]) into the
//! exact text strace prints for each argument and the return value.
//!
//! [`strings_to_capture`]: crate::signatures::strings_to_capture

mod quote;
mod sockaddr;
mod structs;

use std::fmt::Write as _;

use crate::record::{SyscallRecord, SyscallResult, arg_count};
use crate::signatures::{self, ArgType, RetType, Signature};
use crate::text::{self, TextOptions};
use crate::xlat::{self, Xlat, hex};

/// Bytes copied from the tracee.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct CapturedBytes<'a> {
    pub bytes: &'a [u8],
    /// The kernel stopped at its capture limit: more data followed.
    pub truncated: bool,
}

impl<'a> CapturedBytes<'a> {
    pub fn new(bytes: &'a [u8], truncated: bool) -> Self {
        Self { bytes, truncated }
    }
}

/// What the kernel side captured for one syscall, per
/// [`strings_to_capture`](crate::signatures::strings_to_capture).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Captured<'a> {
    /// NUL-terminated strings, by argument index.
    pub strings: [Option<CapturedBytes<'a>>; 6],
    /// The plan's one buffer (data, socket address or timespec).
    pub buffer: Option<CapturedBytes<'a>>,
    /// The string array (execve argv). Empty means not captured: the
    /// argument then prints as a pointer.
    pub argv: Vec<CapturedBytes<'a>>,
    /// The array had more elements than were captured.
    pub argv_truncated: bool,
    /// The plan's second socket address (sendto's destination), or a
    /// msghdr's `msg_name`.
    pub address: Option<CapturedBytes<'a>>,
    /// The elements of the plan's iovec array, in order.
    pub iov: Vec<CapturedIov<'a>>,
    /// The array had more elements than were captured.
    pub iov_truncated: bool,
    /// The raw `struct msghdr` (sendmsg, recvmsg).
    pub msghdr: Option<&'a [u8]>,
    /// The structs read at exit (rt_sigaction's act, a sigset, execve's
    /// environment pointers), by argument index.
    pub structs: [Option<CapturedBytes<'a>>; 6],
    /// What arguments pointed at on entry, where the call overwrites it
    /// (select's fd sets and timeout), by argument index.
    pub entry: [Option<CapturedBytes<'a>>; 6],
    /// execve's environment strings under `-v`: the address they were read
    /// from (a native u64), then the bytes.
    pub env: Option<CapturedBytes<'a>>,
}

/// One element of an iovec array.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct CapturedIov<'a> {
    pub base: u64,
    pub len: u64,
    pub data: CapturedBytes<'a>,
    /// The data could not be read: strace shows the address.
    pub unreadable: bool,
}

/// strace's `-x` / `-xx`: which strings print as `\xNN` escapes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum HexStrings {
    /// Octal escapes for what is not printable (the default).
    #[default]
    Never,
    /// `-x`: a string with any non-printable, non-whitespace byte, all in hex.
    NonAscii,
    /// `-xx`: every string in hex.
    All,
}

/// Decoding knobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DecodeOptions {
    /// strace's `-s`: how many bytes of a data buffer or string (and how
    /// many argv elements) to show. Paths are always shown whole.
    pub string_limit: usize,
    /// strace's `-x` / `-xx`.
    pub hex_strings: HexStrings,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        Self {
            string_limit: 32,
            hex_strings: HexStrings::Never,
        }
    }
}

const AT_FDCWD: i32 = -100;
const PAGE_SIZE: u64 = 4096;
const O_CREAT: u64 = 0o100;
const O_TMPFILE_BIT: u64 = 0o20000000;
const MAP_TYPE_MASK: u64 = 0xf;
const MAP_HUGE_SHIFT: u32 = 26;
const MAP_HUGE_MASK: u64 = 0x3f;
const CSIGNAL: u64 = 0xff;
const CLONE_PIDFD: u64 = 0x1000;
const CLONE_SETTLS: u64 = 0x80000;
const CLONE_PARENT_SETTID: u64 = 0x100000;
const CLONE_CHILD_CLEARTID: u64 = 0x200000;
const CLONE_CHILD_SETTID: u64 = 0x1000000;
const STATX_SYNC_MASK: u64 = 0x6000;
const S_IFMT: u64 = 0o170000;
const S_IFCHR: u64 = 0o020000;
const S_IFBLK: u64 = 0o060000;
const PR_GET_DUMPABLE: u64 = 3;

// Syscall numbers with argument layouts the table alone cannot express.
const NR_OPEN: u32 = 2;
const NR_CLONE: u32 = 56;
const NR_FCNTL: u32 = 72;
const NR_MKNOD: u32 = 133;
const NR_PRCTL: u32 = 157;
const NR_FUTEX: u32 = 202;
const NR_MQ_OPEN: u32 = 240;
const NR_OPENAT: u32 = 257;
const NR_MKNODAT: u32 = 259;
const NR_IOCTL: u32 = 16;
const NR_MREMAP: u32 = 25;
const NR_ARCH_PRCTL: u32 = 158;
const NR_MEMBARRIER: u32 = 324;
const NR_POLL: u32 = 7;
const NR_SYSLOG: u32 = 103;
const NR_KEYCTL: u32 = 250;
const TCXONC: u64 = 0x540a;
const TCFLSH: u64 = 0x540b;

// fcntl commands whose third argument strace leaves out.
const F_GETFD: u64 = 1;
const F_GETFL: u64 = 3;
const F_GETOWN: u64 = 9;
const F_GETSIG: u64 = 11;
const F_GETLEASE: u64 = 1025;
const F_GETPIPE_SZ: u64 = 1032;
const F_GET_SEALS: u64 = 1034;

/// NULL or hex, as strace's `printaddr`.
fn ptr(v: u64) -> String {
    if v == 0 {
        "NULL".to_owned()
    } else {
        format!("{v:#x}")
    }
}

/// C's `%#03o`: `0644`, `000`, `004`.
fn octal_mode(v: u64) -> String {
    let s = if v == 0 {
        "0".to_owned()
    } else {
        format!("0{v:o}")
    };
    format!("{s:0>3}")
}

/// The value as the C `int` the kernel sees.
fn int(v: u64) -> i32 {
    v as u32 as i32
}

fn low32(v: u64) -> u64 {
    v & 0xffff_ffff
}

/// open(2) flags: `O_RDONLY|O_CLOEXEC`, unknown bits as `|0x…`.
fn open_flags(v: u64) -> String {
    let v = low32(v);
    let mut out = xlat::OPEN_ACCESS
        .name(v & 3)
        .unwrap_or("O_ACCMODE")
        .to_owned();
    let rest = xlat::OPEN.push_flag_names(&mut out, v & !3);
    if rest != 0 {
        let _ = write!(out, "|{}", hex(rest));
    }
    out
}

/// mmap flags: the mapping type, then flags, then `N<<MAP_HUGE_SHIFT`.
fn map_flags(v: u64) -> String {
    let mut out = xlat::MAP_TYPE.format_enum(v & MAP_TYPE_MASK);
    let huge = (v >> MAP_HUGE_SHIFT) & MAP_HUGE_MASK;
    let flags = v & !MAP_TYPE_MASK & !(MAP_HUGE_MASK << MAP_HUGE_SHIFT);
    if flags != 0 {
        out.push('|');
        out.push_str(&xlat::MAP.format_flags(flags));
    }
    if huge != 0 {
        let _ = write!(out, "|{huge}<<MAP_HUGE_SHIFT");
    }
    out
}

/// clone flags: `CLONE_VM|…|SIGCHLD`, the low byte being the exit signal.
fn clone_flags(v: u64) -> String {
    let sig = int(v & CSIGNAL);
    let flags = v & !CSIGNAL;
    if flags == 0 {
        return xlat::signal(sig);
    }
    let mut out = xlat::CLONE.format_flags(flags);
    if sig != 0 {
        out.push('|');
        out.push_str(&xlat::signal(sig));
    }
    out
}

/// `SOCK_STREAM|SOCK_CLOEXEC`.
fn sock_type(v: u64) -> String {
    let v = low32(v);
    match xlat::SOCK_TYPE.name(v & 0xf) {
        Some(name) if v & !0xf == 0 => name.to_owned(),
        Some(name) => format!("{name}|{}", xlat::SOCK_FLAGS.format_flags(v & !0xf)),
        None => xlat::SOCK_FLAGS.format_flags(v),
    }
}

/// statx flags: the sync type (always shown), then `AT_*` flags.
fn statx_flags(v: u64) -> String {
    let v = low32(v);
    let mut out = xlat::STATX_SYNC.format_flags(v & STATX_SYNC_MASK);
    let rest = v & !STATX_SYNC_MASK;
    if rest != 0 {
        let unknown = xlat::AT.push_flag_names(&mut out, rest);
        if unknown != 0 {
            let _ = write!(out, "|{}", hex(unknown));
        }
    }
    out
}

/// A mode with its file type: `S_IFREG|S_ISUID|0755`.
fn file_mode(v: u64) -> String {
    let v = low32(v);
    let ifmt = if v & S_IFMT == 0 {
        Some("")
    } else {
        xlat::MODE_TYPES.name(v & S_IFMT)
    };
    let Some(ifmt) = ifmt else {
        return octal_mode(v);
    };
    let mut out = String::new();
    for (set, name) in [
        (!ifmt.is_empty(), ifmt),
        (v & 0o4000 != 0, "S_ISUID"),
        (v & 0o2000 != 0, "S_ISGID"),
        (v & 0o1000 != 0, "S_ISVTX"),
    ] {
        if set {
            out.push_str(name);
            out.push('|');
        }
    }
    out.push_str(&octal_mode(v & 0o777));
    out
}

/// glibc's `makedev` split: `makedev(0x1, 0x3)`.
fn dev(v: u64) -> String {
    let major = ((v >> 8) & 0xfff) | ((v >> 32) & !0xfff);
    let minor = (v & 0xff) | ((v >> 12) & !0xff & 0xffff_ffff);
    format!("makedev({}, {})", hex(major), hex(minor))
}

/// A native-endian integer field of a struct the kernel filled.
fn field<const N: usize>(bytes: &[u8], at: usize) -> Option<[u8; N]> {
    bytes.get(at..at + N)?.try_into().ok()
}

/// `[read end, write end]`, as pipe and socketpair fill them.
fn fd_pair(bytes: &[u8]) -> Option<String> {
    let read = i32::from_ne_bytes(field(bytes, 0)?);
    let write = i32::from_ne_bytes(field(bytes, 4)?);
    Some(format!("[{read}, {write}]"))
}

/// strace's abbreviated `struct stat`: the type and mode, then the device
/// number for device files or the size for the rest.
fn stat_struct(bytes: &[u8]) -> Option<String> {
    let mode = u64::from(u32::from_ne_bytes(field(bytes, 24)?));
    let rdev = u64::from_ne_bytes(field(bytes, 40)?);
    let size = i64::from_ne_bytes(field(bytes, 48)?);
    let mode_text = file_mode(mode);
    Some(match mode & S_IFMT {
        S_IFCHR | S_IFBLK => format!("{{st_mode={mode_text}, st_rdev={}, ...}}", dev(rdev)),
        _ => format!("{{st_mode={mode_text}, st_size={size}, ...}}"),
    })
}

/// `{rlim_cur=..., rlim_max=...}`: infinity by name, multiples of 1024
/// above it as `N*1024`, as strace prints them.
fn rlimit_struct(bytes: &[u8], infinity: &str) -> Option<String> {
    let limit = |v: u64| match v {
        u64::MAX => infinity.to_owned(),
        v if v > 1024 && v % 1024 == 0 => format!("{}*1024", v / 1024),
        v => v.to_string(),
    };
    let current = u64::from_ne_bytes(field(bytes, 0)?);
    let max = u64::from_ne_bytes(field(bytes, 8)?);
    Some(format!(
        "{{rlim_cur={}, rlim_max={}}}",
        limit(current),
        limit(max)
    ))
}

/// A wait status as strace's `printstatus` shows it.
fn wait_status(bytes: &[u8]) -> Option<String> {
    let status = u32::from_ne_bytes(field(bytes, 0)?);
    let low = status & 0x7f;
    let signal = |number: u32| xlat::signal(number as i32);
    Some(if status & 0xff == 0x7f {
        format!(
            "[{{WIFSTOPPED(s) && WSTOPSIG(s) == {}}}]",
            signal((status >> 8) & 0xff)
        )
    } else if low != 0 && low != 0x7f {
        let core = if status & 0x80 != 0 {
            " && WCOREDUMP(s)"
        } else {
            ""
        };
        format!(
            "[{{WIFSIGNALED(s) && WTERMSIG(s) == {}{core}}}]",
            signal(low)
        )
    } else if low == 0 {
        format!(
            "[{{WIFEXITED(s) && WEXITSTATUS(s) == {}}}]",
            (status >> 8) & 0xff
        )
    } else if status == 0xffff {
        "[{WIFCONTINUED(s)}]".to_owned()
    } else {
        format!("[{}]", hex(u64::from(status)))
    })
}

/// A kernel sigset as strace prints it: signal names without `SIG`, or
/// `~[...]` naming the signals *not* in the set when more than half are.
fn sigset(bytes: &[u8]) -> Option<String> {
    let mask = u64::from_ne_bytes(field(bytes, 0)?);
    let (prefix, shown) = if mask.count_ones() > 32 {
        ("~", !mask)
    } else {
        ("", mask)
    };
    let names: Vec<String> = (1..=64)
        .filter(|sig| shown >> (sig - 1) & 1 != 0)
        .map(|sig| {
            let name = xlat::signal(sig);
            name.strip_prefix("SIG").map_or(name.clone(), str::to_owned)
        })
        .collect();
    Some(format!("{prefix}[{}]", names.join(" ")))
}

/// The kernel's `struct sigaction` (handler, flags, restorer, mask).
fn sigaction_struct(bytes: &[u8]) -> Option<String> {
    const SA_RESTORER: u64 = 0x0400_0000;
    let handler = u64::from_ne_bytes(field(bytes, 0)?);
    let flags = u64::from_ne_bytes(field(bytes, 8)?);
    let restorer = u64::from_ne_bytes(field(bytes, 16)?);
    let mask = sigset(bytes.get(24..)?)?;
    let handler = match handler {
        0 => "SIG_DFL".to_owned(),
        1 => "SIG_IGN".to_owned(),
        other => hex(other),
    };
    let mut out = format!(
        "{{sa_handler={handler}, sa_mask={mask}, sa_flags={}",
        xlat::SA.format_flags(flags)
    );
    if flags & SA_RESTORER != 0 {
        let _ = write!(out, ", sa_restorer={}", hex(restorer));
    }
    out.push('}');
    Some(out)
}

/// strace's abbreviated `struct statx`.
fn statx_struct(bytes: &[u8]) -> Option<String> {
    let mask = u32::from_ne_bytes(field(bytes, 0)?);
    let attributes = u64::from_ne_bytes(field(bytes, 8)?);
    let mode = u16::from_ne_bytes(field(bytes, 28)?);
    let size = u64::from_ne_bytes(field(bytes, 40)?);
    Some(format!(
        "{{stx_mask={}, stx_attributes={}, stx_mode={}, stx_size={size}, ...}}",
        xlat::STATX.format_flags(u64::from(mask)),
        xlat::STATX_ATTR.format_flags(attributes),
        file_mode(u64::from(mode))
    ))
}

/// The name of an ioctl request, from the table generated from the UAPI
/// headers (`cargo xtask gen-ioctls`).
pub fn ioctl_name(request: u32) -> Option<&'static str> {
    let table = crate::ioctls::IOCTLS;
    table
        .binary_search_by_key(&request, |&(value, _)| value)
        .ok()
        .map(|i| table[i].1)
}

/// ioctl request: the known name or `_IOC(dir, type, nr, size)`.
fn ioctl_cmd(v: u64) -> String {
    let v = low32(v);
    if let Some(name) = ioctl_name(v as u32) {
        return name.to_owned();
    }
    format!(
        "_IOC({}, {}, {}, {})",
        xlat::IOCTL_DIR.format_flags(v >> 30),
        hex((v >> 8) & 0xff),
        hex(v & 0xff),
        hex((v >> 16) & 0x3fff)
    )
}

/// A key serial: the special keyrings by name, others in decimal.
fn key_serial(v: u64) -> String {
    xlat::KEY_SPEC
        .name(low32(v))
        .map_or_else(|| int(v).to_string(), str::to_owned)
}

/// personality(2)'s persona: the type in the low byte, then flags;
/// `0xffffffff` (the query) as it is.
fn personality(v: u64) -> String {
    let v = low32(v);
    if v == 0xffff_ffff {
        return hex(v);
    }
    let mut out = xlat::PERSONALITY_TYPE.format_enum(v & 0xff);
    let flags = v & !0xff;
    if flags != 0 {
        out.push('|');
        out.push_str(&xlat::PERSONALITY_FLAGS.format_flags(flags));
    }
    out
}

/// An xlat value with no `/* X_??? */` comment when unknown.
fn enum_or_hex(table: &Xlat, v: u64) -> String {
    table.name(v).map_or_else(|| hex(v), str::to_owned)
}

/// The val3 word of FUTEX_WAKE_OP.
fn futex_wake_op(val3: u64) -> String {
    const OPS: [&str; 5] = [
        "FUTEX_OP_SET",
        "FUTEX_OP_ADD",
        "FUTEX_OP_OR",
        "FUTEX_OP_ANDN",
        "FUTEX_OP_XOR",
    ];
    const CMPS: [&str; 6] = [
        "FUTEX_OP_CMP_EQ",
        "FUTEX_OP_CMP_NE",
        "FUTEX_OP_CMP_LT",
        "FUTEX_OP_CMP_LE",
        "FUTEX_OP_CMP_GT",
        "FUTEX_OP_CMP_GE",
    ];
    let name = |table: &[&str], v: u64, unknown: &str| match usize::try_from(v)
        .ok()
        .and_then(|i| table.get(i))
    {
        Some(n) => (*n).to_owned(),
        None => format!("{} /* {unknown} */", hex(v)),
    };
    let mut out = String::new();
    if (val3 >> 28) & 8 != 0 {
        out.push_str("FUTEX_OP_OPARG_SHIFT<<28|");
    }
    let op = name(&OPS, (val3 >> 28) & 7, "FUTEX_OP_???");
    let cmp = name(&CMPS, (val3 >> 24) & 0xf, "FUTEX_OP_CMP_???");
    // The comment, if any, follows the shift as in strace.
    let shifted = |s: String, by: u32| match s.split_once(' ') {
        Some((v, comment)) => format!("{v}<<{by} {comment}"),
        None => format!("{s}<<{by}"),
    };
    let _ = write!(
        out,
        "{}|{}<<12|{}|{}",
        shifted(op, 28),
        hex((val3 >> 12) & 0xfff),
        shifted(cmp, 24),
        hex(val3 & 0xfff)
    );
    out
}

/// Decoding state for one record.
struct Ctx<'r, 'c, 'a> {
    rec: &'r SyscallRecord,
    sig: &'static Signature,
    captured: &'c Captured<'a>,
    opts: &'c DecodeOptions,
    /// What the kernel side read for this syscall: which argument each
    /// captured piece belongs to.
    plan: signatures::CapturePlan,
}

impl Ctx<'_, '_, '_> {
    fn arg_value(&self, i: usize) -> u64 {
        self.rec.args.get(i).copied().unwrap_or(0)
    }

    /// The captured buffer, if it belongs to argument `i`.
    fn buffer(&self, i: usize) -> Option<CapturedBytes<'_>> {
        if self.plan.buffer.map(|b| b.arg) == Some(i) && self.arg_value(i) != 0 {
            self.captured.buffer
        } else {
            None
        }
    }

    /// The captured input struct, if it belongs to argument `i`.
    fn input(&self, i: usize) -> Option<CapturedBytes<'_>> {
        if self.arg_value(i) == 0 {
            return None;
        }
        let planned = |slot: Option<(usize, u32)>| slot.is_some_and(|(arg, _)| arg == i);
        if planned(self.plan.input) || planned(self.plan.input2) {
            self.captured.structs.get(i).copied().flatten()
        } else {
            None
        }
    }

    /// What argument `i` pointed at on entry.
    fn entry(&self, i: usize) -> Option<CapturedBytes<'_>> {
        if self.arg_value(i) == 0 {
            return None;
        }
        self.captured.entry.get(i).copied().flatten()
    }

    /// The captured second address, if it belongs to argument `i`.
    fn address(&self, i: usize) -> Option<CapturedBytes<'_>> {
        match self.plan.address {
            Some((arg, _)) if arg == i && self.arg_value(i) != 0 => self.captured.address,
            _ => None,
        }
    }

    /// `bytes` read for argument `i`, decoded; the pointer when nothing was
    /// read or it does not decode.
    fn decoded(
        &self,
        i: usize,
        bytes: Option<CapturedBytes<'_>>,
        decode: impl FnOnce(&[u8]) -> Option<String>,
    ) -> String {
        bytes
            .and_then(|b| decode(b.bytes))
            .unwrap_or_else(|| ptr(self.arg_value(i)))
    }

    /// A struct the kernel filled for argument `i`, decoded once the call succeeded.
    fn out_struct(&self, i: usize, decode: impl FnOnce(&[u8]) -> Option<String>) -> String {
        self.decoded(i, self.success().and(self.buffer(i)), decode)
    }

    /// The successful return value, the only time exit data is meaningful.
    fn success(&self) -> Option<u64> {
        match self.rec.result {
            SyscallResult::Returned(r) if !self.rec.result.is_error() => Some(r as u64),
            _ => None,
        }
    }

    fn string(&self, i: usize, limit: Option<usize>) -> String {
        let v = self.arg_value(i);
        match self.captured.strings.get(i).copied().flatten() {
            Some(s) if v != 0 => quote::cstring(s, limit, self.opts.hex_strings),
            _ => ptr(v),
        }
    }

    fn argv(&self, i: usize) -> String {
        let v = self.arg_value(i);
        let argv = &self.captured.argv;
        if argv.is_empty() && !self.captured.argv_truncated {
            // A failed execve's first pointer, read at exit: NULL is `[]`.
            let first = self.captured.structs.get(i).copied().flatten();
            let empty = first.and_then(|b| field(b.bytes, 0).map(u64::from_ne_bytes)) == Some(0);
            return if v != 0 && empty {
                "[]".to_owned()
            } else {
                ptr(v)
            };
        }
        if v == 0 {
            return ptr(v);
        }
        self.string_array(argv, self.opts.string_limit, self.captured.argv_truncated)
    }

    /// `["a", "b"]`: each string cut at `-s` bytes, and at most `max_items`
    /// elements.
    fn string_array(
        &self,
        argv: &[CapturedBytes<'_>],
        max_items: usize,
        truncated: bool,
    ) -> String {
        let limit = self.opts.string_limit;
        let mut items: Vec<String> = argv
            .iter()
            .take(max_items)
            .map(|s| quote::cstring(*s, Some(limit), self.opts.hex_strings))
            .collect();
        if argv.len() > max_items || truncated {
            items.push("...".to_owned());
        }
        format!("[{}]", items.join(", "))
    }

    fn arg(&self, i: usize) -> String {
        let v = self.arg_value(i);
        let ty = self.sig.args.get(i).copied().unwrap_or(ArgType::Hex);
        let limit = self.opts.string_limit;
        match ty {
            ArgType::Fd | ArgType::Int => int(v).to_string(),
            ArgType::DirFd if int(v) == AT_FDCWD => "AT_FDCWD".to_owned(),
            ArgType::DirFd => int(v).to_string(),
            ArgType::UInt => (v as u32).to_string(),
            ArgType::Long => (v as i64).to_string(),
            ArgType::Size => v.to_string(),
            ArgType::Hex => hex(v),
            ArgType::Ptr | ArgType::OutPtr => ptr(v),
            ArgType::Uid if v as u32 == u32::MAX => "-1".to_owned(),
            ArgType::Uid => (v as u32).to_string(),
            ArgType::Path => self.string(i, None),
            ArgType::Str => self.string(i, Some(limit)),
            ArgType::Buf { len_arg } => match self.buffer(i) {
                Some(b) => quote::buffer(b, self.arg_value(len_arg), limit, self.opts.hex_strings),
                // Nothing to capture for an empty buffer.
                None if v != 0 && self.arg_value(len_arg) == 0 => "\"\"".to_owned(),
                None => ptr(v),
            },
            ArgType::OutBuf | ArgType::OutBufHex => match (self.buffer(i), self.success()) {
                (Some(b), Some(len)) => {
                    let hex = if ty == ArgType::OutBufHex {
                        HexStrings::All
                    } else {
                        self.opts.hex_strings
                    };
                    quote::buffer(b, len, limit, hex)
                }
                (None, Some(0)) if v != 0 => "\"\"".to_owned(),
                _ => ptr(v),
            },
            ArgType::OutPath => match (self.buffer(i), self.success()) {
                (Some(b), Some(_)) => quote::cstring(b, None, self.opts.hex_strings),
                _ => ptr(v),
            },
            ArgType::StrArray => self.argv(i),
            ArgType::Iovec { count_arg } => self.iovec(i, count_arg, None),
            ArgType::IovecOut { count_arg } => match self.rec.result {
                _ if self.rec.result.is_error() => self.iovec(i, count_arg, Some(None)),
                SyscallResult::Returned(r) => self.iovec(i, count_arg, Some(Some(r as u64))),
                _ => ptr(v),
            },
            ArgType::FdPairOut => self.out_struct(i, fd_pair),
            ArgType::StatOut => self.out_struct(i, stat_struct),
            ArgType::Rlimit { infinity } => {
                self.decoded(i, self.input(i), |b| rlimit_struct(b, infinity))
            }
            ArgType::RlimitOut { infinity } => self.out_struct(i, |b| rlimit_struct(b, infinity)),
            // A child was reaped only when the result is its pid.
            ArgType::WaitStatusOut => self.decoded(
                i,
                self.success().filter(|&pid| pid > 0).and(self.buffer(i)),
                wait_status,
            ),
            ArgType::Sigset => self.decoded(i, self.input(i), sigset),
            ArgType::SigsetOut => self.out_struct(i, sigset),
            ArgType::Sigaction => self.decoded(i, self.input(i), sigaction_struct),
            ArgType::SigactionOut => self.out_struct(i, sigaction_struct),
            ArgType::StatxOut => self.out_struct(i, statx_struct),
            ArgType::Msghdr => self.msghdr(i, None),
            ArgType::Mmsghdrs { count_arg } => self.mmsghdrs(i, count_arg, false),
            ArgType::MmsghdrsOut { count_arg } => self.mmsghdrs(i, count_arg, true),
            ArgType::MsghdrOut => match (self.success(), self.captured.msghdr) {
                (Some(r), _) => self.msghdr(i, Some(r)),
                // strace shows what the caller passed in: the name's length.
                (None, Some(header)) if v != 0 && self.rec.result.is_error() => {
                    self.decoded(i, Some(CapturedBytes::new(header, false)), |h| {
                        let namelen = i32::from_ne_bytes(field(h, 8)?);
                        Some(format!("{{msg_namelen={namelen}}}"))
                    })
                }
                _ => ptr(v),
            },
            ArgType::SockAddr { len_arg } => self
                .buffer(i)
                .or_else(|| self.address(i))
                .and_then(|b| {
                    let addrlen =
                        usize::try_from(low32(self.arg_value(len_arg))).unwrap_or(usize::MAX);
                    sockaddr::sockaddr(b.bytes, addrlen)
                })
                .unwrap_or_else(|| ptr(v)),
            ArgType::SockAddrOut => self.out_struct(i, |b| sockaddr::sockaddr(b, b.len())),
            ArgType::Timespec => self.decoded(i, self.buffer(i), sockaddr::timespec),
            ArgType::TimespecOut => self.out_struct(i, sockaddr::timespec),
            ArgType::OpenFlags => open_flags(v),
            ArgType::AtFlags => xlat::AT.format_flags(low32(v)),
            ArgType::StatxFlags => statx_flags(v),
            ArgType::Mode => octal_mode(v & 0xffff),
            ArgType::FileMode => file_mode(v),
            ArgType::Dev => dev(v),
            ArgType::AccessMode => xlat::ACCESS.format_flags(low32(v)),
            ArgType::ProtFlags => xlat::PROT.format_flags(v),
            ArgType::MapFlags => map_flags(v),
            ArgType::CloneFlags => clone_flags(v),
            ArgType::Signal => xlat::signal(int(v)),
            ArgType::SockFamily => xlat::AF.format_enum(low32(v)),
            ArgType::SockType => sock_type(v),
            ArgType::SockProto => self.sock_proto(v),
            ArgType::SockOptName => self.sockopt_name(v),
            ArgType::FcntlCmd => xlat::FCNTL.format_enum(low32(v)),
            ArgType::FcntlArg => self.fcntl_arg(v),
            ArgType::IoctlCmd => ioctl_cmd(v),
            ArgType::IoctlArg => self.ioctl_arg(i),
            ArgType::KeySerial => key_serial(v),
            ArgType::KeyctlArg => match low32(self.arg_value(0)) {
                // The commands whose first argument is a key.
                0 | 2..=11 | 15..=17 | 21 | 29 | 30 => key_serial(v),
                _ => hex(v),
            },
            ArgType::SyslogAction => match xlat::SYSLOG_ACTION.name(low32(v)) {
                Some(name) => format!("{} /* {name} */", int(v)),
                None => format!("{} /* SYSLOG_ACTION_??? */", int(v)),
            },
            ArgType::IpcKey if v as u32 == 0 => "IPC_PRIVATE".to_owned(),
            ArgType::IpcKey => hex(low32(v)),
            ArgType::IpcGetFlags(table) => {
                let v = low32(v);
                let mut out = String::new();
                let rest = table.push_flag_names(&mut out, v & !0o777);
                if rest != 0 {
                    if !out.is_empty() {
                        out.push('|');
                    }
                    out.push_str(&hex(rest));
                }
                if !out.is_empty() {
                    out.push('|');
                }
                out.push_str(&octal_mode(v & 0o777));
                out
            }
            ArgType::IpcCmd(table) => {
                const IPC_64: u64 = 0x100;
                let v = low32(v);
                let name = table.format_enum(v & !IPC_64);
                if v & IPC_64 != 0 {
                    format!("IPC_64|{name}")
                } else {
                    name
                }
            }
            ArgType::SemBufs { count_arg } => {
                let count = self.arg_value(count_arg);
                self.decoded(i, self.buffer(i), |b| structs::sembufs(b, count))
            }
            ArgType::Whence => xlat::WHENCE.format_enum(low32(v)),
            ArgType::FutexOp => xlat::FUTEX.format_enum(low32(v)),
            ArgType::PrctlOp => xlat::PR.format_enum(low32(v)),
            ArgType::Flags(table) => table.format_flags(low32(v)),
            ArgType::Flags64(table) => table.format_flags(v),
            ArgType::Enum(table) => table.format_enum(low32(v)),
            ArgType::EnvArray => self.env_array(i),
            ArgType::Hidden => String::new(),
            ArgType::IntOut => self.out_struct(i, structs::int_in_brackets),
            ArgType::AddrOut => self.addr_out(i),
            ArgType::SockLenInOut => self.decoded(i, self.input(i), structs::int_in_brackets),
            ArgType::Utimens => self.decoded(i, self.input(i), structs::utimens),
            ArgType::Timevals => self.decoded(i, self.input(i), structs::timevals),
            ArgType::Utimbuf => self.decoded(i, self.input(i), structs::utimbuf),
            ArgType::StackT => self.decoded(i, self.input(i), structs::stack_t),
            ArgType::StackTOut => self.out_struct(i, structs::stack_t),
            ArgType::OpenHow => self.decoded(i, self.input(i), structs::open_how),
            ArgType::CloneArgs => self.decoded(i, self.input(i), structs::clone_args),
            ArgType::SchedAttr => self.decoded(i, self.input(i), structs::sched_attr),
            ArgType::SchedAttrOut => self.out_struct(i, structs::sched_attr),
            ArgType::SchedParam => self.decoded(i, self.input(i), structs::sched_param),
            ArgType::SchedParamOut => self.out_struct(i, structs::sched_param),
            ArgType::CpuSet { .. } => self.decoded(i, self.buffer(i), structs::cpu_set),
            ArgType::CpuSetOut => self.out_struct(i, structs::cpu_set),
            ArgType::EpollEvent => self.decoded(i, self.input(i), structs::epoll_event),
            ArgType::EpollEventsOut => match self.success() {
                Some(n) => self.decoded(i, self.buffer(i), |b| structs::epoll_events(b, n)),
                None => ptr(v),
            },
            ArgType::Itimerval => self.decoded(i, self.input(i), structs::itimerval),
            ArgType::ItimervalOut => self.out_struct(i, structs::itimerval),
            ArgType::Itimerspec => self.decoded(i, self.input(i), structs::itimerspec),
            ArgType::ItimerspecOut => self.out_struct(i, structs::itimerspec),
            ArgType::RusageOut => {
                self.decoded(i, self.success().and(self.input(i)), structs::rusage)
            }
            ArgType::TimezoneOut => self.out_struct(i, structs::timezone),
            ArgType::TimeoutIn => self.decoded(i, self.input(i), sockaddr::timespec),
            ArgType::FdSet => {
                let nfds = int(self.arg_value(0));
                self.decoded(i, self.entry(i), |b| structs::fd_set(b, nfds))
            }
            ArgType::SelectTimeval => self.decoded(i, self.entry(i), structs::timeval_struct),
            ArgType::SelectTimespec => self.decoded(i, self.entry(i), sockaddr::timespec),
            ArgType::PrctlArg => hex(v),
            ArgType::Pollfds { count_arg } => {
                let count = low32(self.arg_value(count_arg));
                self.decoded(i, self.input(i), |b| structs::pollfds(b, count))
            }
            ArgType::MincoreOut { len_arg } => {
                let pages = self.arg_value(len_arg).div_ceil(PAGE_SIZE);
                self.out_struct(i, |b| structs::mincore(b, pages))
            }
            ArgType::GidArray { count_arg } => {
                let count = u64::from(int(self.arg_value(count_arg)).max(0) as u32);
                self.decoded(i, self.buffer(i), |b| structs::gids(b, count))
            }
            ArgType::GidArrayOut => match self.success() {
                Some(n) => self.decoded(i, self.buffer(i), |b| structs::gids(b, n)),
                None => ptr(v),
            },
            ArgType::Siginfo => self.decoded(i, self.input(i), structs::siginfo),
            ArgType::IntOutAtExit => self.decoded(
                i,
                self.success().and(self.input(i)),
                structs::int_in_brackets,
            ),
            ArgType::CapHeader => self.decoded(i, self.input(i), structs::cap_header),
            ArgType::CapData => self.decoded(i, self.input(i), structs::cap_data),
            ArgType::CapDataOut => self.out_struct(i, structs::cap_data),
            ArgType::SiginfoOut => self.out_struct(i, structs::siginfo),
            ArgType::OffsetInOut => self.offset_in_out(i),
            ArgType::DirentsOut { reclen_at } => match (self.success(), self.buffer(i)) {
                // All of them were read: count them.
                (Some(len), Some(b)) if b.bytes.len() as u64 == len && !b.truncated => {
                    match structs::dirent_count(b.bytes, reclen_at) {
                        Some(n) => format!("{} /* {n} entries */", ptr(v)),
                        None => ptr(v),
                    }
                }
                (Some(0), _) => format!("{} /* 0 entries */", ptr(v)),
                _ => ptr(v),
            },
            ArgType::MsgBuf { size_arg } => {
                self.decoded(i, self.buffer(i), |b| self.msgbuf(b, size_arg))
            }
            ArgType::MsgBufOut { size_arg } => self.out_struct(i, |b| self.msgbuf(b, size_arg)),
            ArgType::UtsnameOut => self.out_struct(i, |b| {
                let field_size = signatures::UTS_FIELD_SIZE as usize;
                let text = |at: usize| {
                    let bytes = b.get(at..at + field_size)?;
                    let end = bytes.iter().position(|&c| c == 0)?;
                    Some(quote::cstring(
                        CapturedBytes::new(&bytes[..end], false),
                        None,
                        self.opts.hex_strings,
                    ))
                };
                Some(format!(
                    "{{sysname={}, nodename={}, ...}}",
                    text(0)?,
                    text(field_size)?
                ))
            }),
            ArgType::Sigevent => self.decoded(i, self.input(i), structs::sigevent),
            ArgType::EnumOut(table) => self.out_struct(i, |b| {
                let value = u32::from_ne_bytes(field(b, 0)?);
                Some(format!("[{}]", table.format_enum(u64::from(value))))
            }),
            ArgType::Personality => personality(v),
            ArgType::SockOptVal { len_arg } => {
                let len = low32(self.arg_value(len_arg));
                self.decoded(i, self.buffer(i), |b| self.sockopt_value(b, len))
            }
            ArgType::SockOptValOut => {
                // The length the kernel wrote back, read at exit.
                let len = self
                    .input(i + 1)
                    .and_then(|b| field(b.bytes, 0).map(u32::from_ne_bytes));
                match (self.success(), len) {
                    (Some(_), Some(len)) => {
                        self.decoded(i, self.buffer(i), |b| self.sockopt_value(b, u64::from(len)))
                    }
                    _ => ptr(v),
                }
            }
        }
    }

    /// `{mtype=1, mtext="hi\0"}`: the text as long as argument `size_arg`,
    /// cut at `-s`.
    fn msgbuf(&self, bytes: &[u8], size_arg: usize) -> Option<String> {
        let mtype = i64::from_ne_bytes(field(bytes, 0)?);
        let text = CapturedBytes::new(bytes.get(8..)?, false);
        Some(format!(
            "{{mtype={mtype}, mtext={}}}",
            quote::buffer(
                text,
                self.arg_value(size_arg),
                self.opts.string_limit,
                self.opts.hex_strings
            )
        ))
    }

    /// An offset the call reads and updates: `[2] => [7]` (read at enter and
    /// at exit), `[2]` when the call failed.
    fn offset_in_out(&self, i: usize) -> String {
        let v = self.arg_value(i);
        let word = |b: CapturedBytes<'_>| field(b.bytes, 0).map(i64::from_ne_bytes);
        let before = self.buffer(i).and_then(word);
        let after = self.success().and(self.input(i)).and_then(word);
        match (before, after) {
            (Some(before), Some(after)) => format!("[{before}] => [{after}]"),
            (Some(before), None) => format!("[{before}]"),
            _ => ptr(v),
        }
    }

    /// execve's environment: the address and `/* N vars */`.
    fn env_array(&self, i: usize) -> String {
        let v = self.arg_value(i);
        let env = self.captured.structs.get(i).copied().flatten();
        if let (Some(pointers), Some(strings)) = (env, self.captured.env)
            && v != 0
            && let Some(items) = structs::env_strings(pointers.bytes, strings.bytes)
        {
            // Only read under -v, which shows every element (no abbreviation).
            return self.string_array(&items, usize::MAX, false);
        }
        match env.and_then(|b| structs::env_count(b.bytes)) {
            Some(n) if v != 0 => format!("{} /* {n} vars */", ptr(v)),
            _ => ptr(v),
        }
    }

    /// An address the kernel stored through argument `i`: `[0x…]`; for
    /// arch_prctl only with the GET operations (SET passes the value).
    fn addr_out(&self, i: usize) -> String {
        const ARCH_GET_GS: u64 = 0x1004;
        const ARCH_GET_FS: u64 = 0x1003;
        let v = self.arg_value(i);
        if self.rec.nr == NR_ARCH_PRCTL
            && !matches!(low32(self.arg_value(0)), ARCH_GET_FS | ARCH_GET_GS)
        {
            return hex(v);
        }
        self.out_struct(i, |b| {
            Some(format!("[{}]", ptr(u64::from_ne_bytes(field(b, 0)?))))
        })
    }

    /// ioctl's third argument for the requests strace decodes the same way
    /// everywhere; the others as strace shows an undecoded argument, in hex.
    fn ioctl_arg(&self, i: usize) -> String {
        const TCSBRK: u64 = 0x5409;
        const TIOCGPGRP: u64 = 0x540f;
        const TIOCSPGRP: u64 = 0x5410;
        const TIOCOUTQ: u64 = 0x5411;
        const TIOCGWINSZ: u64 = 0x5413;
        const TIOCSWINSZ: u64 = 0x5414;
        const FIONREAD: u64 = 0x541b;
        const FIONBIO: u64 = 0x5421;
        const FIOASYNC: u64 = 0x5452;
        let v = self.arg_value(i);
        match low32(self.arg_value(1)) {
            TCFLSH => xlat::TCFLSH_QUEUE.format_enum(v),
            TCXONC => xlat::TCXONC_ACTION.format_enum(v),
            TCSBRK => int(v).to_string(),
            FIONBIO | FIOASYNC | TIOCSPGRP => {
                self.decoded(i, self.input(i), structs::int_in_brackets)
            }
            FIONREAD | TIOCGPGRP | TIOCOUTQ => self.decoded(
                i,
                self.success().and(self.input(i)),
                structs::int_in_brackets,
            ),
            TIOCSWINSZ => self.decoded(i, self.input(i), structs::winsize),
            TIOCGWINSZ => self.decoded(i, self.success().and(self.input(i)), structs::winsize),
            _ => hex(v),
        }
    }

    /// A socket option value of `len` bytes, by level and name.
    fn sockopt_value(&self, bytes: &[u8], len: u64) -> Option<String> {
        const SOL_SOCKET: u64 = 1;
        const SO_LINGER: u64 = 13;
        let (level, name) = (low32(self.arg_value(1)), low32(self.arg_value(2)));
        match (level, name, len) {
            (SOL_SOCKET, SO_LINGER, 8) => structs::linger(bytes),
            (_, _, 4) => structs::int_in_brackets(bytes),
            _ => None,
        }
    }

    /// An iovec array argument. `result` is None for data read at enter;
    /// at exit it is the successful result (None: the call failed, and
    /// strace shows the elements' addresses).
    fn iovec(&self, i: usize, count_arg: usize, result: Option<Option<u64>>) -> String {
        let v = self.arg_value(i);
        if v == 0 {
            return ptr(v);
        }
        if self.captured.iov.is_empty() && !self.captured.iov_truncated {
            // Nothing was readable, or there is nothing to read.
            return if self.arg_value(count_arg) == 0 {
                "[]".to_owned()
            } else {
                ptr(v)
            };
        }
        self.iov_elements(result)
    }

    /// `[{iov_base="...", iov_len=N}, ...]`: at most `-s` elements, and the
    /// data of each cut at `-s` bytes; at exit only the result's worth of data.
    fn iov_elements(&self, result: Option<Option<u64>>) -> String {
        let limit = self.opts.string_limit;
        let mut left = match result {
            None => u64::MAX,
            Some(total) => total.unwrap_or(0),
        };
        let failed = result == Some(None);
        let mut items: Vec<String> = self
            .captured
            .iov
            .iter()
            .take(limit)
            .map(|iov| {
                let base = if failed || iov.unreadable {
                    ptr(iov.base)
                } else {
                    let real = iov.len.min(left);
                    left -= real;
                    quote::buffer(iov.data, real, limit, self.opts.hex_strings)
                };
                format!("{{iov_base={base}, iov_len={}}}", iov.len)
            })
            .collect();
        if self.captured.iov.len() > limit || self.captured.iov_truncated {
            items.push("...".to_owned());
        }
        format!("[{}]", items.join(", "))
    }

    /// A `struct msghdr`, as strace prints it. `result` is the successful
    /// result at exit (recvmsg), None at enter (sendmsg). Ancillary data is
    /// shown as its address.
    fn msghdr(&self, i: usize, result: Option<u64>) -> String {
        let v = self.arg_value(i);
        let Some(header) = self.captured.msghdr.filter(|h| h.len() >= 56 && v != 0) else {
            return ptr(v);
        };
        // The length was checked above: every field is there.
        let word = |at: usize| field(header, at).map_or(0, u64::from_ne_bytes);
        let int = |at: usize| field(header, at).map_or(0, i32::from_ne_bytes);
        let (name, namelen, iov, iovlen) = (word(0), int(8), word(16), word(24));
        let (control, controllen, flags) = (word(32), word(40), int(48));
        let name = match (name, self.captured.address) {
            (0, _) => ptr(0),
            (_, Some(bytes)) => {
                sockaddr::sockaddr(bytes.bytes, usize::try_from(namelen).unwrap_or(0))
                    .unwrap_or_else(|| ptr(name))
            }
            (_, None) => ptr(name),
        };
        let iov = if iov == 0 {
            ptr(0)
        } else if self.captured.iov.is_empty() && !self.captured.iov_truncated {
            if iovlen == 0 {
                "[]".to_owned()
            } else {
                ptr(iov)
            }
        } else {
            self.iov_elements(result.map(Some))
        };
        let control = if control != 0 && controllen != 0 {
            format!("msg_control={}, ", ptr(control))
        } else {
            String::new()
        };
        format!(
            "{{msg_name={name}, msg_namelen={namelen}, msg_iov={iov}, msg_iovlen={iovlen}, {control}msg_controllen={controllen}, msg_flags={}}}",
            xlat::MSG.format_flags(flags as u32 as u64)
        )
    }

    /// sendmmsg's and recvmmsg's array when the call handled its only
    /// element, the one read: `[{msg_hdr={...}, msg_len=2}]`; else the
    /// pointer. A received message's data is cut at its `msg_len`.
    fn mmsghdrs(&self, i: usize, count_arg: usize, received: bool) -> String {
        let v = self.arg_value(i);
        let one = self.success() == Some(1) && low32(self.arg_value(count_arg)) == 1;
        let msg_len = self
            .input(i)
            .filter(|_| one && self.captured.msghdr.is_some())
            .and_then(|b| field(b.bytes, 56).map(u32::from_ne_bytes));
        let Some(msg_len) = msg_len else {
            return ptr(v);
        };
        let header = self.msghdr(i, received.then_some(u64::from(msg_len)));
        format!("[{{msg_hdr={header}, msg_len={msg_len}}}]")
    }

    /// socket(2) protocol, named by the family in argument 0.
    fn sock_proto(&self, v: u64) -> String {
        match low32(self.arg_value(0)) {
            2 | 10 => xlat::IPPROTO.format_enum(low32(v)),
            16 => xlat::NETLINK.format_enum(low32(v)),
            // The protocol is in network byte order.
            17 => format!(
                "htons({})",
                xlat::ETH_P.format_enum(u64::from((v as u16).swap_bytes()))
            ),
            _ => v.to_string(),
        }
    }

    /// setsockopt/getsockopt option name, named by the level in argument 1.
    fn sockopt_name(&self, v: u64) -> String {
        let table = match low32(self.arg_value(1)) {
            0 => &xlat::IP_OPT,
            1 => &xlat::SO,
            6 => &xlat::TCP_OPT,
            41 => &xlat::IPV6_OPT,
            270 => &xlat::NETLINK_OPT,
            _ => return (v as u32).to_string(),
        };
        table.format_enum(low32(v))
    }

    /// fcntl's third argument, by command.
    fn fcntl_arg(&self, v: u64) -> String {
        match low32(self.arg_value(1)) {
            2 => xlat::FD_FLAGS.format_flags(low32(v)),
            4 => open_flags(v),
            0 | 8 | 1027 | 1030 | 1031 => int(v).to_string(),
            10 => xlat::signal(int(v)),
            1024 => xlat::LEASE.format_enum(low32(v)),
            1026 => xlat::DNOTIFY.format_flags(v),
            1033 => xlat::SEALS.format_flags(v),
            // Locks: read at exit, which for the getters is the answer.
            cmd @ (5 | 6 | 7 | 36 | 37 | 38) => {
                let getter = matches!(cmd, 5 | 36);
                let bytes = if getter {
                    self.success().and(self.input(2))
                } else {
                    self.input(2)
                };
                self.decoded(2, bytes, |b| structs::flock(b, getter))
            }
            _ => hex(v),
        }
    }

    /// How many of the table's arguments strace shows for this record.
    fn visible_args(&self) -> usize {
        let n = self.sig.args.len();
        match self.rec.nr {
            NR_OPEN | NR_OPENAT => {
                let flags_at = usize::from(self.rec.nr == NR_OPENAT) + 1;
                if self.arg_value(flags_at) & (O_CREAT | O_TMPFILE_BIT) == 0 {
                    flags_at + 1
                } else {
                    n
                }
            }
            NR_MQ_OPEN if self.arg_value(1) & O_CREAT == 0 => 2,
            // The device only matters for device nodes.
            NR_MKNOD | NR_MKNODAT => {
                let mode_at = usize::from(self.rec.nr == NR_MKNODAT) + 1;
                match self.arg_value(mode_at) & S_IFMT {
                    S_IFCHR | S_IFBLK => n,
                    _ => mode_at + 1,
                }
            }
            // The new address only with MREMAP_FIXED.
            NR_MREMAP if self.arg_value(3) & 2 == 0 => 4,
            // Only the reading actions have a buffer and a length.
            NR_SYSLOG if !matches!(low32(self.arg_value(0)), 2..=4 | 8) => 1,
            // KEYCTL_GET_KEYRING_ID(key, create).
            NR_KEYCTL if low32(self.arg_value(0)) == 0 => 3,
            // The CPU only with MEMBARRIER_CMD_FLAG_CPU.
            NR_MEMBARRIER if self.arg_value(1) & 1 == 0 => 2,
            // FIOCLEX and FIONCLEX take no argument.
            NR_IOCTL if matches!(low32(self.arg_value(1)), 0x5450 | 0x5451) => 2,
            // ARCH_GET_CPUID takes none either.
            NR_ARCH_PRCTL if low32(self.arg_value(0)) == 0x1011 => 1,
            NR_FCNTL => match low32(self.arg_value(1)) {
                F_GETFD | F_GETFL | F_GETOWN | F_GETSIG | F_GETLEASE | F_GETPIPE_SZ
                | F_GET_SEALS => 2,
                _ => n,
            },
            _ => n,
        }
    }

    fn futex(&self) -> Vec<String> {
        let a = |i| self.arg_value(i);
        let val = || low32(a(2)).to_string();
        let val2 = || low32(a(3)).to_string();
        let timeout = || self.decoded(3, self.input(3), sockaddr::timespec);
        let mut out = vec![ptr(a(0)), xlat::FUTEX.format_enum(low32(a(1)))];
        let rest: Vec<String> = match a(1) & 127 {
            0 => vec![val(), timeout()],
            6 | 13 => vec![timeout()],
            9 => vec![
                val(),
                timeout(),
                enum_or_hex(&xlat::FUTEX_BITSET, low32(a(5))),
            ],
            10 => vec![val(), enum_or_hex(&xlat::FUTEX_BITSET, low32(a(5)))],
            3 => vec![val(), val2(), ptr(a(4))],
            4 | 12 => vec![val(), val2(), ptr(a(4)), low32(a(5)).to_string()],
            5 => vec![val(), val2(), ptr(a(4)), futex_wake_op(low32(a(5)))],
            11 => vec![val(), timeout(), ptr(a(4))],
            1 | 2 => vec![val()],
            7 | 8 => vec![],
            _ => vec![val(), ptr(a(3)), ptr(a(4)), hex(low32(a(5)))],
        };
        out.extend(rest);
        out
    }

    /// prctl(2), whose arguments depend on the option (strace's prctl.c);
    /// options without a dedicated form show all four in hex.
    fn prctl(&self) -> Vec<String> {
        let a = |i| self.arg_value(i);
        let option = low32(a(0));
        let mut out = vec![xlat::PR.format_enum(option)];
        // What the second argument points at, read at exit.
        let pointed = |decode: fn(&[u8]) -> Option<String>| self.out_struct(1, decode);
        let name = |b: &[u8]| {
            let end = b.iter().position(|&c| c == 0)?;
            Some(quote::cstring(
                CapturedBytes::new(&b[..end], false),
                None,
                self.opts.hex_strings,
            ))
        };
        let rest: Vec<String> = match option {
            // No arguments, or only a result.
            3 | 7 | 13 | 21 | 27 | 30 | 31 | 32 => vec![],
            1 => vec![xlat::signal(int(a(1)))],
            2 => vec![pointed(|b| {
                let sig = i32::from_ne_bytes(field(b, 0)?);
                Some(format!("[{}]", xlat::signal(sig)))
            })],
            5 | 9 | 11 | 19 | 25 | 37 => vec![pointed(structs::int_in_brackets)],
            15 | 16 => vec![self.decoded(1, self.success().and(self.buffer(1)), name)],
            8 | 10 | 12 | 14 | 20 | 36 => vec![a(1).to_string()],
            29 => vec![(a(1) as i64).to_string()],
            38 | 41 | 57 => vec![a(1).to_string(), hex(a(2)), hex(a(3)), hex(a(4))],
            4 => vec![xlat::SUID_DUMP.format_enum(a(1))],
            22 => match a(1) {
                1 => vec![xlat::SECCOMP_MODE.format_enum(1)],
                2 => vec![xlat::SECCOMP_MODE.format_enum(2), ptr(a(2))],
                m => vec![
                    xlat::SECCOMP_MODE.format_enum(m),
                    hex(a(2)),
                    hex(a(3)),
                    hex(a(4)),
                ],
            },
            23 | 24 => vec![xlat::CAP.format_enum(a(1))],
            _ => (1..5).map(|i| hex(a(i))).collect(),
        };
        out.extend(rest);
        out
    }

    /// x86_64 clone(flags, stack, parent_tid, child_tid, tls), in strace's
    /// named form. The first two are known at enter.
    fn clone(&self) -> Vec<String> {
        let a = |i| self.arg_value(i);
        let flags = a(0) & !CSIGNAL;
        let mut out = vec![
            format!("child_stack={}", ptr(a(1))),
            format!("flags={}", clone_flags(a(0))),
        ];
        if flags & (CLONE_PARENT_SETTID | CLONE_PIDFD) != 0 {
            out.push(format!("parent_tid={}", ptr(a(2))));
        }
        if flags & CLONE_SETTLS != 0 {
            out.push(format!("tls={}", ptr(a(4))));
        }
        if flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID) != 0 {
            out.push(format!("child_tidptr={}", ptr(a(3))));
        }
        out
    }

    fn decode(&self) -> Vec<String> {
        match self.rec.nr {
            NR_FUTEX => self.futex(),
            NR_CLONE => self.clone(),
            NR_PRCTL => self.prctl(),
            _ => (0..self.visible_args())
                .filter(|&i| self.sig.args.get(i) != Some(&ArgType::Hidden))
                .map(|i| self.arg(i))
                .collect(),
        }
    }

    /// How many decoded arguments strace prints before `<unfinished ...>`:
    /// everything up to the first value only known at exit.
    fn enter_args(&self, decoded: usize) -> usize {
        if self.rec.nr == NR_CLONE {
            return decoded.min(2);
        }
        if matches!(self.rec.nr, NR_FUTEX | NR_PRCTL) {
            return decoded;
        }
        self.sig
            .args
            .iter()
            .take(decoded)
            .position(|t| t.is_exit_value())
            .unwrap_or(decoded)
    }
}

fn ctx<'r, 'c, 'a>(
    rec: &'r SyscallRecord,
    sig: &'static Signature,
    captured: &'c Captured<'a>,
    opts: &'c DecodeOptions,
) -> Ctx<'r, 'c, 'a> {
    Ctx {
        rec,
        sig,
        captured,
        opts,
        plan: signatures::strings_to_capture(rec.nr),
    }
}

/// strace's text for each argument shown. Some calls show fewer arguments
/// than the kernel takes (`openat` without `O_CREAT` has no mode, `fcntl`
/// getters no third argument); `clone` uses strace's `name=value` form.
/// Unknown syscalls show all six registers in hex.
pub fn decode_args(
    rec: &SyscallRecord,
    captured: &Captured<'_>,
    opts: &DecodeOptions,
) -> Vec<String> {
    match signatures::signature(rec.nr) {
        Some(sig) => ctx(rec, sig, captured, opts).decode(),
        None => rec
            .args
            .iter()
            .take(arg_count(rec.nr))
            .map(|&v| hex(v))
            .collect(),
    }
}

/// strace's text after `= `: `3`, `0x7f12…` for addresses, `-1 ENOENT (No
/// such file or directory)` for errors, `?` when the call never returned,
/// plus fcntl's `0x8002 (flags O_RDWR|O_LARGEFILE)` annotations.
pub fn decode_return(rec: &SyscallRecord) -> String {
    let ret = match rec.result {
        SyscallResult::Returned(r) => r,
        SyscallResult::NoReturn | SyscallResult::Unfinished => return "?".to_owned(),
    };
    if let Some(e) = rec.result.errno() {
        let mut out = String::new();
        text::push_error(&mut out, e);
        return out;
    }
    let u = ret as u64;
    if rec.nr == NR_FCNTL {
        let cmd = low32(rec.args[1]);
        match cmd {
            F_GETFL => return format!("{} (flags {})", hex(u), open_flags(u)),
            F_GETFD if u != 0 => {
                return format!("{} (flags {})", hex(u), xlat::FD_FLAGS.format_flags(u));
            }
            F_GETLEASE => {
                return match xlat::LEASE.name(u) {
                    Some(n) => format!("{} ({n})", hex(u)),
                    None => hex(u),
                };
            }
            F_GET_SEALS if u != 0 => {
                return format!("{} (seals {})", hex(u), xlat::SEALS.format_flags(u));
            }
            F_GETSIG if u != 0 => return format!("{ret} ({})", xlat::signal(int(u))),
            _ => {}
        }
    }
    if rec.nr == NR_PRCTL
        && low32(rec.args[0]) == PR_GET_DUMPABLE
        && let Some(name) = xlat::SUID_DUMP.name(u)
    {
        return format!("{ret} ({name})");
    }
    match signatures::signature(rec.nr).map(|s| s.ret) {
        Some(RetType::Ptr) => hex(u),
        Some(RetType::Hex) => hex(u),
        Some(RetType::Octal) if u == 0 => "0".to_owned(),
        Some(RetType::Octal) => format!("0{u:o}"),
        Some(RetType::Named(table)) => match table.name(u) {
            Some(name) => format!("{ret} ({name})"),
            None => ret.to_string(),
        },
        Some(RetType::HexFlags(table)) if u != 0 => {
            format!("{} ({})", hex(u), table.format_flags(u))
        }
        Some(RetType::Personality) => format!("{} ({})", hex(u), personality(u)),
        Some(RetType::Time) => format!("{ret} ({}+0000)", structs::utc_date(ret)),
        Some(RetType::Ready) if ret == 0 => "0 (Timeout)".to_owned(),
        Some(RetType::Signal) => format!("{ret} ({})", xlat::signal(int(u))),
        Some(RetType::Int | RetType::Fd | RetType::HexFlags(_) | RetType::Ready) | None => {
            ret.to_string()
        }
    }
}

/// [`decode_return`] plus what strace adds from the memory the call
/// changed: poll's ready fds (`1 ([{fd=4, revents=POLLOUT}])`), select's
/// ready sets and time left (`1 (out [4], left {tv_sec=0, tv_usec=120})`).
pub fn decode_return_with(rec: &SyscallRecord, captured: &Captured<'_>) -> String {
    let plain = decode_return(rec);
    if let SyscallResult::Returned(ready) = rec.result
        && ready > 0
        && let Some(ready_sets) = select_ready(rec, captured, ready as u64)
    {
        return format!("{plain} ({ready_sets})");
    }
    let polled = rec.nr == NR_POLL && matches!(rec.result, SyscallResult::Returned(n) if n > 0);
    let revents = captured
        .structs
        .first()
        .copied()
        .flatten()
        .filter(|_| polled)
        .and_then(|b| structs::poll_revents(b.bytes, low32(rec.args[1])));
    match revents {
        Some(revents) => format!("{plain} ({revents})"),
        None => plain,
    }
}

/// What select or pselect6 left: `in [..], out [..], except [..]`, non-empty
/// sets only, at most `ready` fds in all, then `left` and the timeout.
fn select_ready(rec: &SyscallRecord, captured: &Captured<'_>, ready: u64) -> Option<String> {
    let left: fn(&[u8]) -> Option<String> = match signatures::signature(rec.nr)?.args.get(4) {
        Some(ArgType::SelectTimeval) => structs::timeval_struct,
        Some(ArgType::SelectTimespec) => sockaddr::timespec,
        _ => return None,
    };
    let nfds = int(rec.args[0]);
    let mut parts = Vec::new();
    let mut budget = ready;
    for (i, name) in [(1, "in"), (2, "out"), (3, "except")] {
        if budget == 0 {
            break;
        }
        let Some(set) = captured.structs[i].filter(|_| rec.args[i] != 0) else {
            continue;
        };
        let fds: Vec<String> = structs::fd_set_members(set.bytes, nfds)
            .take(usize::try_from(budget).unwrap_or(usize::MAX))
            .map(|fd| fd.to_string())
            .collect();
        budget -= fds.len() as u64;
        if !fds.is_empty() {
            parts.push(format!("{name} [{}]", fds.join(" ")));
        }
    }
    if rec.args[4] != 0
        && let Some(time) = captured.structs[4].and_then(|b| left(b.bytes))
    {
        parts.push(format!("left {time}"));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// A full strace line with decoded arguments: `[pid N] ` when asked,
/// `name(args) = ret`, and ` <secs>` with `show_duration`. Unfinished calls
/// stop where strace does, before the first argument only known at exit.
pub fn format_decoded_line(
    rec: &SyscallRecord,
    captured: &Captured<'_>,
    opts: &TextOptions,
    dopts: &DecodeOptions,
) -> String {
    format_line_with_return(
        rec,
        &decode_args(rec, captured, dopts),
        &decode_return_with(rec, captured),
        opts,
    )
}

/// [`format_decoded_line`] for arguments decoded elsewhere (by the daemon,
/// from [`decode_args`]).
pub fn format_line_with_args(rec: &SyscallRecord, args: &[String], opts: &TextOptions) -> String {
    format_line_with_return(rec, args, &decode_return(rec), opts)
}

/// [`format_line_with_args`] with the text after `= ` given (annotated with
/// an fd's path under `-y`).
pub fn format_line_with_return(
    rec: &SyscallRecord,
    args: &[String],
    returned: &str,
    opts: &TextOptions,
) -> String {
    let mut line = String::with_capacity(128);
    text::push_prefix(&mut line, rec, opts);
    line.push_str(&rec.name());
    line.push('(');
    match rec.result {
        SyscallResult::Unfinished => {
            let nothing = Captured::default();
            let shown = signatures::signature(rec.nr).map_or(args.len(), |sig| {
                ctx(rec, sig, &nothing, &DecodeOptions::default()).enter_args(args.len())
            });
            line.push_str(&args[..shown].join(", "));
            // strace has already printed the separator before an exit-time
            // argument, but clone's exit-time arguments are optional.
            if shown < args.len() && shown > 0 && rec.nr != NR_CLONE {
                line.push_str(", ");
            }
            line.push_str(" <unfinished ...>");
            return line;
        }
        SyscallResult::NoReturn => {
            line.push_str(&args.join(", "));
            line.push(')');
            text::push_result_separator(&mut line, opts);
            line.push('?');
            return line;
        }
        SyscallResult::Returned(_) => {}
    }
    line.push_str(&args.join(", "));
    line.push(')');
    text::push_result_separator(&mut line, opts);
    line.push_str(returned);
    if opts.show_duration {
        text::push_duration(&mut line, rec.duration_nanos);
    }
    line
}

/// Bytes as strace quotes them (`"ab\n\0"`), for captured data in JSON.
pub fn escape_bytes(bytes: &[u8]) -> String {
    quote::quote(bytes, false)
}

/// Owned bytes read from the tracee (see [`CapturedBytes`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct OwnedBytes {
    pub bytes: Vec<u8>,
    pub truncated: bool,
}

impl OwnedBytes {
    pub fn borrowed(&self) -> CapturedBytes<'_> {
        CapturedBytes::new(&self.bytes, self.truncated)
    }
}

/// The owned form of [`Captured`], assembled by the daemon from the kernel's
/// payload records.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct CapturedData {
    pub strings: [Option<OwnedBytes>; 6],
    pub buffer: Option<(usize, OwnedBytes)>,
    pub argv: Vec<OwnedBytes>,
    /// The argument the argv array was read through.
    pub argv_arg: usize,
    pub argv_truncated: bool,
    pub address: Option<(usize, OwnedBytes)>,
    pub iov: Vec<OwnedIov>,
    /// The argument the iovec array (or msghdr) was read through.
    pub iov_arg: usize,
    pub iov_truncated: bool,
    pub msghdr: Option<Vec<u8>>,
    pub structs: [Option<OwnedBytes>; 6],
    pub entry: [Option<OwnedBytes>; 6],
    pub env: Option<OwnedBytes>,
}

/// The owned form of [`CapturedIov`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct OwnedIov {
    pub base: u64,
    pub len: u64,
    pub data: OwnedBytes,
    pub unreadable: bool,
}

impl CapturedData {
    pub fn is_empty(&self) -> bool {
        self.strings.iter().all(Option::is_none)
            && self.buffer.is_none()
            && self.argv.is_empty()
            && !self.argv_truncated
            && self.address.is_none()
            && self.iov.is_empty()
            && !self.iov_truncated
            && self.msghdr.is_none()
            && self.structs.iter().all(Option::is_none)
            && self.entry.iter().all(Option::is_none)
            && self.env.is_none()
    }

    pub fn borrowed(&self) -> Captured<'_> {
        Captured {
            strings: std::array::from_fn(|i| self.strings[i].as_ref().map(OwnedBytes::borrowed)),
            buffer: self.buffer.as_ref().map(|(_, b)| b.borrowed()),
            argv: self.argv.iter().map(OwnedBytes::borrowed).collect(),
            argv_truncated: self.argv_truncated,
            address: self.address.as_ref().map(|(_, b)| b.borrowed()),
            iov: self
                .iov
                .iter()
                .map(|iov| CapturedIov {
                    base: iov.base,
                    len: iov.len,
                    data: iov.data.borrowed(),
                    unreadable: iov.unreadable,
                })
                .collect(),
            iov_truncated: self.iov_truncated,
            msghdr: self.msghdr.as_deref(),
            structs: std::array::from_fn(|i| self.structs[i].as_ref().map(OwnedBytes::borrowed)),
            entry: std::array::from_fn(|i| self.entry[i].as_ref().map(OwnedBytes::borrowed)),
            env: self.env.as_ref().map(OwnedBytes::borrowed),
        }
    }
}

#[cfg(test)]
mod tests;
