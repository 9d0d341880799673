//! Semantic comparison of two traces: do two runs (possibly of two
//! implementations of the same program) have the same effect on the outside
//! world?
//!
//! # Rule set
//!
//! Only *effects* are compared; everything else is noise by construction.
//! An effect is a **successful** call of one of:
//!
//! * **Written data**, per destination, as one concatenated stream:
//!   `write`, `pwrite64` (offset ignored), `writev`, `pwritev`, `pwritev2`,
//!   `sendto`, `sendmsg`, and `sendfile`/`copy_file_range` (length only:
//!   their bytes come from another fd). The bytes come from the decoded
//!   string argument (strace escapes undone); where the argument is a raw
//!   pointer or strace cut the string, only the written length (the return
//!   value) and the known prefix are compared.
//! * **Files opened for writing** (`open`, `openat`, `openat2`, `creat`) with
//!   write access, `O_CREAT` or `O_TRUNC`: path, access mode, `O_CREAT`,
//!   `O_TRUNC`, `O_APPEND`. Read-only opens are not effects.
//! * `rename*`, `unlink*`, `rmdir`, `mkdir*`, `link*`, `symlink*`,
//!   `truncate`, `ftruncate`.
//! * `execve`/`execveat`: path and argv. The root process's first exec (before
//!   it has had any effect) is the launch of the program under test, not an
//!   effect of it, and is skipped: `python3 prog.py` and `./prog` differ there.
//! * Network peers: `connect` and `bind` addresses, and each distinct
//!   `sendto`/`sendmsg` destination address.
//!
//! Destinations are named, not numbered: fds are followed through
//! `open*`/`socket`/`accept*`/`dup*`/`fcntl(F_DUPFD)`/`close` and inherited
//! across `fork`, so data written to a file is keyed by its path (or, with
//! raw pointer arguments, by the order in which written files were opened),
//! and data sent on a socket by its peer address. Fds 0–2, unless
//! redirected, are the stdin/stdout/stderr streams; other fds the trace
//! never opened are compared by number. Writes into pipes, eventfds,
//! memfds and other fds created inside the traced tree are internal
//! communication, and are skipped when the creating call's result is known.
//!
//! The dynamic loader's probes (`access`/`openat`/`stat` of `ld.so.cache`,
//! `libc.so.6`...) and an interpreter's reads of its own sources are
//! read-only, so never effects. Noise paths never count even when written:
//! the loader's and libraries' trees (`/etc/ld.so*`, `/lib*`, `/usr/lib*`
//! which holds the Python stdlib, `/usr/local/lib/python*`), Python's
//! byte-code caches and packages (`__pycache__`, `*.pyc` and its temporary
//! `*.pyc.NNN`, `site-packages`, `dist-packages`), `/proc`, `/sys`,
//! `/dev/null`, `/dev/[u]random`, locale data and the nscd socket, plus
//! [`CompareOptions::ignore_paths`] prefixes. Allocator and runtime
//! calls (`mmap`, `brk`, `futex`, `rt_sigaction`, ... see
//! [`IGNORED_SYSCALLS`]) are never effects; they show up only in the
//! informational per-syscall count deltas.
//!
//! Effects other than data are compared as ordered sequences (a longest
//! common subsequence alignment), so one missing or changed effect is
//! reported once, at the syscall that differs, and does not shift the rest.
//! A value the trace does not show (a raw pointer where a path or argv
//! would be decoded) matches any value, and when only one trace has raw
//! path pointers, the other's written files are numbered by opening order
//! too: a trace with raw arguments still compares with a decoded one.
//! The sequence is canonical, not the order of the clock: each task's
//! effects in its program order, tasks in the order of the process tree
//! (the root, then each child in the order its parent created it, depth
//! first), so that concurrent threads and children that the scheduler
//! interleaves differently from run to run still line up.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use renacer_trace::json::TraceFile;

use crate::decode::{
    self, AT_REMOVEDIR, DecodedString, O_ACCMODE, O_APPEND, O_CREAT, O_RDWR, O_TRUNC, O_WRONLY,
    int_arg, iov_data, parse_string, parse_string_list, quote, socket_address, string_arg,
    struct_field, success,
};
use crate::util::{FdTables, is_fork, lost_events, root_pid, time_order, wall_span_nanos};

/// Calls that never have an effect on the outside world (loader, allocator,
/// threading and signal set-up, metadata queries). Documentation of the
/// noise rule, and the `noise` flag of [`CountDelta`].
pub const IGNORED_SYSCALLS: &[&str] = &[
    "mmap",
    "munmap",
    "mprotect",
    "mremap",
    "madvise",
    "brk",
    "arch_prctl",
    "set_tid_address",
    "set_robust_list",
    "rseq",
    "prlimit64",
    "getrandom",
    "futex",
    "rt_sigaction",
    "rt_sigprocmask",
    "rt_sigreturn",
    "sigaltstack",
    "access",
    "faccessat",
    "faccessat2",
    "newfstatat",
    "stat",
    "lstat",
    "fstat",
    "statx",
    "statfs",
    "fstatfs",
    "read",
    "pread64",
    "readv",
    "close",
    "lseek",
    "ioctl",
    "getcwd",
    "readlink",
    "readlinkat",
    "getdents64",
    "fcntl",
    "getpid",
    "getppid",
    "gettid",
    "getuid",
    "geteuid",
    "getgid",
    "getegid",
    "uname",
    "sched_getaffinity",
    "sched_yield",
    "clock_gettime",
    "gettimeofday",
    "poll",
    "epoll_wait",
    "epoll_ctl",
    "membarrier",
];

/// How a comparison is judged.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareOptions {
    /// Allowed relative drift of the total syscall count, `|b - a| / a`.
    pub tolerance: f64,
    /// Fail when the total count drifts beyond `tolerance`. Off by default:
    /// two implementations legitimately make different numbers of calls.
    pub fail_on_count_drift: bool,
    /// Further path prefixes whose effects are noise (scratch directories...).
    pub ignore_paths: Vec<String>,
}

impl Default for CompareOptions {
    fn default() -> Self {
        Self {
            tolerance: 0.05,
            fail_on_count_drift: false,
            ignore_paths: Vec::new(),
        }
    }
}

impl CompareOptions {
    /// Options for a tolerance given in percent, as renacerctl's
    /// `--tolerance` and the Compare RPC take it. An explicit tolerance is a
    /// budget: drift beyond it fails. Without one the totals are checked
    /// against the default 5% for information only, since two
    /// implementations legitimately make different numbers of calls.
    pub fn with_tolerance_percent(percent: Option<f64>) -> Result<Self, String> {
        let mut options = Self::default();
        if let Some(percent) = percent {
            if !(percent.is_finite() && percent >= 0.0) {
                return Err(format!(
                    "the tolerance must be a non-negative percentage (got {percent})"
                ));
            }
            options.tolerance = percent / 100.0;
            options.fail_on_count_drift = true;
        }
        Ok(options)
    }
}

/// Where a syscall sits in its trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyscallRef {
    /// Position in the file's `syscalls` array.
    pub index: usize,
    pub name: String,
    pub pid: u32,
    pub tid: u32,
    pub lamport: u64,
}

impl SyscallRef {
    fn of(trace: &TraceFile, index: usize) -> Self {
        let sc = &trace.syscalls[index];
        Self {
            index,
            name: sc.name.clone(),
            pid: sc.pid,
            tid: sc.tid,
            lamport: sc.lamport,
        }
    }
}

impl fmt::Display for SyscallRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "#{} {} (pid {}, lamport {})",
            self.index, self.name, self.pid, self.lamport
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DivergenceKind {
    /// Both wrote to the destination but the bytes differ at `offset`.
    DataMismatch,
    /// One wrote more to the destination than the other; `offset` is where
    /// the shorter stream ends.
    DataLength,
    /// An effect of A that B does not have.
    MissingInB,
    /// An effect of B that A does not have.
    ExtraInB,
    /// Both have an effect of this kind at this point, with different details.
    Changed,
}

/// One difference in effects, pinpointed in both traces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Divergence {
    pub kind: DivergenceKind,
    /// Stable identifier of what diverged, as the Compare RPC reports it:
    /// `write-data`, `write-length`, `file-opened`, `process-spawned`...
    pub id: &'static str,
    /// The destination of data (`stdout`, `"/tmp/out"`, `socket to ...`), or
    /// what an effect acts on (a path, a peer address; its kind when the
    /// trace does not show it).
    pub target: String,
    /// The syscall in A at the divergence, when A has one.
    pub a: Option<SyscallRef>,
    /// The syscall in B at the divergence, when B has one.
    pub b: Option<SyscallRef>,
    /// Byte offset in the written stream, for data divergences.
    pub offset: Option<u64>,
    /// What differs, with a few bytes of context for data.
    pub detail: String,
}

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            DivergenceKind::DataMismatch => "data differs",
            DivergenceKind::DataLength => "data length differs",
            DivergenceKind::MissingInB => "missing in B",
            DivergenceKind::ExtraInB => "only in B",
            DivergenceKind::Changed => "changed",
        };
        write!(f, "{what}: {}", self.target)?;
        if let Some(offset) = self.offset {
            write!(f, " at byte {offset}")?;
        }
        write!(f, ": {}", self.detail)?;
        let at =
            |r: &Option<SyscallRef>| r.as_ref().map_or_else(|| "-".to_owned(), |r| r.to_string());
        write!(f, " [A: {}; B: {}]", at(&self.a), at(&self.b))
    }
}

/// Calls of one name in each trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountDelta {
    pub a: u64,
    pub b: u64,
    /// `b - a`.
    pub delta: i64,
    /// The name is in [`IGNORED_SYSCALLS`].
    pub noise: bool,
}

