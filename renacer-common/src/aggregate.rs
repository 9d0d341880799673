//! Types of continuous profiling mode: in-kernel aggregates per process and
//! syscall, read by the daemon on an interval (no ring-buffer traffic).

/// Buckets of the log2 latency histogram: bucket `i` counts calls that took
/// `[2^i, 2^(i+1))` ns (bucket 0 also takes 0 ns); the last one takes
/// everything from about 2.1 s up.
pub const HISTOGRAM_BUCKETS: usize = 32;
/// Capacity of the (process, syscall) aggregate map.
pub const MAX_AGGREGATE_ENTRIES: u32 = 32_768;
/// Capacity of the map of processes that exited since the last sample.
pub const MAX_EXITED_PROCESSES: u32 = 16_384;
/// Capacity of the PID-tree scope map.
pub const MAX_SCOPE_PROCESSES: u32 = 65_536;

/// `AggregateConfig::scope` values.
pub mod scope {
    pub const SYSTEM: u32 = 0;
    pub const PID_TREE: u32 = 1;
    pub const CGROUP: u32 = 2;
}

/// Indexes of the per-CPU map-pressure counters: updates lost to a full map.
pub mod pressure {
    pub const STATS_FULL: u32 = 0;
    /// The thread's local storage could not be allocated.
    pub const THREADS_FULL: u32 = 1;
    pub const EXITED_FULL: u32 = 2;
    pub const SCOPE_FULL: u32 = 3;
    pub const COUNT: u32 = 4;
}

/// The one entry of the config array: what is in scope. Changed at run time
/// by the daemon without reloading the programs.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AggregateConfig {
    pub scope: u32,
    /// Depth of the cgroup below the root (root is 0), for ancestor lookups.
    pub cgroup_level: u32,
    /// cgroup v2 id (the directory's inode number) for `scope::CGROUP`.
    pub cgroup_id: u64,
    /// Bumped each time continuous mode is turned on or retargeted: a thread
    /// slot armed under another generation is stale (slots live as long as
    /// their thread and cannot be cleared from user space).
    pub generation: u32,
    pub _pad: u32,
}

/// Key of the aggregate map.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AggregateKey {
    /// Thread-group id.
    pub pid: u32,
    pub nr: u32,
}

/// Cumulative counters of one (process, syscall), updated with atomic adds.
/// A timed call is counted once, in its histogram bucket (one atomic add
/// fewer per syscall than a separate call counter).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AggregateValue {
    /// Calls that never return (exit, exit_group): no duration, no bucket.
    pub untimed_calls: u64,
    /// Calls that returned -4095..=-1.
    pub errors: u64,
    pub total_ns: u64,
    pub buckets: [u64; HISTOGRAM_BUCKETS],
}

impl AggregateValue {
    /// Every call: the untimed ones plus the histogram's.
    pub fn calls(&self) -> u64 {
        self.buckets
            .iter()
            .fold(self.untimed_calls, |sum, &n| sum + n)
    }
}

impl Default for AggregateValue {
    fn default() -> Self {
        Self {
            untimed_calls: 0,
            errors: 0,
            total_ns: 0,
            buckets: [0; HISTOGRAM_BUCKETS],
        }
    }
}

/// Per-thread state between enter and exit (task local storage).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AggregateInflight {
    /// 0 marks a free slot (slots are reused in place).
    pub enter_ns: u64,
    pub nr: u32,
    /// `AggregateConfig::generation` when the slot was armed.
    pub generation: u32,
}

/// A process that exited, left for the daemon to fold and delete.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExitedProcess {
    /// The comm of the last thread to exit.
    pub comm: [u8; 16],
    /// 1 when that thread was the group leader, so `comm` names the process
    /// (other threads may carry their own names).
    pub from_leader: u32,
    pub _pad: u32,
}

/// Bucket index of a duration: floor(log2(ns)), clamped to the last bucket.
#[inline(always)]
pub fn histogram_bucket(duration_ns: u64) -> usize {
    let log2 = 63 - (duration_ns | 1).leading_zeros() as usize;
    if log2 >= HISTOGRAM_BUCKETS {
        HISTOGRAM_BUCKETS - 1
    } else {
        log2
    }
}

const _: () = assert!(core::mem::size_of::<AggregateConfig>() == 24);
const _: () = assert!(core::mem::size_of::<AggregateKey>() == 8);
const _: () = assert!(core::mem::size_of::<AggregateValue>() == 24 + 8 * HISTOGRAM_BUCKETS);
const _: () = assert!(core::mem::size_of::<AggregateInflight>() == 16);
const _: () = assert!(core::mem::size_of::<ExitedProcess>() == 24);

#[cfg(feature = "user")]
mod pod {
    // SAFETY: #[repr(C)], integers only, no padding (sizes asserted above).
    unsafe impl aya::Pod for super::AggregateConfig {}
    unsafe impl aya::Pod for super::AggregateKey {}
    unsafe impl aya::Pod for super::AggregateValue {}
    unsafe impl aya::Pod for super::AggregateInflight {}
    unsafe impl aya::Pod for super::ExitedProcess {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_are_untimed_plus_histogram() {
        let mut value = AggregateValue {
            untimed_calls: 1,
            ..AggregateValue::default()
        };
        value.buckets[3] = 4;
        value.buckets[31] = 2;
        assert_eq!(value.calls(), 7);
    }

    #[test]
    fn buckets_are_floor_log2() {
        assert_eq!(histogram_bucket(0), 0);
        assert_eq!(histogram_bucket(1), 0);
        assert_eq!(histogram_bucket(2), 1);
        assert_eq!(histogram_bucket(3), 1);
        assert_eq!(histogram_bucket(1023), 9);
        assert_eq!(histogram_bucket(1024), 10);
        assert_eq!(histogram_bucket(u64::MAX), HISTOGRAM_BUCKETS - 1);
    }
}
