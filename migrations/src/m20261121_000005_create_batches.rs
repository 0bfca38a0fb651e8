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
                    .table(Batches::Table)
                    .if_not_exists()
                    .col(id_column(Batches::Id))
                    .col(string(Batches::Status))
                    .col(boolean(Batches::StopOnFailure))
                    .col(string(Batches::TriggeredBy))
                    .col(timestamp_with_time_zone(Batches::StartedAt))
                    .col(timestamp_with_time_zone_null(Batches::FinishedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Batches::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
pub enum Batches {
    Table,
    Id,
    Status,
    StopOnFailure,
    TriggeredBy,
    StartedAt,
    FinishedAt,
}
