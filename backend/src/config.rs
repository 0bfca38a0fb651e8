//! Typed configuration read from the environment (and an optional `.env`), SPEC §2.
use std::{path::PathBuf, time::Duration};

use crate::llm::{ApiKey, DEFAULT_BASE_URL, DEFAULT_MAX_TOKENS, DEFAULT_MODEL};

#[derive(Debug, Clone)]
pub struct Config {
    pub bind: String,
    /// A connection that has not sent a whole request head this long after opening, or
    /// after its previous answer, is closed.
    pub header_timeout: Duration,
    pub database_url: String,
    pub scripts_repo: PathBuf,
    pub frontend_dir: PathBuf,
    pub session_secure: bool,
    pub session_idle: Duration,
    pub login: LoginLimits,
    pub run: RunConfig,
    pub llm: LlmSettings,
}

#[derive(Debug, Clone)]
pub struct LoginLimits {
    pub max_failures: u32,
    pub window: Duration,
}

#[derive(Debug, Clone)]
pub struct RunConfig {
    pub runner_image: String,
    pub timeout: Duration,
    pub max_concurrent_runs: usize,
    pub memory_bytes: i64,
    pub cpus: f64,
    pub pids_limit: i64,
    pub output_cap_bytes: usize,
    /// Containers kept started per runner image; 0 starts every run cold.
    pub warm_pool: usize,
}

#[derive(Debug, Clone)]
pub struct LlmSettings {
    pub api_key: Option<ApiKey>,
    pub base_url: String,
    pub model: String,
    pub timeout: Duration,
    pub max_tokens: u32,
    pub stop_words_file: PathBuf,
    pub prices_file: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
#[error("configuration variable {name}: {problem}; correct it or unset it")]
pub struct ConfigError {
    name: &'static str,
    problem: String,
}

impl Config {
    /// Reads `.env` when present, then the process environment (which wins).
    pub fn from_env() -> Result<Self, ConfigError> {
        let _ = dotenvy::dotenv();
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env(&lookup);
        let cpus = env.parse("VED_RUN_CPUS", 0.5_f64)?;
        let available_cpus = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
        let default_concurrency = ((available_cpus / cpus).floor() as usize).max(2);
        Ok(Self {
            bind: env.string("VED_BIND", "127.0.0.1:8000"),
            header_timeout: env.seconds("VED_HEADER_TIMEOUT_S", 30.0)?,
            database_url: env.string("VED_DATABASE_URL", "sqlite://data/ved.db"),
            scripts_repo: env.string("VED_SCRIPTS_REPO", "scripts_repo").into(),
            frontend_dir: env.string("VED_FRONTEND_DIR", "frontend/dist").into(),
            session_secure: env.parse("VED_SESSION_SECURE", false)?,
            session_idle: Duration::from_secs(env.parse("VED_SESSION_IDLE_S", 12 * 3600)?),
            login: LoginLimits {
                max_failures: env.parse("VED_LOGIN_MAX_FAILURES", 5)?,
                window: Duration::from_secs(env.parse("VED_LOGIN_WINDOW_S", 60)?),
            },
            run: RunConfig {
                runner_image: env.string("VED_RUNNER_IMAGE", "ved-runner:latest"),
                timeout: env.seconds("VED_RUN_TIMEOUT_S", 30.0)?,
                max_concurrent_runs: env.parse("VED_MAX_CONCURRENT_RUNS", default_concurrency)?,
                memory_bytes: env.parse("VED_RUN_MEMORY_MB", 256_i64)? * 1024 * 1024,
                cpus,
                pids_limit: env.parse("VED_RUN_PIDS_LIMIT", 64)?,
                output_cap_bytes: env.parse("VED_RUN_OUTPUT_CAP_BYTES", 1024 * 1024)?,
                warm_pool: env.parse("VED_WARM_POOL", 2)?,
            },
            llm: LlmSettings {
                api_key: env.optional("OPENROUTER_API_KEY").and_then(|key| ApiKey::new(&key)),
                base_url: env.string("VED_LLM_BASE_URL", DEFAULT_BASE_URL),
                model: env.string("VED_LLM_MODEL", DEFAULT_MODEL),
                timeout: env.seconds("VED_LLM_TIMEOUT_S", 60.0)?,
                max_tokens: env.parse("VED_LLM_MAX_TOKENS", DEFAULT_MAX_TOKENS)?,
                stop_words_file: env.string("VED_STOP_WORDS_FILE", "config/stop_words.txt").into(),
                prices_file: env.optional("VED_LLM_PRICES").map(PathBuf::from),
            },
        })
    }
}

struct Env<'a>(&'a dyn Fn(&str) -> Option<String>);

impl Env<'_> {
    fn optional(&self, name: &str) -> Option<String> {
        (self.0)(name).filter(|value| !value.trim().is_empty())
    }

    fn string(&self, name: &str, default: &str) -> String {
        self.optional(name).unwrap_or_else(|| default.to_owned())
    }

    /// A positive, finite number of seconds (fractions allowed, for tests).
    fn seconds(&self, name: &'static str, default: f64) -> Result<Duration, ConfigError> {
        let seconds = self.parse(name, default)?;
        Duration::try_from_secs_f64(seconds)
            .ok()
            .filter(|d| !d.is_zero())
            .ok_or(ConfigError { name, problem: format!("{seconds} is not a positive number of seconds") })
    }

    fn parse<T: std::str::FromStr>(&self, name: &'static str, default: T) -> Result<T, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        match self.optional(name) {
            None => Ok(default),
            Some(raw) => raw
                .trim()
                .parse()
                .map_err(|err: T::Err| ConfigError { name, problem: format!("cannot parse {raw:?}: {err}") }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config_from(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(move |name| map.get(name).cloned())
    }

    #[test]
    fn defaults_follow_the_spec() {
        let config = config_from(&[]).unwrap();
        assert_eq!(config.bind, "127.0.0.1:8000");
        assert_eq!(config.database_url, "sqlite://data/ved.db");
        assert_eq!(config.run.timeout, Duration::from_secs(30));
        assert!(config.run.max_concurrent_runs >= 2);
        assert!(config.llm.api_key.is_none());
        assert!(!config.session_secure);
    }

    #[test]
    fn a_malformed_number_names_the_variable() {
        let err = config_from(&[("VED_RUN_TIMEOUT_S", "soon")]).unwrap_err();
        assert!(err.to_string().contains("VED_RUN_TIMEOUT_S"), "{err}");
        for bad in ["-1", "NaN", "0", "inf"] {
            let err = config_from(&[("VED_LLM_TIMEOUT_S", bad)]).unwrap_err();
            assert!(err.to_string().contains("VED_LLM_TIMEOUT_S"), "{bad}: {err}");
        }
    }

    #[test]
    fn the_api_key_is_not_printed_by_debug() {
        let config = config_from(&[("OPENROUTER_API_KEY", "sk-or-very-secret")]).unwrap();
        assert!(!format!("{config:?}").contains("very-secret"));
    }
}
