//! The event streams of SPEC §12. Every event is a database row first (its id is the SSE
//! `id:`, so a late or returning subscriber replays what it missed, from any process);
//! in this process it is then broadcast, so live subscribers get it without a query.
//! Another process's events (SPEC §14) reach a subscriber when PostgreSQL announces the
//! row (`LISTEN`: [`EventHub::listen`]) or, on SQLite, through a short poll of the rows.
use std::{
    collections::{HashMap, VecDeque},
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use chrono::Utc;
use futures::Stream;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde::Serialize;
use tokio::sync::{broadcast, watch};

use crate::entities::event;

/// How often a subscriber looks for rows written by another process.
const POLL: Duration = Duration::from_millis(250);
/// The same when the database announces new rows: only for notices lost while the
/// listening connection was down.
const POLL_WHEN_ANNOUNCED: Duration = Duration::from_secs(2);
/// Live events a slow subscriber may fall behind by before it re-reads the rows.
const CHANNEL_CAPACITY: usize = 512;
/// Rows read at once when replaying.
const REPLAY_BATCH: u64 = 500;

/// The name of a stream: `execution:{id}` or `batch:{id}`.
pub fn execution_stream(id: i64) -> String {
    format!("execution:{id}")
}

/// Whether `stream` is an execution's (a job's `queued` status is its first event).
pub fn is_execution_stream(stream: &str) -> bool {
    stream.starts_with("execution:")
}

pub fn batch_stream(id: i64) -> String {
    format!("batch:{id}")
}

/// The kind that ends a stream.
pub const END: &str = "end";

/// The `end` event of `stream`, once it has had one.
pub async fn end_of(db: &DatabaseConnection, stream: &str) -> Result<Option<StoredEvent>, DbErr> {
    let end = event::Entity::find()
        .filter(event::Column::Stream.eq(stream))
        .filter(event::Column::Kind.eq(END))
        .one(db)
        .await?;
    Ok(end.map(StoredEvent::from))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    pub id: i64,
    pub kind: String,
    /// JSON.
    pub data: String,
}

impl From<event::Model> for StoredEvent {
    fn from(row: event::Model) -> Self {
        Self { id: row.id, kind: row.kind, data: row.data }
    }
}

struct Channel {
    sender: broadcast::Sender<Arc<StoredEvent>>,
    /// Held from the insert to the broadcast, so that live events go out in id order.
    order: Arc<tokio::sync::Mutex<()>>,
    /// The highest event id the database announced on this stream: rows to read.
    announced: watch::Sender<i64>,
}

/// Cheap to clone; one per process.
#[derive(Clone, Default)]
pub struct EventHub {
    channels: Arc<Mutex<HashMap<String, Channel>>>,
    /// Whether the database announces new rows, so that subscribers need not poll often.
    announced: Arc<AtomicBool>,
}

impl EventHub {
    fn channel(&self, stream: &str) -> (broadcast::Sender<Arc<StoredEvent>>, Arc<tokio::sync::Mutex<()>>) {
        let mut channels = self.channels.lock().expect("event hub poisoned");
        // Streams nobody listens to any more are forgotten.
        channels.retain(|_, channel| {
            channel.sender.receiver_count() > 0 || Arc::strong_count(&channel.order) > 1
        });
        let channel = channels.entry(stream.to_owned()).or_insert_with(|| Channel {
            sender: broadcast::channel(CHANNEL_CAPACITY).0,
            order: Arc::default(),
            announced: watch::Sender::new(0),
        });
        (channel.sender.clone(), Arc::clone(&channel.order))
    }

    /// The highest row id of `stream` the database announced (PostgreSQL): rows that
    /// another process stored, which this process's subscribers do not hear otherwise.
    pub fn announcements(&self, stream: &str) -> watch::Receiver<i64> {
        self.channel(stream);
        let channels = self.channels.lock().expect("event hub poisoned");
        channels[stream].announced.subscribe()
    }

    /// Hands the database's announcements of new rows (PostgreSQL) to this process's
    /// subscribers, for as long as the process runs; on SQLite it does nothing.
    pub async fn listen(&self, db: &DatabaseConnection) -> Result<(), DbErr> {
        use futures::StreamExt;
        let Some(notices) = crate::db::event_notices(db).await? else { return Ok(()) };
        self.announced.store(true, Ordering::Relaxed);
        let hub = self.clone();
        tokio::spawn(async move {
            let mut notices = std::pin::pin!(notices);
            while let Some(notice) = notices.next().await {
                hub.announce(&notice.stream, notice.id);
            }
        });
        Ok(())
    }

    /// Tells the subscribers of `stream`, if it has any, that row `id` is there to read.
    fn announce(&self, stream: &str, id: i64) {
        let channels = self.channels.lock().expect("event hub poisoned");
        if let Some(channel) = channels.get(stream) {
            channel.announced.send_if_modified(|highest| {
                let newer = id > *highest;
                *highest = (*highest).max(id);
                newer
            });
        }
    }

    /// Stores the event, then hands it to this process's subscribers.
    pub async fn publish(
        &self,
        db: &DatabaseConnection,
        stream: &str,
        kind: &str,
        data: &impl Serialize,
    ) -> Result<StoredEvent, DbErr> {
        let data = serde_json::to_string(data).map_err(|err| DbErr::Custom(err.to_string()))?;
        let (sender, order) = self.channel(stream);
        let _in_order = order.lock().await;
        let row = event::ActiveModel {
            stream: Set(stream.to_owned()),
            kind: Set(kind.to_owned()),
            data: Set(data),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(db)
        .await?;
        let stored = StoredEvent::from(row);
        let _ = sender.send(Arc::new(stored.clone()));
        Ok(stored)
    }

    /// Everything on `stream` after event `after` (0: from the start), then what comes
    /// live; it ends after the `end` event.
    pub fn follow(
        &self,
        db: DatabaseConnection,
        stream: String,
        after: i64,
    ) -> impl Stream<Item = StoredEvent> {
        let live = self.channel(&stream).0.subscribe();
        let announced = self.announcements(&stream);
        let poll = if self.announced.load(Ordering::Relaxed) { POLL_WHEN_ANNOUNCED } else { POLL };
        let state = Follow {
            db,
            stream,
            live,
            announced,
            poll,
            last: after,
            pending: VecDeque::new(),
            ended: false,
            replayed: false,
        };
        futures::stream::unfold(state, |mut state| async move {
            let next = state.next().await?;
            Some((next, state))
        })
    }

    /// Waits until an event arrives on `stream` (or a poll interval passes): a doorbell
    /// for whoever then reads the database.
    pub fn doorbell(&self, stream: &str) -> broadcast::Receiver<Arc<StoredEvent>> {
        self.channel(stream).0.subscribe()
    }
}

struct Follow {
    db: DatabaseConnection,
    stream: String,
    live: broadcast::Receiver<Arc<StoredEvent>>,
    /// Rows another process wrote, as the database announces them.
    announced: watch::Receiver<i64>,
    /// How often to look for rows nobody announced.
    poll: Duration,
    last: i64,
    pending: VecDeque<StoredEvent>,
    ended: bool,
    replayed: bool,
}

impl Follow {
    async fn next(&mut self) -> Option<StoredEvent> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                if event.id <= self.last {
                    continue;
                }
                self.last = event.id;
                self.ended = event.kind == END;
                return Some(event);
            }
            if self.ended {
                return None;
            }
            if !self.replayed {
                self.read_rows().await?;
                continue;
            }
            tokio::select! {
                received = self.live.recv() => match received {
                    Ok(event) => self.pending.push_back((*event).clone()),
                    // Fell behind, or the publisher is gone: the rows have it all.
                    Err(broadcast::error::RecvError::Lagged(_)) => self.read_rows().await?,
                    Err(broadcast::error::RecvError::Closed) => {
                        tokio::time::sleep(self.poll).await;
                        self.read_rows().await?;
                    }
                },
                Ok(()) = self.announced.changed() => {
                    // This process's own events were broadcast already: read only for others'.
                    if *self.announced.borrow_and_update() > self.last {
                        self.read_rows().await?;
                    }
                }
                () = tokio::time::sleep(self.poll) => self.read_rows().await?,
            }
        }
    }

    /// Queues the stored events after the last one sent; `None` when the database fails
    /// (the stream then ends, and the client reconnects with `Last-Event-ID`).
    async fn read_rows(&mut self) -> Option<()> {
        let rows = event::Entity::find()
            .filter(event::Column::Stream.eq(self.stream.as_str()))
            .filter(event::Column::Id.gt(self.last))
            .order_by_asc(event::Column::Id)
            .limit(REPLAY_BATCH)
            .all(&self.db)
            .await;
        match rows {
            Ok(rows) => {
                // A full batch may have more behind it: read again before waiting.
                self.replayed = rows.len() < REPLAY_BATCH as usize;
                self.pending.extend(rows.into_iter().map(StoredEvent::from));
                Some(())
            }
            Err(err) => {
                tracing::warn!(stream = %self.stream, error = %err, "could not read events");
                None
            }
        }
    }
}
