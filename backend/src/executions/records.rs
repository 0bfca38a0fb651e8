//! Execution and batch rows outside the job queue's own steps (`jobs.rs`): reading one,
//! the engine's late corrections, and batches.
use chrono::Utc;
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter,
};

use super::status::{BatchStatus, ExecutionStatus};
use crate::{
    adapters::sandbox::Correction,
    entities::{batch, execution},
    error::ApiResult,
};

pub async fn execution(db: &DatabaseConnection, id: i64) -> Result<Option<execution::Model>, DbErr> {
    execution::Entity::find_by_id(id).one(db).await
}

/// The engine's last word on a run answered before its container was gone.
pub async fn correct_status(
    db: &DatabaseConnection,
    execution_id: i64,
    correction: Correction,
) -> Result<(), DbErr> {
    execution::Entity::update_many()
        .col_expr(execution::Column::Status, Expr::value(ExecutionStatus::from(correction.status).as_str()))
        .col_expr(execution::Column::ExitCode, Expr::value(correction.exit_code))
        .filter(execution::Column::Id.eq(execution_id))
        .exec(db)
        .await?;
    Ok(())
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

pub async fn end_batch(
    db: &DatabaseConnection,
    batch: batch::Model,
    status: BatchStatus,
) -> ApiResult<batch::Model> {
    let mut active: batch::ActiveModel = batch.into();
    active.status = Set(status);
    active.finished_at = Set(Some(Utc::now()));
    Ok(active.update(db).await?)
}

/// At start: run-alls are driven by the process that started them, so one still running
/// was this process's and can never go on; its jobs not yet run go with it.
pub async fn mark_batches_interrupted(db: &DatabaseConnection) -> Result<u64, DbErr> {
    let now = Utc::now();
    let running: Vec<i64> = batch::Entity::find()
        .filter(batch::Column::Status.eq(BatchStatus::Running))
        .all(db)
        .await?
        .into_iter()
        .map(|batch| batch.id)
        .collect();
    execution::Entity::update_many()
        .col_expr(execution::Column::Status, Expr::value(ExecutionStatus::Error.as_str()))
        .col_expr(execution::Column::Error, Expr::value("interrupted by restart"))
        .col_expr(execution::Column::FinishedAt, Expr::value(now))
        .filter(execution::Column::BatchId.is_in(running.clone()))
        .filter(execution::Column::Status.eq(ExecutionStatus::Queued))
        .exec(db)
        .await?;
    let batches = batch::Entity::update_many()
        .col_expr(batch::Column::Status, Expr::value(BatchStatus::Error))
        .col_expr(batch::Column::FinishedAt, Expr::value(now))
        .filter(batch::Column::Id.is_in(running))
        .exec(db)
        .await?;
    Ok(batches.rows_affected)
}
