//! `struct sockaddr` and `struct timespec` from captured bytes.

use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::quote::quote;
use crate::xlat::{self, AF};

const AF_UNIX: u16 = 1;
const AF_INET: u16 = 2;
const AF_INET6: u16 = 10;
const AF_NETLINK: u16 = 16;
/// `sizeof(struct sockaddr_un)`.
const SOCKADDR_UN_LEN: usize = 110;
/// `offsetof(struct sockaddr_in6, sin6_scope_id)`: strace prints the scope
/// id only when the address is longer than this.
const SIN6_MIN_LEN: usize = 24;

fn u16_be(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_be(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u32_ne(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn i64_ne(b: &[u8], at: usize) -> Option<i64> {
    Some(i64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// `{sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("1.2.3.4")}`
/// and friends; `None` when fewer than the two family bytes are available
/// (the caller then prints the pointer).
pub(crate) fn sockaddr(bytes: &[u8], addrlen: usize) -> Option<String> {
    let len = addrlen.min(bytes.len());
    let b = &bytes[..len];
    let family = u16::from_le_bytes(b.get(..2)?.try_into().ok()?);
    let mut out = format!("{{sa_family={}", AF.format_enum(u64::from(family)));
    if len > 2 {
        out.push_str(", ");
        match family {
            AF_UNIX => push_un(&mut out, b),
            AF_INET if len >= 16 => push_in(&mut out, b)?,
            AF_INET6 if len >= SIN6_MIN_LEN => push_in6(&mut out, b)?,
            AF_NETLINK if len >= 12 => push_nl(&mut out, b)?,
            _ => {
                let _ = write!(out, "sa_data={}", quote(&b[2..], false));
            }
        }
    }
    out.push('}');
    Some(out)
}

fn push_un(out: &mut String, b: &[u8]) {
    let path = &b[2..b.len().min(SOCKADDR_UN_LEN)];
    out.push_str("sun_path=");
    match path.split_first() {
        // Abstract socket: a leading NUL, the rest is binary.
        Some((0, rest)) => {
            out.push('@');
            out.push_str(&quote(rest, false));
        }
        _ => {
            let end = path.iter().position(|&c| c == 0).unwrap_or(path.len());
            out.push_str(&quote(&path[..end], false));
        }
    }
}

fn push_in(out: &mut String, b: &[u8]) -> Option<()> {
    let port = u16_be(b, 2)?;
    let addr = Ipv4Addr::from(u32_be(b, 4)?);
    let _ = write!(
        out,
        "sin_port=htons({port}), sin_addr=inet_addr(\"{addr}\")"
    );
    Some(())
}

fn push_in6(out: &mut String, b: &[u8]) -> Option<()> {
    let port = u16_be(b, 2)?;
    let flowinfo = u32_be(b, 4)?;
    let octets: [u8; 16] = b.get(8..24)?.try_into().ok()?;
    let _ = write!(
        out,
        "sin6_port=htons({port}), sin6_flowinfo=htonl({flowinfo}), inet_pton(AF_INET6, \"{}\", &sin6_addr)",
        inet6_ntop(&Ipv6Addr::from(octets))
    );
    if b.len() > SIN6_MIN_LEN {
        // strace names link-local scopes with if_nametoindex() when it can
        // resolve them; the index is all a trace recorder knows.
        let _ = write!(out, ", sin6_scope_id={}", u32_ne(b, 24)?);
    }
    Some(())
}

/// glibc's `inet_ntop`: like Rust's formatting, except that IPv4-compatible
/// addresses (`::a.b.c.d`) keep their dotted tail.
fn inet6_ntop(addr: &Ipv6Addr) -> String {
    let seg = addr.segments();
    if seg[..6].iter().all(|&s| s == 0) && seg[6] != 0 {
        let [.., a, b, c, d] = addr.octets();
        format!("::{a}.{b}.{c}.{d}")
    } else {
        addr.to_string()
    }
}

fn push_nl(out: &mut String, b: &[u8]) -> Option<()> {
    let pad = u16::from_le_bytes(b.get(2..4)?.try_into().ok()?);
    if pad != 0 {
        let _ = write!(out, "nl_pad={}, ", xlat::hex(u64::from(pad)));
    }
    let pid = u32_ne(b, 4)?;
    let groups = u32_ne(b, 8)?;
    // C's "%#08x": zero has no 0x prefix but still pads to eight digits.
    let groups = if groups == 0 {
        "00000000".to_owned()
    } else {
        format!("{groups:#08x}")
    };
    let _ = write!(out, "nl_pid={pid}, nl_groups={groups}");
    Some(())
}

/// `{tv_sec=1, tv_nsec=500}` from a 16-byte `struct timespec`.
pub(crate) fn timespec(bytes: &[u8]) -> Option<String> {
    Some(format!(
        "{{tv_sec={}, tv_nsec={}}}",
        i64_ne(bytes, 0)?,
        i64_ne(bytes, 8)?
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sa_in(port: u16, addr: [u8; 4]) -> Vec<u8> {
        let mut b = vec![2, 0];
        b.extend_from_slice(&port.to_be_bytes());
        b.extend_from_slice(&addr);
        b.extend_from_slice(&[0; 8]);
        b
    }

    fn sa_in6(port: u16, addr: Ipv6Addr, scope: u32) -> Vec<u8> {
        let mut b = vec![10, 0];
        b.extend_from_slice(&port.to_be_bytes());
        b.extend_from_slice(&0u32.to_be_bytes());
        b.extend_from_slice(&addr.octets());
        b.extend_from_slice(&scope.to_le_bytes());
        b
    }

    #[test]
    fn inet() {
        assert_eq!(
            sockaddr(&sa_in(8080, [127, 0, 0, 1]), 16).as_deref(),
            Some(r#"{sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("127.0.0.1")}"#)
        );
        // Too short for sockaddr_in: raw bytes.
        assert_eq!(
            sockaddr(&sa_in(1, [1, 2, 3, 4]), 4).as_deref(),
            Some(r#"{sa_family=AF_INET, sa_data="\0\1"}"#)
        );
        assert_eq!(sockaddr(&[2, 0], 2).as_deref(), Some("{sa_family=AF_INET}"));
        assert_eq!(sockaddr(&[2], 16), None);
    }

    #[test]
    fn inet6() {
        let lo = sa_in6(9, Ipv6Addr::LOCALHOST, 0);
        assert_eq!(
            sockaddr(&lo, 28).as_deref(),
            Some(
                r#"{sa_family=AF_INET6, sin6_port=htons(9), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}"#
            )
        );
        let mapped = sa_in6(
            80,
            "::ffff:1.2.3.4".parse().unwrap_or(Ipv6Addr::UNSPECIFIED),
            0,
        );
        assert!(sockaddr(&mapped, 28).is_some_and(|s| s.contains(r#""::ffff:1.2.3.4""#)));
        let ll = sa_in6(9, "fe80::1".parse().unwrap_or(Ipv6Addr::UNSPECIFIED), 2);
        assert!(
            sockaddr(&ll, 28)
                .is_some_and(|s| s.ends_with(r#""fe80::1", &sin6_addr), sin6_scope_id=2}"#))
        );
        // Without the scope id field.
        assert!(sockaddr(&lo, 24).is_some_and(|s| s.ends_with("&sin6_addr)}")));
        assert_eq!(
            inet6_ntop(&"::1.2.3.4".parse().unwrap_or(Ipv6Addr::UNSPECIFIED)),
            "::1.2.3.4"
        );
        assert_eq!(inet6_ntop(&Ipv6Addr::UNSPECIFIED), "::");
        assert_eq!(
            inet6_ntop(&"2001:db8::1:0:0:1".parse().unwrap_or(Ipv6Addr::UNSPECIFIED)),
            "2001:db8::1:0:0:1"
        );
    }

    #[test]
    fn unix() {
        let mut b = vec![1, 0];
        b.extend_from_slice(b"/var/run/nscd/socket\0");
        assert_eq!(
            sockaddr(&b, 110).as_deref(),
            Some(r#"{sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}"#)
        );
        // Not NUL-terminated within addrlen.
        assert_eq!(
            sockaddr(b"\x01\x00/tmp/s", 8).as_deref(),
            Some(r#"{sa_family=AF_UNIX, sun_path="/tmp/s"}"#)
        );
        assert_eq!(
            sockaddr(b"\x01\x00\x00abc\x00", 7).as_deref(),
            Some(r#"{sa_family=AF_UNIX, sun_path=@"abc\0"}"#)
        );
        assert_eq!(
            sockaddr(b"\x01\x00", 2).as_deref(),
            Some("{sa_family=AF_UNIX}")
        );
    }

    #[test]
    fn netlink_and_unknown() {
        let mut nl = vec![16, 0, 0, 0];
        nl.extend_from_slice(&0u32.to_le_bytes());
        nl.extend_from_slice(&0u32.to_le_bytes());
        assert_eq!(
            sockaddr(&nl, 12).as_deref(),
            Some("{sa_family=AF_NETLINK, nl_pid=0, nl_groups=00000000}")
        );
        nl[8] = 1;
        assert!(sockaddr(&nl, 12).is_some_and(|s| s.ends_with("nl_groups=0x000001}")));
        assert_eq!(
            sockaddr(b"\x63\x00ab", 4).as_deref(),
            Some(r#"{sa_family=0x63 /* AF_??? */, sa_data="ab"}"#)
        );
    }

    #[test]
    fn timespecs() {
        let mut b = 1i64.to_le_bytes().to_vec();
        b.extend_from_slice(&10_000_000i64.to_le_bytes());
        assert_eq!(
            timespec(&b).as_deref(),
            Some("{tv_sec=1, tv_nsec=10000000}")
        );
        assert_eq!(timespec(&b[..8]), None);
    }
}
