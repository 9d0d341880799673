//! Capture sessions: what the daemon keeps per capture while events arrive.
//!
//! A session is fed decoded kernel events by the ring-buffer reader. It stamps
//! Lamport clocks, follows which tasks of the tree are alive, keeps the summary,
//! and hands records to its sink without ever blocking the reader: a streaming
//! subscriber has a bounded queue and what does not fit is counted as dropped.
use std::{
    collections::{HashMap, HashSet},
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
};

use renacer_common::{
    PayloadHeader, ProcessEvent, SignalEvent, SyscallEvent, flags, kind, payload,
};
use renacer_trace::{
    SyscallRecord, SyscallResult, cgroup, packed,
    signal::{Siginfo, SignalHow},
    summary::Summary,
};
use tokio::sync::{mpsc, oneshot};

use crate::{
    cgroups,
    kernel::continue_process,
    pipeline::decoding::{CaptureSettings, add_payload},
    pipeline::lamport::LamportClocks,
    pipeline::stacks::{StackUnwinder, is_snapshot},
};

/// Records per streamed batch: large enough to amortise gRPC framing.
pub const STREAM_BATCH: usize = 4096;
/// Bytes per packed batch, whichever limit comes first: calls with large
/// captured buffers make fewer per message.
pub const STREAM_BATCH_BYTES: usize = 1 << 20;
/// Records a streaming subscriber may have queued before records are dropped:
/// about 70 MB of packed records with small captured buffers (a 1M-call storm
/// is half a second of them).
pub const STREAM_QUEUE_RECORDS: usize = 1 << 19;
/// A lossless capture pauses its processes once its subscriber has this many
/// records queued, and resumes them below `LOSSLESS_RESUME_RECORDS`: memory
/// stays bounded without losing anything.
pub const LOSSLESS_PAUSE_RECORDS: usize = 65_536;
pub const LOSSLESS_RESUME_RECORDS: usize = 16_384;
/// Records a background capture keeps before counting the rest as dropped.
pub const BUFFER_LIMIT: usize = 20_000_000;

const NR_WAIT4: u32 = 61;
/// `si_code` of a signal the kernel sent.
const SI_KERNEL: i32 = 0x80;
const NR_WAITID: u32 = 247;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndReason {
    TreeExited,
    DurationElapsed,
    Stopped,
    DaemonShutdown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcessEventKind {
    Fork,
    Exec,
    Exit,
    Signal,
}

/// A process lifetime event, stamped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProcessRecord {
    pub kind: ProcessEventKind,
    pub pid: u32,
    pub tid: u32,
    pub child_pid: u32,
    pub group_dead: bool,
    pub timestamp_nanos: u64,
    pub lamport: u64,
    /// Exit: the task's wait status.
    pub exit_status: u32,
    /// Signal: how it was reported, and its siginfo.
    pub signal: Option<(SignalHow, Siginfo)>,
    /// The task's cgroup v2 id (fork: the child's, which is the parent's).
    pub cgroup_id: u64,
}

/// Where a session sends each call and process event besides its subscriber:
/// the OTLP export implements it, so the pipeline never imports `export`.
pub trait CaptureSink: Send + std::fmt::Debug {
    /// One call, with its captured bytes in packed form.
    fn syscall(&mut self, record: &SyscallRecord, items: &[u8]);
    fn process(&mut self, record: &ProcessRecord);
    /// Flushes what is left (bounded in time); resolves to what could not be
    /// delivered.
    fn finish(
        self: Box<Self>,
        capture_id: u32,
    ) -> std::pin::Pin<Box<dyn Future<Output = u64> + Send>>;
}

/// The trace a capture joins (W3C trace id, 32 lowercase hex characters), and
/// its export when one is on.
#[derive(Debug)]
pub struct CaptureTrace {
    pub trace_id: String,
    pub export: Option<Box<dyn CaptureSink>>,
}

/// A syscall with the bytes the kernel read for it, in renacer-trace's
/// packed item form (empty: nothing read). Decoded only where it is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TracedCall {
    pub record: SyscallRecord,
    pub captured: Vec<u8>,
}

