//! End-to-end tests: a real renacer-daemon loads the real eBPF programs into
//! this kernel, and renacerctl traces real programs. They need root.
//!
//! Each test starts its own daemon on a private socket and stops it by PID
//! when the guard drops, also when the test fails.
#![expect(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]

use std::{
    collections::{BTreeMap, HashMap},
    io::Write as _,
    path::Path,
    process::Stdio,
    thread,
    time::{Duration, Instant},
};

use renacer_proto::v1::{StartCaptureRequest, StatusRequest, StopCaptureRequest};
use renacer_trace::json::TraceFile;

mod common;
use common::*;

#[test]
fn dd_makes_exactly_n_writes() {
    let daemon = Daemon::start();
    let n = 5000;
    let (trace, out) = daemon.capture_json(&[
        "dd",
        "if=/dev/zero",
        "of=/dev/null",
        "bs=1",
        &format!("count={n}"),
        "status=none",
    ]);
    assert!(out.status.success(), "{out:?}");
    let writes_to_stdout = trace
        .syscalls
        .iter()
        .filter(|s| s.name == "write" && s.args.first().map(String::as_str) == Some("1"))
        .count();
    assert_eq!(writes_to_stdout, n);
    let reads_from_stdin = trace
        .syscalls
        .iter()
        .filter(|s| s.name == "read" && s.args.first().map(String::as_str) == Some("0"))
        .count();
    assert_eq!(reads_from_stdin, n);
    assert_eq!(
        trace.syscalls[0].name, "execve",
        "the trace starts at execve"
    );
    assert_eq!(trace.drops.kernel, 0);
    assert_eq!(trace.drops.daemon, 0);
}

/// The command runs with default signal dispositions, as from a shell:
/// renacerctl ignores SIGPIPE for itself, and a writer into a closed pipe
/// must still die of it (141), not see EPIPE. The trace shows the kill.
#[test]
fn the_command_gets_the_default_sigpipe() {
    let daemon = Daemon::start();
    let (trace, out) = daemon.capture_json(&[
        "bash",
        "-c",
        "yes | head -c1 >/dev/null; echo ${PIPESTATUS[0]}",
    ]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "141\n");
    let failed_write = trace
        .syscalls
        .iter()
        .find(|s| s.name == "write" && s.errno.as_deref() == Some("EPIPE"));
    assert!(failed_write.is_some(), "yes's last write fails with EPIPE");
}

/// A shell reaping a child that exits 3: the wait status decodes as strace
/// shows it, and a WNOHANG wait that reaps nothing shows the pointer.
#[test]
fn wait_statuses_decode_like_strace() {
    let daemon = Daemon::start();
    let (trace, out) = daemon.capture_json(&["sh", "-c", "sh -c 'exit 3'; true"]);
    assert!(out.status.success(), "{out:?}");
    let waits: Vec<_> = trace
        .syscalls
        .iter()
        .filter(|s| s.name == "wait4")
        .collect();
    let reaped = waits
        .iter()
        .find(|s| s.errno.is_none())
        .expect("the shell reaps its child");
    assert_eq!(reaped.args[1], "[{WIFEXITED(s) && WEXITSTATUS(s) == 3}]");
    assert!(
        waits
            .iter()
            .any(|s| s.errno.as_deref() == Some("ECHILD") && s.args[1].starts_with("0x")),
        "{waits:?}"
    );
}

