//! Blocking write paths. Callers hold the store's writer lock, so in one process the
//! compare-and-swap below only ever loses against another process sharing the repository.

use gix::objs::tree::EntryKind;
use gix::refs::transaction::{PreviousValue, RefEdit};
use gix::{ObjectId, Repository};

use super::branch::Branch;
use super::error::{GitStoreError, Result};
use super::{input_path, lock_path, read, script_path, Author, ScriptFiles};

/// How often a write is rebuilt on a branch tip that moved under it before giving up.
const MAX_ATTEMPTS: usize = 8;

/// What a commit says: who, on which branch, and why.
pub(super) struct Change<'a> {
    pub branch: &'a Branch,
    pub author: &'a Author,
    pub message: &'a str,
}

/// Whether a write produced a new commit; both carry the branch tip afterwards.
enum Outcome {
    Committed(ObjectId),
    Unchanged(ObjectId),
}

/// Whether a write that leaves the tree as it was still deserves a commit.
#[derive(Clone, Copy, PartialEq)]
enum IfUnchanged {
    Commit,
    Skip,
}

/// The commit a write builds on and what its branch must still point at when the write lands.
struct Base {
    parent: ObjectId,
    expected: PreviousValue,
}

pub(super) fn commit_script(
    repo: &Repository,
    change: &Change<'_>,
    script_id: i64,
    files: &ScriptFiles,
) -> Result<ObjectId> {
    let content = repo.write_blob(&files.content)?.detach();
    let input = repo.write_blob(&files.input)?.detach();
    let lock = files.lock.as_ref().map(|lock| repo.write_blob(lock)).transpose()?.map(|id| id.detach());
    let set_files = |repo: &Repository, tree: ObjectId| {
        let mut editor = repo.edit_tree(tree)?;
        editor.upsert(script_path(script_id), EntryKind::Blob, content)?.upsert(
            input_path(script_id),
            EntryKind::Blob,
            input,
        )?;
        match lock {
            Some(lock) => editor.upsert(lock_path(script_id), EntryKind::Blob, lock)?,
            None => editor.remove(lock_path(script_id))?,
        };
        Ok(editor.write()?.detach())
    };
    // Every save is its own commit, even one that repeats the branch's content: the caller
    // records a version against the id we return.
    update_branch(repo, change, IfUnchanged::Commit, set_files).map(Outcome::tip)
}

pub(super) fn remove_script(
    repo: &Repository,
    change: &Change<'_>,
    script_id: i64,
) -> Result<Option<ObjectId>> {
    if read::branch_tip(repo, change.branch)?.is_none() {
        return Ok(None);
    }
    let drop_files = |repo: &Repository, tree: ObjectId| {
        let mut editor = repo.edit_tree(tree)?;
        editor.remove(script_path(script_id))?.remove(input_path(script_id))?.remove(lock_path(script_id))?;
        Ok(editor.write()?.detach())
    };
    update_branch(repo, change, IfUnchanged::Skip, drop_files).map(Outcome::committed)
}

/// Makes prod's copy of the script's files match `source`'s, file by file.
pub(super) fn merge_to_prod(
    repo: &Repository,
    change: &Change<'_>,
    script_id: i64,
    source: ObjectId,
) -> Result<ObjectId> {
    let source_tree = repo.find_commit(source)?.tree()?;
    let file_id = |path: &str| source_tree.find_entry(path).map(|entry| entry.object_id());
    let (content, input) = (script_path(script_id), input_path(script_id));
    let Some(content_id) = file_id(&content) else {
        return Err(GitStoreError::NotFound(format!("{content} in commit {source}")));
    };
    let lock = lock_path(script_id);
    let optional = [(input.as_str(), file_id(&input)), (lock.as_str(), file_id(&lock))];
    let copy_files = |repo: &Repository, tree: ObjectId| {
        let mut editor = repo.edit_tree(tree)?;
        editor.upsert(content.as_str(), EntryKind::Blob, content_id)?;
        for (path, id) in optional {
            match id {
                Some(id) => editor.upsert(path, EntryKind::Blob, id)?,
                None => editor.remove(path)?,
            };
        }
        Ok(editor.write()?.detach())
    };
    update_branch(repo, change, IfUnchanged::Skip, copy_files).map(Outcome::tip)
}

