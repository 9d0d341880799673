//! Continuous-mode samples as OTLP metrics (pure: no I/O).
//!
//! Each sample of the continuous mode is one export: its rows are the
//! busiest (process, syscall) pairs of the interval, and the merged
//! `(other)` rows take the rest, so the number of series per export is
//! bounded (see `profile::cap_rows`) and the points of one metric add up
//! to every call of the interval. Every metric has DELTA temporality:
//! a point covers exactly one sample interval, `[start, end)`.
//!
//! | metric | type | unit |
//! | --- | --- | --- |
//! | `renacer.syscall.calls` | Sum, monotonic | `{call}` |
//! | `renacer.syscall.errors` | Sum, monotonic | `{call}` |
//! | `renacer.syscall.time` | Sum, monotonic, total time in the calls | `s` |
//! | `renacer.syscall.duration` | Histogram (explicit bounds) | `s` |
//!
//! Attributes: `syscall.name`, `process.pid` (absent on the merged rows)
//! and `process.executable.name` (the kernel's comm; `(other)` on merged rows).
//!
//! The histogram keeps the kernel's log2 buckets exactly. Bucket `k` holds
//! the calls of `[2^k, 2^(k+1))` ns, i.e. the integers up to `2^(k+1) - 1`,
//! and OTLP explicit buckets are upper-inclusive, so the bounds are
//! `(2^(k+1) - 1)` ns. (A scale-0 exponential histogram, `(2^k, 2^(k+1)]`,
//! would put calls of exactly a power of two one bucket too low.) Calls
//! that never return (`exit_group`) are counted in `calls` but have no
//! duration, so the histogram's count is the timed calls.
use opentelemetry_proto::tonic::{
    common::v1::KeyValue,
    metrics::v1::{
        AggregationTemporality, Histogram, HistogramDataPoint, Metric, NumberDataPoint, Sum,
        metric::Data, number_data_point::Value,
    },
};
use renacer_common::aggregate::HISTOGRAM_BUCKETS;

use super::{exporter::MetricsBatch, model};
use crate::sessions::profile::{self, Row};

pub const CALLS: &str = "renacer.syscall.calls";
pub const ERRORS: &str = "renacer.syscall.errors";
pub const TIME: &str = "renacer.syscall.time";
pub const DURATION: &str = "renacer.syscall.duration";

/// The wall-clock span of one sample, in Unix nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    pub start_unix_nanos: u64,
    pub end_unix_nanos: u64,
}

/// Upper bounds of the histogram buckets, in seconds: bucket `k` of the
/// kernel ends at `2^(k+1) - 1` ns; the last one is open (overflow).
pub fn duration_bounds_seconds() -> Vec<f64> {
    (1..HISTOGRAM_BUCKETS)
        .map(|k| seconds((1u64 << k) - 1))
        .collect()
}

fn attributes(row: &Row) -> Vec<KeyValue> {
    let mut attributes = vec![model::string(
        "syscall.name",
        profile::syscall_name(row.nr).into_owned(),
    )];
    if row.pid != 0 {
        attributes.push(model::int("process.pid", row.pid.into()));
    }
    attributes.push(model::string(
        "process.executable.name",
        row.command.to_string(),
    ));
    attributes
}

/// Division rounds correctly (and monotonically), so bounds and values
/// compare in seconds as they do in nanoseconds.
fn seconds(nanos: u64) -> f64 {
    nanos as f64 / 1e9
}

fn delta_sum(
    name: &str,
    description: &str,
    unit: &str,
    data_points: Vec<NumberDataPoint>,
) -> Metric {
    Metric {
        name: name.into(),
        description: description.into(),
        unit: unit.into(),
        data: Some(Data::Sum(Sum {
            data_points,
            aggregation_temporality: AggregationTemporality::Delta.into(),
            is_monotonic: true,
        })),
        ..Metric::default()
    }
}

