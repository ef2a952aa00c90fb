//! Whether this node can serve: the database and S3 both answer.

use diesel::RunQueryDsl;

use crate::db::roles::{self, RoleReport};
use crate::error::AppError;
use crate::services::ServiceContext;

pub struct Readiness {
    pub database: bool,
    pub storage: bool,
    /// The role requests run as; `None` when the database did not answer.
    pub role: Option<RoleReport>,
}

impl Readiness {
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
    Readiness {
        database: database.is_ok(),
        storage: storage.is_ok(),
        role: database.ok(),
    }
}
