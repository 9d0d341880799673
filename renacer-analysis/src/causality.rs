//! The happens-before graph of a trace and its critical path.
//!
//! Nodes are records. Edges:
//!
//! * **program order** — consecutive calls of one thread (by enter time,
//!   then Lamport clock);
//! * **fork** — a `clone`/`clone3`/`fork`/`vfork` returning a child id > 0 →
//!   the first call of that child (the first record whose tid is the id);
//! * **wait** — the last call of a child process (its `exit_group`) → the
//!   parent's `wait4` returning the child's pid (or `waitid` whose decoded
//!   `si_pid`, or `P_PID` id, names it). When the trace has the kernel's exit
//!   events, the child is the process of that pid that exited last before
//!   the wait returned, and its last call the last one it began before that
//!   exit (a reused pid is another process); older traces infer it: the
//!   pid's last call;
//! * **pipe** — a write into a pipe or unix socket pair → the read that
//!   consumed its last byte, when both ends were created in the traced tree
//!   by `pipe`/`pipe2`/`socketpair` with decoded fd arrays (fds followed
//!   through `dup*`, `close` and `fork`). Bytes are matched in order: the
//!   n-th byte read is the n-th byte written.
//!
//! # Weights
//!
//! A path's length is wall time that cannot be shortened without making one
//! of its calls faster, and never more than the trace's wall span: a call
//! counts only from the latest end already on the path (a parent's `vfork`
//! spans its child's calls up to `execve`; a `fork` can return after the
//! child's first call started), so no time counts twice. A node weighs its
//! duration and a program-order edge the gap between the two calls
//! (user-space work). A wake-up edge (wait,
//! pipe) weighs the gap from the waker's end to the waiter's start, if any,
//! and the woken call only counts from the waker's end, whichever way the
//! path reaches it: time blocked waiting belongs to the waker's chain, which
//! is what makes the path follow the slowest child rather than the parent's
//! long `wait4`. A fork edge weighs the gap from the fork's end to the
//! child's first call. Edges that would close a cycle (inconsistent
//! matches) are dropped.

use std::collections::HashMap;
use std::fmt;

use renacer_trace::json::{JsonEventKind, JsonSyscall, TraceFile};

use crate::decode::{P_PID, int_arg, parse_int, struct_field, success};
use crate::util::{FdTables, end_nanos, format_nanos, is_fork, time_order};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EdgeKind {
    ProgramOrder,
    Fork,
    Wait,
    Pipe,
}

/// `from` happens before `to` (record indices).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub kind: EdgeKind,
}

/// The happens-before graph over a trace's records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HappensBefore {
    pub nodes: usize,
    pub edges: Vec<Edge>,
}

/// One end of a traced pipe or socket pair: the channels it writes into and
/// reads from.
#[derive(Debug, Clone, Copy)]
struct End {
    tx: Option<usize>,
    rx: Option<usize>,
}

#[derive(Debug, Default)]
struct Channel {
    /// (record, bytes) in enter order.
    writes: Vec<(usize, u64)>,
    reads: Vec<(usize, u64)>,
}

const WRITES: &[&str] = &["write", "writev", "sendto", "sendmsg"];
const READS: &[&str] = &["read", "readv", "recvfrom", "recvmsg"];

/// The child reaped by a wait call.
fn reaped_pid(sc: &JsonSyscall) -> Option<u32> {
    match sc.name.as_str() {
        "wait4" => success(sc)
            .and_then(|p| u32::try_from(p).ok())
            .filter(|&p| p > 0),
        "waitid" => {
            success(sc)?;
            let from_info = sc
                .args
                .get(2)
                .and_then(|a| struct_field(a, "si_pid="))
                .and_then(parse_int);
            let by_id = (int_arg(sc, 0) == Some(P_PID))
                .then(|| int_arg(sc, 1))
                .flatten();
            from_info
                .or(by_id)
                .and_then(|p| u32::try_from(p).ok())
                .filter(|&p| p > 0)
        }
        _ => None,
    }
}

