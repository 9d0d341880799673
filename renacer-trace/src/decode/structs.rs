//! Structs, arrays and sets the kernel side copied, printed as strace
//! prints them: each function takes the captured bytes (native endian,
//! x86_64 layouts) and returns None when they are too short.

use std::fmt::Write as _;

use super::{O_CREAT, O_TMPFILE_BIT, field, octal_mode, open_flags, ptr};
use crate::xlat::{self, hex};

fn i32_at(bytes: &[u8], at: usize) -> Option<i32> {
    field(bytes, at).map(i32::from_ne_bytes)
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    field(bytes, at).map(u32::from_ne_bytes)
}

fn i64_at(bytes: &[u8], at: usize) -> Option<i64> {
    field(bytes, at).map(i64::from_ne_bytes)
}

fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    field(bytes, at).map(u64::from_ne_bytes)
}

/// `1970-01-01T00:00:01` for seconds since the epoch, in UTC (strace prints
/// local time; the tests and servers run in UTC).
pub(crate) fn utc_date(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// A time with its date comment, as strace's `-v`-less output shows
/// timestamps: `{tv_sec=1, tv_nsec=2} /* 1970-01-01T00:00:01.000000002+0000 */`.
fn dated(secs: i64, frac: i64, unit: &str, digits: usize) -> String {
    format!(
        "{{tv_sec={secs}, tv_{unit}={frac}}} /* {}.{frac:0digits$}+0000 */",
        utc_date(secs)
    )
}

/// utimensat's `struct timespec[2]`, with `UTIME_NOW` and `UTIME_OMIT`.
pub(crate) fn utimens(bytes: &[u8]) -> Option<String> {
    const UTIME_NOW: i64 = (1 << 30) - 1;
    const UTIME_OMIT: i64 = (1 << 30) - 2;
    let time = |at: usize| -> Option<String> {
        let (secs, nsec) = (i64_at(bytes, at)?, i64_at(bytes, at + 8)?);
        Some(match nsec {
            UTIME_NOW => "UTIME_NOW".to_owned(),
            UTIME_OMIT => "UTIME_OMIT".to_owned(),
            _ => dated(secs, nsec, "nsec", 9),
        })
    };
    Some(format!("[{}, {}]", time(0)?, time(16)?))
}

/// utimes' `struct timeval[2]`.
pub(crate) fn timevals(bytes: &[u8]) -> Option<String> {
    let time = |at: usize| -> Option<String> {
        Some(dated(i64_at(bytes, at)?, i64_at(bytes, at + 8)?, "usec", 6))
    };
    Some(format!("[{}, {}]", time(0)?, time(16)?))
}

/// utime's `struct utimbuf`.
pub(crate) fn utimbuf(bytes: &[u8]) -> Option<String> {
    let (actime, modtime) = (i64_at(bytes, 0)?, i64_at(bytes, 8)?);
    Some(format!(
        "{{actime={actime} /* {}+0000 */, modtime={modtime} /* {}+0000 */}}",
        utc_date(actime),
        utc_date(modtime)
    ))
}

/// `{tv_sec=0, tv_usec=0}`.
/// A `struct timeval` (select's timeout).
pub(crate) fn timeval_struct(bytes: &[u8]) -> Option<String> {
    timeval(bytes, 0)
}

/// The fds below `nfds` in an fd set (a bit array of native longs).
pub(crate) fn fd_set_members(bytes: &[u8], nfds: i32) -> impl Iterator<Item = usize> + '_ {
    let bits = usize::try_from(nfds).unwrap_or(0).min(bytes.len() * 8);
    (0..bits).filter(move |&fd| bytes[fd / 8] & (1 << (fd % 8)) != 0)
}

/// An fd set as strace shows it: `[0 3]`.
pub(crate) fn fd_set(bytes: &[u8], nfds: i32) -> Option<String> {
    let fds: Vec<String> = fd_set_members(bytes, nfds)
        .map(|fd| fd.to_string())
        .collect();
    Some(format!("[{}]", fds.join(" ")))
}

