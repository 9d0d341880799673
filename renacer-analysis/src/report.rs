//! `renacerctl report`: one self-contained HTML file (no network) with the
//! trace's summary table, its processes (calls, signals, cgroup, how each
//! ended), the anti-pattern findings, GPU ioctls (when there
//! are any), the critical path, a
//! timeline per process in wall time and in Lamport time with the critical
//! path highlighted, and flamegraphs (by source stack when the trace has
//! sources, and of the critical path).
//!
//! The page marks `<body data-ready="yes">` once its script ran, and
//! collects script errors in `data-errors`, so a headless browser can tell
//! that it loaded cleanly.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;

use base64::Engine as _;
use renacer_trace::json::{JsonEventKind, JsonResult, JsonSyscall, TraceFile};
use renacer_trace::summary::Summary;

use crate::antipatterns::{god_process, tight_loop};
use crate::causality::CriticalPath;
use crate::flame::{self, FlameKind};
use crate::gpu::{GpuUsage, gpu_usage};
use crate::util::{end_nanos, format_nanos, lost_events, wall_span_nanos};

/// Width of the timelines in SVG user units: calls closer than a unit share one.
const TIMELINE_WIDTH: u64 = 1000;
const ROW_HEIGHT: u64 = 16;
const LABEL_WIDTH: u64 = 90;
/// Processes drawn in the timelines (the busiest, by calls).
const MAX_TIMELINE_ROWS: usize = 200;
/// Critical-path steps listed (the heaviest, in path order).
const MAX_PATH_ROWS: usize = 50;

