//! Struct field offsets from the kernel's BTF (`/sys/kernel/btf/vmlinux`).
//!
//! renacer's programs are not CO-RE relocated, so the few `task_struct`
//! fields they read are located here and passed in at load time. Only the
//! type section is walked: a BTF type is a 12-byte header followed by
//! kind-specific data whose size depends on the kind and member count.

/// `struct btf_header` magic.
const BTF_MAGIC: u16 = 0xeb9f;
const KIND_STRUCT: u32 = 4;
const KIND_UNION: u32 = 5;

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum BtfError {
    #[error("not BTF data (bad magic or a short header)")]
    NotBtf,
    #[error("BTF type {0} has unknown kind {1}")]
    UnknownKind(usize, u32),
    #[error("BTF data ends inside type {0}")]
    Truncated(usize),
}

/// One parsed type: its kind, name and (for structs and unions) members.
struct BtfType<'a> {
    kind: u32,
    name: &'a [u8],
    /// `(name, type id, offset in bits)` of a struct's or union's members.
    members: Vec<(&'a [u8], u32, u32)>,
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    data.get(at..at + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn string_at(strings: &[u8], offset: u32) -> &[u8] {
    let rest = strings.get(offset as usize..).unwrap_or_default();
    let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
    &rest[..end]
}

/// Every type of a (little-endian) BTF blob, id 1 first.
fn types(data: &[u8]) -> Result<Vec<BtfType<'_>>, BtfError> {
    let magic = data.get(..2).map(|b| u16::from_le_bytes([b[0], b[1]]));
    if magic != Some(BTF_MAGIC) {
        return Err(BtfError::NotBtf);
    }
    let field = |at| u32_at(data, at).ok_or(BtfError::NotBtf);
    let hdr_len = field(4)? as usize;
    let (type_off, type_len) = (field(8)? as usize, field(12)? as usize);
    let (str_off, str_len) = (field(16)? as usize, field(20)? as usize);
    let section = |off: usize, len: usize| {
        data.get(hdr_len + off..hdr_len + off + len)
            .ok_or(BtfError::NotBtf)
    };
    let type_data = section(type_off, type_len)?;
    let strings = section(str_off, str_len)?;
    let mut types = Vec::new();
    let mut at = 0;
    while at < type_data.len() {
        let id = types.len() + 1;
        let truncated = BtfError::Truncated(id);
        let name_off = u32_at(type_data, at).ok_or_else(|| truncated.clone())?;
        let info = u32_at(type_data, at + 4).ok_or(truncated)?;
        let kind = (info >> 24) & 0x1f;
        let vlen = (info & 0xffff) as usize;
        let bitfields = info >> 31 != 0;
        at += 12;
        let extra = match kind {
            // int, var, decl_tag: one u32
            1 | 14 | 17 => 4,
            // ptr, fwd, typedef, volatile, const, restrict, func, float, type_tag
            2 | 7..=12 | 16 | 18 => 0,
            // array
            3 => 12,
            // struct, union, datasec, enum64: 12 bytes per member
            4 | 5 | 15 | 19 => 12 * vlen,
            // enum, func_proto: 8 bytes per member
            6 | 13 => 8 * vlen,
            other => return Err(BtfError::UnknownKind(id, other)),
        };
        let body = type_data
            .get(at..at + extra)
            .ok_or(BtfError::Truncated(id))?;
        let mut members = Vec::new();
        if kind == KIND_STRUCT || kind == KIND_UNION {
            for member in body.chunks_exact(12) {
                let name = string_at(strings, u32_at(member, 0).unwrap_or_default());
                let type_id = u32_at(member, 4).unwrap_or_default();
                let offset = u32_at(member, 8).unwrap_or_default();
                // With kind_flag set the low 24 bits are the bit offset.
                let offset = if bitfields {
                    offset & 0xff_ffff
                } else {
                    offset
                };
                members.push((name, type_id, offset));
            }
        }
        types.push(BtfType {
            kind,
            name: string_at(strings, name_off),
            members,
        });
        at += extra;
    }
    Ok(types)
}

/// The byte offset of `member` in struct `name`, looking through anonymous
/// struct and union members as C does.
pub fn member_offset(data: &[u8], name: &str, member: &str) -> Result<Option<u32>, BtfError> {
    let types = types(data)?;
    Ok(types
        .iter()
        .filter(|ty| ty.kind == KIND_STRUCT && ty.name == name.as_bytes())
        .find_map(|ty| search(&types, ty, member, 0)))
}

/// `member`'s byte offset in `ty`, or in an anonymous struct or union in it.
fn search(types: &[BtfType<'_>], ty: &BtfType<'_>, member: &str, depth: u32) -> Option<u32> {
    for &(name, type_id, bits) in &ty.members {
        if name == member.as_bytes() {
            return Some(bits / 8);
        }
        if name.is_empty() && depth < 8 {
            let inner = types.get((type_id as usize).checked_sub(1)?)?;
            if (inner.kind == KIND_STRUCT || inner.kind == KIND_UNION)
                && let Some(offset) = search(types, inner, member, depth + 1)
            {
                return Some(bits / 8 + offset);
            }
        }
    }
    None
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests fail loudly")]
mod tests {
    use super::*;

    /// A BTF blob: `int`, then `struct outer { int a; union { int b; }; }`
    /// with the anonymous union at byte 8.
    fn blob() -> Vec<u8> {
        let strings = b"\0int\0outer\0a\0b\0";
        let mut types = Vec::new();
        let mut push = |words: &[u32]| {
            for w in words {
                types.extend_from_slice(&w.to_le_bytes());
            }
        };
        // 1: int, size 4, encoding word
        push(&[1, 1 << 24, 4, 32]);
        // 2: struct outer, 2 members, size 12
        push(&[5, (4 << 24) | 2, 12]);
        push(&[11, 1, 0]); // a: int at bit 0
        push(&[0, 3, 64]); // anonymous union (type 3) at bit 64
        // 3: union, 1 member
        push(&[0, (5 << 24) | 1, 4]);
        push(&[13, 1, 0]); // b
        let mut out = Vec::new();
        out.extend_from_slice(&BTF_MAGIC.to_le_bytes());
        out.extend_from_slice(&[1, 0]);
        for w in [
            24u32,
            0,
            types.len() as u32,
            types.len() as u32,
            strings.len() as u32,
        ] {
            out.extend_from_slice(&w.to_le_bytes());
        }
        out.extend_from_slice(&types);
        out.extend_from_slice(strings);
        out
    }

    #[test]
    fn finds_direct_and_anonymous_members() {
        let blob = blob();
        assert_eq!(member_offset(&blob, "outer", "a"), Ok(Some(0)));
        assert_eq!(member_offset(&blob, "outer", "b"), Ok(Some(8)));
        assert_eq!(member_offset(&blob, "outer", "c"), Ok(None));
        assert_eq!(member_offset(&blob, "inner", "a"), Ok(None));
        assert_eq!(member_offset(b"nope", "outer", "a"), Err(BtfError::NotBtf));
        assert_eq!(
            member_offset(&blob[..blob.len() - 20], "outer", "a"),
            Err(BtfError::NotBtf)
        );
    }

    /// The running kernel's task_struct, where there is one to read.
    #[test]
    fn reads_this_kernels_task_struct() {
        let Ok(vmlinux) = std::fs::read("/sys/kernel/btf/vmlinux") else {
            return;
        };
        let exit_code = member_offset(&vmlinux, "task_struct", "exit_code").unwrap();
        let pid = member_offset(&vmlinux, "task_struct", "pid").unwrap();
        let tgid = member_offset(&vmlinux, "task_struct", "tgid").unwrap();
        assert!(exit_code.is_some_and(|o| o > 0), "{exit_code:?}");
        // pid and tgid are adjacent pid_t fields.
        assert_eq!(tgid.unwrap(), pid.unwrap() + 4);
    }
}
