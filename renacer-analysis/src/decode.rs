//! Reading JSON trace arguments.
//!
//! An argument is either a raw register value as renacer writes it today
//! (`0x3`, `0`, `0xffffffffffffff9c`) or strace-style decoded text
//! (`3`, `AT_FDCWD`, `O_WRONLY|O_CREAT`, `"/etc/passwd"`, `["ls", "-l"]`,
//! `[{iov_base="hi", iov_len=2}]`). Everything here accepts both, so the
//! analyses keep working when the daemon starts decoding arguments.

use std::fmt::Write as _;

use renacer_trace::SyscallResult;
use renacer_trace::json::JsonSyscall;

/// x86_64 values of the symbolic constants strace prints in the arguments we
/// interpret. Unknown symbols inside a `|` combination are skipped, so a new
/// flag never hides the ones we need (the access mode, `O_CREAT`, ...).
const SYMBOLS: &[(&str, i64)] = &[
    ("NULL", 0),
    ("AT_FDCWD", -100),
    ("AT_SYMLINK_NOFOLLOW", 0x100),
    ("AT_REMOVEDIR", 0x200),
    ("AT_SYMLINK_FOLLOW", 0x400),
    ("AT_EMPTY_PATH", 0x1000),
    ("O_RDONLY", 0),
    ("O_WRONLY", 1),
    ("O_RDWR", 2),
    ("O_CREAT", 0o100),
    ("O_EXCL", 0o200),
    ("O_NOCTTY", 0o400),
    ("O_TRUNC", 0o1000),
    ("O_APPEND", 0o2000),
    ("O_NONBLOCK", 0o4000),
    ("O_NDELAY", 0o4000),
    ("O_DSYNC", 0o10000),
    ("O_ASYNC", 0o20000),
    ("O_DIRECT", 0o40000),
    ("O_LARGEFILE", 0o100000),
    ("O_DIRECTORY", 0o200000),
    ("O_NOFOLLOW", 0o400000),
    ("O_NOATIME", 0o1000000),
    ("O_CLOEXEC", 0o2000000),
    ("O_SYNC", 0o4010000),
    ("O_PATH", 0o10000000),
    ("O_TMPFILE", 0o20200000),
    ("PROT_NONE", 0),
    ("PROT_READ", 1),
    ("PROT_WRITE", 2),
    ("PROT_EXEC", 4),
    ("MAP_SHARED", 1),
    ("MAP_PRIVATE", 2),
    ("MAP_SHARED_VALIDATE", 3),
    ("MAP_FIXED", 0x10),
    ("MAP_ANONYMOUS", 0x20),
    ("MAP_ANON", 0x20),
    ("MAP_32BIT", 0x40),
    ("MAP_GROWSDOWN", 0x100),
    ("MAP_DENYWRITE", 0x800),
    ("MAP_EXECUTABLE", 0x1000),
    ("MAP_LOCKED", 0x2000),
    ("MAP_NORESERVE", 0x4000),
    ("MAP_POPULATE", 0x8000),
    ("MAP_NONBLOCK", 0x10000),
    ("MAP_STACK", 0x20000),
    ("MAP_HUGETLB", 0x40000),
    ("MAP_FIXED_NOREPLACE", 0x100000),
    ("MREMAP_MAYMOVE", 1),
    ("MREMAP_FIXED", 2),
    ("MREMAP_DONTUNMAP", 4),
    ("F_DUPFD", 0),
    ("F_GETFD", 1),
    ("F_SETFD", 2),
    ("F_GETFL", 3),
    ("F_SETFL", 4),
    ("F_DUPFD_CLOEXEC", 1030),
    ("P_ALL", 0),
    ("P_PID", 1),
    ("P_PGID", 2),
    ("P_PIDFD", 3),
    ("CLONE_VM", 0x100),
    ("CLONE_FS", 0x200),
    ("CLONE_FILES", 0x400),
    ("CLONE_SIGHAND", 0x800),
    ("CLONE_PIDFD", 0x1000),
    ("CLONE_PTRACE", 0x2000),
    ("CLONE_VFORK", 0x4000),
    ("CLONE_PARENT", 0x8000),
    ("CLONE_THREAD", 0x10000),
    ("CLONE_NEWNS", 0x20000),
    ("CLONE_SYSVSEM", 0x40000),
    ("CLONE_SETTLS", 0x80000),
    ("CLONE_PARENT_SETTID", 0x100000),
    ("CLONE_CHILD_CLEARTID", 0x200000),
    ("CLONE_CHILD_SETTID", 0x1000000),
    ("SIGCHLD", 17),
];