/// Total syscall counts and their drift.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TotalCounts {
    pub a: u64,
    pub b: u64,
    /// `|b - a| / a`; infinite when A is empty and B is not.
    pub drift: f64,
    pub within_tolerance: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuntimeSource {
    /// First enter to last exit, from the timestamps.
    WallSpan,
    /// Sum of the calls' durations (timestamps missing).
    SummedDurations,
}

/// Run time of each trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Runtime {
    pub a_nanos: u64,
    pub b_nanos: u64,
    pub source: RuntimeSource,
}

impl Runtime {
    /// How many times faster B is than A (`a / b`); `None` without timing.
    pub fn speedup(&self) -> Option<f64> {
        (self.a_nanos > 0 && self.b_nanos > 0).then(|| self.a_nanos as f64 / self.b_nanos as f64)
    }

    /// B relative to A: `8.5x faster`, `1.2x slower`, or `n/a`.
    pub fn verdict(&self) -> String {
        match self.speedup() {
            None => "n/a".to_owned(),
            Some(s) if s >= 1.0 => format!("{s:.1}x faster"),
            Some(s) => format!("{:.1}x slower", 1.0 / s),
        }
    }
}

/// The outcome of [`compare`].
#[derive(Debug, Clone, PartialEq)]
pub struct CompareReport {
    pub passed: bool,
    pub divergences: Vec<Divergence>,
    pub count_deltas: BTreeMap<String, CountDelta>,
    pub totals: TotalCounts,
    pub runtime: Runtime,
    /// Discrete effects (opens, renames, execs, peers...) found in A and B.
    pub effects: (usize, usize),
    /// Destinations whose written data was compared.
    pub streams: usize,
    pub tolerance: f64,
    /// Whether count drift beyond the tolerance fails the comparison.
    pub fail_on_count_drift: bool,
    /// Warnings about the inputs (events lost in A or B).
    pub warnings: Vec<String>,
}

/// Count deltas listed by the human report, largest first.
const SHOWN_DELTAS: usize = 12;

impl fmt::Display for CompareReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let drift_fails = self.fail_on_count_drift && !self.totals.within_tolerance;
        if self.passed {
            writeln!(
                f,
                "PASS: same effects ({} effects, {} output streams compared)",
                self.effects.0, self.streams
            )?;
        } else {
            let mut reasons = Vec::new();
            if !self.divergences.is_empty() {
                reasons.push(format!("{} divergence(s)", self.divergences.len()));
            }
            if drift_fails {
                reasons.push("syscall count outside tolerance".to_owned());
            }
            writeln!(f, "FAIL: {}", reasons.join(", "))?;
        }
        for warning in &self.warnings {
            writeln!(f, "warning: {warning}")?;
        }
        for (n, d) in self.divergences.iter().enumerate() {
            writeln!(f, "  {}. {d}", n + 1)?;
        }
        let source = match self.runtime.source {
            RuntimeSource::WallSpan => "wall span",
            RuntimeSource::SummedDurations => "summed syscall durations",
        };
        writeln!(
            f,
            "runtime: {} (A {}, B {}, {source})",
            self.runtime.verdict(),
            crate::util::format_nanos(self.runtime.a_nanos),
            crate::util::format_nanos(self.runtime.b_nanos)
        )?;
        let t = &self.totals;
        let verdict = match (t.within_tolerance, self.fail_on_count_drift) {
            (true, _) => "within",
            (false, true) => "outside",
            (false, false) => "outside (informational)",
        };
        let signed = if t.b >= t.a { t.drift } else { -t.drift };
        writeln!(
            f,
            "syscalls: A {}, B {} ({:+.1}%, {verdict} ±{:.1}% tolerance)",
            t.a,
            t.b,
            signed * 100.0,
            self.tolerance * 100.0
        )?;
        let mut deltas: Vec<(&String, &CountDelta)> = self
            .count_deltas
            .iter()
            .filter(|(_, d)| d.delta != 0)
            .collect();
        deltas.sort_by_key(|(name, d)| (std::cmp::Reverse(d.delta.unsigned_abs()), *name));
        if !deltas.is_empty() {
            writeln!(f, "count deltas (B - A):")?;
            for (name, d) in deltas.iter().take(SHOWN_DELTAS) {
                let noise = if d.noise { "  (noise)" } else { "" };
                writeln!(
                    f,
                    "  {name:<20} {:>8} -> {:<8} {:+}{noise}",
                    d.a, d.b, d.delta
                )?;
            }
            if deltas.len() > SHOWN_DELTAS {
                writeln!(f, "  ... {} more", deltas.len() - SHOWN_DELTAS)?;
            }
        }
        Ok(())
    }
}

/// Compares the effects of `a` and `b`; see the module documentation.
pub fn compare(a: &TraceFile, b: &TraceFile, opts: &CompareOptions) -> CompareReport {
    let mut ea = Extractor::run(a, opts);
    let mut eb = Extractor::run(b, opts);
    canonical_order(a, &mut ea.effects);
    canonical_order(b, &mut eb.effects);
    // A trace with raw path pointers numbers its written files; name the
    // other trace's files the same way so that their data still compares.
    if ea.unnamed_files > 0 && eb.unnamed_files == 0 {
        eb.number_files();
    } else if eb.unnamed_files > 0 && ea.unnamed_files == 0 {
        ea.number_files();
    }
    let mut divergences = diff_effects(a, &ea.effects, b, &eb.effects);
    let mut keys: Vec<&StreamKey> = ea.streams.keys().chain(eb.streams.keys()).collect();
    keys.sort();
    keys.dedup();
    let empty = Stream::default();
    for key in &keys {
        let sa = ea.streams.get(*key).unwrap_or(&empty);
        let sb = eb.streams.get(*key).unwrap_or(&empty);
        if let Some(d) = compare_streams(key, (a, sa), (b, sb)) {
            divergences.push(d);
        }
    }

    let count_deltas = count_deltas(a, b);
    let (ta, tb) = (a.syscalls.len() as u64, b.syscalls.len() as u64);
    let drift = if ta == 0 {
        if tb == 0 { 0.0 } else { f64::INFINITY }
    } else {
        ta.abs_diff(tb) as f64 / ta as f64
    };
    let totals = TotalCounts {
        a: ta,
        b: tb,
        drift,
        within_tolerance: drift <= opts.tolerance,
    };
    let runtime = runtime(a, b);
    let passed = divergences.is_empty() && (!opts.fail_on_count_drift || totals.within_tolerance);
    CompareReport {
        passed,
        divergences,
        count_deltas,
        totals,
        runtime,
        effects: (ea.effects.len(), eb.effects.len()),
        streams: keys.len(),
        tolerance: opts.tolerance,
        fail_on_count_drift: opts.fail_on_count_drift,
        warnings: [("A", a), ("B", b)]
            .into_iter()
            .filter_map(|(label, t)| lost_events(t).map(|w| format!("{label}: {w}")))
            .collect(),
    }
}

/// Sorts effects by their task's place in the task tree, keeping each
/// task's program order (the sort is stable and effects come in time order).
fn canonical_order(trace: &TraceFile, effects: &mut [(Effect, usize)]) {
    let mut keys: HashMap<u32, Vec<u32>> = HashMap::new();
    let mut children: HashMap<u32, u32> = HashMap::new();
    let mut orphans = 0u32;
    for i in time_order(trace) {
        let sc = &trace.syscalls[i];
        let parent = keys
            .entry(sc.tid)
            .or_insert_with(|| {
                // A task whose creation the trace does not show: the root,
                // or one already running when the capture started.
                orphans += 1;
                vec![orphans - 1]
            })
            .clone();
        if is_fork(&sc.name)
            && let Some(child) = success(sc).and_then(|c| u32::try_from(c).ok())
            && child > 0
        {
            let n = children.entry(sc.tid).or_default();
            let mut key = parent;
            key.push(*n);
            *n += 1;
            keys.entry(child).or_insert(key);
        }
    }
    effects.sort_by(|(_, x), (_, y)| {
        keys.get(&trace.syscalls[*x].tid)
            .cmp(&keys.get(&trace.syscalls[*y].tid))
    });
}

fn count_deltas(a: &TraceFile, b: &TraceFile) -> BTreeMap<String, CountDelta> {
    let mut counts: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for sc in &a.syscalls {
        counts.entry(sc.name.clone()).or_default().0 += 1;
    }
    for sc in &b.syscalls {
        counts.entry(sc.name.clone()).or_default().1 += 1;
    }
    counts
        .into_iter()
        .map(|(name, (a, b))| {
            let noise = IGNORED_SYSCALLS.contains(&name.as_str());
            let delta = i64::try_from(b).unwrap_or(i64::MAX) - i64::try_from(a).unwrap_or(i64::MAX);
            (name, CountDelta { a, b, delta, noise })
        })
        .collect()
}

fn runtime(a: &TraceFile, b: &TraceFile) -> Runtime {
    let span = wall_span_nanos;
    let summed = |t: &TraceFile| {
        t.syscalls
            .iter()
            .fold(0u64, |acc, s| acc.saturating_add(s.duration_nanos))
    };
    match (span(a), span(b)) {
        (Some(a_nanos), Some(b_nanos)) => Runtime {
            a_nanos,
            b_nanos,
            source: RuntimeSource::WallSpan,
        },
        _ => Runtime {
            a_nanos: summed(a),
            b_nanos: summed(b),
            source: RuntimeSource::SummedDurations,
        },
    }
}

// ---------------------------------------------------------------------------
// Effect extraction

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Read,
    Write,
    ReadWrite,
}

