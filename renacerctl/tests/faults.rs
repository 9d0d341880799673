//! Faults: the daemon killed or restarted under a running capture, the client
//! killed under one, and thousands of connect/capture/disconnect cycles. The
//! client must fail cleanly (exit 69, one line, a complete JSON document
//! marked incomplete); the daemon must end orphaned sessions and keep its
//! memory and file descriptors flat.
#![expect(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]

mod common;

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
    thread,
    time::{Duration, Instant},
};

use common::{ChildGuard, Daemon, bin, command, scratch_dir};
use renacer_proto::v1::{CaptureRequest, StatusRequest, capture_response::Event};

/// A traced command that keeps making syscalls for about `seconds`.
fn busy_loop(seconds: u32) -> Vec<String> {
    let rounds = seconds * 20;
    vec![
        "sh".into(),
        "-c".into(),
        format!(
            "i=0; while [ $i -lt {rounds} ]; do cat /etc/hostname > /dev/null; sleep 0.05; i=$((i+1)); done"
        ),
    ]
}

fn wait_with_timeout(child: &mut Child, timeout: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "still running after {timeout:?}");
        thread::sleep(Duration::from_millis(20));
    }
}

fn output_with_timeout(mut guard: ChildGuard, timeout: Duration) -> Output {
    use std::io::Read as _;
    let status = wait_with_timeout(&mut guard.0, timeout);
    let mut stderr = String::new();
    guard
        .0
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    Output {
        status,
        stdout: Vec::new(),
        stderr: stderr.into_bytes(),
    }
}

/// `capture --format json -o FILE -- CMD` in the background, stderr piped.
fn spawn_json_capture(daemon: &Daemon, trace: &Path, cmd: &[String]) -> ChildGuard {
    ChildGuard(
        daemon
            .ctl()
            .args(["capture", "--format", "json", "-o"])
            .arg(trace)
            .arg("--")
            .args(cmd)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    )
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn active_captures(socket: &Path) -> u32 {
    runtime().block_on(async {
        let mut client = renacerctl::client::connect(socket.to_str().unwrap())
            .await
            .unwrap();
        client
            .status(StatusRequest {})
            .await
            .unwrap()
            .into_inner()
            .active_captures
    })
}

fn wait_for_active(socket: &Path, want: u32, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    loop {
        let active = active_captures(socket);
        if active == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{active} active captures after {timeout:?}, expected {want}"
        );
        thread::sleep(Duration::from_millis(50));
    }
}

fn rss_kib(pid: i32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches(" kB").parse().ok())
        .unwrap()
}

fn fd_count(pid: i32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .count()
}

/// Polls until the daemon's fds are back to `fds` and its RSS within
/// `slack_kib` of `rss` (freed memory is returned a few seconds after a
/// capture), or fails with both figures.
fn assert_back_to_baseline(pid: i32, rss: u64, fds: usize, slack_kib: u64, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (now_rss, now_fds) = (rss_kib(pid), fd_count(pid));
        if now_fds <= fds + 1 && now_rss <= rss + slack_kib {
            eprintln!("{what}: RSS {rss} -> {now_rss} KiB, fds {fds} -> {now_fds}");
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: the daemon did not return to baseline: RSS {rss} -> {now_rss} KiB (slack {slack_kib}), fds {fds} -> {now_fds}"
        );
        thread::sleep(Duration::from_millis(200));
    }
}

/// The JSON document renacerctl left: valid, with an `incomplete` reason.
fn assert_incomplete_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap();
    let document: serde_json::Value = serde_json::from_str(&text)
        .unwrap_or_else(|err| panic!("the trace is not valid JSON ({err}): ...{}", tail(&text)));
    let reason = document["incomplete"].as_str();
    assert!(
        reason.is_some_and(|reason| !reason.is_empty()),
        "no \"incomplete\" reason in the trace"
    );
    renacer_trace::json::TraceFile::parse(&text).unwrap();
    document
}

fn tail(text: &str) -> &str {
    &text[text.len().saturating_sub(200)..]
}

