//! Developer tasks: `cargo xtask setup | build | demo | test | bench | bless | install |
//! gen-ioctls`.
//!
//! Every task runs `setup` first, which installs what is missing and is quick
//! when everything is present, so the README's two commands are the whole
//! set-up on a fresh machine.
mod bench;
mod floor;
mod golden;
mod install;
mod ioctls;
mod phoenix;
mod python;

use std::{
    env,
    path::{Path, PathBuf},
    process::{Child, Command, ExitCode, Stdio},
    thread,
    time::{Duration, Instant},
};

use anyhow::{Context as _, bail};
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(about = "renacer developer tasks")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Install missing build and test dependencies (LLVM 22, rust-src, bpf-linker, strace).
    Setup,
    /// Setup, then a release build of the workspace (eBPF programs included).
    Build,
    /// Setup, build, start a daemon on a temporary socket, trace a sample command, stop it.
    Demo,
    /// Setup, then every test, including the root-only ones that load the real programs.
    Test {
        /// Extra arguments for `cargo test`.
        #[arg(last = true)]
        args: Vec<String>,
    },
    /// Overhead of renacer versus untraced, strace and bpftrace on a syscall storm.
    Bench(bench::BenchArgs),
    /// Setup, release build, then refresh golden_traces/ from the examples.
    Bless,
    /// Release build, then install the binaries, the systemd unit and the `renacer` group.
    Install(install::InstallArgs),
    /// Regenerate renacer-trace/src/ioctls.rs from the UAPI and libdrm headers.
    GenIoctls,
}

fn main() -> ExitCode {
    // `cargo xtask` runs us with cargo's target directories in LD_LIBRARY_PATH;
    // the traced samples and bench workloads would search them for libc, which
    // is noise in their traces and timings.
    // SAFETY: no other thread exists yet.
    unsafe { env::remove_var("LD_LIBRARY_PATH") };
    let cli = Cli::parse();
    let result = match cli.task {
        Task::Setup => setup(),
        Task::Build => setup().and_then(|()| build_release()),
        Task::Demo => setup().and_then(|()| build_release()).and_then(|()| demo()),
        Task::Test { args } => setup().and_then(|()| test(&args)),
        Task::Bench(args) => setup()
            .and_then(|()| build_release())
            .and_then(|()| bench::run(&args)),
        Task::Bless => setup()
            .and_then(|()| build_release())
            .and_then(|()| golden::bless()),
        Task::Install(args) => install::run_install(&args),
        Task::GenIoctls => ioctls::generate(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask: {err:#}");
            ExitCode::FAILURE
        }
    }
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

fn cargo_home_bin() -> PathBuf {
    env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from("/root/.cargo"))
        .join("bin")
}

pub fn run(cmd: &mut Command) -> anyhow::Result<()> {
    let status = cmd.status().with_context(|| format!("running {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed: {status}");
    }
    Ok(())
}

pub fn succeeds(cmd: &mut Command) -> bool {
    cmd.stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

fn dpkg_installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).contains("install ok installed"))
}

/// Installs Debian packages that are missing (one `apt-get update` at most).
pub fn ensure_debian_packages(packages: &[&str]) -> anyhow::Result<()> {
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|package| !dpkg_installed(package))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("xtask: installing {}", missing.join(" "));
    run(Command::new("apt-get").args(["update", "-qq"]))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "-qq", "--no-install-recommends"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

