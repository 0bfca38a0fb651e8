//! `GET /metrics` (SPEC §14): the figures an operator's Prometheus scrapes, in its text
//! format. Every process keeps its own (labelled `process`, its worker name) and adds the
//! database's at scrape time; `ved worker` has no web server, so it serves this one page
//! on `VED_METRICS_BIND` when asked to. Either way only with the metrics token
//! (`VED_METRICS_TOKEN`, sent as `Authorization: Bearer`): the page names workers and
//! spending, and a scraper is not a user, so user sessions and API tokens do not open it.
mod exporter;
pub mod record;
mod scrape;

use axum::{
    extract::{FromRef, State},
    http::{header, HeaderMap},
    response::IntoResponse,
    routing::get,
    Router,
};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use utoipa_axum::{router::OpenApiRouter, routes};

pub use exporter::Exporter;

use crate::{
    adapters::sandbox::DockerRunner,
    auth::bearer::{self, Credential},
    error::{ApiError, ApiResult, ErrorBody},
    AppState,
};

/// What the Prometheus text format 0.0.4 is served as.
const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// What a scrape needs, in an API process or a lone worker.
#[derive(Clone)]
pub struct Scrape {
    pub db: sea_orm::DatabaseConnection,
    pub runner: DockerRunner,
    pub token: Option<SecretString>,
    pub exporter: Exporter,
}

impl FromRef<AppState> for Scrape {
    fn from_ref(state: &AppState) -> Self {
        Self {
            db: state.db.clone(),
            runner: state.runner.clone(),
            token: state.config.metrics.token.clone(),
            exporter: state.exporter.clone(),
        }
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(metrics))
}

/// The one page of `ved worker`'s own listener.
pub fn standalone(scrape: Scrape) -> Router {
    Router::new().route("/metrics", get(metrics)).with_state(scrape)
}

/// This process's figures and the database's, in the Prometheus text format: queue depth,
/// executions by status, runs finished and their durations, warm pool, open event
/// streams, LLM calls and their cost. Needs `Authorization: Bearer` with the server's
/// `VED_METRICS_TOKEN`; without that variable set, the page is closed.
#[utoipa::path(get, path = "/metrics", tag = "system", security(("metrics" = [])),
    responses(
        (status = 200, description = "Prometheus text exposition format 0.0.4", content_type = "text/plain", body = String),
        (status = 401, description = "No metrics token, or not the server's", body = ErrorBody),
    ))]
async fn metrics(State(scrape): State<Scrape>, headers: HeaderMap) -> ApiResult<impl IntoResponse> {
    authorize(&headers, scrape.token.as_ref())?;
    scrape::refresh(&scrape.db, &scrape.runner).await?;
    Ok(([(header::CONTENT_TYPE, TEXT_FORMAT)], scrape.exporter.render()))
}

fn authorize(headers: &HeaderMap, token: Option<&SecretString>) -> Result<(), ApiError> {
    match (bearer::presented(headers), token) {
        (Credential::Bearer(presented), Some(token)) if same_secret(presented, token.expose_secret()) => {
            Ok(())
        }
        _ => Err(ApiError::MetricsTokenRequired),
    }
}

/// Compares digests, not the secrets: the time taken says nothing about how much of the
/// token a guess got right.
fn same_secret(presented: &str, expected: &str) -> bool {
    Sha256::digest(presented.as_bytes()) == Sha256::digest(expected.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bearer(value: &str) -> HeaderMap {
        HeaderMap::from_iter([(header::AUTHORIZATION, format!("Bearer {value}").parse().unwrap())])
    }

    #[test]
    fn only_the_configured_token_opens_the_page() {
        let token = SecretString::from("a-long-metrics-token");
        assert!(authorize(&bearer("a-long-metrics-token"), Some(&token)).is_ok());
        assert!(authorize(&bearer("a-long-metrics-toke"), Some(&token)).is_err());
        assert!(authorize(&HeaderMap::new(), Some(&token)).is_err());
        // No token configured: closed to everyone, whatever is sent.
        assert!(authorize(&bearer("a-long-metrics-token"), None).is_err());
        assert!(authorize(&bearer(""), None).is_err());
    }
}
