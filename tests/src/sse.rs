//! Reading Server-Sent Events as a client does: blocks separated by a blank line, the
//! `id:`, `event:` and `data:` fields, keep-alive comments skipped.
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::Value;

/// One event as the client received it.
#[derive(Debug)]
pub struct Received {
    /// The `id:` field; the assistant's streams have none.
    pub id: Option<i64>,
    pub kind: String,
    pub data: Value,
    pub at: Instant,
}

/// Reads `response` until the server closes it (at most 60 s), noting when each event
/// arrived.
pub async fn read_to_end(response: reqwest::Response) -> Vec<Received> {
    let mut events = Vec::new();
    let closed = read_while(response, Duration::from_secs(60), |event| {
        events.push(event);
        true
    })
    .await;
    assert!(closed, "the stream did not close in time: {events:?}");
    events
}

/// Reads events, handing each to `keep_going`, until it returns `false` (then the
/// connection is dropped), the server closes the stream (`true`), or `limit` passes
/// (`false`).
pub async fn read_while(
    response: reqwest::Response,
    limit: Duration,
    mut keep_going: impl FnMut(Received) -> bool,
) -> bool {
    assert_eq!(response.headers()["content-type"], "text/event-stream", "not an event stream");
    let mut body = response.bytes_stream();
    let mut buffer = String::new();
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let chunk = match tokio::time::timeout_at(deadline, body.next()).await {
            Err(_) => return false,
            Ok(None) => return true,
            Ok(Some(chunk)) => chunk.expect("stream bytes"),
        };
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let field = |name: &str| {
                block.lines().find_map(|line| {
                    line.strip_prefix(&format!("{name}:")).map(|v| v.trim_start().to_owned())
                })
            };
            // Keep-alive comments have no fields.
            let (Some(kind), Some(data)) = (field("event"), field("data")) else { continue };
            let event = Received {
                id: field("id").map(|id| id.parse().expect("a numeric id")),
                kind,
                data: serde_json::from_str(&data).expect("JSON data"),
                at: Instant::now(),
            };
            if !keep_going(event) {
                return false;
            }
        }
    }
}
