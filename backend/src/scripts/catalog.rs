//! The rules of SPEC §5: what create, save, fork, bump major, merge and delete do to the
//! database and the git repository. [`Catalog`] owns everything such a change needs
//! remembered: the per-script locks, the database transaction around its row writes, and
//! its audit row, so that no handler can forget one. Always the git commit first, then the
//! version row, so that a row never points at a commit that does not exist.
//!
//! Several server processes may share one database and repository (SPEC §14): a change
//! that makes a version first takes its script's row in the database ([`claim_script`]),
//! so changes to one script queue across processes as the in-process lock queues them
//! within one; the unique `(script_id, major, minor)` is the last word (a 409). A save on
//! SQLite, one process per file, takes it only after its git commit (see
//! `Catalog::claim_before_git`).
use chrono::Utc;
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend,
    DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};

use super::{
    docstring::{descriptive_name, module_docstring},
    locks::ScriptLocks,
    ordering::OrderingNumber,
    snapshot::CatalogSnapshots,
    views::version_label,
};
use crate::{
    adapters::git_store::{Author, GitStore, GitStoreError, ScriptFiles, PROD_BRANCH},
    audit::{self, AuditEvent},
    entities::{script, script_version},
};

/// SPEC §5: content is UTF-8 text up to 1 MiB.
pub const MAX_CONTENT_BYTES: usize = 1024 * 1024;

/// SPEC §16: a save's message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 500;

/// Everything the catalog refuses or fails with; `error.rs` gives each its HTTP answer.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("Script {0} does not exist.")]
    ScriptNotFound(i64),
    #[error("Script {script_id} has no version {version_id}.")]
    VersionNotFound { script_id: i64, version_id: i64 },
    #[error("{field} is {bytes} bytes; the limit is {MAX_CONTENT_BYTES} bytes (1 MiB).")]
    TooLarge { field: &'static str, bytes: usize },
    #[error(
        "Version {base} is not the latest version of script {script_id}: {latest_label} (id {latest_id}) was \
         saved since by {committer}. Reload it, or fork your copy, before saving."
    )]
    Stale { script_id: i64, base: i64, latest_label: String, latest_id: i64, committer: String },
    #[error("The message is {0} characters long; at most {MAX_MESSAGE_CHARS} are kept.")]
    MessageTooLong(usize),
    #[error("Script {0} is not on prod: say which version to compare with (`from`).")]
    NotOnProd(i64),
    #[error(
        "No ordering number is left after the largest one ({}); give that script a smaller ordering number \
         first.",
        super::ordering::MAX
    )]
    NoOrderingNumberLeft,
    #[error("the scripts repository: {0}")]
    Git(#[from] GitStoreError),
    #[error("the database: {0}")]
    Db(#[from] DbErr),
    /// The database and the repository disagree: lost work, never the caller's fault.
    #[error("the catalog is inconsistent: {0}")]
    Inconsistent(String),
}

pub type CatalogResult<T> = Result<T, CatalogError>;

pub fn check_size(field: &'static str, text: &str) -> CatalogResult<()> {
    if text.len() > MAX_CONTENT_BYTES {
        return Err(CatalogError::TooLarge { field, bytes: text.len() });
    }
    Ok(())
}

pub async fn live_script(db: &impl ConnectionTrait, script_id: i64) -> CatalogResult<script::Model> {
    script::Entity::find_by_id(script_id)
        .filter(script::Column::IsDeleted.eq(false))
        .one(db)
        .await?
        .ok_or(CatalogError::ScriptNotFound(script_id))
}

/// Takes the script's row for the rest of `txn` with a write that also moves its ordering
/// number when asked: on PostgreSQL a row lock that the same claim in another process
/// waits for until `txn` ends, on SQLite the database's write lock. A write, not a `SELECT
/// ... FOR UPDATE`, because SQLite has no row locks and a transaction that starts by reading
/// cannot always become a writing one later.
async fn claim_script(
    txn: &impl ConnectionTrait,
    script_id: i64,
    ordering: Option<OrderingNumber>,
) -> CatalogResult<script::Model> {
    let ordering = match ordering {
        Some(ordering) => Expr::value(ordering.hundredths()),
        None => Expr::col(script::Column::OrderingHundredths).into(),
    };
    let claimed = script::Entity::update_many()
        .col_expr(script::Column::OrderingHundredths, ordering)
        .filter(script::Column::Id.eq(script_id))
        .filter(script::Column::IsDeleted.eq(false))
        .exec_with_returning(txn)
        .await?;
    claimed.into_iter().next().ok_or(CatalogError::ScriptNotFound(script_id))
}

pub async fn latest_version(
    db: &impl ConnectionTrait,
    script_id: i64,
) -> CatalogResult<script_version::Model> {
    script_version::Entity::find()
        .filter(script_version::Column::ScriptId.eq(script_id))
        .order_by_desc(script_version::Column::Id)
        .one(db)
        .await?
        .ok_or_else(|| CatalogError::Inconsistent(format!("script {script_id} has no version")))
}

/// A version of this script (not of another one).
pub async fn version_of(
    db: &impl ConnectionTrait,
    script_id: i64,
    version_id: i64,
) -> CatalogResult<script_version::Model> {
    script_version::Entity::find_by_id(version_id)
        .filter(script_version::Column::ScriptId.eq(script_id))
        .one(db)
        .await?
        .ok_or(CatalogError::VersionNotFound { script_id, version_id })
}

pub async fn read_files(git: &GitStore, version: &script_version::Model) -> CatalogResult<ScriptFiles> {
    git.read_script_at(&version.git_commit_hash, version.script_id).await?.ok_or_else(|| {
        CatalogError::Inconsistent(format!(
            "commit {} has no file for script {}",
            version.git_commit_hash, version.script_id
        ))
    })
}

async fn next_ordering_number(db: &impl ConnectionTrait) -> CatalogResult<OrderingNumber> {
    let largest: Option<Option<i64>> = script::Entity::find()
        .select_only()
        .column_as(script::Column::OrderingHundredths.max(), "largest")
        .filter(script::Column::IsDeleted.eq(false))
        .into_tuple()
        .one(db)
        .await?;
    let existing = largest.flatten().map(OrderingNumber::from_hundredths);
    OrderingNumber::next_after(existing).ok_or(CatalogError::NoOrderingNumberLeft)
}

/// A new version row describing `content` at `commit`.
struct NewVersion<'a> {
    script_id: i64,
    major: i32,
    minor: i32,
    commit: String,
    committer: &'a str,
    content: &'a str,
    parent: Option<&'a script_version::Model>,
    message: Option<&'a str>,
    dependency_error: Option<&'a str>,
}

