//! One async lock per script: the version arithmetic (read the latest, write the next) must
//! not interleave for one script, while different scripts proceed in parallel.
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

#[derive(Default, Clone)]
pub struct ScriptLocks {
    locks: Arc<Mutex<HashMap<i64, Arc<AsyncMutex<()>>>>>,
    catalog: Arc<AsyncMutex<()>>,
}

impl ScriptLocks {
    pub async fn script(&self, script_id: i64) -> OwnedMutexGuard<()> {
        let lock = {
            let mut locks = self.locks.lock().expect("script locks poisoned");
            // Forget locks nobody holds or waits for, so the map does not grow forever.
            locks.retain(|_, lock| Arc::strong_count(lock) > 1);
            Arc::clone(locks.entry(script_id).or_default())
        };
        lock.lock_owned().await
    }

    /// Held while a new ordering number is chosen, so two creations never pick the same.
    pub async fn catalog(&self) -> OwnedMutexGuard<()> {
        Arc::clone(&self.catalog).lock_owned().await
    }
}
