//! Test support for code.ved: the harness that runs the real `ved` binary on SQLite or
//! PostgreSQL, a fake OpenAI-compatible upstream, and a Server-Sent Events reader. Never
//! depends on the `ved` crate itself.
pub mod database;
pub mod fake_llm;
pub mod harness;
pub mod sse;
