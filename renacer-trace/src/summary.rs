//! Per-syscall call/error/time totals and the `strace -c` table.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::record::SyscallRecord;
use crate::record::SyscallResult;
use crate::syscalls;

/// One line of the summary table.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SummaryRow {
    pub name: String,
    pub calls: u64,
    pub errors: u64,
    pub total_nanos: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Counts {
    calls: u64,
    errors: u64,
    total_nanos: u64,
}

impl Counts {
    fn merge(&mut self, other: &Counts) {
        self.calls = self.calls.saturating_add(other.calls);
        self.errors = self.errors.saturating_add(other.errors);
        self.total_nanos = self.total_nanos.saturating_add(other.total_nanos);
    }
}

/// Streaming per-syscall totals.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Keyed by number so that `add` does not allocate.
    by_nr: BTreeMap<u32, Counts>,
    /// Transported rows whose name maps to no number (e.g. written by a newer
    /// renacer with a larger table); kept verbatim.
    by_name: BTreeMap<String, Counts>,
}

/// Inverse of `syscalls::display_name`, so rows survive a round trip through names.
fn nr_from_display_name(name: &str) -> Option<u32> {
    if let Some(nr) = syscalls::number(name) {
        return Some(nr);
    }
    let nr = u32::from_str_radix(name.strip_prefix("syscall_0x")?, 16).ok()?;
    // Reject spellings such as `syscall_0x0` that display_name never produces.
    (syscalls::display_name(nr) == name).then_some(nr)
}

impl Summary {
    /// Counts calls that returned, as `strace -c` does: `exit_group` and
    /// calls unfinished at the end have no duration and are left out.
    pub fn add(&mut self, rec: &SyscallRecord) {
        if !matches!(rec.result, SyscallResult::Returned(_)) {
            return;
        }
        let counts = self.by_nr.entry(rec.nr).or_default();
        counts.merge(&Counts {
            calls: 1,
            errors: u64::from(rec.result.is_error()),
            total_nanos: rec.duration_nanos,
        });
    }

    /// Adds calls counted elsewhere (the kernel's summary of a `-c` capture).
    pub fn add_counts(&mut self, nr: u32, calls: u64, errors: u64, total_nanos: u64) {
        self.by_nr.entry(nr).or_default().merge(&Counts {
            calls,
            errors,
            total_nanos,
        });
    }

    pub fn from_records<'a>(recs: impl IntoIterator<Item = &'a SyscallRecord>) -> Self {
        let mut summary = Self::default();
        for rec in recs {
            summary.add(rec);
        }
        summary
    }

    /// Rows sorted as `strace -c` sorts: time descending, then calls
    /// descending, then name.
    pub fn rows(&self) -> Vec<SummaryRow> {
        let named = self
            .by_nr
            .iter()
            .map(|(&nr, c)| (syscalls::display_name(nr).into_owned(), c));
        let unnamed = self.by_name.iter().map(|(name, c)| (name.clone(), c));
        let mut rows: Vec<SummaryRow> = named
            .chain(unnamed)
            .map(|(name, c)| SummaryRow {
                name,
                calls: c.calls,
                errors: c.errors,
                total_nanos: c.total_nanos,
            })
            .collect();
        rows.sort_by(|a, b| {
            b.total_nanos
                .cmp(&a.total_nanos)
                .then(b.calls.cmp(&a.calls))
                .then_with(|| a.name.cmp(&b.name))
        });
        rows
    }

    fn all_counts(&self) -> impl Iterator<Item = &Counts> {
        self.by_nr.values().chain(self.by_name.values())
    }

    pub fn total_calls(&self) -> u64 {
        self.all_counts()
            .map(|c| c.calls)
            .fold(0, u64::saturating_add)
    }

    pub fn total_errors(&self) -> u64 {
        self.all_counts()
            .map(|c| c.errors)
            .fold(0, u64::saturating_add)
    }

    pub fn total_nanos(&self) -> u64 {
        self.all_counts()
            .map(|c| c.total_nanos)
            .fold(0, u64::saturating_add)
    }

    pub fn merge(&mut self, other: &Summary) {
        for (&nr, c) in &other.by_nr {
            self.by_nr.entry(nr).or_default().merge(c);
        }
        for (name, c) in &other.by_name {
            self.by_name.entry(name.clone()).or_default().merge(c);
        }
    }

    /// Rebuilds a summary from transported rows; rows with the same name add up.
    pub fn from_rows(rows: Vec<SummaryRow>) -> Self {
        let mut summary = Self::default();
        for row in rows {
            let counts = Counts {
                calls: row.calls,
                errors: row.errors,
                total_nanos: row.total_nanos,
            };
            match nr_from_display_name(&row.name) {
                Some(nr) => summary.by_nr.entry(nr).or_default().merge(&counts),
                None => summary.by_name.entry(row.name).or_default().merge(&counts),
            }
        }
        summary
    }
}

