//! The two database roles at start-up: migrations (and the application role's grants) as
//! the owner, requests as the application role, or as the owner with a loud warning.

use anyhow::Context;

use crate::config::{Config, Secret};
use crate::db::{self, PgPool};

/// Connects as the owner, applies pending migrations and, when an application role is
/// configured, creates it if missing and grants exactly its privileges.
pub async fn connect_and_migrate(
    database_url: &str,
    app_database_url: Option<&str>,
    pool_size: u32,
) -> anyhow::Result<PgPool> {
    let url = database_url.to_owned();
    let app_role = app_database_url.map(app_role_of).transpose()?;
    actix_web::rt::task::spawn_blocking(move || {
        let pool = db::build_pool(&url, pool_size)?;
        let mut conn = pool.get().context("cannot connect to PostgreSQL")?;
        db::migrations::one_node_at_a_time(&mut conn, |conn| {
            let applied = db::migrations::run_pending(conn)?;
            if !applied.is_empty() {
                tracing::info!(migrations = ?applied, "database migrated");
            }
            if let Some((role, password)) = app_role {
                db::roles::ensure_app_role(conn, &role)?;
                if let Some(password) = password {
                    db::roles::set_app_password(conn, &role, password.expose())?;
                }
                db::roles::grant_app_privileges(conn, &role)?;
            }
            Ok(())
        })?;
        Ok::<_, anyhow::Error>(pool)
    })
    .await?
}

/// The role (and its password, if given) named by an application URL
/// (`postgres://ROLE[:password]@host/db`; a unix-socket URL has an empty host, which
/// general URL parsers refuse).
fn app_role_of(app_database_url: &str) -> anyhow::Result<(String, Option<Secret>)> {
    let after_scheme = app_database_url
        .split_once("://")
        .map(|(_, rest)| rest)
        .context("HOPPER_APP_DATABASE_URL is not a postgres:// URL")?;
    let user_info = after_scheme
        .split_once('@')
        .map_or("", |(user_info, _)| user_info);
    let (role, password) = match user_info.split_once(':') {
        Some((role, password)) => (role, Some(password)),
        None => (user_info, None),
    };
    let role = match role {
        "" => db::roles::DEFAULT_APP_ROLE.to_owned(),
        name => name.to_owned(),
    };
    db::roles::checked_name(&role)?;
    let password = password
        .filter(|p| !p.is_empty())
        .map(|p| {
            percent_encoding::percent_decode_str(p)
                .decode_utf8()
                .map(|p| Secret::new(p.into_owned()))
                .context("the password in HOPPER_APP_DATABASE_URL is not valid UTF-8")
        })
        .transpose()?;
    Ok((role, password))
}

/// The pool requests use: the application role's, or (with a loud warning) the owner's.
pub(super) async fn request_pool(config: &Config, owner: PgPool) -> anyhow::Result<PgPool> {
    let pool = match &config.app_database_url {
        Some(url) => {
            let (url, size) = (url.expose().to_owned(), config.database_pool_size);
            actix_web::rt::task::spawn_blocking(move || db::build_pool(&url, size)).await??
        }
        None => owner,
    };
    let checked = pool.clone();
    let report = actix_web::rt::task::spawn_blocking(move || {
        let mut conn = checked.get().context("cannot connect to PostgreSQL")?;
        db::roles::connected_role(&mut conn)
    })
    .await??;
    if !report.is_least_privilege() {
        tracing::warn!(
            role = %report.name,
            superuser = report.superuser,
            owns_audit_log = report.owns_audit_log,
            "REQUESTS RUN AS THE DATABASE OWNER OR A SUPERUSER: the audit log can be rewritten \
             through this role. Set HOPPER_APP_DATABASE_URL to a role that owns nothing \
             (hopper migrate creates it); see the README."
        );
    }
    Ok(pool)
}

#[cfg(test)]
mod tests {
    use super::app_role_of;

    #[test]
    fn the_application_role_and_its_password_come_from_its_url() {
        let (role, password) =
            app_role_of("postgres://hopper_app:p%40ss'w@db:5432/hopper").unwrap();
        assert_eq!(role, "hopper_app");
        assert_eq!(password.unwrap().expose(), "p@ss'w");
        let (role, password) = app_role_of("postgres://reader@/hopper?host=/tmp").unwrap();
        assert_eq!((role.as_str(), password.is_none()), ("reader", true));
        let (role, _) = app_role_of("postgres://db/hopper").unwrap();
        assert_eq!(role, "hopper_app");
        assert!(app_role_of("postgres://Robert';DROP@db/x").is_err());
    }
}
