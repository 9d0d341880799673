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
    api::auth::Authorizer,
    api::service::TracerService,
    api::unix_authority::AuthorityFix,
    kernel::{AttachMode, Kernel, RingBufferSize},
    sessions::continuous::{Continuous, ContinuousArgs},
    sessions::registry::{Reader, Registry},
};
use renacer_proto::v1::{FILE_DESCRIPTOR_SET, tracer_server::TracerServer};
use tokio::net::UnixListener;
use tokio_stream::wrappers::{TcpListenerStream, UnixListenerStream};
use tracing::{error, info, warn};

const DEFAULT_SOCKET: &str = "/run/renacer/renacer.sock";

/// System-wide eBPF syscall tracing daemon: serves the renacer.v1 gRPC API.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Unix socket to serve on (created with mode 0660, group --group).
    #[arg(long, env = "RENACER_SOCKET", default_value = DEFAULT_SOCKET)]
    socket: PathBuf,
    /// Group that may connect to the Unix socket. Its members trace only
    /// their own processes. Without such a group the socket is root-only (0600).
    #[arg(long, default_value = "renacer")]
    group: String,
    /// Members of this group may trace every process, like root.
    #[arg(long)]
    admin_group: Option<String>,
    /// Also serve on this TCP address, e.g. 0.0.0.0:50051. Needs mTLS
    /// (--tls-cert, --tls-key, --tls-client-ca, --tls-identities) unless
    /// --insecure-plaintext-tcp.
    #[arg(long)]
    listen: Option<SocketAddr>,
    #[command(flatten)]
    tls: TlsArgs,
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
    otlp: renacer_daemon::export::otlp::OtlpArgs,
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

