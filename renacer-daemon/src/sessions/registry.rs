//! The daemon's shared state: the kernel handle, the live sessions, the
//! counters, and the ring-buffer reader thread that feeds the sessions.
use std::{
    collections::HashMap,
    os::fd::AsRawFd as _,
    sync::{
        Arc, Mutex, MutexGuard,
        atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering},
    },
    thread,
    time::Duration,
};

use aya::maps::{MapData, RingBuf};
use renacer_common::{
    EventHeader, MAX_CAPTURES, PayloadHeader, ProcessEvent, SignalEvent, SyscallEvent, kind,
};
use tokio::sync::{oneshot, watch};
use tracing::{debug, warn};

use crate::{
    kernel::{CaptureRemains, Kernel, KernelError, continue_process},
    pipeline::decoding::CaptureSettings,
    pipeline::session::{
        CaptureTrace, EndReason, LOSSLESS_PAUSE_RECORDS, LOSSLESS_RESUME_RECORDS, Session, Sink,
    },
    pipeline::stacks::is_snapshot,
    procfs::{process_exists, tgid_of},
    sessions::confinement::{Confinement, Verdict},
};

/// How long the reader sleeps in poll() when the producers did not wake it:
/// the kernel submits without wakeups below a fill threshold.
const READER_POLL_MS: i32 = 5;
/// Idle seconds after a capture in which freed memory is returned.
const TRIMS_AFTER_A_CAPTURE: u32 = 5;
/// Events handled per registry lock, so gRPC handlers are never starved.
const EVENTS_PER_LOCK: usize = 16_384;

#[derive(Debug, Default)]
pub struct Counters {
    pub events_seen: AtomicU64,
    /// Kernel drops of captures that have ended (live ones are read from the map).
    pub kernel_drops_finished: AtomicU64,
    /// Events for capture ids with no session (arrived after the capture ended).
    pub orphan_events: AtomicU64,
    /// Per stage, of captures that have ended.
    pub subscriber_drops_finished: AtomicU64,
    pub buffer_drops_finished: AtomicU64,
    /// Lossless pause rounds of captures that have ended.
    pub lossless_pauses_finished: AtomicU64,
    /// Seconds of idle left in which to return freed memory to the system
    /// (set when a capture ends: its stream may still be draining to the client).
    trims_left: AtomicU32,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("no process with pid {0}")]
    NoSuchProcess(u32),
    #[error("pid {pid} is a thread of process {tgid}; trace the process id {tgid}")]
    IsThread { pid: u32, tgid: u32 },
    #[error("pid {pid} is already traced by capture {capture_id}")]
    AlreadyTraced { pid: u32, capture_id: u32 },
    #[error("too many captures at once (limit {0})")]
    TooManyCaptures(u32),
    #[error("the daemon is shutting down")]
    ShuttingDown,
    #[error(transparent)]
    Kernel(#[from] KernelError),
}

/// A capture that has been taken out of the registry, with the kernel's remains.
#[derive(Debug)]
pub struct FinishedCapture {
    pub session: Session,
    pub kernel_drops: u64,
    /// Processes of a non-admin capture that stopped being traced after a
    /// privileged (setuid, setgid, file-capability) exec.
    pub untraced_privileged_pids: Vec<u32>,
}

#[derive(Debug)]
pub struct Registry {
    kernel: Mutex<Kernel>,
    sessions: Mutex<Sessions>,
    pub counters: Counters,
    epoch_offset_nanos: u64,
    shutting_down: watch::Sender<bool>,
    /// Bumped after each complete drain of the ring buffer.
    drained: watch::Sender<u64>,
}

#[derive(Debug, Default)]
struct Sessions {
    by_id: HashMap<u32, Session>,
    next_id: u32,
    /// Non-admin captures, by id: see [`Confinement`].
    confined: HashMap<u32, Confinement>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves plain data behind; keep serving.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Nanoseconds to add to `bpf_ktime_get_ns()` (CLOCK_MONOTONIC) to get Unix time.
fn epoch_offset_nanos() -> u64 {
    fn now(clock: libc::clockid_t) -> u64 {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: valid pointer to a timespec.
        unsafe { libc::clock_gettime(clock, &mut ts) };
        ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
    }
    now(libc::CLOCK_REALTIME).saturating_sub(now(libc::CLOCK_MONOTONIC))
}

impl Registry {
    pub fn new(kernel: Kernel) -> Arc<Self> {
        Arc::new(Self {
            kernel: Mutex::new(kernel),
            sessions: Mutex::new(Sessions {
                by_id: HashMap::new(),
                next_id: 1,
                confined: HashMap::new(),
            }),
            counters: Counters::default(),
            epoch_offset_nanos: epoch_offset_nanos(),
            shutting_down: watch::channel(false).0,
            drained: watch::channel(0).0,
        })
    }

