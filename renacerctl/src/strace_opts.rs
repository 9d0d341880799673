//! strace's options on `capture`, with strace's meaning: parsed and checked
//! here, rendered by renacer-trace (text, summary, fds), applied by
//! [`crate::output::Renderer`].
use std::{ffi::CString, path::PathBuf};

use clap::ArgAction;
use renacer_trace::{
    decode::HexStrings,
    filter::{FdFilter, SyscallSet, parse_trace_expr},
    summary::{Column, SortBy, TableOptions},
    text::{TextOptions, Timestamps},
};

use crate::exit;

#[derive(Debug, Clone, Default, clap::Args)]
pub struct StraceArgs {
    /// strace's -f: follow forks (always on: renacer traces the whole tree).
    /// -ff with -o FILE: one file per process, FILE.PID, as strace writes.
    #[arg(short = 'f', action = ArgAction::Count)]
    follow_forks: u8,
    /// strace's -t: time of day on each line; -tt with microseconds; -ttt
    /// Unix time with microseconds.
    #[arg(short = 't', action = ArgAction::Count)]
    absolute_timestamps: u8,
    /// strace's -r: seconds since the previous call started, on each line.
    #[arg(short = 'r')]
    relative_timestamps: bool,
    /// strace's -T: time spent in each call, ` <0.000012>` after the result.
    #[arg(short = 'T')]
    syscall_times: bool,
    /// strace's -y: the path behind each fd argument and fd result,
    /// `3</etc/passwd>` (followed through the trace; /proc while the process
    /// lives). -yy: the same (renacer has no socket details).
    #[arg(short = 'y', action = ArgAction::Count)]
    decode_fds: u8,
    /// strace's -x: strings with non-ASCII bytes in hex; -xx: all strings in hex.
    #[arg(short = 'x', action = ArgAction::Count)]
    strings_in_hex: u8,
    /// strace's -X FORMAT: constants as names (abbrev, the only style renacer prints).
    #[arg(short = 'X', value_name = "FORMAT")]
    const_print_style: Option<String>,
    /// strace's -v: unabbreviated: execve's environment strings instead of
    /// their count (renacer prints the rest of what it decodes in full).
    #[arg(short = 'v')]
    no_abbrev: bool,
    /// strace's -P PATH (repeatable): only calls that name PATH, by a path or an fd.
    #[arg(short = 'P', value_name = "PATH")]
    trace_path: Vec<PathBuf>,
    /// strace's -q/-qq/-qqq: quieter (renacer prints no attach messages; -qq: no `+++ exited` lines).
    #[arg(short = 'q', action = ArgAction::Count)]
    quiet: u8,
    /// strace's -z: only calls that succeeded (-e status=successful).
    #[arg(short = 'z')]
    successful_only: bool,
    /// strace's -Z: only calls that failed (-e status=failed).
    #[arg(short = 'Z')]
    failed_only: bool,
    /// strace's -C: the call lines, then the -c table.
    #[arg(short = 'C')]
    summary_too: bool,
    /// strace's -S SORTBY for the -c table: time, calls, errors, name, avg-time, nothing.
    #[arg(short = 'S', value_name = "SORTBY")]
    sort_by: Option<String>,
    /// strace's -w: wall-clock times in the -c table (renacer's times are
    /// always the wall-clock time between syscall entry and exit).
    #[arg(short = 'w')]
    wall_clock: bool,
    /// strace's -U COLUMNS for the -c table: time-percent, total-time,
    /// avg-time, calls, errors, name.
    #[arg(short = 'U', value_name = "COLUMNS")]
    summary_columns: Option<String>,
    /// strace's -u USER: run the command as USER (its uid, gid and groups);
    /// needs root.
    #[arg(short = 'u', value_name = "USER")]
    user: Option<String>,
    // strace options renacer cannot honour: accepted by the parser so that
    // the error says why, not "unexpected argument".
    #[arg(short = 'D', action = ArgAction::Count, hide = true)]
    daemonize: u8,
    #[arg(short = 'I', hide = true)]
    interruptible: Option<String>,
    /// strace's -k: the user stack of each call under its line, as
    /// ` > /lib/libc.so.6(__write+0x14) [0x10e1b4]`; with --format json the
    /// stack goes into each call's `source` (implies --source).
    #[arg(short = 'k')]
    stack_traces: bool,
    /// Where each call was made from, `  [src/main.rs:45]` after its line:
    /// the first frame of the user stack in the user's own code (not libc,
    /// not Rust's std/core/alloc, not a dependency). Needs debug info in the
    /// traced binary. (The seeds' `renacer -s`; here -s stays strace's string size.)
    #[arg(long = "source")]
    source: bool,
    #[arg(short = 'i', hide = true)]
    instruction_pointer: bool,
    #[arg(short = 'n', hide = true)]
    syscall_number: bool,
    #[arg(short = 'b', hide = true)]
    detach_on: Option<String>,
    #[arg(short = 'O', hide = true)]
    overhead: Option<String>,
    #[arg(short = 'a', hide = true)]
    align_column: Option<String>,
    #[arg(short = 'E', hide = true)]
    env: Vec<String>,
    #[arg(short = 'Y', hide = true)]
    decode_pids: bool,
    #[arg(short = 'A', hide = true)]
    append: bool,
}

