//! strace-like text lines.

use std::fmt::Write as _;

use crate::errno;
use crate::record::{SyscallRecord, SyscallResult, arg_count};

/// What to add around the bare `name(args) = result`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TextOptions {
    /// Prefix `[pid N] ` with the thread id, as `strace -f` does.
    pub show_pid: bool,
    /// Suffix ` <0.000012>` (seconds), as `strace -T` does.
    pub show_duration: bool,
    /// strace's `-t`/`-tt`/`-ttt`/`-r` column, after the pid.
    pub timestamps: Timestamps,
    /// Local time's offset from UTC, for `-t` and `-tt` (strace prints
    /// local wall-clock time).
    pub utc_offset_secs: i64,
    /// Pad before ` = result` as strace does (see [`push_result_separator`]).
    pub align_results: bool,
    /// strace `-f -o FILE`'s column instead of `[pid N] `: every line
    /// starts with the thread id, `%-5d `.
    pub pid_column: bool,
}

/// The column where strace puts a result's `=` (its `acolumn`, 40 by default).
pub const RESULT_COLUMN: usize = 40;

/// What goes between a call's `)` and its result: strace prints `) `, then
/// pads the line (pid and timestamp columns included) with spaces to
/// [`RESULT_COLUMN`], then `= `. Without alignment, ` = `.
pub fn push_result_separator(line: &mut String, opts: &TextOptions) {
    line.push(' ');
    if opts.align_results {
        let width = line.len();
        if width < RESULT_COLUMN {
            line.extend(std::iter::repeat_n(' ', RESULT_COLUMN - width));
        }
    }
    line.push_str("= ");
}

/// strace's timestamp column.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Timestamps {
    #[default]
    None,
    /// `-t`: `HH:MM:SS`.
    Time,
    /// `-tt`: `HH:MM:SS.uuuuuu`.
    TimeMicros,
    /// `-ttt`: Unix seconds with microseconds.
    Unix,
    /// `-r`: seconds since the previous call's entry, `%6u.%06u`.
    /// `previous_nanos` is that entry (None before the first line).
    Relative { previous_nanos: Option<u64> },
}

/// The timestamp column of a call that entered at `timestamp_nanos` (Unix
/// time), with its trailing space; empty without `-t`/`-r`.
pub fn timestamp_prefix(timestamp_nanos: u64, opts: &TextOptions) -> String {
    let secs = timestamp_nanos / 1_000_000_000;
    let micros = timestamp_nanos % 1_000_000_000 / 1_000;
    let clock = || {
        let local = (secs as i64)
            .saturating_add(opts.utc_offset_secs)
            .rem_euclid(86_400);
        format!(
            "{:02}:{:02}:{:02}",
            local / 3600,
            local / 60 % 60,
            local % 60
        )
    };
    match opts.timestamps {
        Timestamps::None => String::new(),
        Timestamps::Time => format!("{} ", clock()),
        Timestamps::TimeMicros => format!("{}.{micros:06} ", clock()),
        Timestamps::Unix => format!("{secs}.{micros:06} "),
        Timestamps::Relative { previous_nanos } => {
            let delta = previous_nanos.map_or(0, |p| timestamp_nanos.saturating_sub(p));
            format!(
                "{:6}.{:06} ",
                delta / 1_000_000_000,
                delta % 1_000_000_000 / 1_000
            )
        }
    }
}

/// What goes before the call's name: `[pid N] ` and the timestamp column.
pub(crate) fn push_prefix(line: &mut String, rec: &SyscallRecord, opts: &TextOptions) {
    line.push_str(&line_prefix(rec.tid, rec.timestamp_nanos, opts));
}

/// The columns before a line of thread `tid` at `timestamp_nanos`: `[pid N] `
/// and the timestamp (also before `+++` and `---` lines).
pub fn line_prefix(tid: u32, timestamp_nanos: u64, opts: &TextOptions) -> String {
    let mut prefix = String::new();
    if opts.pid_column {
        let _ = write!(prefix, "{tid:<5} ");
    } else if opts.show_pid {
        // strace: `[pid %5u] `.
        let _ = write!(prefix, "[pid {tid:5}] ");
    }
    prefix.push_str(&timestamp_prefix(timestamp_nanos, opts));
    prefix
}

