//! `POST /api/assistant/fix` (SPEC §13): rounds of "ask the model for the whole corrected
//! script, given the last run's output → take the code block → run it in the sandbox as an
//! `assistant` execution" until a run succeeds or the rounds are spent. Events: `round`,
//! `token`, `code`, `run_started`, `run`, then `done`. Nothing is saved as a version.

use axum::extract::State;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::log::{micros_to_usd, Call};
use super::prompts::{self, LastRun};
use super::sse::{self, EventSender, Gone};
use super::streamed::{stream_answer, Ask, Streamed};
use super::{budget, code_block};
use crate::{
    audit::{self, AuditEvent},
    auth::CurrentUser,
    entities::{execution, script_version},
    error::{ApiError, ApiResult, ErrorBody, NeedsEditor},
    executions::{
        jobs::NewJob,
        runs,
        status::{ExecutionSource, ExecutionStatus},
        view::{self, Execution},
    },
    extract::ApiJson,
    scripts::catalog,
    AppState,
};

const DEFAULT_ROUNDS: u8 = 3;
const MAX_ROUNDS: u8 = 6;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FixRequest {
    /// The script being fixed: its runs are recorded under it. Required in practice — a
    /// run belongs to a script — so a script not created yet must be saved first (422).
    pub script_id: Option<i64>,
    /// The script as the editor holds it (at most 1 MiB).
    pub content: String,
    /// Input for every round's run; absent: the script's saved test data.
    pub test_data: Option<String>,
    /// What the user wants, beyond "make it run"; checked by the guardrail.
    pub prompt: Option<String>,
    /// 1 to 6, default 3.
    #[schema(minimum = 1, maximum = 6)]
    pub max_rounds: Option<i64>,
}

/// Why the loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// A round's run succeeded.
    Succeeded,
    /// Every round was spent without a successful run.
    RoundsSpent,
    /// The user's daily budget ran out between rounds.
    Budget,
    /// The model's answer had no code block.
    NoCode,
    /// The model could not be asked (its provider failed).
    LlmError,
}

/// The `done` event.
#[derive(Debug, Serialize, ToSchema)]
pub struct FixDone {
    /// The last round's code (the request's content when no round produced code).
    pub content: String,
    pub succeeded: bool,
    /// Rounds in which the model was asked.
    pub rounds: u8,
    /// The known cost of every round, in USD.
    pub cost_usd: f64,
    pub interaction_ids: Vec<i64>,
    pub stop_reason: StopReason,
    /// A sentence on how it ended.
    pub detail: String,
}

#[derive(Serialize)]
struct RoundEvent {
    n: u8,
}

#[derive(Serialize)]
struct CodeEvent<'a> {
    content: &'a str,
}

#[derive(Serialize)]
struct RunStarted {
    execution_id: i64,
}

#[derive(Serialize)]
struct RunEvent {
    execution: Execution,
}

/// Let the assistant fix a script: it writes a corrected script, the sandbox runs it, and
/// it tries again with what the run printed, until a run succeeds or the rounds are spent.
#[utoipa::path(post, path = "/api/assistant/fix", tag = "llm", request_body = FixRequest,
    responses(
        (status = 200, description = "Server-Sent Events: `round` `{n}`, `token` `{text}`, `code` `{content}`, `run_started` `{execution_id}`, `run` `{execution}`, and last `done` (a `FixDone`)",
            content_type = "text/event-stream", body = String),
        (status = 400, description = "The prompt contains disallowed content", body = ErrorBody),
        NeedsEditor,
        (status = 404, description = "No such script", body = ErrorBody),
        (status = 413, description = "content or test_data over 1 MiB, prompt over 32 KiB", body = ErrorBody),
        (status = 422, description = "No script_id, or max_rounds outside 1 to 6", body = ErrorBody),
        (status = 429, description = "The user's daily LLM budget is spent", body = ErrorBody),
        (status = 503, description = "No LLM API key, Docker engine or runner image", body = ErrorBody),
    ))]
