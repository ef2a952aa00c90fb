//! Database access: the r2d2 pool, migrations, typed ids and the row models.
//!
//! Diesel is synchronous, so every use case runs in one closure on the blocking pool
//! ([`transaction`]); no pooled connection is ever held across an `.await`.

pub mod ids;
pub mod migrations;
pub mod models;

use std::time::Duration;

use anyhow::Context;
use diesel::r2d2::{ConnectionManager, Pool};
use diesel::{Connection, PgConnection};

use crate::error::{AppError, Denial};
use crate::services::audit::{actions, AuditEvent};

pub type PgPool = Pool<ConnectionManager<PgConnection>>;

pub fn build_pool(database_url: &str, max_size: u32) -> anyhow::Result<PgPool> {
    Pool::builder()
        .max_size(max_size)
        .min_idle(Some(1))
        // A request that cannot get a connection soon fails with 503 instead of piling up.
        .connection_timeout(Duration::from_secs(5))
        .build(ConnectionManager::new(database_url))
        .context("cannot connect to PostgreSQL")
}

/// Runs one use case in one transaction on the blocking pool, inside the caller's span.
///
/// A use case that ends in [`AppError::Denied`] is rolled back like any failure; the
/// `access_denied` audit row is then written in a transaction of its own, so it survives
/// the rollback, and the caller sees a plain 404.
pub async fn transaction<T, F>(pool: &PgPool, use_case: F) -> Result<T, AppError>
where
    F: FnOnce(&mut PgConnection) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    let span = tracing::Span::current();
    actix_web::rt::task::spawn_blocking(move || {
        let _entered = span.enter();
        let mut pooled = pool.get()?;
        let conn: &mut PgConnection = &mut pooled;
        match conn.transaction(use_case) {
            Err(AppError::Denied(denial)) => {
                conn.transaction(|conn| record_denial(conn, &denial))?;
                Err(AppError::NotFound)
            }
            other => other,
        }
    })
    .await
    .map_err(|e| AppError::Unexpected(anyhow::anyhow!("database task failed: {e}")))?
}

/// At most `max` characters: text bound for a VARCHAR(n) column (n counts characters), so
/// a long value is shortened rather than refused by the database.
pub fn truncate(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

fn record_denial(conn: &mut PgConnection, denial: &Denial) -> Result<(), AppError> {
    tracing::warn!(
        actor = %denial.actor,
        resource_type = denial.resource_type,
        resource_id = %denial.resource_id,
        "access denied: not in the actor's company"
    );
    AuditEvent::new(actions::ACCESS_DENIED)
        .actor(denial.actor, &denial.actor_username)
        .company(denial.company)
        .resource(denial.resource_type, &denial.resource_id)
        .details(serde_json::json!({ "reason": "not found in the actor's company" }))
        .client(&denial.client)
        .record(conn)?;
    Ok(())
}
