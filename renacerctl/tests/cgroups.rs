//! Processes are attributed to their cgroup v2 and a capture can be limited
//! to one, with a real cgroup made for the test: a shell moves itself into
//! it and execs `cat`. Root only: the test starts its own daemon.
#![expect(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]

use std::path::PathBuf;

use renacer_trace::json::{JsonEventKind, TraceFile};

mod common;
use common::*;

/// A cgroup v2 made for one test, removed when dropped (once empty).
struct TestCgroup {
    dir: PathBuf,
    /// Its path relative to the cgroup2 mount, as renacer names it.
    name: String,
}

impl TestCgroup {
    fn create() -> Self {
        let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap();
        let root = mounts
            .lines()
            .find_map(|line| {
                let fields: Vec<&str> = line.split_whitespace().collect();
                (fields.get(2) == Some(&"cgroup2")).then(|| PathBuf::from(fields[1]))
            })
            .expect("a cgroup v2 hierarchy is mounted");
        let name = format!("renacer-test-{}", std::process::id());
        let dir = root.join(&name);
        std::fs::create_dir(&dir).unwrap();
        Self {
            dir,
            name: format!("/{name}"),
        }
    }

    /// `sh -c` that moves itself into the cgroup, then execs `cat FILE`.
    fn move_then_cat(&self, file: &str) -> Vec<String> {
        vec![
            "sh".to_owned(),
            "-c".to_owned(),
            format!(
                "echo $$ > {}/cgroup.procs && exec cat {file}",
                self.dir.display()
            ),
        ]
    }
}

impl Drop for TestCgroup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.dir);
    }
}

#[test]
fn processes_are_attributed_to_their_cgroup_and_filtered_by_it() {
    let daemon = Daemon::start();
    let cgroup = TestCgroup::create();
    let dir = scratch_dir("cgroup");
    std::fs::write(dir.join("data.txt"), "in a cgroup\n").unwrap();
    let file = dir.join("data.txt").display().to_string();

    // Attribution: the exec after the move is in the test cgroup.
    let json = dir.join("trace.json");
    let out = daemon
        .ctl()
        .args(["capture", "--format", "json", "-o"])
        .arg(&json)
        .arg("--")
        .args(cgroup.move_then_cat(&file))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let trace = TraceFile::parse(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let execs: Vec<Option<&str>> = trace
        .events
        .iter()
        .filter(|e| e.kind == JsonEventKind::Exec)
        .map(|e| e.cgroup.as_deref())
        .collect();
    assert_eq!(execs.len(), 2, "sh's exec and cat's: {:?}", trace.events);
    assert_ne!(execs[0], Some(cgroup.name.as_str()), "sh starts outside");
    assert_eq!(execs[1], Some(cgroup.name.as_str()), "cat runs inside");
    let exit = trace
        .events
        .iter()
        .find(|e| e.kind == JsonEventKind::Exit)
        .unwrap();
    assert_eq!(exit.cgroup.as_deref(), Some(cgroup.name.as_str()));
    assert_eq!(exit.container_id, None, "a test cgroup names no container");

    // Filter: only what runs inside the cgroup, from cat's execve on.
    let out = daemon
        .ctl()
        .args([
            "capture",
            "--cgroup",
            cgroup.name.trim_start_matches('/'),
            "--",
        ])
        .args(cgroup.move_then_cat(&file))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with(r#"execve("/usr/bin/cat", ["cat", "#),
        "the first line is cat's execve:\n{text}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(r#"read(3, "in a cgroup\n", "#)),
        "{text}"
    );
    assert_eq!(lines.last(), Some(&"+++ exited with 0 +++"), "{text}");
    assert!(
        !text.contains("cgroup.procs"),
        "sh's calls before the move are left out:\n{text}"
    );

    // A cgroup that does not exist is a usage error, in one line.
    let out = daemon
        .ctl()
        .args(["capture", "--cgroup", "no/such/cgroup", "--", "true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("no cgroup no/such/cgroup"), "{stderr}");
    // Background captures check it too.
    let socket = daemon.socket.display().to_string();
    let status = renacerctl::run_async(async move {
        let mut client = renacerctl::client::connect(&socket).await?;
        Ok(client
            .start_capture(renacer_proto::v1::StartCaptureRequest {
                pid: std::process::id(),
                cgroup: "no/such/cgroup".to_owned(),
                ..Default::default()
            })
            .await
            .expect_err("a missing cgroup"))
    })
    .unwrap();
    assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
    daemon.assert_serving();
}
