//! Schedules and firings as the API shows them: a firing's status is read from the run it
//! started, so it is never stale.
use std::collections::HashMap;

use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};

use super::{
    store,
    types::{FiringOutcome, FiringStatus, Schedule, ScheduleFiring, ScheduleTarget},
};
use crate::entities::{batch, execution, schedule, schedule_run};

pub async fn firings(
    db: &DatabaseConnection,
    rows: Vec<schedule_run::Model>,
) -> Result<Vec<ScheduleFiring>, DbErr> {
    let execution_ids: Vec<i64> = rows.iter().filter_map(|row| row.execution_id).collect();
    let batch_ids: Vec<i64> = rows.iter().filter_map(|row| row.batch_id).collect();
    let executions: HashMap<i64, FiringStatus> = execution::Entity::find()
        .filter(execution::Column::Id.is_in(execution_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.id, row.status.into()))
        .collect();
    let batches: HashMap<i64, FiringStatus> = batch::Entity::find()
        .filter(batch::Column::Id.is_in(batch_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.id, row.status.into()))
        .collect();
    Ok(rows
        .into_iter()
        .map(|row| {
            let started = row
                .execution_id
                .and_then(|id| executions.get(&id))
                .or_else(|| row.batch_id.and_then(|id| batches.get(&id)));
            let status = match row.outcome {
                FiringOutcome::Skipped => FiringStatus::Skipped,
                FiringOutcome::Error => FiringStatus::Error,
                FiringOutcome::Started => started.copied().unwrap_or(FiringStatus::Error),
            };
            ScheduleFiring {
                id: row.id,
                schedule_id: row.schedule_id,
                due_at: row.due_at,
                fired_at: row.fired_at,
                outcome: row.outcome,
                status,
                execution_id: row.execution_id,
                batch_id: row.batch_id,
                detail: row.detail,
            }
        })
        .collect())
}

pub async fn schedule(db: &DatabaseConnection, row: schedule::Model) -> Result<Schedule, DbErr> {
    let last = firings(db, store::firings(db, row.id, 1).await?).await?.pop();
    Ok(Schedule {
        id: row.id,
        cron: row.cron,
        target: ScheduleTarget::of(row.script_id),
        test_data: row.test_data,
        enabled: row.enabled,
        next_run_at: row.next_run_at,
        last_run_at: row.last_run_at,
        last_status: last.map(|firing| firing.status),
        disabled_reason: row.disabled_reason,
        created_by: row.created_by,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

pub async fn schedules(db: &DatabaseConnection, rows: Vec<schedule::Model>) -> Result<Vec<Schedule>, DbErr> {
    let mut views = Vec::with_capacity(rows.len());
    for row in rows {
        views.push(schedule(db, row).await?);
    }
    Ok(views)
}
