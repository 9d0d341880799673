//! `renacerctl capture`: stream a capture from the daemon and render it.
use std::{ffi::CString, io, path::PathBuf, time::Duration};

use anyhow::{Context as _, bail};
use renacer_proto::v1::{self as pb, CaptureRequest, capture_response::Event};
use renacer_trace::{decode::DecodeOptions, json::ProcessInfo, summary::Summary};

use crate::{
    client::{connect, status_error},
    duration, exit,
    output::{Ending, Format, Renderer, report_drops},
    strace_opts::{RunAs, StraceArgs, StraceOptions, split_expressions},
    trace_filter::{FilterArgs, MAX_STRING_LIMIT},
};

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["pid", "command"])))]
pub struct CaptureArgs {
    /// Attach to this running process and the descendants it forks from now on.
    #[arg(short, long)]
    pid: Option<u32>,
    /// Stop after this long (e.g. 5s, 500ms, 2m). Default: until the traced tree exits.
    #[arg(short, long, value_parser = duration::parse)]
    duration: Option<Duration>,
    /// Write the trace to FILE instead of stderr (text) or stdout (json).
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Print strace's -c summary table instead of every call.
    #[arg(short = 'c', long)]
    summary: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    #[command(flatten)]
    filter: FilterArgs,
    #[command(flatten)]
    strace: StraceArgs,
    #[command(flatten)]
    otlp: crate::otlp::OtlpCaptureArgs,
    /// With --format json: write the compact form (run-length encoded and
    /// deflated; every renacerctl command that reads traces detects it).
    #[arg(long)]
    compress: bool,
    /// Deliver every event: when the consumer falls behind, the traced
    /// processes are paused (SIGSTOP at their next syscall exit, SIGCONT once
    /// drained) instead of events being dropped.
    #[arg(long)]
    lossless: bool,
    /// Only the tree's processes in this cgroup v2 (relative to the cgroup2
    /// mount, e.g. system.slice/cron.service) or below it.
    #[arg(long, value_name = "PATH")]
    cgroup: Option<String>,
    /// The command to run and trace from its execve on.
    #[arg(last = true, value_name = "CMD")]
    command: Vec<String>,
}

/// A child forked before any thread exists and stopped (SIGSTOP) until the
/// daemon tracks it, so its trace starts with its own execve: the kill that
/// stopped it has fully returned before we ask the daemon, and nothing but
/// execve runs after SIGCONT.
pub(crate) struct ParkedChild {
    pub(crate) pid: libc::pid_t,
    released: bool,
}

impl ParkedChild {
    pub(crate) fn spawn(command: &[String]) -> anyhow::Result<Self> {
        Self::spawn_as(command, None)
    }

    /// [`spawn`](Self::spawn), the command running as `user` (strace's -u).
    pub(crate) fn spawn_as(command: &[String], user: Option<&RunAs>) -> anyhow::Result<Self> {
        // Resolved here, as strace does, so the trace starts with one execve
        // rather than execvp's walk through PATH.
        let program = CString::new(
            resolve_program(&command[0])?
                .into_os_string()
                .into_encoded_bytes(),
        )
        .context("the command path must not contain NUL bytes")?;
        let argv: Vec<CString> = command
            .iter()
            .map(|arg| CString::new(arg.as_bytes()))
            .collect::<Result<_, _>>()
            .context("command arguments must not contain NUL bytes")?;
        let mut argv_ptrs: Vec<*const libc::c_char> = argv.iter().map(|a| a.as_ptr()).collect();
        argv_ptrs.push(std::ptr::null());
        // SAFETY: fork in a single-threaded process (no runtime yet); the
        // child only makes async-signal-safe calls before execv.
        let pid = unsafe { libc::fork() };
        if pid < 0 {
            return Err(io::Error::last_os_error()).context("fork");
        }
        if pid == 0 {
            // SAFETY: async-signal-safe calls only.
            unsafe {
                // renacerctl ignores SIGPIPE for itself; the command gets the
                // default a shell would give it (`yes | head` must still end).
                libc::signal(libc::SIGPIPE, libc::SIG_DFL);
                if let Some(user) = user
                    && !user.become_user()
                {
                    let message = b"renacerctl: cannot run the command as the -u user (setgroups/setgid/setuid failed)\n";
                    libc::write(2, message.as_ptr().cast(), message.len());
                    libc::_exit(126);
                }
                libc::kill(libc::getpid(), libc::SIGSTOP);
                libc::execv(program.as_ptr(), argv_ptrs.as_ptr());
                // Checked before the fork; this is a race or an exec-time
                // failure (a bad interpreter, ENOEXEC): say so as a shell does.
                let not_found = *libc::__errno_location() == libc::ENOENT;
                let message = b"renacerctl: cannot execute the command (execve failed)\n";
                libc::write(2, message.as_ptr().cast(), message.len());
                libc::_exit(if not_found { 127 } else { 126 });
            }
        }
        let child = Self {
            pid,
            released: false,
        };
        let mut status = 0;
        // SAFETY: our own child; valid pointer.
        let rc = unsafe { libc::waitpid(pid, &mut status, libc::WUNTRACED) };
        if rc != pid || !libc::WIFSTOPPED(status) {
            bail!("the command's process did not stop before exec (status {status:#x})");
        }
        Ok(child)
    }