fn timeval(bytes: &[u8], at: usize) -> Option<String> {
    Some(format!(
        "{{tv_sec={}, tv_usec={}}}",
        i64_at(bytes, at)?,
        i64_at(bytes, at + 8)?
    ))
}

fn timespec(bytes: &[u8], at: usize) -> Option<String> {
    Some(format!(
        "{{tv_sec={}, tv_nsec={}}}",
        i64_at(bytes, at)?,
        i64_at(bytes, at + 8)?
    ))
}

/// `struct itimerval`.
pub(crate) fn itimerval(bytes: &[u8]) -> Option<String> {
    Some(format!(
        "{{it_interval={}, it_value={}}}",
        timeval(bytes, 0)?,
        timeval(bytes, 16)?
    ))
}

/// `struct itimerspec`.
pub(crate) fn itimerspec(bytes: &[u8]) -> Option<String> {
    Some(format!(
        "{{it_interval={}, it_value={}}}",
        timespec(bytes, 0)?,
        timespec(bytes, 16)?
    ))
}

/// `struct rusage`, abbreviated as strace does without `-v`.
pub(crate) fn rusage(bytes: &[u8]) -> Option<String> {
    Some(format!(
        "{{ru_utime={}, ru_stime={}, ...}}",
        timeval(bytes, 0)?,
        timeval(bytes, 16)?
    ))
}

/// `struct timezone`.
pub(crate) fn timezone(bytes: &[u8]) -> Option<String> {
    Some(format!(
        "{{tz_minuteswest={}, tz_dsttime={}}}",
        i32_at(bytes, 0)?,
        i32_at(bytes, 4)?
    ))
}

/// sigaltstack's `stack_t`.
pub(crate) fn stack_t(bytes: &[u8]) -> Option<String> {
    Some(format!(
        "{{ss_sp={}, ss_flags={}, ss_size={}}}",
        ptr(u64_at(bytes, 0)?),
        xlat::SS_FLAGS.format_flags(u64::from(u32_at(bytes, 8)?)),
        u64_at(bytes, 16)?
    ))
}

/// openat2's `struct open_how`: the mode only with `O_CREAT`/`O_TMPFILE`
/// or when set.
pub(crate) fn open_how(bytes: &[u8]) -> Option<String> {
    let (flags, mode, resolve) = (u64_at(bytes, 0)?, u64_at(bytes, 8)?, u64_at(bytes, 16)?);
    let mut out = format!("{{flags={}", open_flags(flags));
    if flags & (O_CREAT | O_TMPFILE_BIT) != 0 || mode != 0 {
        let _ = write!(out, ", mode={}", octal_mode(mode));
    }
    let _ = write!(
        out,
        ", resolve={}}}",
        xlat::OPEN_RESOLVE.format_flags(resolve)
    );
    Some(out)
}

/// clone3's `struct clone_args`: the fields its flags make meaningful.
pub(crate) fn clone_args(bytes: &[u8]) -> Option<String> {
    const CLONE_PIDFD: u64 = 0x1000;
    const CLONE_SETTLS: u64 = 0x80000;
    const CLONE_PARENT_SETTID: u64 = 0x100000;
    const CLONE_CHILD_CLEARTID: u64 = 0x200000;
    const CLONE_CHILD_SETTID: u64 = 0x1000000;
    const CLONE_INTO_CGROUP: u64 = 0x2_0000_0000;
    let word = |i: usize| u64_at(bytes, i * 8);
    let flags = word(0)?;
    let mut out = format!("{{flags={}", xlat::CLONE.format_flags(flags));
    if flags & CLONE_PIDFD != 0 {
        let _ = write!(out, ", pidfd={}", ptr(word(1)?));
    }
    if flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID) != 0 {
        let _ = write!(out, ", child_tid={}", ptr(word(2)?));
    }
    if flags & CLONE_PARENT_SETTID != 0 {
        let _ = write!(out, ", parent_tid={}", ptr(word(3)?));
    }
    let _ = write!(
        out,
        ", exit_signal={}, stack={}, stack_size={}",
        xlat::signal(word(4)? as i32),
        ptr(word(5)?),
        hex(word(6)?)
    );
    if flags & CLONE_SETTLS != 0 {
        let _ = write!(out, ", tls={}", ptr(word(7)?));
    }
    if word(9)? != 0 {
        let _ = write!(
            out,
            ", set_tid={}, set_tid_size={}",
            ptr(word(8)?),
            word(9)?
        );
    }
    if flags & CLONE_INTO_CGROUP != 0 {
        let _ = write!(out, ", cgroup={}", word(10)?);
    }
    out.push('}');
    Some(out)
}