/// The `-e` qualifiers handled here rather than by the daemon's filter.
#[derive(Debug, Clone, Default)]
pub struct RenderExpressions {
    /// `-e read=SET`: dump the data read from these fds.
    pub dump_read: Option<FdFilter>,
    /// `-e write=SET`: dump the data written to these fds.
    pub dump_write: Option<FdFilter>,
    /// `-e raw=SET`: these calls with undecoded (hex) arguments.
    pub raw: Option<SyscallSet>,
    /// `-e decode-fds=path` (or `all`): as -y.
    pub decode_fds: bool,
    /// `-e signal=none` (or `!all`): no `--- SIG... ---` lines.
    pub hide_signals: bool,
}

/// The qualifier and value of an `-e` expression, as renacer-trace's
/// filter splits it (a bare expression is `trace=`).
fn qualifier(expr: &str) -> (&str, &str) {
    match expr.split_once('=') {
        Some((q, v)) if !q.starts_with(['/', '!', '%', '?']) && !q.contains(',') => (q, v),
        _ => ("trace", expr),
    }
}

/// Splits `-e` expressions into the daemon's (trace=, status=, trace-fds=)
/// and the renderer's; refuses what eBPF cannot do.
pub fn split_expressions(
    expressions: &[String],
) -> anyhow::Result<(Vec<String>, RenderExpressions)> {
    let mut daemon = Vec::new();
    let mut render = RenderExpressions::default();
    let fd_set = |value: &str, expr: &str| {
        FdFilter::parse(value).map_err(|err| exit::usage(format!("-e {expr}: {err}")))
    };
    for expr in expressions {
        let (q, value) = qualifier(expr);
        match q {
            "read" | "reads" | "r" => render.dump_read = Some(fd_set(value, expr)?),
            "write" | "writes" | "w" => render.dump_write = Some(fd_set(value, expr)?),
            "raw" | "x" => {
                render.raw = Some(
                    parse_trace_expr(value)
                        .map_err(|err| exit::usage(format!("-e {expr}: {err}")))?,
                );
            }
            "decode-fds" | "decode-fd" => {
                render.decode_fds = !matches!(value, "none" | "!all");
            }
            "signal" | "signals" | "s" => {
                render.hide_signals = matches!(value, "none" | "!all");
            }
            // Output that renacer does not print, or prints in full anyway:
            // attach messages, abbreviation.
            "quiet" | "silent" | "silence" | "q" | "abbrev" | "a" | "verbose" | "v" => {}
            "inject" | "fault" => {
                return Err(exit::usage(format!(
                    "-e {expr}: renacer observes syscalls from eBPF and cannot change their results; use strace for fault injection"
                )));
            }
            "kvm" => {
                return Err(exit::usage(format!(
                    "-e {expr}: renacer does not read KVM vCPU exit reasons (strace's -e kvm needs ptrace on the VMM)"
                )));
            }
            _ => daemon.push(expr.clone()),
        }
    }
    Ok((daemon, render))
}

