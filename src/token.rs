//! Personal invitation tokens (R15): 32 random bytes, base64url; only the SHA-256 is stored.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

pub struct IssuedToken {
    /// Goes into the link, once.
    pub token: String,
    /// What the database keeps.
    pub hash: String,
}

pub fn issue() -> IssuedToken {
    let bytes: [u8; 32] = rand::random();
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash(&token);
    IssuedToken { token, hash }
}

pub fn hash(token: &str) -> String {
    Sha256::digest(token.trim().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let a = issue();
        let b = issue();
        assert_eq!(a.token.len(), 43, "32 bytes in base64url without padding");
        assert_ne!(a.token, b.token);
        assert_eq!(a.hash, hash(&a.token));
        assert_eq!(a.hash.len(), 64);
        assert_ne!(a.hash, a.token);
    }
}
