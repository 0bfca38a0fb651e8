use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "scripts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub ordering_hundredths: i64,
    pub is_deleted: bool,
    pub test_data_path: String,
    pub prod_version_id: Option<i64>,
    pub created_by: String,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::script_version::Entity")]
    ScriptVersion,
}

impl Related<super::script_version::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ScriptVersion.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
