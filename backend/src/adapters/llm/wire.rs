//! Our own JSON shapes for `/chat/completions`, sent through async-openai's `byot`
//! calls: its typed structs drop OpenRouter's `usage.cost` and cannot read an error
//! whose `code` is an integer. Answers are read leniently so that odd fields
//! degrade to "unknown" instead of losing the text.

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize};

#[derive(Debug, Serialize)]
pub(crate) struct ChatRequest<'a> {
    pub model: &'a str,
    pub messages: Vec<Message<'a>>,
    pub max_tokens: u32,
    /// async-openai's `*_byot` calls leave streaming to the body.
    pub stream: bool,
    /// When streaming: asks for the token counts (and OpenRouter's cost) in a last chunk.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_options: Option<StreamOptions>,
    /// OpenRouter's usage accounting: the answer's `usage` then carries `cost`.
    pub usage: UsageRequest,
}

#[derive(Debug, Serialize)]
pub(crate) struct StreamOptions {
    pub include_usage: bool,
}

#[derive(Debug, Serialize)]
pub(crate) struct Message<'a> {
    pub role: &'static str,
    pub content: &'a str,
}

#[derive(Debug, Serialize)]
pub(crate) struct UsageRequest {
    pub include: bool,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ChatResponse {
    #[serde(default, deserialize_with = "ok_or_none")]
    pub model: Option<String>,
    #[serde(default, deserialize_with = "ok_or_none")]
    pub choices: Option<Vec<Choice>>,
    #[serde(default, deserialize_with = "ok_or_none")]
    pub usage: Option<Usage>,
    /// OpenRouter can report a failure inside a 200 answer.
    #[serde(default, deserialize_with = "ok_or_none")]
    pub error: Option<ErrorBody>,
}

/// One `data:` chunk of a streamed answer.
#[derive(Debug, Deserialize)]
pub(crate) struct ChatChunk {
    #[serde(default, deserialize_with = "ok_or_none")]
    pub model: Option<String>,
    #[serde(default, deserialize_with = "ok_or_none")]
    pub choices: Option<Vec<ChunkChoice>>,
    /// In the last chunk only, when asked for.
    #[serde(default, deserialize_with = "ok_or_none")]
    pub usage: Option<Usage>,
    /// OpenRouter reports a failure that happens mid-stream as a chunk.
    #[serde(default, deserialize_with = "ok_or_none")]
    pub error: Option<ErrorBody>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ChunkChoice {
    #[serde(default, deserialize_with = "ok_or_none")]
    pub delta: Option<ChoiceMessage>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Choice {
    #[serde(default, deserialize_with = "ok_or_none")]
    pub message: Option<ChoiceMessage>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ChoiceMessage {
    #[serde(default, deserialize_with = "ok_or_none")]
    pub content: Option<String>,
    #[serde(default, deserialize_with = "ok_or_none")]
    pub refusal: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Usage {
    #[serde(default, deserialize_with = "ok_or_none")]
    pub prompt_tokens: Option<i64>,
    #[serde(default, deserialize_with = "ok_or_none")]
    pub completion_tokens: Option<i64>,
    /// USD; a JSON number read through its shortest decimal form, not as a float.
    #[serde(default, deserialize_with = "ok_or_none")]
    pub cost: Option<Decimal>,
}

/// `{"error": {...}}` as OpenAI (string `code`) and OpenRouter (integer `code`) send it.
#[derive(Debug, Deserialize)]
pub(crate) struct ErrorEnvelope {
    pub error: ErrorBody,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ErrorBody {
    #[serde(default)]
    pub code: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "ok_or_none")]
    pub message: Option<String>,
}

impl ErrorBody {
    /// OpenRouter puts the HTTP status in `code`.
    pub fn http_status(&self) -> Option<u16> {
        self.code
            .as_ref()?
            .as_u64()
            .and_then(|code| u16::try_from(code).ok())
            .filter(|code| (400..=599).contains(code))
    }
}

/// A field whose value has an unexpected type reads as absent.
fn ok_or_none<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    let value = serde_json::Value::deserialize(deserializer)?;
    Ok(serde_json::from_value(value).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_openrouter_answer_is_read() {
        let answer: ChatResponse = serde_json::from_str(
            r#"{"id":"gen-1","model":"openai/gpt-4o-mini","choices":[{"index":0,
                "message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],
                "usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15,
                "cost":0.0000123,"is_byok":false}}"#,
        )
        .unwrap();
        let usage = answer.usage.unwrap();
        assert_eq!(answer.model.as_deref(), Some("openai/gpt-4o-mini"));
        assert_eq!(answer.choices.unwrap()[0].message.as_ref().unwrap().content.as_deref(), Some("hi"));
        assert_eq!((usage.prompt_tokens, usage.completion_tokens), (Some(12), Some(3)));
        assert_eq!(usage.cost, Some("0.0000123".parse().unwrap()));
    }

    #[test]
    fn odd_fields_become_unknown_instead_of_failing() {
        let answer: ChatResponse = serde_json::from_str(
            r#"{"model":7,"choices":[{"message":{"content":null}}],
                "usage":{"prompt_tokens":"many","cost":{"total":1}}}"#,
        )
        .unwrap();
        let usage = answer.usage.unwrap();
        assert_eq!(answer.model, None);
        assert_eq!(answer.choices.unwrap()[0].message.as_ref().unwrap().content, None);
        assert_eq!((usage.prompt_tokens, usage.cost), (None, None));
    }

    #[test]
    fn stream_chunks_are_read_with_and_without_usage() {
        let token: ChatChunk = serde_json::from_str(
            r#"{"id":"g","model":"m","choices":[{"index":0,"delta":{"content":"pri"},"finish_reason":null}]}"#,
        )
        .unwrap();
        let delta = token.choices.unwrap().remove(0).delta.unwrap();
        assert_eq!(delta.content.as_deref(), Some("pri"));
        let last: ChatChunk = serde_json::from_str(
            r#"{"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2,"cost":0.0001}}"#,
        )
        .unwrap();
        assert_eq!(last.usage.unwrap().completion_tokens, Some(2));
    }

    #[test]
    fn integer_and_string_error_codes_both_parse() {
        let openrouter: ErrorEnvelope =
            serde_json::from_str(r#"{"error":{"code":402,"message":"no credits"}}"#).unwrap();
        assert_eq!(openrouter.error.http_status(), Some(402));
        let openai: ErrorEnvelope =
            serde_json::from_str(r#"{"error":{"code":"rate_limit_exceeded","message":"slow","type":"x"}}"#)
                .unwrap();
        assert_eq!(openai.error.http_status(), None);
        assert_eq!(openai.error.message.as_deref(), Some("slow"));
    }
}
