//! Expected strings are copied from strace 6.1 output where possible.

use super::*;

fn rec(nr: u32, args: [u64; 6], result: SyscallResult) -> SyscallRecord {
    SyscallRecord {
        nr,
        args,
        result,
        timestamp_nanos: 0,
        duration_nanos: 12_345,
        pid: 100,
        tid: 101,
        cpu: 0,
        lamport: 0,
    }
}

fn ok(r: i64) -> SyscallResult {
    SyscallResult::Returned(r)
}

const PLAIN: TextOptions = TextOptions {
    show_pid: false,
    show_duration: false,
    timestamps: crate::text::Timestamps::None,
    utc_offset_secs: 0,
    align_results: false,
    pid_column: false,
};

fn line(r: &SyscallRecord, c: &Captured<'_>) -> String {
    format_decoded_line(r, c, &PLAIN, &DecodeOptions::default())
}

fn args(r: &SyscallRecord) -> Vec<String> {
    decode_args(r, &Captured::default(), &DecodeOptions::default())
}

fn with_string(i: usize, s: &[u8]) -> Captured<'_> {
    let mut c = Captured::default();
    c.strings[i] = Some(CapturedBytes::new(s, false));
    c
}

/// A struct read at exit through argument `i`.
fn with_struct(i: usize, b: &[u8]) -> Captured<'_> {
    let mut c = Captured::default();
    c.structs[i] = Some(CapturedBytes::new(b, false));
    c
}

fn with_buffer(b: &[u8]) -> Captured<'_> {
    Captured {
        buffer: Some(CapturedBytes::new(b, false)),
        ..Captured::default()
    }
}

const AT_FDCWD_ARG: u64 = (-100i64) as u64;

