//! The files runs leave (SPEC §12): stored content-addressed in the database, listed on
//! their execution, and served with headers that keep a browser from running them.
use std::collections::HashMap;

use axum::{
    body::Body,
    extract::{Path, State},
    http::{header, HeaderValue},
    response::Response,
};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::{
    adapters::sandbox::Artifact,
    entities::{artifact, artifact_blob},
    error::{ApiError, ApiResult, ErrorBody, NeedsSession},
    AppState,
};

/// An artifact as an execution lists it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArtifactInfo {
    pub name: String,
    pub size: i64,
    pub content_type: String,
    /// Hex SHA-256 of the content.
    pub sha256: String,
}

impl From<artifact::Model> for ArtifactInfo {
    fn from(row: artifact::Model) -> Self {
        Self { name: row.name, size: row.size, content_type: row.content_type, sha256: row.sha256 }
    }
}

/// What a file is by its name's extension; anything unknown is plain bytes.
pub fn content_type_of(name: &str) -> &'static str {
    let extension = name.rsplit_once('.').map(|(_, ext)| ext.to_ascii_lowercase()).unwrap_or_default();
    match extension.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "csv" => "text/csv; charset=utf-8",
        "tsv" => "text/tab-separated-values; charset=utf-8",
        "txt" | "log" | "md" => "text/plain; charset=utf-8",
        "json" => "application/json",
        "html" | "htm" => "text/html; charset=utf-8",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

/// Images, CSV and plain text are shown in the page; everything else is a download.
fn shown_inline(content_type: &str) -> bool {
    content_type.starts_with("image/")
        || content_type.starts_with("text/csv")
        || content_type.starts_with("text/tab-separated-values")
        || content_type.starts_with("text/plain")
}

/// Stores a finished run's files; their rows, in name order.
pub async fn store(
    db: &DatabaseConnection,
    execution_id: i64,
    files: Vec<Artifact>,
) -> Result<Vec<artifact::Model>, DbErr> {
    let mut stored = Vec::new();
    for file in files {
        let sha256 = format!("{:x}", Sha256::digest(&file.content));
        let size = file.content.len() as i64;
        if artifact_blob::Entity::find_by_id(sha256.clone()).one(db).await?.is_none() {
            let blob = artifact_blob::ActiveModel {
                sha256: Set(sha256.clone()),
                size: Set(size),
                content: Set(file.content),
            };
            match blob.insert(db).await {
                Ok(_) => {}
                // Another run stored the same content at the same moment: it is there.
                Err(err) if matches!(err.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) => {}
                Err(err) => return Err(err),
            }
        }
        let row = artifact::ActiveModel {
            execution_id: Set(execution_id),
            content_type: Set(content_type_of(&file.name).to_owned()),
            name: Set(file.name),
            size: Set(size),
            sha256: Set(sha256),
            created_at: Set(Utc::now()),
            ..Default::default()
        };
        stored.push(row.insert(db).await?);
    }
    Ok(stored)
}

/// The artifacts of each of these executions, in name order.
pub async fn of_executions(
    db: &DatabaseConnection,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<ArtifactInfo>>, DbErr> {
    let mut by_execution: HashMap<i64, Vec<ArtifactInfo>> = HashMap::new();
    if ids.is_empty() {
        return Ok(by_execution);
    }
    let rows = artifact::Entity::find()
        .filter(artifact::Column::ExecutionId.is_in(ids.to_vec()))
        .order_by_asc(artifact::Column::Name)
        .all(db)
        .await?;
    for row in rows {
        by_execution.entry(row.execution_id).or_default().push(row.into());
    }
    Ok(by_execution)
}

/// One file a run left, with its content type. Images, CSV and plain text may be shown
/// in the page; everything else is sent as a download. Nothing is sniffed, and the
/// content may run no script (an SVG or HTML file opened directly is sandboxed).
#[utoipa::path(get, path = "/api/executions/{id}/artifacts/{name}", tag = "execution",
    params(("id" = i64, Path), ("name" = String, Path)),
    responses(
        (status = 200, description = "The file's bytes", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 400, description = "Malformed id", body = ErrorBody),
        NeedsSession,
        (status = 404, description = "No such execution or file", body = ErrorBody),
    ))]
pub(super) async fn get_artifact(
    State(state): State<AppState>,
    Path((id, name)): Path<(i64, String)>,
) -> ApiResult<Response> {
    let missing = || ApiError::NotFound(format!("Execution {id} has no file named {name:?}."));
    let row = artifact::Entity::find()
        .filter(artifact::Column::ExecutionId.eq(id))
        .filter(artifact::Column::Name.eq(name.as_str()))
        .one(&state.db)
        .await?
        .ok_or_else(missing)?;
    let blob =
        artifact_blob::Entity::find_by_id(row.sha256.clone()).one(&state.db).await?.ok_or_else(missing)?;
    let disposition = if shown_inline(&row.content_type) { "inline" } else { "attachment" };
    let mut response = Response::new(Body::from(blob.content));
    let headers = response.headers_mut();
    let value = |text: &str| {
        HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"))
    };
    headers.insert(header::CONTENT_TYPE, value(&row.content_type));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"),
    );
    // Sanitised names are ASCII letters, digits, `.`, `-` and `_`: safe in a quoted string.
    headers.insert(header::CONTENT_DISPOSITION, value(&format!("{disposition}; filename=\"{}\"", row.name)));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_csv_and_text_are_shown_and_the_rest_downloaded() {
        for (name, shown) in [
            ("figure-1.png", true),
            ("table.CSV", true),
            ("data.tsv", true),
            ("notes.txt", true),
            ("page.html", false),
            ("result.json", false),
            ("blob", false),
        ] {
            assert_eq!(shown_inline(content_type_of(name)), shown, "{name}");
        }
        assert_eq!(content_type_of("figure-1.png"), "image/png");
        assert_eq!(content_type_of("x"), "application/octet-stream");
    }
}
