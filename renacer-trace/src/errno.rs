//! Linux errno names and messages, as strace prints them.
//!
//! Names are strace's (`errnoent.h`); messages are glibc's `strerror` text,
//! except for the kernel-internal restart codes, for which strace prints its
//! own explanations. Other kernel-internal codes (`ENOIOCTLCMD` etc.) have a
//! name but no message: glibc calls them "Unknown error N".

/// `(errno, name, message)`, sorted by errno. 41 and 58 are unused on Linux.
const ERRNOS: &[(i32, &str, Option<&str>)] = &[
    (1, "EPERM", Some("Operation not permitted")),
    (2, "ENOENT", Some("No such file or directory")),
    (3, "ESRCH", Some("No such process")),
    (4, "EINTR", Some("Interrupted system call")),
    (5, "EIO", Some("Input/output error")),
    (6, "ENXIO", Some("No such device or address")),
    (7, "E2BIG", Some("Argument list too long")),
    (8, "ENOEXEC", Some("Exec format error")),
    (9, "EBADF", Some("Bad file descriptor")),
    (10, "ECHILD", Some("No child processes")),
    (11, "EAGAIN", Some("Resource temporarily unavailable")),
    (12, "ENOMEM", Some("Cannot allocate memory")),
    (13, "EACCES", Some("Permission denied")),
    (14, "EFAULT", Some("Bad address")),
    (15, "ENOTBLK", Some("Block device required")),
    (16, "EBUSY", Some("Device or resource busy")),
    (17, "EEXIST", Some("File exists")),
    (18, "EXDEV", Some("Invalid cross-device link")),
    (19, "ENODEV", Some("No such device")),
    (20, "ENOTDIR", Some("Not a directory")),
    (21, "EISDIR", Some("Is a directory")),
    (22, "EINVAL", Some("Invalid argument")),
    (23, "ENFILE", Some("Too many open files in system")),
    (24, "EMFILE", Some("Too many open files")),
    (25, "ENOTTY", Some("Inappropriate ioctl for device")),
    (26, "ETXTBSY", Some("Text file busy")),
    (27, "EFBIG", Some("File too large")),
    (28, "ENOSPC", Some("No space left on device")),
    (29, "ESPIPE", Some("Illegal seek")),
    (30, "EROFS", Some("Read-only file system")),
    (31, "EMLINK", Some("Too many links")),
    (32, "EPIPE", Some("Broken pipe")),
    (33, "EDOM", Some("Numerical argument out of domain")),
    (34, "ERANGE", Some("Numerical result out of range")),
    (35, "EDEADLK", Some("Resource deadlock avoided")),
    (36, "ENAMETOOLONG", Some("File name too long")),
    (37, "ENOLCK", Some("No locks available")),
    (38, "ENOSYS", Some("Function not implemented")),
    (39, "ENOTEMPTY", Some("Directory not empty")),
    (40, "ELOOP", Some("Too many levels of symbolic links")),
    (42, "ENOMSG", Some("No message of desired type")),
    (43, "EIDRM", Some("Identifier removed")),
    (44, "ECHRNG", Some("Channel number out of range")),
    (45, "EL2NSYNC", Some("Level 2 not synchronized")),
    (46, "EL3HLT", Some("Level 3 halted")),
    (47, "EL3RST", Some("Level 3 reset")),
    (48, "ELNRNG", Some("Link number out of range")),
    (49, "EUNATCH", Some("Protocol driver not attached")),
    (50, "ENOCSI", Some("No CSI structure available")),
    (51, "EL2HLT", Some("Level 2 halted")),
    (52, "EBADE", Some("Invalid exchange")),
    (53, "EBADR", Some("Invalid request descriptor")),
    (54, "EXFULL", Some("Exchange full")),
    (55, "ENOANO", Some("No anode")),
    (56, "EBADRQC", Some("Invalid request code")),
    (57, "EBADSLT", Some("Invalid slot")),
    (59, "EBFONT", Some("Bad font file format")),
    (60, "ENOSTR", Some("Device not a stream")),
    (61, "ENODATA", Some("No data available")),
    (62, "ETIME", Some("Timer expired")),
    (63, "ENOSR", Some("Out of streams resources")),
    (64, "ENONET", Some("Machine is not on the network")),
    (65, "ENOPKG", Some("Package not installed")),
    (66, "EREMOTE", Some("Object is remote")),
    (67, "ENOLINK", Some("Link has been severed")),
    (68, "EADV", Some("Advertise error")),
    (69, "ESRMNT", Some("Srmount error")),
    (70, "ECOMM", Some("Communication error on send")),
    (71, "EPROTO", Some("Protocol error")),
    (72, "EMULTIHOP", Some("Multihop attempted")),
    (73, "EDOTDOT", Some("RFS specific error")),
    (74, "EBADMSG", Some("Bad message")),
    (
        75,
        "EOVERFLOW",
        Some("Value too large for defined data type"),
    ),
    (76, "ENOTUNIQ", Some("Name not unique on network")),
    (77, "EBADFD", Some("File descriptor in bad state")),
    (78, "EREMCHG", Some("Remote address changed")),
    (
        79,
        "ELIBACC",
        Some("Can not access a needed shared library"),
    ),
    (80, "ELIBBAD", Some("Accessing a corrupted shared library")),
    (81, "ELIBSCN", Some(".lib section in a.out corrupted")),
    (
        82,
        "ELIBMAX",
        Some("Attempting to link in too many shared libraries"),
    ),
    (
        83,
        "ELIBEXEC",
        Some("Cannot exec a shared library directly"),
    ),
    (
        84,
        "EILSEQ",
        Some("Invalid or incomplete multibyte or wide character"),
    ),
    (
        85,
        "ERESTART",
        Some("Interrupted system call should be restarted"),
    ),
    (86, "ESTRPIPE", Some("Streams pipe error")),
    (87, "EUSERS", Some("Too many users")),
    (88, "ENOTSOCK", Some("Socket operation on non-socket")),
    (89, "EDESTADDRREQ", Some("Destination address required")),
    (90, "EMSGSIZE", Some("Message too long")),
    (91, "EPROTOTYPE", Some("Protocol wrong type for socket")),
    (92, "ENOPROTOOPT", Some("Protocol not available")),
    (93, "EPROTONOSUPPORT", Some("Protocol not supported")),
    (94, "ESOCKTNOSUPPORT", Some("Socket type not supported")),
    (95, "EOPNOTSUPP", Some("Operation not supported")),
    (96, "EPFNOSUPPORT", Some("Protocol family not supported")),
    (
        97,
        "EAFNOSUPPORT",
        Some("Address family not supported by protocol"),
    ),
    (98, "EADDRINUSE", Some("Address already in use")),
    (99, "EADDRNOTAVAIL", Some("Cannot assign requested address")),
    (100, "ENETDOWN", Some("Network is down")),
    (101, "ENETUNREACH", Some("Network is unreachable")),
    (
        102,
        "ENETRESET",
        Some("Network dropped connection on reset"),
    ),
    (
        103,
        "ECONNABORTED",
        Some("Software caused connection abort"),
    ),
    (104, "ECONNRESET", Some("Connection reset by peer")),
    (105, "ENOBUFS", Some("No buffer space available")),
    (
        106,
        "EISCONN",
        Some("Transport endpoint is already connected"),
    ),
    (107, "ENOTCONN", Some("Transport endpoint is not connected")),
    (
        108,
        "ESHUTDOWN",
        Some("Cannot send after transport endpoint shutdown"),
    ),
    (
        109,
        "ETOOMANYREFS",
        Some("Too many references: cannot splice"),
    ),
    (110, "ETIMEDOUT", Some("Connection timed out")),
    (111, "ECONNREFUSED", Some("Connection refused")),
    (112, "EHOSTDOWN", Some("Host is down")),
    (113, "EHOSTUNREACH", Some("No route to host")),
    (114, "EALREADY", Some("Operation already in progress")),
    (115, "EINPROGRESS", Some("Operation now in progress")),
    (116, "ESTALE", Some("Stale file handle")),
    (117, "EUCLEAN", Some("Structure needs cleaning")),
    (118, "ENOTNAM", Some("Not a XENIX named type file")),
    (119, "ENAVAIL", Some("No XENIX semaphores available")),
    (120, "EISNAM", Some("Is a named type file")),
    (121, "EREMOTEIO", Some("Remote I/O error")),
    (122, "EDQUOT", Some("Disk quota exceeded")),
    (123, "ENOMEDIUM", Some("No medium found")),
    (124, "EMEDIUMTYPE", Some("Wrong medium type")),
    (125, "ECANCELED", Some("Operation canceled")),
    (126, "ENOKEY", Some("Required key not available")),
    (127, "EKEYEXPIRED", Some("Key has expired")),
    (128, "EKEYREVOKED", Some("Key has been revoked")),
    (129, "EKEYREJECTED", Some("Key was rejected by service")),
    (130, "EOWNERDEAD", Some("Owner died")),
    (131, "ENOTRECOVERABLE", Some("State not recoverable")),
    (
        132,
        "ERFKILL",
        Some("Operation not possible due to RF-kill"),
    ),
    (133, "EHWPOISON", Some("Memory page has hardware error")),
    (
        512,
        "ERESTARTSYS",
        Some("To be restarted if SA_RESTART is set"),
    ),
    (513, "ERESTARTNOINTR", Some("To be restarted")),
    (514, "ERESTARTNOHAND", Some("To be restarted if no handler")),
    (515, "ENOIOCTLCMD", None),
    (516, "ERESTART_RESTARTBLOCK", Some("Interrupted by signal")),
    (517, "EPROBE_DEFER", None),
    (518, "EOPENSTALE", None),
    (521, "EBADHANDLE", None),
    (522, "ENOTSYNC", None),
    (523, "EBADCOOKIE", None),
    (524, "ENOTSUPP", None),
    (525, "ETOOSMALL", None),
    (526, "ESERVERFAULT", None),
    (527, "EBADTYPE", None),
    (528, "EJUKEBOX", None),
    (529, "EIOCBQUEUED", None),
    (530, "ERECALLCONFLICT", None),
];

