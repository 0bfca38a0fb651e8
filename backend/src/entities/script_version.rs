use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "script_versions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub script_id: i64,
    pub major: i32,
    pub minor: i32,
    pub git_commit_hash: String,
    pub committer: String,
    pub created_at: ChronoDateTimeUtc,
    pub parent_script_id: Option<i64>,
    pub parent_version_id: Option<i64>,
    pub descriptive_name: String,
    #[sea_orm(column_type = "Text")]
    pub docstring: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub message: Option<String>,
    /// Why the packages of its `# /// script` block could not be resolved at save
    /// (uv's message); `None` when they were, or when it declares none (SPEC §15).
    #[sea_orm(column_type = "Text", nullable)]
    pub dependency_error: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::script::Entity",
        from = "Column::ScriptId",
        to = "super::script::Column::Id"
    )]
    Script,
}

impl Related<super::script::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Script.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
