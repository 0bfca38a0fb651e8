//! The job queue of SPEC §12, in the `executions` table: a job is queued with everything a
//! worker needs, claimed atomically by one worker (see [`claim`]: the one place that
//! behaves differently on PostgreSQL and SQLite), held with a lease the worker renews,
//! and finished only by the worker that still holds it.
use std::time::Duration;

use chrono::Utc;
use sea_orm::{
    sea_query::{Expr, LockBehavior, LockType, SimpleExpr},
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};

use super::status::{ExecutionSource, ExecutionStatus};
use crate::{
    adapters::sandbox::RunOutcome,
    entities::{execution, script_version},
    scripts::views::version_label,
};

/// What a new job runs and for whom.
pub struct NewJob<'a> {
    pub version: &'a script_version::Model,
    pub script: String,
    pub input: String,
    /// `N.lock` of the version, if it has one.
    pub lock: Option<String>,
    /// Batch id and group, for a run-all.
    pub batch: Option<(i64, i32)>,
    pub triggered_by: &'a str,
    pub source: ExecutionSource,
}

pub async fn enqueue(db: &DatabaseConnection, job: NewJob<'_>) -> Result<execution::Model, DbErr> {
    row_of(job).insert(db).await
}

/// A run that could not even be queued (no engine to run it): on record as `error`.
pub async fn record_refused(
    db: &DatabaseConnection,
    job: NewJob<'_>,
    reason: String,
) -> Result<execution::Model, DbErr> {
    let mut row = row_of(job);
    row.status = Set(ExecutionStatus::Error);
    row.error = Set(Some(reason));
    row.finished_at = Set(Some(Utc::now()));
    row.insert(db).await
}

fn row_of(job: NewJob<'_>) -> execution::ActiveModel {
    execution::ActiveModel {
        script_id: Set(job.version.script_id),
        script_version_id: Set(job.version.id),
        version_label: Set(version_label(job.version.major, job.version.minor)),
        batch_id: Set(job.batch.map(|(id, _)| id)),
        batch_group: Set(job.batch.map(|(_, group)| group)),
        status: Set(ExecutionStatus::Queued),
        exit_code: Set(None),
        stdout: Set(String::new()),
        stderr: Set(String::new()),
        stdout_truncated: Set(false),
        stderr_truncated: Set(false),
        error: Set(None),
        interpreter: Set(String::new()),
        triggered_by: Set(job.triggered_by.to_owned()),
        created_at: Set(Utc::now()),
        started_at: Set(None),
        finished_at: Set(None),
        duration_ms: Set(None),
        script_content: Set(Some(job.script)),
        input: Set(Some(job.input)),
        dependency_lock: Set(job.lock),
        worker: Set(None),
        lease_expires_at: Set(None),
        source: Set(job.source),
        ..Default::default()
    }
}

fn lease_end(lease: Duration) -> chrono::DateTime<Utc> {
    Utc::now() + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(30))
}

/// The oldest queued job, now `running` for `worker`; `None` when there is none.
///
/// One statement, `UPDATE ... WHERE id = (the oldest queued) RETURNING *`. On PostgreSQL
/// the subquery takes its row `FOR UPDATE SKIP LOCKED`, so concurrent claimants each get
/// a different job instead of queueing behind one row; SQLite has no row locks (the query
/// builder leaves the clause out) and needs none: it runs one writing statement at a time.
/// A scalar `=`, not `IN`: PostgreSQL may run an `IN` subquery more than once per
/// statement, and each run skips the rows the last one locked, so one claim took two jobs.
/// The repeated `status = 'queued'` makes a claim of an already claimed row change nothing.
pub async fn claim(
    db: &DatabaseConnection,
    worker: &str,
    lease: Duration,
) -> Result<Option<execution::Model>, DbErr> {
    let oldest_queued = execution::Entity::find()
        .select_only()
        .column(execution::Column::Id)
        .filter(execution::Column::Status.eq(ExecutionStatus::Queued))
        .order_by_asc(execution::Column::Id)
        .limit(1)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .into_query();
    let claimed = execution::Entity::update_many()
        .col_expr(execution::Column::Status, Expr::value(ExecutionStatus::Running.as_str()))
        .col_expr(execution::Column::Worker, Expr::value(worker))
        .col_expr(execution::Column::LeaseExpiresAt, Expr::value(lease_end(lease)))
        .col_expr(execution::Column::StartedAt, Expr::value(Utc::now()))
        .filter(
            Expr::col((execution::Entity, execution::Column::Id))
                .eq(SimpleExpr::SubQuery(None, Box::new(oldest_queued.into_sub_query_statement()))),
        )
        .filter(execution::Column::Status.eq(ExecutionStatus::Queued))
        .exec_with_returning(db)
        .await?;
    Ok(claimed.into_iter().next())
}