    pub fn kernel(&self) -> MutexGuard<'_, Kernel> {
        lock(&self.kernel)
    }

    pub fn active_captures(&self) -> usize {
        lock(&self.sessions).by_id.len()
    }

    pub fn is_shutting_down(&self) -> bool {
        *self.shutting_down.borrow()
    }

    /// Resolves when the daemon begins to shut down.
    pub async fn shutdown_signal(&self) {
        let mut rx = self.shutting_down.subscribe();
        let _ = rx.wait_for(|&down| down).await;
    }

    /// Registers a session and starts tracing `pid` in the kernel. When this
    /// returns, every syscall `pid` makes from now on is captured.
    pub fn start(
        &self,
        pid: u32,
        command: Vec<String>,
        sink: Sink,
        settings: CaptureSettings,
        trace: CaptureTrace,
    ) -> Result<(u32, String, oneshot::Receiver<EndReason>), StartError> {
        self.start_confined(None, pid, command, sink, settings, trace)
    }

    /// [`Registry::start`] for a non-admin caller when `confinement` is set:
    /// privileged execs in the tree stop being traced.
    pub fn start_confined(
        &self,
        confinement: Option<Confinement>,
        pid: u32,
        command: Vec<String>,
        sink: Sink,
        settings: CaptureSettings,
        trace: CaptureTrace,
    ) -> Result<(u32, String, oneshot::Receiver<EndReason>), StartError> {
        if self.is_shutting_down() {
            return Err(StartError::ShuttingDown);
        }
        match tgid_of(pid) {
            None => return Err(StartError::NoSuchProcess(pid)),
            Some(tgid) if tgid != pid => return Err(StartError::IsThread { pid, tgid }),
            Some(_) => {}
        }
        let mut sessions = lock(&self.sessions);
        let id = sessions.allocate_id()?;
        let CaptureTrace { trace_id, export } = trace;
        let mut settings = settings;
        // OTLP spans are made from the records, and a cgroup filter is
        // applied to them.
        settings.summary_in_kernel &= export.is_none() && settings.cgroup.is_none();
        let (exit_tx, exit_rx) = oneshot::channel();
        // Drops left over by an earlier capture with this id are not ours.
        let _ = self.kernel().take_drops(id)?;
        // The kernel must know what to record before the first event.
        settings.summary_in_kernel = self
            .kernel()
            .configure(id, settings.kernel_config())
            .map_err(KernelError::from)?;
        let mut session = Session::new(
            id,
            trace_id.clone(),
            pid,
            command,
            self.epoch_offset_nanos,
            sink,
            exit_tx,
        )
        .with_settings(settings);
        let settings_stacks = session.settings.stacks;
        session.export = export;
        sessions.by_id.insert(id, session);
        // Before the kernel tracks anything: the first exec is checked too.
        match confinement {
            Some(confinement) => sessions.confined.insert(id, confinement),
            None => sessions.confined.remove(&id),
        };
        let tracked = {
            let mut kernel = self.kernel();
            let tracked = if settings_stacks {
                kernel.want_stacks(id).and_then(|()| kernel.track(pid, id))
            } else {
                kernel.track(pid, id)
            };
            if !matches!(tracked, Ok(true)) {
                kernel.release_stacks(id);
            }
            tracked
        };
        match tracked {
            Ok(true) => {}
            Ok(false) => {
                sessions.by_id.remove(&id);
                sessions.confined.remove(&id);
                let capture_id = sessions
                    .by_id
                    .values()
                    .find(|session| session.live_tasks().any(|task| task == pid))
                    .map_or(0, |session| session.id);
                return Err(StartError::AlreadyTraced { pid, capture_id });
            }
            Err(err) => {
                sessions.by_id.remove(&id);
                sessions.confined.remove(&id);
                return Err(err.into());
            }
        }
        // The process may have exited between the check and the insert, and
        // then no exit event will ever come.
        if !process_exists(pid) {
            sessions.by_id.remove(&id);
            sessions.confined.remove(&id);
            drop(sessions);
            let _ = self.kernel().finish_capture(id);
            return Err(StartError::NoSuchProcess(pid));
        }
        debug!(capture_id = id, pid, "capture started");
        Ok((id, trace_id, exit_rx))
    }

