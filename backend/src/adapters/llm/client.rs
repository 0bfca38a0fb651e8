//! [`LlmClient`]: one chat completion per call, with its tokens, cost and latency.

use std::fmt;
use std::time::{Duration, Instant};

use async_openai::Client;

use super::config::{ApiKey, LlmConfig};
use super::error::LlmError;
use super::pricing::{usd_to_micros, PriceTable};
use super::streaming::CompletionStream;
use super::upstream::{error_in_body, map_error, UpstreamConfig};
use super::wire::{
    ChatChunk, ChatRequest, ChatResponse, Choice, Message, StreamOptions, Usage, UsageRequest,
};

/// Tells the model where its code will run, so its answers fit the sandbox.
pub const DEFAULT_SYSTEM_PROMPT: &str = "You are the coding assistant of code.ved, where a team \
writes Python scripts that run in a sandbox with no network access and only the Python standard \
library, as `python script.py INPUT_PATH` (the script's test data file is argv[1]). Help with the \
script the user is editing. When you write or change code, give the complete script in a single \
```python code block, then at most a few sentences of explanation.";

/// Where [`Completion::cost_micros`] came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CostSource {
    /// The upstream reported it (OpenRouter's `usage.cost`).
    Upstream,
    /// Computed from the configured price table and the reported token counts.
    PriceTable,
    /// Neither was available; the cost is `None`, never a guess.
    Unknown,
}

impl CostSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Upstream => "upstream",
            Self::PriceTable => "price_table",
            Self::Unknown => "unknown",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    pub text: String,
    /// As the upstream named it (OpenRouter may name a more specific model than asked for).
    pub model_id: String,
    pub input_tokens: Option<i64>,
    pub output_tokens: Option<i64>,
    /// Whole micro-dollars (1 USD = 1 000 000).
    pub cost_micros: Option<i64>,
    pub cost_source: CostSource,
    pub latency_ms: i64,
}

#[derive(Clone)]
pub struct LlmClient {
    /// `None` when there is no usable key: every call is then `NotConfigured`.
    upstream: Option<Upstream>,
    base_url: String,
    model: String,
    timeout: Duration,
    max_tokens: u32,
    prices: PriceTable,
}

#[derive(Clone)]
struct Upstream {
    client: Client<UpstreamConfig>,
    /// Kept to scrub the key out of anything the upstream echoes back.
    key: ApiKey,
}

impl LlmClient {
    pub fn new(config: LlmConfig) -> Self {
        let upstream = config.api_key.and_then(|key| {
            let Some(upstream_config) = UpstreamConfig::new(&config.base_url, &key) else {
                tracing::warn!("OPENROUTER_API_KEY is not a valid HTTP header value; LLM is disabled");
                return None;
            };
            Some(Upstream { client: Client::with_config(upstream_config), key })
        });
        Self {
            upstream,
            base_url: config.base_url,
            model: config.model,
            timeout: config.timeout,
            max_tokens: config.max_tokens,
            prices: config.prices,
        }
    }

    pub fn is_configured(&self) -> bool {
        self.upstream.is_some()
    }

    /// The model requested on every call.
    pub fn model(&self) -> &str {
        &self.model
    }

    pub async fn complete(
        &self,
        system_prompt: &str,
        context_code: &str,
        prompt: &str,
    ) -> Result<Completion, LlmError> {
        let upstream = self.upstream()?;
        let context = context_message(context_code);
        let request = self.request(system_prompt, context.as_deref(), prompt, false);

        let started = Instant::now();
        let chat = upstream.client.chat();
        let call = chat.create_byot::<_, ChatResponse>(request);
        let answer = tokio::time::timeout(self.timeout, call)
            .await
            .map_err(|_| LlmError::Timeout(self.timeout))?
            .map_err(|error| map_error(error, &upstream.key))?;
        let latency_ms = elapsed_ms(started);

        if let Some(error) = answer.error {
            return Err(error_in_body(error, &upstream.key));
        }
        let text = answer_text(answer.choices)?;
        Ok(self.completion(text, answer.model, answer.usage, latency_ms))
    }

    /// Like [`Self::complete`], but the answer arrives in pieces as the upstream writes
    /// it. Dropping the stream closes the upstream request.
    pub async fn complete_stream(
        &self,
        system_prompt: &str,
        context_code: &str,
        prompt: &str,
    ) -> Result<CompletionStream, LlmError> {
        let upstream = self.upstream()?;
        let context = context_message(context_code);
        let request = self.request(system_prompt, context.as_deref(), prompt, true);
        let started = Instant::now();
        let chat = upstream.client.chat();
        let call = chat.create_stream_byot::<_, ChatChunk>(request);
        let chunks = tokio::time::timeout(self.timeout, call)
            .await
            .map_err(|_| LlmError::Timeout(self.timeout))?
            .map_err(|error| map_error(error, &upstream.key))?;
        Ok(CompletionStream::new(self.clone(), upstream.key.clone(), chunks, started))
    }

