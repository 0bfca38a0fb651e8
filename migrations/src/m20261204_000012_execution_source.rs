use sea_orm_migration::{prelude::*, schema::*};

/// SPEC §13: an execution says what it ran — the prod version, the latest saved draft, or
/// code the assistant wrote (never saved as a version). Runs before this were of prod or
/// of a draft, which was not recorded; they read as `prod`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("executions"))
                    .add_column(string(Alias::new("source")).default("prod"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(Alias::new("executions")).drop_column(Alias::new("source")).to_owned(),
            )
            .await
    }
}
