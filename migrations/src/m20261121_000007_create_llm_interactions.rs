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
                    .table(LlmInteractions::Table)
                    .if_not_exists()
                    .col(id_column(LlmInteractions::Id))
                    .col(string(LlmInteractions::User))
                    .col(big_integer_null(LlmInteractions::ScriptId))
                    .col(big_integer_null(LlmInteractions::ScriptVersionId))
                    .col(text(LlmInteractions::Prompt))
                    .col(text(LlmInteractions::ContextCode))
                    .col(text(LlmInteractions::Response))
                    .col(string(LlmInteractions::ModelId))
                    .col(big_integer_null(LlmInteractions::InputTokens))
                    .col(big_integer_null(LlmInteractions::OutputTokens))
                    // Integer micro-dollars: exact sums; NULL when the cost is unknown.
                    .col(big_integer_null(LlmInteractions::CostMicros))
                    .col(string(LlmInteractions::CostSource))
                    .col(big_integer(LlmInteractions::LatencyMs))
                    .col(string(LlmInteractions::Status))
                    .col(text_null(LlmInteractions::Error))
                    .col(timestamp_with_time_zone(LlmInteractions::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(LlmInteractions::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum LlmInteractions {
    Table,
    Id,
    User,
    ScriptId,
    ScriptVersionId,
    Prompt,
    ContextCode,
    Response,
    ModelId,
    InputTokens,
    OutputTokens,
    CostMicros,
    CostSource,
    LatencyMs,
    Status,
    Error,
    CreatedAt,
}
