//! Why a completion failed, and how that maps onto the API's status codes.

use std::time::Duration;

/// Every string in here comes from the upstream or the transport with the API key
/// scrubbed out, so `Display` and `Debug` are safe to log and to show.
#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    #[error("no LLM API key is configured (OPENROUTER_API_KEY is not set)")]
    NotConfigured,
    /// The upstream answered with an error. `status` is its HTTP status, or the
    /// code in its error body when the status could not be observed.
    #[error("the LLM upstream answered {status}: {message}")]
    Upstream { status: u16, message: String },
    #[error("the LLM upstream could not be reached: {0}")]
    Unreachable(String),
    #[error("the LLM upstream did not answer within {} s", .0.as_secs_f64())]
    Timeout(Duration),
    #[error("the LLM upstream's answer could not be read: {0}")]
    Malformed(String),
}

impl LlmError {
    /// A sentence for the person who asked: what happened, in the provider's words too.
    pub fn detail(&self) -> String {
        match self {
            Self::NotConfigured => {
                "The LLM is not configured: set OPENROUTER_API_KEY on the server and restart it.".to_owned()
            }
            Self::Upstream { status: 402, message } => format!(
                "The LLM provider refused the request: out of credits (payment required). \
                 Provider said: {message}"
            ),
            Self::Upstream { status: 429, message } => format!(
                "The LLM provider is rate limiting requests; try again shortly. \
                 Provider said: {message}"
            ),
            Self::Upstream { status: 401 | 403, message } => format!(
                "The LLM provider rejected the server's API key (check OPENROUTER_API_KEY). \
                 Provider said: {message}"
            ),
            Self::Upstream { status, message } => {
                format!("The LLM provider failed with status {status}. Provider said: {message}")
            }
            Self::Unreachable(reason) => format!("The LLM provider could not be reached: {reason}"),
            Self::Timeout(after) => {
                format!("The LLM provider did not answer within {} seconds.", after.as_secs_f64())
            }
            Self::Malformed(reason) => {
                format!("The LLM provider sent an answer that could not be read: {reason}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_say_what_happened_and_keep_the_providers_words() {
        assert!(LlmError::NotConfigured.detail().contains("OPENROUTER_API_KEY"));
        let credits = LlmError::Upstream { status: 402, message: "Insufficient credits".into() };
        assert!(credits.detail().contains("out of credits"));
        assert!(credits.detail().contains("Insufficient credits"));
        let limited = LlmError::Upstream { status: 429, message: "slow down".into() };
        assert!(limited.detail().contains("rate limit"));
        assert!(limited.detail().contains("slow down"));
        assert!(LlmError::Timeout(Duration::from_millis(1500)).detail().contains("1.5 seconds"));
    }
}
