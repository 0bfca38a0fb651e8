//! sea-orm entities, one module per table. Behaviour lives with the feature that owns it.
pub mod api_token;
pub mod artifact;
pub mod artifact_blob;
pub mod audit_log;
pub mod batch;
pub mod event;
pub mod execution;
pub mod llm_interaction;
pub mod schedule;
pub mod schedule_run;
pub mod script;
pub mod script_version;
pub mod session;
pub mod user;
