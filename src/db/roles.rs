//! Two database roles. Migrations run as the owner (the role of `DATABASE_URL`); requests
//! run as an application role that owns nothing and is no superuser, so it cannot disable
//! triggers, detach partitions or truncate: on `audit_log` it may only INSERT and SELECT.
//! The owner creates the role if it is missing and (re)grants exactly what requests need
//! at every migrate and start, so tables of later migrations are covered too.

use anyhow::{bail, Context};
use diesel::sql_types::{Bool, Text};
use diesel::{PgConnection, QueryableByName, RunQueryDsl};

/// The application role's name when the configuration does not say.
pub const DEFAULT_APP_ROLE: &str = "hopper_app";

/// A role name safe to splice into SQL: lower-case letters, digits and `_`.
pub fn checked_name(name: &str) -> anyhow::Result<&str> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !ok {
        bail!("the application role {name:?} must be lower-case letters, digits and _");
    }
    Ok(name)
}

/// Creates the application role unless it exists (several nodes may race: the loser's
/// "already exists" is not an error).
pub fn ensure_app_role(conn: &mut PgConnection, name: &str) -> anyhow::Result<()> {
    let name = checked_name(name)?;
    diesel::sql_query(format!(
        "DO $$ BEGIN
           IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{name}') THEN
             BEGIN
               CREATE ROLE {name} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION;
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
             END;
           END IF;
         END $$"
    ))
    .execute(conn)
    .with_context(|| format!("cannot create the database role {name}"))?;
    Ok(())
}

/// Sets the role's password (the one in the application URL), so an operator configures
/// it in one place. SQL-quoted here: it is the operator's own secret, never a user's input.
pub fn set_app_password(conn: &mut PgConnection, name: &str, password: &str) -> anyhow::Result<()> {
    let name = checked_name(name)?;
    let quoted = format!("'{}'", password.replace('\'', "''"));
    diesel::sql_query(format!("ALTER ROLE {name} PASSWORD {quoted}"))
        .execute(conn)
        .with_context(|| format!("cannot set the password of the database role {name}"))?;
    Ok(())
}

/// Exactly the privileges requests need: data rights on Hopper's tables and sequences,
/// only INSERT and SELECT on `audit_log`, nothing on its partitions (rows reach them
/// through the parent), on the chains' ends (only the insert trigger moves them) or on
/// the migration history; signed digests are only added and read, never changed; the
/// audit rows' salts are read, and changed only through `audit_log_erase` (erasure).
pub fn grant_app_privileges(conn: &mut PgConnection, name: &str) -> anyhow::Result<()> {
    let name = checked_name(name)?;
    diesel::sql_query(format!(
        "DO $$ DECLARE part TEXT; BEGIN
           EXECUTE 'GRANT USAGE ON SCHEMA public TO {name}';
           EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {name}';
           EXECUTE 'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {name}';
           EXECUTE 'REVOKE ALL ON __diesel_schema_migrations FROM {name}';
           EXECUTE 'REVOKE ALL ON audit_verifications FROM {name}';
           EXECUTE 'GRANT SELECT ON audit_verifications TO {name}';
           EXECUTE 'REVOKE ALL ON audit_chain_tails FROM {name}';
           EXECUTE 'REVOKE ALL ON audit_digests FROM {name}';
           EXECUTE 'GRANT SELECT, INSERT ON audit_digests TO {name}';
           EXECUTE 'REVOKE ALL ON audit_log FROM {name}';
           EXECUTE 'GRANT SELECT, INSERT ON audit_log TO {name}';
           EXECUTE 'REVOKE ALL ON audit_salts FROM {name}';
           EXECUTE 'GRANT SELECT ON audit_salts TO {name}';
           EXECUTE 'REVOKE ALL ON audit_v1_erasures FROM {name}';
           EXECUTE 'GRANT SELECT ON audit_v1_erasures TO {name}';
           EXECUTE 'GRANT EXECUTE ON FUNCTION audit_log_erase(BIGINT, TEXT[], TEXT[]) TO {name}';
           FOR part IN SELECT c.relname FROM pg_inherits i
               JOIN pg_class c ON c.oid = i.inhrelid
               JOIN pg_class p ON p.oid = i.inhparent
               WHERE p.relname = 'audit_log' LOOP
             EXECUTE format('REVOKE ALL ON %I FROM {name}', part);
           END LOOP;
           EXECUTE 'GRANT EXECUTE ON FUNCTION audit_log_ensure_partitions(INTEGER) TO {name}';
           EXECUTE 'GRANT EXECUTE ON FUNCTION file_uploads_refresh_statistics() TO {name}';
         END $$"
    ))
    .execute(conn)
    .with_context(|| format!("cannot grant the database role {name} its privileges"))?;
    Ok(())
}

#[derive(QueryableByName)]
struct Standing {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Bool)]
    superuser: bool,
    #[diesel(sql_type = Bool)]
    owns_audit_log: bool,
}

/// Who requests run as, and whether that role could rewrite history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleReport {
    pub name: String,
    pub superuser: bool,
    pub owns_audit_log: bool,
}

impl RoleReport {
    /// Neither a superuser nor the owner of the audit log.
    pub fn is_least_privilege(&self) -> bool {
        !self.superuser && !self.owns_audit_log
    }
}

pub fn connected_role(conn: &mut PgConnection) -> anyhow::Result<RoleReport> {
    let standing: Standing = diesel::sql_query(
        "SELECT current_user::text AS name,
                (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
                coalesce((SELECT tableowner = current_user FROM pg_tables
                          WHERE schemaname = 'public' AND tablename = 'audit_log'), false)
                    AS owns_audit_log",
    )
    .get_result(conn)?;
    Ok(RoleReport {
        name: standing.name,
        superuser: standing.superuser,
        owns_audit_log: standing.owns_audit_log,
    })
}
