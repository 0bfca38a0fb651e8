//! What `execute` and `execute/all` do: pick the version, queue it as a job for a worker,
//! and (unless told not to) wait for its end. Groups of a batch run strictly one after
//! another, scripts inside a group concurrently (bounded by the workers' run slots).
use std::collections::BTreeMap;

use futures::future::join_all;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect};
use tokio::sync::broadcast;

use super::{
    events,
    jobs::{self, NewJob},
    records,
    status::{BatchStatus, ExecutionSource, ExecutionStatus},
    worker,
};
use crate::{
    entities::{batch, execution, script, script_version},
    error::{ApiError, ApiResult},
    scripts::{catalog, ordering::OrderingNumber},
    AppState,
};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The version on prod (the default).
    #[default]
    Prod,
    /// The latest saved version, merged or not.
    Draft,
}

/// The version a single run uses.
pub async fn version_to_run(
    db: &DatabaseConnection,
    script: &script::Model,
    source: Source,
) -> ApiResult<script_version::Model> {
    match (source, script.prod_version_id) {
        (Source::Draft, _) => Ok(catalog::latest_version(db, script.id).await?),
        (Source::Prod, Some(prod_id)) => script_version::Entity::find_by_id(prod_id)
            .one(db)
            .await?
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("prod version {prod_id} is missing"))),
        (Source::Prod, None) => Err(ApiError::BadRequest(format!(
            "Script {} is not on prod: merge it first, or run the draft with \"source\": \"draft\".",
            script.id
        ))),
    }
}

impl From<Source> for ExecutionSource {
    fn from(source: Source) -> Self {
        match source {
            Source::Prod => Self::Prod,
            Source::Draft => Self::Draft,
        }
    }
}

/// Queues a run of `version` as saved and wakes the worker; the row as queued.
pub async fn queue_run(
    state: &AppState,
    version: &script_version::Model,
    test_data: Option<&str>,
    triggered_by: &str,
    batch: Option<(i64, i32)>,
    source: Source,
) -> ApiResult<execution::Model> {
    let files = state.catalog.read_files(version).await?;
    let input = test_data.map_or(files.input, str::to_owned);
    let job = NewJob {
        version,
        script: files.content,
        input,
        lock: files.lock,
        batch,
        triggered_by,
        source: source.into(),
    };
    queue_job(state, job).await
}

/// Queues `job` and wakes the worker; the row as queued. With a worker in this process, a
/// missing engine or image is said at once (503), the attempt on record, rather than left
/// for the worker to fail; a process without one leaves that to workers.
pub async fn queue_job(state: &AppState, job: NewJob<'_>) -> ApiResult<execution::Model> {
    if state.config.worker.enabled {
        if let Err(err) = state.runner.interpreter().await {
            jobs::record_refused(&state.db, job, err.to_string()).await?;
            return Err(err.into());
        }
    }
    let row = jobs::enqueue(&state.db, job).await?;
    let queued = QueuedEvent { status: ExecutionStatus::Queued };
    state.hub.publish(&state.db, &events::execution_stream(row.id), "status", &queued).await?;
    worker::announce_to_batch(&state.db, &state.hub, &row).await;
    state.doorbell.ring();
    Ok(row)
}

#[derive(serde::Serialize)]
struct QueuedEvent {
    status: ExecutionStatus,
}

/// The job once it has ended, whichever worker ran it: once its `end` event is out (so
/// that everything about it, on its batch's stream too, came before).
pub async fn wait_for_end(state: &AppState, id: i64) -> ApiResult<execution::Model> {
    wait_for_end_event(state, id).await?;
    records::execution(&state.db, id)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("execution {id} disappeared")))
}

/// The data of the job's `end` event: `{"execution": ...}`, the finished `Execution` as
/// the API shows it. A worker in this process hands it over directly (no query once it is
/// out); one in another process writes only the row, looked for when the database
/// announces a row of the job (PostgreSQL), else every quarter second.
pub async fn wait_for_end_event(state: &AppState, id: i64) -> ApiResult<String> {
    let stream = events::execution_stream(id);
    let mut doorbell = state.hub.doorbell(&stream);
    let mut announced = state.hub.announcements(&stream);
    loop {
        if let Some(end) = events::end_of(&state.db, &stream).await? {
            return Ok(end.data);
        }
        let look_again = tokio::time::sleep(std::time::Duration::from_millis(250));
        tokio::pin!(look_again);
        loop {
            tokio::select! {
                heard = doorbell.recv() => match heard {
                    Ok(event) if event.kind == events::END => return Ok(event.data.clone()),
                    Ok(_) => {}
                    // Missed some: the rows have them all.
                    Err(broadcast::error::RecvError::Lagged(_)) => break,
                    Err(broadcast::error::RecvError::Closed) => {
                        doorbell = state.hub.doorbell(&stream);
                        break;
                    }
                },
                Ok(()) = announced.changed() => break,
                () = &mut look_again => break,
            }
        }
    }
}

