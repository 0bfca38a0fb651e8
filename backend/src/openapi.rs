//! The OpenAPI 3.1 document: paths come from the routers themselves (utoipa-axum), so it
//! cannot drift from what is served; `ved openapi` prints it as YAML for `openapi.yaml`.
use utoipa::{
    openapi::security::{ApiKey, ApiKeyValue, SecurityScheme},
    Modify, OpenApi,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "code.ved",
        description = "Write, version and run Python scripts with an LLM's help. Every route \
                       but login, health and this document needs the `ved_session` cookie \
                       from `POST /api/auth/login`; writes need the editor role.",
        license(name = "MIT")
    ),
    modifiers(&SessionCookie),
    security(("session" = [])),
    tags(
        (name = "auth", description = "Log in and out"),
        (name = "system", description = "Health"),
        (name = "scripts", description = "The versioned script catalog"),
        (name = "llm", description = "LLM completions behind a guardrail, and their cost log"),
        (name = "execution", description = "Running scripts in the sandbox"),
    )
)]
pub struct ApiDoc;

struct SessionCookie;

impl Modify for SessionCookie {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("ved_session"))),
        );
    }
}

pub fn document() -> utoipa::openapi::OpenApi {
    crate::api_router().split_for_parts().1
}

pub fn yaml() -> anyhow::Result<String> {
    Ok(document().to_yaml()?)
}
