//! `GET /api/scripts`: the catalog in a fixed number of queries, whatever its size, without
//! touching git.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::{Expr, Query, SelectStatement},
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::{
    ordering::OrderingNumber,
    views::{version_label, ScriptSummary},
};
use crate::{
    entities::{execution, script, script_version},
    error::ApiResult,
    executions::status::ExecutionStatus,
};

struct LastRun {
    at: DateTime<Utc>,
    status: ExecutionStatus,
    exit_code: Option<i64>,
}

pub async fn list(db: &DatabaseConnection) -> ApiResult<Vec<ScriptSummary>> {
    let scripts = script::Entity::find()
        .filter(script::Column::IsDeleted.eq(false))
        .order_by_asc(script::Column::OrderingHundredths)
        .order_by_asc(script::Column::Id)
        .all(db)
        .await?;
    let latest: HashMap<i64, script_version::Model> = script_version::Entity::find()
        .filter(
            script_version::Column::Id
                .in_subquery(newest_per_script(script_version::Column::Id, script_version::Column::ScriptId)),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|version| (version.script_id, version))
        .collect();
    let prod_ids: Vec<i64> = scripts.iter().filter_map(|s| s.prod_version_id).collect();
    let prod_labels: HashMap<i64, String> = script_version::Entity::find()
        .select_only()
        .columns([script_version::Column::Id, script_version::Column::Major, script_version::Column::Minor])
        .filter(script_version::Column::Id.is_in(prod_ids))
        .into_tuple::<(i64, i32, i32)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(id, major, minor)| (id, version_label(major, minor)))
        .collect();
    let last_runs = last_runs(db).await?;
    Ok(scripts
        .into_iter()
        .filter_map(|script| {
            let version = latest.get(&script.id)?;
            let run = last_runs.get(&script.id);
            Some(ScriptSummary {
                id: script.id,
                ordering_number: OrderingNumber::from_hundredths(script.ordering_hundredths),
                descriptive_name: version.descriptive_name.clone(),
                docstring: version.docstring.clone(),
                major: version.major,
                minor: version.minor,
                version_label: version_label(version.major, version.minor),
                last_modified: version.created_at,
                prod_version_label: script.prod_version_id.and_then(|id| prod_labels.get(&id).cloned()),
                last_run_at: run.map(|run| run.at),
                last_run_exit_code: run.and_then(|run| run.exit_code),
                last_run_status: run.map(|run| run.status),
            })
        })
        .collect())
}

/// The highest id per script in the table of `id`: ids only grow, so that is the newest row.
fn newest_per_script<C: ColumnTrait>(id: C, script_id: C) -> SelectStatement {
    Query::select().expr(Expr::col(id).max()).from(id.entity_name()).group_by_col(script_id).to_owned()
}

/// The newest execution of each script: only the few columns the list shows, never the
/// (possibly large) output.
async fn last_runs(db: &DatabaseConnection) -> ApiResult<HashMap<i64, LastRun>> {
    let newest = newest_per_script(execution::Column::Id, execution::Column::ScriptId);
    type Row =
        (i64, ExecutionStatus, Option<i64>, DateTime<Utc>, Option<DateTime<Utc>>, Option<DateTime<Utc>>);
    let rows: Vec<Row> = execution::Entity::find()
        .select_only()
        .columns([
            execution::Column::ScriptId,
            execution::Column::Status,
            execution::Column::ExitCode,
            execution::Column::CreatedAt,
            execution::Column::StartedAt,
            execution::Column::FinishedAt,
        ])
        .filter(execution::Column::Id.in_subquery(newest))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(script_id, status, exit_code, created, started, finished)| {
            let at = finished.or(started).unwrap_or(created);
            (script_id, LastRun { at, status, exit_code })
        })
        .collect())
}
