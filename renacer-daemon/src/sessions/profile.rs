//! Continuous profiling, the pure part: interval deltas of the in-kernel
//! aggregates, a bounded rolling history, folding of exited processes into
//! per-command totals, histogram percentiles and the top tables.
//!
//! No kernel access here; `continuous` feeds it what it reads from the maps.
use std::{
    collections::{HashMap, HashSet, VecDeque},
    sync::Arc,
    time::{Duration, Instant},
};

use renacer_common::aggregate::{AggregateValue, HISTOGRAM_BUCKETS};

/// Rows kept exactly per sample: the busiest (process, syscall) pairs. The
/// rest are merged per syscall into [`OTHER_PROCESSES`] rows, at most
/// [`MAX_MERGED_ROWS_PER_SAMPLE`] of them, the last of which takes every
/// remaining syscall as [`OTHER_SYSCALLS`]. So a sample has a fixed maximum size.
pub const MAX_ROWS_PER_SAMPLE: usize = 128;
pub const MAX_MERGED_ROWS_PER_SAMPLE: usize = 64;
/// The history never takes more than this, whatever span and interval ask for.
pub const MAX_HISTORY_BYTES: usize = 64 << 20;
/// Command shown for the merged tail of a sample.
pub const OTHER_PROCESSES: &str = "(other)";
/// Syscall number of the row that takes the syscalls beyond the merged rows.
pub const OTHER_SYSCALLS: u32 = u32::MAX;

/// The name a syscall number is shown and exported under.
pub fn syscall_name(nr: u32) -> std::borrow::Cow<'static, str> {
    if nr == OTHER_SYSCALLS {
        "(other syscalls)".into()
    } else {
        renacer_trace::syscalls::display_name(nr)
    }
}

/// Counts of one (process, syscall) over some span.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counters {
    pub calls: u64,
    pub errors: u64,
    pub total_ns: u64,
    pub buckets: [u64; HISTOGRAM_BUCKETS],
}

impl Default for Counters {
    fn default() -> Self {
        Self {
            calls: 0,
            errors: 0,
            total_ns: 0,
            buckets: [0; HISTOGRAM_BUCKETS],
        }
    }
}

impl Counters {
    pub fn add(&mut self, other: &Self) {
        self.calls += other.calls;
        self.errors += other.errors;
        self.total_ns += other.total_ns;
        for (mine, theirs) in self.buckets.iter_mut().zip(&other.buckets) {
            *mine += theirs;
        }
    }

    /// What `current` added since `previous` (both cumulative kernel values).
    /// A value below its predecessor means the entry was deleted and
    /// recreated in between: then all of `current` is new.
    pub fn delta(current: &AggregateValue, previous: Option<&AggregateValue>) -> Self {
        let from_zero = Self {
            calls: current.calls(),
            errors: current.errors,
            total_ns: current.total_ns,
            buckets: current.buckets,
        };
        let Some(previous) = previous else {
            return from_zero;
        };
        if current.calls() < previous.calls() {
            return from_zero;
        }
        let mut buckets = [0; HISTOGRAM_BUCKETS];
        for (i, bucket) in buckets.iter_mut().enumerate() {
            *bucket = current.buckets[i].saturating_sub(previous.buckets[i]);
        }
        Self {
            calls: current.calls() - previous.calls(),
            errors: current.errors.saturating_sub(previous.errors),
            total_ns: current.total_ns.saturating_sub(previous.total_ns),
            buckets,
        }
    }

    /// The `quantile` (0..=1) latency in ns, interpolated linearly inside its
    /// log2 bucket; 0 when no timed call was recorded.
    pub fn percentile_ns(&self, quantile: f64) -> u64 {
        percentile_ns(&self.buckets, quantile)
    }
}

