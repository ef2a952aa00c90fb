//! Sign-ins on their way through a company's provider: kept server-side between the
//! redirect to the provider and its answer, taken once.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::ids::CompanyId;
use crate::schema::sso_sign_ins;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sso_sign_ins, check_for_backend(diesel::pg::Pg))]
pub struct SsoSignIn {
    pub state_hash: Vec<u8>,
    pub company_id: CompanyId,
    pub browser_hash: Vec<u8>,
    pub nonce: String,
    pub pkce_verifier: String,
    pub next_path: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl SsoSignIn {
    /// Stores a new one, and drops those that expired before `now`.
    pub fn insert(conn: &mut PgConnection, new: &SsoSignIn, now: DateTime<Utc>) -> QueryResult<()> {
        diesel::delete(sso_sign_ins::table.filter(sso_sign_ins::expires_at.lt(now)))
            .execute(conn)?;
        diesel::insert_into(sso_sign_ins::table)
            .values(new)
            .execute(conn)
            .map(|_| ())
    }

    /// Removes and returns the sign-in with this state: a state is good for one answer.
    pub fn take(conn: &mut PgConnection, state_hash: &[u8]) -> QueryResult<Option<SsoSignIn>> {
        diesel::delete(sso_sign_ins::table.filter(sso_sign_ins::state_hash.eq(state_hash)))
            .returning(SsoSignIn::as_returning())
            .get_result(conn)
            .optional()
    }
}
