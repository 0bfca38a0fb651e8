//! `GET /api/executions/{id}/events` and `GET /api/batches/{id}/events`: Server-Sent Events
//! (SPEC §12). A subscriber gets every stored event after `Last-Event-ID` (all of them
//! without it), then live ones, and the stream closes after `end`.
use std::{convert::Infallible, time::Duration};

use axum::{
    extract::{Path, State},
    http::HeaderMap,
    response::sse::{Event, KeepAlive, Sse},
};
use futures::{Stream, StreamExt};
use sea_orm::EntityTrait;

use super::events::{self, StoredEvent};
use crate::{
    entities::{batch, execution},
    error::{ApiError, ApiResult, ErrorBody, NeedsSession},
    AppState,
};

/// A comment line this often keeps proxies from closing a quiet stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The id a reconnecting client last saw; 0 (everything) when absent or not a number.
fn last_event_id(headers: &HeaderMap) -> i64 {
    headers
        .get("last-event-id")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse().ok())
        .filter(|id: &i64| *id >= 0)
        .unwrap_or(0)
}

fn sse(
    events: impl Stream<Item = StoredEvent> + Send + 'static,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let events = events
        .map(|stored| Ok(Event::default().id(stored.id.to_string()).event(stored.kind).data(stored.data)));
    Sse::new(crate::monitoring::record::counted_stream("events", events))
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
}

/// The execution's events: `status` `{status}`, `stdout` and `stderr` `{text}` while it
/// runs, and `end` `{execution}`. Each has an increasing `id:`; `Last-Event-ID` resumes.
#[utoipa::path(get, path = "/api/executions/{id}/events", tag = "execution",
    params(("id" = i64, Path), ("Last-Event-ID" = Option<i64>, Header, description = "Resume after this event")),
    responses(
        (status = 200, description = "Server-Sent Events until `end`", content_type = "text/event-stream", body = String),
        (status = 400, description = "Malformed id", body = ErrorBody),
        NeedsSession,
        (status = 404, description = "No such execution", body = ErrorBody),
    ))]
pub(super) async fn execution_events(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    execution::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("Execution {id} does not exist.")))?;
    let follow = state.hub.follow(state.db.clone(), events::execution_stream(id), last_event_id(&headers));
    Ok(sse(follow))
}

/// The run-all's events: `group` `{group, status}`, `execution` `{Execution}` on every
/// status change of one of its runs, and `end` `{batch}`.
#[utoipa::path(get, path = "/api/batches/{id}/events", tag = "execution",
    params(("id" = i64, Path), ("Last-Event-ID" = Option<i64>, Header, description = "Resume after this event")),
    responses(
        (status = 200, description = "Server-Sent Events until `end`", content_type = "text/event-stream", body = String),
        (status = 400, description = "Malformed id", body = ErrorBody),
        NeedsSession,
        (status = 404, description = "No such batch", body = ErrorBody),
    ))]
pub(super) async fn batch_events(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    batch::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("Batch {id} does not exist.")))?;
    let follow = state.hub.follow(state.db.clone(), events::batch_stream(id), last_event_id(&headers));
    Ok(sse(follow))
}
