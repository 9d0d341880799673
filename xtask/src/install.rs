//! `cargo xtask install`: the release binaries, the systemd unit and the
//! `renacer` group.
//!
//! With `--destdir` everything is staged under that directory (for a package
//! build) and the system is left alone: no group is created and systemd is
//! not reloaded.
use std::{
    fs,
    os::unix::fs::PermissionsExt as _,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context as _, bail};

use crate::{run, workspace_root};

/// The unit as shipped; its ExecStart names this path.
const UNIT_TEMPLATE: &str = "deploy/systemd/renacer-daemon.service";
const UNIT_NAME: &str = "renacer-daemon.service";
const SHIPPED_BINARY: &str = "/usr/local/bin/renacer-daemon";
const BINARIES: [&str; 2] = ["renacer-daemon", "renacerctl"];
const GROUP: &str = "renacer";

#[derive(Debug, clap::Args)]
pub struct InstallArgs {
    /// Installation prefix: the binaries go to PREFIX/bin.
    #[arg(long, default_value = "/usr/local")]
    prefix: PathBuf,
    /// Stage under this directory instead of the live system (no group, no
    /// systemctl daemon-reload).
    #[arg(long)]
    destdir: Option<PathBuf>,
    /// Where the systemd unit goes (under --destdir when given).
    #[arg(long, default_value = "/etc/systemd/system")]
    unit_dir: PathBuf,
    /// Install the binaries found in this directory instead of building
    /// target/release first.
    #[arg(long)]
    from: Option<PathBuf>,
}

pub fn run_install(args: &InstallArgs) -> anyhow::Result<()> {
    let from = match &args.from {
        Some(dir) => dir.clone(),
        None => {
            // bpf-linker and LLVM for the eBPF programs.
            crate::setup()?;
            run(Command::new("cargo")
                .args([
                    "build",
                    "--release",
                    "-p",
                    "renacer-daemon",
                    "-p",
                    "renacerctl",
                ])
                .current_dir(workspace_root())
                .env("PATH", crate::build_path()))?;
            workspace_root().join("target/release")
        }
    };
    let stage = |path: &Path| match &args.destdir {
        Some(destdir) => destdir.join(path.strip_prefix("/").unwrap_or(path)),
        None => path.to_path_buf(),
    };
    let bin_dir = args.prefix.join("bin");
    let staged_bin = stage(&bin_dir);
    fs::create_dir_all(&staged_bin)
        .with_context(|| format!("creating {}", staged_bin.display()))?;
    for name in BINARIES {
        let source = from.join(name);
        if !source.is_file() {
            bail!(
                "{} does not exist: run `cargo xtask build` first or pass --from DIR",
                source.display()
            );
        }
        install_file(&source, &staged_bin.join(name), 0o755)?;
    }

    let template = fs::read_to_string(workspace_root().join(UNIT_TEMPLATE))
        .with_context(|| format!("reading {UNIT_TEMPLATE}"))?;
    let unit = unit_for(&template, &bin_dir.join("renacer-daemon"))?;
    let staged_units = stage(&args.unit_dir);
    fs::create_dir_all(&staged_units)
        .with_context(|| format!("creating {}", staged_units.display()))?;
    let unit_path = staged_units.join(UNIT_NAME);
    fs::write(&unit_path, unit).with_context(|| format!("writing {}", unit_path.display()))?;
    fs::set_permissions(&unit_path, fs::Permissions::from_mode(0o644))?;
    eprintln!("xtask: installed {}", unit_path.display());

    if args.destdir.is_some() {
        eprintln!(
            "xtask: staged only; on the target system run `groupadd --system {GROUP}` and `systemctl daemon-reload`"
        );
        return Ok(());
    }
    ensure_group(GROUP)?;
    if systemd_is_running() {
        run(Command::new("systemctl").arg("daemon-reload"))?;
        eprintln!("xtask: systemd reloaded; start it with `systemctl enable --now {UNIT_NAME}`");
    } else {
        eprintln!("xtask: systemd is not running here; not reloading it");
    }
    Ok(())
}

/// The shipped unit with ExecStart pointing at `daemon`.
fn unit_for(template: &str, daemon: &Path) -> anyhow::Result<String> {
    if !template.contains(&format!("ExecStart={SHIPPED_BINARY} ")) {
        bail!("{UNIT_TEMPLATE} has no `ExecStart={SHIPPED_BINARY} ...` line to rewrite");
    }
    Ok(template.replace(
        &format!("ExecStart={SHIPPED_BINARY} "),
        &format!("ExecStart={} ", daemon.display()),
    ))
}

/// Copies through a temporary file and a rename, so a running binary is
/// replaced rather than overwritten (ETXTBSY).
fn install_file(source: &Path, target: &Path, mode: u32) -> anyhow::Result<()> {
    let partial = target.with_extension("xtask-partial");
    fs::copy(source, &partial)
        .with_context(|| format!("copying {} to {}", source.display(), partial.display()))?;
    fs::set_permissions(&partial, fs::Permissions::from_mode(mode))?;
    fs::rename(&partial, target).with_context(|| format!("installing {}", target.display()))?;
    eprintln!("xtask: installed {}", target.display());
    Ok(())
}

/// `groupadd --system NAME` unless the group exists.
pub fn ensure_group(name: &str) -> anyhow::Result<()> {
    if crate::succeeds(Command::new("getent").args(["group", name])) {
        return Ok(());
    }
    run(Command::new("groupadd").args(["--system", name]))
        .with_context(|| format!("creating group {name} (are you root?)"))?;
    eprintln!("xtask: created group {name}");
    Ok(())
}

/// sd_booted(3): systemd is PID 1 when /run/systemd/system exists.
fn systemd_is_running() -> bool {
    Path::new("/run/systemd/system").is_dir()
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "tests fail loudly")]
    use super::*;

    #[test]
    fn exec_start_follows_the_prefix() {
        let template = "[Service]\nExecStart=/usr/local/bin/renacer-daemon --socket /run/renacer/renacer.sock\n";
        let unit = unit_for(template, Path::new("/opt/renacer/bin/renacer-daemon")).unwrap();
        assert!(unit.contains("ExecStart=/opt/renacer/bin/renacer-daemon --socket"));
        assert!(unit_for("[Service]\n", Path::new("/x")).is_err());
    }
}