#[test]
fn workload_makes_known_counts() {
    let daemon = Daemon::start();
    let exe = workload();
    let (trace, out) = daemon.capture_json(&[exe.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(count(&trace, "execve"), 1);
    assert_eq!(count(&trace, "getppid"), 7);
    assert_eq!(count(&trace, "sched_yield"), 11);
    assert_eq!(count(&trace, "umask"), 5);
    assert_eq!(count(&trace, "openat"), 5);
    assert_eq!(count(&trace, "exit_group"), 1);
    let failed_opens: Vec<_> = trace
        .syscalls
        .iter()
        .filter(|s| s.name == "openat" && s.errno.as_deref() == Some("ENOENT"))
        .collect();
    assert_eq!(failed_opens.len(), 2);
    let writes = trace
        .syscalls
        .iter()
        .filter(|s| s.name == "write" && s.args.get(2).map(String::as_str) == Some("7"))
        .count();
    assert_eq!(writes, 3);
    // One process, and every record carries it.
    let pids: std::collections::BTreeSet<u32> = trace.syscalls.iter().map(|s| s.pid).collect();
    assert_eq!(pids.len(), 1);
    assert_eq!(trace.process.pid, *pids.first().unwrap());
    // Lamport clocks strictly increase within one process.
    assert!(
        trace
            .syscalls
            .windows(2)
            .all(|w| w[0].lamport < w[1].lamport)
    );
}

#[test]
fn kernel_filter_ignores_unrelated_processes() {
    let daemon = Daemon::start();
    // A busy process that nobody traces.
    let mut busy = command("dd")
        .args(["if=/dev/zero", "of=/dev/null", "bs=1", "count=100000000"])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let busy_pid = busy.id();
    let traced = ["sleep", "0.3"];
    let (trace, out) = daemon.capture_json(&traced);
    let _ = busy.kill();
    let _ = busy.wait();
    assert!(out.status.success(), "{out:?}");
    assert!(trace.syscalls.iter().all(|s| s.pid != busy_pid));
    assert!(trace.syscalls.iter().all(|s| s.pid == trace.process.pid));
    // Exactly the calls strace sees for the same command in the same
    // environment: the busy dd's millions of calls add none.
    let mut ours: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for call in &trace.syscalls {
        let entry = ours.entry(call.name.clone()).or_default();
        entry.0 += 1;
        entry.1 += u64::from(call.errno.is_some());
    }
    // strace -c leaves out calls that never return.
    ours.remove("exit_group");
    assert_eq!(
        ours,
        strace_counts(&traced),
        "per-syscall counts of {traced:?}"
    );
    assert_eq!(count(&trace, "clock_nanosleep"), 1);
}

#[test]
fn forked_children_are_captured_in_lamport_order() {
    let daemon = Daemon::start();
    let (trace, out) = daemon.capture_json(&[
        "sh",
        "-c",
        "/bin/true; /bin/echo child-output > /dev/null; /bin/true; exit 7",
    ]);
    assert_eq!(
        out.status.code(),
        Some(7),
        "renacerctl exits with the command's code"
    );
    let root = trace.process.pid;
    let children: Vec<u32> = trace
        .syscalls
        .iter()
        .filter(|s| s.pid == root && is_fork(&s.name))
        .filter_map(|s| returned(s).filter(|&pid| pid > 0).map(|pid| pid as u32))
        .collect();
    assert_eq!(children.len(), 3, "sh forks three children");
    for &child in &children {
        let fork = trace
            .syscalls
            .iter()
            .find(|s| s.pid == root && is_fork(&s.name) && returned(s) == Some(i64::from(child)))
            .unwrap();
        let child_calls: Vec<_> = trace.syscalls.iter().filter(|s| s.pid == child).collect();
        assert!(!child_calls.is_empty(), "child {child} was not traced");
        assert_eq!(child_calls.iter().filter(|s| s.name == "execve").count(), 1);
        assert!(
            child_calls[0].lamport > fork.lamport,
            "child {child}'s first event ({}) must come after the fork ({})",
            child_calls[0].lamport,
            fork.lamport
        );
        let child_exit = child_calls.iter().find(|s| s.name == "exit_group").unwrap();
        let reaped = trace
            .syscalls
            .iter()
            .find(|s| s.pid == root && s.name == "wait4" && returned(s) == Some(i64::from(child)))
            .unwrap();
        assert!(
            reaped.lamport > child_exit.lamport,
            "wait4 after the child's exit"
        );
    }
}

#[test]
fn attach_to_a_running_process() {
    let daemon = Daemon::start();
    // Waits for a line on stdin, then runs three children.
    let mut target = command("sh")
        .args(["-c", "read go; /bin/true; /bin/true; /bin/true"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = target.id();
    let dir = scratch_dir("attach");
    let path = dir.join("trace.json");
    let capture = daemon
        .ctl()
        .args([
            "capture",
            "--pid",
            &pid.to_string(),
            "--format",
            "json",
            "-o",
        ])
        .arg(&path)
        .spawn()
        .unwrap();
    // Let the capture start before the target moves on.
    thread::sleep(Duration::from_millis(700));
    target.stdin.take().unwrap().write_all(b"go\n").unwrap();
    target.wait().unwrap();
    let out = capture.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let trace = TraceFile::parse(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(trace.process.pid, pid);
    assert_eq!(
        trace.process.command,
        ["sh", "-c", "read go; /bin/true; /bin/true; /bin/true"]
    );
    assert_eq!(count(&trace, "execve"), 3, "three children exec /bin/true");
    assert_eq!(reaping_waits(&trace), 3);
    let pids: std::collections::BTreeSet<u32> = trace.syscalls.iter().map(|s| s.pid).collect();
    assert_eq!(pids.len(), 4);
}

fn strace_counts(program: &[&str]) -> BTreeMap<String, (u64, u64)> {
    let dir = scratch_dir("strace");
    let out = dir.join("strace.txt");
    let status = command("strace")
        .args(["-f", "-c", "-o"])
        .arg(&out)
        .args(program)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    parse_summary(&std::fs::read_to_string(out).unwrap())
}

#[test]
fn summary_matches_strace_counts() {
    let daemon = Daemon::start();
    let exe = workload();
    let dir = scratch_dir("parity");
    let hostname = dir.join("hostname");
    std::fs::write(&hostname, "renacer\n").unwrap();
    let programs: Vec<Vec<&str>> = vec![
        vec!["true"],
        vec!["cat", hostname.to_str().unwrap()],
        vec![
            "dd",
            "if=/dev/zero",
            "of=/dev/null",
            "bs=1",
            "count=300",
            "status=none",
        ],
        vec![exe.to_str().unwrap()],
    ];
    for program in programs {
        let expected = strace_counts(&program);
        let out = daemon
            .ctl()
            .args(["capture", "-c", "-o", "-", "--"])
            .args(&program)
            .stderr(Stdio::null())
            .output()
            .unwrap();
        assert!(out.status.success());
        let ours = parse_summary(&String::from_utf8_lossy(&out.stdout));
        assert_eq!(ours, expected, "per-syscall counts differ for {program:?}");
    }
}

#[test]
fn bad_input_gives_clear_errors_and_the_daemon_keeps_serving() {
    let daemon = Daemon::start();

    let out = daemon
        .ctl()
        .args(["capture", "--pid", "4194304"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown pid is an input error"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no process with pid 4194304"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one-line error: {stderr}");

    let out = daemon
        .ctl()
        .args(["capture", "--duration", "soon", "--pid", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid duration 'soon'"));

    let out = command(bin("renacerctl"))
        .args([
            "--socket",
            "/nonexistent/renacer.sock",
            "capture",
            "--",
            "true",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(69), "daemon unreachable");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("not reachable") && stderr.contains("renacer-daemon"),
        "{stderr}"
    );

    let out = daemon
        .ctl()
        .args(["capture", "--", "/nonexistent/program"])
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));

    daemon.assert_serving();
}

#[test]
fn duration_ends_a_capture_of_a_longer_process() {
    let daemon = Daemon::start();
    let mut sleeper = command("sleep").arg("30").spawn().unwrap();
    let started = Instant::now();
    let out = daemon
        .ctl()
        .args([
            "capture",
            "--pid",
            &sleeper.id().to_string(),
            "--duration",
            "500ms",
            "-c",
        ])
        .output()
        .unwrap();
    let _ = sleeper.kill();
    let _ = sleeper.wait();
    assert!(out.status.success(), "{out:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
    daemon.assert_serving();
}

#[test]
fn background_capture_over_grpc() {
    let daemon = Daemon::start();
    let mut target = command("sh")
        .args(["-c", "read go; /bin/true"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = target.id();
    let socket = daemon.socket.display().to_string();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let trace =
        runtime.block_on(async {
            let mut client = renacerctl::client::connect(&socket).await.unwrap();
            // The syscall programs are attached only while a capture tracks a process.
            let programs_attached =
                |mut client: renacer_proto::v1::tracer_client::TracerClient<_>| async move {
                    client
                        .status(StatusRequest {})
                        .await
                        .unwrap()
                        .into_inner()
                        .syscall_programs_attached
                };
            assert!(!programs_attached(client.clone()).await, "idle daemon");
            let started = client
                .start_capture(StartCaptureRequest {
                    pid,
                    ..Default::default()
                })
                .await
                .unwrap()
                .into_inner();
            assert_eq!(started.trace_id.len(), 32);
            assert!(programs_attached(client.clone()).await, "while tracking");
            target.stdin.take().unwrap().write_all(b"go\n").unwrap();
            target.wait().unwrap();
            // Let the reader drain the final events.
            tokio::time::sleep(Duration::from_millis(300)).await;
            let stopped = client
                .stop_capture(StopCaptureRequest {
                    capture_id: started.capture_id,
                })
                .await
                .unwrap()
                .into_inner();
            let missing = client
                .stop_capture(StopCaptureRequest {
                    capture_id: started.capture_id,
                })
                .await
                .unwrap_err();
            assert_eq!(missing.code(), tonic::Code::NotFound);
            let invalid = client
                .start_capture(StartCaptureRequest::default())
                .await
                .unwrap_err();
            assert_eq!(invalid.code(), tonic::Code::InvalidArgument);
            assert!(
                !programs_attached(client.clone()).await,
                "after the last capture"
            );
            stopped.trace.unwrap()
        });
    let names: HashMap<&str, usize> = trace.syscalls.iter().fold(HashMap::new(), |mut acc, s| {
        *acc.entry(s.name.as_str()).or_default() += 1;
        acc
    });
    assert_eq!(
        names.get("execve"),
        Some(&1),
        "the child's exec of /bin/true"
    );
    let reaped = trace
        .syscalls
        .iter()
        .filter(|s| s.name == "wait4" && s.ret > 0)
        .count();
    assert_eq!(reaped, 1);
    assert!(
        trace.processes.iter().any(|p| p.child_pid != 0),
        "the fork event is recorded"
    );
    assert_eq!(trace.pid, pid);
}

#[test]
fn sigterm_ends_open_streams_with_an_error() {
    let daemon = Daemon::start();
    let mut sleeper = command("sleep").arg("30").spawn().unwrap();
    let capture = daemon
        .ctl()
        .args(["capture", "--pid", &sleeper.id().to_string(), "-c"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    thread::sleep(Duration::from_millis(700));
    // SAFETY: signalling our own child.
    unsafe { libc::kill(daemon.pid(), libc::SIGTERM) };
    let out = capture.wait_with_output().unwrap();
    let _ = sleeper.kill();
    let _ = sleeper.wait();
    assert_eq!(
        out.status.code(),
        Some(69),
        "daemon shutting down: unavailable"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("shutting down"),
        "{out:?}"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while Path::new(&daemon.socket).exists() {
        assert!(Instant::now() < deadline, "socket file not removed");
        thread::sleep(Duration::from_millis(20));
    }
}

/// golden_traces/syscalls_workload.json is the reference capture of the
/// deterministic workload: a fresh capture must make the same calls.
#[test]
fn workload_matches_its_golden_trace() {
    let daemon = Daemon::start();
    let exe = workload();
    let (trace, out) = daemon.capture_json(&[exe.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    let golden_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../golden_traces/syscalls_workload.json");
    let golden = TraceFile::parse(&std::fs::read_to_string(golden_path).unwrap()).unwrap();
    assert_eq!(
        trace.statistics.syscall_counts,
        golden.statistics.syscall_counts
    );
    let names = |t: &TraceFile| {
        t.syscalls
            .iter()
            .map(|s| s.name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(&trace),
        names(&golden),
        "same calls in the same order"
    );
    // The workload's own calls decode the same (the start-up code's addresses
    // and paths vary from run to run).
    let decoded = |t: &TraceFile| {
        t.syscalls
            .iter()
            .filter(|s| matches!(s.name.as_str(), "openat" | "write" | "close" | "umask"))
            .map(|s| format!("{}({})", s.name, s.args.join(", ")))
            .collect::<Vec<_>>()
    };
    assert_eq!(decoded(&trace), decoded(&golden));
    assert!(decoded(&golden).contains(&r#"openat(AT_FDCWD, "/dev/null", O_WRONLY)"#.to_owned()));
}

/// A pipe whose reader is already gone: every write to it fails with EPIPE.
fn closed_pipe() -> Stdio {
    use std::os::fd::{FromRawFd as _, OwnedFd};
    let mut fds = [0; 2];
    // SAFETY: plain syscalls on fds this function owns.
    unsafe {
        assert_eq!(libc::pipe(fds.as_mut_ptr()), 0);
        libc::close(fds[0]);
        Stdio::from(OwnedFd::from_raw_fd(fds[1]))
    }
}

/// `status | head -1` is success, not a panic; a FAIL verdict piped into a
/// closed pipe still exits 1.
#[test]
fn closed_pipes_neither_panic_nor_hide_verdicts() {
    let daemon = Daemon::start();
    let out = daemon
        .ctl()
        .arg("status")
        .stdout(closed_pipe())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(out.stderr.is_empty(), "no panic, no message: {out:?}");

    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("../golden_traces");
    let out = command(bin("renacerctl"))
        .arg("compare")
        .arg(golden.join("fileio.json"))
        .arg(golden.join("forktree.json"))
        .stdout(closed_pipe())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "FAIL stays FAIL: {out:?}");
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("panicked"),
        "{out:?}"
    );
}
