//! The process's one metrics recorder: the `metrics` facade's macros, called where things
//! happen, land in it, and the Prometheus exporter renders it for `GET /metrics`. The
//! exporter's own HTTP listener is not used: axum serves the page, behind the metrics token.
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use super::record::{self, RUN_DURATION};

/// Seconds; from a trivial pooled run (~0.1 s) to the default 30 s timeout and beyond.
const RUN_DURATION_BUCKETS: [f64; 11] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0];
/// Histograms keep their raw samples until upkeep folds them into the buckets.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// Renders this process's figures; cheap to clone.
#[derive(Clone)]
pub struct Exporter(PrometheusHandle);

impl Exporter {
    /// Installs the recorder for the whole process (once: a second call fails), every
    /// series labelled `process` with this process's worker name, so that the figures of
    /// several processes stay apart in one Prometheus.
    pub fn install(process: &str) -> anyhow::Result<Self> {
        let handle = PrometheusBuilder::new()
            .add_global_label("process", process)
            .set_buckets_for_metric(Matcher::Full(RUN_DURATION.to_owned()), &RUN_DURATION_BUCKETS)?
            .install_recorder()?;
        record::describe();
        let upkeep = handle.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(UPKEEP_EVERY);
            loop {
                every.tick().await;
                upkeep.run_upkeep();
            }
        });
        Ok(Self(handle))
    }

    /// The Prometheus text exposition (format 0.0.4) of everything recorded so far.
    pub fn render(&self) -> String {
        self.0.render()
    }
}
