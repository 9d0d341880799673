//! Offline analysis of renacer traces, for CI: semantic comparison of two
//! traces, budget assertions from `renacer.toml`, the happens-before graph and
//! its critical path, and a lossless run-length compressed trace format.
//! Pure logic: nothing here does I/O.

pub mod antipatterns;
pub mod assertions;
pub mod causality;
pub mod compare;
pub mod decode;
pub mod flame;
pub mod gpu;
pub mod load;
pub mod memory;
pub mod report;
pub mod rle;
pub mod sources;
mod util;

#[cfg(test)]
mod testutil;

pub use assertions::{AssertionOutcome, Config, ConfigError, evaluate, exit_code, parse_config};
pub use causality::{CriticalPath, Step, critical_path};
pub use compare::{CompareOptions, CompareReport, compare};
pub use load::{LoadError, TraceReadError, load_trace, load_trace_bytes};
pub use rle::{RleError, compress, decompress, is_compressed};
pub use sources::{SourceChange, compare_sources};
pub use util::{format_nanos, lost_events, wall_span_nanos};
