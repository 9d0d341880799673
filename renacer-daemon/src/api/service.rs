//! The `renacer.v1.Tracer` gRPC service.
use std::{
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering as AtomicOrdering},
    },
    time::Duration,
};

use renacer_proto::v1::{
    self as pb, CaptureRequest, CaptureResponse, StartCaptureRequest, StartCaptureResponse,
    StatusRequest, StatusResponse, StopCaptureRequest, StopCaptureResponse,
    capture_response::Event, tracer_server::Tracer,
};
use renacer_trace::{
    json::{Drops as JsonDrops, JsonEvent, JsonSyscall, ProcessInfo, TraceFile, TraceWriter},
    signal::SignalHow,
};
use tokio::sync::{mpsc, oneshot};
use tokio_stream::{
    Stream, StreamExt as _,
    wrappers::{ReceiverStream, UnboundedReceiverStream},
};
use tonic::{Request, Response, Status};
use tracing::{info, warn};

use crate::{
    api::auth::{self, Authorizer, Caller, Confinement, Credentials},
    export::otlp::{self, DaemonOtlp, OtlpArgs, TraceRequest},
    pipeline::decoding::{CaptureSettings, SettingsError, to_proto},
    pipeline::session::{
        CaptureTrace, EndReason, ProcessEventKind, ProcessRecord, Sink, StreamItem,
    },
    sessions::continuous::{self, Continuous},
    sessions::registry::{FinishedCapture, Registry, StartError},
};

#[derive(Debug, Clone)]
pub struct TracerService {
    registry: Arc<Registry>,
    continuous: Arc<Continuous>,
    otlp: Arc<DaemonOtlp>,
    /// Stopped background traces, for Compare/Assert by capture id.
    traces: Arc<crate::api::analysis::TraceStore>,
    /// Who may trace what (see the auth module).
    auth: Arc<Authorizer>,
}

impl TracerService {
    pub fn new(registry: Arc<Registry>) -> Self {
        let continuous = Continuous::new(
            Arc::clone(&registry),
            Duration::from_secs(10),
            Duration::from_secs(3600),
        );
        Self::with_continuous(registry, continuous)
    }

    pub fn with_continuous(registry: Arc<Registry>, continuous: Arc<Continuous>) -> Self {
        Self {
            registry,
            continuous,
            otlp: Arc::default(),
            traces: Arc::default(),
            auth: Arc::default(),
        }
    }

    /// The daemon's authorization settings (`--admin-group`, `--tls-identities`).
    pub fn with_auth(self, auth: Authorizer) -> Self {
        Self {
            auth: Arc::new(auth),
            ..self
        }
    }

    /// Daemon-wide OTLP export settings (`--otlp-endpoint` and friends).
    pub fn with_otlp(self, args: OtlpArgs) -> Self {
        Self {
            otlp: Arc::new(DaemonOtlp::new(args)),
            ..self
        }
    }

    /// The daemon-wide OTLP counters (for the metrics endpoint).
    pub fn otlp(&self) -> Arc<DaemonOtlp> {
        Arc::clone(&self.otlp)
    }
}

impl From<StartError> for Status {
    fn from(err: StartError) -> Self {
        let message = err.to_string();
        match err {
            StartError::NoSuchProcess(_) => Status::not_found(message),
            StartError::IsThread { .. } => Status::invalid_argument(message),
            StartError::AlreadyTraced { .. } => Status::already_exists(message),
            StartError::TooManyCaptures(_) => Status::resource_exhausted(message),
            StartError::ShuttingDown => Status::unavailable(message),
            StartError::Kernel(crate::kernel::KernelError::PermissionDenied(_)) => {
                Status::permission_denied(message)
            }
            StartError::Kernel(_) => Status::internal(message),
        }
    }
}

impl From<SettingsError> for Status {
    fn from(err: SettingsError) -> Self {
        Status::invalid_argument(err.to_string())
    }
}