pub(super) async fn fix(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<FixRequest>,
) -> ApiResult<sse::EventStream> {
    let rounds = check(&body)?;
    let script_id = body.script_id.ok_or_else(|| {
        ApiError::Unprocessable(
            "script_id is required: the assistant's runs are recorded under a script, so save a new \
             script once before asking for a fix."
                .into(),
        )
    })?;
    catalog::live_script(&state.db, script_id).await?;
    let version = catalog::latest_version(&state.db, script_id).await?;
    let call = Call {
        user: &user.username,
        script_id: Some(script_id),
        script_version_id: Some(version.id),
        prompt: body.prompt.as_deref().unwrap_or_default(),
        context_code: &body.content,
    };
    call.refuse_if_disallowed(&state.db, &state.stop_words).await?;
    budget::check(&state.db, state.config.llm_daily_budget_micros, &user.username).await?;
    if !state.llm.is_configured() {
        return Err(ApiError::from(&crate::adapters::llm::LlmError::NotConfigured));
    }
    crate::executions::ready_to_run(&state).await?;
    let test_data = match body.test_data {
        Some(test_data) => test_data,
        None => state.catalog.read_files(&version).await?.input,
    };
    let event = AuditEvent::new("assistant_fix", &user.username)
        .script(script_id, Some(version.id))
        .detail(format!("up to {rounds} rounds"));
    audit::record(&state.db, event).await;

    let (events, answer) = sse::channel();
    let fix = Fix {
        state,
        events,
        user,
        version,
        test_data,
        prompt: body.prompt.unwrap_or_default(),
        max_rounds: rounds,
    };
    tokio::spawn(async move {
        let original = body.content;
        match fix.run(&original).await {
            Ok(Some(done)) => {
                let _ = fix.events.send("done", &done).await;
            }
            Ok(None) => {}
            Err(error) => {
                tracing::error!(error = %error, "the fix loop failed");
                let _ = fix.events.send("error", &super::api::StreamError::of(&error)).await;
            }
        }
    });
    Ok(answer)
}

fn check(body: &FixRequest) -> ApiResult<u8> {
    catalog::check_size("content", &body.content)?;
    if let Some(test_data) = &body.test_data {
        catalog::check_size("test_data", test_data)?;
    }
    if let Some(prompt) = &body.prompt {
        super::api::check_prompt_size(prompt)?;
    }
    match body.max_rounds {
        None => Ok(DEFAULT_ROUNDS),
        Some(n) => u8::try_from(n).ok().filter(|n| (1..=MAX_ROUNDS).contains(n)).ok_or_else(|| {
            ApiError::Unprocessable(format!("max_rounds must be between 1 and {MAX_ROUNDS}, not {n}."))
        }),
    }
}

/// One fix loop, after its request was accepted.
struct Fix {
    state: AppState,
    events: EventSender,
    user: CurrentUser,
    /// The latest saved version: the runs are recorded under it.
    version: script_version::Model,
    test_data: String,
    prompt: String,
    max_rounds: u8,
}

/// What the rounds so far add up to.
struct Tally {
    content: String,
    rounds: u8,
    cost_micros: i64,
    interaction_ids: Vec<i64>,
}

impl Tally {
    fn done(self, stop_reason: StopReason, detail: impl Into<String>) -> FixDone {
        FixDone {
            content: self.content,
            succeeded: stop_reason == StopReason::Succeeded,
            rounds: self.rounds,
            cost_usd: micros_to_usd(self.cost_micros),
            interaction_ids: self.interaction_ids,
            stop_reason,
            detail: detail.into(),
        }
    }
}

