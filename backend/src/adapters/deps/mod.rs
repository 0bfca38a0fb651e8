//! Per-script dependencies (SPEC §15): a script's PEP 723 block is resolved on the host
//! with uv into a [`Lock`] for the runner image's Python, and each lock is installed once
//! into `<envs>/<lock hash>`, which runs see read-only. The sandbox never gets a network:
//! packages arrive only through this path.
//!
//! Knows nothing of HTTP or the database: the catalog commits the lock, the worker asks
//! for an environment before a run, `ved deps gc` says which ones are still wanted.

mod envs;
mod lock;
pub mod metadata;
mod python;
mod uv;

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use envs::Collected;
pub use lock::{Lock, Pinned};
pub use metadata::{MetadataError, ScriptMetadata};

const MIB: u64 = 1024 * 1024;

#[derive(Debug, Clone)]
pub struct DepsConfig {
    /// The uv binary (`VED_UV_BIN`); `tools/provision.sh` installs a pinned one.
    pub uv_bin: PathBuf,
    /// Where environments live, one directory per lock hash (`VED_ENVS_DIR`).
    pub envs_dir: PathBuf,
    /// `VED_PYPI_INDEX_URL`; `None`: uv's default, PyPI.
    pub index_url: Option<String>,
    /// `VED_PYPI_EXTRA_INDEX_URL`, space-separated.
    pub extra_index_urls: Vec<String>,
    /// `VED_DEPS_ALLOW_SDIST`: building a source distribution runs its code on the host,
    /// so only wheels are taken unless this is set.
    pub allow_sdists: bool,
    /// Largest environment (`VED_DEPS_MAX_MB`).
    pub max_bytes: u64,
    /// The runner's platform for uv (`VED_DEPS_PLATFORM`).
    pub platform: String,
    /// Longest a resolution or an installation may take (`VED_DEPS_TIMEOUT_S`).
    pub timeout: Duration,
}

impl Default for DepsConfig {
    fn default() -> Self {
        Self {
            uv_bin: PathBuf::from("tools/uv/venv/bin/uv"),
            envs_dir: PathBuf::from("data/envs"),
            index_url: None,
            extra_index_urls: Vec::new(),
            allow_sdists: false,
            max_bytes: 500 * MIB,
            platform: "x86_64-manylinux_2_28".to_owned(),
            timeout: Duration::from_secs(120),
        }
    }
}