/// Extends the lease; `false` when the job is no longer this worker's (it was swept).
pub async fn renew(db: &DatabaseConnection, id: i64, worker: &str, lease: Duration) -> Result<bool, DbErr> {
    let renewed = execution::Entity::update_many()
        .col_expr(execution::Column::LeaseExpiresAt, Expr::value(lease_end(lease)))
        .filter(execution::Column::Id.eq(id))
        .filter(execution::Column::Worker.eq(worker))
        .filter(execution::Column::Status.eq(ExecutionStatus::Running))
        .exec(db)
        .await?;
    Ok(renewed.rows_affected == 1)
}

/// Records the outcome if the job is still this worker's; the row as it now stands.
pub async fn finish(
    db: &DatabaseConnection,
    id: i64,
    worker: &str,
    outcome: RunOutcome,
) -> Result<Option<execution::Model>, DbErr> {
    let status = ExecutionStatus::from(outcome.status);
    let finished = execution::Entity::update_many()
        .col_expr(execution::Column::Status, Expr::value(status.as_str()))
        .col_expr(execution::Column::ExitCode, Expr::value(outcome.exit_code))
        .col_expr(execution::Column::Stdout, Expr::value(outcome.stdout))
        .col_expr(execution::Column::Stderr, Expr::value(outcome.stderr))
        .col_expr(execution::Column::StdoutTruncated, Expr::value(outcome.stdout_truncated))
        .col_expr(execution::Column::StderrTruncated, Expr::value(outcome.stderr_truncated))
        .col_expr(execution::Column::Error, Expr::value(outcome.error))
        .col_expr(execution::Column::Interpreter, Expr::value(outcome.interpreter))
        .col_expr(execution::Column::StartedAt, Expr::value(outcome.started_at))
        .col_expr(execution::Column::FinishedAt, Expr::value(outcome.finished_at))
        .col_expr(execution::Column::DurationMs, Expr::value(outcome.duration_ms))
        .col_expr(execution::Column::LeaseExpiresAt, Expr::value(Option::<chrono::DateTime<Utc>>::None))
        .filter(execution::Column::Id.eq(id))
        .filter(execution::Column::Worker.eq(worker))
        .filter(execution::Column::Status.eq(ExecutionStatus::Running))
        .exec(db)
        .await?;
    if finished.rows_affected == 0 {
        tracing::warn!(execution = id, %worker, "a finished run was no longer this worker's; its outcome is dropped");
    }
    execution::Entity::find_by_id(id).one(db).await
}

/// A job that could not run at all (the engine is gone): `error` with the reason.
pub async fn fail(db: &DatabaseConnection, id: i64, worker: &str, reason: String) -> Result<(), DbErr> {
    execution::Entity::update_many()
        .col_expr(execution::Column::Status, Expr::value(ExecutionStatus::Error.as_str()))
        .col_expr(execution::Column::Error, Expr::value(reason))
        .col_expr(execution::Column::FinishedAt, Expr::value(Utc::now()))
        .col_expr(execution::Column::LeaseExpiresAt, Expr::value(Option::<chrono::DateTime<Utc>>::None))
        .filter(execution::Column::Id.eq(id))
        .filter(execution::Column::Worker.eq(worker))
        .filter(execution::Column::Status.eq(ExecutionStatus::Running))
        .exec(db)
        .await?;
    Ok(())
}

/// Running jobs whose worker stopped renewing its lease become `error` ("worker lost");
/// returns them as they now stand.
pub async fn sweep_lost(db: &DatabaseConnection) -> Result<Vec<execution::Model>, DbErr> {
    let now = Utc::now();
    let lapsed = execution::Entity::find()
        .filter(execution::Column::Status.eq(ExecutionStatus::Running))
        .filter(execution::Column::LeaseExpiresAt.lt(now))
        .all(db)
        .await?;
    let mut lost = Vec::new();
    for job in lapsed {
        let swept = execution::Entity::update_many()
            .col_expr(execution::Column::Status, Expr::value(ExecutionStatus::Error.as_str()))
            .col_expr(execution::Column::Error, Expr::value("worker lost"))
            .col_expr(execution::Column::FinishedAt, Expr::value(now))
            .filter(execution::Column::Id.eq(job.id))
            .filter(execution::Column::Status.eq(ExecutionStatus::Running))
            .filter(execution::Column::LeaseExpiresAt.lt(now))
            .exec(db)
            .await?;
        if swept.rows_affected == 1 {
            if let Some(row) = execution::Entity::find_by_id(job.id).one(db).await? {
                lost.push(row);
            }
        }
    }
    Ok(lost)
}

/// At start: this worker's own jobs that were running when it stopped can never finish.
pub async fn mark_interrupted(db: &DatabaseConnection, worker: &str) -> Result<u64, DbErr> {
    let interrupted = execution::Entity::update_many()
        .col_expr(execution::Column::Status, Expr::value(ExecutionStatus::Error.as_str()))
        .col_expr(execution::Column::Error, Expr::value("interrupted by restart"))
        .col_expr(execution::Column::FinishedAt, Expr::value(Utc::now()))
        .filter(execution::Column::Status.eq(ExecutionStatus::Running))
        .filter(execution::Column::Worker.eq(worker))
        .exec(db)
        .await?;
    Ok(interrupted.rows_affected)
}