/// `struct sched_attr`; the utilization clamps only in the 56-byte version.
pub(crate) fn sched_attr(bytes: &[u8]) -> Option<String> {
    let size = u32_at(bytes, 0)?;
    let mut out = format!(
        "{{size={size}, sched_policy={}, sched_flags={}, sched_nice={}, sched_priority={}, sched_runtime={}, sched_deadline={}, sched_period={}",
        xlat::SCHED.format_enum(u64::from(u32_at(bytes, 4)?)),
        xlat::SCHED_ATTR_FLAGS.format_flags(u64_at(bytes, 8)?),
        i32_at(bytes, 16)?,
        u32_at(bytes, 20)?,
        u64_at(bytes, 24)?,
        u64_at(bytes, 32)?,
        u64_at(bytes, 40)?
    );
    if size >= 56 {
        let _ = write!(
            out,
            ", sched_util_min={}, sched_util_max={}",
            u32_at(bytes, 48)?,
            u32_at(bytes, 52)?
        );
    }
    out.push('}');
    Some(out)
}

/// A `struct sched_param`: `[priority]`.
pub(crate) fn sched_param(bytes: &[u8]) -> Option<String> {
    Some(format!("[{}]", i32_at(bytes, 0)?))
}

/// A CPU set as the CPUs in it: `[0 1 3]`.
pub(crate) fn cpu_set(bytes: &[u8]) -> Option<String> {
    let cpus: Vec<String> = bytes
        .iter()
        .enumerate()
        .flat_map(|(i, &byte)| {
            (0..8)
                .filter(move |bit| byte >> bit & 1 != 0)
                .map(move |bit| (i * 8 + bit).to_string())
        })
        .collect();
    Some(format!("[{}]", cpus.join(" ")))
}

/// One `struct epoll_event` (packed: events, then the 64-bit data).
pub(crate) fn epoll_event(bytes: &[u8]) -> Option<String> {
    let events = u32_at(bytes, 0)?;
    let data = u64_at(bytes, 4)?;
    Some(format!(
        "{{events={}, data={{u32={}, u64={data}}}}}",
        xlat::EPOLL_EVENTS.format_flags(u64::from(events)),
        data as u32
    ))
}

/// The first `count` events of an epoll_wait result.
pub(crate) fn epoll_events(bytes: &[u8], count: u64) -> Option<String> {
    let size = crate::signatures::EPOLL_EVENT_SIZE as usize;
    let count = usize::try_from(count).ok()?;
    let items = (0..count)
        .map(|i| epoll_event(bytes.get(i * size..)?))
        .collect::<Option<Vec<_>>>()?;
    Some(format!("[{}]", items.join(", ")))
}

/// fcntl's `struct flock`; `l_pid` only where the kernel reports it.
pub(crate) fn flock(bytes: &[u8], with_pid: bool) -> Option<String> {
    let l_type = field(bytes, 0).map(i16::from_ne_bytes)?;
    let l_whence = field(bytes, 2).map(i16::from_ne_bytes)?;
    let mut out = format!(
        "{{l_type={}, l_whence={}, l_start={}, l_len={}",
        xlat::LOCK_TYPE.format_enum(l_type as u16 as u64),
        xlat::WHENCE.format_enum(l_whence as u16 as u64),
        i64_at(bytes, 8)?,
        i64_at(bytes, 16)?
    );
    if with_pid {
        let _ = write!(out, ", l_pid={}", i32_at(bytes, 24)?);
    }
    out.push('}');
    Some(out)
}

