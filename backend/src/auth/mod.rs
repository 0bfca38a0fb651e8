//! Accounts, sessions and the login endpoints of SPEC §3.
pub mod access;
pub mod bearer;
mod idle;
pub mod password;
pub mod session_store;
pub mod throttle;
pub mod users;

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, FromRequestParts, State},
    http::request::Parts,
    Json,
};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub use access::CurrentUser;
use users::Role;

use crate::{
    audit::{self, AuditEvent},
    error::{ApiError, ApiResult, ErrorBody, NeedsSession},
    extract::ApiJson,
    AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(login)).routes(routes!(logout)).routes(routes!(me))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserInfo {
    pub username: String,
    pub roles: Vec<Role>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Ok {
    pub ok: bool,
}

/// The peer address of the connection (no proxy headers are trusted).
pub struct ClientAddr(pub std::net::IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let addr = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(std::net::Ipv4Addr::UNSPECIFIED.into(), |info| info.0.ip());
        Ok(ClientAddr(addr))
    }
}

/// Log in; the session cookie `ved_session` comes back with a new id.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = UserInfo),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Wrong username or password", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Missing field", body = ErrorBody),
        (status = 429, description = "Too many failures; see Retry-After", body = ErrorBody),
    ))]
async fn login(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    session: Session,
    ApiJson(body): ApiJson<LoginRequest>,
) -> ApiResult<Json<UserInfo>> {
    let attempt = match state.login_throttle.begin(&body.username, addr) {
        Ok(attempt) => attempt,
        Err(wait) => {
            audit::record(&state.db, failed_login(&body.username, addr, "throttled")).await;
            let retry_after_s = wait.as_secs().max(1);
            let detail = format!("Too many failed attempts; try again in {retry_after_s} s.");
            return Err(ApiError::TooManyRequests { detail, retry_after_s });
        }
    };
    let account = users::find_by_username(&state.db, &body.username).await?;
    let stored_hash = account.as_ref().map(|row| row.password_hash.clone());
    let valid = password::verify(body.password, stored_hash).await.map_err(ApiError::internal)?;
    let Some(account) = account.filter(|_| valid) else {
        let delay = attempt.failed();
        audit::record(&state.db, failed_login(&body.username, addr, "denied")).await;
        tokio::time::sleep(delay).await;
        return Err(ApiError::InvalidCredentials);
    };
    attempt.succeeded();
    // A fresh id at every login defeats session fixation.
    session.cycle_id().await.map_err(ApiError::internal)?;
    session.insert(access::SESSION_USER_KEY, account.id).await.map_err(ApiError::internal)?;
    audit::record(&state.db, AuditEvent::new("login", &account.username).client(addr)).await;
    Ok(Json(UserInfo { roles: users::parse_roles(&account.roles), username: account.username }))
}

fn failed_login(username: &str, addr: std::net::IpAddr, outcome: &'static str) -> AuditEvent {
    AuditEvent::new("login_failed", username).outcome(outcome).client(addr)
}

/// Log out: the session is deleted on the server.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth",
    responses(
        (status = 200, description = "Logged out", body = Ok),
        NeedsSession,
    ))]
async fn logout(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    user: CurrentUser,
    session: Session,
) -> ApiResult<Json<Ok>> {
    session.flush().await.map_err(ApiError::internal)?;
    audit::record(&state.db, AuditEvent::new("logout", user.username).client(addr)).await;
    Ok(Json(Ok { ok: true }))
}

/// The logged-in user.
#[utoipa::path(get, path = "/api/auth/me", tag = "auth",
    responses(
        (status = 200, description = "The current user", body = UserInfo),
        NeedsSession,
    ))]
async fn me(user: CurrentUser) -> Json<UserInfo> {
    Json(UserInfo { username: user.username, roles: user.roles })
}
