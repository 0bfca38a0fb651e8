//! The versioned script catalog of SPEC §5: endpoints here, rules (with their locks,
//! transactions and audit rows) in [`catalog::Catalog`].
pub mod catalog;
pub mod dependencies;
mod diff;
pub mod docstring;
mod listing;
pub mod locks;
pub mod ordering;
mod snapshot;
pub mod views;

use axum::{
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::Response,
    Json,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use utoipa_axum::{router::OpenApiRouter, routes};

use catalog::{Save, SaveOutcome};
use ordering::OrderingNumber;
use views::{
    CreateScript, Deleted, DiffQuery, MergeResult, RestoreScript, SaveScript, ScriptDetail, ScriptSummary,
    VersionDiff, VersionInfo, VersionQuery,
};

use crate::{
    adapters::git_store::ScriptFiles,
    auth::CurrentUser,
    entities::{execution, script, script_version},
    error::{ApiResult, ErrorBody, NeedsEditor, NeedsSession},
    extract::{ApiJson, OptionalJson},
    schedules, AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_scripts, create_script))
        .routes(routes!(get_script, save_script, delete_script))
        .routes(routes!(fork_script))
        .routes(routes!(bump_major))
        .routes(routes!(merge_script))
        .routes(routes!(list_versions))
        .routes(routes!(diff_versions))
        .routes(routes!(restore_version))
}

async fn detail(
    state: &AppState,
    script: &script::Model,
    version: &script_version::Model,
) -> ApiResult<ScriptDetail> {
    let files = state.catalog.read_files(version).await?;
    let dependencies =
        dependencies::describe(&files.content, files.lock.as_deref(), version.dependency_error.as_deref());
    let prod_version = match script.prod_version_id {
        Some(id) => script_version::Entity::find_by_id(id).one(&state.db).await?,
        None => None,
    };
    let last_execution = execution::Entity::find()
        .filter(execution::Column::ScriptId.eq(script.id))
        .order_by_desc(execution::Column::Id)
        .one(&state.db)
        .await?;
    Ok(ScriptDetail {
        id: script.id,
        ordering_number: OrderingNumber::from_hundredths(script.ordering_hundredths),
        descriptive_name: version.descriptive_name.clone(),
        docstring: version.docstring.clone(),
        content: files.content,
        test_data: files.input,
        version: version.into(),
        prod_version: prod_version.as_ref().map(VersionInfo::from),
        dependencies,
        last_execution: match last_execution {
            Some(row) => Some(crate::executions::view::load_one(&state.db, row).await?),
            None => None,
        },
        warnings: Vec::new(),
    })
}

/// The catalog, sorted by ordering number.
///
/// The answer carries an `ETag`: sent back in `If-None-Match`, it is answered 304 while
/// the list is unchanged. Gzipped when `Accept-Encoding` allows.
#[utoipa::path(get, path = "/api/scripts", tag = "scripts",
    params(("If-None-Match" = Option<String>, Header, description = "The `ETag` of a list already held")),
    responses(
        (status = 200, description = "Every script that is not deleted", body = Vec<ScriptSummary>,
            headers(("ETag" = String, description = "Names this list; it changes with any change to it"))),
        (status = 304, description = "The list named in `If-None-Match` is still current",
            headers(("ETag" = String, description = "Names this list"))),
        NeedsSession,
    ))]
async fn list_scripts(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    state.catalog.snapshots().respond(&state.db, &headers).await
}

/// Create a script: next integer ordering number, version 0.1, on the editor's branch.
#[utoipa::path(post, path = "/api/scripts", tag = "scripts",
    request_body(content = Option<CreateScript>, description = "Optional: no body makes an empty script"),
    responses(
        (status = 201, description = "Created", body = ScriptDetail),
        NeedsEditor,
        (status = 413, description = "Content over 1 MiB", body = ErrorBody),
        (status = 422, description = "Invalid field, or a malformed `# /// script` block (the detail names its line)", body = ErrorBody),
    ))]
