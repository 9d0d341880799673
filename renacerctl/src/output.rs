//! Rendering a capture as it streams: strace-like lines, the -c table, or a
//! renacer-json-v1 trace written call by call.
use std::{
    collections::HashMap,
    io::{self, Write},
    path::PathBuf,
};

use renacer_proto::v1 as pb;
use renacer_trace::{
    SyscallRecord, SyscallResult,
    decode::{Captured, DecodeOptions, decode_args, decode_return_with, format_line_with_return},
    fds::FdTable,
    json::{Drops, JsonEvent, JsonSyscall, ProcessInfo, TraceFile, TraceWriter},
    packed,
    record::arg_count,
    signal::{self, Siginfo, SignalOrder, SignalReport, exit_line, signal_line},
    stack::{JsonSource, location, stack_line},
    summary::{Summary, render_table_with},
    text::{
        TextOptions, Timestamps, format_arg, hex_dump, iov_dump, line_prefix, push_result_separator,
    },
};

use crate::{strace_opts::StraceOptions, symbolize::Symbolizer};

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
    Text(Box<TextLines>),
    /// Before `CaptureStarted` the trace id is unknown: the header waits.
    JsonPending(Box<dyn Write>),
    Json(TraceWriter<Box<dyn Write>>),
    Compressed {
        out: Box<dyn Write>,
        records: Vec<JsonSyscall>,
        events: Vec<JsonEvent>,
    },
    Done,
}

pub struct Renderer {
    sink: Sink,
    format: Format,
    summary_only: bool,
    decode: DecodeOptions,
    /// --source, -k: symbolizes the stacks the daemon unwound.
    symbolizer: Option<Symbolizer>,
}

/// -ff's files: the base path and a writer per thread id.
type PerProcessFiles = (PathBuf, HashMap<u32, Box<dyn Write>>);

/// strace-like lines as they arrive, shaped by strace's options.
struct TextLines {
    out: Box<dyn Write>,
    options: StraceOptions,
    decode: DecodeOptions,
    /// -ff: `FILE.TID` per thread, opened on its first call.
    per_process: Option<PerProcessFiles>,
    /// What each fd names, for -y and -P.
    fds: FdTable,
    /// Where signal lines fall among the calls.
    signals: SignalOrder,
    /// Tasks of the tree alive now: as strace, lines carry `[pid N] `
    /// while there is more than one.
    live_tasks: usize,
    /// Calls that returned a restart code, per thread, until its next event.
    held: HashMap<u32, HeldCall>,
}

/// A call interrupted by a signal, not printed yet.
struct HeldCall {
    /// The whole line and its dump, each ending in a newline.
    line: String,
    /// The line as strace shows a call it never saw return.
    unfinished: String,
    /// Ignored signals that go after it.
    after: Vec<SignalReport>,
}

/// strace's line for a call whose thread died in it: the arguments known
/// at entry, then `<unfinished ...>) = ?`.
fn killed_line(unfinished: &SyscallRecord, args: &[String], text: &TextOptions) -> String {
    let mut line = format_line_with_return(unfinished, args, "", text);
    line.push(')');
    push_result_separator(&mut line, text);
    line.push('?');
    line
}

/// The kernel's restart codes (ERESTARTSYS, ERESTARTNOINTR,
/// ERESTARTNOHAND, ERESTART_RESTARTBLOCK): the call was interrupted by a signal.
const RESTART_ERRNOS: [i32; 4] = [512, 513, 514, 516];

/// /proc's view of a live process's fd, for what the trace does not show.
fn proc_fd_path(pid: u32, fd: i32) -> Option<String> {
    std::fs::read_link(format!("/proc/{pid}/fd/{fd}"))
        .ok()
        .map(|path| path.to_string_lossy().into_owned())
}

/// Calls whose data strace's `-e read=` dumps (read, pread64, recvfrom)...
const READ_CALLS: [u32; 3] = [0, 17, 45];
/// ...and `-e write=` (write, pwrite64, sendto); their buffer is argument 1.
const WRITE_CALLS: [u32; 3] = [1, 18, 44];
/// The iovec forms: readv, preadv, preadv2...
const READV_CALLS: [u32; 3] = [19, 295, 327];
/// ...and writev, pwritev, pwritev2.
const WRITEV_CALLS: [u32; 3] = [20, 296, 328];

