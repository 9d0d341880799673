//! Capturing a command through the background-capture API, as a CI runner
//! does: StartCapture, run the job, StopCapture, and the trace comes back.
use std::path::Path;

use anyhow::{Context as _, bail};
use renacer_proto::v1::{self as pb, StartCaptureRequest, StopCaptureRequest};
use renacer_trace::{
    json::{Drops, JsonSyscall, ProcessInfo, TraceFile},
    summary::Summary,
};

use crate::{
    capture::ParkedChild,
    client::{connect, status_error},
};

/// Bytes of written data the kernel is asked to keep per call, so that
/// comparisons see the data and not only its length.
pub const BUFFER_LIMIT: u32 = 4096;

/// A finished capture of one command.
#[derive(Debug)]
pub struct CapturedRun {
    pub trace: TraceFile,
    pub summary: Summary,
    /// The command's exit code (128+N when signal N killed it).
    pub exit_code: u8,
}

/// Runs `command` in `cwd` (the current directory when `None`), traced from
/// its execve, and returns its trace.
pub fn capture_command(
    socket: &str,
    command: &[String],
    cwd: Option<&Path>,
) -> anyhow::Result<CapturedRun> {
    if command.is_empty() {
        bail!("nothing to run: pass the command after --");
    }
    let mut child = match cwd {
        Some(dir) => {
            // The child inherits the directory; no other thread exists yet.
            let previous = std::env::current_dir().context("reading the current directory")?;
            std::env::set_current_dir(dir)
                .with_context(|| format!("entering {}", dir.display()))?;
            let child = ParkedChild::spawn(command);
            std::env::set_current_dir(&previous)
                .with_context(|| format!("returning to {}", previous.display()))?;
            child?
        }
        None => ParkedChild::spawn(command)?,
    };
    let pid = child.pid as u32;
    let started = crate::run_async(start(socket, pid, command));
    let capture_id = match started {
        Ok(id) => id,
        Err(err) => {
            // Not released: wait() kills it rather than let it run untraced.
            let _ = child.wait();
            return Err(err);
        }
    };
    child.release().context("starting the command")?;
    let exit_code = child.wait()?;
    let trace = crate::run_async(stop(socket, capture_id))?;
    Ok(CapturedRun {
        trace: trace_file(&trace)?,
        summary: trace
            .summary
            .as_ref()
            .map(Summary::from)
            .unwrap_or_default(),
        exit_code,
    })
}

async fn start(socket: &str, pid: u32, command: &[String]) -> anyhow::Result<u32> {
    let mut client = connect(socket).await?;
    let response = client
        .start_capture(StartCaptureRequest {
            pid,
            command: command.to_vec(),
            decode: Some(pb::DecodeOptions {
                path_limit: 0,
                buffer_limit: BUFFER_LIMIT,
            }),
            ..StartCaptureRequest::default()
        })
        .await
        .map_err(status_error)
        .context("StartCapture")?;
    Ok(response.into_inner().capture_id)
}

async fn stop(socket: &str, capture_id: u32) -> anyhow::Result<pb::Trace> {
    let mut client = connect(socket).await?;
    let response = client
        .stop_capture(StopCaptureRequest { capture_id })
        .await
        .map_err(status_error)
        .context("StopCapture")?;
    let trace = response
        .into_inner()
        .trace
        .context("the daemon's StopCapture response has no trace")?;
    crate::client::report_untraced(&trace.untraced_privileged_pids);
    Ok(trace)
}

/// The trace's renacer-json-v1 form: the daemon's, or built from the
/// records when an older daemon left `json` empty.
fn trace_file(trace: &pb::Trace) -> anyhow::Result<TraceFile> {
    if !trace.json.is_empty() {
        return renacer_analysis::load_trace(&trace.json)
            .context("the daemon returned an invalid trace document");
    }
    let drops = trace.drops.unwrap_or_default();
    Ok(TraceFile::from_syscalls(
        trace.trace_id.clone(),
        ProcessInfo {
            pid: trace.pid,
            command: trace.command.clone(),
        },
        trace.syscalls.iter().map(JsonSyscall::from).collect(),
        Drops {
            kernel: drops.kernel,
            daemon: drops.subscriber + drops.buffer,
        },
    ))
}

/// One line on stderr when the trace lost events, so it is never silent.
pub fn report_drops(trace: &TraceFile, what: &str) {
    if let Some(warning) = renacer_analysis::lost_events(trace) {
        eprintln!("renacerctl: {what}: {warning}");
    }
}
