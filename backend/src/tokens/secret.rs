//! A token's secret: 256 random bits from the operating system, shown to its owner once
//! and stored only as its SHA-256.
//!
//! Why not argon2, as for passwords: a slow hash protects secrets that can be guessed;
//! 2^256 equally likely secrets cannot be, with any hash, so a fast one loses nothing —
//! and it lets a request find its token by an indexed equality on the hash, without an
//! argon2 computation (tens of milliseconds) on every API call.
use std::fmt;

use rand::{rngs::OsRng, TryRngCore};
use sha2::{Digest, Sha256};

/// Tells a code.ved token apart in a config file or a leak scanner's report.
pub const PREFIX: &str = "ved_";
const RANDOM_BYTES: usize = 32;

/// The secret as shown to its owner; its `Debug` prints nothing of it.
pub struct Secret(String);

impl Secret {
    pub fn generate() -> Result<Self, rand::rand_core::OsError> {
        let mut bytes = [0u8; RANDOM_BYTES];
        OsRng.try_fill_bytes(&mut bytes)?;
        let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
        Ok(Self(format!("{PREFIX}{hex}")))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn into_exposed(self) -> String {
        self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// What is stored and looked up: the hex SHA-256 of the whole token.
pub fn fingerprint(presented: &str) -> String {
    Sha256::digest(presented.as_bytes()).iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Whether a presented value can be one of ours at all (saves a database look-up).
pub fn looks_like_a_token(presented: &str) -> bool {
    presented
        .strip_prefix(PREFIX)
        .is_some_and(|hex| hex.len() == RANDOM_BYTES * 2 && hex.bytes().all(|byte| byte.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_has_256_random_bits_and_its_own_shape() {
        let one = Secret::generate().unwrap();
        let two = Secret::generate().unwrap();
        assert_ne!(one.expose(), two.expose());
        assert_eq!(one.expose().len(), PREFIX.len() + 64);
        assert!(looks_like_a_token(one.expose()));
        assert!(!format!("{one:?}").contains(&one.expose()[PREFIX.len()..]));
    }

    #[test]
    fn only_well_formed_values_look_like_tokens() {
        assert!(!looks_like_a_token("ved_"));
        assert!(!looks_like_a_token(&format!("xyz_{}", "a".repeat(64))));
        assert!(!looks_like_a_token(&format!("ved_{}", "g".repeat(64))));
        assert!(!looks_like_a_token(&format!("ved_{}", "a".repeat(63))));
        assert!(looks_like_a_token(&format!("ved_{}", "A1".repeat(32))));
    }

    #[test]
    fn the_fingerprint_is_the_sha256_of_the_whole_token() {
        // echo -n "ved_abc" | sha256sum
        assert_eq!(
            fingerprint("ved_abc"),
            "d353bc5657d39cc297c18b00a40793c7a90fced9d484585230e9a263b1141b51"
        );
        assert_ne!(fingerprint("ved_abc"), fingerprint("ved_abd"));
    }
}
