//! A fork/exec tree with a known slowest branch: `forktree [MS...]` forks
//! one child per argument (default 10 60 20); each child execs
//! `/bin/sleep` for that many milliseconds. The parent reaps them in order
//! and prints one line per child. The critical path runs through the
//! longest sleep.
use std::{ffi::CString, io::Write as _, process::ExitCode};

fn spawn_sleeper(millis: u64) -> std::io::Result<libc::pid_t> {
    let path = CString::new("/bin/sleep").map_err(std::io::Error::other)?;
    let seconds = CString::new(format!("{}.{:03}", millis / 1000, millis % 1000))
        .map_err(std::io::Error::other)?;
    let name = CString::new("sleep").map_err(std::io::Error::other)?;
    let argv = [name.as_ptr(), seconds.as_ptr(), std::ptr::null()];
    // SAFETY: the child only calls execv and _exit (async-signal-safe).
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(std::io::Error::last_os_error());
    }
    if pid == 0 {
        // SAFETY: async-signal-safe calls with valid, NUL-terminated arguments.
        unsafe {
            libc::execv(path.as_ptr(), argv.as_ptr());
            libc::_exit(127);
        }
    }
    Ok(pid)
}

fn run() -> std::io::Result<()> {
    let mut sleeps: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().map_err(std::io::Error::other))
        .collect::<Result<_, _>>()?;
    if sleeps.is_empty() {
        sleeps = vec![10, 60, 20];
    }
    let children: Vec<libc::pid_t> = sleeps
        .iter()
        .map(|&ms| spawn_sleeper(ms))
        .collect::<Result<_, _>>()?;
    let mut out = std::io::stdout().lock();
    for (n, pid) in children.into_iter().enumerate() {
        let mut status = 0;
        // SAFETY: our own child; valid pointer.
        if unsafe { libc::waitpid(pid, &mut status, 0) } != pid {
            return Err(std::io::Error::last_os_error());
        }
        writeln!(
            out,
            "child {} (sleep {} ms) exited with {}",
            n + 1,
            sleeps[n],
            libc::WEXITSTATUS(status)
        )?;
    }
    out.flush()
}

fn main() -> ExitCode {
    renacer_examples::finish("forktree", run(), 1)
}
