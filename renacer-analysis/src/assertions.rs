//! Budget assertions from `renacer.toml`, checked against a trace in CI.
//!
//! ```toml
//! [[assertion]]
//! name = "build"
//! type = "critical_path"
//! max_duration_ms = 1000
//! trace_name_pattern = "^make"   # optional
//! fail_on_violation = true       # default true; false only warns
//! enabled = true                 # default true
//! ```
//!
//! | `type` | fields | actual value |
//! | --- | --- | --- |
//! | `critical_path` | `max_duration_ms`, `trace_name_pattern`? | length of the [critical path](crate::causality) in ms; skipped when the regex matches neither the command line (joined by spaces) nor the trace id |
//! | `span_count` | `max_spans`, `span_name_pattern`? | number of syscall records (spans) whose name matches the regex (all without one) |
//! | `memory_usage` | `max_bytes`, `tracking_mode` = `"allocations"` (default) \| `"rss"` | [peak estimate](crate::memory) in bytes |
//! | `anti_pattern` | `pattern` = `"TightLoop"` \| `"GodProcess"` \| `"PcieBottleneck"`, `threshold` (a fraction), `process_name_pattern`? | [detector value](crate::antipatterns), in `[0, 1]`; skipped when the regex does not match the command line |
//!
//! Every assertion passes when its value is at most its budget. Unknown
//! keys, unknown types, fields of another type, missing fields, bad values
//! and invalid regexes are errors that carry the line and column.

use std::fmt;
use std::ops::Range;

use regex::Regex;
use serde::Deserialize;
use toml::Spanned;

use renacer_trace::json::TraceFile;

use crate::antipatterns::{god_process, pcie_share, tight_loop};
use crate::causality::critical_path;
pub use crate::memory::TrackingMode;
use crate::memory::peak_bytes;
use crate::util::format_bytes;

/// A parsed `renacer.toml`.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub assertions: Vec<Assertion>,
}

#[derive(Debug, Clone)]
pub struct Assertion {
    pub name: String,
    pub kind: AssertionKind,
    /// A violation fails the run (exit code); otherwise it only warns.
    pub fail_on_violation: bool,
    pub enabled: bool,
}

#[derive(Debug, Clone)]
pub enum AssertionKind {
    CriticalPath {
        max_duration_ms: f64,
        trace_name_pattern: Option<Regex>,
    },
    SpanCount {
        max_spans: u64,
        span_name_pattern: Option<Regex>,
    },
    MemoryUsage {
        max_bytes: u64,
        tracking_mode: TrackingMode,
    },
    AntiPattern {
        pattern: AntiPattern,
        threshold: f64,
        process_name_pattern: Option<Regex>,
    },
}

impl AssertionKind {
    /// The `type` value.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::CriticalPath { .. } => "critical_path",
            Self::SpanCount { .. } => "span_count",
            Self::MemoryUsage { .. } => "memory_usage",
            Self::AntiPattern { .. } => "anti_pattern",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AntiPattern {
    TightLoop,
    GodProcess,
    PcieBottleneck,
}

/// `renacer.toml` is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid renacer.toml at line {line}, column {column}: {message}")]
pub struct ConfigError {
    /// 1-based.
    pub line: usize,
    /// 1-based, in characters.
    pub column: usize,
    pub message: String,
}

impl ConfigError {
    fn at(text: &str, offset: usize, message: impl Into<String>) -> Self {
        let offset = offset.min(text.len());
        let before = text.get(..offset).unwrap_or(text);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |p| p + 1);
        let column = before[line_start..].chars().count() + 1;
        Self {
            line,
            column,
            message: message.into(),
        }
    }
}

// The raw document: every field optional and spanned, so that each type's
// rules can be checked here with a precise position. Unknown keys are
// rejected by serde, whose error toml places itself.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    assertion: Vec<Spanned<RawAssertion>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAssertion {
    name: Option<Spanned<String>>,
    #[serde(rename = "type")]
    kind: Option<Spanned<String>>,
    fail_on_violation: Option<bool>,
    enabled: Option<bool>,
    max_duration_ms: Option<Spanned<f64>>,
    trace_name_pattern: Option<Spanned<String>>,
    max_spans: Option<Spanned<u64>>,
    span_name_pattern: Option<Spanned<String>>,
    max_bytes: Option<Spanned<u64>>,
    tracking_mode: Option<Spanned<String>>,
    pattern: Option<Spanned<String>>,
    threshold: Option<Spanned<f64>>,
    process_name_pattern: Option<Spanned<String>>,
}