#[derive(Debug, clap::Args)]
struct TlsArgs {
    /// PEM certificate chain the TCP listener presents.
    #[arg(long, requires_all = ["tls_key", "tls_client_ca", "tls_identities"])]
    tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// PEM CA certificate(s) that client certificates must chain to.
    #[arg(long, requires = "tls_cert")]
    tls_client_ca: Option<PathBuf>,
    /// TOML file mapping client certificate names (subject CN or a SAN) to a
    /// uid or to the admin role: `[[identity]] name = "ci" uid = 1000`.
    #[arg(long, requires = "tls_cert")]
    tls_identities: Option<PathBuf>,
    /// Serve --listen without TLS (loopback only). Anyone who can connect gets
    /// the rights of uid nobody (65534): they may trace only nobody's processes.
    #[arg(long, conflicts_with = "tls_cert")]
    insecure_plaintext_tcp: bool,
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
/// replacing a stale file left by one that died. Members of `group` may
/// connect (mode 0660); without that group, only root (0600).
fn bind_socket(path: &Path, group: &str) -> anyhow::Result<UnixListener> {
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
    let mode = match renacer_daemon::api::auth::group_gid(group) {
        Some(gid) => {
            std::os::unix::fs::chown(path, Some(0), Some(gid))
                .with_context(|| format!("giving {} to group {group}", path.display()))?;
            0o660
        }
        None => {
            warn!(
                "group {group:?} does not exist: {} is root-only (mode 0600); create it (groupadd --system {group}) or pass --group to let other users trace their own processes",
                path.display()
            );
            0o600
        }
    };
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .with_context(|| format!("setting mode {mode:o} on {}", path.display()))?;
    // Other users reach the socket through its directory.
    if mode == 0o660
        && let Some(dir) = path.parent()
        && let Ok(meta) = fs::metadata(dir)
        && meta.permissions().mode() & 0o011 == 0
    {
        warn!(
            "{} is not searchable by group or others: members of {group} cannot reach the socket",
            dir.display()
        );
    }
    Ok(listener)
}

async fn run(args: Args) -> anyhow::Result<()> {
    // SAFETY: plain syscall.
    if unsafe { libc::geteuid() } != 0 {
        bail!("renacer-daemon must run as root (it loads eBPF programs): try sudo renacer-daemon");
    }
    let tcp_tls = match args.listen {
        None => None,
        Some(addr) => tcp_security(addr, &args.tls)?,
    };
    let admin_gid = match &args.admin_group {
        None => None,
        Some(name) => Some(renacer_daemon::api::auth::group_gid(name).with_context(|| {
            format!("--admin-group {name}: no such group; create it or drop the flag")
        })?),
    };
    let identities = match &args.tls.tls_identities {
        None => Default::default(),
        Some(path) => renacer_daemon::api::auth::load_identities(path)?,
    };
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
    // grpcio-reflection and grpcurl still ask for v1alpha.
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()
        .context("building the reflection service")?;
    let metrics =
        renacer_daemon::export::otlp::metrics_queue(&args.otlp).context("--otlp-endpoint")?;
    let continuous = Continuous::from_args(Arc::clone(&registry), &args.continuous, metrics)?;
    // Bound once continuous mode is attached: a client that sees the socket
    // sees a ready daemon.
    let unix = bind_socket(&args.socket, &args.group)?;
    // Compare/Assert take whole traces as JSON: golden traces run to megabytes.
    let tracer = TracerServer::new(
        TracerService::with_continuous(Arc::clone(&registry), Arc::clone(&continuous))
            .with_otlp(args.otlp.clone())
            .with_auth(Authorizer::new(admin_gid, identities)),
    )
    .max_decoding_message_size(renacer_daemon::api::analysis::MAX_REQUEST_BYTES);

    let shutdown = {
        let registry = Arc::clone(&registry);
        async move {
            wait_for_signal().await;
            info!("shutting down");
            registry.begin_shutdown();
        }
    };
    let routes = tonic::service::Routes::new(health_service)
        .add_service(reflection)
        .add_service(reflection_v1alpha)
        .add_service(tracer);
    let router = tonic::transport::Server::builder().add_routes(routes.clone());

    info!(socket = %args.socket.display(), "serving renacer.v1");
    let result = match args.listen {
        None => {
            router
                .serve_with_incoming_shutdown(unix_connections(unix), shutdown)
                .await
        }
        Some(addr) => {
            let tcp = tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("binding {addr}"))?;
            let mut tcp_server = tonic::transport::Server::builder();
            match tcp_tls {
                Some(tls) => {
                    tcp_server = tcp_server
                        .tls_config(tls)
                        .context("configuring TLS for --listen")?;
                    info!(%addr, "also serving on TCP with mutual TLS");
                }
                None => warn!(
                    %addr,
                    "SERVING PLAINTEXT TCP (--insecure-plaintext-tcp): anyone who can connect may trace processes of uid nobody (65534); use mTLS instead"
                ),
            }
            let tcp_router = tcp_server.add_routes(routes);
            let registry_for_tcp = Arc::clone(&registry);
            let tcp_task = tokio::spawn(async move {
                tcp_router
                    .serve_with_incoming_shutdown(TcpListenerStream::new(tcp), async move {
                        registry_for_tcp.shutdown_signal().await;
                    })
                    .await
            });
            let unix_result = router
                .serve_with_incoming_shutdown(unix_connections(unix), shutdown)
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

/// The Unix socket's connections, with grpcio's invalid `:authority` fixed.
fn unix_connections(
    unix: UnixListener,
) -> impl tokio_stream::Stream<Item = std::io::Result<AuthorityFix<tokio::net::UnixStream>>> {
    use tokio_stream::StreamExt as _;
    UnixListenerStream::new(unix).map(|stream| stream.map(AuthorityFix::new))
}

/// The TLS settings of `--listen addr`, or None for plaintext (only with
/// --insecure-plaintext-tcp, and only on loopback).
fn tcp_security(
    addr: SocketAddr,
    tls: &TlsArgs,
) -> anyhow::Result<Option<tonic::transport::ServerTlsConfig>> {
    let (Some(cert), Some(key), Some(client_ca)) =
        (&tls.tls_cert, &tls.tls_key, &tls.tls_client_ca)
    else {
        if !tls.insecure_plaintext_tcp {
            bail!(
                "--listen {addr} needs mutual TLS: pass --tls-cert, --tls-key, --tls-client-ca and --tls-identities (or --insecure-plaintext-tcp for a loopback test setup)"
            );
        }
        if !addr.ip().is_loopback() {
            bail!(
                "--listen {addr} with --insecure-plaintext-tcp: only loopback addresses are allowed; use mTLS for other addresses"
            );
        }
        return Ok(None);
    };
    let read = |path: &PathBuf, what: &str| {
        fs::read(path).with_context(|| format!("reading {what} {}", path.display()))
    };
    let identity =
        tonic::transport::Identity::from_pem(read(cert, "--tls-cert")?, read(key, "--tls-key")?);
    Ok(Some(
        tonic::transport::ServerTlsConfig::new()
            .identity(identity)
            .client_ca_root(tonic::transport::Certificate::from_pem(read(
                client_ca,
                "--tls-client-ca",
            )?)),
    ))
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
