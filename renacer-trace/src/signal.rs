//! Signals and exits as strace prints them: `--- SIGCHLD {si_signo=...} ---`
//! and `+++ exited with 0 +++` / `+++ killed by SIGKILL +++`, and the order
//! in which those lines fall among a process's calls.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::{errno, xlat};

/// `sizeof(struct kernel_siginfo)`.
pub const SIGINFO_BYTES: usize = 48;

const SIGKILL: i32 = 9;
const SIGCHLD: i32 = 17;
const SIGILL: i32 = 4;
const SIGTRAP: i32 = 5;
const SIGBUS: i32 = 7;
const SIGFPE: i32 = 8;
const SIGSEGV: i32 = 11;
const SIGIO: i32 = 29;
const SIGPROF: i32 = 27;
const SIGSYS: i32 = 31;

const SI_USER: i32 = 0;
const SI_TIMER: i32 = -2;
const SI_SIGIO: i32 = -5;
const SI_TKILL: i32 = -6;
const CLD_EXITED: i32 = 1;

/// A `struct kernel_siginfo` as the kernel holds it (x86_64 layout).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Siginfo(pub [u8; SIGINFO_BYTES]);

impl Siginfo {
    /// From raw bytes (shorter input is zero-filled, longer is cut).
    pub fn from_bytes(bytes: &[u8]) -> Self {
        let mut raw = [0; SIGINFO_BYTES];
        let n = bytes.len().min(SIGINFO_BYTES);
        raw[..n].copy_from_slice(&bytes[..n]);
        Self(raw)
    }

    fn i32_at(&self, at: usize) -> i32 {
        i32::from_ne_bytes([self.0[at], self.0[at + 1], self.0[at + 2], self.0[at + 3]])
    }

    fn u64_at(&self, at: usize) -> u64 {
        let mut b = [0; 8];
        b.copy_from_slice(&self.0[at..at + 8]);
        u64::from_ne_bytes(b)
    }

    pub fn signo(&self) -> i32 {
        self.i32_at(0)
    }
    pub fn errno(&self) -> i32 {
        self.i32_at(4)
    }
    pub fn code(&self) -> i32 {
        self.i32_at(8)
    }
    /// The sender (kill, rt, sigchld layouts).
    pub fn pid(&self) -> i32 {
        self.i32_at(16)
    }
    pub fn uid(&self) -> u32 {
        self.i32_at(20) as u32
    }
}

/// `si_code` names shared by every signal (strace's `siginfo_codes`).
fn generic_code(code: i32) -> Option<&'static str> {
    Some(match code {
        0 => "SI_USER",
        0x80 => "SI_KERNEL",
        -1 => "SI_QUEUE",
        -2 => "SI_TIMER",
        -3 => "SI_MESGQ",
        -4 => "SI_ASYNCIO",
        -5 => "SI_SIGIO",
        -6 => "SI_TKILL",
        -7 => "SI_DETHREAD",
        -60 => "SI_ASYNCNL",
        _ => return None,
    })
}