/// semop's `struct sembuf` array (num, op, flags: three shorts each).
pub(crate) fn sembufs(bytes: &[u8], count: u64) -> Option<String> {
    let count = usize::try_from(count).ok()?;
    let short = |at: usize| field(bytes, at).map(i16::from_ne_bytes);
    let items = (0..count)
        .map(|i| {
            let at = i * 6;
            Some(format!(
                "{{sem_num={}, sem_op={}, sem_flg={}}}",
                short(at)? as u16,
                short(at + 2)?,
                xlat::SEM_FLG.format_flags(u64::from(short(at + 4)? as u16))
            ))
        })
        .collect::<Option<Vec<_>>>()?;
    Some(format!("[{}]", items.join(", ")))
}

/// How many directory entries fill `bytes`, walking their `d_reclen`
/// (a u16 at `reclen_at`); None when a length does not fit.
pub(crate) fn dirent_count(bytes: &[u8], reclen_at: usize) -> Option<usize> {
    let mut at = 0;
    let mut count = 0;
    while at < bytes.len() {
        let reclen = usize::from(field(bytes, at + reclen_at).map(u16::from_ne_bytes)?);
        if reclen == 0 {
            return None;
        }
        at += reclen;
        count += 1;
    }
    (at == bytes.len()).then_some(count)
}

/// `struct winsize`.
pub(crate) fn winsize(bytes: &[u8]) -> Option<String> {
    let word = |at: usize| field(bytes, at).map(u16::from_ne_bytes);
    Some(format!(
        "{{ws_row={}, ws_col={}, ws_xpixel={}, ws_ypixel={}}}",
        word(0)?,
        word(2)?,
        word(4)?,
        word(6)?
    ))
}

/// `struct linger`.
pub(crate) fn linger(bytes: &[u8]) -> Option<String> {
    Some(format!(
        "{{l_onoff={}, l_linger={}}}",
        i32_at(bytes, 0)?,
        i32_at(bytes, 4)?
    ))
}

/// An `int` in brackets, as strace shows a value passed by address.
pub(crate) fn int_in_brackets(bytes: &[u8]) -> Option<String> {
    Some(format!("[{}]", i32_at(bytes, 0)?))
}

/// `count` `struct pollfd`s (fd, events, revents) as the call passed them.
pub(crate) fn pollfds(bytes: &[u8], count: u64) -> Option<String> {
    let size = crate::signatures::POLLFD_SIZE as usize;
    let count = usize::try_from(count).ok()?;
    let items = (0..count)
        .map(|i| {
            let at = i * size;
            let events = field(bytes, at + 4).map(i16::from_ne_bytes)?;
            Some(format!(
                "{{fd={}, events={}}}",
                i32_at(bytes, at)?,
                xlat::POLL_EVENTS.format_flags(u64::from(events as u16))
            ))
        })
        .collect::<Option<Vec<_>>>()?;
    Some(format!("[{}]", items.join(", ")))
}

/// The fds of `count` `struct pollfd`s with events returned:
/// `[{fd=4, revents=POLLOUT}]`.
pub(crate) fn poll_revents(bytes: &[u8], count: u64) -> Option<String> {
    let size = crate::signatures::POLLFD_SIZE as usize;
    let count = usize::try_from(count).ok()?;
    let mut items = Vec::new();
    for i in 0..count {
        let at = i * size;
        let revents = field(bytes, at + 6).map(i16::from_ne_bytes)?;
        if revents != 0 {
            items.push(format!(
                "{{fd={}, revents={}}}",
                i32_at(bytes, at)?,
                xlat::POLL_EVENTS.format_flags(u64::from(revents as u16))
            ));
        }
    }
    Some(format!("[{}]", items.join(", ")))
}

/// mincore's vector: one `0`/`1` per page, `...` past what was read.
pub(crate) fn mincore(bytes: &[u8], pages: u64) -> Option<String> {
    let shown = bytes.len().min(usize::try_from(pages).ok()?);
    let mut items: Vec<String> = bytes[..shown].iter().map(|b| (b & 1).to_string()).collect();
    if (shown as u64) < pages {
        items.push("...".to_owned());
    }
    Some(format!("[{}]", items.join(", ")))
}