    /// Ends a capture: stops tracing in the kernel, waits until the reader has
    /// drained what the kernel already emitted, and takes the session out.
    pub async fn finish(&self, id: u32) -> Option<FinishedCapture> {
        let remains = {
            let mut kernel = self.kernel();
            match kernel.finish_capture(id) {
                Ok(remains) => remains,
                Err(err) => {
                    warn!(capture_id = id, "collecting kernel state failed: {err:#}");
                    CaptureRemains::default()
                }
            }
        };
        self.wait_for_drain().await;
        let (session, confinement) = {
            let mut sessions = lock(&self.sessions);
            (sessions.by_id.remove(&id), sessions.confined.remove(&id))
        };
        let mut session = session?;
        let untraced_privileged_pids = confinement
            .as_ref()
            .map(Confinement::untraced_pids)
            .unwrap_or_default();
        for (tid, state) in &remains.unfinished {
            session.add_unfinished(*tid, state);
        }
        for (nr, counts) in &remains.summary {
            session
                .summary
                .add_counts(*nr, counts.calls, counts.errors, counts.total_ns);
        }
        session.flush();
        self.counters
            .kernel_drops_finished
            .fetch_add(remains.kernel_drops, Ordering::Relaxed);
        self.counters
            .subscriber_drops_finished
            .fetch_add(session.drops.subscriber, Ordering::Relaxed);
        self.counters
            .buffer_drops_finished
            .fetch_add(session.drops.buffer, Ordering::Relaxed);
        self.counters
            .lossless_pauses_finished
            .fetch_add(session.lossless.pauses, Ordering::Relaxed);
        let kernel_drops = remains.kernel_drops + session.kernel_drops_at_stop;
        self.counters
            .trims_left
            .store(TRIMS_AFTER_A_CAPTURE, Ordering::Relaxed);
        Some(FinishedCapture {
            session,
            kernel_drops,
            untraced_privileged_pids,
        })
    }

    /// Stops recording a background capture without ending it (its duration
    /// elapsed): the trace stays until StopCapture.
    pub fn stop_recording(&self, id: u32) {
        let remains = self.kernel().finish_capture(id);
        let mut sessions = lock(&self.sessions);
        let Some(session) = sessions.by_id.get_mut(&id) else {
            return;
        };
        match remains {
            Ok(remains) => {
                for (tid, state) in &remains.unfinished {
                    session.add_unfinished(*tid, state);
                }
                self.counters
                    .kernel_drops_finished
                    .fetch_add(remains.kernel_drops, Ordering::Relaxed);
                session.kernel_drops_at_stop = remains.kernel_drops;
            }
            Err(err) => warn!(capture_id = id, "collecting kernel state failed: {err:#}"),
        }
        session.recording = false;
    }

    pub fn contains(&self, id: u32) -> bool {
        lock(&self.sessions).by_id.contains_key(&id)
    }

    /// Ends streaming capture `id` as if its client had asked (its stream
    /// then finishes with the summary). False for background captures.
    pub fn end_stream(&self, id: u32) -> bool {
        let mut sessions = lock(&self.sessions);
        match sessions.by_id.get_mut(&id) {
            Some(session) if matches!(session.sink, Sink::Stream { .. }) => {
                session.request_end(EndReason::Stopped);
                true
            }
            _ => false,
        }
    }

    /// Flow control of lossless captures, after each drain: pause the
    /// processes of a capture whose subscriber is behind, resume them once it
    /// has caught up. The kernel also pauses them by itself when the ring
    /// buffer fills; the resume here covers that too.
    fn regulate_lossless(&self) {
        let mut sessions = lock(&self.sessions);
        let mut lossless = sessions
            .by_id
            .values_mut()
            .filter(|session| session.settings.lossless)
            .peekable();
        if lossless.peek().is_none() {
            return;
        }
        let mut kernel = self.kernel();
        for session in lossless {
            let queued = session.queued_records();
            let state = &mut session.lossless;
            let pausing = if state.pausing {
                queued > LOSSLESS_RESUME_RECORDS
            } else {
                queued >= LOSSLESS_PAUSE_RECORDS
            };
            if pausing != state.pausing {
                state.pausing = pausing;
                if let Err(err) = kernel.set_paused(session.id, pausing) {
                    warn!(
                        capture_id = session.id,
                        "setting the pause flag failed: {err}"
                    );
                }
            }
            if pausing {
                continue;
            }
            for tgid in state.recently_resumed.drain(..) {
                continue_process(tgid);
            }
            let resumed = kernel.resume(Some(session.id));
            if !resumed.is_empty() {
                state.pauses += 1;
            }
            state.recently_resumed = resumed;
        }
    }

