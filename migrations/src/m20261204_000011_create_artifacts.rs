use sea_orm_migration::{prelude::*, schema::*};

use crate::id_column;

/// SPEC §12: the files a run leaves in `/runner/out`. Their content is stored once per
/// SHA-256 in the database, so that a worker on another host needs no shared disk.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ArtifactBlobs::Table)
                    .if_not_exists()
                    .col(string_len(ArtifactBlobs::Sha256, 64).primary_key())
                    .col(big_integer(ArtifactBlobs::Size))
                    .col(blob(ArtifactBlobs::Content))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Artifacts::Table)
                    .if_not_exists()
                    .col(id_column(Artifacts::Id))
                    .col(big_integer(Artifacts::ExecutionId))
                    .col(string(Artifacts::Name))
                    .col(big_integer(Artifacts::Size))
                    .col(string(Artifacts::ContentType))
                    .col(string_len(Artifacts::Sha256, 64))
                    .col(timestamp_with_time_zone(Artifacts::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_artifacts_execution_name")
                    .table(Artifacts::Table)
                    .col(Artifacts::ExecutionId)
                    .col(Artifacts::Name)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Artifacts::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(ArtifactBlobs::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum ArtifactBlobs {
    Table,
    Sha256,
    Size,
    Content,
}

#[derive(DeriveIden)]
enum Artifacts {
    Table,
    Id,
    ExecutionId,
    Name,
    Size,
    ContentType,
    Sha256,
    CreatedAt,
}
