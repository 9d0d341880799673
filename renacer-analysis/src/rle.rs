//! The `--compress` trace format: lossless run-length encoding of a
//! [`TraceFile`], deflated.
//!
//! Consecutive records that are identical except for their timestamp,
//! duration and Lamport clock form a run, stored once as a *key* (name,
//! decoded and raw arguments, captured bytes, result, errno, pid, tid —
//! strings interned in a table) with a count. The varying fields are stored per record, in columns that deflate
//! well: enter-time deltas from the previous record, durations, and Lamport
//! deltas from the previous record of the same process, all as LEB128
//! varints (deltas zigzag-encoded, with wrapping arithmetic so any values
//! round-trip exactly).
//!
//! A call's `source` (with `--source`) is part of its key, interned as its
//! JSON text: calls from one line repeat it verbatim.
//!
//! Layout: `RNRLE`, format version (3; 2 is read too: it had no sources), codec (0 stored, 1 deflate), then
//! the body: header fields, string table, key table, runs, and the three
//! columns.

use std::collections::HashMap;

use renacer_trace::json::{
    Drops, JsonCaptured, JsonMarker, JsonResult, JsonSource, JsonSyscall, ProcessInfo, Statistics,
    TraceFile,
};

const MAGIC: &[u8] = b"RNRLE";
const VERSION: u8 = 3;
/// The version before keys carried a source; still read.
const VERSION_WITHOUT_SOURCE: u8 = 2;
const CODEC_STORED: u8 = 0;
const CODEC_DEFLATE: u8 = 1;
/// miniz's default level: compressing is linear and fast enough here.
const DEFLATE_LEVEL: u8 = 6;
/// Largest inflated body accepted: a corrupt or hostile file must not
/// exhaust memory (a million-record trace inflates to about 30 MiB).
const MAX_BODY_BYTES: usize = 1 << 30;
/// Largest total of string bytes the runs may expand to: a small body whose
/// runs repeat a long key must not exhaust memory either (a run-length bomb).
const MAX_EXPANDED_BYTES: u64 = 1 << 30;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RleError {
    #[error("not a renacer compressed trace (bad magic)")]
    BadMagic,
    #[error("unsupported compressed trace version {0}")]
    UnsupportedVersion(u8),
    #[error("unknown compression codec {0}")]
    UnknownCodec(u8),
    #[error("corrupt deflate stream: {0}")]
    Inflate(String),
    #[error("compressed trace is truncated")]
    Truncated,
    #[error("corrupt compressed trace: {0}")]
    Corrupt(String),
}

/// Whether `data` is a compressed trace (rather than JSON text).
pub fn is_compressed(data: &[u8]) -> bool {
    data.starts_with(MAGIC)
}

/// Encodes `trace` losslessly; see the module documentation.
pub fn compress(trace: &TraceFile) -> Vec<u8> {
    let body = encode(trace);
    let mut out = Vec::with_capacity(body.len() / 4 + 16);
    out.extend_from_slice(MAGIC);
    out.push(VERSION);
    out.push(CODEC_DEFLATE);
    out.extend_from_slice(&miniz_oxide::deflate::compress_to_vec(&body, DEFLATE_LEVEL));
    out
}

/// Decodes what [`compress`] produced.
pub fn decompress(data: &[u8]) -> Result<TraceFile, RleError> {
    let rest = data.strip_prefix(MAGIC).ok_or(RleError::BadMagic)?;
    let (&version, rest) = rest.split_first().ok_or(RleError::Truncated)?;
    if version != VERSION && version != VERSION_WITHOUT_SOURCE {
        return Err(RleError::UnsupportedVersion(version));
    }
    let (&codec, rest) = rest.split_first().ok_or(RleError::Truncated)?;
    match codec {
        CODEC_STORED => decode(rest, version),
        CODEC_DEFLATE => {
            let body = miniz_oxide::inflate::decompress_to_vec_with_limit(rest, MAX_BODY_BYTES)
                .map_err(|e| RleError::Inflate(format!("{:?}", e.status)))?;
            decode(&body, version)
        }
        other => Err(RleError::UnknownCodec(other)),
    }
}

// ---------------------------------------------------------------------------
// Body encoding

#[derive(Debug, Default)]
struct Writer(Vec<u8>);

