//! Continuous profiling mode, the kernel and I/O part: attaches the aggregate
//! programs on demand, points them at a scope, reads their maps on an
//! interval into the rolling history, folds and deletes exited processes,
//! and answers SetContinuous / Stats.
//!
//! The arithmetic (deltas, history, folding, percentiles) lives in `profile`.
use std::{
    collections::{BTreeMap, HashMap, HashSet, VecDeque},
    fs,
    os::unix::fs::MetadataExt as _,
    path::{Component, Path, PathBuf},
    sync::{Arc, Mutex, MutexGuard, mpsc},
    thread,
    time::{Duration, Instant},
};

use aya::{
    Ebpf,
    maps::{Array, HashMap as BpfHashMap, MapData, MapError, PerCpuArray},
    programs::{raw_trace_point::RawTracePointLinkId, trace_point::TracePointLinkId},
};
use renacer_common::aggregate::{
    AggregateConfig, AggregateKey, AggregateValue, ExitedProcess, MAX_AGGREGATE_ENTRIES, pressure,
    scope,
};
use renacer_proto::v1 as pb;
use tonic::Status;
use tracing::{debug, info, warn};

use crate::{
    cgroups::cgroup2_root,
    kernel::{KernelError, classify_program_error, raw_tracepoint, tracepoint},
    pipeline::unix_nanos_now,
    procfs::tgid_of,
    sessions::profile::{self, Counters, History, Row, Sample, Top},
    sessions::registry::Registry,
};

/// Rows per table when the request says 0.
const DEFAULT_LIMIT: usize = 20;

/// `renacer-daemon` flags of continuous mode.
#[derive(Clone, Debug, clap::Args)]
pub struct ContinuousArgs {
    /// Keep in-kernel per-process, per-syscall aggregates from start-up on
    /// (renacerctl top); also switchable at run time with SetContinuous.
    #[arg(long)]
    pub continuous: bool,
    /// How often the aggregate maps are read into the history.
    #[arg(long, value_parser = renacer_trace::duration::parse, default_value = "10s")]
    pub continuous_interval: Duration,
    /// How much history to keep (memory is capped accordingly).
    #[arg(long, value_parser = renacer_trace::duration::parse, default_value = "1h")]
    pub continuous_history: Duration,
    /// Only this process and its descendants (default: system-wide).
    #[arg(long, conflicts_with = "continuous_cgroup")]
    pub continuous_pid: Option<u32>,
    /// Only this cgroup v2 and its descendants, relative to the cgroup2 mount
    /// (/sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrid systems).
    #[arg(long)]
    pub continuous_cgroup: Option<String>,
}

/// What the aggregate programs count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    System,
    PidTree(u32),
    Cgroup { path: String, id: u64, level: u32 },
}

impl Scope {
    /// Validates a requested scope against the running system.
    pub fn resolve(pid: Option<u32>, cgroup: Option<&str>) -> Result<Self, ContinuousError> {
        match (pid, cgroup) {
            (Some(_), Some(_)) => Err(ContinuousError::TwoScopes),
            (Some(pid), None) => match tgid_of(pid) {
                None => Err(ContinuousError::NoSuchProcess(pid)),
                Some(tgid) if tgid != pid => Err(ContinuousError::IsThread { pid, tgid }),
                Some(_) => Ok(Self::PidTree(pid)),
            },
            (None, Some(path)) => resolve_cgroup(path),
            (None, None) => Ok(Self::System),
        }
    }

    fn describe(&self) -> String {
        match self {
            Self::System => "system-wide".into(),
            Self::PidTree(pid) => format!("pid {pid} and descendants"),
            Self::Cgroup { path, .. } => format!("cgroup {path}"),
        }
    }
}