async fn create_script(
    State(state): State<AppState>,
    user: CurrentUser,
    OptionalJson(body): OptionalJson<CreateScript>,
) -> ApiResult<(StatusCode, Json<ScriptDetail>)> {
    let (packages, warnings) = dependencies::resolve_for_save(&state, &body.content, None).await?;
    let files = ScriptFiles { content: body.content, input: body.test_data, lock: packages.lock };
    let (script, version) = state.catalog.create(&user.username, &files, packages.error.as_deref()).await?;
    let detail = ScriptDetail { warnings, ..detail(&state, &script, &version).await? };
    Ok((StatusCode::CREATED, Json(detail)))
}

/// One script with its content: the latest version, or `?version_id=`.
#[utoipa::path(get, path = "/api/scripts/{id}", tag = "scripts", params(("id" = i64, Path), VersionQuery),
    responses(
        (status = 200, description = "The script", body = ScriptDetail),
        NeedsSession,
        (status = 404, description = "No such script or version", body = ErrorBody),
    ))]
async fn get_script(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(query): Query<VersionQuery>,
) -> ApiResult<Json<ScriptDetail>> {
    let script = catalog::live_script(&state.db, id).await?;
    let version = match query.version_id {
        None => catalog::latest_version(&state.db, id).await?,
        Some(version_id) => catalog::version_of(&state.db, id, version_id).await?,
    };
    Ok(Json(detail(&state, &script, &version).await?))
}

/// Save: a new minor version (identical content creates none); may move the ordering number.
#[utoipa::path(put, path = "/api/scripts/{id}", tag = "scripts", params(("id" = i64, Path)),
    request_body = SaveScript,
    responses(
        (status = 200, description = "Saved (or unchanged)", body = ScriptDetail),
        NeedsEditor,
        (status = 404, description = "No such script", body = ErrorBody),
        (status = 409, description = "base_version_id is not the latest version", body = ErrorBody),
        (status = 413, description = "Content over 1 MiB", body = ErrorBody),
        (status = 422, description = "Invalid field, or a malformed `# /// script` block (the detail names its line)", body = ErrorBody),
    ))]
async fn save_script(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<SaveScript>,
) -> ApiResult<Json<ScriptDetail>> {
    let (packages, warnings) = dependencies::resolve_for_save(&state, &body.content, Some(id)).await?;
    let save = Save {
        content: &body.content,
        test_data: body.test_data.as_deref(),
        base_version_id: body.base_version_id,
        ordering_number: body.ordering_number,
        message: body.message.as_deref(),
        packages,
    };
    let (script, outcome) = state.catalog.save(&user.username, id, save).await?;
    let (SaveOutcome::Saved(version) | SaveOutcome::Unchanged(version)) = outcome;
    Ok(Json(ScriptDetail { warnings, ..detail(&state, &script, &version).await? }))
}

/// Fork: a new script with this one's latest content and parent ids set.
#[utoipa::path(post, path = "/api/scripts/{id}/fork", tag = "scripts", params(("id" = i64, Path)),
    responses(
        (status = 201, description = "The new script", body = ScriptDetail),
        NeedsEditor,
        (status = 404, description = "No such script", body = ErrorBody),
    ))]
async fn fork_script(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<(StatusCode, Json<ScriptDetail>)> {
    let (script, version) = state.catalog.fork(&user.username, id).await?;
    Ok((StatusCode::CREATED, Json(detail(&state, &script, &version).await?)))
}

/// Bump major: `(major+1).0` with the same content and commit.
#[utoipa::path(post, path = "/api/scripts/{id}/bump-major", tag = "scripts", params(("id" = i64, Path)),
    responses(
        (status = 200, description = "The script at its new major version", body = ScriptDetail),
        NeedsEditor,
        (status = 404, description = "No such script", body = ErrorBody),
    ))]