/// What a streaming subscriber receives. Packed batches go out as they are;
/// record batches (for clients that did not ask for the packed form) are
/// converted to protobuf on the gRPC task, not on the reader thread.
#[derive(Debug)]
pub enum StreamItem {
    Syscalls(Vec<TracedCall>),
    Packed { bytes: Vec<u8>, records: usize },
    Process(ProcessRecord),
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DaemonDrops {
    /// Records a slow subscriber's full queue could not take.
    pub subscriber: u64,
    /// Records beyond a background capture's limit.
    pub buffer: u64,
}

#[derive(Debug)]
pub enum Sink {
    Stream {
        /// Unbounded as a channel; `queued` bounds it (records, not batches).
        tx: mpsc::UnboundedSender<StreamItem>,
        /// Records queued and not yet taken by the gRPC task.
        queued: Arc<AtomicUsize>,
        pending: Vec<TracedCall>,
        /// With the packed form: the batch being built (`pending` stays empty).
        pending_packed: Option<(Vec<u8>, usize)>,
        summary_only: bool,
    },
    Buffer {
        records: Vec<TracedCall>,
        processes: Vec<ProcessRecord>,
    },
}

impl Sink {
    /// `packed`: the subscriber takes renacer-trace's packed records.
    pub fn stream(
        tx: mpsc::UnboundedSender<StreamItem>,
        queued: Arc<AtomicUsize>,
        summary_only: bool,
        packed: bool,
    ) -> Self {
        Self::Stream {
            tx,
            queued,
            pending: Vec::new(),
            pending_packed: packed.then(|| (Vec::new(), 0)),
            summary_only,
        }
    }

    pub fn buffer() -> Self {
        Self::Buffer {
            records: Vec::new(),
            processes: Vec::new(),
        }
    }
}

#[derive(Debug)]
pub struct Session {
    pub id: u32,
    pub trace_id: String,
    pub pid: u32,
    pub command: Vec<String>,
    /// Converts kernel monotonic timestamps to Unix-epoch nanoseconds.
    pub epoch_offset_nanos: u64,
    live: HashSet<u32>,
    clocks: LamportClocks,
    pub summary: Summary,
    pub sink: Sink,
    pub drops: DaemonDrops,
    /// Set once the tree has exited (or recording stopped); later events are ignored.
    pub recording: bool,
    /// Kernel drops collected when recording stopped before the capture ended.
    pub kernel_drops_at_stop: u64,
    /// OTLP span export, when on for this capture.
    pub export: Option<Box<dyn CaptureSink>>,
    on_tree_exit: Option<oneshot::Sender<EndReason>>,
    pub settings: CaptureSettings,
    /// Bytes read at enter (or exit) per tid, waiting for the syscall's record.
    payloads: HashMap<u32, (u32, Vec<u8>)>,
    /// The user stack copied at enter per tid, unwound into a FRAMES item,
    /// waiting for the call's record (syscall nr, item).
    stacks: HashMap<u32, (u32, Vec<u8>)>,
    unwinder: StackUnwinder,
    /// Lossless flow control: paused now, how often, and who was last resumed.
    pub lossless: LosslessState,
    /// With a cgroup filter: whether each process is in the cgroup.
    in_cgroup: HashMap<u32, bool>,
}

/// Where a lossless capture's flow control stands.
#[derive(Debug, Default)]
pub struct LosslessState {
    /// The kernel pauses the capture's processes (its `PAUSE` entry is set).
    pub pausing: bool,
    /// Rounds in which paused processes were resumed: how often the consumer
    /// (subscriber or ring-buffer reader) fell behind.
    pub pauses: u64,
    /// Processes resumed in the previous round, continued once more in case
    /// their pause raced with the resume.
    pub recently_resumed: Vec<u32>,
}

impl Session {
    pub fn new(
        id: u32,
        trace_id: String,
        pid: u32,
        command: Vec<String>,
        epoch_offset_nanos: u64,
        sink: Sink,
        on_tree_exit: oneshot::Sender<EndReason>,
    ) -> Self {
        Self {
            id,
            trace_id,
            pid,
            command,
            epoch_offset_nanos,
            live: HashSet::from([pid]),
            clocks: LamportClocks::default(),
            summary: Summary::default(),
            sink,
            drops: DaemonDrops::default(),
            recording: true,
            kernel_drops_at_stop: 0,
            export: None,
            on_tree_exit: Some(on_tree_exit),
            settings: CaptureSettings::default(),
            payloads: HashMap::new(),
            stacks: HashMap::new(),
            unwinder: StackUnwinder::default(),
            lossless: LosslessState::default(),
            in_cgroup: HashMap::new(),
        }
    }

