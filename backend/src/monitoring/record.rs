//! What the owners of events call, one line each: the worker's run-end, the LLM log, the
//! SSE answers. Series names live here only; what is read at scrape time is in `scrape.rs`.
use futures::{Stream, StreamExt};
use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram, Unit};

use crate::entities::{execution, llm_interaction};

pub(super) const RUNS_FINISHED: &str = "ved_runs_finished_total";
pub(super) const RUN_DURATION: &str = "ved_run_duration_seconds";
pub(super) const SSE_STREAMS: &str = "ved_sse_streams_active";
pub(super) const LLM_CALLS: &str = "ved_llm_calls_total";
pub(super) const LLM_COST: &str = "ved_llm_cost_microdollars_total";
pub(super) const QUEUE_DEPTH: &str = "ved_queue_depth";
pub(super) const EXECUTIONS: &str = "ved_executions";
pub(super) const WARM_POOL: &str = "ved_warm_pool_containers";

/// The `# HELP` lines.
pub(super) fn describe() {
    describe_counter!(
        RUNS_FINISHED,
        "Runs this process saw end (its worker's, or lost ones its sweep ended), by final status"
    );
    describe_histogram!(
        RUN_DURATION,
        Unit::Seconds,
        "Wall time of the runs counted in ved_runs_finished_total, by final status"
    );
    describe_gauge!(SSE_STREAMS, "Server-Sent Event answers open in this process, by kind");
    describe_counter!(LLM_CALLS, "LLM calls logged by this process, by outcome (ok, rejected, error)");
    describe_counter!(
        LLM_COST,
        "What this process's LLM calls cost, in millionths of a US dollar (calls of unknown cost count 0)"
    );
    describe_gauge!(
        QUEUE_DEPTH,
        "Jobs queued in the database and not yet claimed by any worker (all processes)"
    );
    describe_gauge!(EXECUTIONS, "Executions in the database by status (all processes)");
    describe_gauge!(WARM_POOL, "Idle warm containers this process's worker holds");
}

/// A run has ended: called once per run, by whoever ended it (see `announce_end`).
pub fn run_ended(row: &execution::Model) {
    let status = row.status.as_str();
    counter!(RUNS_FINISHED, "status" => status).increment(1);
    let measured = row.duration_ms.or_else(|| {
        let (started, finished) = (row.started_at?, row.finished_at?);
        Some((finished - started).num_milliseconds())
    });
    if let Some(millis) = measured {
        histogram!(RUN_DURATION, "status" => status).record(millis.max(0) as f64 / 1000.0);
    }
}

/// An LLM call was logged (its `llm_interactions` row).
pub fn llm_called(row: &llm_interaction::Model) {
    counter!(LLM_CALLS, "outcome" => row.status.clone()).increment(1);
    let cost = row.cost_micros.unwrap_or(0).max(0);
    counter!(LLM_COST).increment(cost as u64);
}

/// The stream, counted in `ved_sse_streams_active{kind}` from now until it is dropped
/// (the client went away, or the stream ended and the answer was sent).
pub fn counted_stream<S: Stream>(kind: &'static str, stream: S) -> impl Stream<Item = S::Item> {
    let open = OpenStream::new(kind);
    stream.map(move |item| {
        let _still_open = &open;
        item
    })
}

struct OpenStream(&'static str);

impl OpenStream {
    fn new(kind: &'static str) -> Self {
        gauge!(SSE_STREAMS, "kind" => kind).increment(1.0);
        Self(kind)
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        gauge!(SSE_STREAMS, "kind" => self.0).decrement(1.0);
    }
}
