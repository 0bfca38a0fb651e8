//! Cross-cutting HTTP behaviour: JSON-only writes, JSON error bodies everywhere under
//! `/api`, and panics turned into logged 500s.
use std::any::Any;

use axum::{
    body::Body,
    extract::Request,
    http::{header, HeaderMap, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::error::{ApiError, ErrorBody};

fn has_body(headers: &HeaderMap) -> bool {
    let length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    length.is_some_and(|length| length > 0) || headers.contains_key(header::TRANSFER_ENCODING)
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|mime| {
            let mime = mime.trim().to_ascii_lowercase();
            mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
        })
}

/// A browser form can post cross-site without a preflight, but not with a JSON content
/// type: refusing every non-JSON body makes such a post unable to change anything.
pub async fn require_json_body(request: Request, next: Next) -> Response {
    let writes = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if writes && has_body(request.headers()) && !is_json(request.headers()) {
        return ApiError::UnsupportedMediaType(
            "Send the request body as JSON with `Content-Type: application/json`.".into(),
        )
        .into_response();
    }
    next.run(request).await
}

/// Errors produced outside our handlers (unknown method, the body limit, ...) come back
/// as plain text from axum; under `/api` they are rewritten to `{"detail": ...}`.
pub async fn json_errors(request: Request, next: Next) -> Response {
    let is_api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    let status = response.status();
    if !is_api || !(status.is_client_error() || status.is_server_error()) || is_json(response.headers()) {
        return response;
    }
    let detail = match status {
        StatusCode::METHOD_NOT_ALLOWED => "This method is not allowed on this path.".to_owned(),
        StatusCode::PAYLOAD_TOO_LARGE => "The request body is larger than the server accepts.".to_owned(),
        StatusCode::NOT_FOUND => "No such API path.".to_owned(),
        other => other.canonical_reason().unwrap_or("Request failed").to_owned(),
    };
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(header::CONTENT_TYPE, "application/json".parse().expect("valid"));
    let body = serde_json::to_vec(&ErrorBody { detail }).expect("serialisable");
    Response::from_parts(parts, Body::from(body))
}

/// Used by `CatchPanicLayer`: the panic is logged, the client gets a plain 500.
pub fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(panic = message, "a request handler panicked");
    let body = ErrorBody { detail: "Internal server error; the cause has been logged.".into() };
    (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        pairs.iter().map(|(name, value)| (name.clone(), value.parse().unwrap())).collect()
    }

    #[test]
    fn json_content_types_are_recognised_with_parameters_and_suffixes() {
        assert!(is_json(&headers(&[(header::CONTENT_TYPE, "application/json; charset=utf-8")])));
        assert!(is_json(&headers(&[(header::CONTENT_TYPE, "application/merge-patch+json")])));
        assert!(!is_json(&headers(&[(header::CONTENT_TYPE, "application/x-www-form-urlencoded")])));
        assert!(!is_json(&headers(&[(header::CONTENT_TYPE, "text/plain")])));
        assert!(!is_json(&HeaderMap::new()));
    }

    #[test]
    fn a_body_is_declared_by_length_or_chunking() {
        assert!(!has_body(&headers(&[(header::CONTENT_LENGTH, "0")])));
        assert!(has_body(&headers(&[(header::CONTENT_LENGTH, "12")])));
        assert!(has_body(&headers(&[(header::TRANSFER_ENCODING, "chunked")])));
        assert!(!has_body(&HeaderMap::new()));
    }
}