    pub fn with_settings(mut self, settings: CaptureSettings) -> Self {
        if let Some(scope) = &settings.cgroup {
            let inside =
                cgroups::path_of_pid(self.pid).is_some_and(|p| cgroup::is_within(&p, scope));
            self.in_cgroup.insert(self.pid, inside);
        }
        self.settings = settings;
        self
    }

    /// Whether process `pid`'s calls and events are kept (no cgroup filter,
    /// or it is in the cgroup).
    fn in_scope(&self, pid: u32) -> bool {
        self.settings.cgroup.is_none() || self.in_cgroup.get(&pid).copied().unwrap_or(false)
    }

    /// Process `pid` is now in cgroup `id` (fork, exec).
    fn moved(&mut self, pid: u32, id: u64) {
        if let Some(scope) = &self.settings.cgroup {
            let inside = cgroups::path_of(id).is_some_and(|p| cgroup::is_within(&p, scope));
            self.in_cgroup.insert(pid, inside);
        }
    }

    /// Bytes the kernel read for the next record of `header.tid`.
    pub fn apply_payload(&mut self, header: &PayloadHeader, bytes: &[u8]) {
        if !self.recording {
            // A process stopped for its map must go on all the same.
            if is_snapshot(header) {
                continue_process(header.tid);
            }
            return;
        }
        let nr = u32::from(header.nr);
        if header.kind == payload::USER_STACK {
            if is_snapshot(header) {
                self.unwinder.snapshot(header.tid);
            }
            // Unwound now, straight from the ring buffer: the frames are a
            // fraction of the stack's bytes. A stack left over from a call
            // whose record was lost is replaced.
            if let Some(frames) = self.unwinder.unwind_thread(header.tid, bytes) {
                self.stacks.insert(header.tid, (nr, frames));
            }
            return;
        }
        let entry = self
            .payloads
            .entry(header.tid)
            .or_insert_with(|| (nr, Vec::new()));
        // Left over from a call whose record was lost (counted as a kernel drop).
        if entry.0 != nr {
            *entry = (nr, Vec::new());
        }
        add_payload(&mut entry.1, header, bytes);
    }

    /// The payload waiting for `tid`, if it belongs to syscall `nr`, with
    /// the call's user stack unwound into a FRAMES item when one was copied.
    fn take_payload(&mut self, tid: u32, nr: u32) -> Vec<u8> {
        let mut items = match self.payloads.remove(&tid) {
            Some((for_nr, items)) if for_nr == nr => items,
            _ => Vec::new(),
        };
        if let Some((for_nr, frames)) = self.stacks.remove(&tid)
            && for_nr == nr
        {
            packed::push_item(&mut items, payload::FRAMES, 0, 0, &frames);
        }
        items
    }

    /// Stacks whose process's map could not be read (the process was gone).
    pub fn unwind_failures(&self) -> u64 {
        self.unwinder.failures
    }

    pub fn apply_syscall(&mut self, event: &SyscallEvent) {
        if !self.recording {
            return;
        }
        let nr = u32::from(event.nr);
        let result = if event.flags & flags::NO_RETURN != 0 {
            SyscallResult::NoReturn
        } else {
            SyscallResult::Returned(event.ret)
        };
        let lamport = match (nr, result) {
            (NR_WAIT4, SyscallResult::Returned(child)) if child > 0 => {
                self.clocks.reap(event.pid, child as u32)
            }
            (NR_WAITID, SyscallResult::Returned(0)) => self.clocks.reap_any(event.pid),
            _ => self.clocks.tick(event.pid),
        };
        let record = SyscallRecord {
            nr,
            args: event.args,
            result,
            timestamp_nanos: event.header.timestamp_ns + self.epoch_offset_nanos,
            duration_nanos: event.duration_ns,
            pid: event.pid,
            tid: event.tid,
            cpu: event.header.cpu,
            lamport,
        };
        let captured = self.take_payload(record.tid, nr);
        self.push(TracedCall { record, captured });
    }

