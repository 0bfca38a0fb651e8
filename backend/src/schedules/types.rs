//! The JSON of schedules and their firings (SPEC §17), and the stored kinds of firing.
use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::executions::status::{BatchStatus, ExecutionStatus};

/// What a schedule runs: one script (its version on prod) or every script on prod.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ScheduleTarget {
    /// A script's id.
    Script(i64),
    All(AllScripts),
}

/// `"all"`: a run-all of every script on prod.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AllScripts {
    All,
}

/// `"all"`, a script id, or its id as text (`"5"`); anything else says what is expected.
impl<'de> Deserialize<'de> for ScheduleTarget {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Given {
            Id(i64),
            Text(String),
        }
        let expected = || serde::de::Error::custom("target: give \"all\" or a script id");
        match Given::deserialize(deserializer).map_err(|_: D::Error| expected())? {
            Given::Id(id) => Ok(Self::Script(id)),
            Given::Text(text) if text.trim().eq_ignore_ascii_case("all") => Ok(Self::All(AllScripts::All)),
            Given::Text(text) => text.trim().parse().map(Self::Script).map_err(|_| expected()),
        }
    }
}

impl ScheduleTarget {
    pub fn script_id(self) -> Option<i64> {
        match self {
            Self::Script(id) => Some(id),
            Self::All(_) => None,
        }
    }

    pub fn of(script_id: Option<i64>) -> Self {
        script_id.map_or(Self::All(AllScripts::All), Self::Script)
    }
}

/// The body of `POST /api/schedules`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ScheduleRequest {
    /// Standard 5-field cron (`minute hour day-of-month month day-of-week`), in UTC.
    #[schema(example = "30 2 * * *")]
    pub cron: String,
    pub target: ScheduleTarget,
    /// Input for the runs; absent or null: each script's saved test data.
    pub test_data: Option<String>,
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
}

/// The body of `PUT /api/schedules/{id}`: the fields to change; a field left out keeps its
/// value (so `{"enabled": false}` pauses it, and a `Schedule` as `GET` answers it can be
/// sent back changed: its other fields are ignored).
#[derive(Debug, Deserialize, ToSchema)]
pub struct ScheduleChange {
    #[schema(example = "*/15 * * * *")]
    pub cron: Option<String>,
    pub target: Option<ScheduleTarget>,
    /// A string: the runs' input; null: each script's saved test data; absent: unchanged.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub test_data: Option<Option<String>>,
    pub enabled: Option<bool>,
}

/// A field that is there, even as `null` (serde calls this only for a present field).
fn present<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(deserializer).map(Some)
}

fn enabled_by_default() -> bool {
    true
}

/// How the last firing went: the status of the run it started (an execution's, or a
/// run-all's for target `all`), `skipped` when the previous run was still going, or
/// `error` when nothing could be started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FiringStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
    TimedOut,
    OomKilled,
    Stopped,
    Error,
    Skipped,
}

impl From<ExecutionStatus> for FiringStatus {
    fn from(status: ExecutionStatus) -> Self {
        match status {
            ExecutionStatus::Queued => Self::Queued,
            ExecutionStatus::Running => Self::Running,
            ExecutionStatus::Succeeded => Self::Succeeded,
            ExecutionStatus::Failed => Self::Failed,
            ExecutionStatus::TimedOut => Self::TimedOut,
            ExecutionStatus::OomKilled => Self::OomKilled,
            ExecutionStatus::Error => Self::Error,
        }
    }
}

impl From<BatchStatus> for FiringStatus {
    fn from(status: BatchStatus) -> Self {
        match status {
            BatchStatus::Running => Self::Running,
            BatchStatus::Succeeded => Self::Succeeded,
            BatchStatus::Failed => Self::Failed,
            BatchStatus::Stopped => Self::Stopped,
            BatchStatus::Error => Self::Error,
        }
    }
}

impl FiringStatus {
    /// Still going: a new firing of its schedule is skipped.
    pub fn is_going(self) -> bool {
        matches!(self, Self::Queued | Self::Running)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Schedule {
    pub id: i64,
    pub cron: String,
    pub target: ScheduleTarget,
    pub test_data: Option<String>,
    pub enabled: bool,
    /// When it fires next; null while disabled.
    pub next_run_at: Option<DateTime<Utc>>,
    /// When it last fired (started a run, skipped or failed to start one).
    pub last_run_at: Option<DateTime<Utc>>,
    pub last_status: Option<FiringStatus>,
    /// Why the server disabled it (its script was deleted); null otherwise.
    pub disabled_reason: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What one firing did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize, ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "snake_case")]
pub enum FiringOutcome {
    /// A run was queued (`execution_id`) or a run-all started (`batch_id`).
    #[sea_orm(string_value = "started")]
    Started,
    /// The previous run of this schedule was still going; `detail` names it.
    #[sea_orm(string_value = "skipped")]
    Skipped,
    /// Nothing could be started; `detail` says why.
    #[sea_orm(string_value = "error")]
    Error,
}

/// One firing of a schedule, in its history.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleFiring {
    pub id: i64,
    pub schedule_id: i64,
    /// The cron time this firing was for.
    pub due_at: DateTime<Utc>,
    pub fired_at: DateTime<Utc>,
    pub outcome: FiringOutcome,
    /// The run's status now (`skipped` or `error` when none was started).
    pub status: FiringStatus,
    pub execution_id: Option<i64>,
    pub batch_id: Option<i64>,
    pub detail: Option<String>,
}
