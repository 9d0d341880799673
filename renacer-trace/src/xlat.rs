//! Constant-name tables (strace's "xlat" files) and the two ways strace
//! prints them: as an enumeration (`SEEK_SET`) or as a flag set
//! (`PROT_READ|PROT_WRITE`).
//!
//! Values are the x86_64 ones; each table keeps strace's order, because
//! flag sets print in table order and the first of two equal values wins.

use std::fmt::Write as _;

/// One constant-name table.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Xlat {
    /// `(value, name)` in strace's printing order.
    pub entries: &'static [(u64, &'static str)],
    /// What strace puts in a comment for a value it cannot name, e.g. `MAP_???`.
    pub unknown: &'static str,
}

impl Xlat {
    /// The first name whose value is exactly `value`.
    pub fn name(&self, value: u64) -> Option<&'static str> {
        self.entries
            .iter()
            .find(|&&(v, _)| v == value)
            .map(|&(_, n)| n)
    }

    /// strace's `printxval`: the name, or `0x…` with a `/* X_??? */` comment.
    pub(crate) fn format_enum(&self, value: u64) -> String {
        match self.name(value) {
            Some(name) => name.to_owned(),
            None => format!("{} /* {} */", hex(value), self.unknown),
        }
    }

    /// strace's `printflags`: known names joined by `|`, unknown bits as a
    /// trailing `|0x…`; zero is the table's zero name (if listed first) or `0`.
    pub(crate) fn format_flags(&self, value: u64) -> String {
        let mut out = String::new();
        if value == 0 {
            // strace only looks at the first entry for zero.
            match self.entries.first() {
                Some(&(0, name)) => out.push_str(name),
                _ => out.push('0'),
            }
            return out;
        }
        let rest = self.push_flag_names(&mut out, value);
        if out.is_empty() {
            let _ = write!(out, "{} /* {} */", hex(rest), self.unknown);
        } else if rest != 0 {
            let _ = write!(out, "|{}", hex(rest));
        }
        out
    }

    /// Appends the names of the set flags (each preceded by `|` unless `out`
    /// is empty) and returns the bits no name covered.
    pub(crate) fn push_flag_names(&self, out: &mut String, mut value: u64) -> u64 {
        for &(v, name) in self.entries {
            if value == 0 {
                break;
            }
            if v != 0 && value & v == v {
                if !out.is_empty() {
                    out.push('|');
                }
                out.push_str(name);
                value &= !v;
            }
        }
        value
    }
}

/// C's `%#llx`: `0` for zero, `0x…` otherwise.
pub(crate) fn hex(value: u64) -> String {
    if value == 0 {
        "0".to_owned()
    } else {
        format!("{value:#x}")
    }
}

