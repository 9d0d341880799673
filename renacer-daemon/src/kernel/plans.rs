//! What the kernel reads from the tracee for each syscall: the capture plans
//! loaded into `PLANS`, derived from renacer-trace's typed signatures.
use renacer_common::{MAX_CAPTURE_BYTES, SyscallCapturePlan, capture_at, capture_len};
use renacer_trace::signatures::{ArgType, CaptureAt, CaptureLen, arg_type, strings_to_capture};

/// `sizeof(struct sockaddr_storage)`: socket addresses are read whole, not cut at `-s`.
const SOCKADDR_MAX: u32 = 128;
const NO_ARG: u8 = 0xff;

/// The kernel's capture plan for syscall `nr`, from its typed signature.
pub fn kernel_plan(nr: u32) -> SyscallCapturePlan {
    let plan = strings_to_capture(nr);
    let mut kernel = SyscallCapturePlan {
        string_args: plan.string_args,
        argv_arg: plan.argv_arg.map_or(NO_ARG, |arg| arg as u8),
        buffer_arg: NO_ARG,
        buffer_at: capture_at::NONE,
        address_arg: NO_ARG,
        iov_arg: NO_ARG,
        iov_at: capture_at::NONE,
        struct_arg: NO_ARG,
        struct2_arg: NO_ARG,
        ..SyscallCapturePlan::default()
    };
    if let Some((arg, size)) = plan.input {
        kernel.struct_arg = arg as u8;
        kernel.struct_size = u8::try_from(size).unwrap_or(u8::MAX);
    }
    if let Some((arg, size)) = plan.input2 {
        kernel.struct2_arg = arg as u8;
        kernel.struct2_size = u8::try_from(size).unwrap_or(u8::MAX);
    }
    if let Some(iov) = plan.iovec {
        kernel.iov_arg = iov.arg as u8;
        kernel.iov_count_arg = iov.count_arg as u8;
        kernel.iov_at = match iov.at {
            CaptureAt::Enter => capture_at::ENTER,
            CaptureAt::Exit => capture_at::EXIT,
        };
        kernel.iov_msghdr = u8::from(iov.in_msghdr);
    }
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
        // Directory entries are counted, not shown: as many as can be read.
        // A path the kernel writes (getcwd) is a path: strace shows it whole.
        if matches!(
            arg_type(nr, buffer.arg),
            ArgType::DirentsOut { .. } | ArgType::OutPath
        ) {
            kernel.buffer_max = MAX_CAPTURE_BYTES;
        }
    }
    kernel
}

#[cfg(test)]
mod tests {
    use renacer_trace::syscalls::number;

    use super::*;

    fn nr(name: &str) -> u32 {
        number(name).unwrap_or_else(|| panic!("no syscall {name}"))
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
        assert_eq!(
            kernel_plan(nr("getcwd")).buffer_max,
            renacer_common::MAX_CAPTURE_BYTES,
            "paths are read whole, not cut at -s"
        );
        assert_eq!(connect.buffer_len, capture_len::ARG);

        let execve = kernel_plan(nr("execve"));
        assert_eq!((execve.string_args, execve.argv_arg), (1, 1));

        let getdents = kernel_plan(nr("getdents64"));
        assert_eq!(
            (getdents.buffer_len, getdents.buffer_max),
            (capture_len::RETURN, MAX_CAPTURE_BYTES)
        );

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
                iov_arg: NO_ARG,
                struct_arg: NO_ARG,
                struct2_arg: NO_ARG,
                ..SyscallCapturePlan::default()
            }
        );
        let sigaction = kernel_plan(nr("rt_sigaction"));
        assert_eq!((sigaction.struct_arg, sigaction.struct_size), (1, 32));
        assert_eq!(sigaction.struct2_arg, NO_ARG);
        // Two structs read at exit: the set and the timeout; the siginfo the
        // kernel fills is the buffer.
        let sigtimedwait = kernel_plan(nr("rt_sigtimedwait"));
        assert_eq!(
            (
                sigtimedwait.struct_arg,
                sigtimedwait.struct_size,
                sigtimedwait.struct2_arg,
                sigtimedwait.struct2_size
            ),
            (0, 8, 2, 16)
        );
        assert_eq!(
            (sigtimedwait.buffer_arg, sigtimedwait.buffer_at),
            (1, capture_at::EXIT)
        );
        assert_eq!(
            (
                sigaction.buffer_arg,
                sigaction.buffer_at,
                sigaction.buffer_max
            ),
            (2, capture_at::EXIT, 32)
        );
        let writev = kernel_plan(nr("writev"));
        assert_eq!(
            (
                writev.iov_arg,
                writev.iov_count_arg,
                writev.iov_at,
                writev.iov_msghdr
            ),
            (1, 2, capture_at::ENTER, 0)
        );
        let recvmsg = kernel_plan(nr("recvmsg"));
        assert_eq!(
            (recvmsg.iov_arg, recvmsg.iov_at, recvmsg.iov_msghdr),
            (1, capture_at::EXIT, 1)
        );
        assert_eq!(kernel_plan(511).string_args, 0);
        // select's sets are read by the fd-set enter program; its plan reads
        // what is left of the timeout at exit.
        let select = kernel_plan(nr("select"));
        assert_eq!((select.struct_arg, select.struct_size), (4, 16));
        assert_eq!(select.buffer_at, capture_at::NONE);
        // An mmsghdr array's first element: its msghdr and iovecs like
        // recvmsg's, and the whole element at exit for msg_len.
        let recvmmsg = kernel_plan(nr("recvmmsg"));
        assert_eq!(
            (
                recvmmsg.iov_arg,
                recvmmsg.iov_at,
                recvmmsg.iov_msghdr,
                recvmmsg.struct_arg,
                recvmmsg.struct_size
            ),
            (1, capture_at::EXIT, 1, 1, 64)
        );
        assert_eq!(kernel_plan(nr("sendmmsg")).iov_at, capture_at::ENTER);
    }

    /// The kernel's fd-set enter program runs for exactly the syscalls
    /// whose signatures decode fd sets.
    #[test]
    fn fd_set_syscalls_match_the_signatures() {
        let with_sets: Vec<u64> = (0..renacer_common::SYSCALL_SLOTS)
            .filter(|&nr| {
                renacer_trace::signatures::signature(nr)
                    .is_some_and(|sig| sig.args.contains(&ArgType::FdSet))
            })
            .map(u64::from)
            .collect();
        assert_eq!(with_sets, renacer_common::FD_SET_SYSCALLS);
        assert_eq!(renacer_common::fd_set_bytes(5), 8);
        assert_eq!(renacer_common::fd_set_bytes(65), 16);
        assert_eq!(renacer_common::fd_set_bytes(0), 0);
        assert_eq!(renacer_common::fd_set_bytes(1 << 20), 128);
        assert_eq!(renacer_common::fd_set_bytes(u64::MAX), 128);
    }
}
