use sea_orm_migration::{prelude::*, schema::*};

use crate::id_column;

use crate::m20261121_000003_create_scripts::Scripts;
use crate::m20261121_000004_create_script_versions::ScriptVersions;
use crate::m20261121_000005_create_batches::Batches;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Executions::Table)
                    .if_not_exists()
                    .col(id_column(Executions::Id))
                    .col(big_integer(Executions::ScriptId))
                    .col(big_integer(Executions::ScriptVersionId))
                    .col(string(Executions::VersionLabel))
                    .col(big_integer_null(Executions::BatchId))
                    .col(integer_null(Executions::BatchGroup))
                    .col(string(Executions::Status))
                    .col(big_integer_null(Executions::ExitCode))
                    .col(text(Executions::Stdout))
                    .col(text(Executions::Stderr))
                    .col(boolean(Executions::StdoutTruncated))
                    .col(boolean(Executions::StderrTruncated))
                    .col(text_null(Executions::Error))
                    .col(string(Executions::Interpreter))
                    .col(string(Executions::TriggeredBy))
                    .col(timestamp_with_time_zone(Executions::CreatedAt))
                    .col(timestamp_with_time_zone_null(Executions::StartedAt))
                    .col(timestamp_with_time_zone_null(Executions::FinishedAt))
                    .col(big_integer_null(Executions::DurationMs))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Executions::Table, Executions::ScriptId)
                            .to(Scripts::Table, Scripts::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Executions::Table, Executions::ScriptVersionId)
                            .to(ScriptVersions::Table, ScriptVersions::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Executions::Table, Executions::BatchId)
                            .to(Batches::Table, Batches::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_executions_script")
                    .table(Executions::Table)
                    .col(Executions::ScriptId)
                    .col(Executions::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Executions::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Executions {
    Table,
    Id,
    ScriptId,
    ScriptVersionId,
    VersionLabel,
    BatchId,
    BatchGroup,
    Status,
    ExitCode,
    Stdout,
    Stderr,
    StdoutTruncated,
    StderrTruncated,
    Error,
    Interpreter,
    TriggeredBy,
    CreatedAt,
    StartedAt,
    FinishedAt,
    DurationMs,
}
