//! The harness every root-only end-to-end test shares: a private daemon per
//! test, stopped by PID when its guard drops (also when the test fails), and
//! helpers to read what renacerctl wrote.
#![allow(
    dead_code,
    reason = "each test binary uses a different part of the harness"
)]
#![expect(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]

use std::{
    collections::BTreeMap,
    ffi::OsStr,
    path::{Path, PathBuf},
    process::{Child, Command, Output},
    sync::{
        Mutex,
        atomic::{AtomicU32, Ordering},
    },
    thread,
    time::{Duration, Instant},
};

use renacer_trace::json::TraceFile;

pub mod fidelity;
pub mod strace_compare;

pub fn require_root() {
    // SAFETY: plain syscall.
    assert_eq!(
        unsafe { libc::geteuid() },
        0,
        "these tests load eBPF programs: run them as root (`sudo -E cargo xtask test`)"
    );
}

/// Variables that change what a traced program does, not what renacer does:
/// `cargo test` puts several directories in `LD_LIBRARY_PATH`, and the loader
/// then tries each one (dozens of failing `openat`/`newfstatat` calls that a
/// shell run of the same command does not make).
const CALLER_VARIABLES: &[&str] = &["LD_LIBRARY_PATH", "LD_PRELOAD", "LD_AUDIT", "LANGUAGE"];

/// `program` with the environment every test runs its programs in: the
/// loader variables removed and the C locale, whoever runs the tests. Every
/// traced program and every strace reference run starts from here, so counts
/// do not depend on the caller's environment.
pub fn command(program: impl AsRef<OsStr>) -> Command {
    let mut cmd = Command::new(program);
    for name in CALLER_VARIABLES {
        cmd.env_remove(name);
    }
    // PYTHONUNBUFFERED and its kind change the calls python makes (one
    // write per print part instead of one per line).
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("PYTHON") {
            cmd.env_remove(name);
        }
    }
    cmd.env("LC_ALL", "C").env("LANG", "C");
    cmd
}

pub fn bin(name: &str) -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_renacerctl")).with_file_name(name)
}

/// An example binary, built on demand when only this test target was built.
pub fn example(name: &str) -> PathBuf {
    static BUILD: Mutex<()> = Mutex::new(());
    let path = bin(name);
    let _guard = BUILD.lock().unwrap();
    if !path.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let status = Command::new(cargo)
            .args(["build", "-p", "renacer-examples"])
            .status()
            .unwrap();
        assert!(status.success(), "building the examples failed");
    }
    path
}

