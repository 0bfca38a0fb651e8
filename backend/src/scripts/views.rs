//! Request and response bodies of the script endpoints (SPEC §5).
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ordering::OrderingNumber;
use crate::{
    entities::script_version,
    executions::{status::ExecutionStatus, view::Execution},
};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VersionInfo {
    pub id: i64,
    pub major: i32,
    pub minor: i32,
    /// `major.minor`, e.g. `1.23`.
    pub label: String,
    /// The editor who made this version.
    pub committer: String,
    pub created_at: DateTime<Utc>,
    /// 40 hex digits.
    pub git_commit_hash: String,
    /// Set on a fork: the script it was forked from.
    pub parent_script_id: Option<i64>,
    /// Set on a fork: the version it was forked from.
    pub parent_version_id: Option<i64>,
    /// Why it was saved, as its editor said (SPEC §16); `restore vX.Y` for a restore.
    pub message: Option<String>,
}

pub fn version_label(major: i32, minor: i32) -> String {
    format!("{major}.{minor}")
}

impl From<&script_version::Model> for VersionInfo {
    fn from(row: &script_version::Model) -> Self {
        Self {
            id: row.id,
            major: row.major,
            minor: row.minor,
            label: version_label(row.major, row.minor),
            committer: row.committer.clone(),
            created_at: row.created_at,
            git_commit_hash: row.git_commit_hash.clone(),
            parent_script_id: row.parent_script_id,
            parent_version_id: row.parent_version_id,
            message: row.message.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScriptSummary {
    pub id: i64,
    pub ordering_number: OrderingNumber,
    pub descriptive_name: String,
    pub docstring: String,
    pub major: i32,
    pub minor: i32,
    pub version_label: String,
    pub last_modified: DateTime<Utc>,
    pub prod_version_label: Option<String>,
    pub last_run_at: Option<DateTime<Utc>>,
    pub last_run_exit_code: Option<i64>,
    pub last_run_status: Option<ExecutionStatus>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScriptDetail {
    pub id: i64,
    pub ordering_number: OrderingNumber,
    pub descriptive_name: String,
    pub docstring: String,
    pub content: String,
    pub test_data: String,
    /// The version shown: the latest, or the one asked for with `?version_id=`.
    pub version: VersionInfo,
    pub prod_version: Option<VersionInfo>,
    pub last_execution: Option<Execution>,
    /// The packages of its `# /// script` block (SPEC §15); absent when it asks for none.
    pub dependencies: Option<Dependencies>,
    /// Said by a save or a create that succeeded with a reservation, e.g. packages that
    /// could not be resolved; empty otherwise.
    pub warnings: Vec<String>,
}

/// What a script's `# /// script` block asks for and what it was resolved to (`N.lock`).
#[derive(Debug, Serialize, ToSchema)]
pub struct Dependencies {
    /// PEP 508 requirements, as the block lists them.
    pub requested: Vec<String>,
    /// The block's `requires-python`.
    pub requires_python: Option<String>,
    /// What `N.lock` pins, every package the requirements pull in; empty when unresolved.
    pub packages: Vec<PinnedPackage>,
    /// Why they could not be resolved (uv's message), when they could not.
    pub error: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PinnedPackage {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateScript {
    #[serde(default)]
    pub content: String,
    #[serde(default)]
    pub test_data: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveScript {
    pub content: String,
    /// Absent: keep the latest version's test data.
    pub test_data: Option<String>,
    /// The version the edit started from; a newer one existing answers 409.
    pub base_version_id: Option<i64>,
    pub ordering_number: Option<OrderingNumber>,
    /// Why this version exists: the commit message's body, shown in the history.
    #[schema(max_length = 500)]
    pub message: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RestoreScript {
    /// The version whose code and test data become the next version.
    pub version_id: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffQuery {
    /// The older side; default: the version on prod.
    pub from: Option<i64>,
    /// The newer side; default: the latest version.
    pub to: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VersionDiff {
    pub from: VersionInfo,
    pub to: VersionInfo,
    /// `git diff`-style unified diff of `N.py` and `N.input`; empty when nothing differs.
    pub unified_diff: String,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct VersionQuery {
    /// Show this version's content instead of the latest.
    pub version_id: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MergeResult {
    pub ok: bool,
    pub version: VersionInfo,
    /// prod's tip after the merge.
    pub prod_commit: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Deleted {
    pub ok: bool,
}