/// strace's `-e read=`/`-e write=` dump of `data`, one line per 16 bytes,
/// each ending in a newline: ` | 00000  61 62 …  ab.c |`.
pub fn hex_dump(data: &[u8]) -> String {
    let offset_width = format!("{:x}", data.len().saturating_sub(1)).len().max(5);
    let mut out = String::new();
    for (row, chunk) in data.chunks(16).enumerate() {
        let _ = write!(out, " | {:0offset_width$x}  ", row * 16);
        for i in 0..16 {
            match chunk.get(i) {
                Some(byte) => {
                    let _ = write!(out, "{byte:02x} ");
                }
                None => out.push_str("   "),
            }
            if i == 7 {
                out.push(' ');
            }
        }
        out.push(' ');
        for i in 0..16 {
            out.push(match chunk.get(i) {
                Some(&c) if (0x20..=0x7e).contains(&c) => char::from(c),
                Some(_) => '.',
                None => ' ',
            });
        }
        out.push_str(" |\n");
    }
    out
}

/// Kernel-internal restart codes, for which strace prints `= ?` instead of
/// `= -1`: the caller never sees them, the call is restarted or turns into EINTR.
const ERESTARTSYS: i32 = 512;
const ERESTARTNOINTR: i32 = 513;
const ERESTARTNOHAND: i32 = 514;
const ERESTART_RESTARTBLOCK: i32 = 516;

/// One argument as shown before decoding: hex, with `0` for zero (strace's `%#x`).
pub fn format_arg(value: u64) -> String {
    let mut out = String::new();
    push_hex(&mut out, value);
    out
}

/// C's `%#llx`, which (unlike Rust's `{:#x}`) prints zero without the prefix.
fn push_hex(out: &mut String, value: u64) {
    if value == 0 {
        out.push('0');
    } else {
        let _ = write!(out, "{value:#x}");
    }
}

/// Syscalls whose success value is an address (mmap, brk, mremap, shmat);
/// strace prints those in hex.
fn returns_pointer(nr: u32) -> bool {
    matches!(nr, 9 | 12 | 25 | 30)
}

/// One strace-like line, without the trailing newline.
pub fn format_line(rec: &SyscallRecord, opts: &TextOptions) -> String {
    let mut line = String::with_capacity(96);
    push_prefix(&mut line, rec, opts);
    line.push_str(&rec.name());
    line.push('(');
    for (i, &arg) in rec.args.iter().take(arg_count(rec.nr)).enumerate() {
        if i > 0 {
            line.push_str(", ");
        }
        push_hex(&mut line, arg);
    }

    let ret = match rec.result {
        SyscallResult::Unfinished => {
            line.push_str(" <unfinished ...>");
            return line;
        }
        // No duration either: the call never completed.
        SyscallResult::NoReturn => {
            line.push(')');
            push_result_separator(&mut line, opts);
            line.push('?');
            return line;
        }
        SyscallResult::Returned(ret) => ret,
    };

    line.push(')');
    push_result_separator(&mut line, opts);
    match rec.result.errno() {
        Some(e) => push_error(&mut line, e),
        None if returns_pointer(rec.nr) => {
            // Reinterpret the register bits: addresses are unsigned.
            push_hex(&mut line, ret as u64);
        }
        None => {
            let _ = write!(line, "{ret}");
        }
    }

    if opts.show_duration {
        push_duration(&mut line, rec.duration_nanos);
    }
    line
}

/// strace's text for a failed call: `-1 ENOENT (No such file or directory)`,
/// or `? ERESTARTSYS (...)` for the restart codes the caller never sees.
pub(crate) fn push_error(line: &mut String, e: i32) {
    match e {
        ERESTARTSYS | ERESTARTNOINTR | ERESTARTNOHAND | ERESTART_RESTARTBLOCK => {
            let name = errno::name(e).unwrap_or_default();
            let msg = errno::message(e).unwrap_or_default();
            let _ = write!(line, "? {name} ({msg})");
        }
        _ => match (errno::name(e), errno::message(e)) {
            (Some(name), Some(msg)) => {
                let _ = write!(line, "-1 {name} ({msg})");
            }
            // glibc's strerror text for codes it does not know.
            (Some(name), None) => {
                let _ = write!(line, "-1 {name} (Unknown error {e})");
            }
            (None, _) => {
                let _ = write!(line, "-1 (errno {e})");
            }
        },
    }
}

/// strace -T's ` <0.000012>`, truncated to microseconds as strace does.
pub(crate) fn push_duration(line: &mut String, nanos: u64) {
    let _ = write!(
        line,
        " <{}.{:06}>",
        nanos / 1_000_000_000,
        nanos % 1_000_000_000 / 1_000
    );
}