async fn insert_version(
    db: &impl ConnectionTrait,
    new: NewVersion<'_>,
) -> CatalogResult<script_version::Model> {
    let docstring = module_docstring(new.content);
    let row = script_version::ActiveModel {
        script_id: Set(new.script_id),
        major: Set(new.major),
        minor: Set(new.minor),
        git_commit_hash: Set(new.commit),
        committer: Set(new.committer.to_owned()),
        created_at: Set(Utc::now()),
        parent_script_id: Set(new.parent.map(|p| p.script_id)),
        parent_version_id: Set(new.parent.map(|p| p.id)),
        descriptive_name: Set(descriptive_name(docstring.as_deref())),
        docstring: Set(docstring.unwrap_or_default()),
        message: Set(new.message.map(str::to_owned)),
        dependency_error: Set(new.dependency_error.map(str::to_owned)),
        ..Default::default()
    };
    Ok(row.insert(db).await?)
}

/// The row of the minor version after `latest`, for `commit` of `content`.
async fn insert_next_minor(
    db: &impl ConnectionTrait,
    editor: &str,
    latest: &script_version::Model,
    commit: String,
    content: &str,
    why: &Why<'_>,
) -> CatalogResult<script_version::Model> {
    let new = NewVersion {
        script_id: latest.script_id,
        major: latest.major,
        minor: latest.minor + 1,
        commit,
        committer: editor,
        content,
        parent: None,
        message: why.message,
        dependency_error: why.dependency_error,
    };
    insert_version(db, new).await
}

/// A save's files, before its row: unchanged from `latest`, or committed after it.
enum FilesWritten {
    Unchanged(script_version::Model),
    Committed { latest: script_version::Model, commit: String },
}

impl FilesWritten {
    fn latest(&self) -> &script_version::Model {
        match self {
            Self::Unchanged(latest) | Self::Committed { latest, .. } => latest,
        }
    }
}

