//! What a script's `# /// script` block means for the catalog (SPEC §15): resolved when
//! it is saved (its lock committed as `N.lock`), shown next to the script, and the
//! environments that versions still want, for `ved deps gc`.
use std::collections::HashSet;

use sea_orm::{DatabaseConnection, EntityTrait, QuerySelect};

use super::{
    catalog::{self, Packages},
    views::{Dependencies, PinnedPackage},
};
use crate::{
    adapters::{
        deps::{self, metadata, Lock},
        git_store::GitStore,
    },
    entities::script_version,
    error::ApiResult,
    AppState,
};

/// The packages a save of `content` commits, and what the saver should be told. A block
/// that cannot be read is refused (422); packages that cannot be resolved are not: the
/// version is saved without a lock, and says why.
pub async fn resolve_for_save(
    state: &AppState,
    content: &str,
    script_id: Option<i64>,
) -> ApiResult<(Packages, Vec<String>)> {
    let wanted = metadata::parse(content).map_err(deps::DepsError::from)?;
    if !wanted.needs_packages() {
        return Ok((Packages::default(), Vec::new()));
    }
    deps::check_requirements(&wanted)?;
    // The same block as the latest version's keeps its lock: packages change when the
    // script's author changes what it asks for, not whenever the index moves.
    if let Some(id) = script_id {
        let latest = catalog::latest_version(&state.db, id).await?;
        let files = state.catalog.read_files(&latest).await?;
        if let (Some(lock), Ok(before)) = (files.lock, metadata::parse(&files.content)) {
            if before == wanted {
                return Ok((Packages { lock: Some(lock), error: None }, Vec::new()));
            }
        }
    }
    let resolved = match state.runner.interpreter().await {
        Ok(interpreter) => state.deps.resolve(&wanted, &interpreter).await.map_err(|err| err.to_string()),
        Err(err) => Err(format!("the runner's Python is unknown ({err})")),
    };
    Ok(match resolved {
        Ok(lock) => (Packages { lock: Some(lock.text().to_owned()), error: None }, Vec::new()),
        Err(error) => {
            let warning = format!(
                "Saved, but its packages could not be resolved, so its runs end with this error until they can \
                 be: {error}"
            );
            (Packages { lock: None, error: Some(error) }, vec![warning])
        }
    })
}

/// What the editor shows next to the script; `None` for a script that asks for nothing.
pub fn describe(content: &str, lock: Option<&str>, error: Option<&str>) -> Option<Dependencies> {
    let packages = lock
        .map(|text| Lock::from_text(text.to_owned()).packages())
        .unwrap_or_default()
        .into_iter()
        .map(|pinned| PinnedPackage { name: pinned.name, version: pinned.version })
        .collect();
    match metadata::parse(content) {
        Ok(wanted) if !wanted.needs_packages() && lock.is_none() => None,
        Ok(wanted) => Some(Dependencies {
            requested: wanted.dependencies,
            requires_python: wanted.requires_python,
            packages,
            error: error.map(str::to_owned),
        }),
        // Saved before blocks were checked: say what is wrong with it.
        Err(err) => Some(Dependencies {
            requested: Vec::new(),
            requires_python: None,
            packages,
            error: Some(deps::DepsError::from(err).to_string()),
        }),
    }
}

/// The hash of every lock a version of any script was saved with: the environments
/// that a run may still ask for.
pub async fn wanted_environments(db: &DatabaseConnection, git: &GitStore) -> anyhow::Result<HashSet<String>> {
    let versions: Vec<(String, i64)> = script_version::Entity::find()
        .select_only()
        .column(script_version::Column::GitCommitHash)
        .column(script_version::Column::ScriptId)
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    let mut wanted = HashSet::new();
    for (commit, script_id) in versions {
        if let Some(lock) = git.read_script_at(&commit, script_id).await?.and_then(|files| files.lock) {
            wanted.insert(Lock::from_text(lock).hash());
        }
    }
    Ok(wanted)
}