const TYPES: &str = "critical_path, span_count, memory_usage, anti_pattern";

impl RawAssertion {
    /// Type-specific fields that are present, with their spans.
    fn typed_fields(&self) -> Vec<(&'static str, Range<usize>)> {
        let mut out = Vec::new();
        macro_rules! field {
            ($f:ident) => {
                if let Some(v) = &self.$f {
                    out.push((stringify!($f), v.span()));
                }
            };
        }
        field!(max_duration_ms);
        field!(trace_name_pattern);
        field!(max_spans);
        field!(span_name_pattern);
        field!(max_bytes);
        field!(tracking_mode);
        field!(pattern);
        field!(threshold);
        field!(process_name_pattern);
        out
    }
}

/// Parses `renacer.toml`.
pub fn parse_config(text: &str) -> Result<Config, ConfigError> {
    let raw: RawConfig = toml::from_str(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        ConfigError::at(text, offset, e.message().trim_end())
    })?;
    let assertions = raw
        .assertion
        .into_iter()
        .map(|a| {
            let table = a.span();
            convert(text, table, a.into_inner())
        })
        .collect::<Result<_, _>>()?;
    Ok(Config { assertions })
}

impl std::str::FromStr for Config {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_config(s)
    }
}

fn convert(text: &str, table: Range<usize>, raw: RawAssertion) -> Result<Assertion, ConfigError> {
    let err = |span: Range<usize>, msg: String| ConfigError::at(text, span.start, msg);
    let name = raw
        .name
        .as_ref()
        .ok_or_else(|| err(table.clone(), "assertion is missing `name`".to_owned()))?;
    let label = format!("assertion {:?}", name.get_ref());
    let kind_name = raw.kind.as_ref().ok_or_else(|| {
        err(
            table.clone(),
            format!("{label} is missing `type` ({TYPES})"),
        )
    })?;
    let allowed: &[&str] = match kind_name.get_ref().as_str() {
        "critical_path" => &["max_duration_ms", "trace_name_pattern"],
        "span_count" => &["max_spans", "span_name_pattern"],
        "memory_usage" => &["max_bytes", "tracking_mode"],
        "anti_pattern" => &["pattern", "threshold", "process_name_pattern"],
        other => {
            return Err(err(
                kind_name.span(),
                format!("{label}: unknown type {other:?} (expected one of {TYPES})"),
            ));
        }
    };
    let type_name = kind_name.get_ref().as_str();
    if let Some((field, span)) = raw
        .typed_fields()
        .into_iter()
        .find(|(f, _)| !allowed.contains(f))
    {
        return Err(err(
            span,
            format!(
                "{label}: `{field}` does not apply to type {type_name:?} (its fields: {})",
                allowed.join(", ")
            ),
        ));
    }
    let required = |present: bool, field: &str| {
        if present {
            Ok(())
        } else {
            Err(err(
                table.clone(),
                format!("{label} ({type_name}) is missing `{field}`"),
            ))
        }
    };
    let regex = |s: &Option<Spanned<String>>| -> Result<Option<Regex>, ConfigError> {
        s.as_ref()
            .map(|s| {
                Regex::new(s.get_ref()).map_err(|e| {
                    // regex's message draws a caret over several lines; its last line says what is wrong.
                    let full = e.to_string();
                    let why = full
                        .lines()
                        .last()
                        .unwrap_or_default()
                        .trim_start_matches("error: ")
                        .to_owned();
                    err(
                        s.span(),
                        format!("{label}: invalid regex {:?}: {why}", s.get_ref()),
                    )
                })
            })
            .transpose()
    };
    let non_negative = |v: &Spanned<f64>, field: &str| {
        let x = *v.get_ref();
        if x.is_finite() && x >= 0.0 {
            Ok(x)
        } else {
            Err(err(
                v.span(),
                format!("{label}: `{field}` must be a non-negative number"),
            ))
        }
    };

    let kind = match type_name {
        "critical_path" => {
            required(raw.max_duration_ms.is_some(), "max_duration_ms")?;
            let max = raw
                .max_duration_ms
                .as_ref()
                .map(|v| non_negative(v, "max_duration_ms"))
                .transpose()?
                .unwrap_or_default();
            AssertionKind::CriticalPath {
                max_duration_ms: max,
                trace_name_pattern: regex(&raw.trace_name_pattern)?,
            }
        }
        "span_count" => {
            required(raw.max_spans.is_some(), "max_spans")?;
            AssertionKind::SpanCount {
                max_spans: raw.max_spans.as_ref().map_or(0, |v| *v.get_ref()),
                span_name_pattern: regex(&raw.span_name_pattern)?,
            }
        }
        "memory_usage" => {
            required(raw.max_bytes.is_some(), "max_bytes")?;
            let tracking_mode = match &raw.tracking_mode {
                None => TrackingMode::Allocations,
                Some(m) => match m.get_ref().as_str() {
                    "allocations" => TrackingMode::Allocations,
                    "rss" => TrackingMode::Rss,
                    other => {
                        return Err(err(
                            m.span(),
                            format!(
                                "{label}: unknown tracking_mode {other:?} (expected \"allocations\" or \"rss\")"
                            ),
                        ));
                    }
                },
            };
            AssertionKind::MemoryUsage {
                max_bytes: raw.max_bytes.as_ref().map_or(0, |v| *v.get_ref()),
                tracking_mode,
            }
        }
        _ => {
            required(raw.pattern.is_some(), "pattern")?;
            required(raw.threshold.is_some(), "threshold")?;
            let pattern = match &raw.pattern {
                Some(p) => match p.get_ref().as_str() {
                    "TightLoop" => AntiPattern::TightLoop,
                    "GodProcess" => AntiPattern::GodProcess,
                    "PcieBottleneck" => AntiPattern::PcieBottleneck,
                    other => {
                        return Err(err(
                            p.span(),
                            format!(
                                "{label}: unknown pattern {other:?} (expected TightLoop, GodProcess or PcieBottleneck)"
                            ),
                        ));
                    }
                },
                None => AntiPattern::TightLoop,
            };
            let threshold = raw
                .threshold
                .as_ref()
                .map(|v| non_negative(v, "threshold"))
                .transpose()?
                .unwrap_or_default();
            AssertionKind::AntiPattern {
                pattern,
                threshold,
                process_name_pattern: regex(&raw.process_name_pattern)?,
            }
        }
    };
    Ok(Assertion {
        name: name.get_ref().clone(),
        kind,
        fail_on_violation: raw.fail_on_violation.unwrap_or(true),
        enabled: raw.enabled.unwrap_or(true),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Pass,
    /// Violated, with `fail_on_violation = false`.
    Warn,
    /// Violated: the run fails.
    Fail,
    /// Disabled, or not applicable to this trace.
    Skipped,
}

/// How the value and budget of an assertion are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Millis,
    Count,
    Bytes,
    Ratio,
}

impl Unit {
    fn show(self, v: f64) -> String {
        match self {
            Self::Millis => format!("{v:.1} ms"),
            Self::Count => format!("{v:.0}"),
            Self::Bytes => format_bytes(v),
            Self::Ratio => format!("{v:.3}"),
        }
    }
}

/// The result of one assertion.
#[derive(Debug, Clone, PartialEq)]
pub struct AssertionOutcome {
    pub name: String,
    /// The `type` value.
    pub kind: &'static str,
    /// Value within budget (also true when skipped).
    pub passed: bool,
    /// `None` when skipped.
    pub actual: Option<f64>,
    pub budget: f64,
    pub unit: Unit,
    /// `(actual - budget) / budget`; `None` when skipped or the budget is 0.
    pub regression: Option<f64>,
    pub severity: Severity,
    /// Why it was skipped, or where an anti-pattern was found.
    pub note: Option<String>,
}

impl fmt::Display for AssertionOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tag = match self.severity {
            Severity::Pass => "PASS",
            Severity::Warn => "WARN",
            Severity::Fail => "FAIL",
            Severity::Skipped => "SKIP",
        };
        write!(f, "{tag} {} '{}'", self.kind, self.name)?;
        match self.actual {
            None => {}
            Some(actual) => {
                let op = if self.passed { "<=" } else { ">" };
                write!(
                    f,
                    " {} {op} {}",
                    self.unit.show(actual),
                    self.unit.show(self.budget)
                )?;
                if let Some(r) = self.regression {
                    write!(f, " ({:+.1}%)", r * 100.0)?;
                }
            }
        }
        if let Some(note) = &self.note {
            write!(f, " ({note})")?;
        }
        Ok(())
    }
}

