//! Rendering a capture as it streams: strace-like lines, the -c table, or a
//! renacer-json-v1 trace at the end.
use std::io::{self, Write};

use renacer_proto::v1 as pb;
use renacer_trace::{
    SyscallRecord,
    decode::{escape_bytes, format_line_with_args},
    json::{Drops, JsonCaptured, JsonSyscall, ProcessInfo, TraceFile},
    summary::{Summary, render_table},
    text::{TextOptions, format_line},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// strace-like lines.
    Text,
    /// One renacer-json-v1 document when the capture ends.
    Json,
}

pub struct Renderer {
    out: Box<dyn Write>,
    format: Format,
    summary_only: bool,
    text: TextOptions,
    records: Vec<JsonSyscall>,
}

/// What the daemon reports when the capture ends.
#[derive(Debug, Default)]
pub struct Ending {
    pub trace_id: String,
    pub process: ProcessInfo,
    pub summary: Summary,
    pub kernel_drops: u64,
    pub subscriber_drops: u64,
    pub buffer_drops: u64,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer")
            .field("format", &self.format)
            .field("summary_only", &self.summary_only)
            .finish_non_exhaustive()
    }
}

impl Renderer {
    pub fn new(out: Box<dyn Write>, format: Format, summary_only: bool) -> Self {
        Self {
            out,
            format,
            summary_only,
            text: TextOptions {
                show_pid: false,
                show_duration: true,
            },
            records: Vec::new(),
        }
    }

    /// More than one process is traced from now on: prefix lines with the pid.
    pub fn multi_process(&mut self) {
        self.text.show_pid = true;
    }

    pub fn record(&mut self, wire: &pb::SyscallRecord) -> io::Result<()> {
        let record = SyscallRecord::from(wire);
        match self.format {
            Format::Text if !self.summary_only => {
                // Daemons that do not decode send raw values only.
                let line = if wire.decoded_args.is_empty() {
                    format_line(&record, &self.text)
                } else {
                    format_line_with_args(&record, &wire.decoded_args, &self.text)
                };
                writeln!(self.out, "{line}")
            }
            Format::Json => {
                let call = if wire.decoded_args.is_empty() {
                    JsonSyscall::from(&record)
                } else {
                    JsonSyscall::decoded(
                        &record,
                        wire.decoded_args.clone(),
                        wire.captured.iter().map(captured_to_json).collect(),
                    )
                };
                self.records.push(call);
                Ok(())
            }
            Format::Text => Ok(()),
        }
    }

    pub fn finish(mut self, ending: &Ending) -> io::Result<()> {
        match self.format {
            Format::Text => {
                if self.summary_only {
                    write!(self.out, "{}", render_table(&ending.summary))?;
                }
            }
            Format::Json => {
                let drops = Drops {
                    kernel: ending.kernel_drops,
                    daemon: ending.subscriber_drops + ending.buffer_drops,
                };
                let file = TraceFile::from_syscalls(
                    ending.trace_id.clone(),
                    ending.process.clone(),
                    std::mem::take(&mut self.records),
                    drops,
                );
                writeln!(self.out, "{}", file.to_json_pretty())?;
            }
        }
        self.out.flush()
    }
}

fn captured_to_json(captured: &pb::CapturedArg) -> JsonCaptured {
    JsonCaptured {
        arg: captured.arg,
        items: captured
            .items
            .iter()
            .map(|item| escape_bytes(item))
            .collect(),
        truncated: captured.truncated,
    }
}

/// One line on stderr when anything was lost, so it is never silent.
pub fn report_drops(ending: &Ending) {
    let lost = ending.kernel_drops + ending.subscriber_drops + ending.buffer_drops;
    if lost > 0 {
        eprintln!(
            "renacerctl: {lost} events lost (kernel {}, slow subscriber {}, buffer limit {})",
            ending.kernel_drops, ending.subscriber_drops, ending.buffer_drops
        );
    }
}
