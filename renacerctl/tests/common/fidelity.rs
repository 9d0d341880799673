//! Comparing renacer's text trace with `strace -f`'s: one normaliser and one
//! way to run each side, shared by the golden tests and the fidelity corpus.

use std::{collections::BTreeMap, path::Path, process::Output};

use regex::Regex;

use super::{Daemon, command, scratch_dir, strace_compare};

/// What legitimately differs between two runs or two tracers, replaced by
/// placeholders on both sides: what [`strace_compare::tasks`] masks (the
/// pid column, pids and tids, addresses, the padding before `= `, a child's
/// CPU times, with strace's `<unfinished ...>`/`<... resumed>` halves joined
/// and the lines grouped per task), and:
/// * renacer's ` <secs>` durations and getrandom's random bytes;
/// * times the kernel measured: what is `left` of a timeout, CPU times in a
///   `struct rusage`, what is left of a timer, the time `time` returns.
pub fn normalise(trace: &str) -> Vec<String> {
    let duration = Regex::new(r" <\d+\.\d+>$").unwrap();
    let random = Regex::new(r#"getrandom\("[^"]*""#).unwrap();
    let left = Regex::new(r"left \{tv_sec=\d+, tv_(n|u)sec=\d+\}").unwrap();
    let cpu_time = Regex::new(r"ru_(u|s)time=\{tv_sec=\d+, tv_usec=\d+\}").unwrap();
    let now = Regex::new(r"= \d+ \(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000\)$").unwrap();
    let timer_left =
        Regex::new(r"^(timer_gettime|timerfd_gettime)\((.*)it_value=\{tv_sec=\d+, tv_nsec=\d+\}")
            .unwrap();
    strace_compare::tasks(trace)
        .into_iter()
        .flat_map(|task| task.lines)
        .map(|line| {
            let line = duration.replace(&line, "");
            let line = left.replace_all(&line, "left TIME");
            let line = cpu_time.replace_all(&line, "ru_${1}time=TIME");
            let line = now.replace(&line, "= TIME (DATE)");
            let line = timer_left.replace(&line, "${1}(${2}it_value=TIME");
            random.replace(&line, r#"getrandom("RANDOM""#).into_owned()
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
