//! The gRPC face of the daemon: the renacer.v1 services, who may call what,
//! and the analyses served by capture id.
pub mod analysis;
pub mod auth;
pub mod service;
pub mod unix_authority;
