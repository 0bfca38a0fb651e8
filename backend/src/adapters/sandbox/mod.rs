//! Runs Python scripts in fresh, locked-down Docker containers (SPEC §6).
//!
//! [`DockerRunner`] is the one door to the engine: a caller builds a [`RunJob`], awaits
//! [`DockerRunner::run`] and stores the [`RunOutcome`]; a late [`Correction`] from the
//! engine reaches the callback it passed. Everything about a script's own behaviour (exit
//! codes, timeouts, OOM, runaway output, an engine failing mid-run) comes back as `Ok`
//! with a [`RunStatus`]; `Err` means the run could not be attempted.
//!
//! A run takes a container from the warm pool (`pool.rs`) when one is idle, else creates
//! one; either way the container serves that one run and is removed.

mod artifacts;
mod capture;
mod container;
mod ending;
mod loader;
mod pool;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bollard::query_parameters::ListContainersOptionsBuilder;
use bollard::Docker;
use chrono::{DateTime, Utc};
use tokio::sync::{OnceCell, OwnedSemaphorePermit, Semaphore};

use ending::{engine_failure, Finished};
use pool::{Admission, Pool};

const MIB: i64 = 1024 * 1024;

/// Limits of one run and of the runner as a whole. `Default` is the SPEC's defaults.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
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
    /// The worker running the jobs (the `ved.worker` label of a job's container): with the
    /// execution id it names the container of a job across installations that share an
    /// engine, whose execution ids repeat.
    pub worker: String,
    /// Containers kept started and waiting for a run (0: none, every run starts cold).
    pub warm_pool: usize,
    /// What a run may leave in `/runner/out`.
    pub artifacts: ArtifactLimits,
    /// The host directory of per-script package environments (SPEC §15), one
    /// subdirectory per lock. Every container sees it read-only at `/runner-envs`, so
    /// that a pooled container started before its job can run any of them; a run puts its
    /// own on `PYTHONPATH`. `None`: runs get no packages.
    pub envs_dir: Option<PathBuf>,
}

pub use artifacts::{Artifact, ArtifactLimits};

impl Default for SandboxConfig {
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
            worker: "default".to_owned(),
            warm_pool: 2,
            artifacts: ArtifactLimits::default(),
            envs_dir: None,
        }
    }
}

/// CPUs ÷ the per-run CPU share, at least 2 (SPEC §2, `VED_MAX_CONCURRENT_RUNS`).
pub fn default_max_concurrent_runs(nano_cpus: i64) -> usize {
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
    /// The name of the package environment under `envs_dir` the script imports from.
    pub environment: Option<String>,
    /// Where the output goes while the script runs, if anywhere.
    pub output: Option<OutputTap>,
}

/// What a container's loader is handed: the files of one run.
pub(super) struct Payload<'a> {
    script: &'a str,
    input: &'a [u8],
    environment: Option<&'a str>,
}

impl<'a> Payload<'a> {
    fn script(script: &'a str) -> Self {
        Self { script, input: b"", environment: None }
    }
}

/// Which stream an output chunk was written to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StdStream {
    Stdout,
    Stderr,
}

/// Receives a run's output as it arrives, in order, exactly the bytes that are kept (so
/// within the caps): what a tap sees concatenated is what the outcome reports.
pub type OutputTap = tokio::sync::mpsc::UnboundedSender<(StdStream, Vec<u8>)>;

/// How a run ended, as the engine and the loader tell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// The files left in `/runner/out` (regular files only, sanitised names, capped).
    pub artifacts: Vec<Artifact>,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub duration_ms: i64,
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
pub enum SandboxError {
    #[error("the Docker engine is not reachable ({0}); start it with `runner/ensure-docker.sh` (or `sudo dockerd &`)")]
    EngineUnavailable(String),
    #[error("the runner image `{0}` does not exist; build it with `runner/build-image.sh`")]
    ImageMissing(String),
    #[error("the Docker engine failed: {0}")]
    Engine(String),
}

