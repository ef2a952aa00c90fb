//! Argon2id hashing off the async workers, with a cap on hashes running at once:
//! each takes ~19 MiB, so 200 concurrent sign-ins would otherwise take ~3.8 GiB.

use std::sync::Arc;

use anyhow::anyhow;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::Argon2;
use tokio::sync::Semaphore;

use crate::config::Secret;
use crate::error::AppError;

/// Verified when the user does not exist, so an unknown user takes as long as a wrong password.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$b1JsPbLKL5rN0MtNTXTWSQ$NdOxNpDA0SgT0dxoOf0GJAVm9lxloVU+BW0XMlUNTtU";

#[derive(Clone)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
}

impl PasswordHasher {
    pub fn new(max_concurrent: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(max_concurrent.max(1))),
        }
    }

    /// Argon2id with the crate's defaults (m=19456 KiB, t=2, p=1).
    pub async fn hash(&self, password: &Secret) -> Result<String, AppError> {
        let password = password.clone();
        self.run(move || {
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default()
                .hash_password(password.expose().as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| AppError::Unexpected(anyhow!("password hashing failed: {e}")))
        })
        .await
    }

    /// True when `password` matches `stored`; with no stored hash, verifies against a
    /// dummy so that the answer takes the same time.
    pub async fn verify(
        &self,
        password: &Secret,
        stored: Option<String>,
    ) -> Result<bool, AppError> {
        let password = password.clone();
        self.run(move || {
            let known = stored.is_some();
            let hash = stored.unwrap_or_else(|| DUMMY_HASH.to_owned());
            let Ok(parsed) = PasswordHash::new(&hash) else {
                tracing::warn!("stored password hash is not in PHC format");
                return Ok(false);
            };
            let matches = Argon2::default()
                .verify_password(password.expose().as_bytes(), &parsed)
                .is_ok();
            Ok(known && matches)
        })
        .await
    }

    async fn run<T, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce() -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| AppError::Unexpected(anyhow!("hash limiter closed: {e}")))?;
        let span = tracing::Span::current();
        actix_web::rt::task::spawn_blocking(move || {
            let _entered = span.enter();
            work()
        })
        .await
        .map_err(|e| AppError::Unexpected(anyhow!("hashing task failed: {e}")))?
    }
}
