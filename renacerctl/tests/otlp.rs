//! OTLP export and W3C trace context, end to end: a real daemon traces real
//! programs and exports to a real Arize Phoenix (installed by `cargo xtask
//! setup`), whose REST API must then hold exactly the spans the trace implies.
//! They need root.
#![expect(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]

use std::{
    collections::{BTreeMap, BTreeSet},
    io::{Read as _, Write as _},
    net::{TcpListener, TcpStream},
    path::PathBuf,
    process::{Child, Output, Stdio},
    thread,
    time::{Duration, Instant},
};

use renacer_proto::v1::{CaptureRequest, StartCaptureRequest, StopCaptureRequest};
use renacer_trace::json::{JsonResult, JsonSyscall, TraceFile};
use serde_json::Value;

mod common;
use common::*;

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_SPAN: &str = "00f067aa0ba902b7";
const ENV_TRACE_ID: &str = "0af7651916cd43dd8448eb211c80319c";
const ENV_PARENT_SPAN: &str = "b7ad6b7169203331";
const MISSING: &str = "/nonexistent-renacer-otlp-test";

fn traceparent(trace_id: &str, span_id: &str) -> String {
    format!("00-{trace_id}-{span_id}-01")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A private Phoenix: own working directory and ports, stopped by PID on drop.
struct Phoenix {
    child: Child,
    http_port: u16,
    grpc_port: u16,
    log: PathBuf,
}

impl Phoenix {
    fn start() -> Self {
        let exe = std::env::var_os("RENACER_PHOENIX").map_or_else(
            || PathBuf::from("/var/cache/renacer/phoenix-venv/bin/phoenix"),
            PathBuf::from,
        );
        assert!(
            exe.is_file(),
            "Arize Phoenix is not installed at {}: run `cargo xtask setup` (or set RENACER_PHOENIX)",
            exe.display()
        );
        let dir = scratch_dir("phoenix");
        let log = dir.join("phoenix.log");
        let (http_port, grpc_port) = (free_port(), free_port());
        let child = command(&exe)
            .arg("serve")
            .current_dir(&dir)
            .env("PHOENIX_WORKING_DIR", &dir)
            .env("PHOENIX_HOST", "127.0.0.1")
            .env("PHOENIX_PORT", http_port.to_string())
            .env("PHOENIX_GRPC_PORT", grpc_port.to_string())
            .env_remove("PHOENIX_SQL_DATABASE_URL")
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(std::fs::File::create(dir.join("phoenix.err")).unwrap())
            .spawn()
            .unwrap();
        let mut phoenix = Self {
            child,
            http_port,
            grpc_port,
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(180);
        loop {
            if let Some(status) = phoenix.child.try_wait().unwrap() {
                panic!(
                    "phoenix exited during start-up ({status}); see {}",
                    phoenix.log.display()
                );
            }
            let http_up = phoenix.get("/healthz").is_some_and(|(code, _)| code == 200);
            if http_up && TcpStream::connect(("127.0.0.1", grpc_port)).is_ok() {
                return phoenix;
            }
            assert!(
                Instant::now() < deadline,
                "phoenix did not start within 180s"
            );
            thread::sleep(Duration::from_millis(250));
        }
    }

    fn grpc_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.grpc_port)
    }

    fn http_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.http_port)
    }

    /// A plain HTTP/1.1 GET: (status, body).
    fn get(&self, path: &str) -> Option<(u16, String)> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.http_port)).ok()?;
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .ok()?;
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
        )
        .ok()?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).ok()?;
        let text = String::from_utf8_lossy(&raw);
        let (head, body) = text.split_once("\r\n\r\n")?;
        let code = head.split_whitespace().nth(1)?.parse().ok()?;
        let chunked = head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked");
        Some((
            code,
            if chunked {
                dechunk(body)
            } else {
                body.to_owned()
            },
        ))
    }

    /// Every span of the default project.
    fn spans(&self) -> Vec<Value> {
        let mut spans = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = "/v1/projects/default/spans?limit=1000".to_owned();
            if let Some(cursor) = &cursor {
                path.push_str(&format!("&cursor={cursor}"));
            }
            let (code, body) = self.get(&path).expect("phoenix answers");
            if code == 404 {
                return spans; // the project exists once the first span arrived
            }
            assert_eq!(code, 200, "GET {path}: {body}");
            let page: Value = serde_json::from_str(&body).unwrap();
            spans.extend(page["data"].as_array().unwrap().iter().cloned());
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => return spans,
            }
        }
    }

    /// The spans of `trace_id`, once `expected` of them have arrived (and no
    /// more come within a second).
    fn trace_spans(&self, trace_id: &str, expected: usize) -> Vec<Value> {
        let of_trace = || -> Vec<Value> {
            self.spans()
                .into_iter()
                .filter(|span| span["context"]["trace_id"] == trace_id)
                .collect()
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let spans = of_trace();
            if spans.len() >= expected {
                thread::sleep(Duration::from_secs(1));
                let spans = of_trace();
                assert_eq!(
                    spans.len(),
                    expected,
                    "spans of trace {trace_id} in phoenix"
                );
                return spans;
            }
            assert!(
                Instant::now() < deadline,
                "phoenix has {} of {expected} spans of trace {trace_id} after 60s",
                spans.len()
            );
            thread::sleep(Duration::from_millis(250));
        }
    }
}

