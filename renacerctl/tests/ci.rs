//! End-to-end tests of the CI commands (compare, assert, analyze, convert,
//! golden): a real renacer-daemon traces the project's example programs and
//! renacerctl judges the traces. They need root.
//!
//! Each test starts its own daemon on a private socket and stops it by PID
//! when the guard drops, also when the test fails. Examples run in their own
//! scratch directories, since they write files in their working directory.
#![expect(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]

use std::{
    path::{Path, PathBuf},
    process::Output,
};

use renacer_analysis::{
    CompareOptions, assertions, compare, compare::DivergenceKind, critical_path, load_trace_bytes,
};
use renacer_trace::json::TraceFile;

mod common;
use common::*;

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

/// `capture --format json -o FILE -- CMD` in a fresh scratch directory.
fn capture_file(daemon: &Daemon, command: &[&str]) -> PathBuf {
    let (path, out) = daemon.capture_json_file(&scratch_dir("run"), command);
    assert!(
        out.status.success(),
        "capture of {command:?} failed: {out:?}"
    );
    path
}

fn read(path: &Path) -> TraceFile {
    load_trace_bytes(&std::fs::read(path).unwrap()).unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn ctl_compare(daemon: &Daemon, a: &Path, b: &Path, extra: &[&str]) -> Output {
    daemon
        .ctl()
        .arg("compare")
        .arg(a)
        .arg(b)
        .args(extra)
        .output()
        .unwrap()
}

fn ctl_critical_path(daemon: &Daemon, trace: &Path) -> Output {
    daemon
        .ctl()
        .args(["analyze", "--critical-path"])
        .arg(trace)
        .output()
        .unwrap()
}

#[test]
fn same_program_twice_is_equivalent() {
    let daemon = Daemon::start();
    for name in ["fileio", "threads", "forktree"] {
        let exe = example(name);
        let a = capture_file(&daemon, &[exe.to_str().unwrap()]);
        let b = capture_file(&daemon, &[exe.to_str().unwrap()]);
        // Same binary, same input: the counts are budgeted too.
        let out = ctl_compare(&daemon, &a, &b, &["--tolerance", "10"]);
        assert_eq!(out.status.code(), Some(0), "{name}: {out:?}");
        let report = stdout(&out);
        assert!(report.starts_with("PASS: same effects"), "{name}: {report}");
        assert!(report.contains("runtime: "), "{report}");
        assert!(report.contains("within ±10.0% tolerance"), "{report}");
    }
}

#[test]
fn two_implementations_are_equivalent() {
    let daemon = Daemon::start();
    let input = examples_dir().join("data/wordcount-input.txt");
    let rust = capture_file(
        &daemon,
        &[
            example("wordcount").to_str().unwrap(),
            input.to_str().unwrap(),
        ],
    );
    let script = examples_dir().join("wordcount.py");
    let python = capture_file(
        &daemon,
        &[
            "/usr/bin/python3",
            script.to_str().unwrap(),
            input.to_str().unwrap(),
        ],
    );
    let out = ctl_compare(&daemon, &rust, &python, &[]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let report = stdout(&out);
    assert!(report.starts_with("PASS"), "{report}");
    // The interpreter makes many more calls: reported, not failed.
    assert!(report.contains("outside (informational)"), "{report}");
    assert!(report.contains("x slower"), "{report}");
    // The same comparison with the counts budgeted fails on the drift.
    let strict = ctl_compare(&daemon, &rust, &python, &["--tolerance", "5"]);
    assert_eq!(strict.status.code(), Some(1), "{strict:?}");
    assert!(stdout(&strict).contains("syscall count outside tolerance"));
}

#[test]
fn different_output_length_fails_at_the_write() {
    let daemon = Daemon::start();
    let exe = example("fileio");
    let a = capture_file(&daemon, &[exe.to_str().unwrap(), "hello world"]);
    let b = capture_file(&daemon, &[exe.to_str().unwrap(), "hello world!"]);
    let out = ctl_compare(&daemon, &a, &b, &[]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(stdout(&out).starts_with("FAIL"), "{}", stdout(&out));

    let (ta, tb) = (read(&a), read(&b));
    let report = compare(&ta, &tb, &CompareOptions::default());
    // The file and stdout both got "hello world\n" in A and "hello world!\n"
    // in B: the first differing byte is the 12th (offset 11).
    assert_eq!(report.divergences.len(), 2, "{report}");
    for d in &report.divergences {
        assert_eq!(d.kind, DivergenceKind::DataMismatch, "{d}");
        assert_eq!(d.offset, Some(11), "{d}");
        let (ra, rb) = (d.a.as_ref().unwrap(), d.b.as_ref().unwrap());
        assert_eq!(ta.syscalls[ra.index].name, "write", "{d}");
        assert_eq!(tb.syscalls[rb.index].name, "write", "{d}");
        assert_eq!(returned(&ta.syscalls[ra.index]), Some(12));
        assert_eq!(returned(&tb.syscalls[rb.index]), Some(13));
    }
    let targets: Vec<&str> = report
        .divergences
        .iter()
        .map(|d| d.target.as_str())
        .collect();
    assert!(targets.contains(&"stdout"), "{targets:?}");
}

/// The written bytes are in the trace (captured in the kernel at write's entry).
#[test]
fn different_byte_reports_the_first_differing_byte() {
    let daemon = Daemon::start();
    let exe = example("fileio");
    let a = capture_file(&daemon, &[exe.to_str().unwrap(), "hello world"]);
    let b = capture_file(&daemon, &[exe.to_str().unwrap(), "hello World"]);
    let out = ctl_compare(&daemon, &a, &b, &[]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let (ta, tb) = (read(&a), read(&b));
    let report = compare(&ta, &tb, &CompareOptions::default());
    let stdout_divergence = report
        .divergences
        .iter()
        .find(|d| d.target == "stdout")
        .unwrap_or_else(|| panic!("no stdout divergence: {report}"));
    assert_eq!(stdout_divergence.kind, DivergenceKind::DataMismatch);
    assert_eq!(stdout_divergence.offset, Some(6));
    assert!(
        report
            .divergences
            .iter()
            .any(|d| d.target == "\"fileio.tmp\""),
        "{report}"
    );
}

#[test]
fn extra_child_process_fails_at_its_exec() {
    let daemon = Daemon::start();
    let exe = example("forktree");
    let a = capture_file(&daemon, &[exe.to_str().unwrap(), "1", "2"]);
    let b = capture_file(&daemon, &[exe.to_str().unwrap(), "1", "2", "3"]);
    let out = ctl_compare(&daemon, &a, &b, &[]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let (ta, tb) = (read(&a), read(&b));
    let report = compare(&ta, &tb, &CompareOptions::default());
    let extra: Vec<_> = report
        .divergences
        .iter()
        .filter(|d| d.kind == DivergenceKind::ExtraInB && d.id == "process-spawned")
        .collect();
    assert_eq!(extra.len(), 1, "{report}");
    let at = extra[0].b.as_ref().unwrap();
    // The third child's execve, although the children exec concurrently:
    // effects are compared in process-tree order.
    assert_eq!(tb.syscalls[at.index].name, "execve");
    let child_pids: Vec<u32> = tb
        .syscalls
        .iter()
        .filter(|s| is_fork(&s.name))
        .filter_map(|s| returned(s).and_then(|r| u32::try_from(r).ok()))
        .collect();
    assert_eq!(child_pids.len(), 3, "three children forked in B");
    assert_eq!(at.pid, child_pids[2], "{report}");
    // stdout got one more line too.
    assert!(
        report.divergences.iter().any(|d| d.target == "stdout"),
        "{report}"
    );
}

#[test]
fn malformed_trace_and_bad_arguments_exit_2_with_position() {
    let daemon = Daemon::start();
    let dir = scratch_dir("bad");
    let bad = dir.join("bad.json");
    std::fs::write(
        &bad,
        "{\n  \"format\": \"renacer-json-v1\",\n  \"version\": ]\n}\n",
    )
    .unwrap();
    let good = capture_file(
        &daemon,
        &[example("wordcount").to_str().unwrap(), "/dev/null"],
    );
    let out = ctl_compare(&daemon, &good, &bad, &[]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("bad.json") && err.contains("line 3, column 14"),
        "{err}"
    );

    let missing = ctl_compare(&daemon, &good, &dir.join("nope.json"), &[]);
    assert_eq!(missing.status.code(), Some(2), "{missing:?}");
    assert!(stderr(&missing).contains("nope.json"), "{missing:?}");

    let tolerance = ctl_compare(&daemon, &good, &good, &["--tolerance=-3"]);
    assert_eq!(tolerance.status.code(), Some(2), "{tolerance:?}");
    assert!(stderr(&tolerance).contains("non-negative"), "{tolerance:?}");
}

fn write_config(text: &str) -> PathBuf {
    let path = scratch_dir("toml").join("renacer.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn ctl_assert(daemon: &Daemon, config: &str, trace: &Path) -> Output {
    daemon
        .ctl()
        .arg("assert")
        .arg("--config")
        .arg(write_config(config))
        .arg(trace)
        .output()
        .unwrap()
}

/// Asserts the run's exit code and returns the line of assertion `name`.
fn assertion_line(out: &Output, name: &str, code: i32) -> String {
    assert_eq!(out.status.code(), Some(code), "{out:?}");
    let text = stdout(out);
    text.lines()
        .find(|l| l.contains(&format!("'{name}'")))
        .unwrap_or_else(|| panic!("no line for {name}: {text}"))
        .to_owned()
}

fn assertion(name: &str, kind: &str, body: &str) -> String {
    format!("[[assertion]]\nname = \"{name}\"\ntype = \"{kind}\"\n{body}\n")
}

#[test]
fn critical_path_assertion_passes_and_fails() {
    let daemon = Daemon::start();
    let trace = capture_file(&daemon, &[example("forktree").to_str().unwrap()]);
    let pass = ctl_assert(
        &daemon,
        &assertion("tree", "critical_path", "max_duration_ms = 1000"),
        &trace,
    );
    let line = assertion_line(&pass, "tree", 0);
    assert!(line.starts_with("PASS critical_path"), "{line}");
    // The slowest child sleeps 60 ms: the path cannot be shorter.
    let fail = ctl_assert(
        &daemon,
        &assertion("tree", "critical_path", "max_duration_ms = 50"),
        &trace,
    );
    let line = assertion_line(&fail, "tree", 1);
    assert!(
        line.starts_with("FAIL critical_path 'tree'") && line.contains("> 50.0 ms"),
        "{line}"
    );
    // A pattern that matches no command line skips the assertion.
    let skip = ctl_assert(
        &daemon,
        &assertion(
            "other",
            "critical_path",
            "max_duration_ms = 1\ntrace_name_pattern = \"^make\"",
        ),
        &trace,
    );
    assert!(assertion_line(&skip, "other", 0).starts_with("SKIP"));
}

#[test]
fn span_count_assertion_counts_exactly() {
    let daemon = Daemon::start();
    let trace = capture_file(&daemon, &[example("fileio").to_str().unwrap()]);
    // Three lines to the file, one copy to stdout.
    let body = "max_spans = 4\nspan_name_pattern = \"^write$\"";
    let line = assertion_line(
        &ctl_assert(&daemon, &assertion("writes", "span_count", body), &trace),
        "writes",
        0,
    );
    assert!(line.contains(" 4 <= 4"), "{line}");
    let body = "max_spans = 3\nspan_name_pattern = \"^write$\"";
    let line = assertion_line(
        &ctl_assert(&daemon, &assertion("writes", "span_count", body), &trace),
        "writes",
        1,
    );
    assert!(line.contains(" 4 > 3 (+33.3%)"), "{line}");
    // A warning does not fail the run; a disabled assertion is skipped.
    let body = "max_spans = 3\nspan_name_pattern = \"^write$\"\nfail_on_violation = false";
    let line = assertion_line(
        &ctl_assert(&daemon, &assertion("writes", "span_count", body), &trace),
        "writes",
        0,
    );
    assert!(line.starts_with("WARN"), "{line}");
    let body = "max_spans = 0\nenabled = false";
    let line = assertion_line(
        &ctl_assert(&daemon, &assertion("off", "span_count", body), &trace),
        "off",
        0,
    );
    assert!(line.starts_with("SKIP"), "{line}");
}

#[test]
fn memory_assertion_sees_thread_stacks() {
    let daemon = Daemon::start();
    let trace = capture_file(&daemon, &[example("threads").to_str().unwrap()]);
    let peak = |mode: &str| {
        let t = read(&trace);
        let config = assertions::parse_config(&assertion(
            "mem",
            "memory_usage",
            &format!("max_bytes = 1\ntracking_mode = \"{mode}\""),
        ))
        .unwrap();
        assertions::evaluate(&config, &t)[0].actual.unwrap()
    };
    let (allocations, rss) = (peak("allocations"), peak("rss"));
    // Four threads with 2 MiB stacks each, mapped anonymously.
    assert!(allocations >= 8.0 * 1024.0 * 1024.0, "{allocations}");
    assert!(rss >= allocations, "rss {rss} counts file mappings too");
    for mode in ["allocations", "rss"] {
        let body = format!("max_bytes = 1073741824\ntracking_mode = \"{mode}\"");
        let out = ctl_assert(&daemon, &assertion("mem", "memory_usage", &body), &trace);
        assert!(assertion_line(&out, "mem", 0).starts_with("PASS memory_usage"));
        let body = format!("max_bytes = 1048576\ntracking_mode = \"{mode}\"");
        let out = ctl_assert(&daemon, &assertion("mem", "memory_usage", &body), &trace);
        assert!(assertion_line(&out, "mem", 1).starts_with("FAIL memory_usage"));
    }
}

#[test]
fn anti_pattern_assertions_pass_and_fail() {
    let daemon = Daemon::start();
    // 200 non-blocking reads of an empty pipe, each failing with EAGAIN.
    let poller = "import os\nr, w = os.pipe()\nos.set_blocking(r, False)\nfor _ in range(200):\n    try:\n        os.read(r, 1)\n    except BlockingIOError:\n        pass\n";
    let trace = capture_file(&daemon, &["/usr/bin/python3", "-c", poller]);
    let t = read(&trace);
    let main_thread_calls = t.syscalls.iter().filter(|s| s.tid == t.process.pid).count();
    let share = 200.0 / main_thread_calls as f64;
    // The spin is a fifth to a third of the interpreter's calls.
    assert!((0.15..0.5).contains(&share), "{share}");
    let out = ctl_assert(
        &daemon,
        &assertion(
            "spin",
            "anti_pattern",
            "pattern = \"TightLoop\"\nthreshold = 0.1",
        ),
        &trace,
    );
    let line = assertion_line(&out, "spin", 1);
    assert!(line.contains(&format!(" {share:.3} > 0.100")), "{line}");
    assert!(
        line.contains(&format!("read x200 in tid {}", t.process.pid)),
        "{line}"
    );
    let out = ctl_assert(
        &daemon,
        &assertion(
            "spin",
            "anti_pattern",
            "pattern = \"TightLoop\"\nthreshold = 0.9",
        ),
        &trace,
    );
    assert!(assertion_line(&out, "spin", 0).starts_with("PASS"));

    // forktree: three sleep children, each with more calls and time than the parent.
    let tree = capture_file(&daemon, &[example("forktree").to_str().unwrap()]);
    let out = ctl_assert(
        &daemon,
        &assertion(
            "god",
            "anti_pattern",
            "pattern = \"GodProcess\"\nthreshold = 0.9",
        ),
        &tree,
    );
    assert!(assertion_line(&out, "god", 0).starts_with("PASS"));
    // One process doing everything, forced through a small budget.
    let out = ctl_assert(
        &daemon,
        &assertion(
            "god",
            "anti_pattern",
            "pattern = \"GodProcess\"\nthreshold = 0.05",
        ),
        &tree,
    );
    assert!(assertion_line(&out, "god", 1).starts_with("FAIL"));

    // No GPU here: nothing on /dev/nvidia*.
    let out = ctl_assert(
        &daemon,
        &assertion(
            "gpu",
            "anti_pattern",
            "pattern = \"PcieBottleneck\"\nthreshold = 0.5",
        ),
        &tree,
    );
    let line = assertion_line(&out, "gpu", 0);
    assert!(line.contains(" 0.000 <= 0.500"), "{line}");
}

#[test]
fn assert_captures_a_command() {
    let daemon = Daemon::start();
    let config = write_config(&assertion(
        "writes",
        "span_count",
        "max_spans = 3\nspan_name_pattern = \"^write$\"",
    ));
    let cwd = scratch_dir("assert-cmd");
    let out = daemon
        .ctl()
        .current_dir(&cwd)
        .arg("assert")
        .arg("--config")
        .arg(&config)
        .arg("--")
        .arg(example("fileio"))
        .output()
        .unwrap();
    let line = assertion_line(&out, "writes", 1);
    assert!(line.contains(" 4 > 3"), "{line}");
    assert!(
        stdout(&out).ends_with("FAIL: 0 passed, 1 failed, 0 warned, 0 skipped\n"),
        "{out:?}"
    );
}

#[test]
fn malformed_toml_reports_line_and_column() {
    let daemon = Daemon::start();
    let trace = capture_file(
        &daemon,
        &[example("wordcount").to_str().unwrap(), "/dev/null"],
    );
    let cases = [
        // TOML syntax error: the value on line 3 is cut short.
        (
            "[[assertion]]\nname = \"x\"\ntype = \"span_count\nmax_spans = 3\n",
            "line 3",
        ),
        // Unknown type, on line 3.
        (
            "[[assertion]]\nname = \"x\"\ntype = \"latency\"\n",
            "line 3",
        ),
        // A field of the wrong type on line 4.
        (
            "[[assertion]]\nname = \"x\"\ntype = \"span_count\"\nmax_spans = \"many\"\n",
            "line 4",
        ),
    ];
    for (text, position) in cases {
        let out = ctl_assert(&daemon, text, &trace);
        assert_eq!(out.status.code(), Some(2), "{text}: {out:?}");
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains("renacer.toml") && err.contains(position) && err.contains("column"),
            "{text}: {err}"
        );
    }
}

#[test]
fn critical_path_follows_the_slowest_branch() {
    let daemon = Daemon::start();
    let path = capture_file(
        &daemon,
        &[example("forktree").to_str().unwrap(), "10", "80", "20"],
    );
    let trace = read(&path);
    let children: Vec<u32> = trace
        .syscalls
        .iter()
        .filter(|s| is_fork(&s.name))
        .filter_map(|s| returned(s).and_then(|r| u32::try_from(r).ok()))
        .collect();
    assert_eq!(children.len(), 3);
    let slowest = children[1];
    let cp = critical_path(&trace);
    let pids: Vec<u32> = cp.steps.iter().map(|s| s.pid).collect();
    assert!(
        pids.contains(&slowest),
        "path misses the 80 ms child {slowest}: {cp}"
    );
    assert!(
        !pids.contains(&children[0]) && !pids.contains(&children[2]),
        "{cp}"
    );
    assert!(cp.total_nanos >= 80_000_000, "{cp}");
    // The path ends where the run ends: the parent's exit.
    assert_eq!(cp.steps.last().unwrap().name, "exit_group");
    assert_eq!(cp.steps.last().unwrap().pid, trace.process.pid);

    let out = ctl_critical_path(&daemon, &path);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    assert!(text.starts_with("critical path: "), "{text}");
    assert!(text.contains(&format!("pid {slowest}:")), "{text}");
    assert!(!text.contains(&format!("pid {}:", children[0])), "{text}");
}

/// From the earliest call's start to the latest call's end.
fn wall_span(trace: &TraceFile) -> u64 {
    let start = trace
        .syscalls
        .iter()
        .map(|s| s.timestamp_nanos)
        .min()
        .unwrap();
    let end = trace
        .syscalls
        .iter()
        .map(|s| s.timestamp_nanos + s.duration_nanos)
        .max()
        .unwrap();
    end - start
}

#[test]
fn critical_path_never_exceeds_the_wall_span_of_forked_workloads() {
    let daemon = Daemon::start();
    let workloads: [&[&str]; 2] = [
        // sh vforks dd and waits: the vfork spans the child until its execve.
        &[
            "sh",
            "-c",
            "dd if=/dev/zero of=/dev/null bs=1 count=2000 status=none",
        ],
        // A fork tree: a shell forking shells forking commands.
        &[
            "sh",
            "-c",
            "(true; sh -c 'cat /etc/hostname >/dev/null') & (sh -c 'ls / >/dev/null' &) ; wait",
        ],
    ];
    for command in workloads {
        let path = capture_file(&daemon, command);
        let trace = read(&path);
        assert!(
            trace.syscalls.iter().any(|s| is_fork(&s.name)),
            "{command:?} forked nothing"
        );
        let cp = critical_path(&trace);
        let span = wall_span(&trace);
        assert!(
            cp.total_nanos <= span,
            "{command:?}: critical path {} ns > wall span {span} ns\n{cp}",
            cp.total_nanos
        );
        assert!(cp.steps.len() > 1, "{cp}");
        let out = ctl_critical_path(&daemon, &path);
        assert!(out.status.success(), "{out:?}");
    }
}

#[test]
fn compressed_trace_round_trips_and_is_10x_smaller() {
    let daemon = Daemon::start();
    let json = capture_file(
        &daemon,
        &[
            "dd",
            "if=/dev/zero",
            "of=/dev/null",
            "bs=1",
            "count=20000",
            "status=none",
        ],
    );
    let packed = json.with_extension("rnz");
    let back = json.with_extension("back.json");
    let convert = |from: &Path, to: &Path, compress: bool| {
        let mut cmd = daemon.ctl();
        cmd.arg("convert").arg(from).arg("-o").arg(to);
        if compress {
            cmd.arg("--compress");
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{out:?}");
    };
    convert(&json, &packed, true);
    convert(&packed, &back, false);
    let original = read(&json);
    assert_eq!(
        read(&packed),
        original,
        "compressed form decodes to the same trace"
    );
    assert_eq!(read(&back), original, "and back to the same JSON document");
    let (json_size, packed_size) = (
        std::fs::metadata(&json).unwrap().len(),
        std::fs::metadata(&packed).unwrap().len(),
    );
    let ratio = json_size as f64 / packed_size as f64;
    eprintln!(
        "compression: {json_size} B JSON -> {packed_size} B ({ratio:.1}x) for {} syscalls",
        original.syscalls.len()
    );
    assert!(ratio >= 10.0, "only {ratio:.1}x smaller");
    // capture --compress writes the compact form directly.
    let direct = scratch_dir("direct").join("trace.rnz");
    let out = daemon
        .ctl()
        .args(["capture", "--format", "json", "--compress", "-o"])
        .arg(&direct)
        .args([
            "--",
            "dd",
            "if=/dev/zero",
            "of=/dev/null",
            "bs=1",
            "count=20000",
            "status=none",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(renacer_analysis::is_compressed(
        &std::fs::read(&direct).unwrap()
    ));
    assert_eq!(count(&read(&direct), "write"), 20_000);
    // Every reader takes the compressed form.
    let out = ctl_compare(&daemon, &json, &packed, &["--tolerance", "0"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let out = ctl_critical_path(&daemon, &packed);
    assert!(out.status.success(), "{out:?}");
}

#[test]
fn golden_traces_check_out_and_need_bless() {
    let daemon = Daemon::start();
    for name in ["fileio", "forktree", "threads", "wordcount"] {
        example(name);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = daemon
        .ctl()
        .current_dir(&root)
        .args(["golden", "check"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    let text = stdout(&out);
    assert!(text.contains("golden check: 5 passed, 0 failed"), "{text}");
    assert!(
        text.contains("golden wordcount_py vs wordcount: PASS"),
        "{text}"
    );

    // Refreshing without --bless writes nothing.
    let dir = scratch_dir("golden");
    let out = daemon
        .ctl()
        .current_dir(&root)
        .args(["golden", "capture", "--dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(stderr(&out).contains("--bless"), "{out:?}");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);

    // A golden trace that differs is caught: bless into a scratch copy, then
    // seed a change (the file example writes one line fewer).
    let out = daemon
        .ctl()
        .current_dir(&root)
        .args(["golden", "capture", "--bless", "--dir"])
        .arg(&dir)
        .arg("fileio")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    for file in ["fileio.json", "fileio_summary.txt", "ANALYSIS.md"] {
        assert!(dir.join(file).exists(), "{file} not written");
    }
    let analysis = std::fs::read_to_string(dir.join("ANALYSIS.md")).unwrap();
    assert!(analysis.contains("| fileio | `fileio` |"), "{analysis}");
    let mut golden = read(&dir.join("fileio.json"));
    let last_write = golden
        .syscalls
        .iter()
        .rposition(|s| s.name == "write")
        .unwrap();
    golden.syscalls.remove(last_write);
    std::fs::write(dir.join("fileio.json"), golden.to_json_pretty()).unwrap();
    let out = daemon
        .ctl()
        .current_dir(&root)
        .args(["golden", "check", "--dir"])
        .arg(&dir)
        .arg("fileio")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        stdout(&out).contains("golden fileio vs fileio: FAIL"),
        "{}",
        stdout(&out)
    );

    // The source trace was blessed with it; a call that moved to another
    // line fails the check, and says so.
    std::fs::copy(
        root.join("golden_traces/fileio.json"),
        dir.join("fileio.json"),
    )
    .unwrap();
    let source_path = dir.join("fileio_source.json");
    let mut source = read(&source_path);
    let rename = source
        .syscalls
        .iter_mut()
        .find(|s| s.name == "rename")
        .and_then(|s| s.source.as_mut())
        .expect("rename has a source");
    assert_eq!(
        (rename.file.as_deref(), rename.line),
        (Some("src/bin/fileio.rs"), Some(33))
    );
    rename.line = Some(30);
    std::fs::write(&source_path, source.to_json_pretty()).unwrap();
    let out = daemon
        .ctl()
        .current_dir(&root)
        .args(["golden", "check", "--dir"])
        .arg(&dir)
        .arg("fileio")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        stdout(&out)
            .contains("source: rename moved from src/bin/fileio.rs:30 to src/bin/fileio.rs:33"),
        "{}",
        stdout(&out)
    );
}