/// See [`Counters::percentile_ns`]. Bucket `i` spans `[2^i, 2^(i+1))` ns.
pub fn percentile_ns(buckets: &[u64], quantile: f64) -> u64 {
    let total: u64 = buckets.iter().sum();
    if total == 0 {
        return 0;
    }
    // The rank of the wanted call, 1-based: p50 of 2 calls is the 1st.
    let rank = ((quantile.clamp(0.0, 1.0) * total as f64).ceil() as u64).max(1);
    let mut before = 0;
    for (i, &count) in buckets.iter().enumerate() {
        if count > 0 && before + count >= rank {
            let low = if i == 0 { 0.0 } else { (1u64 << i) as f64 };
            let high = (1u64 << (i + 1)) as f64;
            let fraction = (rank - before) as f64 / count as f64;
            return (low + (high - low) * fraction) as u64;
        }
        before += count;
    }
    0
}

/// One (process, syscall) in a sample.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// 0 for the merged tail of a sample.
    pub pid: u32,
    pub command: Arc<str>,
    /// The process had exited by the end of the sample.
    pub exited: bool,
    pub nr: u32,
    pub counters: Counters,
}

/// What the aggregates gained over one interval.
#[derive(Clone, Debug)]
pub struct Sample {
    pub ended: Instant,
    pub span: Duration,
    pub rows: Vec<Row>,
}

/// Keeps the busiest `max_rows` rows and merges the rest per syscall into
/// at most `max_merged` [`OTHER_PROCESSES`] rows.
pub fn cap_rows(mut rows: Vec<Row>, max_rows: usize, max_merged: usize) -> Vec<Row> {
    if rows.len() <= max_rows {
        return rows;
    }
    rows.sort_by_key(|row| std::cmp::Reverse(row.counters.calls));
    let tail = rows.split_off(max_rows);
    let mut by_nr: HashMap<u32, Counters> = HashMap::new();
    for row in tail {
        by_nr.entry(row.nr).or_default().add(&row.counters);
    }
    let mut merged: Vec<(u32, Counters)> = by_nr.into_iter().collect();
    merged.sort_by(|a, b| b.1.calls.cmp(&a.1.calls).then(a.0.cmp(&b.0)));
    if merged.len() > max_merged.max(1) {
        let mut rest = Counters::default();
        for (_, counters) in merged.split_off(max_merged.max(1) - 1) {
            rest.add(&counters);
        }
        merged.push((OTHER_SYSCALLS, rest));
    }
    let other: Arc<str> = Arc::from(OTHER_PROCESSES);
    rows.extend(merged.into_iter().map(|(nr, counters)| Row {
        pid: 0,
        command: Arc::clone(&other),
        exited: false,
        nr,
        counters,
    }));
    rows
}

/// The last `capacity` samples, oldest first.
#[derive(Debug)]
pub struct History {
    samples: VecDeque<Sample>,
    capacity: usize,
}

impl History {
    /// Enough samples to cover `span` at `interval` (at least one), but no
    /// more than fit in [`MAX_HISTORY_BYTES`].
    pub fn new(span: Duration, interval: Duration) -> Self {
        let wanted = (span.as_secs_f64() / interval.as_secs_f64().max(1e-3)).ceil() as usize;
        Self {
            samples: VecDeque::new(),
            capacity: wanted.clamp(1, MAX_HISTORY_BYTES / Self::sample_cap_bytes()),
        }
    }

    /// The most a sample's rows take in memory.
    pub fn sample_cap_bytes() -> usize {
        (MAX_ROWS_PER_SAMPLE + MAX_MERGED_ROWS_PER_SAMPLE) * size_of::<Row>()
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn len(&self) -> usize {
        self.samples.len()
    }

    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    pub fn clear(&mut self) {
        self.samples.clear();
    }

    /// Upper bound of the memory the rows of a full history take, in bytes.
    pub fn memory_cap_bytes(&self) -> usize {
        self.capacity * Self::sample_cap_bytes()
    }

    /// The sample pushed last.
    pub fn newest(&self) -> Option<&Sample> {
        self.samples.back()
    }

    pub fn push(&mut self, mut sample: Sample) {
        sample.rows = cap_rows(sample.rows, MAX_ROWS_PER_SAMPLE, MAX_MERGED_ROWS_PER_SAMPLE);
        sample.rows.shrink_to_fit();
        if self.samples.len() == self.capacity {
            self.samples.pop_front();
        }
        self.samples.push_back(sample);
    }

    /// The samples that ended within `window` before `now`; with no window,
    /// only the newest one.
    pub fn recent(&self, window: Option<Duration>, now: Instant) -> Vec<&Sample> {
        match window {
            None => self.samples.back().into_iter().collect(),
            Some(window) => self
                .samples
                .iter()
                .filter(|sample| now.saturating_duration_since(sample.ended) < window)
                .collect(),
        }
    }
}

/// One process line of the top table: a live process, or every exited
/// process of one command folded together (`pid` 0).
#[derive(Clone, Debug, PartialEq)]
pub struct ProcessTotal {
    pub pid: u32,
    pub command: Arc<str>,
    pub exited: bool,
    pub total: Counters,
    /// Busiest first.
    pub syscalls: Vec<(u32, Counters)>,
}

/// The top tables over a span.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Top {
    pub span: Duration,
    /// Busiest first.
    pub processes: Vec<ProcessTotal>,
    /// Busiest first.
    pub syscalls: Vec<(u32, Counters)>,
}

