//! The LLM proxy's endpoints (SPEC §7). Every call to `complete`, whether the guardrail
//! refused it, the upstream failed or it was answered, leaves one `llm_interactions` row
//! and one audit row, so the log and its total cost account for every attempt.

use std::time::Instant;

use axum::{
    extract::{Query, State},
    Json,
};
use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::Rejected;
use crate::adapters::llm::{Completion, CostSource, LlmError, DEFAULT_SYSTEM_PROMPT};
use crate::{
    audit::{self, AuditEvent},
    auth::CurrentUser,
    entities::{llm_interaction, script_version},
    error::{ApiError, ApiResult, ErrorBody, NeedsEditor},
    extract::ApiJson,
    scripts::catalog,
    AppState,
};

const MAX_PROMPT_BYTES: usize = 32 * 1024;
/// The same ceiling as a script's content: the context is the script being edited.
const MAX_CONTEXT_BYTES: usize = 1024 * 1024;
const DEFAULT_LIMIT: u64 = 50;
const MAX_LIMIT: u64 = 500;
/// `model_id` and `cost_source` of a row for which no upstream call was made.
const NO_CALL: &str = "none";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(complete)).routes(routes!(list_interactions))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteRequest {
    /// The script the prompt is about; must exist and not be deleted.
    pub script_id: Option<i64>,
    /// The version being edited; when `script_id` is absent it is taken from this version.
    pub script_version_id: Option<i64>,
    /// At most 32 KiB; must not be blank.
    #[schema(min_length = 1, max_length = 32768, pattern = r"\S")]
    pub prompt: String,
    /// The code sent as context, at most 1 MiB.
    #[serde(default)]
    pub context_code: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CompleteResponse {
    pub response_text: String,
    /// The model that answered, as the upstream names it.
    pub model_id: String,
    /// USD; `null` when neither the upstream nor the price table gave a cost.
    #[schema(example = 0.000123)]
    pub cost_usd: Option<f64>,
    pub input_tokens: Option<i64>,
    pub output_tokens: Option<i64>,
    pub latency_ms: i64,
    pub interaction_id: i64,
    /// `upstream`, `price_table` or `unknown`.
    pub cost_source: String,
}

/// One row of the LLM log.
#[derive(Debug, Serialize, ToSchema)]
pub struct Interaction {
    pub id: i64,
    pub user: String,
    pub script_id: Option<i64>,
    pub script_version_id: Option<i64>,
    pub prompt: String,
    pub context_code: String,
    /// The answer; `[REJECTED: <word>]` for a refused prompt, empty for a failed call.
    pub response: String,
    /// `none` when no upstream call was made.
    pub model_id: String,
    pub input_tokens: Option<i64>,
    pub output_tokens: Option<i64>,
    /// USD; `null` when unknown.
    pub cost_usd: Option<f64>,
    /// `upstream`, `price_table`, `unknown`, or `none` when no upstream call was made.
    pub cost_source: String,
    pub latency_ms: i64,
    /// `ok`, `rejected` or `error`.
    pub status: String,
    /// Why the call was refused or failed.
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InteractionLog {
    /// The summed known cost of every matching interaction, not only those listed.
    pub total_cost_usd: f64,
    /// How many interactions match, listed or not.
    pub total_count: i64,
    /// How many matching interactions have an unknown cost, left out of the total.
    pub unknown_cost_count: i64,
    /// Newest first.
    pub interactions: Vec<Interaction>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct InteractionQuery {
    /// How many to list (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
    /// Only the interactions about this script.
    pub script_id: Option<i64>,
}

/// Ask the LLM about a script. The prompt passes the guardrail first; every attempt is logged.
#[utoipa::path(post, path = "/api/llm/complete", tag = "llm", request_body = CompleteRequest,
    responses(
        (status = 200, description = "The LLM's answer", body = CompleteResponse),
        (status = 400, description = "The prompt contains disallowed content, or the body is not JSON", body = ErrorBody),
        NeedsEditor,
        (status = 404, description = "No such script or version", body = ErrorBody),
        (status = 413, description = "Prompt over 32 KiB or context over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Blank prompt, invalid field, or a version of another script", body = ErrorBody),
        (status = 502, description = "The LLM provider failed or answered nonsense", body = ErrorBody),
        (status = 503, description = "No LLM API key is configured", body = ErrorBody),
        (status = 504, description = "The LLM provider did not answer in time", body = ErrorBody),
    ))]
async fn complete(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<CompleteRequest>,
) -> ApiResult<Json<CompleteResponse>> {
    check_sizes(&body)?;
    let (script_id, script_version_id) =
        script_target(&state.db, body.script_id, body.script_version_id).await?;
    let call = Call {
        user: &user.username,
        script_id,
        script_version_id,
        prompt: &body.prompt,
        context_code: &body.context_code,
    };

    if let Err(rejected) = state.stop_words.check(&body.prompt) {
        call.log(&state.db, Outcome::Rejected(&rejected)).await?;
        return Err(ApiError::BadRequest(rejected.to_string()));
    }

    let started = Instant::now();
    match state.llm.complete(DEFAULT_SYSTEM_PROMPT, &body.context_code, &body.prompt).await {
        Ok(completion) => {
            let row = call.log(&state.db, Outcome::Answered(&completion)).await?;
            Ok(Json(CompleteResponse {
                response_text: completion.text,
                model_id: completion.model_id,
                cost_usd: completion.cost_micros.map(micros_to_usd),
                input_tokens: completion.input_tokens,
                output_tokens: completion.output_tokens,
                latency_ms: completion.latency_ms,
                interaction_id: row.id,
                cost_source: completion.cost_source.as_str().to_owned(),
            }))
        }
        Err(error) => {
            let failed =
                Outcome::Failed { error: &error, model: state.llm.model(), latency_ms: elapsed_ms(started) };
            call.log(&state.db, failed).await?;
            Err(ApiError::from(&error))
        }
    }
}

/// The LLM log, newest first, with the total cost of everything matching.
#[utoipa::path(get, path = "/api/llm/interactions", tag = "llm", params(InteractionQuery),
    responses(
        (status = 200, description = "The log and its total cost", body = InteractionLog),
        (status = 400, description = "Malformed query", body = ErrorBody),
        NeedsEditor,
        (status = 422, description = "limit outside 1 to 500", body = ErrorBody),
    ))]
