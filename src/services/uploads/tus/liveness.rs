//! A claim's sign of life. While a request writes an upload, its node renews the claim
//! every few seconds, however long the client takes between parts; a claim not renewed
//! for `WRITER_LAPSE_SECS` is a dead node's (killed, cut off from the database) and any
//! node takes the upload over, so a client resumes on another node within seconds of its
//! node dying. One statement per node and tick, however many uploads it receives.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use uuid::Uuid;

use crate::db::models::tus_upload::TusUpload;
use crate::error::AppError;
use crate::services::ServiceContext;

/// How often a node renews the claims its requests hold: well within the lapse.
pub const RENEW_EVERY: Duration = Duration::from_secs(5);

/// The claims this node's requests hold now: writer → upload.
#[derive(Clone, Default)]
pub struct LiveClaims(Arc<Mutex<HashMap<Uuid, Uuid>>>);

/// A request's claim, renewed while it lives; forgotten when the request drops it.
pub struct LiveClaim {
    claims: LiveClaims,
    writer: Uuid,
}

impl LiveClaims {
    pub(super) fn hold(&self, upload: Uuid, writer: Uuid) -> LiveClaim {
        if let Ok(mut held) = self.0.lock() {
            held.insert(writer, upload);
        }
        LiveClaim {
            claims: self.clone(),
            writer,
        }
    }

    /// `(upload, writer)` of every claim held now.
    fn held(&self) -> Vec<(Uuid, Uuid)> {
        self.0
            .lock()
            .map(|held| held.iter().map(|(w, u)| (*u, *w)).collect())
            .unwrap_or_default()
    }
}

impl Drop for LiveClaim {
    fn drop(&mut self) {
        if let Ok(mut held) = self.claims.0.lock() {
            held.remove(&self.writer);
        }
    }
}

/// Renews the claims of the requests writing on this node now (what the node does every
/// `RENEW_EVERY`); the number of uploads renewed.
pub async fn renew_claims(ctx: &ServiceContext) -> Result<usize, AppError> {
    let held = ctx.live_claims().held();
    if held.is_empty() {
        return Ok(0);
    }
    let now = ctx.clock().now();
    ctx.run_unscoped(move |conn| Ok(TusUpload::renew_claims(conn, &held, now)?))
        .await
}

/// Renews this node's claims every `RENEW_EVERY` while it runs.
pub fn spawn_renewals(ctx: ServiceContext) {
    actix_web::rt::spawn(async move {
        let mut interval = actix_web::rt::time::interval(RENEW_EVERY);
        loop {
            interval.tick().await;
            if let Err(e) = renew_claims(&ctx).await {
                tracing::warn!(error = %e, "could not renew the claims of uploads in progress");
            }
        }
    });
}