/// Checks every assertion of `config` against `trace`.
pub fn evaluate(config: &Config, trace: &TraceFile) -> Vec<AssertionOutcome> {
    config
        .assertions
        .iter()
        .map(|a| evaluate_one(a, trace))
        .collect()
}

fn budget_and_unit(kind: &AssertionKind) -> (f64, Unit) {
    match kind {
        AssertionKind::CriticalPath {
            max_duration_ms, ..
        } => (*max_duration_ms, Unit::Millis),
        AssertionKind::SpanCount { max_spans, .. } => (*max_spans as f64, Unit::Count),
        AssertionKind::MemoryUsage { max_bytes, .. } => (*max_bytes as f64, Unit::Bytes),
        AssertionKind::AntiPattern { threshold, .. } => (*threshold, Unit::Ratio),
    }
}

/// The measured value of an assertion and a note about it; `Err` with the
/// reason when it does not apply to this trace.
fn measure(kind: &AssertionKind, trace: &TraceFile) -> Result<(f64, Option<String>), String> {
    Ok(match kind {
        AssertionKind::CriticalPath {
            trace_name_pattern, ..
        } => {
            applies(trace_name_pattern.as_ref(), trace)?;
            (critical_path(trace).total_nanos as f64 / 1e6, None)
        }
        AssertionKind::SpanCount {
            span_name_pattern, ..
        } => {
            let n = trace
                .syscalls
                .iter()
                .filter(|s| {
                    span_name_pattern
                        .as_ref()
                        .is_none_or(|re| re.is_match(&s.name))
                })
                .count();
            (n as f64, None)
        }
        AssertionKind::MemoryUsage { tracking_mode, .. } => {
            (peak_bytes(trace, *tracking_mode) as f64, None)
        }
        AssertionKind::AntiPattern {
            pattern,
            process_name_pattern,
            ..
        } => {
            applies(process_name_pattern.as_ref(), trace)?;
            anti_pattern_value(*pattern, trace)
        }
    })
}

