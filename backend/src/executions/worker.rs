//! A worker: claims jobs from the database and runs them in its sandbox, as many at once
//! as it has run slots, renewing each job's lease while it runs and publishing the job's
//! events (status, output, end). `ved serve` runs one in process, woken directly when a
//! job is queued; `ved worker` runs one alone, which finds new jobs by polling and, on
//! PostgreSQL, as soon as the database announces them.
use std::{sync::Arc, time::Duration};

use sea_orm::DatabaseConnection;
use serde::Serialize;
use tokio::sync::{Notify, Semaphore};

use super::{
    artifacts,
    events::{self, EventHub},
    jobs, output, records,
    status::ExecutionStatus,
    view::{self, Execution},
};
use crate::{
    adapters::{
        deps::{metadata, Deps, Lock},
        sandbox::{Correction, DockerRunner, RunJob},
    },
    entities::execution,
};

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Recorded on every job it runs; also how it recognises its own jobs after a restart.
    pub name: String,
    /// How long a claim holds without renewal; renewed every third of it.
    pub lease: Duration,
    /// How often to look for jobs queued by another process.
    pub poll: Duration,
    /// Jobs run at once.
    pub slots: usize,
}

/// Rings the in-process worker when a job is queued.
#[derive(Clone, Default)]
pub struct Doorbell(Arc<Notify>);

impl Doorbell {
    pub fn ring(&self) {
        self.0.notify_one();
    }

    /// On PostgreSQL, rings whenever any process stores an event of an execution (a new
    /// job's `queued` status among them), so a worker in another process than the one that
    /// queued the job starts it at once rather than at its next poll. Rings for a running
    /// job's output too: a claim that finds nothing is one cheap query, and rings while
    /// the worker is busy add up to one. On SQLite (one process) it does nothing.
    pub async fn ring_on_notices(&self, db: &DatabaseConnection) -> Result<(), sea_orm::DbErr> {
        use futures::StreamExt;
        let Some(notices) = crate::db::event_notices(db).await? else { return Ok(()) };
        let doorbell = self.clone();
        tokio::spawn(async move {
            let mut notices = std::pin::pin!(notices);
            while let Some(notice) = notices.next().await {
                if events::is_execution_stream(&notice.stream) {
                    doorbell.ring();
                }
            }
        });
        Ok(())
    }
}

#[derive(Serialize)]
struct StatusEvent {
    status: ExecutionStatus,
}

#[derive(Serialize)]
pub(super) struct EndEvent {
    pub execution: Execution,
}

#[derive(Clone)]
pub struct Worker {
    pub db: DatabaseConnection,
    pub sandbox: DockerRunner,
    /// Installs (and, for a script saved without a lock, resolves) a run's packages on
    /// this worker's host.
    pub deps: Deps,
    pub hub: EventHub,
    pub doorbell: Doorbell,
    pub config: WorkerConfig,
}

impl Worker {
    /// Marks what this worker left running before a restart, then works until the process ends.
    pub async fn start(self) -> Result<tokio::task::JoinHandle<()>, sea_orm::DbErr> {
        let interrupted = jobs::mark_interrupted(&self.db, &self.config.name).await?;
        if interrupted > 0 {
            tracing::warn!(interrupted, worker = %self.config.name, "marked runs left running by this worker's previous process as interrupted");
        }
        Ok(tokio::spawn(self.work()))
    }

    async fn work(self) {
        let slots = Arc::new(Semaphore::new(self.config.slots.max(1)));
        loop {
            let slot = Arc::clone(&slots).acquire_owned().await.expect("never closed");
            match jobs::claim(&self.db, &self.config.name, self.config.lease).await {
                Ok(Some(job)) => {
                    let worker = self.clone();
                    tokio::spawn(async move {
                        worker.run(job).await;
                        drop(slot);
                    });
                }
                Ok(None) => {
                    drop(slot);
                    tokio::select! {
                        () = self.doorbell.0.notified() => {}
                        () = tokio::time::sleep(self.config.poll) => {}
                    }
                }
                Err(err) => {
                    drop(slot);
                    tracing::warn!(error = %err, "could not claim a job; retrying");
                    tokio::time::sleep(self.config.poll).await;
                }
            }
        }
    }

