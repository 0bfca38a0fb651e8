use std::path::Path;

use gix::ThreadSafeRepository;

use super::error::Result;

/// Opens the repository at exactly `path`, or creates a bare one there if nothing is there yet.
pub(super) fn open_or_init(path: &Path) -> Result<ThreadSafeRepository> {
    match ThreadSafeRepository::open_opts(path, options()) {
        Ok(repo) => Ok(repo),
        Err(err) if err.is_not_found() => init(path),
        Err(err) => Err(err.into()),
    }
}

fn init(path: &Path) -> Result<ThreadSafeRepository> {
    // Sets HEAD → refs/heads/prod; the branch itself is born with the first commit.
    let options = options().config_overrides(["init.defaultBranch=prod"]);
    let kind = gix::create::Kind::Bare;
    Ok(ThreadSafeRepository::init_opts(
        path,
        kind,
        Default::default(),
        options,
    )?)
}

/// The server's behaviour must not depend on the git configuration of whoever runs it, so only
/// the repository's own config is read.
fn options() -> gix::open::Options {
    gix::open::Options::isolated().open_path_as_is(true)
}
