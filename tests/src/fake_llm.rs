//! A fake OpenAI-compatible upstream: a real HTTP server on 127.0.0.1 that answers
//! `POST /v1/chat/completions` the way a test asks it to, and remembers what it was
//! sent. Point the server's `VED_LLM_BASE_URL` (or an `LlmConfig::base_url`) at
//! [`FakeLlm::base_url`]. A request with `"stream": true` is answered the way OpenAI and
//! OpenRouter stream: `data:` chunks of `choices[0].delta.content`, the usage in a last
//! chunk of its own when `stream_options.include_usage` asks for it, then `data: [DONE]`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
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
    /// The n-th request gets the n-th text (the last one again after that), each like
    /// [`Behaviour::answer`] with [`DEFAULT_COST_USD`]: a conversation in rounds.
    Answers(Vec<String>),
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
    recorded: Mutex<Vec<RecordedRequest>>,
    /// The pause before each streamed chunk.
    stream_gap: Mutex<Duration>,
    /// Streams whose client went away before the last chunk.
    abandoned_streams: AtomicUsize,
    /// When each stream's first piece of text was handed to the connection.
    first_pieces: Mutex<Vec<Instant>>,
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
        self.shared.recorded.lock().unwrap().last().cloned()
    }

    /// Every request so far, in the order they arrived.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.recorded.lock().unwrap().clone()
    }

    /// Streamed answers wait this long before each chunk (default: no wait).
    pub fn set_stream_gap(&self, gap: Duration) {
        *self.shared.stream_gap.lock().unwrap() = gap;
    }

    /// How many streamed answers their client stopped reading before the end: the
    /// upstream side of a cancelled request.
    pub fn abandoned_streams(&self) -> usize {
        self.shared.abandoned_streams.load(Ordering::SeqCst)
    }

    /// When the latest stream's first piece of text left the fake (to time what a proxy adds).
    pub fn last_first_piece_sent(&self) -> Option<Instant> {
        self.shared.first_pieces.lock().unwrap().last().copied()
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
    let streamed = body["stream"].as_bool() == Some(true);
    let usage_asked = body["stream_options"]["include_usage"].as_bool() == Some(true);
    // Recorded before any delay, so a test that timed out can still see the request.
    shared.recorded.lock().unwrap().push(RecordedRequest { body, headers });
    let number = shared.requests.fetch_add(1, Ordering::SeqCst) + 1;
    let behaviour = shared.behaviour.lock().unwrap().clone();
    let reply = |text: &str, cost_usd: Option<f64>| {
        let usage = usage(cost_usd);
        if streamed {
            let gap = *shared.stream_gap.lock().unwrap();
            stream_answer(&shared, number, &model, text, usage_asked.then_some(usage), gap)
        } else {
            answer(number, &model, text, usage)
        }
    };

    match behaviour {
        Behaviour::Answer { text, cost_usd } => reply(&text, cost_usd),
        Behaviour::Answers(texts) => {
            let text = texts.get(number - 1).or(texts.last()).map_or("", String::as_str);
            reply(text, Some(DEFAULT_COST_USD))
        }
        Behaviour::Error { status, message } => {
            json_response(status, json!({ "error": { "code": status, "message": message } }))
        }
        Behaviour::Slow(delay) => {
            tokio::time::sleep(delay).await;
            reply(DEFAULT_ANSWER, Some(DEFAULT_COST_USD))
        }
        Behaviour::Malformed => raw(200, "application/json", "{\"choices\": [oops".to_owned()),
        Behaviour::Raw { status, content_type, body } => raw(status, &content_type, body),
    }
}

fn usage(cost_usd: Option<f64>) -> Value {
    let mut usage = json!({
        "prompt_tokens": INPUT_TOKENS,
        "completion_tokens": OUTPUT_TOKENS,
        "total_tokens": INPUT_TOKENS + OUTPUT_TOKENS,
    });
    if let Some(cost) = cost_usd {
        usage["cost"] = json!(cost);
    }
    usage
}

fn answer(number: usize, model: &str, text: &str, usage: Value) -> Response {
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

/// The pieces a streamed text is cut into: a few characters each, never inside a
/// character, so that a client sees many `token`s.
fn pieces(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars.chunks(4).map(|piece| piece.iter().collect()).collect()
}

/// Counts the stream as abandoned unless it was read to its end.
struct Abandonment {
    shared: Arc<Shared>,
    finished: bool,
}

impl Drop for Abandonment {
    fn drop(&mut self) {
        if !self.finished {
            self.shared.abandoned_streams.fetch_add(1, Ordering::SeqCst);
        }
    }
}

fn stream_answer(
    shared: &Arc<Shared>,
    number: usize,
    model: &str,
    text: &str,
    usage: Option<Value>,
    gap: Duration,
) -> Response {
    let id = format!("gen-fake-{number}");
    let chunk = |delta: Value, finish: Value, usage: Value| {
        json!({
            "id": id, "object": "chat.completion.chunk", "created": 0, "model": model,
            "choices": [{ "index": 0, "delta": delta, "finish_reason": finish }],
            "usage": usage,
        })
    };
    let mut lines: Vec<String> =
        vec![chunk(json!({"role": "assistant", "content": ""}), Value::Null, Value::Null).to_string()];
    lines.extend(
        pieces(text)
            .into_iter()
            .map(|piece| chunk(json!({"content": piece}), Value::Null, Value::Null).to_string()),
    );
    lines.push(chunk(json!({}), json!("stop"), Value::Null).to_string());
    if let Some(usage) = usage {
        // As OpenAI sends it: a chunk with no choices, only the usage.
        let mut last = chunk(Value::Null, Value::Null, usage);
        last["choices"] = json!([]);
        lines.push(last.to_string());
    }
    lines.push("[DONE]".to_owned());
    let guard = Abandonment { shared: Arc::clone(shared), finished: false };
    let state = (lines.into_iter().enumerate(), guard);
    let body = futures::stream::unfold(state, move |(mut lines, mut guard)| async move {
        let (index, line) = lines.next()?;
        tokio::time::sleep(gap).await;
        match (index, line.as_str()) {
            // Line 0 only names the role; line 1 is the first text.
            (1, _) => guard.shared.first_pieces.lock().unwrap().push(Instant::now()),
            (_, "[DONE]") => guard.finished = true,
            _ => {}
        }
        let frame = Bytes::from(format!("data: {line}\n\n"));
        Some((Ok::<_, std::convert::Infallible>(frame), (lines, guard)))
    });
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .body(Body::from_stream(body))
        .expect("a valid streaming response")
}

fn json_response(status: u16, body: Value) -> Response {
    raw(status, "application/json", body.to_string())
}

fn raw(status: u16, content_type: &str, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [(header::CONTENT_TYPE, content_type.to_owned())], body).into_response()
}