/// `si_code` names of one signal (strace's `sig*_codes`).
fn signal_code(signo: i32, code: i32) -> Option<&'static str> {
    let table: &[&str] = match signo {
        SIGTRAP => &[
            "TRAP_BRKPT",
            "TRAP_TRACE",
            "TRAP_BRANCH",
            "TRAP_HWBKPT",
            "TRAP_UNK",
            "TRAP_PERF",
        ],
        SIGCHLD => &[
            "CLD_EXITED",
            "CLD_KILLED",
            "CLD_DUMPED",
            "CLD_TRAPPED",
            "CLD_STOPPED",
            "CLD_CONTINUED",
        ],
        SIGIO => &[
            "POLL_IN", "POLL_OUT", "POLL_MSG", "POLL_ERR", "POLL_PRI", "POLL_HUP",
        ],
        SIGPROF => &["PROF_SIG"],
        SIGILL => &[
            "ILL_ILLOPC",
            "ILL_ILLOPN",
            "ILL_ILLADR",
            "ILL_ILLTRP",
            "ILL_PRVOPC",
            "ILL_PRVREG",
            "ILL_COPROC",
            "ILL_BADSTK",
            "ILL_BADIADDR",
        ],
        SIGFPE => {
            return match code {
                1..=8 => Some(
                    [
                        "FPE_INTDIV",
                        "FPE_INTOVF",
                        "FPE_FLTDIV",
                        "FPE_FLTOVF",
                        "FPE_FLTUND",
                        "FPE_FLTRES",
                        "FPE_FLTINV",
                        "FPE_FLTSUB",
                    ][(code - 1) as usize],
                ),
                14 => Some("FPE_FLTUNK"),
                15 => Some("FPE_CONDTRAP"),
                _ => None,
            };
        }
        SIGSEGV => &[
            "SEGV_MAPERR",
            "SEGV_ACCERR",
            "SEGV_BNDERR",
            "SEGV_PKUERR",
            "SEGV_ACCADI",
            "SEGV_ADIDERR",
            "SEGV_ADIPERR",
            "SEGV_MTEAERR",
            "SEGV_MTESERR",
            "SEGV_CPERR",
        ],
        SIGBUS => &[
            "BUS_ADRALN",
            "BUS_ADRERR",
            "BUS_OBJERR",
            "BUS_MCEERR_AR",
            "BUS_MCEERR_AO",
        ],
        SIGSYS => &["SYS_SECCOMP", "SYS_USER_DISPATCH"],
        _ => return None,
    };
    usize::try_from(code - 1)
        .ok()
        .and_then(|i| table.get(i))
        .copied()
}

/// C's `%#x` for a pointer field: `NULL` for zero, as strace's PRINT_FIELD_PTR.
fn pointer(value: u64) -> String {
    if value == 0 {
        "NULL".to_owned()
    } else {
        format!("{value:#x}")
    }
}

/// strace's `printsiginfo`: `{si_signo=SIGCHLD, si_code=CLD_EXITED, ...}`.
pub fn format_siginfo(info: &Siginfo) -> String {
    let signo = info.signo();
    let code = info.code();
    let mut out = String::from("{");
    if signo == 0 {
        out.push('}');
        return out;
    }
    let _ = write!(out, "si_signo={}", xlat::signal(signo));
    match generic_code(code).or_else(|| signal_code(signo, code)) {
        Some(name) => {
            let _ = write!(out, ", si_code={name}");
        }
        None => {
            let _ = write!(out, ", si_code={code:#x}");
        }
    }
    if info.errno() != 0 {
        let e = info.errno();
        match errno::name(e) {
            Some(name) => {
                let _ = write!(out, ", si_errno={name}");
            }
            None => {
                let _ = write!(out, ", si_errno={e}");
            }
        }
    }
    let source = |out: &mut String| {
        let _ = write!(out, ", si_pid={}, si_uid={}", info.pid(), info.uid());
    };
    let sigval = |out: &mut String| {
        let _ = write!(
            out,
            ", si_int={}, si_ptr={}",
            info.i32_at(24),
            pointer(info.u64_at(24))
        );
    };
    if code <= 0 {
        // Sent by a process (SI_FROMUSER).
        match code {
            SI_USER | SI_TKILL => source(&mut out),
            SI_TIMER => {
                let _ = write!(
                    out,
                    ", si_timerid={:#x}, si_overrun={}",
                    info.i32_at(16),
                    info.i32_at(20)
                );
                sigval(&mut out);
            }
            SI_SIGIO => {
                let _ = write!(
                    out,
                    ", si_band={}, si_fd={}",
                    info.u64_at(16) as i64,
                    info.i32_at(24)
                );
            }
            _ => {
                source(&mut out);
                if info.u64_at(24) != 0 {
                    sigval(&mut out);
                }
            }
        }
    } else {
        match signo {
            SIGCHLD => {
                source(&mut out);
                let status = info.i32_at(24);
                if code == CLD_EXITED {
                    let _ = write!(out, ", si_status={status}");
                } else {
                    let _ = write!(out, ", si_status={}", xlat::signal(status));
                }
                let _ = write!(
                    out,
                    ", si_utime={}, si_stime={}",
                    info.u64_at(32) as i64,
                    info.u64_at(40) as i64
                );
            }
            SIGILL | SIGFPE | SIGBUS | SIGSEGV | SIGTRAP => {
                let _ = write!(out, ", si_addr={}", pointer(info.u64_at(16)));
            }
            SIGIO => {
                if (1..=3).contains(&code) {
                    let _ = write!(
                        out,
                        ", si_band={}, si_fd={}",
                        info.u64_at(16) as i64,
                        info.i32_at(24)
                    );
                }
            }
            SIGSYS => {
                let _ = write!(
                    out,
                    ", si_call_addr={}, si_syscall={}, si_arch={:#x}",
                    pointer(info.u64_at(16)),
                    info.i32_at(24),
                    info.i32_at(28) as u32
                );
            }
            _ => {
                if info.pid() != 0 || info.uid() != 0 {
                    source(&mut out);
                }
                if info.u64_at(24) != 0 {
                    sigval(&mut out);
                }
            }
        }
    }
    out.push('}');
    out
}

