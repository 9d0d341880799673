//! Capturing a command through the background-capture API, as a CI runner
//! does: StartCapture, run the job, StopCaptureStream, and the trace comes
//! back in chunks.
use std::path::Path;

use anyhow::{Context as _, bail};
use renacer_proto::v1::{self as pb, StartCaptureRequest, StopCaptureRequest};
use renacer_trace::{json::TraceFile, summary::Summary};

use crate::{
    capture::ParkedChild,
    client::{connect, status_error},
    exit,
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
    let (trace, summary) = crate::run_async(stop(socket, capture_id))?;
    Ok(CapturedRun {
        trace,
        summary,
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
                environment: false,
            }),
            ..StartCaptureRequest::default()
        })
        .await
        .map_err(status_error)
        .context("StartCapture")?;
    Ok(response.into_inner().capture_id)
}

/// Stops the capture and reads its trace as the daemon streams it.
async fn stop(socket: &str, capture_id: u32) -> anyhow::Result<(TraceFile, Summary)> {
    let mut client = connect(socket).await?;
    let mut stream = client
        .stop_capture_stream(StopCaptureRequest { capture_id })
        .await
        .map_err(status_error)
        .context("StopCaptureStream")?
        .into_inner();
    let mut json = Vec::new();
    while let Some(chunk) = stream.message().await.map_err(status_error)? {
        match chunk.part {
            Some(pb::trace_chunk::Part::Json(bytes)) => json.extend_from_slice(&bytes),
            Some(pb::trace_chunk::Part::End(end)) => {
                crate::client::report_untraced(&end.untraced_privileged_pids);
                let trace = renacer_analysis::load_trace_bytes(&json)
                    .context("the daemon returned an invalid trace document")?;
                let summary = end.summary.as_ref().map(Summary::from).unwrap_or_default();
                return Ok((trace, summary));
            }
            None => {}
        }
    }
    Err(exit::failure(
        exit::UNAVAILABLE,
        "the daemon ended the trace stream before its end",
    ))
}

/// One line on stderr when the trace lost events, so it is never silent.
pub fn report_drops(trace: &TraceFile, what: &str) {
    if let Some(warning) = renacer_analysis::lost_events(trace) {
        eprintln!("renacerctl: {what}: {warning}");
    }
}