    /// Lets the child exec.
    pub(crate) fn release(&mut self) -> io::Result<()> {
        // SAFETY: signalling our own stopped child.
        if unsafe { libc::kill(self.pid, libc::SIGCONT) } != 0 {
            return Err(io::Error::last_os_error());
        }
        self.released = true;
        Ok(())
    }

    /// Passes a signal renacerctl received on to the command.
    pub(crate) fn signal(&self, signal: i32) {
        // SAFETY: signalling our own child (not yet reaped: `wait` consumes self).
        unsafe { libc::kill(self.pid, signal) };
    }

    /// Waits for the child and maps its status to an exit code.
    pub(crate) fn wait(self) -> anyhow::Result<u8> {
        if !self.released {
            // The capture never started: do not let the command run untraced.
            // SAFETY: signalling our own child.
            unsafe { libc::kill(self.pid, libc::SIGKILL) };
        }
        let mut status = 0;
        loop {
            // SAFETY: our own child; valid pointer.
            let rc = unsafe { libc::waitpid(self.pid, &mut status, 0) };
            if rc == self.pid {
                break;
            }
            let err = io::Error::last_os_error();
            if err.kind() != io::ErrorKind::Interrupted {
                return Err(err).context("waiting for the command");
            }
        }
        Ok(if libc::WIFEXITED(status) {
            libc::WEXITSTATUS(status) as u8
        } else if libc::WIFSIGNALED(status) {
            128u8.wrapping_add(libc::WTERMSIG(status) as u8)
        } else {
            1
        })
    }
}

/// The executable `name` names: a path as given, else the first match on
/// PATH. Fails as a shell does: 127 when nothing is found, 126 when the file
/// cannot be executed, with the path and the reason.
fn resolve_program(name: &str) -> anyhow::Result<PathBuf> {
    use std::os::unix::fs::PermissionsExt as _;
    let executable =
        |meta: &std::fs::Metadata| meta.is_file() && meta.permissions().mode() & 0o111 != 0;
    if name.contains('/') {
        let path = PathBuf::from(name);
        return match path.metadata() {
            Ok(meta) if executable(&meta) => Ok(path),
            Ok(meta) if meta.is_dir() => Err(exit::failure(
                exit::CANNOT_EXECUTE,
                format!("cannot execute {name}: Is a directory"),
            )),
            Ok(_) => Err(exit::failure(
                exit::CANNOT_EXECUTE,
                format!("cannot execute {name}: Permission denied"),
            )),
            Err(err) => Err(exit::failure(
                exit::COMMAND_NOT_FOUND,
                format!("cannot execute {name}: {err}"),
            )),
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.metadata().is_ok_and(|meta| executable(&meta)))
        .ok_or_else(|| {
            exit::failure(
                exit::COMMAND_NOT_FOUND,
                format!("command not found: {name} (not in PATH)"),
            )
        })
}

/// What a process has open and its cwd, from /proc (for -y and -P).
fn open_fds(pid: u32) -> (Option<String>, Vec<(i32, String)>) {
    let cwd = std::fs::read_link(format!("/proc/{pid}/cwd"))
        .ok()
        .map(|p| p.to_string_lossy().into_owned());
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let fd = entry.file_name().to_str()?.parse().ok()?;
            let path = std::fs::read_link(entry.path()).ok()?;
            Some((fd, path.to_string_lossy().into_owned()))
        })
        .collect();
    (cwd, fds)
}