pub(crate) const O_ACCMODE: i64 = 3;
pub(crate) const O_WRONLY: i64 = 1;
pub(crate) const O_RDWR: i64 = 2;
pub(crate) const O_CREAT: i64 = 0o100;
pub(crate) const O_TRUNC: i64 = 0o1000;
pub(crate) const O_APPEND: i64 = 0o2000;
pub(crate) const MAP_ANONYMOUS: i64 = 0x20;
pub(crate) const AT_REMOVEDIR: i64 = 0x200;
pub(crate) const F_DUPFD: i64 = 0;
pub(crate) const F_DUPFD_CLOEXEC: i64 = 1030;
pub(crate) const CLONE_THREAD: i64 = 0x10000;
pub(crate) const P_PID: i64 = 1;

/// An integer argument: decimal, `0x` hex (two's complement, as raw
/// registers are), leading-zero octal (strace's modes), a known symbol, a
/// `|` combination of those, or strace `-y`'s `3</path>`.
pub fn parse_int(arg: &str) -> Option<i64> {
    // strace annotates unknown values: `0x5 /* MAP_??? */`.
    let arg = arg.split("/*").next().unwrap_or(arg).trim();
    // strace's named arguments: `flags=CLONE_VM|SIGCHLD`.
    if let Some((key, value)) = arg.split_once('=')
        && !key.is_empty()
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return parse_int(value);
    }
    if arg.contains('|') {
        let mut value = 0i64;
        let mut any = false;
        for part in arg.split('|') {
            if let Some(v) = parse_int(part) {
                value |= v;
                any = true;
            }
        }
        return any.then_some(value);
    }
    // strace -y: `3</etc/passwd>`.
    if let Some(lt) = arg.find('<')
        && lt > 0
        && arg.ends_with('>')
    {
        return parse_int(&arg[..lt]);
    }
    let (negative, digits) = match arg.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, arg),
    };
    let magnitude = if let Some(hex) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        // Raw registers are u64; the cast recovers negative values such as AT_FDCWD.
        u64::from_str_radix(hex, 16).ok().map(|v| v as i64)
    } else if digits.len() > 1
        && digits.starts_with('0')
        && digits.bytes().all(|b| b.is_ascii_digit())
    {
        i64::from_str_radix(&digits[1..], 8).ok()
    } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse::<u64>().ok().map(|v| v as i64)
    } else {
        SYMBOLS
            .iter()
            .find(|(name, _)| *name == digits)
            .map(|&(_, v)| v)
    }?;
    Some(if negative {
        magnitude.wrapping_neg()
    } else {
        magnitude
    })
}

/// The flags of a `clone`: strace's named `flags=` argument, or the first
/// (raw) argument.
pub(crate) fn clone_flags(sc: &JsonSyscall) -> Option<i64> {
    match sc
        .args
        .iter()
        .find(|a| a.trim_start().starts_with("flags="))
    {
        Some(a) => parse_int(a),
        None => int_arg(sc, 0),
    }
}

/// Argument `i` of `sc` as an integer.
pub(crate) fn int_arg(sc: &JsonSyscall, i: usize) -> Option<i64> {
    sc.args.get(i).and_then(|a| parse_int(a))
}

/// A strace-quoted string turned back into bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedString {
    pub bytes: Vec<u8>,
    /// strace cut the string (`"abc"...`): `bytes` is only a prefix.
    pub truncated: bool,
}

