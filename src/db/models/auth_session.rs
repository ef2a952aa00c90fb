use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::ids::UserId;
use crate::domain::SignInMethod;
use crate::schema::auth_sessions;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = auth_sessions, check_for_backend(diesel::pg::Pg))]
pub struct AuthSession {
    pub id: Uuid,
    pub user_id: UserId,
    pub key_hash: Vec<u8>,
    pub state: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub last_active_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    /// `None`: a pending sign-in, the second factor still owed.
    pub sign_in_method: Option<SignInMethod>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = auth_sessions)]
pub struct NewAuthSession<'a> {
    pub user_id: UserId,
    pub key_hash: &'a [u8],
    pub state: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub last_active_at: DateTime<Utc>,
    pub ip_address: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub sign_in_method: Option<SignInMethod>,
}

impl AuthSession {
    /// A live session: not revoked, within its absolute lifetime and not idle since `idle_since`.
    pub fn find_live(
        conn: &mut PgConnection,
        hash: &[u8],
        now: DateTime<Utc>,
        idle_since: DateTime<Utc>,
    ) -> QueryResult<Option<AuthSession>> {
        auth_sessions::table
            .filter(auth_sessions::key_hash.eq(hash))
            .filter(auth_sessions::revoked_at.is_null())
            .filter(auth_sessions::expires_at.gt(now))
            .filter(auth_sessions::last_active_at.gt(idle_since))
            .select(AuthSession::as_select())
            .first(conn)
            .optional()
    }

    pub fn touch(conn: &mut PgConnection, id: Uuid, now: DateTime<Utc>) -> QueryResult<()> {
        diesel::update(auth_sessions::table.find(id))
            .set(auth_sessions::last_active_at.eq(now))
            .execute(conn)
            .map(|_| ())
    }

    /// Revokes one session of `user`; false when it was not live.
    pub fn revoke(conn: &mut PgConnection, user: UserId, id: Uuid) -> QueryResult<bool> {
        diesel::update(
            auth_sessions::table
                .filter(auth_sessions::id.eq(id))
                .filter(auth_sessions::user_id.eq(user))
                .filter(auth_sessions::revoked_at.is_null()),
        )
        .set(auth_sessions::revoked_at.eq(diesel::dsl::now))
        .execute(conn)
        .map(|n| n > 0)
    }

    /// Revokes every live session of `user` except `keep`; returns how many.
    pub fn revoke_all_for_user(
        conn: &mut PgConnection,
        user: UserId,
        keep: Option<Uuid>,
    ) -> QueryResult<usize> {
        let live = auth_sessions::table
            .filter(auth_sessions::user_id.eq(user))
            .filter(auth_sessions::revoked_at.is_null());
        match keep {
            Some(keep) => diesel::update(live.filter(auth_sessions::id.ne(keep)))
                .set(auth_sessions::revoked_at.eq(diesel::dsl::now))
                .execute(conn),
            None => diesel::update(live)
                .set(auth_sessions::revoked_at.eq(diesel::dsl::now))
                .execute(conn),
        }
    }
}
