use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "executions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub script_id: i64,
    pub script_version_id: i64,
    pub version_label: String,
    pub batch_id: Option<i64>,
    pub batch_group: Option<i32>,
    pub status: crate::executions::status::ExecutionStatus,
    pub exit_code: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub stdout: String,
    #[sea_orm(column_type = "Text")]
    pub stderr: String,
    pub stdout_truncated: bool,
    pub stderr_truncated: bool,
    #[sea_orm(column_type = "Text", nullable)]
    pub error: Option<String>,
    pub interpreter: String,
    pub triggered_by: String,
    pub created_at: ChronoDateTimeUtc,
    pub started_at: Option<ChronoDateTimeUtc>,
    pub finished_at: Option<ChronoDateTimeUtc>,
    pub duration_ms: Option<i64>,
    /// The job's payload: what the worker runs (SPEC §14: it travels in the row).
    #[sea_orm(column_type = "Text", nullable)]
    pub script_content: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub input: Option<String>,
    /// `N.lock` of the version that runs, if it has one (SPEC §15).
    #[sea_orm(column_type = "Text", nullable)]
    pub dependency_lock: Option<String>,
    /// The worker that claimed the job, and until when its claim holds unless renewed.
    pub worker: Option<String>,
    pub lease_expires_at: Option<ChronoDateTimeUtc>,
    pub source: crate::executions::status::ExecutionSource,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
