//! `--metrics ADDR`: the daemon's counters as an OpenMetrics / Prometheus
//! text endpoint at `http://ADDR/metrics`.
//!
//! A deliberately tiny HTTP/1.1 handler on a tokio TCP listener: one GET per
//! connection, `Connection: close`. A scraper that asks for
//! `application/openmetrics-text` gets OpenMetrics 1.0 (ending in `# EOF`);
//! anyone else gets the Prometheus text format 0.0.4. Every value is read from
//! the daemon's state at scrape time: [`Registry`] counters, the live
//! sessions, the OTLP counters and continuous mode's per-syscall totals.
use std::{
    fmt::Write as _,
    io,
    net::SocketAddr,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    task::{Context, Poll},
    time::Duration,
};

use tokio::{
    io::{AsyncRead, AsyncReadExt as _, AsyncWriteExt as _, ReadBuf},
    net::TcpListener,
};
use tracing::{debug, info, warn};

use crate::{
    export::otlp::DaemonOtlp,
    sessions::{continuous::Continuous, registry::Registry},
};

/// Largest request head read; a scrape's is a few hundred bytes.
const MAX_REQUEST_BYTES: usize = 8192;
/// A client that does not finish its request head in this time is dropped.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

const OPENMETRICS_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
const PROMETHEUS_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

#[derive(Debug, Clone, clap::Args)]
pub struct MetricsArgs {
    /// Serve OpenMetrics/Prometheus text at http://ADDR/metrics, e.g.
    /// 127.0.0.1:9464 (off by default). Unauthenticated: anyone who can
    /// connect reads the daemon-wide counters and continuous mode's
    /// per-syscall totals, so keep it on loopback unless you explicitly mean
    /// to expose it (a non-loopback address is served as given, with a warning).
    #[arg(long = "metrics", value_name = "ADDR")]
    pub metrics: Option<SocketAddr>,
}

/// Open client connections on the gRPC listeners.
#[derive(Debug, Default)]
pub struct ClientGauge {
    connected: AtomicU64,
    accepted: AtomicU64,
}

impl ClientGauge {
    /// Counts `stream` as connected until it is dropped.
    pub fn track<S>(self: &Arc<Self>, stream: S) -> Tracked<S> {
        self.connected.fetch_add(1, Ordering::Relaxed);
        self.accepted.fetch_add(1, Ordering::Relaxed);
        Tracked {
            inner: stream,
            gauge: Arc::clone(self),
        }
    }

    pub fn connected(&self) -> u64 {
        self.connected.load(Ordering::Relaxed)
    }

    pub fn accepted(&self) -> u64 {
        self.accepted.load(Ordering::Relaxed)
    }
}

/// A connection counted by a [`ClientGauge`].
#[derive(Debug)]
pub struct Tracked<S> {
    inner: S,
    gauge: Arc<ClientGauge>,
}

