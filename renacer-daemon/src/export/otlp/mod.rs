//! OpenTelemetry export of captures (OTLP traces) and W3C trace context.
//!
//! Each capture has a trace id: the one of the traceparent it was given (the
//! request's `trace_parent`, else `TRACEPARENT` in the traced process's
//! environment), else a random one. When OTLP export is on (per request, or
//! for every capture with `--otlp-endpoint`), the session feeds its records to
//! a [`model::SpanModel`] on the reader thread, and the spans go through a
//! bounded queue to an exporter task ([`exporter`]). See `model` for the span
//! model and the volume policy.
pub mod exporter;
pub mod metrics;
pub mod model;

use std::{
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use opentelemetry_proto::tonic::resource::v1::Resource;
use renacer_proto::v1 as pb;
use renacer_trace::{
    SyscallRecord, packed,
    traceparent::{self, TraceParent, TraceParentError},
};
use tracing::{info, warn};

use self::{
    exporter::{MetricsQueue, SpanQueue, Target},
    model::{Policy, SpanIds, SpanModel, TraceContext},
};
use crate::{
    pipeline::{
        session::{CaptureSink, CaptureTrace, ProcessEventKind, ProcessRecord},
        unix_nanos_now,
    },
    sessions::{continuous::SampleSink, profile::Row},
};

/// `renacer-daemon` flags for OTLP export.
#[derive(Debug, Clone, clap::Args)]
pub struct OtlpArgs {
    /// Export every capture as OTLP spans to this collector, e.g.
    /// http://127.0.0.1:4317 (a request may name its own endpoint).
    #[arg(long, env = "RENACER_OTLP_ENDPOINT", value_name = "URL")]
    pub otlp_endpoint: Option<String>,
    /// Protocol for --otlp-endpoint: grpc or http/protobuf.
    #[arg(long, default_value = "grpc", value_name = "PROTOCOL")]
    pub otlp_protocol: String,
    /// Default span threshold in microseconds: syscalls at least this slow get
    /// their own span, faster ones are counted on their process span.
    #[arg(long, default_value_t = 1_000, value_name = "MICROSECONDS")]
    pub otlp_span_threshold_us: u64,
    /// Syscall spans per capture at most; the rest are counted on the process spans.
    #[arg(long, default_value_t = 100_000, value_name = "N")]
    pub otlp_max_spans: u64,
    /// An endpoint that callers who are not admins may name in their requests
    /// (repeatable). Without it they export only to --otlp-endpoint: the
    /// daemon runs as root, and must not connect wherever any user asks.
    #[arg(long = "otlp-allow-endpoint", value_name = "URL")]
    pub otlp_allowed_endpoints: Vec<String>,
}

impl Default for OtlpArgs {
    fn default() -> Self {
        Self {
            otlp_endpoint: None,
            otlp_protocol: "grpc".into(),
            otlp_span_threshold_us: 1_000,
            otlp_max_spans: 100_000,
            otlp_allowed_endpoints: Vec::new(),
        }
    }
}

/// The daemon-wide OTLP settings and counters.
#[derive(Debug, Default)]
pub struct DaemonOtlp {
    args: OtlpArgs,
    unsent: Arc<AtomicU64>,
}

impl DaemonOtlp {
    pub fn new(args: OtlpArgs) -> Self {
        Self {
            args,
            unsent: Arc::default(),
        }
    }

    /// Spans not delivered over the daemon's lifetime.
    pub fn unsent(&self) -> u64 {
        self.unsent.load(Ordering::Relaxed)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OtlpError {
    #[error(transparent)]
    TraceParent(#[from] TraceParentError),
    #[error("invalid OTLP endpoint '{0}': expected a URL such as http://127.0.0.1:4317")]
    Endpoint(String),
    #[error(
        "OTLP endpoint '{0}': TLS is not supported; use http:// (for example to a local collector)"
    )]
    Tls(String),
    #[error("unknown OTLP protocol '{0}': use grpc or http/protobuf")]
    Protocol(String),
    #[error("OTLP export requested but no endpoint given and the daemon has no --otlp-endpoint")]
    NoEndpoint,
    #[error("OTLP span_threshold must not be negative")]
    NegativeThreshold,
    #[error(
        "exporting to OTLP endpoint '{0}' needs an admin: leave the endpoint empty to use the daemon's --otlp-endpoint, or ask the admin to start the daemon with --otlp-allow-endpoint {0}"
    )]
    EndpointNotAllowed(String),
}

