//! strace's `-y` (the path behind each file-descriptor argument) and `-P
//! PATH` (only calls touching PATH), from what the trace itself shows.
//!
//! strace asks /proc for each fd while the tracee is stopped; renacer
//! renders after the fact, so it follows the descriptors through the trace
//! instead: `open`/`openat`/`creat` results (made absolute against the cwd,
//! itself followed through `chdir`/`fchdir`), `dup*` and `fcntl(F_DUPFD)`
//! copies, `close`, close-on-exec at `execve`, and a copy of the table at
//! each fork. Whatever the trace cannot say (pipes, sockets, fds inherited
//! from before the capture) comes from a caller's lookup, which reads
//! /proc/PID/fd while the process lives. Paths are not canonicalised (a
//! symlink stays as opened), unlike /proc's view.
use std::collections::{BTreeMap, HashMap};

use crate::decode::Captured;
use crate::record::{SyscallRecord, SyscallResult};
use crate::signatures::{self, ArgType, RetType};

const AT_FDCWD: i32 = -100;
const O_CLOEXEC: u64 = 0o2000000;
const F_DUPFD: u64 = 0;
const F_DUPFD_CLOEXEC: u64 = 1030;

// Syscalls that change what a descriptor (or the cwd) names.
const NR_OPEN: u32 = 2;
const NR_CLOSE: u32 = 3;
const NR_DUP: u32 = 32;
const NR_DUP2: u32 = 33;
const NR_CLONE: u32 = 56;
const NR_FORK: u32 = 57;
const NR_VFORK: u32 = 58;
const NR_EXECVE: u32 = 59;
const NR_FCNTL: u32 = 72;
const NR_CHDIR: u32 = 80;
const NR_FCHDIR: u32 = 81;
const NR_CREAT: u32 = 85;
const NR_OPENAT: u32 = 257;
const NR_DUP3: u32 = 292;
const NR_EXECVEAT: u32 = 322;
const NR_CLONE3: u32 = 435;
const NR_CLOSE_RANGE: u32 = 436;
const NR_OPENAT2: u32 = 437;

/// A path for a descriptor that the trace does not explain: the caller's
/// look-up (e.g. /proc/PID/fd/FD while the process lives).
pub type Lookup<'a> = &'a dyn Fn(u32, i32) -> Option<String>;

#[derive(Debug, Clone, Default)]
struct Process {
    cwd: Option<String>,
    /// fd -> (path, close-on-exec).
    fds: BTreeMap<i32, (String, bool)>,
}

/// Descriptor paths per process (thread-group id), followed call by call.
#[derive(Debug, Clone, Default)]
pub struct FdTable {
    processes: HashMap<u32, Process>,
    /// Resolves symlinks in an opened path as /proc shows it (the caller's
    /// `realpath`); without it, paths stay as opened.
    canonicalize: Option<fn(&str) -> Option<String>>,
}

/// `path` joined to `base` when relative, with `.` and `..` folded as the
/// kernel walks them (symlinks aside).
fn join(base: Option<&str>, path: &str) -> Option<String> {
    let full = if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("{}/{path}", base?)
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in full.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            _ => parts.push(part),
        }
    }
    Some(format!("/{}", parts.join("/")))
}

fn int(v: u64) -> i32 {
    v as u32 as i32
}

/// The string argument `i` as captured, up to its NUL.
fn string_arg<'a>(captured: &'a Captured<'_>, i: usize) -> Option<&'a str> {
    let bytes = captured.strings.get(i).copied().flatten()?.bytes;
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    std::str::from_utf8(&bytes[..end]).ok()
}

impl FdTable {
    /// A table that shows opened paths with symlinks resolved by `canonicalize`.
    pub fn with_canonicalize(canonicalize: fn(&str) -> Option<String>) -> Self {
        Self {
            processes: HashMap::new(),
            canonicalize: Some(canonicalize),
        }
    }

    /// What a process had before the capture saw it: its cwd and open fds.
    pub fn seed(
        &mut self,
        pid: u32,
        cwd: Option<String>,
        fds: impl IntoIterator<Item = (i32, String)>,
    ) {
        let process = self.processes.entry(pid).or_default();
        process.cwd = cwd;
        process
            .fds
            .extend(fds.into_iter().map(|(fd, path)| (fd, (path, false))));
    }