/// Builds the happens-before graph; see the module documentation.
pub fn happens_before(trace: &TraceFile) -> HappensBefore {
    let calls = &trace.syscalls;
    let order = time_order(trace);
    let mut edges = Vec::new();

    // Program order, per thread.
    let mut by_thread: HashMap<(u32, u32), Vec<usize>> = HashMap::new();
    for &i in &order {
        by_thread
            .entry((calls[i].pid, calls[i].tid))
            .or_default()
            .push(i);
    }
    for seq in by_thread.values_mut() {
        seq.sort_by_key(|&i| (calls[i].timestamp_nanos, calls[i].lamport, i));
        edges.extend(seq.windows(2).map(|w| Edge {
            from: w[0],
            to: w[1],
            kind: EdgeKind::ProgramOrder,
        }));
    }

    // First call per thread id and last call per process, in time order.
    let mut first_of_tid: HashMap<u32, usize> = HashMap::new();
    let mut last_of_pid: HashMap<u32, usize> = HashMap::new();
    for &i in &order {
        first_of_tid.entry(calls[i].tid).or_insert(i);
        let last = last_of_pid.entry(calls[i].pid).or_insert(i);
        if (end_nanos(&calls[i]), i) >= (end_nanos(&calls[*last]), *last) {
            *last = i;
        }
    }

    // The kernel's exits (whole processes), per pid in time order, and each
    // pid's calls by start time: a wait's child is the one that exited last
    // before the wait returned.
    let mut exits: HashMap<u32, Vec<u64>> = HashMap::new();
    for event in &trace.events {
        if event.kind == JsonEventKind::Exit && event.group_dead {
            exits
                .entry(event.pid)
                .or_default()
                .push(event.timestamp_nanos);
        }
    }
    let mut calls_of_pid: HashMap<u32, Vec<usize>> = HashMap::new();
    if !exits.is_empty() {
        for times in exits.values_mut() {
            times.sort_unstable();
        }
        for &i in &order {
            calls_of_pid.entry(calls[i].pid).or_default().push(i);
        }
    }
    let waker = |wait: usize, child: u32| -> Option<usize> {
        let Some(times) = exits.get(&child) else {
            return last_of_pid.get(&child).copied();
        };
        let exited = times
            .iter()
            .rev()
            .find(|&&t| t <= end_nanos(&calls[wait]))?;
        calls_of_pid
            .get(&child)?
            .iter()
            .copied()
            .filter(|&i| calls[i].timestamp_nanos <= *exited)
            .max_by_key(|&i| (end_nanos(&calls[i]), i))
    };

    let mut fds: FdTables<End> = FdTables::new();
    let mut channels: Vec<Channel> = Vec::new();
    for &i in &order {
        let sc = &calls[i];
        if is_fork(&sc.name)
            && let Some(child) = success(sc).and_then(|c| u32::try_from(c).ok())
            && let Some(&first) = first_of_tid.get(&child)
            && first != i
        {
            edges.push(Edge {
                from: i,
                to: first,
                kind: EdgeKind::Fork,
            });
        }
        if let Some(child) = reaped_pid(sc)
            && let Some(last) = waker(i, child)
            && last != i
        {
            edges.push(Edge {
                from: last,
                to: i,
                kind: EdgeKind::Wait,
            });
        }
        if fds.apply_common(sc) {
            continue;
        }
        let name = sc.name.as_str();
        if matches!(name, "pipe" | "pipe2" | "socketpair") {
            if let Some((a, b)) = fds.new_pair(sc) {
                let c = channels.len();
                if name == "socketpair" {
                    channels.push(Channel::default());
                    channels.push(Channel::default());
                    fds.set(
                        sc.pid,
                        a,
                        End {
                            tx: Some(c),
                            rx: Some(c + 1),
                        },
                    );
                    fds.set(
                        sc.pid,
                        b,
                        End {
                            tx: Some(c + 1),
                            rx: Some(c),
                        },
                    );
                } else {
                    channels.push(Channel::default());
                    fds.set(
                        sc.pid,
                        a,
                        End {
                            tx: None,
                            rx: Some(c),
                        },
                    );
                    fds.set(
                        sc.pid,
                        b,
                        End {
                            tx: Some(c),
                            rx: None,
                        },
                    );
                }
            }
            continue;
        }
        let (Some(fd), Some(n)) = (int_arg(sc, 0), success(sc)) else {
            continue;
        };
        let Some(end) = fds.get(sc.pid, fd).copied() else {
            // Any other call returning an fd replaces what that number meant.
            if name.starts_with("open") || matches!(name, "socket" | "accept" | "accept4") {
                fds.remove(sc.pid, n);
            }
            continue;
        };
        let Ok(n) = u64::try_from(n) else { continue };
        if n == 0 {
            continue;
        }
        if WRITES.contains(&name)
            && let Some(c) = end.tx
        {
            channels[c].writes.push((i, n));
        } else if READS.contains(&name)
            && let Some(c) = end.rx
        {
            channels[c].reads.push((i, n));
        }
    }

    for ch in &channels {
        let (mut w, mut written_end) = (0usize, 0u64);
        let mut read_end = 0u64;
        for &(reader, n) in &ch.reads {
            read_end += n;
            // The write holding byte `read_end - 1`.
            while w < ch.writes.len() && written_end + ch.writes[w].1 < read_end {
                written_end += ch.writes[w].1;
                w += 1;
            }
            let Some(&(writer, _)) = ch.writes.get(w) else {
                break;
            };
            if writer != reader {
                edges.push(Edge {
                    from: writer,
                    to: reader,
                    kind: EdgeKind::Pipe,
                });
            }
        }
    }

    HappensBefore {
        nodes: calls.len(),
        edges,
    }
}