impl From<OtlpError> for tonic::Status {
    fn from(err: OtlpError) -> Self {
        match err {
            OtlpError::EndpointNotAllowed(_) => tonic::Status::permission_denied(err.to_string()),
            _ => tonic::Status::invalid_argument(err.to_string()),
        }
    }
}

/// A capture request's tracing part.
#[derive(Debug, Clone, Copy)]
pub struct TraceRequest<'a> {
    pub trace_parent: &'a str,
    pub otlp: Option<&'a pb::OtlpExport>,
    /// Admins may name any endpoint; others only the daemon's own and the
    /// `--otlp-allow-endpoint` ones.
    pub any_endpoint: bool,
}

/// Resolves the capture's trace context and starts its exporter when OTLP
/// export is on. Must run inside the tokio runtime.
pub fn prepare(
    daemon: &DaemonOtlp,
    pid: u32,
    command: &[String],
    request: TraceRequest<'_>,
) -> Result<CaptureTrace, OtlpError> {
    let context = trace_context(pid, request.trace_parent)?;
    let trace_id = traceparent::hex(&context.trace_id);
    let export = match export_settings(daemon, request.otlp, request.any_endpoint)? {
        None => None,
        Some((target, policy, service_name)) => {
            let resource = resource(pid, command, service_name);
            let model = SpanModel::new(
                context,
                policy,
                SpanIds::new(u64::from_ne_bytes(random_bytes())),
                pid,
                command.to_vec(),
                unix_nanos_now(),
            );
            Some(Box::new(CaptureExport {
                model,
                queue: SpanQueue::spawn(target, resource, Arc::clone(&daemon.unsent)),
            }) as Box<dyn CaptureSink>)
        }
    };
    Ok(CaptureTrace { trace_id, export })
}

/// The request's traceparent, else `TRACEPARENT` from the process's
/// environment, else a new trace.
fn trace_context(pid: u32, explicit: &str) -> Result<TraceContext, TraceParentError> {
    let parent = if explicit.trim().is_empty() {
        let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
        match TraceParent::from_environ(&environ) {
            Some(Ok(parent)) => Some(parent),
            Some(Err(err)) => {
                // Not the caller's mistake: the process's environment.
                warn!(pid, "ignoring TRACEPARENT of the traced process: {err}");
                None
            }
            None => None,
        }
    } else {
        Some(TraceParent::parse(explicit)?)
    };
    Ok(match parent {
        Some(parent) => TraceContext {
            trace_id: parent.trace_id,
            parent_span_id: Some(parent.parent_span_id),
        },
        None => TraceContext {
            trace_id: new_trace_id(),
            parent_span_id: None,
        },
    })
}

type ExportSettings = (Target, Policy, Option<String>);

/// Where and how to export, or None when export is off for this capture.
fn export_settings(
    daemon: &DaemonOtlp,
    request: Option<&pb::OtlpExport>,
    any_endpoint: bool,
) -> Result<Option<ExportSettings>, OtlpError> {
    let defaults = &daemon.args;
    let (endpoint, protocol) = match request {
        None => match &defaults.otlp_endpoint {
            None => return Ok(None),
            Some(endpoint) => (endpoint.clone(), defaults.otlp_protocol.clone()),
        },
        Some(request) if request.endpoint.is_empty() => match &defaults.otlp_endpoint {
            None => return Err(OtlpError::NoEndpoint),
            Some(endpoint) if request.protocol.is_empty() => {
                (endpoint.clone(), defaults.otlp_protocol.clone())
            }
            Some(endpoint) => (endpoint.clone(), request.protocol.clone()),
        },
        Some(request) => {
            let allowed = any_endpoint
                || defaults.otlp_endpoint.as_ref() == Some(&request.endpoint)
                || defaults.otlp_allowed_endpoints.contains(&request.endpoint);
            if !allowed {
                return Err(OtlpError::EndpointNotAllowed(request.endpoint.clone()));
            }
            (request.endpoint.clone(), request.protocol.clone())
        }
    };
    let target = target(&endpoint, &protocol, Signal::Traces)?;
    let threshold = match request.and_then(|r| r.span_threshold) {
        Some(d) if d.seconds < 0 || d.nanos < 0 => return Err(OtlpError::NegativeThreshold),
        Some(d) if d.seconds > 0 || d.nanos > 0 => {
            Duration::from_secs(d.seconds as u64) + Duration::from_nanos(d.nanos as u64)
        }
        _ => Duration::from_micros(defaults.otlp_span_threshold_us),
    };
    let policy = Policy {
        span_threshold_nanos: u64::try_from(threshold.as_nanos()).unwrap_or(u64::MAX),
        error_spans: !request.is_some_and(|r| r.no_error_spans),
        max_spans: defaults.otlp_max_spans,
    };
    let service_name = request
        .map(|r| r.service_name.clone())
        .filter(|name| !name.is_empty());
    Ok(Some((target, policy, service_name)))
}

