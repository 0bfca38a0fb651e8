use sea_orm_migration::{prelude::*, schema::*};

use crate::id_column;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .if_not_exists()
                    .col(id_column(AuditLog::Id))
                    .col(string_null(AuditLog::Actor))
                    .col(string(AuditLog::Action))
                    .col(big_integer_null(AuditLog::ScriptId))
                    .col(big_integer_null(AuditLog::ScriptVersionId))
                    .col(string(AuditLog::Outcome))
                    .col(text_null(AuditLog::Detail))
                    .col(string_null(AuditLog::ClientAddr))
                    .col(timestamp_with_time_zone(AuditLog::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(AuditLog::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    Actor,
    Action,
    ScriptId,
    ScriptVersionId,
    Outcome,
    Detail,
    ClientAddr,
    CreatedAt,
}
