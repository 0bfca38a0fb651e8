//! Execution and batch rows, written as a run progresses: queued → running → final.
use chrono::Utc;
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    QueryFilter,
};

use super::status::{BatchStatus, ExecutionStatus};
use crate::{
    adapters::sandbox::{Correction, RunOutcome},
    entities::{batch, execution, script_version},
    error::ApiResult,
    scripts::views::version_label,
};

pub struct Planned<'a> {
    pub version: &'a script_version::Model,
    pub batch: Option<(i64, i32)>,
    pub triggered_by: &'a str,
}

pub async fn queue(db: &DatabaseConnection, planned: Planned<'_>) -> ApiResult<execution::Model> {
    let row = execution::ActiveModel {
        script_id: Set(planned.version.script_id),
        script_version_id: Set(planned.version.id),
        version_label: Set(version_label(planned.version.major, planned.version.minor)),
        batch_id: Set(planned.batch.map(|(id, _)| id)),
        batch_group: Set(planned.batch.map(|(_, group)| group)),
        status: Set(ExecutionStatus::Queued),
        exit_code: Set(None),
        stdout: Set(String::new()),
        stderr: Set(String::new()),
        stdout_truncated: Set(false),
        stderr_truncated: Set(false),
        error: Set(None),
        interpreter: Set(String::new()),
        triggered_by: Set(planned.triggered_by.to_owned()),
        created_at: Set(Utc::now()),
        started_at: Set(None),
        finished_at: Set(None),
        duration_ms: Set(None),
        ..Default::default()
    };
    Ok(row.insert(db).await?)
}

pub async fn mark_running(db: &DatabaseConnection, row: execution::Model) -> ApiResult<execution::Model> {
    let mut active: execution::ActiveModel = row.into();
    active.status = Set(ExecutionStatus::Running);
    active.started_at = Set(Some(Utc::now()));
    Ok(active.update(db).await?)
}

pub async fn finish(
    db: &DatabaseConnection,
    row: execution::Model,
    outcome: RunOutcome,
) -> ApiResult<execution::Model> {
    let mut active: execution::ActiveModel = row.into();
    active.status = Set(outcome.status.into());
    active.exit_code = Set(outcome.exit_code);
    active.stdout = Set(outcome.stdout);
    active.stderr = Set(outcome.stderr);
    active.stdout_truncated = Set(outcome.stdout_truncated);
    active.stderr_truncated = Set(outcome.stderr_truncated);
    active.error = Set(outcome.error);
    active.interpreter = Set(outcome.interpreter);
    active.started_at = Set(Some(outcome.started_at));
    active.finished_at = Set(Some(outcome.finished_at));
    active.duration_ms = Set(Some(outcome.duration_ms));
    Ok(active.update(db).await?)
}

/// The engine's last word on a run answered before its container was gone.
pub async fn correct_status(
    db: &DatabaseConnection,
    execution_id: i64,
    correction: Correction,
) -> Result<(), sea_orm::DbErr> {
    execution::Entity::update_many()
        .col_expr(execution::Column::Status, Expr::value(ExecutionStatus::from(correction.status).as_str()))
        .col_expr(execution::Column::ExitCode, Expr::value(correction.exit_code))
        .filter(execution::Column::Id.eq(execution_id))
        .exec(db)
        .await?;
    Ok(())
}

/// The engine could not run it at all; the attempt stays on record with the reason.
pub async fn fail(
    db: &DatabaseConnection,
    row: execution::Model,
    reason: String,
) -> ApiResult<execution::Model> {
    let mut active: execution::ActiveModel = row.into();
    let now = Utc::now();
    active.status = Set(ExecutionStatus::Error);
    active.error = Set(Some(reason));
    active.finished_at = Set(Some(now));
    Ok(active.update(db).await?)
}

pub async fn start_batch(
    db: &DatabaseConnection,
    triggered_by: &str,
    stop_on_failure: bool,
) -> ApiResult<batch::Model> {
    let row = batch::ActiveModel {
        status: Set(BatchStatus::Running),
        stop_on_failure: Set(stop_on_failure),
        triggered_by: Set(triggered_by.to_owned()),
        started_at: Set(Utc::now()),
        finished_at: Set(None),
        ..Default::default()
    };
    Ok(row.insert(db).await?)
}

pub async fn end_batch(db: &DatabaseConnection, batch: batch::Model, status: BatchStatus) -> ApiResult<()> {
    let mut active: batch::ActiveModel = batch.into();
    active.status = Set(status);
    active.finished_at = Set(Some(Utc::now()));
    active.update(db).await?;
    Ok(())
}

/// Runs that were in flight when the server stopped can never finish: say so.
pub async fn mark_interrupted(db: &DatabaseConnection) -> Result<u64, sea_orm::DbErr> {
    let now = Utc::now();
    let executions = execution::Entity::update_many()
        .col_expr(execution::Column::Status, Expr::value(ExecutionStatus::Error.as_str()))
        .col_expr(execution::Column::Error, Expr::value("interrupted by restart"))
        .col_expr(execution::Column::FinishedAt, Expr::value(now))
        .filter(execution::Column::Status.is_in([ExecutionStatus::Queued, ExecutionStatus::Running]))
        .exec(db)
        .await?;
    batch::Entity::update_many()
        .col_expr(batch::Column::Status, Expr::value(BatchStatus::Error))
        .col_expr(batch::Column::FinishedAt, Expr::value(now))
        .filter(batch::Column::Status.eq(BatchStatus::Running))
        .exec(db)
        .await?;
    Ok(executions.rows_affected)
}
