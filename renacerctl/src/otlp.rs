//! `renacerctl capture` flags for OpenTelemetry export and W3C trace context.
use std::time::Duration;

use anyhow::{Context as _, anyhow};
use renacer_proto::v1 as pb;
use renacer_trace::traceparent::{self, TraceParent};

use crate::duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum OtlpProtocol {
    /// OTLP/gRPC (port 4317 by convention).
    #[default]
    Grpc,
    /// OTLP/HTTP with protobuf bodies (port 4318 by convention; posts to URL/v1/traces).
    #[value(name = "http/protobuf")]
    HttpProtobuf,
}

#[derive(Debug, Clone, Default, clap::Args)]
pub struct OtlpCaptureArgs {
    /// Also export the capture as OpenTelemetry spans to this OTLP collector,
    /// e.g. http://127.0.0.1:4317: one span per process, one per slow or
    /// failed syscall, counts per syscall on the process spans.
    #[arg(long, value_name = "URL")]
    otlp: Option<String>,
    /// OTLP protocol.
    #[arg(long, value_enum, default_value = "grpc", requires = "otlp")]
    otlp_protocol: OtlpProtocol,
    /// The service.name of the spans (default: the executable name).
    #[arg(long, value_name = "NAME", requires = "otlp")]
    service_name: Option<String>,
    /// Syscalls at least this slow get their own span (e.g. 100us, 1ns for
    /// all); default: the daemon's (1ms).
    #[arg(long, value_parser = duration::parse, value_name = "DURATION", requires = "otlp")]
    span_threshold: Option<Duration>,
    /// Failed syscalls get no span of their own (only counts).
    #[arg(long, requires = "otlp")]
    no_error_spans: bool,
    /// Join this W3C trace: 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>.
    /// Default: $TRACEPARENT for `-- CMD`, the process's TRACEPARENT for --pid.
    #[arg(long, value_name = "TRACEPARENT")]
    trace_parent: Option<String>,
}

impl OtlpCaptureArgs {
    /// The request's OTLP part, when export is asked for.
    pub fn export(&self) -> anyhow::Result<Option<pb::OtlpExport>> {
        let Some(endpoint) = &self.otlp else {
            return Ok(None);
        };
        let span_threshold = self
            .span_threshold
            .map(prost_types::Duration::try_from)
            .transpose()
            .map_err(|err| anyhow!("--span-threshold out of range: {err}"))?;
        Ok(Some(pb::OtlpExport {
            endpoint: endpoint.clone(),
            protocol: match self.otlp_protocol {
                OtlpProtocol::Grpc => "grpc",
                OtlpProtocol::HttpProtobuf => "http/protobuf",
            }
            .into(),
            service_name: self.service_name.clone().unwrap_or_default(),
            span_threshold,
            no_error_spans: self.no_error_spans,
        }))
    }

    /// The request's traceparent, checked here for a one-line error. For a
    /// command we start, our own TRACEPARENT is the command's; for --pid the
    /// daemon reads the process's environment (sent empty).
    pub fn trace_parent(&self, starts_command: bool) -> anyhow::Result<String> {
        if let Some(text) = &self.trace_parent {
            TraceParent::parse(text).context("--trace-parent")?;
            return Ok(text.trim().to_owned());
        }
        if !starts_command {
            return Ok(String::new());
        }
        match std::env::var(traceparent::ENV_VAR) {
            Ok(text) if !text.trim().is_empty() => {
                TraceParent::parse(&text).with_context(|| {
                    format!(
                        "${} (fix or unset it, or pass --trace-parent)",
                        traceparent::ENV_VAR
                    )
                })?;
                Ok(text.trim().to_owned())
            }
            _ => Ok(String::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use super::*;

    #[derive(Debug, clap::Parser)]
    struct Cli {
        #[command(flatten)]
        otlp: OtlpCaptureArgs,
    }

    #[test]
    fn flags_make_the_request() {
        let cli = Cli::try_parse_from([
            "x",
            "--otlp",
            "http://127.0.0.1:4317",
            "--otlp-protocol",
            "http/protobuf",
            "--service-name",
            "svc",
            "--span-threshold",
            "1ns",
            "--no-error-spans",
        ])
        .expect("parses");
        let export = cli.otlp.export().expect("valid").expect("asked for");
        assert_eq!(export.endpoint, "http://127.0.0.1:4317");
        assert_eq!(export.protocol, "http/protobuf");
        assert_eq!(export.service_name, "svc");
        assert_eq!(
            export.span_threshold,
            Some(prost_types::Duration {
                seconds: 0,
                nanos: 1
            })
        );
        assert!(export.no_error_spans);
        assert!(
            Cli::try_parse_from(["x", "--service-name", "svc"]).is_err(),
            "requires --otlp"
        );
        assert_eq!(
            Cli::try_parse_from(["x"])
                .expect("parses")
                .otlp
                .export()
                .expect("ok"),
            None
        );
    }

    #[test]
    fn trace_parent_is_checked() {
        let good = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let cli = Cli::try_parse_from(["x", "--trace-parent", good]).expect("parses");
        assert_eq!(cli.otlp.trace_parent(true).expect("valid"), good);
        let cli = Cli::try_parse_from(["x", "--trace-parent", "00-abc-def-01"]).expect("parses");
        let err = format!("{:#}", cli.otlp.trace_parent(false).expect_err("malformed"));
        assert!(
            err.starts_with("--trace-parent: malformed traceparent"),
            "{err}"
        );
    }
}
