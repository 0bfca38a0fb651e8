//! The one error type of the HTTP layer: every failure becomes `{"detail": ...}` with the
//! status of SPEC §4. Internal causes are logged, never sent to the client.
use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::Serialize;
use utoipa::{IntoResponses, ToSchema};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("Authentication required.")]
    Unauthenticated,
    #[error("Invalid username or password.")]
    InvalidCredentials,
    #[error("The API token is unknown, revoked or malformed; send `Authorization: Bearer <token>`.")]
    InvalidToken,
    /// `GET /metrics` without the server's metrics token (or with none configured: the
    /// answer does not say which).
    #[error("Send the server's metrics token (VED_METRICS_TOKEN) as `Authorization: Bearer <token>`; without that variable set, /metrics is closed.")]
    MetricsTokenRequired,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    Unprocessable(String),
    /// Answered with `Retry-After`.
    #[error("{detail}")]
    TooManyRequests { detail: String, retry_after_s: u64 },
    #[error("{0}")]
    BadGateway(String),
    #[error("{0}")]
    ServiceUnavailable(String),
    #[error("{0}")]
    GatewayTimeout(String),
    #[error("internal error: {0}")]
    Internal(#[from] anyhow::Error),
}

/// The body of every error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// A sentence for a human.
    pub detail: String,
}

/// The answers of every route behind a session, for the OpenAPI document.
#[derive(IntoResponses)]
pub enum NeedsSession {
    #[response(status = 401, description = "Not logged in")]
    NotLoggedIn(ErrorBody),
}

/// The answers of every editor-only route, for the OpenAPI document.
#[derive(IntoResponses)]
pub enum NeedsEditor {
    #[response(status = 401, description = "Not logged in")]
    NotLoggedIn(ErrorBody),
    #[response(status = 403, description = "Not an editor")]
    NotAnEditor(ErrorBody),
}

impl ApiError {
    pub fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthenticated
            | Self::InvalidCredentials
            | Self::InvalidToken
            | Self::MetricsTokenRequired => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::BadGateway(_) => StatusCode::BAD_GATEWAY,
            Self::ServiceUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::GatewayTimeout(_) => StatusCode::GATEWAY_TIMEOUT,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        Self::Internal(err.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status_code();
        let detail = match &self {
            Self::Internal(cause) => {
                tracing::error!(error = ?cause, "internal error");
                "Internal server error; the cause has been logged.".to_owned()
            }
            other => other.to_string(),
        };
        let mut response = (status, Json(ErrorBody { detail })).into_response();
        match self {
            Self::TooManyRequests { retry_after_s, .. } => {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_s));
            }
            Self::InvalidToken | Self::MetricsTokenRequired => {
                response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            _ => {}
        }
        response
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(err: sea_orm::DbErr) -> Self {
        match err.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                Self::Conflict("A concurrent change got there first; reload and retry.".into())
            }
            Some(sea_orm::SqlErr::ForeignKeyConstraintViolation(_)) => {
                Self::Unprocessable("A referenced record does not exist.".into())
            }
            _ => Self::Internal(err.into()),
        }
    }
}

impl From<crate::adapters::git_store::GitStoreError> for ApiError {
    fn from(err: crate::adapters::git_store::GitStoreError) -> Self {
        use crate::adapters::git_store::GitStoreError;
        match err {
            GitStoreError::InvalidBranch { .. } => Self::Unprocessable(err.to_string()),
            GitStoreError::Contended(_) => {
                Self::Conflict("The repository is busy with concurrent saves; retry.".into())
            }
            other => Self::internal(other),
        }
    }
}

impl From<crate::scripts::catalog::CatalogError> for ApiError {
    fn from(err: crate::scripts::catalog::CatalogError) -> Self {
        use crate::scripts::catalog::CatalogError;
        match err {
            CatalogError::ScriptNotFound(_) | CatalogError::VersionNotFound { .. } => {
                Self::NotFound(err.to_string())
            }
            CatalogError::TooLarge { .. } => Self::PayloadTooLarge(err.to_string()),
            CatalogError::MessageTooLong(_) => Self::Unprocessable(err.to_string()),
            CatalogError::NotOnProd(_) => Self::BadRequest(err.to_string()),
            CatalogError::Stale { .. } | CatalogError::NoOrderingNumberLeft => {
                Self::Conflict(err.to_string())
            }
            CatalogError::Git(err) => err.into(),
            CatalogError::Db(err) => err.into(),
            CatalogError::Inconsistent(_) => Self::internal(err),
        }
    }
}

/// Every executor error is a missing or broken dependency, never the caller's fault.
impl From<crate::adapters::sandbox::SandboxError> for ApiError {
    fn from(err: crate::adapters::sandbox::SandboxError) -> Self {
        Self::ServiceUnavailable(format!("Cannot run scripts right now: {err}."))
    }
}

/// A block or a requirement the script's author must fix is 422; uv missing on the server
/// is 503; the rest (packages that cannot be had) is the package index's answer, 502,
/// though saves and runs report those without failing the request.
impl From<crate::adapters::deps::DepsError> for ApiError {
    fn from(err: crate::adapters::deps::DepsError) -> Self {
        use crate::adapters::deps::DepsError;
        match err {
            DepsError::Metadata(_) | DepsError::Requirement { .. } | DepsError::RequiresPython { .. } => {
                Self::Unprocessable(format!("{err}."))
            }
            DepsError::UvMissing(_) | DepsError::UnknownInterpreter(_) => {
                Self::ServiceUnavailable(format!("{err}."))
            }
            DepsError::Timeout(_) => Self::GatewayTimeout(format!("{err}.")),
            DepsError::Resolution(_) | DepsError::Install(_) | DepsError::TooLarge { .. } => {
                Self::BadGateway(err.to_string())
            }
            DepsError::Io(_) => Self::internal(err),
        }
    }
}

/// No key is the server's missing dependency (503); a slow upstream is a timeout (504);
/// whatever else the upstream did wrong is a bad gateway (502), never the caller's fault.
impl From<&crate::adapters::llm::LlmError> for ApiError {
    fn from(err: &crate::adapters::llm::LlmError) -> Self {
        use crate::adapters::llm::LlmError;
        let detail = err.detail();
        match err {
            LlmError::NotConfigured => Self::ServiceUnavailable(detail),
            LlmError::Timeout(_) => Self::GatewayTimeout(detail),
            LlmError::Upstream { .. } | LlmError::Unreachable(_) | LlmError::Malformed(_) => {
                Self::BadGateway(detail)
            }
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::adapters::llm::LlmError;

    #[test]
    fn each_llm_error_maps_to_its_status() {
        let status = |err: LlmError| ApiError::from(&err).status_code().as_u16();
        let upstream = |status| LlmError::Upstream { status, message: "m".into() };
        assert_eq!(status(LlmError::NotConfigured), 503);
        assert_eq!(status(upstream(402)), 502);
        assert_eq!(status(upstream(500)), 502);
        assert_eq!(status(LlmError::Unreachable("x".into())), 502);
        assert_eq!(status(LlmError::Malformed("x".into())), 502);
        assert_eq!(status(LlmError::Timeout(Duration::from_secs(60))), 504);
    }
}