/// A save's row half: the version row of what [`Catalog::write_files`] committed.
async fn record_save(
    db: &impl ConnectionTrait,
    editor: &str,
    written: FilesWritten,
    save: &Save<'_>,
) -> CatalogResult<SaveOutcome> {
    match written {
        FilesWritten::Unchanged(latest) => Ok(SaveOutcome::Unchanged(latest)),
        FilesWritten::Committed { latest, commit } => {
            let why = save.why(&latest);
            Ok(SaveOutcome::Saved(insert_next_minor(db, editor, &latest, commit, save.content, &why).await?))
        }
    }
}

/// What a new minor version's commit and row say about why it exists.
struct Why<'a> {
    subject: String,
    message: Option<&'a str>,
    dependency_error: Option<&'a str>,
}

pub enum SaveOutcome {
    Saved(script_version::Model),
    Unchanged(script_version::Model),
}

/// What a save asks for.
pub struct Save<'a> {
    pub content: &'a str,
    /// `None` keeps the latest version's test data.
    pub test_data: Option<&'a str>,
    /// The version the edit started from; a newer one makes the save [`CatalogError::Stale`].
    pub base_version_id: Option<i64>,
    pub ordering_number: Option<OrderingNumber>,
    /// Why: the commit message's body and the version's `message`.
    pub message: Option<&'a str>,
    /// What the content's `# /// script` block resolved to.
    pub packages: Packages,
}

/// A version's packages (SPEC §15), resolved by the caller: the lock committed as `N.lock`,
/// or why there is none. Both empty: the script declares no packages.
#[derive(Debug, Clone, Default)]
pub struct Packages {
    pub lock: Option<String>,
    pub error: Option<String>,
}

impl Save<'_> {
    /// Why the version after `latest` exists.
    fn why(&self, latest: &script_version::Model) -> Why<'_> {
        let label = version_label(latest.major, latest.minor + 1);
        Why {
            subject: format!("save script {} v{label}", latest.script_id),
            message: self.message,
            dependency_error: self.packages.error.as_deref(),
        }
    }
}

/// Two versions of one script and what changed between them.
pub struct VersionDiff {
    pub from: script_version::Model,
    pub to: script_version::Model,
    pub unified_diff: String,
}

/// The catalog: cheap to clone, one per server.
#[derive(Clone)]
pub struct Catalog {
    db: DatabaseConnection,
    git: GitStore,
    locks: ScriptLocks,
    snapshots: CatalogSnapshots,
    /// Whether a change takes its script's row before writing git, or only after.
    ///
    /// On PostgreSQL a row lock holds back only changes to the same script, and it is what
    /// queues them across processes: taken first. SQLite's write lock is one for the whole
    /// file: held while git writes (milliseconds), it held back every other writer — sessions,
    /// runs, saves of other scripts — and SQLite's busy wait sleeps in steps of up to 100 ms
    /// (8 editors saving at once: p99 539 ms against 11 ms alone in `make bench`). SQLite
    /// serves one process per file, where the per-script lock already queues a script's
    /// changes, so there it is taken only for the rows, after the commit.
    claim_before_git: bool,
}

impl Catalog {
    pub fn new(db: DatabaseConnection, git: GitStore) -> Self {
        let claim_before_git = db.get_database_backend() == DatabaseBackend::Postgres;
        Self {
            db,
            git,
            locks: ScriptLocks::default(),
            snapshots: CatalogSnapshots::default(),
            claim_before_git,
        }
    }

    /// The list of `GET /api/scripts`, kept serialised between changes.
    pub fn snapshots(&self) -> &CatalogSnapshots {
        &self.snapshots
    }

    pub async fn read_files(&self, version: &script_version::Model) -> CatalogResult<ScriptFiles> {
        read_files(&self.git, version).await
    }

    /// A new script at the next integer ordering number, version 0.1 on the editor's branch.
    pub async fn create(
        &self,
        editor: &str,
        files: &ScriptFiles,
        dependency_error: Option<&str>,
    ) -> CatalogResult<(script::Model, script_version::Model)> {
        let (script, version) = self.create_script(editor, files, None, dependency_error).await?;
        self.audit(AuditEvent::new("create", editor).script(script.id, Some(version.id))).await;
        Ok((script, version))
    }