    /// A syscall still in flight when the capture ended.
    pub fn add_unfinished(&mut self, tid: u32, state: &renacer_common::InflightSyscall) {
        let record = SyscallRecord {
            nr: state.nr,
            args: state.args,
            result: SyscallResult::Unfinished,
            timestamp_nanos: state.enter_ns + self.epoch_offset_nanos,
            duration_nanos: 0,
            pid: state.pid,
            tid,
            cpu: state.cpu,
            lamport: self.clocks.tick(state.pid),
        };
        let captured = self.take_payload(tid, state.nr);
        self.push(TracedCall { record, captured });
    }

    fn push(&mut self, record: TracedCall) {
        if !self.settings.keeps(&record.record) || !self.in_scope(record.record.pid) {
            return;
        }
        self.summary.add(&record.record);
        if let Some(export) = &mut self.export {
            export.syscall(&record.record, &record.captured);
        }
        match &mut self.sink {
            Sink::Stream { summary_only, .. } if *summary_only => {}
            Sink::Stream {
                pending_packed: Some((bytes, records)),
                ..
            } => {
                packed::push_record(bytes, &record.record, &record.captured);
                *records += 1;
                if *records >= STREAM_BATCH || bytes.len() >= STREAM_BATCH_BYTES {
                    self.flush();
                }
            }
            Sink::Stream { pending, .. } => {
                pending.push(record);
                if pending.len() >= STREAM_BATCH {
                    self.flush();
                }
            }
            Sink::Buffer { records, .. } => {
                if records.len() < BUFFER_LIMIT {
                    records.push(record);
                } else {
                    self.drops.buffer += 1;
                }
            }
        }
    }

    pub fn apply_process(&mut self, event: &ProcessEvent) {
        if !self.recording {
            return;
        }
        let (kind, lamport) = match event.header.kind {
            kind::FORK => {
                self.live.insert(event.other);
                self.moved(event.other, event.cgroup_id);
                (
                    ProcessEventKind::Fork,
                    self.clocks.fork(event.pid, event.other),
                )
            }
            kind::EXEC => {
                self.moved(event.pid, event.cgroup_id);
                // A new image: the old map means nothing now.
                self.unwinder.forget(event.pid);
                (ProcessEventKind::Exec, self.clocks.tick(event.pid))
            }
            kind::EXIT => {
                // A thread killed inside a call leaves its payload behind.
                self.payloads.remove(&event.tid);
                self.stacks.remove(&event.tid);
                let group_dead = event.other != 0;
                self.unwinder.forget_thread(event.tid);
                if group_dead {
                    self.unwinder.forget(event.pid);
                }
                if event.tid != event.pid {
                    self.live.remove(&event.tid);
                }
                if group_dead {
                    self.live.remove(&event.pid);
                }
                (
                    ProcessEventKind::Exit,
                    self.clocks.exit(event.pid, event.tid, group_dead),
                )
            }
            _ => return,
        };
        let record = ProcessRecord {
            kind,
            pid: event.pid,
            tid: event.tid,
            child_pid: if kind == ProcessEventKind::Fork {
                event.other
            } else {
                0
            },
            group_dead: kind == ProcessEventKind::Exit && event.other != 0,
            timestamp_nanos: event.header.timestamp_ns + self.epoch_offset_nanos,
            lamport,
            exit_status: if kind == ProcessEventKind::Exit {
                event.exit_status
            } else {
                0
            },
            signal: None,
            cgroup_id: event.cgroup_id,
        };
        // A fork is the child's to show (it starts in the parent's cgroup).
        let shown = if kind == ProcessEventKind::Fork {
            event.other
        } else {
            event.pid
        };
        if self.in_scope(shown) {
            self.forward_process(record);
        }
        if kind == ProcessEventKind::Exit && self.live.is_empty() {
            self.tree_exited();
        }
    }

