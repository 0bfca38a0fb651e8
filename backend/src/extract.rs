//! JSON body extractors whose rejections speak the API's error format.
use axum::{
    extract::{rejection::JsonRejection, FromRequest, Request},
    http::{header, StatusCode},
    Json,
};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Like `axum::Json`, but a bad body becomes `{"detail": ...}` with 400/413/415/422.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

/// For endpoints whose whole body is optional: no body at all, or JSON `null` (as the
/// document's `oneOf: [null, T]` allows), means `T::default()`.
pub struct OptionalJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let headers = request.headers();
        let declared_empty = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .is_none_or(|length| length.trim() == "0");
        if declared_empty && !headers.contains_key(header::TRANSFER_ENCODING) {
            return Ok(Self(T::default()));
        }
        let ApiJson(value) = ApiJson::<Option<T>>::from_request(request, state).await?;
        Ok(Self(value.unwrap_or_default()))
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::JsonDataError(err) => ApiError::Unprocessable(format!(
            "The request body does not match the expected shape: {}",
            err.body_text()
        )),
        JsonRejection::JsonSyntaxError(err) => {
            ApiError::BadRequest(format!("The request body is not valid JSON: {}", err.body_text()))
        }
        JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType(
            "Send the request body as JSON with `Content-Type: application/json`.".into(),
        ),
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::PayloadTooLarge("The request body is larger than the server accepts.".into())
        }
        other => ApiError::BadRequest(other.body_text()),
    }
}
