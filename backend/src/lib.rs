//! code.ved server: the HTTP API of SPEC.md, built by [`build_app`] so tests can run it on
//! any port.
pub mod adapters;
pub mod assistant;
pub mod audit;
pub mod auth;
pub mod config;
pub mod db;
pub mod entities;
pub mod error;
pub mod executions;
pub mod extract;
pub mod frontend;
pub mod health;
pub mod middleware;
pub mod monitoring;
pub mod openapi;
pub mod schedules;
pub mod scripts;
pub mod server;
pub mod tokens;

use std::sync::Arc;

use axum::{body::Body, extract::Request, Router};
use sea_orm::DatabaseConnection;
use tower_http::{catch_panic::CatchPanicLayer, trace::TraceLayer};
use tower_sessions::{cookie::SameSite, Expiry, SessionManagerLayer};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

use crate::{auth::session_store::DbSessionStore, config::Config, frontend::Frontend};

/// The largest request body accepted (scripts are at most 1 MiB, plus JSON overhead).
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// Everything a handler may need; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub login_throttle: Arc<auth::throttle::LoginThrottle>,
    pub catalog: scripts::catalog::Catalog,
    pub runner: adapters::sandbox::DockerRunner,
    /// Resolves scripts' packages at save (SPEC §15).
    pub deps: adapters::deps::Deps,
    /// Live events of executions and batches in this process.
    pub hub: executions::events::EventHub,
    /// Wakes this process's worker when a job is queued.
    pub doorbell: executions::worker::Doorbell,
    pub llm: adapters::llm::LlmClient,
    pub stop_words: Arc<assistant::StopWords>,
    /// This process's figures for `GET /metrics`.
    pub exporter: monitoring::Exporter,
}

/// Every API route, with its OpenAPI description.
pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .merge(auth::router())
        .merge(health::router())
        .merge(scripts::router())
        .merge(assistant::api::router())
        .merge(executions::router())
        .merge(tokens::router())
        .merge(schedules::router())
        .merge(monitoring::router())
}

pub fn build_app(state: AppState) -> Router {
    let (api, document) = openapi::split(api_router());
    let sessions = SessionManagerLayer::new(DbSessionStore::new(state.db.clone()))
        .with_name("ved_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_secure(state.config.session_secure)
        .with_expiry(Expiry::OnInactivity(time::Duration::seconds(
            state.config.session_idle.as_secs() as i64
        )));
    let frontend = Frontend::new(&state.config.frontend_dir);
    api.merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", document))
        .fallback(move |request: Request<Body>| frontend.clone().serve(request))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::access::enforce))
        .layer(axum::middleware::from_fn(middleware::require_json_body))
        .layer(sessions)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(|request, next| {
            middleware::read_body_within(MAX_BODY_BYTES, request, next)
        }))
        .layer(axum::middleware::from_fn(middleware::refuse_cross_origin_writes))
        .layer(TraceLayer::new_for_http())
        .layer(axum::middleware::from_fn(middleware::json_errors))
        .layer(CatchPanicLayer::custom(middleware::panic_response))
        .with_state(state)
}
