//! The packed form of a captured call: one record per syscall with the bytes
//! the kernel read for it, as the daemon keeps it and streams it to
//! renacerctl (`SyscallBatch.packed` in renacer.v1). It is the kernel's own
//! payload records laid end to end, so the daemon builds it with copies
//! only, and a reader decodes it in place: no allocation per call on either
//! side, and arguments become text only where text is printed.
//!
//! A record, all integers little-endian:
//!
//! | bytes | field |
//! | --- | --- |
//! | 4 | `len`: bytes of the whole record, this field and the items included |
//! | 4 × 4 | `nr`, `pid`, `tid`, `cpu` |
//! | 4 | result kind: 0 returned, 1 never returns, 2 unfinished |
//! | 8 | `ret` (signed; negative errno on failure) |
//! | 8 × 3 | `timestamp_nanos`, `duration_nanos`, `lamport` |
//! | 8 × 6 | the raw argument registers |
//! | … | items, to `len` |
//!
//! An item: `kind` (u8), `arg` (u8), `flags` (u8), a zero byte, `len` (u32),
//! then `len` bytes. Kinds and flags are those of the kernel's payload
//! records ([`item`], `renacer_common::payload`), plus FRAMES (10): the call's
//! user stack as the daemon unwound it, laid out as [`crate::stack`] says
//! (`--source`, `-k`); it belongs to no argument.

use crate::{
    SyscallRecord, SyscallResult,
    decode::{Captured, CapturedBytes, CapturedIov},
};

/// Item kinds and flags: the kernel's payload kinds and flags, unchanged.
pub use renacer_common::payload as item;

/// Bytes of a record before its items.
pub const RECORD_HEADER_BYTES: usize = 104;
/// Bytes of an item before its data.
pub const ITEM_HEADER_BYTES: usize = 8;
/// `iov_base` and `iov_len` at the start of an IOVEC item.
const IOVEC_PREFIX_BYTES: usize = 16;

const RESULT_RETURNED: u32 = 0;
const RESULT_NO_RETURN: u32 = 1;
const RESULT_UNFINISHED: u32 = 2;

/// A packed batch that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed packed record at byte {offset}: {problem}")]
pub struct PackedError {
    pub offset: usize,
    pub problem: &'static str,
}

/// Appends one item (what the kernel read through one argument).
pub fn push_item(items: &mut Vec<u8>, kind: u8, arg: u8, flags: u8, bytes: &[u8]) {
    items.extend_from_slice(&[kind, arg, flags, 0]);
    items.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    items.extend_from_slice(bytes);
}

/// Appends one record with its items.
pub fn push_record(out: &mut Vec<u8>, rec: &SyscallRecord, items: &[u8]) {
    let (result, ret) = match rec.result {
        SyscallResult::Returned(ret) => (RESULT_RETURNED, ret),
        SyscallResult::NoReturn => (RESULT_NO_RETURN, 0),
        SyscallResult::Unfinished => (RESULT_UNFINISHED, 0),
    };
    let len = (RECORD_HEADER_BYTES + items.len()) as u32;
    out.reserve(len as usize);
    for word in [len, rec.nr, rec.pid, rec.tid, rec.cpu, result] {
        out.extend_from_slice(&word.to_le_bytes());
    }
    out.extend_from_slice(&ret.to_le_bytes());
    for word in [rec.timestamp_nanos, rec.duration_nanos, rec.lamport] {
        out.extend_from_slice(&word.to_le_bytes());
    }
    for arg in rec.args {
        out.extend_from_slice(&arg.to_le_bytes());
    }
    out.extend_from_slice(items);
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

/// The records of a packed batch, each with its items, decoded in place.
pub fn records(packed: &[u8]) -> Records<'_> {
    Records { packed, offset: 0 }
}

#[derive(Debug, Clone)]
pub struct Records<'a> {
    packed: &'a [u8],
    offset: usize,
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<(SyscallRecord, &'a [u8]), PackedError>;

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self
            .packed
            .get(self.offset..)
            .filter(|rest| !rest.is_empty())?;
        let offset = self.offset;
        let error = |problem| Some(Err(PackedError { offset, problem }));
        if rest.len() < RECORD_HEADER_BYTES {
            self.offset = self.packed.len();
            return error("shorter than a record header");
        }
        let len = u32_at(rest, 0) as usize;
        if len < RECORD_HEADER_BYTES || len > rest.len() {
            self.offset = self.packed.len();
            return error("record length out of bounds");
        }
        let record = &rest[..len];
        let result = match u32_at(record, 20) {
            RESULT_RETURNED => SyscallResult::Returned(u64_at(record, 24) as i64),
            RESULT_NO_RETURN => SyscallResult::NoReturn,
            RESULT_UNFINISHED => SyscallResult::Unfinished,
            _ => {
                self.offset = self.packed.len();
                return error("unknown result kind");
            }
        };
        let rec = SyscallRecord {
            nr: u32_at(record, 4),
            pid: u32_at(record, 8),
            tid: u32_at(record, 12),
            cpu: u32_at(record, 16),
            result,
            timestamp_nanos: u64_at(record, 32),
            duration_nanos: u64_at(record, 40),
            lamport: u64_at(record, 48),
            args: std::array::from_fn(|i| u64_at(record, 56 + 8 * i)),
        };
        self.offset += len;
        Some(Ok((rec, &record[RECORD_HEADER_BYTES..])))
    }
}

