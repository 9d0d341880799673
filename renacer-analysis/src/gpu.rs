//! The GPU view of a trace: which GPU device nodes a program talks to, with
//! which ioctl commands, and how much of its syscall time goes there.
//!
//! GPU work reaches the driver as syscalls on device nodes: `ioctl`s (and a
//! few reads and writes) on `/dev/nvidia*` (NVIDIA), `/dev/dri/*` (DRM:
//! amdgpu, i915, nouveau, ...) and `/dev/kfd` (AMD's compute driver). The
//! fds are followed from the `open`/`openat` that named the device, through
//! `dup`, `fcntl(F_DUPFD)`, `close` and `fork`. Each ioctl is keyed by its
//! request as decoded (`DRM_IOCTL_VERSION`, or strace's `_IOC(...)`) and
//! split into `_IOC` direction, type, number and size from the raw value.

use std::collections::BTreeMap;

use renacer_trace::json::{JsonSyscall, TraceFile};

use crate::decode::{int_arg, string_arg, success};
use crate::util::{FdTables, time_order};

/// The GPU driver families renacer recognises by device path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GpuFamily {
    Nvidia,
    Drm,
    Kfd,
}

impl GpuFamily {
    pub fn name(self) -> &'static str {
        match self {
            Self::Nvidia => "nvidia",
            Self::Drm => "drm",
            Self::Kfd => "kfd",
        }
    }
}

/// The family of a GPU device node, by its path.
pub fn gpu_family(path: &[u8]) -> Option<GpuFamily> {
    if path.starts_with(b"/dev/nvidia") {
        Some(GpuFamily::Nvidia)
    } else if path.starts_with(b"/dev/dri/") {
        Some(GpuFamily::Drm)
    } else if path == b"/dev/kfd" {
        Some(GpuFamily::Kfd)
    } else {
        None
    }
}

/// An ioctl request number split as the kernel's `_IOC` macros build it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IocRequest(pub u32);

impl IocRequest {
    /// `_IOC_NONE`, `_IOC_WRITE` (user to kernel), `_IOC_READ`, or both.
    pub fn direction(self) -> &'static str {
        match self.0 >> 30 {
            0 => "none",
            1 => "write",
            2 => "read",
            _ => "read|write",
        }
    }

    /// The driver's "magic" type byte (`'d'` = 0x64 for DRM, `'F'` = 0x46 for NVIDIA).
    pub fn kind(self) -> u8 {
        (self.0 >> 8) as u8
    }

    pub fn number(self) -> u8 {
        self.0 as u8
    }

    /// Bytes of the argument struct the request passes.
    pub fn size(self) -> u32 {
        (self.0 >> 16) & 0x3fff
    }
    /// strace's spelling of an unnamed request:
    /// `_IOC(_IOC_READ|_IOC_WRITE, 0x46, 0xd2, 0x48)`.
    pub fn parse(text: &str) -> Option<Self> {
        let inner = text.trim().strip_prefix("_IOC(")?.strip_suffix(')')?;
        let mut fields = inner.split(',').map(str::trim);
        let mut direction = 0u32;
        for part in fields.next()?.split('|') {
            direction |= match part.trim() {
                "_IOC_NONE" => 0,
                "_IOC_WRITE" => 1,
                "_IOC_READ" => 2,
                _ => return None,
            };
        }
        let mut number = || -> Option<u32> {
            let field = fields.next()?;
            match field.strip_prefix("0x") {
                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                None => field.parse().ok(),
            }
        };
        let (kind, nr, size) = (number()?, number()?, number()?);
        (kind <= 0xff && nr <= 0xff && size <= 0x3fff)
            .then_some(Self(direction << 30 | size << 16 | kind << 8 | nr))
    }
}

/// One (device, request) pair and its calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GpuIoctl {
    /// The device node's path as opened.
    pub device: String,
    pub family: GpuFamily,
    /// The request as the trace decoded it (name, `_IOC(...)` or hex).
    pub command: String,
    /// The raw request, when the trace kept the raw registers.
    pub request: Option<IocRequest>,
    pub calls: u64,
    pub errors: u64,
    pub total_nanos: u64,
}

/// The GPU view of a whole trace.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GpuUsage {
    /// Busiest first (time, then calls).
    pub ioctls: Vec<GpuIoctl>,
    /// Time in any syscall on a GPU fd: ioctls and reads/writes.
    pub gpu_nanos: u64,
    /// Time in all syscalls of the trace.
    pub total_nanos: u64,
}

