//! The seam to async-openai: how requests are addressed and authenticated, and
//! how its errors become [`LlmError`]s.

use async_openai::config::Config;
use async_openai::error::OpenAIError;
use http::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION};
use secrecy::SecretString;

use super::config::ApiKey;
use super::error::LlmError;
use super::wire::{ErrorBody, ErrorEnvelope};

/// OpenRouter attributes calls to an app by these two headers.
const ATTRIBUTION: [(&str, &str); 2] = [("http-referer", "https://code.ved/"), ("x-title", "code.ved")];

/// Upstream texts (an HTML error page, say) are cut to this many characters.
const MAX_MESSAGE_CHARS: usize = 500;

/// Our own [`Config`] rather than `OpenAIConfig`, which reads `OPENAI_*` variables
/// from the environment and panics on a key that is not a valid header value.
#[derive(Clone)]
pub(crate) struct UpstreamConfig {
    api_base: String,
    api_key: SecretString,
    headers: HeaderMap,
}

impl UpstreamConfig {
    /// `None` when the key cannot be sent in an HTTP header at all.
    pub fn new(base_url: &str, key: &ApiKey) -> Option<Self> {
        let mut authorization = HeaderValue::try_from(format!("Bearer {}", key.expose())).ok()?;
        // Keeps the value out of `http`'s and reqwest's Debug output.
        authorization.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, authorization);
        if is_openrouter(base_url) {
            for (name, value) in ATTRIBUTION {
                headers.insert(HeaderName::from_static(name), HeaderValue::from_static(value));
            }
        }
        Some(Self {
            api_base: base_url.trim_end_matches('/').to_owned(),
            api_key: key.secret().clone(),
            headers,
        })
    }
}

impl Config for UpstreamConfig {
    fn headers(&self) -> HeaderMap {
        self.headers.clone()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.api_base)
    }

    fn query(&self) -> Vec<(&str, &str)> {
        Vec::new()
    }

    fn api_base(&self) -> &str {
        &self.api_base
    }

    fn api_key(&self) -> &SecretString {
        &self.api_key
    }
}

fn is_openrouter(base_url: &str) -> bool {
    base_url
        .parse::<http::Uri>()
        .ok()
        .and_then(|uri| uri.host().map(str::to_ascii_lowercase))
        .is_some_and(|host| host == "openrouter.ai" || host.ends_with(".openrouter.ai"))
}

/// Translates async-openai's error. Its error parser only knows string `code`s, so
/// an OpenRouter error body arrives as a deserialization failure carrying the raw
/// body; the status is then recovered from the body's integer `code`.
pub(crate) fn map_error(error: OpenAIError, key: &ApiKey) -> LlmError {
    match error {
        OpenAIError::ApiError(response) => LlmError::Upstream {
            status: response.status_code.as_u16(),
            // For 5xx async-openai hands over the raw body, which may be an envelope.
            message: scrub(
                &envelope_message(&response.api_error.message).unwrap_or(response.api_error.message),
                key,
            ),
        },
        OpenAIError::JSONDeserialize(parse_error, body) => {
            match serde_json::from_str::<ErrorEnvelope>(&body) {
                Ok(envelope) => error_in_body(envelope.error, key),
                Err(_) => LlmError::Malformed(scrub(
                    &format!(
                        "{parse_error}; the answer began: {:?}",
                        body.chars().take(120).collect::<String>()
                    ),
                    key,
                )),
            }
        }
        OpenAIError::Reqwest(error) => LlmError::Unreachable(scrub(&chain(&error), key)),
        other => LlmError::Malformed(scrub(&other.to_string(), key)),
    }
}

/// An error the upstream described in a JSON body, whatever the HTTP status was.
pub(crate) fn error_in_body(error: ErrorBody, key: &ApiKey) -> LlmError {
    LlmError::Upstream {
        // Without a readable status the upstream is still what failed: a bad gateway.
        status: error.http_status().unwrap_or(502),
        message: scrub(error.message.as_deref().unwrap_or("(no message)"), key),
    }
}

fn envelope_message(body: &str) -> Option<String> {
    serde_json::from_str::<ErrorEnvelope>(body).ok()?.error.message
}

/// reqwest's top-level message ("error sending request") hides the useful cause.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Upstream text may echo the key (OpenAI's 401 does, partly) and may be a whole page.
fn scrub(text: &str, key: &ApiKey) -> String {
    let text = text.replace(key.expose(), "[redacted]");
    let trimmed = text.trim();
    match trimmed.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((cut, _)) => format!("{}…", &trimmed[..cut]),
        None => trimmed.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> ApiKey {
        ApiKey::new("sk-or-v1-topsecret").unwrap()
    }

    #[test]
    fn attribution_headers_go_only_to_openrouter() {
        let openrouter = UpstreamConfig::new("https://openrouter.ai/api/v1", &key()).unwrap();
        assert_eq!(openrouter.headers()["x-title"], "code.ved");
        assert!(openrouter.headers().contains_key("http-referer"));

        let other = UpstreamConfig::new("http://127.0.0.1:9/v1/", &key()).unwrap();
        assert!(!other.headers().contains_key("x-title"));
        assert!(!other.headers().contains_key("http-referer"));
        assert_eq!(other.url("/chat/completions"), "http://127.0.0.1:9/v1/chat/completions");
    }

    #[test]
    fn a_lookalike_host_is_not_openrouter() {
        assert!(is_openrouter("https://eu.openrouter.ai/api/v1"));
        assert!(!is_openrouter("https://openrouter.ai.evil.example/api/v1"));
        assert!(!is_openrouter("not a url"));
    }

    #[test]
    fn the_authorization_header_is_not_debug_printed() {
        let config = UpstreamConfig::new("http://127.0.0.1:9/v1", &key()).unwrap();
        assert!(!format!("{:?}", config.headers()).contains("topsecret"));
    }

    #[test]
    fn a_key_that_cannot_be_a_header_is_refused() {
        let key = ApiKey::new("sk\nx").unwrap();
        assert!(UpstreamConfig::new("http://127.0.0.1:9/v1", &key).is_none());
    }

    #[test]
    fn upstream_messages_are_scrubbed_and_shortened() {
        let body = format!(
            r#"{{"error":{{"code":401,"message":"bad key sk-or-v1-topsecret {}"}}}}"#,
            "x".repeat(900)
        );
        let serde_error = serde_json::from_str::<u8>("x").unwrap_err();
        let LlmError::Upstream { status, message } =
            map_error(OpenAIError::JSONDeserialize(serde_error, body), &key())
        else {
            panic!("expected an upstream error")
        };
        assert_eq!(status, 401);
        assert!(message.starts_with("bad key [redacted] xxx"));
        assert!(!message.contains("topsecret"));
        assert_eq!(message.chars().count(), MAX_MESSAGE_CHARS + 1);
    }
}
