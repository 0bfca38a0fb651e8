use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

/// `GET /api/scripts` is served from a snapshot kept in memory (issue 18); it must be
/// rebuilt after any write that changes what the list shows, by whichever process wrote
/// (SPEC §14: several processes share a PostgreSQL database, and a job's status is written
/// by a worker process). The database keeps the count: every such write bumps the one row
/// of `catalog_generation` in its own transaction, by trigger, so no code path can forget
/// it; a list reads the row and rebuilds when it has moved.
///
/// On PostgreSQL the triggers are deferred to the commit: the counter row is locked only
/// while a transaction commits, not while a save holds its script's row during the git
/// commit, which would serialize saves of different scripts.
#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "catalog_generation";
const FUNCTION: &str = "ved_bump_catalog_generation";

/// What a list shows comes from these tables; a change to one of the listed columns (all
/// of them for `None`) changes the list. An execution's output and lease are written often
/// while it runs and are not in the list.
const WATCHED: [(&str, Option<&[&str]>); 3] = [
    ("scripts", Some(&["ordering_hundredths", "is_deleted", "prod_version_id"])),
    ("script_versions", None),
    ("executions", Some(&["script_id", "status", "exit_code", "created_at", "started_at", "finished_at"])),
];

const EVENTS: [&str; 3] = ["INSERT", "UPDATE", "DELETE"];

fn trigger_name(table: &str, event: &str) -> String {
    format!("{table}_{}_bumps_catalog_generation", event.to_ascii_lowercase())
}

/// `WHEN` condition of an update trigger: one of `columns` changed (nulls compare equal).
fn changed(backend: DatabaseBackend, columns: &[&str]) -> String {
    let differs = if backend == DatabaseBackend::Postgres { "IS DISTINCT FROM" } else { "IS NOT" };
    columns.iter().map(|c| format!("OLD.{c} {differs} NEW.{c}")).collect::<Vec<_>>().join(" OR ")
}

fn create_trigger(backend: DatabaseBackend, table: &str, event: &str, columns: Option<&[&str]>) -> String {
    let name = trigger_name(table, event);
    let when = match columns {
        Some(columns) if event == "UPDATE" => format!("WHEN ({})", changed(backend, columns)),
        _ => String::new(),
    };
    if backend == DatabaseBackend::Postgres {
        format!(
            "CREATE CONSTRAINT TRIGGER {name} AFTER {event} ON {table} DEFERRABLE INITIALLY DEFERRED \
             FOR EACH ROW {when} EXECUTE FUNCTION {FUNCTION}()"
        )
    } else {
        format!(
            "CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW {when} \
             BEGIN UPDATE {TABLE} SET generation = generation + 1 WHERE id = 1; END"
        )
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let db = manager.get_connection();
        db.execute_unprepared(&format!(
            "CREATE TABLE {TABLE} (id BIGINT NOT NULL PRIMARY KEY, generation BIGINT NOT NULL)"
        ))
        .await?;
        db.execute_unprepared(&format!("INSERT INTO {TABLE} (id, generation) VALUES (1, 0)")).await?;
        if backend == DatabaseBackend::Postgres {
            db.execute_unprepared(&format!(
                "CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ \
                 BEGIN UPDATE {TABLE} SET generation = generation + 1 WHERE id = 1; RETURN NULL; END $$"
            ))
            .await?;
        }
        for (table, columns) in WATCHED {
            for event in EVENTS {
                db.execute_unprepared(&create_trigger(backend, table, event, columns)).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let db = manager.get_connection();
        for (table, _) in WATCHED {
            for event in EVENTS {
                let name = trigger_name(table, event);
                let on =
                    if backend == DatabaseBackend::Postgres { format!(" ON {table}") } else { String::new() };
                db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {name}{on}")).await?;
            }
        }
        if backend == DatabaseBackend::Postgres {
            db.execute_unprepared(&format!("DROP FUNCTION IF EXISTS {FUNCTION}()")).await?;
        }
        db.execute_unprepared(&format!("DROP TABLE IF EXISTS {TABLE}")).await?;
        Ok(())
    }
}
