//! What the LLM client needs to know, with the key kept out of every printout.

use std::fmt;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use super::pricing::PriceTable;

pub const DEFAULT_BASE_URL: &str = "https://openrouter.ai/api/v1";
pub const DEFAULT_MODEL: &str = "openai/gpt-4o-mini";
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
pub const DEFAULT_MAX_TOKENS: u32 = 1024;

/// The upstream API key. It has no `Display`, and its `Debug` prints a placeholder,
/// so neither logs nor error messages can carry it by accident.
#[derive(Clone)]
pub struct ApiKey(SecretString);

impl ApiKey {
    /// `None` for a blank value: `OPENROUTER_API_KEY=` in a `.env` file means "not set".
    /// Surrounding whitespace is dropped because keys are usually pasted.
    pub fn new(raw: &str) -> Option<Self> {
        let key = raw.trim();
        (!key.is_empty()).then(|| Self(SecretString::from(key.to_owned())))
    }

    pub(crate) fn secret(&self) -> &SecretString {
        &self.0
    }

    pub(crate) fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey([redacted])")
    }
}

#[derive(Clone, Debug)]
pub struct LlmConfig {
    pub api_key: Option<ApiKey>,
    /// An OpenAI-compatible base, up to and including `/v1`.
    pub base_url: String,
    pub model: String,
    pub timeout: Duration,
    pub max_tokens: u32,
    pub prices: PriceTable,
}

impl Default for LlmConfig {
    fn default() -> Self {
        Self {
            api_key: None,
            base_url: DEFAULT_BASE_URL.to_owned(),
            model: DEFAULT_MODEL.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            max_tokens: DEFAULT_MAX_TOKENS,
            prices: PriceTable::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_keys_are_no_keys() {
        assert!(ApiKey::new("").is_none());
        assert!(ApiKey::new("  \n").is_none());
        assert_eq!(ApiKey::new(" sk-or-abc\n").unwrap().expose(), "sk-or-abc");
    }

    #[test]
    fn debug_of_the_config_hides_the_key() {
        let config = LlmConfig { api_key: ApiKey::new("sk-or-v1-very-secret"), ..LlmConfig::default() };
        let printed = format!("{config:?} {config:#?}");
        assert!(!printed.contains("very-secret"), "{printed}");
        assert!(printed.contains("redacted"));
    }
}