/// strace's line for a signal the task takes: `--- SIGCHLD {...} ---`.
pub fn signal_line(info: &Siginfo) -> String {
    format!(
        "--- {} {} ---",
        xlat::signal(info.signo()),
        format_siginfo(info)
    )
}

/// strace's line for a task's end, from its wait status:
/// `+++ exited with 1 +++`, `+++ killed by SIGSEGV (core dumped) +++`.
pub fn exit_line(status: u32) -> String {
    let signal = (status & 0x7f) as i32;
    if signal == 0 {
        format!("+++ exited with {} +++", (status >> 8) & 0xff)
    } else {
        let core = if status & 0x80 != 0 {
            "(core dumped) "
        } else {
            ""
        };
        format!("+++ killed by {} {core}+++", xlat::signal(signal))
    }
}

/// The killing signal of a wait status, if it was killed.
pub fn killed_by(status: u32) -> Option<i32> {
    let signal = (status & 0x7f) as i32;
    (signal != 0 && signal != 0x7f).then_some(signal)
}

/// Where in a signal's life the kernel reported it (see renacer-common's
/// `signal_how`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalHow {
    /// The task took it: strace's line goes here.
    Delivered,
    /// Queued by the sender; shown only when the task dies of it without
    /// a delivery (the kernel's fast path for fatal default actions).
    Generated,
    /// Discarded at generation as ignored; a ptraced task would have
    /// taken it at its next return to user space, where strace shows it.
    Ignored,
}

impl SignalHow {
    /// From renacer-common's `signal_how` value.
    pub fn from_kernel(how: u32) -> Option<Self> {
        match how {
            1 => Some(Self::Delivered),
            2 => Some(Self::Generated),
            3 => Some(Self::Ignored),
            _ => None,
        }
    }
}

/// A signal report for one task, with its kernel time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignalReport {
    pub pid: u32,
    pub tid: u32,
    pub how: SignalHow,
    pub info: Siginfo,
    pub timestamp_nanos: u64,
}

/// What to print, in order, as the kernel's reports arrive: puts signal
/// lines where strace, whose tracee stops for each signal, shows them.
///
/// * A delivered signal prints at once (the kernel reports it on the way back
///   to user space, after the call it interrupted).
/// * An ignored one prints before the process's next call that started after
///   it, or after the call it was in when sent.
/// * A generated one waits for its delivery, and prints only if the task
///   dies of that signal without one (never for SIGKILL, which strace does
///   not show).
#[derive(Debug, Default)]
pub struct SignalOrder {
    /// Ignored signals not yet placed, per thread group.
    ignored: HashMap<u32, Vec<SignalReport>>,
    /// Generated signals not yet delivered, per thread group.
    generated: HashMap<u32, Vec<SignalReport>>,
}

impl SignalOrder {
    /// A report arrived: the reports to print now (a delivered signal).
    pub fn report(&mut self, report: SignalReport) -> Vec<SignalReport> {
        match report.how {
            SignalHow::Delivered => {
                if let Some(waiting) = self.generated.get_mut(&report.pid)
                    && let Some(i) = waiting
                        .iter()
                        .position(|g| g.info.signo() == report.info.signo())
                {
                    waiting.remove(i);
                }
                vec![report]
            }
            SignalHow::Generated => {
                self.generated.entry(report.pid).or_default().push(report);
                Vec::new()
            }
            SignalHow::Ignored => {
                self.ignored.entry(report.pid).or_default().push(report);
                Vec::new()
            }
        }
    }