/// A discrete effect. Paths are `None` when the argument was a raw pointer.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Effect {
    Open {
        path: Option<Vec<u8>>,
        access: Access,
        create: bool,
        truncate: bool,
        append: bool,
    },
    Rename {
        from: Option<Vec<u8>>,
        to: Option<Vec<u8>>,
    },
    Link {
        from: Option<Vec<u8>>,
        to: Option<Vec<u8>>,
    },
    Symlink {
        target: Option<Vec<u8>>,
        path: Option<Vec<u8>>,
    },
    Unlink {
        path: Option<Vec<u8>>,
    },
    Rmdir {
        path: Option<Vec<u8>>,
    },
    Mkdir {
        path: Option<Vec<u8>>,
    },
    Truncate {
        target: String,
        len: Option<i64>,
    },
    Exec {
        path: Option<Vec<u8>>,
        argv: Option<Vec<Vec<u8>>>,
    },
    Connect {
        addr: Option<String>,
    },
    Bind {
        addr: Option<String>,
    },
    SendTo {
        addr: String,
    },
}

fn show_path(p: &Option<Vec<u8>>) -> String {
    p.as_deref()
        .map_or_else(|| "<raw pointer>".to_owned(), quote)
}

impl Effect {
    /// What the effect acts on: the path, the peer or the program, or the
    /// kind of effect when the trace does not show it.
    fn target(&self) -> String {
        let path = |p: &Option<Vec<u8>>| p.as_deref().map(quote);
        let known = match self {
            Self::Open { path: p, .. }
            | Self::Unlink { path: p }
            | Self::Rmdir { path: p }
            | Self::Mkdir { path: p }
            | Self::Symlink { path: p, .. }
            | Self::Exec { path: p, .. } => path(p),
            Self::Rename { to, .. } | Self::Link { to, .. } => path(to),
            Self::Truncate { target, .. } => Some(target.clone()),
            Self::Connect { addr } | Self::Bind { addr } => addr.clone(),
            Self::SendTo { addr } => Some(addr.clone()),
        };
        known.unwrap_or_else(|| self.id().to_owned())
    }

    /// What kind of effect this is: [`Divergence::id`].
    fn id(&self) -> &'static str {
        match self {
            Self::Open { .. } => "file-opened",
            Self::Rename { .. } => "file-renamed",
            Self::Link { .. } => "file-linked",
            Self::Symlink { .. } => "symlink-created",
            Self::Unlink { .. } => "file-unlinked",
            Self::Rmdir { .. } => "directory-removed",
            Self::Mkdir { .. } => "directory-created",
            Self::Truncate { .. } => "file-truncated",
            Self::Exec { .. } => "process-spawned",
            Self::Connect { .. } => "network-connect",
            Self::Bind { .. } => "network-bind",
            Self::SendTo { .. } => "network-peer",
        }
    }
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Open {
                path,
                access,
                create,
                truncate,
                append,
            } => {
                let mode = match access {
                    Access::Read => "O_RDONLY",
                    Access::Write => "O_WRONLY",
                    Access::ReadWrite => "O_RDWR",
                };
                write!(f, "open {} {mode}", show_path(path))?;
                for (set, flag) in [
                    (create, "O_CREAT"),
                    (truncate, "O_TRUNC"),
                    (append, "O_APPEND"),
                ] {
                    if *set {
                        write!(f, "|{flag}")?;
                    }
                }
                Ok(())
            }
            Self::Rename { from, to } => {
                write!(f, "rename {} -> {}", show_path(from), show_path(to))
            }
            Self::Link { from, to } => write!(f, "link {} -> {}", show_path(from), show_path(to)),
            Self::Symlink { target, path } => {
                write!(f, "symlink {} -> {}", show_path(path), show_path(target))
            }
            Self::Unlink { path } => write!(f, "unlink {}", show_path(path)),
            Self::Rmdir { path } => write!(f, "rmdir {}", show_path(path)),
            Self::Mkdir { path } => write!(f, "mkdir {}", show_path(path)),
            Self::Truncate { target, len } => match len {
                Some(len) => write!(f, "truncate {target} to {len}"),
                None => write!(f, "truncate {target}"),
            },
            Self::Exec { path, argv } => {
                write!(f, "execve {}", show_path(path))?;
                match argv {
                    Some(argv) => {
                        let items: Vec<String> = argv.iter().map(|a| quote(a)).collect();
                        write!(f, " [{}]", items.join(", "))
                    }
                    None => write!(f, " <argv not decoded>"),
                }
            }
            Self::Connect { addr } => {
                write!(f, "connect {}", addr.as_deref().unwrap_or("<raw pointer>"))
            }
            Self::Bind { addr } => write!(f, "bind {}", addr.as_deref().unwrap_or("<raw pointer>")),
            Self::SendTo { addr } => write!(f, "sendto {addr}"),
        }
    }
}

/// A destination of written data.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum StreamKey {
    Stdio(i64),
    Path(Vec<u8>),
    /// The n-th file opened for writing whose path was a raw pointer.
    UnnamedFile(usize),
    Peer(String),
    /// The n-th socket whose peer is unknown.
    Socket(usize),
    /// An fd the trace never opened (inherited from the launcher).
    Fd(i64),
}

impl fmt::Display for StreamKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Stdio(0) => f.write_str("stdin"),
            Self::Stdio(1) => f.write_str("stdout"),
            Self::Stdio(2) => f.write_str("stderr"),
            Self::Stdio(n) | Self::Fd(n) => write!(f, "fd {n}"),
            Self::Path(p) => f.write_str(&quote(p)),
            Self::UnnamedFile(n) => write!(f, "written file #{n} (path not decoded)"),
            Self::Peer(addr) => write!(f, "socket to {addr}"),
            Self::Socket(n) => write!(f, "socket #{n}"),
        }
    }
}

#[derive(Debug, Clone)]
enum FdTarget {
    Stream(StreamKey),
    Socket {
        ordinal: usize,
        peer: Option<String>,
    },
    /// Read-only files, noise paths and fds internal to the traced tree.
    Ignored,
}

/// Data written by one call.
#[derive(Debug, Clone)]
struct Chunk {
    offset: u64,
    len: u64,
    /// Known leading bytes (all of them unless the argument was a raw pointer
    /// or strace cut it).
    known: Vec<u8>,
    index: usize,
}

#[derive(Debug, Clone, Default)]
struct Stream {
    chunks: Vec<Chunk>,
    len: u64,
}

#[derive(Debug)]
struct Extractor<'a> {
    trace: &'a TraceFile,
    opts: &'a CompareOptions,
    fds: FdTables<FdTarget>,
    effects: Vec<(Effect, usize)>,
    streams: BTreeMap<StreamKey, Stream>,
    unnamed_files: usize,
    /// Paths of the files opened for writing, in order of first opening.
    named_files: Vec<Vec<u8>>,
    sockets: usize,
    peers_sent: HashSet<String>,
    root: Option<u32>,
    root_launched: bool,
    /// pids that already had an effect, for the launch-exec rule.
    active: HashMap<u32, bool>,
}

/// Creators of fds whose traffic stays inside the traced tree.
const INTERNAL_FD_CREATORS: &[&str] = &[
    "eventfd",
    "eventfd2",
    "epoll_create",
    "epoll_create1",
    "timerfd_create",
    "signalfd",
    "signalfd4",
    "inotify_init",
    "inotify_init1",
    "fanotify_init",
    "memfd_create",
    "pidfd_open",
    "userfaultfd",
    "perf_event_open",
    "io_uring_setup",
];

impl<'a> Extractor<'a> {
    fn run(trace: &'a TraceFile, opts: &'a CompareOptions) -> Self {
        let order = time_order(trace);
        let mut ex = Self {
            trace,
            opts,
            fds: FdTables::new(),
            effects: Vec::new(),
            streams: BTreeMap::new(),
            unnamed_files: 0,
            named_files: Vec::new(),
            sockets: 0,
            peers_sent: HashSet::new(),
            root: root_pid(trace, &order),
            root_launched: false,
            active: HashMap::new(),
        };
        for &i in &order {
            ex.record(i);
        }
        ex
    }

    /// Keys the data written to named files by opening order, as
    /// [`StreamKey::UnnamedFile`] does.
    fn number_files(&mut self) {
        for (n, path) in self.named_files.iter().enumerate() {
            if let Some(stream) = self.streams.remove(&StreamKey::Path(path.clone())) {
                self.streams.insert(StreamKey::UnnamedFile(n + 1), stream);
            }
        }
    }

    fn is_noise(&self, path: &[u8]) -> bool {
        is_noise_path(path)
            || self
                .opts
                .ignore_paths
                .iter()
                .any(|p| path.starts_with(p.as_bytes()))
    }

    fn any_noise(&self, paths: &[&Option<Vec<u8>>]) -> bool {
        paths
            .iter()
            .any(|p| p.as_deref().is_some_and(|p| self.is_noise(p)))
    }

    fn effect(&mut self, effect: Effect, index: usize) {
        let pid = self.trace.syscalls[index].pid;
        self.active.insert(pid, true);
        self.effects.push((effect, index));
    }

    fn path_effect(&mut self, index: usize, paths: &[&Option<Vec<u8>>], effect: Effect) {
        if !self.any_noise(paths) {
            self.effect(effect, index);
        }
    }

