//! `renacerctl report` and `flamegraph` on a real capture: the HTML page is
//! loaded in a real headless browser (Debian's chromium, installed by
//! `cargo xtask setup`), which must run its script without errors and show
//! the trace's own numbers. Root only: the trace comes from a real daemon.
#![expect(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]

use std::{collections::BTreeMap, path::Path, process::Command};

use regex::Regex;
use renacer_analysis::load_trace_bytes;
use renacer_trace::json::{JsonResult, TraceFile};

mod common;
use common::*;

const CHROMIUM: &str = "/usr/bin/chromium";

/// The DOM after the page's scripts ran, and what the browser logged.
fn load_in_browser(page: &Path) -> (String, String) {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: run `cargo xtask setup`"
    );
    let profile = scratch_dir("chromium-profile");
    let out = Command::new(CHROMIUM)
        .args([
            "--headless",
            // Root in a container: no user namespace sandbox.
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "chromium failed: {out:?}");
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `renacerctl report TRACE -o PAGE`, loaded in the browser: the DOM, once
/// the page's script ran without errors.
fn report_in_browser(trace: &Path, page: &Path) -> String {
    let report = command(bin("renacerctl"))
        .arg("report")
        .arg(trace)
        .arg("-o")
        .arg(page)
        .output()
        .unwrap();
    assert!(report.status.success(), "report failed: {report:?}");
    let (dom, log) = load_in_browser(page);
    assert!(
        dom.contains("data-ready=\"yes\""),
        "the page's script did not finish"
    );
    assert!(dom.contains("data-errors=\"\""), "script errors: {dom}");
    assert!(
        !log.contains("Uncaught"),
        "the browser logged errors: {log}"
    );
    dom
}

/// The text of the element with `id`.
fn by_id(dom: &str, id: &str) -> String {
    let pattern = Regex::new(&format!(r#"id="{id}"[^>]*>([^<]*)<"#)).unwrap();
    pattern
        .captures(dom)
        .unwrap_or_else(|| panic!("no element #{id} in the page"))[1]
        .to_owned()
}

/// Calls per syscall name as the summary table shows them.
fn summary_calls(dom: &str) -> BTreeMap<String, u64> {
    let row = Regex::new(
        r#"<tr data-syscall="([^"]+)">(?:<td[^>]*>[^<]*</td>){3}<td class="calls">(\d+)</td>"#,
    )
    .unwrap();
    row.captures_iter(dom)
        .map(|c| (c[1].to_owned(), c[2].parse().unwrap()))
        .collect()
}

/// What strace -c counts: the calls that returned.
fn returned_calls(trace: &TraceFile) -> BTreeMap<String, u64> {
    let mut calls = BTreeMap::new();
    for call in &trace.syscalls {
        if matches!(call.result, JsonResult::Returned(_)) {
            *calls.entry(call.name.clone()).or_default() += 1;
        }
    }
    calls
}

#[test]
fn the_report_of_a_capture_loads_cleanly_in_a_browser_and_shows_its_numbers() {
    require_root();
    let daemon = Daemon::start();
    let dir = scratch_dir("report");
    // Three children that each exec sleep: four processes.
    let (trace_path, out) = daemon.capture_json_file(
        &dir,
        &[example("forktree").to_str().unwrap(), "10", "40", "20"],
    );
    assert!(out.status.success(), "capture failed: {out:?}");
    let trace = load_trace_bytes(&std::fs::read(&trace_path).unwrap()).unwrap();

    let dom = report_in_browser(&trace_path, &dir.join("report.html"));

    assert_eq!(by_id(&dom, "total-calls"), trace.syscalls.len().to_string());
    assert_eq!(by_id(&dom, "total-processes"), "4");
    // Each of the four ended normally, as the kernel's exit events say.
    assert_eq!(
        dom.matches("<td class=\"ending\">+++ exited with 0 +++</td>")
            .count(),
        4,
        "{dom}"
    );
    let expected = returned_calls(&trace);
    assert_eq!(summary_calls(&dom), expected);
    assert_eq!(
        by_id(&dom, "summary-calls"),
        expected.values().sum::<u64>().to_string()
    );
    assert_eq!(expected["clone"] + expected.get("clone3").unwrap_or(&0), 3);
    assert_eq!(expected["wait4"], 3);
    // The critical path runs through the longest sleep.
    let path = by_id(&dom, "critical-path-total");
    assert!(path.ends_with(" calls"), "{path}");
    assert!(dom.contains("id=\"timeline-wall\""));
    assert!(dom.contains("id=\"timeline-lamport\""));
    assert_eq!(dom.matches("class=\"process\"").count(), 2 * 4);
    assert!(dom.contains("<iframe id=\"flame-stacks\""));
    assert!(dom.contains("<iframe id=\"flame-critical-path\""));
}

#[test]
fn a_flamegraph_of_a_capture_has_its_processes_and_calls() {
    require_root();
    let daemon = Daemon::start();
    let dir = scratch_dir("flame");
    let (trace_path, out) =
        daemon.capture_json_file(&dir, &[example("forktree").to_str().unwrap(), "10"]);
    assert!(out.status.success(), "capture failed: {out:?}");
    let trace = load_trace_bytes(&std::fs::read(&trace_path).unwrap()).unwrap();

    let folded = command(bin("renacerctl"))
        .arg("flamegraph")
        .arg(&trace_path)
        .args(["--folded", "-o", "-"])
        .output()
        .unwrap();
    assert!(folded.status.success(), "{folded:?}");
    let stderr = String::from_utf8_lossy(&folded.stderr);
    assert!(stderr.contains("has no source stacks"), "{stderr}");
    // Without stacks: one line per process and call name, weighed in ns.
    let mut weights: BTreeMap<String, u64> = BTreeMap::new();
    for call in &trace.syscalls {
        *weights
            .entry(format!("pid {};{}", call.pid, call.name))
            .or_default() += call.duration_nanos;
    }
    let expected: Vec<String> = weights
        .into_iter()
        .filter(|&(_, w)| w > 0)
        .map(|(stack, w)| format!("{stack} {w}"))
        .collect();
    let lines: Vec<String> = String::from_utf8(folded.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(lines, expected);

    let svg_path = dir.join("critical.svg");
    let svg = command(bin("renacerctl"))
        .arg("flamegraph")
        .arg(&trace_path)
        .arg("--critical-path")
        .arg("-o")
        .arg(&svg_path)
        .output()
        .unwrap();
    assert!(svg.status.success(), "{svg:?}");
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    assert!(svg.contains("<svg"), "{svg}");
    assert!(svg.contains("critical path"));
    assert!(svg.contains("clock_nanosleep") || svg.contains("nanosleep"));
}

#[test]
fn a_malformed_trace_is_one_line_and_exit_2() {
    let dir = scratch_dir("bad-report");
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{\"format\": \"renacer-json-v1\", \"syscalls\": [").unwrap();
    for subcommand in ["report", "flamegraph"] {
        let out = command(bin("renacerctl"))
            .arg(subcommand)
            .arg(&bad)
            .args(["-o", "-"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{subcommand}: {out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains("bad.json"), "{stderr}");
        assert!(out.stdout.is_empty());
    }
}

/// Character nodes with /dev/null's numbers at GPU device paths, removed
/// on drop (also when the test fails).
struct FakeGpuNodes {
    nodes: Vec<std::path::PathBuf>,
    created_dri: bool,
}

impl FakeGpuNodes {
    fn create() -> Self {
        let dri = Path::new("/dev/dri");
        let created_dri = !dri.exists();
        if created_dri {
            std::fs::create_dir(dri).unwrap();
        }
        let id = std::process::id();
        let mut fake = Self {
            nodes: Vec::new(),
            created_dri,
        };
        for path in [
            format!("/dev/nvidia-renacer-test-{id}"),
            format!("/dev/dri/renacer-test-{id}"),
        ] {
            let c_path = std::ffi::CString::new(path.clone()).unwrap();
            // SAFETY: a valid path; makedev(1, 3) is /dev/null's driver.
            let rc =
                unsafe { libc::mknod(c_path.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) };
            assert_eq!(rc, 0, "mknod {path}: {}", std::io::Error::last_os_error());
            fake.nodes.push(path.into());
        }
        fake
    }
}

impl Drop for FakeGpuNodes {
    fn drop(&mut self) {
        for node in &self.nodes {
            let _ = std::fs::remove_file(node);
        }
        if self.created_dri {
            let _ = std::fs::remove_dir("/dev/dri");
        }
    }
}

#[test]
fn gpu_ioctls_are_named_per_device_in_analyze_and_the_report() {
    require_root();
    let nodes = FakeGpuNodes::create();
    let program = compile_workload("gpu_ioctl");
    let daemon = Daemon::start();
    let dir = scratch_dir("gpu");
    let mut command_line = vec![program.to_str().unwrap()];
    command_line.extend(nodes.nodes.iter().map(|n| n.to_str().unwrap()));
    let (trace_path, out) = daemon.capture_json_file(&dir, &command_line);
    assert!(out.status.success(), "capture failed: {out:?}");

    let analyze = command(bin("renacerctl"))
        .args(["analyze", "--gpu"])
        .arg(&trace_path)
        .output()
        .unwrap();
    assert!(analyze.status.success(), "{analyze:?}");
    let table = String::from_utf8(analyze.stdout).unwrap();
    // calls errors time unit direction type nr size device command: all but
    // the time. DRM requests are named from the UAPI headers; NVIDIA's have
    // no public header, so they stay strace's _IOC(...).
    let mut rows: Vec<String> = table
        .lines()
        .skip(2)
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            [&fields[..2], &fields[4..]].concat().join(" ")
        })
        .collect();
    rows.sort();
    // Per device: DRM_IOCTL_VERSION twice and the NVIDIA request once, all
    // failing (ENOTTY from /dev/null's driver).
    let mut expected: Vec<String> = nodes
        .nodes
        .iter()
        .flat_map(|node| {
            [
                format!(
                    "1 1 read|write 0x46 0xd2 72 {} _IOC(_IOC_READ|_IOC_WRITE, 0x46, 0xd2, 0x48)",
                    node.display()
                ),
                format!(
                    "2 2 read|write 0x64 0x00 64 {} DRM_IOCTL_VERSION",
                    node.display()
                ),
            ]
        })
        .collect();
    expected.sort();
    assert_eq!(rows, expected, "{table}");

    let dom = report_in_browser(&trace_path, &dir.join("gpu.html"));
    assert_eq!(dom.matches("<tr><td class=\"calls\">").count(), 4, "{dom}");
    for node in &nodes.nodes {
        assert_eq!(
            dom.matches(&format!("<td>{}</td>", node.display())).count(),
            2
        );
    }
}
