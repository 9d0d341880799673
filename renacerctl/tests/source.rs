//! Source correlation end to end (`--source`, `-k`): the real kernel copies
//! each call's user stack, the daemon unwinds it with the binaries' CFI and
//! renacerctl symbolizes it. The Rust examples (built with debug info) and
//! a C program built with -g give exact `[file:line]` locations for known
//! calls; a stripped binary gives one warning naming it. Root only.
#![expect(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]

use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
};

use renacer_trace::json::TraceFile;

mod common;
use common::*;

/// The trace lines (on stderr, as strace writes them) of a run that succeeded.
fn check(out: &Output, what: &str) -> String {
    assert!(out.status.success(), "{what}: {out:?}");
    String::from_utf8(out.stderr.clone()).unwrap()
}

/// The call lines of a text capture that start with `prefix`.
fn lines_starting<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
    text.lines()
        .filter(|line| line.starts_with(prefix))
        .collect()
}

/// Compiles tests/workloads/source.c (dynamically linked, so that its calls
/// go through libc), with `flags`; stripped when asked.
fn compile_source_workload(flags: &[&str], strip: bool) -> PathBuf {
    let dir = scratch_dir("source-c");
    let exe = dir.join(if strip { "source_stripped" } else { "source_c" });
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/workloads/source.c");
    let status = Command::new("cc")
        .args(flags)
        .arg("-o")
        .arg(&exe)
        .arg(&source)
        .status()
        .unwrap();
    assert!(status.success(), "compiling source.c failed");
    if strip {
        assert!(Command::new("strip").arg(&exe).status().unwrap().success());
    }
    exe
}