/// A detector's value and where it found the pattern.
fn anti_pattern_value(pattern: AntiPattern, trace: &TraceFile) -> (f64, Option<String>) {
    match pattern {
        AntiPattern::TightLoop => match tight_loop(trace) {
            Some(l) => (
                l.share,
                Some(format!(
                    "{} x{} in tid {} from #{}, of its {} calls",
                    l.name, l.length, l.tid, l.first_index, l.thread_calls
                )),
            ),
            None => (0.0, None),
        },
        AntiPattern::GodProcess => match god_process(trace) {
            Some(p) => (
                p.share,
                Some(format!(
                    "pid {}: {:.0}% of syscalls, {:.0}% of time",
                    p.pid,
                    p.syscall_share * 100.0,
                    p.time_share * 100.0
                )),
            ),
            None => (0.0, Some("single process".to_owned())),
        },
        AntiPattern::PcieBottleneck => (pcie_share(trace), None),
    }
}

/// `Err` with the reason when `pattern` matches neither the traced command
/// line (joined by spaces) nor the trace id.
fn applies(pattern: Option<&Regex>, trace: &TraceFile) -> Result<(), String> {
    match pattern {
        Some(re)
            if !re.is_match(&trace.process.command.join(" ")) && !re.is_match(&trace.trace_id) =>
        {
            Err(format!("trace does not match /{}/", re.as_str()))
        }
        _ => Ok(()),
    }
}

