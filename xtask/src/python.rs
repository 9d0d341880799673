//! The Python CI-runner test (tests/python/test_ci_runner.py): a venv with
//! grpcio, grpcio-tools and grpcio-reflection under target/, created once and reused.
use std::{path::PathBuf, process::Command};

use anyhow::Context as _;

use crate::{ensure_debian_packages, run, succeeds, workspace_root};

const PACKAGES: &[&str] = &["grpcio", "grpcio-tools", "grpcio-reflection"];

fn venv() -> PathBuf {
    workspace_root().join("target/python-venv")
}

/// Creates the venv and installs the packages, unless they are there.
fn ensure_venv() -> anyhow::Result<PathBuf> {
    let python = venv().join("bin/python");
    if succeeds(Command::new(&python).args(["-c", "import grpc, grpc_tools, grpc_reflection"])) {
        return Ok(python);
    }
    ensure_debian_packages(&["python3-venv"])?;
    eprintln!(
        "xtask: creating {} with {}",
        venv().display(),
        PACKAGES.join(" ")
    );
    // The system interpreter: a pyenv shim may point elsewhere.
    run(Command::new("/usr/bin/python3")
        .arg("-m")
        .arg("venv")
        .arg(venv()))?;
    run(Command::new(venv().join("bin/pip"))
        .args(["install", "--quiet", "--disable-pip-version-check"])
        .args(PACKAGES))?;
    Ok(python)
}

/// Runs the test against the debug build; fails when any of its tests fails.
pub fn run_ci_runner_test() -> anyhow::Result<()> {
    let python = ensure_venv().context("setting up the Python test venv")?;
    run(Command::new(python)
        .arg(workspace_root().join("tests/python/test_ci_runner.py"))
        .env("RENACER_BIN_DIR", workspace_root().join("target/debug"))
        .current_dir(workspace_root()))
}
