//! Runs Python scripts in fresh, locked-down Docker containers (SPEC §6).
//!
//! [`DockerRunner`] is the one door to the engine: a handler builds a [`RunJob`], awaits
//! [`DockerRunner::run`], stores the [`RunOutcome`] and applies the [`LateVerdict`]'s
//! correction, if any, when it comes. Everything about a script's own behaviour (exit
//! codes, timeouts, OOM, runaway output, an engine failing mid-run) comes back as `Ok`
//! with a [`RunStatus`]; `Err` means the run could not be attempted.
//!
//! A run takes a container from the warm pool (`pool.rs`) when one is idle, else creates
//! one; either way the container serves that one run and is removed.

mod capture;
mod loader;
mod pool;
mod sandbox;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bollard::query_parameters::ListContainersOptionsBuilder;
use bollard::Docker;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::{oneshot, OnceCell, OwnedSemaphorePermit, Semaphore};

use capture::Capture;
use pool::{Admission, Pool};
use sandbox::{ContainerGuard, Ending, Launch, RunClock};

const MIB: i64 = 1024 * 1024;

/// Limits of one run and of the runner as a whole. `Default` is the SPEC's defaults.
#[derive(Debug, Clone)]
pub struct ExecutorConfig {
    /// Image reference, as printed by `runner/build-image.sh`.
    pub image: String,
    /// Wall-clock limit from container start; past it the run is `timed_out`.
    pub timeout: Duration,
    /// Memory limit; swap is set equal to it, so there is none.
    pub memory_bytes: i64,
    /// CPU share in billionths of a CPU (0.5 CPU = 500_000_000).
    pub nano_cpus: i64,
    pub pids_limit: i64,
    pub tmpfs_size_bytes: u64,
    /// Kept per stream (stdout, stderr); the rest is dropped and flagged.
    pub output_cap_bytes: usize,
    /// Containers alive at once, across single runs and batches.
    pub max_concurrent_runs: usize,
    /// Open file descriptors per process.
    pub nofile: i64,
    /// Largest file a process may write.
    pub fsize_bytes: i64,
    /// Per-run directories (script + input) are created here and bind-mounted read-only;
    /// it must be on the same host as the engine.
    pub run_dir_root: PathBuf,
    /// Which installation created a container (the `ved.managed` label's value): servers
    /// sharing one engine sweep only their own leftovers at start.
    pub instance: String,
    /// Containers kept started and waiting for a run (0: none, every run starts cold).
    pub warm_pool: usize,
}

impl Default for ExecutorConfig {
    fn default() -> Self {
        let nano_cpus = 500_000_000;
        Self {
            image: "ved-runner:latest".to_owned(),
            timeout: Duration::from_secs(30),
            memory_bytes: 256 * MIB,
            nano_cpus,
            pids_limit: 64,
            tmpfs_size_bytes: 16 * MIB as u64,
            output_cap_bytes: MIB as usize,
            max_concurrent_runs: default_max_concurrent_runs(nano_cpus),
            nofile: 256,
            fsize_bytes: 10 * MIB,
            run_dir_root: std::env::temp_dir().join("ved-runs"),
            instance: "default".to_owned(),
            warm_pool: 2,
        }
    }
}

/// CPUs ÷ the per-run CPU share, at least 2 (SPEC §2, `VED_MAX_CONCURRENT_RUNS`).
fn default_max_concurrent_runs(nano_cpus: i64) -> usize {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get()) as i64;
    let runs = cpus * 1_000_000_000 / nano_cpus.max(1);
    usize::try_from(runs).unwrap_or(0).max(2)
}

/// One script to run: argv[1] of the script is the path of a file holding `input`.
#[derive(Debug, Clone)]
pub struct RunJob {
    /// Written into the container's `ved.execution` label.
    pub execution_id: i64,
    pub script: String,
    pub input: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Succeeded,
    Failed,
    TimedOut,
    OomKilled,
    /// The engine failed; `RunOutcome::error` says why.
    Error,
}

