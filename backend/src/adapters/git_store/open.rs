use std::path::{Path, PathBuf};

use gix::ThreadSafeRepository;

use super::error::{GitStoreError, Result};

/// Where the repository lives inside a configured folder that holds other files: the
/// default `scripts_repo/` of a checkout carries a README, and a bare repository cannot
/// share a folder with files that are not its own.
pub(super) const NESTED_NAME: &str = "repo.git";

/// The repository for the configured `path`, opened or created:
/// - a repository at `path` is used where it is (explicit paths, earlier installations);
/// - nothing at `path`, or an empty folder: a new bare repository is made there;
/// - a folder of other files: the repository is `path/repo.git`.
pub(super) fn open_or_init(path: &Path) -> Result<(ThreadSafeRepository, PathBuf)> {
    match ThreadSafeRepository::open_opts(path, options()) {
        Ok(repo) => return Ok((repo, path.to_owned())),
        Err(err) if !err.is_not_found() => return Err(err.into()),
        Err(_) => {}
    }
    let location = repository_location(path)?;
    let repo = match ThreadSafeRepository::open_opts(&location, options()) {
        Ok(repo) => repo,
        Err(err) if err.is_not_found() => init(&location)?,
        Err(err) => return Err(err.into()),
    };
    Ok((repo, location))
}

fn repository_location(path: &Path) -> Result<PathBuf> {
    let entries = match std::fs::read_dir(path) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(path.to_owned()),
        Err(err) if err.kind() == std::io::ErrorKind::NotADirectory => {
            return Err(unusable(path, "it is a file, not a folder"));
        }
        Err(err) => return Err(unusable(path, &err.to_string())),
    };
    let names: Vec<_> = entries.filter_map(|entry| entry.ok().map(|e| e.file_name())).collect();
    if names.is_empty() {
        return Ok(path.to_owned());
    }
    // Parts of a repository that no longer opens: creating a new one beside them would
    // hide the loss of every version, so the operator must look.
    if names.iter().any(|name| name == "objects" || name == "refs" || name == "HEAD") {
        return Err(unusable(path, "it looks like a damaged git repository; restore it from a backup"));
    }
    Ok(path.join(NESTED_NAME))
}

fn unusable(path: &Path, why: &str) -> GitStoreError {
    GitStoreError::Unusable { path: path.to_owned(), why: why.to_owned() }
}

fn init(path: &Path) -> Result<ThreadSafeRepository> {
    // Sets HEAD → refs/heads/prod; the branch itself is born with the first commit.
    let options = options().config_overrides(["init.defaultBranch=prod"]);
    let kind = gix::create::Kind::Bare;
    Ok(ThreadSafeRepository::init_opts(path, kind, Default::default(), options)?)
}

/// The server's behaviour must not depend on the git configuration of whoever runs it, so only
/// the repository's own config is read.
fn options() -> gix::open::Options {
    gix::open::Options::isolated().open_path_as_is(true)
}