fn validate_pid(pid: u32) -> Result<u32, Status> {
    if pid == 0 {
        return Err(Status::invalid_argument("pid is required (got 0)"));
    }
    Ok(pid)
}

fn validate_duration(duration: Option<prost_types::Duration>) -> Result<Option<Duration>, Status> {
    let Some(duration) = duration else {
        return Ok(None);
    };
    if duration.seconds < 0 || duration.nanos < 0 || (duration.seconds == 0 && duration.nanos == 0)
    {
        return Err(Status::invalid_argument(format!(
            "duration must be positive (got {}s {}ns)",
            duration.seconds, duration.nanos
        )));
    }
    Ok(Some(
        Duration::from_secs(duration.seconds as u64) + Duration::from_nanos(duration.nanos as u64),
    ))
}

/// A capture's cgroup filter: an existing cgroup v2, as `/a/b`.
fn validate_cgroup(path: &str) -> Result<String, Status> {
    match crate::sessions::continuous::resolve_cgroup(path) {
        Ok(crate::sessions::continuous::Scope::Cgroup { path, .. }) => {
            Ok(renacer_trace::cgroup::normalise(&path))
        }
        Ok(_) => Err(Status::invalid_argument(format!(
            "cgroup {path}: not a cgroup"
        ))),
        // The path is the caller's: control characters are escaped.
        Err(err) => Err(Status::invalid_argument(renacer_trace::quote::printable(
            &err.to_string(),
        ))),
    }
}

/// The command the client gave, else the process's own from /proc.
fn command_or_cmdline(pid: u32, command: Vec<String>) -> Vec<String> {
    if command.is_empty() {
        crate::procfs::read_cmdline(pid)
    } else {
        command
    }
}

pub(crate) fn process_to_proto(record: &ProcessRecord) -> pb::ProcessEvent {
    let kind = match record.kind {
        ProcessEventKind::Fork => pb::ProcessEventKind::Fork,
        ProcessEventKind::Exec => pb::ProcessEventKind::Exec,
        ProcessEventKind::Exit => pb::ProcessEventKind::Exit,
        ProcessEventKind::Signal => pb::ProcessEventKind::Signal,
    };
    let cgroup_path = crate::cgroups::path_of(record.cgroup_id);
    let container = cgroup_path
        .as_deref()
        .map(renacer_trace::cgroup::container)
        .unwrap_or_default();
    let signal = record.signal.map(|(how, info)| pb::Signal {
        how: match how {
            SignalHow::Delivered => pb::SignalHow::Delivered,
            SignalHow::Generated => pb::SignalHow::Generated,
            SignalHow::Ignored => pb::SignalHow::Ignored,
        }
        .into(),
        signo: info.signo(),
        code: info.code(),
        sender_pid: info.pid(),
        sender_uid: info.uid(),
        siginfo: info.0.to_vec(),
        decoded: renacer_trace::signal::format_siginfo(&info),
    });
    pb::ProcessEvent {
        kind: kind.into(),
        pid: record.pid,
        tid: record.tid,
        child_pid: record.child_pid,
        group_dead: record.group_dead,
        timestamp_nanos: record.timestamp_nanos,
        lamport: record.lamport,
        exit_status: record.exit_status,
        signal,
        cgroup_id: record.cgroup_id,
        cgroup_path: cgroup_path.clone().unwrap_or_default(),
        container_id: container.id.unwrap_or_default(),
        k8s_pod_uid: container.pod_uid.unwrap_or_default(),
    }
}

fn end_reason_to_proto(reason: EndReason) -> pb::EndReason {
    match reason {
        EndReason::TreeExited => pb::EndReason::TreeExited,
        EndReason::DurationElapsed => pb::EndReason::DurationElapsed,
        EndReason::Stopped => pb::EndReason::Stopped,
        EndReason::DaemonShutdown => pb::EndReason::DaemonShutdown,
    }
}

fn drops_to_proto(finished: &FinishedCapture, otlp_unsent: u64) -> pb::Drops {
    pb::Drops {
        kernel: finished.kernel_drops,
        subscriber: finished.session.drops.subscriber,
        buffer: finished.session.drops.buffer,
        otlp_unsent,
    }
}

