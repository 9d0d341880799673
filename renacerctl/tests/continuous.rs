//! Continuous profiling mode end to end, as root: the aggregate programs run
//! in the real kernel and count real processes.
#![expect(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]

mod common;

use std::{
    collections::BTreeMap,
    io::Write as _,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    sync::atomic::{AtomicU32, Ordering},
    thread,
    time::{Duration, Instant},
};

use common::{Daemon, scratch_dir, workload};
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

fn set_continuous(daemon: &Daemon, request: pb::SetContinuousRequest) -> Result<bool, tonic::Status> {
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

/// Everything the daemon kept (the history is an hour by default).
fn stats(daemon: &Daemon) -> pb::StatsResponse {
    rpc(daemon, async |client| {
        client
            .stats(pb::StatsRequest {
                window: Some(prost_types::Duration {
                    seconds: 3600,
                    nanos: 0,
                }),
                limit: 1000,
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
    assert_eq!(rows.len(), 1, "one folded row for {command}: {:#?}", stats.processes);
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
        assert!(Instant::now() < deadline, "{command} never showed as exited");
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
    // Between fork and execve, renacerctl's parked child makes three calls
    // the capture (which starts at execve) does not show: glibc's fork sets
    // the child's robust list, then the child stops itself with kill(getpid()).
    let mut expected = captured.clone();
    expected.insert("getpid".into(), (1, 0));
    expected.insert("kill".into(), (1, 0));
    expected.entry("set_robust_list".into()).or_default().0 += 1;
    assert_eq!(aggregated, expected, "aggregates vs capture");
}

#[test]
fn pid_tree_scope_counts_the_tree_and_nothing_else() {
    let daemon = Daemon::start();
    let (exe, name) = unique_workload("tree");
    // A shell that runs the workload twice once it reads a line.
    let script = format!("read go; {0}; {0}", exe.display());
    let mut shell = Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    enable(&daemon, shell.id(), "");
    // The same program outside the tree, while the scope is active.
    assert!(Command::new(&exe).status().unwrap().success());
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
    assert!(Command::new("sh").args(["-c", &join_and_run]).status().unwrap().success());
    assert!(Command::new(&exe).status().unwrap().success());

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

#[test]
fn memory_and_maps_stay_flat_over_10k_short_lived_processes() {
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
            assert!(Command::new(&true_exe).status().unwrap().success());
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
    assert!(status.contains("raw_tracepoint:sys_enter (continuous)"), "{status}");
    let (exe, name) = unique_workload("top");
    assert!(Command::new(&exe).status().unwrap().success());
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
    assert!(lines[0].contains("/32768 entries, 0 updates lost"), "{text}");
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
    let calls: u64 = syscall_row.split_whitespace().nth(2).unwrap().parse().unwrap();
    assert!(calls >= 11, "{syscall_row}");

    let iterations = daemon
        .ctl()
        .args(["top", "--iterations", "2", "--interval", "300ms"])
        .output()
        .unwrap();
    assert!(iterations.status.success(), "{iterations:?}");
    let text = String::from_utf8(iterations.stdout).unwrap();
    assert_eq!(text.matches("renacer top - window").count(), 2, "{text}");

    let off = daemon.ctl().args(["continuous", "off"]).output().unwrap();
    assert!(off.status.success(), "{off:?}");
    let refused = daemon.ctl().args(["top", "--once"]).output().unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("continuous mode is off") && stderr.contains("renacerctl continuous on"),
        "{stderr}"
    );
    daemon.assert_serving();
}

#[test]
fn set_continuous_and_stats_validate_their_input() {
    let daemon = Daemon::start();
    let off = rpc(&daemon, async |client| {
        client.stats(pb::StatsRequest::default()).await.unwrap().into_inner()
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