    fn record(&mut self, i: usize) {
        let trace = self.trace;
        let sc = &trace.syscalls[i];
        let Some(ret) = success(sc).or_else(|| {
            // A non-blocking connect is under way: still an effect.
            (sc.name == "connect" && decode::errno(sc) == Some(115)).then_some(0)
        }) else {
            return;
        };
        if self.fds.apply_common(sc) {
            return;
        }
        let s = |n| string_arg(sc, n);
        match sc.name.as_str() {
            "open" => self.open(i, s(0), int_arg(sc, 1), ret),
            "openat" => self.open(i, s(1), int_arg(sc, 2), ret),
            "openat2" => {
                let flags = sc
                    .args
                    .get(2)
                    .and_then(|a| struct_field(a, "flags="))
                    .and_then(decode::parse_int);
                self.open(i, s(1), flags, ret);
            }
            "creat" => self.open(i, s(0), Some(O_WRONLY | O_CREAT | O_TRUNC), ret),
            "write" | "pwrite64" => {
                let data = sc.args.get(1).and_then(|a| parse_string(a));
                self.write(i, int_arg(sc, 0), data, ret, None);
            }
            "writev" | "pwritev" | "pwritev2" => {
                let data = sc.args.get(1).and_then(|a| iov_data(a));
                self.write(i, int_arg(sc, 0), data, ret, None);
            }
            "sendto" => {
                let data = sc.args.get(1).and_then(|a| parse_string(a));
                let peer = sc.args.get(4).and_then(|a| socket_address(a));
                self.write(i, int_arg(sc, 0), data, ret, peer);
            }
            "sendmsg" => {
                let msg = sc.args.get(1).map_or("", String::as_str);
                let data = iov_data(msg);
                let peer = struct_field(msg, "msg_name=").and_then(socket_address);
                self.write(i, int_arg(sc, 0), data, ret, peer);
            }
            "sendfile" => self.write(i, int_arg(sc, 0), None, ret, None),
            "copy_file_range" => self.write(i, int_arg(sc, 2), None, ret, None),
            "socket" => {
                self.sockets += 1;
                let target = FdTarget::Socket {
                    ordinal: self.sockets,
                    peer: None,
                };
                self.fds.set(sc.pid, ret, target);
            }
            "accept" | "accept4" => {
                self.sockets += 1;
                let peer = sc.args.get(1).and_then(|a| socket_address(a));
                let target = FdTarget::Socket {
                    ordinal: self.sockets,
                    peer,
                };
                self.fds.set(sc.pid, ret, target);
            }
            "connect" | "bind" => {
                let addr = sc.args.get(1).and_then(|a| socket_address(a));
                if addr
                    .as_deref()
                    .is_some_and(|a| NOISE_SOCKETS.iter().any(|n| a.contains(n)))
                {
                    return;
                }
                if sc.name == "connect"
                    && let Some(fd) = int_arg(sc, 0)
                    && let Some(FdTarget::Socket { ordinal, .. }) =
                        self.fds.get(sc.pid, fd).cloned()
                {
                    let target = FdTarget::Socket {
                        ordinal,
                        peer: addr.clone(),
                    };
                    self.fds.set(sc.pid, fd, target);
                }
                let effect = if sc.name == "connect" {
                    Effect::Connect { addr }
                } else {
                    Effect::Bind { addr }
                };
                self.effect(effect, i);
            }
            "pipe" | "pipe2" | "socketpair" => {
                if let Some((r, w)) = self.fds.new_pair(sc) {
                    self.fds.set(sc.pid, r, FdTarget::Ignored);
                    self.fds.set(sc.pid, w, FdTarget::Ignored);
                }
            }
            name if INTERNAL_FD_CREATORS.contains(&name) => {
                self.fds.set(sc.pid, ret, FdTarget::Ignored);
            }
            "rename" | "renameat" | "renameat2" => {
                let (from, to) = if sc.name == "rename" {
                    (s(0), s(1))
                } else {
                    (s(1), s(3))
                };
                self.path_effect(
                    i,
                    &[&from, &to],
                    Effect::Rename {
                        from: from.clone(),
                        to: to.clone(),
                    },
                );
            }
            "link" | "linkat" => {
                let (from, to) = if sc.name == "link" {
                    (s(0), s(1))
                } else {
                    (s(1), s(3))
                };
                self.path_effect(
                    i,
                    &[&from, &to],
                    Effect::Link {
                        from: from.clone(),
                        to: to.clone(),
                    },
                );
            }
            "symlink" | "symlinkat" => {
                let (target, path) = if sc.name == "symlink" {
                    (s(0), s(1))
                } else {
                    (s(0), s(2))
                };
                self.path_effect(
                    i,
                    &[&path],
                    Effect::Symlink {
                        target,
                        path: path.clone(),
                    },
                );
            }
            "unlink" | "rmdir" => {
                let path = s(0);
                let effect = if sc.name == "unlink" {
                    Effect::Unlink { path: path.clone() }
                } else {
                    Effect::Rmdir { path: path.clone() }
                };
                self.path_effect(i, &[&path], effect);
            }
            "unlinkat" => {
                let path = s(1);
                let effect = if int_arg(sc, 2).is_some_and(|f| f & AT_REMOVEDIR != 0) {
                    Effect::Rmdir { path: path.clone() }
                } else {
                    Effect::Unlink { path: path.clone() }
                };
                self.path_effect(i, &[&path], effect);
            }
            "mkdir" | "mkdirat" => {
                let path = if sc.name == "mkdir" { s(0) } else { s(1) };
                self.path_effect(i, &[&path], Effect::Mkdir { path: path.clone() });
            }
            "truncate" => {
                let path = s(0);
                let effect = Effect::Truncate {
                    target: show_path(&path),
                    len: int_arg(sc, 1),
                };
                self.path_effect(i, &[&path], effect);
            }
            "ftruncate" => {
                let target = match int_arg(sc, 0).and_then(|fd| self.fds.get(sc.pid, fd)) {
                    Some(FdTarget::Stream(key)) => key.to_string(),
                    Some(_) => return,
                    None => format!("fd {}", int_arg(sc, 0).unwrap_or(-1)),
                };
                self.effect(
                    Effect::Truncate {
                        target,
                        len: int_arg(sc, 1),
                    },
                    i,
                );
            }
            "execve" | "execveat" => {
                let (p, a) = if sc.name == "execve" { (0, 1) } else { (1, 2) };
                let launch = Some(sc.pid) == self.root
                    && !self.root_launched
                    && !self.active.get(&sc.pid).copied().unwrap_or(false);
                if Some(sc.pid) == self.root {
                    self.root_launched = true;
                }
                if launch {
                    return;
                }
                let argv = sc
                    .args
                    .get(a)
                    .and_then(|x| parse_string_list(x))
                    .map(|(items, _)| items);
                self.effect(Effect::Exec { path: s(p), argv }, i);
            }
            _ => {}
        }
    }

    fn open(&mut self, index: usize, path: Option<Vec<u8>>, flags: Option<i64>, fd: i64) {
        let pid = self.trace.syscalls[index].pid;
        let flags = flags.unwrap_or(0);
        let access = match flags & O_ACCMODE {
            O_WRONLY => Access::Write,
            O_RDWR => Access::ReadWrite,
            _ => Access::Read,
        };
        let (create, truncate) = (flags & O_CREAT != 0, flags & O_TRUNC != 0);
        let writes = access != Access::Read || create || truncate;
        if !writes || path.as_deref().is_some_and(|p| self.is_noise(p)) {
            self.fds.set(pid, fd, FdTarget::Ignored);
            return;
        }
        let key = match &path {
            Some(p) => {
                if !self.named_files.contains(p) {
                    self.named_files.push(p.clone());
                }
                StreamKey::Path(p.clone())
            }
            None => {
                self.unnamed_files += 1;
                StreamKey::UnnamedFile(self.unnamed_files)
            }
        };
        self.fds.set(pid, fd, FdTarget::Stream(key));
        self.effect(
            Effect::Open {
                path,
                access,
                create,
                truncate,
                append: flags & O_APPEND != 0,
            },
            index,
        );
    }

    fn write(
        &mut self,
        index: usize,
        fd: Option<i64>,
        data: Option<DecodedString>,
        ret: i64,
        peer: Option<String>,
    ) {
        let (Some(fd), Ok(len)) = (fd, u64::try_from(ret)) else {
            return;
        };
        let pid = self.trace.syscalls[index].pid;
        if let Some(addr) = &peer
            && self.peers_sent.insert(addr.clone())
        {
            self.effect(Effect::SendTo { addr: addr.clone() }, index);
        }
        let key = match self.fds.get(pid, fd) {
            Some(FdTarget::Ignored) => return,
            Some(FdTarget::Stream(key)) => key.clone(),
            Some(FdTarget::Socket {
                ordinal,
                peer: connected,
            }) => match peer.or_else(|| connected.clone()) {
                Some(addr) => StreamKey::Peer(addr),
                None => StreamKey::Socket(*ordinal),
            },
            None if (0..=2).contains(&fd) => StreamKey::Stdio(fd),
            None => peer.map_or(StreamKey::Fd(fd), StreamKey::Peer),
        };
        if len == 0 {
            return;
        }
        let mut known = data.map(|d| d.bytes).unwrap_or_default();
        known.truncate(usize::try_from(len).unwrap_or(usize::MAX));
        let stream = self.streams.entry(key).or_default();
        stream.chunks.push(Chunk {
            offset: stream.len,
            len,
            known,
            index,
        });
        stream.len += len;
    }
}

/// Unix sockets that libc talks to on its own (name service cache).
const NOISE_SOCKETS: &[&str] = &["/var/run/nscd/", "/run/nscd/"];

/// Paths whose effects are runtime noise; see the module documentation.
pub fn is_noise_path(path: &[u8]) -> bool {
    const PREFIXES: &[&[u8]] = &[
        b"/etc/ld.so",
        b"/lib/",
        b"/lib32/",
        b"/lib64/",
        b"/usr/lib/",
        b"/usr/lib32/",
        b"/usr/lib64/",
        b"/usr/local/lib/python",
        b"/usr/share/locale",
        b"/proc/",
        b"/sys/",
        b"/dev/null",
        b"/dev/urandom",
        b"/dev/random",
        b"/var/run/nscd/",
        b"/run/nscd/",
    ];
    const INFIXES: &[&[u8]] = &[b"__pycache__", b"/site-packages/", b"/dist-packages/"];
    if PREFIXES.iter().any(|p| path.starts_with(p))
        || INFIXES
            .iter()
            .any(|p| path.windows(p.len()).any(|w| w == *p))
    {
        return true;
    }
    let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
    // `x.pyc`, and CPython's temporary `x.pyc.140234` before the rename.
    name.ends_with(b".pyc")
        || name
            .windows(5)
            .position(|w| w == b".pyc.")
            .is_some_and(|p| name[p + 5..].iter().all(u8::is_ascii_digit))
}

