//! Running scripts (SPEC §6, §12): single runs and run-all batches as durable jobs, their
//! records, and their live event streams.
pub mod artifacts;
pub mod events;
pub mod jobs;
mod output;
pub mod records;
pub mod runs;
pub mod status;
mod stream;
pub mod view;
pub mod worker;

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use runs::{BatchRequest, Source};
use view::Execution;

use crate::{
    audit::{self, AuditEvent},
    auth::CurrentUser,
    entities::{batch, execution},
    error::{ApiError, ApiResult, ErrorBody, NeedsEditor, NeedsSession},
    extract::OptionalJson,
    scripts::catalog,
    AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(execute_script))
        .routes(routes!(execute_all))
        .routes(routes!(last_execution))
        .routes(routes!(get_execution))
        .routes(routes!(latest_batch))
        .routes(routes!(get_batch))
        .routes(routes!(interpreters))
        .routes(routes!(stream::execution_events))
        .routes(routes!(stream::batch_events))
        .routes(routes!(artifacts::get_artifact))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExecuteRequest {
    /// Input for this run; absent: the script's saved test data.
    pub test_data: Option<String>,
    #[serde(default)]
    pub source: Source,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExecuteAllRequest {
    /// Input for every script; absent: each script's saved test data.
    pub test_data: Option<String>,
    /// Skip later groups once a script of a group did not succeed.
    #[serde(default)]
    pub stop_on_failure: bool,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct WaitQuery {
    /// `false`: answer 202 with the id at once; follow the run through its events.
    pub wait: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExecutionStarted {
    pub execution_id: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BatchStarted {
    pub batch_id: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BatchGroup {
    /// The integer part of the ordering numbers in this group.
    pub group: i32,
    pub executions: Vec<Execution>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Batch {
    pub id: i64,
    pub status: status::BatchStatus,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub triggered_by: String,
    pub groups: Vec<BatchGroup>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Interpreter {
    /// e.g. `cpython-3.11.2`.
    pub name: String,
    pub image: String,
    pub default: bool,
}

/// Run one script: its prod version, or with `source: "draft"` its latest saved version.
#[utoipa::path(post, path = "/api/execute/{id}", tag = "execution", params(("id" = i64, Path), WaitQuery),
    request_body(content = Option<ExecuteRequest>, description = "Optional: no body runs prod's version with the saved test data"),
    responses(
        (status = 200, description = "The finished execution", body = Execution),
        (status = 202, description = "Queued (`?wait=false`): follow `/api/executions/{id}/events`", body = ExecutionStarted),
        (status = 400, description = "Not on prod: merge first", body = ErrorBody),
        NeedsEditor,
        (status = 404, description = "No such script", body = ErrorBody),
        (status = 413, description = "test_data over 1 MiB", body = ErrorBody),
        (status = 503, description = "No Docker engine or runner image", body = ErrorBody),
    ))]
async fn execute_script(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(query): Query<WaitQuery>,
    OptionalJson(body): OptionalJson<ExecuteRequest>,
) -> ApiResult<Response> {
    if let Some(test_data) = &body.test_data {
        catalog::check_size("test_data", test_data)?;
    }
    let script = catalog::live_script(&state.db, id).await?;
    let version = runs::version_to_run(&state.db, &script, body.source).await?;
    let event = AuditEvent::new("run", &user.username).script(id, Some(version.id));
    let test_data = body.test_data.as_deref();
    let queued = runs::queue_run(&state, &version, test_data, &user.username, None, body.source).await;
    let queued = match queued {
        Ok(row) => row,
        Err(err) => {
            audit::record(&state.db, event.outcome("error").detail(err.to_string())).await;
            return Err(err);
        }
    };
    audit::record(&state.db, event.detail(format!("execution {}", queued.id))).await;
    if query.wait == Some(false) {
        let started = ExecutionStarted { execution_id: queued.id };
        return Ok((StatusCode::ACCEPTED, Json(started)).into_response());
    }
    let end = runs::wait_for_end_event(&state, queued.id).await?;
    // The end event carries the execution as the API shows it: no need to read it again.
    let end: serde_json::Value = serde_json::from_str(&end).map_err(ApiError::internal)?;
    Ok(Json(&end["execution"]).into_response())
}

/// With a worker in this process, a missing engine or image is said at once (503).
pub async fn ready_to_run(state: &AppState) -> ApiResult<()> {
    if state.config.worker.enabled {
        state.runner.interpreter().await?;
    }
    Ok(())
}

/// Run every script on prod: groups by integer part, one group after another, scripts in a
/// group at the same time.
#[utoipa::path(post, path = "/api/execute/all", tag = "execution", params(WaitQuery),
    request_body(content = Option<ExecuteAllRequest>, description = "Optional: no body runs every group with the saved test data"),
    responses(
        (status = 200, description = "Every execution, in ordering-number order", body = Vec<Execution>),
        (status = 202, description = "Started (`?wait=false`)", body = BatchStarted),
        NeedsEditor,
        (status = 413, description = "test_data over 1 MiB", body = ErrorBody),
        (status = 503, description = "No Docker engine or runner image", body = ErrorBody),
    ))]
async fn execute_all(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<WaitQuery>,
    OptionalJson(body): OptionalJson<ExecuteAllRequest>,
) -> ApiResult<Response> {
    if let Some(test_data) = &body.test_data {
        catalog::check_size("test_data", test_data)?;
    }
    if let Err(err) = ready_to_run(&state).await {
        let event = AuditEvent::new("run_all", &user.username).outcome("error").detail(err.to_string());
        audit::record(&state.db, event).await;
        return Err(err);
    }
    let groups = runs::plan_batch(&state.db).await?;
    let batch = records::start_batch(&state.db, &user.username, body.stop_on_failure).await?;
    let event = AuditEvent::new("run_all", &user.username).detail(format!("batch {}", batch.id));
    audit::record(&state.db, event).await;
    let request = BatchRequest {
        test_data: body.test_data,
        stop_on_failure: body.stop_on_failure,
        triggered_by: user.username,
    };
    if query.wait == Some(false) {
        let batch_id = batch.id;
        runs::run_batch_in_background(state, batch, groups, request);
        return Ok((StatusCode::ACCEPTED, Json(BatchStarted { batch_id })).into_response());
    }
    let executions =
        view::load(&state.db, runs::run_batch(state.clone(), batch, groups, request).await?).await?;
    Ok(Json(executions).into_response())
}

/// The script's most recent execution, or `null`.
#[utoipa::path(get, path = "/api/execute/{id}/last", tag = "execution", params(("id" = i64, Path)),
    responses(
        (status = 200, description = "The latest execution or null", body = Option<Execution>),
        NeedsSession,
        (status = 404, description = "No such script", body = ErrorBody),
    ))]
async fn last_execution(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Option<Execution>>> {
    catalog::live_script(&state.db, id).await?;
    let row = execution::Entity::find()
        .filter(execution::Column::ScriptId.eq(id))
        .order_by_desc(execution::Column::Id)
        .one(&state.db)
        .await?;
    Ok(Json(match row {
        Some(row) => Some(view::load_one(&state.db, row).await?),
        None => None,
    }))
}

/// One execution.
#[utoipa::path(get, path = "/api/executions/{id}", tag = "execution", params(("id" = i64, Path)),
    responses(
        (status = 200, description = "The execution", body = Execution),
        NeedsSession,
        (status = 404, description = "No such execution", body = ErrorBody),
    ))]
