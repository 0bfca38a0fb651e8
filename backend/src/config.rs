//! Typed configuration read from the environment (and an optional `.env`), SPEC §2.
use std::{path::PathBuf, time::Duration};

use secrecy::SecretString;

use crate::adapters::{
    deps::DepsConfig,
    llm::{usd_to_micros, ApiKey, LlmConfig, PriceTable},
    sandbox::{self, SandboxConfig},
};

const MIB: i64 = 1024 * 1024;
const MIN_METRICS_TOKEN_CHARS: usize = 16;

/// Every setting of the server. The adapters' own defaults (`SandboxConfig::default()`,
/// `LlmConfig::default()`) are the only defaults of their settings: a variable that is not
/// set keeps them.
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
    pub sandbox: SandboxConfig,
    pub llm: LlmConfig,
    /// `VED_LLM_DAILY_BUDGET_USD`: what one user may spend on the LLM per UTC day, in
    /// micro-dollars; `None`: no limit.
    pub llm_daily_budget_micros: Option<i64>,
    pub deps: DepsConfig,
    pub stop_words_file: PathBuf,
    pub worker: WorkerSettings,
    pub scheduler: SchedulerSettings,
    pub metrics: MetricsSettings,
}

/// `GET /metrics` (SPEC §14).
#[derive(Debug, Clone)]
pub struct MetricsSettings {
    /// `VED_METRICS_TOKEN`: the bearer token a scraper sends; `None`: the page is closed.
    pub token: Option<SecretString>,
    /// `VED_METRICS_BIND`: where `ved worker` serves its own `/metrics` (it has no other
    /// listener); `None`: it serves none.
    pub bind: Option<String>,
}

/// The scheduler of `ved serve` (SPEC §17).
#[derive(Debug, Clone)]
pub struct SchedulerSettings {
    /// `VED_SCHEDULER=false`: this process fires no schedules (another `ved serve` does).
    pub enabled: bool,
    /// How often due schedules are looked for; a firing is at most this late.
    pub tick: Duration,
}

/// The job worker of this process (SPEC §12).
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// `VED_WORKER=false`: `ved serve` runs no jobs (workers elsewhere do).
    pub enabled: bool,
    pub name: String,
    /// Whether `name` came from `VED_WORKER_NAME`; if not, it is the host's name, which a
    /// process claims at start (see `server::worker_name`) so that two on one host differ.
    pub name_given: bool,
    pub lease: Duration,
}

#[derive(Debug, Clone)]
pub struct LoginLimits {
    pub max_failures: u32,
    pub window: Duration,
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
        let scripts_repo: PathBuf = env.string("VED_SCRIPTS_REPO", "scripts_repo").into();
        let given_name = env.optional("VED_WORKER_NAME");
        let name_given = given_name.is_some();
        let worker_name = given_name.unwrap_or_else(host_name);
        let deps = deps_config(&env)?;
        Ok(Self {
            bind: env.string("VED_BIND", "127.0.0.1:8000"),
            header_timeout: env.seconds("VED_HEADER_TIMEOUT_S", 30.0)?,
            database_url: env.string("VED_DATABASE_URL", "sqlite://data/ved.db"),
            sandbox: SandboxConfig { envs_dir: Some(deps.envs_dir.clone()), ..sandbox_config(&env)? },
            deps,
            scripts_repo,
            frontend_dir: env.string("VED_FRONTEND_DIR", "frontend/dist").into(),
            session_secure: env.parse("VED_SESSION_SECURE", false)?,
            session_idle: Duration::from_secs(env.parse("VED_SESSION_IDLE_S", 12 * 3600)?),
            login: LoginLimits {
                max_failures: env.parse("VED_LOGIN_MAX_FAILURES", 5)?,
                window: Duration::from_secs(env.parse("VED_LOGIN_WINDOW_S", 60)?),
            },
            llm: llm_config(&env)?,
            llm_daily_budget_micros: daily_budget(&env)?,
            stop_words_file: env.string("VED_STOP_WORDS_FILE", "config/stop_words.txt").into(),
            worker: WorkerSettings {
                enabled: env.parse("VED_WORKER", true)?,
                name: String::new(),
                name_given,
                lease: env.seconds("VED_JOB_LEASE_S", 30.0)?,
            },
            scheduler: SchedulerSettings {
                enabled: env.parse("VED_SCHEDULER", true)?,
                tick: env.millis("VED_SCHEDULER_TICK_MS", 1000)?,
            },
            metrics: MetricsSettings { token: metrics_token(&env)?, bind: env.optional("VED_METRICS_BIND") },
        }
        .with_worker_name(worker_name))
    }

    /// The worker's name, and the container labels that follow from it: processes sharing
    /// an engine sweep only their own leftovers, that is one installation's (its
    /// repository) and, within it, one worker name's (a restarted process keeps its name).
    pub fn with_worker_name(mut self, name: String) -> Self {
        let repo = std::path::absolute(&self.scripts_repo).unwrap_or_else(|_| self.scripts_repo.clone());
        self.sandbox.instance = format!("{name}@{}", repo.display());
        self.sandbox.worker = name.clone();
        self.worker.name = name;
        self
    }
}

