//! Continuous profiling mode end to end, as root: the aggregate programs run
//! in the real kernel and count real processes.
#![expect(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]

mod common;

use std::{
    collections::BTreeMap,
    io::Write as _,
    path::{Path, PathBuf},
    process::Stdio,
    sync::atomic::{AtomicU32, Ordering},
    thread,
    time::{Duration, Instant},
};

use common::{Daemon, command, scratch_dir, workload};
use renacer_proto::v1::{self as pb, tracer_client::TracerClient};
use tonic::transport::Channel;

fn rpc<T>(daemon: &Daemon, call: impl AsyncFnOnce(&mut TracerClient<Channel>) -> T) -> T {
    let socket = daemon.socket.display().to_string();
    renacerctl::run_async(async move {
        let mut client = renacerctl::client::connect(&socket).await?;
        Ok(call(&mut client).await)
    })
    .unwrap()
}

fn set_continuous(
    daemon: &Daemon,
    request: pb::SetContinuousRequest,
) -> Result<bool, tonic::Status> {
    rpc(daemon, async |client| {
        client
            .set_continuous(request)
            .await
            .map(|response| response.into_inner().enabled)
    })
}

fn enable(daemon: &Daemon, pid: u32, cgroup: &str) {
    let request = pb::SetContinuousRequest {
        enabled: true,
        pid,
        cgroup: cgroup.to_owned(),
    };
    assert!(set_continuous(daemon, request).unwrap());
}

/// Everything the daemon kept (the history is an hour by default), its own
/// calls left out as `top` leaves them out.
fn stats(daemon: &Daemon) -> pb::StatsResponse {
    stats_with(daemon, false)
}

/// [`stats`], with the daemon's own calls when `include_daemon`.
fn stats_with(daemon: &Daemon, include_daemon: bool) -> pb::StatsResponse {
    rpc(daemon, async |client| {
        client
            .stats(pb::StatsRequest {
                window: Some(prost_types::Duration {
                    seconds: 3600,
                    nanos: 0,
                }),
                limit: 1000,
                include_daemon,
            })
            .await
            .unwrap()
            .into_inner()
    })
}

/// A copy of the deterministic workload under a name (and so a comm) no other
/// process on the machine has: aggregates are folded by command.
fn unique_workload(tag: &str) -> (PathBuf, String) {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "{tag}{}x{}",
        std::process::id() % 100_000,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    assert!(name.len() <= 15, "comm is 15 bytes: {name}");
    let path = scratch_dir("continuous").join(&name);
    std::fs::copy(workload(), &path).unwrap();
    (path, name)
}

/// The folded row of the exited processes named `command`, per syscall.
fn exited_counts(stats: &pb::StatsResponse, command: &str) -> BTreeMap<String, (u64, u64)> {
    let rows: Vec<&pb::ProcessStats> = stats
        .processes
        .iter()
        .filter(|process| process.command == command)
        .collect();
    assert_eq!(
        rows.len(),
        1,
        "one folded row for {command}: {:#?}",
        stats.processes
    );
    assert!(rows[0].exited && rows[0].pid == 0, "{:#?}", rows[0]);
    rows[0]
        .syscalls
        .iter()
        .map(|syscall| (syscall.name.clone(), (syscall.calls, syscall.errors)))
        .collect()
}

