//! Sends a capture's spans to an OTLP collector from a bounded queue.
//!
//! The ring-buffer reader only ever `try_send`s into the queue: a full queue
//! (slow or dead backend) costs it a counter increment, never a wait. One task
//! per capture drains the queue in batches; an export that fails or times out
//! is not retried, its spans are counted as unsent. At the end of a capture
//! the queue gets a bounded time to drain; whatever is still queued then is
//! counted as unsent too, so `unsent = made - sent`, exactly.
use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use opentelemetry_proto::tonic::{
    collector::{
        metrics::v1::{
            ExportMetricsServiceRequest, ExportMetricsServiceResponse,
            metrics_service_client::MetricsServiceClient,
        },
        trace::v1::{
            ExportTraceServiceRequest, ExportTraceServiceResponse,
            trace_service_client::TraceServiceClient,
        },
    },
    common::v1::InstrumentationScope,
    metrics::v1::{ResourceMetrics, ScopeMetrics},
    resource::v1::Resource,
    trace::v1::{ResourceSpans, ScopeSpans, Span},
};
use tokio::{sync::mpsc, task::JoinHandle};
use tonic::transport::{Channel, Endpoint};
use tracing::{debug, warn};

/// Spans waiting for the exporter, per capture.
pub const QUEUE_SPANS: usize = 16_384;
/// Spans per export request.
const BATCH_SPANS: usize = 2_048;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const EXPORT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the end of a capture waits for queued spans to go out.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(5);

/// Where spans or metrics go.
#[derive(Debug, Clone)]
pub enum Target {
    /// OTLP/gRPC, `TraceService/Export` or `MetricsService/Export`.
    Grpc(Box<Endpoint>),
    /// OTLP/HTTP with binary protobuf: POST to this URL (…/v1/traces or …/v1/metrics).
    Http(hyper::Uri),
}

#[derive(Debug, Default)]
struct Counters {
    /// Taken by the queue.
    queued: AtomicU64,
    /// Refused by a full queue.
    rejected: AtomicU64,
    sent: AtomicU64,
    /// Exported and failed, or rejected by the backend.
    failed: AtomicU64,
}

/// What the exporter did for one capture.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ExportReport {
    pub sent: u64,
    /// Spans that did not reach the backend: queue full, export failed or
    /// rejected, or still queued when the flush time ran out.
    pub unsent: u64,
}

/// The producer side, owned by the capture's session.
#[derive(Debug)]
pub struct SpanQueue {
    tx: mpsc::Sender<Span>,
    counters: Arc<Counters>,
    daemon_unsent: Arc<AtomicU64>,
    task: JoinHandle<()>,
}