/// One item of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item<'a> {
    pub kind: u8,
    pub arg: u8,
    pub flags: u8,
    pub bytes: &'a [u8],
}

impl<'a> Item<'a> {
    fn truncated(&self) -> bool {
        self.flags & item::TRUNCATED != 0
    }

    fn captured_bytes(&self) -> CapturedBytes<'a> {
        CapturedBytes::new(self.bytes, self.truncated())
    }
}

/// The items of a record; a malformed tail ends the walk.
pub fn items(items: &[u8]) -> impl Iterator<Item = Item<'_>> {
    let mut rest = items;
    std::iter::from_fn(move || {
        if rest.len() < ITEM_HEADER_BYTES {
            return None;
        }
        let len = u32_at(rest, 4) as usize;
        let bytes = rest.get(ITEM_HEADER_BYTES..ITEM_HEADER_BYTES + len)?;
        let found = Item {
            kind: rest[0],
            arg: rest[1],
            flags: rest[2],
            bytes,
        };
        rest = &rest[ITEM_HEADER_BYTES + len..];
        Some(found)
    })
}

/// The items as the decoder reads them.
pub fn captured(record_items: &[u8]) -> Captured<'_> {
    let mut captured = Captured::default();
    for found in items(record_items) {
        let array_more = found.flags & item::ARGV_MORE != 0;
        match found.kind {
            item::STRING => {
                if let Some(slot) = captured.strings.get_mut(usize::from(found.arg)) {
                    *slot = Some(found.captured_bytes());
                }
            }
            item::BUFFER => captured.buffer = Some(found.captured_bytes()),
            item::ADDRESS => captured.address = Some(found.captured_bytes()),
            item::ENV => captured.env = Some(found.captured_bytes()),
            item::ARGV if array_more => captured.argv_truncated = true,
            item::ARGV => captured.argv.push(found.captured_bytes()),
            item::IOVEC if array_more => captured.iov_truncated = true,
            item::IOVEC => {
                if let Some((element, data)) = found.bytes.split_first_chunk::<IOVEC_PREFIX_BYTES>()
                {
                    let (base, len) = element.split_at(8);
                    captured.iov.push(CapturedIov {
                        base: u64::from_ne_bytes(base.try_into().expect("8 bytes")),
                        len: u64::from_ne_bytes(len.try_into().expect("8 bytes")),
                        data: CapturedBytes::new(data, found.truncated()),
                        unreadable: found.flags & item::UNREADABLE != 0,
                    });
                }
            }
            item::MSGHDR => captured.msghdr = Some(found.bytes),
            item::STRUCT => {
                if let Some(slot) = captured.structs.get_mut(usize::from(found.arg)) {
                    *slot = Some(found.captured_bytes());
                }
            }
            item::ENTRY => {
                if let Some(slot) = captured.entry.get_mut(usize::from(found.arg)) {
                    *slot = Some(found.captured_bytes());
                }
            }
            _ => {}
        }
    }
    captured
}

/// Stack items are not arguments' bytes.
fn is_stack(found: &Item<'_>) -> bool {
    matches!(found.kind, item::FRAMES | item::USER_STACK)
}

/// The call's unwound user stack (a FRAMES item, see [`crate::stack`]), if
/// it has one.
pub fn frames(record_items: &[u8]) -> Option<&[u8]> {
    items(record_items)
        .find(|found| found.kind == item::FRAMES)
        .map(|found| found.bytes)
}

/// What was read through one argument, as renacer.v1's `CapturedArg` and
/// renacer-json-v1's `captured` show it: one item for a string or buffer, one
/// per element for an array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgBytes<'a> {
    pub arg: u32,
    pub items: Vec<&'a [u8]>,
    pub truncated: bool,
}

