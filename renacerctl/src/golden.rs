//! `renacerctl golden capture|check`: the golden traces of the project's
//! example programs. `capture --bless` rewrites `golden_traces/` (never
//! without `--bless`); `check` runs every example again and compares the new
//! trace with its golden one semantically.
use std::{
    fmt::Write as _,
    path::{Path, PathBuf},
};

use anyhow::{Context as _, bail};
use renacer_analysis::{
    CompareOptions, SourceChange, compare, compare_sources, format_nanos, load_trace,
    wall_span_nanos,
};
use renacer_trace::{json::TraceFile, summary::render_table};

use crate::{
    background::{CapturedRun, capture_command},
    ci::exit_code,
    exit::emit,
    traces::encode_trace,
};

#[derive(Debug, clap::Args)]
pub struct GoldenArgs {
    #[command(subcommand)]
    action: GoldenAction,
    /// Where the golden traces live.
    #[arg(
        long,
        global = true,
        value_name = "DIR",
        default_value = "golden_traces"
    )]
    dir: PathBuf,
    /// The examples/ directory (the Python port and the input data).
    #[arg(long, global = true, value_name = "DIR", default_value = "examples")]
    examples: PathBuf,
    /// Where the example binaries are (default: next to renacerctl, as cargo builds them).
    #[arg(long, global = true, value_name = "DIR")]
    bin_dir: Option<PathBuf>,
}

#[derive(Debug, clap::Subcommand)]
enum GoldenAction {
    /// Capture every example and write NAME.json, NAME_summary.txt and ANALYSIS.md.
    Capture {
        /// Confirm that the golden traces are to be replaced.
        #[arg(long)]
        bless: bool,
        /// Only these examples (default: all).
        names: Vec<String>,
    },
    /// Capture every example again and compare it with its golden trace.
    Check {
        /// Allowed drift of the syscall total against the golden trace, in
        /// percent (not applied across implementations).
        #[arg(long, value_name = "PCT", default_value_t = 10.0)]
        tolerance: f64,
        /// Only these examples (default: all).
        names: Vec<String>,
    },
}

