use sea_orm_migration::{prelude::*, schema::*};

use crate::id_column;

/// SPEC §12: an execution is a job a worker claims from the database. The script and its
/// input travel in the row, so a worker needs nothing but the database; a lease says the
/// worker is alive. Events (status, output, end) are rows too, so that a subscriber who
/// comes late, or to another process, can replay them.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            text_null(Jobs::ScriptContent),
            text_null(Jobs::Input),
            string_null(Jobs::Worker),
            timestamp_with_time_zone_null(Jobs::LeaseExpiresAt),
        ] {
            manager.alter_table(Table::alter().table(Jobs::Table).add_column(column).to_owned()).await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_executions_status")
                    .table(Jobs::Table)
                    .col(Jobs::Status)
                    .col(Jobs::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    .if_not_exists()
                    .col(id_column(Events::Id))
                    .col(string(Events::Stream))
                    .col(string(Events::Kind))
                    .col(text(Events::Data))
                    .col(timestamp_with_time_zone(Events::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_events_stream")
                    .table(Events::Table)
                    .col(Events::Stream)
                    .col(Events::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Events::Table).to_owned()).await?;
        manager.drop_index(Index::drop().name("idx_executions_status").table(Jobs::Table).to_owned()).await?;
        for column in [Jobs::ScriptContent, Jobs::Input, Jobs::Worker, Jobs::LeaseExpiresAt] {
            manager.alter_table(Table::alter().table(Jobs::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Jobs {
    #[sea_orm(iden = "executions")]
    Table,
    Id,
    Status,
    ScriptContent,
    Input,
    Worker,
    LeaseExpiresAt,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
    /// `execution:{id}` or `batch:{id}`.
    Stream,
    Kind,
    Data,
    CreatedAt,
}