impl TextLines {
    fn line(
        &mut self,
        rec: &SyscallRecord,
        captured: &Captured<'_>,
        wire_args: Option<&[String]>,
        source: Option<&JsonSource>,
    ) -> io::Result<()> {
        let lookup = |pid, fd| proc_fd_path(pid, fd);
        if !self.options.paths.is_empty()
            && !self
                .fds
                .touches(rec, captured, &self.options.paths, &lookup)
        {
            self.fds.observe(rec, captured);
            return Ok(());
        }
        let raw = self
            .options
            .render
            .raw
            .as_ref()
            .is_some_and(|set| set.contains(rec.nr));
        let mut args = if raw {
            rec.args
                .iter()
                .take(arg_count(rec.nr))
                .map(|&v| format_arg(v))
                .collect()
        } else if let Some(args) = wire_args {
            args.to_vec()
        } else {
            decode_args(rec, captured, &self.decode)
        };
        if self.options.decode_fds {
            self.fds.annotate_args(rec, &mut args, &lookup);
        }
        // Following fds costs a realpath per open: only for -y and -P.
        if self.options.decode_fds || !self.options.paths.is_empty() {
            self.fds.observe(rec, captured);
        }
        let mut returned = if raw {
            raw_return(rec)
        } else {
            decode_return_with(rec, captured)
        };
        if self.options.decode_fds {
            returned = self.fds.annotate_return(rec, &returned, &lookup);
        }
        let mut text = self.options.text;
        if self.per_process.is_some() {
            text.show_pid = false;
        }
        let mut line = format_line_with_return(rec, &args, &returned, &text);
        if let Some(place) = source.and_then(location) {
            line.push_str("  ");
            line.push_str(&place);
        }
        if let Timestamps::Relative { previous_nanos } = &mut self.options.text.timestamps {
            *previous_nanos = Some(rec.timestamp_nanos);
        }
        // -k: the stack lines, then any -e read=/write= dump, under the call.
        let mut dump = String::new();
        if self.options.stack
            && let Some(source) = source
        {
            for frame in &source.stack {
                dump.push_str(&stack_line(frame));
                dump.push('\n');
            }
        }
        dump.push_str(&self.dump(rec, captured));
        self.release(rec.tid, false)?;
        let (before, after) = self.signals.around_call(rec.pid, rec.timestamp_nanos);
        for report in &before {
            self.signal_line(report)?;
        }
        let interrupted = rec
            .result
            .errno()
            .is_some_and(|e| (RESTART_ERRNOS).contains(&e));
        if interrupted {
            // Held until the thread's next event: if SIGKILL ends it, strace
            // (which never sees such a call return) shows it unfinished.
            let unfinished = SyscallRecord {
                result: SyscallResult::Unfinished,
                ..*rec
            };
            self.held.insert(
                rec.tid,
                HeldCall {
                    line: format!("{line}\n{dump}"),
                    unfinished: killed_line(&unfinished, &args, &text),
                    after,
                },
            );
            return Ok(());
        }
        let out = self.out_for(rec.tid)?;
        writeln!(out, "{line}")?;
        out.write_all(dump.as_bytes())?;
        for report in &after {
            self.signal_line(report)?;
        }
        Ok(())
    }

    /// Prints the call `tid` was held on, whole, or unfinished when the
    /// thread was killed by SIGKILL in it.
    fn release(&mut self, tid: u32, killed: bool) -> io::Result<()> {
        let Some(held) = self.held.remove(&tid) else {
            return Ok(());
        };
        let out = self.out_for(tid)?;
        if killed {
            writeln!(out, "{}", held.unfinished)?;
        } else {
            out.write_all(held.line.as_bytes())?;
        }
        for report in &held.after {
            self.signal_line(report)?;
        }
        Ok(())
    }

    /// Prints every held call and unplaced signal (the capture ends).
    fn release_all(&mut self) -> io::Result<()> {
        let mut tids: Vec<u32> = self.held.keys().copied().collect();
        tids.sort_unstable();
        for tid in tids {
            self.release(tid, false)?;
        }
        for report in self.signals.drain() {
            self.signal_line(&report)?;
        }
        Ok(())
    }

    /// Where thread `tid`'s lines go: its own file under -ff.
    fn out_for(&mut self, tid: u32) -> io::Result<&mut Box<dyn Write>> {
        Ok(match &mut self.per_process {
            Some((base, files)) => match files.entry(tid) {
                std::collections::hash_map::Entry::Occupied(file) => file.into_mut(),
                std::collections::hash_map::Entry::Vacant(slot) => {
                    let mut name = base.clone().into_os_string();
                    name.push(format!(".{tid}"));
                    slot.insert(Box::new(io::BufWriter::new(std::fs::File::create(name)?)))
                }
            },
            None => &mut self.out,
        })
    }

    /// A `+++` or `---` line of thread `tid`, with the pid and time columns.
    fn event_line(&mut self, tid: u32, timestamp_nanos: u64, body: &str) -> io::Result<()> {
        let mut text = self.options.text;
        if self.per_process.is_some() {
            text.show_pid = false;
        }
        let line = format!("{}{body}", line_prefix(tid, timestamp_nanos, &text));
        if let Timestamps::Relative { previous_nanos } = &mut self.options.text.timestamps {
            *previous_nanos = Some(timestamp_nanos);
        }
        writeln!(self.out_for(tid)?, "{line}")
    }