/// A cgroup v2 path relative to the cgroup2 mount, checked: its path, id and depth.
pub fn resolve_cgroup(path: &str) -> Result<Scope, ContinuousError> {
    let relative = path.trim_start_matches('/');
    let root = cgroup2_root().ok_or(ContinuousError::NoCgroupV2)?;
    let full = root.join(relative);
    let mut level = 0;
    for component in Path::new(relative).components() {
        match component {
            Component::Normal(_) => level += 1,
            Component::CurDir => {}
            _ => {
                return Err(ContinuousError::NoSuchCgroup {
                    path: path.to_owned(),
                    root,
                });
            }
        }
    }
    // A cgroup v2 id is the inode number of its directory.
    let metadata = fs::metadata(&full)
        .ok()
        .filter(|metadata| metadata.is_dir() && full.join("cgroup.procs").exists())
        .ok_or_else(|| ContinuousError::NoSuchCgroup {
            path: path.to_owned(),
            root: root.clone(),
        })?;
    Ok(Scope::Cgroup {
        path: relative.to_owned(),
        id: metadata.ino(),
        level,
    })
}

#[derive(Debug, thiserror::Error)]
pub enum ContinuousError {
    #[error("no process with pid {0}")]
    NoSuchProcess(u32),
    #[error(
        "no cgroup {path} under {}: pass a cgroup v2 path relative to it, e.g. system.slice/cron.service", root.display()
    )]
    NoSuchCgroup { path: String, root: PathBuf },
    #[error(
        "no cgroup v2 hierarchy is mounted; mount it with `mount -t cgroup2 none /sys/fs/cgroup/unified`"
    )]
    NoCgroupV2,
    #[error("pid {pid} is a thread of process {tgid}; pass the process id {tgid}")]
    IsThread { pid: u32, tgid: u32 },
    #[error("choose one scope: a pid or a cgroup, not both")]
    TwoScopes,
    #[error(transparent)]
    Kernel(#[from] KernelError),
}

impl From<MapError> for ContinuousError {
    fn from(err: MapError) -> Self {
        Self::Kernel(KernelError::Map(err))
    }
}

impl From<ContinuousError> for Status {
    fn from(err: ContinuousError) -> Self {
        let message = err.to_string();
        match err {
            ContinuousError::NoSuchProcess(_) | ContinuousError::NoSuchCgroup { .. } => {
                Status::not_found(message)
            }
            ContinuousError::TwoScopes | ContinuousError::IsThread { .. } => {
                Status::invalid_argument(message)
            }
            ContinuousError::NoCgroupV2 => Status::failed_precondition(message),
            ContinuousError::Kernel(KernelError::PermissionDenied(_)) => {
                Status::permission_denied(message)
            }
            ContinuousError::Kernel(_) => Status::internal(format!("continuous mode: {message}")),
        }
    }
}

/// The aggregate maps, taken out of the eBPF object on first use.
struct Maps {
    config: Array<MapData, AggregateConfig>,
    stats: BpfHashMap<MapData, AggregateKey, AggregateValue>,
    /// Bumped at each enable or retarget, so stale thread slots are ignored.
    generation: u32,
    exited: BpfHashMap<MapData, u32, ExitedProcess>,
    scope: BpfHashMap<MapData, u32, u32>,
    pressure: PerCpuArray<MapData, u64>,
}

fn take_map(ebpf: &mut Ebpf, name: &'static str) -> Result<aya::maps::Map, KernelError> {
    ebpf.take_map(name).ok_or(KernelError::MissingMap(name))
}

impl Maps {
    fn take(ebpf: &mut Ebpf) -> Result<Self, KernelError> {
        Ok(Self {
            config: Array::try_from(take_map(ebpf, "AGG_CONFIG")?)?,
            stats: BpfHashMap::try_from(take_map(ebpf, "AGG_STATS")?)?,
            generation: 0,
            exited: BpfHashMap::try_from(take_map(ebpf, "AGG_EXITED")?)?,
            scope: BpfHashMap::try_from(take_map(ebpf, "AGG_SCOPE")?)?,
            pressure: PerCpuArray::try_from(take_map(ebpf, "AGG_PRESSURE")?)?,
        })
    }

    /// Empties every per-process map (between scopes, and when turned off).
    fn clear(&mut self) {
        clear_map(&mut self.stats);
        clear_map(&mut self.exited);
        clear_map(&mut self.scope);
    }