/// The whole report page.
pub fn render_html(trace: &TraceFile) -> String {
    let path = crate::critical_path(trace);
    let gpu = gpu_usage(trace);
    let mut page = String::with_capacity(64 << 10);
    let title = if trace.process.command.is_empty() {
        format!("pid {}", trace.process.pid)
    } else {
        trace.process.command.join(" ")
    };
    let _ = write!(
        page,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>renacer report: {}</title><style>{STYLE}</style></head>\n\
         <body data-ready=\"no\" data-errors=\"\">\n<script>{ERROR_HOOK}</script>\n\
         <h1>renacer report: <code>{}</code></h1>\n",
        escape(&title),
        escape(&title)
    );
    overview(&mut page, trace, &path);
    summary_table(&mut page, trace);
    processes(&mut page, trace);
    findings(&mut page, trace, &gpu);
    gpu_section(&mut page, &gpu);
    critical_path_section(&mut page, &path);
    timelines(&mut page, trace, &path);
    flamegraphs(&mut page, trace, &path);
    let _ = write!(page, "<script>{SCRIPT}</script>\n</body></html>\n");
    page
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn overview(page: &mut String, trace: &TraceFile, path: &CriticalPath) {
    let processes: HashSet<u32> = trace.syscalls.iter().map(|c| c.pid).collect();
    let syscall_time = trace
        .syscalls
        .iter()
        .map(|c| c.duration_nanos)
        .fold(0, u64::saturating_add);
    page.push_str("<section id=\"overview\"><h2>Overview</h2><dl>");
    let mut item = |name: &str, id: &str, value: String| {
        let _ = write!(
            page,
            "<dt>{name}</dt><dd id=\"{id}\">{}</dd>",
            escape(&value)
        );
    };
    item("trace id", "trace-id", trace.trace_id.clone());
    item("pid", "root-pid", trace.process.pid.to_string());
    item("syscalls", "total-calls", trace.syscalls.len().to_string());
    item("processes", "total-processes", processes.len().to_string());
    item(
        "wall time",
        "wall-time",
        wall_span_nanos(trace).map_or_else(|| "unknown".to_owned(), format_nanos),
    );
    item(
        "time in syscalls",
        "syscall-time",
        format_nanos(syscall_time),
    );
    item(
        "critical path",
        "critical-path-total",
        format!(
            "{} over {} calls",
            format_nanos(path.total_nanos),
            path.steps.len()
        ),
    );
    page.push_str("</dl>");
    for warning in lost_events(trace).into_iter().chain(
        trace
            .incomplete
            .iter()
            .map(|why| format!("incomplete trace: {why}")),
    ) {
        let _ = write!(page, "<p class=\"warning\">{}</p>", escape(&warning));
    }
    page.push_str("</section>\n");
}

/// What a process did and how it ended, from its calls and the kernel's
/// process and signal events.
#[derive(Default)]
struct ProcessRow {
    calls: u64,
    syscall_nanos: u64,
    signals: u64,
    /// strace's `+++` line for the thread group's end.
    ending: Option<String>,
    cgroup: Option<String>,
    container: Option<String>,
}

fn processes(page: &mut String, trace: &TraceFile) {
    let mut rows: BTreeMap<u32, ProcessRow> = BTreeMap::new();
    for call in &trace.syscalls {
        let row = rows.entry(call.pid).or_default();
        row.calls += 1;
        row.syscall_nanos = row.syscall_nanos.saturating_add(call.duration_nanos);
    }
    for event in &trace.events {
        let row = rows.entry(event.pid).or_default();
        match event.kind {
            JsonEventKind::Exit if event.group_dead => row.ending.clone_from(&event.text),
            JsonEventKind::Signal => row.signals += 1,
            _ => {}
        }
        if event.cgroup.is_some() {
            row.cgroup.clone_from(&event.cgroup);
        }
        if event.container_id.is_some() {
            row.container.clone_from(&event.container_id);
        }
    }
    page.push_str(
        "<section id=\"processes\"><h2>Processes</h2>\
         <table id=\"process-table\" class=\"sortable\"><thead><tr>\
         <th data-type=\"number\">pid</th><th data-type=\"number\">calls</th>\
         <th data-type=\"number\">time in syscalls (ns)</th><th data-type=\"number\">signals</th>\
         <th>cgroup</th><th>container</th><th>end</th></tr></thead><tbody>",
    );
    for (pid, row) in &rows {
        let _ = write!(
            page,
            "<tr data-pid=\"{pid}\"><td>{pid}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"ending\">{}</td></tr>",
            row.calls,
            row.syscall_nanos,
            row.signals,
            escape(row.cgroup.as_deref().unwrap_or("")),
            escape(row.container.as_deref().unwrap_or("")),
            escape(row.ending.as_deref().unwrap_or(if trace.events.is_empty() {
                "(no process events in this trace)"
            } else {
                "(still running when the capture ended)"
            }))
        );
    }
    page.push_str("</tbody></table></section>\n");
}

/// strace `-c`'s totals of the trace's calls (calls that returned).
fn summary_of(trace: &TraceFile) -> Summary {
    let mut rows: BTreeMap<&str, renacer_trace::summary::SummaryRow> = BTreeMap::new();
    for call in &trace.syscalls {
        let JsonResult::Returned(result) = call.result else {
            continue;
        };
        let row = rows
            .entry(&call.name)
            .or_insert_with(|| renacer_trace::summary::SummaryRow {
                name: call.name.clone(),
                calls: 0,
                errors: 0,
                total_nanos: 0,
            });
        row.calls += 1;
        row.errors += u64::from((-4095..0).contains(&result));
        row.total_nanos = row.total_nanos.saturating_add(call.duration_nanos);
    }
    Summary::from_rows(rows.into_values().collect())
}

fn summary_table(page: &mut String, trace: &TraceFile) {
    let summary = summary_of(trace);
    let total = summary.total_nanos();
    page.push_str(
        "<section id=\"summary\"><h2>Summary</h2>\
         <table id=\"summary-table\" class=\"sortable\"><thead><tr>\
         <th data-type=\"number\">% time</th><th data-type=\"number\">seconds</th>\
         <th data-type=\"number\">usecs/call</th><th data-type=\"number\">calls</th>\
         <th data-type=\"number\">errors</th><th>syscall</th></tr></thead><tbody>",
    );
    for row in summary.rows() {
        let share = if total == 0 {
            0.0
        } else {
            row.total_nanos as f64 * 100.0 / total as f64
        };
        let _ = write!(
            page,
            "<tr data-syscall=\"{name}\"><td>{share:.2}</td><td>{:.6}</td><td>{}</td>\
             <td class=\"calls\">{}</td><td>{}</td><td>{name}</td></tr>",
            row.total_nanos as f64 / 1e9,
            row.total_nanos.checked_div(row.calls).unwrap_or(0) / 1_000,
            row.calls,
            row.errors,
            name = escape(&row.name),
        );
    }
    let _ = writeln!(
        page,
        "</tbody><tfoot><tr><td>100.00</td><td>{:.6}</td><td>{}</td><td id=\"summary-calls\">{}</td>\
         <td>{}</td><td>total</td></tr></tfoot></table></section>",
        total as f64 / 1e9,
        total.checked_div(summary.total_calls()).unwrap_or(0) / 1_000,
        summary.total_calls(),
        summary.total_errors()
    );
}

fn findings(page: &mut String, trace: &TraceFile, gpu: &GpuUsage) {
    page.push_str("<section id=\"findings\"><h2>Findings</h2><ul>");
    let mut finding = |id: &str, text: String| {
        let _ = write!(page, "<li id=\"{id}\">{}</li>", escape(&text));
    };
    finding(
        "tight-loop",
        match tight_loop(trace) {
            Some(found) => format!(
                "Tight loop: tid {} made {} {} calls in a row without progress ({:.0}% of its calls)",
                found.tid,
                found.length,
                found.name,
                found.share * 100.0
            ),
            None => "Tight loop: none".to_owned(),
        },
    );
    finding(
        "god-process",
        match god_process(trace) {
            Some(found) => format!(
                "Dominant process: pid {} holds {:.0}% of the calls and {:.0}% of the syscall time",
                found.pid,
                found.syscall_share * 100.0,
                found.time_share * 100.0
            ),
            None => "Dominant process: not applicable (one process)".to_owned(),
        },
    );
    finding(
        "pcie",
        format!(
            "GPU driver round trips (/dev/nvidia*, /dev/dri/*, /dev/kfd): {:.1}% of the syscall time",
            gpu.share() * 100.0
        ),
    );
    page.push_str("</ul></section>\n");
}

/// ioctls per GPU device and request; nothing when the trace has none.
fn gpu_section(page: &mut String, gpu: &GpuUsage) {
    if gpu.ioctls.is_empty() {
        return;
    }
    page.push_str(
        "<section id=\"gpu\"><h2>GPU ioctls</h2>\
         <table id=\"gpu-table\" class=\"sortable\"><thead><tr>\
         <th data-type=\"number\">calls</th><th data-type=\"number\">errors</th>\
         <th data-type=\"number\">time (ns)</th><th>direction</th><th>type</th><th>nr</th>\
         <th data-type=\"number\">size</th><th>device</th><th>command</th></tr></thead><tbody>",
    );
    for row in &gpu.ioctls {
        let fields = row.request.map_or_else(
            || "<td>?</td><td>?</td><td>?</td><td>?</td>".to_owned(),
            |r| {
                format!(
                    "<td>{}</td><td>{:#04x}</td><td>{:#04x}</td><td>{}</td>",
                    r.direction(),
                    r.kind(),
                    r.number(),
                    r.size()
                )
            },
        );
        let _ = write!(
            page,
            "<tr><td class=\"calls\">{}</td><td>{}</td><td>{}</td>{fields}<td>{}</td><td>{}</td></tr>",
            row.calls,
            row.errors,
            row.total_nanos,
            escape(&row.device),
            escape(&row.command)
        );
    }
    page.push_str("</tbody></table></section>\n");
}

fn critical_path_section(page: &mut String, path: &CriticalPath) {
    page.push_str("<section id=\"critical-path\"><h2>Critical path</h2>");
    if path.steps.is_empty() {
        page.push_str("<p>The trace has no calls.</p></section>\n");
        return;
    }
    // The heaviest steps, shown in path order.
    let mut heaviest: Vec<usize> = (0..path.steps.len()).collect();
    heaviest.sort_by_key(|&i| std::cmp::Reverse(path.steps[i].weight_nanos));
    heaviest.truncate(MAX_PATH_ROWS);
    heaviest.sort_unstable();
    let _ = write!(
        page,
        "<p>{} over {} calls{}.</p><table id=\"critical-path-table\" class=\"sortable\"><thead><tr>\
         <th data-type=\"number\">step</th><th data-type=\"number\">pid</th>\
         <th data-type=\"number\">tid</th><th>syscall</th><th data-type=\"number\">lamport</th>\
         <th data-type=\"number\">duration (ns)</th><th data-type=\"number\">adds (ns)</th>\
         </tr></thead><tbody>",
        format_nanos(path.total_nanos),
        path.steps.len(),
        if heaviest.len() < path.steps.len() {
            format!(", the {} heaviest shown", heaviest.len())
        } else {
            String::new()
        }
    );
    for i in heaviest {
        let step = &path.steps[i];
        let _ = write!(
            page,
            "<tr><td>{i}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            step.pid,
            step.tid,
            escape(&step.name),
            step.lamport,
            step.duration_nanos,
            step.weight_nanos
        );
    }
    page.push_str("</tbody></table></section>\n");
}

/// One timeline row: which units are busy, and which hold a critical call.
struct Row {
    pid: u32,
    calls: u64,
    busy: Vec<bool>,
    critical: Vec<bool>,
}

/// Draws each process's calls on a common axis; `position` gives a call's
/// start and end on it, or `None` to leave the call out.
fn timeline_svg(
    id: &str,
    trace: &TraceFile,
    on_path: &HashSet<usize>,
    axis: Axis,
    position: impl Fn(&JsonSyscall) -> Option<(u64, u64)>,
) -> String {
    let spans: Vec<Option<(u64, u64)>> = trace.syscalls.iter().map(&position).collect();
    let start = spans.iter().flatten().map(|s| s.0).min().unwrap_or(0);
    let end = spans.iter().flatten().map(|s| s.1).max().unwrap_or(0);
    let length = end.saturating_sub(start).max(1);
    let unit = |at: u64| -> usize {
        let scaled = u128::from(at.saturating_sub(start)) * u128::from(TIMELINE_WIDTH - 1)
            / u128::from(length);
        scaled as usize
    };
    let mut rows: BTreeMap<u32, Row> = BTreeMap::new();
    for (i, (call, span)) in trace.syscalls.iter().zip(&spans).enumerate() {
        let Some((from, to)) = span else { continue };
        let row = rows.entry(call.pid).or_insert_with(|| Row {
            pid: call.pid,
            calls: 0,
            busy: vec![false; TIMELINE_WIDTH as usize],
            critical: vec![false; TIMELINE_WIDTH as usize],
        });
        row.calls += 1;
        let (a, b) = (unit(*from), unit(*to).max(unit(*from)));
        let marks = if on_path.contains(&i) {
            &mut row.critical
        } else {
            &mut row.busy
        };
        marks[a..=b].fill(true);
    }
    let mut rows: Vec<Row> = rows.into_values().collect();
    let hidden = rows.len().saturating_sub(MAX_TIMELINE_ROWS);
    if hidden > 0 {
        rows.sort_by_key(|r| std::cmp::Reverse(r.calls));
        rows.truncate(MAX_TIMELINE_ROWS);
        rows.sort_by_key(|r| r.pid);
    }
    let height = ROW_HEIGHT * (rows.len() as u64 + 1);
    let mut svg = format!(
        "<svg id=\"{id}\" class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" \
         viewBox=\"0 0 {} {height}\" role=\"img\" aria-label=\"{}\">",
        LABEL_WIDTH + TIMELINE_WIDTH,
        axis.name()
    );
    for (n, row) in rows.iter().enumerate() {
        let y = ROW_HEIGHT * n as u64;
        let _ = write!(
            svg,
            "<g class=\"process\" data-pid=\"{pid}\"><text x=\"0\" y=\"{}\">pid {pid}</text>",
            y + ROW_HEIGHT - 4,
            pid = row.pid
        );
        for (class, marks) in [("busy", &row.busy), ("critical", &row.critical)] {
            for (from, to) in runs(marks) {
                let _ = write!(
                    svg,
                    "<rect class=\"{class}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title>pid {}</title></rect>",
                    LABEL_WIDTH + from as u64,
                    y + 2,
                    to - from + 1,
                    ROW_HEIGHT - 4,
                    row.pid
                );
            }
        }
        svg.push_str("</g>");
    }
    let _ = write!(
        svg,
        "<text x=\"{LABEL_WIDTH}\" y=\"{}\">{}: {}{}</text></svg>",
        height - 3,
        axis.name(),
        axis.range(start, end),
        if hidden > 0 {
            format!(" ({hidden} quieter processes not drawn)")
        } else {
            String::new()
        }
    );
    svg
}

/// What a timeline's horizontal axis measures.
#[derive(Debug, Clone, Copy)]
enum Axis {
    Wall,
    Lamport,
}

impl Axis {
    fn name(self) -> &'static str {
        match self {
            Self::Wall => "wall time",
            Self::Lamport => "Lamport clock",
        }
    }

    fn range(self, start: u64, end: u64) -> String {
        match self {
            Self::Wall => format!("0 … {}", format_nanos(end.saturating_sub(start))),
            Self::Lamport => format!("{start} … {end}"),
        }
    }
}

