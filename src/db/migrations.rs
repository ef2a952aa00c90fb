//! Embedded Diesel migrations, applied under an advisory lock so that several nodes
//! starting at once migrate one at a time.

use anyhow::anyhow;
use diesel::{PgConnection, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

const MIGRATION_LOCK: i64 = 0x484f_5050_4552; // "HOPPER"
/// Monthly audit_log partitions kept ready ahead of time.
pub const AUDIT_PARTITIONS_AHEAD: i32 = 3;

/// Applies pending migrations; returns the versions applied.
pub fn run_pending(conn: &mut PgConnection) -> anyhow::Result<Vec<String>> {
    diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})")).execute(conn)?;
    let applied = conn
        .run_pending_migrations(MIGRATIONS)
        .map(|versions| versions.iter().map(ToString::to_string).collect())
        .map_err(|e| anyhow!("migration failed: {e}"));
    diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})")).execute(conn)?;
    let applied = applied?;
    ensure_audit_partitions(conn)?;
    Ok(applied)
}

/// Creates the audit_log partitions for this month and the next few.
pub fn ensure_audit_partitions(conn: &mut PgConnection) -> anyhow::Result<()> {
    diesel::sql_query(format!(
        "SELECT audit_log_ensure_partitions({AUDIT_PARTITIONS_AHEAD})"
    ))
    .execute(conn)?;
    Ok(())
}

/// Reverts every migration (used by the migrations down/up test).
pub fn revert_all(conn: &mut PgConnection) -> anyhow::Result<()> {
    conn.revert_all_migrations(MIGRATIONS)
        .map(|_| ())
        .map_err(|e| anyhow!("revert failed: {e}"))
}