/// A sample's rows as metrics. Rows without calls are left out.
pub fn sample_to_metrics(rows: &[Row], interval: Interval) -> MetricsBatch {
    let point = |row: &Row, value: Value| NumberDataPoint {
        attributes: attributes(row),
        start_time_unix_nano: interval.start_unix_nanos,
        time_unix_nano: interval.end_unix_nanos,
        value: Some(value),
        ..NumberDataPoint::default()
    };
    let rows: Vec<&Row> = rows.iter().filter(|row| row.counters.calls > 0).collect();
    let calls = rows
        .iter()
        .map(|row| point(row, Value::AsInt(clamp_i64(row.counters.calls))))
        .collect();
    let errors = rows
        .iter()
        .map(|row| point(row, Value::AsInt(clamp_i64(row.counters.errors))))
        .collect();
    let time = rows
        .iter()
        .map(|row| point(row, Value::AsDouble(seconds(row.counters.total_ns))))
        .collect();
    let bounds = duration_bounds_seconds();
    let histograms: Vec<HistogramDataPoint> = rows
        .iter()
        .filter_map(|row| {
            let count: u64 = row.counters.buckets.iter().sum();
            (count > 0).then(|| HistogramDataPoint {
                attributes: attributes(row),
                start_time_unix_nano: interval.start_unix_nanos,
                time_unix_nano: interval.end_unix_nanos,
                count,
                sum: Some(seconds(row.counters.total_ns)),
                bucket_counts: row.counters.buckets.to_vec(),
                explicit_bounds: bounds.clone(),
                ..HistogramDataPoint::default()
            })
        })
        .collect();
    let points = (3 * rows.len() + histograms.len()) as u64;
    let metrics = vec![
        delta_sum(CALLS, "System calls made", "{call}", calls),
        delta_sum(
            ERRORS,
            "System calls that returned an error",
            "{call}",
            errors,
        ),
        delta_sum(TIME, "Time spent in system calls that returned", "s", time),
        Metric {
            name: DURATION.into(),
            description: "Duration of system calls".into(),
            unit: "s".into(),
            data: Some(Data::Histogram(Histogram {
                data_points: histograms,
                aggregation_temporality: AggregationTemporality::Delta.into(),
            })),
            ..Metric::default()
        },
    ];
    MetricsBatch { metrics, points }
}