impl Drop for Phoenix {
    fn drop(&mut self) {
        stop_child(&mut self.child, Duration::from_secs(15));
    }
}

fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 || tail.len() < size {
            break;
        }
        out.push_str(&tail[..size]);
        rest = tail[size..].trim_start_matches("\r\n");
    }
    out
}

/// `capture --format json [FLAGS] -- CMD`: the trace and renacerctl's output.
fn capture(
    daemon: &Daemon,
    flags: &[&str],
    env: &[(&str, &str)],
    command: &[&str],
) -> (TraceFile, Output) {
    let path = scratch_dir("otlp-trace").join("trace.json");
    let mut ctl = daemon.ctl();
    ctl.args(["capture", "--format", "json", "-o"])
        .arg(&path)
        .args(flags)
        .arg("--")
        .args(command)
        .env_remove("TRACEPARENT");
    for (key, value) in env {
        ctl.env(key, value);
    }
    let out = ctl.output().unwrap();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("no trace written ({err}); renacerctl said {out:?}"));
    (TraceFile::parse(&text).unwrap(), out)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The daemon's volume policy, restated: which records get their own span.
fn gets_span(record: &JsonSyscall, threshold_nanos: u64) -> bool {
    matches!(record.result, JsonResult::Marker(_))
        || record.errno.is_some()
        || record.duration_nanos >= threshold_nanos
}

/// Spans the daemon must have made for `trace`: one per process, one per
/// record the policy picks.
fn expected_spans(trace: &TraceFile, threshold_nanos: u64) -> usize {
    let processes: BTreeSet<u32> = trace.syscalls.iter().map(|s| s.pid).collect();
    processes.len()
        + trace
            .syscalls
            .iter()
            .filter(|s| gets_span(s, threshold_nanos))
            .count()
}

fn attr<'a>(span: &'a Value, key: &str) -> &'a Value {
    &span["attributes"][key]
}

/// Phoenix's ISO time ("2026-11-23T12:17:51.328936+00:00") as Unix microseconds.
fn iso_micros(text: &str) -> i64 {
    let (date, time) = text.split_once('T').unwrap();
    let time = time.trim_end_matches("+00:00").trim_end_matches('Z');
    let mut ymd = date.split('-').map(|part| part.parse::<i64>().unwrap());
    let (y, m, d) = (
        ymd.next().unwrap(),
        ymd.next().unwrap(),
        ymd.next().unwrap(),
    );
    let (hms, fraction) = time.split_once('.').unwrap_or((time, "0"));
    let mut hms = hms.split(':').map(|part| part.parse::<i64>().unwrap());
    let seconds = hms.next().unwrap() * 3600 + hms.next().unwrap() * 60 + hms.next().unwrap();
    let micros: i64 = format!("{fraction:0<6}")[..6].parse().unwrap();
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    (days * 86_400 + seconds) * 1_000_000 + micros
}

