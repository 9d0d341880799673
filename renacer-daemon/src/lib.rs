//! renacer-daemon: loads the eBPF programs, follows traced PID trees, stamps
//! Lamport clocks and serves capture sessions over gRPC.
//!
//! The folders are the stages a call goes through, and imports run one way:
//! `api` (gRPC services, authorization) -> `sessions` (captures, continuous
//! mode) -> `pipeline` (records to typed calls, Lamport stamps, per-subscriber
//! queues) -> `kernel` (the loaded programs and maps). `export` (OTLP) is fed
//! through the `pipeline::session::CaptureSink` trait that sessions hold.
pub mod api;
pub mod cgroups;
pub mod export;
pub mod kernel;
pub mod pipeline;
pub mod procfs;
pub mod sessions;