    async fn run(&self, job: execution::Model) {
        let id = job.id;
        let stream = events::execution_stream(id);
        self.announce(&job).await;
        let renewal = tokio::spawn(renew_lease(self.db.clone(), id, self.config.clone()));
        let (tap, chunks) = tokio::sync::mpsc::unbounded_channel();
        let forwarder =
            tokio::spawn(output::forward(self.db.clone(), self.hub.clone(), stream.clone(), chunks));
        let script = job.script_content.unwrap_or_default();
        let mut result = match self.environment_for(&script, job.dependency_lock).await {
            Ok(environment) => {
                let run = RunJob {
                    execution_id: id,
                    script,
                    input: job.input.unwrap_or_default().into_bytes(),
                    environment,
                    output: Some(tap),
                };
                let corrections = self.db.clone();
                let correct = move |correction| apply_correction(corrections, id, correction);
                self.sandbox.run(run, correct).await.map_err(|err| err.to_string())
            }
            Err(reason) => {
                // The forwarder ends when the last sender of the tap is gone.
                drop(tap);
                Err(reason)
            }
        };
        let files = result.as_mut().map(|outcome| std::mem::take(&mut outcome.artifacts)).unwrap_or_default();
        // Every sender of the tap is gone with the run: the forwarder sends what is left.
        let _ = forwarder.await;
        renewal.abort();
        let name = &self.config.name;
        let stored = match result {
            Ok(outcome) => jobs::finish(&self.db, id, name, outcome).await,
            Err(reason) => match jobs::fail(&self.db, id, name, reason).await {
                Ok(()) => records::execution(&self.db, id).await,
                Err(err) => Err(err),
            },
        };
        match stored {
            Ok(Some(row)) if row.worker.as_deref() == Some(name.as_str()) && !files.is_empty() => {
                self.store_files(&row, files).await;
                self.announce_end(row).await;
            }
            Ok(Some(row)) => self.announce_end(row).await,
            Ok(None) => {}
            Err(err) => tracing::error!(execution = id, error = %err, "could not record the end of a run"),
        }
    }

    /// The environment with the script's packages, installed on this host if it is not
    /// yet: from the lock its version was saved with, else resolved now (a version saved
    /// while its packages could not be resolved). `Err` is the run's error, uv's words.
    async fn environment_for(&self, script: &str, lock: Option<String>) -> Result<Option<String>, String> {
        let wanted = metadata::parse(script).map_err(|err| err.to_string())?;
        if !wanted.needs_packages() {
            return Ok(None);
        }
        let lock = match lock {
            Some(text) => Lock::from_text(text),
            None => {
                let interpreter = self.sandbox.interpreter().await.map_err(|err| err.to_string())?;
                self.deps.resolve(&wanted, &interpreter).await.map_err(|err| err.to_string())?
            }
        };
        self.deps.install(&lock).await.map(Some).map_err(|err| err.to_string())
    }

    /// The job is running: its own stream and its batch's hear it.
    async fn announce(&self, row: &execution::Model) {
        let stream = events::execution_stream(row.id);
        let status = StatusEvent { status: row.status };
        if let Err(err) = self.hub.publish(&self.db, &stream, "status", &status).await {
            tracing::warn!(execution = row.id, error = %err, "could not store a status event");
        }
        announce_to_batch(&self.db, &self.hub, row).await;
    }

