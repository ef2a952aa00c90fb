//! Embedded Diesel migrations, applied under an advisory lock so that several nodes
//! starting at once migrate (and grant the application role its privileges) one at a
//! time.

use anyhow::anyhow;
use diesel::{PgConnection, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

const MIGRATION_LOCK: i64 = 0x484f_5050_4552; // "HOPPER"
/// Monthly audit_log partitions kept ready ahead of time.
pub const AUDIT_PARTITIONS_AHEAD: i32 = 3;

/// Applies pending migrations; returns the versions applied.
pub fn run_pending(conn: &mut PgConnection) -> anyhow::Result<Vec<String>> {
    one_node_at_a_time(conn, |conn| {
        let applied = conn
            .run_pending_migrations(MIGRATIONS)
            .map(|versions| versions.iter().map(ToString::to_string).collect())
            .map_err(|e| anyhow!("migration failed: {e}"))?;
        ensure_audit_partitions(conn)?;
        Ok(applied)
    })
}

/// Runs `f` under the schema's lock (a session's advisory lock, which the same session
/// may take again): nodes starting at once change the schema and its grants one at a
/// time. Two GRANTs on one table at once fail ("tuple concurrently updated").
pub fn one_node_at_a_time<T>(
    conn: &mut PgConnection,
    f: impl FnOnce(&mut PgConnection) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})")).execute(conn)?;
    let result = f(conn);
    diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})")).execute(conn)?;
    result
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