/// Waits until the sampler has folded `command` (its process exited).
fn wait_for_exited(daemon: &Daemon, command: &str) -> pb::StatsResponse {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let stats = stats(daemon);
        if stats
            .processes
            .iter()
            .any(|process| process.command == command && process.exited)
        {
            return stats;
        }
        assert!(
            Instant::now() < deadline,
            "{command} never showed as exited: {stats:#?}"
        );
        thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn aggregates_agree_with_a_full_capture_of_the_same_run() {
    let daemon = Daemon::start();
    enable(&daemon, 0, "");
    let (exe, name) = unique_workload("agg");
    // One run, seen by both: the capture (ring buffer, every event) and the
    // system-wide aggregates (maps only).
    let (trace, out) = daemon.capture_json(&[exe.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    let mut captured: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for syscall in &trace.syscalls {
        let entry = captured.entry(syscall.name.clone()).or_default();
        entry.0 += 1;
        entry.1 += u64::from(syscall.errno.is_some());
    }
    assert_eq!(captured["getppid"], (7, 0));
    assert_eq!(captured["openat"], (5, 2));

    let aggregated = exited_counts(&wait_for_exited(&daemon, &name), &name);
    // Between fork and execve, renacerctl's parked child makes four calls
    // the capture (which starts at execve) does not show: glibc's fork sets
    // the child's robust list, the child restores the default SIGPIPE, then
    // it stops itself with kill(getpid()).
    let mut expected = captured.clone();
    expected.insert("getpid".into(), (1, 0));
    expected.insert("kill".into(), (1, 0));
    expected.entry("rt_sigaction".into()).or_default().0 += 1;
    expected.entry("set_robust_list".into()).or_default().0 += 1;
    assert_eq!(aggregated, expected, "aggregates vs capture");
}

#[test]
fn pid_tree_scope_counts_the_tree_and_nothing_else() {
    let daemon = Daemon::start();
    let (exe, name) = unique_workload("tree");
    // A shell that runs the workload twice once it reads a line.
    let script = format!("read go; {0}; {0}", exe.display());
    let mut shell = command("sh")
        .args(["-c", &script])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    enable(&daemon, shell.id(), "");
    // The same program outside the tree, while the scope is active.
    assert!(command(&exe).status().unwrap().success());
    shell.stdin.take().unwrap().write_all(b"go\n").unwrap();
    assert!(shell.wait().unwrap().success());

    let stats = wait_for_exited(&daemon, &name);
    let counts = exited_counts(&stats, &name);
    // Exactly two runs (the workload's own calls times two), not three.
    assert_eq!(counts["getppid"], (14, 0));
    assert_eq!(counts["sched_yield"], (22, 0));
    assert_eq!(counts["umask"], (10, 0));
    assert_eq!(counts["write"], (6, 0));
    assert_eq!(counts["openat"], (10, 4));
    assert_eq!(counts["exit_group"], (2, 0));
    // Nothing from outside the tree: only the shell and its children.
    for process in &stats.processes {
        assert!(
            process.command == name || process.command == "sh",
            "outside the tree: {process:#?}"
        );
    }
}

fn cgroup2_mount() -> Option<PathBuf> {
    let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap();
    mounts.lines().find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        (fields.get(2) == Some(&"cgroup2")).then(|| PathBuf::from(fields[1]))
    })
}

/// Removes the test's cgroup (once its processes are gone), also on failure.
struct CgroupGuard(PathBuf);

impl Drop for CgroupGuard {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.0);
    }
}

#[test]
fn cgroup_scope_counts_only_that_cgroup() {
    let Some(root) = cgroup2_mount() else {
        panic!("no cgroup2 mount: mount -t cgroup2 none /sys/fs/cgroup/unified");
    };
    let daemon = Daemon::start();
    let relative = format!("renacer-test-{}", std::process::id());
    let cgroup = CgroupGuard(root.join(&relative));
    std::fs::create_dir(&cgroup.0).unwrap();
    enable(&daemon, 0, &relative);
    let (exe, name) = unique_workload("cg");
    let join_and_run = format!(
        "echo $$ > {}/cgroup.procs && exec {}",
        cgroup.0.display(),
        exe.display()
    );
    assert!(
        command("sh")
            .args(["-c", &join_and_run])
            .status()
            .unwrap()
            .success()
    );
    assert!(command(&exe).status().unwrap().success());

    let stats = wait_for_exited(&daemon, &name);
    let counts = exited_counts(&stats, &name);
    assert_eq!(counts["getppid"], (7, 0), "one run, the one in the cgroup");
    assert_eq!(counts["openat"], (5, 2));
    assert_eq!(counts["execve"], (1, 0));
    assert_eq!(stats.processes.len(), 1, "{:#?}", stats.processes);
}

