//! Cross-cutting HTTP behaviour: same-origin, JSON-only writes, bodies read within the
//! limit, JSON error bodies everywhere under `/api`, and panics turned into logged 500s.
use std::{any::Any, time::Duration};

use axum::{
    body::{Body, Bytes},
    extract::Request,
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use http_body_util::BodyExt;

use crate::{
    auth::bearer::uses_bearer,
    error::{ApiError, ErrorBody},
};

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

fn is_write(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// A page on another site can make a browser send a write with the user's cookie (a form
/// post needs no preflight). Browsers say where such a request comes from, so a write
/// whose `Origin` is not this server, or that the browser calls cross-site, is refused.
/// Programs (curl, OpenAPI clients) send neither header and are not affected; nor is a
/// request that authenticates with an API token, which no other site can make a browser
/// send (see `auth::bearer`).
pub async fn refuse_cross_origin_writes(request: Request, next: Next) -> Response {
    let headers = request.headers();
    if is_write(request.method()) && !uses_bearer(headers) && comes_from_another_site(headers) {
        return ApiError::Forbidden(
            "Cross-origin writes are refused: this request came from a page of another site.".into(),
        )
        .into_response();
    }
    next.run(request).await
}

fn comes_from_another_site(headers: &HeaderMap) -> bool {
    let text = |name| headers.get(name).map(|value: &HeaderValue| value.to_str().unwrap_or(""));
    if text("sec-fetch-site").is_some_and(|site| site.eq_ignore_ascii_case("cross-site")) {
        return true;
    }
    let Some(origin) = text(header::ORIGIN.as_str()) else {
        return false;
    };
    let host = text(header::HOST.as_str()).unwrap_or("");
    origin_authority(origin).is_none_or(|authority| !same_authority(&authority, host))
}

/// `https://Example.com:443` → `example.com`: the host and any non-default port, or `None`
/// for an opaque origin (`null`) or anything that is not an http(s) origin.
fn origin_authority(origin: &str) -> Option<String> {
    let origin = origin.trim().to_ascii_lowercase();
    let (authority, default_port) = if let Some(rest) = origin.strip_prefix("http://") {
        (rest.to_owned(), ":80")
    } else if let Some(rest) = origin.strip_prefix("https://") {
        (rest.to_owned(), ":443")
    } else {
        return None;
    };
    if authority.is_empty() || authority.contains(['/', '@', '?', '#']) {
        return None;
    }
    Some(authority.strip_suffix(default_port).unwrap_or(&authority).to_owned())
}

fn same_authority(origin_authority: &str, host: &str) -> bool {
    let host = host.trim().to_ascii_lowercase();
    let host = host.strip_suffix(":80").or_else(|| host.strip_suffix(":443")).unwrap_or(&host);
    !host.is_empty() && origin_authority == host
}

/// What a client may still send after the limit is passed, read and thrown away so that
/// it can read the 413 instead of meeting a reset (closing a socket with unread input
/// makes the kernel send RST, which can destroy the answer in flight).
const DRAIN_BYTES: usize = 16 * 1024 * 1024;
const DRAIN_TIME: Duration = Duration::from_secs(10);

/// Reads the request body before any handler sees it: at most `limit` bytes are kept; a
/// larger body is answered 413 once it has been received (up to a bound), with the
/// connection closed afterwards.
pub async fn read_body_within(limit: usize, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    match read_limited(body, limit).await {
        BodyRead::Complete(bytes) => next.run(Request::from_parts(parts, Body::from(bytes))).await,
        BodyRead::TooLarge => {
            let mut response = ApiError::PayloadTooLarge(format!(
                "The request body is larger than the server accepts ({limit} bytes)."
            ))
            .into_response();
            response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
            response
        }
        BodyRead::Broken => {
            ApiError::BadRequest("The request body could not be read to its end.".into()).into_response()
        }
    }
}

enum BodyRead {
    Complete(Bytes),
    TooLarge,
    Broken,
}

async fn read_limited(mut body: Body, limit: usize) -> BodyRead {
    let mut kept = Vec::new();
    let mut seen = 0usize;
    let drain_deadline = tokio::time::Instant::now() + DRAIN_TIME;
    loop {
        let frame = if seen > limit {
            if seen > limit + DRAIN_BYTES {
                return BodyRead::TooLarge;
            }
            match tokio::time::timeout_at(drain_deadline, body.frame()).await {
                Ok(frame) => frame,
                Err(_) => return BodyRead::TooLarge,
            }
        } else {
            body.frame().await
        };
        match frame {
            None if seen > limit => return BodyRead::TooLarge,
            None => return BodyRead::Complete(Bytes::from(kept)),
            Some(Err(_)) => return if seen > limit { BodyRead::TooLarge } else { BodyRead::Broken },
            Some(Ok(frame)) => {
                let Ok(data) = frame.into_data() else { continue };
                seen += data.len();
                if seen <= limit {
                    kept.extend_from_slice(&data);
                } else {
                    kept = Vec::new();
                }
            }
        }
    }
}

/// A browser form can post cross-site without a preflight, but not with a JSON content
/// type: refusing every non-JSON body makes such a post unable to change anything.
pub async fn require_json_body(request: Request, next: Next) -> Response {
    if is_write(request.method()) && has_body(request.headers()) && !is_json(request.headers()) {
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
    fn only_this_servers_origin_may_write() {
        let from = |origin: &str, host: &str| {
            comes_from_another_site(&headers(&[(header::ORIGIN, origin), (header::HOST, host)]))
        };
        assert!(!from("http://localhost:8000", "localhost:8000"));
        assert!(!from("HTTPS://Example.com:443", "example.com"));
        assert!(!from("http://example.com", "example.com:80"));
        assert!(from("http://localhost:8001", "localhost:8000"));
        assert!(from("http://evil.example", "localhost:8000"));
        assert!(from("null", "localhost:8000"));
        assert!(from("http://localhost:8000@evil.example", "localhost:8000"));
        assert!(from("http://localhost:8000", ""));
        let cross_site = headers(&[(header::HeaderName::from_static("sec-fetch-site"), "cross-site")]);
        assert!(comes_from_another_site(&cross_site));
        let same = headers(&[(header::HeaderName::from_static("sec-fetch-site"), "same-origin")]);
        assert!(!comes_from_another_site(&same));
        assert!(!comes_from_another_site(&HeaderMap::new()));
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_read_to_its_end_then_refused() {
        let chunks: Vec<Result<Bytes, std::io::Error>> =
            (0..10).map(|_| Ok(Bytes::from(vec![b'x'; 1000]))).collect();
        let body = Body::from_stream(futures::stream::iter(chunks));
        assert!(matches!(read_limited(body, 4000).await, BodyRead::TooLarge));
        let body = Body::from(vec![b'y'; 4000]);
        assert!(matches!(read_limited(body, 4000).await, BodyRead::Complete(bytes) if bytes.len() == 4000));
    }

    #[test]
    fn a_body_is_declared_by_length_or_chunking() {
        assert!(!has_body(&headers(&[(header::CONTENT_LENGTH, "0")])));
        assert!(has_body(&headers(&[(header::CONTENT_LENGTH, "12")])));
        assert!(has_body(&headers(&[(header::TRANSFER_ENCODING, "chunked")])));
        assert!(!has_body(&HeaderMap::new()));
    }
}