fn assert_close_micros(phoenix_time: &Value, unix_nanos: u64, what: &str) {
    let got = iso_micros(phoenix_time.as_str().unwrap());
    let want = (unix_nanos / 1000) as i64;
    assert!(
        (got - want).abs() <= 2,
        "{what}: phoenix {phoenix_time} vs kernel {unix_nanos} ns"
    );
}

/// Checks every span against the trace: the process tree, one span per
/// picked record with its attributes, status and kernel times.
fn assert_span_tree(
    trace: &TraceFile,
    spans: &[Value],
    threshold_nanos: u64,
    parent_span: &str,
) -> BTreeMap<u32, Value> {
    let (process_spans, syscall_spans): (Vec<&Value>, Vec<&Value>) = spans
        .iter()
        .partition(|span| attr(span, "syscall.name").is_null());
    let by_pid: BTreeMap<u32, Value> = process_spans
        .iter()
        .map(|span| {
            (
                attr(span, "process.pid").as_u64().unwrap() as u32,
                (*span).clone(),
            )
        })
        .collect();
    assert_eq!(by_pid.len(), process_spans.len(), "one span per process");
    let root = &by_pid[&trace.process.pid];
    assert_eq!(
        root["parent_id"], parent_span,
        "the first process is a child of the imposed span"
    );
    assert_eq!(
        root["name"],
        format!("process {}", trace.process.command[0])
    );
    assert_eq!(
        attr(root, "process.command_line"),
        trace.process.command.join(" ").as_str()
    );
    for (pid, span) in &by_pid {
        if *pid == trace.process.pid {
            continue;
        }
        let parent = attr(span, "process.parent_pid").as_u64().unwrap() as u32;
        assert_eq!(
            span["parent_id"], by_pid[&parent]["context"]["span_id"],
            "process {pid} nests under {parent}"
        );
    }
    // Aggregates: every returned call of a process is counted on its span.
    for (pid, span) in &by_pid {
        let mut calls: BTreeMap<&str, u64> = BTreeMap::new();
        for record in trace.syscalls.iter().filter(|s| s.pid == *pid) {
            if matches!(record.result, JsonResult::Returned(_)) {
                *calls.entry(&record.name).or_default() += 1;
            }
        }
        for (name, count) in calls {
            assert_eq!(
                attr(span, &format!("syscall.{name}.calls")),
                count,
                "pid {pid} {name} calls"
            );
        }
    }

    let mut by_key: BTreeMap<(u64, u64), &Value> = BTreeMap::new();
    for span in &syscall_spans {
        let key = (
            attr(span, "process.pid").as_u64().unwrap(),
            attr(span, "renacer.lamport").as_u64().unwrap(),
        );
        assert!(by_key.insert(key, span).is_none(), "two spans for {key:?}");
    }
    let picked: Vec<&JsonSyscall> = trace
        .syscalls
        .iter()
        .filter(|s| gets_span(s, threshold_nanos))
        .collect();
    assert_eq!(syscall_spans.len(), picked.len());
    for record in picked {
        let span = by_key
            .get(&(u64::from(record.pid), record.lamport))
            .unwrap_or_else(|| panic!("no span for {record:?}"));
        assert_eq!(span["name"], record.name.as_str());
        assert_eq!(attr(span, "syscall.name"), record.name.as_str());
        assert_eq!(attr(span, "thread.id"), record.tid);
        assert_eq!(span["parent_id"], by_pid[&record.pid]["context"]["span_id"]);
        assert_close_micros(&span["start_time"], record.timestamp_nanos, "start");
        assert_close_micros(
            &span["end_time"],
            record.timestamp_nanos + record.duration_nanos,
            "end",
        );
        match &record.errno {
            Some(errno) => {
                assert_eq!(span["status_code"], "ERROR", "{record:?}");
                assert_eq!(span["status_message"], errno.as_str());
                assert_eq!(attr(span, "syscall.errno"), errno.as_str());
            }
            None => assert_ne!(span["status_code"], "ERROR", "{record:?}"),
        }
    }
    by_pid
}

