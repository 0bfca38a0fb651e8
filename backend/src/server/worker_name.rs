//! The default worker name, unique on its host: the first process to start takes the
//! host's name, the next `host-2`, then `host-3`... Each holds an advisory lock on a file
//! named after its name for as long as it lives; the kernel releases it however the
//! process ends. So a name is free exactly when no live process on this host uses it, and
//! a restarted process gets the name its predecessor had (the lowest free one) and with it
//! that process's leftovers: its unfinished runs to mark, its containers to remove.
use std::{
    fs::{File, OpenOptions, TryLockError},
    io,
    path::{Path, PathBuf},
};

/// Held for the life of the process: dropping it frees the name.
#[derive(Debug)]
pub struct NameClaim {
    _lock: File,
}

/// Where the locks live: one place per host and user (the temporary directory).
pub fn locks_dir() -> PathBuf {
    std::env::temp_dir().join(format!("ved-worker-names-{}", current_uid()))
}

/// The first free name of `host`'s sequence, and the claim that holds it.
pub fn claim(host: &str, locks: &Path) -> io::Result<(String, NameClaim)> {
    std::fs::create_dir_all(locks)?;
    for number in 1u32.. {
        let name = if number == 1 { host.to_owned() } else { format!("{host}-{number}") };
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(locks.join(format!("{name}.lock")))?;
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

    #[test]
    fn processes_on_one_host_get_different_names_and_a_freed_name_is_reused() {
        let locks = tempfile::tempdir().unwrap();
        let (first, first_claim) = claim("box", locks.path()).unwrap();
        let (second, _second_claim) = claim("box", locks.path()).unwrap();
        assert_eq!((first.as_str(), second.as_str()), ("box", "box-2"));
        // The first process ends (however): its successor takes its name, and its leftovers.
        drop(first_claim);
        let (restarted, _restarted_claim) = claim("box", locks.path()).unwrap();
        assert_eq!(restarted, "box");
        let (third, _third_claim) = claim("box", locks.path()).unwrap();
        assert_eq!(third, "box-3");
    }
}