fn evaluate_one(a: &Assertion, trace: &TraceFile) -> AssertionOutcome {
    let (budget, unit) = budget_and_unit(&a.kind);
    let mut out = AssertionOutcome {
        name: a.name.clone(),
        kind: a.kind.type_name(),
        passed: true,
        actual: None,
        budget,
        unit,
        regression: None,
        severity: Severity::Skipped,
        note: None,
    };
    if !a.enabled {
        out.note = Some("disabled".to_owned());
        return out;
    }
    let (actual, note) = match measure(&a.kind, trace) {
        Ok(m) => m,
        Err(reason) => {
            out.note = Some(reason);
            return out;
        }
    };
    out.actual = Some(actual);
    out.passed = actual <= budget;
    out.regression = (budget > 0.0).then(|| (actual - budget) / budget);
    out.note = note;
    out.severity = match (out.passed, a.fail_on_violation) {
        (true, _) => Severity::Pass,
        (false, true) => Severity::Fail,
        (false, false) => Severity::Warn,
    };
    out
}

/// The report `renacerctl assert` prints: a warning when `trace` lost
/// events, one line per assertion, then the tally.
pub fn report(outcomes: &[AssertionOutcome], trace: &TraceFile) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    if let Some(warning) = crate::util::lost_events(trace) {
        let _ = writeln!(out, "warning: {warning}");
    }
    let mut tally = [0usize; 4];
    for o in outcomes {
        let _ = writeln!(out, "{o}");
        tally[match o.severity {
            Severity::Pass => 0,
            Severity::Fail => 1,
            Severity::Warn => 2,
            Severity::Skipped => 3,
        }] += 1;
    }
    let verdict = if exit_code(outcomes) == 0 {
        "PASS"
    } else {
        "FAIL"
    };
    let _ = writeln!(
        out,
        "{verdict}: {} passed, {} failed, {} warned, {} skipped",
        tally[0], tally[1], tally[2], tally[3]
    );
    out
}

/// The process exit code for CI: 1 when an enabled assertion with
/// `fail_on_violation` failed, else 0.
pub fn exit_code(outcomes: &[AssertionOutcome]) -> i32 {
    i32::from(outcomes.iter().any(|o| o.severity == Severity::Fail))
}

#[cfg(test)]
mod tests {
    /// The README's renacer.toml reference example parses, every type in it.
    #[test]
    fn readme_example_parses() {
        let readme = include_str!("../../README.md");
        let section = &readme[readme.find("## renacer.toml reference").unwrap_or(0)..];
        let start = section.find("```toml\n").map(|i| i + "```toml\n".len());
        let block = start.and_then(|s| section[s..].find("```").map(|e| &section[s..s + e]));
        let config = parse_config(block.unwrap_or_default()).unwrap_or_else(|err| panic!("{err}"));
        let types: std::collections::BTreeSet<&str> = config
            .assertions
            .iter()
            .map(|a| a.kind.type_name())
            .collect();
        assert_eq!(
            types.into_iter().collect::<Vec<_>>(),
            [
                "anti_pattern",
                "critical_path",
                "memory_usage",
                "span_count"
            ]
        );
        assert_eq!(config.assertions.len(), 7);
    }

    use super::*;
    use crate::testutil::{TraceBuilder, q};

    fn config(text: &str) -> Config {
        parse_config(text).unwrap_or_else(|e| panic!("{e}"))
    }

    fn error(text: &str) -> ConfigError {
        let e = parse_config(text).expect_err("invalid config");
        eprintln!("{e}");
        e
    }

    /// 10 ms of work in one process: 5 writes of 1 ms with 1 ms gaps.
    fn trace() -> TraceFile {
        let mut b = TraceBuilder::new(7).command(&["make", "all"]);
        b.dur = 1_000_000;
        b.gap = 1_000_000;
        b.call(7, "brk", &["NULL"], 0x1000_0000)
            .call(7, "brk", &["0x10100000"], 0x1010_0000);
        for _ in 0..3 {
            b.call(7, "write", &["1", &q("x"), "1"], 1);
        }
        b.build()
    }