impl<S> Drop for Tracked<S> {
    fn drop(&mut self) {
        self.gauge.connected.fetch_sub(1, Ordering::Relaxed);
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Tracked<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

pass_writes_through!(Tracked);

/// Where the endpoint reads its values.
#[derive(Debug, Clone)]
pub struct MetricsSources {
    pub registry: Arc<Registry>,
    pub continuous: Arc<Continuous>,
    pub otlp: Arc<DaemonOtlp>,
    pub clients: Arc<ClientGauge>,
    pub ring_buffer_bytes: u64,
}

/// Binds `addr` and serves `/metrics` until the daemon shuts down.
pub async fn serve(addr: SocketAddr, sources: MetricsSources) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding --metrics {addr}"))?;
    if addr.ip().is_loopback() {
        info!(%addr, "serving metrics at /metrics");
    } else {
        warn!(
            %addr,
            "serving metrics on a non-loopback address: anyone who can connect reads the daemon's counters"
        );
    }
    let registry = Arc::clone(&sources.registry);
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                () = registry.shutdown_signal() => return,
            };
            match accepted {
                Ok((stream, _)) => {
                    let sources = sources.clone();
                    tokio::spawn(async move {
                        if let Err(err) = handle(stream, sources).await {
                            debug!("metrics request: {err}");
                        }
                    });
                }
                Err(err) => {
                    warn!("accepting a metrics connection: {err}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    });
    Ok(())
}

async fn handle(mut stream: tokio::net::TcpStream, sources: MetricsSources) -> io::Result<()> {
    let head = match tokio::time::timeout(REQUEST_TIMEOUT, read_head(&mut stream)).await {
        Ok(head) => head?,
        Err(_) => return Ok(()),
    };
    // Reading continuous mode's maps takes locks and syscalls: off the
    // async workers.
    let snapshot = tokio::task::spawn_blocking(move || Snapshot::take(&sources))
        .await
        .map_err(io::Error::other)?;
    let (status, content_type, body) = respond(&head, || snapshot);
    let mut response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    // HEAD: the headers a GET would get, without the body.
    if !head.starts_with("HEAD ") {
        response.push_str(&body);
    }
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

async fn read_head(stream: &mut tokio::net::TcpStream) -> io::Result<String> {
    let mut head = Vec::with_capacity(512);
    let mut chunk = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        if head.len() > MAX_REQUEST_BYTES {
            break;
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&chunk[..n]);
    }
    Ok(String::from_utf8_lossy(&head).into_owned())
}

/// Status line, content type and body for a request head.
fn respond(
    head: &str,
    snapshot: impl FnOnce() -> Snapshot,
) -> (&'static str, &'static str, String) {
    let mut lines = head.lines();
    let mut request = lines.next().unwrap_or_default().split_whitespace();
    let (method, target) = (
        request.next().unwrap_or_default(),
        request.next().unwrap_or_default(),
    );
    let path = target.split('?').next().unwrap_or_default();
    if method != "GET" && method != "HEAD" {
        return (
            "405 Method Not Allowed",
            "text/plain; charset=utf-8",
            "only GET /metrics is served\n".to_owned(),
        );
    }
    if path != "/metrics" {
        return (
            "404 Not Found",
            "text/plain; charset=utf-8",
            "not found: the metrics are at /metrics\n".to_owned(),
        );
    }
    let openmetrics = lines.any(|line| {
        line.split_once(':').is_some_and(|(name, value)| {
            name.trim().eq_ignore_ascii_case("accept")
                && value.contains("application/openmetrics-text")
        })
    });
    let body = render(&snapshot(), openmetrics);
    let content_type = if openmetrics {
        OPENMETRICS_TYPE
    } else {
        PROMETHEUS_TYPE
    };
    ("200 OK", content_type, body)
}

/// The values of one scrape.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub events_seen: u64,
    pub orphan_events: u64,
    pub kernel_drops: u64,
    pub subscriber_drops: u64,
    pub buffer_drops: u64,
    pub otlp_unsent: u64,
    pub otlp_metrics_unsent: u64,
    pub lossless_pauses: u64,
    pub active_captures: u64,
    pub connected_clients: u64,
    pub connections: u64,
    pub ring_buffer_bytes: u64,
    pub syscall_programs_attached: bool,
    pub continuous: bool,
    /// (syscall name, calls, errors) from continuous mode.
    pub continuous_syscalls: Vec<(String, u64, u64)>,
}

impl Snapshot {
    pub fn take(sources: &MetricsSources) -> Self {
        let registry = &sources.registry;
        let (subscriber_drops, buffer_drops, lossless_pauses) = registry.session_totals();
        Self {
            events_seen: registry.counters.events_seen.load(Ordering::Relaxed),
            orphan_events: registry.counters.orphan_events.load(Ordering::Relaxed),
            kernel_drops: registry.kernel_drops(),
            subscriber_drops,
            buffer_drops,
            otlp_unsent: sources.otlp.unsent(),
            otlp_metrics_unsent: sources.continuous.metrics_unsent(),
            lossless_pauses,
            active_captures: registry.active_captures() as u64,
            connected_clients: sources.clients.connected(),
            connections: sources.clients.accepted(),
            ring_buffer_bytes: sources.ring_buffer_bytes,
            syscall_programs_attached: registry.kernel().hot_attached(),
            continuous: sources.continuous.is_enabled(),
            continuous_syscalls: sources
                .continuous
                .syscall_totals()
                .into_iter()
                .map(|(nr, (calls, errors))| {
                    (
                        crate::sessions::profile::syscall_name(nr).into_owned(),
                        calls,
                        errors,
                    )
                })
                .collect(),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Counter,
    Gauge,
}

struct Writer {
    out: String,
    openmetrics: bool,
}

impl Writer {
    /// One metric family. `name` is without `_total`; counters' samples get it.
    fn family(&mut self, name: &str, kind: Kind, help: &str, samples: &[(String, u64)]) {
        let (kind_name, sample_name) = match kind {
            Kind::Counter => ("counter", format!("{name}_total")),
            Kind::Gauge => ("gauge", name.to_owned()),
        };
        // OpenMetrics names the family without the suffix; Prometheus 0.0.4
        // names it as its samples are named.
        let family = if self.openmetrics { name } else { &sample_name };
        let _ = writeln!(self.out, "# TYPE {family} {kind_name}");
        let _ = writeln!(self.out, "# HELP {family} {}", escape_help(help));
        for (labels, value) in samples {
            let _ = writeln!(self.out, "{sample_name}{labels} {value}");
        }
    }

    fn single(&mut self, name: &str, kind: Kind, help: &str, value: u64) {
        self.family(name, kind, help, &[(String::new(), value)]);
    }
}

fn escape_help(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n")
}

fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn label(name: &str, value: &str) -> String {
    format!("{{{name}=\"{}\"}}", escape_label(value))
}

/// The exposition text of `snapshot`.
pub fn render(snapshot: &Snapshot, openmetrics: bool) -> String {
    use Kind::{Counter, Gauge};
    let mut w = Writer {
        out: String::with_capacity(4096),
        openmetrics,
    };
    w.family(
        "renacer_build_info",
        Gauge,
        "The daemon's version (value 1).",
        &[(label("version", env!("CARGO_PKG_VERSION")), 1)],
    );
    w.single(
        "renacer_events_seen",
        Counter,
        "Records read from the kernel's ring buffer.",
        snapshot.events_seen,
    );
    w.single(
        "renacer_orphan_events",
        Counter,
        "Records for a capture that had already ended.",
        snapshot.orphan_events,
    );
    w.family(
        "renacer_drops",
        Counter,
        "Records or spans lost, by stage: kernel (ring buffer reserve or in-flight map full), subscriber (a slow client's queue), buffer (background-capture limit), otlp_unsent (spans not delivered), otlp_metrics_unsent (continuous-mode data points not delivered).",
        &[
            (label("stage", "kernel"), snapshot.kernel_drops),
            (label("stage", "subscriber"), snapshot.subscriber_drops),
            (label("stage", "buffer"), snapshot.buffer_drops),
            (label("stage", "otlp_unsent"), snapshot.otlp_unsent),
            (
                label("stage", "otlp_metrics_unsent"),
                snapshot.otlp_metrics_unsent,
            ),
        ],
    );
    w.single(
        "renacer_lossless_pauses",
        Counter,
        "Rounds in which a lossless capture's paused processes were resumed.",
        snapshot.lossless_pauses,
    );
    w.single(
        "renacer_active_captures",
        Gauge,
        "Captures (streaming and background) in progress.",
        snapshot.active_captures,
    );
    w.single(
        "renacer_connected_clients",
        Gauge,
        "Open client connections on the gRPC listeners.",
        snapshot.connected_clients,
    );
    w.single(
        "renacer_client_connections",
        Counter,
        "Client connections accepted on the gRPC listeners.",
        snapshot.connections,
    );
    w.single(
        "renacer_ring_buffer_bytes",
        Gauge,
        "Size of the kernel ring buffer (--ring-buffer-mib).",
        snapshot.ring_buffer_bytes,
    );
    w.single(
        "renacer_syscall_programs_attached",
        Gauge,
        "1 while the raw_syscalls capture programs are attached.",
        u64::from(snapshot.syscall_programs_attached),
    );
    w.single(
        "renacer_continuous_enabled",
        Gauge,
        "1 while continuous mode is on.",
        u64::from(snapshot.continuous),
    );
    let calls: Vec<(String, u64)> = snapshot
        .continuous_syscalls
        .iter()
        .map(|(name, calls, _)| (label("syscall", name), *calls))
        .collect();
    w.family(
        "renacer_continuous_syscall_calls",
        Counter,
        "Calls counted by continuous mode since the daemon started, per syscall.",
        &calls,
    );
    let errors: Vec<(String, u64)> = snapshot
        .continuous_syscalls
        .iter()
        .map(|(name, _, errors)| (label("syscall", name), *errors))
        .collect();
    w.family(
        "renacer_continuous_syscall_errors",
        Counter,
        "Failed calls counted by continuous mode since the daemon started, per syscall.",
        &errors,
    );
    if openmetrics {
        w.out.push_str("# EOF\n");
    }
    w.out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot() -> Snapshot {
        Snapshot {
            events_seen: 42,
            kernel_drops: 3,
            continuous: true,
            continuous_syscalls: vec![("read".into(), 10, 1), ("we\"ird".into(), 2, 0)],
            ..Snapshot::default()
        }
    }

    #[test]
    fn openmetrics_names_families_without_total_and_ends_with_eof() {
        let text = render(&snapshot(), true);
        assert!(text.contains("# TYPE renacer_events_seen counter\n"));
        assert!(text.contains("\nrenacer_events_seen_total 42\n"));
        assert!(text.contains("renacer_drops_total{stage=\"kernel\"} 3\n"));
        assert!(text.contains("renacer_continuous_syscall_calls_total{syscall=\"read\"} 10\n"));
        assert!(text.contains("{syscall=\"we\\\"ird\"} 2\n"));
        assert!(text.ends_with("# EOF\n"));
        assert_eq!(text.matches("# EOF").count(), 1);
    }

    #[test]
    fn prometheus_text_names_counters_with_total_and_has_no_eof() {
        let text = render(&snapshot(), false);
        assert!(text.contains("# TYPE renacer_events_seen_total counter\n"));
        assert!(text.contains("# TYPE renacer_active_captures gauge\n"));
        assert!(!text.contains("# EOF"));
    }

    #[test]
    fn only_get_metrics_is_served() {
        let get = |head: &str| respond(head, snapshot);
        assert_eq!(get("GET /metrics HTTP/1.1\r\n\r\n").0, "200 OK");
        assert_eq!(
            get("GET /metrics HTTP/1.1\r\nAccept: application/openmetrics-text;version=1.0.0\r\n\r\n").1,
            OPENMETRICS_TYPE
        );
        assert_eq!(get("GET / HTTP/1.1\r\n\r\n").0, "404 Not Found");
        assert_eq!(
            get("POST /metrics HTTP/1.1\r\n\r\n").0,
            "405 Method Not Allowed"
        );
        assert_eq!(get("").0, "405 Method Not Allowed");
    }
}
