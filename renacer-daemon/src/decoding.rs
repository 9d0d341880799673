//! What a capture asks of the kernel (syscall bitmap, string limits, which
//! arguments to read) and how the bytes the kernel read come back together
//! into strace-decoded records. Pure: testable without root.
use renacer_common::{
    CaptureConfig, MAX_CAPTURE_BYTES, PayloadHeader, SyscallCapturePlan, capture_at, capture_len,
    config, payload,
};
use renacer_proto::v1 as pb;
use renacer_trace::{
    SyscallRecord,
    decode::{CapturedData, DecodeOptions, OwnedBytes, decode_args},
    filter::{Filter, FilterError, SyscallSet, parse_filter_args},
    signatures::{ArgType, CaptureAt, CaptureLen, arg_type, strings_to_capture},
};

/// Default longest path or string read (`DecodeOptions.path_limit` 0).
pub const DEFAULT_PATH_LIMIT: u32 = 256;
/// Default longest data buffer read, strace's `-s` (`DecodeOptions.buffer_limit` 0).
pub const DEFAULT_BUFFER_LIMIT: u32 = 32;
/// `sizeof(struct sockaddr_storage)`: socket addresses are read whole, not cut at `-s`.
const SOCKADDR_MAX: u32 = 128;
const NO_ARG: u8 = 0xff;

/// A capture's filter and decoding settings, from its request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureSettings {
    pub filter: Filter,
    pub path_limit: u32,
    pub buffer_limit: u32,
    /// Read strings and buffers in the kernel and decode records (off for
    /// summary-only captures, which never show arguments).
    pub decode: bool,
}

impl Default for CaptureSettings {
    fn default() -> Self {
        Self {
            filter: Filter::default(),
            path_limit: DEFAULT_PATH_LIMIT,
            buffer_limit: DEFAULT_BUFFER_LIMIT,
            decode: true,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("bad filter: {0}")]
    Filter(#[from] FilterError),
    #[error(
        "{name} {value} is too large: renacer reads at most {MAX_CAPTURE_BYTES} bytes per argument"
    )]
    LimitTooLarge { name: &'static str, value: u32 },
}

impl CaptureSettings {
    /// Parses and checks the request's filter and decode options.
    pub fn from_request(
        filter: Option<&pb::Filter>,
        decode: Option<&pb::DecodeOptions>,
        summary_only: bool,
    ) -> Result<Self, SettingsError> {
        let filter = match filter {
            Some(filter) => parse_filter_args(&filter.expressions)?,
            None => Filter::default(),
        };
        let limit = |name, value: u32, default| match value {
            0 => Ok(default),
            v if v > MAX_CAPTURE_BYTES => Err(SettingsError::LimitTooLarge { name, value: v }),
            v => Ok(v),
        };
        let (path_limit, buffer_limit) = decode.map_or((0, 0), |d| (d.path_limit, d.buffer_limit));
        Ok(Self {
            filter,
            path_limit: limit("path_limit", path_limit, DEFAULT_PATH_LIMIT)?,
            buffer_limit: limit("buffer_limit", buffer_limit, DEFAULT_BUFFER_LIMIT)?,
            decode: !summary_only,
        })
    }

    /// The kernel's view: the syscall bitmap and what to read.
    pub fn kernel_config(&self) -> CaptureConfig {
        let mut flags = 0;
        if self.decode {
            flags |= config::DECODE;
        }
        if self.filter.trace == SyscallSet::full() {
            flags |= config::ALL_SYSCALLS;
        }
        CaptureConfig {
            syscalls: self.filter.trace.bits(),
            path_limit: self.path_limit,
            buffer_limit: self.buffer_limit,
            flags,
            _pad: 0,
        }
    }

    /// The user-space part of the filter (status=, trace-fds=); the syscall
    /// set was applied in the kernel.
    pub fn keeps(&self, record: &SyscallRecord) -> bool {
        self.filter.status.matches(&record.result)
            && self
                .filter
                .fds
                .as_ref()
                .is_none_or(|fds| fds.matches(record))
    }

