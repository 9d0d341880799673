//! renacer-daemon: the long-running root daemon.
use std::{
    fs,
    io::ErrorKind,
    net::SocketAddr,
    os::unix::fs::PermissionsExt as _,
    path::{Path, PathBuf},
    process::ExitCode,
    sync::Arc,
};

use anyhow::{Context as _, bail};
use clap::Parser;
use renacer_daemon::{
    continuous::{Continuous, ContinuousArgs},
    kernel::{AttachMode, Kernel, RingBufferSize},
    registry::{Reader, Registry},
    service::TracerService,
};
use renacer_proto::v1::{FILE_DESCRIPTOR_SET, tracer_server::TracerServer};
use tokio::net::UnixListener;
use tokio_stream::wrappers::{TcpListenerStream, UnixListenerStream};
use tracing::{error, info};

const DEFAULT_SOCKET: &str = "/run/renacer/renacer.sock";

/// System-wide eBPF syscall tracing daemon: serves the renacer.v1 gRPC API.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Unix socket to serve on (created with mode 0600).
    #[arg(long, env = "RENACER_SOCKET", default_value = DEFAULT_SOCKET)]
    socket: PathBuf,
    /// Also serve on this TCP address (loopback only), e.g. 127.0.0.1:50051.
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// How the raw_syscalls programs attach. Raw tracepoints measured cheaper
    /// against a truly untraced baseline (`cargo xtask bench`): they skip the
    /// perf record a classic tracepoint prepares on every syscall of the machine.
    #[arg(long, value_enum, default_value = "raw-tracepoint")]
    attach: AttachMode,
    /// Size of the kernel's ring buffer in MiB (a power of two). Larger rides
    /// out longer stalls of the reader without drops; the daemon maps it
    /// twice, so its RSS grows by twice this.
    #[arg(long, default_value_t = renacer_common::RING_BUFFER_BYTES >> 20,
          value_parser = parse_ring_buffer_mib)]
    ring_buffer_mib: u32,
    #[command(flatten)]
    otlp: renacer_daemon::otlp::OtlpArgs,
    /// Log filter (tracing EnvFilter syntax), e.g. info or renacer_daemon=debug.
    #[arg(long, env = "RENACER_LOG", default_value = "info")]
    log: String,
    #[command(flatten)]
    continuous: ContinuousArgs,
}

fn parse_ring_buffer_mib(value: &str) -> Result<u32, String> {
    let mib = value
        .parse()
        .map_err(|_| format!("{value:?} is not a number of MiB"))?;
    RingBufferSize::from_mib(mib).map(|_| mib)
}

fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(&args.log))
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("renacer-daemon: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("renacer-daemon: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Binds the Unix socket, refusing to steal it from a running daemon and
/// replacing a stale file left by one that died.
fn bind_socket(path: &Path) -> anyhow::Result<UnixListener> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    if path.exists() {
        if std::os::unix::net::UnixStream::connect(path).is_ok() {
            bail!(
                "another renacer-daemon is already serving {}; stop it first or pass --socket",
                path.display()
            );
        }
        fs::remove_file(path).with_context(|| format!("removing stale {}", path.display()))?;
    }
    let listener =
        UnixListener::bind(path).with_context(|| format!("binding {}", path.display()))?;
    fs::set_permissions(path, fs::Permissions::from_mode(0o600))
        .with_context(|| format!("setting mode 0600 on {}", path.display()))?;
    Ok(listener)
}

async fn run(args: Args) -> anyhow::Result<()> {
    // SAFETY: plain syscall.
    if unsafe { libc::geteuid() } != 0 {
        bail!("renacer-daemon must run as root (it loads eBPF programs): try sudo renacer-daemon");
    }
    if let Some(addr) = args.listen
        && !addr.ip().is_loopback()
    {
        bail!("--listen {addr}: only loopback addresses are allowed (the API controls tracing)");
    }
    let ring_size = RingBufferSize::from_mib(args.ring_buffer_mib).map_err(anyhow::Error::msg)?;
    let (kernel, ring) = Kernel::load(args.attach, ring_size).context("loading eBPF programs")?;
    let registry = Registry::new(kernel);
    let reader = Reader::spawn(Arc::clone(&registry), ring).context("starting the reader")?;

    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    health_reporter
        .set_serving::<TracerServer<TracerService>>()
        .await;
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()
        .context("building the reflection service")?;
    let metrics = renacer_daemon::otlp::metrics_queue(&args.otlp).context("--otlp-endpoint")?;
    let continuous = Continuous::from_args(Arc::clone(&registry), &args.continuous, metrics)?;
    // Bound once continuous mode is attached: a client that sees the socket
    // sees a ready daemon.
    let unix = bind_socket(&args.socket)?;
    // Compare/Assert take whole traces as JSON: golden traces run to megabytes.
    let tracer = TracerServer::new(
        TracerService::with_continuous(Arc::clone(&registry), Arc::clone(&continuous))
            .with_otlp(args.otlp.clone()),
    )
    .max_decoding_message_size(renacer_daemon::analysis::MAX_REQUEST_BYTES);

    let shutdown = {
        let registry = Arc::clone(&registry);
        async move {
            wait_for_signal().await;
            info!("shutting down");
            registry.begin_shutdown();
        }
    };
    let router = tonic::transport::Server::builder()
        .add_service(health_service)
        .add_service(reflection)
        .add_service(tracer);

    info!(socket = %args.socket.display(), "serving renacer.v1");
    let result = match args.listen {
        None => {
            router
                .serve_with_incoming_shutdown(UnixListenerStream::new(unix), shutdown)
                .await
        }
        Some(addr) => {
            let tcp = tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("binding {addr}"))?;
            info!(%addr, "also serving on TCP");
            let tcp_router = router.clone();
            let registry_for_tcp = Arc::clone(&registry);
            let tcp_task = tokio::spawn(async move {
                tcp_router
                    .serve_with_incoming_shutdown(TcpListenerStream::new(tcp), async move {
                        registry_for_tcp.shutdown_signal().await;
                    })
                    .await
            });
            let unix_result = router
                .serve_with_incoming_shutdown(UnixListenerStream::new(unix), shutdown)
                .await;
            match tcp_task.await {
                Ok(Err(err)) => error!("TCP server: {err}"),
                Err(err) => error!("TCP server task: {err}"),
                Ok(Ok(())) => {}
            }
            unix_result
        }
    };
    match fs::remove_file(&args.socket) {
        Err(err) if err.kind() != ErrorKind::NotFound => {
            error!("removing {}: {err}", args.socket.display());
        }
        _ => {}
    }
    reader.stop();
    continuous.shutdown();
    // Dropping the registry drops the Kernel, which detaches the programs.
    drop(registry);
    result.context("serving gRPC")?;
    info!("stopped");
    Ok(())
}

async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        error!("cannot install signal handlers; stop with SIGKILL");
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
}