#[derive(Debug, Clone, Copy)]
enum Arg {
    /// An example binary, in --bin-dir.
    Bin(&'static str),
    /// A file under examples/.
    Example(&'static str),
    /// Taken as is (resolved on PATH when it is the program).
    Plain(&'static str),
}

/// One example run, checked against the golden trace `golden`.
#[derive(Debug)]
struct Case {
    name: &'static str,
    golden: &'static str,
    argv: &'static [Arg],
}

impl Case {
    /// A run of another implementation: checked, never blessed, and its
    /// syscall counts are informational.
    fn is_port(&self) -> bool {
        self.name != self.golden
    }

    /// The project's Rust examples (built with debug info) also have a
    /// `NAME_source.json`: where each call was made from (`--source`).
    fn has_source_trace(&self) -> bool {
        !self.is_port() && matches!(self.argv.first(), Some(Arg::Bin(_)))
    }
}

const CASES: &[Case] = &[
    Case {
        name: "fileio",
        golden: "fileio",
        argv: &[Arg::Bin("fileio")],
    },
    Case {
        name: "forktree",
        golden: "forktree",
        argv: &[Arg::Bin("forktree")],
    },
    Case {
        name: "threads",
        golden: "threads",
        argv: &[Arg::Bin("threads")],
    },
    Case {
        name: "wordcount",
        golden: "wordcount",
        argv: &[
            Arg::Bin("wordcount"),
            Arg::Example("data/wordcount-input.txt"),
        ],
    },
    Case {
        name: "wordcount_py",
        golden: "wordcount",
        argv: &[
            // The system interpreter: a pyenv shim on PATH is a shell script
            // that execs a dozen helpers before Python starts.
            Arg::Plain("/usr/bin/python3"),
            Arg::Example("wordcount.py"),
            Arg::Example("data/wordcount-input.txt"),
        ],
    },
];

struct Paths {
    dir: PathBuf,
    examples: PathBuf,
    bin_dir: PathBuf,
}

impl Paths {
    fn new(args: &GoldenArgs) -> anyhow::Result<Self> {
        let absolute =
            |p: &Path| std::path::absolute(p).with_context(|| format!("resolving {}", p.display()));
        let bin_dir = match &args.bin_dir {
            Some(dir) => absolute(dir)?,
            None => std::env::current_exe()
                .context("locating renacerctl")?
                .parent()
                .map(Path::to_path_buf)
                .context("renacerctl has no parent directory")?,
        };
        Ok(Self {
            dir: absolute(&args.dir)?,
            examples: absolute(&args.examples)?,
            bin_dir,
        })
    }

    fn argv(&self, case: &Case) -> anyhow::Result<Vec<String>> {
        case.argv
            .iter()
            .map(|arg| {
                let path = match arg {
                    Arg::Plain(s) => return Ok((*s).to_owned()),
                    Arg::Bin(name) => self.bin_dir.join(name),
                    Arg::Example(rel) => self.examples.join(rel),
                };
                if !path.exists() {
                    bail!(
                        "{} is missing (build the examples with `cargo build`, or pass --bin-dir/--examples)",
                        path.display()
                    );
                }
                Ok(path.to_string_lossy().into_owned())
            })
            .collect()
    }
}

fn selected(names: &[String]) -> anyhow::Result<Vec<&'static Case>> {
    if let Some(unknown) = names.iter().find(|n| !CASES.iter().any(|c| c.name == *n)) {
        let known: Vec<&str> = CASES.iter().map(|c| c.name).collect();
        bail!("unknown example {unknown:?} (known: {})", known.join(", "));
    }
    Ok(CASES
        .iter()
        .filter(|c| names.is_empty() || names.iter().any(|n| n == c.name))
        .collect())
}

/// Runs one example in a fresh scratch directory, removed afterwards.
fn run_case(socket: &str, paths: &Paths, case: &Case) -> anyhow::Result<CapturedRun> {
    let argv = paths.argv(case)?;
    let scratch = std::env::temp_dir().join(format!(
        "renacer-golden-{}-{}",
        std::process::id(),
        case.name
    ));
    std::fs::create_dir_all(&scratch).with_context(|| format!("creating {}", scratch.display()))?;
    let run = capture_command(socket, &argv, Some(&scratch));
    let _ = std::fs::remove_dir_all(&scratch);
    let run = run.with_context(|| format!("capturing {}", case.name))?;
    if run.exit_code != 0 {
        bail!("{} exited with {}", case.name, run.exit_code);
    }
    Ok(run)
}

/// Runs one example under `renacerctl capture --source --format json` (a
/// streaming capture: stacks are unwound for those only) in a fresh scratch
/// directory, removed afterwards.
fn run_source_case(socket: &str, paths: &Paths, case: &Case) -> anyhow::Result<TraceFile> {
    let argv = paths.argv(case)?;
    let scratch = std::env::temp_dir().join(format!(
        "renacer-golden-source-{}-{}",
        std::process::id(),
        case.name
    ));
    std::fs::create_dir_all(&scratch).with_context(|| format!("creating {}", scratch.display()))?;
    let trace_path = scratch.join(format!("{}_source.json", case.name));
    let run = std::process::Command::new(std::env::current_exe().context("locating renacerctl")?)
        .arg("--socket")
        .arg(socket)
        .args(["capture", "--source", "--format", "json", "-o"])
        .arg(&trace_path)
        .arg("--")
        .args(&argv)
        .current_dir(&scratch)
        .stdout(std::process::Stdio::null())
        .output()
        .with_context(|| format!("capturing {} with --source", case.name));
    let trace = run.and_then(|out| {
        if !out.status.success() {
            bail!(
                "capturing {} with --source failed: {}",
                case.name,
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        let text = std::fs::read_to_string(&trace_path)
            .with_context(|| format!("reading {}", trace_path.display()))?;
        load_trace(&text).with_context(|| format!("{}", trace_path.display()))
    });
    let _ = std::fs::remove_dir_all(&scratch);
    trace
}

/// Variables that change the examples' syscalls without changing what they
/// do: where the loader looks (`cargo test` sets `LD_LIBRARY_PATH`, for one)
/// and which locale files libc opens (a `C.UTF-8` caller's `sleep` opens a
/// dozen). Golden runs do without them (and without `PYTHON*` variables),
/// in the C locale, so that a trace does not depend on who ran it.
const CALLER_VARIABLES: &[&str] = &[
    "LD_LIBRARY_PATH",
    "LD_PRELOAD",
    "LD_AUDIT",
    "LANG",
    "LANGUAGE",
    "LC_CTYPE",
    "LC_MESSAGES",
    "LC_NUMERIC",
    "LC_TIME",
    "LC_COLLATE",
    "LC_MONETARY",
];

pub fn golden_command(socket: &str, args: GoldenArgs) -> u8 {
    // SAFETY: renacerctl is single-threaded here (its async runtimes are
    // current-thread and start later); the examples inherit this.
    unsafe {
        for name in CALLER_VARIABLES {
            std::env::remove_var(name);
        }
        // PYTHONUNBUFFERED and its kind change the Python port's writes.
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("PYTHON") {
                std::env::remove_var(name);
            }
        }
        std::env::set_var("LC_ALL", "C");
    }
    exit_code((|| {
        let paths = Paths::new(&args)?;
        match &args.action {
            GoldenAction::Capture { bless, names } => {
                if !bless {
                    bail!(
                        "golden capture replaces the files in {}: pass --bless to confirm (`golden check` compares without writing)",
                        paths.dir.display()
                    );
                }
                bless_all(socket, &paths, &selected(names)?)
            }
            GoldenAction::Check { tolerance, names } => {
                check_all(socket, &paths, &selected(names)?, *tolerance)
            }
        }
    })())
}

fn bless_all(socket: &str, paths: &Paths, cases: &[&Case]) -> anyhow::Result<u8> {
    std::fs::create_dir_all(&paths.dir)
        .with_context(|| format!("creating {}", paths.dir.display()))?;
    for case in cases.iter().filter(|c| !c.is_port()) {
        let run = run_case(socket, paths, case)?;
        let lost = run.trace.drops.kernel + run.trace.drops.daemon;
        if lost > 0 {
            bail!(
                "{}: {lost} events lost; not blessing an incomplete trace",
                case.name
            );
        }
        let json = paths.dir.join(format!("{}.json", case.name));
        std::fs::write(&json, encode_trace(&run.trace, false))
            .with_context(|| format!("writing {}", json.display()))?;
        let summary = paths.dir.join(format!("{}_summary.txt", case.name));
        std::fs::write(&summary, render_table(&run.summary))
            .with_context(|| format!("writing {}", summary.display()))?;
        if case.has_source_trace() {
            let trace = run_source_case(socket, paths, case)?;
            let path = paths.dir.join(format!("{}_source.json", case.name));
            std::fs::write(&path, encode_trace(&trace, false))
                .with_context(|| format!("writing {}", path.display()))?;
        }
        emit(&format!(
            "blessed {} ({} syscalls)\n",
            json.display(),
            run.trace.syscalls.len()
        ))?;
    }
    let analysis = paths.dir.join("ANALYSIS.md");
    std::fs::write(&analysis, analysis_markdown(&paths.dir)?)
        .with_context(|| format!("writing {}", analysis.display()))?;
    emit(&format!("wrote {}\n", analysis.display()))?;
    Ok(0)
}

/// A blessed golden trace.
fn read_golden(path: &Path) -> anyhow::Result<TraceFile> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "reading {} (create it with `renacerctl golden capture --bless`)",
            path.display()
        )
    })?;
    load_trace(&text).with_context(|| format!("{}", path.display()))
}