// ---------------------------------------------------------------------------
// Effect sequence diff

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Equal,
    Delete(usize),
    Insert(usize),
}

/// Cells of the LCS table beyond which a greedy alignment is used instead.
const LCS_LIMIT: usize = 4_000_000;

fn diff_ops<T: PartialEq>(a: &[T], b: &[T]) -> Vec<Op> {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (ma, mb) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let mut ops = vec![Op::Equal; prefix];
    let (n, m) = (ma.len(), mb.len());
    if n.saturating_mul(m) <= LCS_LIMIT {
        // lcs[i][j] = LCS length of ma[i..] and mb[j..].
        let width = m + 1;
        let mut lcs = vec![0u32; (n + 1) * width];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                lcs[i * width + j] = if ma[i] == mb[j] {
                    lcs[(i + 1) * width + j + 1] + 1
                } else {
                    lcs[(i + 1) * width + j].max(lcs[i * width + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            if i < n && j < m && ma[i] == mb[j] {
                ops.push(Op::Equal);
                i += 1;
                j += 1;
            } else if i < n && (j == m || lcs[(i + 1) * width + j] >= lcs[i * width + j + 1]) {
                ops.push(Op::Delete(prefix + i));
                i += 1;
            } else {
                ops.push(Op::Insert(prefix + j));
                j += 1;
            }
        }
    } else {
        // Too large for the table: resynchronise on the nearest match ahead.
        const WINDOW: usize = 64;
        let (mut i, mut j) = (0, 0);
        while i < n && j < m {
            if ma[i] == mb[j] {
                ops.push(Op::Equal);
                i += 1;
                j += 1;
                continue;
            }
            let in_b = mb[j..m.min(j + WINDOW)].iter().position(|y| *y == ma[i]);
            let in_a = ma[i..n.min(i + WINDOW)].iter().position(|x| *x == mb[j]);
            match (in_a, in_b) {
                (Some(da), Some(db)) if da <= db => {
                    ops.extend((i..i + da).map(|k| Op::Delete(prefix + k)));
                    i += da;
                }
                (_, Some(db)) => {
                    ops.extend((j..j + db).map(|k| Op::Insert(prefix + k)));
                    j += db;
                }
                (Some(da), None) => {
                    ops.extend((i..i + da).map(|k| Op::Delete(prefix + k)));
                    i += da;
                }
                (None, None) => {
                    ops.push(Op::Delete(prefix + i));
                    ops.push(Op::Insert(prefix + j));
                    i += 1;
                    j += 1;
                }
            }
        }
        ops.extend((i..n).map(|k| Op::Delete(prefix + k)));
        ops.extend((j..m).map(|k| Op::Insert(prefix + k)));
    }
    ops.extend(std::iter::repeat_n(Op::Equal, suffix));
    ops
}

/// Both known and equal, or unknown on either side: a raw pointer says
/// nothing about the value, so it cannot differ (and a trace without
/// decoded arguments still matches one with them).
fn same<T: PartialEq>(a: &Option<T>, b: &Option<T>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    }
}

/// An effect compared as [`Effect::matches`] says, for the alignment.
#[derive(Debug)]
struct Matching<'a>(&'a Effect);

impl PartialEq for Matching<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0.matches(other.0)
    }
}

impl Effect {
    /// The same effect, up to what the traces do not show (see [`same`]).
    fn matches(&self, other: &Self) -> bool {
        use Effect::*;
        match (self, other) {
            (
                Open {
                    path: p1,
                    access: a1,
                    create: c1,
                    truncate: t1,
                    append: x1,
                },
                Open {
                    path: p2,
                    access: a2,
                    create: c2,
                    truncate: t2,
                    append: x2,
                },
            ) => same(p1, p2) && (a1, c1, t1, x1) == (a2, c2, t2, x2),
            (Rename { from: f1, to: t1 }, Rename { from: f2, to: t2 })
            | (Link { from: f1, to: t1 }, Link { from: f2, to: t2 })
            | (
                Symlink {
                    target: f1,
                    path: t1,
                },
                Symlink {
                    target: f2,
                    path: t2,
                },
            ) => same(f1, f2) && same(t1, t2),
            (Unlink { path: p1 }, Unlink { path: p2 })
            | (Rmdir { path: p1 }, Rmdir { path: p2 })
            | (Mkdir { path: p1 }, Mkdir { path: p2 }) => same(p1, p2),
            (Exec { path: p1, argv: v1 }, Exec { path: p2, argv: v2 }) => {
                same(p1, p2) && same(v1, v2)
            }
            (Connect { addr: a1 }, Connect { addr: a2 })
            | (Bind { addr: a1 }, Bind { addr: a2 }) => same(a1, a2),
            _ => self == other,
        }
    }
}

fn diff_effects(
    ta: &TraceFile,
    a: &[(Effect, usize)],
    tb: &TraceFile,
    b: &[(Effect, usize)],
) -> Vec<Divergence> {
    let ops = diff_ops(
        &a.iter().map(|(e, _)| Matching(e)).collect::<Vec<_>>(),
        &b.iter().map(|(e, _)| Matching(e)).collect::<Vec<_>>(),
    );
    let ea: Vec<&Effect> = a.iter().map(|(e, _)| e).collect();
    let eb: Vec<&Effect> = b.iter().map(|(e, _)| e).collect();
    let mut out = Vec::new();
    // Each block of consecutive non-equal ops: same-kind deletes and inserts
    // pair up as changes, the rest are missing or extra.
    let mut k = 0;
    while k < ops.len() {
        if ops[k] == Op::Equal {
            k += 1;
            continue;
        }
        let (mut dels, mut ins) = (Vec::new(), Vec::new());
        while k < ops.len() && ops[k] != Op::Equal {
            match ops[k] {
                Op::Delete(i) => dels.push(i),
                Op::Insert(j) => ins.push(j),
                Op::Equal => {}
            }
            k += 1;
        }
        let mut used = vec![false; ins.len()];
        let mut block = Vec::new();
        for &i in &dels {
            let partner = ins
                .iter()
                .enumerate()
                .find(|&(n, &j)| !used[n] && eb[j].id() == ea[i].id())
                .map(|(n, &j)| (n, j));
            let d = match partner {
                Some((n, j)) => {
                    used[n] = true;
                    Divergence {
                        kind: DivergenceKind::Changed,
                        id: ea[i].id(),
                        target: ea[i].target(),
                        a: Some(SyscallRef::of(ta, a[i].1)),
                        b: Some(SyscallRef::of(tb, b[j].1)),
                        offset: None,
                        detail: change_detail(ea[i], eb[j]),
                    }
                }
                None => Divergence {
                    kind: DivergenceKind::MissingInB,
                    id: ea[i].id(),
                    target: ea[i].target(),
                    a: Some(SyscallRef::of(ta, a[i].1)),
                    b: None,
                    offset: None,
                    detail: ea[i].to_string(),
                },
            };
            block.push(d);
        }
        for (n, &j) in ins.iter().enumerate() {
            if !used[n] {
                let d = Divergence {
                    kind: DivergenceKind::ExtraInB,
                    id: eb[j].id(),
                    target: eb[j].target(),
                    a: None,
                    b: Some(SyscallRef::of(tb, b[j].1)),
                    offset: None,
                    detail: eb[j].to_string(),
                };
                block.push(d);
            }
        }
        out.extend(block);
    }
    out
}

fn change_detail(a: &Effect, b: &Effect) -> String {
    if let (
        Effect::Exec {
            path: pa,
            argv: Some(va),
        },
        Effect::Exec {
            path: pb,
            argv: Some(vb),
        },
    ) = (a, b)
        && pa == pb
    {
        let n = va.iter().zip(vb).take_while(|(x, y)| x == y).count();
        let show = |v: &[Vec<u8>]| v.get(n).map_or_else(|| "<none>".to_owned(), |x| quote(x));
        return format!("argv[{n}] {} vs {} (A: {a} | B: {b})", show(va), show(vb));
    }
    format!("A: {a} | B: {b}")
}

// ---------------------------------------------------------------------------
// Data comparison

/// Context shown around a data divergence.
const CONTEXT_BEFORE: usize = 8;
const CONTEXT_AFTER: usize = 16;

fn chunk_at(s: &Stream, offset: u64) -> Option<&Chunk> {
    let pos = s.chunks.partition_point(|c| c.offset + c.len <= offset);
    s.chunks.get(pos).or_else(|| s.chunks.last())
}

fn context(s: &Stream, offset: u64) -> String {
    let Some(c) = chunk_at(s, offset) else {
        return "<nothing>".to_owned();
    };
    let rel = usize::try_from(offset.saturating_sub(c.offset)).unwrap_or(usize::MAX);
    if rel >= c.known.len() {
        return if offset >= s.len {
            "<end>".to_owned()
        } else {
            "<bytes not decoded>".to_owned()
        };
    }
    let start = rel.saturating_sub(CONTEXT_BEFORE);
    let end = (rel + CONTEXT_AFTER).min(c.known.len());
    let marker = if start > 0 { "…" } else { "" };
    format!("{marker}{}", quote(&c.known[start..end]))
}

