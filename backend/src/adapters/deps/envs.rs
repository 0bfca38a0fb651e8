//! Environments on disk: `<envs>/<lock hash>/`, installed into a temporary sibling
//! (`.tmp-<hash>-*`) and renamed into place when complete, so a directory under its final
//! name is always whole. In one process one installation per hash runs at a time and the
//! others wait for it; across processes the rename decides and the loser's copy is dropped.

use std::collections::{HashMap, HashSet};
use std::fs::Permissions;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use super::{uv, DepsConfig, DepsError, Lock, MIB};

const TEMP_PREFIX: &str = ".tmp-";
/// Inside an environment: the lock it was installed from.
const LOCK_NAME: &str = "ved.lock";
/// A temporary directory older than this is an installation that died with its process.
const ABANDONED_AFTER: Duration = Duration::from_secs(3600);

/// One lock per hash being installed.
#[derive(Clone, Default)]
pub(super) struct Installs {
    running: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

/// What `collect_garbage` removed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Collected {
    pub removed: Vec<String>,
    pub kept: usize,
    pub freed_bytes: u64,
}

impl Installs {
    pub(super) async fn install(&self, config: &DepsConfig, lock: &Lock) -> Result<String, DepsError> {
        let hash = lock.hash();
        let target = config.envs_dir.join(&hash);
        if target.is_dir() {
            return Ok(hash);
        }
        let gate = {
            let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(running.entry(hash.clone()).or_default())
        };
        let installed = {
            let _turn = gate.lock().await;
            // Whoever held the gate before us may have installed it.
            if target.is_dir() {
                Ok(())
            } else {
                install_fresh(config, lock, &target).await
            }
        };
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        if Arc::strong_count(&gate) == 2 {
            running.remove(&hash);
        }
        installed.map(|()| hash)
    }
}

async fn install_fresh(config: &DepsConfig, lock: &Lock, target: &Path) -> Result<(), DepsError> {
    let envs = std::path::absolute(&config.envs_dir)?;
    std::fs::create_dir_all(&envs)?;
    let prefix = format!("{TEMP_PREFIX}{}-", lock.hash());
    let temp = tempfile::Builder::new().prefix(&prefix).tempdir_in(&envs)?;
    let lock_file = temp.path().join(LOCK_NAME);
    std::fs::write(&lock_file, lock.text())?;
    let python = lock.python_version().ok_or_else(|| {
        DepsError::Install("the lock does not say which Python it was resolved for".to_owned())
    })?;
    let platform = lock.platform().unwrap_or(&config.platform);
    uv::install(config, &lock_file, temp.path(), python, platform).await?;
    let dir = temp.path().to_owned();
    let bytes =
        tokio::task::spawn_blocking(move || open_to_all(&dir)).await.map_err(std::io::Error::other)??;
    if bytes > config.max_bytes {
        return Err(DepsError::TooLarge { mb: bytes.div_ceil(MIB), limit_mb: config.max_bytes / MIB });
    }
    let temp = temp.keep();
    match std::fs::rename(&temp, target) {
        Ok(()) => {
            tracing::info!(environment = %lock.hash(), bytes, "installed a package environment");
            Ok(())
        }
        // Another process renamed its copy first: the same lock, so the same files.
        Err(_) if target.is_dir() => {
            let _ = std::fs::remove_dir_all(&temp);
            Ok(())
        }
        Err(err) => {
            let _ = std::fs::remove_dir_all(&temp);
            Err(err.into())
        }
    }
}

/// Makes every file readable (directories listable) by the sandbox's user, whatever the
/// server's umask, and returns the total size in bytes. Symbolic links are not followed.
fn open_to_all(dir: &Path) -> std::io::Result<u64> {
    let mut total = 0;
    let mut pending = vec![dir.to_owned()];
    while let Some(dir) = pending.pop() {
        std::fs::set_permissions(&dir, Permissions::from_mode(0o755))?;
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_dir() {
                pending.push(entry.path());
            } else if kind.is_file() {
                let meta = entry.metadata()?;
                total += meta.len();
                let executable = meta.permissions().mode() & 0o111 != 0;
                std::fs::set_permissions(
                    entry.path(),
                    Permissions::from_mode(if executable { 0o755 } else { 0o644 }),
                )?;
            }
        }
    }
    Ok(total)
}

fn size_of(dir: &Path) -> u64 {
    let mut total = 0;
    let mut pending = vec![dir.to_owned()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            match entry.file_type() {
                Ok(kind) if kind.is_dir() => pending.push(entry.path()),
                Ok(kind) if kind.is_file() => total += entry.metadata().map_or(0, |m| m.len()),
                _ => {}
            }
        }
    }
    total
}

pub(super) fn collect_garbage(envs: &Path, wanted: &HashSet<String>) -> std::io::Result<Collected> {
    let mut collected = Collected::default();
    let entries = match std::fs::read_dir(envs) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(collected),
        Err(err) => return Err(err),
    };
    let now = SystemTime::now();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !entry.file_type()?.is_dir() {
            continue;
        }
        let ours = is_hash(&name);
        let abandoned = name.starts_with(TEMP_PREFIX)
            && entry
                .metadata()?
                .modified()
                .is_ok_and(|at| now.duration_since(at).unwrap_or_default() > ABANDONED_AFTER);
        if (ours && !wanted.contains(&name)) || abandoned {
            let path: PathBuf = entry.path();
            collected.freed_bytes += size_of(&path);
            std::fs::remove_dir_all(&path)?;
            collected.removed.push(name);
        } else if ours {
            collected.kept += 1;
        }
    }
    collected.removed.sort();
    Ok(collected)
}

fn is_hash(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_what_no_one_wants_and_nothing_else() {
        let envs = tempfile::tempdir().unwrap();
        let (kept, dropped) = ("a".repeat(64), "b".repeat(64));
        for name in [&kept, &dropped, &".tmp-fresh".to_owned(), &"not-ours".to_owned()] {
            std::fs::create_dir(envs.path().join(name)).unwrap();
        }
        std::fs::write(envs.path().join(&dropped).join("x.py"), "12345").unwrap();
        let collected = collect_garbage(envs.path(), &HashSet::from([kept.clone()])).unwrap();
        assert_eq!(collected, Collected { removed: vec![dropped.clone()], kept: 1, freed_bytes: 5 });
        assert!(envs.path().join(&kept).is_dir());
        assert!(envs.path().join(".tmp-fresh").is_dir(), "an installation under way stays");
        assert!(envs.path().join("not-ours").is_dir());
        assert!(!envs.path().join(&dropped).exists());
    }
}
