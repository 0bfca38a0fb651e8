use sea_orm::entity::prelude::*;

/// One event of an execution's or a batch's stream (SPEC §12); its id is the SSE `id:`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `execution:{id}` or `batch:{id}`.
    pub stream: String,
    pub kind: String,
    /// The event's JSON.
    #[sea_orm(column_type = "Text")]
    pub data: String,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