impl Writer {
    fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }

    fn zigzag(&mut self, v: i64) {
        self.varint(((v << 1) ^ (v >> 63)) as u64);
    }

    fn len(&mut self, n: usize) {
        self.varint(n as u64);
    }

    fn str(&mut self, s: &str) {
        self.len(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }
}

/// Everything of a record but its timestamp, duration and Lamport clock,
/// with strings as string-table indices.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    name: usize,
    args: Vec<usize>,
    raw_args: Vec<u64>,
    captured: Vec<CapturedKey>,
    result: JsonResult,
    errno: Option<usize>,
    pid: u32,
    tid: u32,
    /// The call's `source` as JSON text.
    source: Option<usize>,
}

/// A [`JsonCaptured`] with its items as string-table indices.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct CapturedKey {
    arg: u32,
    items: Vec<usize>,
    truncated: bool,
}

#[derive(Debug, Default)]
struct Strings<'a> {
    index: HashMap<&'a str, usize>,
    list: Vec<&'a str>,
}

impl<'a> Strings<'a> {
    fn intern(&mut self, s: &'a str) -> usize {
        *self.index.entry(s).or_insert_with(|| {
            self.list.push(s);
            self.list.len() - 1
        })
    }
}

fn put_result(w: &mut Writer, r: JsonResult) {
    match r {
        JsonResult::Returned(v) => {
            w.0.push(0);
            w.zigzag(v);
        }
        JsonResult::Marker(JsonMarker::NoReturn) => w.0.push(1),
        JsonResult::Marker(JsonMarker::Unfinished) => w.0.push(2),
    }
}

fn encode(trace: &TraceFile) -> Vec<u8> {
    // Serialized up front: the string table borrows them.
    let sources: Vec<Option<String>> = trace
        .syscalls
        .iter()
        .map(|sc| sc.source.as_ref().map(source_text))
        .collect();
    let mut strings = Strings::default();
    let mut keys: Vec<Key> = Vec::new();
    let mut key_index: HashMap<Key, usize> = HashMap::new();
    let mut runs: Vec<(usize, u64)> = Vec::new();
    for (sc, source) in trace.syscalls.iter().zip(&sources) {
        let key = Key {
            name: strings.intern(&sc.name),
            args: sc.args.iter().map(|a| strings.intern(a)).collect(),
            raw_args: sc.raw_args.clone(),
            captured: sc
                .captured
                .iter()
                .map(|c| CapturedKey {
                    arg: c.arg,
                    items: c.items.iter().map(|item| strings.intern(item)).collect(),
                    truncated: c.truncated,
                })
                .collect(),
            result: sc.result,
            errno: sc.errno.as_deref().map(|e| strings.intern(e)),
            pid: sc.pid,
            tid: sc.tid,
            source: source.as_deref().map(|s| strings.intern(s)),
        };
        let k = match key_index.get(&key) {
            Some(&k) => k,
            None => {
                keys.push(key.clone());
                key_index.insert(key, keys.len() - 1);
                keys.len() - 1
            }
        };
        match runs.last_mut() {
            Some((last, count)) if *last == k => *count += 1,
            _ => runs.push((k, 1)),
        }
    }

    let mut w = Writer::default();
    w.str(&trace.version);
    w.str(&trace.format);
    w.str(&trace.trace_id);
    w.varint(u64::from(trace.process.pid));
    w.len(trace.process.command.len());
    for c in &trace.process.command {
        w.str(c);
    }
    let stats = &trace.statistics;
    w.varint(stats.total_syscalls);
    w.varint(stats.total_duration_nanos);
    w.len(stats.syscall_counts.len());
    for (name, count) in &stats.syscall_counts {
        w.str(name);
        w.varint(*count);
    }
    w.varint(trace.drops.kernel);
    w.varint(trace.drops.daemon);

    w.len(strings.list.len());
    for s in &strings.list {
        w.str(s);
    }
    w.len(keys.len());
    for k in &keys {
        w.len(k.name);
        w.len(k.args.len());
        for &a in &k.args {
            w.len(a);
        }
        w.len(k.raw_args.len());
        for &raw in &k.raw_args {
            w.varint(raw);
        }
        w.len(k.captured.len());
        for c in &k.captured {
            w.varint(u64::from(c.arg));
            w.len(c.items.len());
            for &item in &c.items {
                w.len(item);
            }
            w.0.push(u8::from(c.truncated));
        }
        put_result(&mut w, k.result);
        w.varint(k.errno.map_or(0, |e| e as u64 + 1));
        w.varint(u64::from(k.pid));
        w.varint(u64::from(k.tid));
        w.varint(k.source.map_or(0, |s| s as u64 + 1));
    }
    w.len(runs.len());
    for &(k, count) in &runs {
        w.len(k);
        w.varint(count);
    }

    let mut prev_ts = 0u64;
    for sc in &trace.syscalls {
        w.zigzag(sc.timestamp_nanos.wrapping_sub(prev_ts) as i64);
        prev_ts = sc.timestamp_nanos;
    }
    for sc in &trace.syscalls {
        w.varint(sc.duration_nanos);
    }
    let mut prev_lamport: HashMap<u32, u64> = HashMap::new();
    for sc in &trace.syscalls {
        let prev = prev_lamport.insert(sc.pid, sc.lamport).unwrap_or(0);
        w.zigzag(sc.lamport.wrapping_sub(prev) as i64);
    }
    // Process and signal events, when there are any: a few per process, as
    // their JSON (files without them end before this).
    if !trace.events.is_empty() {
        w.str(&serde_json::to_string(&trace.events).expect("plain data serializes"));
    }
    w.0
}

