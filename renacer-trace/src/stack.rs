//! User stacks of syscalls (`renacerctl --source`, `-k`): the FRAMES item
//! the daemon puts in a packed record once it has unwound a call's stack,
//! the `source` object of renacer-json-v1, the rule that picks the frame a
//! syscall is attributed to, and strace's `-k` stack lines.
//!
//! A FRAMES item, all integers little-endian: u16 module count; per module
//! a u16 length and its path (as /proc/PID/maps names it); then per frame,
//! innermost first, u64 address (the instruction pointer for the first
//! frame, return addresses after it), u64 offset of that address in the
//! module's file, u16 module index ([`NO_MODULE`]: outside any file mapping).

use serde::{Deserialize, Serialize};

/// Module index of a frame outside any file-backed mapping.
pub const NO_MODULE: u16 = 0xffff;
const FRAME_BYTES: usize = 18;

/// One unwound frame as the daemon sends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawFrame<'a> {
    pub address: u64,
    /// Offset of `address` in the module's file.
    pub offset: u64,
    pub module: Option<&'a str>,
}

/// The FRAMES item for `frames` (address, file offset, module index into
/// `modules` or [`NO_MODULE`]).
pub fn encode_frames(modules: &[&str], frames: &[(u64, u64, u16)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 + modules.len() * 40 + frames.len() * FRAME_BYTES);
    out.extend_from_slice(&(modules.len() as u16).to_le_bytes());
    for module in modules {
        let path = &module.as_bytes()[..module.len().min(usize::from(u16::MAX))];
        out.extend_from_slice(&(path.len() as u16).to_le_bytes());
        out.extend_from_slice(path);
    }
    for &(address, offset, module) in frames {
        out.extend_from_slice(&address.to_le_bytes());
        out.extend_from_slice(&offset.to_le_bytes());
        out.extend_from_slice(&module.to_le_bytes());
    }
    out
}

fn take<'a>(bytes: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    let (head, rest) = bytes.split_at_checked(n)?;
    *bytes = rest;
    Some(head)
}

fn take_u16(bytes: &mut &[u8]) -> Option<u16> {
    Some(u16::from_le_bytes(take(bytes, 2)?.try_into().ok()?))
}

fn take_u64(bytes: &mut &[u8]) -> Option<u64> {
    Some(u64::from_le_bytes(take(bytes, 8)?.try_into().ok()?))
}

/// A FRAMES item's module paths and frames (address, file offset, module
/// index into the paths or [`NO_MODULE`]); a malformed tail ends the frames.
pub fn decode_frames_indexed(item: &[u8]) -> (Vec<&str>, Vec<(u64, u64, u16)>) {
    let mut rest = item;
    let mut modules = Vec::new();
    let Some(count) = take_u16(&mut rest) else {
        return (Vec::new(), Vec::new());
    };
    for _ in 0..count {
        let Some(path) = take_u16(&mut rest).and_then(|len| take(&mut rest, usize::from(len)))
        else {
            return (Vec::new(), Vec::new());
        };
        modules.push(std::str::from_utf8(path).unwrap_or("?"));
    }
    let mut frames = Vec::with_capacity(rest.len() / FRAME_BYTES);
    while let (Some(address), Some(offset), Some(module)) = (
        take_u64(&mut rest),
        take_u64(&mut rest),
        take_u16(&mut rest),
    ) {
        frames.push((address, offset, module));
    }
    (modules, frames)
}

/// The frames of a FRAMES item; a malformed tail ends them.
pub fn decode_frames(item: &[u8]) -> Vec<RawFrame<'_>> {
    let (modules, frames) = decode_frames_indexed(item);
    frames
        .into_iter()
        .map(|(address, offset, module)| RawFrame {
            address,
            offset,
            module: modules.get(usize::from(module)).copied(),
        })
        .collect()
}

/// A symbolized frame of a call's stack (renacer-json-v1 `source.stack`).
/// An address with inlined functions gives one frame per function, the
/// innermost first, all with the same address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonFrame {
    /// `0x`-prefixed hex.
    pub address: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    /// Offset of the address in the module's file, `0x`-prefixed hex.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub offset: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// Bytes from the function's start (strace -k's `func+0x14`); not in the file.
    #[serde(skip)]
    pub function_offset: Option<u64>,
    /// The source file's full path (its compilation directory joined),
    /// which tells the standard library and dependencies apart from the
    /// user's code; `file` is what is shown. Not in the file.
    #[serde(skip)]
    pub source_path: Option<String>,
    /// The module has no DWARF line info at all (built without -g, or
    /// stripped): its functions count as the user's without a source file.
    /// Not in the file.
    #[serde(skip)]
    pub no_debug_info: bool,
}

/// Where a syscall was made from (renacer-json-v1 `source`): the first frame
/// of the user's own code ([`is_user_frame`]), and the whole stack when it
/// was asked for (`-k`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonSource {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stack: Vec<JsonFrame>,
}