    pub fn decode_options(&self) -> DecodeOptions {
        DecodeOptions {
            string_limit: self.buffer_limit as usize,
        }
    }
}

/// The kernel's capture plan for syscall `nr`, from its typed signature.
pub fn kernel_plan(nr: u32) -> SyscallCapturePlan {
    let plan = strings_to_capture(nr);
    let mut kernel = SyscallCapturePlan {
        string_args: plan.string_args,
        argv_arg: plan.argv_arg.map_or(NO_ARG, |arg| arg as u8),
        buffer_arg: NO_ARG,
        buffer_at: capture_at::NONE,
        address_arg: NO_ARG,
        ..SyscallCapturePlan::default()
    };
    if let Some((arg, len_arg)) = plan.address {
        kernel.address_arg = arg as u8;
        kernel.address_len_arg = len_arg as u8;
    }
    if let Some(buffer) = plan.buffer {
        kernel.buffer_arg = buffer.arg as u8;
        kernel.buffer_at = match buffer.at {
            CaptureAt::Enter => capture_at::ENTER,
            CaptureAt::Exit => capture_at::EXIT,
        };
        (kernel.buffer_len, kernel.buffer_len_arg, kernel.buffer_max) = match buffer.len {
            CaptureLen::Arg(arg) => (capture_len::ARG, arg as u8, 0),
            CaptureLen::Return => (capture_len::RETURN, 0, 0),
            CaptureLen::Fixed(size) => (capture_len::FIXED, 0, size),
        };
        // Addresses are structures, shown whole rather than cut at `-s`.
        if matches!(arg_type(nr, buffer.arg), ArgType::SockAddr { .. }) {
            kernel.buffer_max = SOCKADDR_MAX;
        }
    }
    kernel
}

/// Adds one kernel payload record to what was read for a syscall.
pub fn add_payload(data: &mut CapturedData, header: &PayloadHeader, bytes: &[u8]) {
    let truncated = header.flags & payload::TRUNCATED != 0;
    let bytes = OwnedBytes {
        bytes: bytes.to_vec(),
        truncated,
    };
    let arg = usize::from(header.arg);
    match header.kind {
        payload::STRING => {
            if let Some(slot) = data.strings.get_mut(arg) {
                *slot = Some(bytes);
            }
        }
        payload::BUFFER => data.buffer = Some((arg, bytes)),
        payload::ADDRESS => data.address = Some((arg, bytes)),
        payload::ARGV => {
            data.argv_arg = arg;
            if header.flags & payload::ARGV_MORE != 0 {
                data.argv_truncated = true;
            } else {
                data.argv.push(bytes);
            }
        }
        _ => {}
    }
}

/// The wire record, decoded as strace prints it when `decode` is set. Takes
/// the captured bytes by value: they move into the message uncopied.
pub fn to_proto(
    record: &SyscallRecord,
    captured: Option<CapturedData>,
    settings: &CaptureSettings,
) -> pb::SyscallRecord {
    let mut wire = pb::SyscallRecord::from(record);
    if !settings.decode {
        return wire;
    }
    let data = captured.unwrap_or_default();
    wire.decoded_args = decode_args(record, &data.borrowed(), &settings.decode_options());
    wire.captured = captured_to_proto(data);
    wire
}

fn captured_to_proto(data: CapturedData) -> Vec<pb::CapturedArg> {
    let mut out: Vec<pb::CapturedArg> = data
        .strings
        .into_iter()
        .enumerate()
        .filter_map(|(arg, string)| {
            string.map(|s| pb::CapturedArg {
                arg: arg as u32,
                items: vec![s.bytes],
                truncated: s.truncated,
            })
        })
        .collect();
    if !data.argv.is_empty() || data.argv_truncated {
        let truncated = data.argv_truncated || data.argv.iter().any(|item| item.truncated);
        out.push(pb::CapturedArg {
            arg: data.argv_arg as u32,
            items: data.argv.into_iter().map(|item| item.bytes).collect(),
            truncated,
        });
    }
    for (arg, buffer) in data.buffer.into_iter().chain(data.address) {
        out.push(pb::CapturedArg {
            arg: arg as u32,
            items: vec![buffer.bytes],
            truncated: buffer.truncated,
        });
    }
    out.sort_by_key(|captured| captured.arg);
    out
}

#[cfg(test)]
mod tests {
    use renacer_common::EventHeader;
    use renacer_trace::{SyscallResult, syscalls::number};

    use super::*;

    fn nr(name: &str) -> u32 {
        number(name).unwrap_or_else(|| panic!("no syscall {name}"))
    }

    fn record(name: &str, args: [u64; 6], result: SyscallResult) -> SyscallRecord {
        SyscallRecord {
            nr: nr(name),
            args,
            result,
            timestamp_nanos: 0,
            duration_nanos: 0,
            pid: 1,
            tid: 1,
            cpu: 0,
            lamport: 0,
        }
    }

    fn header(kind: u8, arg: u8, flags: u8) -> PayloadHeader {
        PayloadHeader {
            header: EventHeader::default(),
            capture_id: 1,
            tid: 7,
            nr: 0,
            arg,
            kind,
            index: 0,
            flags,
            _pad: 0,
            len: 0,
            _pad2: 0,
        }
    }