// ---------------------------------------------------------------------------
// Body decoding

#[derive(Debug)]
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    fn byte(&mut self) -> Result<u8, RleError> {
        let b = *self.data.get(self.pos).ok_or(RleError::Truncated)?;
        self.pos += 1;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u64, RleError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            let bits = u64::from(b & 0x7f);
            if shift == 63 && bits > 1 {
                return Err(RleError::Corrupt("varint overflows 64 bits".to_owned()));
            }
            v |= bits << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(RleError::Corrupt("varint longer than 10 bytes".to_owned()))
    }

    fn zigzag(&mut self) -> Result<i64, RleError> {
        let v = self.varint()?;
        Ok(((v >> 1) as i64) ^ -((v & 1) as i64))
    }

    /// A count of items that each take at least one byte, so a corrupt
    /// count cannot make us allocate more than the input justifies.
    fn len(&mut self) -> Result<usize, RleError> {
        let n = self.varint()?;
        usize::try_from(n)
            .ok()
            .filter(|&n| n <= self.remaining())
            .ok_or(RleError::Truncated)
    }

    fn u32(&mut self) -> Result<u32, RleError> {
        u32::try_from(self.varint()?).map_err(|_| RleError::Corrupt("value exceeds u32".to_owned()))
    }

    fn str(&mut self) -> Result<String, RleError> {
        let n = self.len()?;
        let bytes = &self.data[self.pos..self.pos + n];
        self.pos += n;
        String::from_utf8(bytes.to_vec())
            .map_err(|_| RleError::Corrupt("string is not UTF-8".to_owned()))
    }

    fn index(&mut self, bound: usize, what: &str) -> Result<usize, RleError> {
        let i = self.varint()?;
        usize::try_from(i)
            .ok()
            .filter(|&i| i < bound)
            .ok_or_else(|| RleError::Corrupt(format!("{what} index {i} out of range")))
    }
}

fn source_text(source: &JsonSource) -> String {
    // Plain strings, numbers and vectors: serializing cannot fail.
    serde_json::to_string(source).unwrap_or_default()
}