    /// A signal for a task of the tree. The daemon's own (lossless pauses,
    /// stack snapshots) are not the program's and are left out.
    pub fn apply_signal(&mut self, event: &SignalEvent) {
        if !self.recording {
            return;
        }
        let Some(how) = SignalHow::from_kernel(event.how) else {
            return;
        };
        let info = Siginfo(event.siginfo);
        // The daemon's SIGCONTs, and the SIGSTOPs of a lossless capture's
        // pauses and of a stack capture's map snapshots (sent by the eBPF
        // programs: from the kernel), are renacer's, not the program's.
        let from_daemon = info.code() <= 0 && info.pid() as u32 == std::process::id();
        let renacer_pause = (self.settings.lossless || self.settings.stacks)
            && info.signo() == libc::SIGSTOP
            && info.code() == SI_KERNEL;
        if from_daemon || renacer_pause {
            return;
        }
        let record = ProcessRecord {
            kind: ProcessEventKind::Signal,
            pid: event.pid,
            tid: event.tid,
            child_pid: 0,
            group_dead: false,
            timestamp_nanos: event.header.timestamp_ns + self.epoch_offset_nanos,
            // At the task's clock, not ticking it: a signal is not a step of
            // the program, and a tick here could let a parent's fork return
            // catch up with its child's first call.
            lamport: self.clocks.current(event.pid).unwrap_or_default(),
            exit_status: 0,
            signal: Some((how, info)),
            cgroup_id: 0,
        };
        if self.in_scope(event.pid) {
            self.forward_process(record);
        }
    }

    fn forward_process(&mut self, record: ProcessRecord) {
        if let Some(export) = &mut self.export {
            export.process(&record);
        }
        if let Sink::Buffer { processes, .. } = &mut self.sink {
            processes.push(record);
        } else {
            // Keep syscalls and process events in order for the subscriber.
            self.flush();
            self.send(StreamItem::Process(record), 0);
        }
    }

    /// Every task of the tree is gone (also used when the root vanished
    /// without an exit event reaching us).
    pub fn tree_exited(&mut self) {
        self.flush();
        self.recording = false;
        if let Some(notify) = self.on_tree_exit.take() {
            let _ = notify.send(EndReason::TreeExited);
        }
    }

    /// Flushes the session's export, if any: resolves to what it could not
    /// deliver.
    pub async fn finish_export(&mut self) -> u64 {
        match self.export.take() {
            Some(export) => export.finish(self.id).await,
            None => 0,
        }
    }

    /// Ends the capture early (for example on StopCapture): whoever waits
    /// for the tree to exit hears `reason` instead.
    pub fn request_end(&mut self, reason: EndReason) {
        if let Some(notify) = self.on_tree_exit.take() {
            let _ = notify.send(reason);
        }
    }

    /// Tasks the session believes alive (for the liveness sweep).
    pub fn live_tasks(&self) -> impl Iterator<Item = u32> + '_ {
        self.live.iter().copied()
    }

    pub fn forget_task(&mut self, task: u32) {
        self.live.remove(&task);
        if self.live.is_empty() && self.recording {
            self.tree_exited();
        }
    }

    /// Sends the pending batch to a streaming subscriber, never blocking.
    pub fn flush(&mut self) {
        let Sink::Stream {
            pending,
            pending_packed,
            ..
        } = &mut self.sink
        else {
            return;
        };
        let item = match pending_packed {
            Some((bytes, records)) if *records > 0 => StreamItem::Packed {
                bytes: std::mem::replace(bytes, Vec::with_capacity(bytes.capacity())),
                records: std::mem::take(records),
            },
            _ if !pending.is_empty() => StreamItem::Syscalls(std::mem::take(pending)),
            _ => return,
        };
        let len = match &item {
            StreamItem::Packed { records, .. } => *records,
            StreamItem::Syscalls(calls) => calls.len(),
            StreamItem::Process(_) => 0,
        };
        self.send(item, len as u64);
    }

    /// Records queued for the subscriber and not yet taken.
    pub fn queued_records(&self) -> usize {
        match &self.sink {
            Sink::Stream { queued, .. } => queued.load(Ordering::Relaxed),
            Sink::Buffer { .. } => 0,
        }
    }

