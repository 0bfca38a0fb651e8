//! The OpenAPI 3.1 document: paths come from the routers themselves (utoipa-axum), so it
//! cannot drift from what is served; `ved openapi` prints it as YAML for `openapi.yaml`.
use axum::Router;
use utoipa::{
    openapi::{
        path::Operation,
        security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme},
        Content, Ref, Response, ResponseBuilder,
    },
    Modify, OpenApi,
};
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "code.ved",
        description = "Write, version and run Python scripts with an LLM's help. Every route \
                       but login, health and this document needs the `ved_session` cookie \
                       from `POST /api/auth/login`, or a personal API token from \
                       `POST /api/tokens` sent as `Authorization: Bearer <token>`; writes need \
                       the editor role. `GET /metrics` takes only the server's metrics token.",
        license(name = "MIT")
    ),
    modifiers(&SecuritySchemes),
    security(("session" = []), ("bearer" = [])),
    tags(
        (name = "auth", description = "Log in and out"),
        (name = "system", description = "Health and metrics"),
        (name = "scripts", description = "The versioned script catalog"),
        (name = "llm", description = "LLM completions behind a guardrail, and their cost log"),
        (name = "execution", description = "Running scripts in the sandbox"),
        (name = "tokens", description = "Personal API tokens for programs"),
        (name = "schedules", description = "Runs started by cron schedules"),
    )
)]
pub struct ApiDoc;

/// Either credential works on every route: the browser's session cookie, or a program's
/// API token.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("ved_session"))),
        );
        let bearer = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("ved_ and 64 hex digits, from POST /api/tokens")
            .description(Some("A personal API token: `Authorization: Bearer ved_...`"))
            .build();
        components.add_security_scheme("bearer", SecurityScheme::Http(bearer));
        let metrics = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some("The server's `VED_METRICS_TOKEN`, for `GET /metrics` only"))
            .build();
        components.add_security_scheme("metrics", SecurityScheme::Http(metrics));
    }
}

/// The router and its document, with the answers that every operation can give because
/// of the layers in front of all handlers (see `middleware`), documented once here.
pub fn split(router: OpenApiRouter<AppState>) -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut document) = router.split_for_parts();
    add_common_answers(&mut document);
    (router, document)
}

pub fn document() -> utoipa::openapi::OpenApi {
    split(crate::api_router()).1
}

fn add_common_answers(document: &mut utoipa::openapi::OpenApi) {
    let error = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content("application/json", Content::new(Some(Ref::from_schema_name("ErrorBody"))))
            .build()
    };
    for item in document.paths.paths.values_mut() {
        let reads = [&mut item.get, &mut item.head, &mut item.options];
        let writes = [&mut item.post, &mut item.put, &mut item.patch, &mut item.delete];
        for operation in reads.into_iter().flatten() {
            add_answer(operation, "413", || error("The request body is larger than the server accepts"));
        }
        for operation in writes.into_iter().flatten() {
            add_answer(operation, "413", || error("The request body is larger than the server accepts"));
            add_answer(operation, "415", || error("The body is not JSON (`Content-Type: application/json`)"));
            add_answer(operation, "403", || {
                error("Sent from a page of another site (`Origin`), or not allowed")
            });
        }
    }
}

fn add_answer(operation: &mut Operation, status: &str, answer: impl FnOnce() -> Response) {
    operation.responses.responses.entry(status.to_owned()).or_insert_with(|| answer().into());
}

pub fn yaml() -> anyhow::Result<String> {
    Ok(document().to_yaml()?)
}
