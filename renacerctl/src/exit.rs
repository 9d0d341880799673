//! renacerctl's exit codes, one table for every subcommand (`--help` and the
//! README show it), and the one place errors become codes.
//!
//! | code | meaning |
//! | --- | --- |
//! | 0 | success (a closed output pipe, as in `renacerctl status \| head -1`, too) |
//! | 1 | a regression: `compare` found a divergence, `assert` a failed budget |
//! | 2 | a usage or input error: bad flags, a bad `-e` filter, an unknown pid, a malformed trace or TOML file |
//! | 69 | the daemon is unreachable or shutting down |
//! | 70 | any other failure (the daemon reported an internal error) |
//! | 77 | permission denied (the daemon refused, or this user may not reach it) |
//! | 126, 127 | `capture -- CMD` / `assert -- CMD`: CMD cannot be executed, or was not found |
//! | CMD's code | `capture -- CMD` exits with CMD's own code, 128+N when signal N killed it |
//! | 128+N | `capture --pid` ended by signal N (SIGINT: 130) |
use std::io;

pub const SUCCESS: u8 = 0;
pub const REGRESSION: u8 = 1;
pub const USAGE: u8 = 2;
pub const UNAVAILABLE: u8 = 69;
pub const FAILURE: u8 = 70;
pub const PERMISSION_DENIED: u8 = 77;
pub const CANNOT_EXECUTE: u8 = 126;
pub const COMMAND_NOT_FOUND: u8 = 127;

/// The table above, for `--help`.
pub const TABLE: &str = "\
Exit codes: 0 success; 1 regression found (compare, assert); 2 usage or input error;
69 daemon unreachable; 70 other failure; 77 permission denied; 126/127 the command
cannot be executed / was not found; `capture -- CMD` exits with CMD's own code
(128+N when signal N killed it); `capture --pid` ended by signal N exits 128+N.";

/// An error that knows its exit code.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

/// An error with exit code `code`.
pub fn failure(code: u8, message: impl Into<String>) -> anyhow::Error {
    Failure {
        code,
        message: message.into(),
    }
    .into()
}

/// A usage error (exit code 2).
pub fn usage(message: impl Into<String>) -> anyhow::Error {
    failure(USAGE, message)
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|err| err.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// Reports an error as one line on stderr (its whole context chain) and
/// turns it into its exit code; `unclassified` is the code of errors that
/// carry none. A closed output pipe is not an error: whoever closed it has
/// what it wanted.
pub fn exit_code(result: anyhow::Result<u8>, unclassified: u8) -> u8 {
    match result {
        Ok(code) => code,
        Err(err) if is_broken_pipe(&err) => SUCCESS,
        Err(err) => {
            eprintln!("renacerctl: {err:#}");
            err.chain()
                .find_map(|cause| cause.downcast_ref::<Failure>().map(|failure| failure.code))
                .unwrap_or(unclassified)
        }
    }
}

/// Writes a report to stdout. A closed pipe is not an error here, so a
/// verdict (a FAIL's exit code 1) survives `| head`.
pub fn emit(text: &str) -> io::Result<()> {
    use std::io::Write as _;
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// The global connection options, which clap copies into a usage line
/// whenever they were given (on the command line or by RENACER_SOCKET and
/// the TLS variables) as if the subcommand required them.
const GLOBAL_OPTIONS: [&str; 4] = [
    " --socket <SOCKET>",
    " --tls-ca <TLS_CA>",
    " --tls-cert <TLS_CERT>",
    " --tls-key <TLS_KEY>",
];

/// A clap error's text with the global options taken out of its usage
/// line: no subcommand requires them.
pub fn usage_without_global_options(text: &str) -> String {
    text.split_inclusive('\n')
        .map(|line| {
            if line.trim_start().starts_with("Usage:") {
                GLOBAL_OPTIONS
                    .iter()
                    .fold(line.to_owned(), |line, option| line.replace(option, ""))
            } else {
                line.to_owned()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_lines_do_not_show_the_socket_as_required() {
        let text = "error: missing\n\nUsage: renacerctl capture --socket <SOCKET> --tls-ca <TLS_CA> <--pid <PID>|CMD>\n\nuse --socket <SOCKET> to pick one\n";
        assert_eq!(
            usage_without_global_options(text),
            "error: missing\n\nUsage: renacerctl capture <--pid <PID>|CMD>\n\nuse --socket <SOCKET> to pick one\n"
        );
    }

    #[test]
    fn codes_come_from_the_chain_and_pipes_are_success() {
        let err = usage("bad -e").context("capture");
        assert_eq!(exit_code(Err(err), FAILURE), USAGE);
        assert_eq!(exit_code(Err(anyhow::anyhow!("plain")), FAILURE), FAILURE);
        let pipe = anyhow::Error::from(io::Error::from(io::ErrorKind::BrokenPipe));
        assert_eq!(exit_code(Err(pipe), FAILURE), SUCCESS);
        assert_eq!(exit_code(Ok(REGRESSION), FAILURE), REGRESSION);
    }
}
