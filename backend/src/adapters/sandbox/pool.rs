//! The warm pool: containers created and started ahead of time with the same hardened body
//! as any run, each running the loader (`loader.rs`) and waiting for one job. A run that
//! finds one idle skips the engine's create-and-start, and is answered as soon as the
//! loader reports the script's end, while the container is torn down in the background.
//!
//! A run first takes one of `max_concurrent_runs` slots, then an idle container if there
//! is one, else it starts one cold; the container holds the slot until it is removed. An
//! idle container holds no slot: its loader waits on stdin and costs no CPU, so the pool
//! is filled while runs use every slot, and under a burst (a run-all) a run finds its
//! container started instead of waiting for the engine's create-and-start in its slot. A
//! run never waits for a refill: with no idle container it starts cold at once.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;

use super::capture::Capture;
use super::container::{self, ContainerGuard, Followed, OutputStream, RunClock};
use super::ending::{blocking, conclude, engine_failure, Finished};
use super::{artifacts, loader, DockerRunner, Payload, SandboxError};

/// How long a new container may take to start its loader.
const WARM_UP_LIMIT: Duration = Duration::from_secs(30);
/// How long an idle loader may take to acknowledge its job; it is waiting for nothing else.
const HANDOVER_LIMIT: Duration = Duration::from_secs(5);
/// Of what a failing loader printed, the part worth a log line.
const LOADER_ERROR_BYTES: usize = 4096;
/// After a failed refill (engine down, image missing), the first wait and the longest.
const RETRY_FIRST: Duration = Duration::from_secs(1);
const RETRY_LAST: Duration = Duration::from_secs(60);
/// How long shutdown waits for runs in flight and pooled containers still being removed.
const DRAIN_LIMIT: Duration = Duration::from_secs(10);

pub(super) struct Pool {
    idle: Mutex<Idle>,
    /// One permit per container the pool lacks; closed on shutdown.
    vacancies: Semaphore,
    /// Woken when a container becomes idle (tests wait for a full pool).
    refilled: Notify,
    /// The tasks that fill it: shutdown waits for a container one of them is starting.
    fillers: Mutex<Vec<JoinHandle<()>>>,
    #[cfg(test)]
    size: usize,
}

struct Idle {
    /// Oldest first: a container fresh from its start-up may have used up its CPU quota
    /// for the current period, and would be throttled for the rest of it.
    warm: VecDeque<Warm>,
    closed: bool,
}

/// A started container whose loader is waiting for its job.
pub(super) struct Warm {
    container: ContainerGuard,
    stdin: Pin<Box<dyn AsyncWrite + Send>>,
    output: OutputStream,
}

/// How a run gets its container.
pub(super) enum Admission {
    Warm(Warm),
    /// A slot to create a container with.
    Cold(OwnedSemaphorePermit),
}

impl Pool {
    pub(super) fn new(size: usize) -> Self {
        Self {
            idle: Mutex::new(Idle { warm: VecDeque::new(), closed: false }),
            vacancies: Semaphore::new(size),
            refilled: Notify::new(),
            fillers: Mutex::new(Vec::new()),
            #[cfg(test)]
            size,
        }
    }

    /// A free slot, then a warm container with it if one is idle, else the slot alone.
    pub(super) async fn admit(&self, slots: &Arc<Semaphore>) -> Admission {
        let slot = slots.clone().acquire_owned().await.expect("the run semaphore is never closed");
        match self.take() {
            Some(mut warm) => {
                warm.container.hold(slot);
                Admission::Warm(warm)
            }
            None => Admission::Cold(slot),
        }
    }

    fn idle(&self) -> std::sync::MutexGuard<'_, Idle> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn take(&self) -> Option<Warm> {
        let warm = self.idle().warm.pop_front()?;
        self.vacancies.add_permits(1);
        Some(warm)
    }

    /// Hands the container back when the pool is closed: it is the caller's to remove.
    fn put(&self, warm: Warm) -> Option<Warm> {
        let mut idle = self.idle();
        if idle.closed {
            return Some(warm);
        }
        idle.warm.push_back(warm);
        self.refilled.notify_waiters();
        None
    }

    fn close(&self) -> VecDeque<Warm> {
        let mut idle = self.idle();
        idle.closed = true;
        self.vacancies.close();
        std::mem::take(&mut idle.warm)
    }

    /// Until every seat of the pool holds an idle container.
    #[cfg(test)]
    pub(super) async fn full(&self) {
        loop {
            let mut refilled = std::pin::pin!(self.refilled.notified());
            refilled.as_mut().enable();
            if self.idle().warm.len() >= self.size {
                return;
            }
            refilled.await;
        }
    }
}

impl DockerRunner {
    /// Keeps `warm_pool` containers started and waiting for runs, refilled in the
    /// background as runs take them. Call it once, after [`Self::remove_leftovers`] (which
    /// would remove them), and [`Self::shutdown`] at the end.
    pub fn start_pool(&self) {
        let fillers = (0..self.inner.config.warm_pool).map(|_| tokio::spawn(self.clone().keep_warm()));
        self.inner.pool.fillers.lock().unwrap_or_else(PoisonError::into_inner).extend(fillers);
    }

    /// Idle warm containers, ready for a run.
    pub fn warm_containers(&self) -> usize {
        self.inner.pool.idle().warm.len()
    }

