use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "schedule_runs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub schedule_id: i64,
    pub due_at: ChronoDateTimeUtc,
    pub fired_at: ChronoDateTimeUtc,
    pub outcome: crate::schedules::types::FiringOutcome,
    pub execution_id: Option<i64>,
    pub batch_id: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub detail: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
