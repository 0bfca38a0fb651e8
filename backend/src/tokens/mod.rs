//! Personal API tokens (SPEC §17): a program sends `Authorization: Bearer <token>` instead
//! of logging in. Issued here, checked by the access layer (`auth::access`), which gives
//! the request the token's role capped by its owner's current roles.
pub mod secret;
pub mod store;

use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    audit::{self, AuditEvent},
    auth::{users::Role, CurrentUser, Ok},
    entities::api_token,
    error::{ApiError, ApiResult, ErrorBody, NeedsSession},
    extract::ApiJson,
    AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_token, list_tokens)).routes(routes!(revoke_token))
}

const MAX_NAME_CHARS: usize = 100;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    /// What the token is for, e.g. `nightly export` (1–100 characters).
    pub name: String,
    /// Not above the caller's own role.
    pub role: Role,
}

/// A token as listed: never its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    /// To the minute.
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A new token, with its secret — shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenCreated {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    /// Send as `Authorization: Bearer <token>`. It cannot be shown again.
    pub token: String,
}

impl From<api_token::Model> for TokenInfo {
    fn from(row: api_token::Model) -> Self {
        Self {
            id: row.id,
            name: row.name,
            role: row.role,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
        }
    }
}

fn valid_name(name: &str) -> ApiResult<String> {
    let name = name.trim();
    let chars = name.chars().count();
    if chars == 0 || chars > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(ApiError::Unprocessable(format!(
            "name: give the token a name of 1 to {MAX_NAME_CHARS} characters, without control characters."
        )));
    }
    Ok(name.to_owned())
}

/// Issue a token for the caller, with a role no higher than the caller's.
#[utoipa::path(post, path = "/api/tokens", tag = "tokens", request_body = CreateToken,
    responses(
        (status = 201, description = "Issued; `token` is shown this once", body = TokenCreated),
        NeedsSession,
        (status = 403, description = "The role is above the caller's", body = ErrorBody),
        (status = 422, description = "Invalid name or role", body = ErrorBody),
    ))]
async fn create_token(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<CreateToken>,
) -> ApiResult<(StatusCode, Json<TokenCreated>)> {
    let name = valid_name(&body.name)?;
    if !user.roles.contains(&body.role) {
        return Err(ApiError::Forbidden(format!(
            "role: you cannot issue a token with the {} role, which you do not have.",
            body.role.as_str()
        )));
    }
    let (row, secret) = store::issue(&state.db, &user, &name, body.role).await.map_err(ApiError::internal)?;
    let event = AuditEvent::new("token_create", &user.username).detail(format!(
        "token {} ({name}, {})",
        row.id,
        body.role.as_str()
    ));
    audit::record(&state.db, event).await;
    let created = TokenCreated {
        id: row.id,
        name: row.name,
        role: row.role,
        created_at: row.created_at,
        token: secret.into_exposed(),
    };
    Ok((StatusCode::CREATED, Json(created)))
}

/// The caller's working tokens, newest first (never their secrets).
#[utoipa::path(get, path = "/api/tokens", tag = "tokens",
    responses(
        (status = 200, description = "The caller's tokens", body = Vec<TokenInfo>),
        NeedsSession,
    ))]
async fn list_tokens(State(state): State<AppState>, user: CurrentUser) -> ApiResult<Json<Vec<TokenInfo>>> {
    let rows = store::list(&state.db, user.id).await?;
    Ok(Json(rows.into_iter().map(TokenInfo::from).collect()))
}

/// Revoke one of the caller's tokens: it stops working at once.
#[utoipa::path(delete, path = "/api/tokens/{id}", tag = "tokens", params(("id" = i64, Path)),
    responses(
        (status = 200, description = "Revoked", body = Ok),
        NeedsSession,
        (status = 404, description = "The caller has no such token", body = ErrorBody),
    ))]
async fn revoke_token(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Ok>> {
    if !store::revoke(&state.db, user.id, id).await? {
        return Err(ApiError::NotFound(format!("You have no token {id}.")));
    }
    audit::record(&state.db, AuditEvent::new("token_revoke", &user.username).detail(format!("token {id}")))
        .await;
    Ok(Json(Ok { ok: true }))
}
