//! Runs Python scripts in fresh, locked-down Docker containers (SPEC §6).
//!
//! [`DockerRunner`] is the one door to the engine: a handler builds a [`RunJob`], awaits
//! [`DockerRunner::run`] and stores the [`RunOutcome`]. Everything about a script's own
//! behaviour (exit codes, timeouts, OOM, runaway output, an engine failing mid-run) comes
//! back as `Ok` with a [`RunStatus`]; `Err` means the run could not be attempted.

mod capture;
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
use tokio::sync::{OnceCell, Semaphore};

use capture::CappedOutput;

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
}

impl DockerRunner {
    /// Never touches the engine, so the server starts without one.
    pub fn new(config: ExecutorConfig) -> Self {
        let slots = Arc::new(Semaphore::new(config.max_concurrent_runs.max(1)));
        Self {
            inner: Arc::new(Inner {
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
                let probe = self.contain(None, PROBE, b"").await?;
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

    /// Runs one script to its end in a fresh container; waits for a free slot first.
    pub async fn run(&self, job: RunJob) -> Result<RunOutcome, ExecutorError> {
        let interpreter = self.interpreter().await?;
        let outcome = self
            .contain(Some(job.execution_id), &job.script, &job.input)
            .await?;
        tracing::debug!(
            execution = job.execution_id,
            status = outcome.status.as_str(),
            duration_ms = outcome.duration_ms,
            "run finished"
        );
        Ok(RunOutcome {
            interpreter,
            ..outcome
        })
    }

    /// Removes this instance's containers, running or not, and their run directories: at
    /// startup these are leftovers of a previous process. Returns how many containers were
    /// removed. Call it only before the first run, as it would also remove this process's
    /// own runs.
    pub async fn remove_leftovers(&self) -> Result<usize, ExecutorError> {
        let docker = self.client()?;
        let ours = format!("{}={}", sandbox::MANAGED_LABEL, self.inner.config.instance);
        let filters = HashMap::from([("label", vec![ours.as_str()])]);
        let options = ListContainersOptionsBuilder::default()
            .all(true)
            .filters(&filters)
            .build();
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

    /// One sandboxed run, without the interpreter name (the probe is such a run too).
    async fn contain(
        &self,
        execution_id: Option<i64>,
        script: &str,
        input: &[u8],
    ) -> Result<RunOutcome, ExecutorError> {
        let config = &self.inner.config;
        let docker = self.client()?;
        let slot = self
            .inner
            .slots
            .clone()
            .acquire_owned()
            .await
            .expect("the run semaphore is never closed");
        let requested_at = Utc::now();
        let engine_failure = |reason: String| RunOutcome {
            status: RunStatus::Error,
            exit_code: None,
            stdout: String::new(),
            stderr: String::new(),
            stdout_truncated: false,
            stderr_truncated: false,
            error: Some(reason),
            interpreter: String::new(),
            started_at: requested_at,
            finished_at: Utc::now(),
            duration_ms: 0,
        };

        let root = config.run_dir_root.clone();
        let (script_owned, input_owned) = (script.to_owned(), input.to_vec());
        let run_dir = tokio::task::spawn_blocking(move || {
            sandbox::prepare_run_dir(&root, &script_owned, &input_owned)
        })
        .await
        .map_err(std::io::Error::other)
        .and_then(|prepared| prepared);
        let run_dir = match run_dir {
            Ok(dir) => dir,
            Err(e) => {
                return Ok(engine_failure(format!(
                    "could not prepare the run directory: {e}"
                )))
            }
        };

        let body = sandbox::container_body(config, run_dir.path(), execution_id);
        let created = match docker.create_container(None, body).await {
            Ok(created) => created,
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => {
                return Err(ExecutorError::ImageMissing(config.image.clone()));
            }
            Err(e) => {
                return match ExecutorError::from(e) {
                    ExecutorError::Engine(reason) => Ok(engine_failure(reason)),
                    unavailable => Err(unavailable),
                };
            }
        };
        let container = sandbox::ContainerGuard::new(docker.clone(), created.id, slot, run_dir);

        let mut stdout = CappedOutput::new(config.output_cap_bytes);
        let mut stderr = CappedOutput::new(config.output_cap_bytes);
        let exited = sandbox::supervise(
            &docker,
            container.id(),
            config.timeout,
            &mut stdout,
            &mut stderr,
        )
        .await;
        container.remove().await;

        let (status, exit_code, error, started_at, ran_for) = match exited {
            Ok(exited) => (
                RunStatus::of_exit(exited.timed_out, exited.oom_killed, exited.exit_code),
                exited.exit_code,
                None,
                exited.started_at,
                exited.ran_for,
            ),
            Err(e) => (
                RunStatus::Error,
                None,
                Some(e.to_string()),
                requested_at,
                Duration::ZERO,
            ),
        };
        let ran_for = chrono::Duration::from_std(ran_for).unwrap_or_default();
        let (stdout, stdout_truncated) = stdout.finish();
        let (stderr, stderr_truncated) = stderr.finish();
        Ok(RunOutcome {
            status,
            exit_code,
            stdout,
            stderr,
            stdout_truncated,
            stderr_truncated,
            error,
            interpreter: String::new(),
            started_at,
            finished_at: started_at + ran_for,
            duration_ms: ran_for.num_milliseconds(),
        })
    }
}