    fn outcome(text: &str, trace: &TraceFile) -> AssertionOutcome {
        let outcomes = evaluate(&config(text), trace);
        assert_eq!(outcomes.len(), 1);
        outcomes.into_iter().next().expect("one outcome")
    }

    #[test]
    fn critical_path_budget() {
        let t = trace();
        let pass = outcome(
            "[[assertion]]\nname = \"build\"\ntype = \"critical_path\"\nmax_duration_ms = 12\n",
            &t,
        );
        assert_eq!(pass.actual, Some(9.0));
        assert_eq!((pass.passed, pass.severity), (true, Severity::Pass));
        assert_eq!(
            pass.to_string(),
            "PASS critical_path 'build' 9.0 ms <= 12.0 ms (-25.0%)"
        );
        let fail = outcome(
            "[[assertion]]\nname = \"build\"\ntype = \"critical_path\"\nmax_duration_ms = 7.5\n",
            &t,
        );
        assert_eq!((fail.passed, fail.severity), (false, Severity::Fail));
        assert_eq!(
            fail.to_string(),
            "FAIL critical_path 'build' 9.0 ms > 7.5 ms (+20.0%)"
        );
        assert_eq!(exit_code(&[pass.clone(), fail.clone()]), 1);
        assert_eq!(exit_code(&[pass]), 0);
        // The pattern selects traces by command line or trace id.
        let other = outcome(
            "[[assertion]]\nname = \"b\"\ntype = \"critical_path\"\nmax_duration_ms = 1\ntrace_name_pattern = \"^cargo\"\n",
            &t,
        );
        assert_eq!((other.severity, other.passed), (Severity::Skipped, true));
        assert!(
            other.to_string().starts_with("SKIP critical_path 'b'"),
            "{other}"
        );
        let matching = outcome(
            "[[assertion]]\nname = \"b\"\ntype = \"critical_path\"\nmax_duration_ms = 1\ntrace_name_pattern = \"^make \"\n",
            &t,
        );
        assert_eq!(matching.severity, Severity::Fail);
    }

    #[test]
    fn span_count_budget() {
        let t = trace();
        let all = outcome(
            "[[assertion]]\nname = \"s\"\ntype = \"span_count\"\nmax_spans = 5\n",
            &t,
        );
        assert_eq!((all.actual, all.passed), (Some(5.0), true));
        assert_eq!(all.regression, Some(0.0));
        let writes = outcome(
            "[[assertion]]\nname = \"w\"\ntype = \"span_count\"\nmax_spans = 2\nspan_name_pattern = \"^wr\"\n",
            &t,
        );
        assert_eq!(
            (writes.actual, writes.severity),
            (Some(3.0), Severity::Fail)
        );
        assert_eq!(writes.to_string(), "FAIL span_count 'w' 3 > 2 (+50.0%)");
    }

    #[test]
    fn memory_budget() {
        let t = trace();
        let pass = outcome(
            "[[assertion]]\nname = \"m\"\ntype = \"memory_usage\"\nmax_bytes = 2097152\ntracking_mode = \"rss\"\n",
            &t,
        );
        assert_eq!(pass.actual, Some(1_048_576.0));
        assert_eq!(
            pass.to_string(),
            "PASS memory_usage 'm' 1.0 MiB <= 2.0 MiB (-50.0%)"
        );
        let fail = outcome(
            "[[assertion]]\nname = \"m\"\ntype = \"memory_usage\"\nmax_bytes = 1000\n",
            &t,
        );
        assert_eq!(fail.severity, Severity::Fail);
    }

