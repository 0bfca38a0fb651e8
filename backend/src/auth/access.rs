//! Role enforcement in one place, default-deny: every request under `/api` passes through
//! [`enforce`], which decides from the method and path alone who may call it. A new route is
//! editor-only unless it is a read, and public only if it is listed in [`PUBLIC`].
//!
//! Who is calling comes from the session cookie, or from an API token (`Authorization:
//! Bearer`, SPEC §17) with the token's role capped by its owner's current roles; the rules
//! are the same for both.
use axum::{
    extract::{FromRequestParts, Request, State},
    http::{request::Parts, Method},
    middleware::Next,
    response::Response,
};
use sea_orm::EntityTrait;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::{
    bearer::{self, Credential},
    users::{parse_roles, Role},
};
use crate::{audit, entities::user, error::ApiError, tokens, AppState};

pub const SESSION_USER_KEY: &str = "user_id";

/// Paths anyone may call, without a session.
const PUBLIC: [(&Method, &str); 3] =
    [(&Method::POST, "/api/auth/login"), (&Method::GET, "/api/health"), (&Method::GET, "/api/openapi.json")];

/// Reads that still need the editor role (they reveal what editors typed).
const EDITOR_READS: [&str; 1] = ["/api/llm/"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Public,
    Viewer,
    Editor,
}

pub fn required_access(method: &Method, path: &str) -> Access {
    if !path.starts_with("/api/") && path != "/api" {
        return Access::Public;
    }
    let listed_public = PUBLIC.iter().any(|(m, p)| *m == method && *p == path);
    if listed_public || (method == Method::GET && path.starts_with("/api/docs")) {
        return Access::Public;
    }
    let is_read = method == Method::GET || method == Method::HEAD;
    if is_read && !EDITOR_READS.iter().any(|prefix| path.starts_with(prefix)) || is_viewer_write(method, path)
    {
        Access::Viewer
    } else {
        Access::Editor
    }
}

/// Writes anyone logged in may make: logging out, and issuing or revoking one's own API
/// tokens (whose role the handler keeps at or below the caller's).
fn is_viewer_write(method: &Method, path: &str) -> bool {
    let one_token = path.strip_prefix("/api/tokens/").is_some_and(|id| !id.is_empty() && !id.contains('/'));
    (*method == Method::POST && (path == "/api/auth/logout" || path == "/api/tokens"))
        || (*method == Method::DELETE && one_token)
}

/// The logged-in user, put into the request by [`enforce`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub username: String,
    /// What this request may do: the account's roles, or its token's role capped by them.
    pub roles: Vec<Role>,
    /// The API token the request came with; `None` for a session.
    pub token_id: Option<i64>,
}

impl CurrentUser {
    pub fn is_editor(&self) -> bool {
        self.roles.contains(&Role::Editor)
    }
}

pub async fn enforce(
    State(state): State<AppState>,
    session: Session,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let access = required_access(request.method(), request.uri().path());
    if access == Access::Public {
        return Ok(next.run(request).await);
    }
    let user = match bearer::presented(request.headers()) {
        Credential::Session => {
            let user = load_user(&state, &session).await?.ok_or(ApiError::Unauthenticated)?;
            super::idle::keep_alive(&session, state.config.session_idle).await.map_err(ApiError::internal)?;
            user
        }
        Credential::Bearer(token) => {
            tokens::store::authenticate(&state.db, token).await?.ok_or(ApiError::InvalidToken)?
        }
        Credential::Malformed => return Err(ApiError::InvalidToken),
    };
    if access == Access::Editor && !user.is_editor() {
        return Err(ApiError::Forbidden("This action needs the editor role.".into()));
    }
    let token = user.token_id;
    request.extensions_mut().insert(user);
    Ok(match token {
        Some(token) => audit::on_behalf_of_token(token, next.run(request)).await,
        None => next.run(request).await,
    })
}

async fn load_user(state: &AppState, session: &Session) -> Result<Option<CurrentUser>, ApiError> {
    let user_id: Option<i64> = session.get(SESSION_USER_KEY).await.map_err(ApiError::internal)?;
    let Some(user_id) = user_id else { return Ok(None) };
    let Some(row) = user::Entity::find_by_id(user_id).one(&state.db).await? else {
        // The account is gone: the session must not outlive it.
        session.flush().await.map_err(ApiError::internal)?;
        return Ok(None);
    };
    Ok(Some(CurrentUser {
        id: row.id,
        username: row.username,
        roles: parse_roles(&row.roles),
        token_id: None,
    }))
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<CurrentUser>().cloned().ok_or(ApiError::Unauthenticated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_writes_default_to_editor_and_unknown_reads_to_viewer() {
        assert_eq!(required_access(&Method::POST, "/api/some/new/thing"), Access::Editor);
        assert_eq!(required_access(&Method::DELETE, "/api/scripts/1"), Access::Editor);
        assert_eq!(required_access(&Method::GET, "/api/some/new/thing"), Access::Viewer);
    }

    #[test]
    fn only_listed_routes_are_public() {
        assert_eq!(required_access(&Method::POST, "/api/auth/login"), Access::Public);
        assert_eq!(required_access(&Method::GET, "/api/auth/login"), Access::Viewer);
        assert_eq!(required_access(&Method::GET, "/api/health"), Access::Public);
        assert_eq!(required_access(&Method::GET, "/editor/3"), Access::Public);
        assert_eq!(required_access(&Method::GET, "/api/auth/me"), Access::Viewer);
    }

    #[test]
    fn llm_history_is_for_editors_and_logout_for_anyone_logged_in() {
        assert_eq!(required_access(&Method::GET, "/api/llm/interactions"), Access::Editor);
        assert_eq!(required_access(&Method::POST, "/api/auth/logout"), Access::Viewer);
    }

    #[test]
    fn anyone_logged_in_manages_their_own_tokens_and_nothing_next_to_them() {
        assert_eq!(required_access(&Method::POST, "/api/tokens"), Access::Viewer);
        assert_eq!(required_access(&Method::GET, "/api/tokens"), Access::Viewer);
        assert_eq!(required_access(&Method::DELETE, "/api/tokens/7"), Access::Viewer);
        assert_eq!(required_access(&Method::DELETE, "/api/tokens"), Access::Editor);
        assert_eq!(required_access(&Method::DELETE, "/api/tokens/7/x"), Access::Editor);
        assert_eq!(required_access(&Method::PUT, "/api/tokens/7"), Access::Editor);
        assert_eq!(required_access(&Method::POST, "/api/schedules"), Access::Editor);
    }
}