/// Seconds as strace computes them (`ts_float`), so rounding matches.
fn seconds(nanos: u64) -> f64 {
    (nanos / 1_000_000_000) as f64 + (nanos % 1_000_000_000) as f64 / 1e9
}

/// strace's `-S`: how the `-c` table's rows are ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum SortBy {
    /// Total time, descending (strace's default).
    #[default]
    Time,
    /// Calls, descending.
    Calls,
    /// Errors, descending.
    Errors,
    /// Syscall name, ascending.
    Name,
    /// Average time per call, descending.
    AvgTime,
    /// No sorting: syscall-number order.
    Nothing,
}

impl SortBy {
    /// strace's `-S` names (and their aliases).
    pub fn parse(value: &str) -> Option<Self> {
        Some(match value {
            "time" | "time-percent" | "time-total" | "total-time" => Self::Time,
            "calls" | "count" => Self::Calls,
            "errors" | "error" => Self::Errors,
            "name" | "syscall" | "syscall-name" => Self::Name,
            "avg-time" | "time-avg" => Self::AvgTime,
            "nothing" | "none" => Self::Nothing,
            _ => return None,
        })
    }
}

/// One column of the `-c` table (strace's `-U`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    TimePercent,
    TotalTime,
    AvgTime,
    Calls,
    Errors,
    Name,
}

impl Column {
    /// strace's default `-U time-percent,total-time,avg-time,calls,errors,name`.
    pub const DEFAULT: [Column; 6] = [
        Self::TimePercent,
        Self::TotalTime,
        Self::AvgTime,
        Self::Calls,
        Self::Errors,
        Self::Name,
    ];

    /// strace's `-U` names. `Err` carries why a known strace column is not
    /// available (renacer keeps totals, not per-call extremes).
    pub fn parse(value: &str) -> Result<Self, String> {
        Ok(match value {
            "time-percent" | "percent" | "time" => Self::TimePercent,
            "total-time" | "time-total" => Self::TotalTime,
            "avg-time" | "time-avg" => Self::AvgTime,
            "calls" | "count" => Self::Calls,
            "errors" | "error" => Self::Errors,
            "name" | "syscall" | "syscall-name" => Self::Name,
            "min-time" | "shortest" | "time-min" | "max-time" | "longest" | "time-max" => {
                return Err(format!(
                    "-U {value}: renacer's summary keeps totals per syscall, not per-call extremes; \
                     use time-percent, total-time, avg-time, calls, errors or name"
                ));
            }
            _ => {
                return Err(format!(
                    "-U {value}: unknown column; use time-percent, total-time, avg-time, calls, errors or name"
                ));
            }
        })
    }
}

/// How to lay out the `-c` table.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TableOptions {
    pub sort: SortBy,
    pub columns: Vec<Column>,
}

impl Default for TableOptions {
    fn default() -> Self {
        Self {
            sort: SortBy::Time,
            columns: Column::DEFAULT.to_vec(),
        }
    }
}

/// The `strace -c` table, column for column: strace widens a column only
/// when a value does not fit its historical width, prints a blank errors
/// cell for zero (`%9.0u`), truncates usecs/call, and omits rows with no
/// calls.
pub fn render_table(summary: &Summary) -> String {
    render_table_with(summary, &TableOptions::default())
}