impl RunStatus {
    /// The same string serde writes, for database columns.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::TimedOut => "timed_out",
            Self::OomKilled => "oom_killed",
            Self::Error => "error",
        }
    }

    /// Exit code 137 alone means "killed", not why: OOM is believed only when the engine
    /// saw it, and a timeout only when our own timer fired.
    fn of_exit(timed_out: bool, oom_killed: bool, exit_code: Option<i64>) -> Self {
        match exit_code {
            _ if timed_out => Self::TimedOut,
            Some(0) => Self::Succeeded,
            _ if oom_killed => Self::OomKilled,
            Some(_) => Self::Failed,
            None => Self::Error,
        }
    }
}

#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub status: RunStatus,
    /// As the engine reports it (137 after our kill on timeout); `None` when no container
    /// ran to an end.
    pub exit_code: Option<i64>,
    pub stdout: String,
    pub stderr: String,
    pub stdout_truncated: bool,
    pub stderr_truncated: bool,
    /// The engine's reason, for `RunStatus::Error` only.
    pub error: Option<String>,
    /// E.g. `cpython-3.11.2`.
    pub interpreter: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub duration_ms: i64,
}

/// What [`DockerRunner::run`] answers.
#[derive(Debug)]
pub struct Finished {
    pub outcome: RunOutcome,
    pub verdict: LateVerdict,
}

impl Finished {
    /// A run whose container is already gone: the outcome is the engine's last word.
    fn settled(outcome: RunOutcome) -> Self {
        Self { outcome, verdict: LateVerdict(None) }
    }
}

/// The engine's account of a run that was answered before its container was gone.
#[derive(Debug)]
pub struct LateVerdict(Option<oneshot::Receiver<Correction>>);

impl LateVerdict {
    /// Resolves once the run's container has been removed: `Some` when the engine saw the
    /// end differently from the answer (the OOM killer struck, or the script outlived
    /// what it reported and was killed at the deadline).
    pub async fn correction(self) -> Option<Correction> {
        self.0?.await.ok()
    }
}

/// Replaces an answered outcome's status and exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Correction {
    pub status: RunStatus,
    pub exit_code: Option<i64>,
}

/// Why a run could not even be attempted. Every variant is a missing or broken
/// dependency, never the caller's fault: answer **503** with the `Display` text as the
/// `detail` (it says how to fix it); none of them is a 500.
#[derive(Debug, thiserror::Error)]
pub enum ExecutorError {
    #[error("the Docker engine is not reachable ({0}); start it with `runner/ensure-docker.sh` (or `sudo dockerd &`)")]
    EngineUnavailable(String),
    #[error("the runner image `{0}` does not exist; build it with `runner/build-image.sh`")]
    ImageMissing(String),
    #[error("the Docker engine failed: {0}")]
    Engine(String),
}

impl ExecutorError {
    /// Creating a container failed: 404 is the image.
    fn of_create(err: bollard::errors::Error, image: &str) -> Self {
        match err {
            bollard::errors::Error::DockerResponseServerError { status_code: 404, .. } => {
                Self::ImageMissing(image.to_owned())
            }
            other => other.into(),
        }
    }
}

impl From<bollard::errors::Error> for ExecutorError {
    fn from(err: bollard::errors::Error) -> Self {
        use bollard::errors::Error as E;
        match err {
            E::DockerResponseServerError { message, .. } => Self::Engine(message),
            E::SocketNotFoundError(_)
            | E::IOError { .. }
            | E::HyperLegacyError { .. }
            | E::HyperResponseError { .. }
            | E::HttpClientError { .. }
            | E::RequestTimeoutError => Self::EngineUnavailable(err.to_string()),
            other => Self::Engine(other.to_string()),
        }
    }
}

/// The Docker runner; cheap to clone, one per server.
#[derive(Clone)]
pub struct DockerRunner {
    inner: Arc<Inner>,
}