/// `count` group ids: `[0, 1]`, `...` past what was read.
pub(crate) fn gids(bytes: &[u8], count: u64) -> Option<String> {
    let count = usize::try_from(count).ok()?;
    let read = bytes.len() / 4;
    let mut items: Vec<String> = (0..count.min(read))
        .map(|i| u32_at(bytes, i * 4).map(|g| g.to_string()))
        .collect::<Option<_>>()?;
    if count > read {
        items.push("...".to_owned());
    }
    Some(format!("[{}]", items.join(", ")))
}

/// A `siginfo_t` sent by a process (`si_code` <= 0): signal, code, sender;
/// or a child's SIGCHLD (waitid) with its status and CPU times in clock
/// ticks. Other kernel-generated forms are left as the pointer.
pub(crate) fn siginfo(bytes: &[u8]) -> Option<String> {
    const SIGCHLD: i32 = 17;
    const CLD_EXITED: i32 = 1;
    let (signo, code) = (i32_at(bytes, 0)?, i32_at(bytes, 8)?);
    if signo == SIGCHLD && (1..=6).contains(&code) {
        let status = i32_at(bytes, 24)?;
        let status = if code == CLD_EXITED {
            status.to_string()
        } else {
            xlat::signal(status)
        };
        let ticks = |at: usize| -> Option<String> {
            let t = i64_at(bytes, at)?;
            Some(format!("{t} /* {}.{:02} s */", t / 100, t % 100))
        };
        return Some(format!(
            "{{si_signo=SIGCHLD, si_code={}, si_pid={}, si_uid={}, si_status={status}, si_utime={}, si_stime={}}}",
            xlat::CLD_CODE.format_enum(u64::from(code as u32)),
            i32_at(bytes, 16)?,
            u32_at(bytes, 20)?,
            ticks(32)?,
            ticks(40)?
        ));
    }
    if code > 0 {
        return None;
    }
    Some(format!(
        "{{si_signo={}, si_code={}, si_pid={}, si_uid={}}}",
        xlat::signal(signo),
        xlat::SI_CODE.format_enum(u64::from(code as u32)),
        i32_at(bytes, 16)?,
        u32_at(bytes, 20)?
    ))
}

/// A `struct sigevent`: what timer_create notifies.
pub(crate) fn sigevent(bytes: &[u8]) -> Option<String> {
    const SIGEV_SIGNAL: i32 = 0;
    const SIGEV_THREAD_ID: i32 = 4;
    let value = u64_at(bytes, 0)?;
    let (signo, notify) = (i32_at(bytes, 8)?, i32_at(bytes, 12)?);
    let mut out = String::from("{");
    if matches!(notify, SIGEV_SIGNAL | SIGEV_THREAD_ID) {
        let _ = write!(
            out,
            "sigev_value={{sival_int={}, sival_ptr={}}}, ",
            value as u32 as i32,
            hex(value)
        );
    }
    let signal = if signo == 0 {
        "0".to_owned()
    } else {
        xlat::signal(signo)
    };
    let _ = write!(
        out,
        "sigev_signo={signal}, sigev_notify={}",
        xlat::SIGEV_NOTIFY.format_enum(u64::from(notify as u32))
    );
    if notify == SIGEV_THREAD_ID {
        let _ = write!(out, ", sigev_notify_thread_id={}", i32_at(bytes, 16)?);
    }
    out.push('}');
    Some(out)
}

/// capget/capset's `struct __user_cap_header_struct`.
pub(crate) fn cap_header(bytes: &[u8]) -> Option<String> {
    let version = u32_at(bytes, 0)?;
    let name = match version {
        0x1998_0330 => "_LINUX_CAPABILITY_VERSION_1".to_owned(),
        0x2007_1026 => "_LINUX_CAPABILITY_VERSION_2".to_owned(),
        0x2008_0522 => "_LINUX_CAPABILITY_VERSION_3".to_owned(),
        other => format!(
            "{} /* _LINUX_CAPABILITY_VERSION_??? */",
            hex(u64::from(other))
        ),
    };
    Some(format!("{{version={name}, pid={}}}", i32_at(bytes, 4)?))
}

