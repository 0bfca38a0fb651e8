//! The outside systems code.ved talks to, each behind a small async API with its own
//! error type: the git repository of script versions, the Docker sandbox, uv (per-script packages), the LLM
//! upstream. Nothing here knows HTTP, `ApiError` or `AppState`; the domain modules
//! (`scripts`, `executions`, `assistant`) decide what their results mean.
pub mod deps;
pub mod git_store;
pub mod llm;
pub mod sandbox;
