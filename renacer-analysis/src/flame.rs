//! Flamegraphs of a trace: syscall time by source stack, and the critical
//! path as a flame chart, in the folded-stack format (`a;b;c 123`) that
//! inferno (and Brendan Gregg's flamegraph.pl) renders.

use renacer_trace::json::{JsonFrame, JsonSyscall, TraceFile};

use crate::causality::CriticalPath;

/// What a flamegraph shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlameKind {
    /// Syscall time by process and user stack (`--source`, `-k`), merged.
    Stacks,
    /// The critical path's steps in order, by process (a flame chart).
    CriticalPath,
}

impl FlameKind {
    pub fn title(self) -> &'static str {
        match self {
            Self::Stacks => "syscall time by source stack",
            Self::CriticalPath => "critical path",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FlameError {
    #[error("the trace has no syscalls to draw")]
    Empty,
    #[error("rendering the flamegraph: {0}")]
    Render(String),
}

/// A frame name as the folded format allows it: `;` separates frames and
/// the last space precedes the count.
fn frame_name(name: &str) -> String {
    name.replace(';', ":").replace(['\n', '\r'], " ")
}

fn frame_label(frame: &JsonFrame) -> String {
    let place = match (&frame.file, frame.line) {
        (Some(file), Some(line)) => format!(" ({file}:{line})"),
        _ => String::new(),
    };
    match (&frame.function, &frame.module) {
        (Some(function), _) => format!("{function}{place}"),
        (None, Some(module)) => {
            let offset = if frame.offset.is_empty() {
                &frame.address
            } else {
                &frame.offset
            };
            format!("{module}+{offset}")
        }
        (None, None) => frame.address.clone(),
    }
}

/// The call's frames, outermost first: its stack when it has one, else its
/// source location alone, else nothing.
fn source_frames(call: &JsonSyscall) -> Vec<String> {
    let Some(source) = &call.source else {
        return Vec::new();
    };
    if !source.stack.is_empty() {
        return source.stack.iter().rev().map(frame_label).collect();
    }
    let place = match (&source.file, source.line) {
        (Some(file), Some(line)) => format!("{file}:{line}"),
        _ => String::new(),
    };
    match (&source.function, place.is_empty()) {
        (Some(function), false) => vec![format!("{function} ({place})")],
        (Some(function), true) => vec![function.clone()],
        (None, false) => vec![place],
        (None, true) => Vec::new(),
    }
}

/// Folded stacks of syscall time: `pid N;outer;...;inner;write NANOS`.
/// Calls are weighed by their duration; a trace without durations (an old
/// or hand-made one) by one per call.
pub fn stacks_folded(trace: &TraceFile) -> Vec<String> {
    let timed = trace.syscalls.iter().any(|c| c.duration_nanos > 0);
    let mut weights: std::collections::BTreeMap<String, u64> = std::collections::BTreeMap::new();
    for call in &trace.syscalls {
        let mut stack = vec![format!("pid {}", call.pid)];
        stack.extend(source_frames(call));
        stack.push(call.name.clone());
        let key = stack
            .iter()
            .map(|f| frame_name(f))
            .collect::<Vec<_>>()
            .join(";");
        let weight = if timed { call.duration_nanos } else { 1 };
        *weights.entry(key).or_default() += weight;
    }
    weights
        .into_iter()
        .filter(|&(_, w)| w > 0)
        .map(|(stack, w)| format!("{stack} {w}"))
        .collect()
}

/// The critical path's steps in path order, `critical path;pid N;name
/// WEIGHT`, consecutive steps of one call name in one process merged.
pub fn critical_path_folded(path: &CriticalPath) -> Vec<String> {
    let mut lines: Vec<(String, u64)> = Vec::new();
    for step in &path.steps {
        let stack = format!("critical path;pid {};{}", step.pid, frame_name(&step.name));
        match lines.last_mut() {
            Some((last, weight)) if *last == stack => *weight += step.weight_nanos,
            _ => lines.push((stack, step.weight_nanos)),
        }
    }
    lines
        .into_iter()
        .filter(|&(_, w)| w > 0)
        .map(|(stack, w)| format!("{stack} {w}"))
        .collect()
}

/// The folded lines of `kind` for `trace`.
pub fn folded(trace: &TraceFile, kind: FlameKind) -> Vec<String> {
    match kind {
        FlameKind::Stacks => stacks_folded(trace),
        FlameKind::CriticalPath => critical_path_folded(&crate::critical_path(trace)),
    }
}

/// An SVG flamegraph (inferno) of folded lines. A critical path is drawn
/// as a flame chart: in path order, not merged alphabetically.
pub fn render_svg(lines: &[String], kind: FlameKind) -> Result<String, FlameError> {
    if lines.is_empty() {
        return Err(FlameError::Empty);
    }
    let mut options = inferno::flamegraph::Options::default();
    options.title = kind.title().to_owned();
    options.count_name = "ns".to_owned();
    options.flame_chart = kind == FlameKind::CriticalPath;
    let mut svg = Vec::new();
    inferno::flamegraph::from_lines(&mut options, lines.iter().map(String::as_str), &mut svg)
        .map_err(|e| FlameError::Render(e.to_string()))?;
    String::from_utf8(svg).map_err(|e| FlameError::Render(e.to_string()))
}

#[cfg(test)]
mod tests {
    use renacer_trace::json::JsonSource;

    use super::*;
    use crate::testutil::{TraceBuilder, q};

    fn with_sources() -> TraceFile {
        let mut b = TraceBuilder::new(7);
        b.dur = 1_000;
        b.call(7, "write", &["1", &q("a;b\n"), "4"], 4)
            .call(7, "write", &["1", &q("c\n"), "2"], 2)
            .call(7, "close", &["3"], 0)
            .call(8, "read", &["0", "0x1", "1"], 1);
        let mut t = b.build();
        let stack = vec![
            JsonFrame {
                address: "0x1".to_owned(),
                function: Some("std::io::stdio::_print".to_owned()),
                ..Default::default()
            },
            JsonFrame {
                address: "0x2".to_owned(),
                function: Some("app::main".to_owned()),
                file: Some("src/main.rs".to_owned()),
                line: Some(45),
                ..Default::default()
            },
        ];
        for i in [0, 1] {
            t.syscalls[i].source = Some(JsonSource {
                file: Some("src/main.rs".to_owned()),
                line: Some(45),
                function: Some("app::main".to_owned()),
                stack: stack.clone(),
            });
        }
        t.syscalls[2].source = Some(JsonSource {
            file: Some("src/lib.rs".to_owned()),
            line: Some(9),
            function: Some("app::close;it".to_owned()),
            stack: Vec::new(),
        });
        t
    }

    #[test]
    fn stacks_merge_by_process_frames_and_call() {
        assert_eq!(
            stacks_folded(&with_sources()),
            [
                "pid 7;app::close:it (src/lib.rs:9);close 1000",
                "pid 7;app::main (src/main.rs:45);std::io::stdio::_print;write 2000",
                "pid 8;read 1000",
            ]
        );
    }

    #[test]
    fn untimed_traces_weigh_calls() {
        let mut t = with_sources();
        for call in &mut t.syscalls {
            call.duration_nanos = 0;
        }
        assert!(stacks_folded(&t).contains(&"pid 8;read 1".to_owned()));
    }

    #[test]
    fn the_critical_path_keeps_its_order() {
        let path = CriticalPath {
            total_nanos: 60,
            steps: [
                (1, "clone", 10),
                (1, "clone", 5),
                (2, "write", 30),
                (1, "wait4", 15),
            ]
            .into_iter()
            .enumerate()
            .map(|(index, (pid, name, weight))| crate::Step {
                index,
                pid,
                tid: pid,
                name: name.to_owned(),
                lamport: index as u64,
                duration_nanos: weight,
                weight_nanos: weight,
            })
            .collect(),
        };
        assert_eq!(
            critical_path_folded(&path),
            [
                "critical path;pid 1;clone 15",
                "critical path;pid 2;write 30",
                "critical path;pid 1;wait4 15",
            ]
        );
    }

    #[test]
    fn renders_an_svg_with_the_frames() {
        let t = with_sources();
        let svg = render_svg(&stacks_folded(&t), FlameKind::Stacks).expect("renders");
        assert!(svg.contains("<svg"), "{svg}");
        assert!(svg.contains("app::main (src/main.rs:45)"));
        assert!(matches!(
            render_svg(&[], FlameKind::Stacks),
            Err(FlameError::Empty)
        ));
    }
}
