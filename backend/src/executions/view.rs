//! The `Execution` JSON of SPEC §6.
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use sea_orm::{DatabaseConnection, DbErr};

use super::{
    artifacts::ArtifactInfo,
    status::{ExecutionSource, ExecutionStatus},
};
use crate::entities::execution;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Execution {
    pub id: i64,
    pub script_id: i64,
    pub script_version_id: i64,
    /// `major.minor` of the version that ran.
    pub version_label: String,
    pub batch_id: Option<i64>,
    pub status: ExecutionStatus,
    pub exit_code: Option<i64>,
    pub stdout: String,
    pub stderr: String,
    pub stdout_truncated: bool,
    pub stderr_truncated: bool,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub duration_ms: Option<i64>,
    /// e.g. `cpython-3.11.2`.
    pub interpreter: String,
    pub triggered_by: String,
    /// What ran: `prod`, `draft` (the latest saved version) or `assistant` (a fix round's
    /// code, not saved; `version_label` is then the version it started from).
    pub source: ExecutionSource,
    /// Why the engine could not run it (status `error`).
    pub error: Option<String>,
    /// The worker that ran it (`VED_WORKER_NAME`), once one has claimed it.
    pub worker: Option<String>,
    /// The files the run left in `/runner/out`; each is served at
    /// `/api/executions/{id}/artifacts/{name}`.
    pub artifacts: Vec<ArtifactInfo>,
}

/// The executions as the API shows them, each with its artifacts (one query for all).
pub async fn load(db: &DatabaseConnection, rows: Vec<execution::Model>) -> Result<Vec<Execution>, DbErr> {
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let mut artifacts = super::artifacts::of_executions(db, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let files = artifacts.remove(&row.id).unwrap_or_default();
            Execution::of(row, files)
        })
        .collect())
}

pub async fn load_one(db: &DatabaseConnection, row: execution::Model) -> Result<Execution, DbErr> {
    Ok(load(db, vec![row]).await?.pop().expect("one row in, one out"))
}

impl Execution {
    fn of(row: execution::Model, artifacts: Vec<ArtifactInfo>) -> Self {
        Self {
            id: row.id,
            script_id: row.script_id,
            script_version_id: row.script_version_id,
            version_label: row.version_label,
            batch_id: row.batch_id,
            status: row.status,
            exit_code: row.exit_code,
            stdout: row.stdout,
            stderr: row.stderr,
            stdout_truncated: row.stdout_truncated,
            stderr_truncated: row.stderr_truncated,
            started_at: row.started_at,
            finished_at: row.finished_at,
            duration_ms: row.duration_ms,
            interpreter: row.interpreter,
            triggered_by: row.triggered_by,
            source: row.source,
            error: row.error,
            worker: row.worker,
            artifacts,
        }
    }
}