/// What is exported, for the OTLP/HTTP path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Traces,
    Metrics,
}

impl Signal {
    fn http_path(self) -> &'static str {
        match self {
            Self::Traces => "/v1/traces",
            Self::Metrics => "/v1/metrics",
        }
    }
}

/// Parses an endpoint: gRPC takes the URL as is, OTLP/HTTP posts to
/// `<URL>/v1/traces` (or `/v1/metrics`) unless the URL already has a path.
fn target(endpoint: &str, protocol: &str, signal: Signal) -> Result<Target, OtlpError> {
    let bad = || OtlpError::Endpoint(endpoint.to_owned());
    let uri: hyper::Uri = endpoint.parse().map_err(|_| bad())?;
    match uri.scheme_str() {
        Some("http") if uri.host().is_some() => {}
        Some("https") => return Err(OtlpError::Tls(endpoint.to_owned())),
        _ => return Err(bad()),
    }
    match protocol {
        "" | "grpc" => tonic::transport::Endpoint::from_shared(endpoint.to_owned())
            .map(|endpoint| Target::Grpc(Box::new(endpoint)))
            .map_err(|_| bad()),
        "http/protobuf" | "http" => {
            let uri = if matches!(uri.path(), "" | "/") {
                format!("{}{}", endpoint.trim_end_matches('/'), signal.http_path())
                    .parse()
                    .map_err(|_| bad())?
            } else {
                uri
            };
            Ok(Target::Http(uri))
        }
        other => Err(OtlpError::Protocol(other.to_owned())),
    }
}

fn resource(pid: u32, command: &[String], service_name: Option<String>) -> Resource {
    use model::{int, string};
    let executable = command
        .first()
        .map(|arg0| model::executable_name(arg0).to_owned())
        .unwrap_or_else(|| format!("pid {pid}"));
    Resource {
        attributes: vec![
            string(
                "service.name",
                service_name.unwrap_or_else(|| executable.clone()),
            ),
            string("host.name", host_name()),
            int("process.pid", pid.into()),
            string("process.executable.name", executable),
            string("process.command_line", command.join(" ")),
            string("telemetry.sdk.name", "renacer".into()),
        ],
        ..Resource::default()
    }
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_owned())
        .unwrap_or_default()
}

/// The daemon's continuous-mode metric export, when it has `--otlp-endpoint`.
/// Must run inside the tokio runtime, which the export task then runs on.
pub fn metrics_queue(args: &OtlpArgs) -> Result<Option<MetricsQueue>, OtlpError> {
    let Some(endpoint) = &args.otlp_endpoint else {
        return Ok(None);
    };
    let target = target(endpoint, &args.otlp_protocol, Signal::Metrics)?;
    let resource = Resource {
        attributes: vec![
            model::string("service.name", "renacer-daemon".into()),
            model::string("host.name", host_name()),
            model::string("telemetry.sdk.name", "renacer".into()),
        ],
        ..Resource::default()
    };
    Ok(Some(MetricsQueue::spawn(
        &tokio::runtime::Handle::current(),
        target,
        resource,
    )))
}

/// A capture's span export: fed by its session on the reader thread.
#[derive(Debug)]
pub struct CaptureExport {
    model: SpanModel,
    queue: SpanQueue,
}

impl CaptureSink for CaptureExport {
    /// One call, with its captured bytes in packed form.
    fn syscall(&mut self, record: &SyscallRecord, items: &[u8]) {
        let captured = packed::captured(items);
        if is_successful_execve(record) && !items.is_empty() {
            let argv = captured
                .argv
                .iter()
                .map(|arg| String::from_utf8_lossy(arg.bytes).into_owned())
                .collect();
            let truncated =
                captured.argv_truncated || captured.argv.iter().any(|arg| arg.truncated);
            self.model
                .exec_argv(record.pid, argv, truncated, record.timestamp_nanos);
        }
        if let Some(span) = self.model.syscall(record, &captured) {
            self.queue.push(span);
        }
    }

