//! Database connection and schema. This is the only place that knows which database runs:
//! SQLite gets WAL, foreign keys and a busy timeout; PostgreSQL announces new events
//! ([`event_notices`]); everything else is portable sea-orm (but the job claim's row lock,
//! `executions::jobs::claim`).
use std::{path::Path, time::Duration};

use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr};

pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let url = prepare_sqlite_file(url)?;
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                .create_if_missing(true)
        });
    let db = Database::connect(options).await?;
    Migrator::up(&db, None).await?;
    Ok(db)
}

/// SQLite will not create the directory of its file; a fresh checkout has no `data/`.
fn prepare_sqlite_file(url: &str) -> Result<String, DbErr> {
    let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) else {
        return Ok(url.to_owned());
    };
    let file = path.split('?').next().unwrap_or_default();
    if !file.is_empty() && file != ":memory:" {
        if let Some(parent) = Path::new(file).parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|err| DbErr::Custom(format!("cannot create {}: {err}", parent.display())))?;
        }
    }
    Ok(url.to_owned())
}

/// `SUM` of a BIGINT column, as a BIGINT on every database: PostgreSQL sums BIGINT as
/// NUMERIC, which does not read back as an `i64`.
pub fn sum_as_bigint(column: impl sea_orm::sea_query::IntoColumnRef) -> sea_orm::sea_query::SimpleExpr {
    use sea_orm::sea_query::{Alias, Expr};
    Expr::col(column).sum().cast_as(Alias::new("BIGINT"))
}

pub async fn ping(db: &DatabaseConnection) -> bool {
    db.ping().await.is_ok()
}

/// The channel migration 16 announces new event rows on (PostgreSQL only).
const EVENTS_CHANNEL: &str = "ved_events";

/// A new event row, as announced by the database: its stream and id.
pub struct EventNotice {
    pub stream: String,
    pub id: i64,
}

/// On PostgreSQL, every event row any process inserts, as the database announces it
/// (`LISTEN ved_events`); `None` on SQLite, which announces nothing. The stream goes on
/// across a lost connection (sqlx reconnects on the next receive), but notices sent
/// meanwhile are lost: readers must not rely on it alone.
pub async fn event_notices(
    db: &DatabaseConnection,
) -> Result<Option<impl futures::Stream<Item = EventNotice> + Send + 'static>, DbErr> {
    use sea_orm::sqlx::postgres::PgListener;
    if db.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
        return Ok(None);
    }
    let to_db_err = |err: sea_orm::sqlx::Error| DbErr::Conn(sea_orm::RuntimeErr::SqlxError(err));
    let mut listener =
        PgListener::connect_with(db.get_postgres_connection_pool()).await.map_err(to_db_err)?;
    listener.listen(EVENTS_CHANNEL).await.map_err(to_db_err)?;
    Ok(Some(futures::stream::unfold(listener, |mut listener| async move {
        loop {
            match listener.recv().await {
                Ok(notification) => {
                    if let Some(notice) = EventNotice::parse(notification.payload()) {
                        return Some((notice, listener));
                    }
                }
                Err(err) => {
                    tracing::warn!(error = %err, "lost the database's event notifications; reconnecting");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    })))
}

impl EventNotice {
    /// `<stream> <id>`, as the trigger of migration 16 writes it.
    fn parse(payload: &str) -> Option<Self> {
        let (stream, id) = payload.rsplit_once(' ')?;
        Some(Self { stream: stream.to_owned(), id: id.parse().ok()? })
    }
}
