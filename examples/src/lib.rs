//! renacer's example programs (see `src/bin`): small, deterministic programs
//! whose traces are kept in `golden_traces/` and compared in CI. Each one
//! works in its current directory, so a run in a scratch directory touches
//! nothing else and writes the same relative paths every time.

use std::{fmt::Display, process::ExitCode};

/// The exit of an example: success, or its error on stderr and `code`.
pub fn finish<E: Display>(program: &str, result: Result<(), E>, code: u8) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{program}: {err}");
            ExitCode::from(code)
        }
    }
}
