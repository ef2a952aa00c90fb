//! Database access: the r2d2 pool, migrations, typed ids, the row models and their queries.
//! May import `domain` and `error`; never `services`, `routes`, `web` or the wiring.
//!
//! Diesel is synchronous, so every use case runs in one closure on the blocking pool
//! ([`with_connection`]); no pooled connection is ever held across an `.await`.

pub mod advisory_lock;
pub mod ids;
pub mod kept_prepared;
pub mod migrations;
pub mod models;
pub mod pool;
pub mod roles;
pub mod sql_functions;

use std::time::Duration;

use anyhow::Context;
use diesel::r2d2::Pool;
use diesel::{Connection, PgConnection};

use crate::error::AppError;
pub use pool::PgPool;
use pool::TrustingManager;

pub fn build_pool(database_url: &str, max_size: u32) -> anyhow::Result<PgPool> {
    Pool::builder()
        .max_size(max_size)
        .min_idle(Some(1))
        // A request that cannot get a connection soon gets 503 (Retry-After) instead of
        // piling up behind a locked table or a restarting server.
        .connection_timeout(Duration::from_secs(2))
        .build(TrustingManager::new(database_url))
        .context("cannot connect to PostgreSQL")
}

/// Runs `work` with a pooled connection on the blocking pool, inside the caller's span.
/// The connection is taken inside the closure, so it is never held across an `.await`.
pub async fn with_connection<T, F>(pool: &PgPool, work: F) -> Result<T, AppError>
where
    F: FnOnce(&mut PgConnection) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    let span = tracing::Span::current();
    actix_web::rt::task::spawn_blocking(move || {
        let _entered = span.enter();
        let mut pooled = pool.get()?;
        let result = work(&mut pooled);
        // Only a use that went through vouches for the connection (see `pool`).
        pooled.settle(result.is_ok());
        result
    })
    .await
    .map_err(|e| AppError::Unexpected(anyhow::anyhow!("database task failed: {e}")))?
}

/// Runs `work` in one transaction (see [`with_connection`]).
pub async fn transaction<T, F>(pool: &PgPool, work: F) -> Result<T, AppError>
where
    F: FnOnce(&mut PgConnection) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    with_connection(pool, move |conn| conn.transaction(work)).await
}

/// At most `max` characters: text bound for a VARCHAR(n) column (n counts characters), so
/// a long value is shortened rather than refused by the database.
pub fn truncate(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}
