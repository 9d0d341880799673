//! `renacerctl top` (a live table of the continuous-mode aggregates) and
//! `renacerctl continuous on|off` (turning continuous mode on and off).
use std::{
    fmt::Write as _,
    io::{IsTerminal as _, Write as _},
    time::Duration,
};

use anyhow::Context as _;
use renacer_proto::v1::{self as pb, tracer_client::TracerClient};
use tonic::transport::Channel;

use crate::{
    client::{connect, status_error},
    duration,
};

#[derive(Debug, clap::Args)]
pub struct TopArgs {
    /// Refresh interval; the rates after the first table cover it.
    #[arg(long, value_parser = duration::parse, default_value = "2s")]
    pub interval: Duration,
    /// Print this many tables, then exit (default: until interrupted).
    #[arg(long, short = 'n')]
    pub iterations: Option<u64>,
    /// Print one table and exit (same as --iterations 1).
    #[arg(long, conflicts_with = "iterations")]
    pub once: bool,
    /// Aggregate over this much history, e.g. 10m (default: the newest sample,
    /// then each refresh interval).
    #[arg(long, value_parser = duration::parse)]
    pub window: Option<Duration>,
    /// Rows per table.
    #[arg(long, default_value_t = 15)]
    pub limit: u32,
    /// Include renacer-daemon's own calls (reading the aggregates, serving
    /// RPCs), which are left out by default.
    #[arg(long)]
    pub include_daemon: bool,
}

#[derive(Debug, clap::Args)]
pub struct ContinuousArgs {
    #[command(subcommand)]
    pub action: ContinuousAction,
}

#[derive(Debug, clap::Subcommand)]
pub enum ContinuousAction {
    /// Start (or retarget) the in-kernel aggregates: system-wide by default.
    On {
        /// Only this process and its descendants.
        #[arg(long)]
        pid: Option<u32>,
        /// Only this cgroup v2 and its descendants (path relative to the cgroup2 mount).
        #[arg(long, conflicts_with = "pid")]
        cgroup: Option<String>,
    },
    /// Stop the aggregates; the history gathered so far stays readable with
    /// `top` (e.g. `top --once --window 10m`) until the daemon restarts.
    Off,
}

pub const CONTINUOUS_OFF: &str = "continuous mode is off and has no history: turn it on with `renacerctl continuous on` (or start renacer-daemon with --continuous)";

/// The first line under the header when continuous mode is off but its history is shown.
pub const HISTORY_ONLY: &str = "continuous mode is off: history gathered before `continuous off` (turn it on again with `renacerctl continuous on`)";

pub async fn continuous(socket: String, args: ContinuousArgs) -> anyhow::Result<()> {
    let mut client = connect(&socket).await?;
    let request = match args.action {
        ContinuousAction::On { pid, cgroup } => pb::SetContinuousRequest {
            enabled: true,
            pid: pid.unwrap_or(0),
            cgroup: cgroup.unwrap_or_default(),
        },
        ContinuousAction::Off => pb::SetContinuousRequest::default(),
    };
    let enabled = client
        .set_continuous(request)
        .await
        .map_err(status_error)?
        .into_inner()
        .enabled;
    println!("continuous mode {}", if enabled { "on" } else { "off" });
    Ok(())
}

async fn fetch(
    client: &mut TracerClient<Channel>,
    window: Option<Duration>,
    limit: u32,
    include_daemon: bool,
) -> anyhow::Result<pb::StatsResponse> {
    let window = window
        .map(prost_types::Duration::try_from)
        .transpose()
        .context("window out of range")?;
    let stats = client
        .stats(pb::StatsRequest {
            window,
            limit,
            include_daemon,
        })
        .await
        .map_err(status_error)?
        .into_inner();
    // Off, the history gathered while it was on stays readable.
    if !stats.enabled && stats.processes.is_empty() && stats.syscalls.is_empty() {
        return Err(crate::exit::usage(CONTINUOUS_OFF));
    }
    Ok(stats)
}

pub async fn top(socket: String, args: TopArgs) -> anyhow::Result<()> {
    let mut client = connect(&socket).await?;
    let iterations = if args.once { Some(1) } else { args.iterations };
    let refresh_screen = iterations != Some(1) && std::io::stdout().is_terminal();
    let mut stdout = std::io::stdout().lock();
    let mut shown = 0u64;
    loop {
        let window = args.window.or((shown > 0).then_some(args.interval));
        let stats = fetch(&mut client, window, args.limit, args.include_daemon).await?;
        let mut text = String::new();
        if refresh_screen {
            text.push_str("\x1b[H\x1b[2J");
        } else if shown > 0 {
            text.push('\n');
        }
        text.push_str(&render(&stats));
        stdout.write_all(text.as_bytes())?;
        stdout.flush()?;
        shown += 1;
        if iterations.is_some_and(|n| shown >= n) {
            return Ok(());
        }
        tokio::time::sleep(args.interval).await;
    }
}

/// A latency in the unit that keeps it short.
pub fn format_nanos(nanos: u64) -> String {
    match nanos {
        0..1_000 => format!("{nanos}ns"),
        1_000..1_000_000 => format!("{:.1}us", nanos as f64 / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1}ms", nanos as f64 / 1e6),
        _ => format!("{:.2}s", nanos as f64 / 1e9),
    }
}