impl Top {
    pub fn rate(&self, calls: u64) -> f64 {
        let seconds = self.span.as_secs_f64();
        if seconds > 0.0 {
            calls as f64 / seconds
        } else {
            0.0
        }
    }
}

fn busiest_first(map: HashMap<u32, Counters>, limit: usize) -> Vec<(u32, Counters)> {
    let mut rows: Vec<(u32, Counters)> = map.into_iter().collect();
    rows.sort_by(|a, b| b.1.calls.cmp(&a.1.calls).then(a.0.cmp(&b.0)));
    rows.truncate(limit);
    rows
}

/// Sums `samples` into the top tables, `limit` rows each. A process that
/// exited in any of them is folded, in all of them, into its command's
/// total, so a process is never shown both live and exited.
pub fn top<'a>(samples: impl IntoIterator<Item = &'a Sample>, limit: usize) -> Top {
    top_excluding(samples, limit, &[])
}

/// [`top`] without the rows of the processes in `excluded` (the daemon's own).
pub fn top_excluding<'a>(
    samples: impl IntoIterator<Item = &'a Sample>,
    limit: usize,
    excluded: &[u32],
) -> Top {
    let samples: Vec<&Sample> = samples.into_iter().collect();
    let exited: HashSet<u32> = samples
        .iter()
        .flat_map(|sample| &sample.rows)
        .filter(|row| row.exited && row.pid != 0)
        .map(|row| row.pid)
        .collect();
    // (pid, command, exited) -> nr -> counters
    let mut processes: HashMap<(u32, Arc<str>, bool), HashMap<u32, Counters>> = HashMap::new();
    let mut syscalls: HashMap<u32, Counters> = HashMap::new();
    for row in samples
        .iter()
        .flat_map(|sample| &sample.rows)
        .filter(|row| !excluded.contains(&row.pid))
    {
        let key = if exited.contains(&row.pid) {
            (0, Arc::clone(&row.command), true)
        } else {
            (row.pid, Arc::clone(&row.command), false)
        };
        processes
            .entry(key)
            .or_default()
            .entry(row.nr)
            .or_default()
            .add(&row.counters);
        syscalls.entry(row.nr).or_default().add(&row.counters);
    }
    let mut processes: Vec<ProcessTotal> = processes
        .into_iter()
        .map(|((pid, command, exited), by_nr)| {
            let mut total = Counters::default();
            for counters in by_nr.values() {
                total.add(counters);
            }
            ProcessTotal {
                pid,
                command,
                exited,
                total,
                syscalls: busiest_first(by_nr, limit),
            }
        })
        .collect();
    processes.sort_by(|a, b| {
        b.total
            .calls
            .cmp(&a.total.calls)
            .then(a.pid.cmp(&b.pid))
            .then(a.command.cmp(&b.command))
    });
    processes.truncate(limit);
    Top {
        span: samples.iter().map(|sample| sample.span).sum(),
        processes,
        syscalls: busiest_first(syscalls, limit),
    }
}

