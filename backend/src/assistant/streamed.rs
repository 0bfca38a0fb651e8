//! One streamed LLM answer, forwarded to an SSE client as `token` events while the
//! upstream writes it, and logged once at its end with the whole text, tokens and cost.
//! A client that goes away closes the upstream request, and the row says so.

use std::time::Instant;

use serde::Serialize;

use super::log::{elapsed_ms, Call, Outcome};
use super::sse::EventSender;
use crate::adapters::llm::{Completion, LlmClient, LlmError, StreamPiece};
use crate::entities::llm_interaction;
use crate::error::ApiResult;

/// How a streamed answer ended, with its logged row.
pub enum Streamed {
    Answered(Completion, llm_interaction::Model),
    Failed(LlmError, llm_interaction::Model),
    /// The client went away (the row says so); nothing more can be sent to it.
    Cancelled,
}

#[derive(Serialize)]
struct Token<'a> {
    text: &'a str,
}

/// What to ask: the system prompt, the code as context, the question.
pub struct Ask<'a> {
    pub system_prompt: &'a str,
    pub context_code: &'a str,
    pub prompt: &'a str,
}

pub async fn stream_answer(
    db: &sea_orm::DatabaseConnection,
    llm: &LlmClient,
    call: &Call<'_>,
    ask: Ask<'_>,
    events: &EventSender,
) -> ApiResult<Streamed> {
    let started = Instant::now();
    let opened = tokio::select! {
        opened = llm.complete_stream(ask.system_prompt, ask.context_code, ask.prompt) => opened,
        () = events.closed() => return cancelled(db, llm, call, started, "").await,
    };
    let mut answer = match opened {
        Ok(answer) => answer,
        Err(error) => return failed(db, llm, call, error, started, "").await,
    };
    loop {
        let piece = tokio::select! {
            piece = answer.next() => piece,
            () = events.closed() => return cancelled(db, llm, call, started, answer.text()).await,
        };
        match piece {
            Ok(StreamPiece::Text(text)) => {
                if events.send("token", &Token { text: &text }).await.is_err() {
                    return cancelled(db, llm, call, started, answer.text()).await;
                }
            }
            Ok(StreamPiece::Finished(completion)) => {
                let row = call.log(db, Outcome::Answered(&completion)).await?;
                return Ok(Streamed::Answered(completion, row));
            }
            Err(error) => {
                let partial = answer.text().to_owned();
                return failed(db, llm, call, error, started, &partial).await;
            }
        }
    }
}

async fn failed(
    db: &sea_orm::DatabaseConnection,
    llm: &LlmClient,
    call: &Call<'_>,
    error: LlmError,
    started: Instant,
    partial_text: &str,
) -> ApiResult<Streamed> {
    let outcome =
        Outcome::Failed { error: &error, model: llm.model(), latency_ms: elapsed_ms(started), partial_text };
    let row = call.log(db, outcome).await?;
    Ok(Streamed::Failed(error, row))
}

async fn cancelled(
    db: &sea_orm::DatabaseConnection,
    llm: &LlmClient,
    call: &Call<'_>,
    started: Instant,
    partial_text: &str,
) -> ApiResult<Streamed> {
    let outcome = Outcome::Cancelled { model: llm.model(), latency_ms: elapsed_ms(started), partial_text };
    call.log(db, outcome).await?;
    Ok(Streamed::Cancelled)
}