    /// Updates lost to full maps since the programs were loaded.
    fn pressure(&self) -> u64 {
        (0..pressure::COUNT)
            .filter_map(|index| self.pressure.get(&index, 0).ok())
            .map(|per_cpu| per_cpu.iter().sum::<u64>())
            .sum()
    }

    /// Stops counting until the next [`apply_scope`](Self::apply_scope): an
    /// empty PID tree, in a new generation so that calls in flight are
    /// dropped at their exit. A retarget pauses before it clears the stats,
    /// or the old scope's calls ending meanwhile would count in the new one.
    fn pause(&mut self) -> Result<(), MapError> {
        clear_map(&mut self.scope);
        self.generation = self.generation.wrapping_add(1);
        let config = AggregateConfig {
            scope: scope::PID_TREE,
            generation: self.generation,
            ..AggregateConfig::default()
        };
        self.config.set(0, config, 0)
    }

    fn apply_scope(&mut self, scope: &Scope) -> Result<(), MapError> {
        clear_map(&mut self.scope);
        self.generation = self.generation.wrapping_add(1);
        let config = match scope {
            Scope::System => AggregateConfig {
                scope: scope::SYSTEM,
                ..AggregateConfig::default()
            },
            Scope::PidTree(root) => {
                // Descendants that exist now; the fork program adds later ones.
                for (pid, parent) in process_tree(*root) {
                    self.scope.insert(pid, parent, 0)?;
                }
                AggregateConfig {
                    scope: scope::PID_TREE,
                    ..AggregateConfig::default()
                }
            }
            Scope::Cgroup { id, level, .. } => AggregateConfig {
                scope: scope::CGROUP,
                cgroup_level: *level,
                cgroup_id: *id,
                ..AggregateConfig::default()
            },
        };
        let config = AggregateConfig {
            generation: self.generation,
            ..config
        };
        self.config.set(0, config, 0)
    }
}

fn clear_map<K: aya::Pod, V: aya::Pod>(map: &mut BpfHashMap<MapData, K, V>) {
    let keys: Vec<K> = map.keys().filter_map(Result::ok).collect();
    for key in keys {
        let _ = map.remove(&key);
    }
}

/// `root` and its live descendants as (pid, parent) pairs, from /proc.
fn process_tree(root: u32) -> Vec<(u32, u32)> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for entry in fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|name| name.parse().ok())
        else {
            continue;
        };
        if let Some(parent) = fs::read_to_string(entry.path().join("stat"))
            .ok()
            .and_then(|stat| parent_pid(&stat))
        {
            children.entry(parent).or_default().push(pid);
        }
    }
    let mut tree = vec![(root, 0)];
    let mut queue = VecDeque::from([root]);
    while let Some(pid) = queue.pop_front() {
        for &child in children.get(&pid).into_iter().flatten() {
            tree.push((child, pid));
            queue.push_back(child);
        }
    }
    tree
}

/// The ppid field of /proc/PID/stat (the command may contain spaces and parens).
fn parent_pid(stat: &str) -> Option<u32> {
    let after_command = &stat[stat.rfind(')')? + 1..];
    after_command.split_whitespace().nth(1)?.parse().ok()
}

