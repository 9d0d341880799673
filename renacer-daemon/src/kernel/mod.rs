//! Loading and attaching the eBPF programs, and the maps user space touches.
//!
//! Kept thin: everything here needs root and a real kernel.
use std::{collections::HashSet, fs, io, path::Path};

use aya::{
    Ebpf, EbpfLoader,
    maps::{Array, HashMap, MapData, MapError, PerCpuArray, PerCpuValues, ProgramArray, RingBuf},
    programs::{
        ProgramError, RawTracePoint, TracePoint, raw_trace_point::RawTracePointLinkId,
        trace_point::TracePointLinkId,
    },
};
use renacer_common::{
    CaptureConfig, InflightSyscall, MAX_SUMMARY_SLOTS, SYSCALL_SLOTS, SummaryValue, TaskOffsets,
    config,
};
use tracing::{debug, info, warn};

pub mod btf;
pub mod plans;

/// The compiled eBPF object, built by build.rs from `renacer-ebpf`.
static EBPF_OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/renacer"));

const TRACEFS: &str = "/sys/kernel/tracing";

/// The ring buffer's size: a power of two of at least one page, in MiB on
/// the command line (`--ring-buffer-mib`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RingBufferSize(u32);

impl RingBufferSize {
    pub fn from_mib(mib: u32) -> Result<Self, String> {
        match mib.checked_mul(1 << 20) {
            Some(bytes) if mib.is_power_of_two() && mib <= 1024 => Ok(Self(bytes)),
            _ => Err(format!(
                "{mib} MiB: the ring buffer size must be a power of two from 1 to 1024 MiB"
            )),
        }
    }

    pub fn bytes(self) -> u32 {
        self.0
    }
}

impl Default for RingBufferSize {
    fn default() -> Self {
        Self(renacer_common::RING_BUFFER_BYTES)
    }
}

/// How the hot `raw_syscalls` programs attach. Both run the same logic; the raw
/// tracepoint skips the perf record the classic one prepares on every hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum AttachMode {
    RawTracepoint,
    Tracepoint,
}