fn clamp_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use opentelemetry_proto::tonic::common::v1::any_value;
    use renacer_common::aggregate::histogram_bucket;

    use super::*;
    use crate::sessions::profile::{Counters, OTHER_PROCESSES, OTHER_SYSCALLS};

    const INTERVAL: Interval = Interval {
        start_unix_nanos: 1_000_000_000,
        end_unix_nanos: 2_000_000_000,
    };

    fn row(pid: u32, command: &str, nr: u32, durations_ns: &[u64], errors: u64) -> Row {
        let mut counters = Counters::default();
        for &ns in durations_ns {
            counters.buckets[histogram_bucket(ns)] += 1;
            counters.total_ns += ns;
        }
        counters.calls = durations_ns.len() as u64;
        counters.errors = errors;
        Row {
            pid,
            command: Arc::from(command),
            exited: false,
            nr,
            counters,
        }
    }

    fn attribute<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a any_value::Value> {
        attributes
            .iter()
            .find(|kv| kv.key == key)
            .and_then(|kv| kv.value.as_ref()?.value.as_ref())
    }

    fn sum_points(metric: &Metric) -> &[NumberDataPoint] {
        match &metric.data {
            Some(Data::Sum(sum)) => {
                assert_eq!(
                    sum.aggregation_temporality,
                    AggregationTemporality::Delta as i32
                );
                assert!(sum.is_monotonic);
                &sum.data_points
            }
            other => panic!("{}: not a sum: {other:?}", metric.name),
        }
    }

    #[test]
    fn rows_become_delta_points_with_attributes() {
        // getppid (110): three calls; openat (257): two, one failed.
        let rows = [
            row(42, "workload", 110, &[100, 200, 300], 0),
            row(42, "workload", 257, &[1_000, 3_000], 1),
            row(0, OTHER_PROCESSES, OTHER_SYSCALLS, &[5], 0),
            row(43, "idle", 0, &[], 0),
        ];
        let batch = sample_to_metrics(&rows, INTERVAL);
        let names: Vec<&str> = batch.metrics.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, [CALLS, ERRORS, TIME, DURATION]);
        // 3 rows with calls: 3 sums each, plus 3 histograms.
        assert_eq!(batch.points, 12);

        let calls = sum_points(&batch.metrics[0]);
        assert_eq!(calls.len(), 3, "the row without calls is left out");
        let first = &calls[0];
        assert_eq!(first.value, Some(Value::AsInt(3)));
        assert_eq!(
            (first.start_time_unix_nano, first.time_unix_nano),
            (1_000_000_000, 2_000_000_000)
        );
        assert_eq!(
            attribute(&first.attributes, "syscall.name"),
            Some(&any_value::Value::StringValue("getppid".into()))
        );
        assert_eq!(
            attribute(&first.attributes, "process.pid"),
            Some(&any_value::Value::IntValue(42))
        );
        assert_eq!(
            attribute(&first.attributes, "process.executable.name"),
            Some(&any_value::Value::StringValue("workload".into()))
        );
        let merged = &calls[2];
        assert_eq!(attribute(&merged.attributes, "process.pid"), None);
        assert_eq!(
            attribute(&merged.attributes, "syscall.name"),
            Some(&any_value::Value::StringValue("(other syscalls)".into()))
        );

        let errors = sum_points(&batch.metrics[1]);
        assert_eq!(errors[1].value, Some(Value::AsInt(1)));
        let time = sum_points(&batch.metrics[2]);
        assert_eq!(time[1].value, Some(Value::AsDouble(4e-6)));
        assert_eq!(batch.metrics[2].unit, "s");
    }

    #[test]
    fn histogram_keeps_the_log2_buckets_and_counts_timed_calls() {
        let durations = [0, 1, 2, 3, 4, 1_023, 1_024, 5_000_000_000];
        let mut with_exit = row(7, "p", 231, &durations, 0);
        // exit_group-like: counted, never timed.
        with_exit.counters.calls += 1;
        let batch = sample_to_metrics(&[with_exit], INTERVAL);
        let Some(Data::Histogram(histogram)) = &batch.metrics[3].data else {
            panic!("not a histogram: {:?}", batch.metrics[3]);
        };
        assert_eq!(
            histogram.aggregation_temporality,
            AggregationTemporality::Delta as i32
        );
        let point = &histogram.data_points[0];
        assert_eq!(point.count, durations.len() as u64);
        assert_eq!(point.bucket_counts.iter().sum::<u64>(), point.count);
        assert_eq!(point.bucket_counts.len(), point.explicit_bounds.len() + 1);
        // Each duration lands, by OTLP's rule (bucket i is (bounds[i-1],
        // bounds[i]]), in the kernel's bucket for it.
        for &ns in &durations {
            let seconds = ns as f64 / 1e9;
            let otlp_bucket = point
                .explicit_bounds
                .iter()
                .position(|&bound| seconds <= bound)
                .unwrap_or(point.explicit_bounds.len());
            assert_eq!(otlp_bucket, histogram_bucket(ns), "{ns} ns");
        }
        assert_eq!(point.sum, Some(durations.iter().sum::<u64>() as f64 / 1e9));
        let calls = sum_points(&batch.metrics[0]);
        assert_eq!(
            calls[0].value,
            Some(Value::AsInt(9)),
            "the untimed call is in calls"
        );
    }

    #[test]
    fn an_empty_sample_has_no_points() {
        let batch = sample_to_metrics(&[], INTERVAL);
        assert_eq!(batch.points, 0);
    }
}