impl SpanQueue {
    /// Starts the export task on the current tokio runtime.
    pub fn spawn(target: Target, resource: Resource, daemon_unsent: Arc<AtomicU64>) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE_SPANS);
        let counters = Arc::new(Counters::default());
        let exporter = Exporter {
            client: Client::new(target),
            resource,
            counters: Arc::clone(&counters),
            daemon_unsent: Arc::clone(&daemon_unsent),
            warned: false,
        };
        let task = tokio::spawn(exporter.run(rx));
        Self {
            tx,
            counters,
            daemon_unsent,
            task,
        }
    }

    /// Queues a span; never blocks.
    pub fn push(&self, span: Span) {
        if self.tx.try_send(span).is_ok() {
            self.counters.queued.fetch_add(1, Ordering::Relaxed);
        } else {
            self.counters.rejected.fetch_add(1, Ordering::Relaxed);
            self.daemon_unsent.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Closes the queue and gives the exporter a bounded time to drain it.
    pub async fn finish(self) -> ExportReport {
        let Self {
            tx,
            counters,
            daemon_unsent,
            mut task,
        } = self;
        drop(tx);
        if tokio::time::timeout(FLUSH_TIMEOUT, &mut task)
            .await
            .is_err()
        {
            warn!(
                "OTLP export did not finish within {FLUSH_TIMEOUT:?}; the rest is counted as unsent"
            );
            task.abort();
            let _ = task.await;
        }
        let queued = counters.queued.load(Ordering::Relaxed);
        let sent = counters.sent.load(Ordering::Relaxed);
        let rejected = counters.rejected.load(Ordering::Relaxed);
        // Failed exports were counted daemon-wide as they failed; spans left in
        // the queue by an abort are counted here.
        let failed = counters.failed.load(Ordering::Relaxed);
        let stranded = queued.saturating_sub(sent + failed);
        daemon_unsent.fetch_add(stranded, Ordering::Relaxed);
        ExportReport {
            sent,
            unsent: rejected + queued.saturating_sub(sent),
        }
    }
}

/// The connection to a collector, shared by span and metric export.
#[derive(Debug)]
pub(crate) enum Client {
    Grpc(Channel),
    Http(Box<HttpClient>),
}

#[derive(Debug)]
pub(crate) struct HttpClient {
    uri: hyper::Uri,
    client: hyper_util::client::legacy::Client<
        hyper_util::client::legacy::connect::HttpConnector,
        http_body_util::Full<bytes::Bytes>,
    >,
}

impl HttpClient {
    /// POSTs one binary-protobuf request and decodes the answer.
    async fn post<Answer: prost::Message + Default>(
        &self,
        request: &impl prost::Message,
    ) -> Result<Answer, String> {
        let body = http_body_util::Full::new(bytes::Bytes::from(request.encode_to_vec()));
        let http_request = hyper::Request::post(self.uri.clone())
            .header(hyper::header::CONTENT_TYPE, "application/x-protobuf")
            .body(body)
            .map_err(|err| err.to_string())?;
        let response = tokio::time::timeout(EXPORT_TIMEOUT, self.client.request(http_request))
            .await
            .map_err(|_| format!("no answer within {EXPORT_TIMEOUT:?}"))?
            .map_err(|err| format!("{err:#}"))?;
        let status = response.status();
        let body = tokio::time::timeout(
            EXPORT_TIMEOUT,
            http_body_util::BodyExt::collect(response.into_body()),
        )
        .await
        .map_err(|_| format!("no answer within {EXPORT_TIMEOUT:?}"))?
        .map_err(|err| err.to_string())?
        .to_bytes();
        if !status.is_success() {
            return Err(format!("HTTP {status}"));
        }
        // An empty body is a full success.
        Ok(Answer::decode(body).unwrap_or_default())
    }
}

fn status_text(status: tonic::Status) -> String {
    format!("{}: {}", status.code(), status.message())
}

impl Client {
    pub(crate) fn new(target: Target) -> Self {
        match target {
            Target::Grpc(endpoint) => Self::Grpc(
                endpoint
                    .connect_timeout(CONNECT_TIMEOUT)
                    .timeout(EXPORT_TIMEOUT)
                    .connect_lazy(),
            ),
            Target::Http(uri) => {
                let mut connector = hyper_util::client::legacy::connect::HttpConnector::new();
                connector.set_connect_timeout(Some(CONNECT_TIMEOUT));
                Self::Http(Box::new(HttpClient {
                    uri,
                    client: hyper_util::client::legacy::Client::builder(
                        hyper_util::rt::TokioExecutor::new(),
                    )
                    .build(connector),
                }))
            }
        }
    }

    /// Sends one request: over gRPC with `grpc` (the signal's generated
    /// client), over HTTP as a binary-protobuf POST.
    async fn send<Request: prost::Message, Answer: prost::Message + Default>(
        &self,
        request: Request,
        grpc: impl AsyncFnOnce(Channel, Request) -> Result<tonic::Response<Answer>, tonic::Status>,
    ) -> Result<Answer, String> {
        match self {
            Self::Grpc(channel) => grpc(channel.clone(), request)
                .await
                .map(tonic::Response::into_inner)
                .map_err(status_text),
            Self::Http(http) => http.post(&request).await,
        }
    }

    /// Sends one span request; returns how many spans the backend rejected.
    async fn export_spans(&self, request: ExportTraceServiceRequest) -> Result<u64, String> {
        let response: ExportTraceServiceResponse = self
            .send(request, async |channel, request| {
                TraceServiceClient::new(channel).export(request).await
            })
            .await?;
        Ok(response.partial_success.map_or(0, |partial| {
            u64::try_from(partial.rejected_spans).unwrap_or(0)
        }))
    }

    /// Sends one metrics request; returns how many data points the backend rejected.
    pub(crate) async fn export_metrics(
        &self,
        request: ExportMetricsServiceRequest,
    ) -> Result<u64, String> {
        let response: ExportMetricsServiceResponse = self
            .send(request, async |channel, request| {
                MetricsServiceClient::new(channel).export(request).await
            })
            .await?;
        Ok(response.partial_success.map_or(0, |partial| {
            u64::try_from(partial.rejected_data_points).unwrap_or(0)
        }))
    }
}

/// The instrumentation scope of everything renacer exports.
pub(crate) fn scope() -> InstrumentationScope {
    InstrumentationScope {
        name: "renacer".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        ..InstrumentationScope::default()
    }
}

#[derive(Debug)]
struct Exporter {
    client: Client,
    resource: Resource,
    counters: Arc<Counters>,
    daemon_unsent: Arc<AtomicU64>,
    warned: bool,
}

impl Exporter {
    async fn run(mut self, mut rx: mpsc::Receiver<Span>) {
        let mut batch = Vec::with_capacity(BATCH_SPANS);
        while rx.recv_many(&mut batch, BATCH_SPANS).await > 0 {
            let spans = std::mem::take(&mut batch);
            self.export(spans).await;
        }
    }

    async fn export(&mut self, spans: Vec<Span>) {
        let count = spans.len() as u64;
        let request = ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                resource: Some(self.resource.clone()),
                scope_spans: vec![ScopeSpans {
                    scope: Some(scope()),
                    spans,
                    schema_url: String::new(),
                }],
                schema_url: String::new(),
            }],
        };
        let failed = match self.client.export_spans(request).await {
            Ok(rejected) => {
                if rejected > 0 {
                    warn!(rejected, "the OTLP backend rejected spans");
                }
                rejected.min(count)
            }
            Err(err) => {
                if !self.warned {
                    warn!("OTLP export failed, spans are counted as unsent: {err}");
                    self.warned = true;
                } else {
                    debug!("OTLP export failed: {err}");
                }
                count
            }
        };
        self.counters
            .sent
            .fetch_add(count - failed, Ordering::Relaxed);
        self.counters.failed.fetch_add(failed, Ordering::Relaxed);
        self.daemon_unsent.fetch_add(failed, Ordering::Relaxed);
    }
}

