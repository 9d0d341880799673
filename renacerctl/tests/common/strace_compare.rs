//! Comparing renacer's text with `strace -f`'s, line by line, per task.
//!
//! Both traces are normalised in the same way and only for what legitimately
//! differs between two runs: pids and tids (the pid column, and pids in
//! results and arguments), addresses, and times (`si_utime`/`si_stime`).
//! strace's `<unfinished ...>`/`<... resumed>` halves are joined: renacer
//! learns of a call at its exit and prints it whole, so the two tracers
//! interleave tasks differently, and the comparison is per task, where the
//! order is the program's own.
//!
//! What still differs is either identical, or explained by a named
//! [`Exception`], or counted as unexplained.
#![expect(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]

use std::{
    collections::{BTreeSet, HashMap},
    fmt::Write as _,
    path::Path,
    process::Stdio,
};

use regex::Regex;

use super::{Daemon, command, scratch_dir};

/// The pid column of `strace -f -o FILE` (`1234  `) or of stderr output
/// (`[pid  1234] `), and the rest of the line.
fn split_pid_column(line: &str) -> (Option<u32>, &str) {
    let column = Regex::new(r"^(?:(\d+) +|\[pid +(\d+)\] )").unwrap();
    match column.captures(line) {
        Some(c) => {
            let pid = c.get(1).or_else(|| c.get(2)).unwrap().as_str();
            (pid.parse().ok(), &line[c.get(0).unwrap().end()..])
        }
        None => (None, line),
    }
}

/// strace pads the result to column 40; the pid column's width changes the
/// padding, so it is collapsed once the column is gone.
pub fn collapse_padding(line: &str) -> String {
    Regex::new(r"\)\s+= ")
        .unwrap()
        .replace_all(line, ") = ")
        .into_owned()
}

/// Addresses (hex of 6+ digits: heap and stack, and a static binary's brk,
/// which can start as low as 0x400000 under ASLR) as `PTR`.
pub fn mask_addresses(line: &str) -> String {
    Regex::new(r"0x[0-9a-f]{6,}")
        .unwrap()
        .replace_all(line, "PTR")
        .into_owned()
}

/// Every pid and tid the trace names: pid columns, and the results of the
/// calls that return one.
fn trace_pids(trace: &str) -> BTreeSet<String> {
    let result = Regex::new(
        r"(?m)(?:^|[ \]])(?:<\.\.\. )?(?:clone3?|v?fork|set_tid_address|getpid|gettid|getppid|wait4|waitid)\b.*\)\s+= (\d+)",
    )
    .unwrap();
    let mut pids: BTreeSet<String> = trace
        .lines()
        .filter_map(|line| split_pid_column(line).0)
        .map(|pid| pid.to_string())
        .collect();
    pids.extend(result.captures_iter(trace).map(|c| c[1].to_owned()));
    // Small numbers are fds and counts, never pids here.
    pids.retain(|pid| pid.len() >= 3);
    pids
}

/// One task's lines, normalised, with strace's split calls joined.
#[derive(Debug, Default)]
pub struct Task {
    pub tid: u32,
    pub lines: Vec<String>,
}

/// A trace as tasks, in the order they first appear.
pub fn tasks(trace: &str) -> Vec<Task> {
    let pids = trace_pids(trace);
    let pid_pattern = if pids.is_empty() {
        None
    } else {
        let alternatives: Vec<&str> = pids.iter().map(String::as_str).collect();
        Some(Regex::new(&format!(r"\b(?:{})\b", alternatives.join("|"))).unwrap())
    };
    let times = Regex::new(r"si_utime=\d+, si_stime=\d+").unwrap();
    let resumed = Regex::new(r"^<\.\.\. \S+ resumed>").unwrap();
    let mut order: Vec<u32> = Vec::new();
    let mut by_tid: HashMap<u32, Task> = HashMap::new();
    let mut heads: HashMap<u32, String> = HashMap::new();
    // Lines without a pid column belong to the only task (strace without
    // -f, or renacer while one task lives): the first one seen.
    let mut first = None;
    for line in trace.lines() {
        let (tid, body) = split_pid_column(line);
        let tid: u32 = tid.or(first).unwrap_or_default();
        first.get_or_insert(tid);
        by_tid.entry(tid).or_insert_with(|| {
            order.push(tid);
            Task {
                tid,
                lines: Vec::new(),
            }
        });
        let body = if let Some(head) = body.strip_suffix(" <unfinished ...>")
            && !body.starts_with("<... ")
        {
            heads.insert(tid, head.to_owned());
            continue;
        } else if let Some(m) = resumed.find(body)
            && let Some(head) = heads.remove(&tid)
        {
            format!("{head}{}", &body[m.end()..])
        } else {
            body.to_owned()
        };
        let body = match &pid_pattern {
            Some(pattern) => pattern.replace_all(&body, "PID").into_owned(),
            None => body,
        };
        let body = times.replace_all(&body, "si_utime=T, si_stime=T");
        let body = mask_addresses(&collapse_padding(&body));
        by_tid.get_mut(&tid).unwrap().lines.push(body);
    }
    // A call still split at the end (the capture ended inside it).
    for (tid, head) in heads {
        by_tid
            .get_mut(&tid)
            .unwrap()
            .lines
            .push(format!("{head} <unfinished ...>"));
    }
    order
        .into_iter()
        .map(|tid| by_tid.remove(&tid).unwrap())
        .collect()
}

