//! Every schema change of code.ved is one migration file here; the server applies them at
//! start. Only portable column types are used so that PostgreSQL can follow SQLite; the
//! PostgreSQL-only steps are the event notification trigger (migration 16) and the deferred
//! triggers of the catalog's generation (migration 17).
pub use sea_orm_migration::prelude::*;

mod m20261121_000001_create_users;
mod m20261121_000002_create_sessions;
mod m20261121_000003_create_scripts;
mod m20261121_000004_create_script_versions;
mod m20261121_000005_create_batches;
mod m20261121_000006_create_executions;
mod m20261121_000007_create_llm_interactions;
mod m20261121_000008_create_audit_log;
mod m20261204_000009_add_version_messages;
mod m20261204_000010_execution_jobs;
mod m20261204_000011_create_artifacts;
mod m20261204_000012_execution_source;
mod m20261204_000013_create_api_tokens;
mod m20261204_000014_create_schedules;
mod m20261204_000015_script_dependencies;
mod m20261204_000016_event_notifications;
mod m20261204_000017_catalog_generation;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000001_create_users::Migration),
            Box::new(m20261121_000002_create_sessions::Migration),
            Box::new(m20261121_000003_create_scripts::Migration),
            Box::new(m20261121_000004_create_script_versions::Migration),
            Box::new(m20261121_000005_create_batches::Migration),
            Box::new(m20261121_000006_create_executions::Migration),
            Box::new(m20261121_000007_create_llm_interactions::Migration),
            Box::new(m20261121_000008_create_audit_log::Migration),
            Box::new(m20261204_000009_add_version_messages::Migration),
            Box::new(m20261204_000010_execution_jobs::Migration),
            Box::new(m20261204_000011_create_artifacts::Migration),
            Box::new(m20261204_000012_execution_source::Migration),
            Box::new(m20261204_000013_create_api_tokens::Migration),
            Box::new(m20261204_000014_create_schedules::Migration),
            Box::new(m20261204_000015_script_dependencies::Migration),
            Box::new(m20261204_000016_event_notifications::Migration),
            Box::new(m20261204_000017_catalog_generation::Migration),
        ]
    }
}

/// A 64-bit auto-increment primary key on every backend (`pk_auto` is 32-bit on PostgreSQL).
fn id_column<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).big_integer().not_null().auto_increment().primary_key().to_owned()
}