struct Inner {
    config: ExecutorConfig,
    /// Set on first successful connect: the socket may appear after the server starts.
    docker: OnceLock<Docker>,
    slots: Arc<Semaphore>,
    interpreter: OnceCell<String>,
    pool: Pool,
}

impl DockerRunner {
    /// Never touches the engine, so the server starts without one.
    pub fn new(config: ExecutorConfig) -> Self {
        let slots = Arc::new(Semaphore::new(config.max_concurrent_runs.max(1)));
        Self {
            inner: Arc::new(Inner {
                pool: Pool::new(config.warm_pool),
                config,
                docker: OnceLock::new(),
                slots,
                interpreter: OnceCell::new(),
            }),
        }
    }

    fn client(&self) -> Result<Docker, ExecutorError> {
        if let Some(docker) = self.inner.docker.get() {
            return Ok(docker.clone());
        }
        let docker = Docker::connect_with_local_defaults()?;
        Ok(self.inner.docker.get_or_init(|| docker).clone())
    }

    pub async fn ping(&self) -> Result<(), ExecutorError> {
        self.client()?.ping().await?;
        Ok(())
    }

    /// The image's Python, e.g. `cpython-3.11.2`, asked once of the image itself with the
    /// same sandbox as a run and then remembered; failures are not remembered.
    pub async fn interpreter(&self) -> Result<String, ExecutorError> {
        const PROBE: &str = "import sys\n\
            v = sys.implementation.version\n\
            print(f'{sys.implementation.name}-{v.major}.{v.minor}.{v.micro}')\n";
        let name = self
            .inner
            .interpreter
            .get_or_try_init(|| async {
                let probe = self.execute(None, PROBE, b"").await?.outcome;
                let name = probe.stdout.trim();
                if probe.status != RunStatus::Succeeded || name.is_empty() {
                    return Err(ExecutorError::Engine(format!(
                        "the runner image `{}` could not report its Python ({}, exit code {:?}): {}",
                        self.inner.config.image,
                        probe.status.as_str(),
                        probe.exit_code,
                        probe.error.as_deref().unwrap_or(probe.stderr.trim()),
                    )));
                }
                Ok(name.to_owned())
            })
            .await?;
        Ok(name.clone())
    }

    /// Runs one script to its end in a container of its own: a warm one if one is idle,
    /// else a fresh one as soon as a slot is free (or a warm one, if that comes first).
    pub async fn run(&self, job: RunJob) -> Result<Finished, ExecutorError> {
        let interpreter = self.interpreter().await?;
        let mut finished = self.execute(Some(job.execution_id), &job.script, &job.input).await?;
        finished.outcome.interpreter = interpreter;
        tracing::debug!(
            execution = job.execution_id,
            status = finished.outcome.status.as_str(),
            duration_ms = finished.outcome.duration_ms,
            "run finished"
        );
        Ok(finished)
    }

    /// Removes this instance's containers, running or not, and their run directories: at
    /// startup these are leftovers of a previous process. Returns how many containers were
    /// removed. Call it only before the first run, as it would also remove this process's
    /// own runs.
    pub async fn remove_leftovers(&self) -> Result<usize, ExecutorError> {
        let docker = self.client()?;
        let ours = format!("{}={}", sandbox::MANAGED_LABEL, self.inner.config.instance);
        let filters = HashMap::from([("label", vec![ours.as_str()])]);
        let options = ListContainersOptionsBuilder::default().all(true).filters(&filters).build();
        let mut removed = 0;
        for container in docker.list_containers(Some(options)).await? {
            let Some(id) = container.id else { continue };
            if let Err(e) = sandbox::remove_container(&docker, &id).await {
                tracing::warn!(container = %id, error = %e, "could not remove a leftover container");
                continue;
            }
            removed += 1;
            let labels = container.labels.unwrap_or_default();
            if let Some(dir) = labels.get(sandbox::RUN_DIR_LABEL) {
                sandbox::remove_leftover_run_dir(&self.inner.config.run_dir_root, Path::new(dir));
            }
        }
        Ok(removed)
    }