/// [`render_table`] with strace's `-S` order and `-U` columns.
pub fn render_table_with(summary: &Summary, options: &TableOptions) -> String {
    let mut rows: Vec<SummaryRow> = summary.rows().into_iter().filter(|r| r.calls > 0).collect();
    let usecs_per_call = |nanos: u64, calls: u64| nanos.checked_div(calls).unwrap_or(0) / 1_000;
    match options.sort {
        SortBy::Time => {}
        // Stable sorts from number order: ties stay in syscall-number order, as in strace.
        SortBy::Calls | SortBy::Errors | SortBy::AvgTime | SortBy::Nothing => {
            rows.sort_by_key(|r| nr_from_display_name(&r.name).unwrap_or(u32::MAX));
            match options.sort {
                SortBy::Calls => rows.sort_by_key(|r| std::cmp::Reverse(r.calls)),
                SortBy::Errors => rows.sort_by_key(|r| std::cmp::Reverse(r.errors)),
                SortBy::AvgTime => rows.sort_by(|a, b| {
                    usecs_per_call(b.total_nanos, b.calls)
                        .cmp(&usecs_per_call(a.total_nanos, a.calls))
                }),
                _ => {}
            }
        }
        SortBy::Name => rows.sort_by(|a, b| a.name.cmp(&b.name)),
    }
    let total_nanos: u64 = rows
        .iter()
        .map(|r| r.total_nanos)
        .fold(0, u64::saturating_add);
    let total_calls: u64 = rows.iter().map(|r| r.calls).fold(0, u64::saturating_add);
    let total_errors: u64 = rows.iter().map(|r| r.errors).fold(0, u64::saturating_add);
    let total_secs = seconds(total_nanos);

    let max_avg = rows
        .iter()
        .map(|r| usecs_per_call(r.total_nanos, r.calls))
        .max()
        .unwrap_or(0);
    let max_name = rows.iter().map(|r| r.name.len()).max().unwrap_or(0);
    let width = |column: Column| match column {
        Column::TimePercent => 6,
        Column::TotalTime => format!("{total_secs:.6}").len().max(11),
        Column::AvgTime => max_avg.to_string().len().max(11),
        Column::Calls => total_calls.to_string().len().max(9),
        Column::Errors => total_errors.to_string().len().max(9),
        Column::Name => (max_name + 1).max(16),
    };
    let header = |column: Column| match column {
        Column::TimePercent => "% time",
        Column::TotalTime => "seconds",
        Column::AvgTime => "usecs/call",
        Column::Calls => "calls",
        Column::Errors => "errors",
        Column::Name => "syscall",
    };
    let errors_cell = |errors: u64| {
        if errors == 0 {
            String::new()
        } else {
            errors.to_string()
        }
    };
    let last = options.columns.len().saturating_sub(1);
    // One line: right-aligned numbers, the name left-aligned (and unpadded
    // when it ends the line).
    let line = |out: &mut String, cell: &dyn Fn(Column) -> String| {
        for (i, &column) in options.columns.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            let w = width(column);
            let text = cell(column);
            let _ = match column {
                Column::Name if i == last => write!(out, "{text}"),
                Column::Name => write!(out, "{text:<w$}"),
                _ => write!(out, "{text:>w$}"),
            };
        }
        out.push('\n');
    };

    let mut out = String::new();
    line(&mut out, &|column| header(column).to_owned());
    let dashes = options
        .columns
        .iter()
        .map(|&c| "-".repeat(width(c)))
        .collect::<Vec<_>>()
        .join(" ");
    out.push_str(&dashes);
    out.push('\n');

    for row in &rows {
        let secs = seconds(row.total_nanos);
        // Same order of operations as strace, which also avoids 0/0 when
        // nothing took measurable time.
        let mut percent = 100.0 * secs;
        if percent != 0.0 {
            percent /= total_secs;
        }
        line(&mut out, &|column| match column {
            Column::TimePercent => format!("{percent:.2}"),
            Column::TotalTime => format!("{secs:.6}"),
            Column::AvgTime => usecs_per_call(row.total_nanos, row.calls).to_string(),
            Column::Calls => row.calls.to_string(),
            Column::Errors => errors_cell(row.errors),
            Column::Name => row.name.clone(),
        });
    }

    out.push_str(&dashes);
    out.push('\n');
    line(&mut out, &|column| match column {
        Column::TimePercent => format!("{:.2}", 100.0),
        Column::TotalTime => format!("{total_secs:.6}"),
        Column::AvgTime => usecs_per_call(total_nanos, total_calls).to_string(),
        Column::Calls => total_calls.to_string(),
        Column::Errors => errors_cell(total_errors),
        Column::Name => "total".to_owned(),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::SyscallResult;

    fn rec(nr: u32, result: i64, duration_nanos: u64) -> SyscallRecord {
        SyscallRecord {
            nr,
            args: [0; 6],
            result: SyscallResult::Returned(result),
            timestamp_nanos: 0,
            duration_nanos,
            pid: 1,
            tid: 1,
            cpu: 0,
            lamport: 0,
        }
    }

    fn row(name: &str, calls: u64, errors: u64, total_nanos: u64) -> SummaryRow {
        SummaryRow {
            name: name.to_owned(),
            calls,
            errors,
            total_nanos,
        }
    }

    /// read 50%, write 25%, openat 15%, close 10%, getpid 0%.
    fn sample() -> Summary {
        let mut recs = Vec::new();
        for i in 0..20 {
            recs.push(rec(0, if i < 2 { -11 } else { 100 }, 100_000));
        }
        for _ in 0..4 {
            recs.push(rec(1, 10, 250_000));
        }
        for i in 0..3 {
            recs.push(rec(257, if i == 0 { -2 } else { 3 }, 200_000));
        }
        for _ in 0..4 {
            recs.push(rec(3, 0, 100_000));
        }
        recs.push(rec(39, 42, 0));
        Summary::from_records(&recs)
    }

    #[test]
    fn totals() {
        let s = sample();
        assert_eq!(s.total_calls(), 32);
        assert_eq!(s.total_errors(), 3);
        assert_eq!(s.total_nanos(), 4_000_000);
    }

    #[test]
    fn sorting() {
        let names: Vec<String> = sample().rows().into_iter().map(|r| r.name).collect();
        assert_eq!(names, ["read", "write", "openat", "close", "getpid"]);

        // Ties on time fall back to calls, then name.
        let s = Summary::from_rows(vec![
            row("b", 1, 0, 5),
            row("a", 1, 0, 5),
            row("c", 2, 0, 5),
            row("d", 9, 0, 1),
        ]);
        let names: Vec<String> = s.rows().into_iter().map(|r| r.name).collect();
        assert_eq!(names, ["c", "a", "b", "d"]);
    }

    #[test]
    fn render_matches_strace_layout() {
        let expected = "\
% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 50.00    0.002000         100        20         2 read
 25.00    0.001000         250         4           write
 15.00    0.000600         200         3         1 openat
 10.00    0.000400         100         4           close
  0.00    0.000000           0         1           getpid
------ ----------- ----------- --------- --------- ----------------
100.00    0.004000         125        32         3 total
";
        assert_eq!(render_table(&sample()), expected);
    }

    #[test]
    fn render_widens_name_column_and_blanks_zero_total_errors() {
        let s = Summary::from_rows(vec![row("sched_getaffinity", 1, 0, 14_000)]);
        let expected = "\
% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ------------------
100.00    0.000014          14         1           sched_getaffinity
------ ----------- ----------- --------- --------- ------------------
100.00    0.000014          14         1           total
";
        assert_eq!(render_table(&s), expected);
    }

    #[test]
    fn render_empty() {
        let expected = "\
% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
------ ----------- ----------- --------- --------- ----------------
100.00    0.000000           0         0           total
";
        assert_eq!(render_table(&Summary::default()), expected);
    }

    #[test]
    fn merge_and_round_trip_through_rows() {
        let mut a = sample();
        let b = Summary::from_rows(vec![row("read", 1, 1, 5), row("future_call", 2, 0, 7)]);
        a.merge(&b);
        assert_eq!(a.total_calls(), 35);
        assert_eq!(a.total_errors(), 4);
        let read = a.rows().into_iter().find(|r| r.name == "read");
        assert_eq!(read, Some(row("read", 21, 3, 2_000_005)));

        let rebuilt = Summary::from_rows(a.rows());
        assert_eq!(rebuilt, a);
    }

    #[test]
    fn unknown_numbers_round_trip() {
        let mut s = Summary::default();
        s.add(&rec(0x1f4, -38, 10));
        assert_eq!(s.rows(), [row("syscall_0x1f4", 1, 1, 10)]);
        assert_eq!(Summary::from_rows(s.rows()), s);
        // A spelling display_name never produces stays a plain name.
        let odd = Summary::from_rows(vec![row("syscall_0x0", 1, 0, 1)]);
        assert_eq!(odd.rows()[0].name, "syscall_0x0");
        assert_ne!(odd, Summary::from_rows(vec![row("read", 1, 0, 1)]));
    }

    #[test]
    fn sort_and_columns_match_strace() {
        let mut s = Summary::default();
        s.add_counts(257, 31, 13, 0);
        s.add_counts(9, 22, 0, 0);
        s.add_counts(1, 1, 0, 0);
        s.add_counts(21, 1, 1, 0);
        s.add_counts(59, 1, 0, 0);
        let options = TableOptions {
            sort: SortBy::Calls,
            columns: vec![Column::Name, Column::Calls, Column::Errors],
        };
        // strace -c -S calls -U name,calls,errors, rows cut to these calls.
        let expected = "\
syscall              calls    errors
---------------- --------- ---------
openat                  31        13
mmap                    22          
write                    1          
access                   1         1
execve                   1          
---------------- --------- ---------
total                   56        14
";
        assert_eq!(render_table_with(&s, &options), expected);
        let by_name = render_table_with(
            &s,
            &TableOptions {
                sort: SortBy::Name,
                ..TableOptions::default()
            },
        );
        let names: Vec<&str> = by_name
            .lines()
            .skip(2)
            .take(5)
            .map(|l| l.rsplit(' ').next().unwrap_or_default())
            .collect();
        assert_eq!(names, ["access", "execve", "mmap", "openat", "write"]);
        assert!(Column::parse("max-time").is_err());
        assert_eq!(SortBy::parse("calls"), Some(SortBy::Calls));
    }
}