pub fn run(socket: &str, args: CaptureArgs) -> anyhow::Result<u8> {
    // Bad flags fail before any command runs.
    args.otlp.export()?;
    args.otlp.trace_parent(args.pid.is_none())?;
    if args.compress && args.format != Format::Json {
        return Err(exit::usage(
            "--compress applies to traces: add --format json",
        ));
    }
    let (daemon_expressions, render_expressions) = split_expressions(&args.filter.expressions)?;
    let strace = args.strace.resolve(
        render_expressions,
        args.summary,
        args.format == Format::Json,
        args.output
            .as_ref()
            .is_some_and(|path| path.as_os_str() != "-"),
        args.pid.is_some(),
    )?;
    let mut expressions = daemon_expressions;
    expressions.extend(strace.status_expression.clone());
    let args = CaptureArgs {
        filter: FilterArgs {
            expressions,
            ..args.filter
        },
        ..args
    };
    if let Some(pid) = args.pid {
        if pid == 0 {
            return Err(exit::usage("--pid must be a process id greater than 0"));
        }
        let streamed = crate::run_async(stream_capture(socket, &args, strace, pid, None))?;
        report_drops(&streamed.ending);
        // strace -p ends with Ctrl-C: the capture is complete, the exit code
        // says how it ended.
        return Ok(streamed
            .interrupted_by
            .map_or(0, |signal| 128u8.wrapping_add(signal as u8)));
    }
    if args.command.is_empty() {
        return Err(exit::usage(
            "nothing to trace: pass --pid N or -- CMD ARGS...",
        ));
    }
    let mut child = ParkedChild::spawn_as(&args.command, strace.run_as.as_ref())?;
    let pid = child.pid as u32;
    let result = crate::run_async(stream_capture(socket, &args, strace, pid, Some(&mut child)));
    if result.is_err() && child.released {
        // The command runs on, untraced; it is not ours to kill. The error
        // follows when it ends.
        eprintln!(
            "renacerctl: the capture failed; waiting for the command (pid {pid}), which runs on untraced"
        );
    }
    let code = child.wait()?;
    let streamed = result?;
    report_drops(&streamed.ending);
    Ok(code)
}

/// How a streamed capture ended.
#[derive(Debug)]
struct Streamed {
    ending: Ending,
    /// The signal that asked renacerctl to stop, if one did.
    interrupted_by: Option<i32>,
}

/// SIGINT, SIGTERM and SIGHUP, which end a capture cleanly rather than kill
/// renacerctl with its output half written.
struct StopSignals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
    hangup: tokio::signal::unix::Signal,
}

impl StopSignals {
    fn install() -> anyhow::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        let install = |kind| signal(kind).context("installing signal handlers");
        Ok(Self {
            interrupt: install(SignalKind::interrupt())?,
            terminate: install(SignalKind::terminate())?,
            hangup: install(SignalKind::hangup())?,
        })
    }

    async fn next(&mut self) -> i32 {
        tokio::select! {
            _ = self.interrupt.recv() => libc::SIGINT,
            _ = self.terminate.recv() => libc::SIGTERM,
            _ = self.hangup.recv() => libc::SIGHUP,
        }
    }
}

fn signal_name(signal: i32) -> &'static str {
    match signal {
        libc::SIGINT => "SIGINT",
        libc::SIGTERM => "SIGTERM",
        libc::SIGHUP => "SIGHUP",
        _ => "a signal",
    }
}