/// The host's name: a worker recognises its own jobs after a restart by it.
pub fn host_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

fn sandbox_config(env: &Env) -> Result<SandboxConfig, ConfigError> {
    let defaults = SandboxConfig::default();
    let cpus = env.parse("VED_RUN_CPUS", defaults.nano_cpus as f64 / 1e9)?;
    if !(cpus.is_finite() && cpus > 0.0) {
        return Err(ConfigError {
            name: "VED_RUN_CPUS",
            problem: format!("{cpus} is not a positive number"),
        });
    }
    let nano_cpus = (cpus * 1e9) as i64;
    Ok(SandboxConfig {
        image: env.string("VED_RUNNER_IMAGE", &defaults.image),
        timeout: env.seconds("VED_RUN_TIMEOUT_S", defaults.timeout.as_secs_f64())?,
        max_concurrent_runs: env
            .parse("VED_MAX_CONCURRENT_RUNS", sandbox::default_max_concurrent_runs(nano_cpus))?,
        memory_bytes: env.parse("VED_RUN_MEMORY_MB", defaults.memory_bytes / MIB)? * MIB,
        nano_cpus,
        pids_limit: env.parse("VED_RUN_PIDS_LIMIT", defaults.pids_limit)?,
        output_cap_bytes: env.parse("VED_RUN_OUTPUT_CAP_BYTES", defaults.output_cap_bytes)?,
        warm_pool: env.parse("VED_WARM_POOL", defaults.warm_pool)?,
        artifacts: sandbox::ArtifactLimits {
            max_bytes: env.parse("VED_RUN_ARTIFACT_MB", defaults.artifacts.max_bytes / MIB as u64)?
                * MIB as u64,
            ..defaults.artifacts.clone()
        },
        // `worker` and `instance`: see `Config::with_worker_name`.
        ..defaults
    })
}

