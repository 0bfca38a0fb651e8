use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261121_000004_create_script_versions::ScriptVersions;

/// SPEC §16: a save may say why it was made; the text is kept on the version.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ScriptVersions::Table)
                    .add_column(text_null(Alias::new("message")))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(ScriptVersions::Table).drop_column(Alias::new("message")).to_owned(),
            )
            .await
    }
}