fn check_all(socket: &str, paths: &Paths, cases: &[&Case], tolerance: f64) -> anyhow::Result<u8> {
    let (mut passed, mut failed) = (0, 0);
    for case in cases {
        let golden = read_golden(&paths.dir.join(format!("{}.json", case.golden)))?;
        let run = run_case(socket, paths, case)?;
        let tolerance = (!case.is_port()).then_some(tolerance);
        let options =
            CompareOptions::with_tolerance_percent(tolerance).map_err(anyhow::Error::msg)?;
        let report = compare(&golden, &run.trace, &options);
        let moved = if case.has_source_trace() {
            check_sources(socket, paths, case)?
        } else {
            Vec::new()
        };
        let agrees = report.passed && !moved.iter().any(SourceChange::is_move);
        let verdict = if agrees { "PASS" } else { "FAIL" };
        let mut text = format!("golden {} vs {}: {verdict}\n", case.name, case.golden);
        for line in report.to_string().lines() {
            let _ = writeln!(text, "    {line}");
        }
        for change in &moved {
            let _ = writeln!(text, "    source: {change}");
        }
        emit(&text)?;
        if agrees {
            passed += 1;
        } else {
            failed += 1;
        }
    }
    emit(&format!("golden check: {passed} passed, {failed} failed\n"))?;
    Ok(u8::from(failed > 0))
}

