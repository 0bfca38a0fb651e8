//! Black-box tests of code.ved: each test starts the real `ved` binary on a random port
//! with a fresh SQLite file and scripts repository, and talks HTTP to it.
mod assistant;
mod auth;
mod catalog_list;
mod dependencies;
mod errors;
mod execution;
mod fresh_start;
mod hardening;
mod jobs;
mod llm;
mod metrics;
mod openapi;
mod schedules;
mod scripts;
mod server;
mod tokens;
mod versions;