fn decode(body: &[u8], format_version: u8) -> Result<TraceFile, RleError> {
    let mut r = Reader { data: body, pos: 0 };
    let version = r.str()?;
    let format = r.str()?;
    let trace_id = r.str()?;
    let pid = r.u32()?;
    let n = r.len()?;
    let command = (0..n).map(|_| r.str()).collect::<Result<_, _>>()?;
    let total_syscalls = r.varint()?;
    let total_duration_nanos = r.varint()?;
    let n = r.len()?;
    let syscall_counts = (0..n)
        .map(|_| Ok((r.str()?, r.varint()?)))
        .collect::<Result<_, RleError>>()?;
    let drops = Drops {
        kernel: r.varint()?,
        daemon: r.varint()?,
    };

    let n = r.len()?;
    let strings: Vec<String> = (0..n).map(|_| r.str()).collect::<Result<_, _>>()?;
    let n = r.len()?;
    let mut keys = Vec::with_capacity(n);
    for _ in 0..n {
        let name = r.index(strings.len(), "string")?;
        let nargs = r.len()?;
        let args = (0..nargs)
            .map(|_| r.index(strings.len(), "string"))
            .collect::<Result<Vec<_>, _>>()?;
        let n_raw = r.len()?;
        let raw_args = (0..n_raw)
            .map(|_| r.varint())
            .collect::<Result<Vec<_>, _>>()?;
        let n_captured = r.len()?;
        let captured = (0..n_captured)
            .map(|_| {
                let arg = r.u32()?;
                let n_items = r.len()?;
                let items = (0..n_items)
                    .map(|_| r.index(strings.len(), "string"))
                    .collect::<Result<Vec<_>, _>>()?;
                let truncated = r.byte()? != 0;
                Ok(CapturedKey {
                    arg,
                    items,
                    truncated,
                })
            })
            .collect::<Result<Vec<_>, RleError>>()?;
        let result = match r.byte()? {
            0 => JsonResult::Returned(r.zigzag()?),
            1 => JsonResult::Marker(JsonMarker::NoReturn),
            2 => JsonResult::Marker(JsonMarker::Unfinished),
            t => return Err(RleError::Corrupt(format!("unknown result tag {t}"))),
        };
        let errno = match r.varint()? {
            0 => None,
            e => Some(r_index(e - 1, strings.len())?),
        };
        let pid = r.u32()?;
        let tid = r.u32()?;
        let source = match format_version {
            VERSION_WITHOUT_SOURCE => None,
            _ => match r.varint()? {
                0 => None,
                s => Some(r_index(s - 1, strings.len())?),
            },
        };
        keys.push(Key {
            name,
            args,
            raw_args,
            captured,
            result,
            errno,
            pid,
            tid,
            source,
        });
    }
    let n = r.len()?;
    let mut runs = Vec::with_capacity(n);
    let mut records = 0usize;
    for _ in 0..n {
        let k = r.index(keys.len(), "key")?;
        let count = r.len()?;
        records = records.saturating_add(count);
        runs.push((k, count));
    }
    // Each record has three column entries of at least one byte.
    if records.saturating_mul(3) > r.remaining() {
        return Err(RleError::Truncated);
    }
    let key_bytes = |key: &Key| -> u64 {
        let len = |i: &usize| strings[*i].len() as u64 + 1;
        len(&key.name)
            + key.args.iter().map(len).sum::<u64>()
            + key.raw_args.len() as u64 * 8
            + key
                .captured
                .iter()
                .map(|c| c.items.iter().map(len).sum::<u64>() + 8)
                .sum::<u64>()
            + key.errno.as_ref().map_or(0, len)
            + key.source.as_ref().map_or(0, len)
    };
    let expanded = runs.iter().fold(0u64, |total, &(k, count)| {
        total.saturating_add(key_bytes(&keys[k]).saturating_mul(count as u64))
    });
    if expanded > MAX_EXPANDED_BYTES {
        return Err(RleError::Corrupt(format!(
            "runs expand to {} MiB of strings, more than the {} MiB limit",
            expanded >> 20,
            MAX_EXPANDED_BYTES >> 20
        )));
    }

    let sources = keys
        .iter()
        .map(|key| {
            key.source
                .map(|s| {
                    serde_json::from_str::<JsonSource>(&strings[s])
                        .map_err(|e| RleError::Corrupt(format!("source of a call: {e}")))
                })
                .transpose()
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut syscalls = Vec::with_capacity(records);
    for &(k, count) in &runs {
        let key = &keys[k];
        for _ in 0..count {
            syscalls.push(JsonSyscall {
                name: strings[key.name].clone(),
                args: key.args.iter().map(|&a| strings[a].clone()).collect(),
                raw_args: key.raw_args.clone(),
                captured: key
                    .captured
                    .iter()
                    .map(|c| JsonCaptured {
                        arg: c.arg,
                        items: c.items.iter().map(|&i| strings[i].clone()).collect(),
                        truncated: c.truncated,
                    })
                    .collect(),
                result: key.result,
                errno: key.errno.map(|e| strings[e].clone()),
                duration_nanos: 0,
                pid: key.pid,
                tid: key.tid,
                lamport: 0,
                timestamp_nanos: 0,
                source: sources[k].clone(),
            });
        }
    }
    let mut prev_ts = 0u64;
    for sc in &mut syscalls {
        sc.timestamp_nanos = prev_ts.wrapping_add(r.zigzag()? as u64);
        prev_ts = sc.timestamp_nanos;
    }
    for sc in &mut syscalls {
        sc.duration_nanos = r.varint()?;
    }
    let mut prev_lamport: HashMap<u32, u64> = HashMap::new();
    for sc in &mut syscalls {
        let prev = prev_lamport.get(&sc.pid).copied().unwrap_or(0);
        sc.lamport = prev.wrapping_add(r.zigzag()? as u64);
        prev_lamport.insert(sc.pid, sc.lamport);
    }
    let events = if r.remaining() == 0 {
        Vec::new()
    } else {
        serde_json::from_str(&r.str()?)
            .map_err(|err| RleError::Corrupt(format!("events: {err}")))?
    };
    if r.remaining() != 0 {
        return Err(RleError::Corrupt(format!(
            "{} trailing bytes",
            r.remaining()
        )));
    }
    Ok(TraceFile {
        version,
        format,
        trace_id,
        process: ProcessInfo { pid, command },
        syscalls,
        statistics: Statistics {
            total_syscalls,
            total_duration_nanos,
            syscall_counts,
        },
        drops,
        incomplete: None,
        events,
    })
}

fn r_index(i: u64, bound: usize) -> Result<usize, RleError> {
    usize::try_from(i)
        .ok()
        .filter(|&i| i < bound)
        .ok_or_else(|| RleError::Corrupt(format!("string index {i} out of range")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{TraceBuilder, q};

    fn varied() -> TraceFile {
        let mut b = TraceBuilder::new(42).command(&["cat", "/etc/hostname", "ünïcode"]);
        b.call(
            42,
            "execve",
            &[
                &q("/bin/cat"),
                r#"["cat", "/etc/hostname"]"#,
                "0x7ffd0000 /* 3 vars */",
            ],
            0,
        )
        .call(
            42,
            "openat",
            &["AT_FDCWD", &q("/etc/hostname"), "O_RDONLY"],
            3,
        )
        .call(42, "read", &["0x3", "0x7ffd0000", "0x340"], 832)
        .call(42, "read", &["0x3", "0x7ffd0000", "0x340"], 832)
        .call(42, "read", &["0x3", "0x7ffd0000", "0x340"], 0)
        .call(43, "openat", &["AT_FDCWD", &q("/nope"), "O_RDONLY"], -2)
        .call_tid(42, 44, "futex", &["0x7f00", "FUTEX_WAIT", "0"], -110);
        b.call_at(
            42,
            42,
            "read",
            &["0", "0x7ffd0000", "0x10"],
            JsonResult::Marker(JsonMarker::Unfinished),
            u64::MAX,
            0,
        );
        b.call_at(
            42,
            42,
            "mmap",
            &[],
            JsonResult::Returned(i64::MIN),
            5,
            u64::MAX,
        );
        b.exit(42, 0);
        let mut t = b.build();
        // Non-monotonic clocks and odd errno spellings survive too.
        t.syscalls[3].lamport = 1;
        t.syscalls[4].errno = Some("512".to_owned());
        // Raw values and captured bytes round-trip as well.
        t.syscalls[2].raw_args = vec![3, 0x7ffd_0000, 0x340];
        t.syscalls[2].captured = vec![JsonCaptured {
            arg: 1,
            items: vec![q("\\177ELF")],
            truncated: true,
        }];
        t.syscalls[0].captured = vec![JsonCaptured {
            arg: 1,
            items: vec![q("cat"), q("/etc/hostname")],
            truncated: false,
        }];
        t.drops = Drops {
            kernel: 3,
            daemon: u64::MAX,
        };
        // Sources too, equal on two calls of a run and absent on others.
        let source = JsonSource {
            file: Some("src/main.rs".to_owned()),
            line: Some(45),
            function: Some("cat::main".to_owned()),
            stack: vec![renacer_trace::json::JsonFrame {
                address: "0x55d0c0a1b2c3".to_owned(),
                module: Some("/bin/cat".to_owned()),
                offset: "0x1b2c3".to_owned(),
                ..Default::default()
            }],
        };
        t.syscalls[3].source = Some(source.clone());
        t.syscalls[4].source = Some(source);
        t
    }

    #[test]
    fn round_trip() {
        let mut with_events = varied();
        with_events.events = vec![renacer_trace::json::JsonEvent::exit(
            42, 42, 9_000, 12, true, 9,
        )];
        for t in [varied(), TraceBuilder::new(1).build(), with_events] {
            let packed = compress(&t);
            assert_eq!(decompress(&packed).expect("decodes"), t);
        }
    }

    #[test]
    fn repetitive_trace_is_small() {
        let mut b = TraceBuilder::new(7);
        // Pseudo-random timing (xorshift) so that only the structure repeats.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            b.dur = 800 + x % 400;
            b.gap = 1_000 + (x >> 20) % 3_000;
            b.call(7, "write", &["1", &q("tick\n"), "5"], 5);
        }
        let t = b.build();
        let json = t.to_json_pretty();
        let rle_only = encode(&t);
        let packed = compress(&t);
        let ratio = json.len() as f64 / packed.len() as f64;
        eprintln!(
            "rle: 20000 write records: pretty JSON {} bytes, run-length body {} bytes ({:.1}x), deflated {} bytes ({ratio:.1}x)",
            json.len(),
            rle_only.len(),
            json.len() as f64 / rle_only.len() as f64,
            packed.len()
        );
        assert!(json.len() >= 10 * rle_only.len());
        assert!(ratio >= 10.0, "ratio {ratio:.1}");
        assert_eq!(decompress(&packed).expect("decodes"), t);
    }

    #[test]
    fn corrupt_input_is_rejected() {
        let packed = compress(&varied());
        assert_eq!(decompress(b"nope"), Err(RleError::BadMagic));
        assert_eq!(decompress(b"RNRLE"), Err(RleError::Truncated));
        assert_eq!(
            decompress(b"RNRLE\x09\x01"),
            Err(RleError::UnsupportedVersion(9))
        );
        assert_eq!(
            decompress(&[MAGIC, &[VERSION, 7]].concat()),
            Err(RleError::UnknownCodec(7))
        );
        assert!(matches!(
            decompress(&packed[..packed.len() / 2]),
            Err(RleError::Inflate(_))
        ));
        // Stored bodies: every truncation is an error, never a panic.
        let mut stored = [MAGIC, &[VERSION, CODEC_STORED]].concat();
        stored.extend_from_slice(&encode(&varied()));
        assert_eq!(decompress(&stored).expect("stored body decodes"), varied());
        for cut in 7..stored.len() {
            assert!(decompress(&stored[..cut]).is_err(), "cut at {cut}");
        }
        let mut flipped = stored.clone();
        flipped.push(0);
        assert!(matches!(decompress(&flipped), Err(RleError::Corrupt(_))));
    }

    /// A 200 KB body (a few hundred bytes deflated) whose one run repeats a
    /// 64 KiB name 20,000 times would expand to 1.3 GB: refused up front.
    #[test]
    fn a_run_length_bomb_is_refused() {
        let mut w = Writer::default();
        for header in ["", "", ""] {
            w.str(header);
        }
        for zero in [0, 0, 0, 0, 0, 0, 0] {
            // pid, command, totals, counts, drops
            w.varint(zero);
        }
        w.len(1);
        w.str(&"x".repeat(64 << 10));
        w.len(1); // one key: name 0, no args, returns nothing, pid 0, tid 0, no source
        for field in [0, 0, 0, 0] {
            w.varint(field);
        }
        w.0.push(1);
        for field in [0, 0, 0, 0] {
            w.varint(field);
        }
        let records = 20_000;
        w.len(1);
        w.varint(0);
        w.len(records);
        w.0.extend(std::iter::repeat_n(0, 3 * records));
        let bomb = [MAGIC, &[VERSION, CODEC_DEFLATE]].concat();
        let bomb = [bomb, miniz_oxide::deflate::compress_to_vec(&w.0, 6)].concat();
        assert!(bomb.len() < 4096, "{} bytes", bomb.len());
        match decompress(&bomb) {
            Err(RleError::Corrupt(message)) => assert!(message.contains("MiB"), "{message}"),
            other => panic!(
                "expected a refusal, got {:?}",
                other.map(|t| t.syscalls.len())
            ),
        }
    }
}