async fn stream_capture(
    socket: &str,
    args: &CaptureArgs,
    strace: StraceOptions,
    pid: u32,
    mut child: Option<&mut ParkedChild>,
) -> anyhow::Result<Streamed> {
    let mut client = connect(socket).await?;
    // -ff: the lines go to FILE.PID; FILE itself is not written (as strace).
    let per_process_base = strace
        .file_per_process
        .then(|| args.output.clone())
        .flatten();
    let out = if per_process_base.is_some() {
        crate::open_output(None, false)
    } else {
        crate::open_output(args.output.as_ref(), args.format == Format::Json)
    }
    .with_context(|| {
        format!(
            "opening {}",
            args.output
                .as_ref()
                .map_or_else(String::new, |p| p.display().to_string())
        )
    })?;
    let mut decode = args.filter.decode();
    if strace.verbose {
        decode.get_or_insert_default().environment = true;
    }
    let string_limit = decode
        .as_ref()
        .map(|options| options.buffer_limit as usize)
        .filter(|&limit| limit > 0)
        .unwrap_or(DecodeOptions::default().string_limit);
    if strace.render.dump_read.is_some() || strace.render.dump_write.is_some() {
        // strace dumps all the data, not just what -s shows: have the
        // kernel read as much as it can.
        decode.get_or_insert_default().buffer_limit = MAX_STRING_LIMIT as u32;
    }
    let seed = (strace.decode_fds || !strace.paths.is_empty()).then(|| open_fds(pid));
    let stacks = strace.source;
    let mut renderer = Renderer::new(
        out,
        args.format,
        args.summary,
        args.compress,
        DecodeOptions {
            string_limit,
            hex_strings: strace.hex_strings,
        },
        strace,
        per_process_base,
    );
    if let Some((cwd, fds)) = seed {
        renderer.seed_fds(pid, cwd, fds);
    }
    let request = CaptureRequest {
        pid,
        duration: args
            .duration
            .map(prost_types::Duration::try_from)
            .transpose()
            .map_err(|err| exit::usage(format!("duration out of range: {err}")))?,
        command: args.command.clone(),
        summary_only: args.summary,
        filter: args.filter.filter(),
        decode,
        otlp: args.otlp.export()?,
        trace_parent: args.otlp.trace_parent(child.is_some())?,
        lossless: args.lossless,
        packed_records: true,
        cgroup: args.cgroup.clone().unwrap_or_default(),
        user_stacks: stacks,
    };
    let mut signals = StopSignals::install()?;
    let mut stream = client
        .capture(request)
        .await
        .map_err(status_error)?
        .into_inner();
    let mut ending = Ending::default();
    let mut capture_id = None;
    let mut interrupted_by = None;
    loop {
        let message = tokio::select! {
            message = stream.message() => message,
            signal = signals.next() => {
                let first = interrupted_by.is_none();
                interrupted_by = Some(signal);
                if let Some(child) = child.as_deref_mut() {
                    // As under strace: the command gets the signal, and the
                    // capture ends when it exits.
                    child.signal(signal);
                    continue;
                }
                if first && let Some(id) = capture_id {
                    // The daemon ends the capture; its summary still comes.
                    let stopped = client.stop_capture(pb::StopCaptureRequest { capture_id: id }).await;
                    if stopped.is_ok() {
                        continue;
                    }
                }
                let reason = format!("interrupted by {}", signal_name(signal));
                renderer.finish(&ending, Some(&reason))?;
                return Ok(Streamed { ending, interrupted_by });
            }
        };
        let message = match message {
            Ok(Some(message)) => message,
            Ok(None) => {
                renderer.finish(&ending, Some("the daemon ended the capture stream early"))?;
                return Err(exit::failure(
                    exit::UNAVAILABLE,
                    "the daemon ended the capture stream without a summary",
                ));
            }
            Err(status) => {
                let reason = format!("the capture stream failed: {}", status.message());
                renderer.finish(&ending, Some(&reason))?;
                return Err(crate::client::stream_error(status));
            }
        };
        match message.event {
            Some(Event::Started(started)) => {
                capture_id = Some(started.capture_id);
                ending.trace_id = started.trace_id;
                ending.process = ProcessInfo {
                    pid: started.pid,
                    command: started.command,
                };
                renderer.started(&ending.trace_id, &ending.process)?;
                if let Some(child) = child.as_deref_mut() {
                    child.release().context("starting the command")?;
                }
            }
            Some(Event::Syscalls(batch)) => {
                for record in &batch.records {
                    renderer.record(record)?;
                }
                renderer.packed(&batch.packed)?;
                renderer.batch_done()?;
            }
            Some(Event::Process(process)) => {
                renderer.process(&process)?;
                renderer.batch_done()?;
            }
            Some(Event::End(end)) => {
                let drops = end.drops.unwrap_or_default();
                ending.summary = end.summary.as_ref().map(Summary::from).unwrap_or_default();
                ending.kernel_drops = drops.kernel;
                ending.subscriber_drops = drops.subscriber;
                ending.buffer_drops = drops.buffer;
                ending.otlp_unsent = drops.otlp_unsent;
                ending.lossless_pauses = end.lossless_pauses;
                ending.stacks_not_unwound = end.stacks_not_unwound;
                crate::client::report_untraced(&end.untraced_privileged_pids);
                let reason =
                    interrupted_by.map(|signal| format!("interrupted by {}", signal_name(signal)));
                renderer.finish(&ending, reason.as_deref())?;
                return Ok(Streamed {
                    ending,
                    interrupted_by,
                });
            }
            None => {}
        }
    }
}
