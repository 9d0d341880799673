//! strace's options on `renacerctl capture`, end to end: each is accepted,
//! the ones renacer cannot honour fail with one line that says why, and the
//! ones that change the output are compared with strace's output for the
//! same flags, on the same program, in the same environment. Only pids,
//! addresses and times are normalised. Root only: each test starts its own
//! daemon.
#![expect(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]

use std::{
    fs::File,
    path::{Path, PathBuf},
    process::{Output, Stdio},
};

use regex::Regex;

mod common;
use common::*;

/// The traced program: `cat` of a file with text, escapes and non-ASCII
/// bytes, by absolute path, its stdout on /dev/null.
struct Workload {
    dir: PathBuf,
    file: PathBuf,
}

impl Workload {
    fn new(tag: &str) -> Self {
        let dir = scratch_dir(tag);
        let file = dir.join("known.txt");
        std::fs::write(
            &file,
            b"first line\n\tsecond \"quoted\"\n\x01\x7f\xc3\xa9\n",
        )
        .unwrap();
        Self { dir, file }
    }

    fn cat(&self) -> Vec<String> {
        vec!["cat".to_owned(), self.file.display().to_string()]
    }

    /// The same stderr file for both tracers, so that -y shows the same path.
    fn stderr(&self) -> File {
        File::create(self.dir.join("stderr.txt")).unwrap()
    }
}

fn check(out: &Output, what: &str) {
    assert!(out.status.success(), "{what} failed: {out:?}");
}

/// renacer's trace text (-o) for `flags` on `program`.
fn renacer_text(daemon: &Daemon, work: &Workload, flags: &[&str], program: &[String]) -> String {
    let path = work.dir.join("renacer.txt");
    let out = daemon
        .ctl()
        .arg("capture")
        .args(flags)
        .arg("-o")
        .arg(&path)
        .arg("--")
        .args(program)
        .current_dir(&work.dir)
        .stdout(Stdio::null())
        .stderr(work.stderr())
        .output()
        .unwrap();
    check(&out, &format!("renacerctl capture {flags:?}"));
    let stderr = std::fs::read_to_string(work.dir.join("stderr.txt")).unwrap();
    assert!(!stderr.contains("events lost"), "{stderr}");
    std::fs::read_to_string(&path).unwrap()
}

/// strace's trace text (-f -o) for `flags` on `program`.
fn strace_text(work: &Workload, flags: &[&str], program: &[String]) -> String {
    let path = work.dir.join("strace.txt");
    let out = command("strace")
        .arg("-f")
        .args(flags)
        .arg("-o")
        .arg(&path)
        .args(program)
        .current_dir(&work.dir)
        .stdout(Stdio::null())
        .stderr(work.stderr())
        .output()
        .unwrap();
    check(&out, &format!("strace {flags:?}"));
    std::fs::read_to_string(&path).unwrap()
}