impl AttachMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RawTracepoint => "raw_tracepoint",
            Self::Tracepoint => "tracepoint",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KernelError {
    #[error(
        "loading eBPF programs was refused ({0}): run renacer-daemon as root (it needs CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN)"
    )]
    PermissionDenied(String),
    #[error(
        "this kernel cannot run renacer's eBPF programs ({0}): renacer needs Linux 5.8 or later with BPF ring buffers, raw tracepoints and BTF"
    )]
    Unsupported(String),
    #[error("tracefs is not available at {TRACEFS} and could not be mounted: {0}")]
    Tracefs(io::Error),
    #[error(
        "cannot read struct offsets from the kernel's BTF at {BTF_VMLINUX}: {0} (renacer needs a kernel built with CONFIG_DEBUG_INFO_BTF)"
    )]
    Btf(String),
    #[error("cannot read tracepoint format {path}: {message}")]
    TracepointFormat { path: String, message: String },
    #[error("eBPF map {0} is missing from the object")]
    MissingMap(&'static str),
    #[error("eBPF program {0} is missing from the object")]
    MissingProgram(&'static str),
    #[error(transparent)]
    Map(#[from] MapError),
    #[error("eBPF program {name}: {source}")]
    Program {
        name: &'static str,
        #[source]
        source: ProgramError,
    },
    #[error("loading the eBPF object: {0}")]
    Load(#[source] aya::EbpfError),
    #[error(transparent)]
    Io(#[from] io::Error),
}

fn classify_load_error(err: aya::EbpfError) -> KernelError {
    let text = format!("{err:#}");
    let lower = text.to_lowercase();
    if lower.contains("operation not permitted") || lower.contains("permission denied") {
        KernelError::PermissionDenied(text)
    } else if lower.contains("invalid argument") || lower.contains("not supported") {
        KernelError::Unsupported(text)
    } else {
        KernelError::Load(err)
    }
}

pub(crate) fn classify_program_error(name: &'static str, source: ProgramError) -> KernelError {
    let text = format!("{source:#}").to_lowercase();
    if text.contains("operation not permitted") || text.contains("permission denied") {
        KernelError::PermissionDenied(format!("{name}: {source}"))
    } else {
        KernelError::Program { name, source }
    }
}

/// Mounts tracefs when it is not mounted: the sched tracepoints are classic
/// tracepoints, found by id through tracefs.
fn ensure_tracefs() -> Result<(), KernelError> {
    if Path::new(TRACEFS).join("events").is_dir() {
        return Ok(());
    }
    info!("mounting tracefs at {TRACEFS}");
    let target = c"/sys/kernel/tracing";
    // SAFETY: valid NUL-terminated strings; no data argument.
    let rc = unsafe {
        libc::mount(
            c"nodev".as_ptr(),
            target.as_ptr(),
            c"tracefs".as_ptr(),
            0,
            std::ptr::null(),
        )
    };
    if rc != 0 {
        let err = io::Error::last_os_error();
        // Another daemon (or anyone) may have mounted it meanwhile: EBUSY.
        if Path::new(TRACEFS).join("events").is_dir() {
            return Ok(());
        }
        return Err(KernelError::Tracefs(err));
    }
    Ok(())
}

/// Byte offset of `field` in a classic tracepoint record, from its tracefs
/// `format` file (layouts differ between kernel versions).
pub fn tracepoint_field_offset(format: &str, field: &str) -> Option<u32> {
    format.lines().find_map(|line| {
        let decl = line.trim().strip_prefix("field:")?;
        let (decl, rest) = decl.split_once(';')?;
        let name = decl.split_whitespace().last()?;
        let name = name.split('[').next()?;
        if name != field {
            return None;
        }
        rest.split(';')
            .find_map(|part| part.trim().strip_prefix("offset:"))
            .and_then(|offset| offset.trim().parse().ok())
    })
}

const BTF_VMLINUX: &str = "/sys/kernel/btf/vmlinux";

/// The `task_struct` fields the programs read, located in the kernel's BTF.
fn task_offsets() -> Result<TaskOffsets, KernelError> {
    let vmlinux = fs::read(BTF_VMLINUX).map_err(|err| KernelError::Btf(err.to_string()))?;
    let field = |name: &str| {
        btf::member_offset(&vmlinux, "task_struct", name)
            .map_err(|err| KernelError::Btf(err.to_string()))?
            .ok_or_else(|| KernelError::Btf(format!("task_struct has no field {name}")))
    };
    Ok(TaskOffsets {
        exit_code: field("exit_code")?,
        pid: field("pid")?,
        tgid: field("tgid")?,
        _pad: 0,
    })
}

fn read_offset(category: &str, event: &str, field: &str) -> Result<u32, KernelError> {
    let path = format!("{TRACEFS}/events/{category}/{event}/format");
    let format = fs::read_to_string(&path).map_err(|err| KernelError::TracepointFormat {
        path: path.clone(),
        message: err.to_string(),
    })?;
    tracepoint_field_offset(&format, field).ok_or_else(|| KernelError::TracepointFormat {
        path,
        message: format!("no field {field}"),
    })
}

/// Raises RLIMIT_MEMLOCK for kernels that still charge BPF maps against it
/// (before 5.11); newer kernels use memcg accounting and ignore it.
fn raise_memlock_limit() {
    let limit = libc::rlimit {
        rlim_cur: libc::RLIM_INFINITY,
        rlim_max: libc::RLIM_INFINITY,
    };
    // SAFETY: plain syscall with a valid pointer.
    if unsafe { libc::setrlimit(libc::RLIMIT_MEMLOCK, &limit) } != 0 {
        debug!(
            "setrlimit(RLIMIT_MEMLOCK) failed: {}",
            io::Error::last_os_error()
        );
    }
}

/// The links of the attached `raw_syscalls` programs.
#[derive(Debug)]
enum HotLinks {
    Tracepoint(Vec<(&'static str, TracePointLinkId)>),
    RawTracepoint(Vec<(&'static str, RawTracePointLinkId)>),
}

/// The `raw_syscalls` programs of each attach mode, with their tracepoint.
const HOT_TRACEPOINT: [(&str, &str); 2] = [
    ("renacer_sys_enter_tp", "sys_enter"),
    ("renacer_sys_exit_tp", "sys_exit"),
];
/// The user-stack program (`config::STACKS`): a raw tracepoint on sys_enter
/// in either mode, since it needs the user's `pt_regs`.
const STACK_PROGRAM: &str = "renacer_stack_enter";

const HOT_RAW_TRACEPOINT: [(&str, &str); 2] = [
    ("renacer_sys_enter_raw", "sys_enter"),
    ("renacer_sys_exit_raw", "sys_exit"),
];

/// The loaded programs and the maps the daemon manages.
///
/// The sched programs stay attached. The hot `raw_syscalls` programs are
/// attached only while a capture tracks a process: an idle daemon (or one in
/// continuous mode only) costs the rest of the system nothing per syscall.
pub struct Kernel {
    /// Owns the programs and their links: dropping it detaches everything.
    ebpf: Ebpf,
    hot: Option<HotLinks>,
    /// Captures that track processes in the kernel.
    tracking: HashSet<u32>,
    /// Captures that want user stacks, and the stack program's link while
    /// there is one: other captures pay nothing for stacks.
    stack_captures: HashSet<u32>,
    stack_link: Option<RawTracePointLinkId>,
    traced: HashMap<MapData, u32, u32>,
    inflight: HashMap<MapData, u32, InflightSyscall>,
    drops: PerCpuArray<MapData, u64>,
    config: Array<MapData, CaptureConfig>,
    /// Lossless captures whose consumer is behind: their processes pause.
    pause: Array<MapData, u32>,
    /// Processes a lossless capture paused (tgid -> capture id).
    paused: HashMap<MapData, u32, u32>,
    /// In-kernel summaries of `-c` captures, a slot of `SYSCALL_SLOTS`
    /// counters per capture.
    summary: PerCpuArray<MapData, SummaryValue>,
    /// The capture owning each summary slot (0: free). Free slots are zero.
    summary_slots: [u32; MAX_SUMMARY_SLOTS as usize],
    programs: Vec<String>,
    mode: AttachMode,
}

impl Drop for Kernel {
    fn drop(&mut self) {
        // The programs detach with `ebpf`; nobody would resume these then.
        self.resume(None);
    }
}

impl std::fmt::Debug for Kernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kernel")
            .field("programs", &self.programs)
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

/// The kernel side of a capture when it ends.
#[derive(Debug, Default)]
pub struct CaptureRemains {
    /// Syscalls still in flight, keyed by tid.
    pub unfinished: Vec<(u32, InflightSyscall)>,
    /// Events the kernel could not deliver for this capture.
    pub kernel_drops: u64,
    /// The in-kernel summary of a `-c` capture: (syscall, counts).
    pub summary: Vec<(u32, SummaryValue)>,
}

impl Kernel {
    /// Loads and attaches everything. Returns the ring buffer separately: its
    /// reader runs on its own thread.
    pub fn load(
        mode: AttachMode,
        ring_buffer: RingBufferSize,
    ) -> Result<(Self, RingBuf<MapData>), KernelError> {
        raise_memlock_limit();
        ensure_tracefs()?;
        let fork_child_pid = read_offset("sched", "sched_process_fork", "child_pid")?;
        let exit_group_dead = read_offset("sched", "sched_process_exit", "group_dead")?;
        let task_offsets = task_offsets()?;
        let lossless_high_water = u64::from(ring_buffer.bytes()) / 2;

        let mut ebpf = EbpfLoader::new()
            // Task local storage (continuous mode) has no user-space wrapper in aya.
            .allow_unsupported_maps()
            .map_max_entries("EVENTS", ring_buffer.bytes())
            .override_global("FORK_CHILD_PID_OFFSET", &fork_child_pid, true)
            .override_global("EXIT_GROUP_DEAD_OFFSET", &exit_group_dead, true)
            .override_global("TASK_OFFSETS", &task_offsets, true)
            .override_global("LOSSLESS_HIGH_WATER_BYTES", &lossless_high_water, true)
            .load(EBPF_OBJECT)
            .map_err(classify_load_error)?;

        // Loaded (and verified) now, attached with the first capture.
        let mut programs = Vec::new();
        match mode {
            AttachMode::RawTracepoint => {
                for (name, tracepoint) in HOT_RAW_TRACEPOINT {
                    raw_tracepoint(&mut ebpf, name)?
                        .load()
                        .map_err(|source| classify_program_error(name, source))?;
                    programs.push(format!("raw_tracepoint:{tracepoint}"));
                }
            }
            AttachMode::Tracepoint => {
                for (name, event) in HOT_TRACEPOINT {
                    tracepoint(&mut ebpf, name)?
                        .load()
                        .map_err(|source| classify_program_error(name, source))?;
                    programs.push(format!("tracepoint:raw_syscalls:{event}"));
                }
            }
        }
        raw_tracepoint(&mut ebpf, STACK_PROGRAM)?
            .load()
            .map_err(|source| classify_program_error(STACK_PROGRAM, source))?;
        install_fd_set_enter(&mut ebpf, mode)?;
        for (name, event) in [
            ("renacer_sched_fork", "sched_process_fork"),
            ("renacer_sched_exec", "sched_process_exec"),
            ("renacer_sched_exit", "sched_process_exit"),
        ] {
            attach_tracepoint(&mut ebpf, name, "sched", event)?;
            programs.push(format!("tracepoint:sched:{event}"));
        }
        // Signals are rare: always attached, filtered to traced tasks inside.
        for (name, event) in [
            ("renacer_signal_generate", "signal_generate"),
            ("renacer_signal_deliver", "signal_deliver"),
        ] {
            let program = raw_tracepoint(&mut ebpf, name)?;
            program
                .load()
                .map_err(|source| classify_program_error(name, source))?;
            program
                .attach(event)
                .map_err(|source| classify_program_error(name, source))?;
            programs.push(format!("raw_tracepoint:{event}"));
        }

        let traced = HashMap::try_from(
            ebpf.take_map("TRACED")
                .ok_or(KernelError::MissingMap("TRACED"))?,
        )?;
        let inflight = HashMap::try_from(
            ebpf.take_map("INFLIGHT")
                .ok_or(KernelError::MissingMap("INFLIGHT"))?,
        )?;
        let drops = PerCpuArray::try_from(
            ebpf.take_map("DROPS")
                .ok_or(KernelError::MissingMap("DROPS"))?,
        )?;
        let config = Array::try_from(
            ebpf.take_map("CONFIG")
                .ok_or(KernelError::MissingMap("CONFIG"))?,
        )?;
        let pause = Array::try_from(
            ebpf.take_map("PAUSE")
                .ok_or(KernelError::MissingMap("PAUSE"))?,
        )?;
        let paused = HashMap::try_from(
            ebpf.take_map("PAUSED")
                .ok_or(KernelError::MissingMap("PAUSED"))?,
        )?;
        let summary = PerCpuArray::try_from(
            ebpf.take_map("SUMMARY")
                .ok_or(KernelError::MissingMap("SUMMARY"))?,
        )?;
        let mut plans = Array::try_from(
            ebpf.take_map("PLANS")
                .ok_or(KernelError::MissingMap("PLANS"))?,
        )?;
        for nr in 0..SYSCALL_SLOTS {
            plans.set(nr, plans::kernel_plan(nr), 0)?;
        }
        let events = RingBuf::try_from(
            ebpf.take_map("EVENTS")
                .ok_or(KernelError::MissingMap("EVENTS"))?,
        )?;
        info!(mode = mode.as_str(), ?programs, "eBPF programs attached");
        Ok((
            Self {
                ebpf,
                hot: None,
                tracking: HashSet::new(),
                stack_captures: HashSet::new(),
                stack_link: None,
                traced,
                inflight,
                drops,
                config,
                pause,
                paused,
                summary,
                summary_slots: [0; MAX_SUMMARY_SLOTS as usize],
                programs,
                mode,
            },
            events,
        ))
    }

    /// The loaded object, for programs attached on demand (continuous mode).
    pub fn ebpf_mut(&mut self) -> &mut Ebpf {
        &mut self.ebpf
    }

    pub fn programs(&self) -> &[String] {
        &self.programs
    }

    pub fn mode(&self) -> AttachMode {
        self.mode
    }

    /// Starts tracing thread group `pid` for `capture_id`. Fails with
    /// `Ok(false)` when another capture already traces it.
    pub fn track(&mut self, pid: u32, capture_id: u32) -> Result<bool, KernelError> {
        if self.traced.get(&pid, 0).is_ok() {
            return Ok(false);
        }
        self.attach_hot()?;
        self.traced.insert(pid, capture_id, 0)?;
        self.tracking.insert(capture_id);
        Ok(true)
    }

    /// Stops tracing thread group `pid` (a privileged exec in a non-admin
    /// capture). Its threads' entries go with the capture.
    pub fn untrack(&mut self, pid: u32) {
        // The process may have exited (and been removed by the kernel) meanwhile.
        let _ = self.traced.remove(&pid);
    }

    /// Whether the hot programs are attached (some capture is tracking).
    pub fn hot_attached(&self) -> bool {
        self.hot.is_some()
    }

    fn attach_hot(&mut self) -> Result<(), KernelError> {
        if self.hot.is_some() {
            return Ok(());
        }
        let links = match self.mode {
            AttachMode::Tracepoint => {
                let mut links = Vec::new();
                for (name, event) in HOT_TRACEPOINT {
                    let link = tracepoint(&mut self.ebpf, name)?
                        .attach("raw_syscalls", event)
                        .map_err(|source| classify_program_error(name, source))?;
                    links.push((name, link));
                }
                HotLinks::Tracepoint(links)
            }
            AttachMode::RawTracepoint => {
                let mut links = Vec::new();
                for (name, event) in HOT_RAW_TRACEPOINT {
                    let link = raw_tracepoint(&mut self.ebpf, name)?
                        .attach(event)
                        .map_err(|source| classify_program_error(name, source))?;
                    links.push((name, link));
                }
                HotLinks::RawTracepoint(links)
            }
        };
        self.hot = Some(links);
        debug!("syscall programs attached");
        Ok(())
    }

    fn detach_hot(&mut self) {
        let Some(links) = self.hot.take() else {
            return;
        };
        // A failed detach leaves a program running that finds nothing traced.
        let result = match links {
            HotLinks::Tracepoint(links) => links.into_iter().try_for_each(|(name, link)| {
                tracepoint(&mut self.ebpf, name)?
                    .detach(link)
                    .map_err(|source| classify_program_error(name, source))
            }),
            HotLinks::RawTracepoint(links) => links.into_iter().try_for_each(|(name, link)| {
                raw_tracepoint(&mut self.ebpf, name)?
                    .detach(link)
                    .map_err(|source| classify_program_error(name, source))
            }),
        };
        match result {
            Ok(()) => debug!("syscall programs detached: no capture is tracking"),
            Err(err) => warn!("detaching the syscall programs failed: {err:#}"),
        }
    }

    /// Stops tracing every task of `capture_id` and collects what the kernel
    /// still holds for it.
    pub fn finish_capture(&mut self, capture_id: u32) -> Result<CaptureRemains, KernelError> {
        let tasks: Vec<u32> = self
            .traced
            .iter()
            .filter_map(Result::ok)
            .filter(|&(_, capture)| capture == capture_id)
            .map(|(task, _)| task)
            .collect();
        for task in tasks {
            // A task may exit (and be removed by the kernel) meanwhile.
            let _ = self.traced.remove(&task);
        }
        let unfinished: Vec<(u32, InflightSyscall)> = self
            .inflight
            .iter()
            .filter_map(Result::ok)
            .filter(|(_, state)| state.capture_id == capture_id)
            .collect();
        for (tid, _) in &unfinished {
            let _ = self.inflight.remove(tid);
        }
        let unfinished = unfinished
            .into_iter()
            .filter(|(_, state)| state.enter_ns != 0)
            .collect();
        let kernel_drops = self.take_drops(capture_id)?;
        let summary = self.take_summary(capture_id)?;
        // Nothing may stay paused once nobody drains for it.
        self.set_paused(capture_id, false)?;
        self.resume(Some(capture_id));
        self.tracking.remove(&capture_id);
        if self.tracking.is_empty() {
            self.detach_hot();
        }
        self.release_stacks(capture_id);
        Ok(CaptureRemains {
            unfinished,
            kernel_drops,
            summary,
        })
    }

    /// Sets what `capture_id` records and reads; must precede `track`. A
    /// `-c` capture gets a slot of in-kernel counters; when all are taken it
    /// sends records like any capture and is summarized in user space.
    /// Returns whether the kernel counts the summary.
    pub fn configure(
        &mut self,
        capture_id: u32,
        mut config: CaptureConfig,
    ) -> Result<bool, MapError> {
        let mut summary_in_kernel = false;
        if config.flags & config::SUMMARY_ONLY != 0 {
            match self.summary_slots.iter().position(|&owner| owner == 0) {
                Some(slot) => {
                    self.summary_slots[slot] = capture_id;
                    config.summary_slot = slot as u32;
                    summary_in_kernel = true;
                }
                None => config.flags &= !config::SUMMARY_ONLY,
            }
        }
        self.config.set(capture_id, config, 0)?;
        Ok(summary_in_kernel)
    }

    /// Attaches the user-stack program for `capture_id` (configured with
    /// `config::STACKS`), once for all such captures.
    pub fn want_stacks(&mut self, capture_id: u32) -> Result<(), KernelError> {
        if self.stack_link.is_none() {
            let link = raw_tracepoint(&mut self.ebpf, STACK_PROGRAM)?
                .attach("sys_enter")
                .map_err(|source| classify_program_error(STACK_PROGRAM, source))?;
            self.stack_link = Some(link);
            debug!("user-stack program attached");
        }
        self.stack_captures.insert(capture_id);
        Ok(())
    }

    /// `capture_id` wants no more stacks (it ended, or never started); the
    /// program detaches with the last such capture.
    pub fn release_stacks(&mut self, capture_id: u32) {
        if !self.stack_captures.remove(&capture_id) || !self.stack_captures.is_empty() {
            return;
        }
        let Some(link) = self.stack_link.take() else {
            return;
        };
        let result = raw_tracepoint(&mut self.ebpf, STACK_PROGRAM).and_then(|program| {
            program
                .detach(link)
                .map_err(|source| classify_program_error(STACK_PROGRAM, source))
        });
        match result {
            Ok(()) => debug!("user-stack program detached: no capture wants stacks"),
            Err(err) => warn!("detaching the user-stack program failed: {err:#}"),
        }
    }

    /// Whether the user-stack program is attached.
    pub fn stacks_attached(&self) -> bool {
        self.stack_link.is_some()
    }

    /// Reads the in-kernel summary of `capture_id`, if it has one, as
    /// (syscall, counts summed over the CPUs), and frees its zeroed slot.
    fn take_summary(&mut self, capture_id: u32) -> Result<Vec<(u32, SummaryValue)>, KernelError> {
        let Some(slot) = self
            .summary_slots
            .iter()
            .position(|&owner| owner == capture_id)
        else {
            return Ok(Vec::new());
        };
        let mut rows = Vec::new();
        for nr in 0..SYSCALL_SLOTS {
            let index = slot as u32 * SYSCALL_SLOTS + nr;
            let per_cpu = self.summary.get(&index, 0)?;
            let total = per_cpu
                .iter()
                .fold(SummaryValue::default(), |sum, cpu| SummaryValue {
                    calls: sum.calls + cpu.calls,
                    errors: sum.errors + cpu.errors,
                    total_ns: sum.total_ns + cpu.total_ns,
                });
            if total.calls != 0 {
                let zeroes = PerCpuValues::try_from(vec![SummaryValue::default(); per_cpu.len()])?;
                self.summary.set(index, zeroes, 0)?;
                rows.push((nr, total));
            }
        }
        self.summary_slots[slot] = 0;
        Ok(rows)
    }

    /// Tells the kernel whether lossless capture `capture_id` is behind: while
    /// it is, its processes pause at their next syscall exit.
    pub fn set_paused(&mut self, capture_id: u32, paused: bool) -> Result<(), MapError> {
        self.pause.set(capture_id, u32::from(paused), 0)
    }

    /// Resumes (SIGCONT) the processes the kernel paused for `capture_id`
    /// (every capture: None); returns their tgids.
    pub fn resume(&mut self, capture_id: Option<u32>) -> Vec<u32> {
        let paused: Vec<u32> = self
            .paused
            .iter()
            .filter_map(Result::ok)
            .filter(|&(_, capture)| capture_id.is_none_or(|id| id == capture))
            .map(|(tgid, _)| tgid)
            .collect();
        for &tgid in &paused {
            let _ = self.paused.remove(&tgid);
            continue_process(tgid);
        }
        paused
    }

    /// Reads and zeroes the drop counters of `capture_id` (ids are reused).
    pub fn take_drops(&mut self, capture_id: u32) -> Result<u64, KernelError> {
        let per_cpu = self.drops.get(&capture_id, 0)?;
        let total = per_cpu.iter().sum();
        if total != 0 {
            let zeroes = PerCpuValues::try_from(vec![0u64; per_cpu.len()])?;
            self.drops.set(capture_id, zeroes, 0)?;
        }
        Ok(total)
    }

    /// Kernel drops of all live captures, without resetting them.
    pub fn pending_drops(&self) -> u64 {
        self.drops
            .iter()
            .filter_map(Result::ok)
            .map(|per_cpu| per_cpu.iter().sum::<u64>())
            .sum()
    }
}

/// SIGCONT to a process renacer paused. One whose pause raced with a resume
/// is continued again on the next round (see `Registry::regulate_lossless`).
pub fn continue_process(tgid: u32) {
    // SAFETY: plain syscall; a process that has exited meanwhile gives ESRCH.
    unsafe { libc::kill(tgid as libc::pid_t, libc::SIGCONT) };
}

/// Loads the enter program of select and pselect6 of `mode`'s flavour and
/// puts it in the slot the hot enter program tail-calls (see
/// `renacer_common::FD_SET_SYSCALLS`). The map stays owned by `ebpf`: a
/// program array empties when its last user-space handle closes.
fn install_fd_set_enter(ebpf: &mut Ebpf, mode: AttachMode) -> Result<(), KernelError> {
    let (name, map) = match mode {
        AttachMode::RawTracepoint => ("renacer_fd_set_enter_raw", "FD_SET_ENTER_RAW"),
        AttachMode::Tracepoint => ("renacer_fd_set_enter_tp", "FD_SET_ENTER_TP"),
    };
    let fd = match mode {
        AttachMode::RawTracepoint => {
            let program = raw_tracepoint(ebpf, name)?;
            program
                .load()
                .map_err(|source| classify_program_error(name, source))?;
            program.fd()
        }
        AttachMode::Tracepoint => {
            let program = tracepoint(ebpf, name)?;
            program
                .load()
                .map_err(|source| classify_program_error(name, source))?;
            program.fd()
        }
    }
    .and_then(|fd| fd.try_clone().map_err(ProgramError::from))
    .map_err(|source| KernelError::Program { name, source })?;
    let mut slots = ProgramArray::try_from(ebpf.map_mut(map).ok_or(KernelError::MissingMap(map))?)?;
    slots.set(0, &fd, 0)?;
    Ok(())
}

/// The program `name` of the loaded object, as its concrete type.
fn program_mut<'a, T>(ebpf: &'a mut Ebpf, name: &'static str) -> Result<&'a mut T, KernelError>
where
    &'a mut T: TryFrom<&'a mut aya::programs::Program, Error = ProgramError>,
{
    ebpf.program_mut(name)
        .ok_or(KernelError::MissingProgram(name))?
        .try_into()
        .map_err(|source| KernelError::Program { name, source })
}

pub(crate) fn tracepoint<'a>(
    ebpf: &'a mut Ebpf,
    name: &'static str,
) -> Result<&'a mut TracePoint, KernelError> {
    program_mut(ebpf, name)
}

pub(crate) fn raw_tracepoint<'a>(
    ebpf: &'a mut Ebpf,
    name: &'static str,
) -> Result<&'a mut RawTracePoint, KernelError> {
    program_mut(ebpf, name)
}

fn attach_tracepoint(
    ebpf: &mut Ebpf,
    name: &'static str,
    category: &str,
    event: &str,
) -> Result<(), KernelError> {
    let program = tracepoint(ebpf, name)?;
    program
        .load()
        .map_err(|source| classify_program_error(name, source))?;
    program
        .attach(category, event)
        .map_err(|source| classify_program_error(name, source))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::tracepoint_field_offset;

    const FORK_FORMAT: &str = "name: sched_process_fork
ID: 316
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:__data_loc char[] parent_comm;\toffset:8;\tsize:4;\tsigned:0;
\tfield:pid_t parent_pid;\toffset:12;\tsize:4;\tsigned:1;
\tfield:__data_loc char[] child_comm;\toffset:16;\tsize:4;\tsigned:0;
\tfield:pid_t child_pid;\toffset:20;\tsize:4;\tsigned:1;
";

    #[test]
    fn finds_field_offsets() {
        assert_eq!(tracepoint_field_offset(FORK_FORMAT, "child_pid"), Some(20));
        assert_eq!(tracepoint_field_offset(FORK_FORMAT, "parent_comm"), Some(8));
        assert_eq!(tracepoint_field_offset(FORK_FORMAT, "missing"), None);
        assert_eq!(
            tracepoint_field_offset("\tfield:char comm[16];\toffset:8;\tsize:16;", "comm"),
            Some(8)
        );
    }
}