    /// One run, without the interpreter name (the probe is such a run too).
    async fn execute(
        &self,
        execution_id: Option<i64>,
        script: &str,
        input: &[u8],
    ) -> Result<Finished, ExecutorError> {
        loop {
            match self.inner.pool.admit(&self.inner.slots).await {
                Admission::Warm(warm) => {
                    if let Some(finished) = self.run_warm(warm, script, input).await {
                        return Ok(finished);
                    }
                }
                Admission::Cold(slot) => return self.contain(slot, execution_id, script, input).await,
            }
        }
    }

    /// One run in a container created for it.
    async fn contain(
        &self,
        slot: OwnedSemaphorePermit,
        execution_id: Option<i64>,
        script: &str,
        input: &[u8],
    ) -> Result<Finished, ExecutorError> {
        let config = &self.inner.config;
        let docker = self.client()?;
        let root = config.run_dir_root.clone();
        let (script_owned, input_owned) = (script.to_owned(), input.to_vec());
        let run_dir = blocking(move || {
            let dir = sandbox::create_run_dir(&root)?;
            sandbox::write_job(dir.path(), &script_owned, &input_owned)?;
            Ok(dir)
        })
        .await;
        let run_dir = match run_dir {
            Ok(dir) => dir,
            Err(e) => {
                return Ok(Finished::settled(engine_failure(format!(
                    "could not prepare the run directory: {e}"
                ))))
            }
        };

        let body = sandbox::container_body(config, run_dir.path(), execution_id, Launch::Script);
        let created = match docker.create_container(None, body).await {
            Ok(created) => created,
            Err(e) => {
                return match ExecutorError::of_create(e, &config.image) {
                    ExecutorError::Engine(reason) => Ok(Finished::settled(engine_failure(reason))),
                    not_attempted => Err(not_attempted),
                };
            }
        };
        let container = ContainerGuard::new(docker.clone(), created.id, slot, run_dir);
        let clock = RunClock::start(config.timeout);
        let mut capture = Capture::new(config.output_cap_bytes);
        let ending = sandbox::supervise(&docker, container.id(), &clock, &mut capture).await;
        Ok(conclude(container, clock, ending, capture).await)
    }
}

/// The answer, once the script's end is known. When only the loader has reported it, the
/// container winds down in the background, where the engine gets the last word.
async fn conclude(
    container: ContainerGuard,
    clock: RunClock,
    ending: Result<Ending, bollard::errors::Error>,
    capture: Capture,
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
        started_at: clock.started_at,
        finished_at: clock.started_at,
        duration_ms: 0,
    };
    let ran_for = match ending {
        Ok(Ending::Reported { exit_code, ran_for }) => {
            outcome.status = RunStatus::of_exit(false, false, Some(exit_code));
            outcome.exit_code = Some(exit_code);
            outcome.set_duration(ran_for);
            let answered = Correction { status: outcome.status, exit_code: outcome.exit_code };
            return Finished { outcome, verdict: settle_in_background(container, clock, answered) };
        }
        Ok(Ending::Exited(exited)) => {
            outcome.status = RunStatus::of_exit(exited.timed_out, exited.oom_killed, exited.exit_code);
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
    fn set_duration(&mut self, ran_for: Duration) {
        let ran_for = chrono::Duration::from_std(ran_for).unwrap_or_default();
        self.finished_at = self.started_at + ran_for;
        self.duration_ms = ran_for.num_milliseconds();
    }
}

/// A run that never got a container to an end.
fn engine_failure(reason: String) -> RunOutcome {
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
        let settled = sandbox::settle(container.docker(), container.id(), &clock).await;
        let id = container.id().to_owned();
        container.remove().await;
        match settled {
            Ok(exited) => {
                let seen = Correction {
                    status: RunStatus::of_exit(exited.timed_out, exited.oom_killed, exited.exit_code),
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
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> std::io::Result<T> {
    tokio::task::spawn_blocking(work).await.map_err(std::io::Error::other).and_then(|done| done)
}
