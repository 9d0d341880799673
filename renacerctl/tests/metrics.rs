//! `renacer-daemon --metrics ADDR`: scraped during and after real captures,
//! in both exposition formats, with values checked against what the
//! captures and continuous mode saw.
#![expect(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]

mod common;

use std::{
    collections::BTreeMap,
    io::{Read as _, Write as _},
    net::TcpStream,
    process::Stdio,
    thread,
    time::{Duration, Instant},
};

use common::{ChildGuard, Daemon, free_port, scratch_dir};

/// A scrape: sample (`name{labels}`) -> value.
type Samples = BTreeMap<String, f64>;

/// GET `path`: status line, content type and body.
fn get(port: u16, path: &str, accept: Option<&str>) -> (String, String, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let accept = accept.map_or(String::new(), |accept| format!("Accept: {accept}\r\n"));
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\n{accept}\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines.next().unwrap().to_owned();
    let content_type = lines
        .find_map(|line| line.strip_prefix("Content-Type: "))
        .unwrap_or_default()
        .to_owned();
    let length: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("Content-Length: "))
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(length, body.len(), "Content-Length");
    (status, content_type, body.to_owned())
}

/// Parses and checks the exposition text: every sample belongs to a family
/// declared with `# TYPE` and `# HELP`, counters' samples end in `_total`,
/// OpenMetrics ends with exactly one `# EOF`.
fn parse(body: &str, openmetrics: bool) -> Samples {
    let mut families: BTreeMap<String, String> = BTreeMap::new();
    let mut helped = Vec::new();
    let mut samples = Samples::new();
    let mut lines: Vec<&str> = body.lines().collect();
    assert!(body.ends_with('\n'), "the text must end with a newline");
    if openmetrics {
        assert_eq!(
            lines.pop(),
            Some("# EOF"),
            "OpenMetrics must end with # EOF"
        );
    }
    for line in lines {
        assert!(!line.is_empty(), "empty line in the exposition");
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            assert!(matches!(kind, "counter" | "gauge"), "{line}");
            assert!(
                families.insert(name.to_owned(), kind.to_owned()).is_none(),
                "{line} twice"
            );
            continue;
        }
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest.split_once(' ').unwrap();
            assert!(families.contains_key(name) && !help.is_empty(), "{line}");
            helped.push(name.to_owned());
            continue;
        }
        assert!(!line.starts_with('#'), "unexpected comment {line}");
        let (series, value) = line.rsplit_once(' ').unwrap();
        let value: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("bad value: {line}"));
        let name = series.split('{').next().unwrap();
        assert!(
            name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "bad name: {line}"
        );
        if let Some(labels) = series.strip_prefix(name)
            && !labels.is_empty()
        {
            assert!(labels.starts_with('{') && labels.ends_with('}'), "{line}");
            let labels = &labels[1..labels.len() - 1];
            let (key, quoted) = labels.split_once('=').unwrap();
            assert!(key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
            assert!(quoted.starts_with('"') && quoted.ends_with('"'), "{line}");
        }
        let family = if openmetrics {
            name.strip_suffix("_total")
                .filter(|family| families.get(*family).is_some_and(|kind| kind == "counter"))
                .unwrap_or(name)
        } else {
            name
        };
        let kind = families
            .get(family)
            .unwrap_or_else(|| panic!("sample {name} has no # TYPE"));
        assert_eq!(kind == "counter", name.ends_with("_total"), "{line}");
        assert!(
            samples.insert(series.to_owned(), value).is_none(),
            "{series} twice"
        );
    }
    assert_eq!(helped.len(), families.len(), "a family without # HELP");
    samples
}

fn scrape(port: u16) -> Samples {
    let (status, content_type, body) = get(
        port,
        "/metrics",
        Some("application/openmetrics-text; version=1.0.0"),
    );
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    parse(&body, true)
}

fn value(samples: &Samples, series: &str) -> f64 {
    *samples
        .get(series)
        .unwrap_or_else(|| panic!("no {series} in the scrape: {samples:?}"))
}

fn continuous_calls(samples: &Samples) -> f64 {
    samples
        .iter()
        .filter(|(series, _)| series.starts_with("renacer_continuous_syscall_calls_total{"))
        .map(|(_, value)| value)
        .sum()
}