    fn send(&mut self, item: StreamItem, records: u64) {
        let Sink::Stream { tx, queued, .. } = &self.sink else {
            return;
        };
        let records = records as usize;
        // A lossless capture is bounded by pausing its processes instead.
        if !self.settings.lossless
            && queued.load(Ordering::Relaxed) + records > STREAM_QUEUE_RECORDS
        {
            self.drops.subscriber += records as u64;
            return;
        }
        queued.fetch_add(records, Ordering::Relaxed);
        if tx.send(item).is_err() {
            // The subscriber is gone; the capture is ending.
            queued.fetch_sub(records, Ordering::Relaxed);
            self.drops.subscriber += records as u64;
        }
    }
}

#[cfg(test)]
mod tests {
    use renacer_common::EventHeader;

    use super::*;

    fn syscall(pid: u32, tid: u32, nr: u16, ret: i64, ts: u64) -> SyscallEvent {
        SyscallEvent {
            header: EventHeader {
                kind: kind::SYSCALL,
                size: size_of::<SyscallEvent>() as u16,
                cpu: 0,
                timestamp_ns: ts,
            },
            capture_id: 1,
            pid,
            tid,
            nr,
            flags: 0,
            args: [0; 6],
            ret,
            duration_ns: 10,
        }
    }

    fn process(event_kind: u16, pid: u32, tid: u32, other: u32) -> ProcessEvent {
        ProcessEvent {
            header: EventHeader {
                kind: event_kind,
                size: size_of::<ProcessEvent>() as u16,
                cpu: 0,
                timestamp_ns: 5,
            },
            capture_id: 1,
            pid,
            tid,
            other,
            exit_status: 0,
            _pad: 0,
            cgroup_id: 0,
        }
    }

    fn buffered(pid: u32) -> (Session, oneshot::Receiver<EndReason>) {
        let (tx, rx) = oneshot::channel();
        (
            Session::new(1, "00".repeat(16), pid, vec![], 1000, Sink::buffer(), tx),
            rx,
        )
    }

    fn records(session: &Session) -> Vec<SyscallRecord> {
        match &session.sink {
            Sink::Buffer { records, .. } => records.iter().map(|c| c.record.clone()).collect(),
            Sink::Stream { .. } => Vec::new(),
        }
    }

    fn signal(how: u32, signo: i32, code: i32, sender: u32) -> SignalEvent {
        let mut siginfo = [0u8; renacer_common::SIGINFO_BYTES];
        siginfo[0..4].copy_from_slice(&signo.to_ne_bytes());
        siginfo[8..12].copy_from_slice(&code.to_ne_bytes());
        siginfo[16..20].copy_from_slice(&sender.to_ne_bytes());
        SignalEvent {
            header: EventHeader {
                kind: kind::SIGNAL,
                size: size_of::<SignalEvent>() as u16,
                cpu: 0,
                timestamp_ns: 7,
            },
            capture_id: 1,
            pid: 100,
            tid: 100,
            how,
            siginfo,
        }
    }

    fn processes(session: &Session) -> Vec<ProcessRecord> {
        match &session.sink {
            Sink::Buffer { processes, .. } => processes.clone(),
            Sink::Stream { .. } => Vec::new(),
        }
    }

    /// Exits carry the kernel's wait status; signals their siginfo, except
    /// those renacer itself sends (the daemon's SIGCONT, lossless SIGSTOPs).
    #[test]
    fn exit_status_and_signals_are_kept_renacers_own_are_not() {
        let (mut session, _exited) = buffered(100);
        session.settings.lossless = true;
        session.apply_signal(&signal(
            renacer_common::signal_how::DELIVERED,
            libc::SIGCHLD,
            1,
            101,
        ));
        session.apply_signal(&signal(
            renacer_common::signal_how::IGNORED,
            libc::SIGCONT,
            0,
            std::process::id(),
        ));
        session.apply_signal(&signal(
            renacer_common::signal_how::DELIVERED,
            libc::SIGSTOP,
            SI_KERNEL,
            0,
        ));
        let mut exit = process(kind::EXIT, 100, 100, 1);
        exit.exit_status = 15;
        session.apply_process(&exit);
        let kept = processes(&session);
        assert_eq!(kept.len(), 2, "{kept:?}");
        assert_eq!(kept[0].kind, ProcessEventKind::Signal);
        let (how, info) = kept[0].signal.expect("a signal record");
        assert_eq!(
            (how, info.signo(), info.pid()),
            (SignalHow::Delivered, libc::SIGCHLD, 101)
        );
        assert_eq!(kept[0].timestamp_nanos, 1007);
        assert_eq!(kept[1].kind, ProcessEventKind::Exit);
        assert_eq!(kept[1].exit_status, 15);
    }