    /// Removes the pool's containers and waits (a while) for every other container of
    /// ours to be gone; later runs start cold.
    pub async fn shutdown(&self) {
        let pool = &self.inner.pool;
        let idle = pool.close();
        futures::future::join_all(idle.into_iter().map(|warm| warm.container.remove())).await;
        // A filler starting a container removes it and stops (the pool is closed); every
        // slot back means no run's container is left.
        let fillers = std::mem::take(&mut *pool.fillers.lock().unwrap_or_else(PoisonError::into_inner));
        let slots = u32::try_from(self.inner.config.max_concurrent_runs.max(1)).unwrap_or(u32::MAX);
        let drained = async {
            futures::future::join_all(fillers).await;
            self.inner.slots.acquire_many(slots).await
        };
        if tokio::time::timeout(DRAIN_LIMIT, drained).await.is_err() {
            tracing::warn!("containers were still running at shutdown; the next start removes them");
        }
    }

    /// One filler: waits for a vacancy and warms up a container.
    async fn keep_warm(self) {
        let pool = &self.inner.pool;
        let mut retry = RETRY_FIRST;
        while let Ok(vacancy) = pool.vacancies.acquire().await {
            vacancy.forget();
            match self.warm_up(None, None).await {
                Ok(warm) => {
                    retry = RETRY_FIRST;
                    if let Some(unwanted) = pool.put(warm) {
                        unwanted.container.remove().await;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, retry_in = ?retry, "could not warm up a container for the pool");
                    if pool.vacancies.is_closed() {
                        return;
                    }
                    pool.vacancies.add_permits(1);
                    tokio::time::sleep(retry).await;
                    retry = (retry * 2).min(RETRY_LAST);
                }
            }
        }
    }

    /// A started container whose loader is ready for its job; `slot` and `execution_id`
    /// belong to a container made for one run.
    pub(super) async fn warm_up(
        &self,
        slot: Option<OwnedSemaphorePermit>,
        execution_id: Option<i64>,
    ) -> Result<Warm, SandboxError> {
        let config = &self.inner.config;
        let docker = self.client()?;
        let (root, envs) = (config.run_dir_root.clone(), config.envs_dir.clone());
        let run_dir = blocking(move || {
            // The engine refuses to bind-mount a directory that does not exist.
            if let Some(envs) = envs {
                std::fs::create_dir_all(envs)?;
            }
            container::create_run_dir(&root)
        })
        .await
        .map_err(|e| SandboxError::Engine(format!("could not prepare a run directory: {e}")))?;
        let body = container::container_body(config, run_dir.path(), execution_id);
        let created = docker
            .create_container(None, body)
            .await
            .map_err(|e| SandboxError::of_create(e, &config.image))?;
        let container = ContainerGuard::new(docker.clone(), created.id, slot, run_dir);
        let attached = container::attach(&docker, container.id()).await?;
        docker.start_container(container.id(), None).await?;
        let mut output = attached.output;
        let mut said = Capture::new(LOADER_ERROR_BYTES);
        let ready = loader::hear(&mut output, loader::READY, &mut said);
        let why = match tokio::time::timeout(WARM_UP_LIMIT, ready).await {
            Ok(Ok(())) => return Ok(Warm { container, stdin: attached.input, output }),
            Ok(Err(why)) => why,
            Err(_) => format!("the loader was not ready within {WARM_UP_LIMIT:?}"),
        };
        let [_, (stderr, _)] = said.finish();
        Err(SandboxError::Engine(format!("{why}: {}", stderr.trim())))
    }

    /// Runs a script in a warm container; `None` when the container turns out to have died
    /// while idle, before the script could start.
    pub(super) async fn run_warm(
        &self,
        warm: Warm,
        payload: &Payload<'_>,
        tap: Option<&super::OutputTap>,
    ) -> Option<Finished> {
        let config = &self.inner.config;
        let Warm { container, mut stdin, mut output } = warm;
        let dir = container.run_dir().to_owned();
        let job = container::JobFiles::of(payload);
        if let Err(e) = blocking(move || job.write(&dir)).await {
            container.remove().await;
            return Some(Finished::settled(engine_failure(format!(
                "could not prepare the run directory: {e}"
            ))));
        }
        let handover = loader::Job::new();
        let files_limit = artifacts::archive_limit(&config.artifacts);
        let mut capture = Capture::until_end_of(&handover, config.output_cap_bytes, files_limit).tapped(tap);
        let clock = RunClock::start(config.timeout);
        // Stdin stays open: one more byte releases the loader once its report is read.
        let acknowledged = async {
            stdin.write_all(&handover.line()).await.map_err(|e| e.to_string())?;
            stdin.flush().await.map_err(|e| e.to_string())?;
            loader::hear(&mut output, loader::GO, &mut capture).await
        };
        let acknowledged = tokio::time::timeout(HANDOVER_LIMIT, acknowledged)
            .await
            .unwrap_or_else(|_| Err(format!("no answer within {HANDOVER_LIMIT:?}")));
        if let Err(why) = acknowledged {
            tracing::warn!(container = %container.id(), %why, "a pooled container did not take its job; the run goes elsewhere");
            container.remove().await;
            return None;
        }
        let followed =
            container::follow(container.docker(), container.id(), &mut output, &clock, &mut capture).await;
        let (ending, artifacts) = match followed {
            Ok(Followed::Reported { exit_code, ran_for }) => {
                let _ = stdin.write_all(loader::RELEASE).await;
                let _ = stdin.flush().await;
                let archive = capture.take_files();
                let artifacts = match artifacts::read(archive, &config.artifacts).await {
                    Ok(artifacts) => artifacts,
                    Err(why) => {
                        tracing::warn!(container = %container.id(), %why, "could not read a run's files");
                        Vec::new()
                    }
                };
                let ending =
                    container::after_report(container.docker(), container.id(), exit_code, ran_for, &clock)
                        .await;
                (ending, artifacts)
            }
            Ok(Followed::Ended(ending)) => (Ok(ending), Vec::new()),
            Err(err) => (Err(err), Vec::new()),
        };
        Some(conclude(container, clock, ending, capture, artifacts).await)
    }
}
