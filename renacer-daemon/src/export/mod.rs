//! Sinks outside the daemon: OpenTelemetry (OTLP) spans and metrics.
pub mod otlp;