    /// The path `fd` names in process `pid`, if known.
    pub fn path(&self, pid: u32, fd: i32) -> Option<&str> {
        self.processes
            .get(&pid)?
            .fds
            .get(&fd)
            .map(|(path, _)| path.as_str())
    }

    fn known_or_looked_up(&self, pid: u32, fd: i32, lookup: Lookup<'_>) -> Option<String> {
        self.path(pid, fd)
            .map(str::to_owned)
            .or_else(|| lookup(pid, fd))
    }

    /// `path` as the kernel resolves it relative to `dirfd` in `pid`.
    fn resolve(&self, pid: u32, dirfd: i32, path: &str) -> Option<String> {
        let process = self.processes.get(&pid);
        let base = if dirfd == AT_FDCWD {
            process.and_then(|p| p.cwd.as_deref())
        } else {
            process
                .and_then(|p| p.fds.get(&dirfd))
                .map(|(path, _)| path.as_str())
        };
        join(base, path)
    }

    /// Updates the table with a completed call. Call it after rendering
    /// the call's arguments (a `close` shows what it closed) and before
    /// rendering its return value (an `open` shows what it opened).
    pub fn observe(&mut self, rec: &SyscallRecord, captured: &Captured<'_>) {
        let SyscallResult::Returned(ret) = rec.result else {
            return;
        };
        if rec.result.is_error() {
            return;
        }
        let pid = rec.pid;
        let a = rec.args;
        let opened = |table: &Self, dirfd: i32, path_arg: usize| {
            let path =
                string_arg(captured, path_arg).and_then(|path| table.resolve(pid, dirfd, path))?;
            Some(
                table
                    .canonicalize
                    .and_then(|canonical| canonical(&path))
                    .unwrap_or(path),
            )
        };
        let dup = |table: &mut Self, from: i32, to: i32, cloexec: bool| {
            if let Some(path) = table.path(pid, from).map(str::to_owned) {
                table
                    .processes
                    .entry(pid)
                    .or_default()
                    .fds
                    .insert(to, (path, cloexec));
            } else if let Some(process) = table.processes.get_mut(&pid) {
                process.fds.remove(&to);
            }
        };
        let fd = int(ret as u64);
        match rec.nr {
            NR_OPEN | NR_CREAT | NR_OPENAT | NR_OPENAT2 => {
                let (dirfd, path_arg, flags) = match rec.nr {
                    NR_OPEN => (AT_FDCWD, 0, a[1]),
                    NR_CREAT => (AT_FDCWD, 0, 0),
                    NR_OPENAT => (int(a[0]), 1, a[2]),
                    _ => (int(a[0]), 1, 0),
                };
                let process_path = opened(self, dirfd, path_arg);
                let process = self.processes.entry(pid).or_default();
                match process_path {
                    Some(path) => {
                        process.fds.insert(fd, (path, flags & O_CLOEXEC != 0));
                    }
                    None => {
                        process.fds.remove(&fd);
                    }
                }
            }
            NR_CLOSE => {
                if let Some(process) = self.processes.get_mut(&pid) {
                    process.fds.remove(&int(a[0]));
                }
            }
            NR_CLOSE_RANGE => {
                if let Some(process) = self.processes.get_mut(&pid) {
                    let (first, last) = (a[0] as u32, a[1] as u32);
                    process
                        .fds
                        .retain(|&fd, _| !(first..=last).contains(&(fd as u32)));
                }
            }
            NR_DUP => dup(self, int(a[0]), fd, false),
            NR_DUP2 => dup(self, int(a[0]), int(a[1]), false),
            NR_DUP3 => dup(self, int(a[0]), int(a[1]), a[2] & O_CLOEXEC != 0),
            NR_FCNTL if matches!(a[1] & 0xffff_ffff, F_DUPFD | F_DUPFD_CLOEXEC) => {
                dup(self, int(a[0]), fd, a[1] & 0xffff_ffff == F_DUPFD_CLOEXEC);
            }
            NR_CHDIR => {
                let cwd = opened(self, AT_FDCWD, 0);
                self.processes.entry(pid).or_default().cwd = cwd;
            }
            NR_FCHDIR => {
                let cwd = self.path(pid, int(a[0])).map(str::to_owned);
                self.processes.entry(pid).or_default().cwd = cwd;
            }
            NR_EXECVE | NR_EXECVEAT => {
                if let Some(process) = self.processes.get_mut(&pid) {
                    process.fds.retain(|_, (_, cloexec)| !*cloexec);
                }
            }
            // The child (or thread) starts with the parent's table; a thread
            // shares its process's, so its copy is never consulted.
            NR_CLONE | NR_FORK | NR_VFORK | NR_CLONE3 if ret > 0 => {
                let parent = self.processes.get(&pid).cloned().unwrap_or_default();
                self.processes.insert(ret as u32, parent);
            }
            _ => {}
        }
    }

