//! Database connection and schema. This is the only place that knows which database runs:
//! SQLite gets WAL, foreign keys and a busy timeout; everything else is portable sea-orm.
use std::{path::Path, time::Duration};

use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

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