    async fn wait_for_drain(&self) {
        let mut drained = self.drained.subscribe();
        // Two full drains: the one under way may have started before the
        // kernel stopped tracing.
        for _ in 0..2 {
            if tokio::time::timeout(Duration::from_secs(2), drained.changed())
                .await
                .is_err()
            {
                warn!("ring-buffer reader did not report a drain within 2s");
                return;
            }
        }
    }

    /// Ends every capture: their streams finish with UNAVAILABLE.
    pub fn begin_shutdown(&self) {
        self.shutting_down.send_replace(true);
    }

    /// Records dropped in the daemon over its lifetime: ended captures' and
    /// those the live ones have dropped so far.
    pub fn daemon_drops(&self) -> u64 {
        let (subscriber, buffer, _) = self.session_totals();
        subscriber + buffer
    }

    /// Subscriber drops, buffer drops and lossless pauses over the daemon's
    /// lifetime: ended captures plus the live ones.
    pub fn session_totals(&self) -> (u64, u64, u64) {
        let mut totals = (
            self.counters
                .subscriber_drops_finished
                .load(Ordering::Relaxed),
            self.counters.buffer_drops_finished.load(Ordering::Relaxed),
            self.counters
                .lossless_pauses_finished
                .load(Ordering::Relaxed),
        );
        for session in lock(&self.sessions).by_id.values() {
            totals.0 += session.drops.subscriber;
            totals.1 += session.drops.buffer;
            totals.2 += session.lossless.pauses;
        }
        totals
    }

    /// Kernel drops over the daemon's lifetime.
    pub fn kernel_drops(&self) -> u64 {
        self.counters.kernel_drops_finished.load(Ordering::Relaxed) + self.kernel().pending_drops()
    }

    /// Ends sessions whose tasks vanished without an exit event reaching us
    /// (for example when that event was dropped).
    fn sweep_dead_tasks(&self) {
        let mut sessions = lock(&self.sessions);
        for session in sessions.by_id.values_mut() {
            let dead: Vec<u32> = session
                .live_tasks()
                .filter(|&task| !process_exists(task))
                .collect();
            for task in dead {
                session.forget_task(task);
            }
        }
    }

    fn dispatch(&self, sessions: &mut Sessions, bytes: &[u8]) {
        self.counters.events_seen.fetch_add(1, Ordering::Relaxed);
        let Some(header) = read_pod::<EventHeader>(bytes) else {
            warn!(len = bytes.len(), "short ring-buffer record");
            return;
        };
        if !sessions.confined.is_empty() && !self.screen_confined(sessions, header.kind, bytes) {
            return;
        }
        match header.kind {
            kind::SYSCALL => {
                if let Some(event) = read_pod::<SyscallEvent>(bytes) {
                    match sessions.by_id.get_mut(&event.capture_id) {
                        Some(session) => session.apply_syscall(&event),
                        None => self.orphan(),
                    }
                }
            }
            kind::FORK | kind::EXEC | kind::EXIT => {
                if let Some(event) = read_pod::<ProcessEvent>(bytes) {
                    match sessions.by_id.get_mut(&event.capture_id) {
                        Some(session) => session.apply_process(&event),
                        None => self.orphan(),
                    }
                }
            }
            kind::SIGNAL => {
                if let Some(event) = read_pod::<SignalEvent>(bytes) {
                    match sessions.by_id.get_mut(&event.capture_id) {
                        Some(session) => session.apply_signal(&event),
                        None => self.orphan(),
                    }
                }
            }
            kind::PAYLOAD => {
                if let Some(payload) = read_pod::<PayloadHeader>(bytes) {
                    let data = bytes
                        .get(size_of::<PayloadHeader>()..)
                        .and_then(|rest| rest.get(..payload.len as usize));
                    match (sessions.by_id.get_mut(&payload.capture_id), data) {
                        (Some(session), Some(data)) => session.apply_payload(&payload, data),
                        (None, _) => {
                            // Its capture ended: a process stopped for its
                            // map must not stay stopped.
                            if is_snapshot(&payload) {
                                continue_process(payload.tid);
                            }
                            self.orphan();
                        }
                        (Some(_), None) => warn!(len = bytes.len(), "short payload record"),
                    }
                }
            }
            other => warn!(kind = other, "unknown ring-buffer record kind"),
        }
    }