#[test]
fn openat_and_paths() {
    let r = rec(257, [AT_FDCWD_ARG, 0x5555, 0o2000000, 0, 0, 0], ok(3));
    let c = with_string(1, b"/etc/ld.so.cache\0");
    assert_eq!(
        line(&r, &c),
        r#"openat(AT_FDCWD, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3"#
    );
    // The fd as int, mode only with O_CREAT, unknown bits appended.
    let r = rec(
        257,
        [
            0xffff_ffff_0000_0005,
            0x5555,
            0o1101 | 0o2000000 | 0x800000,
            0o644,
            0,
            0,
        ],
        ok(5),
    );
    let c = with_string(1, b"/tmp/zz");
    assert_eq!(
        line(&r, &c),
        r#"openat(5, "/tmp/zz", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC|0x800000, 0644) = 5"#
    );
    // Uncaptured path: the pointer. NULL path: NULL.
    let r = rec(2, [0x5555, 2, 0, 0, 0, 0], ok(-2));
    assert_eq!(
        line(&r, &Captured::default()),
        "open(0x5555, O_RDWR) = -1 ENOENT (No such file or directory)"
    );
    let r = rec(2, [0, 0o20200000 | 2, 0o600, 0, 0, 0], ok(-22));
    assert_eq!(args(&r), ["NULL", "O_RDWR|O_TMPFILE", "0600"]);
    // A truncated path capture.
    let mut c = Captured::default();
    c.strings[0] = Some(CapturedBytes::new(b"/very/long/pa", true));
    assert_eq!(
        decode_args(
            &rec(87, [1, 0, 0, 0, 0, 0], ok(0)),
            &c,
            &DecodeOptions::default()
        ),
        [r#""/very/long/pa"..."#]
    );
}

#[test]
fn two_paths_and_at_flags() {
    let mut c = Captured::default();
    c.strings[1] = Some(CapturedBytes::new(b"a", false));
    c.strings[3] = Some(CapturedBytes::new(b"b", false));
    let r = rec(265, [AT_FDCWD_ARG, 1, 3, 1, 0x1400, 0], ok(0));
    assert_eq!(
        line(&r, &c),
        r#"linkat(AT_FDCWD, "a", 3, "b", AT_SYMLINK_FOLLOW|AT_EMPTY_PATH) = 0"#
    );
    let r = rec(262, [3, 1, 0x7ffd_0000, 0x1000, 0, 0], ok(0));
    assert_eq!(
        line(&r, &with_string(1, b"")),
        r#"newfstatat(3, "", 0x7ffd0000, AT_EMPTY_PATH) = 0"#
    );
    let r = rec(263, [AT_FDCWD_ARG, 1, 0x10200, 0, 0, 0], ok(0));
    assert_eq!(args(&r)[2], "AT_REMOVEDIR|0x10000");
    let r = rec(263, [AT_FDCWD_ARG, 1, 0, 0, 0, 0], ok(0));
    assert_eq!(args(&r)[2], "0");
    let r = rec(332, [AT_FDCWD_ARG, 1, 0x900, 0x25e, 0x7ff0, 0], ok(0));
    assert_eq!(
        args(&r)[2..4],
        [
            "AT_STATX_SYNC_AS_STAT|AT_SYMLINK_NOFOLLOW|AT_NO_AUTOMOUNT",
            "STATX_MODE|STATX_NLINK|STATX_UID|STATX_GID|STATX_MTIME|STATX_SIZE"
        ]
    );
    assert_eq!(
        args(&rec(332, [0, 0, 0x1000, 0x7ff, 0, 0], ok(0)))[2..4],
        ["AT_STATX_SYNC_AS_STAT|AT_EMPTY_PATH", "STATX_BASIC_STATS"]
    );
    let r = rec(439, [AT_FDCWD_ARG, 0, 6, 0x200, 0, 0], ok(0));
    assert_eq!(args(&r)[2..], ["R_OK|W_OK", "AT_EACCESS"]);
}

#[test]
fn access_and_modes() {
    let r = rec(21, [1, 4, 0, 0, 0, 0], ok(-2));
    assert_eq!(
        line(&r, &with_string(0, b"/etc/ld.so.preload")),
        r#"access("/etc/ld.so.preload", R_OK) = -1 ENOENT (No such file or directory)"#
    );
    assert_eq!(args(&rec(21, [0, 0, 0, 0, 0, 0], ok(0)))[1], "F_OK");
    assert_eq!(args(&rec(83, [0, 0o755, 0, 0, 0, 0], ok(0)))[1], "0755");
    assert_eq!(args(&rec(83, [0, 0, 0, 0, 0, 0], ok(0)))[1], "000");
    assert_eq!(args(&rec(83, [0, 0o4, 0, 0, 0, 0], ok(0)))[1], "004");
    assert_eq!(args(&rec(90, [0, 0o4755, 0, 0, 0, 0], ok(0)))[1], "04755");
    assert_eq!(
        args(&rec(133, [0, 0o100644, 0, 0, 0, 0], ok(0)))[1],
        "S_IFREG|0644"
    );
    assert_eq!(
        args(&rec(133, [0, 0o22666, 0, 0, 0, 0], ok(0)))[1],
        "S_IFCHR|S_ISGID|0666"
    );
    assert_eq!(
        args(&rec(133, [0, 0o1644, 0, 0, 0, 0], ok(0)))[1],
        "S_ISVTX|0644"
    );
    let r = rec(95, [0o22, 0, 0, 0, 0, 0], ok(0o77));
    assert_eq!(line(&r, &Captured::default()), "umask(022) = 077");
    assert_eq!(decode_return(&rec(95, [0; 6], ok(0))), "0");
    // uid -1 means "unchanged".
    assert_eq!(
        args(&rec(93, [3, 0xffff_ffff, 1000, 0, 0, 0], ok(0))),
        ["3", "-1", "1000"]
    );
}

#[test]
fn mmap_family() {
    let r = rec(9, [0, 8192, 3, 0x22, u64::MAX, 0], ok(0x7fa8_a97e_1000));
    assert_eq!(
        line(&r, &Captured::default()),
        "mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7fa8a97e1000"
    );
    let r = rec(
        9,
        [0x7fa8_a961_c000, 1_400_832, 5, 0x812, 3, 0x26000],
        ok(0x7fa8_a961_c000),
    );
    assert_eq!(
        line(&r, &Captured::default()),
        "mmap(0x7fa8a961c000, 1400832, PROT_READ|PROT_EXEC, MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE, 3, 0x26000) = 0x7fa8a961c000"
    );
    // Unknown prot bit, huge page size, unknown map type.
    let r = rec(9, [0, 4096, 0x100001, 0x4000_0022, u64::MAX, 0], ok(0x7000));
    assert_eq!(
        args(&r)[2..4],
        [
            "PROT_READ|0x100000",
            "MAP_PRIVATE|MAP_ANONYMOUS|16<<MAP_HUGE_SHIFT"
        ]
    );
    assert_eq!(
        args(&rec(9, [0, 1, 0, 0x5, 0, 0], ok(0)))[2..4],
        ["PROT_NONE", "0x5 /* MAP_??? */"]
    );
    assert_eq!(
        args(&rec(9, [0, 1, 0x100000, 0, 0, 0], ok(0)))[2..4],
        ["0x100000 /* PROT_??? */", "MAP_FILE"]
    );
    assert_eq!(
        line(&rec(12, [0; 6], ok(0x5618_a40f_5000)), &Captured::default()),
        "brk(NULL) = 0x5618a40f5000"
    );
    assert_eq!(
        args(&rec(28, [0x1000, 4096, 4, 0, 0, 0], ok(0)))[2],
        "MADV_DONTNEED"
    );
    assert_eq!(
        args(&rec(28, [0x1000, 4096, 77, 0, 0, 0], ok(0)))[2],
        "0x4d /* MADV_??? */"
    );
    assert_eq!(
        decode_return(&rec(9, [0; 6], ok(-12))),
        "-1 ENOMEM (Cannot allocate memory)"
    );
}

#[test]
fn read_write_buffers() {
    let opts = DecodeOptions::default();
    let r = rec(0, [3, 0x7ffd, 4096, 0, 0, 0], ok(3));
    assert_eq!(
        line(&r, &with_buffer(b"vm\n")),
        r#"read(3, "vm\n", 4096) = 3"#
    );
    let elf =
        b"\x7fELF\x02\x01\x01\x03\0\0\0\0\0\0\0\0\x03\0>\0\x01\0\0\0\x10t\x02\0\0\0\0\0\0\0\0\0";
    let r = rec(0, [3, 0x7ffd, 832, 0, 0, 0], ok(832));
    assert_eq!(
        line(&r, &with_buffer(elf)),
        r#"read(3, "\177ELF\2\1\1\3\0\0\0\0\0\0\0\0\3\0>\0\1\0\0\0\20t\2\0\0\0\0\0"..., 832) = 832"#
    );
    // End of file, with or without a capture.
    assert_eq!(
        line(
            &rec(0, [3, 0x7ffd, 4096, 0, 0, 0], ok(0)),
            &Captured::default()
        ),
        r#"read(3, "", 4096) = 0"#
    );
    // A failed read shows the address, not stale bytes.
    let r = rec(0, [3, 0x7ffd, 10, 0, 0, 0], ok(-11));
    assert_eq!(
        line(&r, &with_buffer(b"junk")),
        "read(3, 0x7ffd, 10) = -1 EAGAIN (Resource temporarily unavailable)"
    );
    let r = rec(1, [1, 0x5000, 10, 0, 0, 0], ok(10));
    assert_eq!(
        line(&r, &with_buffer(b"\x01\x023\t\n\r\x0b\x0c\0a")),
        r#"write(1, "\1\0023\t\n\r\v\f\0a", 10) = 10"#
    );
    // A failed write still shows what was passed in.
    let r = rec(1, [1, 0x5000, 2, 0, 0, 0], ok(-32));
    assert_eq!(
        line(&r, &with_buffer(b"hi")),
        r#"write(1, "hi", 2) = -1 EPIPE (Broken pipe)"#
    );
    // -s 4
    let short = DecodeOptions {
        string_limit: 4,
        ..DecodeOptions::default()
    };
    let r = rec(18, [3, 0x5000, 10, 64, 0, 0], ok(10));
    assert_eq!(
        decode_args(&r, &with_buffer(b"0123456789"), &short),
        [r#"3"#, r#""0123"..."#, "10", "64"]
    );
    // The kernel capture was cut short of the -s limit.
    let c = Captured {
        buffer: Some(CapturedBytes::new(b"abc", true)),
        ..Captured::default()
    };
    assert_eq!(decode_args(&r, &c, &opts)[1], r#""abc"..."#);
    let r = rec(318, [0x7ff0, 8, 1, 0, 0, 0], ok(8));
    assert_eq!(
        line(&r, &with_buffer(b"\x75\x1e\x38\x8e\xed\xd1\xb2\xd5")),
        r#"getrandom("\x75\x1e\x38\x8e\xed\xd1\xb2\xd5", 8, GRND_NONBLOCK) = 8"#
    );
    let r = rec(89, [1, 0x7000, 4096, 0, 0, 0], ok(43));
    let mut c = with_buffer(b"/root/.pyenv/versions/3.11.7/bin/python3.11");
    c.strings[0] = Some(CapturedBytes::new(b"/proc/self/exe", false));
    assert_eq!(
        line(&r, &c),
        r#"readlink("/proc/self/exe", "/root/.pyenv/versions/3.11.7/bin"..., 4096) = 43"#
    );
    let r = rec(79, [0x7000, 1024, 0, 0, 0, 0], ok(5));
    assert_eq!(
        line(&r, &with_buffer(b"/tmp\0")),
        r#"getcwd("/tmp", 1024) = 5"#
    );
}

#[test]
fn strings_are_cut_at_the_limit() {
    let r = rec(188, [1, 2, 3, 4, 1, 0], ok(0));
    let mut c = Captured::default();
    c.strings[0] = Some(CapturedBytes::new(b"/tmp/f", false));
    c.strings[1] = Some(CapturedBytes::new(
        b"user.a-rather-long-attribute-name-here\0",
        false,
    ));
    assert_eq!(
        decode_args(&r, &c, &DecodeOptions::default()),
        [
            r#""/tmp/f""#,
            r#""user.a-rather-long-attribute-nam"..."#,
            "0x3",
            "4",
            "XATTR_CREATE"
        ]
    );
}

#[test]
fn execve_argv() {
    let r = rec(59, [0x1000, 0x2000, 0x7fff_b50d_de80, 0, 0, 0], ok(0));
    let mut c = with_string(0, b"/usr/bin/ls");
    c.argv = vec![
        CapturedBytes::new(b"ls", false),
        CapturedBytes::new(b"-l", false),
    ];
    assert_eq!(
        line(&r, &c),
        r#"execve("/usr/bin/ls", ["ls", "-l"], 0x7fffb50dde80) = 0"#
    );
    c.argv = vec![
        CapturedBytes::new(b"sh", false),
        CapturedBytes::new(b"-c", false),
        CapturedBytes::new(b"ls -l /tmp >/dev/null; sleep 0.01; echo hi", false),
    ];
    assert_eq!(
        args(&r).len(),
        3,
        "uncaptured argv is a pointer: {:?}",
        args(&r)
    );
    assert_eq!(
        decode_args(&r, &c, &DecodeOptions::default())[1],
        r#"["sh", "-c", "ls -l /tmp >/dev/null; sleep 0.0"...]"#
    );
    // More elements than -s: strace stops after that many.
    let two = DecodeOptions {
        string_limit: 2,
        ..DecodeOptions::default()
    };
    assert_eq!(decode_args(&r, &c, &two)[1], r#"["sh", "-c", ...]"#);
    c.argv.truncate(1);
    c.argv_truncated = true;
    assert_eq!(decode_args(&r, &c, &two)[1], r#"["sh", ...]"#);
    assert_eq!(args(&r)[1], "0x2000");
    assert_eq!(
        args(&rec(59, [0, 0, 0, 0, 0, 0], ok(-14)))[..2],
        ["NULL", "NULL"]
    );
}

#[test]
fn sockets() {
    assert_eq!(
        line(
            &rec(41, [1, 0o2004001, 0, 0, 0, 0], ok(3)),
            &Captured::default()
        ),
        "socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK, 0) = 3"
    );
    assert_eq!(
        args(&rec(41, [2, 0o2000002, 0, 0, 0, 0], ok(3))),
        ["AF_INET", "SOCK_DGRAM|SOCK_CLOEXEC", "IPPROTO_IP"]
    );
    assert_eq!(args(&rec(41, [10, 1, 6, 0, 0, 0], ok(3)))[2], "IPPROTO_TCP");
    assert_eq!(
        args(&rec(41, [16, 3, 0, 0, 0, 0], ok(3)))[..3],
        ["AF_NETLINK", "SOCK_RAW", "NETLINK_ROUTE"]
    );
    assert_eq!(
        args(&rec(41, [17, 3, 0x0300, 0, 0, 0], ok(3)))[2],
        "htons(ETH_P_ALL)"
    );
    assert_eq!(
        args(&rec(41, [99, 0xf, 0, 0, 0, 0], ok(-97)))[..2],
        ["0x63 /* AF_??? */", "0xf /* SOCK_??? */"]
    );
    assert_eq!(
        args(&rec(41, [2, 0x101, 0, 0, 0, 0], ok(3)))[1],
        "SOCK_STREAM|0x100 /* SOCK_??? */"
    );

    let mut un = vec![1, 0];
    un.extend_from_slice(b"/var/run/nscd/socket\0");
    let r = rec(42, [3, 0x7ffd, 110, 0, 0, 0], ok(-2));
    assert_eq!(
        line(&r, &with_buffer(&un)),
        r#"connect(3, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT (No such file or directory)"#
    );
    assert_eq!(
        line(&r, &Captured::default()),
        "connect(3, 0x7ffd, 110) = -1 ENOENT (No such file or directory)"
    );

    // sendto: the data buffer, and the destination when it was captured too.
    let r = rec(44, [3, 0x1000, 10, 0x4040, 0x2000, 16], ok(10));
    assert_eq!(
        line(&r, &with_buffer(b"hi\0\x01\x7f\xff\"\\ok")),
        r#"sendto(3, "hi\0\1\177\377\"\\ok", 10, MSG_DONTWAIT|MSG_NOSIGNAL, 0x2000, 16) = 10"#
    );
    let sin = [2u8, 0, 0x1f, 0x90, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0];
    let c = Captured {
        address: Some(CapturedBytes::new(&sin, false)),
        ..with_buffer(b"ping")
    };
    assert_eq!(
        line(&r, &c),
        r#"sendto(3, "ping"..., 10, MSG_DONTWAIT|MSG_NOSIGNAL, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("127.0.0.1")}, 16) = 10"#
    );
    let r = rec(49, [3, 0x1000, 16, 0, 0, 0], ok(0));
    assert_eq!(
        line(&r, &with_buffer(&sin)),
        r#"bind(3, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("127.0.0.1")}, 16) = 0"#
    );
    let mut sin6 = vec![10u8, 0, 0, 80, 0, 0, 0, 0];
    sin6.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4]);
    sin6.extend_from_slice(&0u32.to_le_bytes());
    let r = rec(42, [4, 0x1000, 28, 0, 0, 0], ok(0));
    assert_eq!(
        line(&r, &with_buffer(&sin6)),
        r#"connect(4, {sa_family=AF_INET6, sin6_port=htons(80), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::ffff:1.2.3.4", &sin6_addr), sin6_scope_id=0}, 28) = 0"#
    );
    // accept: the peer address is known only on success.
    let r = rec(43, [3, 0x1000, 0x2000, 0, 0, 0], ok(5));
    assert_eq!(
        line(&r, &with_buffer(&sin)),
        r#"accept(3, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("127.0.0.1")}, 0x2000) = 5"#
    );
    let r = rec(288, [3, 0, 0, 0o2004000, 0, 0], ok(-11));
    assert_eq!(
        args(&r),
        ["3", "NULL", "NULL", "SOCK_CLOEXEC|SOCK_NONBLOCK"]
    );
    assert_eq!(
        args(&rec(54, [3, 1, 2, 0x10, 4, 0], ok(0)))[1..3],
        ["SOL_SOCKET", "SO_REUSEADDR"]
    );
    assert_eq!(
        args(&rec(54, [3, 6, 1, 0x10, 4, 0], ok(0)))[1..3],
        ["SOL_TCP", "TCP_NODELAY"]
    );
    assert_eq!(
        args(&rec(54, [3, 1, 999, 0x10, 4, 0], ok(0)))[2],
        "0x3e7 /* SO_??? */"
    );
    assert_eq!(
        args(&rec(54, [3, 999, 5, 0x10, 4, 0], ok(0)))[1..3],
        ["0x3e7 /* SOL_??? */", "5"]
    );
    assert_eq!(args(&rec(48, [3, 2, 0, 0, 0, 0], ok(0)))[1], "SHUT_RDWR");
}

#[test]
fn time_arguments() {
    let mut ts = 0i64.to_le_bytes().to_vec();
    ts.extend_from_slice(&10_000_000i64.to_le_bytes());
    let r = rec(230, [0, 0, 0x1000, 0x7fff_bc1a_3a30, 0, 0], ok(0));
    assert_eq!(
        line(&r, &with_buffer(&ts)),
        "clock_nanosleep(CLOCK_REALTIME, 0, {tv_sec=0, tv_nsec=10000000}, 0x7fffbc1a3a30) = 0"
    );
    let r = rec(35, [0x1000, 0, 0, 0, 0, 0], ok(0));
    assert_eq!(
        line(&r, &with_buffer(&ts)),
        "nanosleep({tv_sec=0, tv_nsec=10000000}, NULL) = 0"
    );
    let r = rec(228, [1, 0x1000, 0, 0, 0, 0], ok(0));
    assert_eq!(
        line(&r, &with_buffer(&ts)),
        "clock_gettime(CLOCK_MONOTONIC, {tv_sec=0, tv_nsec=10000000}) = 0"
    );
    let r = rec(228, [99, 0x1000, 0, 0, 0, 0], ok(-22));
    assert_eq!(
        line(&r, &with_buffer(&ts)),
        "clock_gettime(0x63 /* CLOCK_??? */, 0x1000) = -1 EINVAL (Invalid argument)"
    );
    // A short capture falls back to the pointer.
    assert_eq!(args(&rec(35, [0x1000, 0, 0, 0, 0, 0], ok(0)))[0], "0x1000");
    assert_eq!(
        decode_args(&r, &with_buffer(&ts[..4]), &DecodeOptions::default())[1],
        "0x1000"
    );
}

#[test]
fn signals_and_processes() {
    assert_eq!(
        line(
            &rec(62, [1234, 15, 0, 0, 0, 0], ok(0)),
            &Captured::default()
        ),
        "kill(1234, SIGTERM) = 0"
    );
    assert_eq!(args(&rec(62, [1234, 0, 0, 0, 0, 0], ok(0)))[1], "0");
    assert_eq!(args(&rec(234, [1, 2, 35, 0, 0, 0], ok(0)))[2], "SIGRT_3");
    assert_eq!(
        args(&rec(13, [17, 0x1000, 0, 8, 0, 0], ok(0))),
        ["SIGCHLD", "0x1000", "NULL", "8"]
    );
    assert_eq!(
        args(&rec(14, [2, 0x1000, 0, 8, 0, 0], ok(0)))[0],
        "SIG_SETMASK"
    );
    assert_eq!(
        args(&rec(61, [u64::MAX, 0x7ffc, 1, 0, 0, 0], ok(-10))),
        ["-1", "0x7ffc", "WNOHANG", "NULL"]
    );
    assert_eq!(
        args(&rec(61, [u64::MAX, 0, 0x4000_0000, 0, 0, 0], ok(1)))[2],
        "__WALL"
    );
    assert_eq!(
        args(&rec(158, [0x1002, 0x7fa8_a95f_3740, 0, 0, 0, 0], ok(0))),
        ["ARCH_SET_FS", "0x7fa8a95f3740"]
    );
    assert_eq!(
        args(&rec(302, [0, 3, 0, 0x7ff, 0, 0], ok(0))),
        ["0", "RLIMIT_STACK", "NULL", "0x7ff"]
    );
    assert_eq!(
        args(&rec(98, [0xffff_ffff, 0x10, 0, 0, 0, 0], ok(0)))[0],
        "RUSAGE_CHILDREN"
    );
}

#[test]
fn clone_flags_and_exit_signal() {
    let r = rec(56, [0x0120_0011, 0, 0, 0x7f00_0a10, 0, 0], ok(4242));
    assert_eq!(
        line(&r, &Captured::default()),
        "clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f000a10) = 4242"
    );
    let threads = 0x100 | 0x200 | 0x400 | 0x800 | 0x10000 | 0x40000 | 0x80000 | 0x100000 | 0x200000;
    let r = rec(
        56,
        [
            threads,
            0x7f00_1000,
            0x7f00_2000,
            0x7f00_2000,
            0x7f00_3000,
            0,
        ],
        ok(4243),
    );
    assert_eq!(
        args(&r),
        [
            "child_stack=0x7f001000",
            "flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID",
            "parent_tid=0x7f002000",
            "tls=0x7f003000",
            "child_tidptr=0x7f002000",
        ]
    );
    assert_eq!(
        args(&rec(56, [17, 0, 0, 0, 0, 0], ok(1)))[1],
        "flags=SIGCHLD"
    );
    assert_eq!(args(&rec(56, [0, 0, 0, 0, 0, 0], ok(1)))[1], "flags=0");
    assert_eq!(
        args(&rec(56, [0x400_0000_0100 | 17, 0, 0, 0, 0, 0], ok(1)))[1],
        "flags=CLONE_VM|0x40000000000|SIGCHLD"
    );
    assert_eq!(
        args(&rec(272, [0x2_0000 | 0x4000_0000, 0, 0, 0, 0, 0], ok(0)))[0],
        "CLONE_NEWNS|CLONE_NEWNET"
    );
    let r = rec(
        56,
        [0x0120_0011, 0, 0, 0x7f00_0a10, 0, 0],
        SyscallResult::Unfinished,
    );
    assert_eq!(
        line(&r, &Captured::default()),
        "clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD <unfinished ...>"
    );
}

#[test]
fn fcntl_forms() {
    assert_eq!(
        line(&rec(72, [1, 0, 10, 0, 0, 0], ok(11)), &Captured::default()),
        "fcntl(1, F_DUPFD, 10) = 11"
    );
    assert_eq!(
        line(&rec(72, [11, 2, 1, 0, 0, 0], ok(0)), &Captured::default()),
        "fcntl(11, F_SETFD, FD_CLOEXEC) = 0"
    );
    assert_eq!(
        line(
            &rec(72, [3, 3, 0x7777, 0, 0, 0], ok(0x8002)),
            &Captured::default()
        ),
        "fcntl(3, F_GETFL) = 0x8002 (flags O_RDWR|O_LARGEFILE)"
    );
    assert_eq!(
        decode_return(&rec(72, [3, 3, 0, 0, 0, 0], ok(0))),
        "0 (flags O_RDONLY)"
    );
    assert_eq!(
        decode_return(&rec(72, [3, 1, 0, 0, 0, 0], ok(1))),
        "0x1 (flags FD_CLOEXEC)"
    );
    assert_eq!(decode_return(&rec(72, [3, 1, 0, 0, 0, 0], ok(0))), "0");
    assert_eq!(
        decode_return(&rec(72, [3, 3, 0, 0, 0, 0], ok(-9))),
        "-1 EBADF (Bad file descriptor)"
    );
    assert_eq!(
        args(&rec(72, [3, 4, 0o4002, 0, 0, 0], ok(0)))[2],
        "O_RDWR|O_NONBLOCK"
    );
    assert_eq!(args(&rec(72, [3, 10, 10, 0, 0, 0], ok(0)))[2], "SIGUSR1");
    assert_eq!(
        args(&rec(72, [3, 6, 0x7ffc, 0, 0, 0], ok(0)))[1..],
        ["F_SETLK", "0x7ffc"]
    );
    assert_eq!(
        args(&rec(72, [3, 999, 0, 0, 0, 0], ok(-22)))[1..],
        ["0x3e7 /* F_??? */", "0"]
    );
}

#[test]
fn ioctl_and_lseek() {
    assert_eq!(
        line(
            &rec(16, [1, 0x5401, 0x7fff_a228_2a70, 0, 0, 0], ok(-25)),
            &Captured::default()
        ),
        "ioctl(1, TCGETS, 0x7fffa2282a70) = -1 ENOTTY (Inappropriate ioctl for device)"
    );
    assert_eq!(
        args(&rec(16, [3, 0x8008_1272, 0, 0, 0, 0], ok(0)))[1],
        "BLKGETSIZE64"
    );
    assert_eq!(
        args(&rec(16, [3, 0xc008_ab12, 0, 0, 0, 0], ok(0)))[1],
        "_IOC(_IOC_READ|_IOC_WRITE, 0xab, 0x12, 0x8)"
    );
    assert_eq!(
        args(&rec(16, [3, 0xab00, 0, 0, 0, 0], ok(0)))[1],
        "_IOC(_IOC_NONE, 0xab, 0, 0)"
    );
    assert_eq!(
        line(&rec(8, [3, 0, 0, 0, 0, 0], ok(0)), &Captured::default()),
        "lseek(3, 0, SEEK_SET) = 0"
    );
    assert_eq!(
        args(&rec(8, [5, 5, 1, 0, 0, 0], ok(5)))[1..],
        ["5", "SEEK_CUR"]
    );
    assert_eq!(
        args(&rec(8, [5, (-3i64) as u64, 9, 0, 0, 0], ok(5)))[1..],
        ["-3", "0x9 /* SEEK_??? */"]
    );
}

#[test]
fn futex_forms() {
    assert_eq!(
        line(
            &rec(202, [0x7fa8_a97c_aa4c, 129, 2_147_483_647, 0, 0, 0], ok(0)),
            &Captured::default()
        ),
        "futex(0x7fa8a97caa4c, FUTEX_WAKE_PRIVATE, 2147483647) = 0"
    );
    assert_eq!(
        args(&rec(202, [0x10, 128, 2, 0, 0, 0], ok(0))),
        ["0x10", "FUTEX_WAIT_PRIVATE", "2", "NULL"]
    );
    assert_eq!(
        args(&rec(202, [0x10, 393, 0, 0x20, 0, 0xffff_ffff], ok(0))),
        [
            "0x10",
            "FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME",
            "0",
            "0x20",
            "FUTEX_BITSET_MATCH_ANY"
        ]
    );
    assert_eq!(
        args(&rec(202, [0x10, 133, 1, 1, 0x20, 0x0400_1000], ok(1)))[5],
        "FUTEX_OP_SET<<28|0x1<<12|FUTEX_OP_CMP_GT<<24|0"
    );
    assert_eq!(
        args(&rec(202, [0x10, 99, 1, 2, 3, 4], ok(0)))[1],
        "0x63 /* FUTEX_??? */"
    );
}

#[test]
fn offsets_and_empty_argv() {
    let before = 2i64.to_ne_bytes();
    let mut c = with_buffer(&before);
    c.structs[2] = Some(CapturedBytes::new(&[7, 0, 0, 0, 0, 0, 0, 0], false));
    assert_eq!(
        line(&rec(40, [6, 7, 0x7ff0, 5, 0, 0], ok(5)), &c),
        "sendfile(6, 7, [2] => [7], 5) = 5"
    );
    assert_eq!(args(&rec(40, [6, 7, 0, 5, 0, 0], ok(5)))[2], "NULL");
    // A failed execve whose argv starts with NULL.
    let mut c = with_struct(1, &[0; 8]);
    c.structs[2] = Some(CapturedBytes::new(&[0; 8], false));
    assert_eq!(
        line(&rec(59, [0x4000, 0x7ff0, 0x7ff0, 0, 0, 0], ok(-2)), &c),
        "execve(0x4000, [], 0x7ff0 /* 0 vars */) = -1 ENOENT (No such file or directory)"
    );
}

#[test]
fn uname_and_rusage() {
    let mut uts = vec![0u8; 130];
    uts[..5].copy_from_slice(b"Linux");
    uts[65..69].copy_from_slice(b"host");
    assert_eq!(
        line(&rec(63, [0x7ff0, 0, 0, 0, 0, 0], ok(0)), &with_buffer(&uts)),
        r#"uname({sysname="Linux", nodename="host", ...}) = 0"#
    );
    let usage: Vec<u8> = [0i64, 12, 0, 34]
        .iter()
        .flat_map(|v| v.to_ne_bytes())
        .collect();
    assert_eq!(
        line(
            &rec(98, [0, 0x7ff0, 0, 0, 0, 0], ok(0)),
            &with_struct(1, &usage)
        ),
        "getrusage(RUSAGE_SELF, {ru_utime={tv_sec=0, tv_usec=12}, ru_stime={tv_sec=0, tv_usec=34}, ...}) = 0"
    );
}

#[test]
fn keys_and_syslog() {
    assert_eq!(
        args(&rec(250, [0, (-3i64) as u64, 0, 0, 0, 0], ok(636_838_835))),
        ["KEYCTL_GET_KEYRING_ID", "KEY_SPEC_SESSION_KEYRING", "0"]
    );
    assert_eq!(
        args(&rec(248, [0, 0, 0, 0, (-3i64) as u64, 0], ok(1)))[4],
        "KEY_SPEC_SESSION_KEYRING"
    );
    assert_eq!(
        line(
            &rec(103, [10, 0, 0, 0, 0, 0], ok(131_072)),
            &Captured::default()
        ),
        "syslog(10 /* SYSLOG_ACTION_SIZE_BUFFER */) = 131072"
    );
}

/// System V IPC, strace's text from the fidelity corpus (ids aside).
#[test]
fn sysv_ipc() {
    assert_eq!(
        args(&rec(68, [0, 0o1600, 0, 0, 0, 0], ok(2))),
        ["IPC_PRIVATE", "IPC_CREAT|0600"]
    );
    assert_eq!(
        args(&rec(64, [0, 1, 0o3600, 0, 0, 0], ok(2))),
        ["IPC_PRIVATE", "1", "IPC_CREAT|IPC_EXCL|0600"]
    );
    assert_eq!(
        args(&rec(29, [0x1234_abcd, 4096, 0, 0, 0, 0], ok(-2))),
        ["0x1234abcd", "4096", "000"]
    );
    assert_eq!(
        args(&rec(30, [2, 0, 0o10000, 0, 0, 0], ok(0x7f00)))[2],
        "SHM_RDONLY"
    );
    assert_eq!(
        args(&rec(66, [2, 0, 12, 0, 0, 0], ok(1))),
        ["2", "0", "GETVAL", "NULL"]
    );
    assert_eq!(
        args(&rec(71, [2, 0, 0, 0, 0, 0], ok(0))),
        ["2", "IPC_RMID", "NULL"]
    );
    assert_eq!(
        args(&rec(31, [2, 0x102, 0x7ff0, 0, 0, 0], ok(0)))[1],
        "IPC_64|IPC_STAT"
    );
    assert_eq!(
        args(&rec(70, [2, 0x7ff0, 8, 0, 0o4000, 0], ok(3)))[4],
        "IPC_NOWAIT"
    );
    let mut message = 1i64.to_ne_bytes().to_vec();
    message.extend_from_slice(b"hi\0\0\0\0\0\0");
    assert_eq!(
        line(
            &rec(69, [2, 0x7ff0, 3, 0o4000, 0, 0], ok(0)),
            &with_buffer(&message)
        ),
        r#"msgsnd(2, {mtype=1, mtext="hi\0"}, 3, IPC_NOWAIT) = 0"#
    );
    assert_eq!(
        line(
            &rec(70, [2, 0x7ff0, 8, 0, 0o4000, 0], ok(3)),
            &with_buffer(&message)
        ),
        r#"msgrcv(2, {mtype=1, mtext="hi\0\0\0\0\0\0"}, 8, 0, IPC_NOWAIT) = 3"#
    );
    let sembuf = [0u8, 0, 1, 0, 0, 0x10];
    assert_eq!(
        line(
            &rec(65, [2, 0x7ff0, 1, 0, 0, 0], ok(0)),
            &with_buffer(&sembuf)
        ),
        "semop(2, [{sem_num=0, sem_op=1, sem_flg=SEM_UNDO}], 1) = 0"
    );
}

/// Names from the table generated from the UAPI headers, strace's text.
#[test]
fn ioctl_requests() {
    for (request, name) in [
        (0x5401, "TCGETS"),
        (0x402c_542c, "TCSETSW2"),
        (0x5451, "FIOCLEX"),
        (0x8004_5200, "RNDGETENTCNT"),
        (0xc040_6400, "DRM_IOCTL_VERSION"),
        (0x4040_6469, "DRM_IOCTL_I915_GEM_EXECBUFFER2"),
        (0xc018_6444, "DRM_IOCTL_AMDGPU_CS"),
    ] {
        assert_eq!(ioctl_name(request), Some(name), "{request:#x}");
    }
    assert!(ioctl_name(0x8008_4b01).is_some_and(|n| n.starts_with("AMDKFD_IOC_")));
    assert_eq!(
        args(&rec(16, [3, 0x40_2c_fe_2c, 0x7ff0, 0, 0, 0], ok(-25)))[1],
        "_IOC(_IOC_WRITE, 0xfe, 0x2c, 0x2c)"
    );
    assert_eq!(
        args(&rec(16, [3, 0x540b, 0, 0, 0, 0], ok(-25))),
        ["3", "TCFLSH", "TCIFLUSH"]
    );
    assert_eq!(
        args(&rec(16, [3, 0x5451, 0x7ff0, 0, 0, 0], ok(0))),
        ["3", "FIOCLEX"]
    );
}

#[test]
fn prctl_forms() {
    assert_eq!(
        args(&rec(157, [23, 0x20, 0, 0x7fff, 0x7f00, 0], ok(1))),
        ["PR_CAPBSET_READ", "CAP_MAC_OVERRIDE"]
    );
    assert_eq!(
        args(&rec(157, [23, 0x30, 0, 0, 0, 0], ok(-22)))[1],
        "0x30 /* CAP_??? */"
    );
    assert_eq!(
        args(&rec(157, [38, 1, 0, 0, 0, 0], ok(0))),
        ["PR_SET_NO_NEW_PRIVS", "1", "0", "0", "0"]
    );
    assert_eq!(args(&rec(157, [1, 0x10, 0, 0, 0, 0], ok(0))).len(), 2);
    assert_eq!(args(&rec(157, [1, 9, 0, 0, 0, 0], ok(0)))[1], "SIGKILL");
    // What the second argument points at is read at exit.
    assert_eq!(
        line(
            &rec(157, [2, 0x7ff0, 0, 0, 0, 0], ok(0)),
            &with_buffer(&15i32.to_ne_bytes())
        ),
        "prctl(PR_GET_PDEATHSIG, [SIGTERM]) = 0"
    );
    assert_eq!(
        line(
            &rec(157, [16, 0x7ff0, 0, 0, 0, 0], ok(0)),
            &with_buffer(b"fidelity\0\0\0\0\0\0\0\0")
        ),
        r#"prctl(PR_GET_NAME, "fidelity") = 0"#
    );
    assert_eq!(
        line(
            &rec(157, [15, 0x7ff0, 0, 0, 0, 0], ok(0)),
            &with_buffer(b"f\0garbage")
        ),
        r#"prctl(PR_SET_NAME, "f") = 0"#
    );
    assert_eq!(
        line(
            &rec(157, [37, 0x7ff0, 0, 0, 0, 0], ok(0)),
            &with_buffer(&1i32.to_ne_bytes())
        ),
        "prctl(PR_GET_CHILD_SUBREAPER, [1]) = 0"
    );
    assert_eq!(
        args(&rec(157, [22, 2, 0x1000, 0, 0, 0], ok(0)))[1..],
        ["SECCOMP_MODE_FILTER", "0x1000"]
    );
    assert_eq!(
        line(&rec(157, [3, 0, 0, 0, 0, 0], ok(1)), &Captured::default()),
        "prctl(PR_GET_DUMPABLE) = 1 (SUID_DUMP_USER)"
    );
    assert_eq!(
        args(&rec(157, [999, 1, 2, 3, 4, 0], ok(-22))),
        ["0x3e7 /* PR_??? */", "0x1", "0x2", "0x3", "0x4"]
    );
}

#[test]
fn device_nodes() {
    let r = rec(259, [AT_FDCWD_ARG, 0x10, 0o10644, 0, 0, 0], ok(0));
    assert_eq!(
        line(&r, &with_string(1, b"/tmp/zzf")),
        r#"mknodat(AT_FDCWD, "/tmp/zzf", S_IFIFO|0644) = 0"#
    );
    let r = rec(133, [0x10, 0o20666, 0x103, 0, 0, 0], ok(0));
    assert_eq!(args(&r)[1..], ["S_IFCHR|0666", "makedev(0x1, 0x3)"]);
    assert_eq!(
        args(&rec(133, [0x10, 0o60600, 0x2001_0345, 0, 0, 0], ok(0)))[2],
        "makedev(0x103, 0x20045)"
    );
    assert_eq!(
        args(&rec(133, [0x10, 0o60600, 0, 0, 0, 0], ok(0)))[2],
        "makedev(0, 0)"
    );
}

#[test]
fn misc_flag_arguments() {
    assert_eq!(
        args(&rec(293, [0x1000, 0o2004000, 0, 0, 0, 0], ok(0)))[1],
        "O_NONBLOCK|O_CLOEXEC"
    );
    assert_eq!(
        args(&rec(291, [0o2000000, 0, 0, 0, 0, 0], ok(3)))[0],
        "EPOLL_CLOEXEC"
    );
    assert_eq!(
        args(&rec(290, [0, 0o2000001, 0, 0, 0, 0], ok(3)))[1],
        "EFD_SEMAPHORE|EFD_CLOEXEC"
    );
    assert_eq!(
        args(&rec(221, [3, 0, 0, 2, 0, 0], ok(0)))[3],
        "POSIX_FADV_SEQUENTIAL"
    );
    assert_eq!(
        args(&rec(233, [4, 1, 5, 0x10, 0, 0], ok(0)))[1],
        "EPOLL_CTL_ADD"
    );
    assert_eq!(
        args(&rec(73, [3, 6, 0, 0, 0, 0], ok(0)))[1],
        "LOCK_EX|LOCK_NB"
    );
    assert_eq!(
        args(&rec(285, [3, 3, 0, 10, 0, 0], ok(0)))[1],
        "FALLOC_FL_KEEP_SIZE|FALLOC_FL_PUNCH_HOLE"
    );
    assert_eq!(args(&rec(285, [3, 0, 0, 10, 0, 0], ok(0)))[1], "0");
    assert_eq!(
        args(&rec(
            334,
            [0x7fa8_a95f_4060, 0x20, 0, 0x5305_3053, 0, 0],
            ok(0)
        )),
        ["0x7fa8a95f4060", "0x20", "0", "0x53053053"]
    );
}

#[test]
fn unknown_syscall_and_no_return() {
    let r = rec(0x1f4, [1, 2, 3, 4, 5, 6], ok(-38));
    assert_eq!(
        line(&r, &Captured::default()),
        "syscall_0x1f4(0x1, 0x2, 0x3, 0x4, 0x5, 0x6) = -1 ENOSYS (Function not implemented)"
    );
    let r = rec(231, [0; 6], SyscallResult::NoReturn);
    let all = TextOptions {
        show_pid: true,
        show_duration: true,
        ..PLAIN
    };
    assert_eq!(
        format_decoded_line(&r, &Captured::default(), &all, &DecodeOptions::default()),
        "[pid   101] exit_group(0) = ?"
    );
    let r = rec(39, [0; 6], ok(10969));
    assert_eq!(
        format_decoded_line(&r, &Captured::default(), &all, &DecodeOptions::default()),
        "[pid   101] getpid() = 10969 <0.000012>"
    );
    assert_eq!(
        decode_return(&rec(0, [3, 1, 1, 0, 0, 0], ok(-512))),
        "? ERESTARTSYS (To be restarted if SA_RESTART is set)"
    );
}

#[test]
fn unfinished_lines_stop_before_exit_values() {
    let u = SyscallResult::Unfinished;
    assert_eq!(
        line(&rec(0, [3, 0x10, 4096, 0, 0, 0], u), &Captured::default()),
        "read(3,  <unfinished ...>"
    );
    assert_eq!(
        line(
            &rec(61, [u64::MAX, 0x10, 0, 0, 0, 0], u),
            &Captured::default()
        ),
        "wait4(-1,  <unfinished ...>"
    );
    assert_eq!(
        line(&rec(58, [0; 6], u), &Captured::default()),
        "vfork( <unfinished ...>"
    );
    assert_eq!(
        line(&rec(22, [0x10, 0, 0, 0, 0, 0], u), &Captured::default()),
        "pipe( <unfinished ...>"
    );
    let mut c = with_string(0, b"/usr/bin/ls");
    c.argv = vec![CapturedBytes::new(b"ls", false)];
    assert_eq!(
        line(&rec(59, [1, 2, 0x5603_4146_9d58, 0, 0, 0], u), &c),
        r#"execve("/usr/bin/ls", ["ls"], 0x560341469d58 <unfinished ...>"#
    );
}

fn iov(base: u64, len: u64, data: &[u8]) -> CapturedIov<'_> {
    CapturedIov {
        base,
        len,
        data: CapturedBytes::new(data, false),
        unreadable: false,
    }
}

fn with_iov(elements: Vec<CapturedIov<'_>>) -> Captured<'_> {
    Captured {
        iov: elements,
        ..Captured::default()
    }
}

#[test]
fn iovec_arrays() {
    let out = with_iov(vec![
        iov(0x10, 6, b"hello "),
        iov(0x20, 0, b""),
        iov(0x30, 6, b"world\n"),
    ]);
    let r = rec(20, [1, 0x7ff0, 3, 0, 0, 0], ok(12));
    assert_eq!(
        line(&r, &out),
        r#"writev(1, [{iov_base="hello ", iov_len=6}, {iov_base="", iov_len=0}, {iov_base="world\n", iov_len=6}], 3) = 12"#
    );
    // A reader's data is as long as the result, whatever the kernel copied.
    let read = with_iov(vec![
        iov(0x10, 4, b"hell"),
        iov(0x20, 16, b"o world\n\0\0\0\0\0\0\0\0"),
        iov(0x30, 8, b"stale!!!"),
    ]);
    let r = rec(19, [3, 0x7ff0, 3, 0, 0, 0], ok(12));
    assert_eq!(
        line(&r, &read),
        r#"readv(3, [{iov_base="hell", iov_len=4}, {iov_base="o world\n", iov_len=16}, {iov_base="", iov_len=8}], 3) = 12"#
    );
    // A failed reader shows the buffers' addresses.
    let r = rec(19, [99, 0x7ff0, 3, 0, 0, 0], SyscallResult::Returned(-9));
    assert_eq!(
        line(&r, &read),
        "readv(99, [{iov_base=0x10, iov_len=4}, {iov_base=0x20, iov_len=16}, {iov_base=0x30, iov_len=8}], 3) = -1 EBADF (Bad file descriptor)"
    );
    // At most -s elements, and -s bytes of each.
    let opts = DecodeOptions {
        string_limit: 2,
        ..DecodeOptions::default()
    };
    let r = rec(20, [1, 0x7ff0, 3, 0, 0, 0], ok(12));
    assert_eq!(
        decode_args(&r, &out, &opts)[1],
        r#"[{iov_base="he"..., iov_len=6}, {iov_base="", iov_len=0}, ...]"#
    );
    // More elements than the kernel reads, unreadable data, nothing read.
    let mut more = with_iov(vec![iov(0x10, 1, b"x")]);
    more.iov_truncated = true;
    more.iov.push(CapturedIov {
        unreadable: true,
        ..iov(0x40, 5, b"")
    });
    let r = rec(20, [1, 0x7ff0, 40, 0, 0, 0], ok(6));
    assert_eq!(
        args(&r)[1],
        "0x7ff0",
        "no elements captured: the array's address"
    );
    assert_eq!(
        decode_args(&r, &more, &DecodeOptions::default())[1],
        r#"[{iov_base="x", iov_len=1}, {iov_base=0x40, iov_len=5}, ...]"#
    );
    let r = rec(20, [1, 0x7ff0, 0, 0, 0, 0], ok(0));
    assert_eq!(args(&r)[1], "[]");
    let r = rec(20, [1, 0, 0, 0, 0, 0], ok(0));
    assert_eq!(args(&r)[1], "NULL");
}

/// A `struct msghdr` as the kernel side sends it.
fn msghdr(
    name: u64,
    namelen: i32,
    iov: u64,
    iovlen: u64,
    control: u64,
    controllen: u64,
    flags: i32,
) -> Vec<u8> {
    let mut raw = Vec::new();
    raw.extend(name.to_ne_bytes());
    raw.extend(namelen.to_ne_bytes());
    raw.extend([0; 4]);
    raw.extend(iov.to_ne_bytes());
    raw.extend(iovlen.to_ne_bytes());
    raw.extend(control.to_ne_bytes());
    raw.extend(controllen.to_ne_bytes());
    raw.extend(flags.to_ne_bytes());
    raw.extend([0; 4]);
    raw
}

#[test]
fn msghdr_structs() {
    let header = msghdr(0x100, 16, 0x200, 2, 0, 0, 0);
    // sockaddr_in 127.0.0.1:9
    let address = [2, 0, 0, 9, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0];
    let sent = Captured {
        msghdr: Some(&header),
        address: Some(CapturedBytes::new(&address, false)),
        ..with_iov(vec![iov(0x10, 2, b"pi"), iov(0x20, 2, b"ng")])
    };
    let r = rec(46, [3, 0x7ff0, 0x40, 0, 0, 0], ok(4));
    assert_eq!(
        line(&r, &sent),
        r#"sendmsg(3, {msg_name={sa_family=AF_INET, sin_port=htons(9), sin_addr=inet_addr("127.0.0.1")}, msg_namelen=16, msg_iov=[{iov_base="pi", iov_len=2}, {iov_base="ng", iov_len=2}], msg_iovlen=2, msg_controllen=0, msg_flags=0}, MSG_DONTWAIT) = 4"#
    );
    let header = msghdr(0, 0, 0x200, 1, 0x300, 24, 0x20);
    let received = Captured {
        msghdr: Some(&header),
        ..with_iov(vec![iov(0x10, 10, b"pingXXXXXX")])
    };
    let r = rec(47, [4, 0x7ff0, 0, 0, 0, 0], ok(4));
    assert_eq!(
        line(&r, &received),
        r#"recvmsg(4, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="ping", iov_len=10}], msg_iovlen=1, msg_control=0x300, msg_controllen=24, msg_flags=MSG_TRUNC}, 0) = 4"#
    );
    // A failed recvmsg shows only the name length passed in, as strace does.
    let r = rec(47, [4, 0x7ff0, 0x40, 0, 0, 0], SyscallResult::Returned(-11));
    assert_eq!(
        line(&r, &received),
        "recvmsg(4, {msg_namelen=0}, MSG_DONTWAIT) = -1 EAGAIN (Resource temporarily unavailable)"
    );
    assert_eq!(
        line(&r, &Captured::default()),
        "recvmsg(4, 0x7ff0, MSG_DONTWAIT) = -1 EAGAIN (Resource temporarily unavailable)"
    );
}

#[test]
fn fd_pairs() {
    let fds = [3u8, 0, 0, 0, 4, 0, 0, 0];
    let r = rec(293, [0x7ff0, 0o2000000, 0, 0, 0, 0], ok(0));
    assert_eq!(line(&r, &with_buffer(&fds)), "pipe2([3, 4], O_CLOEXEC) = 0");
    let r = rec(22, [0x7ff0, 0, 0, 0, 0, 0], SyscallResult::Returned(-24));
    assert_eq!(
        line(&r, &with_buffer(&fds)),
        "pipe(0x7ff0) = -1 EMFILE (Too many open files)"
    );
}

/// A `struct stat` with the fields strace's abbreviated form shows.
fn stat_bytes(mode: u32, rdev: u64, size: i64) -> Vec<u8> {
    let mut raw = vec![0u8; 144];
    raw[24..28].copy_from_slice(&mode.to_ne_bytes());
    raw[40..48].copy_from_slice(&rdev.to_ne_bytes());
    raw[48..56].copy_from_slice(&size.to_ne_bytes());
    raw
}

#[test]
fn stat_structs() {
    let r = rec(262, [AT_FDCWD_ARG, 0x5555, 0x7ff0, 0, 0, 0], ok(0));
    let mut c = with_buffer(&[]);
    let file = stat_bytes(0o100755, 0, 3);
    c.strings[1] = Some(CapturedBytes::new(b"/etc/hostname\0", false));
    c.buffer = Some(CapturedBytes::new(&file, false));
    assert_eq!(
        line(&r, &c),
        r#"newfstatat(AT_FDCWD, "/etc/hostname", {st_mode=S_IFREG|0755, st_size=3, ...}, 0) = 0"#
    );
    let null = stat_bytes(0o020666, 0x103, 0);
    let r = rec(5, [1, 0x7ff0, 0, 0, 0, 0], ok(0));
    assert_eq!(
        line(&r, &with_buffer(&null)),
        "fstat(1, {st_mode=S_IFCHR|0666, st_rdev=makedev(0x1, 0x3), ...}) = 0"
    );
    // Failed, or too short to be a stat: the address.
    let r = rec(5, [1, 0x7ff0, 0, 0, 0, 0], SyscallResult::Returned(-9));
    assert_eq!(
        line(&r, &with_buffer(&null)),
        "fstat(1, 0x7ff0) = -1 EBADF (Bad file descriptor)"
    );
    let r = rec(5, [1, 0x7ff0, 0, 0, 0, 0], ok(0));
    assert_eq!(line(&r, &with_buffer(&null[..30])), "fstat(1, 0x7ff0) = 0");
}

#[test]
fn statx_structs() {
    let mut raw = vec![0u8; 256];
    raw[0..4].copy_from_slice(&0x17ffu32.to_ne_bytes());
    raw[28..30].copy_from_slice(&0o100755u16.to_ne_bytes());
    raw[40..48].copy_from_slice(&3u64.to_ne_bytes());
    let mut c = with_buffer(&raw);
    c.strings[1] = Some(CapturedBytes::new(b"/etc/hostname\0", false));
    let r = rec(332, [AT_FDCWD_ARG, 0x5555, 0, 0x7ff, 0x7ff0, 0], ok(0));
    assert_eq!(
        line(&r, &c),
        r#"statx(AT_FDCWD, "/etc/hostname", AT_STATX_SYNC_AS_STAT, STATX_BASIC_STATS, {stx_mask=STATX_BASIC_STATS|STATX_MNT_ID, stx_attributes=0, stx_mode=S_IFREG|0755, stx_size=3, ...}) = 0"#
    );
}

#[test]
fn rlimit_structs() {
    let stack = [8192u64 * 1024, u64::MAX]
        .iter()
        .flat_map(|v| v.to_ne_bytes())
        .collect::<Vec<u8>>();
    let r = rec(302, [0, 3, 0, 0x7ff0, 0, 0], ok(0));
    assert_eq!(
        line(&r, &with_buffer(&stack)),
        "prlimit64(0, RLIMIT_STACK, NULL, {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}) = 0"
    );
    let files = [1024u64, 524_288]
        .iter()
        .flat_map(|v| v.to_ne_bytes())
        .collect::<Vec<u8>>();
    let r = rec(97, [7, 0x7ff0, 0, 0, 0, 0], ok(0));
    assert_eq!(
        line(&r, &with_buffer(&files)),
        "getrlimit(RLIMIT_NOFILE, {rlim_cur=1024, rlim_max=512*1024}) = 0"
    );
    let r = rec(160, [7, 0x7ff0, 0, 0, 0, 0], SyscallResult::Returned(-1));
    assert_eq!(
        line(&r, &with_struct(1, &files)),
        "setrlimit(RLIMIT_NOFILE, {rlim_cur=1024, rlim_max=512*1024}) = -1 EPERM (Operation not permitted)"
    );
}

fn sigset_of(signals: &[u32]) -> u64 {
    signals.iter().map(|s| 1u64 << (s - 1)).sum()
}

#[test]
fn signal_sets() {
    let set = sigset_of(&[17, 39]).to_ne_bytes();
    let old = 0u64.to_ne_bytes();
    let c = Captured {
        structs: with_struct(1, &set).structs,
        ..with_buffer(&old)
    };
    let r = rec(14, [0, 0x7ff0, 0x7fe0, 8, 0, 0], ok(0));
    assert_eq!(
        line(&r, &c),
        "rt_sigprocmask(SIG_BLOCK, [CHLD RT_7], [], 8) = 0"
    );
    // More than half the signals set: the complement, after `~`.
    let all_but = (!sigset_of(&[2, 32, 33])).to_ne_bytes();
    let c = Captured {
        structs: with_struct(1, &all_but).structs,
        ..Captured::default()
    };
    let r = rec(14, [2, 0x7ff0, 0, 8, 0, 0], ok(0));
    assert_eq!(
        line(&r, &c),
        "rt_sigprocmask(SIG_SETMASK, ~[INT RTMIN RT_1], NULL, 8) = 0"
    );
}

#[test]
fn sigaction_structs() {
    let act: Vec<u8> = [
        0x401615u64,
        0x0400_0000 | 0x1000_0000,
        0x408840,
        sigset_of(&[15]),
    ]
    .iter()
    .flat_map(|v| v.to_ne_bytes())
    .collect();
    let old = [0u8; 32];
    let c = Captured {
        structs: with_struct(1, &act).structs,
        ..with_buffer(&old)
    };
    let r = rec(13, [2, 0x7ff0, 0x7fe0, 8, 0, 0], ok(0));
    assert_eq!(
        line(&r, &c),
        "rt_sigaction(SIGINT, {sa_handler=0x401615, sa_mask=[TERM], sa_flags=SA_RESTORER|SA_RESTART, sa_restorer=0x408840}, {sa_handler=SIG_DFL, sa_mask=[], sa_flags=0}, 8) = 0"
    );
    let ignore: Vec<u8> = [1u64, 4 | 1 | 0xffff_ffff_0000_0000, 0, 0]
        .iter()
        .flat_map(|v| v.to_ne_bytes())
        .collect();
    let c = Captured {
        structs: with_struct(1, &ignore).structs,
        ..Captured::default()
    };
    let r = rec(13, [17, 0x7ff0, 0, 8, 0, 0], ok(0));
    assert_eq!(
        line(&r, &c),
        "rt_sigaction(SIGCHLD, {sa_handler=SIG_IGN, sa_mask=[], sa_flags=SA_SIGINFO|SA_NOCLDSTOP|0xffffffff00000000}, NULL, 8) = 0"
    );
}

#[test]
fn wait_statuses() {
    let status = |s: u32| s.to_ne_bytes();
    let wait = |s: u32, ret: i64| {
        let bytes = status(s);
        let r = rec(61, [u64::MAX, 0x7ff0, 0, 0, 0, 0], ok(ret));
        decode_args(&r, &with_buffer(&bytes), &DecodeOptions::default())[1].clone()
    };
    assert_eq!(wait(3 << 8, 42), "[{WIFEXITED(s) && WEXITSTATUS(s) == 3}]");
    assert_eq!(wait(9, 42), "[{WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL}]");
    assert_eq!(
        wait(6 | 0x80, 42),
        "[{WIFSIGNALED(s) && WTERMSIG(s) == SIGABRT && WCOREDUMP(s)}]"
    );
    assert_eq!(
        wait(19 << 8 | 0x7f, 42),
        "[{WIFSTOPPED(s) && WSTOPSIG(s) == SIGSTOP}]"
    );
    assert_eq!(wait(0xffff, 42), "[{WIFCONTINUED(s)}]");
    // WNOHANG with no child ready: nothing was written.
    assert_eq!(wait(0, 0), "0x7ff0");
    let r = rec(
        61,
        [u64::MAX, 0x7ff0, 1, 0, 0, 0],
        SyscallResult::Returned(-10),
    );
    assert_eq!(
        line(&r, &with_buffer(&status(0))),
        "wait4(-1, 0x7ff0, WNOHANG, NULL) = -1 ECHILD (No child processes)"
    );
}

/// strace pads `name(args) ` to column 40 before `= `, counting the pid and
/// timestamp columns; longer lines get one space. Texts from strace 6.x.
#[test]
fn results_align_at_column_40_as_strace() {
    let aligned = TextOptions {
        align_results: true,
        ..PLAIN
    };
    let line = |r: &SyscallRecord, opts: &TextOptions| {
        format_decoded_line(r, &Captured::default(), opts, &DecodeOptions::default())
    };
    let getpid = rec(39, [0; 6], ok(3970));
    assert_eq!(
        line(&getpid, &aligned),
        "getpid()                                = 3970"
    );
    let exit = rec(231, [0; 6], SyscallResult::NoReturn);
    assert_eq!(
        line(&exit, &aligned),
        "exit_group(0)                           = ?"
    );
    let with_pid = TextOptions {
        show_pid: true,
        ..aligned
    };
    // `[pid 101] ` counts: the `=` is still at column 40.
    assert_eq!(
        line(&exit, &with_pid),
        "[pid   101] exit_group(0)               = ?"
    );
    let wait = rec(61, [u64::MAX, 0, 1, 0, 0, 0], ok(0));
    let text = line(&wait, &aligned);
    assert_eq!(text, "wait4(-1, NULL, WNOHANG, NULL)          = 0");
    assert_eq!(text.find(" = "), Some(39));
    // Past the column: one space, as strace's `close(3</usr/lib/...>) = 0`.
    let long = TextOptions {
        timestamps: crate::text::Timestamps::Unix,
        ..with_pid
    };
    assert_eq!(
        line(&wait, &long),
        "[pid   101] 0.000000 wait4(-1, NULL, WNOHANG, NULL) = 0"
    );
    // strace -f -o FILE: `%-5d ` on every line, counted too.
    let column = TextOptions {
        pid_column: true,
        ..aligned
    };
    assert_eq!(
        line(&exit, &column),
        "101   exit_group(0)                     = ?"
    );
}

/// 16 bytes: a timeval or timespec.
fn time16(sec: i64, frac: i64) -> Vec<u8> {
    [sec.to_ne_bytes(), frac.to_ne_bytes()].concat()
}

/// An fd set of 8 bytes (whole longs, as strace reads for nfds <= 64).
fn fd_set_of(fds: &[usize]) -> Vec<u8> {
    let mut set = vec![0u8; 8];
    for &fd in fds {
        set[fd / 8] |= 1 << (fd % 8);
    }
    set
}

#[test]
fn select_sets_timeouts_and_ready_sets() {
    let (r3, w4, tv, left) = (
        fd_set_of(&[3]),
        fd_set_of(&[4]),
        time16(0, 123),
        time16(0, 120),
    );
    let (out_r, out_w) = (fd_set_of(&[]), fd_set_of(&[4]));
    let mut c = Captured::default();
    c.entry[1] = Some(CapturedBytes::new(&r3, false));
    c.entry[2] = Some(CapturedBytes::new(&w4, false));
    c.entry[4] = Some(CapturedBytes::new(&tv, false));
    c.structs[1] = Some(CapturedBytes::new(&out_r, false));
    c.structs[2] = Some(CapturedBytes::new(&out_w, false));
    c.structs[4] = Some(CapturedBytes::new(&left, false));
    let r = rec(23, [5, 0x7ffc_0010, 0x7ffc_0090, 0, 0x7ffc_0200, 0], ok(1));
    assert_eq!(
        line(&r, &c),
        "select(5, [3], [4], NULL, {tv_sec=0, tv_usec=123}) = 1 (out [4], left {tv_sec=0, tv_usec=120})"
    );
    // Nothing ready: strace says Timeout, whatever is left.
    let r = rec(23, [4, 0x7ffc_0010, 0, 0, 0x7ffc_0200, 0], ok(0));
    let tv = time16(0, 1000);
    let mut c = Captured::default();
    c.entry[1] = Some(CapturedBytes::new(&r3, false));
    c.entry[4] = Some(CapturedBytes::new(&tv, false));
    assert_eq!(
        line(&r, &c),
        "select(4, [3], NULL, NULL, {tv_sec=0, tv_usec=1000}) = 0 (Timeout)"
    );
    // Nothing read: pointers, as before.
    assert_eq!(
        line(&r, &Captured::default()),
        "select(4, 0x7ffc0010, NULL, NULL, 0x7ffc0200) = 0 (Timeout)"
    );
}

#[test]
fn pselect6_sets_and_timespecs() {
    let (set, ts, left, out) = (
        fd_set_of(&[0, 3]),
        time16(0, 1000),
        time16(0, 0),
        fd_set_of(&[0]),
    );
    let mut c = Captured::default();
    c.entry[1] = Some(CapturedBytes::new(&set, false));
    c.entry[4] = Some(CapturedBytes::new(&ts, false));
    c.structs[1] = Some(CapturedBytes::new(&out, false));
    c.structs[4] = Some(CapturedBytes::new(&left, false));
    let r = rec(270, [4, 0x7ffe_0010, 0, 0, 0x7ffe_0200, 0], ok(1));
    assert_eq!(
        line(&r, &c),
        "pselect6(4, [0 3], NULL, NULL, {tv_sec=0, tv_nsec=1000}, NULL) = 1 (in [0], left {tv_sec=0, tv_nsec=0})"
    );
    // Bits at or past nfds are not shown; at most `ready` fds are listed,
    // in, out, except in turn.
    let (both, empty) = (fd_set_of(&[1, 2, 9]), fd_set_of(&[]));
    let mut c = Captured::default();
    c.entry[1] = Some(CapturedBytes::new(&both, false));
    c.entry[3] = Some(CapturedBytes::new(&empty, false));
    c.structs[1] = Some(CapturedBytes::new(&both, false));
    c.structs[2] = Some(CapturedBytes::new(&both, false));
    let r = rec(270, [3, 0x10, 0x20, 0x30, 0, 0], ok(3));
    assert_eq!(
        line(&r, &c),
        "pselect6(3, [1 2], 0x20, [], NULL, NULL) = 3 (in [1 2], out [1])"
    );
}

#[test]
fn mmsghdr_arrays_of_one_element() {
    // The first element: msg_name NULL, msg_iov at 0x1000 with one element,
    // msg_len 2 after the 56-byte msghdr.
    let mut element = vec![0u8; 64];
    element[16..24].copy_from_slice(&0x1000u64.to_ne_bytes());
    element[24..32].copy_from_slice(&1u64.to_ne_bytes());
    element[56..60].copy_from_slice(&2u32.to_ne_bytes());
    let iov = |len: u64, data: &'static [u8]| CapturedIov {
        base: 0x2000,
        len,
        data: CapturedBytes::new(data, false),
        unreadable: false,
    };
    let mut sent = Captured {
        msghdr: Some(&element[..56]),
        iov: vec![iov(2, b"mm")],
        ..Captured::default()
    };
    sent.structs[1] = Some(CapturedBytes::new(&element, false));
    let r = rec(307, [3, 0x7ffc_0000, 1, 0, 0, 0], ok(1));
    assert_eq!(
        line(&r, &sent),
        "sendmmsg(3, [{msg_hdr={msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"mm\", iov_len=2}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, msg_len=2}], 1, 0) = 1"
    );
    // Received data is cut at the element's msg_len.
    let mut received = Captured {
        msghdr: Some(&element[..56]),
        iov: vec![iov(8, b"mm\0\0\0\0\0\0")],
        ..Captured::default()
    };
    received.structs[1] = Some(CapturedBytes::new(&element, false));
    let r = rec(299, [4, 0x7ffc_0000, 1, 0x40, 0, 0], ok(1));
    assert_eq!(
        line(&r, &received),
        "recvmmsg(4, [{msg_hdr={msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"mm\", iov_len=8}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, msg_len=2}], 1, MSG_DONTWAIT, NULL) = 1"
    );
    // More than one element: only the first was read, so the pointer.
    let r = rec(307, [3, 0x7ffc_0000, 2, 0, 0, 0], ok(2));
    assert_eq!(line(&r, &sent), "sendmmsg(3, 0x7ffc0000, 2, 0) = 2");
}
