//! The Compare and Assert RPCs, and the stopped background traces they can
//! refer to by capture id. The analyses themselves live in renacer-analysis;
//! this module resolves trace sources and maps results and errors to gRPC.
use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
};

use renacer_analysis::{CompareOptions, assertions, compare, compare::CompareReport, load_trace};
use renacer_proto::v1::{self as pb, trace_source::Source};
use renacer_trace::json::{Drops, JsonSyscall, ProcessInfo, TraceFile};
use tonic::Status;

use crate::pipeline::session::Session;

/// Stopped background traces kept for Compare/Assert by capture id.
pub const KEPT_TRACES: usize = 8;
/// Records kept over all those traces (the newest trace is always kept):
/// about 200 bytes each in memory.
pub const KEPT_RECORDS: usize = 2_000_000;

/// Largest request the daemon accepts: a Compare carries two traces as JSON.
pub const MAX_REQUEST_BYTES: usize = 256 << 20;

/// The last [`KEPT_TRACES`] traces returned by StopCapture, oldest first,
/// within [`KEPT_RECORDS`].
#[derive(Debug)]
pub struct TraceStore {
    traces: Mutex<VecDeque<(u32, Arc<TraceFile>)>>,
    max_traces: usize,
    max_records: usize,
}

impl Default for TraceStore {
    fn default() -> Self {
        Self::with_limits(KEPT_TRACES, KEPT_RECORDS)
    }
}

impl TraceStore {
    pub fn with_limits(max_traces: usize, max_records: usize) -> Self {
        Self {
            traces: Mutex::default(),
            max_traces,
            max_records,
        }
    }

    pub fn insert(&self, capture_id: u32, trace: TraceFile) {
        let mut traces = self.traces.lock().unwrap_or_else(|p| p.into_inner());
        traces.retain(|(id, _)| *id != capture_id);
        traces.push_back((capture_id, Arc::new(trace)));
        let mut records: usize = traces.iter().map(|(_, t)| t.syscalls.len()).sum();
        while traces.len() > self.max_traces || (traces.len() > 1 && records > self.max_records) {
            if let Some((_, oldest)) = traces.pop_front() {
                records -= oldest.syscalls.len();
            }
        }
    }

    pub fn get(&self, capture_id: u32) -> Option<Arc<TraceFile>> {
        let traces = self.traces.lock().unwrap_or_else(|p| p.into_inner());
        traces
            .iter()
            .find(|(id, _)| *id == capture_id)
            .map(|(_, trace)| Arc::clone(trace))
    }

    fn kept_ids(&self) -> Vec<u32> {
        let traces = self.traces.lock().unwrap_or_else(|p| p.into_inner());
        traces.iter().map(|(id, _)| *id).collect()
    }
}

/// The renacer-json-v1 trace of a finished background capture, from the
/// records as StopCapture sends them (decoded once, for both).
pub fn trace_file(
    session: &Session,
    syscalls: &[pb::SyscallRecord],
    drops: &pb::Drops,
) -> TraceFile {
    let syscalls = syscalls.iter().map(JsonSyscall::from).collect();
    let mut trace = TraceFile::from_syscalls(
        session.trace_id.clone(),
        ProcessInfo {
            pid: session.pid,
            command: session.command.clone(),
        },
        syscalls,
        Drops {
            kernel: drops.kernel,
            daemon: drops.subscriber + drops.buffer,
        },
    );
    trace.events = crate::api::service::json_events(session);
    trace
}

/// Keeps the trace of a stopped capture and returns its JSON for
/// `Trace.json` (compact: it travels in one message).
pub fn keep_stopped(
    store: &TraceStore,
    session: &Session,
    syscalls: &[pb::SyscallRecord],
    drops: &pb::Drops,
) -> String {
    let trace = trace_file(session, syscalls, drops);
    let json = serde_json::to_string(&trace)
        .expect("TraceFile serializes infallibly: plain data with string map keys");
    store.insert(session.id, trace);
    json
}

fn resolve(
    store: &TraceStore,
    source: Option<pb::TraceSource>,
    role: &str,
) -> Result<Arc<TraceFile>, Status> {
    match source.and_then(|s| s.source) {
        None => Err(Status::invalid_argument(format!(
            "{role} is required: a capture_id of a stopped background capture or a renacer-json-v1 document"
        ))),
        Some(Source::CaptureId(id)) => store.get(id).ok_or_else(|| {
            Status::not_found(format!(
                "{role}: no stopped background capture with id {id} (the daemon keeps the last {KEPT_TRACES}, up to {KEPT_RECORDS} records: {:?}; stop the capture with StopCapture first)",
                store.kept_ids()
            ))
        }),
        Some(Source::Json(json)) => load_trace(&json)
            .map(Arc::new)
            .map_err(|err| Status::invalid_argument(format!("{role}: {err}"))),
    }
}