/// Why a script's packages could not be had. The `Display` text is for the person who
/// wrote the script: uv's own message where uv failed.
#[derive(Debug, thiserror::Error)]
pub enum DepsError {
    #[error("The `# /// script` block is malformed at {0}")]
    Metadata(#[from] MetadataError),
    #[error("dependency {requirement:?} is not allowed: {why}")]
    Requirement { requirement: String, why: &'static str },
    #[error("uv is not installed at {0}; run `tools/provision.sh run` or set VED_UV_BIN")]
    UvMissing(String),
    #[error("the script requires Python {specifier} but the runner has {interpreter}")]
    RequiresPython { specifier: String, interpreter: String },
    #[error("the runner's interpreter {0} is not one uv can resolve for")]
    UnknownInterpreter(String),
    #[error("could not resolve the dependencies: {0}")]
    Resolution(String),
    #[error("could not install the dependencies: {0}")]
    Install(String),
    #[error("the environment is {mb} MiB; the limit is {limit_mb} MiB (VED_DEPS_MAX_MB)")]
    TooLarge { mb: u64, limit_mb: u64 },
    #[error("uv took longer than {0:?}")]
    Timeout(Duration),
    #[error("the environments directory: {0}")]
    Io(#[from] std::io::Error),
}

/// Resolves and installs; cheap to clone, one per process.
#[derive(Clone)]
pub struct Deps {
    config: Arc<DepsConfig>,
    installs: envs::Installs,
}

impl Deps {
    pub fn new(config: DepsConfig) -> Self {
        Self { config: Arc::new(config), installs: envs::Installs::default() }
    }

    pub fn config(&self) -> &DepsConfig {
        &self.config
    }

    /// The lock of what `metadata` asks for, resolved for `interpreter` (e.g.
    /// `cpython-3.11.2`, as the sandbox reports it).
    pub async fn resolve(&self, metadata: &ScriptMetadata, interpreter: &str) -> Result<Lock, DepsError> {
        check_requirements(metadata)?;
        let version = python::Version::of_interpreter(interpreter)
            .ok_or_else(|| DepsError::UnknownInterpreter(interpreter.to_owned()))?;
        if let Some(specifier) = &metadata.requires_python {
            if !python::satisfies(&version, specifier) {
                return Err(DepsError::RequiresPython {
                    specifier: specifier.clone(),
                    interpreter: interpreter.to_owned(),
                });
            }
        }
        let minor = version.minor_label();
        let compiled = uv::compile(&self.config, &metadata.dependencies, &minor).await?;
        Ok(Lock::new(&minor, &self.config.platform, &compiled))
    }

    /// The environment of `lock` (the name of its directory under the environments
    /// directory), installed now unless it already is; one installation per lock at a time.
    pub async fn install(&self, lock: &Lock) -> Result<String, DepsError> {
        self.installs.install(&self.config, lock).await
    }

    /// Removes every environment whose hash is not in `wanted`, and installations that
    /// were abandoned half-way.
    pub async fn collect_garbage(&self, wanted: HashSet<String>) -> Result<Collected, DepsError> {
        let dir = self.config.envs_dir.clone();
        tokio::task::spawn_blocking(move || envs::collect_garbage(&dir, &wanted))
            .await
            .map_err(std::io::Error::other)?
            .map_err(DepsError::from)
    }
}

/// Whether every requirement is one code.ved resolves (see [`check_requirement`]).
pub fn check_requirements(metadata: &ScriptMetadata) -> Result<(), DepsError> {
    metadata.dependencies.iter().try_for_each(|requirement| check_requirement(requirement))
}

/// Packages come from the index only: an option line (`-r /etc/...`), a direct
/// reference (`name @ file:///...`) or a path would let a script read the host.
fn check_requirement(requirement: &str) -> Result<(), DepsError> {
    let refuse = |why| Err(DepsError::Requirement { requirement: requirement.to_owned(), why });
    if !requirement.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return refuse("a requirement starts with a package name");
    }
    if requirement.chars().any(|c| c.is_control()) {
        return refuse("a requirement is one line");
    }
    if requirement.contains('@') {
        return refuse("packages come from the package index, not from a URL or a path");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_missing_uv_says_how_to_get_one() {
        let config = DepsConfig { uv_bin: "/nonexistent/uv".into(), ..DepsConfig::default() };
        let wanted = ScriptMetadata { dependencies: vec!["tabulate".to_owned()], requires_python: None };
        let err = Deps::new(config).resolve(&wanted, "cpython-3.11.2").await.unwrap_err();
        assert!(matches!(err, DepsError::UvMissing(_)), "{err}");
        assert!(err.to_string().contains("tools/provision.sh"), "{err}");
    }

    #[tokio::test]
    async fn requires_python_is_checked_before_uv_is_asked() {
        let config = DepsConfig { uv_bin: "/nonexistent/uv".into(), ..DepsConfig::default() };
        let wanted = ScriptMetadata {
            dependencies: vec!["tabulate".to_owned()],
            requires_python: Some(">=3.12".to_owned()),
        };
        let err = Deps::new(config).resolve(&wanted, "cpython-3.11.2").await.unwrap_err();
        assert!(err.to_string().contains(">=3.12") && err.to_string().contains("cpython-3.11.2"), "{err}");
    }

    #[test]
    fn only_index_requirements_pass() {
        for fine in ["tabulate", "tabulate>=0.9", "requests[socks]<3", "numpy; python_version>='3.9'"] {
            assert!(check_requirement(fine).is_ok(), "{fine}");
        }
        for refused in ["-r /etc/passwd", "--index-url http://x", "x @ file:///etc", "/tmp/a.whl", "a\nb", ""]
        {
            assert!(check_requirement(refused).is_err(), "{refused:?}");
        }
    }
}
