//! Offline analysis of renacer traces, for CI: semantic comparison of two
//! traces, budget assertions from `renacer.toml`, the happens-before graph and
//! its critical path, and a lossless run-length compressed trace format.
//! Pure logic: nothing here does I/O.

pub mod compare;
pub mod decode;
pub mod load;
mod util;

#[cfg(test)]
mod testutil;

pub use compare::{CompareOptions, CompareReport, compare};
pub use load::{LoadError, load_trace};