#[test]
fn phoenix_receives_the_capture_as_a_span_tree() {
    let daemon = Daemon::start();
    let phoenix = Phoenix::start();
    let script = format!("cat {MISSING} || true");
    let command = ["sh", "-c", script.as_str()];

    // 1. OTLP/gRPC, an imposed traceparent, every syscall a span.
    let explicit = traceparent(TRACE_ID, PARENT_SPAN);
    let grpc = phoenix.grpc_url();
    let (trace, out) = capture(
        &daemon,
        &[
            "--otlp",
            &grpc,
            "--trace-parent",
            &explicit,
            "--span-threshold",
            "1ns",
            "--service-name",
            "renacer-test",
        ],
        &[],
        &command,
    );
    assert!(out.status.success(), "{out:?}");
    assert!(
        !stderr(&out).contains("OTLP"),
        "nothing unsent: {}",
        stderr(&out)
    );
    assert_eq!(
        trace.trace_id, TRACE_ID,
        "the JSON trace carries the imposed trace id"
    );
    let expected = expected_spans(&trace, 1);
    let spans = phoenix.trace_spans(TRACE_ID, expected);
    let processes = assert_span_tree(&trace, &spans, 1, PARENT_SPAN);
    assert_eq!(processes.len(), 2, "sh and cat: {:?}", processes.keys());
    let cat_pid = *processes
        .keys()
        .find(|&&pid| pid != trace.process.pid)
        .unwrap();
    // cat's name comes from the argv its execve read in the kernel, so it is
    // right even when cat is reaped before the daemon sees its exec event.
    let cat_name = processes[&cat_pid]["name"].as_str().unwrap();
    let cat_command = attr(&processes[&cat_pid], "process.command_line")
        .as_str()
        .unwrap();
    assert_eq!(cat_name, "process cat");
    assert_eq!(cat_command, format!("cat {MISSING}"));
    // The openat of the missing file: the last failed openat of cat.
    let open = trace
        .syscalls
        .iter()
        .rfind(|s| s.pid == cat_pid && s.name == "openat" && s.errno.as_deref() == Some("ENOENT"))
        .expect("cat's failed openat");
    let span = spans
        .iter()
        .find(|span| {
            attr(span, "renacer.lamport") == open.lamport && attr(span, "process.pid") == cat_pid
        })
        .unwrap();
    assert_eq!(span["status_code"], "ERROR");
    assert_eq!(span["status_message"], "ENOENT");
    assert_eq!(
        attr(span, "syscall.result"),
        "-1 ENOENT (No such file or directory)"
    );
    assert_eq!(attr(span, "syscall.args")[0], "AT_FDCWD");
    assert_eq!(attr(span, "syscall.args")[2], "O_RDONLY");

    // 2. OTLP/HTTP, TRACEPARENT from the environment, the default policy
    //    (spans for calls of 1ms or more, failures and exit_group only).
    let from_env = traceparent(ENV_TRACE_ID, ENV_PARENT_SPAN);
    let http = phoenix.http_url();
    let (trace, out) = capture(
        &daemon,
        &["--otlp", &http, "--otlp-protocol", "http/protobuf"],
        &[("TRACEPARENT", &from_env)],
        &command,
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        trace.trace_id, ENV_TRACE_ID,
        "TRACEPARENT from the environment"
    );
    let threshold = 1_000_000;
    let expected = expected_spans(&trace, threshold);
    assert!(
        expected < trace.syscalls.len(),
        "the default policy aggregates fast calls"
    );
    let spans = phoenix.trace_spans(ENV_TRACE_ID, expected);
    assert_span_tree(&trace, &spans, threshold, ENV_PARENT_SPAN);

    // 3. A background capture (StartCapture/StopCapture) of a running tree.
    background_capture_exports(&daemon, &phoenix);
    daemon.assert_serving();
}

