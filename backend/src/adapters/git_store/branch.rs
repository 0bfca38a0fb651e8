use gix::refs::FullName;

use super::error::{GitStoreError, Result};

/// The authoritative execution queue every merge lands on.
pub const PROD_BRANCH: &str = "prod";

/// Longest accepted name: leaves room for `refs/heads/` and `.lock` within common
/// filesystem limits on a single path component.
const MAX_LEN: usize = 200;

/// A branch name that is safe to turn into `refs/heads/<name>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Branch(String);

impl Branch {
    pub(super) fn new(name: &str) -> Result<Self> {
        validate_branch(name)?;
        Ok(Self(name.to_owned()))
    }

    pub(super) fn prod() -> Self {
        Self(PROD_BRANCH.to_owned())
    }

    /// A branch an editor may save to; usernames become branch names, so a user called `prod`
    /// must not be able to commit straight onto the execution queue.
    pub(super) fn editor(name: &str) -> Result<Self> {
        let branch = Self::new(name)?;
        if branch.is_prod() {
            return Err(invalid(name, "saves go to an editor's branch, not prod"));
        }
        Ok(branch)
    }

    pub(super) fn is_prod(&self) -> bool {
        self.0 == PROD_BRANCH
    }

    pub(super) fn full_name(&self) -> FullName {
        FullName::try_from(format!("refs/heads/{}", self.0))
            .expect("validated names are valid reference names")
    }

    pub(super) fn as_str(&self) -> &str {
        &self.0
    }
}

/// Checks a would-be branch name (usually a username) against a conservative subset of git's
/// ref-name rules, so every accepted name is also a portable file name.
pub fn validate_branch(name: &str) -> Result<()> {
    let reason = if name.is_empty() {
        Some("must not be empty")
    } else if name.len() > MAX_LEN {
        Some("is too long")
    } else if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b)) {
        Some("only letters, digits, '_', '.' and '-' are allowed")
    } else if name.starts_with(['-', '.']) {
        Some("must not start with '-' or '.'")
    } else if name.ends_with('.') || name.ends_with(".lock") {
        Some("must not end with '.' or '.lock'")
    } else if name.contains("..") {
        Some("must not contain '..'")
    } else if name == "HEAD" {
        Some("HEAD is reserved")
    } else {
        None
    };
    reason.map_or(Ok(()), |reason| Err(invalid(name, reason)))
}

fn invalid(name: &str, reason: &'static str) -> GitStoreError {
    GitStoreError::InvalidBranch { name: name.to_owned(), reason }
}