    /// A new script with the source's latest content, its parent ids set.
    pub async fn fork(
        &self,
        editor: &str,
        source_id: i64,
    ) -> CatalogResult<(script::Model, script_version::Model)> {
        live_script(&self.db, source_id).await?;
        let source = latest_version(&self.db, source_id).await?;
        let files = self.read_files(&source).await?;
        let error = source.dependency_error.as_deref();
        let (script, version) = self.create_script(editor, &files, Some(&source), error).await?;
        let event = AuditEvent::new("fork", editor)
            .script(script.id, Some(version.id))
            .detail(format!("forked from script {source_id} version {}", source.id));
        self.audit(event).await;
        Ok((script, version))
    }

    async fn create_script(
        &self,
        editor: &str,
        files: &ScriptFiles,
        parent: Option<&script_version::Model>,
        dependency_error: Option<&str>,
    ) -> CatalogResult<(script::Model, script_version::Model)> {
        check_size("content", &files.content)?;
        check_size("test_data", &files.input)?;
        // Two creations must not pick the same ordering number.
        let _catalog = self.locks.catalog().await;
        // Everything or nothing: a failure after the script row leaves no script without
        // a version behind (the transaction rolls back when dropped unfinished).
        let txn = self.db.begin().await?;
        let row = script::ActiveModel {
            ordering_hundredths: Set(next_ordering_number(&txn).await?.hundredths()),
            is_deleted: Set(false),
            test_data_path: Set(String::new()),
            prod_version_id: Set(None),
            created_by: Set(editor.to_owned()),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let mut with_path: script::ActiveModel = row.clone().into();
        with_path.test_data_path = Set(format!("{}.input", row.id));
        let row = with_path.update(&txn).await?;
        let message = match parent {
            Some(source) => format!(
                "fork script {} v0.1 from script {} v{}",
                row.id,
                source.script_id,
                version_label(source.major, source.minor)
            ),
            None => format!("create script {} v0.1", row.id),
        };
        let author = Author::editor(editor);
        let commit = self.git.commit_script(editor, &author, row.id, files, &message).await?;
        let new = NewVersion {
            script_id: row.id,
            major: 0,
            minor: 1,
            commit,
            committer: editor,
            content: &files.content,
            parent,
            message: None,
            dependency_error,
        };
        let version = insert_version(&txn, new).await?;
        txn.commit().await?;
        Ok((row, version))
    }

    /// Saves new content as the next minor version (identical content creates none) and
    /// moves the ordering number if asked, both or neither.
    pub async fn save(
        &self,
        editor: &str,
        script_id: i64,
        save: Save<'_>,
    ) -> CatalogResult<(script::Model, SaveOutcome)> {
        check_size("content", save.content)?;
        if let Some(test_data) = save.test_data {
            check_size("test_data", test_data)?;
        }
        let message = save.message.map(str::trim).filter(|message| !message.is_empty());
        if let Some(chars) = message.map(|message| message.chars().count()).filter(|n| *n > MAX_MESSAGE_CHARS)
        {
            return Err(CatalogError::MessageTooLong(chars));
        }
        let save = Save { message, ..save };
        let _lock = self.locks.script(script_id).await;
        let saved = self.save_locked(editor, script_id, &save).await;
        let event = AuditEvent::new("save", editor);
        match &saved {
            Ok((_, SaveOutcome::Saved(version))) => {
                self.audit(event.script(script_id, Some(version.id))).await
            }
            Ok((_, SaveOutcome::Unchanged(version))) => {
                self.audit(event.script(script_id, Some(version.id)).outcome("unchanged")).await
            }
            Err(CatalogError::Stale { .. }) => {
                self.audit(event.script(script_id, None).outcome("conflict")).await
            }
            Err(_) => {}
        }
        saved
    }

    async fn save_locked(
        &self,
        editor: &str,
        script_id: i64,
        save: &Save<'_>,
    ) -> CatalogResult<(script::Model, SaveOutcome)> {
        // A refused save rolls back (the transaction is dropped unfinished): the ordering
        // number moves only with a save that is accepted.
        if self.claim_before_git {
            let txn = self.db.begin().await?;
            let script = claim_script(&txn, script_id, save.ordering_number).await?;
            let written = self.write_files(&txn, editor, script_id, save).await?;
            let outcome = record_save(&txn, editor, written, save).await?;
            txn.commit().await?;
            return Ok((script, outcome));
        }
        live_script(&self.db, script_id).await?;
        let written = self.write_files(&self.db, editor, script_id, save).await?;
        let txn = self.db.begin().await?;
        let script = claim_script(&txn, script_id, save.ordering_number).await?;
        let latest = latest_version(&txn, script_id).await?;
        if latest.id != written.latest().id {
            return Err(CatalogError::Inconsistent(format!(
                "script {script_id} got version {} while a save of it was being committed: is a second \
                 process using this SQLite file?",
                latest.id
            )));
        }
        let outcome = record_save(&txn, editor, written, save).await?;
        txn.commit().await?;
        Ok((script, outcome))
    }

    /// A save's git half: refuses a stale base, and commits the files unless they are the
    /// latest version's.
    async fn write_files(
        &self,
        db: &impl ConnectionTrait,
        editor: &str,
        script_id: i64,
        save: &Save<'_>,
    ) -> CatalogResult<FilesWritten> {
        let latest = latest_version(db, script_id).await?;
        if let Some(base) = save.base_version_id.filter(|base| *base != latest.id) {
            return Err(CatalogError::Stale {
                script_id,
                base,
                latest_label: version_label(latest.major, latest.minor),
                latest_id: latest.id,
                committer: latest.committer,
            });
        }
        let current = self.read_files(&latest).await?;
        let input = save.test_data.unwrap_or(&current.input);
        if current.content == save.content && current.input == input {
            return Ok(FilesWritten::Unchanged(latest));
        }
        let files = ScriptFiles {
            content: save.content.to_owned(),
            input: input.to_owned(),
            lock: save.packages.lock.clone(),
        };
        let commit = self.commit_files(editor, &latest, &files, &save.why(&latest)).await?;
        Ok(FilesWritten::Committed { latest, commit })
    }

    /// The next minor version after `latest` with `files`: one commit (subject, then the
    /// message as its body), then its row.
    async fn commit_next_minor(
        &self,
        db: &impl ConnectionTrait,
        editor: &str,
        latest: &script_version::Model,
        files: &ScriptFiles,
        why: Why<'_>,
    ) -> CatalogResult<script_version::Model> {
        let commit = self.commit_files(editor, latest, files, &why).await?;
        insert_next_minor(db, editor, latest, commit, &files.content, &why).await
    }

    async fn commit_files(
        &self,
        editor: &str,
        latest: &script_version::Model,
        files: &ScriptFiles,
        why: &Why<'_>,
    ) -> CatalogResult<String> {
        let commit_message = match why.message {
            Some(body) => format!("{}\n\n{body}", why.subject),
            None => why.subject.clone(),
        };
        let author = Author::editor(editor);
        Ok(self.git.commit_script(editor, &author, latest.script_id, files, &commit_message).await?)
    }

    /// A new minor version whose code and test data are those of `version_id` (an older
    /// version of the same script); identical to the latest, it makes none.
    pub async fn restore(
        &self,
        editor: &str,
        script_id: i64,
        version_id: i64,
    ) -> CatalogResult<(script::Model, SaveOutcome)> {
        let _lock = self.locks.script(script_id).await;
        let txn = self.db.begin().await?;
        let script = claim_script(&txn, script_id, None).await?;
        let source = version_of(&txn, script_id, version_id).await?;
        let latest = latest_version(&txn, script_id).await?;
        let (wanted, current) = (self.read_files(&source).await?, self.read_files(&latest).await?);
        if wanted == current {
            return Ok((script, SaveOutcome::Unchanged(latest)));
        }
        let why = format!("restore v{}", version_label(source.major, source.minor));
        let restored = Why {
            subject: why.clone(),
            message: Some(&why),
            dependency_error: source.dependency_error.as_deref(),
        };
        let version = self.commit_next_minor(&txn, editor, &latest, &wanted, restored).await?;
        txn.commit().await?;
        let event = AuditEvent::new("restore", editor).script(script_id, Some(version.id)).detail(why);
        self.audit(event).await;
        Ok((script, SaveOutcome::Saved(version)))
    }

    /// What changed from `from` (default: prod's version) to `to` (default: the latest).
    pub async fn diff(
        &self,
        script_id: i64,
        from: Option<i64>,
        to: Option<i64>,
    ) -> CatalogResult<VersionDiff> {
        let script = live_script(&self.db, script_id).await?;
        let to = match to {
            Some(id) => version_of(&self.db, script_id, id).await?,
            None => latest_version(&self.db, script_id).await?,
        };
        let from_id = from.or(script.prod_version_id).ok_or(CatalogError::NotOnProd(script_id))?;
        let from = version_of(&self.db, script_id, from_id).await?;
        let (old, new) = (self.read_files(&from).await?, self.read_files(&to).await?);
        // Two 1 MiB texts can take a while to compare: not on the async threads.
        let unified_diff = tokio::task::spawn_blocking(move || super::diff::unified(script_id, &old, &new))
            .await
            .map_err(|err| CatalogError::Inconsistent(format!("the diff did not finish: {err}")))?;
        Ok(VersionDiff { from, to, unified_diff })
    }

    /// `(major+1).0` pointing at the latest version's commit.
    pub async fn bump_major(
        &self,
        editor: &str,
        script_id: i64,
    ) -> CatalogResult<(script::Model, script_version::Model)> {
        let _lock = self.locks.script(script_id).await;
        let txn = self.db.begin().await?;
        let script = claim_script(&txn, script_id, None).await?;
        let latest = latest_version(&txn, script_id).await?;
        let content = self.read_files(&latest).await?.content;
        let new = NewVersion {
            script_id,
            major: latest.major + 1,
            minor: 0,
            commit: latest.git_commit_hash.clone(),
            committer: editor,
            content: &content,
            parent: None,
            message: None,
            dependency_error: latest.dependency_error.as_deref(),
        };
        let version = insert_version(&txn, new).await?;
        txn.commit().await?;
        self.audit(AuditEvent::new("bump_major", editor).script(script_id, Some(version.id))).await;
        Ok((script, version))
    }

    /// Puts the latest version on prod; what is already there is a no-op. Returns the
    /// version and prod's commit.
    pub async fn merge_to_prod(
        &self,
        editor: &str,
        script_id: i64,
    ) -> CatalogResult<(script_version::Model, String)> {
        let _lock = self.locks.script(script_id).await;
        let script = live_script(&self.db, script_id).await?;
        let latest = latest_version(&self.db, script_id).await?;
        let prod_commit = if script.prod_version_id == Some(latest.id) {
            self.git.branch_tip(PROD_BRANCH).await?.unwrap_or_default()
        } else {
            let message =
                format!("merge script {script_id} v{} to prod", version_label(latest.major, latest.minor));
            let prod_commit = self
                .git
                .merge_to_prod(&Author::editor(editor), script_id, &latest.git_commit_hash, &message)
                .await?;
            let mut row: script::ActiveModel = script.into();
            row.prod_version_id = Set(Some(latest.id));
            row.update(&self.db).await?;
            prod_commit
        };
        let event =
            AuditEvent::new("merge", editor).script(script_id, Some(latest.id)).detail(prod_commit.clone());
        self.audit(event).await;
        Ok((latest, prod_commit))
    }

    /// Soft delete: the row stays, the files leave prod, history keeps everything.
    pub async fn delete(&self, editor: &str, script_id: i64) -> CatalogResult<()> {
        let _lock = self.locks.script(script_id).await;
        let script = live_script(&self.db, script_id).await?;
        let message = format!("delete script {script_id}");
        self.git.remove_script(PROD_BRANCH, &Author::editor(editor), script_id, &message).await?;
        let mut row: script::ActiveModel = script.into();
        row.is_deleted = Set(true);
        row.prod_version_id = Set(None);
        row.update(&self.db).await?;
        self.audit(AuditEvent::new("delete", editor).script(script_id, None)).await;
        Ok(())
    }

    async fn audit(&self, event: AuditEvent) {
        audit::record(&self.db, event).await;
    }

    /// Startup check of SPEC §5: a version row whose commit is missing means lost work.
    pub async fn verify_commits(&self) -> anyhow::Result<usize> {
        let hashes: Vec<String> = script_version::Entity::find()
            .select_only()
            .column(script_version::Column::GitCommitHash)
            .distinct()
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut missing = 0;
        for hash in &hashes {
            if !self.git.commit_exists(hash).await? {
                missing += 1;
                tracing::error!(commit = %hash, "a script version points at a commit missing from the scripts repository");
            }
        }
        Ok(missing)
    }
}