    fn signal_line(&mut self, report: &SignalReport) -> io::Result<()> {
        self.release(report.tid, false)?;
        if self.options.render.hide_signals {
            return Ok(());
        }
        self.event_line(
            report.tid,
            report.timestamp_nanos,
            &signal_line(&report.info),
        )
    }

    /// A signal report or a task's exit, placed as strace shows them.
    /// `print`: write the lines (not with -c).
    fn process(&mut self, event: &pb::ProcessEvent, print: bool) -> io::Result<()> {
        if !print {
            return Ok(());
        }
        match event.kind() {
            pb::ProcessEventKind::Fork => {
                self.live_tasks += 1;
                self.options.text.show_pid = true;
            }
            pb::ProcessEventKind::Signal => {
                let Some(signal) = &event.signal else {
                    return Ok(());
                };
                let Some(how) = renacer_proto::convert::signal_how(signal.how()) else {
                    return Ok(());
                };
                let report = SignalReport {
                    pid: event.pid,
                    tid: event.tid,
                    how,
                    info: Siginfo::from_bytes(&signal.siginfo),
                    timestamp_nanos: event.timestamp_nanos,
                };
                for report in self.signals.report(report) {
                    self.signal_line(&report)?;
                }
            }
            pb::ProcessEventKind::Exit => {
                let killed = signal::killed_by(event.exit_status) == Some(libc::SIGKILL);
                self.release(event.tid, killed)?;
                for report in self.signals.before_exit(
                    event.pid,
                    event.tid,
                    event.exit_status,
                    event.group_dead,
                ) {
                    self.signal_line(&report)?;
                }
                if self.options.exit_lines {
                    self.event_line(
                        event.tid,
                        event.timestamp_nanos,
                        &exit_line(event.exit_status),
                    )?;
                }
                self.live_tasks = self.live_tasks.saturating_sub(1);
                self.options.text.show_pid = self.live_tasks > 1;
            }
            _ => {}
        }
        Ok(())
    }

    /// strace's `-e read=`/`-e write=` dump after the line, if asked for
    /// this call's fd.
    fn dump(&self, rec: &SyscallRecord, captured: &Captured<'_>) -> String {
        let render = &self.options.render;
        let nr = rec.nr;
        let iovec = READV_CALLS.contains(&nr) || WRITEV_CALLS.contains(&nr);
        let wanted = if READ_CALLS.contains(&nr) || READV_CALLS.contains(&nr) {
            render.dump_read.as_ref()
        } else if WRITE_CALLS.contains(&nr) || WRITEV_CALLS.contains(&nr) {
            render.dump_write.as_ref()
        } else {
            None
        };
        let fd = rec.args[0] as u32 as i32;
        let SyscallResult::Returned(len) = rec.result else {
            return String::new();
        };
        let selected = wanted.is_some_and(|set| fd >= 0 && set.contains_fd(fd as u32));
        if !selected || len <= 0 || rec.result.is_error() {
            return String::new();
        }
        if iovec {
            let iovs: Vec<(u64, &[u8])> = captured
                .iov
                .iter()
                .map(|iov| (iov.len, iov.data.bytes))
                .collect();
            return iov_dump(&iovs, len as u64);
        }
        match captured.buffer {
            Some(data) => {
                let shown = data
                    .bytes
                    .len()
                    .min(usize::try_from(len).unwrap_or(usize::MAX));
                hex_dump(&data.bytes[..shown])
            }
            None => String::new(),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        if let Some((_, files)) = &mut self.per_process {
            for file in files.values_mut() {
                file.flush()?;
            }
        }
        self.out.flush()
    }
}

/// strace's `-e raw=` result: hex, or `-1 (errno N)`.
fn raw_return(rec: &SyscallRecord) -> String {
    match (rec.result, rec.result.errno()) {
        (_, Some(errno)) => format!("-1 (errno {errno})"),
        (SyscallResult::Returned(ret), None) => format_arg(ret as u64),
        _ => "?".to_owned(),
    }
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
    /// --source/-k: stacks the daemon could not unwind.
    pub stacks_not_unwound: u64,
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
        options: StraceOptions,
        per_process_base: Option<PathBuf>,
    ) -> Self {
        let symbolizer = (options.source || options.stack).then(|| Symbolizer::new(options.stack));
        let sink = match format {
            Format::Text => Sink::Text(Box::new(TextLines {
                out,
                decode,
                per_process: per_process_base.map(|base| (base, HashMap::new())),
                options,
                fds: FdTable::with_canonicalize(|path| {
                    std::fs::canonicalize(path)
                        .ok()
                        .map(|path| path.to_string_lossy().into_owned())
                }),
                signals: SignalOrder::default(),
                live_tasks: 1,
                held: HashMap::new(),
            })),
            Format::Json if compressed => Sink::Compressed {
                out,
                records: Vec::new(),
                events: Vec::new(),
            },
            Format::Json => Sink::JsonPending(out),
        };
        Self {
            sink,
            format,
            summary_only,
            decode,
            symbolizer,
        }
    }

