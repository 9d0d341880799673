//! Comparing renacer's text trace with `strace -f`'s: one normaliser and one
//! way to run each side, shared by the golden tests and the fidelity corpus.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::Path,
    process::Output,
};

use regex::Regex;

use super::{Daemon, command, scratch_dir};

/// What legitimately differs between two runs or two tracers, replaced by
/// placeholders on both sides:
/// * the pid column `strace -f -o` writes (`[pid N] ` in renacer);
/// * strace's column padding before `= `, renacer's ` <secs>` durations, and
///   strace's `+++ exited +++` / `--- SIG ---` lines (process and signal
///   events have their own suite);
/// * addresses (hex of 6+ digits: a static binary's brk heap, and the TLS block
///   arch_prctl points into, can start as low as 0x400000 under ASLR) and
///   getrandom's random bytes;
/// * times the kernel measured: what is `left` of a timeout, CPU times in a
///   `struct rusage`, what is left of a timer, the time `time` returns;
/// * pids and tids (from set_tid_address's, fork's, clone's, getpid's and
///   getppid's results).
pub fn normalise(trace: &str) -> Vec<String> {
    let pid_column = Regex::new(r"^(\d+ +|\[pid +\d+\] )").unwrap();
    let padding = Regex::new(r"\)\s+= ").unwrap();
    let duration = Regex::new(r" <\d+\.\d+>$").unwrap();
    let address = Regex::new(r"0x[0-9a-f]{6,}").unwrap();
    let random = Regex::new(r#"getrandom\("[^"]*""#).unwrap();
    let left = Regex::new(r"left \{tv_sec=\d+, tv_(n|u)sec=\d+\}").unwrap();
    let cpu_time = Regex::new(r"ru_(u|s)time=\{tv_sec=\d+, tv_usec=\d+\}").unwrap();
    let pid_result = Regex::new(
        r"^(<\.\.\. )?(set_tid_address|fork|vfork|clone|clone3|gettid|getpid|getppid)\b.*\)\s+= (\d+)$",
    )
    .unwrap();
    let now = Regex::new(r"= \d+ \(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000\)$").unwrap();
    let timer_left =
        Regex::new(r"^(timer_gettime|timerfd_gettime)\((.*)it_value=\{tv_sec=\d+, tv_nsec=\d+\}")
            .unwrap();
    let pids: BTreeSet<String> = trace
        .lines()
        .map(|line| pid_column.replace(line, ""))
        .filter_map(|line| pid_result.captures(&line).map(|c| c[3].to_owned()))
        .filter(|pid| pid.len() > 2)
        .collect();
    let pid_words: Vec<Regex> = pids
        .iter()
        .map(|pid| Regex::new(&format!(r"\b{pid}\b")).unwrap())
        .collect();
    trace
        .lines()
        .map(|line| pid_column.replace(line, ""))
        .filter(|line| !line.starts_with("+++") && !line.starts_with("---"))
        .map(|line| {
            let line = padding.replace_all(&line, ") = ");
            let line = duration.replace(&line, "");
            let line = address.replace_all(&line, "PTR");
            let line = left.replace_all(&line, "left TIME");
            let line = cpu_time.replace_all(&line, "ru_${1}time=TIME");
            let line = now.replace(&line, "= TIME (DATE)");
            let line = timer_left.replace(&line, "${1}(${2}it_value=TIME");
            let mut line = random.replace(&line, r#"getrandom("RANDOM""#).into_owned();
            for pid in &pid_words {
                line = pid.replace_all(&line, "PID").into_owned();
            }
            line
        })
        .collect()
}

/// renacer's normalised text trace of `program` (extra capture flags first),
/// run in `cwd`; renacerctl must succeed.
pub fn renacer_lines(daemon: &Daemon, flags: &[&str], program: &[&str], cwd: &Path) -> Vec<String> {
    let (lines, out) = renacer_run(daemon, flags, program, cwd);
    assert!(out.status.success(), "renacerctl failed: {out:?}");
    lines
}

/// renacer's normalised text trace of `program` and renacerctl's output
/// (its exit status is the program's).
pub fn renacer_run(
    daemon: &Daemon,
    flags: &[&str],
    program: &[&str],
    cwd: &Path,
) -> (Vec<String>, Output) {
    let path = scratch_dir("renacer").join("trace.txt");
    let out = daemon
        .ctl()
        .arg("capture")
        .args(flags)
        .arg("-o")
        .arg(&path)
        .arg("--")
        .args(program)
        .current_dir(cwd)
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("events lost"),
        "{out:?}"
    );
    let trace = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("no trace written ({err}); renacerctl said {out:?}"));
    (normalise(&trace), out)
}