/// A kernel `comm` (NUL-padded) as text.
pub fn comm_to_string(comm: &[u8]) -> String {
    let end = comm.iter().position(|&b| b == 0).unwrap_or(comm.len());
    String::from_utf8_lossy(&comm[..end]).into_owned()
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "tests fail loudly")]
    use super::*;

    fn timed(calls: u64, errors: u64, bucket: usize) -> Counters {
        let mut counters = Counters {
            calls,
            errors,
            total_ns: calls << bucket,
            ..Counters::default()
        };
        counters.buckets[bucket] = calls;
        counters
    }

    fn row(pid: u32, command: &str, exited: bool, nr: u32, counters: Counters) -> Row {
        Row {
            pid,
            command: Arc::from(command),
            exited,
            nr,
            counters,
        }
    }

    fn sample(ended: Instant, rows: Vec<Row>) -> Sample {
        Sample {
            ended,
            span: Duration::from_secs(10),
            rows,
        }
    }

    #[test]
    fn percentiles_interpolate_inside_log2_buckets() {
        let mut buckets = [0u64; HISTOGRAM_BUCKETS];
        assert_eq!(percentile_ns(&buckets, 0.5), 0);
        // 98 calls in [1024, 2048), 2 calls in [1 Mi, 2 Mi).
        buckets[10] = 98;
        buckets[20] = 2;
        let p50 = percentile_ns(&buckets, 0.5);
        assert!((1024..2048).contains(&p50), "{p50}");
        assert_eq!(p50, 1024 + 1024 * 50 / 98);
        let p99 = percentile_ns(&buckets, 0.99);
        assert!((1 << 20..1 << 21).contains(&p99), "{p99}");
        assert_eq!(percentile_ns(&buckets, 1.0), 1 << 21);
        // A single call in bucket 0 is at most 2 ns.
        let mut tiny = [0u64; HISTOGRAM_BUCKETS];
        tiny[0] = 1;
        assert_eq!(percentile_ns(&tiny, 0.5), 2);
    }

    #[test]
    fn deltas_subtract_and_survive_recreated_entries() {
        let mut previous = AggregateValue {
            errors: 1,
            total_ns: 1000,
            ..AggregateValue::default()
        };
        previous.buckets[6] = 10;
        let mut current = previous;
        current.untimed_calls = 1;
        current.errors = 3;
        current.total_ns = 1500;
        current.buckets[6] = 13;
        current.buckets[7] = 1;
        let delta = Counters::delta(&current, Some(&previous));
        assert_eq!((delta.calls, delta.errors, delta.total_ns), (5, 2, 500));
        assert_eq!((delta.buckets[6], delta.buckets[7]), (3, 1));
        // Deleted and recreated with fewer calls: all of it is new.
        let mut recreated = AggregateValue::default();
        recreated.buckets[2] = 2;
        assert_eq!(Counters::delta(&recreated, Some(&previous)).calls, 2);
        assert_eq!(Counters::delta(&current, None).calls, 15);
    }

    #[test]
    fn history_is_bounded_and_windows_select_recent_samples() {
        let mut history = History::new(Duration::from_secs(30), Duration::from_secs(10));
        assert_eq!(history.capacity(), 3);
        let start = Instant::now();
        for i in 0..5u64 {
            let ended = start + Duration::from_secs(10 * (i + 1));
            history.push(sample(
                ended,
                vec![row(1, "a", false, 0, timed(i + 1, 0, 3))],
            ));
        }
        assert_eq!(history.len(), 3);
        let now = start + Duration::from_secs(50);
        // Newest only: the fifth sample (5 calls).
        let newest = top(history.recent(None, now), 10);
        assert_eq!(newest.processes[0].total.calls, 5);
        // Last 15 s: samples 4 and 5.
        let recent = top(history.recent(Some(Duration::from_secs(15)), now), 10);
        assert_eq!(recent.processes[0].total.calls, 9);
        assert_eq!(recent.span, Duration::from_secs(20));
        assert!((recent.rate(9) - 0.45).abs() < 1e-9);
        // Everything kept: samples 3, 4, 5.
        let all = top(history.recent(Some(Duration::from_secs(3600)), now), 10);
        assert_eq!(all.processes[0].total.calls, 12);
        assert_eq!(history.memory_cap_bytes(), 3 * History::sample_cap_bytes());
        // One hour at 1 ms would be 3.6M samples: the byte cap wins.
        let capped = History::new(Duration::from_secs(3600), Duration::from_millis(1));
        assert!(capped.memory_cap_bytes() <= MAX_HISTORY_BYTES);
        assert!(capped.capacity() > 100);
    }

    #[test]
    fn exited_processes_fold_into_their_command_in_every_sample() {
        let start = Instant::now();
        let samples = [
            sample(
                start,
                vec![
                    row(10, "make", false, 0, timed(4, 0, 5)),
                    row(11, "cc1", false, 0, timed(3, 1, 5)),
                ],
            ),
            sample(
                start + Duration::from_secs(10),
                vec![
                    row(11, "cc1", true, 0, timed(2, 0, 5)),
                    row(12, "cc1", true, 1, timed(6, 0, 9)),
                    row(10, "make", false, 1, timed(1, 0, 5)),
                ],
            ),
        ];
        let tables = top(&samples, 10);
        assert_eq!(tables.processes.len(), 2);
        let folded = &tables.processes[0];
        assert_eq!(
            (folded.pid, &*folded.command, folded.exited),
            (0, "cc1", true)
        );
        assert_eq!((folded.total.calls, folded.total.errors), (11, 1));
        assert_eq!(folded.syscalls[0].0, 1);
        assert_eq!(folded.syscalls[0].1.calls, 6);
        let live = &tables.processes[1];
        assert_eq!((live.pid, live.exited, live.total.calls), (10, false, 5));
        assert_eq!(tables.syscalls[0], (0, timed(9, 1, 5)));
        assert_eq!(tables.syscalls[1].1.calls, 7);
    }

    #[test]
    fn capping_merges_the_tail_per_syscall_and_keeps_totals() {
        let rows: Vec<Row> = (0..10u32)
            .map(|pid| {
                row(
                    pid + 1,
                    "p",
                    false,
                    pid % 2,
                    timed(u64::from(pid) + 1, 0, 4),
                )
            })
            .collect();
        let capped = cap_rows(rows, 4, 8);
        assert_eq!(capped.len(), 6);
        assert_eq!(capped[0].pid, 10);
        let other: Vec<&Row> = capped.iter().filter(|r| r.pid == 0).collect();
        assert_eq!(other.len(), 2);
        assert!(other.iter().all(|r| &*r.command == OTHER_PROCESSES));
        let total: u64 = capped.iter().map(|r| r.counters.calls).sum();
        assert_eq!(total, 55);
        let limited = top(
            &[Sample {
                ended: Instant::now(),
                span: Duration::from_secs(1),
                rows: capped,
            }],
            1,
        );
        assert_eq!(limited.processes.len(), 1);
        assert_eq!(limited.syscalls.len(), 1);
        // The merged tail (pids 1..=6) outweighs pid 10.
        assert_eq!(&*limited.processes[0].command, OTHER_PROCESSES);
        assert_eq!(limited.processes[0].total.calls, 21);
    }

    #[test]
    fn merged_rows_are_bounded_too() {
        // 20 processes with one distinct syscall each; keep 2 exact, 3 merged.
        let rows: Vec<Row> = (0..20u32)
            .map(|i| row(i + 1, "p", false, i, timed(u64::from(i) + 1, 0, 4)))
            .collect();
        let capped = cap_rows(rows, 2, 3);
        assert_eq!(capped.len(), 5);
        assert_eq!(capped.iter().map(|r| r.counters.calls).sum::<u64>(), 210);
        let last = capped.last().unwrap();
        assert_eq!((last.pid, last.nr), (0, OTHER_SYSCALLS));
        assert_eq!(last.counters.calls, (1..=16).sum::<u64>());
    }

    #[test]
    fn comm_stops_at_nul() {
        assert_eq!(comm_to_string(b"dd\0\0\0\0\0\0\0\0\0\0\0\0\0\0"), "dd");
        assert_eq!(comm_to_string(b"0123456789abcdef"), "0123456789abcdef");
        assert_eq!(comm_to_string(&[]), "");
    }
}
