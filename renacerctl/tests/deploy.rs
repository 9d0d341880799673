//! Deployment files (deploy/): `cargo xtask install` stages and installs the
//! binaries and the systemd unit; the unit passes `systemd-analyze verify`,
//! carries its hardening, and its exact ExecStart line, run with only the
//! unit's capabilities and no new privileges, serves a real capture; the
//! Containerfile and the DaemonSet are well formed and agree with the unit.
#![expect(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]

mod common;

use std::{
    collections::BTreeMap,
    os::unix::fs::{MetadataExt as _, PermissionsExt as _},
    path::{Path, PathBuf},
    process::{Command, Output},
    thread,
    time::{Duration, Instant},
};

use common::{ChildGuard, bin, require_root, scratch_dir};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn read(relative: &str) -> String {
    std::fs::read_to_string(workspace().join(relative)).unwrap()
}

/// `cargo xtask install ARGS --from <this build's binaries>`.
fn xtask_install(args: &[&str]) -> Output {
    let from = bin("renacer-daemon");
    let from = from.parent().unwrap();
    let cargo = option_env!("CARGO").unwrap_or("cargo");
    let out = Command::new(cargo)
        .args(["run", "-q", "-p", "xtask", "--", "install", "--from"])
        .arg(from)
        .args(args)
        .current_dir(workspace())
        .output()
        .unwrap();
    assert!(out.status.success(), "xtask install {args:?}: {out:?}");
    out
}

/// The unit's `[Section]` -> key -> values (a key may repeat).
type Unit = BTreeMap<String, BTreeMap<String, Vec<String>>>;

fn parse_unit(text: &str) -> Unit {
    let mut unit = Unit::new();
    let mut section = None;
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = Some(name.to_owned());
            unit.entry(name.to_owned()).or_default();
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("unit line {}: not KEY=VALUE: {line}", number + 1));
        let section = section
            .as_ref()
            .unwrap_or_else(|| panic!("unit line {}: key outside a section", number + 1));
        unit.get_mut(section)
            .unwrap()
            .entry(key.trim().to_owned())
            .or_default()
            .push(value.trim().to_owned());
    }
    unit
}

fn service_value<'a>(unit: &'a Unit, key: &str) -> &'a str {
    unit["Service"]
        .get(key)
        .and_then(|values| values.last())
        .unwrap_or_else(|| panic!("[Service] has no {key}"))
}

fn unit_capabilities(unit: &Unit) -> Vec<String> {
    service_value(unit, "CapabilityBoundingSet")
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_unit_is_hardened_and_its_capabilities_are_few() {
    let unit = parse_unit(&read("deploy/systemd/renacer-daemon.service"));
    for section in ["Unit", "Service", "Install"] {
        assert!(unit.contains_key(section), "no [{section}]");
    }
    for (key, value) in [
        ("User", "root"),
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("PrivateTmp", "yes"),
        ("RuntimeDirectory", "renacer"),
        ("ProtectKernelModules", "yes"),
        ("RestrictSUIDSGID", "yes"),
    ] {
        assert_eq!(service_value(&unit, key), value, "[Service] {key}");
    }
    assert!(matches!(
        service_value(&unit, "ProtectHome"),
        "yes" | "read-only" | "tmpfs"
    ));
    let exec = service_value(&unit, "ExecStart");
    assert!(
        exec.starts_with("/usr/local/bin/renacer-daemon ")
            && exec.contains("--socket /run/renacer/renacer.sock"),
        "ExecStart: {exec}"
    );
    let caps = unit_capabilities(&unit);
    assert!(caps.contains(&"CAP_BPF".to_owned()) && caps.contains(&"CAP_PERFMON".to_owned()));
    for forbidden in [
        "CAP_SYS_MODULE",
        "CAP_NET_ADMIN",
        "CAP_SYS_RAWIO",
        "CAP_SETUID",
    ] {
        assert!(
            !caps.contains(&forbidden.to_owned()),
            "{forbidden} in the bounding set"
        );
    }
    assert_eq!(
        unit_capabilities(&unit).join(" "),
        service_value(&unit, "AmbientCapabilities"),
        "ambient and bounding sets differ"
    );
    assert_eq!(unit["Install"]["WantedBy"], ["multi-user.target"]);
}

#[test]
fn install_stages_under_destdir_without_touching_the_system() {
    let dest = scratch_dir("destdir");
    let out = xtask_install(&["--destdir", dest.to_str().unwrap()]);
    for name in ["renacer-daemon", "renacerctl"] {
        let path = dest.join("usr/local/bin").join(name);
        let meta = std::fs::metadata(&path).unwrap_or_else(|err| panic!("{path:?}: {err}"));
        assert_eq!(meta.permissions().mode() & 0o777, 0o755, "{path:?}");
        assert_eq!(meta.len(), std::fs::metadata(bin(name)).unwrap().len());
    }
    let unit_path = dest.join("etc/systemd/system/renacer-daemon.service");
    assert_eq!(
        std::fs::metadata(&unit_path).unwrap().permissions().mode() & 0o777,
        0o644
    );
    let unit = parse_unit(&std::fs::read_to_string(&unit_path).unwrap());
    assert!(service_value(&unit, "ExecStart").starts_with("/usr/local/bin/renacer-daemon "));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("staged only"), "{stderr}");

    // Another prefix moves ExecStart with the binaries.
    let dest = scratch_dir("destdir-opt");
    xtask_install(&[
        "--destdir",
        dest.to_str().unwrap(),
        "--prefix",
        "/opt/renacer",
    ]);
    assert!(dest.join("opt/renacer/bin/renacerctl").is_file());
    let unit = parse_unit(
        &std::fs::read_to_string(dest.join("etc/systemd/system/renacer-daemon.service")).unwrap(),
    );
    assert!(service_value(&unit, "ExecStart").starts_with("/opt/renacer/bin/renacer-daemon "));
    let _ = std::fs::remove_dir_all(&dest);
}