impl GpuUsage {
    /// The share of syscall time spent in GPU driver round trips, in `[0, 1]`
    /// (0 without time): the `PcieBottleneck` detector's value.
    pub fn share(&self) -> f64 {
        if self.total_nanos == 0 {
            0.0
        } else {
            self.gpu_nanos as f64 / self.total_nanos as f64
        }
    }
}

/// An open GPU device: its path and family.
#[derive(Debug, Clone)]
struct Device {
    path: String,
    family: GpuFamily,
}

/// Follows GPU fds through the trace and totals what was done on them.
pub fn gpu_usage(trace: &TraceFile) -> GpuUsage {
    let mut fds: FdTables<Device> = FdTables::new();
    let mut rows: BTreeMap<(String, String), GpuIoctl> = BTreeMap::new();
    let mut usage = GpuUsage::default();
    for i in time_order(trace) {
        let sc = &trace.syscalls[i];
        usage.total_nanos = usage.total_nanos.saturating_add(sc.duration_nanos);
        if fds.apply_common(sc) {
            continue;
        }
        match sc.name.as_str() {
            "open" | "openat" | "openat2" => {
                let Some(fd) = success(sc) else { continue };
                let path = string_arg(sc, usize::from(sc.name != "open"));
                match path.as_deref().and_then(|p| Some((p, gpu_family(p)?))) {
                    Some((path, family)) => fds.set(
                        sc.pid,
                        fd,
                        Device {
                            path: String::from_utf8_lossy(path).into_owned(),
                            family,
                        },
                    ),
                    // The fd number now names something else.
                    None => fds.remove(sc.pid, fd),
                }
            }
            "ioctl" | "read" | "write" | "pread64" | "pwrite64" | "readv" | "writev" => {
                let Some(device) = int_arg(sc, 0).and_then(|fd| fds.get(sc.pid, fd)) else {
                    continue;
                };
                usage.gpu_nanos = usage.gpu_nanos.saturating_add(sc.duration_nanos);
                if sc.name == "ioctl" {
                    add_ioctl(&mut rows, device, sc);
                }
            }
            _ => {}
        }
    }
    usage.ioctls = rows.into_values().collect();
    usage.ioctls.sort_by(|a, b| {
        b.total_nanos
            .cmp(&a.total_nanos)
            .then(b.calls.cmp(&a.calls))
            .then_with(|| (&a.device, &a.command).cmp(&(&b.device, &b.command)))
    });
    usage
}

fn add_ioctl(rows: &mut BTreeMap<(String, String), GpuIoctl>, device: &Device, sc: &JsonSyscall) {
    // The request as decoded, without the argument that may follow in the
    // same string, e.g. strace -y's annotations.
    let command = sc.args.get(1).map_or("?", |a| a.trim()).to_owned();
    let request = match sc.raw_args.get(1) {
        Some(&raw) => Some(IocRequest(raw as u32)),
        None => {
            IocRequest::parse(&command).or_else(|| int_arg(sc, 1).map(|raw| IocRequest(raw as u32)))
        }
    };
    let row = rows
        .entry((device.path.clone(), command.clone()))
        .or_insert_with(|| GpuIoctl {
            device: device.path.clone(),
            family: device.family,
            command,
            request,
            calls: 0,
            errors: 0,
            total_nanos: 0,
        });
    row.calls += 1;
    row.errors += u64::from(success(sc).is_none());
    row.total_nanos = row.total_nanos.saturating_add(sc.duration_nanos);
}

