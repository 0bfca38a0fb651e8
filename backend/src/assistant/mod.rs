//! The LLM assistant (SPEC §7, §13): the prompt guardrail, completions whole or streamed,
//! the fix loop that runs the model's code before offering it, the daily budget and the
//! interaction log. The upstream itself is the `adapters::llm` client.
pub mod api;
mod budget;
mod code_block;
mod fix;
mod guardrail;
mod log;
mod prompts;
mod sse;
mod streamed;

pub use guardrail::{Rejected, StopWords, StopWordsError};
