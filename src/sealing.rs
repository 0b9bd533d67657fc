//! Secrets at rest (API.md "Secrets at rest"): links that must be kept to be shown again or
//! delivered later, and stored idempotent answers, are sealed with AES-256-GCM under `DATA_KEY`.

use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::config::{ConfigError, DataKeySource};

/// Marks a sealed value: `sealed:v1:` + base64(nonce || ciphertext).
pub const PREFIX: &str = "sealed:v1:";
/// The development key, made once when neither `DATA_KEY` nor `DATA_KEY_FILE` is set.
pub const DEV_KEY_FILE: &str = "data-key";
const NONCE_LEN: usize = 12;

#[derive(Clone)]
pub struct DataKey(Aes256Gcm);

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(..)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a sealed value could not be opened: {0}")]
pub struct SealError(&'static str);

impl DataKey {
    /// 32 bytes, base64.
    pub fn from_base64(raw: &str) -> Result<DataKey, String> {
        let bytes = STANDARD
            .decode(raw.trim())
            .map_err(|_| "must be base64".to_owned())?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| "must be 32 bytes (base64)".to_owned())?;
        Ok(DataKey(Aes256Gcm::new(&Key::<Aes256Gcm>::from(bytes))))
    }

    /// `DATA_KEY`, else `DATA_KEY_FILE`, else the development key under `data_dir`.
    pub fn load(source: &DataKeySource, data_dir: &Path) -> Result<DataKey, ConfigError> {
        if let Some(raw) = &source.key {
            return DataKey::from_base64(raw).map_err(|e| ConfigError::new("DATA_KEY", e));
        }
        if let Some(path) = &source.file {
            let raw = std::fs::read_to_string(path).map_err(|e| {
                ConfigError::new("DATA_KEY_FILE", format!("{}: {e}", path.display()))
            })?;
            return DataKey::from_base64(&raw).map_err(|e| ConfigError::new("DATA_KEY_FILE", e));
        }
        dev_key(data_dir)
    }

    pub fn seal(&self, plain: &str) -> String {
        let nonce: [u8; NONCE_LEN] = rand::random();
        // AES-GCM encryption fails only for inputs of more than 64 GiB.
        let sealed = self
            .0
            .encrypt(&Nonce::from(nonce), plain.as_bytes())
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!("{PREFIX}{}", STANDARD.encode(out))
    }

    /// Opens a sealed value. Text written before sealing existed (no prefix) comes back as is;
    /// start-up seals such rows (`store::sealing`).
    pub fn open(&self, stored: &str) -> Result<String, SealError> {
        let Some(encoded) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_owned());
        };
        let bytes = STANDARD
            .decode(encoded)
            .map_err(|_| SealError("not base64"))?;
        if bytes.len() < NONCE_LEN {
            return Err(SealError("too short"));
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| SealError("too short"))?;
        let plain = self
            .0
            .decrypt(&Nonce::from(nonce), ciphertext)
            .map_err(|_| SealError("wrong DATA_KEY or damaged value"))?;
        String::from_utf8(plain).map_err(|_| SealError("not UTF-8"))
    }
}

pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}

fn dev_key(data_dir: &Path) -> Result<DataKey, ConfigError> {
    let path = data_dir.join(DEV_KEY_FILE);
    if let Ok(existing) = std::fs::read_to_string(&path) {
        return DataKey::from_base64(&existing).map_err(|e| {
            ConfigError::new("DATA_KEY", format!("not set, and {}: {e}", path.display()))
        });
    }
    let fail = |e: std::io::Error| {
        ConfigError::new("DATA_KEY", format!("not set, and {}: {e}", path.display()))
    };
    std::fs::create_dir_all(data_dir).map_err(fail)?;
    let bytes: [u8; 32] = rand::random();
    let encoded = STANDARD.encode(bytes);
    crate::config::write_private(&path, &encoded).map_err(fail)?;
    tracing::warn!(path = %path.display(), "no DATA_KEY configured: created a development key; set DATA_KEY or DATA_KEY_FILE in production");
    DataKey::from_base64(&encoded).map_err(|e| ConfigError::new("DATA_KEY", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> DataKey {
        DataKey::from_base64(&STANDARD.encode([7u8; 32])).unwrap()
    }

    #[test]
    fn sealed_values_open_with_their_key_only() {
        let k = key();
        let sealed = k.seal("https://x/v1/customer-invitations/1?token=secret");
        assert!(is_sealed(&sealed));
        assert!(!sealed.contains("secret"));
        assert_ne!(
            sealed,
            k.seal("https://x/v1/customer-invitations/1?token=secret")
        );
        assert_eq!(
            k.open(&sealed).unwrap(),
            "https://x/v1/customer-invitations/1?token=secret"
        );
        let other = DataKey::from_base64(&STANDARD.encode([8u8; 32])).unwrap();
        assert!(other.open(&sealed).is_err());
        assert_eq!(k.open("clear text").unwrap(), "clear text");
        assert!(k.open("sealed:v1:AAAA").is_err());
    }

    #[test]
    fn keys_must_be_32_bytes_of_base64() {
        assert!(DataKey::from_base64("not base64!").is_err());
        assert!(DataKey::from_base64(&STANDARD.encode([1u8; 16])).is_err());
        assert!(DataKey::from_base64(&STANDARD.encode([1u8; 32])).is_ok());
    }
}
