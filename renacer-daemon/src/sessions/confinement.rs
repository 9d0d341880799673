//! A non-admin capture's guard against privilege changes inside its traced
//! tree (see [`Confinement`]), and the process credentials it compares.
use std::{
    collections::{BTreeSet, HashMap},
    ffi::CString,
    path::Path,
};

use tracing::{debug, info};

/// A process's credentials, from /proc/PID/status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Credentials {
    /// Real, effective, saved and filesystem uid.
    pub uids: [u32; 4],
    pub gids: [u32; 4],
    /// Effective or permitted capabilities are set.
    pub capabilities: bool,
    /// The owner of /proc/PID: root when the process is not dumpable (it
    /// changed credentials, e.g. ran setuid and dropped back), which ptrace
    /// refuses too.
    pub dump_owner: u32,
}

impl Credentials {
    pub fn of(pid: u32) -> Option<Self> {
        use std::os::unix::fs::MetadataExt as _;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let dump_owner = std::fs::metadata(format!("/proc/{pid}")).ok()?.uid();
        Self::parse(&status, dump_owner)
    }

    pub(crate) fn parse(status: &str, dump_owner: u32) -> Option<Self> {
        fn ids(line: &str) -> Option<[u32; 4]> {
            let mut values = line.split_whitespace().map(str::parse::<u32>);
            let mut ids = [0; 4];
            for id in &mut ids {
                *id = values.next()?.ok()?;
            }
            Some(ids)
        }
        let field = |name: &str| status.lines().find_map(|line| line.strip_prefix(name));
        let caps = |name: &str| {
            field(name).is_some_and(|hex| !matches!(u64::from_str_radix(hex.trim(), 16), Ok(0)))
        };
        Some(Self {
            uids: ids(field("Uid:")?)?,
            gids: ids(field("Gid:")?)?,
            capabilities: caps("CapEff:") || caps("CapPrm:"),
            dump_owner,
        })
    }

    pub(crate) fn owned_by(&self, uid: u32) -> bool {
        self.uids.iter().all(|&id| id == uid) && !self.capabilities && self.dump_owner == uid
    }
}

const EXECVE: u16 = 59;
const EXECVEAT: u16 = 322;
/// Longest exec path kept for the credential check of a process that exited
/// before the daemon could read its /proc entry.
const MAX_EXEC_PATH: usize = 4096;

/// A non-admin capture's guard against privilege changes: a process of the
/// traced tree that execs a setuid, setgid or file-capability program stops
/// being traced (like ptrace, which cannot follow such an exec either), and
/// none of its later events reach the caller.
///
/// The kernel keeps tracing the process until the reader sees its exec event
/// and removes it from TRACED: the events it emitted in between are dropped
/// here, so they never reach the session.
#[derive(Debug)]
pub struct Confinement {
    /// The credentials the traced root had when the capture started.
    expected: Credentials,
    /// Thread groups that stopped being traced, and their threads' tids.
    untraced: BTreeSet<u32>,
    /// The path each thread last passed to execve, for processes that are
    /// gone before their exec event is handled.
    exec_paths: HashMap<u32, Vec<u8>>,
    /// Thread group of each thread seen once something is untraced (payload
    /// records name only the thread).
    thread_groups: HashMap<u32, u32>,
}

/// What to do with a ring-buffer record of a confined capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Deliver,
    Drop,
    /// Deliver, and stop tracing this thread group in the kernel.
    Untrack(u32),
}

impl Confinement {
    pub fn new(expected: Credentials) -> Self {
        Self {
            expected,
            untraced: BTreeSet::new(),
            exec_paths: HashMap::new(),
            thread_groups: HashMap::new(),
        }
    }

    /// The processes that stopped being traced, in pid order.
    pub fn untraced_pids(&self) -> Vec<u32> {
        self.untraced.iter().copied().collect()
    }

    pub fn syscall(&mut self, pid: u32, tid: u32) -> Verdict {
        if self.untraced.is_empty() {
            return Verdict::Deliver;
        }
        self.thread_groups.insert(tid, pid);
        if self.untraced.contains(&pid) {
            Verdict::Drop
        } else {
            Verdict::Deliver
        }
    }

    pub fn payload(&mut self, tid: u32, nr: u16, arg: u8, data: &[u8]) -> Verdict {
        if !self.untraced.is_empty() {
            let tgid = *self
                .thread_groups
                .entry(tid)
                .or_insert_with(|| crate::procfs::tgid_of(tid).unwrap_or(tid));
            if self.untraced.contains(&tgid) {
                return Verdict::Drop;
            }
        }
        if (nr == EXECVE && arg == 0) || (nr == EXECVEAT && arg == 1) {
            let path = data.split(|&b| b == 0).next().unwrap_or_default();
            let path = &path[..path.len().min(MAX_EXEC_PATH)];
            self.exec_paths.insert(tid, path.to_vec());
        }
        Verdict::Deliver
    }

    pub fn fork(&mut self, pid: u32, child: u32) -> Verdict {
        if self.untraced.contains(&pid) {
            // Forked between the exec and our untracking: the kernel tracks it.
            self.untraced.insert(child);
            return Verdict::Untrack(child);
        }
        Verdict::Deliver
    }

    pub fn exit(&mut self, tid: u32) -> Verdict {
        self.exec_paths.remove(&tid);
        self.thread_groups.remove(&tid);
        Verdict::Deliver
    }

    /// An exec in thread group `pid` (by thread `old_tid`): still the caller's
    /// credentials?
    pub fn exec(&mut self, pid: u32, old_tid: u32) -> Verdict {
        let path = self
            .exec_paths
            .remove(&old_tid)
            .or_else(|| self.exec_paths.remove(&pid));
        let privileged = match Credentials::of(pid) {
            Some(creds) => creds != self.expected,
            // Gone already (and reaped): judge the program file instead.
            None => match path {
                Some(path) => privileged_program(&path, &self.expected),
                None => true,
            },
        };
        if !privileged {
            return Verdict::Deliver;
        }
        info!(
            pid,
            "privileged exec in a non-admin capture: no longer traced"
        );
        self.untraced.insert(pid);
        Verdict::Untrack(pid)
    }
}

/// Would executing `path` change the credentials `expected`? (setuid or
/// setgid bits of another owner, or file capabilities.) A path that cannot
/// be checked counts as privileged.
pub(crate) fn privileged_program(path: &[u8], expected: &Credentials) -> bool {
    use std::os::unix::{ffi::OsStrExt as _, fs::MetadataExt as _};
    let path = Path::new(std::ffi::OsStr::from_bytes(path));
    if !path.is_absolute() {
        debug!(path = %path.display(), "relative exec path: cannot check it");
        return true;
    }
    let Ok(meta) = std::fs::metadata(path) else {
        return true;
    };
    let mode = meta.mode();
    let setuid = mode & libc::S_ISUID != 0 && meta.uid() != expected.uids[1];
    let setgid = mode & libc::S_ISGID != 0 && meta.gid() != expected.gids[1];
    setuid || setgid || has_file_capabilities(path)
}

fn has_file_capabilities(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt as _;
    let Ok(path) = CString::new(path.as_os_str().as_bytes()) else {
        return true;
    };
    // SAFETY: valid C strings; a null buffer of size 0 asks only for the size.
    let size = unsafe {
        libc::getxattr(
            path.as_ptr(),
            c"security.capability".as_ptr(),
            std::ptr::null_mut(),
            0,
        )
    };
    size > 0
}