/// A `/proc/PID/status` memory field in KiB, e.g. "VmRSS:".
fn status_kib(pid: i32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// Held by the memory test and by the tests that run extra daemons and
/// receivers, so those do not add to the heap peaks the memory test measures.
static MEMORY_MEASUREMENT: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn measurement_lock() -> std::sync::MutexGuard<'static, ()> {
    MEMORY_MEASUREMENT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[test]
fn memory_and_maps_stay_flat_over_10k_short_lived_processes() {
    let _alone = measurement_lock();
    let daemon = Daemon::start_with(&[
        "--continuous",
        "--continuous-interval",
        "200ms",
        "--continuous-history",
        "2s",
    ]);
    let true_exe = which("true");
    let spawn = |count: usize| {
        for _ in 0..count {
            assert!(command(&true_exe).status().unwrap().success());
        }
    };
    // Warm up until the allocator's arenas reach their working size (about
    // 5k processes here) and the history ring is at its cap.
    spawn(5000);
    thread::sleep(Duration::from_secs(3));
    let before_rss = status_kib(daemon.pid(), "VmRSS:");
    let before_anon = status_kib(daemon.pid(), "RssAnon:");
    let before = stats(&daemon);

    let started = Instant::now();
    spawn(10_000);
    let spawning = started.elapsed();
    thread::sleep(Duration::from_secs(3));

    let after_rss = status_kib(daemon.pid(), "VmRSS:");
    let after_anon = status_kib(daemon.pid(), "RssAnon:");
    let after = stats(&daemon);
    eprintln!(
        "10k spawns in {spawning:?}: daemon VmRSS {before_rss} -> {after_rss} KiB (anonymous {before_anon} -> {after_anon} KiB), aggregate map {} -> {} entries",
        before.map_entries, after.map_entries
    );
    assert_eq!(after.map_full_drops, 0, "no update lost to a full map");
    // Without deletion 10k processes would leave over 100k entries (each
    // makes a dozen distinct syscalls); what stays is the live system's.
    assert!(
        after.map_entries < 2000,
        "exited processes are deleted from the map: {} -> {}",
        before.map_entries,
        after.map_entries
    );
    // A leak of 1 KiB per process would be 10 MiB. What else moves the heap
    // is the peak activity of the rest of this shared machine (bigger map
    // reads), measured here at up to 5 MiB.
    assert!(
        after_rss <= before_rss + 10 * 1024,
        "daemon RSS grew by {} KiB over 10k processes",
        after_rss.saturating_sub(before_rss)
    );
    assert!(
        after_anon <= before_anon + 8 * 1024,
        "daemon heap grew by {} KiB over 10k processes",
        after_anon.saturating_sub(before_anon)
    );
    daemon.assert_serving();
}

fn which(name: &str) -> PathBuf {
    ["/usr/bin", "/bin"]
        .iter()
        .map(|dir| Path::new(dir).join(name))
        .find(|path| path.exists())
        .unwrap()
}

#[test]
fn top_once_prints_processes_and_syscalls_and_says_when_off() {
    let daemon = Daemon::start_with(&["--continuous", "--continuous-interval", "200ms"]);
    let status = daemon.ctl().arg("status").output().unwrap();
    let status = String::from_utf8_lossy(&status.stdout);
    assert!(status.contains("continuous:      on"), "{status}");
    assert!(
        status.contains("raw_tracepoint:sys_enter (continuous)"),
        "{status}"
    );
    let (exe, name) = unique_workload("top");
    assert!(command(&exe).status().unwrap().success());
    wait_for_exited(&daemon, &name);

    let out = daemon
        .ctl()
        .args(["top", "--once", "--window", "1h", "--limit", "1000"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("renacer top - window "), "{text}");
    assert!(
        lines[0].contains("/32768 entries, 0 updates lost"),
        "{text}"
    );
    let row = lines
        .iter()
        .find(|line| line.split_whitespace().nth(1) == Some(name.as_str()))
        .unwrap_or_else(|| panic!("no row for {name}:\n{text}"));
    let fields: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(fields[0], "exited", "{row}");
    // CALLS and ERRORS of the whole process: fixed by the workload.
    let syscall_row = lines
        .iter()
        .find(|line| line.starts_with("sched_yield "))
        .unwrap_or_else(|| panic!("no sched_yield row:\n{text}"));
    let calls: u64 = syscall_row
        .split_whitespace()
        .nth(2)
        .unwrap()
        .parse()
        .unwrap();
    assert!(calls >= 11, "{syscall_row}");

    let iterations = daemon
        .ctl()
        .args(["top", "--iterations", "2", "--interval", "300ms"])
        .output()
        .unwrap();
    assert!(iterations.status.success(), "{iterations:?}");
    let text = String::from_utf8(iterations.stdout).unwrap();
    assert_eq!(text.matches("renacer top - window").count(), 2, "{text}");

    // Off, the history stays readable, as `continuous off --help` says.
    let off = daemon.ctl().args(["continuous", "off"]).output().unwrap();
    assert!(off.status.success(), "{off:?}");
    let history = daemon
        .ctl()
        .args(["top", "--once", "--window", "1h", "--limit", "1000"])
        .output()
        .unwrap();
    assert!(history.status.success(), "{history:?}");
    let text = String::from_utf8(history.stdout).unwrap();
    assert!(
        text.lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("continuous mode is off: history")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|line| line.split_whitespace().nth(1) == Some(name.as_str())),
        "the workload's row is gone after off:\n{text}"
    );
    assert!(
        daemon
            .ctl()
            .args(["top", "--once"])
            .status()
            .unwrap()
            .success()
    );

    // A daemon that never gathered anything says how to turn it on.
    let fresh = Daemon::start();
    let refused = fresh.ctl().args(["top", "--once"]).output().unwrap();
    assert_eq!(
        refused.status.code(),
        Some(2),
        "a usage error: turn continuous mode on first"
    );
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("continuous mode is off") && stderr.contains("renacerctl continuous on"),
        "{stderr}"
    );
    daemon.assert_serving();
}

