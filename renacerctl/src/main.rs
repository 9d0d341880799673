//! renacerctl: the control CLI of renacer-daemon.
//!
//! Exit codes: one table for every subcommand, in [`renacerctl::exit`].
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use renacerctl::{DEFAULT_SOCKET, capture, ci, client, exit, golden, report, run_async, top};

/// Control renacer-daemon: capture the syscalls of process trees via eBPF.
#[derive(Debug, Parser)]
#[command(version, after_help = exit::TABLE)]
struct Cli {
    /// The daemon's Unix socket, or https://HOST:PORT for a --listen daemon
    /// (with --tls-ca, --tls-cert, --tls-key), or http://127.0.0.1:PORT for
    /// one with --insecure-plaintext-tcp.
    #[arg(long, global = true, env = "RENACER_SOCKET", default_value = DEFAULT_SOCKET)]
    socket: String,
    #[command(flatten)]
    tls: client::TlsArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Trace a running process (--pid) or a command (-- CMD ARGS...) and its descendants.
    Capture(Box<capture::CaptureArgs>),
    /// Show the daemon's version, attached programs and counters.
    Status,
    /// Live table of the busiest processes and syscalls (continuous mode).
    Top(top::TopArgs),
    /// Turn continuous profiling (in-kernel aggregates) on or off.
    Continuous(top::ContinuousArgs),
    /// Are two traces equivalent in what they did to the outside world? (exit 0 yes, 1 no, 2 error)
    Compare(ci::CompareArgs),
    /// Check a trace, or a command's capture, against renacer.toml budgets (exit 1 on failure).
    Assert(ci::AssertArgs),
    /// Analyze a trace: --critical-path, --gpu.
    Analyze(ci::AnalyzeArgs),
    /// Convert a trace between JSON and the --compress form.
    Convert(ci::ConvertArgs),
    /// Golden traces of the examples: `capture --bless` or `check`.
    Golden(golden::GoldenArgs),
    /// One self-contained HTML report of a trace: summary, findings, critical path, timelines, flamegraphs.
    Report(report::ReportArgs),
    /// An SVG flamegraph of a trace: syscall time by source stack, or --critical-path.
    Flamegraph(report::FlamegraphArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) if !err.use_stderr() => err.exit(),
        Err(err) => {
            eprint!(
                "{}",
                exit::usage_without_global_options(&err.render().to_string())
            );
            return ExitCode::from(exit::USAGE);
        }
    };
    client::set_tls(cli.tls.clone());
    // Writes to a closed pipe must fail with EPIPE (handled as success), not kill us.
    // SAFETY: setting a signal disposition before any thread exists.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
    let result = match cli.command {
        Command::Capture(args) => capture::run(&cli.socket, *args),
        Command::Status => run_async(client::status(cli.socket.clone())).map(|()| 0),
        Command::Top(args) => run_async(top::top(cli.socket.clone(), args)).map(|()| 0),
        Command::Continuous(args) => {
            run_async(top::continuous(cli.socket.clone(), args)).map(|()| 0)
        }
        Command::Compare(args) => Ok(ci::compare_command(args)),
        Command::Assert(args) => Ok(ci::assert_command(&cli.socket, args)),
        Command::Analyze(args) => Ok(ci::analyze_command(args)),
        Command::Convert(args) => Ok(ci::convert_command(args)),
        Command::Golden(args) => Ok(golden::golden_command(&cli.socket, args)),
        Command::Report(args) => Ok(report::report_command(args)),
        Command::Flamegraph(args) => Ok(report::flamegraph_command(args)),
    };
    ExitCode::from(exit::exit_code(result, exit::FAILURE))
}
