//! Every test reads the repository back with the real `git`, so what the store writes is
//! checked against git's own idea of a valid repository, not against gix's.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

use super::*;

struct Repo {
    _dir: TempDir,
    path: PathBuf,
    store: GitStore,
}

fn new_repo() -> Repo {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scripts.git");
    let store = GitStore::open_or_init(&path).unwrap();
    Repo { _dir: dir, path, store }
}

fn git_output(repo: &Path, args: &[&str]) -> Output {
    Command::new("git")
        .arg(format!("--git-dir={}", repo.display()))
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("git is installed")
}

/// Runs git and returns its stdout, failing the test if git does.
fn git(repo: &Path, args: &[&str]) -> String {
    let out = git_output(repo, args);
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn git_fails(repo: &Path, args: &[&str]) -> bool {
    !git_output(repo, args).status.success()
}

fn commit_count(repo: &Path, rev: &str) -> usize {
    git(repo, &["rev-list", "--count", rev]).trim().parse().unwrap()
}

fn assert_fsck_clean(repo: &Path) {
    let out = git_output(repo, &["fsck", "--strict", "--no-dangling"]);
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && report.trim().is_empty(), "fsck: {report}");
}

fn ed(name: &str) -> Author {
    Author::editor(name)
}

fn files(content: &str, input: &str) -> ScriptFiles {
    ScriptFiles { content: content.to_owned(), input: input.to_owned(), lock: None }
}