/// Lines with what legitimately differs between two runs replaced on both
/// sides: the pid column, strace's result padding, its `+++`/`---` lines and
/// `/* N vars */` comments, addresses, getrandom's bytes, pipe inodes, tids.
fn normalise(trace: &str) -> Vec<String> {
    let pid_column = Regex::new(r"^(\d+ +|\[pid +\d+\] )").unwrap();
    let padding = Regex::new(r"\)\s+= ").unwrap();
    let vars = Regex::new(r" /\* \d+ vars \*/").unwrap();
    let address = Regex::new(r"0x[0-9a-f]{6,}").unwrap();
    let random = Regex::new(r#"getrandom\("[^"]*""#).unwrap();
    let pipe = Regex::new(r"(pipe|socket):\[\d+\]").unwrap();
    let tid = Regex::new(r"set_tid_address\(\S+\)\s+= (\d+)").unwrap();
    let tids: Vec<String> = tid.captures_iter(trace).map(|c| c[1].to_owned()).collect();
    trace
        .lines()
        .map(|line| pid_column.replace(line, "").into_owned())
        .filter(|line| !line.contains("+++ exited") && !line.contains("--- SIG"))
        .map(|line| {
            let line = padding.replace_all(&line, ") = ");
            let line = vars.replace(&line, "");
            let line = address.replace_all(&line, "PTR");
            let line = pipe.replace_all(&line, "$1:[INODE]");
            let mut line = random.replace(&line, r#"getrandom("RANDOM""#).into_owned();
            for tid in &tids {
                line = Regex::new(&format!(r"\b{tid}\b"))
                    .unwrap()
                    .replace_all(&line, "TID")
                    .into_owned();
            }
            line
        })
        .collect()
}

/// Equal line for line; on failure, the first differing line.
fn assert_same_lines(what: &str, renacer: &[String], strace: &[String]) {
    for (i, (ours, theirs)) in renacer.iter().zip(strace).enumerate() {
        assert_eq!(
            ours,
            theirs,
            "{what}: line {} differs\nrenacer: {ours}\nstrace:  {theirs}",
            i + 1
        );
    }
    assert_eq!(
        renacer.len(),
        strace.len(),
        "{what}: same lines, but not as many:\nrenacer:\n{}\nstrace:\n{}",
        renacer.join("\n"),
        strace.join("\n")
    );
}

/// `flags` through both tracers on `cat`, compared after `normalise`
/// and `shape` (which checks and replaces times).
fn same_as_strace(
    daemon: &Daemon,
    work: &Workload,
    flags: &[&str],
    shape: impl Fn(&str, &str) -> String,
) -> Vec<String> {
    let ours = normalise(&renacer_text(daemon, work, flags, &work.cat()));
    let theirs = normalise(&strace_text(work, flags, &work.cat()));
    let what = format!("{flags:?}");
    let ours: Vec<String> = ours
        .iter()
        .map(|l| shape(&format!("renacer {what}"), l))
        .collect();
    let theirs: Vec<String> = theirs
        .iter()
        .map(|l| shape(&format!("strace {what}"), l))
        .collect();
    assert_same_lines(&what, &ours, &theirs);
    ours
}

fn unchanged(_: &str, line: &str) -> String {
    line.to_owned()
}

/// A shape check: every line starts with `pattern` (a timestamp column),
/// which is replaced by `TS `. Dump lines (` | `) carry none, as in strace.
fn leading(pattern: &str) -> impl Fn(&str, &str) -> String {
    let re = Regex::new(&format!("^{pattern} ")).unwrap();
    move |who, line| {
        if line.starts_with(" | ") {
            return line.to_owned();
        }
        assert!(re.is_match(line), "{who}: no {pattern} column in {line:?}");
        re.replace(line, "TS ").into_owned()
    }
}

/// Seconds since midnight of a `HH:MM:SS` prefix.
fn clock_seconds(line: &str) -> i64 {
    let parts: Vec<i64> = line[..8].split(':').map(|p| p.parse().unwrap()).collect();
    parts[0] * 3600 + parts[1] * 60 + parts[2]
}

#[test]
fn timestamp_columns_match_strace() {
    let daemon = Daemon::start();
    let work = Workload::new("timestamps");
    same_as_strace(&daemon, &work, &["-t"], leading(r"\d\d:\d\d:\d\d"));
    same_as_strace(&daemon, &work, &["-tt"], leading(r"\d\d:\d\d:\d\d\.\d{6}"));
    same_as_strace(&daemon, &work, &["-ttt"], leading(r"\d{10}\.\d{6}"));
    same_as_strace(&daemon, &work, &["-r"], leading(r" *\d+\.\d{6}"));

    // The values are the same clock as strace's: local time of day, Unix time.
    let ours = renacer_text(&daemon, &work, &["-tt"], &work.cat());
    let theirs = strace_text(&work, &["-tt"], &work.cat());
    let first = |text: &str| normalise(text).into_iter().next().unwrap();
    let drift = clock_seconds(&first(&ours)) - clock_seconds(&first(&theirs));
    assert!(drift.abs() < 120, "-tt clocks differ by {drift}s");
    let ours = renacer_text(&daemon, &work, &["-ttt"], &work.cat());
    let unix: f64 = first(&ours)[..17].parse().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!((now - unix).abs() < 120.0, "-ttt {unix} is not now ({now})");
    // -r: the first call at 0, the rest small and not negative.
    let ours = normalise(&renacer_text(&daemon, &work, &["-r"], &work.cat()));
    assert!(ours[0].starts_with("     0.000000 "), "{}", ours[0]);
}

#[test]
fn durations_only_with_capital_t_as_in_strace() {
    let daemon = Daemon::start();
    let work = Workload::new("durations");
    let suffix = Regex::new(r" <\d+\.\d{6}>$").unwrap();
    same_as_strace(&daemon, &work, &["-T"], |who, line| {
        // Every completed call has one; exit_group never returns.
        if !line.ends_with("= ?") {
            assert!(suffix.is_match(line), "{who}: no -T suffix in {line:?}");
        }
        suffix.replace(line, " <T>").into_owned()
    });
    let plain = same_as_strace(&daemon, &work, &[], unchanged);
    assert!(
        plain.iter().all(|line| !suffix.is_match(line)),
        "a duration without -T"
    );
}

#[test]
fn fd_paths_match_strace() {
    let daemon = Daemon::start();
    let work = Workload::new("fdpaths");
    let lines = same_as_strace(&daemon, &work, &["-y"], unchanged);
    let file = work.file.display().to_string();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&format!("read(3<{file}>, "))),
        "no -y path on read: {lines:#?}"
    );
    assert!(lines.iter().any(|l| l.starts_with("write(1</dev/null>, ")));
}

