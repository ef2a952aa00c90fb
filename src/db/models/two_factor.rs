//! A user's second factors: the confirmed authenticator app (`user_totp`) and the
//! recovery codes (`recovery_codes`, only their SHA-256).

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::ids::{CompanyId, UserId};
use crate::schema::{recovery_codes, user_totp};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = user_totp, check_for_backend(diesel::pg::Pg))]
pub struct UserTotp {
    pub user_id: UserId,
    pub company_id: CompanyId,
    /// Sealed (see `services::sealing`) when `sealed`; the bare secret in rows from before.
    pub secret: Vec<u8>,
    pub last_used_step: i64,
    pub confirmed_at: DateTime<Utc>,
    pub sealed: bool,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = user_totp)]
pub struct NewUserTotp<'a> {
    pub user_id: UserId,
    pub company_id: CompanyId,
    pub secret: &'a [u8],
    pub last_used_step: i64,
    pub confirmed_at: DateTime<Utc>,
    pub sealed: bool,
}

impl UserTotp {
    /// The user's authenticator, its row locked until the transaction ends (so that two
    /// requests with the same code cannot both pass the replay check).
    pub fn find_for_update(conn: &mut PgConnection, user: UserId) -> QueryResult<Option<Self>> {
        user_totp::table
            .find(user)
            .select(UserTotp::as_select())
            .for_update()
            .first(conn)
            .optional()
    }

    pub fn exists(conn: &mut PgConnection, user: UserId) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(user_totp::table.find(user))).get_result(conn)
    }

    /// Which of the company's users have an authenticator app.
    pub fn users_in_company(
        conn: &mut PgConnection,
        company: CompanyId,
    ) -> QueryResult<Vec<UserId>> {
        user_totp::table
            .filter(user_totp::company_id.eq(company))
            .select(user_totp::user_id)
            .load(conn)
    }

    pub fn insert(conn: &mut PgConnection, new: &NewUserTotp<'_>) -> QueryResult<()> {
        diesel::insert_into(user_totp::table)
            .values(new)
            .execute(conn)
            .map(|_| ())
    }

    /// The rows whose secret is still bare, locked to be sealed.
    pub fn unsealed_for_update(conn: &mut PgConnection) -> QueryResult<Vec<UserTotp>> {
        user_totp::table
            .filter(user_totp::sealed.eq(false))
            .select(UserTotp::as_select())
            .for_update()
            .load(conn)
    }

    pub fn set_sealed_secret(
        conn: &mut PgConnection,
        user: UserId,
        sealed: &[u8],
    ) -> QueryResult<()> {
        diesel::update(user_totp::table.find(user))
            .set((user_totp::secret.eq(sealed), user_totp::sealed.eq(true)))
            .execute(conn)
            .map(|_| ())
    }

    pub fn set_last_used_step(conn: &mut PgConnection, user: UserId, step: i64) -> QueryResult<()> {
        diesel::update(user_totp::table.find(user))
            .set(user_totp::last_used_step.eq(step))
            .execute(conn)
            .map(|_| ())
    }

    /// Removes the authenticator and every recovery code; true when there was one.
    pub fn remove_all(conn: &mut PgConnection, user: UserId) -> QueryResult<bool> {
        diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user)))
            .execute(conn)?;
        Ok(diesel::delete(user_totp::table.find(user)).execute(conn)? > 0)
    }
}

pub struct RecoveryCodes;

impl RecoveryCodes {
    /// Replaces the user's recovery codes with these digests.
    pub fn replace(
        conn: &mut PgConnection,
        user: UserId,
        company: CompanyId,
        digests: &[Vec<u8>],
        now: DateTime<Utc>,
    ) -> QueryResult<()> {
        diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user)))
            .execute(conn)?;
        let rows: Vec<_> = digests
            .iter()
            .map(|digest| {
                (
                    recovery_codes::user_id.eq(user),
                    recovery_codes::company_id.eq(company),
                    recovery_codes::code_sha256.eq(digest),
                    recovery_codes::created_at.eq(now),
                )
            })
            .collect();
        diesel::insert_into(recovery_codes::table)
            .values(rows)
            .execute(conn)
            .map(|_| ())
    }

    /// Marks the unused code with this digest used; false when there is none.
    pub fn use_once(
        conn: &mut PgConnection,
        user: UserId,
        digest: &[u8],
        now: DateTime<Utc>,
    ) -> QueryResult<bool> {
        diesel::update(
            recovery_codes::table
                .filter(recovery_codes::user_id.eq(user))
                .filter(recovery_codes::code_sha256.eq(digest))
                .filter(recovery_codes::used_at.is_null()),
        )
        .set(recovery_codes::used_at.eq(now))
        .execute(conn)
        .map(|n| n > 0)
    }

    pub fn unused_count(conn: &mut PgConnection, user: UserId) -> QueryResult<i64> {
        recovery_codes::table
            .filter(recovery_codes::user_id.eq(user))
            .filter(recovery_codes::used_at.is_null())
            .count()
            .get_result(conn)
    }
}
