//! The git repository holding every script version: `prod`, the execution queue, plus one
//! branch per editor. Script `N` is `N.py` at the root with its test data in `N.input`.
//!
//! gix works on a bare repository, so no `git` binary or work tree is involved. gix's
//! `Repository` is not `Sync`: the store keeps the thread-safe handle and takes a thread-local
//! one inside `spawn_blocking` for each call. Writes also queue on one lock per store, so in one
//! process commits never race for a branch; the compare-and-swap in [`write`] covers the rest.

mod branch;
mod error;
mod open;
mod read;
mod write;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::Mutex;

pub use branch::{validate_branch, PROD_BRANCH};
pub use error::{GitStoreError, Result};

use branch::Branch;
use write::Change;

/// A commit id as 40 lowercase hex digits.
pub type CommitId = String;

/// Who a commit is by; used as both author and committer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    pub name: String,
    pub email: String,
}

/// The files that make up a script at some commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptFiles {
    pub content: String,
    pub input: String,
    /// `N.lock`: the packages resolved for the script's `# /// script` block (SPEC §15);
    /// absent when it declares none or they could not be resolved.
    pub lock: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitInfo {
    pub id: CommitId,
    pub message: String,
    /// The author's name, i.e. the editor's username.
    pub author: String,
    pub time: DateTime<Utc>,
}

/// Cheap to clone; all clones share one repository handle and one writer lock.
#[derive(Clone)]
pub struct GitStore {
    repo: Arc<gix::ThreadSafeRepository>,
    location: Arc<PathBuf>,
    writer: Arc<Mutex<()>>,
}

impl Author {
    /// An editor signs as `<username> <<username>@ved.local>`.
    pub fn editor(username: &str) -> Self {
        Self { name: username.to_owned(), email: format!("{username}@ved.local") }
    }

    /// The identity of commits no editor asked for, such as prod's root.
    pub fn system() -> Self {
        Self { name: "code.ved".to_owned(), email: "ved@localhost".to_owned() }
    }

    fn signature(&self) -> gix::actor::Signature {
        gix::actor::Signature {
            name: self.name.as_str().into(),
            email: self.email.as_str().into(),
            time: gix::date::Time::now_utc(),
        }
    }
}

impl GitStore {
    /// Opens the repository configured at `path` (see [`open::open_or_init`] for where
    /// exactly it lives), creating a bare one whose `prod` holds a single empty commit if
    /// there is none. Blocks; meant for startup.
    pub fn open_or_init(path: impl AsRef<Path>) -> Result<Self> {
        let (repo, location) = open::open_or_init(path.as_ref())?;
        write::ensure_prod(&repo.to_thread_local(), &Author::system())?;
        Ok(Self { repo: Arc::new(repo), location: Arc::new(location), writer: Arc::new(Mutex::new(())) })
    }

    /// The folder of the bare repository itself, for `git --git-dir=...`.
    pub fn location(&self) -> &Path {
        &self.location
    }

    /// Commits `N.py`, `N.input` and `N.lock` (or its absence) to an editor's branch,
    /// creating the branch from prod's tip on the editor's first save.
    pub async fn commit_script(
        &self,
        branch: &str,
        author: &Author,
        script_id: i64,
        files: &ScriptFiles,
        message: &str,
    ) -> Result<CommitId> {
        let branch = Branch::editor(branch)?;
        let (author, message, files) = (author.clone(), message.to_owned(), files.clone());
        self.write(move |repo| {
            let change = Change { branch: &branch, author: &author, message: &message };
            write::commit_script(repo, &change, script_id, &files)
        })
        .await
        .map(|id| id.to_string())
    }

    /// The script as of `commit`; `None` if that commit has no `N.py`, `NotFound` if there is
    /// no such commit.
    pub async fn read_script_at(&self, commit: &str, script_id: i64) -> Result<Option<ScriptFiles>> {
        let commit = commit.to_owned();
        self.read(move |repo| read::script_at(repo, read::existing_commit(repo, &commit)?, script_id)).await
    }