    #[test]
    fn fork_tree_lamport_and_exit() {
        let (mut session, mut exited) = buffered(100);
        session.apply_syscall(&syscall(100, 100, 1, 1, 1));
        session.apply_process(&process(kind::FORK, 100, 100, 101));
        session.apply_syscall(&syscall(100, 100, 56, 101, 2)); // clone returns in parent
        session.apply_syscall(&syscall(101, 101, 1, 1, 3)); // child's first call
        let mut exit_group = syscall(101, 101, 231, 0, 4);
        exit_group.flags = flags::NO_RETURN;
        session.apply_syscall(&exit_group);
        session.apply_process(&process(kind::EXIT, 101, 101, 1));
        session.apply_syscall(&syscall(100, 100, 61, 101, 5)); // wait4 reaps 101
        assert!(exited.try_recv().is_err(), "the root is still alive");
        session.apply_process(&process(kind::EXIT, 100, 100, 1));
        assert_eq!(exited.try_recv().ok(), Some(EndReason::TreeExited));

        let recs = records(&session);
        assert_eq!(recs.len(), 5);
        let clone = &recs[1];
        let child_first = &recs[2];
        let wait = &recs[4];
        assert!(child_first.lamport > clone.lamport);
        assert!(
            wait.lamport > recs[3].lamport,
            "wait4 after the child's exit_group"
        );
        assert_eq!(recs[3].result, SyscallResult::NoReturn);
        assert_eq!(recs[0].timestamp_nanos, 1001);
        // exit_group never returns: strace -c leaves it out of the summary.
        assert_eq!(session.summary.total_calls(), 4);
    }

    #[test]
    fn slow_subscriber_drops_are_counted_not_blocking() {
        let (tx, _rx_never_read) = mpsc::unbounded_channel();
        let (exit_tx, _exit_rx) = oneshot::channel();
        let mut session = Session::new(
            1,
            String::new(),
            7,
            vec![],
            0,
            Sink::stream(tx, Arc::default(), false, false),
            exit_tx,
        );
        let made = STREAM_QUEUE_RECORDS + STREAM_BATCH * 3;
        for i in 0..made {
            session.apply_syscall(&syscall(7, 7, 1, 1, i as u64));
        }
        session.flush();
        // The queue takes its bound; every record past it is counted.
        assert_eq!(session.queued_records(), STREAM_QUEUE_RECORDS);
        assert_eq!(
            session.queued_records() as u64 + session.drops.subscriber,
            made as u64
        );
        assert_eq!(session.summary.total_calls(), made as u64);
    }

    #[test]
    fn a_lossless_subscriber_loses_nothing() {
        let (tx, _rx_never_read) = mpsc::unbounded_channel();
        let (exit_tx, _exit_rx) = oneshot::channel();
        let session = Session::new(
            1,
            String::new(),
            7,
            vec![],
            0,
            Sink::stream(tx, Arc::default(), false, false),
            exit_tx,
        );
        let mut session = session.with_settings(CaptureSettings {
            lossless: true,
            ..CaptureSettings::default()
        });
        let made = STREAM_QUEUE_RECORDS + STREAM_BATCH;
        for i in 0..made {
            session.apply_syscall(&syscall(7, 7, 1, 1, i as u64));
        }
        session.flush();
        assert_eq!(session.drops.subscriber, 0);
        assert_eq!(session.queued_records(), made);
    }

