//! Connecting to the daemon.
use anyhow::Context as _;
use hyper_util::rt::TokioIo;
use renacer_proto::v1::{StatusRequest, tracer_client::TracerClient};
use tonic::transport::{Channel, Endpoint};

use crate::exit;

/// Connects over the Unix socket at `socket` (or to an http:// URL), with an
/// error that says how to start the daemon when nobody listens.
pub async fn connect(socket: &str) -> anyhow::Result<TracerClient<Channel>> {
    let channel = if socket.starts_with("http://") {
        Endpoint::from_shared(socket.to_owned())
            .with_context(|| format!("invalid daemon address {socket}"))?
            .connect()
            .await
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

/// Turns a gRPC status into a one-line error with what to do next.
pub fn status_error(status: tonic::Status) -> anyhow::Error {
    use tonic::Code;
    let (code, hint) = match status.code() {
        Code::NotFound => (exit::USAGE, " (check the pid with `ps -p PID`)"),
        Code::InvalidArgument | Code::OutOfRange | Code::FailedPrecondition => (exit::USAGE, ""),
        Code::AlreadyExists => (exit::USAGE, " (stop the other capture first)"),
        Code::PermissionDenied | Code::Unauthenticated => (exit::PERMISSION_DENIED, ""),
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
