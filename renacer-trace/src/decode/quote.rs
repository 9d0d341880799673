//! strace's string quoting (`string_quote` in strace's util.c).

use super::{CapturedBytes, HexStrings};

/// Whether strace prints `bytes` all in `\xNN` escapes: always with `-xx`;
/// with `-x` when any byte is neither printable ASCII nor whitespace.
fn wants_hex(bytes: &[u8], style: HexStrings) -> bool {
    match style {
        HexStrings::Never => false,
        HexStrings::All => true,
        HexStrings::NonAscii => bytes
            .iter()
            .any(|&c| c > 0x7e || (c < b' ' && !(b'\t'..=b'\r').contains(&c))),
    }
}

/// Quotes `bytes` the way strace does: `\"`, `\\`, `\f \n \r \t \v`,
/// printable ASCII as is, anything else in the shortest octal form — three
/// digits when the next shown byte is an octal digit, so the escape stays
/// unambiguous. `all_hex` prints every byte as `\xNN` instead (getrandom).
pub(crate) fn quote(bytes: &[u8], all_hex: bool) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for (i, &c) in bytes.iter().enumerate() {
        if all_hex {
            push_hex_byte(&mut out, c);
            continue;
        }
        match c {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x0c => out.push_str("\\f"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x0b => out.push_str("\\v"),
            0x20..=0x7e => out.push(char::from(c)),
            _ => {
                let next_is_octal = bytes.get(i + 1).is_some_and(|n| (b'0'..=b'7').contains(n));
                push_octal_byte(&mut out, c, next_is_octal);
            }
        }
    }
    out.push('"');
    out
}

fn push_hex_byte(out: &mut String, c: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push_str("\\x");
    out.push(char::from(HEX[usize::from(c >> 4)]));
    out.push(char::from(HEX[usize::from(c & 0xf)]));
}

fn push_octal_byte(out: &mut String, c: u8, three_digits: bool) {
    let digit = |d: u8| char::from(b'0' + (d & 7));
    out.push('\\');
    if three_digits || c >> 6 != 0 {
        out.push(digit(c >> 6));
    }
    if three_digits || c >> 3 != 0 {
        out.push(digit(c >> 3));
    }
    out.push(digit(c));
}

/// The bytes before the first NUL, and whether a NUL was seen.
fn until_nul(bytes: &[u8]) -> (&[u8], bool) {
    match bytes.iter().position(|&b| b == 0) {
        Some(n) => (&bytes[..n], true),
        None => (bytes, false),
    }
}

/// A data buffer of `real_len` bytes (write, read): at most `limit` bytes
/// shown, `...` when any byte of the real data is not shown.
pub(crate) fn buffer(
    data: CapturedBytes<'_>,
    real_len: u64,
    limit: usize,
    hex: HexStrings,
) -> String {
    let shown = data
        .bytes
        .len()
        .min(limit)
        .min(usize::try_from(real_len).unwrap_or(usize::MAX));
    let shown_bytes = &data.bytes[..shown];
    let mut out = quote(shown_bytes, wants_hex(shown_bytes, hex));
    if (shown as u64) < real_len {
        out.push_str("...");
    }
    out
}

