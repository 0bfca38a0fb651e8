//! What `execute` and `execute/all` do: pick the version, record the attempt, run it in the
//! sandbox, record the outcome. Groups of a batch run strictly one after another, scripts
//! inside a group concurrently (bounded by the runner's global limit).
use std::collections::BTreeMap;

use futures::future::join_all;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect};

use super::records::{self, Planned};
use super::status::{BatchStatus, ExecutionStatus};
use crate::{
    adapters::sandbox::{Correction, RunJob},
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

/// Records, runs and finishes one execution. An engine that cannot be reached leaves an
/// `error` row and answers 503.
pub async fn run_one(
    state: &AppState,
    version: &script_version::Model,
    test_data: Option<&str>,
    triggered_by: &str,
    batch: Option<(i64, i32)>,
) -> ApiResult<execution::Model> {
    let files = state.catalog.read_files(version).await?;
    let input = test_data.map_or(files.input, str::to_owned);
    let queued = records::queue(&state.db, Planned { version, batch, triggered_by }).await?;
    let running = records::mark_running(&state.db, queued).await?;
    let job = RunJob { execution_id: running.id, script: files.content, input: input.into_bytes() };
    // Its own task: a client that hangs up must not kill the run or leave its row `running`.
    let (runner, db) = (state.runner.clone(), state.db.clone());
    let finished = tokio::spawn(async move {
        let execution_id = running.id;
        let corrections_db = db.clone();
        let correct = move |correction| apply_correction(corrections_db, execution_id, correction);
        match runner.run(job, correct).await {
            Ok(outcome) => records::finish(&db, running, outcome).await,
            Err(err) => {
                records::fail(&db, running, err.to_string()).await?;
                Err(err.into())
            }
        }
    });
    finished.await.map_err(ApiError::internal)?
}

/// A pooled run is answered before the engine has torn its container down; if the engine
/// then saw the end differently (an OOM kill), the row takes the engine's word.
async fn apply_correction(db: DatabaseConnection, execution_id: i64, correction: Correction) {
    if let Err(err) = records::correct_status(&db, execution_id, correction).await {
        tracing::error!(execution = execution_id, error = %err, "could not record the engine's correction of a run");
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

/// Runs a planned batch to its end and returns its executions in ordering-number order.
pub async fn run_batch(
    state: AppState,
    batch: batch::Model,
    groups: BTreeMap<i64, Vec<script_version::Model>>,
    request: BatchRequest,
) -> ApiResult<Vec<execution::Model>> {
    let mut finished = Vec::new();
    let mut any_failed = false;
    let mut stopped = false;
    for (group, versions) in groups {
        if stopped {
            break;
        }
        let group = i32::try_from(group).unwrap_or(i32::MAX);
        let runs = versions.iter().map(|version| {
            run_one(
                &state,
                version,
                request.test_data.as_deref(),
                &request.triggered_by,
                Some((batch.id, group)),
            )
        });
        for result in join_all(runs).await {
            let row = match result {
                Ok(row) => row,
                Err(err) => {
                    records::end_batch(&state.db, batch.clone(), BatchStatus::Error).await?;
                    return Err(err);
                }
            };
            if row.status != ExecutionStatus::Succeeded {
                any_failed = true;
                stopped = request.stop_on_failure;
            }
            finished.push(row);
        }
    }
    let status = match (stopped, any_failed) {
        (true, _) => BatchStatus::Stopped,
        (false, true) => BatchStatus::Failed,
        (false, false) => BatchStatus::Succeeded,
    };
    records::end_batch(&state.db, batch, status).await?;
    Ok(finished)
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
