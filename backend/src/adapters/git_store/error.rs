/// Everything the git store can fail with; the HTTP layer maps `InvalidBranch` to 422 and logs
/// the rest as 500s.
#[derive(Debug, thiserror::Error)]
pub enum GitStoreError {
    #[error("invalid branch name {name:?}: {reason}")]
    InvalidBranch { name: String, reason: &'static str },
    #[error("{0} not found")]
    NotFound(String),
    #[error("branch {0} kept moving under concurrent writers; gave up")]
    Contended(String),
    #[error("the scripts repository cannot be kept at {}: {why}", path.display())]
    Unusable { path: std::path::PathBuf, why: String },
    #[error("git: {0}")]
    Git(#[from] gix::Error),
    #[error("git store: {0}")]
    Internal(String),
}

pub type Result<T, E = GitStoreError> = std::result::Result<T, E>;