    fn process(&mut self, record: &ProcessRecord) {
        if matches!(record.kind, ProcessEventKind::Exec | ProcessEventKind::Exit)
            && let Some(path) = crate::cgroups::path_of(record.cgroup_id)
        {
            self.model.cgroup(record.pid, path, record.timestamp_nanos);
        }
        match record.kind {
            ProcessEventKind::Fork => {
                self.model
                    .fork(record.pid, record.child_pid, record.timestamp_nanos);
            }
            ProcessEventKind::Exec => {
                self.model
                    .exec(record.pid, exec_command(record.pid), record.timestamp_nanos);
            }
            ProcessEventKind::Exit => {
                if let Some(span) = self.model.exit(
                    record.pid,
                    record.tid,
                    record.group_dead,
                    record.timestamp_nanos,
                ) {
                    self.queue.push(span);
                }
            }
            // Spans are per call and process; signals have none.
            ProcessEventKind::Signal => {}
        }
    }

    /// Ends the spans of processes still alive and flushes the queue
    /// (bounded in time): the spans not sent.
    fn finish(mut self: Box<Self>, capture_id: u32) -> Pin<Box<dyn Future<Output = u64> + Send>> {
        Box::pin(async move {
            for span in self.model.finish(unix_nanos_now()) {
                self.queue.push(span);
            }
            let made = self.model.counts();
            let export = self.queue.finish().await;
            info!(
                capture_id,
                process_spans = made.process_spans,
                syscall_spans = made.syscall_spans,
                capped = made.capped,
                sent = export.sent,
                unsent = export.unsent,
                "OTLP export finished"
            );
            export.unsent
        })
    }
}

/// The command line a process runs after its exec, read as soon as the
/// exec event arrives (the kernel event carries no file name). A process that
/// already exited has no command line but keeps its `comm` until reaped.
fn is_successful_execve(record: &SyscallRecord) -> bool {
    matches!(record.name().as_ref(), "execve" | "execveat")
        && record.result == renacer_trace::SyscallResult::Returned(0)
}

fn exec_command(pid: u32) -> Vec<String> {
    let command = crate::procfs::read_cmdline(pid);
    if !command.is_empty() {
        return command;
    }
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .map(|comm| vec![comm.trim_end().to_owned()])
        .unwrap_or_default()
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // SAFETY: writes at most N bytes into an N-byte buffer.
    let n = unsafe { libc::getrandom(bytes.as_mut_ptr().cast(), N, 0) };
    if usize::try_from(n).ok() != Some(N) {
        // Never all-zero (invalid in W3C): fall back to time and pid.
        let seed = unix_nanos_now() ^ (u64::from(std::process::id()) << 32) | 1;
        for (byte, seed_byte) in bytes.iter_mut().zip(seed.to_le_bytes().iter().cycle()) {
            *byte = *seed_byte;
        }
    }
    bytes
}

/// 128 random bits: a W3C trace id.
pub fn new_trace_id() -> [u8; 16] {
    random_bytes()
}

/// Continuous mode's committed samples go out as OTLP metrics.
impl SampleSink for MetricsQueue {
    fn sample(&self, rows: &[Row], start_unix_nanos: u64, end_unix_nanos: u64) {
        let interval = metrics::Interval {
            start_unix_nanos,
            end_unix_nanos,
        };
        let batch = metrics::sample_to_metrics(rows, interval);
        if batch.points > 0 {
            self.push(batch);
        }
    }

    fn sent(&self) -> u64 {
        MetricsQueue::sent(self)
    }