macro_rules! xlat {
    ($(#[$m:meta])* $name:ident, $unknown:literal, [$($v:expr => $n:literal),* $(,)?]) => {
        $(#[$m])*
        pub const $name: Xlat = Xlat { entries: &[$(($v as u64, $n)),*], unknown: $unknown };
    };
}

xlat!(OPEN_ACCESS, "O_???", [0 => "O_RDONLY", 1 => "O_WRONLY", 2 => "O_RDWR", 3 => "O_ACCMODE"]);
xlat!(
    /// open(2) flags other than the access mode.
    OPEN, "O_???", [
    0o100 => "O_CREAT", 0o200 => "O_EXCL", 0o400 => "O_NOCTTY", 0o1000 => "O_TRUNC",
    0o2000 => "O_APPEND", 0o4000 => "O_NONBLOCK", 0o4010000 => "O_SYNC", 0o4000000 => "__O_SYNC",
    0o10000 => "O_DSYNC", 0o40000 => "O_DIRECT", 0o100000 => "O_LARGEFILE",
    0o400000 => "O_NOFOLLOW", 0o1000000 => "O_NOATIME", 0o2000000 => "O_CLOEXEC",
    0o10000000 => "O_PATH", 0o20200000 => "O_TMPFILE", 0o20000000 => "__O_TMPFILE",
    0o200000 => "O_DIRECTORY", 0o20000 => "FASYNC",
]);
xlat!(AT, "AT_???", [
    0x100 => "AT_SYMLINK_NOFOLLOW", 0x200 => "AT_REMOVEDIR", 0x400 => "AT_SYMLINK_FOLLOW",
    0x800 => "AT_NO_AUTOMOUNT", 0x1000 => "AT_EMPTY_PATH", 0x8000 => "AT_RECURSIVE",
]);
xlat!(FACCESSAT, "AT_???", [
    0x100 => "AT_SYMLINK_NOFOLLOW", 0x200 => "AT_EACCESS", 0x1000 => "AT_EMPTY_PATH",
]);
xlat!(STATX_SYNC, "AT_STATX_SYNC_???", [
    0 => "AT_STATX_SYNC_AS_STAT", 0x2000 => "AT_STATX_FORCE_SYNC", 0x4000 => "AT_STATX_DONT_SYNC",
    0x6000 => "AT_STATX_SYNC_TYPE",
]);
// In strace's order, which is not the bits' order.
xlat!(SA, "SA_???", [
    0x0400_0000 => "SA_RESTORER", 0x0800_0000 => "SA_ONSTACK", 0x1000_0000 => "SA_RESTART",
    0x4000_0000 => "SA_NODEFER", 0x8000_0000 => "SA_RESETHAND", 0x4 => "SA_SIGINFO",
    0x1 => "SA_NOCLDSTOP", 0x2 => "SA_NOCLDWAIT", 0x400 => "SA_UNSUPPORTED",
    0x800 => "SA_EXPOSE_TAGBITS",
]);
xlat!(STATX_ATTR, "STATX_ATTR_???", [
    0x4 => "STATX_ATTR_COMPRESSED", 0x10 => "STATX_ATTR_IMMUTABLE", 0x20 => "STATX_ATTR_APPEND",
    0x40 => "STATX_ATTR_NODUMP", 0x800 => "STATX_ATTR_ENCRYPTED", 0x1000 => "STATX_ATTR_AUTOMOUNT",
    0x2000 => "STATX_ATTR_MOUNT_ROOT", 0x100000 => "STATX_ATTR_VERITY", 0x200000 => "STATX_ATTR_DAX",
    0x400000 => "STATX_ATTR_WRITE_ATOMIC",
]);
xlat!(STATX, "STATX_???", [
    0xfff => "STATX_ALL", 0x7ff => "STATX_BASIC_STATS", 0x1 => "STATX_TYPE", 0x2 => "STATX_MODE",
    0x4 => "STATX_NLINK", 0x8 => "STATX_UID", 0x10 => "STATX_GID", 0x20 => "STATX_ATIME",
    0x40 => "STATX_MTIME", 0x80 => "STATX_CTIME", 0x100 => "STATX_INO", 0x200 => "STATX_SIZE",
    0x400 => "STATX_BLOCKS", 0x800 => "STATX_BTIME", 0x1000 => "STATX_MNT_ID",
    0x2000 => "STATX_DIOALIGN", 0x4000 => "STATX_MNT_ID_UNIQUE", 0x8000 => "STATX_SUBVOL",
    0x10000 => "STATX_WRITE_ATOMIC", 0x20000 => "STATX_DIO_READ_ALIGN",
]);
xlat!(ACCESS, "?_OK", [0 => "F_OK", 4 => "R_OK", 2 => "W_OK", 1 => "X_OK"]);
xlat!(MODE_TYPES, "S_IF???", [
    0o100000 => "S_IFREG", 0o140000 => "S_IFSOCK", 0o010000 => "S_IFIFO", 0o120000 => "S_IFLNK",
    0o040000 => "S_IFDIR", 0o060000 => "S_IFBLK", 0o020000 => "S_IFCHR",
]);
xlat!(PROT, "PROT_???", [
    0 => "PROT_NONE", 1 => "PROT_READ", 2 => "PROT_WRITE", 4 => "PROT_EXEC", 8 => "PROT_SEM",
    0x0100_0000 => "PROT_GROWSDOWN", 0x0200_0000 => "PROT_GROWSUP",
]);
xlat!(
    /// The mapping-type field (`flags & MAP_TYPE`) of mmap flags.
    MAP_TYPE, "MAP_???", [
    1 => "MAP_SHARED", 2 => "MAP_PRIVATE", 3 => "MAP_SHARED_VALIDATE", 8 => "MAP_DROPPABLE",
    0 => "MAP_FILE",
]);
xlat!(MAP, "MAP_???", [
    0x10 => "MAP_FIXED", 0x20 => "MAP_ANONYMOUS", 0x40 => "MAP_32BIT", 0x80 => "MAP_ABOVE4G",
    0x4000 => "MAP_NORESERVE", 0x8000 => "MAP_POPULATE", 0x10000 => "MAP_NONBLOCK",
    0x100 => "MAP_GROWSDOWN", 0x800 => "MAP_DENYWRITE", 0x1000 => "MAP_EXECUTABLE",
    0x2000 => "MAP_LOCKED", 0x20000 => "MAP_STACK", 0x40000 => "MAP_HUGETLB", 0x80000 => "MAP_SYNC",
    0x100000 => "MAP_FIXED_NOREPLACE",
]);
xlat!(MREMAP, "MREMAP_???", [1 => "MREMAP_MAYMOVE", 2 => "MREMAP_FIXED", 4 => "MREMAP_DONTUNMAP"]);
xlat!(MSYNC, "MS_???", [1 => "MS_ASYNC", 4 => "MS_SYNC", 2 => "MS_INVALIDATE"]);
xlat!(MADV, "MADV_???", [
    0 => "MADV_NORMAL", 1 => "MADV_RANDOM", 2 => "MADV_SEQUENTIAL", 3 => "MADV_WILLNEED",
    4 => "MADV_DONTNEED", 8 => "MADV_FREE", 9 => "MADV_REMOVE", 10 => "MADV_DONTFORK",
    11 => "MADV_DOFORK", 12 => "MADV_MERGEABLE", 13 => "MADV_UNMERGEABLE", 14 => "MADV_HUGEPAGE",
    15 => "MADV_NOHUGEPAGE", 16 => "MADV_DONTDUMP", 17 => "MADV_DODUMP", 18 => "MADV_WIPEONFORK",
    19 => "MADV_KEEPONFORK", 20 => "MADV_COLD", 21 => "MADV_PAGEOUT", 22 => "MADV_POPULATE_READ",
    23 => "MADV_POPULATE_WRITE", 24 => "MADV_DONTNEED_LOCKED", 25 => "MADV_COLLAPSE",
    100 => "MADV_HWPOISON", 101 => "MADV_SOFT_OFFLINE", 102 => "MADV_GUARD_INSTALL",
    103 => "MADV_GUARD_REMOVE",
]);
xlat!(MCL, "MCL_???", [1 => "MCL_CURRENT", 2 => "MCL_FUTURE", 4 => "MCL_ONFAULT"]);
xlat!(MLOCK, "MLOCK_???", [1 => "MLOCK_ONFAULT"]);
xlat!(
    /// Clone flags without the exit-signal byte.
    CLONE, "CLONE_???", [
    0x100 => "CLONE_VM", 0x200 => "CLONE_FS", 0x400 => "CLONE_FILES", 0x800 => "CLONE_SIGHAND",
    0x1000 => "CLONE_PIDFD", 0x2000 => "CLONE_PTRACE", 0x4000 => "CLONE_VFORK",
    0x8000 => "CLONE_PARENT", 0x10000 => "CLONE_THREAD", 0x20000 => "CLONE_NEWNS",
    0x40000 => "CLONE_SYSVSEM", 0x80000 => "CLONE_SETTLS", 0x100000 => "CLONE_PARENT_SETTID",
    0x200000 => "CLONE_CHILD_CLEARTID", 0x800000 => "CLONE_UNTRACED",
    0x1000000 => "CLONE_CHILD_SETTID", 0x2000000 => "CLONE_NEWCGROUP", 0x4000000 => "CLONE_NEWUTS",
    0x8000000 => "CLONE_NEWIPC", 0x10000000 => "CLONE_NEWUSER", 0x20000000 => "CLONE_NEWPID",
    0x40000000 => "CLONE_NEWNET", 0x80000000u32 => "CLONE_IO",
    0x1_0000_0000u64 => "CLONE_CLEAR_SIGHAND", 0x2_0000_0000u64 => "CLONE_INTO_CGROUP",
]);
xlat!(SOCK_TYPE, "SOCK_???", [
    1 => "SOCK_STREAM", 2 => "SOCK_DGRAM", 3 => "SOCK_RAW", 4 => "SOCK_RDM",
    5 => "SOCK_SEQPACKET", 6 => "SOCK_DCCP", 10 => "SOCK_PACKET",
]);
xlat!(SOCK_FLAGS, "SOCK_???", [0o2000000 => "SOCK_CLOEXEC", 0o4000 => "SOCK_NONBLOCK"]);
xlat!(AF, "AF_???", [
    0 => "AF_UNSPEC", 1 => "AF_UNIX", 2 => "AF_INET", 3 => "AF_AX25", 4 => "AF_IPX",
    5 => "AF_APPLETALK", 6 => "AF_NETROM", 7 => "AF_BRIDGE", 8 => "AF_ATMPVC", 9 => "AF_X25",
    10 => "AF_INET6", 11 => "AF_ROSE", 12 => "AF_DECnet", 13 => "AF_NETBEUI", 14 => "AF_SECURITY",
    15 => "AF_KEY", 16 => "AF_NETLINK", 17 => "AF_PACKET", 18 => "AF_ASH", 19 => "AF_ECONET",
    20 => "AF_ATMSVC", 21 => "AF_RDS", 22 => "AF_SNA", 23 => "AF_IRDA", 24 => "AF_PPPOX",
    25 => "AF_WANPIPE", 26 => "AF_LLC", 27 => "AF_IB", 28 => "AF_MPLS", 29 => "AF_CAN",
    30 => "AF_TIPC", 31 => "AF_BLUETOOTH", 32 => "AF_IUCV", 33 => "AF_RXRPC", 34 => "AF_ISDN",
    35 => "AF_PHONET", 36 => "AF_IEEE802154", 37 => "AF_CAIF", 38 => "AF_ALG", 39 => "AF_NFC",
    40 => "AF_VSOCK", 41 => "AF_KCM", 42 => "AF_QIPCRTR", 43 => "AF_SMC", 44 => "AF_XDP",
    45 => "AF_MCTP",
]);
xlat!(IPPROTO, "IPPROTO_???", [
    0 => "IPPROTO_IP", 1 => "IPPROTO_ICMP", 2 => "IPPROTO_IGMP", 4 => "IPPROTO_IPIP",
    6 => "IPPROTO_TCP", 8 => "IPPROTO_EGP", 12 => "IPPROTO_PUP", 17 => "IPPROTO_UDP",
    22 => "IPPROTO_IDP", 29 => "IPPROTO_TP", 33 => "IPPROTO_DCCP", 41 => "IPPROTO_IPV6",
    43 => "IPPROTO_ROUTING", 44 => "IPPROTO_FRAGMENT", 46 => "IPPROTO_RSVP", 47 => "IPPROTO_GRE",
    50 => "IPPROTO_ESP", 51 => "IPPROTO_AH", 58 => "IPPROTO_ICMPV6", 59 => "IPPROTO_NONE",
    60 => "IPPROTO_DSTOPTS", 92 => "IPPROTO_MTP", 94 => "IPPROTO_BEETPH", 98 => "IPPROTO_ENCAP",
    103 => "IPPROTO_PIM", 108 => "IPPROTO_COMP", 115 => "IPPROTO_L2TP", 132 => "IPPROTO_SCTP",
    135 => "IPPROTO_MH", 136 => "IPPROTO_UDPLITE", 137 => "IPPROTO_MPLS",
    143 => "IPPROTO_ETHERNET", 255 => "IPPROTO_RAW", 256 => "IPPROTO_SMC", 262 => "IPPROTO_MPTCP",
]);
xlat!(NETLINK, "NETLINK_???", [
    0 => "NETLINK_ROUTE", 1 => "NETLINK_UNUSED", 2 => "NETLINK_USERSOCK", 3 => "NETLINK_FIREWALL",
    4 => "NETLINK_SOCK_DIAG", 5 => "NETLINK_NFLOG", 6 => "NETLINK_XFRM", 7 => "NETLINK_SELINUX",
    8 => "NETLINK_ISCSI", 9 => "NETLINK_AUDIT", 10 => "NETLINK_FIB_LOOKUP",
    11 => "NETLINK_CONNECTOR", 12 => "NETLINK_NETFILTER", 13 => "NETLINK_IP6_FW",
    14 => "NETLINK_DNRTMSG", 15 => "NETLINK_KOBJECT_UEVENT", 16 => "NETLINK_GENERIC",
    18 => "NETLINK_SCSITRANSPORT", 19 => "NETLINK_ECRYPTFS", 20 => "NETLINK_RDMA",
    21 => "NETLINK_CRYPTO", 22 => "NETLINK_SMC",
]);
xlat!(ETH_P, "ETH_P_???", [
    0x3 => "ETH_P_ALL", 0x800 => "ETH_P_IP", 0x806 => "ETH_P_ARP", 0x8100 => "ETH_P_8021Q",
    0x86dd => "ETH_P_IPV6",
]);
xlat!(SOL, "SOL_???", [
    0 => "SOL_IP", 1 => "SOL_SOCKET", 6 => "SOL_TCP", 17 => "SOL_UDP", 41 => "SOL_IPV6",
    58 => "SOL_ICMPV6", 132 => "SOL_SCTP", 136 => "SOL_UDPLITE", 255 => "SOL_RAW",
    263 => "SOL_PACKET", 270 => "SOL_NETLINK", 271 => "SOL_TIPC", 274 => "SOL_BLUETOOTH",
    279 => "SOL_ALG", 282 => "SOL_TLS", 283 => "SOL_XDP", 284 => "SOL_MPTCP",
]);
xlat!(SO, "SO_???", [
    1 => "SO_DEBUG", 2 => "SO_REUSEADDR", 3 => "SO_TYPE", 4 => "SO_ERROR", 5 => "SO_DONTROUTE",
    6 => "SO_BROADCAST", 7 => "SO_SNDBUF", 8 => "SO_RCVBUF", 9 => "SO_KEEPALIVE",
    10 => "SO_OOBINLINE", 11 => "SO_NO_CHECK", 12 => "SO_PRIORITY", 13 => "SO_LINGER",
    14 => "SO_BSDCOMPAT", 15 => "SO_REUSEPORT", 16 => "SO_PASSCRED", 17 => "SO_PEERCRED",
    18 => "SO_RCVLOWAT", 19 => "SO_SNDLOWAT", 20 => "SO_RCVTIMEO_OLD", 21 => "SO_SNDTIMEO_OLD",
    25 => "SO_BINDTODEVICE", 26 => "SO_ATTACH_FILTER", 27 => "SO_DETACH_FILTER",
    28 => "SO_PEERNAME", 29 => "SO_TIMESTAMP_OLD", 30 => "SO_ACCEPTCONN", 31 => "SO_PEERSEC",
    32 => "SO_SNDBUFFORCE", 33 => "SO_RCVBUFFORCE", 34 => "SO_PASSSEC",
    35 => "SO_TIMESTAMPNS_OLD", 36 => "SO_MARK", 37 => "SO_TIMESTAMPING_OLD", 38 => "SO_PROTOCOL",
    39 => "SO_DOMAIN", 40 => "SO_RXQ_OVFL", 41 => "SO_WIFI_STATUS", 42 => "SO_PEEK_OFF",
    43 => "SO_NOFCS", 44 => "SO_LOCK_FILTER", 45 => "SO_SELECT_ERR_QUEUE", 46 => "SO_BUSY_POLL",
    47 => "SO_MAX_PACING_RATE", 48 => "SO_BPF_EXTENSIONS", 49 => "SO_INCOMING_CPU",
    50 => "SO_ATTACH_BPF", 51 => "SO_ATTACH_REUSEPORT_CBPF", 52 => "SO_ATTACH_REUSEPORT_EBPF",
    53 => "SO_CNX_ADVICE", 55 => "SO_MEMINFO", 56 => "SO_INCOMING_NAPI_ID", 57 => "SO_COOKIE",
    59 => "SO_PEERGROUPS", 60 => "SO_ZEROCOPY", 61 => "SO_TXTIME", 62 => "SO_BINDTOIFINDEX",
    63 => "SO_TIMESTAMP_NEW", 64 => "SO_TIMESTAMPNS_NEW", 65 => "SO_TIMESTAMPING_NEW",
    66 => "SO_RCVTIMEO_NEW", 67 => "SO_SNDTIMEO_NEW", 68 => "SO_DETACH_REUSEPORT_BPF",
    69 => "SO_PREFER_BUSY_POLL", 70 => "SO_BUSY_POLL_BUDGET", 71 => "SO_NETNS_COOKIE",
    72 => "SO_BUF_LOCK", 73 => "SO_RESERVE_MEM", 74 => "SO_TXREHASH", 75 => "SO_RCVMARK",
    76 => "SO_PASSPIDFD", 77 => "SO_PEERPIDFD",
]);
xlat!(TCP_OPT, "TCP_???", [
    1 => "TCP_NODELAY", 2 => "TCP_MAXSEG", 3 => "TCP_CORK", 4 => "TCP_KEEPIDLE",
    5 => "TCP_KEEPINTVL", 6 => "TCP_KEEPCNT", 7 => "TCP_SYNCNT", 8 => "TCP_LINGER2",
    9 => "TCP_DEFER_ACCEPT", 10 => "TCP_WINDOW_CLAMP", 11 => "TCP_INFO", 12 => "TCP_QUICKACK",
    13 => "TCP_CONGESTION", 14 => "TCP_MD5SIG", 16 => "TCP_THIN_LINEAR_TIMEOUTS",
    17 => "TCP_THIN_DUPACK", 18 => "TCP_USER_TIMEOUT", 19 => "TCP_REPAIR",
    20 => "TCP_REPAIR_QUEUE", 21 => "TCP_QUEUE_SEQ", 22 => "TCP_REPAIR_OPTIONS",
    23 => "TCP_FASTOPEN", 24 => "TCP_TIMESTAMP", 25 => "TCP_NOTSENT_LOWAT", 26 => "TCP_CC_INFO",
    27 => "TCP_SAVE_SYN", 28 => "TCP_SAVED_SYN", 29 => "TCP_REPAIR_WINDOW",
    30 => "TCP_FASTOPEN_CONNECT", 31 => "TCP_ULP", 32 => "TCP_MD5SIG_EXT",
    33 => "TCP_FASTOPEN_KEY", 34 => "TCP_FASTOPEN_NO_COOKIE", 35 => "TCP_ZEROCOPY_RECEIVE",
    36 => "TCP_INQ", 37 => "TCP_TX_DELAY",
]);
xlat!(IP_OPT, "IP_???", [
    1 => "IP_TOS", 2 => "IP_TTL", 3 => "IP_HDRINCL", 4 => "IP_OPTIONS", 6 => "IP_RECVOPTS",
    7 => "IP_RETOPTS", 8 => "IP_PKTINFO", 10 => "IP_MTU_DISCOVER", 11 => "IP_RECVERR",
    12 => "IP_RECVTTL", 13 => "IP_RECVTOS", 14 => "IP_MTU", 15 => "IP_FREEBIND",
    19 => "IP_TRANSPARENT", 32 => "IP_MULTICAST_IF", 33 => "IP_MULTICAST_TTL",
    34 => "IP_MULTICAST_LOOP", 35 => "IP_ADD_MEMBERSHIP", 36 => "IP_DROP_MEMBERSHIP",
    49 => "IP_BIND_ADDRESS_NO_PORT",
]);
xlat!(IPV6_OPT, "IPV6_???", [
    16 => "IPV6_UNICAST_HOPS", 17 => "IPV6_MULTICAST_IF", 18 => "IPV6_MULTICAST_HOPS",
    19 => "IPV6_MULTICAST_LOOP", 20 => "IPV6_ADD_MEMBERSHIP", 21 => "IPV6_DROP_MEMBERSHIP",
    23 => "IPV6_MTU_DISCOVER", 24 => "IPV6_MTU", 25 => "IPV6_RECVERR", 26 => "IPV6_V6ONLY",
    49 => "IPV6_RECVPKTINFO", 50 => "IPV6_PKTINFO", 67 => "IPV6_TCLASS",
]);
xlat!(NETLINK_OPT, "NETLINK_???", [
    1 => "NETLINK_ADD_MEMBERSHIP", 2 => "NETLINK_DROP_MEMBERSHIP", 3 => "NETLINK_PKTINFO",
    4 => "NETLINK_BROADCAST_ERROR", 5 => "NETLINK_NO_ENOBUFS", 6 => "NETLINK_RX_RING",
    7 => "NETLINK_TX_RING", 8 => "NETLINK_LISTEN_ALL_NSID", 9 => "NETLINK_LIST_MEMBERSHIPS",
    10 => "NETLINK_CAP_ACK", 11 => "NETLINK_EXT_ACK", 12 => "NETLINK_GET_STRICT_CHK",
]);
xlat!(MSG, "MSG_???", [
    0x1 => "MSG_OOB", 0x2 => "MSG_PEEK", 0x4 => "MSG_DONTROUTE", 0x8 => "MSG_CTRUNC",
    0x10 => "MSG_PROBE", 0x20 => "MSG_TRUNC", 0x40 => "MSG_DONTWAIT", 0x80 => "MSG_EOR",
    0x100 => "MSG_WAITALL", 0x200 => "MSG_FIN", 0x400 => "MSG_SYN", 0x800 => "MSG_CONFIRM",
    0x1000 => "MSG_RST", 0x2000 => "MSG_ERRQUEUE", 0x4000 => "MSG_NOSIGNAL", 0x8000 => "MSG_MORE",
    0x10000 => "MSG_WAITFORONE", 0x20000 => "MSG_SENDPAGE_NOTLAST", 0x40000 => "MSG_BATCH",
    0x80000 => "MSG_NO_SHARED_FRAGS", 0x2000000 => "MSG_SOCK_DEVMEM", 0x4000000 => "MSG_ZEROCOPY",
    0x20000000 => "MSG_FASTOPEN", 0x40000000 => "MSG_CMSG_CLOEXEC",
    0x80000000u32 => "MSG_CMSG_COMPAT",
]);
xlat!(SHUT, "SHUT_???", [0 => "SHUT_RD", 1 => "SHUT_WR", 2 => "SHUT_RDWR"]);
xlat!(FCNTL, "F_???", [
    0 => "F_DUPFD", 1 => "F_GETFD", 2 => "F_SETFD", 3 => "F_GETFL", 4 => "F_SETFL", 5 => "F_GETLK",
    6 => "F_SETLK", 7 => "F_SETLKW", 8 => "F_SETOWN", 9 => "F_GETOWN", 10 => "F_SETSIG",
    11 => "F_GETSIG", 15 => "F_SETOWN_EX", 16 => "F_GETOWN_EX", 17 => "F_GETOWNER_UIDS",
    36 => "F_OFD_GETLK", 37 => "F_OFD_SETLK", 38 => "F_OFD_SETLKW", 1024 => "F_SETLEASE",
    1025 => "F_GETLEASE", 1026 => "F_NOTIFY", 1027 => "F_DUPFD_QUERY", 1028 => "F_CREATED_QUERY",
    1029 => "F_CANCELLK", 1030 => "F_DUPFD_CLOEXEC", 1031 => "F_SETPIPE_SZ",
    1032 => "F_GETPIPE_SZ", 1033 => "F_ADD_SEALS", 1034 => "F_GET_SEALS",
    1035 => "F_GET_RW_HINT", 1036 => "F_SET_RW_HINT", 1037 => "F_GET_FILE_RW_HINT",
    1038 => "F_SET_FILE_RW_HINT", 1039 => "F_GETDELEG", 1040 => "F_SETDELEG",
]);
xlat!(FD_FLAGS, "FD_???", [1 => "FD_CLOEXEC"]);
xlat!(LEASE, "F_???", [0 => "F_RDLCK", 1 => "F_WRLCK", 2 => "F_UNLCK"]);
xlat!(SEALS, "F_SEAL_???", [
    1 => "F_SEAL_SEAL", 2 => "F_SEAL_SHRINK", 4 => "F_SEAL_GROW", 8 => "F_SEAL_WRITE",
    0x10 => "F_SEAL_FUTURE_WRITE", 0x20 => "F_SEAL_EXEC",
]);
xlat!(DNOTIFY, "DN_???", [
    1 => "DN_ACCESS", 2 => "DN_MODIFY", 4 => "DN_CREATE", 8 => "DN_DELETE", 0x10 => "DN_RENAME",
    0x20 => "DN_ATTRIB", 0x80000000u32 => "DN_MULTISHOT",
]);
xlat!(LOCK, "LOCK_???", [
    1 => "LOCK_SH", 2 => "LOCK_EX", 4 => "LOCK_NB", 8 => "LOCK_UN", 32 => "LOCK_MAND",
    192 => "LOCK_RW", 64 => "LOCK_READ", 128 => "LOCK_WRITE",
]);
xlat!(IPCGET, "IPC_???", [0o1000 => "IPC_CREAT", 0o2000 => "IPC_EXCL", 0o4000 => "IPC_NOWAIT"]);
xlat!(SHMGET, "SHM_???", [
    0o1000 => "IPC_CREAT", 0o2000 => "IPC_EXCL", 0o4000 => "SHM_HUGETLB", 0o10000 => "SHM_NORESERVE",
]);
xlat!(SHMAT, "SHM_???", [0o10000 => "SHM_RDONLY", 0o20000 => "SHM_RND", 0o40000 => "SHM_REMAP", 0o100000 => "SHM_EXEC"]);
xlat!(MSGFLG, "MSG_???", [0o4000 => "IPC_NOWAIT", 0o10000 => "MSG_NOERROR", 0o20000 => "MSG_EXCEPT", 0o40000 => "MSG_COPY"]);
xlat!(SEM_FLG, "SEM_???", [0o4000 => "IPC_NOWAIT", 0o10000 => "SEM_UNDO"]);
xlat!(SHMCTL, "SHM_???", [
    0 => "IPC_RMID", 1 => "IPC_SET", 2 => "IPC_STAT", 3 => "IPC_INFO", 11 => "SHM_LOCK",
    12 => "SHM_UNLOCK", 13 => "SHM_STAT", 14 => "SHM_INFO", 15 => "SHM_STAT_ANY",
]);
xlat!(SEMCTL, "SEM_???", [
    0 => "IPC_RMID", 1 => "IPC_SET", 2 => "IPC_STAT", 3 => "IPC_INFO", 11 => "GETPID",
    12 => "GETVAL", 13 => "GETALL", 14 => "GETNCNT", 15 => "GETZCNT", 16 => "SETVAL",
    17 => "SETALL", 18 => "SEM_STAT", 19 => "SEM_INFO", 20 => "SEM_STAT_ANY",
]);
xlat!(MSGCTL, "MSG_???", [
    0 => "IPC_RMID", 1 => "IPC_SET", 2 => "IPC_STAT", 3 => "IPC_INFO", 11 => "MSG_STAT",
    12 => "MSG_INFO", 13 => "MSG_STAT_ANY",
]);
xlat!(KEY_SPEC, "KEY_SPEC_???", [
    0xffff_ffff => "KEY_SPEC_THREAD_KEYRING", 0xffff_fffe => "KEY_SPEC_PROCESS_KEYRING",
    0xffff_fffd => "KEY_SPEC_SESSION_KEYRING", 0xffff_fffc => "KEY_SPEC_USER_KEYRING",
    0xffff_fffb => "KEY_SPEC_USER_SESSION_KEYRING", 0xffff_fffa => "KEY_SPEC_GROUP_KEYRING",
    0xffff_fff9 => "KEY_SPEC_REQKEY_AUTH_KEY", 0xffff_fff8 => "KEY_SPEC_REQUESTOR_KEYRING",
]);
xlat!(KEYCTL, "KEYCTL_???", [
    0 => "KEYCTL_GET_KEYRING_ID", 1 => "KEYCTL_JOIN_SESSION_KEYRING", 2 => "KEYCTL_UPDATE",
    3 => "KEYCTL_REVOKE", 4 => "KEYCTL_CHOWN", 5 => "KEYCTL_SETPERM", 6 => "KEYCTL_DESCRIBE",
    7 => "KEYCTL_CLEAR", 8 => "KEYCTL_LINK", 9 => "KEYCTL_UNLINK", 10 => "KEYCTL_SEARCH",
    11 => "KEYCTL_READ", 12 => "KEYCTL_INSTANTIATE", 13 => "KEYCTL_NEGATE",
    14 => "KEYCTL_SET_REQKEY_KEYRING", 15 => "KEYCTL_SET_TIMEOUT", 16 => "KEYCTL_ASSUME_AUTHORITY",
    17 => "KEYCTL_GET_SECURITY", 18 => "KEYCTL_SESSION_TO_PARENT", 19 => "KEYCTL_REJECT",
    20 => "KEYCTL_INSTANTIATE_IOV", 21 => "KEYCTL_INVALIDATE", 22 => "KEYCTL_GET_PERSISTENT",
    23 => "KEYCTL_DH_COMPUTE", 24 => "KEYCTL_PKEY_QUERY", 25 => "KEYCTL_PKEY_ENCRYPT",
    26 => "KEYCTL_PKEY_DECRYPT", 27 => "KEYCTL_PKEY_SIGN", 28 => "KEYCTL_PKEY_VERIFY",
    29 => "KEYCTL_RESTRICT_KEYRING", 30 => "KEYCTL_MOVE", 31 => "KEYCTL_CAPABILITIES",
    32 => "KEYCTL_WATCH_KEY",
]);
xlat!(SYSLOG_ACTION, "SYSLOG_ACTION_???", [
    0 => "SYSLOG_ACTION_CLOSE", 1 => "SYSLOG_ACTION_OPEN", 2 => "SYSLOG_ACTION_READ",
    3 => "SYSLOG_ACTION_READ_ALL", 4 => "SYSLOG_ACTION_READ_CLEAR", 5 => "SYSLOG_ACTION_CLEAR",
    6 => "SYSLOG_ACTION_CONSOLE_OFF", 7 => "SYSLOG_ACTION_CONSOLE_ON",
    8 => "SYSLOG_ACTION_CONSOLE_LEVEL", 9 => "SYSLOG_ACTION_SIZE_UNREAD",
    10 => "SYSLOG_ACTION_SIZE_BUFFER",
]);
xlat!(TCFLSH_QUEUE, "TC???", [0 => "TCIFLUSH", 1 => "TCOFLUSH", 2 => "TCIOFLUSH"]);
xlat!(TCXONC_ACTION, "TC???", [0 => "TCOOFF", 1 => "TCOON", 2 => "TCIOFF", 3 => "TCION"]);
xlat!(IOCTL_DIR, "_IOC_???", [0 => "_IOC_NONE", 2 => "_IOC_READ", 1 => "_IOC_WRITE"]);
xlat!(WHENCE, "SEEK_???", [
    0 => "SEEK_SET", 1 => "SEEK_CUR", 2 => "SEEK_END", 3 => "SEEK_DATA", 4 => "SEEK_HOLE",
]);
xlat!(
    /// futex(2) operations, including the private and clock variants strace names.
    FUTEX, "FUTEX_???", [
    0 => "FUTEX_WAIT", 1 => "FUTEX_WAKE", 2 => "FUTEX_FD", 3 => "FUTEX_REQUEUE",
    4 => "FUTEX_CMP_REQUEUE", 5 => "FUTEX_WAKE_OP", 6 => "FUTEX_LOCK_PI", 7 => "FUTEX_UNLOCK_PI",
    8 => "FUTEX_TRYLOCK_PI", 9 => "FUTEX_WAIT_BITSET", 10 => "FUTEX_WAKE_BITSET",
    11 => "FUTEX_WAIT_REQUEUE_PI", 12 => "FUTEX_CMP_REQUEUE_PI", 13 => "FUTEX_LOCK_PI2",
    128 => "FUTEX_WAIT_PRIVATE", 129 => "FUTEX_WAKE_PRIVATE", 130 => "FUTEX_FD|FUTEX_PRIVATE_FLAG",
    131 => "FUTEX_REQUEUE_PRIVATE", 132 => "FUTEX_CMP_REQUEUE_PRIVATE",
    133 => "FUTEX_WAKE_OP_PRIVATE", 134 => "FUTEX_LOCK_PI_PRIVATE", 135 => "FUTEX_UNLOCK_PI_PRIVATE",
    136 => "FUTEX_TRYLOCK_PI_PRIVATE", 137 => "FUTEX_WAIT_BITSET_PRIVATE",
    138 => "FUTEX_WAKE_BITSET_PRIVATE", 139 => "FUTEX_WAIT_REQUEUE_PI_PRIVATE",
    140 => "FUTEX_CMP_REQUEUE_PI_PRIVATE", 141 => "FUTEX_LOCK_PI2_PRIVATE",
    256 => "FUTEX_WAIT|FUTEX_CLOCK_REALTIME", 384 => "FUTEX_WAIT_PRIVATE|FUTEX_CLOCK_REALTIME",
    265 => "FUTEX_WAIT_BITSET|FUTEX_CLOCK_REALTIME",
    393 => "FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME",
    267 => "FUTEX_WAIT_REQUEUE_PI|FUTEX_CLOCK_REALTIME",
    395 => "FUTEX_WAIT_REQUEUE_PI_PRIVATE|FUTEX_CLOCK_REALTIME",
]);
xlat!(FUTEX_BITSET, "", [0xffff_ffff => "FUTEX_BITSET_MATCH_ANY"]);
xlat!(CLOCK, "CLOCK_???", [
    0 => "CLOCK_REALTIME", 1 => "CLOCK_MONOTONIC", 2 => "CLOCK_PROCESS_CPUTIME_ID",
    3 => "CLOCK_THREAD_CPUTIME_ID", 4 => "CLOCK_MONOTONIC_RAW", 5 => "CLOCK_REALTIME_COARSE",
    6 => "CLOCK_MONOTONIC_COARSE", 7 => "CLOCK_BOOTTIME", 8 => "CLOCK_REALTIME_ALARM",
    9 => "CLOCK_BOOTTIME_ALARM", 10 => "CLOCK_SGI_CYCLE", 11 => "CLOCK_TAI",
]);
xlat!(TIMER, "TIMER_???", [1 => "TIMER_ABSTIME"]);
xlat!(WAIT, "W???", [
    1 => "WNOHANG", 2 => "WSTOPPED", 4 => "WEXITED", 8 => "WCONTINUED", 0x0100_0000 => "WNOWAIT",
    0x8000_0000u32 => "__WCLONE", 0x4000_0000 => "__WALL", 0x2000_0000 => "__WNOTHREAD",
]);
xlat!(IDTYPE, "P_???", [0 => "P_ALL", 1 => "P_PID", 2 => "P_PGID", 3 => "P_PIDFD"]);
xlat!(SIG_HOW, "SIG_???", [0 => "SIG_BLOCK", 1 => "SIG_UNBLOCK", 2 => "SIG_SETMASK"]);
xlat!(RLIMIT, "RLIMIT_???", [
    0 => "RLIMIT_CPU", 1 => "RLIMIT_FSIZE", 2 => "RLIMIT_DATA", 3 => "RLIMIT_STACK",
    4 => "RLIMIT_CORE", 5 => "RLIMIT_RSS", 6 => "RLIMIT_NPROC", 7 => "RLIMIT_NOFILE",
    8 => "RLIMIT_MEMLOCK", 9 => "RLIMIT_AS", 10 => "RLIMIT_LOCKS", 11 => "RLIMIT_SIGPENDING",
    12 => "RLIMIT_MSGQUEUE", 13 => "RLIMIT_NICE", 14 => "RLIMIT_RTPRIO", 15 => "RLIMIT_RTTIME",
]);
xlat!(RUSAGE, "RUSAGE_???", [0 => "RUSAGE_SELF", 0xffff_ffff => "RUSAGE_CHILDREN", 1 => "RUSAGE_THREAD"]);
xlat!(ITIMER, "ITIMER_???", [0 => "ITIMER_REAL", 1 => "ITIMER_VIRTUAL", 2 => "ITIMER_PROF"]);
xlat!(PRIO, "PRIO_???", [0 => "PRIO_PROCESS", 1 => "PRIO_PGRP", 2 => "PRIO_USER"]);
xlat!(SCHED, "SCHED_???", [
    0 => "SCHED_OTHER", 1 => "SCHED_FIFO", 2 => "SCHED_RR", 3 => "SCHED_BATCH", 4 => "SCHED_ISO",
    5 => "SCHED_IDLE", 6 => "SCHED_DEADLINE", 7 => "SCHED_EXT",
]);
xlat!(PTRACE, "PTRACE_???", [
    0 => "PTRACE_TRACEME", 1 => "PTRACE_PEEKTEXT", 2 => "PTRACE_PEEKDATA", 3 => "PTRACE_PEEKUSER",
    4 => "PTRACE_POKETEXT", 5 => "PTRACE_POKEDATA", 6 => "PTRACE_POKEUSER", 7 => "PTRACE_CONT",
    8 => "PTRACE_KILL", 9 => "PTRACE_SINGLESTEP", 12 => "PTRACE_GETREGS", 13 => "PTRACE_SETREGS",
    14 => "PTRACE_GETFPREGS", 15 => "PTRACE_SETFPREGS", 16 => "PTRACE_ATTACH",
    17 => "PTRACE_DETACH", 18 => "PTRACE_GETFPXREGS", 19 => "PTRACE_SETFPXREGS",
    24 => "PTRACE_SYSCALL", 30 => "PTRACE_ARCH_PRCTL", 31 => "PTRACE_SYSEMU",
    32 => "PTRACE_SYSEMU_SINGLESTEP", 33 => "PTRACE_SINGLEBLOCK", 0x4200 => "PTRACE_SETOPTIONS",
    0x4201 => "PTRACE_GETEVENTMSG", 0x4202 => "PTRACE_GETSIGINFO", 0x4203 => "PTRACE_SETSIGINFO",
    0x4204 => "PTRACE_GETREGSET", 0x4205 => "PTRACE_SETREGSET", 0x4206 => "PTRACE_SEIZE",
    0x4207 => "PTRACE_INTERRUPT", 0x4208 => "PTRACE_LISTEN", 0x4209 => "PTRACE_PEEKSIGINFO",
    0x420a => "PTRACE_GETSIGMASK", 0x420b => "PTRACE_SETSIGMASK",
    0x420c => "PTRACE_SECCOMP_GET_FILTER", 0x420d => "PTRACE_SECCOMP_GET_METADATA",
    0x420e => "PTRACE_GET_SYSCALL_INFO", 0x420f => "PTRACE_GET_RSEQ_CONFIGURATION",
]);
xlat!(PR, "PR_???", [
    1 => "PR_SET_PDEATHSIG", 2 => "PR_GET_PDEATHSIG", 3 => "PR_GET_DUMPABLE",
    4 => "PR_SET_DUMPABLE", 5 => "PR_GET_UNALIGN", 6 => "PR_SET_UNALIGN", 7 => "PR_GET_KEEPCAPS",
    8 => "PR_SET_KEEPCAPS", 9 => "PR_GET_FPEMU", 10 => "PR_SET_FPEMU", 11 => "PR_GET_FPEXC",
    12 => "PR_SET_FPEXC", 13 => "PR_GET_TIMING", 14 => "PR_SET_TIMING", 15 => "PR_SET_NAME",
    16 => "PR_GET_NAME", 19 => "PR_GET_ENDIAN", 20 => "PR_SET_ENDIAN", 21 => "PR_GET_SECCOMP",
    22 => "PR_SET_SECCOMP", 23 => "PR_CAPBSET_READ", 24 => "PR_CAPBSET_DROP", 25 => "PR_GET_TSC",
    26 => "PR_SET_TSC", 27 => "PR_GET_SECUREBITS", 28 => "PR_SET_SECUREBITS",
    29 => "PR_SET_TIMERSLACK", 30 => "PR_GET_TIMERSLACK", 31 => "PR_TASK_PERF_EVENTS_DISABLE",
    32 => "PR_TASK_PERF_EVENTS_ENABLE", 33 => "PR_MCE_KILL", 34 => "PR_MCE_KILL_GET",
    35 => "PR_SET_MM", 36 => "PR_SET_CHILD_SUBREAPER", 37 => "PR_GET_CHILD_SUBREAPER",
    38 => "PR_SET_NO_NEW_PRIVS", 39 => "PR_GET_NO_NEW_PRIVS", 40 => "PR_GET_TID_ADDRESS",
    41 => "PR_SET_THP_DISABLE", 42 => "PR_GET_THP_DISABLE", 45 => "PR_SET_FP_MODE",
    46 => "PR_GET_FP_MODE", 47 => "PR_CAP_AMBIENT", 52 => "PR_GET_SPECULATION_CTRL",
    53 => "PR_SET_SPECULATION_CTRL", 55 => "PR_SET_TAGGED_ADDR_CTRL",
    56 => "PR_GET_TAGGED_ADDR_CTRL", 57 => "PR_SET_IO_FLUSHER", 58 => "PR_GET_IO_FLUSHER",
    59 => "PR_SET_SYSCALL_USER_DISPATCH", 62 => "PR_SCHED_CORE", 65 => "PR_SET_MDWE",
    66 => "PR_GET_MDWE", 0x4155_5856 => "PR_GET_AUXV", 0x5356_4d41 => "PR_SET_VMA",
]);
xlat!(MPOL, "MPOL_???", [
    0 => "MPOL_DEFAULT", 1 => "MPOL_PREFERRED", 2 => "MPOL_BIND", 3 => "MPOL_INTERLEAVE",
    4 => "MPOL_LOCAL", 5 => "MPOL_PREFERRED_MANY", 6 => "MPOL_WEIGHTED_INTERLEAVE",
]);
xlat!(CAP, "CAP_???", [
    0 => "CAP_CHOWN", 1 => "CAP_DAC_OVERRIDE", 2 => "CAP_DAC_READ_SEARCH", 3 => "CAP_FOWNER",
    4 => "CAP_FSETID", 5 => "CAP_KILL", 6 => "CAP_SETGID", 7 => "CAP_SETUID", 8 => "CAP_SETPCAP",
    9 => "CAP_LINUX_IMMUTABLE", 10 => "CAP_NET_BIND_SERVICE", 11 => "CAP_NET_BROADCAST",
    12 => "CAP_NET_ADMIN", 13 => "CAP_NET_RAW", 14 => "CAP_IPC_LOCK", 15 => "CAP_IPC_OWNER",
    16 => "CAP_SYS_MODULE", 17 => "CAP_SYS_RAWIO", 18 => "CAP_SYS_CHROOT", 19 => "CAP_SYS_PTRACE",
    20 => "CAP_SYS_PACCT", 21 => "CAP_SYS_ADMIN", 22 => "CAP_SYS_BOOT", 23 => "CAP_SYS_NICE",
    24 => "CAP_SYS_RESOURCE", 25 => "CAP_SYS_TIME", 26 => "CAP_SYS_TTY_CONFIG", 27 => "CAP_MKNOD",
    28 => "CAP_LEASE", 29 => "CAP_AUDIT_WRITE", 30 => "CAP_AUDIT_CONTROL", 31 => "CAP_SETFCAP",
    32 => "CAP_MAC_OVERRIDE", 33 => "CAP_MAC_ADMIN", 34 => "CAP_SYSLOG", 35 => "CAP_WAKE_ALARM",
    36 => "CAP_BLOCK_SUSPEND", 37 => "CAP_AUDIT_READ", 38 => "CAP_PERFMON", 39 => "CAP_BPF",
    40 => "CAP_CHECKPOINT_RESTORE",
]);
xlat!(SUID_DUMP, "SUID_DUMP_???", [0 => "SUID_DUMP_DISABLE", 1 => "SUID_DUMP_USER", 2 => "SUID_DUMP_ROOT"]);
xlat!(SECCOMP_MODE, "SECCOMP_MODE_???", [0 => "SECCOMP_MODE_DISABLED", 1 => "SECCOMP_MODE_STRICT", 2 => "SECCOMP_MODE_FILTER"]);
xlat!(ARCH, "ARCH_???", [
    0x1001 => "ARCH_SET_GS", 0x1002 => "ARCH_SET_FS", 0x1003 => "ARCH_GET_FS",
    0x1004 => "ARCH_GET_GS", 0x1011 => "ARCH_GET_CPUID", 0x1012 => "ARCH_SET_CPUID",
    0x1021 => "ARCH_GET_XCOMP_SUPP", 0x1022 => "ARCH_GET_XCOMP_PERM",
    0x1023 => "ARCH_REQ_XCOMP_PERM", 0x1024 => "ARCH_GET_XCOMP_GUEST_PERM",
    0x1025 => "ARCH_REQ_XCOMP_GUEST_PERM", 0x2001 => "ARCH_MAP_VDSO_X32",
    0x2002 => "ARCH_MAP_VDSO_32", 0x2003 => "ARCH_MAP_VDSO_64", 0x4001 => "ARCH_GET_UNTAG_MASK",
    0x4002 => "ARCH_ENABLE_TAGGED_ADDR", 0x4003 => "ARCH_GET_MAX_TAG_BITS",
    0x4004 => "ARCH_FORCE_TAGGED_SVA", 0x5001 => "ARCH_SHSTK_ENABLE",
    0x5002 => "ARCH_SHSTK_DISABLE", 0x5003 => "ARCH_SHSTK_LOCK", 0x5004 => "ARCH_SHSTK_UNLOCK",
    0x5005 => "ARCH_SHSTK_STATUS",
]);
xlat!(MOUNT, "MS_???", [
    1 => "MS_RDONLY", 2 => "MS_NOSUID", 4 => "MS_NODEV", 8 => "MS_NOEXEC",
    0x10 => "MS_SYNCHRONOUS", 0x20 => "MS_REMOUNT", 0x40 => "MS_MANDLOCK", 0x80 => "MS_DIRSYNC",
    0x100 => "MS_NOSYMFOLLOW", 0x400 => "MS_NOATIME", 0x800 => "MS_NODIRATIME",
    0x1000 => "MS_BIND", 0x2000 => "MS_MOVE", 0x4000 => "MS_REC", 0x8000 => "MS_SILENT",
    0x10000 => "MS_POSIXACL", 0x20000 => "MS_UNBINDABLE", 0x40000 => "MS_PRIVATE",
    0x80000 => "MS_SLAVE", 0x100000 => "MS_SHARED", 0x200000 => "MS_RELATIME",
    0x400000 => "MS_KERNMOUNT", 0x800000 => "MS_I_VERSION", 0x1000000 => "MS_STRICTATIME",
    0x2000000 => "MS_LAZYTIME", 0x4000000 => "MS_SUBMOUNT", 0x8000000 => "MS_NOREMOTELOCK",
    0x10000000 => "MS_NOSEC", 0x20000000 => "MS_BORN", 0x40000000 => "MS_ACTIVE",
    0x80000000u32 => "MS_NOUSER",
]);
xlat!(UMOUNT, "MNT_???", [1 => "MNT_FORCE", 2 => "MNT_DETACH", 4 => "MNT_EXPIRE", 8 => "UMOUNT_NOFOLLOW"]);
xlat!(XATTR, "XATTR_???", [1 => "XATTR_CREATE", 2 => "XATTR_REPLACE"]);
xlat!(FADV, "POSIX_FADV_???", [
    0 => "POSIX_FADV_NORMAL", 1 => "POSIX_FADV_RANDOM", 2 => "POSIX_FADV_SEQUENTIAL",
    3 => "POSIX_FADV_WILLNEED", 4 => "POSIX_FADV_DONTNEED", 5 => "POSIX_FADV_NOREUSE",
]);
xlat!(EPOLL_CTL, "EPOLL_CTL_???", [1 => "EPOLL_CTL_ADD", 2 => "EPOLL_CTL_DEL", 3 => "EPOLL_CTL_MOD"]);
xlat!(EPOLL_FLAGS, "EPOLL_???", [0o2000000 => "EPOLL_CLOEXEC"]);
xlat!(IN_INIT, "IN_???", [0o4000 => "IN_NONBLOCK", 0o2000000 => "IN_CLOEXEC"]);
xlat!(IN_MASK, "IN_???", [
    0x1 => "IN_ACCESS", 0x2 => "IN_MODIFY", 0x4 => "IN_ATTRIB", 0x8 => "IN_CLOSE_WRITE",
    0x10 => "IN_CLOSE_NOWRITE", 0x20 => "IN_OPEN", 0x40 => "IN_MOVED_FROM", 0x80 => "IN_MOVED_TO",
    0x100 => "IN_CREATE", 0x200 => "IN_DELETE", 0x400 => "IN_DELETE_SELF", 0x800 => "IN_MOVE_SELF",
    0x2000 => "IN_UNMOUNT", 0x4000 => "IN_Q_OVERFLOW", 0x8000 => "IN_IGNORED",
    0x0100_0000 => "IN_ONLYDIR", 0x0200_0000 => "IN_DONT_FOLLOW", 0x0400_0000 => "IN_EXCL_UNLINK",
    0x1000_0000 => "IN_MASK_CREATE", 0x2000_0000 => "IN_MASK_ADD", 0x4000_0000 => "IN_ISDIR",
    0x8000_0000u32 => "IN_ONESHOT",
]);
xlat!(SPLICE, "SPLICE_F_???", [
    1 => "SPLICE_F_MOVE", 2 => "SPLICE_F_NONBLOCK", 4 => "SPLICE_F_MORE", 8 => "SPLICE_F_GIFT",
]);
xlat!(SYNC_FILE_RANGE, "SYNC_FILE_RANGE_???", [
    1 => "SYNC_FILE_RANGE_WAIT_BEFORE", 2 => "SYNC_FILE_RANGE_WRITE",
    4 => "SYNC_FILE_RANGE_WAIT_AFTER",
]);
xlat!(TFD, "TFD_???", [
    1 => "TFD_TIMER_ABSTIME", 2 => "TFD_TIMER_CANCEL_ON_SET", 0o2000000 => "TFD_CLOEXEC",
    0o4000 => "TFD_NONBLOCK",
]);
xlat!(SFD, "SFD_???", [0o2000000 => "SFD_CLOEXEC", 0o4000 => "SFD_NONBLOCK"]);
xlat!(EFD, "EFD_???", [1 => "EFD_SEMAPHORE", 0o2000000 => "EFD_CLOEXEC", 0o4000 => "EFD_NONBLOCK"]);
xlat!(FALLOC, "FALLOC_FL_???", [
    1 => "FALLOC_FL_KEEP_SIZE", 2 => "FALLOC_FL_PUNCH_HOLE", 4 => "FALLOC_FL_NO_HIDE_STALE",
    8 => "FALLOC_FL_COLLAPSE_RANGE", 0x10 => "FALLOC_FL_ZERO_RANGE",
    0x20 => "FALLOC_FL_INSERT_RANGE", 0x40 => "FALLOC_FL_UNSHARE_RANGE",
    0x80 => "FALLOC_FL_WRITE_ZEROES",
]);
xlat!(RENAME, "RENAME_???", [1 => "RENAME_NOREPLACE", 2 => "RENAME_EXCHANGE", 4 => "RENAME_WHITEOUT"]);
xlat!(SECCOMP, "SECCOMP_SET_MODE_???", [
    0 => "SECCOMP_SET_MODE_STRICT", 1 => "SECCOMP_SET_MODE_FILTER",
    2 => "SECCOMP_GET_ACTION_AVAIL", 3 => "SECCOMP_GET_NOTIF_SIZES",
]);
xlat!(CLOSE_RANGE, "CLOSE_RANGE_???", [2 => "CLOSE_RANGE_UNSHARE", 4 => "CLOSE_RANGE_CLOEXEC"]);
xlat!(PKEY_ACCESS, "PKEY_???", [1 => "PKEY_DISABLE_ACCESS", 2 => "PKEY_DISABLE_WRITE"]);
xlat!(PIDFD, "PIDFD_???", [0o4000 => "PIDFD_NONBLOCK", 1 => "PIDFD_THREAD"]);
xlat!(LANDLOCK_RULESET, "LANDLOCK_CREATE_RULESET_???", [1 => "LANDLOCK_CREATE_RULESET_VERSION", 2 => "LANDLOCK_CREATE_RULESET_ERRATA"]);
xlat!(FAN_CLASS, "FAN_CLASS_???", [0 => "FAN_CLASS_NOTIF", 4 => "FAN_CLASS_CONTENT", 8 => "FAN_CLASS_PRE_CONTENT"]);
xlat!(FAN_INIT, "FAN_???", [
    1 => "FAN_CLOEXEC", 2 => "FAN_NONBLOCK", 0x10 => "FAN_UNLIMITED_QUEUE",
    0x20 => "FAN_UNLIMITED_MARKS", 0x40 => "FAN_ENABLE_AUDIT", 0x80 => "FAN_REPORT_PIDFD",
    0x100 => "FAN_REPORT_TID", 0x200 => "FAN_REPORT_FID", 0x400 => "FAN_REPORT_DIR_FID",
    0x800 => "FAN_REPORT_NAME", 0x1000 => "FAN_REPORT_TARGET_FID",
]);
xlat!(MEMBARRIER_CMD, "MEMBARRIER_CMD_???", [
    0 => "MEMBARRIER_CMD_QUERY", 1 => "MEMBARRIER_CMD_GLOBAL", 2 => "MEMBARRIER_CMD_GLOBAL_EXPEDITED",
    4 => "MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED", 8 => "MEMBARRIER_CMD_PRIVATE_EXPEDITED",
    16 => "MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED", 32 => "MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE",
    64 => "MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE",
    128 => "MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ",
    256 => "MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ", 512 => "MEMBARRIER_CMD_GET_REGISTRATIONS",
]);
xlat!(
    /// personality(2)'s persona, the low byte...
    PERSONALITY_TYPE, "PER_???", [
    0 => "PER_LINUX", 1 => "PER_SVR4", 2 => "PER_SVR3", 3 => "PER_SCOSVR3", 4 => "PER_WYSEV386",
    5 => "PER_ISCR4", 6 => "PER_BSD", 7 => "PER_XENIX", 8 => "PER_LINUX32", 9 => "PER_IRIX32",
    0xa => "PER_IRIXN32", 0xb => "PER_IRIX64", 0xc => "PER_RISCOS", 0xd => "PER_SOLARIS",
    0xe => "PER_UW7", 0xf => "PER_OSF4", 0x10 => "PER_HPUX",
]);
xlat!(
    /// ...and its flags above it.
    PERSONALITY_FLAGS, "PER_???", [
    0x0002_0000 => "UNAME26", 0x0004_0000 => "ADDR_NO_RANDOMIZE", 0x0008_0000 => "FDPIC_FUNCPTRS",
    0x0010_0000 => "MMAP_PAGE_ZERO", 0x0020_0000 => "ADDR_COMPAT_LAYOUT", 0x0040_0000 => "READ_IMPLIES_EXEC",
    0x0080_0000 => "ADDR_LIMIT_32BIT", 0x0100_0000 => "SHORT_INODE", 0x0200_0000 => "WHOLE_SECONDS",
    0x0400_0000 => "STICKY_TIMEOUTS", 0x0800_0000 => "ADDR_LIMIT_3GB",
]);
xlat!(OPEN_RESOLVE, "RESOLVE_???", [
    1 => "RESOLVE_NO_XDEV", 2 => "RESOLVE_NO_MAGICLINKS", 4 => "RESOLVE_NO_SYMLINKS",
    8 => "RESOLVE_BENEATH", 0x10 => "RESOLVE_IN_ROOT", 0x20 => "RESOLVE_CACHED",
]);
xlat!(SS_FLAGS, "SS_???", [1 => "SS_ONSTACK", 2 => "SS_DISABLE", 0x8000_0000u32 => "SS_AUTODISARM"]);
xlat!(LOCK_TYPE, "F_???", [0 => "F_RDLCK", 1 => "F_WRLCK", 2 => "F_UNLCK"]);
xlat!(EPOLL_EVENTS, "EPOLL???", [
    0x1 => "EPOLLIN", 0x2 => "EPOLLPRI", 0x4 => "EPOLLOUT", 0x8 => "EPOLLERR", 0x10 => "EPOLLHUP",
    0x20 => "EPOLLNVAL", 0x40 => "EPOLLRDNORM", 0x80 => "EPOLLRDBAND", 0x100 => "EPOLLWRNORM",
    0x200 => "EPOLLWRBAND", 0x400 => "EPOLLMSG", 0x2000 => "EPOLLRDHUP",
    0x1000_0000 => "EPOLLEXCLUSIVE", 0x2000_0000 => "EPOLLWAKEUP", 0x4000_0000 => "EPOLLONESHOT",
    0x8000_0000u32 => "EPOLLET",
]);
xlat!(SCHED_ATTR_FLAGS, "SCHED_FLAG_???", [
    1 => "SCHED_FLAG_RESET_ON_FORK", 2 => "SCHED_FLAG_RECLAIM", 4 => "SCHED_FLAG_DL_OVERRUN",
    8 => "SCHED_FLAG_KEEP_POLICY", 0x10 => "SCHED_FLAG_KEEP_PARAMS", 0x20 => "SCHED_FLAG_UTIL_CLAMP_MIN",
    0x40 => "SCHED_FLAG_UTIL_CLAMP_MAX",
]);
xlat!(POLL_EVENTS, "POLL???", [
    0x1 => "POLLIN", 0x2 => "POLLPRI", 0x4 => "POLLOUT", 0x8 => "POLLERR", 0x10 => "POLLHUP",
    0x20 => "POLLNVAL", 0x40 => "POLLRDNORM", 0x80 => "POLLRDBAND", 0x100 => "POLLWRNORM",
    0x200 => "POLLWRBAND", 0x400 => "POLLMSG", 0x1000 => "POLLREMOVE", 0x2000 => "POLLRDHUP",
]);
xlat!(SI_CODE, "SI_???", [
    0 => "SI_USER", 0x80 => "SI_KERNEL", 0xffff_ffff => "SI_QUEUE", 0xffff_fffe => "SI_TIMER",
    0xffff_fffd => "SI_MESGQ", 0xffff_fffc => "SI_ASYNCIO", 0xffff_fffb => "SI_SIGIO",
    0xffff_fffa => "SI_TKILL", 0xffff_fff9 => "SI_DETHREAD", 0xffff_ffc4 => "SI_ASYNCNL",
]);
xlat!(CLD_CODE, "CLD_???", [
    1 => "CLD_EXITED", 2 => "CLD_KILLED", 3 => "CLD_DUMPED", 4 => "CLD_TRAPPED", 5 => "CLD_STOPPED",
    6 => "CLD_CONTINUED",
]);
xlat!(SIGEV_NOTIFY, "SIGEV_???", [0 => "SIGEV_SIGNAL", 1 => "SIGEV_NONE", 2 => "SIGEV_THREAD", 4 => "SIGEV_THREAD_ID"]);
xlat!(GRND, "GRND_???", [1 => "GRND_NONBLOCK", 2 => "GRND_RANDOM", 4 => "GRND_INSECURE"]);
xlat!(MFD, "MFD_???", [
    1 => "MFD_CLOEXEC", 2 => "MFD_ALLOW_SEALING", 4 => "MFD_HUGETLB", 8 => "MFD_NOEXEC_SEAL",
    0x10 => "MFD_EXEC",
]);
xlat!(BPF, "BPF_???", [
    0 => "BPF_MAP_CREATE", 1 => "BPF_MAP_LOOKUP_ELEM", 2 => "BPF_MAP_UPDATE_ELEM",
    3 => "BPF_MAP_DELETE_ELEM", 4 => "BPF_MAP_GET_NEXT_KEY", 5 => "BPF_PROG_LOAD",
    6 => "BPF_OBJ_PIN", 7 => "BPF_OBJ_GET", 8 => "BPF_PROG_ATTACH", 9 => "BPF_PROG_DETACH",
    10 => "BPF_PROG_TEST_RUN", 11 => "BPF_PROG_GET_NEXT_ID", 12 => "BPF_MAP_GET_NEXT_ID",
    13 => "BPF_PROG_GET_FD_BY_ID", 14 => "BPF_MAP_GET_FD_BY_ID", 15 => "BPF_OBJ_GET_INFO_BY_FD",
    16 => "BPF_PROG_QUERY", 17 => "BPF_RAW_TRACEPOINT_OPEN", 18 => "BPF_BTF_LOAD",
    19 => "BPF_BTF_GET_FD_BY_ID", 20 => "BPF_TASK_FD_QUERY",
    21 => "BPF_MAP_LOOKUP_AND_DELETE_ELEM", 22 => "BPF_MAP_FREEZE", 23 => "BPF_BTF_GET_NEXT_ID",
    24 => "BPF_MAP_LOOKUP_BATCH", 25 => "BPF_MAP_LOOKUP_AND_DELETE_BATCH",
    26 => "BPF_MAP_UPDATE_BATCH", 27 => "BPF_MAP_DELETE_BATCH", 28 => "BPF_LINK_CREATE",
    29 => "BPF_LINK_UPDATE", 30 => "BPF_LINK_GET_FD_BY_ID", 31 => "BPF_LINK_GET_NEXT_ID",
    32 => "BPF_ENABLE_STATS", 33 => "BPF_ITER_CREATE", 34 => "BPF_LINK_DETACH",
    35 => "BPF_PROG_BIND_MAP", 36 => "BPF_TOKEN_CREATE",
]);
xlat!(RWF, "RWF_???", [
    0x1 => "RWF_HIPRI", 0x2 => "RWF_DSYNC", 0x4 => "RWF_SYNC", 0x8 => "RWF_NOWAIT",
    0x10 => "RWF_APPEND", 0x20 => "RWF_NOAPPEND", 0x40 => "RWF_ATOMIC", 0x80 => "RWF_DONTCACHE",
    0x100 => "RWF_NOSIGNAL",
]);

/// Signal names by number (strace's `signalent`); 0 prints as `0`.
const SIGNALS: [&str; 33] = [
    "0",
    "SIGHUP",
    "SIGINT",
    "SIGQUIT",
    "SIGILL",
    "SIGTRAP",
    "SIGABRT",
    "SIGBUS",
    "SIGFPE",
    "SIGKILL",
    "SIGUSR1",
    "SIGSEGV",
    "SIGUSR2",
    "SIGPIPE",
    "SIGALRM",
    "SIGTERM",
    "SIGSTKFLT",
    "SIGCHLD",
    "SIGCONT",
    "SIGSTOP",
    "SIGTSTP",
    "SIGTTIN",
    "SIGTTOU",
    "SIGURG",
    "SIGXCPU",
    "SIGXFSZ",
    "SIGVTALRM",
    "SIGPROF",
    "SIGWINCH",
    "SIGIO",
    "SIGPWR",
    "SIGSYS",
    "SIGRTMIN",
];

/// strace's `printsignal`: `SIGTERM`, `SIGRT_3`, or the bare number.
pub(crate) fn signal(sig: i32) -> String {
    match usize::try_from(sig) {
        Ok(s) if s < SIGNALS.len() => SIGNALS[s].to_owned(),
        Ok(s @ 33..=64) => format!("SIGRT_{}", s - 32),
        _ => sig.to_string(),
    }
}

/// The name of a signal number, for filters and tests.
pub fn signal_name(sig: i32) -> Option<String> {
    (1..=64).contains(&sig).then(|| signal(sig))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_known_unknown_zero() {
        assert_eq!(PROT.format_flags(0), "PROT_NONE");
        assert_eq!(PROT.format_flags(3), "PROT_READ|PROT_WRITE");
        assert_eq!(PROT.format_flags(0x100001), "PROT_READ|0x100000");
        assert_eq!(PROT.format_flags(0x100000), "0x100000 /* PROT_??? */");
        assert_eq!(MSG.format_flags(0), "0");
        assert_eq!(ACCESS.format_flags(6), "R_OK|W_OK");
        assert_eq!(LOCK.format_flags(192), "LOCK_RW");
    }

    #[test]
    fn enums() {
        assert_eq!(WHENCE.format_enum(1), "SEEK_CUR");
        assert_eq!(WHENCE.format_enum(9), "0x9 /* SEEK_??? */");
        assert_eq!(FUTEX.format_enum(129), "FUTEX_WAKE_PRIVATE");
        assert_eq!(RUSAGE.format_enum(0xffff_ffff), "RUSAGE_CHILDREN");
    }

    #[test]
    fn signals() {
        assert_eq!(signal(0), "0");
        assert_eq!(signal(15), "SIGTERM");
        assert_eq!(signal(32), "SIGRTMIN");
        assert_eq!(signal(34), "SIGRT_2");
        assert_eq!(signal(64), "SIGRT_32");
        assert_eq!(signal(65), "65");
        assert_eq!(signal(-1), "-1");
        assert_eq!(signal_name(9).as_deref(), Some("SIGKILL"));
        assert_eq!(signal_name(0), None);
    }

    #[test]
    fn tables_have_unique_names() {
        for t in [&OPEN, &MAP, &CLONE, &MSG, &FUTEX, &AF, &SO, &FCNTL] {
            let mut names: Vec<_> = t.entries.iter().map(|&(_, n)| n).collect();
            names.sort_unstable();
            let len = names.len();
            names.dedup();
            assert_eq!(names.len(), len);
        }
    }
}
