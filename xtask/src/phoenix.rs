//! Arize Phoenix, the OpenTelemetry backend the OTLP end-to-end tests and the
//! bench export to: installed from PyPI into a virtualenv outside the work tree.
use std::{path::PathBuf, process::Command};

use anyhow::Context as _;

use crate::{ensure_debian_packages, run};

/// The virtualenv; renacerctl/tests/otlp.rs looks here too (or at $RENACER_PHOENIX).
pub const VENV: &str = "/var/cache/renacer/phoenix-venv";
/// The version the tests were written against (its REST API shape).
const PACKAGE: &str = "arize-phoenix==20.26.1";

/// The `phoenix` executable, installed first when missing. Quick when present.
pub fn ensure() -> anyhow::Result<PathBuf> {
    let venv = PathBuf::from(VENV);
    let phoenix = venv.join("bin/phoenix");
    let python = venv.join("bin/python");
    let installed = Command::new(&python)
        .args([
            "-c",
            "import importlib.metadata as m; print(m.version('arize-phoenix'))",
        ])
        .output()
        .is_ok_and(|out| {
            out.status.success() && PACKAGE.ends_with(String::from_utf8_lossy(&out.stdout).trim())
        });
    if installed && phoenix.is_file() {
        return Ok(phoenix);
    }
    eprintln!("xtask: installing {PACKAGE} into {VENV} (a few minutes, once)");
    std::fs::create_dir_all(&venv).with_context(|| format!("creating {VENV}"))?;
    let python3 = if Command::new("python3")
        .args(["-c", "import venv, ensurepip"])
        .status()
        .is_ok_and(|status| status.success())
    {
        "python3"
    } else {
        ensure_debian_packages(&["python3-venv"])?;
        "/usr/bin/python3"
    };
    run(Command::new(python3).args(["-m", "venv"]).arg(&venv))?;
    run(Command::new(&python).args([
        "-m",
        "pip",
        "install",
        "-q",
        "--disable-pip-version-check",
        PACKAGE,
    ]))?;
    anyhow::ensure!(
        phoenix.is_file(),
        "{} missing after pip install",
        phoenix.display()
    );
    Ok(phoenix)
}

/// A private Phoenix for the bench, stopped by PID on drop.
#[derive(Debug)]
pub struct PhoenixGuard {
    child: std::process::Child,
    pub grpc_port: u16,
    dir: PathBuf,
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

impl PhoenixGuard {
    pub fn start() -> anyhow::Result<Self> {
        use std::{
            net::TcpStream,
            process::Stdio,
            thread,
            time::{Duration, Instant},
        };
        let exe = ensure()?;
        let dir =
            std::env::temp_dir().join(format!("renacer-bench-phoenix-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let (http_port, grpc_port) = (free_port()?, free_port()?);
        let child = Command::new(&exe)
            .arg("serve")
            .current_dir(&dir)
            .env("PHOENIX_WORKING_DIR", &dir)
            .env("PHOENIX_HOST", "127.0.0.1")
            .env("PHOENIX_PORT", http_port.to_string())
            .env("PHOENIX_GRPC_PORT", grpc_port.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", exe.display()))?;
        let mut guard = Self {
            child,
            grpc_port,
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(180);
        while TcpStream::connect(("127.0.0.1", http_port)).is_err()
            || TcpStream::connect(("127.0.0.1", grpc_port)).is_err()
        {
            if let Some(status) = guard.child.try_wait()? {
                anyhow::bail!("phoenix exited during start-up: {status}");
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "phoenix did not start within 180s"
            );
            thread::sleep(Duration::from_millis(250));
        }
        Ok(guard)
    }
}

impl Drop for PhoenixGuard {
    fn drop(&mut self) {
        crate::stop_child(&mut self.child, std::time::Duration::from_secs(15));
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The bench's OTLP rows: (name, extra `capture` flags). All on the default
/// (classic tracepoint) daemon with `-c`, so the difference to the plain `-c`
/// row is the OTLP export alone: the span model on the reader thread, the
/// queue and the exporter.
pub fn bench_modes(phoenix: &PhoenixGuard) -> anyhow::Result<Vec<(&'static str, Vec<String>)>> {
    let phoenix_url = format!("http://127.0.0.1:{}", phoenix.grpc_port);
    let unreachable = format!("http://127.0.0.1:{}", free_port()?);
    Ok(vec![
        (
            "-c + OTLP to Phoenix, default policy",
            vec!["--otlp".into(), phoenix_url.clone()],
        ),
        (
            "-c + OTLP, unreachable endpoint",
            vec!["--otlp".into(), unreachable.clone()],
        ),
        // Per-call spans go to the unreachable endpoint: Phoenix ingesting
        // 100k spans would load the 2 cores well into the next rows.
        (
            "-c + OTLP span per call (cap), unreachable",
            vec![
                "--otlp".into(),
                unreachable,
                "--span-threshold".into(),
                "1ns".into(),
            ],
        ),
    ])
}
