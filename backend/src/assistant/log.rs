//! The LLM log (SPEC §7, §13): every call, whether the guardrail refused it, the upstream
//! failed, the client went away or it was answered, leaves one `llm_interactions` row and
//! one audit row, so the log and its total cost account for every attempt.

use std::time::Instant;

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection};

use super::{Rejected, StopWords};
use crate::adapters::llm::{Completion, CostSource, LlmError};
use crate::{
    audit::{self, AuditEvent},
    entities::llm_interaction,
    error::{ApiError, ApiResult},
};

/// `model_id` and `cost_source` of a row for which no upstream call was made.
const NO_CALL: &str = "none";
/// The `error` of a row whose client disconnected mid-answer.
pub(super) const CANCELLED: &str = "Cancelled: the client disconnected before the answer was complete.";

/// What one call to the LLM was asked.
pub(super) struct Call<'a> {
    pub user: &'a str,
    pub script_id: Option<i64>,
    pub script_version_id: Option<i64>,
    pub prompt: &'a str,
    pub context_code: &'a str,
}

pub(super) enum Outcome<'a> {
    Answered(&'a Completion),
    Rejected(&'a Rejected),
    Failed {
        error: &'a LlmError,
        /// The model asked for: the upstream named none.
        model: &'a str,
        latency_ms: i64,
        /// What a streamed answer had said before it failed.
        partial_text: &'a str,
    },
    /// The client went away while the answer streamed; the upstream request was closed.
    Cancelled {
        model: &'a str,
        latency_ms: i64,
        partial_text: &'a str,
    },
}

impl Call<'_> {
    /// The guardrail (SPEC §7): a prompt with a stop word is refused with 400, the attempt
    /// on record, before any upstream call.
    pub(super) async fn refuse_if_disallowed(
        &self,
        db: &DatabaseConnection,
        stop_words: &StopWords,
    ) -> ApiResult<()> {
        let Err(rejected) = stop_words.check(self.prompt) else { return Ok(()) };
        self.log(db, Outcome::Rejected(&rejected)).await?;
        Err(ApiError::BadRequest(rejected.to_string()))
    }

    /// Writes the interaction row and its audit row.
    pub(super) async fn log(
        &self,
        db: &DatabaseConnection,
        outcome: Outcome<'_>,
    ) -> ApiResult<llm_interaction::Model> {
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
            Outcome::Failed { error, model, latency_ms, partial_text } => {
                // Without a key nothing was sent, so nothing was spent; a call that failed
                // upstream may or may not have been billed, which we cannot know.
                let (cost, source) = match error {
                    LlmError::NotConfigured => (Some(0), NO_CALL),
                    _ => (None, CostSource::Unknown.as_str()),
                };
                row.response = Set(partial_text.to_owned());
                row.model_id = Set(model.to_owned());
                row.cost_micros = Set(cost);
                row.cost_source = Set(source.into());
                row.latency_ms = Set(latency_ms);
                row.error = Set(Some(error.detail()));
                "error"
            }
            Outcome::Cancelled { model, latency_ms, partial_text } => {
                // The upstream may bill what it generated before the close; it did not say.
                row.response = Set(partial_text.to_owned());
                row.model_id = Set(model.to_owned());
                row.cost_micros = Set(None);
                row.cost_source = Set(CostSource::Unknown.as_str().into());
                row.latency_ms = Set(latency_ms);
                row.error = Set(Some(CANCELLED.to_owned()));
                "error"
            }
        };
        row.status = Set(status.into());
        let row = row.insert(db).await?;
        crate::monitoring::record::llm_called(&row);

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
pub(super) fn micros_to_usd(micros: i64) -> f64 {
    micros as f64 / 1_000_000.0
}

pub(super) fn elapsed_ms(started: Instant) -> i64 {
    i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX)
}
