use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "schedules")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub cron: String,
    /// `None`: run-all.
    pub script_id: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub test_data: Option<String>,
    pub enabled: bool,
    #[sea_orm(column_type = "Text", nullable)]
    pub disabled_reason: Option<String>,
    pub next_run_at: Option<ChronoDateTimeUtc>,
    pub last_run_at: Option<ChronoDateTimeUtc>,
    /// Bumped by every change and every claimed firing: a claim names the revision it saw.
    pub revision: i64,
    pub created_by: String,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
