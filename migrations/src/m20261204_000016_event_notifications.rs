use sea_orm_migration::prelude::*;

/// SPEC §14: on PostgreSQL every new event row is announced on the `ved_events` channel
/// (`NOTIFY`, payload `<stream> <id>`), whichever process wrote it, so that a subscriber
/// connected to another API process hears of it at once. SQLite has no notifications and
/// one process per file: its subscribers read the rows (`backend/src/executions/events.rs`).
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE OR REPLACE FUNCTION ved_notify_event() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN PERFORM pg_notify('ved_events', NEW.stream || ' ' || NEW.id); RETURN NULL; END $$",
        )
        .await?;
        db.execute_unprepared(
            "CREATE TRIGGER events_notify AFTER INSERT ON events \
             FOR EACH ROW EXECUTE FUNCTION ved_notify_event()",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared("DROP TRIGGER IF EXISTS events_notify ON events").await?;
        db.execute_unprepared("DROP FUNCTION IF EXISTS ved_notify_event()").await?;
        Ok(())
    }
}