    fn unsent(&self) -> u64 {
        MetricsQueue::unsent(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_and_protocols() {
        assert!(matches!(
            target("http://127.0.0.1:4317", "grpc", Signal::Traces),
            Ok(Target::Grpc(_))
        ));
        assert!(matches!(
            target("http://127.0.0.1:4317", "", Signal::Traces),
            Ok(Target::Grpc(_))
        ));
        match target("http://127.0.0.1:6006", "http/protobuf", Signal::Traces) {
            Ok(Target::Http(uri)) => assert_eq!(uri.to_string(), "http://127.0.0.1:6006/v1/traces"),
            other => panic!("{other:?}"),
        }
        match target("http://127.0.0.1:4318/", "http/protobuf", Signal::Metrics) {
            Ok(Target::Http(uri)) => {
                assert_eq!(uri.to_string(), "http://127.0.0.1:4318/v1/metrics")
            }
            other => panic!("{other:?}"),
        }
        match target(
            "http://collector:4318/custom/path",
            "http/protobuf",
            Signal::Traces,
        ) {
            Ok(Target::Http(uri)) => assert_eq!(uri.path(), "/custom/path"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            target("127.0.0.1:4317", "grpc", Signal::Traces),
            Err(OtlpError::Endpoint(_))
        ));
        assert!(matches!(
            target("ftp://x:1", "grpc", Signal::Traces),
            Err(OtlpError::Endpoint(_))
        ));
        assert!(matches!(
            target("https://x:1", "grpc", Signal::Traces),
            Err(OtlpError::Tls(_))
        ));
        assert!(matches!(
            target("http://x:1", "thrift", Signal::Metrics),
            Err(OtlpError::Protocol(_))
        ));
    }

    #[test]
    fn request_settings_fall_back_to_the_daemon() {
        let daemon = DaemonOtlp::default();
        assert!(matches!(export_settings(&daemon, None, false), Ok(None)));
        let asked = pb::OtlpExport::default();
        assert!(matches!(
            export_settings(&daemon, Some(&asked), false),
            Err(OtlpError::NoEndpoint)
        ));

        let daemon = DaemonOtlp::new(OtlpArgs {
            otlp_endpoint: Some("http://127.0.0.1:4317".into()),
            ..OtlpArgs::default()
        });
        let Ok(Some((_, policy, name))) = export_settings(&daemon, None, false) else {
            panic!("the daemon's endpoint applies to every capture");
        };
        assert_eq!(policy.span_threshold_nanos, 1_000_000);
        assert!(policy.error_spans);
        assert_eq!(name, None);
        let asked = pb::OtlpExport {
            span_threshold: Some(prost_types::Duration {
                seconds: 0,
                nanos: 1,
            }),
            no_error_spans: true,
            service_name: "svc".into(),
            ..pb::OtlpExport::default()
        };
        let Ok(Some((_, policy, name))) = export_settings(&daemon, Some(&asked), false) else {
            panic!("request settings");
        };
        assert_eq!(
            (policy.span_threshold_nanos, policy.error_spans),
            (1, false)
        );
        assert_eq!(name.as_deref(), Some("svc"));
    }

    #[test]
    fn only_admins_name_endpoints_the_daemon_does_not_allow() {
        let daemon = DaemonOtlp::new(OtlpArgs {
            otlp_endpoint: Some("http://127.0.0.1:4317".into()),
            otlp_allowed_endpoints: vec!["http://collector.internal:4317".into()],
            ..OtlpArgs::default()
        });
        let asking = |endpoint: &str| pb::OtlpExport {
            endpoint: endpoint.into(),
            ..pb::OtlpExport::default()
        };
        for allowed in [
            "http://127.0.0.1:4317",
            "http://collector.internal:4317",
            "",
        ] {
            assert!(
                matches!(
                    export_settings(&daemon, Some(&asking(allowed)), false),
                    Ok(Some(_))
                ),
                "{allowed}"
            );
        }
        let elsewhere = asking("http://169.254.169.254:80");
        let Err(refused) = export_settings(&daemon, Some(&elsewhere), false) else {
            panic!("a non-admin named an endpoint the daemon does not allow");
        };
        assert_eq!(
            tonic::Status::from(refused).code(),
            tonic::Code::PermissionDenied
        );
        assert!(matches!(
            export_settings(&daemon, Some(&elsewhere), true),
            Ok(Some(_))
        ));
    }

    #[test]
    fn an_explicit_traceparent_wins_and_a_bad_one_is_an_error() {
        let context = trace_context(
            std::process::id(),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        )
        .expect("valid");
        assert_eq!(
            traceparent::hex(&context.trace_id),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        assert_eq!(
            context.parent_span_id,
            Some([0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7])
        );
        assert!(trace_context(std::process::id(), "00-zz-11-01").is_err());
        let fresh = trace_context(u32::MAX, "").expect("no such process: a new trace");
        assert_ne!(fresh.trace_id, [0; 16]);
        assert_eq!(fresh.parent_span_id, None);
    }
}
