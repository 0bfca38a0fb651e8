//! An SSE answer fed by a task (SPEC §13's streams): the task sends events as the work
//! produces them; when the client goes away the answer's body is dropped, and the task
//! learns it from a failed send or from [`EventSender::closed`], so it can stop the work.

use std::convert::Infallible;

use axum::response::sse::{Event, KeepAlive, KeepAliveStream, Sse};
use futures::Stream;
use serde::Serialize;
use tokio::sync::mpsc;

/// Events waiting for a slow client before the task waits for it.
const BUFFER: usize = 64;

/// The client is gone.
#[derive(Debug)]
pub struct Gone;

#[derive(Clone)]
pub struct EventSender(mpsc::Sender<Event>);

impl EventSender {
    pub async fn send(&self, kind: &str, data: &impl Serialize) -> Result<(), Gone> {
        let event = Event::default().event(kind).json_data(data).map_err(|_| Gone)?;
        self.0.send(event).await.map_err(|_| Gone)
    }

    /// Resolves when the client has gone away.
    pub async fn closed(&self) {
        self.0.closed().await;
    }
}

type Events = std::pin::Pin<Box<dyn Stream<Item = Result<Event, Infallible>> + Send>>;
pub type EventStream = Sse<KeepAliveStream<Events>>;

/// The sending end for a task, and the answer to return.
pub fn channel() -> (EventSender, EventStream) {
    let (sender, receiver) = mpsc::channel(BUFFER);
    let events = futures::stream::unfold(receiver, |mut receiver| async move {
        let event = receiver.recv().await?;
        Some((Ok(event), receiver))
    });
    let events = crate::monitoring::record::counted_stream("assistant", events);
    let answer = Sse::new(Box::pin(events) as Events).keep_alive(KeepAlive::default());
    (EventSender(sender), answer)
}