/// One call on the critical path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub index: usize,
    pub pid: u32,
    pub tid: u32,
    pub name: String,
    pub lamport: u64,
    pub duration_nanos: u64,
    /// What this step adds to the path: the incoming edge's gap plus the
    /// part of the call that counts (see the module documentation).
    pub weight_nanos: u64,
}

/// The longest weighted chain of the happens-before graph.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CriticalPath {
    /// Sum of the steps' weights.
    pub total_nanos: u64,
    pub steps: Vec<Step>,
}

/// Computes the critical path; see the module documentation.
pub fn critical_path(trace: &TraceFile) -> CriticalPath {
    let graph = happens_before(trace);
    critical_path_of(trace, &graph)
}

/// Topological order of the nodes, dropping cross edges that close cycles.
fn topo_order(n: usize, edges: &mut Vec<Edge>) -> Vec<usize> {
    loop {
        let mut indegree = vec![0usize; n];
        let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
        for e in edges.iter() {
            indegree[e.to] += 1;
            out[e.from].push(e.to);
        }
        let mut queue: Vec<usize> = (0..n).filter(|&v| indegree[v] == 0).collect();
        let mut order = Vec::with_capacity(n);
        while let Some(v) = queue.pop() {
            order.push(v);
            for &t in &out[v] {
                indegree[t] -= 1;
                if indegree[t] == 0 {
                    queue.push(t);
                }
            }
        }
        if order.len() == n {
            return order;
        }
        // Program order alone is acyclic, so dropping the cross edges into
        // the stuck nodes always terminates.
        let before = edges.len();
        edges.retain(|e| e.kind == EdgeKind::ProgramOrder || indegree[e.to] == 0);
        if edges.len() == before {
            edges.retain(|e| e.kind == EdgeKind::ProgramOrder);
        }
    }
}