    /// strace -y's `3</etc/passwd>` for each fd argument shown in `args`.
    pub fn annotate_args(&self, rec: &SyscallRecord, args: &mut [String], lookup: Lookup<'_>) {
        let Some(sig) = signatures::signature(rec.nr) else {
            return;
        };
        for (i, (ty, shown)) in sig.args.iter().zip(args.iter_mut()).enumerate() {
            let fd = int(rec.args[i]);
            let path = match ty {
                // strace shows the cwd that AT_FDCWD stands for.
                ArgType::DirFd if fd == AT_FDCWD => {
                    self.processes.get(&rec.pid).and_then(|p| p.cwd.clone())
                }
                ArgType::Fd | ArgType::DirFd if fd >= 0 => {
                    self.known_or_looked_up(rec.pid, fd, lookup)
                }
                _ => None,
            };
            if let Some(path) = path {
                shown.push_str(&format!("<{path}>"));
            }
        }
    }

    /// strace -y's `= 3</etc/passwd>` for calls that return a new fd.
    pub fn annotate_return(
        &self,
        rec: &SyscallRecord,
        returned: &str,
        lookup: Lookup<'_>,
    ) -> String {
        let returns_fd = signatures::signature(rec.nr).is_some_and(|sig| sig.ret == RetType::Fd);
        match rec.result {
            SyscallResult::Returned(ret) if returns_fd && !rec.result.is_error() => {
                match self.known_or_looked_up(rec.pid, int(ret as u64), lookup) {
                    Some(path) => format!("{returned}<{path}>"),
                    None => returned.to_owned(),
                }
            }
            _ => returned.to_owned(),
        }
    }

