//! The key that signs the audit chains' digests. Its public half is written into every
//! statement and shown on the audit page, so a firm can pin it; the private half stays with
//! the nodes: `HOPPER_AUDIT_SIGNING_KEY` (which several nodes share), or else
//! `<data dir>/audit-signing.key`, made once with mode 0600. The database never holds it,
//! which is the point: whoever rewrites the audit rows cannot sign new digests.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::Context;
use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use rand::RngCore;

use crate::config::Secret;

/// The key's file in the data dir when no key is configured.
pub const KEY_FILE: &str = "audit-signing.key";

pub struct AuditSigner {
    key: SigningKey,
}

impl std::fmt::Debug for AuditSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AuditSigner(public {})", self.public_key_hex())
    }
}

impl AuditSigner {
    /// The configured key, or the data dir's (made now if there is none).
    pub fn load(configured: Option<&Secret>, data_dir: &Path) -> anyhow::Result<Self> {
        let seed = match configured {
            Some(secret) => key_bytes(secret.expose()).context(
                "HOPPER_AUDIT_SIGNING_KEY must be 32 bytes written as 64 hex digits or base64",
            )?,
            None => load_or_create(&data_dir.join(KEY_FILE))?,
        };
        Ok(Self {
            key: SigningKey::from_bytes(&seed),
        })
    }

    /// The configured key or the data dir's, without making one (for verifying).
    pub fn existing(configured: Option<&Secret>, data_dir: &Path) -> anyhow::Result<Option<Self>> {
        if configured.is_none() && !data_dir.join(KEY_FILE).exists() {
            return Ok(None);
        }
        Self::load(configured, data_dir).map(Some)
    }

    pub fn sign(&self, message: &[u8]) -> Signature {
        self.key.sign(message)
    }

    pub fn public_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    pub fn public_key_hex(&self) -> String {
        hex::encode(self.public_key().to_bytes())
    }
}

/// 32 bytes written as 64 hex digits or as base64.
pub fn key_bytes(text: &str) -> Option<[u8; 32]> {
    let text = text.trim();
    let bytes = if text.len() == 64 {
        hex::decode(text).ok()?
    } else {
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .ok()?
    };
    bytes.try_into().ok()
}

/// A public key as `hopper audit verify --public-key` takes it (64 hex digits).
pub fn public_key(text: &str) -> Option<VerifyingKey> {
    VerifyingKey::from_bytes(&key_bytes(text)?).ok()
}

fn load_or_create(path: &Path) -> anyhow::Result<[u8; 32]> {
    match std::fs::read_to_string(path) {
        Ok(text) => key_bytes(&text)
            .with_context(|| format!("{} does not hold a signing key", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(path.to_path_buf()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Made with O_EXCL: when two processes start at once, the second reads the first's key
/// instead of replacing it (their digests would otherwise carry different keys).
fn create(path: PathBuf) -> anyhow::Result<[u8; 32]> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        if !parent.is_dir() {
            crate::config::create_private_dir(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
    }
    let mut seed = [0u8; 32];
    rand::rng().fill_bytes(&mut seed);
    let opened = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path);
    match opened {
        Ok(mut file) => {
            file.write_all(format!("{}\n", hex::encode(seed)).as_bytes())
                .and_then(|()| file.sync_all())
                .with_context(|| format!("cannot write {}", path.display()))?;
            tracing::info!(path = %path.display(), "made a new audit signing key");
            Ok(seed)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => load_or_create(&path),
        Err(e) => Err(e).with_context(|| format!("cannot write {}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_read_as_hex_or_base64() {
        let seed = [7u8; 32];
        assert_eq!(key_bytes(&hex::encode(seed)), Some(seed));
        let b64 = base64::engine::general_purpose::STANDARD.encode(seed);
        assert_eq!(key_bytes(&b64), Some(seed));
        assert_eq!(key_bytes("too short"), None);
        assert_eq!(key_bytes(&hex::encode([1u8; 31])), None);
    }

    #[test]
    fn a_made_key_is_read_back_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let first = AuditSigner::load(None, dir.path()).unwrap();
        let again = AuditSigner::load(None, dir.path()).unwrap();
        assert_eq!(first.public_key_hex(), again.public_key_hex());
        let mode = std::fs::metadata(dir.path().join(KEY_FILE)).unwrap();
        assert_eq!(
            std::os::unix::fs::PermissionsExt::mode(&mode.permissions()) & 0o777,
            0o600
        );
    }
}