/// Library directories whose code is never the user's own.
const SYSTEM_DIRS: [&str; 5] = [
    "/lib/",
    "/lib64/",
    "/usr/lib/",
    "/usr/lib64/",
    "/usr/libexec/",
];
/// Source paths of the Rust standard library and of dependencies.
const LIBRARY_SOURCES: [&str; 5] = [
    "/rustc/",
    "/.cargo/registry/",
    "/.cargo/git/",
    "/rustlib/src/rust/library/",
    "/library/std/src/",
];
/// Function name prefixes of the language runtimes.
const RUNTIME_FUNCTIONS: [&str; 5] = ["std::", "core::", "alloc::", "_start", "__"];

/// Whether a source path is the Rust standard library's or a dependency's.
pub fn is_library_source(path: &str) -> bool {
    LIBRARY_SOURCES.iter().any(|dir| path.contains(dir)) || path.starts_with("library/")
}

/// Whether `frame` belongs to the user's own code, the rule for a call's
/// source location: not in a system library (`/lib`, `/usr/lib`, ...) or
/// outside any file, not compiled from the Rust standard library's or a
/// dependency's sources (`/rustc/`, `~/.cargo/registry`), and not a runtime
/// function (`std::`, `core::`, `alloc::`, `<std::... as ...>`, `__libc_*`,
/// `_start`, other `__` names). Without a source line a frame counts only in
/// a binary that has no DWARF at all (its function names still show).
pub fn is_user_frame(frame: &JsonFrame) -> bool {
    let Some(module) = &frame.module else {
        return false;
    };
    if module.starts_with('[') || SYSTEM_DIRS.iter().any(|dir| module.starts_with(dir)) {
        return false;
    }
    if let Some(file) = frame.source_path.as_ref().or(frame.file.as_ref())
        && is_library_source(file)
    {
        return false;
    }
    // In a binary with DWARF, code without a source line is the runtime's
    // (`_start`, the `main` rustc generates).
    if frame.file.is_none() && !frame.no_debug_info {
        return false;
    }
    match &frame.function {
        Some(function) => {
            let bare = function.trim_start_matches(['<', '&', '*']);
            let bare = bare.strip_prefix("mut ").unwrap_or(bare);
            !RUNTIME_FUNCTIONS
                .iter()
                .any(|prefix| bare.starts_with(prefix))
        }
        None => frame.file.is_some(),
    }
}

/// The source of a call with `stack` (innermost first); the stack is kept
/// when `keep_stack`. None when no frame is known at all.
pub fn source_of(stack: Vec<JsonFrame>, keep_stack: bool) -> Option<JsonSource> {
    if stack.is_empty() {
        return None;
    }
    let mut source = JsonSource::default();
    if let Some(frame) = stack.iter().find(|frame| is_user_frame(frame)) {
        source.file.clone_from(&frame.file);
        source.line = frame.line;
        source.function.clone_from(&frame.function);
    }
    if keep_stack {
        source.stack = stack;
    }
    Some(source)
}

/// The text shown after a call's line: `[src/main.rs:45]`, or the function
/// when the line is unknown.
pub fn location(source: &JsonSource) -> Option<String> {
    match (&source.file, source.line, &source.function) {
        (Some(file), Some(line), _) => Some(format!("[{file}:{line}]")),
        (Some(file), None, _) => Some(format!("[{file}]")),
        (None, _, Some(function)) => Some(format!("[{function}]")),
        (None, _, None) => None,
    }
}

