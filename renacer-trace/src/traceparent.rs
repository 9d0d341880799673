//! W3C Trace Context `traceparent` (<https://www.w3.org/TR/trace-context/>):
//! `00-<32 hex trace id>-<16 hex parent span id>-<2 hex flags>`, lowercase,
//! neither id all zeros. A capture that is given one joins that trace and its
//! spans become children of that span.
use std::fmt;

/// The environment variable that carries a traceparent into a process
/// (OpenTelemetry's environment-carrier convention).
pub const ENV_VAR: &str = "TRACEPARENT";

/// A parsed `traceparent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TraceParent {
    pub trace_id: [u8; 16],
    pub parent_span_id: [u8; 8],
    pub flags: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TraceParentError {
    #[error(
        "malformed traceparent '{0}': expected 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>, lowercase"
    )]
    Malformed(String),
    #[error("unsupported traceparent version '{0}': only version 00 is supported")]
    Version(String),
    #[error("invalid traceparent '{0}': the trace id must not be all zeros")]
    ZeroTraceId(String),
    #[error("invalid traceparent '{0}': the parent span id must not be all zeros")]
    ZeroSpanId(String),
}

impl TraceParent {
    /// Parses a `traceparent` header value (surrounding whitespace allowed).
    pub fn parse(text: &str) -> Result<Self, TraceParentError> {
        let text = text.trim();
        // Quoted in errors: it comes from a request or a process's environment.
        let shown = || crate::quote::printable(text);
        let malformed = || TraceParentError::Malformed(shown());
        let fields: Vec<&str> = text.split('-').collect();
        let [version, trace_id, span_id, flags] = fields[..] else {
            return Err(malformed());
        };
        if version.len() != 2 || !is_lower_hex(version) {
            return Err(malformed());
        }
        if version != "00" {
            return Err(TraceParentError::Version(version.to_owned()));
        }
        let trace_id: [u8; 16] = decode_hex(trace_id).ok_or_else(malformed)?;
        let parent_span_id: [u8; 8] = decode_hex(span_id).ok_or_else(malformed)?;
        let [flags]: [u8; 1] = decode_hex(flags).ok_or_else(malformed)?;
        if trace_id == [0; 16] {
            return Err(TraceParentError::ZeroTraceId(shown()));
        }
        if parent_span_id == [0; 8] {
            return Err(TraceParentError::ZeroSpanId(shown()));
        }
        Ok(Self {
            trace_id,
            parent_span_id,
            flags,
        })
    }

    /// The `TRACEPARENT` entry of a NUL-separated environment block (the
    /// contents of `/proc/PID/environ`), parsed; None when there is none.
    pub fn from_environ(environ: &[u8]) -> Option<Result<Self, TraceParentError>> {
        let prefix = format!("{ENV_VAR}=");
        environ
            .split(|&b| b == 0)
            .find_map(|entry| entry.strip_prefix(prefix.as_bytes()))
            .map(|value| Self::parse(&String::from_utf8_lossy(value)))
    }

    /// The trace id as 32 lowercase hex characters.
    pub fn trace_id_hex(&self) -> String {
        hex(&self.trace_id)
    }

    /// The trace flags say the caller sampled this trace.
    pub fn sampled(&self) -> bool {
        self.flags & 1 != 0
    }
}

impl fmt::Display for TraceParent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "00-{}-{}-{:02x}",
            hex(&self.trace_id),
            hex(&self.parent_span_id),
            self.flags
        )
    }
}

/// Lowercase hex of `bytes` (W3C ids are written this way).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn is_lower_hex(text: &str) -> bool {
    text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn decode_hex<const N: usize>(text: &str) -> Option<[u8; N]> {
    if text.len() != 2 * N || !is_lower_hex(text) {
        return None;
    }
    let mut out = [0u8; N];
    for (byte, pair) in out.iter_mut().zip(text.as_bytes().chunks_exact(2)) {
        let pair = std::str::from_utf8(pair).ok()?;
        *byte = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn parses_the_spec_example() {
        let parent = TraceParent::parse(VALID).expect("valid");
        assert_eq!(parent.trace_id_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(
            parent.parent_span_id,
            [0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7]
        );
        assert_eq!(parent.flags, 1);
        assert!(parent.sampled());
        assert_eq!(parent.to_string(), VALID);
        assert_eq!(TraceParent::parse(&format!(" {VALID}\n")), Ok(parent));
    }

    #[test]
    fn rejects_what_the_spec_rejects() {
        let cases = [
            ("", "malformed"),
            (
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
                "malformed",
            ),
            (
                "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                "malformed",
            ),
            (
                "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
                "malformed",
            ),
            (
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
                "malformed",
            ),
            (
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902bz-01",
                "malformed",
            ),
            (
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-",
                "malformed",
            ),
            (
                "0-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                "malformed",
            ),
            (
                "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                "version",
            ),
            (
                "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                "version",
            ),
            (
                "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                "trace id",
            ),
            (
                "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
                "span id",
            ),
        ];
        for (text, what) in cases {
            let err = TraceParent::parse(text).expect_err(text);
            let message = err.to_string();
            match what {
                "malformed" => assert!(
                    matches!(err, TraceParentError::Malformed(_)),
                    "{text}: {message}"
                ),
                "version" => assert!(
                    matches!(err, TraceParentError::Version(_)),
                    "{text}: {message}"
                ),
                "trace id" => assert!(
                    matches!(err, TraceParentError::ZeroTraceId(_)),
                    "{text}: {message}"
                ),
                _ => assert!(
                    matches!(err, TraceParentError::ZeroSpanId(_)),
                    "{text}: {message}"
                ),
            }
            assert!(!message.contains('\n'), "one line: {message}");
        }
    }

    #[test]
    fn finds_traceparent_in_an_environ_block() {
        let environ = format!("PATH=/bin\0XTRACEPARENT=bad\0TRACEPARENT={VALID}\0HOME=/root\0");
        let parent = TraceParent::from_environ(environ.as_bytes()).expect("present");
        assert_eq!(parent.expect("valid").to_string(), VALID);
        assert_eq!(TraceParent::from_environ(b"PATH=/bin\0HOME=/\0"), None);
        assert!(matches!(
            TraceParent::from_environ(b"TRACEPARENT=nope\0"),
            Some(Err(TraceParentError::Malformed(_)))
        ));
    }

    /// Found by the traceparent fuzz target: a value from a process's
    /// environment was echoed raw, newlines and escape sequences included.
    #[test]
    fn errors_quote_the_value_on_one_line() {
        let err = TraceParent::parse("00-A\nforged log line\u{1b}[31m-x").expect_err("an error");
        let text = err.to_string();
        assert!(!text.contains('\n') && !text.contains('\u{1b}'), "{text}");
        assert!(
            text.contains("00-A\\nforged log line\\u{1b}[31m-x"),
            "{text}"
        );
        let environ = b"TRACEPARENT=d84~8e\0\0b7\n\0";
        let Some(Err(err)) = TraceParent::from_environ(environ) else {
            panic!("no error");
        };
        assert!(!err.to_string().contains('\n'));
        let long = format!("00-{}", "a".repeat(10_000));
        assert!(
            TraceParent::parse(&long)
                .expect_err("an error")
                .to_string()
                .len()
                < 300
        );
    }
}