/// Decodes one strace-quoted string at the start of `s`; returns it and the
/// rest of `s` after the closing quote (and after a `...` truncation mark).
fn scan_string(s: &str) -> Option<(DecodedString, &str)> {
    let body = s.strip_prefix('"')?;
    let raw = body.as_bytes();
    let mut bytes = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'"' => {
                let rest = &body[i + 1..];
                let (truncated, rest) = match rest.strip_prefix("...") {
                    Some(r) => (true, r),
                    None => (false, rest),
                };
                return Some((DecodedString { bytes, truncated }, rest));
            }
            b'\\' => {
                let esc = *raw.get(i + 1)?;
                i += 2;
                match esc {
                    b'n' => bytes.push(b'\n'),
                    b't' => bytes.push(b'\t'),
                    b'r' => bytes.push(b'\r'),
                    b'v' => bytes.push(0x0b),
                    b'f' => bytes.push(0x0c),
                    b'a' => bytes.push(0x07),
                    b'b' => bytes.push(0x08),
                    b'e' => bytes.push(0x1b),
                    b'x' => {
                        let hex: Vec<u8> = raw[i..]
                            .iter()
                            .take(2)
                            .take_while(|b| b.is_ascii_hexdigit())
                            .copied()
                            .collect();
                        let value = u8::from_str_radix(std::str::from_utf8(&hex).ok()?, 16).ok()?;
                        bytes.push(value);
                        i += hex.len();
                    }
                    b'0'..=b'7' => {
                        let mut value: u32 = u32::from(esc - b'0');
                        let mut n = 0;
                        while n < 2 && i < raw.len() && (b'0'..=b'7').contains(&raw[i]) {
                            value = value * 8 + u32::from(raw[i] - b'0');
                            i += 1;
                            n += 1;
                        }
                        bytes.push(u8::try_from(value & 0xff).ok()?);
                    }
                    other => bytes.push(other),
                }
            }
            b => {
                bytes.push(b);
                i += 1;
            }
        }
    }
    None
}

/// A whole argument that is one strace-quoted string; `None` for raw
/// pointers and anything else.
pub fn parse_string(arg: &str) -> Option<DecodedString> {
    let (decoded, rest) = scan_string(arg.trim_start())?;
    rest.trim().is_empty().then_some(decoded)
}

/// String argument `i` of `sc`, when decoded.
pub(crate) fn string_arg(sc: &JsonSyscall, i: usize) -> Option<Vec<u8>> {
    sc.args
        .get(i)
        .and_then(|a| parse_string(a))
        .map(|d| d.bytes)
}

/// A strace string array (`["ls", "-l"]`, `["a", ...]`); the flag says the
/// list was cut short.
pub fn parse_string_list(arg: &str) -> Option<(Vec<Vec<u8>>, bool)> {
    let mut rest = arg.trim().strip_prefix('[')?;
    let mut items = Vec::new();
    loop {
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix(']') {
            return r.trim().is_empty().then_some((items, false));
        }
        if rest.starts_with("...") {
            return Some((items, true));
        }
        let (s, r) = scan_string(rest)?;
        items.push(s.bytes);
        rest = r.trim_start();
        if let Some(r) = rest.strip_prefix(',') {
            rest = r;
        }
    }
}

/// The data of all `iov_base="..."` fields in a decoded iovec array or
/// msghdr, concatenated; `None` when there is none (raw pointer).
pub(crate) fn iov_data(arg: &str) -> Option<DecodedString> {
    const KEY: &str = "iov_base=";
    let mut out = DecodedString {
        bytes: Vec::new(),
        truncated: false,
    };
    let mut found = false;
    let mut rest = arg;
    while let Some(pos) = rest.find(KEY) {
        rest = &rest[pos + KEY.len()..];
        match scan_string(rest) {
            Some((s, r)) => {
                found = true;
                out.bytes.extend_from_slice(&s.bytes);
                out.truncated |= s.truncated;
                rest = r;
            }
            // A raw pointer inside a decoded struct: the data is unknown.
            None => out.truncated = true,
        }
    }
    // strace elides long iovec arrays with `...`.
    if arg.contains("}, ...]") {
        out.truncated = true;
    }
    found.then_some(out)
}

/// The brace-balanced value of `key=` inside a decoded struct, such as
/// `msg_name={sa_family=AF_INET, ...}`.
pub(crate) fn struct_field<'a>(arg: &'a str, key: &str) -> Option<&'a str> {
    let start = arg.find(key)? + key.len();
    let rest = &arg[start..];
    let mut depth = 0i32;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in rest.char_indices() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' | '[' | '(' => depth += 1,
            '}' | ']' | ')' if depth > 0 => depth -= 1,
            ',' | '}' | ']' | ')' if depth == 0 => return Some(rest[..i].trim()),
            _ => {}
        }
    }
    Some(rest.trim())
}

/// A decoded socket address (`{sa_family=AF_INET, sin_port=htons(80), ...}`)
/// with whitespace removed so that spacing differences do not matter; `None`
/// for raw pointers and NULL.
pub(crate) fn socket_address(arg: &str) -> Option<String> {
    let arg = arg.trim();
    arg.starts_with('{')
        .then(|| arg.chars().filter(|c| !c.is_whitespace()).collect())
}