/// Runs of `true` as inclusive index ranges.
fn runs(marks: &[bool]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut open = None;
    for (i, &mark) in marks.iter().enumerate() {
        match (mark, open) {
            (true, None) => open = Some(i),
            (false, Some(from)) => {
                out.push((from, i - 1));
                open = None;
            }
            _ => {}
        }
    }
    if let Some(from) = open {
        out.push((from, marks.len() - 1));
    }
    out
}

fn timelines(page: &mut String, trace: &TraceFile, path: &CriticalPath) {
    let on_path: HashSet<usize> = path.steps.iter().map(|s| s.index).collect();
    page.push_str(
        "<section id=\"timeline\"><h2>Timeline</h2>\
         <p>One row per process; the critical path is <span class=\"critical-key\">highlighted</span>. \
         <button type=\"button\" data-show=\"timeline-wall\">wall time</button> \
         <button type=\"button\" data-show=\"timeline-lamport\">Lamport time</button></p>",
    );
    page.push_str(&timeline_svg(
        "timeline-wall",
        trace,
        &on_path,
        Axis::Wall,
        |call| (call.timestamp_nanos > 0).then(|| (call.timestamp_nanos, end_nanos(call))),
    ));
    page.push_str(&timeline_svg(
        "timeline-lamport",
        trace,
        &on_path,
        Axis::Lamport,
        |call| Some((call.lamport, call.lamport)),
    ));
    page.push_str("</section>\n");
}