fn seconds(duration: Option<&prost_types::Duration>) -> f64 {
    duration.map_or(0.0, |d| d.seconds as f64 + f64::from(d.nanos) / 1e9)
}

/// The top table: a header line, the busiest processes, the busiest syscalls.
pub fn render(stats: &pb::StatsResponse) -> String {
    let mut out = String::new();
    let total_rate = stats
        .syscalls
        .iter()
        .fold(0.0, |sum, s| sum + s.calls_per_second);
    let _ = writeln!(
        out,
        "renacer top - window {:.1}s, {:.0} syscalls/s, aggregate map {}/{} entries, {} updates lost to full maps",
        seconds(stats.window.as_ref()),
        total_rate,
        stats.map_entries,
        stats.map_capacity,
        stats.map_full_drops,
    );
    if !stats.enabled {
        let _ = writeln!(out, "{HISTORY_ONLY}");
    }
    let _ = writeln!(
        out,
        "\n{:>8} {:<16} {:>12} {:>10} {:>8} {:>10}  BUSIEST SYSCALLS",
        "PID", "COMMAND", "CALLS/S", "CALLS", "ERRORS", "TIME"
    );
    for process in &stats.processes {
        let pid = if process.exited {
            "exited".to_owned()
        } else {
            process.pid.to_string()
        };
        let busiest: Vec<String> = process
            .syscalls
            .iter()
            .take(3)
            .map(|s| format!("{} {}", s.name, s.calls))
            .collect();
        let _ = writeln!(
            out,
            "{pid:>8} {:<16} {:>12.1} {:>10} {:>8} {:>10}  {}",
            process.command,
            process.calls_per_second,
            process.calls,
            process.errors,
            format_nanos(process.total_nanos),
            busiest.join(", "),
        );
    }
    let _ = writeln!(
        out,
        "\n{:<20} {:>12} {:>10} {:>8} {:>10} {:>10} {:>10}",
        "SYSCALL", "CALLS/S", "CALLS", "ERRORS", "P50", "P99", "TIME"
    );
    for syscall in &stats.syscalls {
        let _ = writeln!(
            out,
            "{:<20} {:>12.1} {:>10} {:>8} {:>10} {:>10} {:>10}",
            syscall.name,
            syscall.calls_per_second,
            syscall.calls,
            syscall.errors,
            format_nanos(syscall.p50_nanos),
            format_nanos(syscall.p99_nanos),
            format_nanos(syscall.total_nanos),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn syscall(name: &str, calls: u64, p50: u64, p99: u64) -> pb::SyscallStats {
        pb::SyscallStats {
            name: name.into(),
            calls,
            errors: 1,
            total_nanos: calls * p50,
            calls_per_second: calls as f64 / 2.0,
            p50_nanos: p50,
            p99_nanos: p99,
            histogram: None,
        }
    }

    #[test]
    fn nanos_pick_a_short_unit() {
        assert_eq!(format_nanos(850), "850ns");
        assert_eq!(format_nanos(1_500), "1.5us");
        assert_eq!(format_nanos(2_345_000), "2.3ms");
        assert_eq!(format_nanos(3_000_000_000), "3.00s");
    }

    #[test]
    fn renders_processes_exited_folds_and_syscalls() {
        let stats = pb::StatsResponse {
            enabled: true,
            window: Some(prost_types::Duration {
                seconds: 2,
                nanos: 0,
            }),
            processes: vec![
                pb::ProcessStats {
                    pid: 4242,
                    command: "dd".into(),
                    calls: 2000,
                    errors: 0,
                    total_nanos: 500_000,
                    calls_per_second: 1000.0,
                    syscalls: vec![
                        syscall("read", 1000, 200, 900),
                        syscall("write", 1000, 300, 1200),
                    ],
                    exited: false,
                },
                pb::ProcessStats {
                    pid: 0,
                    command: "cc1".into(),
                    calls: 10,
                    exited: true,
                    ..Default::default()
                },
            ],
            syscalls: vec![syscall("read", 1000, 200, 900)],
            map_entries: 12,
            map_capacity: 32768,
            map_full_drops: 3,
        };
        let text = render(&stats);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].contains("window 2.0s"), "{text}");
        assert!(lines[0].contains("500 syscalls/s"), "{text}");
        assert!(
            lines[0].contains("12/32768 entries, 3 updates lost"),
            "{text}"
        );
        let dd = lines.iter().find(|l| l.contains(" dd ")).expect("dd row");
        assert!(dd.trim_start().starts_with("4242 dd"), "{dd}");
        assert!(dd.ends_with("read 1000, write 1000"), "{dd}");
        let folded = lines.iter().find(|l| l.contains("cc1")).expect("cc1 row");
        assert!(folded.trim_start().starts_with("exited cc1"), "{folded}");
        let read = lines
            .iter()
            .rfind(|l| l.starts_with("read"))
            .expect("read row");
        let fields: Vec<&str> = read.split_whitespace().collect();
        assert_eq!(
            fields,
            ["read", "500.0", "1000", "1", "200ns", "900ns", "200.0us"]
        );
    }
}