fn stream_item_to_proto(item: StreamItem, settings: &CaptureSettings) -> CaptureResponse {
    let event = match item {
        StreamItem::Syscalls(calls) => Event::Syscalls(pb::SyscallBatch {
            records: calls
                .iter()
                .map(|call| to_proto(&call.record, &call.captured, settings))
                .collect(),
            packed: Vec::new(),
        }),
        StreamItem::Packed { bytes, .. } => Event::Syscalls(pb::SyscallBatch {
            records: Vec::new(),
            packed: bytes,
        }),
        StreamItem::Process(record) => Event::Process(process_to_proto(&record)),
    };
    CaptureResponse { event: Some(event) }
}

type CaptureStream = Pin<Box<dyn Stream<Item = Result<CaptureResponse, Status>> + Send>>;

/// What ends a capture, whichever comes first.
async fn wait_for_end(
    registry: &Registry,
    tree_exit: oneshot::Receiver<EndReason>,
    duration: Option<Duration>,
    client_gone: impl Future<Output = ()>,
) -> EndReason {
    let elapsed = async {
        match duration {
            Some(duration) => tokio::time::sleep(duration).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        reason = tree_exit => reason.unwrap_or(EndReason::Stopped),
        () = elapsed => EndReason::DurationElapsed,
        () = client_gone => EndReason::Stopped,
        () = registry.shutdown_signal() => EndReason::DaemonShutdown,
    }
}

type TraceChunkStream = Pin<Box<dyn Stream<Item = Result<pb::TraceChunk, Status>> + Send>>;

/// Bytes per `TraceChunk.json`.
const TRACE_CHUNK_BYTES: usize = 1 << 20;

/// A writer that sends what it is given as `TraceChunk`s of
/// [`TRACE_CHUNK_BYTES`], waiting (on a blocking thread) while the client is
/// slow: the document is never held whole.
struct ChunkSender {
    tx: mpsc::Sender<Result<pb::TraceChunk, Status>>,
    pending: Vec<u8>,
}

impl ChunkSender {
    fn send_pending(&mut self) -> std::io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let json = std::mem::replace(&mut self.pending, Vec::with_capacity(TRACE_CHUNK_BYTES));
        let chunk = pb::TraceChunk {
            part: Some(pb::trace_chunk::Part::Json(json)),
        };
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::BrokenPipe))
    }
}

impl std::io::Write for ChunkSender {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let room = TRACE_CHUNK_BYTES - self.pending.len();
        let taken = bytes.len().min(room);
        self.pending.extend_from_slice(&bytes[..taken]);
        if self.pending.len() == TRACE_CHUNK_BYTES {
            self.send_pending()?;
        }
        Ok(taken)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send_pending()
    }
}

impl TracerService {
    /// The capture a StopCapture names, ended and taken out of the registry.
    /// None when it is a streaming capture: that one ends on its own stream.
    async fn finish_requested(
        &self,
        request: Request<StopCaptureRequest>,
    ) -> Result<Option<(FinishedCapture, u32)>, Status> {
        let caller = self.auth.caller(&request)?;
        let id = request.into_inner().capture_id;
        if self.registry.contains(id) {
            self.auth.check_capture(&caller, id)?;
        } else {
            return Err(Status::not_found(format!("no capture with id {id}")));
        }
        if self.registry.end_stream(id) {
            info!(capture_id = id, "streaming capture stopped on request");
            return Ok(None);
        }
        match self.registry.finish(id).await {
            Some(finished) => Ok(Some((finished, id))),
            None => Err(Status::not_found(format!("no capture with id {id}"))),
        }
    }