    fn payload(tid: u32, nr: u16, arg: u8) -> PayloadHeader {
        PayloadHeader {
            header: EventHeader::default(),
            capture_id: 1,
            tid,
            nr,
            arg,
            kind: renacer_common::payload::STRING,
            index: 0,
            flags: 0,
            _pad: 0,
            len: 0,
            _pad2: 0,
        }
    }

    fn captured(session: &Session) -> Vec<Vec<u8>> {
        match &session.sink {
            Sink::Buffer { records, .. } => records.iter().map(|c| c.captured.clone()).collect(),
            Sink::Stream { .. } => Vec::new(),
        }
    }

    #[test]
    fn payloads_join_the_next_record_of_their_thread() {
        let (mut session, _exited) = buffered(7);
        session.apply_payload(&payload(8, 257, 1), b"/etc/hosts");
        session.apply_payload(&payload(7, 257, 1), b"/etc/passwd");
        session.apply_syscall(&syscall(7, 7, 257, 3, 1));
        // A payload whose record was lost does not stick to another call.
        session.apply_payload(&payload(7, 2, 0), b"/lost");
        session.apply_syscall(&syscall(7, 7, 0, 1, 2));
        session.apply_syscall(&syscall(7, 8, 257, 4, 3));
        let captured = captured(&session);
        let string = |i: usize| packed::captured(&captured[i]).strings[1].map(|s| s.bytes.to_vec());
        assert_eq!(string(0), Some(b"/etc/passwd".to_vec()));
        assert!(captured[1].is_empty());
        assert_eq!(string(2), Some(b"/etc/hosts".to_vec()));
    }

    #[test]
    fn packed_subscribers_get_packed_batches_by_count() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let (exit_tx, _exit_rx) = oneshot::channel();
        let mut session = Session::new(
            1,
            String::new(),
            7,
            vec![],
            0,
            Sink::stream(tx, Arc::default(), false, true),
            exit_tx,
        );
        session.apply_payload(&payload(7, 257, 1), b"/etc/passwd");
        for i in 0..(STREAM_BATCH + 1) {
            session.apply_syscall(&syscall(7, 7, 257, 3, i as u64));
        }
        session.flush();
        let mut seen = Vec::new();
        while let Ok(StreamItem::Packed { bytes, records }) = rx.try_recv() {
            let calls: Vec<_> = packed::records(&bytes)
                .collect::<Result<_, _>>()
                .expect("valid");
            assert_eq!(calls.len(), records);
            seen.extend(
                calls
                    .into_iter()
                    .map(|(rec, items)| (rec.timestamp_nanos, items.to_vec())),
            );
        }
        assert_eq!(seen.len(), STREAM_BATCH + 1, "two batches, nothing lost");
        assert_eq!(
            packed::captured(&seen[0].1).strings[1].map(|s| s.bytes),
            Some(&b"/etc/passwd"[..])
        );
        assert!(seen[1].1.is_empty());
        assert_eq!(session.queued_records(), STREAM_BATCH + 1);
    }

    #[test]
    fn status_filter_applies_before_the_summary() {
        let (session, _exited) = buffered(7);
        let filter =
            renacer_trace::filter::parse_filter_args(&["status=failed".to_owned()]).expect("valid");
        let mut session = session.with_settings(CaptureSettings {
            filter,
            ..CaptureSettings::default()
        });
        session.apply_syscall(&syscall(7, 7, 257, 3, 1));
        session.apply_syscall(&syscall(7, 7, 257, -2, 2));
        let recs = records(&session);
        assert_eq!(recs.len(), 1);
        assert_eq!(recs[0].result, SyscallResult::Returned(-2));
        assert_eq!(session.summary.total_calls(), 1);
    }

    #[test]
    fn threads_do_not_end_the_tree() {
        let (mut session, mut exited) = buffered(50);
        session.apply_process(&process(kind::FORK, 50, 50, 51)); // a thread
        session.apply_process(&process(kind::EXIT, 50, 51, 0));
        assert!(exited.try_recv().is_err());
        session.apply_process(&process(kind::EXIT, 50, 50, 1));
        assert_eq!(exited.try_recv().ok(), Some(EndReason::TreeExited));
    }
}
