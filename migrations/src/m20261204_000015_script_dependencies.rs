use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261121_000004_create_script_versions::ScriptVersions;

/// SPEC §15: a run carries the lock of its version's packages (it travels in the job row
/// to a worker on any host), and a version remembers why its packages could not be
/// resolved when it was saved, for the editor to show.
#[derive(DeriveMigrationName)]
pub struct Migration;

const EXECUTIONS: &str = "executions";
const DEPENDENCY_LOCK: &str = "dependency_lock";
const DEPENDENCY_ERROR: &str = "dependency_error";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new(EXECUTIONS))
                    .add_column(text_null(Alias::new(DEPENDENCY_LOCK)))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ScriptVersions::Table)
                    .add_column(text_null(Alias::new(DEPENDENCY_ERROR)))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ScriptVersions::Table)
                    .drop_column(Alias::new(DEPENDENCY_ERROR))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new(EXECUTIONS))
                    .drop_column(Alias::new(DEPENDENCY_LOCK))
                    .to_owned(),
            )
            .await
    }
}