#[test]
fn hex_strings_match_strace() {
    let daemon = Daemon::start();
    let work = Workload::new("hex");
    let lines = same_as_strace(&daemon, &work, &["-x"], unchanged);
    assert!(
        lines.iter().any(|l| l.contains(r#""\x66\x69\x72\x73\x74"#)),
        "-x"
    );
    let lines = same_as_strace(&daemon, &work, &["-xx"], unchanged);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(r#"openat(AT_FDCWD, "\x2f"#)),
        "-xx"
    );
}

#[test]
fn read_and_write_dumps_match_strace() {
    let daemon = Daemon::start();
    let work = Workload::new("dumps");
    let lines = same_as_strace(
        &daemon,
        &work,
        &["-e", "read=3", "-e", "write=1"],
        unchanged,
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(" | 00000  66 69 72 73 74 20 6c 69  6e 65 0a 09")),
        "no dump of the file's data: {lines:#?}"
    );
    let dumps = lines.iter().filter(|l| l.starts_with(" | 00000 ")).count();
    assert!(
        dumps >= 3,
        "the reads of fd 3 and the write to fd 1: {dumps}"
    );

    // writev: one dump per element, after ` * N bytes in buffer I`.
    let script = work.dir.join("writev.py");
    std::fs::write(&script, "import os\nos.writev(1, [b'ab', b'cde\\n'])\n").unwrap();
    let program = vec!["python3".to_owned(), script.display().to_string()];
    let flags = ["-e", "trace=writev", "-e", "write=1"];
    let ours = normalise(&renacer_text(&daemon, &work, &flags, &program));
    let theirs = normalise(&strace_text(&work, &flags, &program));
    assert_same_lines("writev dump", &ours, &theirs);
    assert!(
        ours.iter().any(|l| l == " * 4 bytes in buffer 1"),
        "{ours:#?}"
    );
}

#[test]
fn path_and_status_filters_match_strace() {
    let daemon = Daemon::start();
    let work = Workload::new("filters");
    let file = work.file.display().to_string();
    let lines = same_as_strace(&daemon, &work, &["-P", &file], unchanged);
    assert!(
        lines.len() >= 4,
        "openat, fstat, read(s), close of the file: {lines:#?}"
    );
    let failed = same_as_strace(&daemon, &work, &["-Z"], unchanged);
    assert!(failed.iter().all(|l| l.contains("= -1 ")), "{failed:#?}");
    let succeeded = same_as_strace(&daemon, &work, &["-z"], unchanged);
    assert!(
        !succeeded.iter().any(|l| l.contains("= -1 ")),
        "{succeeded:#?}"
    );
}

#[test]
fn summary_options_match_strace() {
    let daemon = Daemon::start();
    let work = Workload::new("summary");
    // No times in these columns: the whole table must be strace's.
    let flags = ["-c", "-S", "calls", "-U", "name,calls,errors"];
    let ours = renacer_text(&daemon, &work, &flags, &work.cat());
    let theirs = strace_text(&work, &flags, &work.cat());
    assert_eq!(ours, theirs, "-c -S calls -U name,calls,errors");
    let by_name = ["-c", "-S", "name", "-U", "name,calls"];
    let ours = renacer_text(&daemon, &work, &by_name, &work.cat());
    assert_eq!(ours, strace_text(&work, &by_name, &work.cat()), "-S name");

    // -C: the lines, then the table.
    let ours = renacer_text(&daemon, &work, &["-C"], &work.cat());
    let theirs = strace_text(&work, &["-C"], &work.cat());
    let split = |text: &str| {
        let at = text
            .find("% time")
            .unwrap_or_else(|| panic!("no table in {text}"));
        (text[..at].to_owned(), text[at..].to_owned())
    };
    let ((our_lines, our_table), (their_lines, their_table)) = (split(&ours), split(&theirs));
    assert_same_lines("-C lines", &normalise(&our_lines), &normalise(&their_lines));
    assert_eq!(
        parse_summary(&our_table),
        parse_summary(&their_table),
        "-C table"
    );
}

/// sh's SIGCHLD handler returns through rt_sigreturn, which renacer
/// decodes differently from strace (a decoder matter, not -ff's): both
/// tracers leave it out.
const SIGNAL_RETURN_EXCLUDED: &str = "trace=!rt_sigreturn";

#[test]
fn one_file_per_process_as_strace_ff() {
    let daemon = Daemon::start();
    let work = Workload::new("ff");
    let file = work.file.display().to_string();
    let program: Vec<String> = ["sh", "-c", &format!("cat {file}; cat {file} >/dev/null")]
        .map(str::to_owned)
        .to_vec();
    // Pids differ between the runs: each file's own, its children's (clone,
    // wait4) and the tracer's (getppid).
    let per_process = |tracer: &str, run: &dyn Fn(&Path)| {
        let dir = work.dir.join(tracer);
        std::fs::create_dir_all(&dir).unwrap();
        run(&dir.join("trace"));
        let name = Regex::new(r"^trace\.(\d+)$").unwrap();
        let mut pids = Vec::new();
        let mut texts = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let file = entry.file_name().into_string().unwrap();
            let pid = name
                .captures(&file)
                .unwrap_or_else(|| panic!("{tracer} wrote {file}"))[1]
                .to_owned();
            pids.push(pid);
            texts.push(std::fs::read_to_string(entry.path()).unwrap());
        }
        let ppid = Regex::new(r"getppid\(\) = \d+").unwrap();
        let mut files: Vec<Vec<String>> = texts
            .iter()
            .map(|text| {
                normalise(text)
                    .into_iter()
                    .map(|line| {
                        let mut line = ppid.replace(&line, "getppid() = PID").into_owned();
                        for pid in &pids {
                            line = Regex::new(&format!(r"\b{pid}\b"))
                                .unwrap()
                                .replace_all(&line, "PID")
                                .into_owned();
                        }
                        line
                    })
                    .collect()
            })
            .collect();
        files.sort();
        files
    };
    let ours = per_process("renacer", &|base| {
        let out = daemon
            .ctl()
            .args(["capture", "-ff", "-e", SIGNAL_RETURN_EXCLUDED, "-o"])
            .arg(base)
            .arg("--")
            .args(&program)
            .current_dir(&work.dir)
            .stdout(Stdio::null())
            .stderr(work.stderr())
            .output()
            .unwrap();
        check(&out, "renacerctl capture -ff");
    });
    let theirs = per_process("strace", &|base| {
        let out = command("strace")
            .args(["-ff", "-e", SIGNAL_RETURN_EXCLUDED, "-o"])
            .arg(base)
            .args(&program)
            .current_dir(&work.dir)
            .stdout(Stdio::null())
            .stderr(work.stderr())
            .output()
            .unwrap();
        check(&out, "strace -ff");
    });
    assert_eq!(ours.len(), 3, "sh and its two cats");
    assert_eq!(ours.len(), theirs.len());
    for (ours, theirs) in ours.iter().zip(&theirs) {
        assert!(
            ours.iter().all(|l| !l.starts_with("[pid")),
            "a pid prefix in a -ff file"
        );
        assert_same_lines("-ff file", ours, theirs);
    }
}