async fn get_execution(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<Json<Execution>> {
    let row = execution::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("Execution {id} does not exist.")))?;
    Ok(Json(view::load_one(&state.db, row).await?))
}

async fn batch_view(state: &AppState, batch: batch::Model) -> ApiResult<Batch> {
    let mut groups: Vec<BatchGroup> = Vec::new();
    let rows = runs::batch_executions(&state.db, batch.id).await?;
    let group_of: Vec<i32> = rows.iter().map(|row| row.batch_group.unwrap_or_default()).collect();
    for (group, execution) in group_of.into_iter().zip(view::load(&state.db, rows).await?) {
        match groups.last_mut() {
            Some(last) if last.group == group => last.executions.push(execution),
            _ => groups.push(BatchGroup { group, executions: vec![execution] }),
        }
    }
    Ok(Batch {
        id: batch.id,
        status: batch.status,
        started_at: batch.started_at,
        finished_at: batch.finished_at,
        triggered_by: batch.triggered_by,
        groups,
    })
}

/// The most recent run-all, or `null` before the first.
#[utoipa::path(get, path = "/api/batches/latest", tag = "execution",
    responses(
        (status = 200, description = "The latest batch or null", body = Option<Batch>),
        NeedsSession,
    ))]
async fn latest_batch(State(state): State<AppState>) -> ApiResult<Json<Option<Batch>>> {
    let latest = batch::Entity::find().order_by_desc(batch::Column::Id).one(&state.db).await?;
    Ok(Json(match latest {
        Some(batch) => Some(batch_view(&state, batch).await?),
        None => None,
    }))
}

/// One run-all with its executions by group.
#[utoipa::path(get, path = "/api/batches/{id}", tag = "execution", params(("id" = i64, Path)),
    responses(
        (status = 200, description = "The batch", body = Batch),
        NeedsSession,
        (status = 404, description = "No such batch", body = ErrorBody),
    ))]
async fn get_batch(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<Json<Batch>> {
    let batch = batch::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("Batch {id} does not exist.")))?;
    Ok(Json(batch_view(&state, batch).await?))
}

/// The Python interpreters scripts can run on.
#[utoipa::path(get, path = "/api/interpreters", tag = "execution",
    responses(
        (status = 200, description = "Available interpreters", body = Vec<Interpreter>),
        NeedsSession,
        (status = 503, description = "No Docker engine or runner image", body = ErrorBody),
    ))]
async fn interpreters(State(state): State<AppState>) -> ApiResult<Json<Vec<Interpreter>>> {
    let name = state.runner.interpreter().await?;
    Ok(Json(vec![Interpreter { name, image: state.config.sandbox.image.clone(), default: true }]))
}