fn flamegraphs(page: &mut String, trace: &TraceFile, path: &CriticalPath) {
    page.push_str("<section id=\"flamegraphs\"><h2>Flamegraphs</h2>");
    let has_sources = trace.syscalls.iter().any(|c| c.source.is_some());
    if !has_sources {
        page.push_str(
            "<p>This trace has no source stacks: capture with <code>--source</code> \
             (or <code>-k</code>) for a flamegraph by source line.</p>",
        );
    }
    let graphs = [
        (FlameKind::Stacks, flame::stacks_folded(trace)),
        (FlameKind::CriticalPath, flame::critical_path_folded(path)),
    ];
    for (kind, lines) in graphs {
        let id = match kind {
            FlameKind::Stacks => "flame-stacks",
            FlameKind::CriticalPath => "flame-critical-path",
        };
        match flame::render_svg(&lines, kind) {
            // An iframe keeps inferno's own script (search, zoom) in its document.
            Ok(svg) => {
                let _ = write!(
                    page,
                    "<h3>{}</h3><iframe id=\"{id}\" class=\"flamegraph\" title=\"{}\" \
                     style=\"height:{}px\" src=\"data:image/svg+xml;base64,{}\"></iframe>",
                    kind.title(),
                    kind.title(),
                    svg_height(&svg).unwrap_or(420) + 4,
                    base64::engine::general_purpose::STANDARD.encode(svg)
                );
            }
            Err(e) => {
                let _ = write!(
                    page,
                    "<h3>{}</h3><p>{}</p>",
                    kind.title(),
                    escape(&e.to_string())
                );
            }
        }
    }
    page.push_str("</section>\n");
}