#[test]
fn every_strace_option_is_accepted() {
    let daemon = Daemon::start();
    let work = Workload::new("accepted");
    let accepted: &[&[&str]] = &[
        &["-f"],
        &["-q"],
        &["-qq"],
        &["-v"],
        &["-yy"],
        &["-X", "abbrev"],
        &["-e", "signal=none"],
        &["-e", "quiet=all"],
        &["-e", "abbrev=all"],
        &["-e", "verbose=all"],
        &["-e", "decode-fds=path"],
        &["-c", "-w"],
    ];
    for flags in accepted {
        renacer_text(&daemon, &work, flags, &work.cat());
    }
    // -e raw=: undecoded arguments and a hex result.
    let raw = renacer_text(
        &daemon,
        &work,
        &["-e", "raw=close", "-e", "trace=close"],
        &work.cat(),
    );
    // As strace, the exit line is printed whatever the trace= filter.
    let (calls, exit) = raw.trim_end().rsplit_once('\n').unwrap();
    assert_eq!(exit, "+++ exited with 0 +++", "{raw}");
    assert!(calls.lines().all(|l| l.starts_with("close(0x")), "{raw}");
    // -u: the command runs as that user.
    let out = daemon
        .ctl()
        .args([
            "capture",
            "-u",
            "nobody",
            "-o",
            "/dev/null",
            "--",
            "id",
            "-u",
        ])
        .output()
        .unwrap();
    check(&out, "capture -u nobody");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "65534");
}

