//! Upkeep that runs beside the requests: monthly audit_log partitions made ahead of time,
//! the audit chains' signed digests every hour, the virus scan of waiting files, and
//! the API's expired idempotency keys.

use std::time::Duration;

use crate::db;
use crate::error::AppError;
use crate::services::ServiceContext;

/// Signs the chains' digests at start and every hour (one node at a time; a chain that did
/// not move is not digested again).
pub fn spawn_audit_digests(ctx: ServiceContext) {
    actix_web::rt::spawn(async move {
        let mut interval = actix_web::rt::time::interval(Duration::from_secs(3600));
        loop {
            interval.tick().await;
            match crate::services::audit_digests::digest_all(&ctx).await {
                Ok(made) if !made.is_empty() => {
                    tracing::info!(digests = made.len(), "signed audit chain digests");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "could not sign the audit digests"),
            }
        }
    });
}

/// Scans the files waiting in `scanning` every minute (clamd was away, or the bytes came
/// over several requests), when a scanner is configured.
pub fn spawn_scanner_pass(ctx: ServiceContext) {
    if ctx.scanner().is_none() {
        return;
    }
    actix_web::rt::spawn(async move {
        let mut interval = actix_web::rt::time::interval(Duration::from_secs(60));
        loop {
            interval.tick().await;
            match crate::services::scanning::run_once(&ctx).await {
                Ok(report) if report != Default::default() => {
                    tracing::info!(?report, "scanned files that waited for their scan");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "could not scan the waiting files"),
            }
        }
    });
}

/// Keeps monthly audit_log partitions ready on a server that runs for months.
pub fn spawn_partition_upkeep(ctx: ServiceContext) {
    actix_web::rt::spawn(async move {
        let mut interval = actix_web::rt::time::interval(Duration::from_secs(24 * 3600));
        interval.tick().await;
        loop {
            interval.tick().await;
            let result = ctx
                .run_unscoped(|conn| {
                    db::migrations::ensure_audit_partitions(conn).map_err(AppError::Unexpected)
                })
                .await;
            if let Err(e) = result {
                tracing::warn!(error = %e, "could not create audit_log partitions");
            }
        }
    });
}

/// Deletes the API's idempotency keys kept past their day, every hour.
pub fn spawn_idempotency_prune(ctx: ServiceContext) {
    actix_web::rt::spawn(async move {
        let mut interval = actix_web::rt::time::interval(Duration::from_secs(3600));
        loop {
            interval.tick().await;
            match crate::services::idempotency::prune(&ctx).await {
                Ok(0) => {}
                Ok(pruned) => tracing::info!(pruned, "pruned expired idempotency keys"),
                Err(e) => tracing::warn!(error = %e, "could not prune idempotency keys"),
            }
        }
    });
}
