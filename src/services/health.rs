//! Whether this node can serve: the database and S3 both answer.

use diesel::RunQueryDsl;

use crate::db::roles::{self, RoleReport};
use crate::error::AppError;
use crate::services::scanning::{self, ScannerState};
use crate::services::ServiceContext;

pub struct Readiness {
    pub database: bool,
    pub storage: bool,
    /// The role requests run as; `None` when the database did not answer.
    pub role: Option<RoleReport>,
    /// The virus scanner (files wait in `scanning` while it does not answer).
    pub scanner: ScannerState,
}

impl Readiness {
    /// The virus scanner does not count: without it new files wait in `scanning` and are
    /// scanned once it answers, so a node without it still serves (and a load balancer
    /// must not take every node out when the one clamd they share is away).
    pub fn is_ready(&self) -> bool {
        self.database && self.storage
    }
}

pub async fn readiness(ctx: &ServiceContext) -> Readiness {
    let database = ctx
        .run_unscoped(|conn| {
            diesel::sql_query("SELECT 1").execute(conn)?;
            roles::connected_role(conn).map_err(AppError::Unexpected)
        })
        .await;
    if let Err(e) = &database {
        tracing::warn!(error = %e, "the database is not ready");
    }
    let storage = ctx.storage().check_ready().await;
    if let Err(e) = &storage {
        tracing::warn!(error = %e, "S3 is not ready");
    }
    let scanner = scanning::scanner_state(ctx).await;
    if let ScannerState::Unreachable(why) = &scanner {
        tracing::warn!(error = %why, "the virus scanner is not ready");
    }
    Readiness {
        scanner,
        database: database.is_ok(),
        storage: storage.is_ok(),
        role: database.ok(),
    }
}