/// The two `struct __user_cap_data_struct`s as three 64-bit sets:
/// `{effective=1<<CAP_CHOWN|..., permitted=..., inheritable=0}`.
pub(crate) fn cap_data(bytes: &[u8]) -> Option<String> {
    let set = |at: usize| -> Option<String> {
        let bits = u64::from(u32_at(bytes, at)?) | u64::from(u32_at(bytes, at + 12)?) << 32;
        if bits == 0 {
            return Some("0".to_owned());
        }
        let mut names = Vec::new();
        let mut unknown = 0u64;
        for cap in 0..64 {
            if bits >> cap & 1 != 0 {
                match xlat::CAP.name(cap) {
                    Some(name) => names.push(format!("1<<{name}")),
                    None => unknown |= 1 << cap,
                }
            }
        }
        if unknown != 0 {
            names.push(hex(unknown));
        }
        Some(names.join("|"))
    };
    Some(format!(
        "{{effective={}, permitted={}, inheritable={}}}",
        set(0)?,
        set(4)?,
        set(8)?
    ))
}

/// The environment strings `pointers` (the array read) point at, found in
/// `strings` (their address, then the bytes read from it); None when one
/// points outside what was read or has no NUL there.
pub(crate) fn env_strings<'a>(
    pointers: &[u8],
    strings: &'a [u8],
) -> Option<Vec<crate::decode::CapturedBytes<'a>>> {
    let count = env_count(pointers)?;
    let (base, text) = strings.split_first_chunk::<8>()?;
    let base = u64::from_ne_bytes(*base);
    (0..count)
        .map(|i| {
            let at = u64_at(pointers, i * 8)?.checked_sub(base)?;
            let rest = text.get(usize::try_from(at).ok()?..)?;
            let end = rest.iter().position(|&b| b == 0)?;
            Some(crate::decode::CapturedBytes::new(&rest[..end], false))
        })
        .collect()
}