#[test]
fn rust_example_calls_carry_their_exact_source_lines() {
    let daemon = Daemon::start();
    let dir = scratch_dir("source-fileio");
    let out = daemon
        .ctl()
        .current_dir(&dir)
        .args([
            "capture",
            "--source",
            "-e",
            "trace=openat,write,rename,unlink",
        ])
        .arg("--")
        .arg(bin("fileio"))
        .output()
        .unwrap();
    let text = check(&out, "capture --source fileio");
    let expected = [
        (
            "openat(AT_FDCWD, \"fileio.tmp\"",
            "= 3  [src/bin/fileio.rs:26]",
        ),
        (
            "rename(\"fileio.tmp\", \"fileio.txt\")",
            "= 0  [src/bin/fileio.rs:33]",
        ),
        (
            "openat(AT_FDCWD, \"fileio.txt\"",
            "= 3  [src/bin/fileio.rs:35]",
        ),
        ("write(1, ", "= 103  [src/bin/fileio.rs:36]"),
        ("unlink(\"fileio.txt\")", "= 0  [src/bin/fileio.rs:37]"),
    ];
    for (call, ending) in expected {
        let lines = lines_starting(&text, call);
        assert_eq!(lines.len(), 1, "{call}: {text}");
        assert!(lines[0].ends_with(ending), "{call}: {}", lines[0]);
    }
    // The three write(2)s of the loop: the line of `file.write_all`.
    let writes = lines_starting(&text, "write(3, ");
    assert_eq!(writes.len(), 3, "{text}");
    assert!(
        writes
            .iter()
            .all(|line| line.ends_with("  [src/bin/fileio.rs:29]")),
        "{writes:?}"
    );
    // The loader's calls before main have no frame of the user's code.
    let loader = lines_starting(&text, "openat(AT_FDCWD, \"/etc/ld.so.cache\"");
    assert!(loader.iter().all(|line| !line.contains('[')), "{loader:?}");
    assert!(!text.contains("warning"), "{text}");
    // The stops that let the daemon read the process's map are renacer's,
    // not the program's: no `--- SIGSTOP` line.
    assert!(!text.contains("SIGSTOP"), "{text}");

    // The JSON trace: a `source` object per call, and with -k the stack,
    // innermost frame first (libc's write wrapper).
    let path = dir.join("trace.json");
    let out = daemon
        .ctl()
        .current_dir(&dir)
        .args([
            "capture",
            "-k",
            "--format",
            "json",
            "-e",
            "trace=write",
            "-o",
        ])
        .arg(&path)
        .arg("--")
        .arg(bin("fileio"))
        .output()
        .unwrap();
    check(&out, "capture -k --format json fileio");
    let trace = TraceFile::parse(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let stdout_write = trace
        .syscalls
        .iter()
        .find(|call| call.name == "write" && call.raw_args.first() == Some(&1))
        .expect("write to stdout");
    let source = stdout_write.source.as_ref().expect("a source");
    assert_eq!(source.file.as_deref(), Some("src/bin/fileio.rs"));
    assert_eq!(source.line, Some(36));
    assert_eq!(source.function.as_deref(), Some("fileio::run"));
    let innermost = &source.stack[0];
    assert!(
        innermost
            .module
            .as_deref()
            .is_some_and(|module| module.contains("libc.so")),
        "{innermost:?}"
    );
    assert!(innermost.address.starts_with("0x") && innermost.offset.starts_with("0x"));
    let user = source
        .stack
        .iter()
        .find(|frame| frame.function.as_deref() == Some("fileio::run"))
        .expect("the user's frame in the stack");
    assert_eq!(user.line, Some(36));
    assert_eq!(
        user.module.as_deref(),
        Some(bin("fileio").to_str().unwrap())
    );
    assert!(
        source
            .stack
            .iter()
            .any(|frame| frame.function.as_deref() == Some("fileio::main")),
        "the stack goes on past the source frame: {source:?}"
    );
}

#[test]
fn c_program_with_debug_info_and_a_stripped_one() {
    let daemon = Daemon::start();
    let exe = compile_source_workload(&["-g", "-O0"], false);
    // Relative to the crate the file is in (renacerctl's Cargo.toml), as
    // Rust sources are shown.
    let source = "tests/workloads/source.c";
    let out = daemon
        .ctl()
        .args(["capture", "-k", "-e", "trace=openat,write,close"])
        .arg("--")
        .arg(&exe)
        .output()
        .unwrap();
    let text = check(&out, "capture -k source_c");
    // The program's own call (the loader makes some of the same before main,
    // from no line of the program's).
    let line_of = |call: &str| {
        let lines: Vec<&str> = lines_starting(&text, call)
            .into_iter()
            .filter(|line| line.ends_with(']'))
            .collect();
        assert_eq!(lines.len(), 1, "{call}: {text}");
        lines[0].to_owned()
    };
    assert!(
        line_of("openat(AT_FDCWD, \"/dev/null\"").ends_with(&format!("= 3  [{source}:10]")),
        "{text}"
    );
    assert!(
        line_of("write(1, \"hello from C\\n\", 13)").ends_with(&format!("= 13  [{source}:6]")),
        "{text}"
    );
    assert!(
        line_of("close(3)").ends_with(&format!("= 0  [{source}:12]")),
        "{text}"
    );
    // -k: strace's stack lines under the write, innermost first: libc's
    // wrapper, greet, main.
    let after_write: Vec<&str> = text
        .lines()
        .skip_while(|line| !line.starts_with("write(1, "))
        .skip(1)
        .take_while(|line| line.starts_with(" > "))
        .collect();
    assert!(after_write.len() >= 3, "{text}");
    assert!(
        after_write[0].contains("libc.so.6(") && after_write[0].contains(") [0x"),
        "{}",
        after_write[0]
    );
    let exe_path = exe.display().to_string();
    assert!(
        after_write[1].starts_with(&format!(" > {exe_path}(greet+0x")),
        "{}",
        after_write[1]
    );
    assert!(
        after_write[2].starts_with(&format!(" > {exe_path}(main+0x")),
        "{}",
        after_write[2]
    );

    let stripped = compile_source_workload(&["-O0"], true);
    let out = daemon
        .ctl()
        .args(["capture", "--source", "-e", "trace=openat,write,close"])
        .arg("--")
        .arg(&stripped)
        .output()
        .unwrap();
    let text = check(&out, "capture --source source_stripped");
    assert!(
        lines_starting(&text, "write(1, ")
            .iter()
            .all(|line| line.ends_with("= 13")),
        "no location without symbols: {text}"
    );
    let warnings: Vec<&str> = text
        .lines()
        .filter(|line| line.contains("No DWARF debug info found in binary"))
        .collect();
    assert_eq!(warnings.len(), 1, "{text}");
    assert!(
        warnings[0].contains(&stripped.display().to_string())
            && warnings[0].contains("debug info (gcc -g"),
        "{}",
        warnings[0]
    );
}