async fn bump_major(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<ScriptDetail>> {
    let (script, version) = state.catalog.bump_major(&user.username, id).await?;
    Ok(Json(detail(&state, &script, &version).await?))
}

/// Merge: the latest version's files become prod's.
#[utoipa::path(post, path = "/api/scripts/{id}/merge", tag = "scripts", params(("id" = i64, Path)),
    responses(
        (status = 200, description = "On prod", body = MergeResult),
        NeedsEditor,
        (status = 404, description = "No such script", body = ErrorBody),
    ))]
async fn merge_script(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<MergeResult>> {
    let (version, prod_commit) = state.catalog.merge_to_prod(&user.username, id).await?;
    Ok(Json(MergeResult { ok: true, version: (&version).into(), prod_commit }))
}

/// Delete (soft): removed from prod and from the catalog; history stays.
#[utoipa::path(delete, path = "/api/scripts/{id}", tag = "scripts", params(("id" = i64, Path)),
    responses(
        (status = 200, description = "Deleted", body = Deleted),
        NeedsEditor,
        (status = 404, description = "No such script", body = ErrorBody),
    ))]
async fn delete_script(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Deleted>> {
    state.catalog.delete(&user.username, id).await?;
    let disabled = schedules::store::disable_for_deleted_script(&state.db, id).await?;
    if disabled > 0 {
        tracing::info!(script = id, disabled, "disabled the schedules of a deleted script");
    }
    Ok(Json(Deleted { ok: true }))
}

/// Every version of a script, newest first.
#[utoipa::path(get, path = "/api/scripts/{id}/versions", tag = "scripts", params(("id" = i64, Path)),
    responses(
        (status = 200, description = "Versions, newest first", body = Vec<VersionInfo>),
        NeedsSession,
        (status = 404, description = "No such script", body = ErrorBody),
    ))]
async fn list_versions(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<VersionInfo>>> {
    catalog::live_script(&state.db, id).await?;
    let versions = script_version::Entity::find()
        .filter(script_version::Column::ScriptId.eq(id))
        .order_by_desc(script_version::Column::Id)
        .all(&state.db)
        .await?;
    Ok(Json(versions.iter().map(VersionInfo::from).collect()))
}

/// What changed between two versions (code and test data) as a unified diff.
#[utoipa::path(get, path = "/api/scripts/{id}/diff", tag = "scripts", params(("id" = i64, Path), DiffQuery),
    responses(
        (status = 200, description = "The two versions and the diff from one to the other", body = VersionDiff),
        (status = 400, description = "Not on prod and no `from` given, or a malformed id", body = ErrorBody),
        NeedsSession,
        (status = 404, description = "No such script, or no such version of it", body = ErrorBody),
    ))]
async fn diff_versions(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(query): Query<DiffQuery>,
) -> ApiResult<Json<VersionDiff>> {
    let diff = state.catalog.diff(id, query.from, query.to).await?;
    Ok(Json(VersionDiff {
        from: (&diff.from).into(),
        to: (&diff.to).into(),
        unified_diff: diff.unified_diff,
    }))
}

/// Restore: a new minor version with an older version's code and test data.
#[utoipa::path(post, path = "/api/scripts/{id}/restore", tag = "scripts", params(("id" = i64, Path)),
    request_body = RestoreScript,
    responses(
        (status = 200, description = "The script at its new version (or unchanged, if it already was that)", body = ScriptDetail),
        NeedsEditor,
        (status = 404, description = "No such script, or no such version of it", body = ErrorBody),
        (status = 422, description = "Invalid field", body = ErrorBody),
    ))]
async fn restore_version(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<RestoreScript>,
) -> ApiResult<Json<ScriptDetail>> {
    let (script, outcome) = state.catalog.restore(&user.username, id, body.version_id).await?;
    let (SaveOutcome::Saved(version) | SaveOutcome::Unchanged(version)) = outcome;
    Ok(Json(detail(&state, &script, &version).await?))
}
