//! Figures read when Prometheus asks, rather than recorded as they change: the database's
//! (the same from every process, so any API process reports the queue of all workers) and
//! this process's warm pool.
use metrics::gauge;
use sea_orm::{sea_query::Expr, DatabaseConnection, DbErr, EntityTrait, Iterable, QuerySelect};

use super::record::{EXECUTIONS, QUEUE_DEPTH, WARM_POOL};
use crate::{adapters::sandbox::DockerRunner, entities::execution, executions::status::ExecutionStatus};

pub(super) async fn refresh(db: &DatabaseConnection, runner: &DockerRunner) -> Result<(), DbErr> {
    let counts: Vec<(ExecutionStatus, i64)> = execution::Entity::find()
        .select_only()
        .column(execution::Column::Status)
        .column_as(Expr::col(execution::Column::Id).count(), "count")
        .group_by(execution::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    let count_of = |wanted| counts.iter().find(|(status, _)| *status == wanted).map_or(0, |(_, n)| *n);
    // Every status, zeros included: a series that vanished would keep its last value.
    for status in ExecutionStatus::iter() {
        gauge!(EXECUTIONS, "status" => status.as_str()).set(count_of(status) as f64);
    }
    gauge!(QUEUE_DEPTH).set(count_of(ExecutionStatus::Queued) as f64);
    gauge!(WARM_POOL).set(runner.warm_containers() as f64);
    Ok(())
}
