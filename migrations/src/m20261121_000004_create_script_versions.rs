use sea_orm_migration::{prelude::*, schema::*};

use crate::id_column;

use crate::m20261121_000003_create_scripts::Scripts;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ScriptVersions::Table)
                    .if_not_exists()
                    .col(id_column(ScriptVersions::Id))
                    .col(big_integer(ScriptVersions::ScriptId))
                    .col(integer(ScriptVersions::Major))
                    .col(integer(ScriptVersions::Minor))
                    .col(string_len(ScriptVersions::GitCommitHash, 40))
                    .col(string(ScriptVersions::Committer))
                    .col(timestamp_with_time_zone(ScriptVersions::CreatedAt))
                    .col(big_integer_null(ScriptVersions::ParentScriptId))
                    .col(big_integer_null(ScriptVersions::ParentVersionId))
                    // Derived from the content at save time so that listing never reads git.
                    .col(string(ScriptVersions::DescriptiveName))
                    .col(text(ScriptVersions::Docstring))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ScriptVersions::Table, ScriptVersions::ScriptId)
                            .to(Scripts::Table, Scripts::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ScriptVersions::Table, ScriptVersions::ParentScriptId)
                            .to(Scripts::Table, Scripts::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ScriptVersions::Table, ScriptVersions::ParentVersionId)
                            .to(ScriptVersions::Table, ScriptVersions::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_script_versions_script_major_minor")
                    .table(ScriptVersions::Table)
                    .col(ScriptVersions::ScriptId)
                    .col(ScriptVersions::Major)
                    .col(ScriptVersions::Minor)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ScriptVersions::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
pub enum ScriptVersions {
    Table,
    Id,
    ScriptId,
    Major,
    Minor,
    GitCommitHash,
    Committer,
    CreatedAt,
    ParentScriptId,
    ParentVersionId,
    DescriptiveName,
    Docstring,
}
