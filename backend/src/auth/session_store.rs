//! tower-sessions storage in the application database through sea-orm, so sessions survive
//! a restart and work on any database sea-orm supports.
use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::OnConflict, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
};
use tower_sessions::{
    session::{Id, Record},
    session_store::{self, ExpiredDeletion},
    SessionStore,
};

use crate::entities::session;

#[derive(Debug, Clone)]
pub struct DbSessionStore {
    db: DatabaseConnection,
}

impl DbSessionStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

fn backend(err: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(err.to_string())
}

fn to_row(record: &Record) -> session_store::Result<session::ActiveModel> {
    let data =
        serde_json::to_string(&record.data).map_err(|err| session_store::Error::Encode(err.to_string()))?;
    let nanos = record.expiry_date.unix_timestamp_nanos();
    let expires_at = DateTime::<Utc>::from_timestamp_nanos(nanos as i64);
    Ok(session::ActiveModel { id: Set(record.id.to_string()), data: Set(data), expires_at: Set(expires_at) })
}

fn from_row(row: session::Model) -> session_store::Result<Record> {
    let id = row.id.parse::<Id>().map_err(|err| session_store::Error::Decode(err.to_string()))?;
    let data =
        serde_json::from_str(&row.data).map_err(|err| session_store::Error::Decode(err.to_string()))?;
    let nanos = row.expires_at.timestamp_nanos_opt().unwrap_or(i64::MAX);
    let expiry_date = time::OffsetDateTime::from_unix_timestamp_nanos(nanos.into())
        .map_err(|err| session_store::Error::Decode(err.to_string()))?;
    Ok(Record { id, data, expiry_date })
}

#[async_trait::async_trait]
impl SessionStore for DbSessionStore {
    /// Inserts rather than upserts: a colliding random id must get a new id, never another
    /// user's session.
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        loop {
            let inserted = session::Entity::insert(to_row(record)?)
                .on_conflict(OnConflict::column(session::Column::Id).do_nothing().to_owned())
                .exec_without_returning(&self.db)
                .await
                .map_err(backend)?;
            if inserted == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        session::Entity::insert(to_row(record)?)
            .on_conflict(
                OnConflict::column(session::Column::Id)
                    .update_columns([session::Column::Data, session::Column::ExpiresAt])
                    .to_owned(),
            )
            .exec_without_returning(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let row = session::Entity::find_by_id(id.to_string())
            .filter(session::Column::ExpiresAt.gt(Utc::now()))
            .one(&self.db)
            .await
            .map_err(backend)?;
        row.map(from_row).transpose()
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        session::Entity::delete_by_id(id.to_string()).exec(&self.db).await.map_err(backend)?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl ExpiredDeletion for DbSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        session::Entity::delete_many()
            .filter(session::Column::ExpiresAt.lte(Utc::now()))
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }
}