impl Repo {
    async fn save(&self, editor: &str, script_id: i64, content: &str, message: &str) -> CommitId {
        let input = format!("input of {script_id}");
        self.store
            .commit_script(editor, &ed(editor), script_id, &files(content, &input), message)
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn init_creates_prod_with_one_root_commit_and_reopening_is_idempotent() {
    let repo = new_repo();
    assert_eq!(git(&repo.path, &["rev-parse", "--is-bare-repository"]).trim(), "true");
    assert_eq!(git(&repo.path, &["symbolic-ref", "HEAD"]).trim(), "refs/heads/prod");
    assert_eq!(git(&repo.path, &["log", "--oneline", "prod"]).lines().count(), 1);
    assert_eq!(
        git(&repo.path, &["log", "-1", "--format=%an <%ae>/%cn <%ce>", "prod"]).trim(),
        "code.ved <ved@localhost>/code.ved <ved@localhost>"
    );
    assert_eq!(git(&repo.path, &["ls-tree", "prod"]), "");
    let tip = repo.store.branch_tip("prod").await.unwrap().unwrap();

    let reopened = GitStore::open_or_init(&repo.path).unwrap();

    assert_eq!(reopened.branch_tip("prod").await.unwrap(), Some(tip));
    assert_eq!(commit_count(&repo.path, "prod"), 1);
    assert_fsck_clean(&repo.path);
}

#[tokio::test]
async fn first_save_creates_the_editor_branch_from_prod() {
    let repo = new_repo();
    let prod_tip = repo.store.branch_tip("prod").await.unwrap().unwrap();
    assert_eq!(repo.store.branch_tip("ed1").await.unwrap(), None);

    let commit = repo.save("ed1", 3, "print(1)\n", "save script 3 v0.1").await;

    assert_eq!(git(&repo.path, &["rev-parse", "ed1"]).trim(), commit);
    assert_eq!(git(&repo.path, &["rev-parse", "ed1^"]).trim(), prod_tip);
    assert_eq!(repo.store.branch_tip("prod").await.unwrap(), Some(prod_tip));
    assert_fsck_clean(&repo.path);
}

#[tokio::test]
async fn a_save_is_one_commit_with_both_files_by_the_editor() {
    let repo = new_repo();
    repo.save("ed1", 3, "print(1)\n", "save script 3 v1.4").await;

    assert_eq!(git(&repo.path, &["show", "--name-only", "--format=", "ed1"]), "3.input\n3.py\n");
    assert_eq!(git(&repo.path, &["log", "-1", "--format=%an/%cn", "ed1"]).trim(), "ed1/ed1");
    assert_eq!(
        git(&repo.path, &["log", "-1", "--format=%ae/%ce", "ed1"]).trim(),
        "ed1@ved.local/ed1@ved.local"
    );
    assert_eq!(git(&repo.path, &["log", "-1", "--format=%B", "ed1"]).trim_end(), "save script 3 v1.4");
    assert_eq!(git(&repo.path, &["show", "ed1:3.input"]), "input of 3");
    assert_fsck_clean(&repo.path);
}

#[tokio::test]
async fn content_round_trips_exactly() {
    let repo = new_repo();
    let content = "\"\"\"Grüße, 世界 🐍\"\"\"\r\nprint('ü')\t";
    let commit = repo
        .store
        .commit_script("ed1", &ed("ed1"), 3, &files(content, ""), "save script 3 v0.1")
        .await
        .unwrap();

    assert_eq!(git(&repo.path, &["show", "ed1:3.py"]), content);
    assert_eq!(git(&repo.path, &["show", "ed1:3.input"]), "");
    let expected = files(content, "");
    assert_eq!(repo.store.read_script_on_branch("ed1", 3).await.unwrap(), Some(expected.clone()));
    assert_eq!(repo.store.read_script_at(&commit, 3).await.unwrap(), Some(expected));
}

#[tokio::test]
async fn reading_an_older_commit_gives_the_older_version() {
    let repo = new_repo();
    let first = repo.save("ed1", 3, "v1", "save script 3 v0.1").await;
    repo.save("ed1", 3, "v2", "save script 3 v0.2").await;

    let old = repo.store.read_script_at(&first, 3).await.unwrap().unwrap();

    assert_eq!(old.content, "v1");
    assert_eq!(repo.store.read_script_on_branch("ed1", 3).await.unwrap().unwrap().content, "v2");
    assert_eq!(repo.store.read_script_at(&first, 4).await.unwrap(), None);
    assert_eq!(repo.store.read_script_on_branch("ed2", 3).await.unwrap(), None);
}

#[tokio::test]
async fn reading_an_unknown_commit_is_not_found() {
    let repo = new_repo();
    let unknown = "0123456789abcdef0123456789abcdef01234567";
    for commit in [unknown, "not-a-commit", "0123456"] {
        let err = repo.store.read_script_at(commit, 3).await.unwrap_err();
        assert!(matches!(err, GitStoreError::NotFound(_)), "{commit}: {err}");
    }
}

#[tokio::test]
async fn commit_exists_only_for_full_ids_of_commits() {
    let repo = new_repo();
    let commit = repo.save("ed1", 3, "x", "save script 3 v0.1").await;
    let tree = git(&repo.path, &["rev-parse", "ed1^{tree}"]);

    assert!(repo.store.commit_exists(&commit).await.unwrap());
    assert!(!repo.store.commit_exists(&commit[..12]).await.unwrap());
    assert!(!repo.store.commit_exists(tree.trim()).await.unwrap());
    assert!(!repo.store.commit_exists("0123456789abcdef0123456789abcdef01234567").await.unwrap());
}

#[tokio::test]
async fn merge_puts_the_files_on_prod_and_leaves_unmerged_scripts_off() {
    let repo = new_repo();
    let three = repo.save("ed1", 3, "print(3)", "save script 3 v0.1").await;
    repo.save("ed1", 5, "print(5)", "save script 5 v0.1").await;

    let prod = repo.store.merge_to_prod(&ed("ed2"), 3, &three, "merge script 3 v0.1").await.unwrap();

    assert_eq!(git(&repo.path, &["rev-parse", "prod"]).trim(), prod);
    assert_eq!(git(&repo.path, &["show", "prod:3.py"]), "print(3)");
    assert_eq!(git(&repo.path, &["show", "prod:3.input"]), "input of 3");
    assert!(git_fails(&repo.path, &["show", "prod:5.py"]));
    assert_eq!(
        git(&repo.path, &["log", "-1", "--format=%an/%cn %s", "prod"]).trim(),
        "ed2/ed2 merge script 3 v0.1"
    );
    assert_eq!(repo.store.list_scripts("prod").await.unwrap(), vec![3]);
    assert_fsck_clean(&repo.path);
}

#[tokio::test]
async fn merging_what_prod_already_has_writes_nothing() {
    let repo = new_repo();
    let commit = repo.save("ed1", 3, "print(3)", "save script 3 v0.1").await;
    let first = repo.store.merge_to_prod(&ed("ed1"), 3, &commit, "merge script 3 v0.1").await.unwrap();

    let again = repo.store.merge_to_prod(&ed("ed1"), 3, &commit, "merge script 3 v0.1").await.unwrap();

    assert_eq!(again, first);
    assert_eq!(commit_count(&repo.path, "prod"), 2);
}

#[tokio::test]
async fn merging_an_older_version_rolls_prod_back_to_it() {
    let repo = new_repo();
    let old = repo.save("ed1", 3, "old", "save script 3 v0.1").await;
    let new = repo.save("ed1", 3, "new", "save script 3 v0.2").await;
    repo.store.merge_to_prod(&ed("ed1"), 3, &new, "merge script 3 v0.2").await.unwrap();

    repo.store.merge_to_prod(&ed("ed1"), 3, &old, "merge script 3 v0.1").await.unwrap();

    assert_eq!(git(&repo.path, &["show", "prod:3.py"]), "old");
    assert_eq!(commit_count(&repo.path, "prod"), 3);
}

#[tokio::test]
async fn merging_a_commit_without_the_script_is_not_found() {
    let repo = new_repo();
    let commit = repo.save("ed1", 3, "print(3)", "save script 3 v0.1").await;

    let err = repo.store.merge_to_prod(&ed("ed1"), 4, &commit, "merge script 4 v0.1").await.unwrap_err();

    assert!(matches!(err, GitStoreError::NotFound(_)), "{err}");
    assert_eq!(commit_count(&repo.path, "prod"), 1);
}

#[tokio::test]
async fn remove_deletes_the_files_from_the_branch_and_history_keeps_them() {
    let repo = new_repo();
    repo.save("ed1", 3, "print(3)", "save script 3 v0.1").await;
    repo.save("ed1", 5, "print(5)", "save script 5 v0.1").await;

    let removed = repo.store.remove_script("ed1", &ed("ed1"), 3, "delete script 3").await.unwrap();

    assert_eq!(git(&repo.path, &["rev-parse", "ed1"]).trim(), removed.unwrap());
    assert!(git_fails(&repo.path, &["show", "ed1:3.py"]));
    assert!(git_fails(&repo.path, &["show", "ed1:3.input"]));
    assert_eq!(git(&repo.path, &["show", "ed1~1:3.py"]), "print(3)");
    assert_eq!(repo.store.list_scripts("ed1").await.unwrap(), vec![5]);
    assert_fsck_clean(&repo.path);
}

#[tokio::test]
async fn removing_what_is_not_there_writes_nothing() {
    let repo = new_repo();
    repo.save("ed1", 3, "print(3)", "save script 3 v0.1").await;

    assert_eq!(repo.store.remove_script("ed1", &ed("ed1"), 4, "delete script 4").await.unwrap(), None);
    assert_eq!(repo.store.remove_script("ed2", &ed("ed2"), 3, "delete script 3").await.unwrap(), None);
    assert_eq!(repo.store.remove_script("prod", &ed("ed1"), 3, "delete script 3").await.unwrap(), None);
    assert_eq!(commit_count(&repo.path, "ed1"), 2);
    assert_eq!(repo.store.branch_tip("ed2").await.unwrap(), None);
}

#[tokio::test]
async fn deleting_a_merged_script_removes_it_from_prod() {
    let repo = new_repo();
    let commit = repo.save("ed1", 3, "print(3)", "save script 3 v0.1").await;
    repo.store.merge_to_prod(&ed("ed1"), 3, &commit, "merge script 3 v0.1").await.unwrap();

    repo.store.remove_script("prod", &ed("ed1"), 3, "delete script 3").await.unwrap().unwrap();

    assert!(git_fails(&repo.path, &["show", "prod:3.py"]));
    assert_eq!(repo.store.list_scripts("prod").await.unwrap(), Vec::<i64>::new());
    assert_eq!(repo.store.list_scripts("ed1").await.unwrap(), vec![3]);
}

#[tokio::test]
async fn script_log_lists_only_commits_touching_the_script_newest_first() {
    let repo = new_repo();
    let v1 = repo.save("ed1", 3, "a", "save script 3 v0.1").await;
    repo.save("ed1", 5, "b", "save script 5 v0.1").await;
    let v2 = repo.save("ed1", 3, "c", "save script 3 v0.2").await;
    let removed = repo.store.remove_script("ed1", &ed("ed1"), 3, "delete script 3").await.unwrap().unwrap();

    let log = repo.store.script_log("ed1", 3).await.unwrap();

    let ids: Vec<_> = log.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, [removed.as_str(), v2.as_str(), v1.as_str()]);
    let messages: Vec<_> = log.iter().map(|c| c.message.as_str()).collect();
    assert_eq!(messages, ["delete script 3", "save script 3 v0.2", "save script 3 v0.1"]);
    assert!(log.iter().all(|c| c.author == "ed1"));
    let git_time = git(&repo.path, &["log", "-1", "--format=%ct", &v1]);
    assert_eq!(log[2].time.timestamp().to_string(), git_time.trim());
    assert_eq!(repo.store.script_log("ed1", 5).await.unwrap().len(), 1);
    assert_eq!(repo.store.script_log("ed2", 3).await.unwrap(), vec![]);
}

#[tokio::test]
async fn invalid_branch_names_are_rejected_before_anything_is_written() {
    let repo = new_repo();
    let bad = [
        "", "-ed", ".ed", "ed..1", "ed.lock", "ed.", "ed/1", "ed 1", "ed~1", "ed^1", "ed:1", "ed\\1",
        "ed@{1}", "HEAD", "édouard", "ed\n", "prod",
    ];
    for name in bad {
        let err = repo.store.commit_script(name, &ed("ed1"), 3, &files("x", ""), "save").await.unwrap_err();
        assert!(matches!(err, GitStoreError::InvalidBranch { .. }), "{name:?}: {err}");
    }
    assert!(matches!(repo.store.list_scripts("../prod").await, Err(GitStoreError::InvalidBranch { .. })));
    assert_eq!(git(&repo.path, &["for-each-ref", "--format=%(refname)"]), "refs/heads/prod\n");

    for good in ["ed1", "Ed.Two", "ed_3-x", "a"] {
        repo.save(good, 1, "x", "save script 1 v0.1").await;
    }
    assert_fsck_clean(&repo.path);
}

#[tokio::test]
async fn an_identity_git_cannot_store_is_an_error_not_a_corrupt_commit() {
    let repo = new_repo();
    let author = Author { name: "ed<1>".to_owned(), email: "ed1@ved.local".to_owned() };

    assert!(repo.store.commit_script("ed1", &author, 3, &files("x", ""), "save").await.is_err());
    assert_eq!(repo.store.branch_tip("ed1").await.unwrap(), None);
    assert_fsck_clean(&repo.path);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_saves_to_one_branch_all_land() {
    let repo = new_repo();
    let saves = (1..=20).map(|id| {
        let store = repo.store.clone();
        tokio::spawn(async move {
            let message = format!("save script {id} v0.1");
            store.commit_script("ed1", &ed("ed1"), id, &files(&format!("print({id})"), ""), &message).await
        })
    });

    let commits: Vec<_> =
        futures::future::join_all(saves).await.into_iter().map(|r| r.unwrap().unwrap()).collect();

    assert_eq!(commit_count(&repo.path, "ed1"), 21);
    for commit in &commits {
        assert!(!git_fails(&repo.path, &["merge-base", "--is-ancestor", commit, "ed1"]));
    }
    assert_eq!(repo.store.list_scripts("ed1").await.unwrap(), (1..=20).collect::<Vec<_>>());
    assert_fsck_clean(&repo.path);
}

/// Two stores on one repository stand in for two server processes: their writer locks are
/// separate, so only the compare-and-swap on the branch keeps commits from being lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_stores_sharing_a_repository_never_lose_a_commit() {
    let repo = new_repo();
    let other = GitStore::open_or_init(&repo.path).unwrap();
    let saves = (1..=20).map(|id| {
        let store = if id % 2 == 0 { repo.store.clone() } else { other.clone() };
        tokio::spawn(async move {
            store
                .commit_script("ed1", &ed("ed1"), id, &files("x", ""), &format!("save script {id} v0.1"))
                .await
        })
    });

    for result in futures::future::join_all(saves).await {
        result.unwrap().unwrap();
    }

    assert_eq!(commit_count(&repo.path, "ed1"), 21);
    assert_eq!(repo.store.list_scripts("ed1").await.unwrap(), (1..=20).collect::<Vec<_>>());
    assert_fsck_clean(&repo.path);
}

#[tokio::test]
async fn a_reopened_store_reads_everything_back() {
    let repo = new_repo();
    let saved = repo.save("ed1", 3, "print(3)", "save script 3 v0.1").await;
    repo.store.merge_to_prod(&ed("ed1"), 3, &saved, "merge script 3 v0.1").await.unwrap();
    repo.save("ed2", 4, "print(4)", "save script 4 v0.1").await;
    let Repo { _dir, path, store } = repo;
    drop(store);

    let store = GitStore::open_or_init(&path).unwrap();

    assert!(store.commit_exists(&saved).await.unwrap());
    assert_eq!(store.read_script_on_branch("prod", 3).await.unwrap().unwrap().content, "print(3)");
    assert_eq!(store.list_scripts("ed2").await.unwrap(), vec![3, 4], "ed2 started from prod, which had 3");
    assert_eq!(store.script_log("ed1", 3).await.unwrap()[0].id, saved);
    assert_fsck_clean(&path);
}

#[test]
fn a_folder_holding_other_files_keeps_the_repository_in_a_subfolder() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("scripts_repo");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("README.md"), "# scripts_repo\n").unwrap();

    let store = GitStore::open_or_init(&folder).unwrap();

    let nested = folder.join(open::NESTED_NAME);
    assert_eq!(store.location(), nested);
    assert_eq!(git(&nested, &["rev-parse", "--abbrev-ref", "HEAD"]).trim(), "prod");
    drop(store);
    // Opened again at the same configured path, it is the same repository.
    let again = GitStore::open_or_init(&folder).unwrap();
    assert_eq!(again.location(), nested);
    assert_eq!(std::fs::read_to_string(folder.join("README.md")).unwrap(), "# scripts_repo\n");
}