impl SandboxError {
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

impl From<bollard::errors::Error> for SandboxError {
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
    config: SandboxConfig,
    /// Set on first successful connect: the socket may appear after the server starts.
    docker: OnceLock<Docker>,
    slots: Arc<Semaphore>,
    interpreter: OnceCell<String>,
    pool: Pool,
}

impl DockerRunner {
    /// Never touches the engine, so the server starts without one.
    pub fn new(config: SandboxConfig) -> Self {
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

    fn client(&self) -> Result<Docker, SandboxError> {
        if let Some(docker) = self.inner.docker.get() {
            return Ok(docker.clone());
        }
        let docker = Docker::connect_with_local_defaults()?;
        Ok(self.inner.docker.get_or_init(|| docker).clone())
    }

    pub async fn ping(&self) -> Result<(), SandboxError> {
        self.client()?.ping().await?;
        Ok(())
    }

    /// The image's Python, e.g. `cpython-3.11.2`, asked once of the image itself with the
    /// same sandbox as a run and then remembered; failures are not remembered.
    pub async fn interpreter(&self) -> Result<String, SandboxError> {
        const PROBE: &str = "import sys\n\
            v = sys.implementation.version\n\
            print(f'{sys.implementation.name}-{v.major}.{v.minor}.{v.micro}')\n";
        let name = self
            .inner
            .interpreter
            .get_or_try_init(|| async {
                let probe = self.execute(None, &Payload::script(PROBE), None).await?.outcome;
                let name = probe.stdout.trim();
                if probe.status != RunStatus::Succeeded || name.is_empty() {
                    return Err(SandboxError::Engine(format!(
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
    ///
    /// A pooled run is answered as soon as its loader reports the end, before the engine
    /// has torn the container down. If the engine then saw the end differently (the OOM
    /// killer struck), `correct` is called with its account, in the background; it is
    /// never called for a run whose answer stands.
    pub async fn run<F, Fut>(&self, job: RunJob, correct: F) -> Result<RunOutcome, SandboxError>
    where
        F: FnOnce(Correction) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()> + Send,
    {
        let interpreter = self.interpreter().await?;
        let payload =
            Payload { script: &job.script, input: &job.input, environment: job.environment.as_deref() };
        let Finished { mut outcome, verdict } =
            self.execute(Some(job.execution_id), &payload, job.output.as_ref()).await?;
        outcome.interpreter = interpreter;
        tracing::debug!(
            execution = job.execution_id,
            status = outcome.status.as_str(),
            duration_ms = outcome.duration_ms,
            "run finished"
        );
        if verdict.is_pending() {
            tokio::spawn(async move {
                if let Some(correction) = verdict.correction().await {
                    correct(correction).await;
                }
            });
        }
        Ok(outcome)
    }

    /// Removes this instance's containers, running or not, and their run directories: at
    /// startup these are leftovers of a previous process. Returns how many containers were
    /// removed. Call it only before the first run, as it would also remove this process's
    /// own runs.
    pub async fn remove_leftovers(&self) -> Result<usize, SandboxError> {
        let docker = self.client()?;
        let ours = format!("{}={}", container::MANAGED_LABEL, self.inner.config.instance);
        let filters = HashMap::from([("label", vec![ours.as_str()])]);
        let options = ListContainersOptionsBuilder::default().all(true).filters(&filters).build();
        let mut removed = 0;
        for container in docker.list_containers(Some(options)).await? {
            let Some(id) = container.id else { continue };
            if let Err(e) = container::remove_container(&docker, &id).await {
                tracing::warn!(container = %id, error = %e, "could not remove a leftover container");
                continue;
            }
            removed += 1;
            let labels = container.labels.unwrap_or_default();
            if let Some(dir) = labels.get(container::RUN_DIR_LABEL) {
                container::remove_leftover_run_dir(&self.inner.config.run_dir_root, Path::new(dir));
            }
        }
        Ok(removed)
    }

    /// Removes the container `worker` ran one execution in, if this engine has it (a cold
    /// run's; a pooled container is labelled with its instance only). Returns how many were
    /// removed.
    pub async fn remove_containers_of(&self, execution_id: i64, worker: &str) -> Result<usize, SandboxError> {
        let docker = self.client()?;
        let execution = format!("{}={execution_id}", container::EXECUTION_LABEL);
        let worker = format!("{}={worker}", container::WORKER_LABEL);
        let filters = HashMap::from([("label", vec![execution.as_str(), worker.as_str()])]);
        let options = ListContainersOptionsBuilder::default().all(true).filters(&filters).build();
        let mut removed = 0;
        for found in docker.list_containers(Some(options)).await? {
            if let Some(id) = found.id {
                if container::remove_container(&docker, &id).await.is_ok() {
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }

    /// One run, without the interpreter name (the probe is such a run too).
    async fn execute(
        &self,
        execution_id: Option<i64>,
        payload: &Payload<'_>,
        tap: Option<&OutputTap>,
    ) -> Result<Finished, SandboxError> {
        loop {
            match self.inner.pool.admit(&self.inner.slots).await {
                Admission::Warm(warm) => {
                    if let Some(finished) = self.run_warm(warm, payload, tap).await {
                        return Ok(finished);
                    }
                }
                Admission::Cold(slot) => return self.contain(slot, execution_id, payload, tap).await,
            }
        }
    }

    /// One run in a container created for it: started like a pooled one, with the job
    /// handed over as soon as its loader is ready.
    async fn contain(
        &self,
        slot: OwnedSemaphorePermit,
        execution_id: Option<i64>,
        payload: &Payload<'_>,
        tap: Option<&OutputTap>,
    ) -> Result<Finished, SandboxError> {
        let ready = match self.warm_up(Some(slot), execution_id).await {
            Ok(ready) => ready,
            Err(SandboxError::Engine(reason)) => return Ok(Finished::settled(engine_failure(reason))),
            Err(not_attempted) => return Err(not_attempted),
        };
        Ok(self.run_warm(ready, payload, tap).await.unwrap_or_else(|| {
            Finished::settled(engine_failure(
                "the container stopped before the script could start".to_owned(),
            ))
        }))
    }
}