const BACKGROUND_TRACE_ID: &str = "5ce0e9a56015fec5aadfa328ae398115";

fn background_capture_exports(daemon: &Daemon, phoenix: &Phoenix) {
    let mut tree = command("sh")
        .args(["-c", &format!("sleep 0.5; cat {MISSING} || true")])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let socket = daemon.socket.to_str().unwrap().to_owned();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut client = runtime
        .block_on(renacerctl::client::connect(&socket))
        .unwrap();
    let started = runtime.block_on(async {
        client
            .start_capture(StartCaptureRequest {
                pid: tree.id(),
                otlp: Some(renacer_proto::v1::OtlpExport {
                    endpoint: phoenix.grpc_url(),
                    span_threshold: Some(prost_types::Duration {
                        seconds: 0,
                        nanos: 1,
                    }),
                    ..Default::default()
                }),
                trace_parent: traceparent(BACKGROUND_TRACE_ID, PARENT_SPAN),
                ..StartCaptureRequest::default()
            })
            .await
            .unwrap()
            .into_inner()
    });
    assert_eq!(started.trace_id, BACKGROUND_TRACE_ID);
    tree.wait().unwrap();
    let trace = runtime.block_on(async {
        client
            .stop_capture(StopCaptureRequest {
                capture_id: started.capture_id,
            })
            .await
            .unwrap()
            .into_inner()
            .trace
            .unwrap()
    });
    assert_eq!(trace.trace_id, BACKGROUND_TRACE_ID);
    assert_eq!(trace.drops.unwrap_or_default().otlp_unsent, 0);
    let records: Vec<JsonSyscall> = trace
        .syscalls
        .iter()
        .map(|record| JsonSyscall::from(&renacer_trace::SyscallRecord::from(record)))
        .collect();
    assert!(
        records
            .iter()
            .any(|r| r.name == "openat" && r.errno.as_deref() == Some("ENOENT"))
    );
    let pids: BTreeSet<u32> = records.iter().map(|r| r.pid).collect();
    let expected = pids.len() + records.iter().filter(|r| gets_span(r, 1)).count();
    let spans = phoenix.trace_spans(BACKGROUND_TRACE_ID, expected);
    let errors = spans
        .iter()
        .filter(|span| span["status_code"] == "ERROR")
        .count();
    assert_eq!(errors, records.iter().filter(|r| r.errno.is_some()).count());
}

#[test]
fn unreachable_backend_counts_every_span_as_unsent() {
    let daemon = Daemon::start();
    // Nothing listens there: every export is refused.
    let endpoint = format!("http://127.0.0.1:{}", free_port());
    let (trace, out) = capture(
        &daemon,
        &["--otlp", &endpoint, "--span-threshold", "1ns"],
        &[],
        &["sh", "-c", &format!("cat {MISSING} || true")],
    );
    assert!(
        out.status.success(),
        "the capture completes normally: {out:?}"
    );
    assert!(!trace.syscalls.is_empty());
    assert_eq!(
        trace.drops.kernel + trace.drops.daemon,
        0,
        "no trace event lost"
    );
    let unsent = expected_spans(&trace, 1);
    assert!(
        stderr(&out).contains(&format!("renacerctl: {unsent} OTLP spans not delivered")),
        "expected {unsent} unsent spans reported: {}",
        stderr(&out)
    );
    let status = daemon.ctl().arg("status").output().unwrap();
    let status = String::from_utf8_lossy(&status.stdout);
    assert!(
        status
            .lines()
            .any(|line| line.split_whitespace().collect::<Vec<_>>()
                == ["OTLP", "unsent:", &unsent.to_string()]),
        "{status}"
    );
}

