//! Standard Webhooks signatures (API.md "Webhooks and e-mail delivery"): `v1,` and the base64
//! of HMAC-SHA256 over `{webhook-id}.{webhook-timestamp}.{body}`, keyed with the secret's bytes;
//! several signatures are separated by spaces.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::domain::webhook::Secret;

/// The `webhook-signature` header value: one `v1,` signature per secret, space-separated.
pub fn header(secrets: &[&Secret], id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets
        .iter()
        .filter_map(|s| s.key())
        .map(|key| format!("v1,{}", sign(&key, id, timestamp, body)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn sign(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC takes a key of any length; `new_from_slice` cannot fail for it.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification's reference libraries
    /// (`whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw`, id `msg_p5jXN8AQM9LWM0D4loKWxJek`,
    /// timestamp 1614265330, body `{"test": 2432232314}`).
    #[test]
    fn r35_signs_the_reference_example_of_the_specification() {
        let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let signature = header(
            &[&secret],
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn r35_during_a_rotation_both_secrets_sign() {
        let new = Secret::from_bytes(&[1; 32]);
        let old = Secret::from_bytes(&[2; 32]);
        let both = header(&[&new, &old], "id", 1, b"{}");
        let parts: Vec<&str> = both.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], header(&[&new], "id", 1, b"{}"));
        assert_eq!(parts[1], header(&[&old], "id", 1, b"{}"));
        assert_ne!(parts[0], parts[1]);
    }
}