enum Link {
    Raw(&'static str, RawTracePointLinkId),
    Tracepoint(&'static str, TracePointLinkId),
}

const RAW_PROGRAMS: [(&str, &str); 2] = [
    ("renacer_agg_sys_exit", "sys_exit"),
    ("renacer_agg_sys_enter", "sys_enter"),
];
const SCHED_PROGRAMS: [(&str, &str); 2] = [
    ("renacer_agg_sched_exit", "sched_process_exit"),
    ("renacer_agg_sched_fork", "sched_process_fork"),
];

fn load_programs(ebpf: &mut Ebpf) -> Result<(), KernelError> {
    for (name, _) in RAW_PROGRAMS {
        raw_tracepoint(ebpf, name)?
            .load()
            .map_err(|source| classify_program_error(name, source))?;
    }
    for (name, _) in SCHED_PROGRAMS {
        tracepoint(ebpf, name)?
            .load()
            .map_err(|source| classify_program_error(name, source))?;
    }
    Ok(())
}

/// Attaches the exit-side programs first, so no thread gets a slot that
/// nothing would clear; on error, detaches what was attached.
fn attach(ebpf: &mut Ebpf) -> Result<Vec<Link>, KernelError> {
    let mut links = Vec::new();
    let result = (|| {
        for (name, event) in SCHED_PROGRAMS {
            let id = tracepoint(ebpf, name)?
                .attach("sched", event)
                .map_err(|source| classify_program_error(name, source))?;
            links.push(Link::Tracepoint(name, id));
        }
        for (name, tracepoint) in RAW_PROGRAMS {
            let id = raw_tracepoint(ebpf, name)?
                .attach(tracepoint)
                .map_err(|source| classify_program_error(name, source))?;
            links.push(Link::Raw(name, id));
        }
        Ok(())
    })();
    match result {
        Ok(()) => Ok(links),
        Err(err) => {
            detach(ebpf, links);
            Err(err)
        }
    }
}

fn detach(ebpf: &mut Ebpf, links: Vec<Link>) {
    for link in links.into_iter().rev() {
        let (name, result) = match link {
            Link::Raw(name, id) => (name, raw_tracepoint(ebpf, name).map(|p| p.detach(id))),
            Link::Tracepoint(name, id) => (name, tracepoint(ebpf, name).map(|p| p.detach(id))),
        };
        match result {
            Ok(Ok(())) => {}
            Ok(Err(err)) => warn!(program = name, "detaching: {err}"),
            Err(err) => warn!(program = name, "detaching: {err}"),
        }
    }
}

/// Continuous mode's state; one per daemon.
pub struct Continuous {
    registry: Arc<Registry>,
    interval: Duration,
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for Continuous {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Continuous")
            .field("interval", &self.interval)
            .field("enabled", &self.is_enabled())
            .finish_non_exhaustive()
    }
}

struct Inner {
    /// None until continuous mode is first turned on.
    maps: Option<Maps>,
    links: Vec<Link>,
    /// Some while continuous mode is on.
    scope: Option<Scope>,
    /// The cumulative values read at the last committed sample.
    last: HashMap<AggregateKey, AggregateValue>,
    last_sample: Instant,
    /// When the current (or last) scope was set: a retarget's "now" starts here.
    scope_since: Option<Instant>,
    /// Command (comm) of each live process seen, read from /proc once.
    commands: HashMap<u32, Arc<str>>,
    history: History,
    /// Wall-clock end of the last committed sample (Unix ns), for metric points.
    last_sample_unix: u64,
    /// Where each committed sample also goes (OTLP metrics, `--otlp-endpoint`).
    metrics: Option<Box<dyn SampleSink>>,
    map_entries: u64,
    /// Scratch space for one read of the aggregate map.
    entries: Vec<(AggregateKey, AggregateValue)>,
    /// Dropping it stops the sampler thread.
    sampler: Option<mpsc::Sender<()>>,
    /// Calls and errors per syscall over every committed sample since the
    /// daemon started (the metrics endpoint's counters).
    totals: BTreeMap<u32, (u64, u64)>,
}

fn lock(inner: &Mutex<Inner>) -> MutexGuard<'_, Inner> {
    inner
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The command an exited process is folded under. The leader's comm at exit
/// is the truth (also after an exec); a worker thread's name is not, and then
/// the comm read from /proc while the process lived wins.
fn exited_command(seen: &HashMap<u32, Arc<str>>, pid: u32, process: &ExitedProcess) -> Arc<str> {
    match seen.get(&pid) {
        Some(command) if process.from_leader == 0 => Arc::clone(command),
        _ => Arc::from(profile::comm_to_string(&process.comm).as_str()),
    }
}

fn read_comm(pid: u32) -> Option<Arc<str>> {
    let comm = fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    Some(Arc::from(comm.trim_end_matches('\n')))
}

/// Where continuous mode's committed samples go besides its history: the
/// OTLP metrics export implements it, so sessions never import `export`.
pub trait SampleSink: Send + Sync + std::fmt::Debug {
    /// One committed sample (the rows the history keeps) over an interval in
    /// Unix nanoseconds.
    fn sample(&self, rows: &[Row], start_unix_nanos: u64, end_unix_nanos: u64);
    /// Data points delivered so far.
    fn sent(&self) -> u64;
    /// Data points that could not be delivered so far.
    fn unsent(&self) -> u64;
}

impl Continuous {
    pub fn new(registry: Arc<Registry>, interval: Duration, history: Duration) -> Arc<Self> {
        Self::with_metrics(registry, interval, history, None)
    }

    /// With OTLP metric export of every sample.
    pub fn with_metrics(
        registry: Arc<Registry>,
        interval: Duration,
        history: Duration,
        metrics: Option<Box<dyn SampleSink>>,
    ) -> Arc<Self> {
        let history = History::new(history, interval);
        info!(
            samples = history.capacity(),
            memory_cap_mib = history.memory_cap_bytes() >> 20,
            "continuous-mode history"
        );
        Arc::new(Self {
            registry,
            interval,
            inner: Mutex::new(Inner {
                maps: None,
                links: Vec::new(),
                scope: None,
                last: HashMap::new(),
                last_sample: Instant::now(),
                scope_since: None,
                commands: HashMap::new(),
                history,
                last_sample_unix: unix_nanos_now(),
                metrics,
                map_entries: 0,
                entries: Vec::new(),
                sampler: None,
                totals: BTreeMap::new(),
            }),
        })
    }

    /// From the daemon's flags: created, and turned on with `--continuous`.
    pub fn from_args(
        registry: Arc<Registry>,
        args: &ContinuousArgs,
        metrics: Option<Box<dyn SampleSink>>,
    ) -> anyhow::Result<Arc<Self>> {
        use anyhow::Context as _;
        let continuous = Self::with_metrics(
            registry,
            args.continuous_interval,
            args.continuous_history,
            metrics,
        );
        if args.continuous {
            let scope = Scope::resolve(args.continuous_pid, args.continuous_cgroup.as_deref())
                .context("--continuous")?;
            continuous
                .enable(scope)
                .context("turning continuous mode on")?;
        } else if args.continuous_pid.is_some() || args.continuous_cgroup.is_some() {
            anyhow::bail!("--continuous-pid and --continuous-cgroup need --continuous");
        }
        Ok(continuous)
    }

    pub fn is_enabled(&self) -> bool {
        lock(&self.inner).scope.is_some()
    }

    /// The programs attached while continuous mode is on, as "kind:name".
    pub fn attached_programs(&self) -> Vec<String> {
        lock(&self.inner)
            .links
            .iter()
            .map(|link| {
                let event = |programs: &[(&str, &'static str)], name: &str| {
                    programs
                        .iter()
                        .find(|(program, _)| *program == name)
                        .map_or("?", |&(_, event)| event)
                };
                match link {
                    Link::Raw(name, _) => {
                        format!("raw_tracepoint:{} (continuous)", event(&RAW_PROGRAMS, name))
                    }
                    Link::Tracepoint(name, _) => {
                        format!(
                            "tracepoint:sched:{} (continuous)",
                            event(&SCHED_PROGRAMS, name)
                        )
                    }
                }
            })
            .collect()
    }

    /// Turns continuous mode on, or retargets it to `scope`.
    pub fn enable(self: &Arc<Self>, scope: Scope) -> Result<(), ContinuousError> {
        let mut inner = lock(&self.inner);
        if inner.maps.is_none() {
            let mut kernel = self.registry.kernel();
            load_programs(kernel.ebpf_mut())?;
            inner.maps = Some(Maps::take(kernel.ebpf_mut())?);
        }
        if inner.scope.is_some() {
            // Retarget: keep what the old scope gathered, then start afresh.
            inner.commit_sample();
            if let Some(maps) = inner.maps.as_mut() {
                maps.pause()?;
                maps.clear();
            }
            inner.last.clear();
        }
        if let Some(maps) = inner.maps.as_mut() {
            maps.apply_scope(&scope)?;
        }
        if inner.links.is_empty() {
            let links = attach(self.registry.kernel().ebpf_mut())?;
            inner.links = links;
        }
        info!(scope = scope.describe(), "continuous mode on");
        inner.scope = Some(scope);
        inner.scope_since = Some(Instant::now());
        inner.last_sample = Instant::now();
        inner.last_sample_unix = unix_nanos_now();
        if inner.sampler.is_none() {
            inner.sampler = Some(self.spawn_sampler()?);
        }
        Ok(())
    }

    /// Reads the maps every interval on its own thread: map reads are blocking
    /// syscalls, kept off the async workers. Ends when its sender is dropped.
    fn spawn_sampler(self: &Arc<Self>) -> Result<mpsc::Sender<()>, ContinuousError> {
        let (stop, stopped) = mpsc::channel::<()>();
        let this = Arc::downgrade(self);
        let period = self.interval;
        thread::Builder::new()
            .name("renacer-sampler".into())
            .spawn(move || {
                let mut next = Instant::now() + period;
                while let Err(mpsc::RecvTimeoutError::Timeout) =
                    stopped.recv_timeout(next.saturating_duration_since(Instant::now()))
                {
                    let Some(this) = this.upgrade() else { return };
                    lock(&this.inner).commit_sample();
                    next = (next + period).max(Instant::now());
                }
            })
            .map_err(|err| ContinuousError::Kernel(KernelError::Io(err)))?;
        Ok(stop)
    }

    /// Drops the samples gathered so far (a non-admin's session must not
    /// read an earlier scope's history).
    pub fn forget_history(&self) {
        lock(&self.inner).history.clear();
    }

    /// Turns continuous mode off: detaches, keeps a final sample, empties the maps.
    pub fn disable(&self) {
        let mut inner = lock(&self.inner);
        if inner.scope.is_none() {
            return;
        }
        let links = std::mem::take(&mut inner.links);
        detach(self.registry.kernel().ebpf_mut(), links);
        inner.commit_sample();
        if let Some(maps) = inner.maps.as_mut() {
            maps.clear();
        }
        inner.last.clear();
        inner.commands.clear();
        inner.scope = None;
        inner.sampler = None;
        info!("continuous mode off");
    }

    /// Metric data points not delivered to the OTLP backend so far.
    pub fn metrics_unsent(&self) -> u64 {
        lock(&self.inner)
            .metrics
            .as_ref()
            .map_or(0, |metrics| metrics.unsent())
    }

    /// Calls and errors per syscall number since the daemon started, up to
    /// now (the committed samples plus what the maps gained since).
    pub fn syscall_totals(&self) -> BTreeMap<u32, (u64, u64)> {
        let mut inner = lock(&self.inner);
        let mut totals = inner.totals.clone();
        if inner.scope.is_some()
            && let Some(partial) = inner.sample(false)
        {
            add_totals(&mut totals, &partial);
        }
        totals
    }

    /// Stops the sampler before the daemon exits.
    pub fn shutdown(&self) {
        let mut inner = lock(&self.inner);
        inner.sampler = None;
        if let Some(queue) = &inner.metrics {
            info!(
                sent = queue.sent(),
                unsent = queue.unsent(),
                "OTLP metric data points"
            );
        }
    }

    /// The aggregates over `window` (None: the newest sample of the current
    /// scope), up to now; the daemon's own calls only with `include_daemon`.
    pub fn stats(
        &self,
        window: Option<Duration>,
        limit: usize,
        include_daemon: bool,
    ) -> pb::StatsResponse {
        let mut inner = lock(&self.inner);
        let enabled = inner.scope.is_some();
        let partial = if enabled { inner.sample(false) } else { None };
        let now = Instant::now();
        let limit = if limit == 0 { DEFAULT_LIMIT } else { limit };
        let scope_since = inner.scope_since;
        let own = [std::process::id()];
        let excluded: &[u32] = if include_daemon { &[] } else { &own };
        let tables = profile::top_excluding(
            inner
                .history
                .recent(window, now)
                .into_iter()
                // "Now" after a retarget is the new scope's, not the
                // sample the old scope left behind.
                .filter(|sample| {
                    window.is_some() || scope_since.is_none_or(|since| sample.ended > since)
                })
                .chain(partial.as_ref()),
            limit,
            excluded,
        );
        pb::StatsResponse {
            enabled,
            window: prost_types::Duration::try_from(tables.span).ok(),
            processes: processes_to_proto(&tables),
            syscalls: tables
                .syscalls
                .iter()
                .map(|(nr, counters)| syscall_to_proto(&tables, *nr, counters))
                .collect(),
            map_entries: inner.map_entries,
            map_capacity: u64::from(MAX_AGGREGATE_ENTRIES),
            map_full_drops: inner.maps.as_ref().map_or(0, Maps::pressure),
        }
    }
}

fn add_totals(totals: &mut BTreeMap<u32, (u64, u64)>, sample: &profile::Sample) {
    for row in &sample.rows {
        let total = totals.entry(row.nr).or_default();
        total.0 += row.counters.calls;
        total.1 += row.counters.errors;
    }
}

impl Inner {
    fn commit_sample(&mut self) {
        if let Some(sample) = self.sample(true) {
            let start_unix_nanos = self.last_sample_unix;
            self.last_sample_unix = unix_nanos_now();
            add_totals(&mut self.totals, &sample);
            self.history.push(sample);
            // The sample as the history keeps it (top rows, rest merged).
            if let (Some(metrics), Some(sample)) = (&self.metrics, self.history.newest()) {
                metrics.sample(&sample.rows, start_unix_nanos, self.last_sample_unix);
            }
        }
        // Give back what a burst of processes made the baseline grow to.
        if self.last.capacity() > 4 * self.last.len() + 1024 {
            self.last.shrink_to_fit();
        }
        debug!(
            baseline = self.last.len(),
            commands = self.commands.len(),
            samples = self.history.len(),
            map_entries = self.map_entries,
            "sample committed"
        );
    }

    /// Reads the maps into a sample of what changed since the last committed
    /// one. With `commit`, also advances the baseline and folds exited
    /// processes: their entries are deleted so the maps stay small.
    fn sample(&mut self, commit: bool) -> Option<Sample> {
        let maps = self.maps.as_mut()?;
        self.scope.as_ref()?;
        let now = Instant::now();
        // Exited first: a process in it has made its last call.
        let mut exited: HashMap<u32, Arc<str>> = maps
            .exited
            .iter()
            .filter_map(Result::ok)
            .map(|(pid, process)| (pid, exited_command(&self.commands, pid, &process)))
            .collect();
        // Reused between samples: a fresh vector of every entry each time
        // fragments the heap of a long-running daemon.
        let mut entries = std::mem::take(&mut self.entries);
        entries.clear();
        entries.extend(maps.stats.iter().filter_map(Result::ok));
        self.map_entries = entries.len() as u64;
        // An exec changes the comm: read it again for processes that exec'd
        // since the last sample (else a child seen once before its exec would
        // keep its parent's name while it lives).
        for (key, value) in &entries {
            if matches!(i64::from(key.nr), libc::SYS_execve | libc::SYS_execveat)
                && Counters::delta(value, self.last.get(key)).calls > 0
            {
                self.commands.remove(&key.pid);
            }
        }
        let mut gone: HashSet<u32> = HashSet::new();
        let mut rows = Vec::new();
        for (key, value) in &entries {
            let counters = Counters::delta(value, self.last.get(key));
            if commit {
                self.last.insert(*key, *value);
            }
            let (command, exited) = match exited.get(&key.pid) {
                Some(command) => (Arc::clone(command), true),
                None => match self.commands.get(&key.pid) {
                    Some(command) => (Arc::clone(command), false),
                    None => match read_comm(key.pid) {
                        Some(command) => {
                            self.commands.insert(key.pid, Arc::clone(&command));
                            (command, false)
                        }
                        // It exited since the exit map was read, or its exit
                        // record was lost to a full map.
                        None => {
                            let command = match maps.exited.get(&key.pid, 0) {
                                Ok(process) => exited_command(&self.commands, key.pid, &process),
                                Err(_) => Arc::from("?"),
                            };
                            exited.insert(key.pid, Arc::clone(&command));
                            (command, true)
                        }
                    },
                },
            };
            if exited {
                gone.insert(key.pid);
            }
            if counters.calls > 0 {
                rows.push(Row {
                    pid: key.pid,
                    command,
                    exited,
                    nr: key.nr,
                    counters,
                });
            }
        }
        if commit {
            // Live processes whose comm was cached but which are gone now.
            self.commands
                .retain(|pid, _| Path::new(&format!("/proc/{pid}")).exists());
            for (key, _) in &entries {
                if gone.contains(&key.pid) {
                    let _ = maps.stats.remove(key);
                    self.last.remove(key);
                }
            }
            for pid in exited.keys() {
                let _ = maps.exited.remove(pid);
                self.commands.remove(pid);
            }
            self.map_entries -= entries
                .iter()
                .filter(|(key, _)| gone.contains(&key.pid))
                .count() as u64;
        }
        self.entries = entries;
        let span = now.saturating_duration_since(self.last_sample);
        if commit {
            self.last_sample = now;
        }
        Some(Sample {
            ended: now,
            span,
            rows,
        })
    }
}

fn syscall_to_proto(tables: &Top, nr: u32, counters: &Counters) -> pb::SyscallStats {
    pb::SyscallStats {
        name: profile::syscall_name(nr).into_owned(),
        calls: counters.calls,
        errors: counters.errors,
        total_nanos: counters.total_ns,
        calls_per_second: tables.rate(counters.calls),
        p50_nanos: counters.percentile_ns(0.50),
        p99_nanos: counters.percentile_ns(0.99),
        histogram: Some(pb::LatencyHistogram {
            buckets: counters.buckets.to_vec(),
        }),
    }
}

fn processes_to_proto(tables: &Top) -> Vec<pb::ProcessStats> {
    tables
        .processes
        .iter()
        .map(|process| pb::ProcessStats {
            pid: process.pid,
            command: process.command.to_string(),
            calls: process.total.calls,
            errors: process.total.errors,
            total_nanos: process.total.total_ns,
            calls_per_second: tables.rate(process.total.calls),
            syscalls: process
                .syscalls
                .iter()
                .map(|(nr, counters)| syscall_to_proto(tables, *nr, counters))
                .collect(),
            exited: process.exited,
        })
        .collect()
}

/// The SetContinuous RPC.
pub fn set_continuous(
    continuous: &Arc<Continuous>,
    request: pb::SetContinuousRequest,
) -> Result<pb::SetContinuousResponse, Status> {
    if request.enabled {
        let pid = (request.pid != 0).then_some(request.pid);
        let cgroup = (!request.cgroup.is_empty()).then_some(request.cgroup.as_str());
        continuous.enable(Scope::resolve(pid, cgroup)?)?;
    } else {
        continuous.disable();
    }
    Ok(pb::SetContinuousResponse {
        enabled: continuous.is_enabled(),
    })
}

/// The Stats RPC.
pub fn stats(
    continuous: &Continuous,
    request: &pb::StatsRequest,
) -> Result<pb::StatsResponse, Status> {
    let window = match request.window {
        None => None,
        Some(window) => match Duration::try_from(window) {
            Ok(window) if !window.is_zero() => Some(window),
            _ => {
                return Err(Status::invalid_argument(format!(
                    "window must be positive (got {}s {}ns)",
                    window.seconds, window.nanos
                )));
            }
        },
    };
    Ok(continuous.stats(window, request.limit as usize, request.include_daemon))
}

#[cfg(test)]
mod tests {
    use super::parent_pid;

    #[test]
    fn parent_pid_skips_odd_commands() {
        assert_eq!(parent_pid("42 (a) b) S 7 42 42 0"), Some(7));
        assert_eq!(parent_pid("1 (systemd) S 0 1 1"), Some(0));
        assert_eq!(parent_pid("garbage"), None);
    }
}
