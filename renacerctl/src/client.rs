//! Connecting to the daemon.
use anyhow::{Context as _, anyhow};
use hyper_util::rt::TokioIo;
use renacer_proto::v1::{StatusRequest, tracer_client::TracerClient};
use tonic::transport::{Channel, Endpoint};

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
        anyhow!(
            "renacer-daemon is not reachable at {socket} ({cause}); start it with `sudo renacer-daemon` (or `sudo renacer-daemon --socket PATH` and pass the same --socket / RENACER_SOCKET here)"
        )
    })?;
    Ok(TracerClient::new(channel).max_decoding_message_size(256 << 20))
}

/// Turns a gRPC status into a one-line error with what to do next.
pub fn status_error(status: tonic::Status) -> anyhow::Error {
    use tonic::Code;
    let hint = match status.code() {
        Code::NotFound => " (check the pid with `ps -p PID`)",
        Code::PermissionDenied => " (renacer-daemon must run as root)",
        Code::Unavailable => " (is renacer-daemon running? start it with `sudo renacer-daemon`)",
        Code::AlreadyExists => " (stop the other capture first)",
        _ => "",
    };
    anyhow!("{}{hint}", status.message())
}

pub async fn status(socket: String) -> anyhow::Result<()> {
    let mut client = connect(&socket).await?;
    let status = client
        .status(StatusRequest {})
        .await
        .map_err(status_error)?
        .into_inner();
    println!("renacer-daemon {}", status.version);
    println!("kernel:          {}", status.kernel);
    println!(
        "attach mode:     {} ({})",
        status.attach_mode,
        if status.syscall_programs_attached {
            "attached: a capture is tracking"
        } else {
            "idle: attached with the next capture"
        }
    );
    println!("programs:        {}", status.programs.join(", "));
    println!("events seen:     {}", status.events_seen);
    println!("kernel drops:    {}", status.kernel_drops);
    println!("daemon drops:    {}", status.daemon_drops);
    println!("OTLP unsent:     {}", status.otlp_unsent);
    println!("metrics unsent:  {}", status.otlp_metrics_unsent);
    println!("active captures: {}", status.active_captures);
    println!(
        "continuous:      {}",
        if status.continuous { "on" } else { "off" }
    );
    Ok(())
}