    /// Gives the memory of ended captures back to the system once the
    /// daemon is idle: glibc keeps freed blocks in its arenas otherwise, and an
    /// idle daemon would stay at the size of its largest capture.
    fn return_free_memory(&self) {
        if self.active_captures() == 0
            && self
                .counters
                .trims_left
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                    left.checked_sub(1)
                })
                .is_ok()
        {
            // SAFETY: no preconditions; trims every arena.
            unsafe { libc::malloc_trim(0) };
        }
    }

    /// Whether a record may reach its session, for non-admin captures; stops
    /// tracing processes that gained privileges.
    fn screen_confined(&self, sessions: &mut Sessions, event_kind: u16, bytes: &[u8]) -> bool {
        let verdict = match event_kind {
            kind::SYSCALL => read_pod::<SyscallEvent>(bytes).and_then(|event| {
                let confinement = sessions.confined.get_mut(&event.capture_id)?;
                Some(confinement.syscall(event.pid, event.tid))
            }),
            kind::FORK | kind::EXEC | kind::EXIT => {
                read_pod::<ProcessEvent>(bytes).and_then(|event| {
                    let confinement = sessions.confined.get_mut(&event.capture_id)?;
                    Some(match event.header.kind {
                        kind::FORK => confinement.fork(event.pid, event.other),
                        kind::EXEC => confinement.exec(event.pid, event.other),
                        _ => confinement.exit(event.tid),
                    })
                })
            }
            kind::PAYLOAD => read_pod::<PayloadHeader>(bytes).and_then(|payload| {
                let confinement = sessions.confined.get_mut(&payload.capture_id)?;
                let data = bytes.get(size_of::<PayloadHeader>()..).unwrap_or_default();
                let data = data.get(..payload.len as usize).unwrap_or(data);
                Some(confinement.payload(payload.tid, payload.nr, payload.arg, data))
            }),
            _ => None,
        };
        match verdict {
            None | Some(Verdict::Deliver) => true,
            Some(Verdict::Drop) => false,
            Some(Verdict::Untrack(pid)) => {
                self.kernel().untrack(pid);
                // The exec event itself is the caller's to see; a fork of an
                // untraced process is not.
                event_kind == kind::EXEC
            }
        }
    }

    fn orphan(&self) {
        self.counters.orphan_events.fetch_add(1, Ordering::Relaxed);
    }
}

impl Sessions {
    fn allocate_id(&mut self) -> Result<u32, StartError> {
        for _ in 1..MAX_CAPTURES {
            let id = self.next_id;
            self.next_id = if id + 1 >= MAX_CAPTURES { 1 } else { id + 1 };
            if !self.by_id.contains_key(&id) {
                return Ok(id);
            }
        }
        Err(StartError::TooManyCaptures(MAX_CAPTURES - 1))
    }
}

fn read_pod<T: Copy>(bytes: &[u8]) -> Option<T> {
    if bytes.len() < size_of::<T>() {
        return None;
    }
    // SAFETY: length checked; T is a #[repr(C)] integer-only type from
    // renacer-common for which every bit pattern is valid; read_unaligned
    // makes no alignment assumption.
    Some(unsafe { std::ptr::read_unaligned(bytes.as_ptr().cast::<T>()) })
}

/// Handle to the reader thread.
#[derive(Debug)]
pub struct Reader {
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Reader {
    /// Drains the ring buffer on a dedicated thread: it never waits for a
    /// subscriber, so a slow client cannot stall it.
    pub fn spawn(registry: Arc<Registry>, mut ring: RingBuf<MapData>) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let stop_flag = Arc::clone(&stop);
        let thread = thread::Builder::new()
            .name("renacer-ringbuf".into())
            .spawn(move || {
                let mut polls: u64 = 0;
                while !stop_flag.load(Ordering::Acquire) {
                    wait_readable(&ring);
                    drain(&registry, &mut ring);
                    registry.drained.send_modify(|epoch| *epoch += 1);
                    registry.regulate_lossless();
                    polls += 1;
                    // About once a second.
                    if polls.is_multiple_of(200) {
                        registry.sweep_dead_tasks();
                        registry.return_free_memory();
                    }
                }
                drain(&registry, &mut ring);
            })?;
        Ok(Self {
            stop,
            thread: Some(thread),
        })
    }

    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn wait_readable(ring: &RingBuf<MapData>) {
    let mut fds = libc::pollfd {
        fd: ring.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd.
    unsafe { libc::poll(&mut fds, 1, READER_POLL_MS) };
}

fn drain(registry: &Registry, ring: &mut RingBuf<MapData>) {
    loop {
        let mut sessions = lock(&registry.sessions);
        let mut handled = 0;
        while handled < EVENTS_PER_LOCK {
            let Some(item) = ring.next() else { break };
            registry.dispatch(&mut sessions, &item);
            handled += 1;
        }
        for session in sessions.by_id.values_mut() {
            session.flush();
        }
        if handled < EVENTS_PER_LOCK {
            return;
        }
    }
}