    /// Starts capturing `pid` for `caller`: confined when `expected` holds the
    /// credentials a non-admin's tree must keep, re-checked once the kernel
    /// tracks the process (it may have changed in between), then owned by
    /// the caller.
    #[expect(
        clippy::too_many_arguments,
        reason = "the parts of one validated request, as both capture RPCs build them"
    )]
    async fn start_for(
        &self,
        caller: &Caller,
        expected: Option<Credentials>,
        pid: u32,
        command: Vec<String>,
        sink: Sink,
        settings: CaptureSettings,
        trace: CaptureTrace,
    ) -> Result<(u32, String, oneshot::Receiver<EndReason>), Status> {
        let (id, trace_id, tree_exit) = self.registry.start_confined(
            expected.map(Confinement::new),
            pid,
            command,
            sink,
            settings,
            trace,
        )?;
        if let Err(status) = auth::confirm_unchanged(pid, expected) {
            let _ = self.registry.finish(id).await;
            return Err(status);
        }
        self.auth.set_capture_owner(id, caller);
        Ok((id, trace_id, tree_exit))
    }
}

/// Why a stopped background capture ended: its tree exited, or it was still
/// recording when stopped.
fn stopped_reason(session: &crate::pipeline::session::Session) -> EndReason {
    if session.recording {
        EndReason::Stopped
    } else {
        EndReason::TreeExited
    }
}

/// The process events a background capture kept.
fn buffered_processes(session: &crate::pipeline::session::Session) -> Vec<pb::ProcessEvent> {
    match &session.sink {
        Sink::Buffer { processes, .. } => processes.iter().map(process_to_proto).collect(),
        Sink::Stream { .. } => Vec::new(),
    }
}

/// Writes a stopped background capture's document to `out` call by call,
/// decoding on this (blocking) thread, and returns the trace to keep.
fn write_stopped_trace(
    session: &crate::pipeline::session::Session,
    drops: &pb::Drops,
    out: impl std::io::Write,
) -> std::io::Result<TraceFile> {
    let process = ProcessInfo {
        pid: session.pid,
        command: session.command.clone(),
    };
    let drops = JsonDrops {
        kernel: drops.kernel,
        daemon: drops.subscriber + drops.buffer,
    };
    let mut writer = TraceWriter::begin(out, &session.trace_id, &process)?;
    let mut syscalls = Vec::new();
    if let Sink::Buffer { records, .. } = &session.sink {
        let options = session.settings.decode_options();
        syscalls.reserve(records.len());
        for call in records {
            let syscall = JsonSyscall::from_packed(&call.record, &call.captured, &options);
            writer.syscall(&syscall)?;
            syscalls.push(syscall);
        }
    }
    let events = json_events(session);
    for event in &events {
        writer.event(event.clone());
    }
    writer.finish(drops, None)?;
    let mut trace = TraceFile::from_syscalls(session.trace_id.clone(), process, syscalls, drops);
    trace.events = events;
    Ok(trace)
}

/// A background capture's process and signal events, for its JSON trace.
pub(crate) fn json_events(session: &crate::pipeline::session::Session) -> Vec<JsonEvent> {
    buffered_processes(session)
        .iter()
        .map(JsonEvent::from)
        .collect()
}

#[tonic::async_trait]
impl Tracer for TracerService {
    type CaptureStream = CaptureStream;
    type StopCaptureStreamStream = TraceChunkStream;

