//! The attachment floor: empty eBPF programs on the `raw_syscalls` raw
//! tracepoints. Any tracer attached there makes every syscall on the machine
//! take the kernel's syscall-tracing slow path and call the program, before
//! the program does any work; this measures that price, so the bench can show
//! how much of renacer's overhead is its own.
use std::{
    io,
    os::fd::{FromRawFd as _, OwnedFd},
};

use anyhow::Context as _;

const BPF_PROG_LOAD: libc::c_long = 5;
const BPF_RAW_TRACEPOINT_OPEN: libc::c_long = 17;
const BPF_PROG_TYPE_RAW_TRACEPOINT: u32 = 17;

/// The leading fields of `union bpf_attr` for BPF_PROG_LOAD; the kernel
/// requires the rest of the given size to be zero.
#[repr(C)]
#[derive(Default)]
struct ProgLoadAttr {
    prog_type: u32,
    insn_cnt: u32,
    insns: u64,
    license: u64,
    log_level: u32,
    log_size: u32,
    log_buf: u64,
    kern_version: u32,
    prog_flags: u32,
    prog_name: [u8; 16],
    tail: [u64; 8],
}

#[repr(C)]
#[derive(Default)]
struct RawTracepointOpenAttr {
    name: u64,
    prog_fd: u32,
    _pad: u32,
    tail: [u64; 2],
}

fn bpf<T>(cmd: libc::c_long, attr: &mut T) -> io::Result<OwnedFd> {
    // SAFETY: `attr` is a valid, zero-padded bpf_attr prefix of the given size.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_bpf,
            cmd,
            std::ptr::from_mut(attr),
            size_of::<T>() as libc::c_uint,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the kernel returned a new file descriptor that we now own.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// Empty programs attached to `sys_enter` and `sys_exit` until dropped.
pub struct EmptyPrograms {
    _fds: Vec<OwnedFd>,
}

impl EmptyPrograms {
    pub fn attach() -> anyhow::Result<Self> {
        // r0 = 0; exit
        let insns: [u64; 2] = [0x0000_0000_0000_00b7, 0x0000_0000_0000_0095];
        let license = c"GPL";
        let mut fds = Vec::new();
        for tracepoint in [c"sys_enter", c"sys_exit"] {
            let mut load = ProgLoadAttr {
                prog_type: BPF_PROG_TYPE_RAW_TRACEPOINT,
                insn_cnt: insns.len() as u32,
                insns: insns.as_ptr() as u64,
                license: license.as_ptr() as u64,
                ..ProgLoadAttr::default()
            };
            let program = bpf(BPF_PROG_LOAD, &mut load).context("loading an empty program")?;
            let mut open = RawTracepointOpenAttr {
                name: tracepoint.as_ptr() as u64,
                prog_fd: std::os::fd::AsRawFd::as_raw_fd(&program) as u32,
                ..RawTracepointOpenAttr::default()
            };
            let link = bpf(BPF_RAW_TRACEPOINT_OPEN, &mut open)
                .with_context(|| format!("attaching an empty program to {tracepoint:?}"))?;
            fds.extend([program, link]);
        }
        Ok(Self { _fds: fds })
    }
}
