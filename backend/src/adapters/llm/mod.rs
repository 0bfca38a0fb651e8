//! The LLM upstream (spec §7): an OpenAI-compatible client through async-openai, and
//! the price table it falls back on when the upstream reports no cost. Callers map an
//! [`LlmError`] to their own answers (`error.rs` for HTTP). The API key lives only inside
//! [`ApiKey`] and the request's `Authorization` header; no error, `Debug` output or
//! log line carries it.

mod client;
mod config;
mod error;
mod pricing;
mod streaming;
mod upstream;
mod wire;

#[cfg(test)]
mod tests;

pub use client::{fenced, Completion, CostSource, LlmClient, DEFAULT_SYSTEM_PROMPT};
pub use config::{ApiKey, LlmConfig, DEFAULT_BASE_URL, DEFAULT_MAX_TOKENS, DEFAULT_MODEL, DEFAULT_TIMEOUT};
pub use error::LlmError;
pub(crate) use pricing::usd_to_micros;
pub use pricing::{ModelPrice, PriceTable, PriceTableError};
pub use streaming::{CompletionStream, StreamPiece};