#[test]
fn daemon_wide_endpoint_exports_captures_that_ask_for_nothing() {
    let endpoint = format!("http://127.0.0.1:{}", free_port());
    let daemon = Daemon::start_with(&["--otlp-endpoint", &endpoint]);
    let (trace, out) = capture(
        &daemon,
        &[],
        &[],
        &["sh", "-c", &format!("cat {MISSING} || true")],
    );
    assert!(out.status.success(), "{out:?}");
    // The daemon's default policy: spans for calls of 1ms or more, failures, exit_group.
    let unsent = expected_spans(&trace, 1_000_000);
    assert!(
        stderr(&out).contains(&format!("renacerctl: {unsent} OTLP spans not delivered")),
        "expected {unsent} unsent spans reported: {}",
        stderr(&out)
    );
}

#[test]
fn pid_capture_joins_the_trace_in_the_process_environment() {
    let daemon = Daemon::start();
    let mut sleeper = command("sleep")
        .arg("0.5")
        .env("TRACEPARENT", traceparent(ENV_TRACE_ID, ENV_PARENT_SPAN))
        .spawn()
        .unwrap();
    let path = scratch_dir("pid-trace").join("trace.json");
    let out = daemon
        .ctl()
        .args([
            "capture",
            "--format",
            "json",
            "--pid",
            &sleeper.id().to_string(),
            "-o",
        ])
        .arg(&path)
        .env_remove("TRACEPARENT")
        .output()
        .unwrap();
    sleeper.wait().unwrap();
    assert!(out.status.success(), "{out:?}");
    let trace = TraceFile::parse(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(trace.trace_id, ENV_TRACE_ID);
}

#[test]
fn malformed_traceparent_is_rejected() {
    let daemon = Daemon::start();
    // renacerctl: one line, non-zero, the command never runs.
    let marker = scratch_dir("never").join("ran");
    let out = daemon
        .ctl()
        .args(["capture", "--trace-parent", "00-XYZ-01", "--", "touch"])
        .arg(&marker)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let message = stderr(&out);
    assert_eq!(message.trim_end().lines().count(), 1, "{message}");
    assert!(message.contains("malformed traceparent"), "{message}");
    assert!(!marker.exists(), "the command must not run");
    let out = daemon
        .ctl()
        .args(["capture", "--", "true"])
        .env(
            "TRACEPARENT",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        )
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("TRACEPARENT"), "{}", stderr(&out));

    // The API: INVALID_ARGUMENT with the reason, for both capture kinds.
    let socket = daemon.socket.to_str().unwrap().to_owned();
    let pid = std::process::id();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut client = renacerctl::client::connect(&socket).await.unwrap();
        let bad = "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01".to_owned();
        let err = client
            .capture(CaptureRequest {
                pid,
                trace_parent: bad.clone(),
                ..CaptureRequest::default()
            })
            .await
            .expect_err("all-zero span id");
        assert_eq!(err.code(), tonic::Code::InvalidArgument);
        assert!(
            err.message()
                .contains("parent span id must not be all zeros"),
            "{}",
            err.message()
        );
        let err = client
            .start_capture(StartCaptureRequest {
                pid,
                trace_parent: "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".into(),
                ..StartCaptureRequest::default()
            })
            .await
            .expect_err("version 01");
        assert_eq!(err.code(), tonic::Code::InvalidArgument);
        let err = client
            .start_capture(StartCaptureRequest {
                pid,
                otlp: Some(renacer_proto::v1::OtlpExport {
                    endpoint: "not a url".into(),
                    ..Default::default()
                }),
                ..StartCaptureRequest::default()
            })
            .await
            .expect_err("bad endpoint");
        assert_eq!(err.code(), tonic::Code::InvalidArgument);
        assert!(
            err.message().contains("invalid OTLP endpoint"),
            "{}",
            err.message()
        );
    });
    daemon.assert_serving();
}