impl Fix {
    /// The rounds; `None` when the client went away (the work stops with it).
    async fn run(&self, original: &str) -> ApiResult<Option<FixDone>> {
        let mut tally =
            Tally { content: original.to_owned(), rounds: 0, cost_micros: 0, interaction_ids: Vec::new() };
        let Ok(mut last_run) = self.known_run_of(original).await? else { return Ok(None) };
        for n in 1..=self.max_rounds {
            if n > 1 {
                if let Err(over) = budget::check(
                    &self.state.db,
                    self.state.config.llm_daily_budget_micros,
                    &self.user.username,
                )
                .await
                {
                    return Ok(Some(tally.done(StopReason::Budget, over.to_string())));
                }
            }
            if self.events.send("round", &RoundEvent { n }).await.is_err() {
                return Ok(None);
            }
            tally.rounds = n;
            let ask = prompts::fix_prompt(last_run.as_ref().map(LastRun::of), &self.prompt);
            let call = Call {
                user: &self.user.username,
                script_id: Some(self.version.script_id),
                script_version_id: Some(self.version.id),
                prompt: &ask,
                context_code: &tally.content,
            };
            let ask =
                Ask { system_prompt: prompts::FIX_SYSTEM_PROMPT, context_code: &tally.content, prompt: &ask };
            let answer =
                match stream_answer(&self.state.db, &self.state.llm, &call, ask, &self.events).await? {
                    Streamed::Answered(completion, row) => {
                        tally.interaction_ids.push(row.id);
                        tally.cost_micros += completion.cost_micros.unwrap_or(0);
                        completion.text
                    }
                    Streamed::Failed(error, row) => {
                        tally.interaction_ids.push(row.id);
                        return Ok(Some(tally.done(StopReason::LlmError, error.detail())));
                    }
                    Streamed::Cancelled => return Ok(None),
                };
            let Some(code) = code_block::extract(&answer) else {
                let detail = format!("Round {n}: the model's answer had no code block to run.");
                return Ok(Some(tally.done(StopReason::NoCode, detail)));
            };
            tally.content = code;
            if self.events.send("code", &CodeEvent { content: &tally.content }).await.is_err() {
                return Ok(None);
            }
            let Ok(run) = self.run_code(&tally.content).await? else { return Ok(None) };
            let succeeded = run.status == ExecutionStatus::Succeeded;
            last_run = Some(run);
            if succeeded {
                return Ok(Some(
                    tally.done(StopReason::Succeeded, format!("Round {n}'s script ran successfully.")),
                ));
            }
        }
        let detail = format!("No run succeeded in {} rounds.", self.max_rounds);
        Ok(Some(tally.done(StopReason::RoundsSpent, detail)))
    }

    /// The run the first round learns from: the newest finished run of exactly this code
    /// (the failed run the user asked to fix), else a run of it now, announced as round 0
    /// (`Err`: the client went away).
    async fn known_run_of(&self, content: &str) -> ApiResult<Result<Option<execution::Model>, Gone>> {
        let earlier = execution::Entity::find()
            .filter(execution::Column::ScriptId.eq(self.version.script_id))
            .filter(execution::Column::ScriptContent.eq(content))
            .filter(execution::Column::FinishedAt.is_not_null())
            .order_by_desc(execution::Column::Id)
            .one(&self.state.db)
            .await?;
        match earlier {
            Some(run) => Ok(Ok(Some(run))),
            None if content.trim().is_empty() => Ok(Ok(None)),
            None => {
                if self.events.send("round", &RoundEvent { n: 0 }).await.is_err() {
                    return Ok(Err(Gone));
                }
                Ok(self.run_code(content).await?.map(Some))
            }
        }
    }

    /// Runs `code` as an `assistant` execution and waits for its end, telling the client.
    async fn run_code(&self, code: &str) -> ApiResult<Result<execution::Model, Gone>> {
        let job = NewJob {
            version: &self.version,
            script: code.to_owned(),
            input: self.test_data.clone(),
            // Code that is not saved has no lock: the worker resolves its block, if any.
            lock: None,
            batch: None,
            triggered_by: &self.user.username,
            source: ExecutionSource::Assistant,
        };
        let queued = runs::queue_job(&self.state, job).await?;
        let event = AuditEvent::new("run", &self.user.username)
            .script(self.version.script_id, Some(self.version.id))
            .detail(format!("execution {} (assistant)", queued.id));
        audit::record(&self.state.db, event).await;
        if self.events.send("run_started", &RunStarted { execution_id: queued.id }).await.is_err() {
            return Ok(Err(Gone));
        }
        let finished = tokio::select! {
            finished = runs::wait_for_end(&self.state, queued.id) => finished?,
            () = self.events.closed() => return Ok(Err(Gone)),
        };
        let execution = view::load_one(&self.state.db, finished.clone()).await?;
        if self.events.send("run", &RunEvent { execution }).await.is_err() {
            return Ok(Err(Gone));
        }
        Ok(Ok(finished))
    }
}
