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
                    .table(Scripts::Table)
                    .if_not_exists()
                    .col(id_column(Scripts::Id))
                    // The ordering number in hundredths (3.01 is 301): exact, sortable and
                    // portable, where a DECIMAL column is not on every database.
                    .col(big_integer(Scripts::OrderingHundredths))
                    .col(boolean(Scripts::IsDeleted).default(false))
                    // Where the test data lives: `N.input` beside `N.py` in the same commit.
                    .col(string(Scripts::TestDataPath))
                    // Which version is on prod; no foreign key, as versions point back here.
                    .col(big_integer_null(Scripts::ProdVersionId))
                    .col(string(Scripts::CreatedBy))
                    .col(timestamp_with_time_zone(Scripts::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_scripts_ordering")
                    .table(Scripts::Table)
                    .col(Scripts::OrderingHundredths)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Scripts::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
pub enum Scripts {
    Table,
    Id,
    OrderingHundredths,
    IsDeleted,
    TestDataPath,
    ProdVersionId,
    CreatedBy,
    CreatedAt,
}
