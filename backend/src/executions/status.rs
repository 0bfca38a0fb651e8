//! The statuses of executions and batches: Rust enums, stored as their strings, published
//! in the OpenAPI document as enums (and so in the frontend's generated types).
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::adapters::sandbox::RunStatus;

/// `queued` → `running` → one of the final statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize, ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "snake_case")]
pub enum ExecutionStatus {
    #[sea_orm(string_value = "queued")]
    Queued,
    #[sea_orm(string_value = "running")]
    Running,
    #[sea_orm(string_value = "succeeded")]
    Succeeded,
    #[sea_orm(string_value = "failed")]
    Failed,
    #[sea_orm(string_value = "timed_out")]
    TimedOut,
    #[sea_orm(string_value = "oom_killed")]
    OomKilled,
    /// The engine failed, or the server stopped while it ran; `error` says which.
    #[sea_orm(string_value = "error")]
    Error,
}

impl ExecutionStatus {
    /// The same string serde and the database use.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::TimedOut => "timed_out",
            Self::OomKilled => "oom_killed",
            Self::Error => "error",
        }
    }
}

impl From<RunStatus> for ExecutionStatus {
    fn from(status: RunStatus) -> Self {
        match status {
            RunStatus::Succeeded => Self::Succeeded,
            RunStatus::Failed => Self::Failed,
            RunStatus::TimedOut => Self::TimedOut,
            RunStatus::OomKilled => Self::OomKilled,
            RunStatus::Error => Self::Error,
        }
    }
}

/// What an execution ran: the version on prod, the latest saved version, or a script the
/// assistant wrote in a fix round (never saved as a version).
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize, ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "snake_case")]
pub enum ExecutionSource {
    #[sea_orm(string_value = "prod")]
    Prod,
    #[sea_orm(string_value = "draft")]
    Draft,
    #[sea_orm(string_value = "assistant")]
    Assistant,
}

/// A run-all: `running`, then `succeeded` (every run did), `failed` (some did not),
/// `stopped` (`stop_on_failure` skipped later groups) or `error` (it could not go on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize, ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "snake_case")]
pub enum BatchStatus {
    #[sea_orm(string_value = "running")]
    Running,
    #[sea_orm(string_value = "succeeded")]
    Succeeded,
    #[sea_orm(string_value = "failed")]
    Failed,
    #[sea_orm(string_value = "stopped")]
    Stopped,
    #[sea_orm(string_value = "error")]
    Error,
}

#[cfg(test)]
mod tests {
    use sea_orm::{ActiveEnum, Iterable};

    use super::*;

    #[test]
    fn statuses_serialize_as_the_spec_spells_them() {
        let spelled = |status: ExecutionStatus| serde_json::to_value(status).unwrap();
        let runs = [
            RunStatus::Succeeded,
            RunStatus::Failed,
            RunStatus::TimedOut,
            RunStatus::OomKilled,
            RunStatus::Error,
        ];
        let spec = ["succeeded", "failed", "timed_out", "oom_killed", "error"];
        for (run, name) in runs.into_iter().zip(spec) {
            assert_eq!(spelled(run.into()), name);
            assert_eq!(run.as_str(), name, "the adapter's own name for it");
        }
        assert_eq!(spelled(ExecutionStatus::Queued), "queued");
        assert_eq!(spelled(ExecutionStatus::Running), "running");
    }

    #[test]
    fn the_stored_string_is_the_json_string() {
        for status in ExecutionStatus::iter() {
            assert_eq!(serde_json::to_value(status).unwrap(), status.to_value());
            assert_eq!(status.as_str(), status.to_value());
        }
        for status in BatchStatus::iter() {
            assert_eq!(serde_json::to_value(status).unwrap(), status.to_value());
        }
    }
}