fn setup() -> anyhow::Result<()> {
    let started = Instant::now();
    ensure_debian_packages(&[
        "llvm-22-dev",
        "libpolly-22-dev",
        "strace",
        "gcc",
        "libc6-dev",
        // renacerctl/tests/deploy.rs: systemd-analyze verify, setpriv.
        "systemd",
        "util-linux",
        // renacerctl/tests/report.rs: the HTML report in a real headless browser.
        "chromium",
    ])?;

    let sysroot = Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .context("running rustc")?;
    let sysroot = PathBuf::from(String::from_utf8_lossy(&sysroot.stdout).trim());
    if !sysroot.join("lib/rustlib/src/rust/library/core").is_dir() {
        eprintln!("xtask: installing rust-src");
        run(Command::new("rustup").args(["component", "add", "rust-src"]))?;
    }

    let linker = cargo_home_bin().join("bpf-linker");
    if !succeeds(Command::new(&linker).arg("--version")) {
        eprintln!("xtask: building bpf-linker against LLVM 22 (about a minute)");
        let path = format!(
            "/usr/lib/llvm-22/bin:{}",
            env::var("PATH").unwrap_or_default()
        );
        run(Command::new("cargo")
            .args([
                "install",
                "bpf-linker",
                "--locked",
                "--no-default-features",
                "--features",
                "llvm-22",
            ])
            .env("LLVM_PREFIX", "/usr/lib/llvm-22")
            .env("PATH", path))?;
    }
    phoenix::ensure()?;
    eprintln!(
        "xtask: setup complete ({:.1}s)",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The PATH the builds need: bpf-linker lives in cargo's bin directory.
pub fn build_path() -> String {
    format!(
        "{}:{}",
        cargo_home_bin().display(),
        env::var("PATH").unwrap_or_default()
    )
}

fn build_release() -> anyhow::Result<()> {
    run(Command::new("cargo")
        .args(["build", "--release"])
        .current_dir(workspace_root())
        .env("PATH", build_path()))
}

fn test(args: &[String]) -> anyhow::Result<()> {
    // SAFETY: plain syscall.
    if unsafe { libc::geteuid() } != 0 {
        bail!("the integration tests load eBPF programs: run `sudo -E cargo xtask test`");
    }
    run(Command::new("cargo")
        .args(["build", "--all-targets"])
        .current_dir(workspace_root())
        .env("PATH", build_path()))?;
    // --no-fail-fast: one failing test binary must not hide the others' results.
    let cargo_tests = run(Command::new("cargo")
        .args(["test", "--no-fail-fast"])
        .args(args)
        .current_dir(workspace_root())
        .env("PATH", build_path()));
    // The Python CI-runner test runs even when a Rust test failed.
    let python_test = python::run_ci_runner_test();
    cargo_tests.and(python_test)
}

/// A daemon started by xtask, stopped by PID when dropped.
#[derive(Debug)]
pub struct DaemonGuard {
    child: Child,
    pub socket: PathBuf,
}

impl DaemonGuard {
    pub fn start(socket: &Path, extra_args: &[&str]) -> anyhow::Result<Self> {
        let daemon = workspace_root().join("target/release/renacer-daemon");
        // Private, root-only sockets: no `renacer` group needed.
        let child = Command::new(&daemon)
            .arg("--socket")
            .arg(socket)
            .args(["--group", "root"])
            .args(extra_args)
            .env("RENACER_LOG", "warn")
            .spawn()
            .with_context(|| format!("starting {}", daemon.display()))?;
        let mut guard = Self {
            child,
            socket: socket.to_path_buf(),
        };
        // Verifying the programs takes seconds; more on a busy machine.
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::os::unix::net::UnixStream::connect(socket).is_err() {
            if let Some(status) = guard.child.try_wait()? {
                bail!("renacer-daemon exited during start-up: {status}");
            }
            if Instant::now() > deadline {
                bail!(
                    "renacer-daemon did not listen on {} within 60s",
                    socket.display()
                );
            }
            thread::sleep(Duration::from_millis(50));
        }
        Ok(guard)
    }
}

impl DaemonGuard {
    /// A `/proc/PID/status` field of the daemon in KiB (0 when unreadable).
    pub fn status_kib(&self, field: &str) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .ok()
            .and_then(|status| {
                status
                    .lines()
                    .find_map(|line| line.strip_prefix(field))
                    .and_then(|value| value.trim().trim_end_matches(" kB").parse().ok())
            })
            .unwrap_or(0)
    }
}

impl Drop for DaemonGuard {
    fn drop(&mut self) {
        // SIGTERM for a clean detach; SIGKILL if it does not stop in time.
        stop_child(&mut self.child, Duration::from_secs(10));
    }
}

/// Stops our own child by PID: SIGTERM, then SIGKILL after `grace`.
pub fn stop_child(child: &mut Child, grace: Duration) {
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        if matches!(child.try_wait(), Ok(Some(_))) {
            return;
        }
        thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

pub fn renacerctl() -> PathBuf {
    workspace_root().join("target/release/renacerctl")
}

fn demo() -> anyhow::Result<()> {
    let dir = env::temp_dir().join(format!("renacer-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let socket = dir.join("renacer.sock");
    let daemon = DaemonGuard::start(&socket, &[])?;
    let sample = [
        "sh",
        "-c",
        "echo 'hello from a traced shell' > /tmp/renacer-demo.txt && cat /tmp/renacer-demo.txt && rm /tmp/renacer-demo.txt",
    ];
    println!("\n== renacerctl capture -- {}\n", sample.join(" "));
    run(Command::new(renacerctl())
        .arg("--socket")
        .arg(&daemon.socket)
        .arg("capture")
        .arg("--")
        .args(sample)
        .stderr(Stdio::inherit()))?;
    println!("\n== renacerctl capture -c -- {}\n", sample.join(" "));
    run(Command::new(renacerctl())
        .arg("--socket")
        .arg(&daemon.socket)
        .args(["capture", "-c", "--"])
        .args(sample))?;
    println!("\n== renacerctl status\n");
    run(Command::new(renacerctl())
        .arg("--socket")
        .arg(&daemon.socket)
        .arg("status"))?;
    drop(daemon);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