    /// The run's files, each announced on its stream; a failure loses the files, not the run.
    async fn store_files(&self, row: &execution::Model, files: Vec<crate::adapters::sandbox::Artifact>) {
        #[derive(Serialize)]
        struct ArtifactEvent<'a> {
            name: &'a str,
            size: i64,
            content_type: &'a str,
        }
        let stored = match artifacts::store(&self.db, row.id, files).await {
            Ok(stored) => stored,
            Err(err) => {
                tracing::error!(execution = row.id, error = %err, "could not store a run's files");
                return;
            }
        };
        let stream = events::execution_stream(row.id);
        for file in &stored {
            let event = ArtifactEvent { name: &file.name, size: file.size, content_type: &file.content_type };
            if let Err(err) = self.hub.publish(&self.db, &stream, "artifact", &event).await {
                tracing::warn!(execution = row.id, error = %err, "could not store an artifact event");
            }
        }
    }

    async fn announce_end(&self, row: execution::Model) {
        announce_end(&self.db, &self.hub, row).await;
    }
}

/// A finished job (by its worker or by the sweep): its final status, then `end`.
pub(super) async fn announce_end(db: &DatabaseConnection, hub: &EventHub, row: execution::Model) {
    crate::monitoring::record::run_ended(&row);
    let stream = events::execution_stream(row.id);
    let status = StatusEvent { status: row.status };
    let _ = hub.publish(db, &stream, "status", &status).await;
    announce_to_batch(db, hub, &row).await;
    let execution = match view::load_one(db, row).await {
        Ok(execution) => execution,
        Err(err) => {
            tracing::warn!(error = %err, "could not read a finished run's files for its end event");
            return;
        }
    };
    let end = EndEvent { execution };
    if let Err(err) = hub.publish(db, &stream, events::END, &end).await {
        tracing::warn!(error = %err, "could not store an end event");
    }
}

/// A run-all's stream hears of every status change of its executions.
pub(super) async fn announce_to_batch(db: &DatabaseConnection, hub: &EventHub, row: &execution::Model) {
    let Some(batch_id) = row.batch_id else { return };
    let execution = match view::load_one(db, row.clone()).await {
        Ok(execution) => execution,
        Err(err) => {
            tracing::warn!(batch = batch_id, error = %err, "could not read a run for its batch event");
            return;
        }
    };
    if let Err(err) = hub.publish(db, &events::batch_stream(batch_id), "execution", &execution).await {
        tracing::warn!(batch = batch_id, error = %err, "could not store a batch event");
    }
}

async fn renew_lease(db: DatabaseConnection, id: i64, config: WorkerConfig) {
    let every = config.lease / 3;
    loop {
        tokio::time::sleep(every).await;
        match jobs::renew(&db, id, &config.name, config.lease).await {
            Ok(true) => {}
            Ok(false) => return,
            Err(err) => tracing::warn!(execution = id, error = %err, "could not renew a lease"),
        }
    }
}

/// A pooled run is answered before the engine has torn its container down; if the engine
/// then saw the end differently (an OOM kill), the row takes the engine's word.
async fn apply_correction(db: DatabaseConnection, execution_id: i64, correction: Correction) {
    if let Err(err) = records::correct_status(&db, execution_id, correction).await {
        tracing::error!(execution = execution_id, error = %err, "could not record the engine's correction of a run");
    }
}

/// Runs of workers that stopped renewing their leases become `error` ("worker lost"), and
/// their subscribers hear the end. Every `ved serve` sweeps, worker or not.
pub fn sweep_lost_jobs(db: DatabaseConnection, hub: EventHub, sandbox: DockerRunner, every: Duration) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            let lost = match jobs::sweep_lost(&db).await {
                Ok(lost) => lost,
                Err(err) => {
                    tracing::warn!(error = %err, "could not sweep for lost workers");
                    continue;
                }
            };
            for row in lost {
                tracing::warn!(execution = row.id, worker = ?row.worker, "a worker stopped renewing its lease: the run is lost");
                // Its container, where this engine has it.
                let _ = sandbox.remove_containers_of(row.id, row.worker.as_deref().unwrap_or_default()).await;
                announce_end(&db, &hub, row).await;
            }
        }
    });
}
