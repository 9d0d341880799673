//! renacerctl's library: the CLI's pieces, also used by its integration tests.
use std::{io, path::PathBuf};

pub mod background;
pub mod capture;
pub mod ci;
pub mod client;
pub mod duration;
pub mod exit;
pub mod golden;
pub mod otlp;
pub mod output;
pub mod report;
pub mod strace_opts;
pub mod symbolize;
pub mod top;
pub mod trace_filter;
pub mod traces;

pub const DEFAULT_SOCKET: &str = "/run/renacer/renacer.sock";

pub fn run_async<T>(future: impl Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(future)
}

/// Where output goes: `-o FILE`, else the given default stream.
pub fn open_output(path: Option<&PathBuf>, default_stdout: bool) -> io::Result<Box<dyn io::Write>> {
    Ok(match path {
        Some(path) if path.as_os_str() != "-" => {
            Box::new(io::BufWriter::new(std::fs::File::create(path)?))
        }
        Some(_) => Box::new(io::BufWriter::new(io::stdout())),
        None if default_stdout => Box::new(io::BufWriter::new(io::stdout())),
        None => Box::new(io::BufWriter::new(io::stderr())),
    })
}