/// The items grouped by argument, in argument order.
pub fn by_argument(record_items: &[u8]) -> Vec<ArgBytes<'_>> {
    let mut out: Vec<ArgBytes<'_>> = Vec::new();
    let mut array: Option<usize> = None;
    let mut iov: Option<usize> = None;
    for found in items(record_items).filter(|found| !is_stack(found)) {
        let arg = u32::from(found.arg);
        let truncated = found.truncated() || found.flags & item::ARGV_MORE != 0;
        let (slot, data) = match found.kind {
            item::ARGV => (&mut array, found.bytes),
            item::IOVEC => (
                &mut iov,
                found.bytes.get(IOVEC_PREFIX_BYTES..).unwrap_or_default(),
            ),
            _ => {
                out.push(ArgBytes {
                    arg,
                    items: vec![found.bytes],
                    truncated: found.truncated(),
                });
                continue;
            }
        };
        let index = *slot.get_or_insert_with(|| {
            out.push(ArgBytes {
                arg,
                items: Vec::new(),
                truncated: false,
            });
            out.len() - 1
        });
        let group = &mut out[index];
        group.truncated |= truncated;
        if found.flags & item::ARGV_MORE == 0 {
            group.items.push(data);
        }
    }
    out.sort_by_key(|group| group.arg);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(nr: u32, result: SyscallResult) -> SyscallRecord {
        SyscallRecord {
            nr,
            args: [3, 0x7ffd_0000_1234, 1, u64::MAX, 0, 42],
            result,
            timestamp_nanos: 1_700_000_000_000_000_000,
            duration_nanos: 1234,
            pid: 7,
            tid: 8,
            cpu: 1,
            lamport: 99,
        }
    }

    #[test]
    fn records_round_trip_with_their_items() {
        let mut items = Vec::new();
        push_item(&mut items, item::BUFFER, 1, item::TRUNCATED, b"hello");
        let mut packed = Vec::new();
        let write = record(1, SyscallResult::Returned(-14));
        let exit = record(231, SyscallResult::NoReturn);
        let unfinished = record(0, SyscallResult::Unfinished);
        push_record(&mut packed, &write, &items);
        push_record(&mut packed, &exit, &[]);
        push_record(&mut packed, &unfinished, &[]);
        let read: Vec<_> = records(&packed).collect::<Result<_, _>>().expect("valid");
        assert_eq!(read.len(), 3);
        assert_eq!(read[0], (write, items.as_slice()));
        assert_eq!(read[1], (exit, &[][..]));
        assert_eq!(read[2], (unfinished, &[][..]));
        assert_eq!(packed.len(), 3 * RECORD_HEADER_BYTES + items.len());
    }

    #[test]
    fn malformed_batches_are_errors_not_panics() {
        let mut packed = Vec::new();
        push_record(&mut packed, &record(1, SyscallResult::Returned(1)), &[]);
        for cut in [1, RECORD_HEADER_BYTES - 1, RECORD_HEADER_BYTES + 3] {
            let mut bad = packed.clone();
            bad.truncate(packed.len().min(cut));
            if cut > packed.len() {
                bad.extend_from_slice(&[0; 3]);
            }
            assert!(records(&bad).any(|r| r.is_err()), "cut at {cut}");
        }
        let mut bad_len = packed.clone();
        bad_len[..4].copy_from_slice(&1u32.to_le_bytes());
        assert!(records(&bad_len).next().is_some_and(|r| r.is_err()));
        // A short item ends the walk instead of reading past the record.
        let mut items = Vec::new();
        push_item(&mut items, item::STRING, 0, 0, b"/etc/hosts");
        items.truncate(items.len() - 1);
        assert_eq!(captured(&items), Captured::default());
    }

    #[test]
    fn items_decode_into_what_the_decoder_reads() {
        let mut items = Vec::new();
        push_item(&mut items, item::STRING, 1, 0, b"/etc/hosts");
        push_item(&mut items, item::ARGV, 1, 0, b"ls");
        push_item(&mut items, item::ARGV, 1, item::TRUNCATED, b"-l");
        push_item(&mut items, item::ARGV, 1, item::ARGV_MORE, b"");
        let mut element = Vec::new();
        element.extend_from_slice(&0x1000u64.to_ne_bytes());
        element.extend_from_slice(&3u64.to_ne_bytes());
        element.extend_from_slice(b"abc");
        push_item(&mut items, item::IOVEC, 2, 0, &element);
        push_item(&mut items, item::IOVEC, 2, item::UNREADABLE, &element[..16]);
        push_item(&mut items, item::BUFFER, 4, item::TRUNCATED, b"data");
        let captured = captured(&items);
        assert_eq!(
            captured.strings[1],
            Some(CapturedBytes::new(b"/etc/hosts", false))
        );
        assert_eq!(
            captured.argv,
            [
                CapturedBytes::new(b"ls", false),
                CapturedBytes::new(b"-l", true)
            ]
        );
        assert!(captured.argv_truncated);
        assert_eq!(captured.iov.len(), 2);
        assert_eq!((captured.iov[0].base, captured.iov[0].len), (0x1000, 3));
        assert_eq!(captured.iov[0].data.bytes, b"abc");
        assert!(captured.iov[1].unreadable);
        assert_eq!(captured.buffer, Some(CapturedBytes::new(b"data", true)));

        let groups = by_argument(&items);
        assert_eq!(
            groups,
            [
                ArgBytes {
                    arg: 1,
                    items: vec![b"/etc/hosts"],
                    truncated: false
                },
                ArgBytes {
                    arg: 1,
                    items: vec![b"ls", b"-l"],
                    truncated: true
                },
                ArgBytes {
                    arg: 2,
                    items: vec![b"abc", b""],
                    truncated: false
                },
                ArgBytes {
                    arg: 4,
                    items: vec![b"data"],
                    truncated: true
                },
            ]
        );
    }
}
