//! The LLM proxy's endpoints (SPEC §7, §13): a completion answered whole or streamed, and
//! the interaction log. Every call is logged (`log.rs`) and checked against the daily budget.

use std::time::Instant;

use axum::{
    extract::{Query, State},
    response::{IntoResponse, Response},
    Json,
};
use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::Expr, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::log::{elapsed_ms, micros_to_usd, Call, Outcome};
use super::streamed::{stream_answer, Ask, Streamed};
use super::{budget, sse};
use crate::adapters::llm::{Completion, DEFAULT_SYSTEM_PROMPT};
use crate::{
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

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(complete))
        .routes(routes!(list_interactions))
        .routes(routes!(super::fix::fix))
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
    /// `true`: answer Server-Sent Events — `token` `{text}` as the model writes, then `done`
    /// (a `CompleteResponse`) or `error` `{status, detail}`.
    #[serde(default)]
    pub stream: bool,
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

/// An upstream failure inside a stream, with the status the JSON answer would have had.
#[derive(Debug, Serialize, ToSchema)]
pub struct StreamError {
    pub status: u16,
    pub detail: String,
}

impl StreamError {
    pub fn of(error: &ApiError) -> Self {
        Self { status: error.status_code().as_u16(), detail: error.to_string() }
    }
}

/// Ask the LLM about a script. The prompt passes the guardrail and the budget first; every
/// attempt is logged. With `"stream": true` the answer is Server-Sent Events.
#[utoipa::path(post, path = "/api/llm/complete", tag = "llm", request_body = CompleteRequest,
    responses(
        (status = 200, description = "The LLM's answer; with `stream`, Server-Sent Events `token` `{text}`, then `done` (this shape) or `error` `{status, detail}`",
            content((CompleteResponse = "application/json"), (String = "text/event-stream"))),
        (status = 400, description = "The prompt contains disallowed content, or the body is not JSON", body = ErrorBody),
        NeedsEditor,
        (status = 404, description = "No such script or version", body = ErrorBody),
        (status = 413, description = "Prompt over 32 KiB or context over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Blank prompt, invalid field, or a version of another script", body = ErrorBody),
        (status = 429, description = "The user's daily LLM budget is spent", body = ErrorBody),
        (status = 502, description = "The LLM provider failed or answered nonsense", body = ErrorBody),
        (status = 503, description = "No LLM API key is configured", body = ErrorBody),
        (status = 504, description = "The LLM provider did not answer in time", body = ErrorBody),
    ))]
async fn complete(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<CompleteRequest>,
) -> ApiResult<Response> {
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

    call.refuse_if_disallowed(&state.db, &state.stop_words).await?;
    budget::check(&state.db, state.config.llm_daily_budget_micros, &user.username).await?;

    let started = Instant::now();
    if body.stream && state.llm.is_configured() {
        return Ok(streamed(state.clone(), user, body, script_id, script_version_id).into_response());
    }
    match state.llm.complete(DEFAULT_SYSTEM_PROMPT, &body.context_code, &body.prompt).await {
        Ok(completion) => {
            let row = call.log(&state.db, Outcome::Answered(&completion)).await?;
            Ok(Json(CompleteResponse::of(completion, &row)).into_response())
        }
        Err(error) => {
            let latency_ms = elapsed_ms(started);
            let failed =
                Outcome::Failed { error: &error, model: state.llm.model(), latency_ms, partial_text: "" };
            call.log(&state.db, failed).await?;
            Err(ApiError::from(&error))
        }
    }
}

/// The answer as Server-Sent Events, streamed by a task that outlives this handler.
fn streamed(
    state: AppState,
    user: CurrentUser,
    body: CompleteRequest,
    script_id: Option<i64>,
    script_version_id: Option<i64>,
) -> sse::EventStream {
    let (events, answer) = sse::channel();
    tokio::spawn(async move {
        let call = Call {
            user: &user.username,
            script_id,
            script_version_id,
            prompt: &body.prompt,
            context_code: &body.context_code,
        };
        let ask = Ask {
            system_prompt: DEFAULT_SYSTEM_PROMPT,
            context_code: &body.context_code,
            prompt: &body.prompt,
        };
        let ended = match stream_answer(&state.db, &state.llm, &call, ask, &events).await {
            Ok(Streamed::Answered(completion, row)) => {
                events.send("done", &CompleteResponse::of(completion, &row)).await
            }
            Ok(Streamed::Failed(error, _)) => {
                events.send("error", &StreamError::of(&ApiError::from(&error))).await
            }
            Ok(Streamed::Cancelled) => Ok(()),
            Err(error) => {
                tracing::error!(error = %error, "a streamed LLM answer could not be logged");
                events.send("error", &StreamError::of(&error)).await
            }
        };
        // A client that left after the last token misses only the ending.
        drop(ended);
    });
    answer
}

impl CompleteResponse {
    fn of(completion: Completion, row: &llm_interaction::Model) -> Self {
        Self {
            response_text: completion.text,
            model_id: completion.model_id,
            cost_usd: completion.cost_micros.map(micros_to_usd),
            input_tokens: completion.input_tokens,
            output_tokens: completion.output_tokens,
            latency_ms: completion.latency_ms,
            interaction_id: row.id,
            cost_source: completion.cost_source.as_str().to_owned(),
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
        .column_as(crate::db::sum_as_bigint(llm_interaction::Column::CostMicros), "total_micros")
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

/// The one size rule of a prompt, whole answer or fix.
pub(super) fn check_prompt_size(prompt: &str) -> ApiResult<()> {
    if prompt.len() > MAX_PROMPT_BYTES {
        return Err(ApiError::PayloadTooLarge("The prompt is larger than 32 KiB.".into()));
    }
    Ok(())
}

fn check_sizes(body: &CompleteRequest) -> ApiResult<()> {
    check_prompt_size(&body.prompt)?;
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
