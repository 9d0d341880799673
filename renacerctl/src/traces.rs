//! Trace files on disk: renacer-json-v1 text or `--compress`ed, told apart
//! by their first bytes when read.
use std::{io::Write as _, path::Path};

use anyhow::Context as _;
use renacer_analysis::{compress, load_trace_bytes};
use renacer_trace::json::TraceFile;

/// Reads a trace in either form; `-` reads stdin.
pub fn read_trace(path: &Path) -> anyhow::Result<TraceFile> {
    let data = if path.as_os_str() == "-" {
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut data)
            .context("reading a trace from stdin")?;
        data
    } else {
        std::fs::read(path).with_context(|| format!("reading {}", path.display()))?
    };
    load_trace_bytes(&data).with_context(|| format!("{}", path.display()))
}

/// The bytes of a trace file: pretty JSON, or the compressed form.
pub fn encode_trace(trace: &TraceFile, compressed: bool) -> Vec<u8> {
    if compressed {
        compress(trace)
    } else {
        let mut json = trace.to_json_pretty().into_bytes();
        json.push(b'\n');
        json
    }
}

/// Writes a trace to `path` (`-`: stdout).
pub fn write_trace(path: &Path, trace: &TraceFile, compressed: bool) -> anyhow::Result<()> {
    write_output(path, &encode_trace(trace, compressed))
}

/// Writes a whole file, or stdout for `-`.
pub fn write_output(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if path.as_os_str() == "-" {
        let mut out = std::io::stdout().lock();
        out.write_all(bytes)?;
        return Ok(out.flush()?);
    }
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}
