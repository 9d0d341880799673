//! The Compare and Assert RPCs, and the stopped background traces they can
//! refer to by capture id. The analyses themselves live in renacer-analysis;
//! this module resolves trace sources and maps results and errors to gRPC.
use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
};

use renacer_analysis::{
    CompareOptions, assertions, compare,
    compare::CompareReport,
    load_trace,
};
use renacer_proto::v1::{self as pb, trace_source::Source};
use renacer_trace::json::{Drops, ProcessInfo, TraceFile};
use tonic::Status;

use crate::session::{Session, Sink};

/// Stopped background traces kept for Compare/Assert by capture id.
pub const KEPT_TRACES: usize = 8;

/// Largest request the daemon accepts: a Compare carries two traces as JSON.
pub const MAX_REQUEST_BYTES: usize = 256 << 20;

/// The last [`KEPT_TRACES`] traces returned by StopCapture, oldest first.
#[derive(Debug, Default)]
pub struct TraceStore {
    traces: Mutex<VecDeque<(u32, Arc<TraceFile>)>>,
}

impl TraceStore {
    pub fn insert(&self, capture_id: u32, trace: TraceFile) {
        let mut traces = self.traces.lock().unwrap_or_else(|p| p.into_inner());
        traces.retain(|(id, _)| *id != capture_id);
        if traces.len() == KEPT_TRACES {
            traces.pop_front();
        }
        traces.push_back((capture_id, Arc::new(trace)));
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

/// The renacer-json-v1 trace of a finished background capture.
pub fn trace_file(session: &Session, drops: &pb::Drops) -> TraceFile {
    let records = match &session.sink {
        Sink::Buffer { records, .. } => records.as_slice(),
        Sink::Stream { .. } => &[],
    };
    TraceFile::from_records(
        session.trace_id.clone(),
        ProcessInfo {
            pid: session.pid,
            command: session.command.clone(),
        },
        records,
        Drops {
            kernel: drops.kernel,
            daemon: drops.subscriber + drops.buffer,
        },
    )
}

/// Keeps the trace of a stopped capture and returns its JSON for `Trace.json`.
pub fn keep_stopped(store: &TraceStore, session: &Session, drops: &pb::Drops) -> String {
    let trace = trace_file(session, drops);
    let json = trace.to_json_pretty();
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
                "{role}: no stopped background capture with id {id} (the daemon keeps the last {KEPT_TRACES}: {:?}; stop the capture with StopCapture first)",
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