/// The scripts a run-all covers, grouped by the integer part of their ordering number.
pub async fn plan_batch(db: &DatabaseConnection) -> ApiResult<BTreeMap<i64, Vec<script_version::Model>>> {
    let scripts = script::Entity::find()
        .filter(script::Column::IsDeleted.eq(false))
        .filter(script::Column::ProdVersionId.is_not_null())
        .order_by_asc(script::Column::OrderingHundredths)
        .order_by_asc(script::Column::Id)
        .all(db)
        .await?;
    let prod_ids: Vec<i64> = scripts.iter().filter_map(|s| s.prod_version_id).collect();
    let mut versions: std::collections::HashMap<i64, script_version::Model> = script_version::Entity::find()
        .filter(script_version::Column::Id.is_in(prod_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|v| (v.id, v))
        .collect();
    let mut groups: BTreeMap<i64, Vec<script_version::Model>> = BTreeMap::new();
    for script in scripts {
        let Some(version) = script.prod_version_id.and_then(|id| versions.remove(&id)) else { continue };
        let group = OrderingNumber::from_hundredths(script.ordering_hundredths).group();
        groups.entry(group).or_default().push(version);
    }
    Ok(groups)
}

pub struct BatchRequest {
    pub test_data: Option<String>,
    pub stop_on_failure: bool,
    pub triggered_by: String,
}

#[derive(serde::Serialize)]
struct GroupEvent {
    group: i64,
    status: &'static str,
}

/// Runs a planned batch to its end, group after group, and returns its executions in
/// ordering-number order. Its stream hears `group` and `execution` events, then `end`.
pub async fn run_batch(
    state: AppState,
    batch: batch::Model,
    groups: BTreeMap<i64, Vec<script_version::Model>>,
    request: BatchRequest,
) -> ApiResult<Vec<execution::Model>> {
    let stream = events::batch_stream(batch.id);
    let mut finished = Vec::new();
    let mut any_failed = false;
    let mut stopped = false;
    for (group, versions) in groups {
        if stopped {
            break;
        }
        state.hub.publish(&state.db, &stream, "group", &GroupEvent { group, status: "running" }).await?;
        let batch_group = Some((batch.id, i32::try_from(group).unwrap_or(i32::MAX)));
        let mut queued = Vec::new();
        for version in &versions {
            let test_data = request.test_data.as_deref();
            match queue_run(&state, version, test_data, &request.triggered_by, batch_group, Source::Prod)
                .await
            {
                Ok(row) => queued.push(row.id),
                Err(err) => {
                    end_batch(&state, batch, BatchStatus::Error).await?;
                    return Err(err);
                }
            }
        }
        let mut group_failed = false;
        for result in join_all(queued.iter().map(|id| wait_for_end(&state, *id))).await {
            let row = result?;
            if row.status != ExecutionStatus::Succeeded {
                group_failed = true;
            }
            finished.push(row);
        }
        let status = if group_failed { "failed" } else { "succeeded" };
        state.hub.publish(&state.db, &stream, "group", &GroupEvent { group, status }).await?;
        any_failed |= group_failed;
        stopped = group_failed && request.stop_on_failure;
    }
    let status = match (stopped, any_failed) {
        (true, _) => BatchStatus::Stopped,
        (false, true) => BatchStatus::Failed,
        (false, false) => BatchStatus::Succeeded,
    };
    end_batch(&state, batch, status).await?;
    Ok(finished)
}

/// Runs a planned batch without waiting for it (`?wait=false`, a schedule's firing); its
/// end is on its event stream and its record.
pub fn run_batch_in_background(
    state: AppState,
    batch: batch::Model,
    groups: BTreeMap<i64, Vec<script_version::Model>>,
    request: BatchRequest,
) {
    let batch_id = batch.id;
    tokio::spawn(async move {
        if let Err(err) = run_batch(state, batch, groups, request).await {
            tracing::error!(batch = batch_id, error = %err, "run-all failed");
        }
    });
}

#[derive(serde::Serialize)]
struct BatchEnd {
    batch: super::Batch,
}

async fn end_batch(state: &AppState, batch: batch::Model, status: BatchStatus) -> ApiResult<()> {
    let batch = records::end_batch(&state.db, batch, status).await?;
    let view = super::batch_view(state, batch.clone()).await?;
    state
        .hub
        .publish(&state.db, &events::batch_stream(batch.id), events::END, &BatchEnd { batch: view })
        .await?;
    Ok(())
}

/// Executions of a batch, group by group and by ordering number inside a group (never in
/// the order they happened to start or finish), for its view.
pub async fn batch_executions(db: &DatabaseConnection, batch_id: i64) -> ApiResult<Vec<execution::Model>> {
    let of_script = execution::Entity::belongs_to(script::Entity)
        .from(execution::Column::ScriptId)
        .to(script::Column::Id)
        .into();
    Ok(execution::Entity::find()
        .join(JoinType::InnerJoin, of_script)
        .filter(execution::Column::BatchId.eq(batch_id))
        .order_by_asc(execution::Column::BatchGroup)
        .order_by_asc(script::Column::OrderingHundredths)
        .order_by_asc(execution::Column::Id)
        .all(db)
        .await?)
}