    /// The script at the tip of `branch`; `None` if the branch or the script does not exist.
    pub async fn read_script_on_branch(&self, branch: &str, script_id: i64) -> Result<Option<ScriptFiles>> {
        let branch = Branch::new(branch)?;
        self.read(move |repo| match read::branch_tip(repo, &branch)? {
            Some(tip) => read::script_at(repo, tip, script_id),
            None => Ok(None),
        })
        .await
    }

    /// Ids of the scripts at the tip of `branch`, ascending; empty if the branch does not exist.
    pub async fn list_scripts(&self, branch: &str) -> Result<Vec<i64>> {
        let branch = Branch::new(branch)?;
        self.read(move |repo| read::list_scripts(repo, &branch)).await
    }

    /// Removes the files of the script from `branch` in one commit; `None` if the branch or the
    /// script is not there. History keeps the files.
    pub async fn remove_script(
        &self,
        branch: &str,
        author: &Author,
        script_id: i64,
        message: &str,
    ) -> Result<Option<CommitId>> {
        let branch = Branch::new(branch)?;
        let (author, message) = (author.clone(), message.to_owned());
        self.write(move |repo| {
            let change = Change { branch: &branch, author: &author, message: &message };
            write::remove_script(repo, &change, script_id)
        })
        .await
        .map(|id| id.map(|id| id.to_string()))
    }

    /// Copies `N.py`, `N.input` and `N.lock` as they are in `from_commit` onto prod in one commit. If prod
    /// already has exactly those files nothing is written and prod's tip is returned.
    pub async fn merge_to_prod(
        &self,
        author: &Author,
        script_id: i64,
        from_commit: &str,
        message: &str,
    ) -> Result<CommitId> {
        let (author, message, from_commit) = (author.clone(), message.to_owned(), from_commit.to_owned());
        self.write(move |repo| {
            let source = read::existing_commit(repo, &from_commit)?;
            let prod = Branch::prod();
            let change = Change { branch: &prod, author: &author, message: &message };
            write::merge_to_prod(repo, &change, script_id, source)
        })
        .await
        .map(|id| id.to_string())
    }

    /// Commits on `branch` that added, changed or removed `N.py` or `N.input`, newest first.
    pub async fn script_log(&self, branch: &str, script_id: i64) -> Result<Vec<CommitInfo>> {
        let branch = Branch::new(branch)?;
        self.read(move |repo| read::script_log(repo, &branch, script_id)).await
    }

    /// Whether `commit` (a full 40-hex id) names a commit in the repository.
    pub async fn commit_exists(&self, commit: &str) -> Result<bool> {
        let commit = commit.to_owned();
        self.read(move |repo| read::commit_exists(repo, &commit)).await
    }

    pub async fn branch_tip(&self, branch: &str) -> Result<Option<CommitId>> {
        let branch = Branch::new(branch)?;
        self.read(move |repo| read::branch_tip(repo, &branch)).await.map(|tip| tip.map(|id| id.to_string()))
    }

    async fn read<T: Send + 'static>(
        &self,
        op: impl FnOnce(&gix::Repository) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let repo = Arc::clone(&self.repo);
        blocking(move || op(&repo.to_thread_local())).await
    }

    /// The lock guard moves into the blocking task, so a caller that stops waiting (a dropped
    /// request) cannot let the next writer start while this one is still committing.
    async fn write<T: Send + 'static>(
        &self,
        op: impl FnOnce(&gix::Repository) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let guard = Arc::clone(&self.writer).lock_owned().await;
        let repo = Arc::clone(&self.repo);
        blocking(move || {
            let _guard = guard;
            op(&repo.to_thread_local())
        })
        .await
    }
}

async fn blocking<T: Send + 'static>(op: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(op)
        .await
        .map_err(|err| GitStoreError::Internal(format!("git task failed: {err}")))?
}

fn script_path(script_id: i64) -> String {
    format!("{script_id}.py")
}

fn input_path(script_id: i64) -> String {
    format!("{script_id}.input")
}

fn lock_path(script_id: i64) -> String {
    format!("{script_id}.lock")
}
