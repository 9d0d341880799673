//! Connecting to the daemon.
use std::{path::PathBuf, sync::OnceLock};

use anyhow::{Context as _, bail};
use hyper_util::rt::TokioIo;
use renacer_proto::v1::{StatusRequest, tracer_client::TracerClient};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};

use crate::exit;

/// The client's TLS files, for https:// daemon addresses (mTLS).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TlsArgs {
    /// PEM CA certificate that the daemon's --tls-cert chains to (https:// only).
    #[arg(long, global = true, env = "RENACER_TLS_CA")]
    pub tls_ca: Option<PathBuf>,
    /// PEM client certificate; its subject CN or a SAN is your identity in the
    /// daemon's --tls-identities file.
    #[arg(long, global = true, env = "RENACER_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, global = true, env = "RENACER_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
}

static TLS: OnceLock<TlsArgs> = OnceLock::new();

/// Sets the TLS files every later `connect` to an https:// address uses.
pub fn set_tls(args: TlsArgs) {
    let _ = TLS.set(args);
}

fn tls_config(socket: &str) -> anyhow::Result<ClientTlsConfig> {
    let args = TLS.get().cloned().unwrap_or_default();
    let read = |path: &PathBuf, flag: &str| {
        std::fs::read(path).with_context(|| format!("reading {flag} {}", path.display()))
    };
    let Some(ca) = &args.tls_ca else {
        bail!(
            "{socket} is a TLS address: pass --tls-ca with the CA that signed the daemon's certificate"
        );
    };
    let mut config =
        ClientTlsConfig::new().ca_certificate(Certificate::from_pem(read(ca, "--tls-ca")?));
    if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
        config = config.identity(Identity::from_pem(
            read(cert, "--tls-cert")?,
            read(key, "--tls-key")?,
        ));
    }
    Ok(config)
}

/// Connects over the Unix socket at `socket` (or to an http:// or https://
/// URL), with an error that says how to start the daemon when nobody listens.
pub async fn connect(socket: &str) -> anyhow::Result<TracerClient<Channel>> {
    let channel = if socket.starts_with("http://") || socket.starts_with("https://") {
        let mut endpoint = Endpoint::from_shared(socket.to_owned())
            .with_context(|| format!("invalid daemon address {socket}"))?;
        if socket.starts_with("https://") {
            endpoint = endpoint
                .tls_config(tls_config(socket)?)
                .context("configuring TLS")?;
        }
        endpoint.connect().await
    } else {
        let path = socket.to_owned();
        Endpoint::from_static("http://renacer.invalid")
            .connect_with_connector(tower::service_fn(move |_| {
                let path = path.clone();
                async move {
                    let stream = tokio::net::UnixStream::connect(path).await?;
                    Ok::<_, std::io::Error>(TokioIo::new(stream))
                }
            }))
            .await
    };
    let channel = channel.map_err(|err| {
        let cause = std::error::Error::source(&err)
            .map(ToString::to_string)
            .unwrap_or_else(|| err.to_string());
        if cause.contains("Permission denied") {
            return exit::failure(
                exit::PERMISSION_DENIED,
                format!(
                    "renacer-daemon runs, but this user may not use {socket} ({cause}); ask an administrator to add you to the socket's group"
                ),
            );
        }
        exit::failure(
            exit::UNAVAILABLE,
            format!(
                "renacer-daemon is not reachable at {socket} ({cause}); start it with `sudo renacer-daemon` (or `sudo renacer-daemon --socket PATH` and pass the same --socket / RENACER_SOCKET here)"
            ),
        )
    })?;
    Ok(TracerClient::new(channel).max_decoding_message_size(256 << 20))
}

/// Says which processes a non-admin capture stopped tracing (privileged execs).
pub fn report_untraced(pids: &[u32]) {
    if pids.is_empty() {
        return;
    }
    let pids: Vec<String> = pids.iter().map(u32::to_string).collect();
    eprintln!(
        "renacerctl: not traced after a setuid/setgid/capability exec (only root may trace those): pid {}",
        pids.join(", ")
    );
}

/// Turns a gRPC status into a one-line error with what to do next.
pub fn status_error(status: tonic::Status) -> anyhow::Error {
    use tonic::Code;
    let (code, hint) = match status.code() {
        Code::NotFound => (exit::USAGE, " (check the pid with `ps -p PID`)"),
        Code::InvalidArgument | Code::OutOfRange | Code::FailedPrecondition => (exit::USAGE, ""),
        Code::AlreadyExists => (exit::USAGE, " (stop the other capture first)"),
        // The daemon's own refusals say what to do; others come from the kernel.
        Code::PermissionDenied
            if status.message().contains("you")
                || status.message().contains("--tls-identities") =>
        {
            (exit::PERMISSION_DENIED, "")
        }
        Code::PermissionDenied => (
            exit::PERMISSION_DENIED,
            " (renacer-daemon must run as root)",
        ),
        Code::Unauthenticated => (
            exit::PERMISSION_DENIED,
            " (pass --tls-cert and --tls-key with a client certificate the daemon knows)",
        ),
        Code::Unavailable => (
            exit::UNAVAILABLE,
            " (is renacer-daemon running? start it with `sudo renacer-daemon`)",
        ),
        _ => (exit::FAILURE, ""),
    };
    exit::failure(code, format!("{}{hint}", status.message()))
}

pub async fn status(socket: String) -> anyhow::Result<()> {
    let mut client = connect(&socket).await?;
    let status = client
        .status(StatusRequest {})
        .await
        .map_err(status_error)?
        .into_inner();
    let mut lines = Vec::new();
    lines.push(format!("renacer-daemon {}", status.version));
    lines.push(format!("kernel:          {}", status.kernel));
    lines.push(format!(
        "attach mode:     {} ({})",
        status.attach_mode,
        if status.syscall_programs_attached {
            "attached: a capture is tracking"
        } else {
            "idle: attached with the next capture"
        }
    ));
    lines.push(format!("programs:        {}", status.programs.join(", ")));
    lines.push(format!("events seen:     {}", status.events_seen));
    lines.push(format!("kernel drops:    {}", status.kernel_drops));
    lines.push(format!("daemon drops:    {}", status.daemon_drops));
    lines.push(format!("OTLP unsent:     {}", status.otlp_unsent));
    lines.push(format!("metrics unsent:  {}", status.otlp_metrics_unsent));
    lines.push(format!("active captures: {}", status.active_captures));
    lines.push(format!(
        "continuous:      {}",
        if status.continuous { "on" } else { "off" }
    ));
    exit::emit(&(lines.join("\n") + "\n"))?;
    Ok(())
}
