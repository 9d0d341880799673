//! Comparing where two traces' calls were made from (`golden check` on the
//! `*_source.json` traces): a syscall whose source line moved is reported as
//! such, and so are calls from a line that appeared or went away.
//!
//! Each syscall's set of source locations is compared, so that neither the
//! interleaving of threads and processes nor call counts matter; only calls
//! with a known location in the user's code take part.

use std::collections::{BTreeMap, BTreeSet};

use renacer_trace::json::TraceFile;

/// `file:line` (or the function alone when the line is unknown).
fn place(call: &renacer_trace::json::JsonSyscall) -> Option<String> {
    let source = call.source.as_ref()?;
    match (&source.file, source.line, &source.function) {
        (Some(file), Some(line), _) => Some(format!("{file}:{line}")),
        (Some(file), None, _) => Some(file.clone()),
        (None, _, Some(function)) => Some(function.clone()),
        (None, _, None) => None,
    }
}

/// Calls whose number depends on timing (lock contention), not on the
/// program: whether one is made from a place at all varies between runs.
const TIMING_DEPENDENT: [&str; 2] = ["futex", "sched_yield"];

/// syscall -> the places it is called from.
type Places<'a> = BTreeMap<&'a str, BTreeSet<String>>;

fn places(trace: &TraceFile) -> Places<'_> {
    let mut out = Places::new();
    for call in &trace.syscalls {
        if TIMING_DEPENDENT.contains(&call.name.as_str()) {
            continue;
        }
        if let Some(place) = place(call) {
            out.entry(call.name.as_str()).or_default().insert(place);
        }
    }
    out
}

/// How a syscall's source locations differ between two traces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceChange {
    /// Called from one other place instead: the call moved (a failure).
    Moved {
        syscall: String,
        from: String,
        to: String,
    },
    /// No longer called from this place (a note: the syscall counts, with
    /// their tolerance, judge calls that come and go).
    Gone { syscall: String, place: String },
    /// Now also called from this place (a note, as `Gone`).
    Came { syscall: String, place: String },
}

impl SourceChange {
    pub fn is_move(&self) -> bool {
        matches!(self, Self::Moved { .. })
    }
}

impl std::fmt::Display for SourceChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Moved { syscall, from, to } => write!(f, "{syscall} moved from {from} to {to}"),
            Self::Gone { syscall, place } => write!(f, "{syscall} no longer called from {place}"),
            Self::Came { syscall, place } => write!(f, "{syscall} now also called from {place}"),
        }
    }
}

/// The differences in source locations between `golden` and `new`; empty
/// when every syscall comes from the places it came from. How many calls
/// each place makes is the syscall counts' business (which have a
/// tolerance); timing-dependent calls (futex) are left out.
pub fn compare_sources(golden: &TraceFile, new: &TraceFile) -> Vec<SourceChange> {
    let (before, after) = (places(golden), places(new));
    let mut names: Vec<&str> = before.keys().chain(after.keys()).copied().collect();
    names.sort_unstable();
    names.dedup();
    let empty = BTreeSet::new();
    let mut out = Vec::new();
    for name in names {
        let was = before.get(name).unwrap_or(&empty);
        let now = after.get(name).unwrap_or(&empty);
        let gone: Vec<&String> = was.difference(now).collect();
        let came: Vec<&String> = now.difference(was).collect();
        match (gone.as_slice(), came.as_slice()) {
            ([], []) => {}
            ([from], [to]) => out.push(SourceChange::Moved {
                syscall: name.to_owned(),
                from: (*from).clone(),
                to: (*to).clone(),
            }),
            _ => {
                out.extend(gone.into_iter().map(|place| SourceChange::Gone {
                    syscall: name.to_owned(),
                    place: place.clone(),
                }));
                out.extend(came.into_iter().map(|place| SourceChange::Came {
                    syscall: name.to_owned(),
                    place: place.clone(),
                }));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use renacer_trace::{
        SyscallRecord, SyscallResult,
        json::{Drops, JsonSyscall, ProcessInfo, TraceFile},
        stack::JsonSource,
    };

    use super::*;

    fn call(name_nr: u32, file: &str, line: u32) -> JsonSyscall {
        let rec = SyscallRecord {
            nr: name_nr,
            args: [1, 0, 0, 0, 0, 0],
            result: SyscallResult::Returned(0),
            timestamp_nanos: 0,
            duration_nanos: 0,
            pid: 1,
            tid: 1,
            cpu: 0,
            lamport: 0,
        };
        JsonSyscall {
            source: Some(JsonSource {
                file: Some(file.to_owned()),
                line: Some(line),
                function: Some("app::run".to_owned()),
                stack: Vec::new(),
            }),
            ..JsonSyscall::from(&rec)
        }
    }

    fn trace(calls: Vec<JsonSyscall>) -> TraceFile {
        TraceFile::from_syscalls(
            "0".repeat(32),
            ProcessInfo::default(),
            calls,
            Drops::default(),
        )
    }

    #[test]
    fn moved_appeared_and_unchanged_calls() {
        let golden = trace(vec![
            call(1, "src/main.rs", 29),
            call(1, "src/main.rs", 29),
            call(257, "src/main.rs", 26),
            call(3, "src/main.rs", 40),
        ]);
        assert!(compare_sources(&golden, &golden).is_empty());
        let new = trace(vec![
            call(257, "src/main.rs", 26),
            call(1, "src/main.rs", 31),
            call(3, "src/main.rs", 40),
            call(3, "src/main.rs", 41),
            call(202, "src/main.rs", 50),
        ]);
        let changes = compare_sources(&golden, &new);
        assert_eq!(
            changes.iter().map(ToString::to_string).collect::<Vec<_>>(),
            [
                "close now also called from src/main.rs:41",
                "write moved from src/main.rs:29 to src/main.rs:31",
            ],
            "futex (202) is timing-dependent, counts do not matter"
        );
        assert!(!changes[0].is_move() && changes[1].is_move());
        let without = trace(vec![call(257, "src/main.rs", 26)]);
        assert_eq!(
            compare_sources(&golden, &without)
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            [
                "close no longer called from src/main.rs:40",
                "write no longer called from src/main.rs:29",
            ]
        );
    }
}
