//! `N.lock`: what uv resolved for a script, committed beside it. It is `uv pip compile`'s
//! pinned output (with hashes) under a header saying which Python and platform it was
//! resolved for, so that it installs the same way years later. An environment is keyed
//! by the SHA-256 of the whole text: one lock, one environment.

use sha2::{Digest, Sha256};

const PYTHON_KEY: &str = "# python-version: ";
const PLATFORM_KEY: &str = "# python-platform: ";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lock {
    text: String,
}

/// One pinned package of a lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pinned {
    pub name: String,
    pub version: String,
}

impl Lock {
    /// A lock from uv's output for `python_version` (e.g. `3.11`) and `platform`.
    pub(super) fn new(python_version: &str, platform: &str, compiled: &str) -> Self {
        let text = format!(
            "# Resolved by code.ved with uv from this script's `# /// script` block; do not edit.\n\
             {PYTHON_KEY}{python_version}\n{PLATFORM_KEY}{platform}\n{}",
            compiled.trim_start()
        );
        Self { text }
    }

    /// A lock as committed.
    pub fn from_text(text: String) -> Self {
        Self { text }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// 64 hex digits; also the name of the environment's directory.
    pub fn hash(&self) -> String {
        let digest = Sha256::digest(self.text.as_bytes());
        digest.iter().map(|byte| format!("{byte:02x}")).collect()
    }

    fn header(&self, key: &str) -> Option<&str> {
        self.text.lines().find_map(|line| line.strip_prefix(key)).map(str::trim)
    }

    /// What it was resolved for; `None` for a lock without the header (not ours).
    pub fn python_version(&self) -> Option<&str> {
        self.header(PYTHON_KEY)
    }

    pub fn platform(&self) -> Option<&str> {
        self.header(PLATFORM_KEY)
    }

    /// The `name==version` lines, in the lock's (alphabetical) order.
    pub fn packages(&self) -> Vec<Pinned> {
        self.text
            .lines()
            .filter(|line| !line.starts_with([' ', '#', '-']))
            .filter_map(|line| {
                let pin = line.split([' ', ';']).next()?;
                let (name, version) = pin.split_once("==")?;
                Some(Pinned { name: name.trim().to_owned(), version: version.trim().to_owned() })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMPILED: &str = "tabulate==0.10.0 \\\n    --hash=sha256:aa\n    # via -r -\nwcwidth==0.2.13 ; python_version >= '3.8' \\\n    --hash=sha256:bb\n";

    #[test]
    fn the_header_and_the_pins_are_read_back() {
        let lock = Lock::new("3.11", "x86_64-manylinux_2_28", COMPILED);
        let again = Lock::from_text(lock.text().to_owned());
        assert_eq!(again.python_version(), Some("3.11"));
        assert_eq!(again.platform(), Some("x86_64-manylinux_2_28"));
        let names: Vec<_> =
            again.packages().into_iter().map(|p| format!("{}=={}", p.name, p.version)).collect();
        assert_eq!(names, ["tabulate==0.10.0", "wcwidth==0.2.13"]);
    }

    #[test]
    fn the_hash_follows_the_text() {
        let a = Lock::new("3.11", "x86_64-manylinux_2_28", COMPILED);
        let b = Lock::new("3.12", "x86_64-manylinux_2_28", COMPILED);
        assert_eq!(a.hash().len(), 64);
        assert_eq!(a.hash(), Lock::from_text(a.text().to_owned()).hash());
        assert_ne!(a.hash(), b.hash());
    }
}
