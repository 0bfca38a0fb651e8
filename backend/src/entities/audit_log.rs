use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub actor: Option<String>,
    pub action: String,
    pub script_id: Option<i64>,
    pub script_version_id: Option<i64>,
    pub outcome: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub detail: Option<String>,
    pub client_addr: Option<String>,
    /// The API token the request authenticated with, if it was not a session.
    pub api_token_id: Option<i64>,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