/// A user to run the command as (`-u`), resolved before the fork.
#[derive(Debug, Clone)]
pub struct RunAs {
    pub uid: libc::uid_t,
    pub gid: libc::gid_t,
    pub groups: Vec<libc::gid_t>,
}

impl RunAs {
    /// Looks USER up in the passwd database (name or numeric uid).
    fn lookup(user: &str) -> anyhow::Result<Self> {
        let name = CString::new(user).map_err(|_| exit::usage("-u USER must not contain NUL"))?;
        // SAFETY: getpwnam/getgrouplist before any thread exists; the
        // returned record is copied out at once.
        unsafe {
            let pw = libc::getpwnam(name.as_ptr());
            if pw.is_null() {
                return Err(exit::usage(format!(
                    "-u {user}: no such user in the passwd database"
                )));
            }
            let (uid, gid) = ((*pw).pw_uid, (*pw).pw_gid);
            let mut count: libc::c_int = 64;
            let mut groups = vec![0 as libc::gid_t; count as usize];
            if libc::getgrouplist(name.as_ptr(), gid, groups.as_mut_ptr(), &mut count) < 0 {
                groups.resize(count.max(0) as usize, 0);
                libc::getgrouplist(name.as_ptr(), gid, groups.as_mut_ptr(), &mut count);
            }
            groups.truncate(count.max(0) as usize);
            Ok(Self { uid, gid, groups })
        }
    }

    /// In the forked child, before exec: become the user. Async-signal-safe.
    /// Returns false when the kernel refused.
    ///
    /// # Safety
    /// Only in a child between fork and exec.
    pub unsafe fn become_user(&self) -> bool {
        // SAFETY: plain syscalls on owned data.
        unsafe {
            libc::setgroups(self.groups.len(), self.groups.as_ptr()) == 0
                && libc::setgid(self.gid) == 0
                && libc::setuid(self.uid) == 0
        }
    }
}

/// strace's options, checked and resolved.
#[derive(Debug, Clone, Default)]
pub struct StraceOptions {
    pub text: TextOptions,
    pub hex_strings: HexStrings,
    pub decode_fds: bool,
    /// -P: the paths as given and canonicalised.
    pub paths: Vec<String>,
    /// -ff with -o: one file per process.
    pub file_per_process: bool,
    /// `+++ exited with N +++` lines (not with -qq).
    pub exit_lines: bool,
    /// -C: lines, then the table.
    pub summary_too: bool,
    pub table: TableOptions,
    pub render: RenderExpressions,
    /// -z/-Z as the daemon's status filter.
    pub status_expression: Option<String>,
    pub run_as: Option<RunAs>,
    /// -v: execve's environment strings, not `/* N vars */`.
    pub verbose: bool,
    /// --source: each call's source location.
    pub source: bool,
    /// -k: each call's whole stack.
    pub stack: bool,
}

