//! Rendering a capture as it streams: strace-like lines, the -c table, or a
//! renacer-json-v1 trace written call by call.
use std::io::{self, Write};

use renacer_proto::v1 as pb;
use renacer_trace::{
    SyscallRecord,
    decode::{DecodeOptions, format_decoded_line, format_line_with_args},
    json::{Drops, JsonSyscall, ProcessInfo, TraceFile, TraceWriter},
    packed,
    summary::{Summary, render_table},
    text::{TextOptions, format_line},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// strace-like lines.
    Text,
    /// A renacer-json-v1 document, written as the calls arrive.
    Json,
}

/// Where records go as they arrive. Text and JSON are written as they
/// stream, so memory stays flat however long the capture; only the
/// `--compress` form needs the whole trace (its runs span the trace).
enum Sink {
    Text(Box<dyn Write>),
    /// Before `CaptureStarted` the trace id is unknown: the header waits.
    JsonPending(Box<dyn Write>),
    Json(TraceWriter<Box<dyn Write>>),
    Compressed {
        out: Box<dyn Write>,
        records: Vec<JsonSyscall>,
    },
    Done,
}

pub struct Renderer {
    sink: Sink,
    format: Format,
    summary_only: bool,
    text: TextOptions,
    decode: DecodeOptions,
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
    /// OTLP spans that did not reach the collector.
    pub otlp_unsent: u64,
    /// Times a lossless capture paused the traced processes.
    pub lossless_pauses: u64,
}

impl Ending {
    fn drops(&self) -> Drops {
        Drops {
            kernel: self.kernel_drops,
            daemon: self.subscriber_drops + self.buffer_drops,
        }
    }
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
    /// `compressed`: JSON output in the `--compress` form.
    pub fn new(
        out: Box<dyn Write>,
        format: Format,
        summary_only: bool,
        compressed: bool,
        decode: DecodeOptions,
    ) -> Self {
        let sink = match format {
            Format::Text => Sink::Text(out),
            Format::Json if compressed => Sink::Compressed {
                out,
                records: Vec::new(),
            },
            Format::Json => Sink::JsonPending(out),
        };
        Self {
            sink,
            format,
            summary_only,
            text: TextOptions {
                show_pid: false,
                show_duration: true,
            },
            decode,
        }
    }

    /// The capture started: a JSON document can begin.
    pub fn started(&mut self, trace_id: &str, process: &ProcessInfo) -> io::Result<()> {
        if let Sink::JsonPending(_) = self.sink
            && let Sink::JsonPending(out) = std::mem::replace(&mut self.sink, Sink::Done)
        {
            self.sink = Sink::Json(TraceWriter::begin(out, trace_id, process)?);
        }
        Ok(())
    }

    /// More than one process is traced from now on: prefix lines with the pid.
    pub fn multi_process(&mut self) {
        self.text.show_pid = true;
    }

    pub fn record(&mut self, wire: &pb::SyscallRecord) -> io::Result<()> {
        match &mut self.sink {
            Sink::Text(out) if !self.summary_only => {
                let record = SyscallRecord::from(wire);
                // Daemons that do not decode send raw values only.
                let line = if wire.decoded_args.is_empty() {
                    format_line(&record, &self.text)
                } else {
                    format_line_with_args(&record, &wire.decoded_args, &self.text)
                };
                writeln!(out, "{line}")
            }
            Sink::Json(writer) => writer.syscall(&JsonSyscall::from(wire)),
            Sink::Compressed { records, .. } => {
                records.push(JsonSyscall::from(wire));
                Ok(())
            }
            Sink::Text(_) | Sink::JsonPending(_) | Sink::Done => Ok(()),
        }
    }

    /// The calls of a packed batch (see renacer-trace's `packed`), decoded
    /// here as they are written.
    pub fn packed(&mut self, batch: &[u8]) -> anyhow::Result<()> {
        for call in packed::records(batch) {
            let (record, items) = call?;
            match &mut self.sink {
                Sink::Text(out) if !self.summary_only => {
                    let captured = packed::captured(items);
                    let line = format_decoded_line(&record, &captured, &self.text, &self.decode);
                    writeln!(out, "{line}")?;
                }
                Sink::Json(writer) => {
                    writer.syscall(&JsonSyscall::from_packed(&record, items, &self.decode))?;
                }
                Sink::Compressed { records, .. } => {
                    records.push(JsonSyscall::from_packed(&record, items, &self.decode));
                }
                Sink::Text(_) | Sink::JsonPending(_) | Sink::Done => {}
            }
        }
        Ok(())
    }

    /// A batch has been rendered: whoever follows the output sees it now.
    pub fn batch_done(&mut self) -> io::Result<()> {
        match &mut self.sink {
            Sink::Text(out) => out.flush(),
            Sink::Json(writer) => writer.flush(),
            Sink::JsonPending(_) | Sink::Compressed { .. } | Sink::Done => Ok(()),
        }
    }

    /// Ends the output. `incomplete` says why the capture ended early (a
    /// signal, the daemon gone): a JSON trace is still closed, and marked.
    pub fn finish(&mut self, ending: &Ending, incomplete: Option<&str>) -> io::Result<()> {
        match std::mem::replace(&mut self.sink, Sink::Done) {
            Sink::Text(mut out) => {
                if self.summary_only {
                    write!(out, "{}", render_table(&ending.summary))?;
                }
                out.flush()
            }
            Sink::JsonPending(out) => {
                let writer = TraceWriter::begin(out, &ending.trace_id, &ending.process)?;
                writer.finish(ending.drops(), incomplete).map(drop)
            }
            Sink::Json(writer) => writer.finish(ending.drops(), incomplete).map(drop),
            Sink::Compressed { mut out, records } => {
                let mut file = TraceFile::from_syscalls(
                    ending.trace_id.clone(),
                    ending.process.clone(),
                    records,
                    ending.drops(),
                );
                file.incomplete = incomplete.map(str::to_owned);
                out.write_all(&crate::traces::encode_trace(&file, true))?;
                out.flush()
            }
            Sink::Done => Ok(()),
        }
    }
}

/// One line on stderr when anything was lost, so it is never silent (and
/// one when a lossless capture had to pause the traced processes).
pub fn report_drops(ending: &Ending) {
    let lost = ending.kernel_drops + ending.subscriber_drops + ending.buffer_drops;
    if lost > 0 {
        eprintln!(
            "renacerctl: {lost} events lost (kernel {}, slow subscriber {}, buffer limit {})",
            ending.kernel_drops, ending.subscriber_drops, ending.buffer_drops
        );
    }
    if ending.lossless_pauses > 0 {
        eprintln!(
            "renacerctl: the traced processes were paused {} times so that no event was lost (--lossless)",
            ending.lossless_pauses
        );
    }
    if ending.otlp_unsent > 0 {
        eprintln!(
            "renacerctl: {} OTLP spans not delivered to the collector (see the daemon's log)",
            ending.otlp_unsent
        );
    }
}