/// Bytes in strace's quoting, for reports.
pub fn quote(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for &b in bytes {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            b'\r' => out.push_str("\\r"),
            0x0b => out.push_str("\\v"),
            0x0c => out.push_str("\\f"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out.push('"');
    out
}

/// The successful return value, `None` for errors and calls that did not return.
pub(crate) fn success(sc: &JsonSyscall) -> Option<i64> {
    match SyscallResult::from(sc.result) {
        r @ SyscallResult::Returned(v) if !r.is_error() => Some(v),
        _ => None,
    }
}

/// The errno of a failed call.
pub(crate) fn errno(sc: &JsonSyscall) -> Option<i32> {
    SyscallResult::from(sc.result).errno()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints() {
        assert_eq!(parse_int("0x3"), Some(3));
        assert_eq!(parse_int("0"), Some(0));
        assert_eq!(parse_int("42"), Some(42));
        assert_eq!(parse_int("-1"), Some(-1));
        assert_eq!(parse_int("0xffffffffffffff9c"), Some(-100));
        assert_eq!(parse_int("AT_FDCWD"), Some(-100));
        assert_eq!(parse_int("0644"), Some(0o644));
        assert_eq!(
            parse_int("O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC"),
            Some(0o2001101)
        );
        assert_eq!(parse_int("O_RDONLY|O_WHATEVER"), Some(0));
        assert_eq!(parse_int("3</etc/passwd>"), Some(3));
        assert_eq!(parse_int("\"x\""), None);
        assert_eq!(parse_int("0x7ffd0000"), Some(0x7ffd_0000));
        assert_eq!(parse_int("0x5 /* MAP_??? */"), Some(5));
        assert_eq!(parse_int("SOCK_STREAM|0x100 /* SOCK_??? */"), Some(0x100));
        assert_eq!(
            parse_int("MAP_PRIVATE|MAP_ANONYMOUS|16<<MAP_HUGE_SHIFT"),
            Some(0x22)
        );
        assert_eq!(parse_int("S_IFREG|0644"), Some(0o644));
        assert_eq!(parse_int("flags=CLONE_THREAD|SIGCHLD"), Some(0x10011));
        assert_eq!(parse_int("child_stack=NULL"), Some(0));
    }

    #[test]
    fn strings() {
        let d = parse_string(r#""a\"b\\c\n\t\0\377\x41é""#).expect("decodes");
        assert_eq!(d.bytes, b"a\"b\\c\n\t\0\xffA\xc3\xa9");
        assert!(!d.truncated);
        let d = parse_string(r#""abc"..."#).expect("decodes");
        assert_eq!((d.bytes.as_slice(), d.truncated), (&b"abc"[..], true));
        assert_eq!(parse_string("0x7ffd0000"), None);
        assert_eq!(parse_string(r#""unterminated"#), None);
        for bytes in [&b"plain"[..], b"\x00\x01\xfe\"\\\n", b""] {
            let back = parse_string(&quote(bytes)).expect("round trip");
            assert_eq!(back.bytes, bytes);
        }
    }

    #[test]
    fn lists() {
        let (items, cut) = parse_string_list(r#"["ls", "-l", "a, b"]"#).expect("list");
        assert_eq!(items, [&b"ls"[..], b"-l", b"a, b"]);
        assert!(!cut);
        let (items, cut) = parse_string_list(r#"["a", ...]"#).expect("list");
        assert_eq!((items.len(), cut), (1, true));
        assert_eq!(parse_string_list(r#"[]"#), Some((vec![], false)));
        assert_eq!(parse_string_list("0x7ffd1000"), None);
    }

    #[test]
    fn iovecs_and_structs() {
        let iov = r#"[{iov_base="hello", iov_len=5}, {iov_base=" world\n", iov_len=7}]"#;
        let d = iov_data(iov).expect("iov");
        assert_eq!(d.bytes, b"hello world\n");
        assert!(!d.truncated);
        assert_eq!(iov_data("0x7ffd0000"), None);
        let msg = r#"{msg_name={sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("8.8.8.8")}, msg_namelen=16, msg_iov=[{iov_base="q", iov_len=1}], msg_iovlen=1}"#;
        assert_eq!(
            struct_field(msg, "msg_name="),
            Some(r#"{sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("8.8.8.8")}"#)
        );
        assert_eq!(struct_field(msg, "msg_namelen="), Some("16"));
        assert_eq!(
            socket_address("{sa_family=AF_UNIX, sun_path=\"/tmp/s\"}").as_deref(),
            Some("{sa_family=AF_UNIX,sun_path=\"/tmp/s\"}")
        );
        assert_eq!(socket_address("0x7ffd0000"), None);
    }
}
