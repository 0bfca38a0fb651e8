//! Schedules (SPEC §17): a cron pattern, in UTC, that runs one script or all of them. The
//! scheduler inside `ved serve` (`scheduler`) fires them through the executions' job
//! path; `store` holds the claim that makes each due time fire once across processes.
pub mod cron;
pub mod scheduler;
pub mod store;
pub mod types;
mod views;

use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use utoipa_axum::{router::OpenApiRouter, routes};

use store::ValidSchedule;
use types::{Schedule, ScheduleChange, ScheduleFiring, ScheduleRequest, ScheduleTarget};

use crate::{
    audit::{self, AuditEvent},
    auth::{CurrentUser, Ok},
    entities::schedule,
    error::{ApiError, ApiResult, ErrorBody, NeedsEditor, NeedsSession},
    extract::ApiJson,
    scripts::catalog,
    AppState,
};

/// How many firings the history shows.
const HISTORY_LENGTH: u64 = 100;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_schedule, list_schedules))
        .routes(routes!(get_schedule, change_schedule, delete_schedule))
        .routes(routes!(schedule_runs))
}

/// The checks of a create or change: a pattern that parses (422 naming the field), a
/// script that exists (404) where the schedule is to run it, test data within the size
/// limit (413).
async fn validate(
    state: &AppState,
    request: ScheduleRequest,
    check_script: bool,
) -> ApiResult<ValidSchedule> {
    let pattern = cron::parse(&request.cron).map_err(|err| ApiError::Unprocessable(err.to_string()))?;
    let script_id = request.target.script_id();
    if let Some(script_id) = script_id.filter(|_| check_script) {
        catalog::live_script(&state.db, script_id).await?;
    }
    if let Some(test_data) = &request.test_data {
        catalog::check_size("test_data", test_data)?;
    }
    Ok(ValidSchedule {
        cron: request.cron.split_whitespace().collect::<Vec<_>>().join(" "),
        pattern,
        script_id,
        test_data: request.test_data,
        enabled: request.enabled,
    })
}

/// The schedule as it will be: the change over what it is. Its script is checked when the
/// target changes or the schedule is to run (a deleted script's schedule can still be
/// paused or deleted).
async fn changed(
    state: &AppState,
    existing: &schedule::Model,
    change: ScheduleChange,
) -> ApiResult<ValidSchedule> {
    let target = change.target.unwrap_or(ScheduleTarget::of(existing.script_id));
    let enabled = change.enabled.unwrap_or(existing.enabled);
    let check_script = enabled || target.script_id() != existing.script_id;
    let request = ScheduleRequest {
        cron: change.cron.unwrap_or_else(|| existing.cron.clone()),
        target,
        test_data: change.test_data.unwrap_or_else(|| existing.test_data.clone()),
        enabled,
    };
    validate(state, request, check_script).await
}

async fn existing(state: &AppState, id: i64) -> ApiResult<schedule::Model> {
    store::find(&state.db, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("Schedule {id} does not exist.")))
}

fn audited(action: &'static str, user: &CurrentUser, row: &schedule::Model) -> AuditEvent {
    let target = row.script_id.map_or("all".to_owned(), |id| format!("script {id}"));
    let event = AuditEvent::new(action, &user.username)
        .detail(format!("schedule {} ({}, {target}, enabled: {})", row.id, row.cron, row.enabled));
    match row.script_id {
        Some(script_id) => event.script(script_id, None),
        None => event,
    }
}

/// Create a schedule; it fires from its next matching minute (UTC).
#[utoipa::path(post, path = "/api/schedules", tag = "schedules", request_body = ScheduleRequest,
    responses(
        (status = 201, description = "Created", body = Schedule),
        NeedsEditor,
        (status = 404, description = "No such script", body = ErrorBody),
        (status = 413, description = "test_data over 1 MiB", body = ErrorBody),
        (status = 422, description = "Invalid cron pattern (the detail names the field) or body", body = ErrorBody),
    ))]
async fn create_schedule(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<ScheduleRequest>,
) -> ApiResult<(StatusCode, Json<Schedule>)> {
    let valid = validate(&state, body, true).await?;
    let row = store::create(&state.db, valid, &user.username).await?;
    audit::record(&state.db, audited("schedule_create", &user, &row)).await;
    Ok((StatusCode::CREATED, Json(views::schedule(&state.db, row).await?)))
}

/// Every schedule, oldest first.
#[utoipa::path(get, path = "/api/schedules", tag = "schedules",
    responses(
        (status = 200, description = "The schedules", body = Vec<Schedule>),
        NeedsSession,
    ))]
async fn list_schedules(State(state): State<AppState>) -> ApiResult<Json<Vec<Schedule>>> {
    Ok(Json(views::schedules(&state.db, store::list(&state.db).await?).await?))
}

/// One schedule.
#[utoipa::path(get, path = "/api/schedules/{id}", tag = "schedules", params(("id" = i64, Path)),
    responses(
        (status = 200, description = "The schedule", body = Schedule),
        NeedsSession,
        (status = 404, description = "No such schedule", body = ErrorBody),
    ))]
async fn get_schedule(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<Json<Schedule>> {
    let row = existing(&state, id).await?;
    Ok(Json(views::schedule(&state.db, row).await?))
}

/// Change a schedule: the fields given (e.g. `{"enabled": false}` pauses it). The next
/// firing is counted from now.
#[utoipa::path(put, path = "/api/schedules/{id}", tag = "schedules", params(("id" = i64, Path)),
    request_body = ScheduleChange,
    responses(
        (status = 200, description = "Changed", body = Schedule),
        NeedsEditor,
        (status = 404, description = "No such schedule or script", body = ErrorBody),
        (status = 413, description = "test_data over 1 MiB", body = ErrorBody),
        (status = 422, description = "Invalid cron pattern (the detail names the field) or body", body = ErrorBody),
    ))]
async fn change_schedule(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ScheduleChange>,
) -> ApiResult<Json<Schedule>> {
    let row = existing(&state, id).await?;
    let valid = changed(&state, &row, body).await?;
    let row = store::replace(&state.db, row, valid).await?;
    audit::record(&state.db, audited("schedule_update", &user, &row)).await;
    Ok(Json(views::schedule(&state.db, row).await?))
}

/// Delete a schedule and its history (runs it started stay).
#[utoipa::path(delete, path = "/api/schedules/{id}", tag = "schedules", params(("id" = i64, Path)),
    responses(
        (status = 200, description = "Deleted", body = Ok),
        NeedsEditor,
        (status = 404, description = "No such schedule", body = ErrorBody),
    ))]
async fn delete_schedule(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Ok>> {
    let row = existing(&state, id).await?;
    if !store::delete(&state.db, id).await? {
        return Err(ApiError::NotFound(format!("Schedule {id} does not exist.")));
    }
    audit::record(&state.db, audited("schedule_delete", &user, &row)).await;
    Ok(Json(Ok { ok: true }))
}

/// The schedule's firings, newest first (at most 100): each started run (with its status
/// now), skip or refusal.
#[utoipa::path(get, path = "/api/schedules/{id}/runs", tag = "schedules", params(("id" = i64, Path)),
    responses(
        (status = 200, description = "Firings, newest first", body = Vec<ScheduleFiring>),
        NeedsSession,
        (status = 404, description = "No such schedule", body = ErrorBody),
    ))]
async fn schedule_runs(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<ScheduleFiring>>> {
    existing(&state, id).await?;
    let rows = store::firings(&state.db, id, HISTORY_LENGTH).await?;
    Ok(Json(views::firings(&state.db, rows).await?))
}
