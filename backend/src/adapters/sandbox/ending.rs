//! How a run's answer is made from its container's end: at once when the container
//! exited, or from the loader's report with the engine's own account following later
//! (a [`LateVerdict`]). Shared by cold runs (`mod.rs`) and pooled ones (`pool.rs`).

use std::time::Duration;

use chrono::Utc;
use tokio::sync::oneshot;

use super::capture::Capture;
use super::container::{self, ContainerGuard, Ending, RunClock};
use super::{Artifact, Correction, RunOutcome, RunStatus};

/// What [`DockerRunner::run`] answers.
#[derive(Debug)]
pub(super) struct Finished {
    pub(super) outcome: RunOutcome,
    pub(super) verdict: LateVerdict,
}

impl Finished {
    /// A run whose container is already gone: the outcome is the engine's last word.
    pub(super) fn settled(outcome: RunOutcome) -> Self {
        Self { outcome, verdict: LateVerdict(None) }
    }
}

/// The engine's account of a run that was answered before its container was gone.
#[derive(Debug)]
pub(super) struct LateVerdict(Option<oneshot::Receiver<Correction>>);

impl LateVerdict {
    /// Whether the engine's account is still to come.
    pub(super) fn is_pending(&self) -> bool {
        self.0.is_some()
    }

    /// Resolves once the run's container has been removed: `Some` when the engine saw the
    /// end differently from the answer (the OOM killer struck, or the script outlived
    /// what it reported and was killed at the deadline).
    pub(super) async fn correction(self) -> Option<Correction> {
        self.0?.await.ok()
    }
}

/// Exit code 137 alone means "killed", not why: OOM is believed only when the engine
/// saw it, and a timeout only when our own timer fired.
pub(super) fn status_of_exit(timed_out: bool, oom_killed: bool, exit_code: Option<i64>) -> RunStatus {
    match exit_code {
        _ if timed_out => RunStatus::TimedOut,
        Some(0) => RunStatus::Succeeded,
        _ if oom_killed => RunStatus::OomKilled,
        Some(_) => RunStatus::Failed,
        None => RunStatus::Error,
    }
}

/// The answer, once the script's end is known. When only the loader has reported it, the
/// container winds down in the background, where the engine gets the last word.
pub(super) async fn conclude(
    container: ContainerGuard,
    clock: RunClock,
    ending: Result<Ending, bollard::errors::Error>,
    capture: Capture,
    artifacts: Vec<Artifact>,
) -> Finished {
    let [(stdout, stdout_truncated), (stderr, stderr_truncated)] = capture.finish();
    let mut outcome = RunOutcome {
        status: RunStatus::Error,
        exit_code: None,
        stdout,
        stderr,
        stdout_truncated,
        stderr_truncated,
        error: None,
        interpreter: String::new(),
        artifacts,
        started_at: clock.started_at,
        finished_at: clock.started_at,
        duration_ms: 0,
    };
    let ran_for = match ending {
        Ok(Ending::Reported { exit_code, ran_for }) => {
            outcome.status = status_of_exit(false, false, Some(exit_code));
            outcome.exit_code = Some(exit_code);
            outcome.set_duration(ran_for);
            let answered = Correction { status: outcome.status, exit_code: outcome.exit_code };
            return Finished { outcome, verdict: settle_in_background(container, clock, answered) };
        }
        Ok(Ending::Exited(exited)) => {
            outcome.status = status_of_exit(exited.timed_out, exited.oom_killed, exited.exit_code);
            outcome.exit_code = exited.exit_code;
            exited.ran_for
        }
        Err(e) => {
            outcome.error = Some(e.to_string());
            Duration::ZERO
        }
    };
    container.remove().await;
    outcome.set_duration(ran_for);
    Finished::settled(outcome)
}

impl RunOutcome {
    pub(super) fn set_duration(&mut self, ran_for: Duration) {
        let ran_for = chrono::Duration::from_std(ran_for).unwrap_or_default();
        self.finished_at = self.started_at + ran_for;
        self.duration_ms = ran_for.num_milliseconds();
    }
}

/// A run that never got a container to an end.
pub(super) fn engine_failure(reason: String) -> RunOutcome {
    let now = Utc::now();
    RunOutcome {
        status: RunStatus::Error,
        exit_code: None,
        stdout: String::new(),
        stderr: String::new(),
        stdout_truncated: false,
        stderr_truncated: false,
        error: Some(reason),
        interpreter: String::new(),
        artifacts: Vec::new(),
        started_at: now,
        finished_at: now,
        duration_ms: 0,
    }
}

/// Waits for the container's exit (killing it at the run's deadline), asks the engine how
/// it ended and removes it; the verdict resolves after the removal.
fn settle_in_background(container: ContainerGuard, clock: RunClock, answered: Correction) -> LateVerdict {
    let (verdict, receiver) = oneshot::channel();
    tokio::spawn(async move {
        let settled = container::settle(container.docker(), container.id(), &clock).await;
        let id = container.id().to_owned();
        container.remove().await;
        match settled {
            Ok(exited) => {
                let seen = Correction {
                    status: status_of_exit(exited.timed_out, exited.oom_killed, exited.exit_code),
                    exit_code: exited.exit_code,
                };
                if seen != answered {
                    tracing::info!(container = %id, answered = ?answered, seen = ?seen, "the engine corrects a pooled run's answer");
                    let _ = verdict.send(seen);
                }
            }
            Err(e) => {
                tracing::warn!(container = %id, error = %e, "could not confirm how a pooled run ended; its answer stands");
            }
        }
    });
    LateVerdict(Some(receiver))
}

/// File work off the async threads.
pub(super) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> std::io::Result<T> {
    tokio::task::spawn_blocking(work).await.map_err(std::io::Error::other).and_then(|done| done)
}