fn group_exists(name: &str) -> bool {
    Command::new("getent")
        .args(["group", name])
        .output()
        .unwrap()
        .status
        .success()
}

/// Deletes the `renacer` group at the end when the test created it.
struct GroupCleanup(bool);

impl Drop for GroupCleanup {
    fn drop(&mut self) {
        if self.0 {
            let _ = Command::new("groupdel").arg("renacer").output();
        }
    }
}

/// Installs for real (into a scratch prefix and unit directory): the group
/// is created once, systemd-analyze accepts the unit, and the unit's
/// ExecStart, run with the unit's capabilities only, serves a capture.
#[test]
fn installed_unit_verifies_and_its_exec_start_serves_a_capture() {
    require_root();
    let root = scratch_dir("install");
    let prefix = root.join("usr");
    let units = root.join("units");
    let _cleanup = GroupCleanup(!group_exists("renacer"));
    for _ in 0..2 {
        // Twice: the group and the files are installed idempotently.
        xtask_install(&[
            "--prefix",
            prefix.to_str().unwrap(),
            "--unit-dir",
            units.to_str().unwrap(),
        ]);
        assert!(
            group_exists("renacer"),
            "xtask install did not create group renacer"
        );
    }
    let unit_path = units.join("renacer-daemon.service");
    let text = std::fs::read_to_string(&unit_path).unwrap();
    let daemon = prefix.join("bin/renacer-daemon");

    if which("systemd-analyze") {
        let out = Command::new("systemd-analyze")
            .arg("verify")
            .arg(&unit_path)
            .output()
            .unwrap();
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "systemd-analyze verify: {out:?}"
        );
    } else {
        eprintln!("systemd-analyze is missing: the unit was checked by parsing only");
    }

    // The exact command line, with a private socket, under the unit's
    // capability bounding set and no_new_privs.
    let unit = parse_unit(&text);
    let exec: Vec<String> = service_value(&unit, "ExecStart")
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    assert_eq!(Path::new(&exec[0]), daemon);
    let dir = scratch_dir("unit-socket");
    let socket = dir.join("renacer.sock");
    let args: Vec<String> = exec[1..]
        .iter()
        .map(|arg| {
            if arg == "/run/renacer/renacer.sock" {
                socket.to_str().unwrap().to_owned()
            } else {
                arg.clone()
            }
        })
        .collect();
    assert!(args.iter().any(|arg| arg == socket.to_str().unwrap()));
    let bounding: Vec<String> = unit_capabilities(&unit)
        .iter()
        .map(|cap| format!("+{}", cap.trim_start_matches("CAP_").to_lowercase()))
        .collect();
    let mut cmd = Command::new("setpriv");
    cmd.arg(format!("--bounding-set=-all,{}", bounding.join(",")))
        .arg("--no-new-privs")
        .arg(&exec[0])
        .args(&args);
    for assignment in unit["Service"].get("Environment").into_iter().flatten() {
        let (name, value) = assignment.split_once('=').unwrap();
        cmd.env(name, value);
    }
    let mut daemon = ChildGuard(cmd.spawn().unwrap());
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::os::unix::net::UnixStream::connect(&socket).is_err() {
        if let Some(status) = daemon.0.try_wait().unwrap() {
            panic!("the unit's ExecStart exited during start-up: {status}");
        }
        assert!(
            Instant::now() < deadline,
            "the unit's daemon did not listen within 20s"
        );
        thread::sleep(Duration::from_millis(50));
    }
    let status = std::fs::read_to_string(format!("/proc/{}/status", daemon.pid())).unwrap();
    let bounding_mask = status
        .lines()
        .find_map(|line| line.strip_prefix("CapBnd:"))
        .map(|mask| u64::from_str_radix(mask.trim(), 16).unwrap())
        .unwrap();
    assert_eq!(
        bounding_mask.count_ones() as usize,
        unit_capabilities(&unit).len(),
        "the daemon kept capabilities the unit does not grant: {bounding_mask:x}"
    );
    // --group renacer: the socket belongs to the group xtask created.
    let meta = std::fs::metadata(&socket).unwrap();
    assert_eq!(meta.mode() & 0o777, 0o660);

    let trace = dir.join("trace.json");
    let out = common::command(bin("renacerctl"))
        .arg("--socket")
        .arg(&socket)
        .args(["capture", "--format", "json", "-o"])
        .arg(&trace)
        .args(["--", "/bin/true"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "capture under the unit's daemon: {out:?}"
    );
    let trace =
        renacer_trace::json::TraceFile::parse(&std::fs::read_to_string(&trace).unwrap()).unwrap();
    assert!(
        trace.syscalls.iter().any(|s| s.name == "execve")
            && trace.syscalls.iter().any(|s| s.name == "exit_group"),
        "the capture missed /bin/true's execve or exit_group"
    );
    drop(daemon);
    let _ = std::fs::remove_dir_all(&root);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The system calls a `systemd-analyze syscall-filter` set allows, groups
/// expanded.
fn allowed_syscalls(filter: &str) -> std::collections::BTreeSet<String> {
    let out = Command::new("systemd-analyze")
        .arg("syscall-filter")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let listing = String::from_utf8(out.stdout).unwrap();
    let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut current = None;
    for line in listing.lines() {
        if line.starts_with('@') {
            let name = line.split_whitespace().next().unwrap().to_owned();
            groups.insert(name.clone(), Vec::new());
            current = Some(name);
        } else if let Some(group) = &current {
            let entry = line.trim();
            if !entry.is_empty() && !entry.starts_with('#') {
                groups.get_mut(group).unwrap().push(entry.to_owned());
            }
        }
    }
    fn expand(
        name: &str,
        groups: &BTreeMap<String, Vec<String>>,
        out: &mut std::collections::BTreeSet<String>,
    ) {
        match groups.get(name) {
            Some(members) => {
                for member in members {
                    expand(member, groups, out);
                }
            }
            None => {
                out.insert(name.to_owned());
            }
        }
    }
    let mut allowed = std::collections::BTreeSet::new();
    for entry in filter.split_whitespace() {
        expand(entry, &groups, &mut allowed);
    }
    allowed
}

/// Every system call the daemon makes while starting, serving a capture and
/// a status, and shutting down (seen by strace -f) is in the unit's
/// SystemCallFilter: under systemd, anything else would fail with EPERM.
#[test]
fn the_system_call_filter_allows_what_the_daemon_calls() {
    require_root();
    if !which("systemd-analyze") || !which("strace") {
        eprintln!("systemd-analyze or strace is missing: SystemCallFilter not checked");
        return;
    }
    let unit = parse_unit(&read("deploy/systemd/renacer-daemon.service"));
    let allowed = allowed_syscalls(service_value(&unit, "SystemCallFilter"));
    assert!(
        allowed.contains("bpf") && allowed.contains("read"),
        "{allowed:?}"
    );
    let dir = scratch_dir("syscall-filter");
    let socket = dir.join("renacer.sock");
    let log = dir.join("strace.log");
    let strace = ChildGuard(
        Command::new("strace")
            .args(["-f", "-qq", "-o"])
            .arg(&log)
            .arg(bin("renacer-daemon"))
            .arg("--socket")
            .arg(&socket)
            .args([
                "--group",
                "root",
                "--continuous",
                "--metrics",
                "127.0.0.1:0",
            ])
            .env("RENACER_LOG", "warn")
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::os::unix::net::UnixStream::connect(&socket).is_err() {
        assert!(
            Instant::now() < deadline,
            "the daemon under strace did not start"
        );
        thread::sleep(Duration::from_millis(100));
    }
    let ctl = |args: &[&str]| {
        let out = common::command(bin("renacerctl"))
            .arg("--socket")
            .arg(&socket)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "renacerctl {args:?}: {out:?}");
    };
    ctl(&[
        "capture",
        "--format",
        "json",
        "-o",
        "/dev/null",
        "--",
        "/bin/true",
    ]);
    ctl(&["status"]);
    ctl(&["top", "--once"]);
    let children =
        std::fs::read_to_string(format!("/proc/{0}/task/{0}/children", strace.pid())).unwrap();
    let daemon: i32 = children.split_whitespace().next().unwrap().parse().unwrap();
    // SAFETY: signalling the daemon this test started (strace's child).
    unsafe { libc::kill(daemon, libc::SIGTERM) };
    let mut strace = strace;
    let deadline = Instant::now() + Duration::from_secs(30);
    while strace.0.try_wait().unwrap().is_none() {
        assert!(
            Instant::now() < deadline,
            "the daemon did not stop under strace"
        );
        thread::sleep(Duration::from_millis(50));
    }
    let trace = std::fs::read_to_string(&log).unwrap();
    let mut called = std::collections::BTreeSet::new();
    for line in trace.lines() {
        let rest = line
            .split_once(' ')
            .map_or(line, |(_, rest)| rest)
            .trim_start();
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() && rest[name.len()..].starts_with('(') {
            called.insert(name);
        }
    }
    assert!(
        called.contains("bpf"),
        "strace saw no bpf calls: {called:?}"
    );
    // execve is the program's own start (systemd execs before the filter applies).
    let refused: Vec<&String> = called
        .iter()
        .filter(|name| !allowed.contains(*name) && *name != "execve")
        .collect();
    assert!(
        refused.is_empty(),
        "the unit's SystemCallFilter would refuse {refused:?} (the daemon called {called:?})"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn which(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|out| out.status.success())
}

/// Containerfile instructions, continuation lines joined.
fn containerfile_instructions(text: &str) -> Vec<(String, String)> {
    let mut instructions = Vec::new();
    let mut pending = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if pending.is_empty() && (trimmed.is_empty() || trimmed.starts_with('#')) {
            continue;
        }
        if let Some(head) = trimmed.strip_suffix('\\') {
            pending.push_str(head);
            pending.push(' ');
            continue;
        }
        pending.push_str(trimmed);
        let (keyword, rest) = pending.split_once(char::is_whitespace).unwrap();
        instructions.push((keyword.to_owned(), rest.trim().to_owned()));
        pending.clear();
    }
    assert!(
        pending.is_empty(),
        "Containerfile ends in a continuation line"
    );
    instructions
}

#[test]
fn containerfile_is_well_formed() {
    const KNOWN: &[&str] = &[
        "FROM",
        "RUN",
        "COPY",
        "ADD",
        "ENV",
        "LABEL",
        "ENTRYPOINT",
        "CMD",
        "VOLUME",
        "STOPSIGNAL",
        "USER",
        "WORKDIR",
        "ARG",
        "EXPOSE",
        "HEALTHCHECK",
        "SHELL",
    ];
    let instructions = containerfile_instructions(&read("deploy/container/Containerfile"));
    for (keyword, _) in &instructions {
        assert!(
            KNOWN.contains(&keyword.as_str()),
            "unknown instruction {keyword}"
        );
    }
    assert_eq!(instructions[0].0, "FROM");
    assert!(
        instructions[0].1.contains("debian:12"),
        "not Debian 12: {}",
        instructions[0].1
    );
    let copy = instructions
        .iter()
        .find(|(keyword, _)| keyword == "COPY")
        .unwrap();
    for name in ["target/release/renacer-daemon", "target/release/renacerctl"] {
        assert!(copy.1.contains(name), "COPY lacks {name}");
    }
    // The build context holds only what COPY takes.
    let ignore = read(".dockerignore");
    let ignored: Vec<&str> = ignore
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .collect();
    assert_eq!(
        ignored.first(),
        Some(&"*"),
        ".dockerignore must exclude everything first"
    );
    for name in ["target/release/renacer-daemon", "target/release/renacerctl"] {
        assert!(
            ignored.contains(&format!("!{name}").as_str()),
            ".dockerignore drops {name}"
        );
    }
    let exec_form = |keyword: &str| -> Vec<String> {
        let (_, value) = instructions.iter().find(|(k, _)| k == keyword).unwrap();
        serde_json::from_str(value).unwrap_or_else(|err| panic!("{keyword} not JSON: {err}"))
    };
    assert_eq!(exec_form("ENTRYPOINT"), ["/usr/local/bin/renacer-daemon"]);
    let cmd = exec_form("CMD");
    assert!(
        cmd.windows(2)
            .any(|w| w == ["--socket", "/run/renacer/renacer.sock"])
    );
    // The arguments parse as the daemon's flags.
    let out = Command::new(bin("renacer-daemon"))
        .args(&cmd)
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
}

fn yaml_documents(text: &str) -> Vec<serde_yaml::Value> {
    use serde::Deserialize as _;
    serde_yaml::Deserializer::from_str(text)
        .map(|document| serde_yaml::Value::deserialize(document).unwrap())
        .collect()
}

fn get<'a>(value: &'a serde_yaml::Value, path: &str) -> &'a serde_yaml::Value {
    path.split('.')
        .fold(value, |value, key| match key.parse::<usize>() {
            Ok(index) => &value[index],
            Err(_) => &value[key],
        })
}

