//! `capture -e EXPR` and `-s N`: strace's filter expressions and string
//! limit, passed to the daemon, which pushes the syscall set into the kernel.
use renacer_proto::v1 as pb;

#[derive(Debug, Clone, Default, clap::Args)]
pub struct FilterArgs {
    /// strace's -e (repeatable): trace=EXPR (names, %classes, !negation,
    /// /regex/), status=failed|successful, trace-fds=N,M; a bare EXPR means
    /// trace=EXPR. Also read=FDS and write=FDS (hex dumps), raw=SET,
    /// decode-fds=path; signal=, quiet=, abbrev=, verbose= are accepted.
    #[arg(short = 'e', long = "expr", value_name = "EXPR")]
    pub expressions: Vec<String>,
    /// strace's -s: bytes of data buffers and strings to show (default 32, at most 4096).
    #[arg(short = 's', long = "string-limit", value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=MAX_STRING_LIMIT))]
    pub string_limit: Option<u32>,
}

/// The most bytes the kernel reads per argument (renacer-common's MAX_CAPTURE_BYTES).
pub const MAX_STRING_LIMIT: i64 = 4096;

impl FilterArgs {
    pub fn filter(&self) -> Option<pb::Filter> {
        (!self.expressions.is_empty()).then(|| pb::Filter {
            expressions: self.expressions.clone(),
        })
    }

    pub fn decode(&self) -> Option<pb::DecodeOptions> {
        self.string_limit.map(|limit| pb::DecodeOptions {
            path_limit: 0,
            buffer_limit: limit,
            environment: false,
        })
    }
}