/// The height inferno gave its drawing (it grows with the stack depth).
fn svg_height(svg: &str) -> Option<u32> {
    let root = &svg[svg.find("<svg")?..];
    let value = root.split_once(" height=\"")?.1.split_once('"')?.0;
    value.parse().ok()
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}\
code{font-family:ui-monospace,monospace}dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}\
dt{font-weight:600}table{border-collapse:collapse;margin:.5em 0}th,td{padding:.15em .6em;text-align:right}\
td:last-child,th:last-child{text-align:left}thead th{border-bottom:1px solid #888;cursor:pointer}\
tfoot td{border-top:1px solid #888;font-weight:600}tbody tr:nth-child(odd){background:#f4f4f4}\
.warning{color:#a00;font-weight:600}svg.timeline{width:100%;max-width:1200px;font-size:10px}\
svg.timeline .busy{fill:#4a7ebb}svg.timeline .critical,.critical-key{fill:#d62728;color:#d62728}\
.flamegraph{width:100%;max-width:1200px;border:1px solid #ccc}.hidden{display:none}";

/// Records script errors on the page itself, for headless checks.
const ERROR_HOOK: &str = "window.addEventListener('error',function(e){\
document.body.dataset.errors+=(e.message||'error')+'\\n';});";

/// Sortable tables and the wall/Lamport switch; marks the page ready.
const SCRIPT: &str = "(function(){\
document.querySelectorAll('table.sortable').forEach(function(table){\
table.querySelectorAll('thead th').forEach(function(th,col){\
th.addEventListener('click',function(){\
var body=table.tBodies[0];var rows=Array.prototype.slice.call(body.rows);\
var numeric=th.dataset.type==='number';var dir=th.dataset.dir==='desc'?1:-1;th.dataset.dir=dir>0?'asc':'desc';\
rows.sort(function(a,b){var x=a.cells[col].textContent,y=b.cells[col].textContent;\
return dir*(numeric?(parseFloat(x)-parseFloat(y)):x.localeCompare(y));});\
rows.forEach(function(r){body.appendChild(r);});});});});\
function show(id){document.querySelectorAll('svg.timeline').forEach(function(svg){\
svg.classList.toggle('hidden',svg.id!==id);});}\
document.querySelectorAll('button[data-show]').forEach(function(b){\
b.addEventListener('click',function(){show(b.dataset.show);});});\
show('timeline-wall');document.body.dataset.ready='yes';})();";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{TraceBuilder, q};

    fn two_processes() -> TraceFile {
        let mut b = TraceBuilder::new(10).command(&["sh", "-c", "echo <hi> & wait"]);
        b.dur = 2_000;
        b.call(10, "clone", &["0"], 11)
            .call(11, "write", &["1", &q("<hi>\n"), "5"], 5)
            .call(11, "write", &["1", &q("<hi>\n"), "5"], 5)
            .call(10, "openat", &["AT_FDCWD", &q("/nope"), "O_RDONLY"], -2)
            .call(10, "wait4", &["-1", "NULL", "0", "NULL"], 11);
        b.build()
    }

    #[test]
    fn the_page_holds_the_summary_and_escapes_text() {
        let page = render_html(&two_processes());
        assert!(page.contains("<title>renacer report: sh -c echo &lt;hi&gt; &amp; wait</title>"));
        assert!(page.contains("<dd id=\"total-calls\">5</dd>"), "{page}");
        assert!(page.contains("<dd id=\"total-processes\">2</dd>"));
        assert!(page.contains("<td id=\"summary-calls\">5</td>"));
        let write_row = page
            .split("<tr data-syscall=\"write\">")
            .nth(1)
            .and_then(|rest| rest.split("</tr>").next())
            .expect("a write row");
        assert_eq!(
            write_row,
            "<td>40.00</td><td>0.000004</td><td>2</td><td class=\"calls\">2</td><td>0</td><td>write</td>"
        );
        let openat_row = page
            .split("<tr data-syscall=\"openat\">")
            .nth(1)
            .and_then(|rest| rest.split("</tr>").next())
            .expect("an openat row");
        assert!(openat_row.ends_with("<td class=\"calls\">1</td><td>1</td><td>openat</td>"));
        assert!(!page.contains("<hi>"), "unescaped command text");
    }

    #[test]
    fn timelines_draw_a_row_per_process_and_the_critical_path() {
        let page = render_html(&two_processes());
        for id in ["timeline-wall", "timeline-lamport"] {
            let svg = page
                .split(&format!("<svg id=\"{id}\""))
                .nth(1)
                .and_then(|rest| rest.split("</svg>").next())
                .expect("the timeline");
            assert_eq!(svg.matches("class=\"process\"").count(), 2, "{svg}");
            assert!(svg.contains("class=\"critical\""), "{svg}");
        }
    }

    #[test]
    fn flamegraphs_are_embedded_and_a_missing_source_is_explained() {
        let page = render_html(&two_processes());
        assert!(page.contains("id=\"flame-stacks\""));
        assert!(page.contains("id=\"flame-critical-path\""));
        assert!(page.contains("capture with <code>--source</code>"));
        // Self-contained: nothing is fetched.
        for external in ["src=\"http", "href=\"http", "url(http", "@import"] {
            assert!(!page.contains(external), "{external}");
        }
    }

    #[test]
    fn processes_end_as_the_kernel_said() {
        use renacer_trace::json::{JsonEvent, JsonEventKind};
        let mut trace = two_processes();
        let page = render_html(&trace);
        assert!(page.contains("(no process events in this trace)"));
        let mut exit = JsonEvent::new(JsonEventKind::Exit, 11, 11, 0, 9);
        exit.group_dead = true;
        exit.text = Some("+++ killed by SIGKILL +++".to_owned());
        exit.cgroup = Some("/system.slice/job.scope".to_owned());
        trace.events.push(exit);
        let page = render_html(&trace);
        let row = page
            .split("<tr data-pid=\"11\">")
            .nth(1)
            .and_then(|rest| rest.split("</tr>").next())
            .expect("a row for pid 11");
        assert_eq!(
            row,
            "<td>11</td><td>2</td><td>4000</td><td>0</td><td>/system.slice/job.scope</td><td></td>\
             <td class=\"ending\">+++ killed by SIGKILL +++</td>"
        );
        assert!(page.contains("(still running when the capture ended)"));
    }

    #[test]
    fn runs_of_marks() {
        assert_eq!(
            runs(&[true, true, false, true, false, false, true]),
            [(0, 1), (3, 3), (6, 6)]
        );
        assert!(runs(&[false; 4]).is_empty());
    }
}
