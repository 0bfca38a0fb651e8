//! The rules of SPEC §5: what create, save, fork, bump major, merge and delete do to the
//! database and the git repository. Always the git commit first, then the version row, so
//! that a row never points at a commit that does not exist.
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use super::{
    docstring::{descriptive_name, module_docstring},
    ordering::OrderingNumber,
    views::version_label,
};
use crate::{
    adapters::git_store::{Author, GitStore, ScriptFiles, PROD_BRANCH},
    auth::CurrentUser,
    entities::{script, script_version},
    error::{ApiError, ApiResult},
};

/// SPEC §5: content is UTF-8 text up to 1 MiB.
pub const MAX_CONTENT_BYTES: usize = 1024 * 1024;

pub fn check_size(field: &str, text: &str) -> ApiResult<()> {
    if text.len() > MAX_CONTENT_BYTES {
        return Err(ApiError::PayloadTooLarge(format!(
            "{field} is {} bytes; the limit is {MAX_CONTENT_BYTES} bytes (1 MiB).",
            text.len()
        )));
    }
    Ok(())
}

pub fn not_found(script_id: i64) -> ApiError {
    ApiError::NotFound(format!("Script {script_id} does not exist."))
}

pub async fn live_script(db: &DatabaseConnection, script_id: i64) -> ApiResult<script::Model> {
    script::Entity::find_by_id(script_id)
        .filter(script::Column::IsDeleted.eq(false))
        .one(db)
        .await?
        .ok_or_else(|| not_found(script_id))
}

pub async fn latest_version(db: &DatabaseConnection, script_id: i64) -> ApiResult<script_version::Model> {
    script_version::Entity::find()
        .filter(script_version::Column::ScriptId.eq(script_id))
        .order_by_desc(script_version::Column::Id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("script {script_id} has no version")))
}

pub async fn read_files(git: &GitStore, version: &script_version::Model) -> ApiResult<ScriptFiles> {
    git.read_script_at(&version.git_commit_hash, version.script_id).await?.ok_or_else(|| {
        ApiError::internal(anyhow::anyhow!(
            "commit {} has no file for script {}",
            version.git_commit_hash,
            version.script_id
        ))
    })
}

async fn next_ordering_number(db: &DatabaseConnection) -> ApiResult<OrderingNumber> {
    let largest: Option<Option<i64>> = script::Entity::find()
        .select_only()
        .column_as(script::Column::OrderingHundredths.max(), "largest")
        .filter(script::Column::IsDeleted.eq(false))
        .into_tuple()
        .one(db)
        .await?;
    let existing = largest.flatten().map(OrderingNumber::from_hundredths);
    OrderingNumber::next_after(existing).ok_or_else(|| {
        ApiError::Conflict(format!(
            "No ordering number is left after the largest one ({}); give that script a smaller ordering number first.",
            super::ordering::MAX
        ))
    })
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
}

async fn insert_version(db: &DatabaseConnection, new: NewVersion<'_>) -> ApiResult<script_version::Model> {
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
        ..Default::default()
    };
    Ok(row.insert(db).await?)
}

