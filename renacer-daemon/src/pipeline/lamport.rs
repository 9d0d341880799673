//! Lamport clocks over a traced process tree.
//!
//! Each process (thread group) has a logical clock and every event in it ticks
//! the clock. A fork is an event in the parent, and the child starts from the
//! parent's clock plus one; when a parent's `wait4`/`waitid` reaps a child, the
//! parent takes the max with the child's final clock. Ordering by these values
//! follows causality across processes, not wall time.
use std::collections::HashMap;

#[derive(Debug, Default)]
pub struct LamportClocks {
    live: HashMap<u32, u64>,
    /// Final clocks of exited processes, until their parent reaps them.
    exited: HashMap<u32, u64>,
    /// child -> parent, for `waitid`, which returns 0 rather than the child's pid.
    parents: HashMap<u32, u32>,
}

impl LamportClocks {
    /// Ticks the clock of `pid` for one event and returns the new value.
    pub fn tick(&mut self, pid: u32) -> u64 {
        let clock = self.live.entry(pid).or_insert(0);
        *clock += 1;
        *clock
    }

    /// The fork is an event in the parent; the child starts one past it.
    /// Returns the parent's clock at the fork.
    pub fn fork(&mut self, parent: u32, child: u32) -> u64 {
        let at_fork = self.tick(parent);
        self.live.insert(child, at_fork + 1);
        self.parents.insert(child, parent);
        at_fork
    }

    /// A task exited. `tid` entries are dropped (threads get a placeholder at
    /// clone time); the process clock is kept for the reaper when the whole
    /// group is dead.
    pub fn exit(&mut self, pid: u32, tid: u32, group_dead: bool) -> u64 {
        let at_exit = self.tick(pid);
        if tid != pid {
            self.live.remove(&tid);
            self.parents.remove(&tid);
        }
        if group_dead {
            self.live.remove(&pid);
            self.exited.insert(pid, at_exit);
        }
        at_exit
    }

    /// A wait call in `parent` returned the pid of a reaped `child`: the return
    /// happens after everything the child did.
    pub fn reap(&mut self, parent: u32, child: u32) -> u64 {
        self.parents.remove(&child);
        let child_final = self.exited.remove(&child).unwrap_or(0);
        let clock = self.live.entry(parent).or_insert(0);
        *clock = (*clock).max(child_final) + 1;
        *clock
    }

    /// `waitid` returned 0: it reaped one exited child of `parent`, which one
    /// is in user memory we do not read, so take the earliest-exited.
    pub fn reap_any(&mut self, parent: u32) -> u64 {
        let child = self
            .exited
            .iter()
            .filter(|(child, _)| self.parents.get(child) == Some(&parent))
            .min_by_key(|&(_, clock)| *clock)
            .map(|(&child, _)| child);
        match child {
            Some(child) => self.reap(parent, child),
            None => self.tick(parent),
        }
    }

    pub fn current(&self, pid: u32) -> Option<u64> {
        self.live.get(&pid).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn child_events_follow_the_fork() {
        let mut clocks = LamportClocks::default();
        clocks.tick(10);
        let fork = clocks.fork(10, 11);
        let parent_clone_return = clocks.tick(10);
        let child_first = clocks.tick(11);
        assert!(child_first > fork);
        assert!(child_first > parent_clone_return);
    }

    #[test]
    fn reap_orders_wait_after_the_child_exit() {
        let mut clocks = LamportClocks::default();
        clocks.fork(1, 2);
        for _ in 0..50 {
            clocks.tick(2);
        }
        let child_exit = clocks.exit(2, 2, true);
        let wait_return = clocks.reap(1, 2);
        assert!(wait_return > child_exit);
        assert_eq!(clocks.current(2), None);
    }

    #[test]
    fn thread_exit_keeps_the_process_clock() {
        let mut clocks = LamportClocks::default();
        clocks.fork(1, 5); // a thread of 1
        clocks.exit(1, 5, false);
        assert!(clocks.current(1).is_some());
        assert_eq!(clocks.current(5), None);
    }
}
