//! A streamed completion (`stream: true`): the text as the upstream writes it, then the
//! whole answer with its tokens and cost, which arrive in the stream's last chunk
//! (`stream_options.include_usage`).

use std::time::Instant;

use async_openai::types::stream::StreamResponse;
use futures::StreamExt;

use super::client::{elapsed_ms, Completion, LlmClient};
use super::config::ApiKey;
use super::error::LlmError;
use super::upstream::{error_in_body, map_error};
use super::wire::{ChatChunk, Usage};

/// What [`CompletionStream::next`] yields: text in order, then the end once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamPiece {
    Text(String),
    Finished(Completion),
}

pub struct CompletionStream {
    client: LlmClient,
    key: ApiKey,
    chunks: StreamResponse<ChatChunk>,
    started: Instant,
    text: String,
    model: Option<String>,
    usage: Option<Usage>,
    finished: bool,
}

impl CompletionStream {
    pub(super) fn new(
        client: LlmClient,
        key: ApiKey,
        chunks: StreamResponse<ChatChunk>,
        started: Instant,
    ) -> Self {
        Self { client, key, chunks, started, text: String::new(), model: None, usage: None, finished: false }
    }

    /// The next piece, until [`StreamPiece::Finished`] or an error (after which there is
    /// nothing more to read). The client's timeout bounds the wait for each chunk, so a
    /// stalled upstream ends as a timeout.
    pub async fn next(&mut self) -> Result<StreamPiece, LlmError> {
        if self.finished {
            return Err(LlmError::Malformed("the answer was read past its end".to_owned()));
        }
        loop {
            let timeout = self.client.timeout();
            let chunk = match tokio::time::timeout(timeout, self.chunks.next()).await {
                Err(_) => return self.fail(LlmError::Timeout(timeout)),
                Ok(None) => return Ok(self.finish()),
                Ok(Some(Err(error))) => return self.fail(map_error(error, &self.key)),
                Ok(Some(Ok(chunk))) => chunk,
            };
            if let Some(error) = chunk.error {
                return self.fail(error_in_body(error, &self.key));
            }
            if chunk.model.is_some() {
                self.model = chunk.model;
            }
            if chunk.usage.is_some() {
                self.usage = chunk.usage;
            }
            let piece: String = chunk
                .choices
                .unwrap_or_default()
                .into_iter()
                .filter_map(|choice| choice.delta.and_then(|delta| delta.content.or(delta.refusal)))
                .collect();
            if !piece.is_empty() {
                self.text.push_str(&piece);
                return Ok(StreamPiece::Text(piece));
            }
        }
    }

    /// The text so far: what a cancelled or failed stream had said.
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn elapsed_ms(&self) -> i64 {
        elapsed_ms(self.started)
    }

    fn finish(&mut self) -> StreamPiece {
        self.finished = true;
        let completion = self.client.completion(
            std::mem::take(&mut self.text),
            self.model.take(),
            self.usage.take(),
            elapsed_ms(self.started),
        );
        StreamPiece::Finished(completion)
    }

    fn fail(&mut self, error: LlmError) -> Result<StreamPiece, LlmError> {
        self.finished = true;
        Err(error)
    }
}