/// strace's `-e read=`/`-e write=` dump of an iovec call (readv, writev):
/// for each element, ` * N bytes in buffer I` and its data, the call's
/// `transferred` bytes shared out in order. `iovs` holds each element's
/// length and the bytes captured of it.
pub fn iov_dump(iovs: &[(u64, &[u8])], transferred: u64) -> String {
    let mut left = transferred;
    let mut out = String::new();
    for (i, &(len, data)) in iovs.iter().enumerate() {
        let n = len.min(left);
        left -= n;
        let _ = writeln!(out, " * {n} bytes in buffer {i}");
        out.push_str(&hex_dump(
            &data[..data.len().min(usize::try_from(n).unwrap_or(usize::MAX))],
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(nr: u32, args: [u64; 6], result: SyscallResult) -> SyscallRecord {
        SyscallRecord {
            nr,
            args,
            result,
            timestamp_nanos: 1_000,
            duration_nanos: 12_345,
            pid: 100,
            tid: 101,
            cpu: 2,
            lamport: 7,
        }
    }

    const PLAIN: TextOptions = TextOptions {
        show_pid: false,
        show_duration: false,
        timestamps: Timestamps::None,
        utc_offset_secs: 0,
        align_results: false,
        pid_column: false,
    };

    #[test]
    fn ok_line() {
        let r = rec(
            0,
            [3, 0x7ffd_1234_5678, 0x340, 9, 9, 9],
            SyscallResult::Returned(832),
        );
        assert_eq!(
            format_line(&r, &PLAIN),
            "read(0x3, 0x7ffd12345678, 0x340) = 832"
        );
        let timed = TextOptions {
            show_duration: true,
            ..PLAIN
        };
        assert_eq!(
            format_line(&r, &timed),
            "read(0x3, 0x7ffd12345678, 0x340) = 832 <0.000012>"
        );
        let long = SyscallRecord {
            duration_nanos: 2_500_000_999,
            ..r
        };
        assert!(format_line(&long, &timed).ends_with(" <2.500000>"));
    }

    #[test]
    fn zero_args_and_zero_values() {
        let r = rec(39, [5; 6], SyscallResult::Returned(42));
        assert_eq!(format_line(&r, &PLAIN), "getpid() = 42");
        let r = rec(3, [0; 6], SyscallResult::Returned(0));
        assert_eq!(format_line(&r, &PLAIN), "close(0) = 0");
    }

    #[test]
    fn error_line() {
        let r = rec(
            257,
            [0xffff_ff9c, 0x5555_0000, 0, 0, 0, 0],
            SyscallResult::Returned(-2),
        );
        assert_eq!(
            format_line(&r, &PLAIN),
            "openat(0xffffff9c, 0x55550000, 0, 0) = -1 ENOENT (No such file or directory)"
        );
        let r = rec(16, [1, 2, 3, 0, 0, 0], SyscallResult::Returned(-515));
        assert_eq!(
            format_line(&r, &PLAIN),
            "ioctl(0x1, 0x2, 0x3) = -1 ENOIOCTLCMD (Unknown error 515)"
        );
        let r = rec(16, [1, 2, 3, 0, 0, 0], SyscallResult::Returned(-519));
        assert_eq!(
            format_line(&r, &PLAIN),
            "ioctl(0x1, 0x2, 0x3) = -1 (errno 519)"
        );
    }

    #[test]
    fn restart_line() {
        let r = rec(0, [3, 1, 1, 0, 0, 0], SyscallResult::Returned(-512));
        let timed = TextOptions {
            show_duration: true,
            ..PLAIN
        };
        assert_eq!(
            format_line(&r, &timed),
            "read(0x3, 0x1, 0x1) = ? ERESTARTSYS (To be restarted if SA_RESTART is set) <0.000012>"
        );
    }

    #[test]
    fn noreturn_line() {
        let r = rec(231, [0; 6], SyscallResult::NoReturn);
        let all = TextOptions {
            show_pid: true,
            show_duration: true,
            ..PLAIN
        };
        assert_eq!(format_line(&r, &all), "[pid   101] exit_group(0) = ?");
    }

    #[test]
    fn unfinished_line() {
        let r = rec(
            61,
            [u64::MAX, 0x7ffc, 0, 0, 0, 0],
            SyscallResult::Unfinished,
        );
        assert_eq!(
            format_line(&r, &PLAIN),
            "wait4(0xffffffffffffffff, 0x7ffc, 0, 0 <unfinished ...>"
        );
    }

    #[test]
    fn pointer_returns() {
        let r = rec(
            9,
            [0, 0x2000, 3, 0x22, u64::MAX, 0],
            SyscallResult::Returned(0x7f12_9832_b000),
        );
        assert_eq!(
            format_line(&r, &PLAIN),
            "mmap(0, 0x2000, 0x3, 0x22, 0xffffffffffffffff, 0) = 0x7f129832b000"
        );
        let r = rec(12, [0; 6], SyscallResult::Returned(0x55aa_d5ea_0000));
        assert_eq!(format_line(&r, &PLAIN), "brk(0) = 0x55aad5ea0000");
        let r = rec(9, [0; 6], SyscallResult::Returned(-12));
        assert!(format_line(&r, &PLAIN).ends_with(") = -1 ENOMEM (Cannot allocate memory)"));
    }

    #[test]
    fn pid_prefix_uses_tid() {
        let r = rec(1, [1, 0x10, 5, 0, 0, 0], SyscallResult::Returned(5));
        let opts = TextOptions {
            show_pid: true,
            ..PLAIN
        };
        assert_eq!(
            format_line(&r, &opts),
            "[pid   101] write(0x1, 0x10, 0x5) = 5"
        );
    }

    #[test]
    fn unknown_syscall_shows_six_args() {
        let r = rec(0x1f4, [1, 2, 3, 4, 5, 6], SyscallResult::Returned(-38));
        assert_eq!(
            format_line(&r, &PLAIN),
            "syscall_0x1f4(0x1, 0x2, 0x3, 0x4, 0x5, 0x6) = -1 ENOSYS (Function not implemented)"
        );
    }

    #[test]
    fn format_arg_matches_line() {
        assert_eq!(format_arg(0), "0");
        assert_eq!(format_arg(255), "0xff");
    }

    #[test]
    fn timestamp_columns_like_strace() {
        // 1796519665.262590 is 01:14:25.262590 UTC.
        let at = 1_796_519_665_262_590_999;
        let with = |timestamps| TextOptions {
            timestamps,
            ..PLAIN
        };
        assert_eq!(
            timestamp_prefix(at, &with(Timestamps::Unix)),
            "1796519665.262590 "
        );
        assert_eq!(timestamp_prefix(at, &with(Timestamps::Time)), "01:14:25 ");
        assert_eq!(
            timestamp_prefix(at, &with(Timestamps::TimeMicros)),
            "01:14:25.262590 "
        );
        let cet = TextOptions {
            utc_offset_secs: 3600,
            ..with(Timestamps::Time)
        };
        assert_eq!(timestamp_prefix(at, &cet), "02:14:25 ");
        assert_eq!(
            timestamp_prefix(
                at,
                &with(Timestamps::Relative {
                    previous_nanos: None
                })
            ),
            "     0.000000 "
        );
        let relative = with(Timestamps::Relative {
            previous_nanos: Some(at - 1_625_000),
        });
        assert_eq!(timestamp_prefix(at, &relative), "     0.001625 ");
        let r = SyscallRecord {
            timestamp_nanos: at,
            ..rec(39, [0; 6], SyscallResult::Returned(42))
        };
        let opts = TextOptions {
            show_pid: true,
            ..with(Timestamps::Unix)
        };
        assert_eq!(
            format_line(&r, &opts),
            "[pid   101] 1796519665.262590 getpid() = 42"
        );
    }

    #[test]
    fn hex_dump_like_strace() {
        // strace -e read=3 on `printf 'ab\1c\377\n'`, and on an ELF header.
        assert_eq!(
            hex_dump(b"ab\x01c\xff\n"),
            " | 00000  61 62 01 63 ff 0a                                 ab.c..           |\n"
        );
        let elf = b"\x7fELF\x02\x01\x01\x03\0\0\0\0\0\0\0\0\x03\0>\0\x01\0\0\0\x10t\x02\0\0\0\0\0";
        assert_eq!(
            hex_dump(elf),
            " | 00000  7f 45 4c 46 02 01 01 03  00 00 00 00 00 00 00 00  .ELF............ |\n \
             | 00010  03 00 3e 00 01 00 00 00  10 74 02 00 00 00 00 00  ..>......t...... |\n"
        );
        assert_eq!(hex_dump(b""), "");
    }

    #[test]
    fn iov_dump_like_strace() {
        // strace -e write=1 on os.writev(1, [b"ab", b"cde\n"]).
        assert_eq!(
            iov_dump(&[(2, b"ab"), (4, b"cde\n")], 6),
            " * 2 bytes in buffer 0
 | 00000  61 62                                             ab               |
 * 4 bytes in buffer 1
 | 00000  63 64 65 0a                                       cde.             |
"
        );
        assert_eq!(
            iov_dump(&[(4, b"abcd"), (4, b"")], 3),
            " * 3 bytes in buffer 0\n | 00000  61 62 63                                          abc              |\n * 0 bytes in buffer 1\n"
        );
    }
}