/// renacerctl's verdict when the daemon went away: exit 69, and its error
/// is one line that says what to do.
fn assert_unreachable_exit(out: &Output) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(69), "exit code; stderr: {stderr}");
    let error = stderr.lines().last().unwrap_or_default();
    assert!(error.starts_with("renacerctl: "), "stderr: {stderr}");
    assert!(
        error.contains("renacer-daemon"),
        "the error does not name the daemon: {error}"
    );
    assert!(
        !stderr.contains("panicked"),
        "renacerctl panicked: {stderr}"
    );
}

/// Waits until renacerctl's trace file has grown past its opening, i.e.
/// events are flowing.
fn wait_for_events(trace: &Path, capture: &mut ChildGuard) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::fs::metadata(trace).map_or(0, |meta| meta.len()) < 4096 {
        if let Some(status) = capture.0.try_wait().unwrap() {
            panic!("the capture ended early: {status}");
        }
        assert!(
            Instant::now() < deadline,
            "no events reached {}",
            trace.display()
        );
        thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn daemon_killed_mid_capture_fails_the_client_cleanly() {
    let mut daemon = Daemon::start();
    let dir = scratch_dir("fault-kill-daemon");
    let trace = dir.join("trace.json");
    let mut capture = spawn_json_capture(&daemon, &trace, &busy_loop(3));
    wait_for_events(&trace, &mut capture);
    daemon.child.kill().unwrap();
    daemon.child.wait().unwrap();
    let out = output_with_timeout(capture, Duration::from_secs(30));
    assert_unreachable_exit(&out);
    let document = assert_incomplete_json(&trace);
    assert!(
        document["syscalls"]
            .as_array()
            .is_some_and(|calls| !calls.is_empty()),
        "the calls traced before the kill were not kept"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The process renacerctl forked for `capture -- CMD`.
fn child_of(pid: u32) -> u32 {
    let children =
        std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
    children
        .split_whitespace()
        .next()
        .unwrap_or_else(|| panic!("renacerctl {pid} has no child"))
        .parse()
        .unwrap()
}

/// Kills a process that is not our child (reparented), by PID.
struct Orphan(u32);

impl Drop for Orphan {
    fn drop(&mut self) {
        // SAFETY: plain syscall on a PID this test started (via renacerctl).
        unsafe { libc::kill(self.0 as i32, libc::SIGKILL) };
    }
}

#[test]
fn client_killed_mid_capture_ends_the_session() {
    let daemon = Daemon::start();
    let pid = daemon.pid();
    let dir = scratch_dir("fault-kill-client");
    // Warm-up: the first capture grows the daemon's pools once.
    let (_, out) = daemon.capture_json_file(&dir, &["/bin/true"]);
    assert!(out.status.success(), "{out:?}");
    // Freed memory is returned to the system a few idle seconds after a capture.
    thread::sleep(Duration::from_secs(6));
    let (rss, fds) = (rss_kib(pid), fd_count(pid));

    for round in 0..3 {
        let trace = dir.join(format!("killed-{round}.json"));
        let mut capture = spawn_json_capture(&daemon, &trace, &busy_loop(60));
        wait_for_events(&trace, &mut capture);
        let traced = Orphan(child_of(capture.pid()));
        assert_eq!(active_captures(&daemon.socket), 1);
        capture.0.kill().unwrap();
        capture.0.wait().unwrap();
        // The traced command runs on; the daemon must still end the session.
        wait_for_active(&daemon.socket, 0, Duration::from_secs(5));
        drop(traced);
    }
    daemon.assert_serving();
    assert_back_to_baseline(pid, rss, fds, 4096, "after 3 killed clients");
    let _ = std::fs::remove_dir_all(&dir);
}

/// One connect, capture (a streamed capture of `pid` for a few ms) and
/// disconnect, in process: a fresh channel each time.
async fn cycle(socket: &str, pid: u32) {
    let mut client = renacerctl::client::connect(socket).await.unwrap();
    let mut stream = client
        .capture(CaptureRequest {
            pid,
            duration: Some(prost_types::Duration {
                seconds: 0,
                nanos: 2_000_000,
            }),
            summary_only: true,
            ..CaptureRequest::default()
        })
        .await
        .unwrap()
        .into_inner();
    let mut ended = false;
    while let Some(message) = stream.message().await.unwrap() {
        if matches!(message.event, Some(Event::End(_))) {
            ended = true;
        }
    }
    assert!(ended, "the capture stream ended without CaptureEnd");
}

#[test]
fn thousands_of_capture_cycles_keep_rss_and_fds_flat() {
    const WARM_UP: usize = 200;
    const CYCLES: usize = 2000;
    let daemon = Daemon::start();
    let pid = daemon.pid();
    let socket = daemon.socket.to_str().unwrap().to_owned();
    // A process that makes a syscall now and then, captured over and over.
    let traced = ChildGuard(
        command("sh")
            .args(["-c", "while :; do sleep 0.01; done"])
            .spawn()
            .unwrap(),
    );
    let traced_pid = traced.pid();
    let runtime = runtime();
    let started = Instant::now();
    runtime.block_on(async {
        for _ in 0..WARM_UP {
            cycle(&socket, traced_pid).await;
        }
    });
    thread::sleep(Duration::from_secs(6));
    let (rss, fds) = (rss_kib(pid), fd_count(pid));
    runtime.block_on(async {
        for _ in WARM_UP..CYCLES {
            cycle(&socket, traced_pid).await;
        }
    });
    eprintln!("{CYCLES} cycles in {:.1}s", started.elapsed().as_secs_f64());
    assert_eq!(active_captures(&daemon.socket), 0);
    assert_back_to_baseline(pid, rss, fds, 4096, "after the cycles");
    drop(traced);
}

/// A daemon on a given socket path (a restart reuses the old one's).
fn daemon_on(socket: &Path) -> Daemon {
    let child = Command::new(bin("renacer-daemon"))
        .arg("--socket")
        .arg(socket)
        .args(["--group", "root"])
        .env("RENACER_LOG", "warn")
        .spawn()
        .unwrap();
    let mut daemon = Daemon {
        child,
        socket: socket.to_path_buf(),
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::os::unix::net::UnixStream::connect(socket).is_err() {
        if let Some(status) = daemon.child.try_wait().unwrap() {
            panic!("renacer-daemon exited during start-up: {status}");
        }
        assert!(Instant::now() < deadline, "daemon did not start within 20s");
        thread::sleep(Duration::from_millis(50));
    }
    daemon
}

fn restart(daemon: Daemon, signal: i32) -> Daemon {
    let socket: PathBuf = daemon.socket.clone();
    let mut daemon = daemon;
    // SAFETY: signalling our own child.
    unsafe { libc::kill(daemon.pid(), signal) };
    wait_with_timeout(&mut daemon.child, Duration::from_secs(15));
    drop(daemon);
    daemon_on(&socket)
}

#[test]
fn daemon_restarted_mid_capture_then_the_new_one_serves() {
    let daemon = Daemon::start();
    let dir = scratch_dir("fault-restart");
    let mut daemon = daemon;
    // SIGTERM (systemctl restart) and SIGKILL (a crash, Restart=on-failure).
    for (round, signal) in [libc::SIGTERM, libc::SIGKILL].into_iter().enumerate() {
        let trace = dir.join(format!("restart-{round}.json"));
        let mut capture = spawn_json_capture(&daemon, &trace, &busy_loop(3));
        wait_for_events(&trace, &mut capture);
        daemon = restart(daemon, signal);
        let out = output_with_timeout(capture, Duration::from_secs(30));
        assert_unreachable_exit(&out);
        assert_incomplete_json(&trace);

        let next = dir.join(format!("next-{round}"));
        std::fs::create_dir_all(&next).unwrap();
        let (path, out) = daemon.capture_json_file(&next, &["/bin/true"]);
        assert!(out.status.success(), "the restarted daemon: {out:?}");
        let trace =
            renacer_trace::json::TraceFile::parse(&std::fs::read_to_string(path).unwrap()).unwrap();
        assert!(trace.incomplete.is_none());
        assert!(trace.syscalls.iter().any(|s| s.name == "execve"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