/// The GPU view as a text table (`renacerctl analyze --gpu`).
pub fn render_table(usage: &GpuUsage) -> String {
    use std::fmt::Write as _;
    if usage.ioctls.is_empty() && usage.gpu_nanos == 0 {
        return "no GPU device activity (/dev/nvidia*, /dev/dri/*, /dev/kfd)\n".to_owned();
    }
    let mut out = format!(
        "GPU driver calls: {} of {} syscall time ({:.1}%)\n",
        crate::format_nanos(usage.gpu_nanos),
        crate::format_nanos(usage.total_nanos),
        usage.share() * 100.0
    );
    let _ = writeln!(
        out,
        "{:>7} {:>7} {:>12}  {:<10} {:>4} {:>4} {:>5}  {:<24} command",
        "calls", "errors", "time", "direction", "type", "nr", "size", "device"
    );
    for row in &usage.ioctls {
        let (direction, kind, number, size) = match row.request {
            Some(r) => (
                r.direction(),
                format!("{:#04x}", r.kind()),
                format!("{:#04x}", r.number()),
                r.size().to_string(),
            ),
            None => ("?", "?".to_owned(), "?".to_owned(), "?".to_owned()),
        };
        let _ = writeln!(
            out,
            "{:>7} {:>7} {:>12}  {:<10} {:>4} {:>4} {:>5}  {:<24} {}",
            row.calls,
            row.errors,
            crate::format_nanos(row.total_nanos),
            direction,
            kind,
            number,
            size,
            row.device,
            row.command
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{TraceBuilder, q};

    /// DRM_IOCTL_VERSION: _IOWR('d', 0x00, struct drm_version), 64 bytes.
    const DRM_IOCTL_VERSION: u64 = 0xc040_6400;

    fn gpu_program() -> TraceFile {
        let mut b = TraceBuilder::new(5);
        b.dur = 1_000;
        b.call(
            5,
            "openat",
            &["AT_FDCWD", &q("/dev/dri/card0"), "O_RDWR"],
            3,
        )
        .call(
            5,
            "openat",
            &["AT_FDCWD", &q("/dev/nvidiactl"), "O_RDWR"],
            4,
        )
        .call(5, "openat", &["AT_FDCWD", &q("/etc/hosts"), "O_RDONLY"], 5)
        .call(5, "ioctl", &["3", "DRM_IOCTL_VERSION", "0x7ffd0000"], 0)
        .call(5, "ioctl", &["3", "DRM_IOCTL_VERSION", "0x7ffd0000"], 0)
        .call(
            5,
            "ioctl",
            &["4", "_IOC(_IOC_READ|_IOC_WRITE, 0x46, 0xd2, 0x48)", "0x1"],
            -25,
        )
        .call(5, "ioctl", &["5", "TCGETS", "0x1"], -25)
        .call(5, "dup", &["3"], 6)
        .call(5, "write", &["6", &q("x"), "1"], 1)
        .call(5, "close", &["3"], 0)
        .call(5, "ioctl", &["3", "DRM_IOCTL_VERSION", "0x1"], -9);
        let mut t = b.build();
        t.syscalls[3].raw_args = vec![3, DRM_IOCTL_VERSION, 0x7ffd_0000];
        t
    }

    #[test]
    fn ioctls_per_device_and_command() {
        let usage = gpu_usage(&gpu_program());
        let rows: Vec<(&str, &str, u64, u64)> = usage
            .ioctls
            .iter()
            .map(|r| (r.device.as_str(), r.command.as_str(), r.calls, r.errors))
            .collect();
        assert_eq!(
            rows,
            [
                ("/dev/dri/card0", "DRM_IOCTL_VERSION", 2, 0),
                (
                    "/dev/nvidiactl",
                    "_IOC(_IOC_READ|_IOC_WRITE, 0x46, 0xd2, 0x48)",
                    1,
                    1
                ),
            ]
        );
        let version = usage.ioctls[0].request.expect("raw request kept");
        assert_eq!(
            (
                version.direction(),
                version.kind(),
                version.number(),
                version.size()
            ),
            ("read|write", b'd', 0, 64)
        );
        let nvidia = usage.ioctls[1].request.expect("parsed from the text");
        assert_eq!(
            (
                nvidia.direction(),
                nvidia.kind(),
                nvidia.number(),
                nvidia.size()
            ),
            ("read|write", b'F', 0xd2, 0x48)
        );
        // The two DRM ioctls, the nvidia one and the write through the dup'ed
        // fd; not the tty ioctl, nor the ioctl on the closed fd.
        assert_eq!(usage.gpu_nanos, 4_000);
        assert_eq!(usage.total_nanos, 11_000);
    }

    #[test]
    fn families_by_path() {
        assert_eq!(gpu_family(b"/dev/nvidia0"), Some(GpuFamily::Nvidia));
        assert_eq!(gpu_family(b"/dev/nvidia-uvm"), Some(GpuFamily::Nvidia));
        assert_eq!(gpu_family(b"/dev/dri/renderD128"), Some(GpuFamily::Drm));
        assert_eq!(gpu_family(b"/dev/kfd"), Some(GpuFamily::Kfd));
        assert_eq!(gpu_family(b"/dev/kfdx"), None);
        assert_eq!(gpu_family(b"/dev/null"), None);
    }

    #[test]
    fn the_table_names_devices_and_commands() {
        let table = render_table(&gpu_usage(&gpu_program()));
        assert!(table.starts_with("GPU driver calls: 4.0 µs of 11.0 µs syscall time (36.4%)\n"));
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(
            lines[2],
            "      2       0       2.0 µs  read|write 0x64 0x00    64  /dev/dri/card0           DRM_IOCTL_VERSION"
        );
        assert_eq!(lines.len(), 4, "{table}");
        assert_eq!(
            render_table(&GpuUsage::default()),
            "no GPU device activity (/dev/nvidia*, /dev/dri/*, /dev/kfd)\n"
        );
    }
}