pub fn scratch_dir(tag: &str) -> PathBuf {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "renacer-test-{}-{tag}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Loading and verifying the programs takes a few seconds, much longer when
/// several test daemons load at once on a busy 2-core machine.
const DAEMON_START_TIMEOUT: Duration = Duration::from_secs(60);

pub struct Daemon {
    pub child: Child,
    pub socket: PathBuf,
}

impl Daemon {
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// A daemon with extra command-line arguments (e.g. `--attach raw-tracepoint`).
    pub fn start_with(args: &[&str]) -> Self {
        require_root();
        let dir = scratch_dir("daemon");
        let socket = dir.join("renacer.sock");
        let mut cmd = Command::new(bin("renacer-daemon"));
        cmd.arg("--socket").arg(&socket);
        // Root-only unless the test gives the socket a group (and no warning
        // about a missing `renacer` group).
        if !args.contains(&"--group") {
            cmd.args(["--group", "root"]);
        }
        let child = cmd.args(args).env("RENACER_LOG", "warn").spawn().unwrap();
        let mut daemon = Self { child, socket };
        let socket = daemon.socket.clone();
        daemon.wait_until(&format!("listening on {}", socket.display()), || {
            std::os::unix::net::UnixStream::connect(&socket).is_ok()
        });
        daemon
    }

    /// Waits until `ready` while the daemon starts (it may take
    /// [`DAEMON_START_TIMEOUT`]); fails if it exits meanwhile.
    pub fn wait_until(&mut self, what: &str, ready: impl Fn() -> bool) {
        let deadline = Instant::now() + DAEMON_START_TIMEOUT;
        while !ready() {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("renacer-daemon exited during start-up: {status}");
            }
            assert!(
                Instant::now() < deadline,
                "daemon not {what} within {DAEMON_START_TIMEOUT:?}"
            );
            thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn ctl(&self) -> Command {
        // renacerctl passes its environment to the command it traces.
        let mut cmd = command(bin("renacerctl"));
        cmd.arg("--socket").arg(&self.socket);
        cmd
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    pub fn assert_serving(&self) {
        let out = self.ctl().arg("status").output().unwrap();
        assert!(out.status.success(), "daemon stopped serving: {out:?}");
    }

    /// `capture --format json -o DIR/trace.json -- CMD`, run in `DIR`: the
    /// trace file's path and renacerctl's output.
    pub fn capture_json_file(&self, dir: &Path, command: &[&str]) -> (PathBuf, Output) {
        let path = dir.join("trace.json");
        let out = self
            .ctl()
            .current_dir(dir)
            .args(["capture", "--format", "json", "-o"])
            .arg(&path)
            .arg("--")
            .args(command)
            .output()
            .unwrap();
        (path, out)
    }

    /// `capture --format json -- CMD`: the trace and renacerctl's output.
    pub fn capture_json(&self, command: &[&str]) -> (TraceFile, Output) {
        let (path, out) = self.capture_json_file(&scratch_dir("trace"), command);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|err| panic!("no trace written ({err}); renacerctl said {out:?}"));
        (TraceFile::parse(&text).unwrap(), out)
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        stop_child(&mut self.child, Duration::from_secs(10));
    }
}

/// Stops our own child by PID: SIGTERM, then SIGKILL after `grace`.
pub fn stop_child(child: &mut Child, grace: Duration) {
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        if matches!(child.try_wait(), Ok(Some(_))) {
            return;
        }
        thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

pub fn count(trace: &TraceFile, name: &str) -> usize {
    trace.syscalls.iter().filter(|s| s.name == name).count()
}

pub fn is_fork(name: &str) -> bool {
    matches!(name, "clone" | "clone3" | "fork" | "vfork")
}

pub fn returned(syscall: &renacer_trace::json::JsonSyscall) -> Option<i64> {
    match syscall.result {
        renacer_trace::json::JsonResult::Returned(value) => Some(value),
        renacer_trace::json::JsonResult::Marker(_) => None,
    }
}

/// wait4 calls that reaped a child (dash also polls with WNOHANG and gets ECHILD).
pub fn reaping_waits(trace: &TraceFile) -> usize {
    trace
        .syscalls
        .iter()
        .filter(|s| s.name == "wait4" && returned(s).is_some_and(|pid| pid > 0))
        .count()
}

/// Compiles the deterministic C workload (static: no loader noise).
pub fn workload() -> PathBuf {
    compile_workload("syscalls")
}

/// Compiles tests/workloads/NAME.c, statically linked.
pub fn compile_workload(name: &str) -> PathBuf {
    let dir = scratch_dir("workload");
    let exe = dir.join(name);
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/workloads/{name}.c"));
    let status = Command::new("cc")
        .args(["-O1", "-static", "-o"])
        .arg(&exe)
        .arg(source)
        .status()
        .unwrap();
    assert!(status.success(), "compiling the workload failed");
    exe
}

/// Parses a `strace -c` table (ours or strace's) into name -> (calls, errors).
pub fn parse_summary(table: &str) -> BTreeMap<String, (u64, u64)> {
    table
        .lines()
        .filter(|line| !line.starts_with('%') && !line.starts_with('-'))
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (name, numbers) = fields.split_last()?;
            if *name == "total" || numbers.len() < 4 {
                return None;
            }
            let calls = numbers[3].parse().ok()?;
            let errors = numbers.get(4).map_or(Some(0), |e| e.parse().ok())?;
            Some(((*name).to_owned(), (calls, errors)))
        })
        .collect()
}

/// A unique name for a user or group made by a test (useradd allows 32 characters).
fn unique_account_name(tag: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    format!(
        "rn{tag}{}x{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

fn run_admin_tool(program: &str, args: &[&str]) {
    let out = Command::new(program).args(args).output().unwrap();
    assert!(out.status.success(), "{program} {args:?} failed: {out:?}");
}

fn id_of(flag: &str, name: &str) -> u32 {
    let out = Command::new("id").args([flag, name]).output().unwrap();
    assert!(out.status.success(), "id {flag} {name}: {out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// A system group made for one test, deleted when dropped (also on failure).
pub struct TestGroup {
    pub name: String,
}

impl TestGroup {
    pub fn create(tag: &str) -> Self {
        require_root();
        let name = unique_account_name(tag);
        run_admin_tool("groupadd", &["--system", &name]);
        Self { name }
    }
}

impl Drop for TestGroup {
    fn drop(&mut self) {
        let _ = Command::new("groupdel").arg(&self.name).output();
    }
}

/// A system user (no home, no login shell) made for one test, deleted when
/// dropped (also on failure). Drop it before the groups it is in.
pub struct TestUser {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
}

impl TestUser {
    /// A user in the supplementary `groups`.
    pub fn create(tag: &str, groups: &[&TestGroup]) -> Self {
        require_root();
        let name = unique_account_name(tag);
        let mut args = vec![
            "--system",
            "--no-create-home",
            "--shell",
            "/usr/sbin/nologin",
        ];
        let list = groups
            .iter()
            .map(|group| group.name.as_str())
            .collect::<Vec<_>>()
            .join(",");
        if !list.is_empty() {
            args.extend(["--groups", &list]);
        }
        args.push(&name);
        run_admin_tool("useradd", &args);
        // uid u32::MAX until known: dropped (and deleted) if `id` fails.
        let mut user = Self {
            uid: u32::MAX,
            gid: u32::MAX,
            name,
        };
        user.uid = id_of("-u", &user.name);
        user.gid = id_of("-g", &user.name);
        user
    }

    /// `program` run as this user, with its groups, in the test environment.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut cmd = command("setpriv");
        cmd.args([
            "--reuid",
            &self.uid.to_string(),
            "--regid",
            &self.gid.to_string(),
        ])
        .arg("--init-groups")
        .arg("--")
        .arg(program);
        cmd
    }

    /// A scratch directory this user may write in.
    pub fn scratch_dir(&self, tag: &str) -> PathBuf {
        let dir = scratch_dir(tag);
        std::os::unix::fs::chown(&dir, Some(self.uid), Some(self.gid)).unwrap();
        dir
    }
}

impl Drop for TestUser {
    fn drop(&mut self) {
        let _ = Command::new("userdel").arg(&self.name).output();
    }
}

/// A process the test started, killed by PID when dropped.
pub struct ChildGuard(pub Child);

impl ChildGuard {
    pub fn pid(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        stop_child(&mut self.0, Duration::from_secs(2));
    }
}

/// A TCP port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until the daemon accepts TCP connections on `port`.
pub fn wait_for_tcp(daemon: &mut Daemon, port: u16) {
    daemon.wait_until(&format!("listening on port {port}"), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
}

/// A test certificate authority with server and client certificates, made
/// with the openssl command line.
pub struct TestPki {
    pub dir: PathBuf,
}

impl TestPki {
    pub fn create() -> Self {
        let dir = scratch_dir("pki");
        let pki = Self { dir };
        pki.self_signed_ca("ca", "renacer test CA");
        pki.leaf(
            "server",
            "localhost",
            "serverAuth",
            "DNS:localhost,IP:127.0.0.1",
            "ca",
        );
        pki
    }

    /// A self-signed CA: `NAME.key` and `NAME.pem`, subject CN `cn`.
    fn self_signed_ca(&self, name: &str, cn: &str) {
        let (key, pem, subject) = (
            format!("{name}.key"),
            format!("{name}.pem"),
            format!("/CN={cn}"),
        );
        self.openssl(&[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            &key,
            "-out",
            &pem,
            "-days",
            "2",
            "-subj",
            &subject,
        ]);
    }

    fn openssl(&self, args: &[&str]) {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(&self.dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "openssl {args:?}: {out:?}");
    }

    /// NAME.key and NAME.pem: a certificate with subject CN `cn`, signed by
    /// the CA `issuer` (ISSUER.pem and ISSUER.key in this directory).
    fn leaf(&self, name: &str, cn: &str, usage: &str, san: &str, issuer: &str) {
        let ext = format!("{name}.ext");
        std::fs::write(
            self.dir.join(&ext),
            format!("basicConstraints=CA:FALSE\nextendedKeyUsage={usage}\nsubjectAltName={san}\n"),
        )
        .unwrap();
        let (key, csr, pem) = (
            format!("{name}.key"),
            format!("{name}.csr"),
            format!("{name}.pem"),
        );
        let subject = format!("/CN={cn}");
        self.openssl(&[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            &key,
            "-out",
            &csr,
            "-subj",
            &subject,
        ]);
        let (issuer_pem, issuer_key) = (format!("{issuer}.pem"), format!("{issuer}.key"));
        self.openssl(&[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            &issuer_pem,
            "-CAkey",
            &issuer_key,
            "-set_serial",
            &format!("{}", std::process::id() as u64 * 1000 + name.len() as u64),
            "-days",
            "2",
            "-out",
            &pem,
            "-extfile",
            &ext,
        ]);
        // Test users read their client keys.
        for file in [&key, &pem] {
            std::fs::set_permissions(
                self.dir.join(file),
                std::os::unix::fs::PermissionsExt::from_mode(0o644),
            )
            .unwrap();
        }
    }

    /// A client certificate with subject CN `cn`, signed by this CA.
    pub fn client(&self, cn: &str) -> (PathBuf, PathBuf) {
        self.leaf(cn, cn, "clientAuth", &format!("DNS:{cn}"), "ca");
        (
            self.path(&format!("{cn}.pem")),
            self.path(&format!("{cn}.key")),
        )
    }

    /// A client certificate signed by a CA the daemon does not trust.
    pub fn foreign_client(&self, cn: &str) -> (PathBuf, PathBuf) {
        self.self_signed_ca("foreign-ca", "someone else's CA");
        let name = format!("foreign-{cn}");
        self.leaf(&name, cn, "clientAuth", &format!("DNS:{cn}"), "foreign-ca");
        (
            self.path(&format!("{name}.pem")),
            self.path(&format!("{name}.key")),
        )
    }

    pub fn path(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }

    /// The daemon's --listen flags for mTLS on `port`, with `identities` as
    /// the --tls-identities file.
    pub fn daemon_args(&self, port: u16, identities: &str) -> Vec<String> {
        let file = self.path("identities.toml");
        std::fs::write(&file, identities).unwrap();
        let path = |name: &str| self.path(name).display().to_string();
        vec![
            "--listen".into(),
            format!("127.0.0.1:{port}"),
            "--tls-cert".into(),
            path("server.pem"),
            "--tls-key".into(),
            path("server.key"),
            "--tls-client-ca".into(),
            path("ca.pem"),
            "--tls-identities".into(),
            file.display().to_string(),
        ]
    }
}