/// The PID column of `top`'s process rows.
fn top_pids(text: &str) -> Vec<String> {
    text.lines()
        .skip_while(|line| !line.trim_start().starts_with("PID"))
        .skip(1)
        .take_while(|line| !line.trim().is_empty())
        .filter_map(|line| line.split_whitespace().next().map(str::to_owned))
        .collect()
}

#[test]
fn top_leaves_out_the_daemon_unless_asked() {
    let daemon = Daemon::start_with(&["--continuous", "--continuous-interval", "100ms"]);
    // Samples (the daemon's own map reads) and some other work.
    for _ in 0..5 {
        assert!(command("true").status().unwrap().success());
        std::thread::sleep(Duration::from_millis(150));
    }
    let own = daemon.pid().to_string();
    let top = |extra: &[&str]| {
        let out = daemon
            .ctl()
            .args(["top", "--once", "--window", "1h", "--limit", "1000"])
            .args(extra)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let default = top(&[]);
    assert!(
        !top_pids(&default).contains(&own),
        "the daemon's row without --include-daemon:\n{default}"
    );
    assert!(!top_pids(&default).is_empty(), "{default}");
    let with_daemon = top(&["--include-daemon"]);
    assert!(
        top_pids(&with_daemon).contains(&own),
        "no daemon row with --include-daemon:\n{with_daemon}"
    );
}

#[test]
fn top_once_after_a_retarget_shows_the_new_scope_only() {
    // No periodic sample during the test: the retarget's own sample of the
    // system-wide scope is the newest in the history.
    let daemon = Daemon::start_with(&["--continuous", "--continuous-interval", "1h"]);
    for _ in 0..3 {
        assert!(command("true").status().unwrap().success());
    }
    let (exe, name) = unique_workload("retarget");
    let script = format!("read go; {}", exe.display());
    let mut shell = command("sh")
        .args(["-c", &script])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let on = daemon
        .ctl()
        .args(["continuous", "on", "--pid", &shell.id().to_string()])
        .output()
        .unwrap();
    assert!(on.status.success(), "{on:?}");
    shell.stdin.take().unwrap().write_all(b"go\n").unwrap();
    assert!(shell.wait().unwrap().success());

    let out = daemon
        .ctl()
        .args(["top", "--once", "--limit", "1000"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let commands: Vec<&str> = text
        .lines()
        .skip_while(|line| !line.trim_start().starts_with("PID"))
        .skip(1)
        .take_while(|line| !line.trim().is_empty())
        .filter_map(|line| line.split_whitespace().nth(1))
        .collect();
    assert!(
        commands.contains(&name.as_str()),
        "the new scope's workload is missing:\n{text}"
    );
    for command in &commands {
        assert!(
            *command == name || *command == "sh",
            "{command} is outside --pid's tree:\n{text}"
        );
    }
}

#[test]
fn set_continuous_and_stats_validate_their_input() {
    let daemon = Daemon::start();
    let off = rpc(&daemon, async |client| {
        client
            .stats(pb::StatsRequest::default())
            .await
            .unwrap()
            .into_inner()
    });
    assert!(!off.enabled);
    let status = set_continuous(
        &daemon,
        pb::SetContinuousRequest {
            enabled: true,
            pid: 999_999_999,
            cgroup: String::new(),
        },
    )
    .unwrap_err();
    assert_eq!(status.code(), tonic::Code::NotFound, "{status:?}");
    let status = set_continuous(
        &daemon,
        pb::SetContinuousRequest {
            enabled: true,
            pid: 1,
            cgroup: "x".into(),
        },
    )
    .unwrap_err();
    assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
    let status = set_continuous(
        &daemon,
        pb::SetContinuousRequest {
            enabled: true,
            pid: 0,
            cgroup: "no-such-cgroup-renacer".into(),
        },
    )
    .unwrap_err();
    assert_eq!(status.code(), tonic::Code::NotFound, "{status:?}");
    assert!(status.message().contains("relative to"), "{status:?}");
    let status = rpc(&daemon, async |client| {
        client
            .stats(pb::StatsRequest {
                window: Some(prost_types::Duration::default()),
                limit: 0,
                ..Default::default()
            })
            .await
            .unwrap_err()
    });
    assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");

    // On, retargeted, off: the daemon keeps serving and reports each state.
    enable(&daemon, 0, "");
    enable(&daemon, std::process::id(), "");
    let on = stats(&daemon);
    assert!(on.enabled && on.map_capacity == 32_768);
    assert!(!set_continuous(&daemon, pb::SetContinuousRequest::default()).unwrap());
    assert!(!stats(&daemon).enabled);
    daemon.assert_serving();
}

type Requests = std::sync::Arc<std::sync::Mutex<Vec<otlp::ExportMetricsServiceRequest>>>;

/// A real OTLP metrics receiver on 127.0.0.1:0 that keeps every request;
/// stopped when dropped.
struct MetricsReceiver {
    address: std::net::SocketAddr,
    requests: Requests,
    /// OTLP/HTTP only: "POST PATH content-type" of each request.
    http_requests: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    stop: Option<Box<dyn FnOnce() + Send>>,
    server: Option<thread::JoinHandle<()>>,
}

mod otlp {
    pub use opentelemetry_proto::tonic::{
        collector::metrics::v1::{
            ExportMetricsServiceRequest, ExportMetricsServiceResponse,
            metrics_service_server::{MetricsService, MetricsServiceServer},
        },
        common::v1::{KeyValue, any_value::Value as AnyValue},
        metrics::v1::{AggregationTemporality, Metric, metric::Data, number_data_point::Value},
    };
}

#[derive(Clone)]
struct Collect(std::sync::Arc<std::sync::Mutex<Vec<otlp::ExportMetricsServiceRequest>>>);

#[tonic::async_trait]
impl otlp::MetricsService for Collect {
    async fn export(
        &self,
        request: tonic::Request<otlp::ExportMetricsServiceRequest>,
    ) -> Result<tonic::Response<otlp::ExportMetricsServiceResponse>, tonic::Status> {
        self.0.lock().unwrap().push(request.into_inner());
        Ok(tonic::Response::new(
            otlp::ExportMetricsServiceResponse::default(),
        ))
    }
}

impl MetricsReceiver {
    /// OTLP/gRPC: opentelemetry-proto's MetricsService served by tonic.
    fn start() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let address = listener.local_addr().unwrap();
        let requests = std::sync::Arc::default();
        let service = otlp::MetricsServiceServer::new(Collect(std::sync::Arc::clone(&requests)));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                tonic::transport::Server::builder()
                    .add_service(service)
                    .serve_with_incoming_shutdown(
                        tokio_stream::wrappers::TcpListenerStream::new(listener),
                        async {
                            let _ = stopped.await;
                        },
                    )
                    .await
                    .unwrap();
            });
        });
        Self {
            address,
            requests,
            http_requests: std::sync::Arc::default(),
            stop: Some(Box::new(move || {
                let _ = stop.send(());
            })),
            server: Some(server),
        }
    }

    /// OTLP/HTTP with binary protobuf: a small HTTP/1.1 server (keep-alive,
    /// Content-Length bodies) that answers 200 with an empty body.
    fn start_http() -> Self {
        use std::{
            io::{BufRead as _, BufReader, Read as _},
            sync::atomic::AtomicBool,
        };
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let address = listener.local_addr().unwrap();
        let requests: Requests = std::sync::Arc::default();
        let http_requests: std::sync::Arc<std::sync::Mutex<Vec<String>>> =
            std::sync::Arc::default();
        let stopped = std::sync::Arc::new(AtomicBool::new(false));
        let serve = {
            let (requests, http_requests, stopped) = (
                std::sync::Arc::clone(&requests),
                std::sync::Arc::clone(&http_requests),
                std::sync::Arc::clone(&stopped),
            );
            move || {
                while !stopped.load(Ordering::Relaxed) {
                    let Ok((stream, _)) = listener.accept() else {
                        thread::sleep(Duration::from_millis(20));
                        continue;
                    };
                    let (requests, http_requests) = (
                        std::sync::Arc::clone(&requests),
                        std::sync::Arc::clone(&http_requests),
                    );
                    // One thread per connection; it ends when the daemon hangs up.
                    thread::spawn(move || {
                        stream.set_nonblocking(false).unwrap();
                        stream
                            .set_read_timeout(Some(Duration::from_secs(10)))
                            .unwrap();
                        let mut writer = stream.try_clone().unwrap();
                        let mut reader = BufReader::new(stream);
                        loop {
                            let mut request_line = String::new();
                            if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
                                return;
                            }
                            let mut length = 0;
                            let mut content_type = String::new();
                            loop {
                                let mut header = String::new();
                                reader.read_line(&mut header).unwrap();
                                let header = header.trim_end();
                                if header.is_empty() {
                                    break;
                                }
                                let (name, value) = header.split_once(':').unwrap();
                                match name.to_ascii_lowercase().as_str() {
                                    "content-length" => length = value.trim().parse().unwrap(),
                                    "content-type" => value.trim().clone_into(&mut content_type),
                                    _ => {}
                                }
                            }
                            let mut body = vec![0; length];
                            reader.read_exact(&mut body).unwrap();
                            let mut words = request_line.split_whitespace();
                            let (method, path) = (words.next().unwrap(), words.next().unwrap());
                            http_requests
                                .lock()
                                .unwrap()
                                .push(format!("{method} {path} {content_type}"));
                            let request =
                                <otlp::ExportMetricsServiceRequest as prost::Message>::decode(
                                    body.as_slice(),
                                )
                                .unwrap();
                            requests.lock().unwrap().push(request);
                            writer
                                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                                .unwrap();
                        }
                    });
                }
            }
        };
        Self {
            address,
            requests,
            http_requests,
            stop: Some(Box::new(move || stopped.store(true, Ordering::Relaxed))),
            server: Some(thread::spawn(serve)),
        }
    }

    fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Every metric received so far, with its resource's attributes.
    fn metrics(&self) -> Vec<(Vec<otlp::KeyValue>, otlp::Metric)> {
        let requests = self.requests.lock().unwrap();
        let mut metrics = Vec::new();
        for resource_metrics in requests.iter().flat_map(|r| &r.resource_metrics) {
            let resource = resource_metrics
                .resource
                .clone()
                .unwrap_or_default()
                .attributes;
            for scope in &resource_metrics.scope_metrics {
                for metric in &scope.metrics {
                    metrics.push((resource.clone(), metric.clone()));
                }
            }
        }
        metrics
    }
}

