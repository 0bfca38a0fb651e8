//! The default worker name, unique among the processes of one host that use one database:
//! the first to start takes the host's name, the next `host-2`, then `host-3`... Each holds
//! an advisory lock on a file named after the database and its name for as long as it
//! lives; the kernel releases it however the process ends. So a name is free exactly when
//! no live process on this host uses it with this database, and a restarted process gets
//! the name its predecessor had (the lowest free one) and with it that process's
//! leftovers: its unfinished runs to mark, its containers to remove. Processes on other
//! databases do not take names from each other, so their restarts keep their names too.
use std::{
    fs::{File, OpenOptions, TryLockError},
    io,
    path::{Path, PathBuf},
};

use sha2::{Digest, Sha256};

/// Held for the life of the process: dropping it frees the name.
#[derive(Debug)]
pub struct NameClaim {
    _lock: File,
}

/// Where the locks live: one place per host and user (the temporary directory).
pub fn locks_dir() -> PathBuf {
    std::env::temp_dir().join(format!("ved-worker-names-{}", current_uid()))
}

/// The first free name of `host`'s sequence among the processes on `database_url`, and
/// the claim that holds it.
pub fn claim(host: &str, database_url: &str, locks: &Path) -> io::Result<(String, NameClaim)> {
    std::fs::create_dir_all(locks)?;
    // A digest: the URL may hold a password, which has no place in a file name.
    let database: String =
        Sha256::digest(database_url.as_bytes())[..8].iter().map(|byte| format!("{byte:02x}")).collect();
    for number in 1u32.. {
        let name = if number == 1 { host.to_owned() } else { format!("{host}-{number}") };
        let lock = locks.join(format!("{database}-{name}.lock"));
        let file = OpenOptions::new().create(true).truncate(false).write(true).open(lock)?;
        match file.try_lock() {
            Ok(()) => return Ok((name, NameClaim { _lock: file })),
            Err(TryLockError::WouldBlock) => continue,
            Err(TryLockError::Error(err)) => return Err(err),
        }
    }
    unreachable!("more processes than names")
}

fn current_uid() -> u32 {
    use std::os::unix::fs::MetadataExt;
    // The owner of our own process directory is who we run as; no libc call needed.
    std::fs::metadata("/proc/self").map_or(0, |meta| meta.uid())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DATABASE: &str = "postgres://ved:secret@db/ved";

    #[test]
    fn processes_on_one_host_get_different_names_and_a_freed_name_is_reused() {
        let locks = tempfile::tempdir().unwrap();
        let (first, first_claim) = claim("box", DATABASE, locks.path()).unwrap();
        let (second, _second_claim) = claim("box", DATABASE, locks.path()).unwrap();
        assert_eq!((first.as_str(), second.as_str()), ("box", "box-2"));
        // The first process ends (however): its successor takes its name, and its leftovers.
        drop(first_claim);
        let (restarted, _restarted_claim) = claim("box", DATABASE, locks.path()).unwrap();
        assert_eq!(restarted, "box");
        let (third, _third_claim) = claim("box", DATABASE, locks.path()).unwrap();
        assert_eq!(third, "box-3");
    }

    #[test]
    fn another_database_has_names_of_its_own_and_no_password_lands_on_disk() {
        let locks = tempfile::tempdir().unwrap();
        let (_, _claim) = claim("box", DATABASE, locks.path()).unwrap();
        let (other, _other_claim) = claim("box", "sqlite://data/ved.db", locks.path()).unwrap();
        assert_eq!(other, "box");
        for entry in std::fs::read_dir(locks.path()).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            assert!(!name.contains("secret") && name.ends_with("-box.lock"), "{name}");
        }
    }
}