fn critical_path_of(trace: &TraceFile, graph: &HappensBefore) -> CriticalPath {
    let calls = &trace.syscalls;
    let n = calls.len();
    if n == 0 {
        return CriticalPath::default();
    }
    let mut edges = graph.edges.clone();
    let order = topo_order(n, &mut edges);

    // Woken calls count only from their (latest) waker's end.
    let mut wake = vec![None::<u64>; n];
    let mut preds: Vec<Vec<&Edge>> = vec![Vec::new(); n];
    for e in &edges {
        if matches!(e.kind, EdgeKind::Wait | EdgeKind::Pipe) {
            let end = end_nanos(&calls[e.from]);
            wake[e.to] = Some(wake[e.to].map_or(end, |w: u64| w.max(end)));
        }
        preds[e.to].push(e);
    }
    // What `v` adds after a path whose latest end so far is `frontier`:
    // the gap up to its start, then its own time from the later of its
    // start, its waker's end and the frontier. Time already on the path
    // (a parent's vfork spanning the child's calls, a fork returning after
    // the child started) never counts twice, so a path is never longer than
    // the trace's wall span.
    let contribution = |v: usize, frontier: Option<u64>| {
        let (start, end) = (calls[v].timestamp_nanos, end_nanos(&calls[v]));
        let from = wake[v].map_or(start, |w| w.clamp(start, end));
        match frontier {
            None => end - from,
            Some(f) => start.saturating_sub(f) + end.saturating_sub(from.max(f)),
        }
    };

    let mut dist = vec![0u64; n];
    let mut frontier = vec![0u64; n];
    let mut best_pred = vec![None::<usize>; n];
    let mut weight = vec![0u64; n];
    for &v in &order {
        let mut best: Option<(usize, u64, u64)> = None;
        for e in &preds[v] {
            let added = contribution(v, Some(frontier[e.from]));
            let through = dist[e.from].saturating_add(added);
            if best.is_none_or(|(_, d, _)| through > d) {
                best = Some((e.from, through, added));
            }
        }
        let end = end_nanos(&calls[v]);
        (dist[v], weight[v], frontier[v], best_pred[v]) = match best {
            Some((u, d, added)) => (d, added, frontier[u].max(end), Some(u)),
            None => {
                let own = contribution(v, None);
                (own, own, end, None)
            }
        };
    }

    let Some(last) = (0..n).max_by_key(|&v| (dist[v], std::cmp::Reverse(v))) else {
        return CriticalPath::default();
    };
    let mut steps = Vec::new();
    let mut cur = Some(last);
    while let Some(v) = cur {
        let sc = &calls[v];
        steps.push(Step {
            index: v,
            pid: sc.pid,
            tid: sc.tid,
            name: sc.name.clone(),
            lamport: sc.lamport,
            duration_nanos: sc.duration_nanos,
            weight_nanos: weight[v],
        });
        cur = best_pred[v];
    }
    steps.reverse();
    CriticalPath {
        total_nanos: dist[last],
        steps,
    }
}

/// Steps shown at each end of a long per-process group.
const SHOWN_PER_GROUP: usize = 4;