impl Drop for MetricsReceiver {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            stop();
        }
        if let Some(server) = self.server.take() {
            let _ = server.join();
        }
    }
}

fn attribute<'a>(attributes: &'a [otlp::KeyValue], key: &str) -> Option<&'a otlp::AnyValue> {
    attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref()?.value.as_ref())
}

fn string_attribute(attributes: &[otlp::KeyValue], key: &str) -> Option<String> {
    match attribute(attributes, key) {
        Some(otlp::AnyValue::StringValue(value)) => Some(value.clone()),
        _ => None,
    }
}

/// What the receiver got for processes named `command`, per syscall:
/// (calls, errors) from the sums, and (histogram count, sum of its buckets).
#[derive(Debug, Default)]
struct Exported {
    counts: BTreeMap<String, (u64, u64)>,
    histograms: BTreeMap<String, (u64, u64)>,
    pids: std::collections::BTreeSet<i64>,
}

fn exported(receiver: &MetricsReceiver, command: &str) -> Exported {
    let mut exported = Exported::default();
    for (resource, metric) in receiver.metrics() {
        assert_eq!(
            string_attribute(&resource, "service.name").as_deref(),
            Some("renacer-daemon")
        );
        assert!(string_attribute(&resource, "host.name").is_some_and(|h| !h.is_empty()));
        let ours = |attributes: &[otlp::KeyValue]| {
            (string_attribute(attributes, "process.executable.name").as_deref() == Some(command))
                .then(|| string_attribute(attributes, "syscall.name").unwrap())
        };
        match metric.data.unwrap() {
            otlp::Data::Sum(sum) => {
                assert_eq!(
                    sum.aggregation_temporality,
                    otlp::AggregationTemporality::Delta as i32
                );
                for point in &sum.data_points {
                    assert!(
                        point.start_time_unix_nano < point.time_unix_nano,
                        "{point:?}"
                    );
                    let Some(syscall) = ours(&point.attributes) else {
                        continue;
                    };
                    if let Some(otlp::AnyValue::IntValue(pid)) =
                        attribute(&point.attributes, "process.pid")
                    {
                        exported.pids.insert(*pid);
                    }
                    let Some(otlp::Value::AsInt(value)) = point.value else {
                        continue;
                    };
                    let entry = exported.counts.entry(syscall).or_default();
                    match metric.name.as_str() {
                        "renacer.syscall.calls" => entry.0 += value as u64,
                        "renacer.syscall.errors" => entry.1 += value as u64,
                        other => panic!("unexpected integer sum {other}"),
                    }
                }
            }
            otlp::Data::Histogram(histogram) => {
                assert_eq!(metric.name, "renacer.syscall.duration");
                assert_eq!(metric.unit, "s");
                for point in &histogram.data_points {
                    assert_eq!(point.bucket_counts.len(), point.explicit_bounds.len() + 1);
                    let Some(syscall) = ours(&point.attributes) else {
                        continue;
                    };
                    let entry = exported.histograms.entry(syscall).or_default();
                    entry.0 += point.count;
                    entry.1 += point.bucket_counts.iter().sum::<u64>();
                }
            }
            other => panic!("unexpected metric {}: {other:?}", metric.name),
        }
    }
    exported
}