async fn list_interactions(
    State(state): State<AppState>,
    Query(query): Query<InteractionQuery>,
) -> ApiResult<Json<InteractionLog>> {
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::Unprocessable(format!(
            "limit must be between 1 and {MAX_LIMIT}, not {limit}."
        )));
    }
    let matching = || {
        llm_interaction::Entity::find()
            .apply_if(query.script_id, |select, id| select.filter(llm_interaction::Column::ScriptId.eq(id)))
    };
    let rows = matching().order_by_desc(llm_interaction::Column::Id).limit(limit).all(&state.db).await?;
    // Summed in SQL over integer micro-dollars, so the total is exact and covers every page.
    let (total_micros, total_count, priced_count) = matching()
        .select_only()
        .column_as(Expr::col(llm_interaction::Column::CostMicros).sum(), "total_micros")
        .column_as(Expr::col(llm_interaction::Column::Id).count(), "total_count")
        .column_as(Expr::col(llm_interaction::Column::CostMicros).count(), "priced_count")
        .into_tuple::<(Option<i64>, i64, i64)>()
        .one(&state.db)
        .await?
        .unwrap_or_default();
    Ok(Json(InteractionLog {
        total_cost_usd: micros_to_usd(total_micros.unwrap_or(0)),
        total_count,
        unknown_cost_count: total_count - priced_count,
        interactions: rows.into_iter().map(Interaction::from).collect(),
    }))
}

fn check_sizes(body: &CompleteRequest) -> ApiResult<()> {
    if body.prompt.len() > MAX_PROMPT_BYTES {
        return Err(ApiError::PayloadTooLarge("The prompt is larger than 32 KiB.".into()));
    }
    if body.context_code.len() > MAX_CONTEXT_BYTES {
        return Err(ApiError::PayloadTooLarge("context_code is larger than 1 MiB.".into()));
    }
    if body.prompt.trim().is_empty() {
        return Err(ApiError::Unprocessable("The prompt is empty.".into()));
    }
    Ok(())
}

/// The script and version a call is about, checked so the log never points at nothing.
async fn script_target(
    db: &DatabaseConnection,
    script_id: Option<i64>,
    script_version_id: Option<i64>,
) -> ApiResult<(Option<i64>, Option<i64>)> {
    let version_owner = match script_version_id {
        None => None,
        Some(id) => Some(
            script_version::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or_else(|| ApiError::NotFound(format!("Script version {id} does not exist.")))?
                .script_id,
        ),
    };
    let script_id = match (script_id, version_owner) {
        (Some(script), Some(owner)) if script != owner => {
            return Err(ApiError::Unprocessable(format!(
                "Script version {} belongs to script {owner}, not to script {script}.",
                script_version_id.unwrap_or_default()
            )));
        }
        (script, owner) => script.or(owner),
    };
    if let Some(id) = script_id {
        catalog::live_script(db, id).await?;
    }
    Ok((script_id, script_version_id))
}

/// What one call to `complete` was asked.
struct Call<'a> {
    user: &'a str,
    script_id: Option<i64>,
    script_version_id: Option<i64>,
    prompt: &'a str,
    context_code: &'a str,
}

