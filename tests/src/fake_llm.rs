//! A fake OpenAI-compatible upstream: a real HTTP server on 127.0.0.1 that answers
//! `POST /v1/chat/completions` the way a test asks it to, and remembers what it was
//! sent. Point the server's `VED_LLM_BASE_URL` (or an `LlmConfig::base_url`) at
//! [`FakeLlm::base_url`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};
use tokio::task::JoinHandle;

/// Token counts every answer reports.
pub const INPUT_TOKENS: i64 = 42;
pub const OUTPUT_TOKENS: i64 = 17;
/// `usage.cost` of [`Behaviour::default`]: 123 micro-dollars.
pub const DEFAULT_COST_USD: f64 = 0.000_123;
/// The text of [`Behaviour::default`], with a code block to insert into an editor.
pub const DEFAULT_ANSWER: &str =
    "Here is the script:\n\n```python\nprint(\"hello from the fake LLM\")\n```\n";
/// The `model` of answers whose request named none.
pub const FALLBACK_MODEL: &str = "fake/model";

#[derive(Clone, Debug, PartialEq)]
pub enum Behaviour {
    /// 200 with `text`, token usage and, when `cost_usd` is set, OpenRouter's
    /// `usage.cost`. The answer's `model` echoes the request's.
    Answer { text: String, cost_usd: Option<f64> },
    /// `status` with OpenRouter's error body: `{"error":{"code":<status>,"message":...}}`.
    Error { status: u16, message: String },
    /// Waits this long, then answers like [`Behaviour::default`].
    Slow(Duration),
    /// 200 with a body that is not JSON.
    Malformed,
    /// Any status, content type and body, sent as they are.
    Raw { status: u16, content_type: String, body: String },
}

impl Default for Behaviour {
    fn default() -> Self {
        Self::answer(DEFAULT_ANSWER, Some(DEFAULT_COST_USD))
    }
}

impl Behaviour {
    pub fn answer(text: impl Into<String>, cost_usd: Option<f64>) -> Self {
        Self::Answer { text: text.into(), cost_usd }
    }

    pub fn error(status: u16, message: impl Into<String>) -> Self {
        Self::Error { status, message: message.into() }
    }
}

/// One request as the fake received it.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// The JSON body, or the raw text as a JSON string when it was not JSON.
    pub body: Value,
    /// Header names are lower-case.
    pub headers: HashMap<String, String>,
}

impl RecordedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_ascii_lowercase()).map(String::as_str)
    }

    /// The `content` of each message, in order.
    pub fn message_contents(&self) -> Vec<&str> {
        self.body["messages"]
            .as_array()
            .map(|messages| messages.iter().filter_map(|m| m["content"].as_str()).collect())
            .unwrap_or_default()
    }
}

#[derive(Default)]
struct Shared {
    behaviour: Mutex<Behaviour>,
    requests: AtomicUsize,
    last: Mutex<Option<RecordedRequest>>,
}

/// Stops serving when dropped.
pub struct FakeLlm {
    /// `http://127.0.0.1:<port>/v1`
    pub base_url: String,
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

impl FakeLlm {
    pub async fn start(behaviour: Behaviour) -> Self {
        let shared = Arc::new(Shared { behaviour: Mutex::new(behaviour), ..Shared::default() });
        let app =
            Router::new().route("/v1/chat/completions", post(chat_completions)).with_state(shared.clone());
        let listener =
            tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("the fake LLM binds a local port");
        let port = listener.local_addr().expect("a bound socket has an address").port();
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("the fake LLM serves");
        });
        Self { base_url: format!("http://127.0.0.1:{port}/v1"), shared, server }
    }

    pub fn set_behaviour(&self, behaviour: Behaviour) {
        *self.shared.behaviour.lock().unwrap() = behaviour;
    }

    /// How many chat completion requests arrived, failed ones included.
    pub fn request_count(&self) -> usize {
        self.shared.requests.load(Ordering::SeqCst)
    }

    pub fn last_request(&self) -> Option<RecordedRequest> {
        self.shared.last.lock().unwrap().clone()
    }
}

impl Drop for FakeLlm {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn chat_completions(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let body = serde_json::from_slice(&body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
    let model = body["model"].as_str().unwrap_or(FALLBACK_MODEL).to_owned();
    let headers = headers
        .iter()
        .map(|(name, value)| {
            (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned())
        })
        .collect();
    // Recorded before any delay, so a test that timed out can still see the request.
    *shared.last.lock().unwrap() = Some(RecordedRequest { body, headers });
    let number = shared.requests.fetch_add(1, Ordering::SeqCst) + 1;
    let behaviour = shared.behaviour.lock().unwrap().clone();

    match behaviour {
        Behaviour::Answer { text, cost_usd } => answer(number, &model, &text, cost_usd),
        Behaviour::Error { status, message } => {
            json_response(status, json!({ "error": { "code": status, "message": message } }))
        }
        Behaviour::Slow(delay) => {
            tokio::time::sleep(delay).await;
            answer(number, &model, DEFAULT_ANSWER, Some(DEFAULT_COST_USD))
        }
        Behaviour::Malformed => raw(200, "application/json", "{\"choices\": [oops".to_owned()),
        Behaviour::Raw { status, content_type, body } => raw(status, &content_type, body),
    }
}

fn answer(number: usize, model: &str, text: &str, cost_usd: Option<f64>) -> Response {
    let mut usage = json!({
        "prompt_tokens": INPUT_TOKENS,
        "completion_tokens": OUTPUT_TOKENS,
        "total_tokens": INPUT_TOKENS + OUTPUT_TOKENS,
    });
    if let Some(cost) = cost_usd {
        usage["cost"] = json!(cost);
    }
    json_response(
        200,
        json!({
            "id": format!("gen-fake-{number}"),
            "object": "chat.completion",
            "created": 0,
            "model": model,
            "choices": [{
                "index": 0,
                "message": { "role": "assistant", "content": text },
                "finish_reason": "stop",
            }],
            "usage": usage,
        }),
    )
}

fn json_response(status: u16, body: Value) -> Response {
    raw(status, "application/json", body.to_string())
}

fn raw(status: u16, content_type: &str, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [(header::CONTENT_TYPE, content_type.to_owned())], body).into_response()
}