/// Continuous-mode samples waiting for the metrics exporter. One sample a
/// second backs up for at most this many seconds behind a slow backend.
pub const QUEUE_METRIC_SAMPLES: usize = 8;

/// One sample's metrics and how many data points they hold.
#[derive(Debug)]
pub struct MetricsBatch {
    pub metrics: Vec<opentelemetry_proto::tonic::metrics::v1::Metric>,
    pub points: u64,
}

/// The producer side of metric export, fed by the continuous-mode sampler
/// thread: `push` never blocks, whatever the backend does.
#[derive(Debug)]
pub struct MetricsQueue {
    tx: mpsc::Sender<MetricsBatch>,
    sent: Arc<AtomicU64>,
    unsent: Arc<AtomicU64>,
}

impl MetricsQueue {
    /// Starts the export task on `runtime`.
    pub fn spawn(runtime: &tokio::runtime::Handle, target: Target, resource: Resource) -> Self {
        let (tx, mut rx) = mpsc::channel::<MetricsBatch>(QUEUE_METRIC_SAMPLES);
        let sent = Arc::new(AtomicU64::new(0));
        let unsent = Arc::new(AtomicU64::new(0));
        let client = Client::new(target);
        let (task_sent, task_unsent) = (Arc::clone(&sent), Arc::clone(&unsent));
        runtime.spawn(async move {
            let mut warned = false;
            while let Some(batch) = rx.recv().await {
                let request = ExportMetricsServiceRequest {
                    resource_metrics: vec![ResourceMetrics {
                        resource: Some(resource.clone()),
                        scope_metrics: vec![ScopeMetrics {
                            scope: Some(scope()),
                            metrics: batch.metrics,
                            schema_url: String::new(),
                        }],
                        schema_url: String::new(),
                    }],
                };
                let failed = match client.export_metrics(request).await {
                    Ok(rejected) => {
                        if rejected > 0 {
                            warn!(rejected, "the OTLP backend rejected metric data points");
                        }
                        rejected.min(batch.points)
                    }
                    Err(err) => {
                        if warned {
                            debug!("OTLP metrics export failed: {err}");
                        } else {
                            warn!("OTLP metrics export failed, data points are counted as unsent: {err}");
                            warned = true;
                        }
                        batch.points
                    }
                };
                task_sent.fetch_add(batch.points - failed, Ordering::Relaxed);
                task_unsent.fetch_add(failed, Ordering::Relaxed);
            }
        });
        Self { tx, sent, unsent }
    }

    /// Queues a sample's metrics; a full queue counts them as unsent.
    pub fn push(&self, batch: MetricsBatch) {
        let points = batch.points;
        if self.tx.try_send(batch).is_err() {
            self.unsent.fetch_add(points, Ordering::Relaxed);
        }
    }

    /// Data points delivered so far.
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// Data points that did not reach the backend: queue full, export failed
    /// or rejected.
    pub fn unsent(&self) -> u64 {
        self.unsent.load(Ordering::Relaxed)
    }
}
