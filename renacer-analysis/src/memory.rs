//! Memory use estimated from the address-space calls in a trace.
//!
//! The estimate replays, per process and in time order, every successful
//! `mmap` (+length, rounded up to pages), `munmap` (−the mapped part of the
//! range), `mremap` (move/resize), and `brk` (heap size = current break −
//! the first break seen, which is `brk(NULL)` at start-up). An `execve` or
//! `exit_group` drops the process's address space. The value is the peak of
//! the sum over all processes.
//!
//! * [`TrackingMode::Allocations`] counts anonymous mappings (`MAP_ANONYMOUS`
//!   or fd −1) and the heap: what the program allocated.
//! * [`TrackingMode::Rss`] also counts file-backed mappings (libraries,
//!   mapped files). It is an upper bound of the resident set, not a
//!   measurement: untouched pages and pages shared between processes count
//!   in full.
//!
//! A forked child's inherited mappings are not counted again (copy-on-write
//! shares them); mappings made before the capture started are unknown.

use std::collections::{BTreeMap, HashMap};

use renacer_trace::json::TraceFile;

use crate::decode::{MAP_ANONYMOUS, int_arg, success};
use crate::util::time_order;

const PAGE: u64 = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TrackingMode {
    #[default]
    Allocations,
    Rss,
}

/// One process's mappings: start -> (end, anonymous).
#[derive(Debug, Default)]
struct AddressSpace {
    regions: BTreeMap<u64, (u64, bool)>,
    anon: u64,
    file: u64,
    brk_base: Option<u64>,
    brk: u64,
}

impl AddressSpace {
    fn counted(&self, mode: TrackingMode) -> u64 {
        let heap = self
            .brk_base
            .map_or(0, |base| self.brk.saturating_sub(base));
        let mapped = match mode {
            TrackingMode::Allocations => self.anon,
            TrackingMode::Rss => self.anon + self.file,
        };
        mapped + heap
    }

    fn account(&mut self, anon: bool, len: u64, add: bool) {
        let slot = if anon { &mut self.anon } else { &mut self.file };
        *slot = if add {
            slot.saturating_add(len)
        } else {
            slot.saturating_sub(len)
        };
    }

    /// Unmaps `[start, end)`, splitting regions that straddle it.
    fn unmap(&mut self, start: u64, end: u64) {
        let overlapping: Vec<(u64, u64, bool)> = self
            .regions
            .range(..end)
            .rev()
            .take_while(|&(_, &(e, _))| e > start)
            .map(|(&s, &(e, a))| (s, e, a))
            .collect();
        for (s, e, anon) in overlapping {
            self.regions.remove(&s);
            let (cut_start, cut_end) = (s.max(start), e.min(end));
            self.account(anon, cut_end - cut_start, false);
            if s < cut_start {
                self.regions.insert(s, (cut_start, anon));
            }
            if cut_end < e {
                self.regions.insert(cut_end, (e, anon));
            }
        }
    }

    fn map(&mut self, start: u64, len: u64, anon: bool) {
        let end = start.saturating_add(len);
        // A fixed mapping replaces whatever was there.
        self.unmap(start, end);
        self.regions.insert(start, (end, anon));
        self.account(anon, end - start, true);
    }

    fn is_anon_at(&self, addr: u64) -> Option<bool> {
        self.regions
            .range(..=addr)
            .next_back()
            .filter(|&(_, &(e, _))| e > addr)
            .map(|(_, &(_, a))| a)
    }
}

fn pages(len: i64) -> Option<u64> {
    u64::try_from(len).ok().map(|l| l.div_ceil(PAGE) * PAGE)
}

