//! The LLM proxy's parts (spec §7): the prompt guardrail, the upstream client and
//! the price table it falls back on when the upstream reports no cost.
//!
//! A handler runs [`StopWords::check`] first (a hit never reaches the upstream), then
//! [`LlmClient::complete`], and maps any [`LlmError`] to HTTP through
//! [`LlmError::status_code`] and [`LlmError::detail`]. The API key lives only inside
//! [`ApiKey`] and the request's `Authorization` header; no error, `Debug` output or
//! log line carries it.

pub mod api;
mod client;
mod config;
mod error;
mod guardrail;
mod pricing;
mod upstream;
mod wire;

#[cfg(test)]
mod tests;

pub use client::{Completion, CostSource, LlmClient, DEFAULT_SYSTEM_PROMPT};
pub use config::{ApiKey, LlmConfig, DEFAULT_BASE_URL, DEFAULT_MAX_TOKENS, DEFAULT_MODEL, DEFAULT_TIMEOUT};
pub use error::LlmError;
pub use guardrail::{Rejected, StopWords, StopWordsError};
pub use pricing::{ModelPrice, PriceTable, PriceTableError};