impl StraceArgs {
    /// Checks the options against each other and against the rest of the
    /// command line. `summary`: -c; `json`: --format json; `output`: -o;
    /// `attach`: --pid rather than a command.
    pub fn resolve(
        &self,
        render: RenderExpressions,
        summary: bool,
        json: bool,
        output: bool,
        attach: bool,
    ) -> anyhow::Result<StraceOptions> {
        self.refuse_unsupported()?;
        let timestamps = match (self.absolute_timestamps, self.relative_timestamps) {
            (0, false) => Timestamps::None,
            (0, true) => Timestamps::Relative {
                previous_nanos: None,
            },
            (_, true) => {
                return Err(exit::usage(
                    "-r and -t each print a timestamp column: pick one",
                ));
            }
            (1, false) => Timestamps::Time,
            (2, false) => Timestamps::TimeMicros,
            _ => Timestamps::Unix,
        };
        let hex_strings = match self.strings_in_hex {
            0 => HexStrings::Never,
            1 => HexStrings::NonAscii,
            _ => HexStrings::All,
        };
        match self.const_print_style.as_deref() {
            None | Some("abbrev") => {}
            Some(style @ ("raw" | "verbose")) => {
                return Err(exit::usage(format!(
                    "-X {style}: renacer's decoder prints constants by name only (-X abbrev); -e raw=SET shows chosen calls undecoded"
                )));
            }
            Some(other) => {
                return Err(exit::usage(format!(
                    "-X {other}: use raw, abbrev or verbose"
                )));
            }
        }
        let decode_fds = self.decode_fds > 0 || render.decode_fds;
        let line_flags = [
            (timestamps != Timestamps::None, "-t/-r"),
            (self.syscall_times, "-T"),
            (decode_fds, "-y"),
            (self.strings_in_hex > 0, "-x"),
            (!self.trace_path.is_empty(), "-P"),
            (
                render.dump_read.is_some() || render.dump_write.is_some(),
                "-e read=/write=",
            ),
            (render.raw.is_some(), "-e raw="),
            (self.follow_forks > 1, "-ff"),
        ];
        if let Some((_, flag)) = line_flags.iter().find(|(set, _)| *set) {
            if json {
                return Err(exit::usage(format!(
                    "{flag} shapes the text lines; --format json records every field: drop one"
                )));
            }
            if summary {
                return Err(exit::usage(format!(
                    "{flag} shapes the call lines, which -c does not print: use -C for lines and table"
                )));
            }
        }
        if summary && (self.source || self.stack_traces) {
            return Err(exit::usage(
                "--source and -k show where each call was made; -c prints no calls: use -C for lines and table",
            ));
        }
        if summary && self.summary_too {
            return Err(exit::usage(
                "-c prints the table only, -C lines and table: pick one",
            ));
        }
        if (summary || self.summary_too) && json {
            return Err(exit::usage(
                "-c/-C print strace's table; --format json writes the trace (its summary included): drop one",
            ));
        }
        let table_flags = [
            (self.sort_by.is_some(), "-S"),
            (self.summary_columns.is_some(), "-U"),
            (self.wall_clock, "-w"),
        ];
        if let Some((_, flag)) = table_flags.iter().find(|(set, _)| *set)
            && !summary
            && !self.summary_too
        {
            return Err(exit::usage(format!(
                "{flag} shapes the -c table: add -c or -C"
            )));
        }
        let mut table = TableOptions::default();
        if let Some(sort) = &self.sort_by {
            table.sort = SortBy::parse(sort).ok_or_else(|| {
                exit::usage(format!(
                    "-S {sort}: sort by time, calls, errors, name, avg-time or nothing"
                ))
            })?;
        }
        if let Some(columns) = &self.summary_columns {
            table.columns = columns
                .split(',')
                .map(Column::parse)
                .collect::<Result<_, _>>()
                .map_err(exit::usage)?;
        }
        let status_expression = match (self.successful_only, self.failed_only) {
            (true, true) => {
                return Err(exit::usage(
                    "-z and -Z together leave nothing to print: pick one",
                ));
            }
            (true, false) => Some("status=successful".to_owned()),
            (false, true) => Some("status=failed".to_owned()),
            (false, false) => None,
        };
        let run_as = match &self.user {
            None => None,
            Some(_) if attach => {
                return Err(exit::usage(
                    "-u USER runs the command as USER; with --pid there is no command",
                ));
            }
            // SAFETY: geteuid has no preconditions.
            Some(user) if unsafe { libc::geteuid() } != 0 => {
                return Err(exit::failure(
                    exit::PERMISSION_DENIED,
                    format!(
                        "-u {user} needs root: run renacerctl as root to start the command as another user"
                    ),
                ));
            }
            Some(user) => Some(RunAs::lookup(user)?),
        };
        let mut paths = Vec::new();
        for path in &self.trace_path {
            let given = path.to_string_lossy().into_owned();
            if let Ok(canonical) = std::fs::canonicalize(path) {
                let canonical = canonical.to_string_lossy().into_owned();
                if canonical != given {
                    paths.push(canonical);
                }
            }
            paths.push(given);
        }
        Ok(StraceOptions {
            text: TextOptions {
                show_pid: false,
                show_duration: self.syscall_times,
                timestamps,
                utc_offset_secs: local_utc_offset(),
                align_results: true,
                pid_column: output && self.follow_forks == 1,
            },
            hex_strings,
            decode_fds,
            paths,
            file_per_process: self.follow_forks > 1 && output,
            exit_lines: self.quiet < 2,
            summary_too: self.summary_too,
            table,
            render,
            status_expression,
            run_as,
            verbose: self.no_abbrev,
            source: self.source || self.stack_traces,
            stack: self.stack_traces,
        })
    }

