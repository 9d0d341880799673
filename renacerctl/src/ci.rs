//! The CI commands: `compare`, `assert`, `analyze` and `convert`.
//!
//! Exit codes (see [`crate::exit`]): 0 pass, 1 a divergence or failed
//! assertion, 2 a usage or input error (reported as one line on stderr).
use std::path::PathBuf;

use anyhow::Context as _;
use renacer_analysis::{CompareOptions, assertions, compare, critical_path, gpu};

use crate::{
    background::{capture_command, report_drops},
    exit::emit,
    traces::{read_trace, write_trace},
};

/// Errors of the CI commands are input errors (2) unless they say otherwise,
/// so that CI can tell "the check failed" (1) from "the check could not run".
pub fn exit_code(result: anyhow::Result<u8>) -> u8 {
    crate::exit::exit_code(result, crate::exit::USAGE)
}

#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// The baseline (golden) trace: renacer-json-v1 or --compress'ed.
    baseline: PathBuf,
    /// The trace to check against it.
    candidate: PathBuf,
    /// Allowed drift of the syscall totals, in percent. When given, drift
    /// beyond it fails the comparison; without it the totals are checked
    /// against 5% for information only.
    #[arg(long, value_name = "PCT")]
    tolerance: Option<f64>,
    /// Effects on paths under this prefix are noise (repeatable).
    #[arg(long, value_name = "PREFIX")]
    ignore_path: Vec<String>,
}

pub fn compare_command(args: CompareArgs) -> u8 {
    exit_code((|| {
        let baseline = read_trace(&args.baseline)?;
        let candidate = read_trace(&args.candidate)?;
        let mut options = CompareOptions::with_tolerance_percent(args.tolerance)
            .map_err(anyhow::Error::msg)
            .context("--tolerance")?;
        options.ignore_paths = args.ignore_path;
        let report = compare(&baseline, &candidate, &options);
        emit(&report.to_string())?;
        Ok(u8::from(!report.passed))
    })())
}

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("subject").required(true).args(["trace", "command"])))]
pub struct AssertArgs {
    /// The renacer.toml with the [[assertion]] tables.
    #[arg(long, value_name = "FILE", default_value = "renacer.toml")]
    config: PathBuf,
    /// A trace to check (renacer-json-v1 or --compress'ed).
    trace: Option<PathBuf>,
    /// With a command: judge only the budgets, even when the command fails
    /// (by default a failing command fails the run with its exit code).
    #[arg(long, requires = "command")]
    allow_command_failure: bool,
    /// Or a command to capture and check, from its execve on.
    #[arg(last = true, value_name = "CMD")]
    command: Vec<String>,
}

pub fn assert_command(socket: &str, args: AssertArgs) -> u8 {
    exit_code((|| {
        let text = std::fs::read_to_string(&args.config)
            .with_context(|| format!("reading {}", args.config.display()))?;
        // Checked before running anything: a bad config must not cost a run.
        let config = assertions::parse_config(&text)
            .with_context(|| format!("{}", args.config.display()))?;
        let (trace, command_code) = match &args.trace {
            Some(path) => (read_trace(path)?, 0),
            None => {
                let run = capture_command(socket, &args.command, None)?;
                (run.trace, run.exit_code)
            }
        };
        let outcomes = assertions::evaluate(&config, &trace);
        emit(&assertions::report(&outcomes, &trace))?;
        if assertions::exit_code(&outcomes) != 0 {
            return Ok(crate::exit::REGRESSION);
        }
        if command_code != 0 && !args.allow_command_failure {
            eprintln!(
                "renacerctl: {} exited with {command_code}: the run fails with its code (--allow-command-failure judges only the budgets)",
                args.command[0]
            );
            return Ok(command_code);
        }
        Ok(crate::exit::SUCCESS)
    })())
}

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("analysis").required(true).multiple(true).args(["critical_path", "gpu"])))]
pub struct AnalyzeArgs {
    /// Print the longest weighted path through the happens-before graph.
    #[arg(long)]
    critical_path: bool,
    /// Print the GPU view: ioctls per device node (/dev/nvidia*, /dev/dri/*,
    /// /dev/kfd) and request, with `_IOC` fields, calls, errors and time.
    #[arg(long)]
    gpu: bool,
    /// The trace (renacer-json-v1 or --compress'ed).
    trace: PathBuf,
}

pub fn analyze_command(args: AnalyzeArgs) -> u8 {
    exit_code((|| {
        let trace = read_trace(&args.trace)?;
        report_drops(&trace, &args.trace.display().to_string());
        if args.critical_path {
            emit(&critical_path(&trace).to_string())?;
        }
        if args.gpu {
            emit(&gpu::render_table(&gpu::gpu_usage(&trace)))?;
        }
        Ok(0)
    })())
}

#[derive(Debug, clap::Args)]
pub struct ConvertArgs {
    /// The trace to read, in either form (`-`: stdin).
    input: PathBuf,
    /// Where to write it (`-`: stdout).
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
    /// Write the compact form (run-length encoded and deflated) instead of JSON.
    #[arg(long)]
    compress: bool,
}

pub fn convert_command(args: ConvertArgs) -> u8 {
    exit_code((|| {
        let trace = read_trace(&args.input)?;
        write_trace(&args.output, &trace, args.compress)?;
        Ok(0)
    })())
}