/// A step of the alignment of two line lists.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Same(usize),
    /// Lines renacer and strace print at the same place, differently.
    Differ(Option<usize>, Option<usize>),
}

/// Aligns `ours` with `theirs` on their longest common subsequence; runs of
/// unmatched lines between two matches are paired in order.
fn align(ours: &[String], theirs: &[String]) -> Vec<Step> {
    let (n, m) = (ours.len(), theirs.len());
    let mut lcs = vec![0u32; (n + 1) * (m + 1)];
    let at = |i: usize, j: usize| i * (m + 1) + j;
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[at(i, j)] = if ours[i] == theirs[j] {
                lcs[at(i + 1, j + 1)] + 1
            } else {
                lcs[at(i + 1, j)].max(lcs[at(i, j + 1)])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut steps = Vec::new();
    let (mut only_ours, mut only_theirs) = (Vec::new(), Vec::new());
    let flush = |steps: &mut Vec<Step>, a: &mut Vec<usize>, b: &mut Vec<usize>| {
        for k in 0..a.len().max(b.len()) {
            steps.push(Step::Differ(a.get(k).copied(), b.get(k).copied()));
        }
        a.clear();
        b.clear();
    };
    while i < n || j < m {
        if i < n && j < m && ours[i] == theirs[j] {
            flush(&mut steps, &mut only_ours, &mut only_theirs);
            steps.push(Step::Same(i));
            i += 1;
            j += 1;
        } else if j == m || (i < n && lcs[at(i + 1, j)] >= lcs[at(i, j + 1)]) {
            only_ours.push(i);
            i += 1;
        } else {
            only_theirs.push(j);
            j += 1;
        }
    }
    flush(&mut steps, &mut only_ours, &mut only_theirs);
    steps
}

/// A known, named reason why a renacer line and a strace line differ.
pub struct Exception {
    pub name: &'static str,
    pub reason: &'static str,
    /// Whether it explains this pair (either side may be missing).
    pub explains: fn(Option<&str>, Option<&str>) -> bool,
}

/// One line that differs, and what explains it.
#[derive(Debug, Clone)]
pub struct Difference {
    pub tid_ours: u32,
    pub ours: Option<String>,
    pub theirs: Option<String>,
    /// The exception's name, or None: unexplained.
    pub exception: Option<&'static str>,
}

/// How two traces compare.
#[derive(Debug, Default)]
pub struct Comparison {
    /// Lines aligned (identical, or a differing pair, or a line on one side).
    pub lines: usize,
    pub identical: usize,
    pub differences: Vec<Difference>,
}

impl Comparison {
    pub fn excepted(&self) -> usize {
        self.differences
            .iter()
            .filter(|d| d.exception.is_some())
            .count()
    }

    pub fn unexplained(&self) -> impl Iterator<Item = &Difference> {
        self.differences.iter().filter(|d| d.exception.is_none())
    }

    /// Identical lines among those no named exception explains, in percent.
    pub fn identical_percent(&self) -> f64 {
        let judged = self.lines - self.excepted();
        if judged == 0 {
            100.0
        } else {
            100.0 * self.identical as f64 / judged as f64
        }
    }

    /// Identical lines among all lines, in percent (the raw figure).
    pub fn raw_identical_percent(&self) -> f64 {
        if self.lines == 0 {
            100.0
        } else {
            100.0 * self.identical as f64 / self.lines as f64
        }
    }

    pub fn report(&self) -> String {
        let mut out = String::new();
        for d in &self.differences {
            let _ = writeln!(
                out,
                "  [{}] task {}\n    renacer: {}\n    strace:  {}",
                d.exception.unwrap_or("UNEXPLAINED"),
                d.tid_ours,
                d.ours.as_deref().unwrap_or("-"),
                d.theirs.as_deref().unwrap_or("-"),
            );
        }
        out
    }
}

/// Compares renacer's trace with strace's: tasks are paired by content (the
/// most lines in common), then aligned line by line.
pub fn compare(ours: &str, theirs: &str, exceptions: &[Exception]) -> Comparison {
    let ours = tasks(ours);
    let theirs = tasks(theirs);
    let mut comparison = Comparison::default();
    let mut taken = vec![false; theirs.len()];
    for task in &ours {
        let best = (0..theirs.len()).filter(|&k| !taken[k]).max_by_key(|&k| {
            align(&task.lines, &theirs[k].lines)
                .iter()
                .filter(|s| matches!(s, Step::Same(_)))
                .count()
        });
        let empty = Vec::new();
        let other = match best {
            Some(k) => {
                taken[k] = true;
                &theirs[k].lines
            }
            None => &empty,
        };
        record(&mut comparison, task.tid, &task.lines, other, exceptions);
    }
    for (k, task) in theirs.iter().enumerate() {
        if !taken[k] {
            record(&mut comparison, 0, &[], &task.lines, exceptions);
        }
    }
    comparison
}

fn record(
    comparison: &mut Comparison,
    tid: u32,
    ours: &[String],
    theirs: &[String],
    exceptions: &[Exception],
) {
    for step in align(ours, theirs) {
        comparison.lines += 1;
        match step {
            Step::Same(_) => comparison.identical += 1,
            Step::Differ(a, b) => {
                let a = a.map(|i| ours[i].as_str());
                let b = b.map(|j| theirs[j].as_str());
                comparison.differences.push(Difference {
                    tid_ours: tid,
                    ours: a.map(str::to_owned),
                    theirs: b.map(str::to_owned),
                    exception: exceptions
                        .iter()
                        .find(|e| (e.explains)(a, b))
                        .map(|e| e.name),
                });
            }
        }
    }
}

/// The distinct `+++` and `---` lines of each task, sorted: what must match
/// whatever the timing.
pub fn event_lines(trace: &str) -> Vec<Vec<String>> {
    tasks(trace)
        .into_iter()
        .map(|task| {
            let mut lines: Vec<String> = task
                .lines
                .into_iter()
                .filter(|l| l.starts_with("+++ ") || l.starts_with("--- "))
                .collect();
            lines.sort();
            lines.dedup();
            lines
        })
        .filter(|lines| !lines.is_empty())
        .collect()
}

/// Runs `program` under renacer (`capture -f -o`) and under `strace -f -o`,
/// in `cwd`, with the same environment and no stdin or stdout: the two raw
/// traces. The program may fail (it may be killed on purpose).
pub fn trace_both(daemon: &Daemon, program: &[&str], cwd: &Path) -> (String, String) {
    let ours = scratch_dir("fidelity-renacer").join("trace.txt");
    let out = daemon
        .ctl()
        .args(["capture", "-f", "-o"])
        .arg(&ours)
        .arg("--")
        .args(program)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("events lost") && !stderr.contains("renacerctl:"),
        "renacerctl on {program:?}: {out:?}"
    );
    let theirs = scratch_dir("fidelity-strace").join("trace.txt");
    let out = command("strace")
        .args(["-f", "-o"])
        .arg(&theirs)
        .args(program)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("strace:"),
        "strace on {program:?}: {out:?}"
    );
    (
        std::fs::read_to_string(&ours).unwrap(),
        std::fs::read_to_string(&theirs).unwrap(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_calls_join_and_pids_mask() {
        let strace = "\
100   clone(child_stack=NULL, flags=SIGCHLD) = 101
100   wait4(-1,  <unfinished ...>
101   exit_group(0)                     = ?
101   +++ exited with 0 +++
100   <... wait4 resumed>NULL, 0, NULL) = 101
100   --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=101, si_uid=0, si_status=0, si_utime=2, si_stime=0} ---
";
        let tasks = tasks(strace);
        assert_eq!(tasks.len(), 2);
        assert_eq!(
            tasks[0].lines,
            [
                "clone(child_stack=NULL, flags=SIGCHLD) = PID",
                "wait4(-1, NULL, 0, NULL) = PID",
                "--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=PID, si_uid=0, si_status=0, si_utime=T, si_stime=T} ---",
            ]
        );
        assert_eq!(
            tasks[1].lines,
            ["exit_group(0) = ?", "+++ exited with 0 +++"]
        );
    }

    #[test]
    fn alignment_pairs_differences_between_matches() {
        let ours: Vec<String> = ["a", "b", "x", "d"].map(str::to_owned).to_vec();
        let theirs: Vec<String> = ["a", "y", "d", "e"].map(str::to_owned).to_vec();
        assert_eq!(
            align(&ours, &theirs),
            [
                Step::Same(0),
                Step::Differ(Some(1), Some(1)),
                Step::Differ(Some(2), None),
                Step::Same(3),
                Step::Differ(None, Some(3)),
            ]
        );
    }
}