#[test]
fn metrics_follow_real_captures() {
    let port = free_port();
    let address = format!("127.0.0.1:{port}");
    let daemon = Daemon::start_with(&[
        "--metrics",
        &address,
        "--continuous",
        "--continuous-interval",
        "1s",
    ]);
    let before = scrape(port);
    assert_eq!(value(&before, "renacer_active_captures"), 0.0);
    assert_eq!(value(&before, "renacer_continuous_enabled"), 1.0);
    assert_eq!(value(&before, "renacer_syscall_programs_attached"), 0.0);
    assert!(value(&before, "renacer_ring_buffer_bytes") >= 1048576.0);
    for stage in [
        "kernel",
        "subscriber",
        "buffer",
        "otlp_unsent",
        "otlp_metrics_unsent",
    ] {
        assert_eq!(
            value(
                &before,
                &format!("renacer_drops_total{{stage=\"{stage}\"}}")
            ),
            0.0
        );
    }

    // During a capture: one active capture, its client connected, the
    // syscall programs attached.
    let dir = scratch_dir("metrics");
    let trace_path = dir.join("trace.json");
    let capture = ChildGuard(
        daemon
            .ctl()
            .args(["capture", "--format", "json", "-o"])
            .arg(&trace_path)
            .args([
                "--",
                "sh",
                "-c",
                "ls / > /dev/null; cat /etc/hostname > /dev/null; sleep 2",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    let during = loop {
        let samples = scrape(port);
        if value(&samples, "renacer_active_captures") == 1.0 {
            break samples;
        }
        assert!(
            Instant::now() < deadline,
            "no active capture in the metrics: {samples:?}"
        );
        thread::sleep(Duration::from_millis(50));
    };
    assert!(value(&during, "renacer_connected_clients") >= 1.0);
    assert_eq!(value(&during, "renacer_syscall_programs_attached"), 1.0);
    let mut capture = capture;
    let status = capture.0.wait().unwrap();
    assert!(status.success(), "capture failed: {status}");
    let trace =
        renacer_trace::json::TraceFile::parse(&std::fs::read_to_string(&trace_path).unwrap())
            .unwrap();
    assert!(
        trace.syscalls.len() > 20,
        "a tiny trace: {}",
        trace.syscalls.len()
    );

    // After: every traced call was an event the daemon saw; nothing active.
    // Continuous mode's totals grow and include at least the traced calls.
    thread::sleep(Duration::from_millis(1500));
    let after = scrape(port);
    let seen =
        value(&after, "renacer_events_seen_total") - value(&before, "renacer_events_seen_total");
    assert!(
        seen >= trace.syscalls.len() as f64,
        "events_seen grew by {seen}, the trace has {} syscalls",
        trace.syscalls.len()
    );
    assert_eq!(value(&after, "renacer_active_captures"), 0.0);
    assert_eq!(value(&after, "renacer_syscall_programs_attached"), 0.0);
    assert!(value(&after, "renacer_client_connections_total") >= 2.0);
    let grown = continuous_calls(&after) - continuous_calls(&before);
    assert!(
        grown >= trace.syscalls.len() as f64,
        "continuous totals grew by {grown}, less than the {} traced calls",
        trace.syscalls.len()
    );
    let execs = trace.syscalls.iter().filter(|s| s.name == "execve").count() as f64;
    assert!(
        value(
            &after,
            "renacer_continuous_syscall_calls_total{syscall=\"execve\"}"
        ) >= execs
    );
    let later = scrape(port);
    for (series, value) in &after {
        if series.contains("_total") {
            assert!(later[series] >= *value, "{series} went down");
        }
    }

    // The Prometheus text format for scrapers that do not ask for OpenMetrics.
    let (status, content_type, body) = get(port, "/metrics", None);
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let prometheus = parse(&body, false);
    assert!(prometheus.contains_key("renacer_events_seen_total"));
    assert!(!body.contains("# EOF"));
    assert_eq!(get(port, "/", None).0, "HTTP/1.1 404 Not Found");
    daemon.assert_serving();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn metrics_are_off_by_default() {
    let port = free_port();
    let daemon = Daemon::start();
    daemon.assert_serving();
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "something listens on a free port"
    );
    let listening = std::fs::read_to_string("/proc/net/tcp").unwrap();
    let inode_of_daemon: Vec<String> = std::fs::read_dir(format!("/proc/{}/fd", daemon.pid()))
        .unwrap()
        .filter_map(|fd| std::fs::read_link(fd.unwrap().path()).ok())
        .filter_map(|target| {
            target
                .to_str()?
                .strip_prefix("socket:[")?
                .strip_suffix(']')
                .map(str::to_owned)
        })
        .collect();
    // No TCP socket of the daemon is listening (state 0A).
    for line in listening.lines().skip(1) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.get(3) == Some(&"0A") {
            assert!(
                !inode_of_daemon
                    .iter()
                    .any(|inode| Some(&inode.as_str()) == fields.get(9)),
                "the daemon listens on TCP without --metrics: {line}"
            );
        }
    }
}