/// Runs CPU-heavy analysis off the async workers.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Status> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|err| Status::internal(format!("analysis task failed: {err}")))
}

pub async fn compare_rpc(
    store: &TraceStore,
    request: pb::CompareRequest,
) -> Result<pb::CompareResponse, Status> {
    let baseline = resolve(store, request.baseline, "baseline")?;
    let candidate = resolve(store, request.candidate, "candidate")?;
    let options = CompareOptions::with_tolerance_percent(request.tolerance_percent)
        .map_err(Status::invalid_argument)?;
    let report = blocking(move || compare(&baseline, &candidate, &options)).await?;
    Ok(compare_response(&report))
}

pub fn compare_response(report: &CompareReport) -> pb::CompareResponse {
    pb::CompareResponse {
        equivalent: report.passed,
        divergences: report
            .divergences
            .iter()
            .map(|d| pb::Divergence {
                kind: d.id.to_owned(),
                target: d.target.clone(),
                detail: d.to_string(),
                baseline_index: d.a.as_ref().map(|r| r.index as u64),
                candidate_index: d.b.as_ref().map(|r| r.index as u64),
                offset: d.offset,
            })
            .collect(),
        count_deltas: report
            .count_deltas
            .iter()
            .map(|(name, d)| pb::CountDelta {
                name: name.clone(),
                baseline: d.a,
                candidate: d.b,
            })
            .collect(),
        baseline_total: report.totals.a,
        candidate_total: report.totals.b,
        runtime_ratio: if report.runtime.a_nanos > 0 {
            report.runtime.b_nanos as f64 / report.runtime.a_nanos as f64
        } else {
            0.0
        },
        report: report.to_string(),
    }
}

pub async fn assert_rpc(
    store: &TraceStore,
    request: pb::AssertRequest,
) -> Result<pb::AssertResponse, Status> {
    let config = assertions::parse_config(&request.config_toml)
        .map_err(|err| Status::invalid_argument(format!("renacer.toml: {err}")))?;
    let trace = resolve(store, request.trace, "trace")?;
    let response = blocking(move || {
        let outcomes = assertions::evaluate(&config, &trace);
        assert_response(&outcomes, &trace)
    })
    .await?;
    Ok(response)
}

pub fn assert_response(
    outcomes: &[assertions::AssertionOutcome],
    trace: &TraceFile,
) -> pb::AssertResponse {
    use assertions::Severity;
    let results = outcomes
        .iter()
        .map(|o| pb::AssertionResult {
            name: o.name.clone(),
            r#type: o.kind.to_owned(),
            outcome: match o.severity {
                Severity::Pass => "pass",
                Severity::Fail => "fail",
                Severity::Warn => "warn",
                Severity::Skipped => "disabled",
            }
            .to_owned(),
            actual: o.actual.unwrap_or(0.0),
            budget: o.budget,
            detail: o.to_string(),
        })
        .collect();
    pb::AssertResponse {
        passed: assertions::exit_code(outcomes) == 0,
        results,
        report: assertions::report(outcomes, trace),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use renacer_trace::{SyscallRecord, SyscallResult};

    fn trace(records: usize) -> TraceFile {
        let record = SyscallRecord {
            nr: 39,
            args: [0; 6],
            result: SyscallResult::Returned(1),
            timestamp_nanos: 1,
            duration_nanos: 1,
            pid: 1,
            tid: 1,
            cpu: 0,
            lamport: 1,
        };
        TraceFile::from_records(
            String::new(),
            ProcessInfo::default(),
            &vec![record; records],
            Drops::default(),
        )
    }

    #[test]
    fn store_keeps_the_newest_within_its_bounds() {
        let store = TraceStore::with_limits(8, 100);
        for id in 1..=10 {
            store.insert(id, trace(1));
        }
        assert_eq!(store.kept_ids(), (3..=10).collect::<Vec<_>>());
        assert!(store.get(2).is_none() && store.get(10).is_some());
        // Records: the newest evicts as many old traces as it needs to.
        store.insert(11, trace(100 - 3));
        assert_eq!(store.kept_ids(), [8, 9, 10, 11]);
        store.insert(12, trace(100 + 1));
        assert_eq!(
            store.kept_ids(),
            [12],
            "the newest stays even when over the budget"
        );
        // Stopping the same id again replaces its trace.
        store.insert(12, trace(2));
        assert_eq!(store.get(12).map(|t| t.syscalls.len()), Some(2));
    }
}