fn deps_config(env: &Env) -> Result<DepsConfig, ConfigError> {
    let defaults = DepsConfig::default();
    let max_mb: u64 = env.parse("VED_DEPS_MAX_MB", defaults.max_bytes / MIB as u64)?;
    Ok(DepsConfig {
        uv_bin: env.string("VED_UV_BIN", &defaults.uv_bin.to_string_lossy()).into(),
        envs_dir: env.string("VED_ENVS_DIR", &defaults.envs_dir.to_string_lossy()).into(),
        index_url: env.optional("VED_PYPI_INDEX_URL"),
        extra_index_urls: env
            .optional("VED_PYPI_EXTRA_INDEX_URL")
            .map(|urls| urls.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default(),
        allow_sdists: env.parse("VED_DEPS_ALLOW_SDIST", defaults.allow_sdists)?,
        max_bytes: max_mb * MIB as u64,
        platform: env.string("VED_DEPS_PLATFORM", &defaults.platform),
        timeout: env.seconds("VED_DEPS_TIMEOUT_S", defaults.timeout.as_secs_f64())?,
    })
}

fn llm_config(env: &Env) -> Result<LlmConfig, ConfigError> {
    let defaults = LlmConfig::default();
    let prices = match env.optional("VED_LLM_PRICES") {
        None => defaults.prices,
        Some(path) => PriceTable::load(std::path::Path::new(&path))
            .map_err(|err| ConfigError { name: "VED_LLM_PRICES", problem: err.to_string() })?,
    };
    Ok(LlmConfig {
        api_key: env.optional("OPENROUTER_API_KEY").and_then(|key| ApiKey::new(&key)),
        base_url: env.string("VED_LLM_BASE_URL", &defaults.base_url),
        model: env.string("VED_LLM_MODEL", &defaults.model),
        timeout: env.seconds("VED_LLM_TIMEOUT_S", defaults.timeout.as_secs_f64())?,
        max_tokens: env.parse("VED_LLM_MAX_TOKENS", defaults.max_tokens)?,
        prices,
    })
}

/// A secret a scraper keeps in a file: short ones could be guessed.
fn metrics_token(env: &Env) -> Result<Option<SecretString>, ConfigError> {
    let Some(token) = env.optional("VED_METRICS_TOKEN") else { return Ok(None) };
    let token = token.trim();
    if token.chars().count() < MIN_METRICS_TOKEN_CHARS {
        return Err(ConfigError {
            name: "VED_METRICS_TOKEN",
            problem: format!(
                "shorter than {MIN_METRICS_TOKEN_CHARS} characters; use e.g. `openssl rand -hex 32`"
            ),
        });
    }
    Ok(Some(SecretString::from(token.to_owned())))
}

fn daily_budget(env: &Env) -> Result<Option<i64>, ConfigError> {
    let name = "VED_LLM_DAILY_BUDGET_USD";
    let Some(raw) = env.optional(name) else { return Ok(None) };
    let problem =
        || ConfigError { name, problem: format!("{raw:?} is not an amount of US dollars like 2.50") };
    let usd: rust_decimal::Decimal = raw.trim().parse().map_err(|_| problem())?;
    usd_to_micros(usd).map(Some).ok_or_else(problem)
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

    /// A positive whole number of milliseconds.
    fn millis(&self, name: &'static str, default: u64) -> Result<Duration, ConfigError> {
        match self.parse(name, default)? {
            0 => Err(ConfigError { name, problem: "0 is not a positive number of milliseconds".into() }),
            millis => Ok(Duration::from_millis(millis)),
        }
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
        assert_eq!(config.sandbox.timeout, Duration::from_secs(30));
        assert!(config.sandbox.max_concurrent_runs >= 2);
        assert_eq!(config.sandbox.memory_bytes, 256 * MIB);
        assert_eq!(config.sandbox.nano_cpus, 500_000_000);
        assert!(config.llm.api_key.is_none());
        assert!(!config.session_secure);
        assert!(config.scheduler.enabled);
        assert_eq!(config.scheduler.tick, Duration::from_secs(1));
        assert_eq!(config.deps.max_bytes, 500 * MIB as u64);
        assert!(!config.deps.allow_sdists);
        assert_eq!(config.sandbox.envs_dir.as_deref(), Some(config.deps.envs_dir.as_path()));
    }

    #[test]
    fn a_malformed_number_names_the_variable() {
        let err = config_from(&[("VED_RUN_TIMEOUT_S", "soon")]).unwrap_err();
        assert!(err.to_string().contains("VED_RUN_TIMEOUT_S"), "{err}");
        for bad in ["-1", "0", "1.5"] {
            let err = config_from(&[("VED_SCHEDULER_TICK_MS", bad)]).unwrap_err();
            assert!(err.to_string().contains("VED_SCHEDULER_TICK_MS"), "{bad}: {err}");
        }
        for bad in ["-1", "NaN", "0", "inf"] {
            let err = config_from(&[("VED_LLM_TIMEOUT_S", bad)]).unwrap_err();
            assert!(err.to_string().contains("VED_LLM_TIMEOUT_S"), "{bad}: {err}");
        }
    }

    #[test]
    fn concurrency_follows_the_per_run_cpu_share_by_one_formula() {
        let half = config_from(&[("VED_RUN_CPUS", "0.5")]).unwrap().sandbox;
        let quarter = config_from(&[("VED_RUN_CPUS", "0.25")]).unwrap().sandbox;
        assert_eq!(half.max_concurrent_runs, sandbox::default_max_concurrent_runs(500_000_000));
        assert!(quarter.max_concurrent_runs >= half.max_concurrent_runs);
        assert!(config_from(&[("VED_RUN_CPUS", "0")]).is_err());
        assert!(config_from(&[("VED_LLM_PRICES", "/nonexistent/prices.json")])
            .unwrap_err()
            .to_string()
            .contains("VED_LLM_PRICES"));
    }

    #[test]
    fn the_daily_budget_is_read_in_dollars() {
        assert_eq!(config_from(&[]).unwrap().llm_daily_budget_micros, None);
        let config = config_from(&[("VED_LLM_DAILY_BUDGET_USD", "2.5")]).unwrap();
        assert_eq!(config.llm_daily_budget_micros, Some(2_500_000));
        for bad in ["-1", "lots", "1e400"] {
            let err = config_from(&[("VED_LLM_DAILY_BUDGET_USD", bad)]).unwrap_err();
            assert!(err.to_string().contains("VED_LLM_DAILY_BUDGET_USD"), "{bad}: {err}");
        }
    }

    #[test]
    fn the_api_key_is_not_printed_by_debug() {
        let config = config_from(&[("OPENROUTER_API_KEY", "sk-or-very-secret")]).unwrap();
        assert!(!format!("{config:?}").contains("very-secret"));
        let config = config_from(&[("VED_METRICS_TOKEN", "metrics-very-secret")]).unwrap();
        assert!(config.metrics.token.is_some());
        assert!(!format!("{config:?}").contains("very-secret"));
    }

    #[test]
    fn a_guessable_metrics_token_is_refused() {
        assert!(config_from(&[]).unwrap().metrics.token.is_none());
        let err = config_from(&[("VED_METRICS_TOKEN", "short")]).unwrap_err();
        assert!(err.to_string().contains("VED_METRICS_TOKEN"), "{err}");
        assert!(!err.to_string().contains("short\""), "the value is not echoed: {err}");
    }
}
