//! Blocking read paths; they only look at objects and refs, never at a work tree.

use gix::{ObjectId, Repository};

use super::branch::Branch;
use super::error::{GitStoreError, Result};
use super::{input_path, lock_path, script_path, CommitInfo, ScriptFiles};

pub(super) fn branch_tip(repo: &Repository, branch: &Branch) -> Result<Option<ObjectId>> {
    let Some(mut reference) = repo.try_find_reference(branch.full_name().as_ref())? else {
        return Ok(None);
    };
    Ok(Some(reference.peel_to_id()?.detach()))
}

/// Accepts only full 40-hex ids: the database stores nothing shorter, and prefixes could become
/// ambiguous as the repository grows.
pub(super) fn parse_commit_id(commit: &str) -> Option<ObjectId> {
    ObjectId::from_hex(commit.as_bytes()).ok()
}

pub(super) fn commit_exists(repo: &Repository, commit: &str) -> Result<bool> {
    let Some(id) = parse_commit_id(commit) else {
        return Ok(false);
    };
    let header = repo.try_find_header(id)?;
    Ok(header.is_some_and(|header| header.kind() == gix::objs::Kind::Commit))
}

pub(super) fn existing_commit(repo: &Repository, commit: &str) -> Result<ObjectId> {
    match parse_commit_id(commit) {
        Some(id) if commit_exists(repo, commit)? => Ok(id),
        _ => Err(GitStoreError::NotFound(format!("commit {commit}"))),
    }
}

pub(super) fn script_at(repo: &Repository, commit: ObjectId, script_id: i64) -> Result<Option<ScriptFiles>> {
    let tree = repo.find_commit(commit)?.tree()?;
    let Some(content) = text_file(&tree, &script_path(script_id))? else {
        return Ok(None);
    };
    // A script saved by this store always has its input beside it; tolerate hand-made commits.
    let input = text_file(&tree, &input_path(script_id))?.unwrap_or_default();
    let lock = text_file(&tree, &lock_path(script_id))?;
    Ok(Some(ScriptFiles { content, input, lock }))
}

pub(super) fn list_scripts(repo: &Repository, branch: &Branch) -> Result<Vec<i64>> {
    let Some(tip) = branch_tip(repo, branch)? else {
        return Ok(Vec::new());
    };
    let tree = repo.find_commit(tip)?.tree()?;
    let mut ids = Vec::new();
    for entry in tree.iter() {
        let entry = entry?;
        if let Some(id) = std::str::from_utf8(entry.filename()).ok().and_then(script_id_of) {
            ids.push(id);
        }
    }
    ids.sort_unstable();
    Ok(ids)
}

/// Walks first parents only: this store never writes merge commits.
pub(super) fn script_log(repo: &Repository, branch: &Branch, script_id: i64) -> Result<Vec<CommitInfo>> {
    let Some(tip) = branch_tip(repo, branch)? else {
        return Ok(Vec::new());
    };
    let mut log = Vec::new();
    let mut commit = repo.find_commit(tip)?;
    let mut files = script_blobs(&commit, script_id)?;
    loop {
        let parent = match commit.parent_ids().next() {
            Some(id) => Some(repo.find_commit(id)?),
            None => None,
        };
        let parent_files = match &parent {
            Some(parent) => script_blobs(parent, script_id)?,
            None => (None, None),
        };
        if files != parent_files {
            log.push(commit_info(&commit)?);
        }
        match parent {
            Some(parent) => (commit, files) = (parent, parent_files),
            None => return Ok(log),
        }
    }
}

type ScriptBlobs = (Option<ObjectId>, Option<ObjectId>);

fn script_blobs(commit: &gix::Commit<'_>, script_id: i64) -> Result<ScriptBlobs> {
    let tree = commit.tree()?;
    let blob = |path: String| tree.find_entry(path.as_str()).map(|entry| entry.object_id());
    Ok((blob(script_path(script_id)), blob(input_path(script_id))))
}

fn commit_info(commit: &gix::Commit<'_>) -> Result<CommitInfo> {
    let seconds = commit.time()?.seconds;
    let time = chrono::DateTime::from_timestamp(seconds, 0)
        .ok_or_else(|| GitStoreError::Internal(format!("commit {} has an impossible time", commit.id)))?;
    Ok(CommitInfo {
        id: commit.id.to_string(),
        message: commit.message_raw()?.to_string().trim_end_matches('\n').to_owned(),
        author: commit.author()?.name.to_string(),
        time,
    })
}

fn text_file(tree: &gix::Tree<'_>, path: &str) -> Result<Option<String>> {
    let Some(entry) = tree.find_entry(path).filter(|entry| entry.mode().is_blob()) else {
        return Ok(None);
    };
    let data = entry.object()?.detach().data;
    String::from_utf8(data)
        .map(Some)
        .map_err(|_| GitStoreError::Internal(format!("{path} in tree {} is not UTF-8", tree.id)))
}

/// `3.py` → 3; rejects `03.py` or `+3.py`, which no script id would produce.
fn script_id_of(file_name: &str) -> Option<i64> {
    let id: i64 = file_name.strip_suffix(".py")?.parse().ok()?;
    (script_path(id) == file_name).then_some(id)
}
