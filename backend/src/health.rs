//! `GET /api/health`: is the server up, and can it reach what it depends on.
use axum::{extract::State, Json};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(health))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// The server's version.
    pub version: String,
    pub database: bool,
    pub scripts_repo: bool,
    /// Whether the Docker engine answers.
    pub docker: bool,
}

/// Liveness and dependency reachability; public.
#[utoipa::path(get, path = "/api/health", tag = "system", security(()),
    responses((status = 200, description = "The server is up", body = Health)))]
async fn health(State(state): State<AppState>) -> Json<Health> {
    Json(Health {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        database: crate::db::ping(&state.db).await,
        scripts_repo: state.config.scripts_repo.is_dir(),
        docker: state.runner.ping().await.is_ok(),
    })
}