impl fmt::Display for CriticalPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut pids: Vec<u32> = self.steps.iter().map(|s| s.pid).collect();
        pids.sort_unstable();
        pids.dedup();
        writeln!(
            f,
            "critical path: {} over {} syscalls in {} process(es)",
            format_nanos(self.total_nanos),
            self.steps.len(),
            pids.len()
        )?;
        for group in self.steps.chunk_by(|a, b| a.pid == b.pid) {
            let weight = group.iter().map(|s| s.weight_nanos).sum::<u64>();
            writeln!(
                f,
                "  pid {}: {} syscalls, {}",
                group[0].pid,
                group.len(),
                format_nanos(weight)
            )?;
            let show = |f: &mut fmt::Formatter<'_>, s: &Step| {
                writeln!(
                    f,
                    "    #{} {} (tid {}, lamport {}) {} +{}",
                    s.index,
                    s.name,
                    s.tid,
                    s.lamport,
                    format_nanos(s.duration_nanos),
                    format_nanos(s.weight_nanos)
                )
            };
            if group.len() <= 2 * SHOWN_PER_GROUP + 1 {
                for s in group {
                    show(f, s)?;
                }
            } else {
                for s in &group[..SHOWN_PER_GROUP] {
                    show(f, s)?;
                }
                writeln!(f, "    ... {} more", group.len() - 2 * SHOWN_PER_GROUP)?;
                for s in &group[group.len() - SHOWN_PER_GROUP..] {
                    show(f, s)?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{TraceBuilder, q};
    use renacer_trace::json::{JsonEvent, JsonMarker, JsonResult};

    fn ret(r: i64) -> JsonResult {
        JsonResult::Returned(r)
    }

    /// Parent 10 forks 11 (fast: 20 µs) and 12 (slow: 80 µs), then reaps
    /// 11 and 12. Times in µs.
    fn fork_tree() -> TraceFile {
        let us = 1_000;
        let mut b = TraceBuilder::new(10);
        let exit = JsonResult::Marker(JsonMarker::NoReturn);
        b.call_at(10, 10, "execve", &[&q("./build")], ret(0), 0, us)
            .call_at(10, 10, "clone", &["SIGCHLD"], ret(11), 2 * us, us)
            .call_at(10, 10, "clone", &["SIGCHLD"], ret(12), 4 * us, us)
            .call_at(
                10,
                10,
                "wait4",
                &["-1", "NULL", "0", "NULL"],
                ret(11),
                6 * us,
                20 * us,
            )
            .call_at(
                10,
                10,
                "wait4",
                &["-1", "NULL", "0", "NULL"],
                ret(12),
                27 * us,
                62 * us,
            )
            .call_at(10, 10, "exit_group", &["0"], exit, 90 * us, 0)
            // Fast child.
            .call_at(
                11,
                11,
                "read",
                &["0", &q("x"), "1"],
                ret(1),
                3 * us,
                10 * us,
            )
            .call_at(11, 11, "exit_group", &["0"], exit, 25 * us, 0)
            // Slow child.
            .call_at(
                12,
                12,
                "read",
                &["0", &q("x"), "1"],
                ret(1),
                5 * us,
                40 * us,
            )
            .call_at(
                12,
                12,
                "write",
                &["1", &q("y"), "1"],
                ret(1),
                50 * us,
                30 * us,
            )
            .call_at(12, 12, "exit_group", &["0"], exit, 85 * us, 0);
        b.build()
    }

    #[test]
    fn graph_edges() {
        let t = fork_tree();
        let g = happens_before(&t);
        let find = |kind| -> Vec<(usize, usize)> {
            let mut v: Vec<_> = g
                .edges
                .iter()
                .filter(|e| e.kind == kind)
                .map(|e| (e.from, e.to))
                .collect();
            v.sort_unstable();
            v
        };
        assert_eq!(find(EdgeKind::Fork), [(1, 6), (2, 8)]);
        assert_eq!(find(EdgeKind::Wait), [(7, 3), (10, 4)]);
        assert_eq!(find(EdgeKind::ProgramOrder).len(), 5 + 1 + 2);
    }

    /// Pid 11 is used twice: the kernel's exit events tell the two children
    /// apart, so each wait4 is woken by its own child's exit_group.
    #[test]
    fn real_exits_tell_a_reused_pid_apart() {
        let us = 1_000;
        let mut b = TraceBuilder::new(10);
        let exit = JsonResult::Marker(JsonMarker::NoReturn);
        let wait = ["-1", "NULL", "0", "NULL"];
        b.call_at(10, 10, "clone", &["SIGCHLD"], ret(11), us, us)
            .call_at(10, 10, "wait4", &wait, ret(11), 3 * us, 7 * us)
            .call_at(10, 10, "clone", &["SIGCHLD"], ret(11), 12 * us, us)
            .call_at(10, 10, "wait4", &wait, ret(11), 14 * us, 36 * us)
            .call_at(10, 10, "exit_group", &["0"], exit, 60 * us, 0)
            .call_at(11, 11, "read", &["0", &q("x"), "1"], ret(1), 2 * us, us)
            .call_at(11, 11, "exit_group", &["0"], exit, 5 * us, 0)
            .call_at(
                11,
                11,
                "read",
                &["0", &q("x"), "1"],
                ret(1),
                13 * us,
                30 * us,
            )
            .call_at(11, 11, "exit_group", &["0"], exit, 45 * us, 0);
        let mut t = b.build();
        let index = |ts: u64| {
            t.syscalls
                .iter()
                .position(|s| s.timestamp_nanos - t.syscalls[0].timestamp_nanos + us == ts)
                .expect("a call at that time")
        };
        let (wait_1, wait_2) = (index(3 * us), index(14 * us));
        let (exit_1, exit_2) = (index(5 * us), index(45 * us));
        let base = t.syscalls[0].timestamp_nanos - us;
        t.events = [5 * us + 100, 45 * us + 100]
            .map(|at| JsonEvent::exit(11, 11, base + at, 0, true, 0))
            .to_vec();
        let waits = |t: &TraceFile| -> Vec<(usize, usize)> {
            let mut v: Vec<_> = happens_before(t)
                .edges
                .iter()
                .filter(|e| e.kind == EdgeKind::Wait)
                .map(|e| (e.from, e.to))
                .collect();
            v.sort_unstable();
            v
        };
        assert_eq!(waits(&t), [(exit_1, wait_1), (exit_2, wait_2)]);
        // Without the events, the pid's last call wakes both waits.
        t.events.clear();
        assert!(!waits(&t).contains(&(exit_1, wait_1)));
    }

    #[test]
    fn critical_path_follows_slowest_branch() {
        let t = fork_tree();
        let path = critical_path(&t);
        let chain: Vec<(u32, &str)> = path
            .steps
            .iter()
            .map(|s| (s.pid, s.name.as_str()))
            .collect();
        assert_eq!(
            chain,
            [
                (10, "execve"),
                (10, "clone"),
                (10, "clone"),
                (12, "read"),
                (12, "write"),
                (12, "exit_group"),
                (10, "wait4"),
                (10, "exit_group"),
            ]
        );
        // Wall time from the first call to the parent's exit, all accounted:
        // nothing on the path ran in parallel.
        assert_eq!(path.total_nanos, 90_000);
        assert_eq!(
            path.steps.iter().map(|s| s.weight_nanos).sum::<u64>(),
            path.total_nanos
        );
        // The second wait4 counts only after the slow child exits (85 -> 89 µs).
        assert_eq!(path.steps[6].weight_nanos, 4_000);
        let text = path.to_string();
        assert!(
            text.starts_with("critical path: 90.0 µs over 8 syscalls in 2 process(es)"),
            "{text}"
        );
        assert!(text.contains("pid 12: 3 syscalls"), "{text}");
        // Grouped by process in path order: 10, 12, 10.
        let groups: Vec<&str> = text.lines().filter(|l| l.starts_with("  pid")).collect();
        assert_eq!(groups.len(), 3, "{text}");
    }

    /// The span from the earliest start to the latest end of a trace.
    fn wall_span(t: &TraceFile) -> u64 {
        let start = t
            .syscalls
            .iter()
            .map(|c| c.timestamp_nanos)
            .min()
            .unwrap_or(0);
        let end = t.syscalls.iter().map(end_nanos).max().unwrap_or(0);
        end - start
    }

    #[test]
    fn vfork_overlapping_its_child_counts_once() {
        // sh -c 'dd ...': the parent's vfork (1..40 µs) spans the child's
        // calls up to its execve; the child runs on, the parent waits.
        let us = 1_000;
        let exit = JsonResult::Marker(JsonMarker::NoReturn);
        let mut b = TraceBuilder::new(10);
        b.call_at(10, 10, "execve", &[&q("/bin/sh")], ret(0), 0, us)
            .call_at(10, 10, "vfork", &[], ret(11), us, 39 * us)
            .call_at(
                10,
                10,
                "wait4",
                &["-1", "NULL", "0", "NULL"],
                ret(11),
                41 * us,
                58 * us,
            )
            .call_at(10, 10, "exit_group", &["0"], exit, 100 * us, 0)
            .call_at(
                11,
                11,
                "rt_sigprocmask",
                &["SIG_SETMASK", "[]", "NULL", "8"],
                ret(0),
                2 * us,
                us,
            )
            .call_at(11, 11, "execve", &[&q("/bin/dd")], ret(0), 4 * us, 36 * us)
            .call_at(
                11,
                11,
                "read",
                &["0", &q("x"), "1"],
                ret(1),
                45 * us,
                40 * us,
            )
            .call_at(11, 11, "exit_group", &["0"], exit, 95 * us, 0);
        let t = b.build();
        let path = critical_path(&t);
        assert!(
            path.total_nanos <= wall_span(&t),
            "path {} > wall span {}",
            path.total_nanos,
            wall_span(&t)
        );
        // Everything from the first call to the parent's exit, once.
        assert_eq!(path.total_nanos, 100 * us);
        assert_eq!(
            path.steps.iter().map(|s| s.weight_nanos).sum::<u64>(),
            path.total_nanos
        );
    }

    #[test]
    fn fork_tree_path_within_wall_span() {
        let t = fork_tree();
        assert!(critical_path(&t).total_nanos <= wall_span(&t));
    }

    #[test]
    fn faster_other_branch_changes_the_path() {
        let mut t = fork_tree();
        // Make child 11 the slow one: its read now takes until 88 µs and the
        // reaping order follows.
        t.syscalls[6].duration_nanos = 80_000;
        t.syscalls[7].timestamp_nanos = 84_000;
        t.syscalls[9].duration_nanos = 1_000;
        t.syscalls[10].timestamp_nanos = 52_000;
        let path = critical_path(&t);
        assert!(path.steps.iter().any(|s| s.pid == 11), "{path}");
        assert!(!path.steps.iter().any(|s| s.pid == 12), "{path}");
    }

    #[test]
    fn pipe_edges_match_bytes() {
        let us = 1_000;
        let mut b = TraceBuilder::new(1);
        b.call_at(1, 1, "pipe2", &["[3, 4]", "0"], ret(0), 0, us)
            .call_at(1, 1, "fork", &[], ret(2), 2 * us, us)
            .call_at(1, 1, "close", &["3"], ret(0), 4 * us, us)
            .call_at(1, 1, "write", &["4", &q("abc"), "3"], ret(3), 10 * us, us)
            .call_at(1, 1, "write", &["4", &q("de"), "2"], ret(2), 50 * us, us)
            .call_at(2, 2, "close", &["4"], ret(0), 5 * us, us)
            .call_at(2, 2, "dup2", &["3", "0"], ret(0), 6 * us, us)
            .call_at(2, 2, "read", &["0", &q("ab"), "2"], ret(2), 7 * us, 4 * us)
            .call_at(
                2,
                2,
                "read",
                &["0", &q("cd"), "2"],
                ret(2),
                12 * us,
                40 * us,
            )
            .call_at(2, 2, "read", &["0", &q("e"), "2"], ret(1), 53 * us, us);
        let t = b.build();
        let g = happens_before(&t);
        let mut pipes: Vec<_> = g
            .edges
            .iter()
            .filter(|e| e.kind == EdgeKind::Pipe)
            .map(|e| (e.from, e.to))
            .collect();
        pipes.sort_unstable();
        // "ab" from the first write; "cd" ends in the second; "e" too.
        assert_eq!(pipes, [(3, 7), (4, 8), (4, 9)]);
        // With the fd array as a raw pointer the ends are predicted as the
        // lowest free fds, which they are here.
        let mut raw = t.clone();
        raw.syscalls[0].args[0] = "0x7ffd0000".to_owned();
        let raw_pipes = happens_before(&raw)
            .edges
            .iter()
            .filter(|e| e.kind == EdgeKind::Pipe)
            .count();
        assert_eq!(raw_pipes, 3);
        // The long blocking read counts only after the second write: the
        // path runs through the writer.
        let path = critical_path(&t);
        let idx: Vec<usize> = path.steps.iter().map(|s| s.index).collect();
        assert_eq!(idx, [0, 1, 2, 3, 4, 8, 9], "{path}");
    }

    #[test]
    fn cycles_are_broken() {
        let mut t = fork_tree();
        // A bogus wait edge pointing back in time: child 12's last event "reaped"
        // by the parent's execve would be fine, but make 12 fork the parent.
        t.syscalls[8].name = "clone".to_owned();
        t.syscalls[8].result = ret(10);
        let path = critical_path(&t);
        assert!(!path.steps.is_empty());
        assert!(path.total_nanos >= 80_000);
    }

    #[test]
    fn empty_trace() {
        let t = TraceBuilder::new(1).build();
        assert_eq!(critical_path(&t), CriticalPath::default());
    }
}