    /// strace -P: does the call name one of `paths`, by a path argument (as
    /// given, or resolved) or through an fd argument? Call before
    /// [`observe`](Self::observe), so a `close` still knows its path.
    pub fn touches(
        &self,
        rec: &SyscallRecord,
        captured: &Captured<'_>,
        paths: &[String],
        lookup: Lookup<'_>,
    ) -> bool {
        let Some(sig) = signatures::signature(rec.nr) else {
            return false;
        };
        let wanted = |path: &str| paths.iter().any(|p| p == path);
        sig.args.iter().enumerate().any(|(i, ty)| match ty {
            ArgType::Path => string_arg(captured, i).is_some_and(|path| {
                // A path relative to a dirfd argument just before it (*at calls).
                let dirfd = match i.checked_sub(1).map(|d| (d, sig.args[d])) {
                    Some((d, ArgType::DirFd)) => int(rec.args[d]),
                    _ => AT_FDCWD,
                };
                wanted(path)
                    || self
                        .resolve(rec.pid, dirfd, path)
                        .is_some_and(|p| wanted(&p))
            }),
            ArgType::Fd | ArgType::DirFd => {
                let fd = int(rec.args[i]);
                fd >= 0
                    && self
                        .known_or_looked_up(rec.pid, fd, lookup)
                        .is_some_and(|p| wanted(&p))
            }
            _ => false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::CapturedBytes;

    fn rec(pid: u32, nr: u32, args: [u64; 6], ret: i64) -> SyscallRecord {
        SyscallRecord {
            nr,
            args,
            result: SyscallResult::Returned(ret),
            timestamp_nanos: 0,
            duration_nanos: 0,
            pid,
            tid: pid,
            cpu: 0,
            lamport: 0,
        }
    }

    fn with_path(i: usize, path: &[u8]) -> Captured<'_> {
        let mut captured = Captured::default();
        captured.strings[i] = Some(CapturedBytes::new(path, false));
        captured
    }

    const NONE: Lookup<'static> = &|_, _| None;
    const AT: u64 = AT_FDCWD as u32 as u64;

    #[test]
    fn follows_open_dup_close_and_fork() {
        let mut table = FdTable::default();
        table.seed(10, Some("/work".into()), [(1, "/dev/null".to_owned())]);
        let open = rec(10, NR_OPENAT, [AT, 0, 0, 0, 0, 0], 3);
        table.observe(&open, &with_path(1, b"dir/../known.txt\0"));
        assert_eq!(table.path(10, 3), Some("/work/known.txt"));
        assert_eq!(
            table.annotate_return(&open, "3", NONE),
            "3</work/known.txt>"
        );
        let mut args = vec!["3".to_owned(), "\"x\"".to_owned(), "1".to_owned()];
        table.annotate_args(&rec(10, 0, [3, 0, 1, 0, 0, 0], 1), &mut args, NONE);
        assert_eq!(args[0], "3</work/known.txt>");
        table.observe(
            &rec(10, NR_DUP2, [3, 7, 0, 0, 0, 0], 7),
            &Captured::default(),
        );
        table.observe(&rec(10, NR_FORK, [0; 6], 11), &Captured::default());
        assert_eq!(table.path(11, 7), Some("/work/known.txt"));
        table.observe(
            &rec(10, NR_CLOSE, [3, 0, 0, 0, 0, 0], 0),
            &Captured::default(),
        );
        assert_eq!(table.path(10, 3), None);
        assert_eq!(table.path(11, 3), Some("/work/known.txt"));
        // A failed open records nothing; the look-up fills the gaps.
        table.observe(
            &rec(10, NR_OPENAT, [AT, 0, 0, 0, 0, 0], -2),
            &with_path(1, b"gone\0"),
        );
        let lookup: Lookup<'_> = &|pid, fd| (pid == 10 && fd == 4).then(|| "pipe:[99]".to_owned());
        let mut args = vec!["4".to_owned(), "NULL".to_owned(), "0".to_owned()];
        table.annotate_args(&rec(10, 0, [4, 0, 0, 0, 0, 0], 0), &mut args, lookup);
        assert_eq!(args[0], "4<pipe:[99]>");
    }

    #[test]
    fn cloexec_fds_close_at_exec_and_chdir_moves_the_cwd() {
        let mut table = FdTable::default();
        table.seed(5, Some("/".into()), []);
        table.observe(
            &rec(5, NR_OPENAT, [AT, 0, O_CLOEXEC, 0, 0, 0], 3),
            &with_path(1, b"/etc/ld.so.cache\0"),
        );
        table.observe(&rec(5, NR_CHDIR, [0; 6], 0), &with_path(0, b"/tmp\0"));
        table.observe(
            &rec(5, NR_OPENAT, [AT, 0, 0, 0, 0, 0], 4),
            &with_path(1, b"a\0"),
        );
        table.observe(&rec(5, NR_EXECVE, [0; 6], 0), &Captured::default());
        assert_eq!(table.path(5, 3), None);
        let mut args = vec!["AT_FDCWD".to_owned(), "\"a\"".to_owned()];
        table.annotate_args(&rec(5, NR_OPENAT, [AT, 0, 0, 0, 0, 0], 4), &mut args, NONE);
        assert_eq!(args[0], "AT_FDCWD</tmp>");
        assert_eq!(table.path(5, 4), Some("/tmp/a"));
    }

    #[test]
    fn opened_paths_can_be_shown_with_symlinks_resolved() {
        let mut table =
            FdTable::with_canonicalize(|path| Some(path.replacen("/lib/", "/usr/lib/", 1)));
        table.observe(
            &rec(5, NR_OPENAT, [AT, 0, 0, 0, 0, 0], 3),
            &with_path(1, b"/lib/libc.so.6\0"),
        );
        assert_eq!(table.path(5, 3), Some("/usr/lib/libc.so.6"));
    }

    #[test]
    fn touches_by_path_or_fd() {
        let mut table = FdTable::default();
        table.seed(1, Some("/w".into()), []);
        let paths = ["/w/f".to_owned()];
        let open = rec(1, NR_OPENAT, [AT, 0, 0, 0, 0, 0], 3);
        let captured = with_path(1, b"f\0");
        assert!(table.touches(&open, &captured, &paths, NONE));
        table.observe(&open, &captured);
        let read = rec(1, 0, [3, 0, 10, 0, 0, 0], 10);
        assert!(table.touches(&read, &Captured::default(), &paths, NONE));
        let other = rec(1, 0, [0, 0, 10, 0, 0, 0], 10);
        assert!(!table.touches(&other, &Captured::default(), &paths, NONE));
        let close = rec(1, NR_CLOSE, [3, 0, 0, 0, 0, 0], 0);
        assert!(table.touches(&close, &Captured::default(), &paths, NONE));
    }
}
