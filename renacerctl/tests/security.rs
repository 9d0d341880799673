//! Who may trace what, end to end as root: real test users (created and
//! deleted by each test), a real daemon on a private socket, real mTLS
//! certificates made with openssl, real setuid programs.
#![expect(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]

mod common;

use std::{
    os::unix::fs::{MetadataExt as _, PermissionsExt as _},
    path::{Path, PathBuf},
    process::{Command, Output, Stdio},
};

use common::*;
use renacer_trace::json::TraceFile;

/// A root-owned process that writes a secret now and then, as in the
/// original report (a root shell writing a password).
fn root_secret_writer() -> ChildGuard {
    ChildGuard(
        command("sh")
            .args([
                "-c",
                "while :; do echo secret-password >/dev/null; sleep 0.05; done",
            ])
            .spawn()
            .unwrap(),
    )
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// renacerctl failed with exactly one line that contains `expected`, and
/// printed nothing of the traced process.
/// (Captures of running processes in these tests carry a --duration: a
/// broken check fails the test instead of hanging it.)
fn assert_refused(out: &Output, expected: &str) {
    let err = stderr(out);
    assert!(
        !err.contains("secret") && !String::from_utf8_lossy(&out.stdout).contains("secret"),
        "renacerctl printed the traced process's data"
    );
    assert!(!out.status.success(), "renacerctl succeeded: {out:?}");
    assert_eq!(err.trim_end().lines().count(), 1, "not one line: {err}");
    assert!(err.contains(expected), "expected {expected:?} in: {err}");
}

fn denied_message(pid: u32, uid: u32) -> String {
    format!("pid {pid} belongs to uid 0; you (uid {uid}) may trace only your own processes")
}

#[test]
fn unix_socket_user_cannot_trace_a_root_process() {
    let group = TestGroup::create("g");
    let admins = TestGroup::create("a");
    let user = TestUser::create("u", &[&group]);
    let admin = TestUser::create("d", &[&group, &admins]);
    let daemon = Daemon::start_with(&["--group", &group.name, "--admin-group", &admins.name]);
    let meta = std::fs::metadata(&daemon.socket).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o660, "socket mode");
    assert_eq!(meta.gid(), id_of_group(&group.name), "socket group");

    let root = root_secret_writer();
    let out = user
        .command(bin("renacerctl"))
        .arg("--socket")
        .arg(&daemon.socket)
        .args([
            "capture",
            "--duration",
            "2s",
            "--pid",
            &root.pid().to_string(),
        ])
        .output()
        .unwrap();
    assert_refused(&out, &denied_message(root.pid(), user.uid));

    // Background captures and continuous mode follow the same rule.
    let out = user
        .command(bin("renacerctl"))
        .arg("--socket")
        .arg(&daemon.socket)
        .args(["continuous", "on"])
        .output()
        .unwrap();
    assert_refused(&out, "are for admins");
    let out = user
        .command(bin("renacerctl"))
        .arg("--socket")
        .arg(&daemon.socket)
        .args(["continuous", "on", "--pid", &root.pid().to_string()])
        .output()
        .unwrap();
    assert_refused(&out, &denied_message(root.pid(), user.uid));

    // Root may, and so may members of --admin-group.
    let out = daemon
        .ctl()
        .args(["capture", "--summary", "--duration", "300ms", "--pid"])
        .arg(root.pid().to_string())
        .output()
        .unwrap();
    assert!(out.status.success(), "root capture failed: {out:?}");
    let out = admin
        .command(bin("renacerctl"))
        .arg("--socket")
        .arg(&daemon.socket)
        .args(["capture", "--summary", "--duration", "300ms", "--pid"])
        .arg(root.pid().to_string())
        .output()
        .unwrap();
    assert!(out.status.success(), "admin-group capture failed: {out:?}");
    daemon.assert_serving();
}