fn text<'a>(value: &'a serde_yaml::Value, path: &str) -> &'a str {
    get(value, path)
        .as_str()
        .unwrap_or_else(|| panic!("{path} is not a string"))
}

#[test]
fn daemonset_is_well_formed_and_agrees_with_the_unit() {
    let documents = yaml_documents(&read("deploy/kubernetes/renacer-daemonset.yaml"));
    for document in &documents {
        assert!(document["apiVersion"].is_string() && document["kind"].is_string());
        assert!(document["metadata"]["name"].is_string());
    }
    let set = documents
        .iter()
        .find(|document| document["kind"] == "DaemonSet")
        .expect("no DaemonSet");
    assert_eq!(text(set, "apiVersion"), "apps/v1");
    let selector = get(set, "spec.selector.matchLabels").as_mapping().unwrap();
    let labels = get(set, "spec.template.metadata.labels")
        .as_mapping()
        .unwrap();
    for (key, value) in selector {
        assert_eq!(
            labels.get(key),
            Some(value),
            "the selector does not match the pod labels"
        );
    }
    let pod = get(set, "spec.template.spec");
    assert_eq!(pod["hostPID"].as_bool(), Some(true));
    let container = get(pod, "containers.0");
    assert!(container["image"].is_string());
    let security = &container["securityContext"];
    assert_ne!(security["privileged"].as_bool(), Some(true));
    assert_eq!(security["allowPrivilegeEscalation"].as_bool(), Some(false));
    assert_eq!(get(security, "capabilities.drop.0").as_str(), Some("ALL"));
    let added: Vec<String> = get(security, "capabilities.add")
        .as_sequence()
        .unwrap()
        .iter()
        .map(|cap| format!("CAP_{}", cap.as_str().unwrap()))
        .collect();
    let unit = parse_unit(&read("deploy/systemd/renacer-daemon.service"));
    let mut unit_caps = unit_capabilities(&unit);
    unit_caps.sort();
    let mut pod_caps = added.clone();
    pod_caps.sort();
    assert_eq!(
        pod_caps, unit_caps,
        "the DaemonSet and the unit grant different capabilities"
    );
    for resource in [
        "limits.cpu",
        "limits.memory",
        "requests.cpu",
        "requests.memory",
    ] {
        assert!(
            get(&container["resources"], resource).is_string(),
            "no resources.{resource}"
        );
    }
    let volumes: BTreeMap<&str, &str> = pod["volumes"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|volume| (text(volume, "name"), text(volume, "hostPath.path")))
        .collect();
    let mounts: BTreeMap<&str, &str> = container["volumeMounts"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|mount| (text(mount, "mountPath"), text(mount, "name")))
        .collect();
    for path in ["/run/renacer", "/sys/kernel/btf", "/sys/kernel/tracing"] {
        let name = mounts
            .get(path)
            .unwrap_or_else(|| panic!("{path} is not mounted"));
        assert_eq!(
            volumes.get(name),
            Some(&path),
            "{path} is not the node's {path}"
        );
    }
    let args: Vec<&str> = container["args"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|arg| arg.as_str().unwrap())
        .collect();
    assert!(
        args.windows(2)
            .any(|w| w == ["--socket", "/run/renacer/renacer.sock"])
    );
    let out = Command::new(bin("renacer-daemon"))
        .args(&args)
        .arg("--help")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the DaemonSet's args do not parse: {out:?}"
    );
}