/// A shell that runs `exe` once it reads a line: the root of a PID-tree
/// scope. (System-wide, on a busy machine, a process's rarer syscalls can
/// fall out of a sample's busiest rows into the merged `(other)` rows.)
fn parked_run(exe: &Path) -> std::process::Child {
    command("sh")
        .args(["-c", &format!("read go; {}", exe.display())])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap()
}

fn release(mut shell: std::process::Child) {
    shell.stdin.take().unwrap().write_all(b"go\n").unwrap();
    assert!(shell.wait().unwrap().success());
}

/// A daemon in continuous mode for `root`'s tree, exporting metrics to `endpoint`.
fn metrics_daemon(root: u32, endpoint: &str, protocol: &str) -> Daemon {
    let daemon = Daemon::start_with(&[
        "--continuous",
        "--continuous-pid",
        &root.to_string(),
        "--continuous-interval",
        "1s",
        "--otlp-endpoint",
        endpoint,
        "--otlp-protocol",
        protocol,
    ]);
    // The socket exists before continuous mode is attached; the first answer
    // comes after.
    assert!(status(&daemon).continuous);
    daemon
}

fn status(daemon: &Daemon) -> pb::StatusResponse {
    rpc(daemon, async |client| {
        client
            .status(pb::StatusRequest::default())
            .await
            .unwrap()
            .into_inner()
    })
}