#[test]
fn unsupported_and_contradictory_options_say_why() {
    let cases: &[&[&str]] = &[
        &["-D"],
        &["-DD"],
        &["-I", "2"],
        &["-k", "-c"],
        &["--source", "-c"],
        &["-i"],
        &["-n"],
        &["-b", "execve"],
        &["-E", "A=B"],
        &["-e", "inject=openat:error=ENOENT"],
        &["-e", "fault=openat"],
        &["-X", "raw"],
        &["-c", "--format", "json"],
        &["-C", "--format", "json"],
        &["-c", "-C"],
        &["--compress"],
        &["-T", "--format", "json"],
        &["-y", "-c"],
        &["-S", "calls"],
        &["-U", "calls"],
        &["-c", "-U", "max-time"],
        &["-z", "-Z"],
        &["-t", "-r"],
    ];
    for flags in cases {
        // No daemon: these fail before connecting or running anything.
        let out = command(bin("renacerctl"))
            .args(["--socket", "/nonexistent/renacer.sock", "capture"])
            .args(*flags)
            .args(["--", "true"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flags:?}: {out:?}");
        assert_eq!(
            stderr.lines().count(),
            1,
            "{flags:?}: one line, got {stderr}"
        );
        assert!(
            !stderr.contains("unexpected argument"),
            "{flags:?}: {stderr}"
        );
    }
}