    fn refuse_unsupported(&self) -> anyhow::Result<()> {
        let refusals: [(bool, &str); 10] = [
            (
                self.daemonize > 0,
                "-D: renacerctl is not the tracer (the daemon is), so there is nothing to daemonize",
            ),
            (
                self.interruptible.is_some(),
                "-I: renacerctl never stops the traced process to decode, so there is nothing to make interruptible",
            ),
            (
                self.instruction_pointer,
                "-i: renacer does not record the instruction pointer",
            ),
            (
                self.syscall_number,
                "-n: not supported; the JSON trace (--format json) carries each call's number",
            ),
            (
                self.detach_on.is_some(),
                "-b: the daemon traces the whole tree; it cannot detach at execve",
            ),
            (
                self.overhead.is_some(),
                "-O: renacer's times come from the kernel and carry no tracer overhead to subtract",
            ),
            (
                self.align_column.is_some(),
                "-a: renacer does not pad results into a column",
            ),
            (
                !self.env.is_empty(),
                "-E: not supported; run the command under env(1): -- env VAR=VAL CMD",
            ),
            (
                self.decode_pids,
                "-Y: renacer does not decode pids to command names",
            ),
            (
                self.append,
                "-A: not supported; -o FILE is always truncated",
            ),
        ];
        match refusals.iter().find(|(set, _)| *set) {
            Some((_, why)) => Err(exit::usage(*why)),
            None => Ok(()),
        }
    }
}

/// Local time's offset from UTC now, for -t/-tt (strace prints local time).
fn local_utc_offset() -> i64 {
    // SAFETY: time/localtime_r with valid pointers.
    unsafe {
        let now = libc::time(std::ptr::null_mut());
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&now, &mut tm).is_null() {
            0
        } else {
            tm.tm_gmtoff
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_split_between_daemon_and_renderer() {
        let exprs: Vec<String> = [
            "openat,read",
            "status=failed",
            "read=3",
            "write=all",
            "signal=none",
            "raw=openat",
        ]
        .map(str::to_owned)
        .to_vec();
        let (daemon, render) = split_expressions(&exprs).unwrap_or_default();
        assert_eq!(daemon, ["openat,read", "status=failed"]);
        assert!(
            render
                .dump_read
                .is_some_and(|f| f.contains_fd(3) && !f.contains_fd(4))
        );
        assert!(render.dump_write.is_some_and(|f| f.contains_fd(9)));
        assert!(render.raw.is_some_and(|s| s.contains(257)));
        assert!(split_expressions(&["inject=openat:error=ENOENT".to_owned()]).is_err());
        assert!(split_expressions(&["fault=openat".to_owned()]).is_err());
    }
}