/// The source locations of a new `--source` run against `NAME_source.json`:
/// a syscall that moved fails the check; one that is made from a place more
/// or fewer is a note (the syscall counts judge those).
fn check_sources(socket: &str, paths: &Paths, case: &Case) -> anyhow::Result<Vec<SourceChange>> {
    let golden = read_golden(&paths.dir.join(format!("{}_source.json", case.name)))?;
    let run = run_source_case(socket, paths, case)?;
    Ok(compare_sources(&golden, &run))
}

/// The baseline table of every golden trace in `dir`.
fn analysis_markdown(dir: &Path) -> anyhow::Result<String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("listing {}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        // The source traces repeat their example's run.
        .filter(|p| !p.to_string_lossy().ends_with("_source.json"))
        .collect();
    files.sort();
    let mut out = String::from(
        "# Golden trace baselines\n\n\
         Written by `renacerctl golden capture --bless` (do not edit); \
         `renacerctl golden check` compares new runs with these traces.\n\
         Runtime is the wall span from the first syscall's entry to the last one's exit.\n\n\
         | trace | command | runtime | syscalls | processes | top syscall |\n\
         | --- | --- | --- | --- | --- | --- |\n",
    );
    for path in files {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let trace = load_trace(&text).with_context(|| format!("{}", path.display()))?;
        let name = path.file_stem().unwrap_or_default().to_string_lossy();
        let _ = writeln!(out, "{}", baseline_row(&name, &trace));
    }
    Ok(out)
}

fn baseline_row(name: &str, trace: &TraceFile) -> String {
    let command: Vec<String> = trace
        .process
        .command
        .iter()
        .map(|arg| arg.rsplit('/').next().unwrap_or(arg).to_owned())
        .collect();
    let runtime = wall_span_nanos(trace).map_or_else(|| "n/a".to_owned(), format_nanos);
    let mut pids: Vec<u32> = trace.syscalls.iter().map(|s| s.pid).collect();
    pids.sort_unstable();
    pids.dedup();
    let top = trace
        .statistics
        .syscall_counts
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map_or_else(|| "-".to_owned(), |(name, n)| format!("{name} ({n})"));
    format!(
        "| {name} | `{}` | {runtime} | {} | {} | {top} |",
        command.join(" "),
        trace.syscalls.len(),
        pids.len()
    )
}
