//! Sealing secrets Hopper must keep readable (AES-256-GCM, a random nonce per seal, the
//! row the secret belongs to as associated data, so a sealed value moved to another row
//! does not open). A key is derived from a master secret and a label (HMAC-SHA256), so
//! each use has its own key: an idempotent answer's from the caller's token; an
//! authenticator's secret and a webhook's signing secret from the installation's secret
//! key (`HOPPER_SECRET_KEY`, or the one generated into the data dir), which every node
//! shares.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::AppError;

const NONCE_LEN: usize = 12;

#[derive(Clone)]
pub struct SealingKey([u8; 32]);

impl SealingKey {
    /// The key for `label` under `master`.
    pub fn derive(master: &[u8], label: &str) -> SealingKey {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(master)
            .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
        mac.update(label.as_bytes());
        SealingKey(mac.finalize().into_bytes().into())
    }

    /// The key for `label` under this one (each use of the installation's key has its own).
    pub fn for_use(&self, label: &str) -> SealingKey {
        SealingKey::derive(&self.0, label)
    }

    /// A random nonce and `secret` sealed under it, bound to `row`.
    pub fn seal(&self, row: &[u8], secret: &[u8]) -> Result<Vec<u8>, AppError> {
        let nonce: [u8; NONCE_LEN] = rand::random();
        let sealed = Aes256Gcm::new(&self.0.into())
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: secret,
                    aad: row,
                },
            )
            .map_err(|_| AppError::Unexpected(anyhow::anyhow!("could not seal a secret")))?;
        Ok([nonce.as_slice(), &sealed].concat())
    }

    /// The secret `sealed` holds, if it was sealed with this key for `row`.
    pub fn open(&self, row: &[u8], sealed: &[u8]) -> Result<Vec<u8>, AppError> {
        let unopened = || {
            AppError::Unexpected(anyhow::anyhow!(
                "a sealed secret did not open (another secret key?)"
            ))
        };
        if sealed.len() < NONCE_LEN {
            return Err(unopened());
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        Aes256Gcm::new(&self.0.into())
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: row,
                },
            )
            .map_err(|_| unopened())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_for_its_row_and_key() {
        let key = SealingKey::derive(b"master", "label");
        let sealed = key.seal(b"row 1", b"secret").expect("seal");
        assert_eq!(key.open(b"row 1", &sealed).expect("open"), b"secret");
        assert!(key.open(b"row 2", &sealed).is_err());
        let other = SealingKey::derive(b"master", "other label");
        assert!(other.open(b"row 1", &sealed).is_err());
        assert_ne!(
            key.seal(b"row 1", b"secret").expect("seal"),
            sealed,
            "fresh nonce"
        );
    }
}