enum Outcome<'a> {
    Answered(&'a Completion),
    Rejected(&'a Rejected),
    Failed {
        error: &'a LlmError,
        /// The model asked for: the upstream named none.
        model: &'a str,
        latency_ms: i64,
    },
}

impl Call<'_> {
    /// Writes the interaction row and its audit row.
    async fn log(&self, db: &DatabaseConnection, outcome: Outcome<'_>) -> ApiResult<llm_interaction::Model> {
        let mut row = llm_interaction::ActiveModel {
            user: Set(self.user.to_owned()),
            script_id: Set(self.script_id),
            script_version_id: Set(self.script_version_id),
            prompt: Set(self.prompt.to_owned()),
            context_code: Set(self.context_code.to_owned()),
            input_tokens: Set(None),
            output_tokens: Set(None),
            error: Set(None),
            created_at: Set(Utc::now()),
            ..Default::default()
        };
        // The row's status, which is also the audit outcome.
        let status = match outcome {
            Outcome::Answered(completion) => {
                row.response = Set(completion.text.clone());
                row.model_id = Set(completion.model_id.clone());
                row.input_tokens = Set(completion.input_tokens);
                row.output_tokens = Set(completion.output_tokens);
                row.cost_micros = Set(completion.cost_micros);
                row.cost_source = Set(completion.cost_source.as_str().into());
                row.latency_ms = Set(completion.latency_ms);
                "ok"
            }
            Outcome::Rejected(rejected) => {
                row.response = Set(format!("[REJECTED: {}]", rejected.word));
                row.model_id = Set(NO_CALL.into());
                row.cost_micros = Set(Some(0));
                row.cost_source = Set(NO_CALL.into());
                row.latency_ms = Set(0);
                row.error = Set(Some(rejected.to_string()));
                "rejected"
            }
            Outcome::Failed { error, model, latency_ms } => {
                // Without a key nothing was sent, so nothing was spent; a call that failed
                // upstream may or may not have been billed, which we cannot know.
                let (cost, source) = match error {
                    LlmError::NotConfigured => (Some(0), NO_CALL),
                    _ => (None, CostSource::Unknown.as_str()),
                };
                row.response = Set(String::new());
                row.model_id = Set(model.to_owned());
                row.cost_micros = Set(cost);
                row.cost_source = Set(source.into());
                row.latency_ms = Set(latency_ms);
                row.error = Set(Some(error.detail()));
                "error"
            }
        };
        row.status = Set(status.into());
        let row = row.insert(db).await?;

        tracing::info!(
            interaction = row.id,
            user = %row.user,
            status = %row.status,
            model = %row.model_id,
            cost_micros = ?row.cost_micros,
            latency_ms = row.latency_ms,
            "LLM call"
        );
        let detail = match &row.error {
            Some(error) => format!("interaction {}: {error}", row.id),
            None => format!("interaction {}", row.id),
        };
        let mut event = AuditEvent::new("llm_call", self.user).outcome(status).detail(detail);
        if let Some(script_id) = row.script_id {
            event = event.script(script_id, row.script_version_id);
        }
        audit::record(db, event).await;
        Ok(row)
    }
}

/// Exact for whole micro-dollars: the division rounds to the double nearest the decimal,
/// which JSON then prints as that decimal (123 → `0.000123`).
fn micros_to_usd(micros: i64) -> f64 {
    micros as f64 / 1_000_000.0
}

fn elapsed_ms(started: Instant) -> i64 {
    i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX)
}

impl From<llm_interaction::Model> for Interaction {
    fn from(row: llm_interaction::Model) -> Self {
        Self {
            id: row.id,
            user: row.user,
            script_id: row.script_id,
            script_version_id: row.script_version_id,
            prompt: row.prompt,
            context_code: row.context_code,
            response: row.response,
            model_id: row.model_id,
            input_tokens: row.input_tokens,
            output_tokens: row.output_tokens,
            cost_usd: row.cost_micros.map(micros_to_usd),
            cost_source: row.cost_source,
            latency_ms: row.latency_ms,
            status: row.status,
            error: row.error,
            created_at: row.created_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_micro_dollars_become_the_exact_decimal_amount() {
        for micros in (0..3_000_000).step_by(997).chain([1, 123, 999_999_999_999]) {
            let exact = rust_decimal::Decimal::new(micros, 6).normalize().to_string();
            assert_eq!(micros_to_usd(micros).to_string(), exact);
        }
        let json = |micros| serde_json::to_string(&micros_to_usd(micros)).unwrap();
        assert_eq!(json(123), "0.000123");
        // JSON's shortest form turns exponential below ten micro-dollars; the value is the same.
        assert_eq!(json(7), "7e-6");
    }
}
