//! `cargo xtask bless`: refresh golden_traces/ in one command (release
//! build, a private daemon, `renacerctl golden capture --bless`).
use std::{env, process::Command};

use crate::{DaemonGuard, renacerctl, run, workspace_root};

pub fn bless() -> anyhow::Result<()> {
    let dir = env::temp_dir().join(format!("renacer-bless-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let daemon = DaemonGuard::start(&dir.join("renacer.sock"), &[])?;
    let result = run(Command::new(renacerctl())
        .arg("--socket")
        .arg(&daemon.socket)
        .args(["golden", "capture", "--bless"])
        .current_dir(workspace_root()));
    drop(daemon);
    let _ = std::fs::remove_dir_all(&dir);
    result
}
