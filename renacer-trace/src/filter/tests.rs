use super::*;

fn nr(name: &str) -> u32 {
    syscalls::number(name).unwrap_or_else(|| panic!("no syscall {name}"))
}

fn set(names: &[&str]) -> SyscallSet {
    names.iter().map(|n| nr(n)).collect()
}

#[expect(clippy::unwrap_used, reason = "test inputs are valid")]
fn parse(expr: &str) -> SyscallSet {
    parse_trace_expr(expr).unwrap()
}

fn err(expr: &str) -> String {
    match parse_trace_expr(expr) {
        Ok(s) => panic!("{expr} parsed as {s:?}"),
        Err(e) => e.to_string(),
    }
}

fn rec(nr: u32, args: [u64; 6], result: SyscallResult) -> SyscallRecord {
    SyscallRecord {
        nr,
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

#[test]
fn bitmap_layout() {
    let mut s = SyscallSet::empty();
    assert!(s.is_empty());
    assert!(s.insert(0) && s.insert(65) && s.insert(511));
    assert!(!s.insert(512));
    assert_eq!(s.bits()[0], 1);
    assert_eq!(s.bits()[1], 2);
    assert_eq!(s.bits()[7], 1 << 63);
    assert!(s.contains(65) && !s.contains(64) && !s.contains(512) && !s.contains(u32::MAX));
    assert_eq!(s.len(), 3);
    assert_eq!(s.iter().collect::<Vec<_>>(), [0, 65, 511]);
    s.remove(65);
    assert!(!s.contains(65));
    assert_eq!(SyscallSet::from_bits(s.bits()), s);
    assert_eq!(SyscallSet::full().len(), 512);
    assert_eq!(s.complement().len(), 510);
    assert_eq!(
        format!("{:?}", set(&["read", "write"])),
        r#"{"read", "write"}"#
    );
}

#[test]
fn names_and_lists() {
    assert_eq!(parse("openat,read"), set(&["openat", "read"]));
    assert_eq!(parse("openat"), set(&["openat"]));
    assert_eq!(parse("openat,,read,"), set(&["openat", "read"]));
    assert_eq!(parse("257,0"), set(&["openat", "read"]));
    assert_eq!(parse("all"), SyscallSet::full());
    assert_eq!(parse("none"), SyscallSet::empty());
    assert_eq!(parse("!none"), SyscallSet::full());
    assert_eq!(parse("!all"), SyscallSet::empty());
}

#[test]
fn negation() {
    // A leading '!' negates the whole list, as in strace.
    let not_open = parse("!open");
    assert!(!not_open.contains(nr("open")));
    assert!(not_open.contains(nr("read")));
    assert!(not_open.contains(400), "unknown numbers are traced too");
    let s = parse("!open,close");
    assert!(!s.contains(nr("open")) && !s.contains(nr("close")) && s.contains(nr("read")));
    assert_eq!(parse("!!open"), set(&["open"]));
    // Negated items are removed from the others.
    let s = parse("%file,!openat");
    assert!(s.contains(nr("open")) && !s.contains(nr("openat")));
    assert_eq!(parse("!read,!write"), parse("!read,write"));
    assert_eq!(
        parse("!read,!write"),
        SyscallSet::full().difference(&set(&["read", "write"]))
    );
    // strace semantics when only the first item has one: all but (file calls, openat).
    let s = parse("!%file,openat");
    assert!(!s.contains(nr("openat")) && !s.contains(nr("open")) && s.contains(nr("read")));
}

#[test]
fn classes() {
    let file = parse("%file");
    for n in [
        "open", "openat", "stat", "execve", "unlink", "rename", "chdir", "statx",
    ] {
        assert!(file.contains(nr(n)), "{n}");
    }
    assert!(!file.contains(nr("read")) && !file.contains(nr("close")));
    assert_eq!(parse("file"), file);
    assert_eq!(parse("%FILE"), file);
    let net = parse("%network");
    assert_eq!(parse("%net"), net);
    assert_eq!(parse("network"), net);
    assert!(net.contains(nr("socket")) && net.contains(nr("sendto")) && !net.contains(nr("read")));
    let process = parse("process");
    for n in ["clone", "fork", "execve", "exit_group", "wait4", "kill"] {
        assert!(process.contains(nr(n)), "{n}");
    }
    let memory = parse("memory");
    assert!(
        memory.contains(nr("mmap")) && memory.contains(nr("brk")) && !memory.contains(nr("open"))
    );
    let desc = parse("%desc");
    assert!(
        desc.contains(nr("read"))
            && desc.contains(nr("open_by_handle_at"))
            && !desc.contains(nr("getpid"))
    );
    assert!(parse("%signal").contains(nr("rt_sigaction")));
    assert!(parse("%ipc").contains(nr("shmget")));
    assert!(parse("%creds").contains(nr("setuid")));
    assert!(parse("%clock").contains(nr("clock_gettime")));
    assert_eq!(parse("%stat"), set(&["stat"]));
    assert_eq!(parse("%lstat"), set(&["lstat"]));
    assert_eq!(parse("%fstat"), set(&["fstat", "newfstatat", "statx"]));
    assert_eq!(
        parse("%%stat"),
        set(&["stat", "fstat", "lstat", "newfstatat", "statx"])
    );
    assert_eq!(parse("%statfs"), set(&["statfs"]));
    assert_eq!(parse("%fstatfs"), set(&["fstatfs"]));
    assert_eq!(parse("%%statfs"), set(&["ustat", "statfs", "fstatfs"]));
    let pure = parse("%pure");
    assert!(
        pure.contains(nr("getpid")) && pure.contains(nr("gettid")) && !pure.contains(nr("read"))
    );
    assert_eq!(
        parse("%file,%network").len(),
        file.len() + net.len() - file.iter().filter(|&n| net.contains(n)).count()
    );
}

#[test]
fn regexes() {
    let s = parse("/^open");
    assert_eq!(
        s,
        set(&[
            "open",
            "openat",
            "open_by_handle_at",
            "open_tree",
            "openat2",
            "open_tree_attr"
        ])
    );
    assert_eq!(parse("/^open/"), s);
    assert_eq!(
        parse("/stat$/,close"),
        set(&["stat", "fstat", "lstat", "ustat", "cachestat", "close"])
    );
    assert!(parse("!/^mmap|munmap$/").contains(nr("read")));
}

#[test]
fn optional_items() {
    assert_eq!(parse("?nosuchcall,read"), set(&["read"]));
    assert_eq!(parse("?/^zzz/,read"), set(&["read"]));
    assert_eq!(parse("?%bogus,read"), set(&["read"]));
}

#[test]
fn errors_name_the_token_and_suggest() {
    assert_eq!(
        err("opnat"),
        "unknown syscall 'opnat' in trace=opnat; did you mean 'openat'?"
    );
    assert_eq!(
        err("read,wirte"),
        "unknown syscall 'wirte' in trace=read,wirte; did you mean 'write'?"
    );
    assert_eq!(
        err("fiel"),
        "unknown syscall 'fiel' in trace=fiel; did you mean 'file'?"
    );
    assert_eq!(
        err("%fiel"),
        "unknown syscall class '%fiel' in trace=%fiel; did you mean '%file'?"
    );
    assert_eq!(
        err("%netwrk"),
        "unknown syscall class '%netwrk' in trace=%netwrk; did you mean '%network'?"
    );
    assert_eq!(
        err("xyzzyplugh"),
        "unknown syscall 'xyzzyplugh' in trace=xyzzyplugh"
    );
    assert_eq!(
        err("!opnat"),
        "unknown syscall 'opnat' in trace=!opnat; did you mean 'openat'?"
    );
    assert_eq!(
        err("600"),
        "syscall number 600 in trace=600 is out of range (0..512)"
    );
    assert_eq!(
        err("99999999999999"),
        "syscall number 99999999999999 in trace=99999999999999 is out of range (0..512)"
    );
    assert_eq!(
        err("/^zzz/"),
        "regex /^zzz/ in trace=/^zzz/ matches no syscall"
    );
    let bad = err("/open(/");
    assert!(
        bad.starts_with("invalid regex /open(/ in trace=/open(/: "),
        "{bad}"
    );
    assert!(!bad.contains('\n'), "{bad}");
    assert_eq!(err(""), "empty expression in trace=");
    assert_eq!(err(","), "empty expression in trace=,");
    assert_eq!(err("!"), "empty expression in trace=!");
    assert_eq!(err("read,?"), "empty expression in trace=read,?");
}

#[test]
fn edit_distances() {
    assert_eq!(edit_distance("", ""), 0);
    assert_eq!(edit_distance("abc", ""), 3);
    assert_eq!(edit_distance("opnat", "openat"), 1);
    assert_eq!(edit_distance("wirte", "write"), 1);
    assert_eq!(edit_distance("kitten", "sitting"), 3);
    assert_eq!(
        nearest("mmapp", ["mmap", "munmap"]).as_deref(),
        Some("mmap")
    );
    assert_eq!(nearest("zz", ["mmap"]), None);
}

#[test]
fn status_filter() {
    let failed = StatusFilter::parse("failed").unwrap_or(StatusFilter::NONE);
    assert!(failed.matches(&SyscallResult::Returned(-2)));
    assert!(!failed.matches(&SyscallResult::Returned(3)));
    assert!(!failed.matches(&SyscallResult::Unfinished));
    let s = StatusFilter::parse("successful,unfinished").unwrap_or(StatusFilter::NONE);
    assert!(s.matches(&SyscallResult::Returned(0)));
    assert!(s.matches(&SyscallResult::NoReturn));
    assert!(s.matches(&SyscallResult::Unfinished));
    assert!(!s.matches(&SyscallResult::Returned(-1)));
    let not_failed = StatusFilter::parse("!failed").unwrap_or(StatusFilter::NONE);
    assert!(
        not_failed.matches(&SyscallResult::Returned(1))
            && !not_failed.matches(&SyscallResult::Returned(-1))
    );
    assert!(not_failed.contains(Status::Detached) && not_failed.contains(Status::Unavailable));
    assert_eq!(StatusFilter::parse("all"), Ok(StatusFilter::ALL));
    assert_eq!(StatusFilter::parse("none"), Ok(StatusFilter::NONE));
    assert_eq!(StatusFilter::default(), StatusFilter::ALL);
    assert_eq!(
        StatusFilter::parse("faild").map_err(|e| e.to_string()),
        Err("unknown status 'faild' in status=faild; did you mean 'failed'?; expected successful, failed, unfinished, unavailable or detached".to_owned())
    );
    assert!(StatusFilter::parse("").is_err());
}

#[test]
fn fd_filter() {
    let f = FdFilter::parse("3,4").unwrap_or_default();
    let ok = SyscallResult::Returned(0);
    assert!(f.matches(&rec(0, [3, 0, 10, 0, 0, 0], ok)));
    assert!(!f.matches(&rec(0, [5, 0, 10, 0, 0, 0], ok)));
    assert!(
        f.matches(&rec(33, [1, 4, 0, 0, 0, 0], ok)),
        "dup2's second fd"
    );
    assert!(f.matches(&rec(257, [3, 0, 0, 0, 0, 0], ok)), "a dirfd");
    assert!(!f.matches(&rec(257, [(-100i64) as u64, 0, 0, 0, 0, 0], ok)));
    // mmap's fd argument; -1 never matches.
    assert!(f.matches(&rec(9, [0, 4096, 1, 2, 3, 0], ok)));
    assert!(!FdFilter::parse("!3").unwrap_or_default().matches(&rec(
        9,
        [0, 4096, 1, 2, u64::MAX, 0],
        ok
    )));
    // Calls without descriptors never match; neither do unknown syscalls.
    assert!(!f.matches(&rec(39, [3; 6], ok)));
    assert!(!f.matches(&rec(0x1f4, [3; 6], ok)));
    let not3 = FdFilter::parse("!3").unwrap_or_default();
    assert!(
        not3.matches(&rec(0, [5, 0, 0, 0, 0, 0], ok))
            && !not3.matches(&rec(0, [3, 0, 0, 0, 0, 0], ok))
    );
    let all = FdFilter::parse("all").unwrap_or_default();
    assert!(all.matches(&rec(3, [77, 0, 0, 0, 0, 0], ok)) && !all.matches(&rec(39, [0; 6], ok)));
    assert!(
        !FdFilter::parse("none")
            .unwrap_or_default()
            .matches(&rec(3, [1, 0, 0, 0, 0, 0], ok))
    );
    assert_eq!(FdFilter::from_fds([3, 4]), f);
    assert_eq!(
        FdFilter::parse("3,x").map_err(|e| e.to_string()),
        Err(
            "invalid file descriptor 'x' in trace-fds=3,x; expected a non-negative number"
                .to_owned()
        )
    );
    assert!(FdFilter::parse("-1").is_err());
    assert!(FdFilter::parse(",").is_err());
}

#[test]
fn filter_args() {
    let args =
        |a: &[&str]| parse_filter_args(&a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
    let f = args(&["trace=openat,read", "status=failed", "trace-fds=3"]).unwrap_or_default();
    assert_eq!(f.trace, set(&["openat", "read"]));
    assert_eq!(f.status, StatusFilter::parse("failed").unwrap_or_default());
    assert_eq!(f.fds, Some(FdFilter::from_fds([3])));
    assert!(f.matches(&rec(0, [3, 0, 1, 0, 0, 0], SyscallResult::Returned(-11))));
    assert!(!f.matches(&rec(0, [3, 0, 1, 0, 0, 0], SyscallResult::Returned(1))));
    assert!(!f.matches(&rec(0, [4, 0, 1, 0, 0, 0], SyscallResult::Returned(-11))));
    assert!(!f.matches(&rec(1, [3, 0, 1, 0, 0, 0], SyscallResult::Returned(-11))));

    assert_eq!(
        args(&["openat,read"]).map(|f| f.trace),
        Ok(set(&["openat", "read"]))
    );
    assert_eq!(args(&["!open"]).map(|f| f.trace.contains(0)), Ok(true));
    assert_eq!(args(&["t=read"]).map(|f| f.trace), Ok(set(&["read"])));
    assert_eq!(
        args(&["fd=1"]).map(|f| f.fds),
        Ok(Some(FdFilter::from_fds([1])))
    );
    // The last trace= wins, as in strace.
    assert_eq!(
        args(&["trace=read", "trace=write"]).map(|f| f.trace),
        Ok(set(&["write"]))
    );
    let d = args(&[]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(d, Filter::default());
    assert!(d.matches(&rec(0x1f4, [0; 6], SyscallResult::Unfinished)));

    let msg = |a: &[&str]| args(a).map(|_| ()).map_err(|e| e.to_string());
    assert_eq!(
        msg(&["trace=opnat"]),
        Err("unknown syscall 'opnat' in trace=opnat; did you mean 'openat'?".to_owned())
    );
    assert_eq!(
        msg(&["opnat"]),
        Err("unknown syscall 'opnat' in trace=opnat; did you mean 'openat'?".to_owned())
    );
    assert_eq!(
        msg(&["statsu=failed"]),
        Err("unknown qualifier 'statsu' in -e statsu=failed; did you mean 'status'?; expected trace, status or trace-fds".to_owned())
    );
    assert_eq!(
        msg(&["status=failed,bogus"]).map_err(|e| e.contains("'bogus'")),
        Err(true)
    );
    assert_eq!(
        msg(&["trace="]),
        Err("empty expression in trace=".to_owned())
    );
}

/// Found by the filter proptest: an expression with a newline was quoted raw,
/// so the one-line error became two.
#[test]
fn control_characters_are_refused_on_one_line() {
    for expr in [
        "\n",
        "trace=open\nat",
        "status=failed\u{1b}[2J",
        "trace-fds=1\r",
    ] {
        let err = parse_filter_args(&[expr.to_owned()]).expect_err("refused");
        let text = err.to_string();
        assert!(
            matches!(err, FilterError::ControlCharacter { .. }),
            "{expr:?}: {text}"
        );
        assert!(!text.contains(['\n', '\r', '\u{1b}']), "{text}");
        assert!(text.starts_with("control character in -e "), "{text}");
    }
    assert!(parse_trace_expr("read\n").is_err());
    assert!(StatusFilter::parse("failed\t").is_err());
    assert!(FdFilter::parse("1\0").is_err());
}