fn entry(errno: i32) -> Option<&'static (i32, &'static str, Option<&'static str>)> {
    ERRNOS
        .binary_search_by_key(&errno, |&(e, _, _)| e)
        .ok()
        .map(|i| &ERRNOS[i])
}

/// The symbolic name, e.g. 2 -> `ENOENT`.
pub fn name(errno: i32) -> Option<&'static str> {
    entry(errno).map(|&(_, name, _)| name)
}

/// The message strace prints in parentheses, e.g. 2 -> `No such file or directory`.
pub fn message(errno: i32) -> Option<&'static str> {
    entry(errno).and_then(|&(_, _, message)| message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted() {
        assert!(ERRNOS.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn spot_checks() {
        assert_eq!(name(1), Some("EPERM"));
        assert_eq!(name(2), Some("ENOENT"));
        assert_eq!(message(2), Some("No such file or directory"));
        assert_eq!(name(11), Some("EAGAIN"));
        assert_eq!(message(11), Some("Resource temporarily unavailable"));
        assert_eq!(name(13), Some("EACCES"));
        assert_eq!(message(13), Some("Permission denied"));
        assert_eq!(name(38), Some("ENOSYS"));
        assert_eq!(name(95), Some("EOPNOTSUPP"));
        assert_eq!(name(133), Some("EHWPOISON"));
        assert_eq!(message(133), Some("Memory page has hardware error"));
    }

    #[test]
    fn all_linux_errnos_are_named() {
        for e in (1..=133).filter(|e| ![41, 58].contains(e)) {
            assert!(name(e).is_some(), "errno {e}");
            assert!(message(e).is_some(), "errno {e}");
        }
        assert_eq!(name(0), None);
        assert_eq!(name(41), None);
        assert_eq!(name(-2), None);
        assert_eq!(name(134), None);
    }

    #[test]
    fn kernel_internal_codes() {
        assert_eq!(name(512), Some("ERESTARTSYS"));
        assert_eq!(message(512), Some("To be restarted if SA_RESTART is set"));
        assert_eq!(name(513), Some("ERESTARTNOINTR"));
        assert_eq!(message(513), Some("To be restarted"));
        assert_eq!(name(514), Some("ERESTARTNOHAND"));
        assert_eq!(message(514), Some("To be restarted if no handler"));
        assert_eq!(name(516), Some("ERESTART_RESTARTBLOCK"));
        assert_eq!(message(516), Some("Interrupted by signal"));
        assert_eq!(name(515), Some("ENOIOCTLCMD"));
        assert_eq!(message(515), None);
        assert_eq!(name(530), Some("ERECALLCONFLICT"));
    }
}
