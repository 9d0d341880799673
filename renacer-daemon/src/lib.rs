//! renacer-daemon: loads the eBPF programs, follows traced PID trees, stamps
//! Lamport clocks and serves capture sessions over gRPC.
pub mod analysis;
pub mod auth;
pub mod continuous;
pub mod decoding;
pub mod kernel;
pub mod lamport;
pub mod metrics;
pub mod otlp;
pub mod profile;
pub mod registry;
pub mod service;
pub mod session;
pub mod unix_authority;