/// A NUL-terminated string. `limit` is strace's `-s` (None for paths, which
/// strace prints whole); `...` when the string goes on past what is shown.
pub(crate) fn cstring(data: CapturedBytes<'_>, limit: Option<usize>, hex: HexStrings) -> String {
    let (text, nul_seen) = until_nul(data.bytes);
    let shown = limit.map_or(text.len(), |l| text.len().min(l));
    let mut out = quote(&text[..shown], wants_hex(&text[..shown], hex));
    if shown < text.len() || (!nul_seen && data.truncated) {
        out.push_str("...");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cb(bytes: &[u8], truncated: bool) -> CapturedBytes<'_> {
        CapturedBytes { bytes, truncated }
    }

    #[test]
    fn escapes_like_strace() {
        assert_eq!(quote(b"vm\n", false), r#""vm\n""#);
        assert_eq!(quote(b"a\"b\\c", false), r#""a\"b\\c""#);
        assert_eq!(quote(b"\t\r\x0b\x0c", false), r#""\t\r\v\f""#);
        // Shortest octal, but three digits before an octal digit.
        assert_eq!(
            quote(b"\x01\x023\t\n\r\x0b\x0c\0a", false),
            r#""\1\0023\t\n\r\v\f\0a""#
        );
        assert_eq!(
            quote(b"hi\0\x01\x7f\xff\"\\ok", false),
            r#""hi\0\1\177\377\"\\ok""#
        );
        assert_eq!(quote(b"\x008", false), r#""\08""#);
        assert_eq!(quote(b"\x007", false), r#""\0007""#);
        assert_eq!(quote(b"\x7fELF\x02\x01", false), r#""\177ELF\2\1""#);
        assert_eq!(quote(b"", false), r#""""#);
    }

    #[test]
    fn hex_style() {
        assert_eq!(quote(b"\x75\x1e\x38\x8e", true), r#""\x75\x1e\x38\x8e""#);
    }

    #[test]
    fn buffers_truncate_at_limit() {
        let data = b"# Locale name alias data base.\n#\n# more";
        assert_eq!(
            buffer(cb(data, false), 2996, 32, HexStrings::Never),
            r##""# Locale name alias data base.\n#"..."##
        );
        assert_eq!(
            buffer(cb(b"vm\n", false), 3, 32, HexStrings::Never),
            r#""vm\n""#
        );
        assert_eq!(buffer(cb(b"", false), 0, 32, HexStrings::Never), r#""""#);
        // The kernel captured less than the call moved.
        assert_eq!(
            buffer(cb(b"abc", true), 10, 32, HexStrings::Never),
            r#""abc"..."#
        );
        // Only the real length counts, even if more was copied.
        assert_eq!(
            buffer(cb(b"abcdef", false), 2, 32, HexStrings::Never),
            r#""ab""#
        );
        // The look-ahead for octal digits stops at the cut.
        assert_eq!(
            buffer(cb(b"\x012", false), 2, 1, HexStrings::Never),
            r#""\1"..."#
        );
    }

    #[test]
    fn cstrings() {
        assert_eq!(
            cstring(
                cb(b"/etc/ld.so.cache\0junk", false),
                None,
                HexStrings::Never
            ),
            r#""/etc/ld.so.cache""#
        );
        assert_eq!(
            cstring(cb(b"/etc/ld.so.cache", false), None, HexStrings::Never),
            r#""/etc/ld.so.cache""#
        );
        assert_eq!(
            cstring(cb(b"/very/long", true), None, HexStrings::Never),
            r#""/very/long"..."#
        );
        assert_eq!(
            cstring(
                cb(b"ls -l /tmp >/dev/null; sleep 0.01; echo hi\0", false),
                Some(32),
                HexStrings::Never
            ),
            r#""ls -l /tmp >/dev/null; sleep 0.0"..."#
        );
        // Exactly at the limit: complete, no ellipsis.
        assert_eq!(
            cstring(cb(b"abcd\0", false), Some(4), HexStrings::Never),
            r#""abcd""#
        );
        assert_eq!(
            cstring(cb(b"abcde", false), Some(4), HexStrings::Never),
            r#""abcd"..."#
        );
    }

    #[test]
    fn hex_strings_like_strace_x_and_xx() {
        // strace -x: all hex as soon as one byte is neither printable nor whitespace.
        assert_eq!(
            buffer(cb(b"ab\x01c\xff\n", false), 6, 32, HexStrings::NonAscii),
            r#""\x61\x62\x01\x63\xff\x0a""#
        );
        assert_eq!(
            buffer(
                cb(b"# Locale name alias data base.\n#\n", false),
                2996,
                32,
                HexStrings::NonAscii
            ),
            r##""# Locale name alias data base.\n#"..."##
        );
        // strace -xx: every string, paths included.
        assert_eq!(
            cstring(cb(b"/tmp/x.bin\0", false), None, HexStrings::All),
            r#""\x2f\x74\x6d\x70\x2f\x78\x2e\x62\x69\x6e""#
        );
        assert_eq!(
            cstring(cb(b"/tmp\0", false), None, HexStrings::NonAscii),
            r#""/tmp""#
        );
    }
}