#[test]
fn socket_group_member_traces_its_own_program() {
    let group = TestGroup::create("g");
    let user = TestUser::create("u", &[&group]);
    let outsider = TestUser::create("o", &[]);
    let daemon = Daemon::start_with(&["--group", &group.name]);
    let dir = user.scratch_dir("own");
    let trace_path = dir.join("trace.json");
    let out = user
        .command(bin("renacerctl"))
        .arg("--socket")
        .arg(&daemon.socket)
        .args(["capture", "--format", "json", "-o"])
        .arg(&trace_path)
        .args(["--", "/bin/echo", "hello from a user"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(!stderr(&out).contains("not traced"), "{out:?}");
    let trace = TraceFile::parse(&std::fs::read_to_string(&trace_path).unwrap()).unwrap();
    assert!(count(&trace, "execve") >= 1, "no execve in the trace");
    let wrote_hello = trace
        .syscalls
        .iter()
        .any(|s| s.name == "write" && s.args.iter().any(|arg| arg.contains("hello from a user")));
    assert!(wrote_hello, "echo's write is missing");
    assert_eq!(trace.syscalls.last().unwrap().name, "exit_group");

    // Status works for the user, without other users' counters.
    let out = user
        .command(bin("renacerctl"))
        .arg("--socket")
        .arg(&daemon.socket)
        .arg("status")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("events seen:     0"),
        "{out:?}"
    );

    // The root daemon does not connect wherever a user asks: OTLP export to
    // an endpoint the daemon was not given needs an admin.
    let out = user
        .command(bin("renacerctl"))
        .arg("--socket")
        .arg(&daemon.socket)
        .args(["capture", "--otlp", "http://127.0.0.1:9", "--", "/bin/true"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_refused(
        &out,
        "exporting to OTLP endpoint 'http://127.0.0.1:9' needs an admin",
    );
    assert_eq!(out.status.code(), Some(77), "{out:?}");

    // Outside the socket's group: no connection at all.
    let out = outsider
        .command(bin("renacerctl"))
        .arg("--socket")
        .arg(&daemon.socket)
        .arg("status")
        .output()
        .unwrap();
    assert!(!out.status.success(), "{out:?}");
    assert!(stderr(&out).contains("Permission denied"), "{out:?}");
}

/// A directory on a file system that honours setuid bits.
fn setuid_capable_dir() -> PathBuf {
    for base in [
        std::env::temp_dir(),
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")),
    ] {
        let c_path = std::ffi::CString::new(base.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: an all-zero statvfs is a valid out-parameter; the path is a C string.
        let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
        // SAFETY: valid pointers.
        let rc = unsafe { libc::statvfs(c_path.as_ptr(), &mut stat) };
        if rc == 0 && stat.f_flag & libc::ST_NOSUID == 0 {
            let dir = base.join(format!("renacer-test-{}-setuid", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
            return dir;
        }
    }
    panic!("no directory without nosuid for the setuid test program");
}

/// A setuid-root copy of /usr/bin/id: run by a user, it prints `euid=0`.
fn setuid_root_id(dir: &Path) -> PathBuf {
    let program = dir.join("suid-id");
    std::fs::copy("/usr/bin/id", &program).unwrap();
    std::os::unix::fs::chown(&program, Some(0), Some(0)).unwrap();
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o4755)).unwrap();
    program
}

#[test]
fn setuid_exec_in_a_user_capture_stops_being_traced() {
    let group = TestGroup::create("g");
    let user = TestUser::create("u", &[&group]);
    let daemon = Daemon::start_with(&["--group", &group.name]);
    let setuid_dir = setuid_capable_dir();
    let _cleanup = RemoveDir(setuid_dir.clone());
    let program = setuid_root_id(&setuid_dir);
    let script = format!(
        "/bin/true; {} >suid.out; echo after >after.out",
        program.display()
    );

    let capture = |run: &mut Command, dir: &Path| {
        let trace_path = dir.join("trace.json");
        let out = run
            .arg("--socket")
            .arg(&daemon.socket)
            .args(["capture", "--format", "json", "-o"])
            .arg(&trace_path)
            .args(["--", "/bin/sh", "-c", &script])
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let trace = TraceFile::parse(&std::fs::read_to_string(&trace_path).unwrap()).unwrap();
        (trace, out)
    };
    // The pid that exec'd `program`: its execve is the only one naming it.
    let suid_pid = |trace: &TraceFile| {
        trace
            .syscalls
            .iter()
            .find(|s| s.name == "execve" && s.args.iter().any(|a| a.contains("suid-id")))
            .map(|s| s.pid)
    };
    // What `id` does after its exec: load libraries, read the user
    // database, write its line. (The forked shell opens suid.out before.)
    let writes_of = |trace: &TraceFile, pid: u32| {
        trace
            .syscalls
            .iter()
            .filter(|s| s.pid == pid)
            .filter(|s| {
                s.name == "write"
                    || (s.name == "openat"
                        && s.args
                            .iter()
                            .any(|a| a.contains("/etc/") || a.contains(".so")))
            })
            .count()
    };

    // As the user: the setuid program ran as root, and is not in the trace.
    let dir = user.scratch_dir("suid");
    let (trace, out) = capture(&mut user.command(bin("renacerctl")), &dir);
    let ran = std::fs::read_to_string(dir.join("suid.out")).unwrap();
    assert!(
        ran.contains("euid=0"),
        "the program did not run setuid root: {ran}"
    );
    let notice = stderr(&out);
    let line = notice
        .lines()
        .find(|line| line.contains("not traced after a setuid/setgid/capability exec"))
        .unwrap_or_else(|| panic!("no notice: {notice}"));
    let untraced: Vec<u32> = line
        .rsplit("pid ")
        .next()
        .unwrap()
        .split(", ")
        .map(|pid| pid.trim().parse().unwrap())
        .collect();
    assert_eq!(untraced.len(), 1, "{line}");
    assert_eq!(
        writes_of(&trace, untraced[0]),
        0,
        "the setuid program's opens and writes were traced"
    );
    // Its own processes before and after are traced.
    assert!(
        trace
            .syscalls
            .iter()
            .any(|s| { s.name == "execve" && s.args.iter().any(|a| a.contains("/bin/true")) })
    );
    assert!(
        trace
            .syscalls
            .iter()
            .any(|s| s.name == "write" && s.args.iter().any(|a| a.contains("after"))),
        "the shell's echo after the setuid program is missing"
    );

    // As root, the same program is traced: the test above can tell.
    let dir = scratch_dir("suid-root");
    let (trace, out) = capture(&mut command(bin("renacerctl")), &dir);
    assert!(!stderr(&out).contains("not traced"), "{out:?}");
    let pid = suid_pid(&trace).expect("root's capture has the setuid exec");
    assert!(
        writes_of(&trace, pid) > 0,
        "root's capture misses the program's calls"
    );
}

/// Removes a directory when dropped.
struct RemoveDir(PathBuf);

impl Drop for RemoveDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn id_of_group(name: &str) -> u32 {
    let out = Command::new("getent")
        .args(["group", name])
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .split(':')
        .nth(2)
        .unwrap()
        .parse()
        .unwrap()
}

fn https_ctl(
    program: Command,
    port: u16,
    pki: &TestPki,
    client: Option<&(PathBuf, PathBuf)>,
) -> Command {
    let mut cmd = program;
    cmd.arg("--socket")
        .arg(format!("https://localhost:{port}"))
        .arg("--tls-ca")
        .arg(pki.path("ca.pem"));
    if let Some((cert, key)) = client {
        cmd.arg("--tls-cert").arg(cert).arg("--tls-key").arg(key);
    }
    cmd
}

#[test]
fn mtls_identities_decide_what_a_tcp_client_may_trace() {
    let group = TestGroup::create("g");
    let user = TestUser::create("u", &[&group]);
    let pki = TestPki::create();
    let admin = pki.client("ops");
    let runner = pki.client("ci-runner");
    let stranger = pki.client("stranger");
    let foreign = pki.foreign_client("ops");
    let port = free_port();
    let identities = format!(
        "[[identity]]\nname = \"ci-runner\"\nuid = {}\n\n[[identity]]\nname = \"ops\"\nrole = \"admin\"\n",
        user.uid
    );
    let args = pki.daemon_args(port, &identities);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut daemon = Daemon::start_with(&args);
    wait_for_tcp(&mut daemon, port);
    let ctl = || command(bin("renacerctl"));

    // An admin identity captures over TLS.
    let dir = scratch_dir("tls");
    let trace_path = dir.join("trace.json");
    let out = https_ctl(ctl(), port, &pki, Some(&admin))
        .args(["capture", "--format", "json", "-o"])
        .arg(&trace_path)
        .args(["--", "/bin/echo", "over tls"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let trace = TraceFile::parse(&std::fs::read_to_string(&trace_path).unwrap()).unwrap();
    assert!(
        trace
            .syscalls
            .iter()
            .any(|s| s.name == "write" && s.args.iter().any(|a| a.contains("over tls")))
    );

    // A uid identity may not trace root's process ...
    let root = root_secret_writer();
    let out = https_ctl(ctl(), port, &pki, Some(&runner))
        .args([
            "capture",
            "--duration",
            "2s",
            "--pid",
            &root.pid().to_string(),
        ])
        .output()
        .unwrap();
    assert_refused(
        &out,
        &format!(
            "pid {} belongs to uid 0; you (TLS identity \"ci-runner\" (uid {})) may trace only your own processes",
            root.pid(),
            user.uid
        ),
    );
    // ... but its own user's programs.
    let dir = user.scratch_dir("tls-user");
    let out = https_ctl(user.command(bin("renacerctl")), port, &pki, Some(&runner))
        .args(["capture", "--summary", "--", "/bin/true"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");

    // A certificate from the right CA that the identities file does not know.
    let out = https_ctl(ctl(), port, &pki, Some(&stranger))
        .arg("status")
        .output()
        .unwrap();
    assert_refused(&out, "is not in the daemon's --tls-identities file");
    // No client certificate, or one from another CA: the handshake fails.
    for client in [None, Some(&foreign)] {
        let out = https_ctl(ctl(), port, &pki, client)
            .args([
                "capture",
                "--duration",
                "2s",
                "--pid",
                &root.pid().to_string(),
            ])
            .output()
            .unwrap();
        assert!(!out.status.success(), "{out:?}");
        assert!(!String::from_utf8_lossy(&out.stdout).contains("secret"));
    }
    daemon.assert_serving();
}

#[test]
fn plaintext_tcp_needs_the_flag_and_gets_nobodys_rights() {
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    // Without TLS and without the flag, the daemon refuses to start.
    for args in [
        vec!["--listen", listen.as_str()],
        vec!["--listen", "0.0.0.0:1", "--insecure-plaintext-tcp"],
    ] {
        let dir = scratch_dir("refuse");
        let out = Command::new(bin("renacer-daemon"))
            .arg("--socket")
            .arg(dir.join("renacer.sock"))
            .args(&args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?}: {out:?}");
        assert!(
            stderr(&out).contains("TLS") || stderr(&out).contains("loopback"),
            "{out:?}"
        );
    }

    let mut daemon = Daemon::start_with(&["--listen", &listen, "--insecure-plaintext-tcp"]);
    wait_for_tcp(&mut daemon, port);
    let root = root_secret_writer();
    // Even root's renacerctl is only `nobody` over plaintext TCP.
    let out = command(bin("renacerctl"))
        .arg("--socket")
        .arg(format!("http://{listen}"))
        .args([
            "capture",
            "--duration",
            "2s",
            "--pid",
            &root.pid().to_string(),
        ])
        .output()
        .unwrap();
    assert_refused(
        &out,
        &format!(
            "pid {} belongs to uid 0; you (plaintext TCP caller (uid 65534, nobody)) may trace only your own processes",
            root.pid()
        ),
    );
    daemon.assert_serving();
}

#[test]
fn users_run_continuous_mode_only_on_their_own_processes() {
    let group = TestGroup::create("g");
    let user = TestUser::create("u", &[&group]);
    let other = TestUser::create("v", &[&group]);
    let daemon = Daemon::start_with(&["--group", &group.name]);
    let ctl = |who: &TestUser, args: &[&str]| {
        who.command(bin("renacerctl"))
            .arg("--socket")
            .arg(&daemon.socket)
            .args(args)
            .output()
            .unwrap()
    };
    let own = ChildGuard(user.command("sleep").arg("30").spawn().unwrap());
    // setpriv execs sleep: the pid is the user's sleep once /proc says so.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while std::fs::read_to_string(format!("/proc/{}/comm", own.pid())).unwrap_or_default()
        != "sleep\n"
    {
        assert!(std::time::Instant::now() < deadline, "sleep did not start");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }

    let out = ctl(
        &user,
        &["continuous", "on", "--pid", &own.pid().to_string()],
    );
    assert!(out.status.success(), "{out:?}");
    let out = ctl(&user, &["top", "--once", "--interval", "1s"]);
    assert!(out.status.success(), "{out:?}");
    // Another user may neither read nor change that session.
    let out = ctl(&other, &["top", "--once", "--interval", "1s"]);
    assert_refused(&out, "cover processes that are not yours");
    let out = ctl(&other, &["continuous", "off"]);
    assert_refused(&out, "continuous mode is on for someone else's processes");
    let out = ctl(&user, &["continuous", "off"]);
    assert!(out.status.success(), "{out:?}");
    // Root may do everything.
    let out = daemon.ctl().args(["continuous", "on"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let out = ctl(&user, &["top", "--once", "--interval", "1s"]);
    assert_refused(&out, "cover processes that are not yours");
    let out = daemon.ctl().args(["continuous", "off"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
}

fn code<T>(result: Result<tonic::Response<T>, tonic::Status>) -> tonic::Code {
    result.map_or_else(|status| status.code(), |_| tonic::Code::Ok)
}

/// A gRPC client over mTLS with the client certificate `client`.
async fn tls_client(
    port: u16,
    pki: &TestPki,
    client: &(PathBuf, PathBuf),
) -> renacer_proto::v1::tracer_client::TracerClient<tonic::transport::Channel> {
    use tonic::transport::{Certificate, ClientTlsConfig, Endpoint, Identity};
    let read = |path: &Path| std::fs::read(path).unwrap();
    let tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(read(&pki.path("ca.pem"))))
        .identity(Identity::from_pem(read(&client.0), read(&client.1)));
    let channel = Endpoint::from_shared(format!("https://localhost:{port}"))
        .unwrap()
        .tls_config(tls)
        .unwrap()
        .connect()
        .await
        .unwrap();
    renacer_proto::v1::tracer_client::TracerClient::new(channel)
}

#[test]
fn background_captures_and_stored_traces_belong_to_who_started_them() {
    use renacer_proto::v1::{
        AssertRequest, StartCaptureRequest, StopCaptureRequest, TraceSource, trace_source::Source,
    };
    let user = TestUser::create("u", &[]);
    let other = TestUser::create("v", &[]);
    let pki = TestPki::create();
    let (runner, stranger, admin) = (pki.client("runner"), pki.client("other"), pki.client("ops"));
    let port = free_port();
    let identities = format!(
        "[[identity]]\nname = \"runner\"\nuid = {}\n[[identity]]\nname = \"other\"\nuid = {}\n[[identity]]\nname = \"ops\"\nrole = \"admin\"\n",
        user.uid, other.uid
    );
    let args = pki.daemon_args(port, &identities);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut daemon = Daemon::start_with(&args);
    wait_for_tcp(&mut daemon, port);
    let job = ChildGuard(user.command("sleep").arg("30").spawn().unwrap());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while std::fs::read_to_string(format!("/proc/{}/comm", job.pid())).unwrap_or_default()
        != "sleep\n"
    {
        assert!(std::time::Instant::now() < deadline, "sleep did not start");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let assert_by_id = |capture_id| AssertRequest {
        config_toml: "[[assertion]]\nname = \"n\"\ntype = \"span_count\"\nmax_spans = 1000\n"
            .into(),
        trace: Some(TraceSource {
            source: Some(Source::CaptureId(capture_id)),
        }),
    };
    renacerctl::run_async(async {
        let (mut runner, mut stranger, mut admin) = (
            tls_client(port, &pki, &runner).await,
            tls_client(port, &pki, &stranger).await,
            tls_client(port, &pki, &admin).await,
        );
        // Another user may not start a capture of the job.
        let start = StartCaptureRequest {
            pid: job.pid(),
            ..Default::default()
        };
        let denied = stranger.start_capture(start.clone()).await.unwrap_err();
        assert_eq!(denied.code(), tonic::Code::PermissionDenied, "{denied:?}");
        let id = runner.start_capture(start).await?.into_inner().capture_id;
        // Nor stop it, nor read its trace once stopped.
        let stop = StopCaptureRequest { capture_id: id };
        assert_eq!(
            code(stranger.stop_capture(stop).await),
            tonic::Code::PermissionDenied
        );
        let trace = runner.stop_capture(stop).await?.into_inner().trace.unwrap();
        assert_eq!(trace.pid, job.pid());
        assert_eq!(
            code(stranger.assert(assert_by_id(id)).await),
            tonic::Code::PermissionDenied
        );
        assert_eq!(code(runner.assert(assert_by_id(id)).await), tonic::Code::Ok);
        assert_eq!(code(admin.assert(assert_by_id(id)).await), tonic::Code::Ok);
        // An admin's stopped trace is not the user's, whatever the id.
        let id = admin
            .start_capture(StartCaptureRequest {
                pid: job.pid(),
                ..Default::default()
            })
            .await?
            .into_inner()
            .capture_id;
        admin
            .stop_capture(StopCaptureRequest { capture_id: id })
            .await?;
        assert_eq!(
            code(runner.assert(assert_by_id(id)).await),
            tonic::Code::PermissionDenied
        );
        Ok(())
    })
    .unwrap();
}