/// How many pointers an environment array holds before its NULL; None if
/// the NULL was not in what was read.
pub(crate) fn env_count(bytes: &[u8]) -> Option<usize> {
    bytes
        .chunks_exact(8)
        .position(|word| word.iter().all(|&b| b == 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(values: &[i64]) -> Vec<u8> {
        values.iter().flat_map(|v| v.to_ne_bytes()).collect()
    }

    #[test]
    fn dates_are_utc_like_strace_in_utc() {
        for (secs, date) in [
            (0, "1970-01-01T00:00:00"),
            (11, "1970-01-01T00:00:11"),
            (1_796_526_646, "2026-12-06T03:10:46"),
            (951_782_400, "2000-02-29T00:00:00"),
            (-1, "1969-12-31T23:59:59"),
        ] {
            assert_eq!(utc_date(secs), date, "{secs}");
        }
    }

    /// strace's exact text, from `strace -f` on the fidelity corpus.
    #[test]
    fn structs_print_like_strace() {
        let cases: Vec<(Option<String>, &str)> = vec![
            (
                utimens(&words(&[1, 2, 3, (1 << 30) - 2])),
                "[{tv_sec=1, tv_nsec=2} /* 1970-01-01T00:00:01.000000002+0000 */, UTIME_OMIT]",
            ),
            (
                utimens(&words(&[0, (1 << 30) - 1, 5, 6])),
                "[UTIME_NOW, {tv_sec=5, tv_nsec=6} /* 1970-01-01T00:00:05.000000006+0000 */]",
            ),
            (
                timevals(&words(&[7, 8, 9, 10])),
                "[{tv_sec=7, tv_usec=8} /* 1970-01-01T00:00:07.000008+0000 */, {tv_sec=9, tv_usec=10} /* 1970-01-01T00:00:09.000010+0000 */]",
            ),
            (
                utimbuf(&words(&[11, 12])),
                "{actime=11 /* 1970-01-01T00:00:11+0000 */, modtime=12 /* 1970-01-01T00:00:12+0000 */}",
            ),
            (
                stack_t(&words(&[0, 2, 0])),
                "{ss_sp=NULL, ss_flags=SS_DISABLE, ss_size=0}",
            ),
            (
                stack_t(&words(&[0x4c_5f00, 0, 65536])),
                "{ss_sp=0x4c5f00, ss_flags=0, ss_size=65536}",
            ),
            (
                open_how(&words(&[0o2000000, 0, 4 | 8])),
                "{flags=O_RDONLY|O_CLOEXEC, resolve=RESOLVE_NO_SYMLINKS|RESOLVE_BENEATH}",
            ),
            (
                open_how(&words(&[0o101, 0o644, 0])),
                "{flags=O_WRONLY|O_CREAT, mode=0644, resolve=0}",
            ),
            (
                clone_args(&words(&[0x1_0000_0000, 0, 0, 0, 17, 0, 0, 0, 0, 0, 0])),
                "{flags=CLONE_CLEAR_SIGHAND, exit_signal=SIGCHLD, stack=NULL, stack_size=0}",
            ),
            (
                itimerspec(&words(&[0, 0, 100, 0])),
                "{it_interval={tv_sec=0, tv_nsec=0}, it_value={tv_sec=100, tv_nsec=0}}",
            ),
            (
                itimerval(&words(&[0, 0, 0, 0])),
                "{it_interval={tv_sec=0, tv_usec=0}, it_value={tv_sec=0, tv_usec=0}}",
            ),
            (
                rusage(&words(&[0, 12, 0, 34])),
                "{ru_utime={tv_sec=0, tv_usec=12}, ru_stime={tv_sec=0, tv_usec=34}, ...}",
            ),
            (timezone(&[0; 8]), "{tz_minuteswest=0, tz_dsttime=0}"),
            (sched_param(&[0; 4]), "[0]"),
            (cpu_set(&[1, 0, 0, 0, 0, 0, 0, 0]), "[0]"),
            (cpu_set(&[0b101, 1]), "[0 2 8]"),
            (linger(&[1, 0, 0, 0, 5, 0, 0, 0]), "{l_onoff=1, l_linger=5}"),
        ];
        for (ours, strace) in cases {
            assert_eq!(ours.as_deref(), Some(strace));
        }
        let mut attr = Vec::new();
        attr.extend_from_slice(&56u32.to_ne_bytes());
        attr.extend_from_slice(&0u32.to_ne_bytes());
        attr.extend_from_slice(&0u64.to_ne_bytes());
        attr.extend_from_slice(&3i32.to_ne_bytes());
        attr.extend_from_slice(&0u32.to_ne_bytes());
        attr.extend_from_slice(&words(&[1_400_000, 0, 0]));
        attr.extend_from_slice(&[0; 8]);
        assert_eq!(
            sched_attr(&attr).as_deref(),
            Some(
                "{size=56, sched_policy=SCHED_OTHER, sched_flags=0, sched_nice=3, sched_priority=0, sched_runtime=1400000, sched_deadline=0, sched_period=0, sched_util_min=0, sched_util_max=0}"
            )
        );
        let mut event = (0x8000_0001u32).to_ne_bytes().to_vec();
        event.extend_from_slice(&42u64.to_ne_bytes());
        assert_eq!(
            epoll_event(&event).as_deref(),
            Some("{events=EPOLLIN|EPOLLET, data={u32=42, u64=42}}")
        );
        assert_eq!(epoll_events(&event, 0).as_deref(), Some("[]"));
        let mut lock = vec![1, 0, 0, 0, 0, 0, 0, 0];
        lock.extend_from_slice(&words(&[0, 10, 0]));
        assert_eq!(
            flock(&lock, false).as_deref(),
            Some("{l_type=F_WRLCK, l_whence=SEEK_SET, l_start=0, l_len=10}")
        );
        assert_eq!(
            flock(&lock, true).as_deref(),
            Some("{l_type=F_WRLCK, l_whence=SEEK_SET, l_start=0, l_len=10, l_pid=0}")
        );
        assert_eq!(env_count(&words(&[1, 2, 0, 7])), Some(2));
        assert_eq!(
            cap_header(&[0x22, 0x05, 0x08, 0x20, 0, 0, 0, 0]).as_deref(),
            Some("{version=_LINUX_CAPABILITY_VERSION_3, pid=0}")
        );
        let mut caps = vec![0u8; 24];
        caps[0] = 0b11;
        caps[4] = 1;
        caps[12] = 1;
        assert_eq!(
            cap_data(&caps).as_deref(),
            Some(
                "{effective=1<<CAP_CHOWN|1<<CAP_DAC_OVERRIDE|1<<CAP_MAC_OVERRIDE, permitted=1<<CAP_CHOWN, inheritable=0}"
            )
        );
        let mut fds = 3i32.to_ne_bytes().to_vec();
        fds.extend_from_slice(&[1, 0, 0, 0]);
        fds.extend_from_slice(&4i32.to_ne_bytes());
        fds.extend_from_slice(&[6, 0, 4, 0]);
        assert_eq!(
            pollfds(&fds, 2).as_deref(),
            Some("[{fd=3, events=POLLIN}, {fd=4, events=POLLPRI|POLLOUT}]")
        );
        let mut ready = fds.clone();
        ready[14] = 4;
        assert_eq!(
            poll_revents(&ready, 2).as_deref(),
            Some("[{fd=4, revents=POLLOUT}]")
        );
        let mut dirents = vec![0u8; 48];
        dirents[16] = 24;
        dirents[24 + 16] = 24;
        assert_eq!(dirent_count(&dirents, 16), Some(2));
        assert_eq!(
            dirent_count(&dirents[..40], 16),
            None,
            "cut inside an entry"
        );
        assert_eq!(mincore(&[0, 1, 0, 0], 4).as_deref(), Some("[0, 1, 0, 0]"));
        assert_eq!(mincore(&[0, 0], 3).as_deref(), Some("[0, 0, ...]"));
        assert_eq!(
            gids(&[0, 0, 0, 0, 1, 0, 0, 0], 2).as_deref(),
            Some("[0, 1]")
        );
        assert_eq!(gids(&[], 0).as_deref(), Some("[]"));
        let mut info = vec![0u8; 128];
        info[0] = 10;
        info[8..12].copy_from_slice(&(-1i32).to_ne_bytes());
        info[16] = 1;
        assert_eq!(
            siginfo(&info).as_deref(),
            Some("{si_signo=SIGUSR1, si_code=SI_QUEUE, si_pid=1, si_uid=0}")
        );
        let mut child = vec![0u8; 128];
        child[0] = 17;
        child[8] = 1;
        child[16..20].copy_from_slice(&1234i32.to_ne_bytes());
        child[24] = 7;
        child[32..40].copy_from_slice(&320i64.to_ne_bytes());
        child[40..48].copy_from_slice(&4_868_032i64.to_ne_bytes());
        assert_eq!(
            siginfo(&child).as_deref(),
            Some(
                "{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=1234, si_uid=0, si_status=7, si_utime=320 /* 3.20 s */, si_stime=4868032 /* 48680.32 s */}"
            )
        );
        let mut event = vec![0u8; 64];
        event[12] = 1;
        assert_eq!(
            sigevent(&event).as_deref(),
            Some("{sigev_signo=0, sigev_notify=SIGEV_NONE}")
        );
        assert_eq!(env_count(&words(&[0])), Some(0));
        let pointers = words(&[0x1000, 0x1004, 0]);
        let mut strings = 0x1000u64.to_ne_bytes().to_vec();
        strings.extend_from_slice(b"A=1\0B=two\0");
        let found: Vec<&[u8]> = env_strings(&pointers, &strings)
            .unwrap_or_default()
            .iter()
            .map(|s| s.bytes)
            .collect();
        assert_eq!(found, [&b"A=1"[..], &b"B=two"[..]]);
        // A pointer outside what was read: no strings at all.
        assert!(env_strings(&words(&[0x0fff, 0]), &strings).is_none());
        assert_eq!(env_count(&words(&[1, 2])), None);
        assert_eq!(utimens(&[0; 16]), None, "too short");
    }
}
