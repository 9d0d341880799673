//! Decoding fidelity against strace, family by family: every C program in
//! tests/fidelity/ exercises one syscall family with fixed arguments; each is
//! compiled at test time, run under `strace -f` and under `renacerctl
//! capture` (same defaults), and the lines are compared after normalising
//! only pids, addresses and times (see [`common::fidelity::normalise`]).
//!
//! The test prints each program's share of identical lines and the mean,
//! requires the mean to stay at or above [`MEAN_IDENTITY_FLOOR`], and
//! requires every remaining difference to be a named exception below. Root
//! only: it starts its own daemon, which loads the real eBPF programs.
#![expect(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    process::Command,
};

mod common;
use common::{
    fidelity::{Comparison, renacer_run, strace_lines, syscall_of},
    *,
};

/// The mean share of identical lines reached; raise it as decoding improves.
const MEAN_IDENTITY_FLOOR: f64 = 0.0;

/// A difference renacer still has: the lines of `syscall` in `program` (`*`:
/// any program) may differ, for `reason`.
struct Exception {
    program: &'static str,
    syscall: &'static str,
    reason: &'static str,
}

const fn exception(
    program: &'static str,
    syscall: &'static str,
    reason: &'static str,
) -> Exception {
    Exception {
        program,
        syscall,
        reason,
    }
}

const EXCEPTIONS: &[Exception] = &[];

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fidelity")
}

/// Every program of the corpus, compiled statically (no loader calls).
fn compile_corpus() -> Vec<(String, PathBuf)> {
    let out_dir = scratch_dir("fidelity-bin");
    let mut sources: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "c"))
        .collect();
    sources.sort();
    let compile = |source: &PathBuf| {
        let name = source.file_stem().unwrap().to_string_lossy().into_owned();
        let exe = out_dir.join(&name);
        let out = Command::new("cc")
            .args(["-O1", "-static", "-w", "-o"])
            .arg(&exe)
            .arg(source)
            .output()
            .unwrap();
        assert!(out.status.success(), "compiling {name}: {out:?}");
        (name, exe)
    };
    // Two compilers at a time: the build machine has two cores.
    let (first, second) = sources.split_at(sources.len() / 2);
    std::thread::scope(|scope| {
        let a = scope.spawn(|| first.iter().map(compile).collect::<Vec<_>>());
        let b = scope.spawn(|| second.iter().map(compile).collect::<Vec<_>>());
        let mut all = a.join().unwrap();
        all.extend(b.join().unwrap());
        all
    })
}

fn excused(program: &str, line: &str) -> Option<&'static Exception> {
    let syscall = syscall_of(line);
    EXCEPTIONS
        .iter()
        .find(|e| (e.program == "*" || e.program == program) && e.syscall == syscall)
}

#[test]
fn each_family_decodes_like_strace() {
    let daemon = Daemon::start();
    let corpus = compile_corpus();
    assert!(corpus.len() >= 100, "{} programs", corpus.len());
    let mut identities = BTreeMap::new();
    let mut unexplained = Vec::new();
    let mut used = vec![0usize; EXCEPTIONS.len()];
    for (name, exe) in &corpus {
        let program = [exe.to_str().unwrap()];
        let theirs = strace_lines(&program, &scratch_dir(&format!("strace-{name}")));
        let (ours, _) = renacer_run(
            &daemon,
            &[],
            &program,
            &scratch_dir(&format!("ours-{name}")),
        );
        let comparison = Comparison::new(&ours, &theirs);
        println!(
            "{name:24} {:6.1}% ({}/{})",
            100.0 * comparison.identity(),
            comparison.identical,
            comparison.total
        );
        for (side, lines) in [
            ("strace ", &comparison.only_strace),
            ("renacer", &comparison.only_renacer),
        ] {
            for line in lines {
                match excused(name, line) {
                    Some(e) => {
                        let i = EXCEPTIONS.iter().position(|x| std::ptr::eq(x, e)).unwrap();
                        used[i] += 1;
                        println!("    {side} {line}    [{}]", e.reason);
                    }
                    None => {
                        println!("    {side} {line}");
                        unexplained.push(format!("{name}: {side} {line}"));
                    }
                }
            }
        }
        identities.insert(name.clone(), comparison.identity());
    }
    let mean = identities.values().sum::<f64>() / identities.len() as f64;
    println!(
        "mean identity over {} programs: {:.2}%",
        identities.len(),
        100.0 * mean
    );
    for (e, n) in EXCEPTIONS.iter().zip(&used) {
        println!(
            "exception {}/{}: {n} lines: {}",
            e.program, e.syscall, e.reason
        );
    }
    assert!(
        mean >= MEAN_IDENTITY_FLOOR,
        "mean identity {mean:.4} fell below {MEAN_IDENTITY_FLOOR}"
    );
    assert!(
        unexplained.is_empty(),
        "{} differences are not named exceptions:\n{}",
        unexplained.len(),
        unexplained.join("\n")
    );
    let stale: Vec<_> = EXCEPTIONS
        .iter()
        .zip(&used)
        .filter(|(_, n)| **n == 0)
        .map(|(e, _)| format!("{}/{}", e.program, e.syscall))
        .collect();
    assert!(stale.is_empty(), "exceptions no longer needed: {stale:?}");
}