    #[test]
    fn kernel_plans_follow_the_signatures() {
        let openat = kernel_plan(nr("openat"));
        assert_eq!(openat.string_args, 0b10);
        assert_eq!(openat.buffer_at, capture_at::NONE);
        assert_eq!(openat.argv_arg, NO_ARG);

        let write = kernel_plan(nr("write"));
        assert_eq!(
            (
                write.buffer_arg,
                write.buffer_at,
                write.buffer_len,
                write.buffer_len_arg
            ),
            (1, capture_at::ENTER, capture_len::ARG, 2)
        );
        assert_eq!(write.buffer_max, 0, "data buffers follow -s");

        let read = kernel_plan(nr("read"));
        assert_eq!(
            (read.buffer_arg, read.buffer_at, read.buffer_len),
            (1, capture_at::EXIT, capture_len::RETURN)
        );

        let connect = kernel_plan(nr("connect"));
        assert_eq!(connect.buffer_max, SOCKADDR_MAX, "addresses are read whole");
        assert_eq!(connect.buffer_len, capture_len::ARG);

        let execve = kernel_plan(nr("execve"));
        assert_eq!((execve.string_args, execve.argv_arg), (1, 1));

        let nanosleep = kernel_plan(nr("nanosleep"));
        assert_eq!(
            (nanosleep.buffer_len, nanosleep.buffer_max),
            (capture_len::FIXED, 16)
        );
        let sendto = kernel_plan(nr("sendto"));
        assert_eq!((sendto.address_arg, sendto.address_len_arg), (4, 5));
        assert_eq!(connect.address_arg, NO_ARG);
        assert_eq!(
            kernel_plan(nr("getpid")),
            SyscallCapturePlan {
                argv_arg: NO_ARG,
                buffer_arg: NO_ARG,
                address_arg: NO_ARG,
                ..SyscallCapturePlan::default()
            }
        );
        assert_eq!(kernel_plan(511).string_args, 0);
    }

    #[test]
    fn settings_from_requests() {
        let settings = CaptureSettings::from_request(None, None, false).expect("defaults");
        assert_eq!((settings.path_limit, settings.buffer_limit), (256, 32));
        let config = settings.kernel_config();
        assert_eq!(config.syscalls, [u64::MAX; 8]);
        assert_eq!(config.flags, config::DECODE | config::ALL_SYSCALLS);

        let filter = pb::Filter {
            expressions: vec!["trace=openat".to_owned(), "status=failed".to_owned()],
        };
        let decode = pb::DecodeOptions {
            path_limit: 0,
            buffer_limit: 4096,
        };
        let settings =
            CaptureSettings::from_request(Some(&filter), Some(&decode), true).expect("valid");
        assert_eq!(settings.buffer_limit, 4096);
        let config = settings.kernel_config();
        assert_eq!(config.flags, 0, "summary only, one syscall");
        let openat = nr("openat");
        let mut expected = [0u64; 8];
        expected[(openat / 64) as usize] = 1 << (openat % 64);
        assert_eq!(config.syscalls, expected);

        assert!(settings.keeps(&record("openat", [0; 6], SyscallResult::Returned(-2))));
        assert!(!settings.keeps(&record("openat", [0; 6], SyscallResult::Returned(3))));
    }

    #[test]
    fn bad_requests_are_explained() {
        let filter = pb::Filter {
            expressions: vec!["trace=opnat".to_owned()],
        };
        let err = CaptureSettings::from_request(Some(&filter), None, false).expect_err("typo");
        let text = err.to_string();
        assert!(
            text.contains("'opnat'") && text.contains("openat"),
            "{text}"
        );

        let decode = pb::DecodeOptions {
            path_limit: 5000,
            buffer_limit: 0,
        };
        let err = CaptureSettings::from_request(None, Some(&decode), false).expect_err("too big");
        assert!(err.to_string().contains("path_limit 5000"), "{err}");
    }

    #[test]
    fn payloads_assemble_and_decode() {
        let mut data = CapturedData::default();
        add_payload(&mut data, &header(payload::STRING, 0, 0), b"/bin/cat");
        add_payload(&mut data, &header(payload::ARGV, 1, 0), b"cat");
        add_payload(
            &mut data,
            &header(payload::ARGV, 1, payload::TRUNCATED),
            b"/etc/passw",
        );
        add_payload(
            &mut data,
            &header(payload::ARGV, 1, payload::ARGV_MORE),
            b"",
        );
        assert_eq!(data.argv.len(), 2);
        assert!(data.argv_truncated);

        let execve = record(
            "execve",
            [0x1000, 0x2000, 0x3000, 0, 0, 0],
            SyscallResult::Returned(0),
        );
        let settings = CaptureSettings::default();
        let wire = to_proto(&execve, Some(data), &settings);
        assert_eq!(
            wire.decoded_args,
            [
                "\"/bin/cat\"",
                "[\"cat\", \"/etc/passw\"..., ...]",
                "0x3000"
            ]
        );
        assert_eq!(wire.captured.len(), 2);
        assert_eq!(wire.captured[0].items, [b"/bin/cat".to_vec()]);
        assert_eq!(wire.captured[1].arg, 1);
        assert!(wire.captured[1].truncated);

        let mut read = CapturedData::default();
        add_payload(
            &mut read,
            &header(payload::BUFFER, 1, payload::TRUNCATED),
            b"hello",
        );
        let read_call = record(
            "read",
            [3, 0x5000, 4096, 0, 0, 0],
            SyscallResult::Returned(12),
        );
        let settings = CaptureSettings {
            buffer_limit: 5,
            ..CaptureSettings::default()
        };
        let wire = to_proto(&read_call, Some(read.clone()), &settings);
        assert_eq!(wire.decoded_args, ["3", "\"hello\"...", "4096"]);
        let summary_only = CaptureSettings {
            decode: false,
            ..settings
        };
        assert!(
            to_proto(&read_call, Some(read), &summary_only)
                .decoded_args
                .is_empty()
        );
    }
}