#[test]
fn samples_are_exported_as_otlp_metrics_that_match_stats() {
    let _quiet = measurement_lock();
    let receiver = MetricsReceiver::start();
    run_workload_exporting_to(&receiver, "grpc");
}

#[test]
fn samples_are_exported_over_otlp_http_to_v1_metrics() {
    let _quiet = measurement_lock();
    let receiver = MetricsReceiver::start_http();
    run_workload_exporting_to(&receiver, "http/protobuf");
    let http_requests = receiver.http_requests.lock().unwrap().clone();
    assert!(!http_requests.is_empty());
    for request in &http_requests {
        assert_eq!(request, "POST /v1/metrics application/x-protobuf");
    }
}

/// Runs the workload once in the scope of a daemon that exports to
/// `receiver`: what the receiver gets for it equals what Stats says, which
/// equals the workload's known counts.
fn run_workload_exporting_to(receiver: &MetricsReceiver, protocol: &str) {
    let (exe, name) = unique_workload("otm");
    let shell = parked_run(&exe);
    let daemon = metrics_daemon(shell.id(), &receiver.endpoint(), protocol);
    release(shell);
    let (daemon, name) = (&daemon, name.as_str());
    let stats = wait_for_exited(daemon, name);
    let from_stats = exited_counts(&stats, name);
    // The workload's own calls are fixed (see tests/workloads/syscalls.c).
    assert_eq!(from_stats["getppid"], (7, 0));
    assert_eq!(from_stats["openat"], (5, 2));
    assert_eq!(from_stats["sched_yield"], (11, 0));
    assert_eq!(from_stats["umask"], (5, 0));
    assert_eq!(from_stats["write"], (3, 0));
    assert_eq!(from_stats["exit_group"], (1, 0));

    // The sample that saw the process exit is exported after it is committed.
    let deadline = Instant::now() + Duration::from_secs(15);
    let exported = loop {
        let exported = exported(receiver, name);
        if exported.counts == from_stats || Instant::now() > deadline {
            break exported;
        }
        thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(exported.counts, from_stats, "exported metrics vs Stats");
    assert_eq!(exported.pids.len(), 1, "one process: {:?}", exported.pids);
    // Every call but exit_group (which never returns) is timed.
    for (syscall, (calls, _)) in &from_stats {
        let (count, buckets) = exported
            .histograms
            .get(syscall)
            .copied()
            .unwrap_or_default();
        assert_eq!(count, buckets, "{syscall}: histogram count vs its buckets");
        let timed = if syscall == "exit_group" { 0 } else { *calls };
        assert_eq!(count, timed, "{syscall}: histogram count vs calls");
    }
    assert_eq!(status(daemon).otlp_metrics_unsent, 0);
}

#[test]
fn an_unreachable_metrics_backend_counts_unsent_points_and_sampling_goes_on() {
    let _quiet = measurement_lock();
    // A port nothing listens on: connections are refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // System-wide, so every sample has rows (the daemon's own map reads at least).
    let daemon = Daemon::start_with(&[
        "--continuous",
        "--continuous-interval",
        "1s",
        "--otlp-endpoint",
        &format!("http://127.0.0.1:{port}"),
    ]);

    let wait_for_unsent_above = |floor: u64| {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let unsent = status(&daemon).otlp_metrics_unsent;
            if unsent > floor {
                return unsent;
            }
            assert!(
                Instant::now() < deadline,
                "unsent metric points stayed at {unsent}"
            );
            thread::sleep(Duration::from_millis(200));
        }
    };
    let first = wait_for_unsent_above(0);
    let later = wait_for_unsent_above(first);
    eprintln!("unsent metric points: {first} -> {later}");
    let text = daemon.ctl().arg("status").output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("metrics unsent:"), "{text}");
    // Sampling went on: the samples since keep arriving in the history.
    let before = stats(&daemon).window.unwrap();
    thread::sleep(Duration::from_millis(2500));
    // The daemon's own calls (its sampler) show that sampling goes on.
    let after = stats_with(&daemon, true);
    let window = after.window.unwrap();
    assert!(
        (window.seconds, window.nanos) > (before.seconds, before.nanos),
        "the history stopped growing: {before:?} -> {window:?}"
    );
    let daemon_pid = u32::try_from(daemon.pid()).unwrap();
    assert!(
        after
            .processes
            .iter()
            .any(|process| process.pid == daemon_pid && process.calls > 0),
        "the daemon's own calls are sampled: {:#?}",
        after.processes
    );
    daemon.assert_serving();
}