    async fn stop_capture_stream(
        &self,
        request: Request<StopCaptureRequest>,
    ) -> Result<Response<Self::StopCaptureStreamStream>, Status> {
        let Some((mut finished, id)) = self.finish_requested(request).await? else {
            return Err(Status::failed_precondition(
                "a streaming capture has no stored trace: it was ended, and its stream carries the rest",
            ));
        };
        let otlp_unsent = finished.session.finish_export().await;
        let drops = drops_to_proto(&finished, otlp_unsent);
        let (tx, rx) = mpsc::channel(4);
        let traces = Arc::clone(&self.traces);
        let auth = Arc::clone(&self.auth);
        tokio::task::spawn_blocking(move || {
            let session = &finished.session;
            let mut out = ChunkSender {
                tx: tx.clone(),
                pending: Vec::with_capacity(TRACE_CHUNK_BYTES),
            };
            let Ok(trace) = write_stopped_trace(session, &drops, &mut out) else {
                // The client went away; the trace is not kept half-written.
                return;
            };
            traces.insert(id, trace);
            auth.capture_stored(id);
            let end = pb::TraceEnd {
                capture_id: id,
                trace_id: session.trace_id.clone(),
                summary: Some(pb::Summary::from(&session.summary)),
                drops: Some(drops),
                reason: end_reason_to_proto(stopped_reason(session)).into(),
                processes: buffered_processes(session),
                untraced_privileged_pids: finished.untraced_privileged_pids.clone(),
            };
            let _ = tx.blocking_send(Ok(pb::TraceChunk {
                part: Some(pb::trace_chunk::Part::End(end)),
            }));
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }

    async fn capture(
        &self,
        request: Request<CaptureRequest>,
    ) -> Result<Response<Self::CaptureStream>, Status> {
        let caller = self.auth.caller(&request)?;
        let request = request.into_inner();
        let pid = validate_pid(request.pid)?;
        let expected = auth::check_process(&caller, pid)?;
        let duration = validate_duration(request.duration)?;
        let mut settings = CaptureSettings::from_request(
            request.filter.as_ref(),
            request.decode.as_ref(),
            request.summary_only,
            request.lossless,
        )?;
        if !request.cgroup.is_empty() {
            settings.cgroup = Some(validate_cgroup(&request.cgroup)?);
        }
        if request.user_stacks {
            if !request.packed_records {
                return Err(Status::invalid_argument(
                    "user_stacks needs packed_records: stack frames travel as packed items",
                ));
            }
            settings.stacks = !request.summary_only;
        }
        let (item_tx, item_rx) = mpsc::unbounded_channel::<StreamItem>();
        let queued = Arc::new(AtomicUsize::new(0));
        let (control_tx, control_rx) = mpsc::channel::<Result<CaptureResponse, Status>>(4);
        let command = command_or_cmdline(pid, request.command);
        let trace = otlp::prepare(
            &self.otlp,
            pid,
            &command,
            TraceRequest {
                trace_parent: &request.trace_parent,
                otlp: request.otlp.as_ref(),
                any_endpoint: caller.admin,
            },
        )?;
        let sink = Sink::stream(
            item_tx,
            Arc::clone(&queued),
            request.summary_only,
            request.packed_records,
        );
        let (id, trace_id, tree_exit) = self
            .start_for(
                &caller,
                expected,
                pid,
                command.clone(),
                sink,
                settings.clone(),
                trace,
            )
            .await?;
        info!(
            capture_id = id,
            pid,
            caller = caller.describe,
            "streaming capture"
        );
        let started = CaptureResponse {
            event: Some(Event::Started(pb::CaptureStarted {
                capture_id: id,
                trace_id,
                pid,
                command,
            })),
        };
        let registry = Arc::clone(&self.registry);
        let client_closed = control_tx.clone();
        tokio::spawn(async move {
            let reason = wait_for_end(&registry, tree_exit, duration, client_closed.closed()).await;
            let Some(mut finished) = registry.finish(id).await else {
                return;
            };
            info!(capture_id = id, ?reason, "capture ended");
            let otlp_unsent = finished.session.finish_export().await;
            let message = if reason == EndReason::DaemonShutdown {
                Err(Status::unavailable(
                    "renacer-daemon is shutting down; the capture is incomplete",
                ))
            } else {
                Ok(CaptureResponse {
                    event: Some(Event::End(pb::CaptureEnd {
                        reason: end_reason_to_proto(reason).into(),
                        summary: Some(pb::Summary::from(&finished.session.summary)),
                        drops: Some(drops_to_proto(&finished, otlp_unsent)),
                        total_syscalls: finished.session.summary.total_calls(),
                        lossless_pauses: finished.session.lossless.pauses,
                        stacks_not_unwound: finished.session.unwind_failures(),
                        untraced_privileged_pids: finished.untraced_privileged_pids.clone(),
                    })),
                })
            };
            // The session (and its item sender) is gone: the item stream ends
            // after its queued batches, then the control stream delivers this.
            drop(finished);
            let _ = control_tx.send(message).await;
        });
        // Started first, then syscall batches until the session drops its
        // sender, then the end message (or error) from the control channel.
        let stream = tokio_stream::once(Ok(started))
            .chain(UnboundedReceiverStream::new(item_rx).map(move |item| {
                let records = match &item {
                    StreamItem::Syscalls(calls) => calls.len(),
                    StreamItem::Packed { records, .. } => *records,
                    StreamItem::Process(_) => 0,
                };
                queued.fetch_sub(records, AtomicOrdering::Relaxed);
                Ok(stream_item_to_proto(item, &settings))
            }))
            .chain(ReceiverStream::new(control_rx));
        Ok(Response::new(Box::pin(stream)))
    }

    async fn start_capture(
        &self,
        request: Request<StartCaptureRequest>,
    ) -> Result<Response<StartCaptureResponse>, Status> {
        let caller = self.auth.caller(&request)?;
        let request = request.into_inner();
        let pid = validate_pid(request.pid)?;
        let expected = auth::check_process(&caller, pid)?;
        let duration = validate_duration(request.duration)?;
        let mut settings = CaptureSettings::from_request(
            request.filter.as_ref(),
            request.decode.as_ref(),
            false,
            request.lossless,
        )?;
        if !request.cgroup.is_empty() {
            settings.cgroup = Some(validate_cgroup(&request.cgroup)?);
        }
        let command = command_or_cmdline(pid, request.command);
        let trace = otlp::prepare(
            &self.otlp,
            pid,
            &command,
            TraceRequest {
                trace_parent: &request.trace_parent,
                otlp: request.otlp.as_ref(),
                any_endpoint: caller.admin,
            },
        )?;
        let (id, trace_id, tree_exit) = self
            .start_for(
                &caller,
                expected,
                pid,
                command,
                Sink::buffer(),
                settings,
                trace,
            )
            .await?;
        info!(
            capture_id = id,
            pid,
            caller = caller.describe,
            "background capture started"
        );
        let registry = Arc::clone(&self.registry);
        tokio::spawn(async move {
            let reason = wait_for_end(&registry, tree_exit, duration, std::future::pending()).await;
            if reason == EndReason::DurationElapsed && registry.contains(id) {
                registry.stop_recording(id);
            }
        });
        Ok(Response::new(StartCaptureResponse {
            capture_id: id,
            trace_id,
        }))
    }

    async fn stop_capture(
        &self,
        request: Request<StopCaptureRequest>,
    ) -> Result<Response<StopCaptureResponse>, Status> {
        let Some((mut finished, id)) = self.finish_requested(request).await? else {
            return Ok(Response::new(StopCaptureResponse { trace: None }));
        };
        let otlp_unsent = finished.session.finish_export().await;
        let drops = drops_to_proto(&finished, otlp_unsent);
        let traces = Arc::clone(&self.traces);
        let auth = Arc::clone(&self.auth);
        // Decoding and serializing a large trace is blocking work.
        let trace = tokio::task::spawn_blocking(move || {
            let finished_untraced = finished.untraced_privileged_pids;
            let session = finished.session;
            let syscalls: Vec<pb::SyscallRecord> = match &session.sink {
                Sink::Buffer { records, .. } => records
                    .iter()
                    .map(|call| to_proto(&call.record, &call.captured, &session.settings))
                    .collect(),
                Sink::Stream { .. } => {
                    warn!(capture_id = id, "StopCapture on a streaming capture");
                    Vec::new()
                }
            };
            let processes = buffered_processes(&session);
            let reason = stopped_reason(&session);
            let json = crate::api::analysis::keep_stopped(&traces, &session, &syscalls, &drops);
            auth.capture_stored(id);
            pb::Trace {
                trace_id: session.trace_id.clone(),
                pid: session.pid,
                command: session.command.clone(),
                syscalls,
                processes,
                summary: Some(pb::Summary::from(&session.summary)),
                drops: Some(drops),
                reason: end_reason_to_proto(reason).into(),
                json,
                untraced_privileged_pids: finished_untraced,
            }
        })
        .await
        .map_err(|err| Status::internal(format!("building the trace failed: {err}")))?;
        Ok(Response::new(StopCaptureResponse { trace: Some(trace) }))
    }

    async fn status(
        &self,
        request: Request<StatusRequest>,
    ) -> Result<Response<StatusResponse>, Status> {
        let caller = self.auth.caller(&request)?;
        use std::sync::atomic::Ordering::Relaxed;
        let (mut programs, attach_mode, syscall_programs_attached) = {
            let kernel = self.registry.kernel();
            (
                kernel.programs().to_vec(),
                kernel.mode().as_str().to_owned(),
                kernel.hot_attached(),
            )
        };
        programs.extend(self.continuous.attached_programs());
        let mut status = StatusResponse {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            kernel: kernel_release(),
            programs,
            events_seen: self.registry.counters.events_seen.load(Relaxed),
            kernel_drops: self.registry.kernel_drops(),
            active_captures: self.registry.active_captures() as u32,
            attach_mode,
            daemon_drops: self.registry.daemon_drops(),
            continuous: self.continuous.is_enabled(),
            otlp_unsent: self.otlp.unsent(),
            syscall_programs_attached,
            otlp_metrics_unsent: self.continuous.metrics_unsent(),
        };
        if !caller.admin {
            // The counters add up other users' captures.
            auth::hide_global_counters(&mut status);
        }
        Ok(Response::new(status))
    }

    async fn compare(
        &self,
        request: Request<pb::CompareRequest>,
    ) -> Result<Response<pb::CompareResponse>, Status> {
        let caller = self.auth.caller(&request)?;
        let compare = request.get_ref();
        for source in [&compare.baseline, &compare.candidate] {
            self.check_source(&caller, source.as_ref())?;
        }
        crate::api::analysis::compare_rpc(&self.traces, request.into_inner())
            .await
            .map(Response::new)
    }

    async fn assert(
        &self,
        request: Request<pb::AssertRequest>,
    ) -> Result<Response<pb::AssertResponse>, Status> {
        let caller = self.auth.caller(&request)?;
        self.check_source(&caller, request.get_ref().trace.as_ref())?;
        crate::api::analysis::assert_rpc(&self.traces, request.into_inner())
            .await
            .map(Response::new)
    }

    async fn set_continuous(
        &self,
        request: Request<pb::SetContinuousRequest>,
    ) -> Result<Response<pb::SetContinuousResponse>, Status> {
        let caller = self.auth.caller(&request)?;
        let fresh_start = self.auth.check_set_continuous(
            &caller,
            self.continuous.is_enabled(),
            request.get_ref(),
        )?;
        if fresh_start {
            self.continuous.forget_history();
        }
        continuous::set_continuous(&self.continuous, request.into_inner()).map(Response::new)
    }

    async fn stats(
        &self,
        request: Request<pb::StatsRequest>,
    ) -> Result<Response<pb::StatsResponse>, Status> {
        let caller = self.auth.caller(&request)?;
        self.auth.check_stats(&caller)?;
        continuous::stats(&self.continuous, request.get_ref()).map(Response::new)
    }
}

impl TracerService {
    /// May `caller` read a Compare/Assert trace given by capture id?
    fn check_source(
        &self,
        caller: &Caller,
        source: Option<&pb::TraceSource>,
    ) -> Result<(), Status> {
        match source.and_then(|source| source.source.as_ref()) {
            Some(pb::trace_source::Source::CaptureId(id)) => {
                self.auth.check_stored_trace(caller, *id)
            }
            _ => Ok(()),
        }
    }
}

pub fn kernel_release() -> String {
    std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|release| release.trim().to_owned())
        .unwrap_or_default()
}