    /// What a process had open before its first traced call (-y, -P).
    pub fn seed_fds(&mut self, pid: u32, cwd: Option<String>, fds: Vec<(i32, String)>) {
        if let Sink::Text(lines) = &mut self.sink {
            lines.fds.seed(pid, cwd, fds);
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

    /// A process event (fork, exec, exit, signal) in its place among the calls.
    pub fn process(&mut self, event: &pb::ProcessEvent) -> io::Result<()> {
        // renacerctl's own SIGCONT, which lets the command exec, is not the
        // program's: strace never sends it.
        if let Some(signal) = &event.signal
            && signal.signo == libc::SIGCONT
            && signal.code <= 0
            && signal.sender_pid == std::process::id() as i32
        {
            return Ok(());
        }
        match &mut self.sink {
            // -c prints the table alone, but the pid column still follows forks.
            Sink::Text(lines) => lines.process(event, !self.summary_only),
            Sink::Json(writer) => {
                writer.event(JsonEvent::from(event));
                Ok(())
            }
            Sink::Compressed { events, .. } => {
                events.push(JsonEvent::from(event));
                Ok(())
            }
            Sink::JsonPending(_) | Sink::Done => Ok(()),
        }
    }

    pub fn record(&mut self, wire: &pb::SyscallRecord) -> io::Result<()> {
        match &mut self.sink {
            Sink::Text(lines) if !self.summary_only => {
                let record = SyscallRecord::from(wire);
                // Daemons that do not decode send raw values only.
                let raw: Vec<String>;
                let args = if wire.decoded_args.is_empty() {
                    raw = record
                        .args
                        .iter()
                        .take(arg_count(record.nr))
                        .map(|&v| format_arg(v))
                        .collect();
                    &raw
                } else {
                    &wire.decoded_args
                };
                lines.line(&record, &Captured::default(), Some(args), None)
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
            let source = match (&mut self.symbolizer, packed::frames(items)) {
                (Some(symbolizer), Some(frames)) => symbolizer.source(frames),
                _ => None,
            };
            let json = |decode: &DecodeOptions| JsonSyscall {
                source: source.clone(),
                ..JsonSyscall::from_packed(&record, items, decode)
            };
            match &mut self.sink {
                Sink::Text(lines) if !self.summary_only => {
                    lines.line(&record, &packed::captured(items), None, source.as_ref())?;
                }
                Sink::Json(writer) => writer.syscall(&json(&self.decode))?,
                Sink::Compressed { records, .. } => records.push(json(&self.decode)),
                Sink::Text(_) | Sink::JsonPending(_) | Sink::Done => {}
            }
        }
        Ok(())
    }

    /// A batch has been rendered: whoever follows the output sees it now.
    pub fn batch_done(&mut self) -> io::Result<()> {
        match &mut self.sink {
            Sink::Text(lines) => lines.flush(),
            Sink::Json(writer) => writer.flush(),
            Sink::JsonPending(_) | Sink::Compressed { .. } | Sink::Done => Ok(()),
        }
    }

    /// Ends the output. `incomplete` says why the capture ended early (a
    /// signal, the daemon gone): a JSON trace is still closed, and marked.
    pub fn finish(&mut self, ending: &Ending, incomplete: Option<&str>) -> io::Result<()> {
        match std::mem::replace(&mut self.sink, Sink::Done) {
            Sink::Text(mut lines) => {
                lines.release_all()?;
                lines.flush()?;
                if self.summary_only || lines.options.summary_too {
                    let table = render_table_with(&ending.summary, &lines.options.table);
                    write!(lines.out, "{table}")?;
                }
                lines.out.flush()
            }
            Sink::JsonPending(out) => {
                let writer = TraceWriter::begin(out, &ending.trace_id, &ending.process)?;
                writer.finish(ending.drops(), incomplete).map(drop)
            }
            Sink::Json(writer) => writer.finish(ending.drops(), incomplete).map(drop),
            Sink::Compressed {
                mut out,
                records,
                events,
            } => {
                let mut file = TraceFile::from_syscalls(
                    ending.trace_id.clone(),
                    ending.process.clone(),
                    records,
                    ending.drops(),
                );
                file.incomplete = incomplete.map(str::to_owned);
                file.events = events;
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
    if ending.stacks_not_unwound > 0 {
        eprintln!(
            "renacerctl: {} calls have no source: their process's memory map could not be read to unwind the stack",
            ending.stacks_not_unwound
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