/// Creates a script at the next integer ordering number with version 0.1 on the editor's
/// branch; `parent` marks a fork.
pub async fn create(
    db: &DatabaseConnection,
    git: &GitStore,
    user: &CurrentUser,
    files: &ScriptFiles,
    parent: Option<&script_version::Model>,
) -> ApiResult<(script::Model, script_version::Model)> {
    check_size("content", &files.content)?;
    check_size("test_data", &files.input)?;
    let row = script::ActiveModel {
        ordering_hundredths: Set(next_ordering_number(db).await?.hundredths()),
        is_deleted: Set(false),
        test_data_path: Set(String::new()),
        prod_version_id: Set(None),
        created_by: Set(user.username.clone()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let mut with_path: script::ActiveModel = row.clone().into();
    with_path.test_data_path = Set(format!("{}.input", row.id));
    let row = with_path.update(db).await?;
    let message = match parent {
        Some(source) => format!(
            "fork script {} v0.1 from script {} v{}",
            row.id,
            source.script_id,
            version_label(source.major, source.minor)
        ),
        None => format!("create script {} v0.1", row.id),
    };
    let committed = git
        .commit_script(
            &user.username,
            &Author::editor(&user.username),
            row.id,
            &files.content,
            &files.input,
            &message,
        )
        .await;
    let commit = match committed {
        Ok(commit) => commit,
        Err(err) => {
            // Without its first commit the script never existed.
            script::Entity::delete_by_id(row.id).exec(db).await?;
            return Err(err.into());
        }
    };
    let version = insert_version(
        db,
        NewVersion {
            script_id: row.id,
            major: 0,
            minor: 1,
            commit,
            committer: &user.username,
            content: &files.content,
            parent,
        },
    )
    .await?;
    Ok((row, version))
}

pub enum SaveOutcome {
    Saved(script_version::Model),
    Unchanged(script_version::Model),
}

/// Saves new content as the next minor version. The caller holds the script's lock.
pub async fn save(
    db: &DatabaseConnection,
    git: &GitStore,
    user: &CurrentUser,
    script_id: i64,
    content: &str,
    test_data: Option<&str>,
    base_version_id: Option<i64>,
) -> ApiResult<SaveOutcome> {
    check_size("content", content)?;
    if let Some(test_data) = test_data {
        check_size("test_data", test_data)?;
    }
    let latest = latest_version(db, script_id).await?;
    if let Some(base) = base_version_id.filter(|base| *base != latest.id) {
        return Err(ApiError::Conflict(format!(
            "Version {base} is not the latest version of script {script_id}: {} (id {}) was \
             saved since by {}. Reload it, or fork your copy, before saving.",
            version_label(latest.major, latest.minor),
            latest.id,
            latest.committer
        )));
    }
    let current = read_files(git, &latest).await?;
    let input = test_data.unwrap_or(&current.input);
    if current.content == content && current.input == input {
        return Ok(SaveOutcome::Unchanged(latest));
    }
    let (major, minor) = (latest.major, latest.minor + 1);
    let message = format!("save script {script_id} v{}", version_label(major, minor));
    let author = Author::editor(&user.username);
    let commit = git.commit_script(&user.username, &author, script_id, content, input, &message).await?;
    let version = insert_version(
        db,
        NewVersion { script_id, major, minor, commit, committer: &user.username, content, parent: None },
    )
    .await?;
    Ok(SaveOutcome::Saved(version))
}

/// `(major+1).0` pointing at the latest version's commit. The caller holds the script's lock.
pub async fn bump_major(
    db: &DatabaseConnection,
    git: &GitStore,
    user: &CurrentUser,
    script_id: i64,
) -> ApiResult<script_version::Model> {
    let latest = latest_version(db, script_id).await?;
    let content = read_files(git, &latest).await?.content;
    insert_version(
        db,
        NewVersion {
            script_id,
            major: latest.major + 1,
            minor: 0,
            commit: latest.git_commit_hash.clone(),
            committer: &user.username,
            content: &content,
            parent: None,
        },
    )
    .await
}

/// Puts the latest version on prod. The caller holds the script's lock.
pub async fn merge_to_prod(
    db: &DatabaseConnection,
    git: &GitStore,
    user: &CurrentUser,
    script: script::Model,
) -> ApiResult<(script_version::Model, String)> {
    let latest = latest_version(db, script.id).await?;
    if script.prod_version_id == Some(latest.id) {
        let tip = git.branch_tip(PROD_BRANCH).await?.unwrap_or_default();
        return Ok((latest, tip));
    }
    let message =
        format!("merge script {} v{} to prod", script.id, version_label(latest.major, latest.minor));
    let prod_commit = git
        .merge_to_prod(&Author::editor(&user.username), script.id, &latest.git_commit_hash, &message)
        .await?;
    let mut row: script::ActiveModel = script.into();
    row.prod_version_id = Set(Some(latest.id));
    row.update(db).await?;
    Ok((latest, prod_commit))
}

/// Soft delete: the row stays, the files leave prod, history keeps everything.
pub async fn delete(
    db: &DatabaseConnection,
    git: &GitStore,
    user: &CurrentUser,
    script: script::Model,
) -> ApiResult<()> {
    let message = format!("delete script {}", script.id);
    git.remove_script(PROD_BRANCH, &Author::editor(&user.username), script.id, &message).await?;
    let mut row: script::ActiveModel = script.into();
    row.is_deleted = Set(true);
    row.prod_version_id = Set(None);
    row.update(db).await?;
    Ok(())
}

pub async fn set_ordering_number(
    db: &DatabaseConnection,
    script: script::Model,
    ordering: OrderingNumber,
) -> ApiResult<script::Model> {
    if script.ordering_hundredths == ordering.hundredths() {
        return Ok(script);
    }
    let mut row: script::ActiveModel = script.into();
    row.ordering_hundredths = Set(ordering.hundredths());
    Ok(row.update(db).await?)
}

/// Startup check of SPEC §5: a version row whose commit is missing means lost work.
pub async fn verify_commits(db: &DatabaseConnection, git: &GitStore) -> anyhow::Result<usize> {
    let hashes: Vec<String> = script_version::Entity::find()
        .select_only()
        .column(script_version::Column::GitCommitHash)
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    let mut missing = 0;
    for hash in &hashes {
        if !git.commit_exists(hash).await? {
            missing += 1;
            tracing::error!(commit = %hash, "a script version points at a commit missing from the scripts repository");
        }
    }
    Ok(missing)
}