#[test]
fn an_existing_repository_or_an_empty_folder_is_used_where_it_is() {
    let repo = new_repo();
    assert_eq!(repo.store.location(), repo.path);
    let empty = tempfile::tempdir().unwrap();
    let store = GitStore::open_or_init(empty.path()).unwrap();
    assert_eq!(store.location(), empty.path());
    assert_fsck_clean(empty.path());
}

#[test]
fn a_file_or_a_damaged_repository_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-folder");
    std::fs::write(&file, "x").unwrap();
    let err = GitStore::open_or_init(&file).err().expect("a file is refused");
    assert!(err.to_string().contains("is a file"), "{err}");

    let damaged = dir.path().join("damaged");
    std::fs::create_dir_all(damaged.join("objects")).unwrap();
    std::fs::create_dir_all(damaged.join("refs")).unwrap();
    let err = GitStore::open_or_init(&damaged).err().expect("a damaged repository is refused");
    assert!(err.to_string().contains("damaged git repository"), "{err}");
    assert!(!damaged.join(open::NESTED_NAME).exists(), "nothing is created beside it");
}

#[tokio::test]
async fn the_lock_travels_with_its_script_and_leaves_with_it() {
    let repo = new_repo();
    let with_lock =
        ScriptFiles { lock: Some("tabulate==0.9.0\n".to_owned()), ..files("import tabulate", "") };
    let first = repo.store.commit_script("ed1", &ed("ed1"), 3, &with_lock, "save").await.unwrap();
    assert_eq!(git(&repo.path, &["show", &format!("{first}:3.lock")]), "tabulate==0.9.0\n");
    repo.store.merge_to_prod(&ed("ed1"), 3, &first, "merge").await.unwrap();
    assert_eq!(git(&repo.path, &["show", "prod:3.lock"]), "tabulate==0.9.0\n");

    let second =
        repo.store.commit_script("ed1", &ed("ed1"), 3, &files("print(1)", ""), "save").await.unwrap();
    assert_eq!(repo.store.read_script_at(&second, 3).await.unwrap().unwrap().lock, None);
    assert_eq!(repo.store.read_script_at(&first, 3).await.unwrap().unwrap(), with_lock);
    repo.store.merge_to_prod(&ed("ed1"), 3, &second, "merge").await.unwrap();
    assert_eq!(repo.store.read_script_on_branch("prod", 3).await.unwrap().unwrap().lock, None);
}