    #[test]
    fn anti_patterns() {
        let mut b = TraceBuilder::new(1);
        for _ in 0..50 {
            b.call(
                1,
                "recvfrom",
                &["3", "0x7ffd0000", "4096", "0", "NULL", "NULL"],
                -11,
            );
        }
        b.call(2, "write", &["1", &q("x"), "1"], 1);
        let t = b.build();
        let tight = |threshold: f64| {
            outcome(
                &format!(
                    "[[assertion]]\nname = \"spin\"\ntype = \"anti_pattern\"\npattern = \"TightLoop\"\nthreshold = {threshold}\n"
                ),
                &t,
            )
        };
        // All 50 calls of thread 1 spin.
        assert_eq!((tight(1.0).passed, tight(1.0).actual), (true, Some(1.0)));
        let fail = tight(0.9);
        assert_eq!(fail.severity, Severity::Fail);
        assert!(fail.to_string().contains("recvfrom x50 in tid 1"), "{fail}");
        let god = |threshold: f64| {
            outcome(
                &format!(
                    "[[assertion]]\nname = \"god\"\ntype = \"anti_pattern\"\npattern = \"GodProcess\"\nthreshold = {threshold}\n"
                ),
                &t,
            )
        };
        let share = 50.0 / 51.0;
        assert!(god(0.99).passed);
        let g = god(0.9);
        assert!(!g.passed);
        assert!((g.actual.unwrap_or_default() - share).abs() < 1e-9);
        // One process: not applicable, passes.
        let single = outcome(
            "[[assertion]]\nname = \"god\"\ntype = \"anti_pattern\"\npattern = \"GodProcess\"\nthreshold = 0.1\n",
            &trace(),
        );
        assert!(single.passed, "{single}");
        assert!(single.to_string().contains("single process"), "{single}");
        let pcie = outcome(
            "[[assertion]]\nname = \"gpu\"\ntype = \"anti_pattern\"\npattern = \"PcieBottleneck\"\nthreshold = 0.5\n",
            &t,
        );
        assert_eq!((pcie.actual, pcie.passed), (Some(0.0), true));
        let mut g = TraceBuilder::new(1);
        g.call(1, "openat", &["AT_FDCWD", &q("/dev/nvidia0"), "O_RDWR"], 5);
        for _ in 0..10 {
            g.call(1, "ioctl", &["5", "0xc0104629", "0x7ffd0000"], 0);
        }
        let pcie = outcome(
            "[[assertion]]\nname = \"gpu\"\ntype = \"anti_pattern\"\npattern = \"PcieBottleneck\"\nthreshold = 0.5\n",
            &g.build(),
        );
        assert_eq!(pcie.severity, Severity::Fail);
        assert!((pcie.actual.unwrap_or_default() - 10.0 / 11.0).abs() < 1e-9);
    }

    #[test]
    fn warn_and_disabled() {
        let t = trace();
        let text = r#"
[[assertion]]
name = "soft"
type = "span_count"
max_spans = 1
fail_on_violation = false

[[assertion]]
name = "off"
type = "span_count"
max_spans = 1
enabled = false
"#;
        let outcomes = evaluate(&config(text), &t);
        assert_eq!(outcomes[0].severity, Severity::Warn);
        assert!(!outcomes[0].passed);
        assert!(
            outcomes[0]
                .to_string()
                .starts_with("WARN span_count 'soft' 5 > 1")
        );
        assert_eq!(outcomes[1].severity, Severity::Skipped);
        assert_eq!(outcomes[1].actual, None);
        assert_eq!(outcomes[1].to_string(), "SKIP span_count 'off' (disabled)");
        assert_eq!(exit_code(&outcomes), 0);
    }

    #[test]
    fn empty_config() {
        assert!(config("").assertions.is_empty());
        assert_eq!(exit_code(&[]), 0);
    }