/// The first offset where both streams have known bytes that differ.
fn first_mismatch(a: &Stream, b: &Stream) -> Option<u64> {
    let (mut i, mut j) = (0, 0);
    while i < a.chunks.len() && j < b.chunks.len() {
        let (ca, cb) = (&a.chunks[i], &b.chunks[j]);
        let (a_end, b_end) = (
            ca.offset + ca.known.len() as u64,
            cb.offset + cb.known.len() as u64,
        );
        let (lo, hi) = (ca.offset.max(cb.offset), a_end.min(b_end));
        if lo < hi {
            let (ra, rb) = ((lo - ca.offset) as usize, (lo - cb.offset) as usize);
            let n = (hi - lo) as usize;
            if let Some(p) = ca.known[ra..ra + n]
                .iter()
                .zip(&cb.known[rb..rb + n])
                .position(|(x, y)| x != y)
            {
                return Some(lo + p as u64);
            }
        }
        // Advance whichever chunk (by its full extent) ends first.
        if ca.offset + ca.len <= cb.offset + cb.len {
            i += 1;
        } else {
            j += 1;
        }
    }
    None
}

fn compare_streams(
    key: &StreamKey,
    (ta, a): (&TraceFile, &Stream),
    (tb, b): (&TraceFile, &Stream),
) -> Option<Divergence> {
    let (kind, offset, detail) = if let Some(offset) = first_mismatch(a, b) {
        let detail = format!("A {} vs B {}", context(a, offset), context(b, offset));
        (DivergenceKind::DataMismatch, offset, detail)
    } else if a.len != b.len {
        let offset = a.len.min(b.len);
        let longer = if a.len > b.len { a } else { b };
        let detail = format!(
            "A wrote {} bytes, B wrote {}; the longer continues with {}",
            a.len,
            b.len,
            context(longer, offset)
        );
        (DivergenceKind::DataLength, offset, detail)
    } else {
        return None;
    };
    let at = |t: &TraceFile, s: &Stream| chunk_at(s, offset).map(|c| SyscallRef::of(t, c.index));
    Some(Divergence {
        kind,
        id: match kind {
            DivergenceKind::DataMismatch => "write-data",
            _ => "write-length",
        },
        target: key.to_string(),
        a: at(ta, a),
        b: at(tb, b),
        offset: Some(offset),
        detail,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{TraceBuilder, q};

    /// What a variant of the test program does differently.
    #[derive(Clone)]
    struct Variant {
        pid: u32,
        /// First fd the program gets from open (others already in use).
        fd: i64,
        payload: &'static str,
        unlink: bool,
        child_argv: &'static [&'static str],
        start: u64,
        gap: u64,
    }

    impl Default for Variant {
        fn default() -> Self {
            Self {
                pid: 100,
                fd: 3,
                payload: "hello world\n",
                unlink: true,
                child_argv: &["sort", "-u", "data.txt"],
                start: 1_000_000,
                gap: 1_000,
            }
        }
    }

    /// Children (and threads) that run concurrently: the scheduler orders
    /// their effects differently from run to run, the comparison does not.
    #[test]
    fn concurrent_children_line_up_in_tree_order() {
        let tree = |first_to_exec: u32| {
            let mut b = TraceBuilder::new(10);
            b.call(10, "clone", &["flags=CLONE_CHILD_SETTID|SIGCHLD"], 11)
                .call(10, "clone", &["flags=CLONE_CHILD_SETTID|SIGCHLD"], 12)
                .call_tid(
                    10,
                    13,
                    "futex",
                    &["0x7ffd0000", "FUTEX_WAIT", "0", "NULL"],
                    0,
                );
            let order = if first_to_exec == 11 {
                [11, 12]
            } else {
                [12, 11]
            };
            for child in order {
                let arg = if child == 11 { "0.010" } else { "0.060" };
                b.call(
                    child,
                    "execve",
                    &[
                        &q("/bin/sleep"),
                        &format!("[\"sleep\", \"{arg}\"]"),
                        "0x7ffd1000",
                    ],
                    0,
                );
            }
            b.build()
        };
        let report = compare(&tree(11), &tree(12), &opts());
        assert!(report.passed, "{report}");
        assert_eq!(report.effects, (2, 2));
        // A real difference is still found, in the right child.
        let mut changed = tree(12);
        let last = changed.syscalls.len() - 1;
        changed.syscalls[last].args[1] = r#"["sleep", "0.070"]"#.to_owned();
        let report = compare(&tree(11), &changed, &opts());
        assert_eq!(report.divergences.len(), 1, "{report}");
        let d = &report.divergences[0];
        assert_eq!((d.kind, d.id), (DivergenceKind::Changed, "process-spawned"));
        assert_eq!(d.b.as_ref().map(|r| r.pid), Some(11), "{report}");
    }

    /// Today's traces carry raw pointers where strings will be decoded:
    /// unknown values match, so goldens of either kind compare.
    #[test]
    fn raw_pointers_match_decoded_values() {
        let decoded = native(&Variant::default());
        let mut raw = decoded.clone();
        for arg in raw.syscalls.iter_mut().flat_map(|sc| sc.args.iter_mut()) {
            if arg.starts_with('"') || arg.starts_with('[') {
                *arg = "0x7ffd0000".to_owned();
            }
        }
        let report = compare(&decoded, &raw, &opts());
        assert!(report.passed, "{report}");
        assert_eq!(report.effects.0, report.effects.1);
        // What the raw trace does show still counts: one write fewer.
        let mut shorter = raw.clone();
        let last_write = shorter
            .syscalls
            .iter()
            .rposition(|s| s.name == "write")
            .expect("a write");
        shorter.syscalls.remove(last_write);
        assert!(!compare(&decoded, &shorter, &opts()).passed);
    }

    #[test]
    fn lost_events_are_reported() {
        let a = native(&Variant::default());
        let mut b = a.clone();
        b.drops.kernel = 3;
        let r = compare(&a, &b, &CompareOptions::default());
        assert!(r.passed);
        assert_eq!(
            r.warnings,
            ["B: 3 events lost (kernel 3, daemon 0): the trace is incomplete"]
        );
        assert!(r.to_string().contains("\nwarning: B: 3 events lost"), "{r}");
    }

    /// A small "native" program: loader noise, a written file, stdout,
    /// rename, unlink and a child process.
    fn native(v: &Variant) -> TraceFile {
        let pid = v.pid;
        let fd = v.fd.to_string();
        let mut b = TraceBuilder::new(pid).command(&["./prog"]);
        b.clock = v.start;
        b.gap = v.gap;
        b.call(
            pid,
            "execve",
            &[&q("./prog"), r#"["./prog"]"#, "0x7ffd1000 /* 20 vars */"],
            0,
        )
        .call(pid, "brk", &["NULL"], 0x5555_0000)
        .call(pid, "arch_prctl", &["0x3001", "0x7ffd2000"], -22)
        .call(
            pid,
            "mmap",
            &[
                "NULL",
                "8192",
                "PROT_READ|PROT_WRITE",
                "MAP_PRIVATE|MAP_ANONYMOUS",
                "-1",
                "0",
            ],
            0x7f00_0000,
        )
        .call(pid, "access", &[&q("/etc/ld.so.preload"), "R_OK"], -2)
        .call(
            pid,
            "openat",
            &["AT_FDCWD", &q("/etc/ld.so.cache"), "O_RDONLY|O_CLOEXEC"],
            v.fd,
        )
        .call(
            pid,
            "newfstatat",
            &[
                &fd,
                &q(""),
                "{st_mode=S_IFREG|0644, st_size=20000, ...}",
                "AT_EMPTY_PATH",
            ],
            0,
        )
        .call(pid, "close", &[&fd], 0)
        .call(
            pid,
            "openat",
            &[
                "AT_FDCWD",
                &q("/lib/x86_64-linux-gnu/libc.so.6"),
                "O_RDONLY|O_CLOEXEC",
            ],
            v.fd,
        )
        .call(pid, "read", &[&fd, &q("\x7fELF\x02\x01\x01"), "832"], 832)
        .call(pid, "close", &[&fd], 0)
        .call(
            pid,
            "openat",
            &[
                "AT_FDCWD",
                &q("/tmp/out.txt"),
                "O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC",
                "0666",
            ],
            v.fd,
        )
        .call(
            pid,
            "write",
            &[&fd, &q(v.payload), &v.payload.len().to_string()],
            v.payload.len() as i64,
        )
        .call(pid, "close", &[&fd], 0)
        .call(pid, "write", &["1", &q("done\n"), "5"], 5)
        .call(
            pid,
            "rename",
            &[&q("/tmp/out.txt"), &q("/tmp/final.txt")],
            0,
        );
        if v.unlink {
            b.call(pid, "unlink", &[&q("/tmp/stale.lock")], 0);
        }
        let child = pid + 1;
        let argv = format!(
            "[{}]",
            v.child_argv
                .iter()
                .map(|a| q(a))
                .collect::<Vec<_>>()
                .join(", ")
        );
        b.call(
            pid,
            "clone",
            &[
                "child_stack=NULL",
                "flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD",
            ],
            i64::from(child),
        )
        .call(
            child,
            "execve",
            &[&q("/usr/bin/sort"), &argv, "0x7ffd3000 /* 20 vars */"],
            0,
        )
        .call(child, "write", &["1", &q("a\nb\n"), "4"], 4)
        .exit(child, 0)
        .call(
            pid,
            "wait4",
            &[
                &child.to_string(),
                "[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]",
                "0",
                "NULL",
            ],
            i64::from(child),
        )
        .exit(pid, 0);
        b.build()
    }

    fn opts() -> CompareOptions {
        CompareOptions::default()
    }

    #[test]
    fn same_program_twice_passes() {
        let a = native(&Variant::default());
        let b = native(&Variant {
            pid: 4242,
            fd: 7,
            start: 9_000_000_000,
            gap: 3_000,
            ..Variant::default()
        });
        let report = compare(&a, &b, &opts());
        assert!(report.passed, "{report}");
        assert!(report.divergences.is_empty());
        // open, rename, unlink, execve of the child; the launch is not an effect.
        assert_eq!(report.effects, (4, 4), "{report}");
        // /tmp/out.txt and stdout.
        assert_eq!(report.streams, 2);
        assert!(report.to_string().starts_with("PASS"), "{report}");
        assert_eq!(report.totals.drift, 0.0);
    }

    /// The same program as a CPython script: interpreter start-up noise,
    /// byte-code cache writes, read-only opens, output split differently.
    fn python(pid: u32) -> TraceFile {
        let mut b = TraceBuilder::new(pid).command(&["python3", "prog.py"]);
        b.call(
            pid,
            "execve",
            &[
                &q("/usr/bin/python3"),
                r#"["python3", "prog.py"]"#,
                "0x7ffd1000 /* 20 vars */",
            ],
            0,
        );
        for _ in 0..30 {
            b.call(
                pid,
                "mmap",
                &[
                    "NULL",
                    "262144",
                    "PROT_READ|PROT_WRITE",
                    "MAP_PRIVATE|MAP_ANONYMOUS",
                    "-1",
                    "0",
                ],
                0x7f10_0000,
            )
            .call(
                pid,
                "rt_sigaction",
                &[
                    "SIGINT",
                    "{sa_handler=0x5000, sa_mask=[], sa_flags=SA_RESTORER}",
                    "NULL",
                    "8",
                ],
                0,
            )
            .call(
                pid,
                "newfstatat",
                &["AT_FDCWD", &q("/usr/lib/python3.12/os.py"), "{...}", "0"],
                0,
            );
        }
        b.call(
            pid,
            "openat",
            &[
                "AT_FDCWD",
                &q("/usr/lib/python3.12/__pycache__/os.cpython-312.pyc"),
                "O_RDONLY|O_CLOEXEC",
            ],
            3,
        )
        .call(pid, "read", &["3", &q("\x0b\x0d\x0d\x0a"), "4096"], 4096)
        .call(pid, "close", &["3"], 0)
        .call(
            pid,
            "openat",
            &["AT_FDCWD", &q("/home/u/prog.py"), "O_RDONLY|O_CLOEXEC"],
            3,
        )
        .call(pid, "read", &["3", &q("import os\n"), "4096"], 10)
        .call(pid, "close", &["3"], 0)
        .call(pid, "mkdir", &[&q("/home/u/__pycache__"), "0777"], 0)
        .call(
            pid,
            "openat",
            &[
                "AT_FDCWD",
                &q("/home/u/__pycache__/helper.cpython-312.pyc.140210"),
                "O_WRONLY|O_CREAT|O_EXCL|O_CLOEXEC",
                "0644",
            ],
            3,
        )
        .call(pid, "write", &["3", &q("\x0b\x0d\x0d\x0a...."), "8"], 8)
        .call(pid, "close", &["3"], 0)
        .call(
            pid,
            "rename",
            &[
                &q("/home/u/__pycache__/helper.cpython-312.pyc.140210"),
                &q("/home/u/__pycache__/helper.cpython-312.pyc"),
            ],
            0,
        )
        .call(pid, "openat", &["AT_FDCWD", &q("/dev/null"), "O_WRONLY"], 4)
        .call(pid, "write", &["4", &q("x"), "1"], 1)
        .call(
            pid,
            "openat",
            &[
                "AT_FDCWD",
                &q("/tmp/out.txt"),
                "O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC",
                "0666",
            ],
            5,
        )
        // Python's buffered writer flushes in two pieces.
        .call(pid, "write", &["5", &q("hello "), "6"], 6)
        .call(pid, "write", &["5", &q("world\n"), "6"], 6)
        .call(pid, "close", &["5"], 0)
        .call(pid, "ioctl", &["1", "TCGETS", "0x7ffd0000"], -25)
        .call(pid, "write", &["1", &q("do"), "2"], 2)
        .call(pid, "write", &["1", &q("ne\n"), "3"], 3)
        .call(
            pid,
            "rename",
            &[&q("/tmp/out.txt"), &q("/tmp/final.txt")],
            0,
        )
        .call(pid, "unlink", &[&q("/tmp/stale.lock")], 0);
        let child = pid + 7;
        // subprocess: a vfork-style spawn with a close-on-exec error pipe.
        // The fd array as a raw pointer: the ends are predicted (3 and 5).
        b.call(pid, "pipe2", &["0x7ffd0000", "O_CLOEXEC"], 0)
            .call(pid, "vfork", &[], i64::from(child))
            .call(child, "write", &["5", &q("\x00"), "1"], 1)
            .call(
                child,
                "execve",
                &[
                    &q("/usr/bin/sort"),
                    r#"["sort", "-u", "data.txt"]"#,
                    "0x7ffd3000 /* 20 vars */",
                ],
                0,
            )
            .call(child, "write", &["1", &q("a\nb\n"), "4"], 4)
            .exit(child, 0)
            .call(pid, "read", &["3", &q(""), "50000"], 0)
            .call(
                pid,
                "wait4",
                &[
                    &child.to_string(),
                    "[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]",
                    "0",
                    "NULL",
                ],
                i64::from(child),
            )
            .exit(pid, 0);
        b.build()
    }

    #[test]
    fn python_and_rust_ports_are_equivalent() {
        let rust = native(&Variant {
            pid: 900,
            ..Variant::default()
        });
        let py = python(500);
        let report = compare(&py, &rust, &opts());
        assert!(report.passed, "{report}");
        // Count drift is large but informational.
        assert!(!report.totals.within_tolerance);
        assert!(report.count_deltas["mmap"].delta < 0);
        assert!(report.count_deltas["mmap"].noise);
        let text = report.to_string();
        assert!(text.starts_with("PASS"), "{text}");
        assert!(text.contains("outside (informational)"), "{text}");
    }

    #[test]
    fn count_drift_can_fail() {
        let rust = native(&Variant::default());
        let py = python(500);
        let strict = CompareOptions {
            fail_on_count_drift: true,
            ..opts()
        };
        let report = compare(&py, &rust, &strict);
        assert!(!report.passed);
        assert!(report.divergences.is_empty());
        assert!(
            report.to_string().starts_with("FAIL: syscall count"),
            "{report}"
        );
    }

    fn index_of(t: &TraceFile, name: &str, nth: usize) -> usize {
        t.syscalls
            .iter()
            .enumerate()
            .filter(|(_, s)| s.name == name)
            .nth(nth)
            .map(|(i, _)| i)
            .expect("call present")
    }

    #[test]
    fn different_byte_is_pinpointed() {
        let a = native(&Variant::default());
        let b = native(&Variant {
            pid: 300,
            fd: 4,
            payload: "hello World\n",
            ..Variant::default()
        });
        let report = compare(&a, &b, &opts());
        assert!(!report.passed);
        assert_eq!(report.divergences.len(), 1, "{report}");
        let d = &report.divergences[0];
        assert_eq!(d.kind, DivergenceKind::DataMismatch);
        assert_eq!(d.target, "\"/tmp/out.txt\"");
        assert_eq!(d.offset, Some(6));
        // The first write is the file write; the rest go to stdout.
        let write_a = index_of(&a, "write", 0);
        assert_eq!(d.a.as_ref().map(|r| r.index), Some(write_a));
        assert_eq!(d.b.as_ref().map(|r| (r.index, r.pid)), Some((write_a, 300)));
        assert_eq!(
            d.a.as_ref().map(|r| r.lamport),
            Some(a.syscalls[write_a].lamport)
        );
        assert!(d.detail.contains(r#""hello world\n""#), "{}", d.detail);
        assert!(d.detail.contains(r#""hello World\n""#), "{}", d.detail);
        let text = report.to_string();
        assert!(text.starts_with("FAIL: 1 divergence"), "{text}");
        assert!(text.contains("at byte 6"), "{text}");
    }

    #[test]
    fn offset_counts_across_split_writes() {
        // Python wrote "hello " + "world\n"; make the second piece differ.
        let mut py = python(500);
        let second = py
            .syscalls
            .iter()
            .position(|s| s.name == "write" && s.args[1] == q("world\n"))
            .expect("second write");
        py.syscalls[second].args[1] = q("wOrld\n");
        let rust = native(&Variant::default());
        let report = compare(&rust, &py, &opts());
        let d = &report.divergences[0];
        assert_eq!((d.kind, d.offset), (DivergenceKind::DataMismatch, Some(7)));
        assert_eq!(d.b.as_ref().map(|r| r.index), Some(second));
    }

    #[test]
    fn missing_unlink_is_reported() {
        let a = native(&Variant::default());
        let b = native(&Variant {
            unlink: false,
            ..Variant::default()
        });
        let report = compare(&a, &b, &opts());
        assert!(!report.passed);
        assert_eq!(report.divergences.len(), 1, "{report}");
        let d = &report.divergences[0];
        assert_eq!(d.kind, DivergenceKind::MissingInB);
        assert_eq!(
            (d.id, d.target.as_str()),
            ("file-unlinked", "\"/tmp/stale.lock\"")
        );
        assert_eq!(
            d.a.as_ref().map(|r| r.index),
            Some(index_of(&a, "unlink", 0))
        );
        assert!(d.b.is_none());
        assert!(d.detail.contains("/tmp/stale.lock"));
        // The other way round it is an extra effect.
        let report = compare(&b, &a, &opts());
        assert_eq!(report.divergences[0].kind, DivergenceKind::ExtraInB);
    }

    #[test]
    fn different_exec_argv_is_reported() {
        let a = native(&Variant::default());
        let b = native(&Variant {
            child_argv: &["sort", "-r", "data.txt"],
            ..Variant::default()
        });
        let report = compare(&a, &b, &opts());
        assert_eq!(report.divergences.len(), 1, "{report}");
        let d = &report.divergences[0];
        assert_eq!(
            (d.kind, d.id, d.target.as_str()),
            (
                DivergenceKind::Changed,
                "process-spawned",
                "\"/usr/bin/sort\""
            )
        );
        assert!(d.detail.contains(r#"argv[1] "-u" vs "-r""#), "{}", d.detail);
        let exec = index_of(&a, "execve", 1);
        assert_eq!(d.a.as_ref().map(|r| (r.index, r.pid)), Some((exec, 101)));
        assert_eq!(d.b.as_ref().map(|r| r.index), Some(exec));
    }

    #[test]
    fn fds_are_followed_through_dup_and_fork() {
        let mut a = TraceBuilder::new(1);
        a.call(
            1,
            "openat",
            &[
                "AT_FDCWD",
                &q("/tmp/log"),
                "O_WRONLY|O_CREAT|O_APPEND",
                "0644",
            ],
            3,
        )
        .call(1, "write", &["3", &q("one\n"), "4"], 4)
        .call(1, "write", &["3", &q("two\n"), "4"], 4);
        let mut b = TraceBuilder::new(1);
        b.call(
            1,
            "openat",
            &[
                "AT_FDCWD",
                &q("/tmp/log"),
                "O_WRONLY|O_CREAT|O_APPEND",
                "0644",
            ],
            9,
        )
        .call(1, "dup2", &["9", "12"], 12)
        .call(1, "close", &["9"], 0)
        .call(1, "write", &["12", &q("one\n"), "4"], 4)
        .call(1, "fork", &[], 2)
        .call(2, "write", &["12", &q("two\n"), "4"], 4);
        let report = compare(&a.build(), &b.build(), &opts());
        assert!(report.passed, "{report}");
        // Without the fd history, fd 12 would not be the log file.
        let mut c = TraceBuilder::new(1);
        c.call(
            1,
            "openat",
            &[
                "AT_FDCWD",
                &q("/tmp/log"),
                "O_WRONLY|O_CREAT|O_APPEND",
                "0644",
            ],
            3,
        )
        .call(1, "write", &["4", &q("one\n"), "4"], 4)
        .call(1, "write", &["3", &q("two\n"), "4"], 4);
        let report = compare(&a.build(), &c.build(), &opts());
        assert!(!report.passed);
        assert!(
            report.divergences.iter().any(|d| d.target == "fd 4"),
            "{report}"
        );
    }

    #[test]
    fn raw_pointer_traces_compare_lengths() {
        let raw = |len: i64| {
            let mut b = TraceBuilder::new(5);
            let n = format!("{len:#x}");
            b.call(
                5,
                "openat",
                &["0xffffffffffffff9c", "0x5555000", "0x241", "0x1b6"],
                3,
            )
            .call(5, "write", &["0x3", "0x7ffd0000", &n], len)
            .call(5, "write", &["0x1", "0x7ffd0100", "0x5"], 5)
            .call(5, "unlinkat", &["0xffffffffffffff9c", "0x5555100", "0"], 0);
            b.build()
        };
        let report = compare(&raw(10), &raw(10), &opts());
        assert!(report.passed, "{report}");
        assert_eq!(report.effects, (2, 2));
        let report = compare(&raw(10), &raw(12), &opts());
        assert_eq!(report.divergences.len(), 1, "{report}");
        let d = &report.divergences[0];
        assert_eq!((d.kind, d.offset), (DivergenceKind::DataLength, Some(10)));
        assert!(d.target.contains("written file #1"), "{}", d.target);
        // Decoded on one side, raw on the other: lengths still compare.
        let mut decoded = TraceBuilder::new(5);
        decoded
            .call(
                5,
                "openat",
                &["AT_FDCWD", &q("/tmp/x"), "O_WRONLY|O_CREAT|O_TRUNC", "0666"],
                3,
            )
            .call(5, "write", &["1", &q("hello"), "5"], 5);
        let mut raw_stdout = TraceBuilder::new(5);
        raw_stdout
            .call(
                5,
                "openat",
                &["AT_FDCWD", &q("/tmp/x"), "0x241", "0x1b6"],
                3,
            )
            .call(5, "write", &["0x1", "0x7ffd0100", "0x5"], 5);
        let report = compare(&decoded.build(), &raw_stdout.build(), &opts());
        assert!(report.passed, "{report}");
    }

    #[test]
    fn network_peers_compare() {
        let net = |port: u16| {
            let mut b = TraceBuilder::new(5);
            let addr = format!(
                "{{sa_family=AF_INET, sin_port=htons({port}), sin_addr=inet_addr(\"127.0.0.1\")}}"
            );
            b.call(
                5,
                "socket",
                &["AF_INET", "SOCK_STREAM|SOCK_CLOEXEC", "IPPROTO_IP"],
                3,
            )
            .call(5, "connect", &["3", &addr, "16"], -115)
            .call(
                5,
                "sendto",
                &[
                    "3",
                    &q("GET / HTTP/1.0\r\n\r\n"),
                    "18",
                    "MSG_NOSIGNAL",
                    "NULL",
                    "0",
                ],
                18,
            )
            .call(5, "socket", &["AF_UNIX", "SOCK_STREAM", "0"], 4)
            .call(
                5,
                "connect",
                &[
                    "4",
                    "{sa_family=AF_UNIX, sun_path=\"/var/run/nscd/socket\"}",
                    "110",
                ],
                -2,
            );
            b.build()
        };
        let report = compare(&net(8080), &net(8080), &opts());
        assert!(report.passed, "{report}");
        assert_eq!(report.effects, (1, 1));
        let report = compare(&net(8080), &net(9090), &opts());
        let kinds: Vec<_> = report
            .divergences
            .iter()
            .map(|d| (d.kind, d.id, d.target.as_str()))
            .collect();
        assert_eq!(
            kinds[0],
            (
                DivergenceKind::Changed,
                "network-connect",
                r#"{sa_family=AF_INET,sin_port=htons(8080),sin_addr=inet_addr("127.0.0.1")}"#
            ),
            "{report}"
        );
        // The data now goes to a different peer too.
        assert!(
            kinds
                .iter()
                .any(|(k, _, t)| *k == DivergenceKind::DataLength && t.contains("9090"))
        );
    }

    #[test]
    fn runtime_verdict() {
        let r = Runtime {
            a_nanos: 850_000_000,
            b_nanos: 100_000_000,
            source: RuntimeSource::WallSpan,
        };
        assert_eq!(r.verdict(), "8.5x faster");
        let r = Runtime {
            a_nanos: 100,
            b_nanos: 120,
            source: RuntimeSource::WallSpan,
        };
        assert_eq!(r.verdict(), "1.2x slower");
        let a = native(&Variant::default());
        let b = native(&Variant {
            gap: 100,
            ..Variant::default()
        });
        let report = compare(&a, &b, &opts());
        assert_eq!(report.runtime.source, RuntimeSource::WallSpan);
        assert!(report.runtime.verdict().ends_with("faster"));
        assert!(report.to_string().contains("x faster"), "{report}");
    }

    #[test]
    fn noise_paths() {
        for p in [
            "/etc/ld.so.cache",
            "/lib/x86_64-linux-gnu/libc.so.6",
            "/usr/lib/python3.12/os.py",
            "/home/u/__pycache__/m.cpython-312.pyc",
            "/home/u/m.pyc",
            "/home/u/m.pyc.12345",
            "/venv/lib/python3.12/site-packages/x/__init__.py",
            "/proc/self/exe",
            "/dev/null",
        ] {
            assert!(is_noise_path(p.as_bytes()), "{p}");
        }
        for p in [
            "/tmp/out.txt",
            "/home/u/prog.py",
            "/build/libfoo.so",
            "/usr/local/lib/libbar.so.1",
            "/data/x.pyc.bak",
        ] {
            assert!(!is_noise_path(p.as_bytes()), "{p}");
        }
    }

    #[test]
    fn ignore_paths_option() {
        let mut a = TraceBuilder::new(1);
        a.call(1, "mkdir", &[&q("/tmp/scratch-1"), "0777"], 0);
        let mut b = TraceBuilder::new(1);
        b.call(1, "mkdir", &[&q("/tmp/scratch-2"), "0777"], 0);
        let (a, b) = (a.build(), b.build());
        assert!(!compare(&a, &b, &opts()).passed);
        let o = CompareOptions {
            ignore_paths: vec!["/tmp/scratch-".to_owned()],
            ..opts()
        };
        assert!(compare(&a, &b, &o).passed);
    }

    #[test]
    fn diff_alignment() {
        let ops = diff_ops(&[1, 2, 3, 4], &[1, 3, 4, 5]);
        assert_eq!(
            ops,
            [
                Op::Equal,
                Op::Delete(1),
                Op::Equal,
                Op::Equal,
                Op::Insert(3)
            ]
        );
        // Differences far apart leave a middle beyond the LCS table limit:
        // the greedy alignment still finds both.
        let a: Vec<u32> = (0..3000).collect();
        let mut b = a.clone();
        b.remove(2900);
        b.remove(100);
        b.insert(1500, 99_999);
        let changes: Vec<_> = diff_ops(&a, &b)
            .into_iter()
            .filter(|o| *o != Op::Equal)
            .collect();
        assert_eq!(
            changes,
            [Op::Delete(100), Op::Insert(1500), Op::Delete(2900)]
        );
        let big_a: Vec<u32> = (0..2500).map(|i| i * 2).collect();
        let big_b: Vec<u32> = (0..2500).map(|i| if i == 10 { 7 } else { i * 2 }).collect();
        let changes: Vec<_> = diff_ops(&big_a, &big_b)
            .into_iter()
            .filter(|o| *o != Op::Equal)
            .collect();
        assert_eq!(changes, [Op::Delete(10), Op::Insert(10)]);
    }
}
