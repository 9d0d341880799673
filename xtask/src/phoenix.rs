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
        .args(["-c", "import importlib.metadata as m; print(m.version('arize-phoenix'))"])
        .output()
        .is_ok_and(|out| {
            out.status.success()
                && PACKAGE.ends_with(String::from_utf8_lossy(&out.stdout).trim())
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
    run(Command::new(&python)
        .args(["-m", "pip", "install", "-q", "--disable-pip-version-check", PACKAGE]))?;
    anyhow::ensure!(phoenix.is_file(), "{} missing after pip install", phoenix.display());
    Ok(phoenix)
}