    /// The schema renacer users already have: every type, the optional
    /// fields, comments, and `process_name_pattern` on anti-patterns.
    #[test]
    fn existing_user_config() {
        let c = config(
            r#"
# budgets for the nightly job
[[assertion]]
name = "request_latency"
type = "critical_path"
max_duration_ms = 250
trace_name_pattern = "server.*"
fail_on_violation = true
enabled = true

[[assertion]]
name = "one_process_does_it_all"
type = "anti_pattern"
pattern = "GodProcess"
threshold = 0.75
process_name_pattern = ".*"

[[assertion]]
name = "busy_wait"
type = "anti_pattern"
pattern = "TightLoop"
threshold = 0.9

[[assertion]]
name = "opens"
type = "span_count"
max_spans = 200
span_name_pattern = "open.*"
fail_on_violation = false  # warning only

[[assertion]]
name = "heap"
type = "memory_usage"
max_bytes = 50000000
tracking_mode = "rss"
enabled = false
"#,
        );
        assert_eq!(c.assertions.len(), 5);
        let t = trace();
        let outcomes = evaluate(&c, &t);
        // trace_name_pattern does not match `make all`: skipped.
        assert_eq!(outcomes[0].severity, Severity::Skipped);
        assert_eq!(outcomes[1].severity, Severity::Pass, "{}", outcomes[1]);
        // No spinning in the sample trace.
        assert_eq!(outcomes[2].actual, Some(0.0));
        assert_eq!(outcomes[4].severity, Severity::Skipped);
        let only_make = config(
            "[[assertion]]\nname = \"g\"\ntype = \"anti_pattern\"\npattern = \"GodProcess\"\nthreshold = 0.5\nprocess_name_pattern = \"^cargo\"\n",
        );
        assert_eq!(evaluate(&only_make, &t)[0].severity, Severity::Skipped);
    }

    #[test]
    fn errors_have_positions() {
        let e =
            error("[[assertion]]\nname = \"a\"\ntype = \"critical_paht\"\nmax_duration_ms = 1\n");
        assert_eq!((e.line, e.column), (3, 8), "{e}");
        assert!(e.message.contains("unknown type \"critical_paht\""), "{e}");

        let e = error(
            "[[assertion]]\nname = \"a\"\ntype = \"span_count\"\nmax_spans = 3\nmax_span = 4\n",
        );
        assert_eq!(e.line, 5, "{e}");
        assert!(e.message.contains("max_span"), "{e}");

        let e = error(
            "[[assertion]]\nname = \"a\"\ntype = \"span_count\"\nmax_spans = 3\nmax_bytes = 4\n",
        );
        assert_eq!((e.line, e.column), (5, 13), "{e}");
        assert!(
            e.message
                .contains("`max_bytes` does not apply to type \"span_count\""),
            "{e}"
        );

        let e = error("[[assertion]]\nname = \"a\"\ntype = \"span_count\"\nmax_spans = \"many\"\n");
        assert_eq!(e.line, 4, "{e}");

        let e = error(
            "[[assertion]]\nname = \"a\"\ntype = \"span_count\"\nspan_name_pattern = \"(\"\nmax_spans = 1\n",
        );
        assert_eq!((e.line, e.column), (4, 21), "{e}");
        assert!(e.message.contains("invalid regex"), "{e}");

        let e = error(
            "[[assertion]]\nname = \"a\"\ntype = \"anti_pattern\"\npattern = \"Spaghetti\"\nthreshold = 1\n",
        );
        assert_eq!(e.line, 4, "{e}");

        let e = error(
            "[[assertion]]\nname = \"a\"\ntype = \"memory_usage\"\nmax_bytes = 1\ntracking_mode = \"pss\"\n",
        );
        assert_eq!(e.line, 5, "{e}");

        let e = error("\n[[assertion]]\nname = \"a\"\ntype = \"memory_usage\"\n");
        assert!(e.message.contains("missing `max_bytes`"), "{e}");
        assert!(e.line == 2 || e.line == 3, "{e}");

        let e =
            error("[[assertion]]\nname = \"a\"\ntype = \"critical_path\"\nmax_duration_ms = -1\n");
        assert_eq!(e.line, 4, "{e}");

        let e = error(
            "[[assertion]]\nname = \"a\"\ntype = \"critical_path\"\nmax_duration_ms = 1\n[[assertion]]\nname = \"b\n",
        );
        assert_eq!(e.line, 6, "{e}");

        let e = error("[budget]\nx = 1\n");
        assert_eq!(e.line, 1, "{e}");
        assert!(e.message.contains("budget"), "{e}");
        assert!(
            e.to_string()
                .starts_with("invalid renacer.toml at line 1, column 2"),
            "{e}"
        );
    }
}