    /// A call of `pid` that entered at `entered_nanos` is about to print:
    /// the ignored signals that go before it, and those that go after it.
    pub fn around_call(
        &mut self,
        pid: u32,
        entered_nanos: u64,
    ) -> (Vec<SignalReport>, Vec<SignalReport>) {
        let Some(waiting) = self.ignored.remove(&pid) else {
            return (Vec::new(), Vec::new());
        };
        // Sent before the call entered: before it; during it: after it.
        waiting
            .into_iter()
            .partition(|s| s.timestamp_nanos < entered_nanos)
    }

    /// The capture ends: ignored signals not placed yet (their process made
    /// no call since), in time order.
    pub fn drain(&mut self) -> Vec<SignalReport> {
        let mut left: Vec<SignalReport> = self.ignored.drain().flat_map(|(_, v)| v).collect();
        left.sort_by_key(|s| s.timestamp_nanos);
        self.generated.clear();
        left
    }

    /// Task `tid` of `pid` ended with wait status `status`: the signals to
    /// print before its `+++` line.
    pub fn before_exit(
        &mut self,
        pid: u32,
        tid: u32,
        status: u32,
        group_dead: bool,
    ) -> Vec<SignalReport> {
        let mut out = if group_dead {
            self.ignored.remove(&pid).unwrap_or_default()
        } else {
            Vec::new()
        };
        if let Some(signal) = killed_by(status).filter(|&s| s != SIGKILL)
            && let Some(waiting) = self.generated.get_mut(&pid)
            && let Some(i) = waiting.iter().position(|g| g.info.signo() == signal)
        {
            let mut report = waiting.remove(i);
            report.tid = tid;
            out.push(report);
        }
        if group_dead {
            self.generated.remove(&pid);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn siginfo(signo: i32, code: i32, fields: &[(usize, i64)]) -> Siginfo {
        let mut raw = [0u8; SIGINFO_BYTES];
        raw[0..4].copy_from_slice(&signo.to_ne_bytes());
        raw[8..12].copy_from_slice(&code.to_ne_bytes());
        for &(at, value) in fields {
            if at >= 32 {
                raw[at..at + 8].copy_from_slice(&value.to_ne_bytes());
            } else {
                raw[at..at + 4].copy_from_slice(&(value as i32).to_ne_bytes());
            }
        }
        Siginfo(raw)
    }

    /// The texts below are strace 6.x's, copied from its output.
    #[test]
    fn sigchld_exited_and_killed() {
        let exited = siginfo(SIGCHLD, 1, &[(16, 31640), (20, 0), (24, 0)]);
        assert_eq!(
            signal_line(&exited),
            "--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=31640, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---"
        );
        let killed = siginfo(SIGCHLD, 2, &[(16, 31640), (24, 9), (32, 3), (40, 1)]);
        assert_eq!(
            signal_line(&killed),
            "--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_KILLED, si_pid=31640, si_uid=0, si_status=SIGKILL, si_utime=3, si_stime=1} ---"
        );
    }

    #[test]
    fn sent_by_a_process() {
        let user = siginfo(15, SI_USER, &[(16, 31639), (20, 1000)]);
        assert_eq!(
            signal_line(&user),
            "--- SIGTERM {si_signo=SIGTERM, si_code=SI_USER, si_pid=31639, si_uid=1000} ---"
        );
        let tkill = siginfo(10, SI_TKILL, &[(16, 7), (20, 0)]);
        assert_eq!(
            format_siginfo(&tkill),
            "{si_signo=SIGUSR1, si_code=SI_TKILL, si_pid=7, si_uid=0}"
        );
        let queued = siginfo(10, -1, &[(16, 7), (20, 0), (24, 42)]);
        assert_eq!(
            format_siginfo(&queued),
            "{si_signo=SIGUSR1, si_code=SI_QUEUE, si_pid=7, si_uid=0, si_int=42, si_ptr=0x2a}"
        );
        let kernel = siginfo(1, 0x80, &[]);
        assert_eq!(
            format_siginfo(&kernel),
            "{si_signo=SIGHUP, si_code=SI_KERNEL}"
        );
    }

    #[test]
    fn faults() {
        let segv = siginfo(SIGSEGV, 1, &[(32, 0)]);
        let mut segv = segv;
        segv.0[16..24].copy_from_slice(&0u64.to_ne_bytes());
        assert_eq!(
            signal_line(&segv),
            "--- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=NULL} ---"
        );
        segv.0[8..12].copy_from_slice(&2i32.to_ne_bytes());
        segv.0[16..24].copy_from_slice(&0x5555_0000u64.to_ne_bytes());
        assert_eq!(
            format_siginfo(&segv),
            "{si_signo=SIGSEGV, si_code=SEGV_ACCERR, si_addr=0x55550000}"
        );
        let fpe = siginfo(SIGFPE, 1, &[]);
        assert_eq!(
            format_siginfo(&fpe),
            "{si_signo=SIGFPE, si_code=FPE_INTDIV, si_addr=NULL}"
        );
        let odd = siginfo(SIGSEGV, 99, &[]);
        assert_eq!(
            format_siginfo(&odd),
            "{si_signo=SIGSEGV, si_code=0x63, si_addr=NULL}"
        );
    }

    #[test]
    fn exits() {
        assert_eq!(exit_line(0), "+++ exited with 0 +++");
        assert_eq!(exit_line(3 << 8), "+++ exited with 3 +++");
        assert_eq!(exit_line(9), "+++ killed by SIGKILL +++");
        assert_eq!(
            exit_line(11 | 0x80),
            "+++ killed by SIGSEGV (core dumped) +++"
        );
        assert_eq!(killed_by(15), Some(15));
        assert_eq!(killed_by(1 << 8), None);
    }

    fn report(how: SignalHow, signo: i32, ts: u64) -> SignalReport {
        SignalReport {
            pid: 10,
            tid: 10,
            how,
            info: siginfo(signo, SI_USER, &[]),
            timestamp_nanos: ts,
        }
    }

    #[test]
    fn delivered_prints_at_once_and_settles_its_generation() {
        let mut order = SignalOrder::default();
        assert!(order.report(report(SignalHow::Generated, 15, 1)).is_empty());
        assert_eq!(order.report(report(SignalHow::Delivered, 15, 2)).len(), 1);
        // Delivered, so a later death of SIGTERM shows no second line.
        assert!(order.before_exit(10, 10, 15, true).is_empty());
    }

    #[test]
    fn fatal_fast_path_shows_the_generated_signal_but_never_sigkill() {
        let mut order = SignalOrder::default();
        order.report(report(SignalHow::Generated, 15, 1));
        let shown = order.before_exit(10, 10, 15, true);
        assert_eq!(shown.len(), 1);
        assert_eq!(shown[0].info.signo(), 15);
        order.report(report(SignalHow::Generated, 9, 1));
        assert!(order.before_exit(10, 10, 9, true).is_empty());
    }

    #[test]
    fn ignored_goes_before_later_calls_and_after_the_call_it_interrupted() {
        let mut order = SignalOrder::default();
        order.report(report(SignalHow::Ignored, SIGCHLD, 100));
        // A call that entered before the signal (wait4 in flight): after it.
        let (before, after) = order.around_call(10, 50);
        assert!(before.is_empty());
        assert_eq!(after.len(), 1);
        order.report(report(SignalHow::Ignored, SIGCHLD, 200));
        let (before, after) = order.around_call(10, 300);
        assert_eq!(before.len(), 1);
        assert!(after.is_empty());
        // Another process's calls do not place it.
        order.report(report(SignalHow::Ignored, SIGCHLD, 400));
        assert_eq!(order.around_call(11, 500), (Vec::new(), Vec::new()));
        assert_eq!(order.before_exit(10, 10, 0, true).len(), 1);
        // Left at the end of the capture: printed then, oldest first.
        order.report(report(SignalHow::Ignored, SIGCHLD, 700));
        order.report(SignalReport {
            pid: 11,
            ..report(SignalHow::Ignored, SIGCHLD, 600)
        });
        let left = order.drain();
        assert_eq!(
            left.iter().map(|s| s.timestamp_nanos).collect::<Vec<_>>(),
            [600, 700]
        );
        assert!(order.drain().is_empty());
    }
}