/// `strace -f`'s normalised trace of `program`, run in `cwd`.
pub fn strace_lines(program: &[&str], cwd: &Path) -> Vec<String> {
    strace_lines_with(&[], program, cwd)
}

/// [`strace_lines`] with extra strace flags first.
pub fn strace_lines_with(flags: &[&str], program: &[&str], cwd: &Path) -> Vec<String> {
    let path = scratch_dir("strace").join("trace.txt");
    let out = command("strace")
        .arg("-f")
        .args(flags)
        .arg("-o")
        .arg(&path)
        .args(program)
        .current_dir(cwd)
        .output()
        .unwrap();
    let trace = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("strace wrote no trace ({err}): {out:?}"));
    normalise(&trace)
}

/// Equal line for line; on failure, shows the first differing lines.
pub fn assert_same_lines(renacer: &[String], strace: &[String]) {
    for (i, (ours, theirs)) in renacer.iter().zip(strace).enumerate() {
        assert_eq!(
            ours,
            theirs,
            "line {} differs\nrenacer: {ours}\nstrace:  {theirs}",
            i + 1
        );
    }
    assert_eq!(
        renacer.len(),
        strace.len(),
        "same lines, but not as many:\nrenacer:\n{}\nstrace:\n{}",
        renacer.join("\n"),
        strace.join("\n")
    );
}

/// How two normalised traces of one program compare. Lines are matched as
/// multisets: two processes' lines interleave differently from run to run.
#[derive(Debug, Default)]
pub struct Comparison {
    /// strace's lines that renacer printed identically.
    pub identical: usize,
    /// The longer trace's line count.
    pub total: usize,
    /// strace's lines that renacer did not print.
    pub only_strace: Vec<String>,
    /// renacer's lines that strace did not print.
    pub only_renacer: Vec<String>,
}

impl Comparison {
    pub fn new(renacer: &[String], strace: &[String]) -> Self {
        let mut left: BTreeMap<&str, usize> = BTreeMap::new();
        for line in renacer {
            *left.entry(line).or_default() += 1;
        }
        let mut only_strace = Vec::new();
        let mut identical = 0;
        for line in strace {
            match left.get_mut(line.as_str()) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    identical += 1;
                }
                _ => only_strace.push(line.clone()),
            }
        }
        let only_renacer = renacer
            .iter()
            .filter(|line| {
                left.get_mut(line.as_str()).is_some_and(|n| {
                    let unmatched = *n > 0;
                    *n = n.saturating_sub(1);
                    unmatched
                })
            })
            .cloned()
            .collect();
        Self {
            identical,
            total: renacer.len().max(strace.len()),
            only_strace,
            only_renacer,
        }
    }

    /// The share of lines printed identically, 0 to 1.
    pub fn identity(&self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            self.identical as f64 / self.total as f64
        }
    }
}

/// The syscall a trace line is about (`name(` ... or `<... name resumed>`).
pub fn syscall_of(line: &str) -> &str {
    let line = line.strip_prefix("<... ").unwrap_or(line);
    let end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(line.len());
    &line[..end]
}