/// strace -k's line for one frame:
/// ` > /usr/lib/x86_64-linux-gnu/libc.so.6(__write+0x14) [0x10e1b4]`, with
/// `()` when the function is unknown and `?` for code outside any file.
pub fn stack_line(frame: &JsonFrame) -> String {
    let offset = if frame.offset.is_empty() {
        &frame.address
    } else {
        &frame.offset
    };
    match (&frame.module, &frame.function) {
        (Some(module), Some(function)) => match frame.function_offset {
            Some(delta) => format!(" > {module}({function}+{delta:#x}) [{offset}]"),
            None => format!(" > {module}({function}) [{offset}]"),
        },
        (Some(module), None) => format!(" > {module}() [{offset}]"),
        (None, _) => format!(" > ?() [{}]", frame.address),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(module: &str, function: Option<&str>, file: Option<&str>) -> JsonFrame {
        JsonFrame {
            address: "0x1000".to_owned(),
            module: Some(module.to_owned()),
            offset: "0x100".to_owned(),
            function: function.map(str::to_owned),
            file: file.map(str::to_owned),
            line: file.map(|_| 12),
            function_offset: Some(0x14),
            source_path: None,
            no_debug_info: false,
        }
    }

    #[test]
    fn frames_round_trip_and_malformed_items_end() {
        let item = encode_frames(
            &["/usr/lib/libc.so.6", "/bin/x"],
            &[
                (0x7f00, 0x10e1b4, 0),
                (0x5500, 0x1b2c3, 1),
                (0x1, 0x1, NO_MODULE),
            ],
        );
        let frames = decode_frames(&item);
        assert_eq!(
            frames,
            [
                RawFrame {
                    address: 0x7f00,
                    offset: 0x10e1b4,
                    module: Some("/usr/lib/libc.so.6")
                },
                RawFrame {
                    address: 0x5500,
                    offset: 0x1b2c3,
                    module: Some("/bin/x")
                },
                RawFrame {
                    address: 1,
                    offset: 1,
                    module: None
                },
            ]
        );
        assert_eq!(decode_frames(&item[..item.len() - 1]).len(), 2);
        assert!(decode_frames(&item[..5]).is_empty());
        assert!(decode_frames(&[]).is_empty());
    }

    #[test]
    fn the_source_is_the_first_frame_of_the_users_code() {
        let stack = vec![
            frame("/usr/lib/x86_64-linux-gnu/libc.so.6", Some("__write"), None),
            frame(
                "/home/u/app",
                Some("<std::io::stdio::StdoutRaw as std::io::Write>::write"),
                Some("/rustc/abc/library/std/src/io/stdio.rs"),
            ),
            frame("/home/u/app", Some("std::io::_print"), None),
            frame("/home/u/app", Some("app::main"), Some("src/main.rs")),
            frame(
                "/home/u/app",
                Some("core::ops::function::FnOnce::call_once"),
                None,
            ),
        ];
        let source = source_of(stack.clone(), false).expect("frames");
        assert_eq!(source.file.as_deref(), Some("src/main.rs"));
        assert_eq!(source.line, Some(12));
        assert_eq!(source.function.as_deref(), Some("app::main"));
        assert!(source.stack.is_empty());
        assert_eq!(location(&source).as_deref(), Some("[src/main.rs:12]"));
        assert_eq!(source_of(stack, true).expect("frames").stack.len(), 5);

        // A C program's main, and a binary without DWARF: the function only.
        assert!(is_user_frame(&frame(
            "/tmp/c",
            Some("main"),
            Some("/tmp/c.c")
        )));
        let no_dwarf = JsonFrame {
            no_debug_info: true,
            ..frame("/tmp/s", Some("main"), None)
        };
        let stripped = source_of(vec![no_dwarf], false).expect("frame");
        assert_eq!(location(&stripped).as_deref(), Some("[main]"));
        // The `main` rustc generates, in a binary with DWARF, is not the user's.
        assert!(!is_user_frame(&frame("/tmp/app", Some("main"), None)));
        assert!(!is_user_frame(&frame(
            "/tmp/c",
            Some("__libc_start_call_main"),
            None
        )));
        assert!(!is_user_frame(&frame(
            "[vdso]",
            Some("clock_gettime"),
            None
        )));
        // A dependency's `src/lib.rs` is told apart by its full path.
        let dependency = JsonFrame {
            source_path: Some("/root/.cargo/registry/src/x/serde-1.0/src/lib.rs".to_owned()),
            ..frame("/tmp/app", Some("serde::de::f"), Some("src/lib.rs"))
        };
        assert!(!is_user_frame(&dependency));
        assert_eq!(source_of(Vec::new(), true), None);
    }

    #[test]
    fn strace_k_lines() {
        let libc = frame("/usr/lib/x86_64-linux-gnu/libc.so.6", Some("__write"), None);
        assert_eq!(
            stack_line(&libc),
            " > /usr/lib/x86_64-linux-gnu/libc.so.6(__write+0x14) [0x100]"
        );
        let unknown = JsonFrame {
            function: None,
            ..libc.clone()
        };
        assert_eq!(
            stack_line(&unknown),
            " > /usr/lib/x86_64-linux-gnu/libc.so.6() [0x100]"
        );
        let anonymous = JsonFrame {
            module: None,
            ..libc
        };
        assert_eq!(stack_line(&anonymous), " > ?() [0x1000]");
    }

    #[test]
    fn the_json_shape_is_pinned() {
        let source = JsonSource {
            file: Some("src/bin/fileio.rs".to_owned()),
            line: Some(45),
            function: Some("fileio::main".to_owned()),
            stack: vec![JsonFrame {
                address: "0x55d0c0a1b2c3".to_owned(),
                module: Some("/path/to/bin".to_owned()),
                offset: "0x1b2c3".to_owned(),
                function: Some("fileio::main".to_owned()),
                file: Some("src/bin/fileio.rs".to_owned()),
                line: Some(45),
                function_offset: Some(3),
                source_path: Some("/src/app/src/bin/fileio.rs".to_owned()),
                no_debug_info: false,
            }],
        };
        let json = serde_json::to_string(&source).expect("serializes");
        assert_eq!(
            json,
            r#"{"file":"src/bin/fileio.rs","line":45,"function":"fileio::main","stack":[{"address":"0x55d0c0a1b2c3","module":"/path/to/bin","offset":"0x1b2c3","function":"fileio::main","file":"src/bin/fileio.rs","line":45}]}"#
        );
        let back: JsonSource = serde_json::from_str(&json).expect("parses");
        assert_eq!(back.stack[0].function_offset, None);
        assert_eq!(back.file, source.file);
    }
}
