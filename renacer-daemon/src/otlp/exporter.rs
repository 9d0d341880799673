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
    collector::trace::v1::{
        ExportTraceServiceRequest, ExportTraceServiceResponse,
        trace_service_client::TraceServiceClient,
    },
    common::v1::InstrumentationScope,
    resource::v1::Resource,
    trace::v1::{ResourceSpans, ScopeSpans, Span},
};
use prost::Message as _;
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

/// Where spans go.
#[derive(Debug, Clone)]
pub enum Target {
    /// OTLP/gRPC, `TraceService/Export`.
    Grpc(Box<Endpoint>),
    /// OTLP/HTTP with binary protobuf: POST to this URL (…/v1/traces).
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

#[derive(Debug)]
enum Client {
    Grpc(TraceServiceClient<Channel>),
    Http(Box<HttpClient>),
}

#[derive(Debug)]
struct HttpClient {
    uri: hyper::Uri,
    client: hyper_util::client::legacy::Client<
        hyper_util::client::legacy::connect::HttpConnector,
        http_body_util::Full<bytes::Bytes>,
    >,
}

impl Client {
    fn new(target: Target) -> Self {
        match target {
            Target::Grpc(endpoint) => Self::Grpc(TraceServiceClient::new(
                endpoint
                    .connect_timeout(CONNECT_TIMEOUT)
                    .timeout(EXPORT_TIMEOUT)
                    .connect_lazy(),
            )),
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

    /// Sends one request; returns how many spans the backend rejected.
    async fn export(&mut self, request: ExportTraceServiceRequest) -> Result<u64, String> {
        let response = match self {
            Self::Grpc(client) => client
                .export(request)
                .await
                .map(tonic::Response::into_inner)
                .map_err(|status| format!("{}: {}", status.code(), status.message()))?,
            Self::Http(http) => {
                let HttpClient { uri, client } = &**http;
                let body = http_body_util::Full::new(bytes::Bytes::from(request.encode_to_vec()));
                let http_request = hyper::Request::post(uri.clone())
                    .header(hyper::header::CONTENT_TYPE, "application/x-protobuf")
                    .body(body)
                    .map_err(|err| err.to_string())?;
                let response = tokio::time::timeout(EXPORT_TIMEOUT, client.request(http_request))
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
                ExportTraceServiceResponse::decode(body).unwrap_or_default()
            }
        };
        Ok(response.partial_success.map_or(0, |partial| {
            u64::try_from(partial.rejected_spans).unwrap_or(0)
        }))
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
                    scope: Some(InstrumentationScope {
                        name: "renacer".into(),
                        version: env!("CARGO_PKG_VERSION").into(),
                        ..InstrumentationScope::default()
                    }),
                    spans,
                    schema_url: String::new(),
                }],
                schema_url: String::new(),
            }],
        };
        let failed = match self.client.export(request).await {
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
