//! `report` and `flamegraph`: what a trace looks like, for people. Both read
//! a trace file (renacer-json-v1 or --compress'ed) and need no daemon.
use std::path::PathBuf;

use anyhow::Context as _;
use renacer_analysis::flame::{self, FlameKind};

use crate::{
    background::report_drops,
    ci::exit_code,
    traces::{read_trace, write_output},
};

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The trace (renacer-json-v1 or --compress'ed; `-`: stdin).
    trace: PathBuf,
    /// The HTML file to write (`-`: stdout).
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
}

/// One self-contained HTML page: summary, findings, critical path,
/// timelines and flamegraphs.
pub fn report_command(args: ReportArgs) -> u8 {
    exit_code((|| {
        let trace = read_trace(&args.trace)?;
        report_drops(&trace, &args.trace.display().to_string());
        let page = renacer_analysis::report::render_html(&trace);
        write_output(&args.output, page.as_bytes())?;
        Ok(0)
    })())
}

#[derive(Debug, clap::Args)]
pub struct FlamegraphArgs {
    /// The trace (renacer-json-v1 or --compress'ed; `-`: stdin).
    trace: PathBuf,
    /// The SVG file to write (`-`: stdout).
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
    /// Draw the critical path (in order) instead of syscall time by source stack.
    #[arg(long)]
    critical_path: bool,
    /// Write the folded stacks (`a;b;c NANOS`, for other flamegraph tools) instead of SVG.
    #[arg(long)]
    folded: bool,
}

/// An SVG flamegraph of syscall time by process and source stack (the
/// stacks of `capture --source`/`-k`), or of the critical path.
pub fn flamegraph_command(args: FlamegraphArgs) -> u8 {
    exit_code((|| {
        let trace = read_trace(&args.trace)?;
        report_drops(&trace, &args.trace.display().to_string());
        let kind = if args.critical_path {
            FlameKind::CriticalPath
        } else {
            FlameKind::Stacks
        };
        if kind == FlameKind::Stacks && trace.syscalls.iter().all(|c| c.source.is_none()) {
            eprintln!(
                "renacerctl: {} has no source stacks: the flamegraph shows processes and syscalls only (capture with --source or -k for stacks)",
                args.trace.display()
            );
        }
        let lines = flame::folded(&trace, kind);
        let bytes = if args.folded {
            let mut text = lines.join("\n");
            text.push('\n');
            text.into_bytes()
        } else {
            flame::render_svg(&lines, kind)
                .with_context(|| args.trace.display().to_string())?
                .into_bytes()
        };
        write_output(&args.output, &bytes)?;
        Ok(0)
    })())
}