    fn upstream(&self) -> Result<&Upstream, LlmError> {
        self.upstream.as_ref().ok_or(LlmError::NotConfigured)
    }

    fn request<'a>(
        &'a self,
        system_prompt: &'a str,
        context: Option<&'a str>,
        prompt: &'a str,
        stream: bool,
    ) -> ChatRequest<'a> {
        let messages = [
            Some(Message { role: "system", content: system_prompt }),
            context.map(|content| Message { role: "user", content }),
            Some(Message { role: "user", content: prompt }),
        ];
        ChatRequest {
            model: &self.model,
            messages: messages.into_iter().flatten().collect(),
            max_tokens: self.max_tokens,
            stream,
            stream_options: stream.then_some(StreamOptions { include_usage: true }),
            usage: UsageRequest { include: true },
        }
    }

    /// The answer with its tokens and cost: the upstream's cost when it gave one, else
    /// the price table's, else unknown.
    pub(super) fn completion(
        &self,
        text: String,
        model: Option<String>,
        usage: Option<Usage>,
        latency_ms: i64,
    ) -> Completion {
        let model_id = model.unwrap_or_else(|| self.model.clone());
        let usage = usage.unwrap_or(Usage { prompt_tokens: None, completion_tokens: None, cost: None });
        let input_tokens = usage.prompt_tokens.filter(|n| *n >= 0);
        let output_tokens = usage.completion_tokens.filter(|n| *n >= 0);
        let (cost_micros, cost_source) = match usage.cost.and_then(usd_to_micros) {
            Some(micros) => (Some(micros), CostSource::Upstream),
            None => match self.table_cost(&model_id, input_tokens, output_tokens) {
                Some(micros) => (Some(micros), CostSource::PriceTable),
                None => (None, CostSource::Unknown),
            },
        };
        Completion { text, model_id, input_tokens, output_tokens, cost_micros, cost_source, latency_ms }
    }

    pub(super) fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Prices the model the upstream names, else the one we asked for, since
    /// OpenRouter may answer with a dated variant the table does not list.
    fn table_cost(&self, model_id: &str, input: Option<i64>, output: Option<i64>) -> Option<i64> {
        let (input, output) = (input?, output?);
        self.prices
            .cost_micros(model_id, input, output)
            .or_else(|| self.prices.cost_micros(&self.model, input, output))
    }
}

impl fmt::Debug for LlmClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LlmClient")
            .field("configured", &self.is_configured())
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("timeout", &self.timeout)
            .field("max_tokens", &self.max_tokens)
            .finish_non_exhaustive()
    }
}

/// The script as a fenced block; `None` for an empty script, which would only be noise.
fn context_message(code: &str) -> Option<String> {
    if code.trim().is_empty() {
        return None;
    }
    Some(format!("The script being edited:\n\n{}", fenced("python", code)))
}

/// `text` in a Markdown code block whose fence is longer than any backtick run inside it,
/// so the text cannot close the block early.
pub fn fenced(language: &str, text: &str) -> String {
    let longest_run = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest_run.max(2) + 1);
    let text = text.trim_end_matches('\n');
    format!("{fence}{language}\n{text}\n{fence}")
}

pub(super) fn elapsed_ms(started: Instant) -> i64 {
    i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX)
}

fn answer_text(choices: Option<Vec<Choice>>) -> Result<String, LlmError> {
    let message = choices
        .unwrap_or_default()
        .into_iter()
        .next()
        .ok_or_else(|| LlmError::Malformed("the answer has no choices".to_owned()))?
        .message
        .ok_or_else(|| LlmError::Malformed("the answer's first choice has no message".to_owned()))?;
    message
        .content
        .or(message.refusal)
        .ok_or_else(|| LlmError::Malformed("the answer's message has no text".to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_is_sent_in_a_python_block() {
        let message = context_message("print('hi')\n").unwrap();
        assert!(message.ends_with("```python\nprint('hi')\n```"), "{message}");
    }

    #[test]
    fn backticks_in_the_script_cannot_close_the_block() {
        let message = context_message("s = '````'").unwrap();
        assert!(message.contains("`````python\ns = '````'\n`````"), "{message}");
    }

    #[test]
    fn an_empty_script_sends_no_context() {
        assert_eq!(context_message(" \n"), None);
    }
}