/// Peak estimated memory in bytes; see the module documentation.
pub fn peak_bytes(trace: &TraceFile, mode: TrackingMode) -> u64 {
    let mut spaces: HashMap<u32, AddressSpace> = HashMap::new();
    let (mut total, mut peak) = (0u64, 0u64);
    for i in time_order(trace) {
        let sc = &trace.syscalls[i];
        let ret = success(sc);
        if ret.is_none() && sc.name != "exit_group" {
            continue;
        }
        let space = spaces.entry(sc.pid).or_default();
        let before = space.counted(mode);
        match sc.name.as_str() {
            "mmap" => {
                let anon = int_arg(sc, 3).is_some_and(|f| f & MAP_ANONYMOUS != 0)
                    || matches!(int_arg(sc, 4), Some(-1 | 0xffff_ffff));
                if let (Some(addr), Some(len)) = (ret, int_arg(sc, 1).and_then(pages)) {
                    space.map(addr as u64, len, anon);
                }
            }
            "munmap" => {
                if let (Some(addr), Some(len)) = (int_arg(sc, 0), int_arg(sc, 1).and_then(pages)) {
                    let addr = addr as u64;
                    space.unmap(addr, addr.saturating_add(len));
                }
            }
            "mremap" => {
                if let (Some(old), Some(old_len), Some(new_len), Some(new)) = (
                    int_arg(sc, 0),
                    int_arg(sc, 1).and_then(pages),
                    int_arg(sc, 2).and_then(pages),
                    ret,
                ) {
                    let old = old as u64;
                    let anon = space.is_anon_at(old).unwrap_or(true);
                    space.unmap(old, old.saturating_add(old_len));
                    space.map(new as u64, new_len, anon);
                }
            }
            "brk" => {
                if let Some(end) = ret {
                    let end = end as u64;
                    space.brk_base.get_or_insert(end);
                    space.brk = end;
                }
            }
            "execve" | "execveat" | "exit_group" => {
                *space = AddressSpace::default();
            }
            _ => continue,
        }
        let after = space.counted(mode);
        total = total.saturating_sub(before).saturating_add(after);
        peak = peak.max(total);
    }
    peak
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::TraceBuilder;

    const ANON: &str = "MAP_PRIVATE|MAP_ANONYMOUS";

    #[test]
    fn anonymous_mappings_and_heap() {
        let mut b = TraceBuilder::new(1);
        b.call(1, "brk", &["NULL"], 0x1000_0000)
            .call(1, "brk", &["0x10021000"], 0x1002_1000) // heap +132 KiB
            .call(
                1,
                "mmap",
                &["NULL", "1000000", "PROT_READ|PROT_WRITE", ANON, "-1", "0"],
                0x7000_0000,
            )
            .call(
                1,
                "mmap",
                &["NULL", "8192", "PROT_READ", "MAP_PRIVATE", "3", "0"],
                0x7100_0000,
            )
            .call(1, "munmap", &["0x7000_0000", "4096"], 0) // unparsable: ignored
            .call(1, "munmap", &["0x70000000", "1000000"], 0)
            .call(
                1,
                "mmap",
                &["0", "0x1000", "0x3", "0x22", "0xffffffffffffffff", "0"],
                0x7200_0000,
            );
        let t = b.build();
        let heap = 0x21000;
        let anon = 1_000_000u64.div_ceil(4096) * 4096;
        assert_eq!(peak_bytes(&t, TrackingMode::Allocations), heap + anon);
        assert_eq!(peak_bytes(&t, TrackingMode::Rss), heap + anon + 8192);
    }

    #[test]
    fn partial_unmap_and_mremap() {
        let mut b = TraceBuilder::new(1);
        b.call(
            1,
            "mmap",
            &["NULL", "40960", "PROT_READ|PROT_WRITE", ANON, "-1", "0"],
            0x7000_0000,
        )
        // Punch a hole in the middle: 10 pages -> 8.
        .call(1, "munmap", &["0x70002000", "8192"], 0)
        // Grow the first part (2 pages) to 20 pages, moved.
        .call(
            1,
            "mremap",
            &["0x70000000", "8192", "81920", "MREMAP_MAYMOVE"],
            0x7100_0000,
        );
        let t = b.build();
        // 8 pages after the hole, then 6 + 20 after the move.
        assert_eq!(peak_bytes(&t, TrackingMode::Allocations), 26 * 4096);
    }

    #[test]
    fn processes_are_summed_and_exit_frees() {
        let mut b = TraceBuilder::new(1);
        b.call(
            1,
            "mmap",
            &["NULL", "4096", "PROT_READ|PROT_WRITE", ANON, "-1", "0"],
            0x7000_0000,
        )
        .call(
            2,
            "mmap",
            &["NULL", "8192", "PROT_READ|PROT_WRITE", ANON, "-1", "0"],
            0x7000_0000,
        )
        .exit(2, 0)
        .call(
            1,
            "mmap",
            &["NULL", "4096", "PROT_READ|PROT_WRITE", ANON, "-1", "0"],
            0x7100_0000,
        )
        // A failed mapping counts nothing.
        .call(
            1,
            "mmap",
            &[
                "NULL",
                "1073741824",
                "PROT_READ|PROT_WRITE",
                ANON,
                "-1",
                "0",
            ],
            -12,
        );
        assert_eq!(peak_bytes(&b.build(), TrackingMode::Allocations), 3 * 4096);
    }
}
