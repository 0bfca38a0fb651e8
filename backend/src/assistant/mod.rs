//! The LLM assistant (SPEC §7): the prompt guardrail, the completion endpoint and the
//! interaction log. The upstream itself is the `adapters::llm` client.
pub mod api;
mod guardrail;

pub use guardrail::{Rejected, StopWords, StopWordsError};