/// Creates the root commit of `prod` unless it already exists.
pub(super) fn ensure_prod(repo: &Repository, author: &Author) -> Result<()> {
    let prod = Branch::prod();
    if read::branch_tip(repo, &prod)?.is_some() {
        return Ok(());
    }
    // The empty tree is virtual to gix, but plain git expects to find the object on disk.
    let tree = repo.write_object(gix::objs::Tree::empty())?.detach();
    let change = Change { branch: &prod, author, message: "initialise prod" };
    let commit = write_commit(repo, &change, tree, &[])?;
    match set_tip(repo, &change, commit, PreviousValue::MustNotExist) {
        // Another process initialised the same repository at the same moment.
        Err(_) if read::branch_tip(repo, &prod)?.is_some() => Ok(()),
        result => result,
    }
}

/// Applies `edit` to the tree at the branch tip and moves the branch to a commit of the result,
/// rebuilding on the new tip whenever another writer got there first.
fn update_branch(
    repo: &Repository,
    change: &Change<'_>,
    if_unchanged: IfUnchanged,
    edit: impl Fn(&Repository, ObjectId) -> Result<ObjectId>,
) -> Result<Outcome> {
    for _ in 0..MAX_ATTEMPTS {
        let base = base_of(repo, change.branch)?;
        let old_tree = repo.find_commit(base.parent)?.tree_id()?.detach();
        let new_tree = edit(repo, old_tree)?;
        if new_tree == old_tree && if_unchanged == IfUnchanged::Skip {
            return Ok(Outcome::Unchanged(base.parent));
        }
        let commit = write_commit(repo, change, new_tree, &[base.parent])?;
        match set_tip(repo, change, commit, base.expected.clone()) {
            Ok(()) => return Ok(Outcome::Committed(commit)),
            Err(err) if tip_moved(repo, change.branch, &base)? => {
                tracing::debug!(branch = change.branch.as_str(), error = ?err, "branch moved, rebuilding commit");
            }
            Err(err) => return Err(err),
        }
    }
    Err(GitStoreError::Contended(change.branch.as_str().to_owned()))
}

/// An editor's branch starts at prod's tip the first time they commit.
fn base_of(repo: &Repository, branch: &Branch) -> Result<Base> {
    if let Some(tip) = read::branch_tip(repo, branch)? {
        return Ok(Base { parent: tip, expected: PreviousValue::MustExistAndMatch(tip.into()) });
    }
    let prod = Branch::prod();
    match read::branch_tip(repo, &prod)? {
        Some(tip) if !branch.is_prod() => Ok(Base { parent: tip, expected: PreviousValue::MustNotExist }),
        _ => Err(GitStoreError::NotFound(format!("branch {}", branch.as_str()))),
    }
}

fn tip_moved(repo: &Repository, branch: &Branch, base: &Base) -> Result<bool> {
    let tip = read::branch_tip(repo, branch)?;
    Ok(match &base.expected {
        PreviousValue::MustNotExist => tip.is_some(),
        _ => tip != Some(base.parent),
    })
}

fn write_commit(
    repo: &Repository,
    change: &Change<'_>,
    tree: ObjectId,
    parents: &[ObjectId],
) -> Result<ObjectId> {
    let signature = change.author.signature();
    let commit = gix::objs::Commit {
        tree,
        parents: parents.iter().copied().collect(),
        author: signature.clone(),
        committer: signature,
        encoding: None,
        message: with_final_newline(change.message).into(),
        extra_headers: Vec::new(),
    };
    Ok(repo.write_object(&commit)?.detach())
}

fn set_tip(repo: &Repository, change: &Change<'_>, commit: ObjectId, expected: PreviousValue) -> Result<()> {
    let reflog_message = format!("commit: {}", change.message.lines().next().unwrap_or_default());
    let edit = RefEdit::update(change.branch.full_name(), commit, expected, reflog_message);
    let signature = change.author.signature();
    let mut time = gix::date::parse::TimeBuf::default();
    repo.edit_references_as([edit], Some(signature.to_ref(&mut time)))?;
    Ok(())
}

/// Git tools expect a message to end with a newline; without one `git log` output runs together.
fn with_final_newline(message: &str) -> String {
    if message.ends_with('\n') {
        message.to_owned()
    } else {
        format!("{message}\n")
    }
}

impl Outcome {
    fn tip(self) -> ObjectId {
        match self {
            Outcome::Committed(id) | Outcome::Unchanged(id) => id,
        }
    }

    fn committed(self) -> Option<ObjectId> {
        match self {
            Outcome::Committed(id) => Some(id),
            Outcome::Unchanged(_) => None,
        }
    }
}
