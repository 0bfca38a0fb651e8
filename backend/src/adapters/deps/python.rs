//! Just enough of PEP 440 to check `requires-python` against the runner's interpreter:
//! release numbers compared with `==` (and `.*`), `!=`, `<`, `<=`, `>`, `>=`, `~=`.

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Version(Vec<u64>);

impl Version {
    /// `cpython-3.11.2` → 3.11.2.
    pub(super) fn of_interpreter(interpreter: &str) -> Option<Self> {
        let (_, version) = interpreter.rsplit_once('-')?;
        let version = Self::parse(version)?;
        (version.0.len() >= 2).then_some(version)
    }

    fn parse(text: &str) -> Option<Self> {
        let parts: Option<Vec<u64>> = text.trim().split('.').map(|part| part.parse().ok()).collect();
        parts.filter(|parts| !parts.is_empty()).map(Self)
    }

    /// `3.11`: what uv's `--python-version` takes.
    pub(super) fn minor_label(&self) -> String {
        format!("{}.{}", self.0[0], self.0.get(1).copied().unwrap_or(0))
    }

    fn padded(&self, len: usize) -> Vec<u64> {
        let mut parts = self.0.clone();
        parts.resize(len.max(parts.len()), 0);
        parts
    }

    fn cmp_to(&self, other: &Self) -> std::cmp::Ordering {
        let len = self.0.len().max(other.0.len());
        self.padded(len).cmp(&other.padded(len))
    }

    fn starts_with(&self, prefix: &Self) -> bool {
        self.padded(prefix.0.len())[..prefix.0.len()] == prefix.0[..]
    }
}

/// Whether `version` meets every clause of `specifier`; a clause we cannot read is not
/// met, so that a wrong `requires-python` is said rather than ignored.
pub(super) fn satisfies(version: &Version, specifier: &str) -> bool {
    specifier.split(',').map(str::trim).filter(|clause| !clause.is_empty()).all(|clause| {
        let op_end = clause.find(|c: char| c.is_ascii_digit()).unwrap_or(clause.len());
        let (op, wanted) = (clause[..op_end].trim(), clause[op_end..].trim());
        if let Some(prefix) = wanted.strip_suffix(".*") {
            let Some(prefix) = Version::parse(prefix) else { return false };
            return match op {
                "==" => version.starts_with(&prefix),
                "!=" => !version.starts_with(&prefix),
                _ => false,
            };
        }
        let Some(wanted) = Version::parse(wanted) else { return false };
        use std::cmp::Ordering::*;
        let order = version.cmp_to(&wanted);
        match op {
            "==" | "===" => order == Equal,
            "!=" => order != Equal,
            "<" => order == Less,
            "<=" => order != Greater,
            ">" => order == Greater,
            ">=" => order != Less,
            "~=" if wanted.0.len() >= 2 => {
                order != Less && version.starts_with(&Version(wanted.0[..wanted.0.len() - 1].to_vec()))
            }
            _ => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specifiers_are_checked_against_the_interpreter() {
        let v = Version::of_interpreter("cpython-3.11.2").unwrap();
        assert_eq!(v.minor_label(), "3.11");
        for met in [">=3.11", ">=3.8,<4", "==3.11.*", "~=3.10", "!=3.12", "<=3.11.2", ">3.10", "==3.11.2"] {
            assert!(satisfies(&v, met), "{met}");
        }
        for unmet in [">=3.12", "<3.11", "==3.10.*", "~=3.12", "!=3.11.*", "nonsense", ">>3"] {
            assert!(!satisfies(&v, unmet), "{unmet}");
        }
        assert!(Version::of_interpreter("cpython").is_none());
    }
}
