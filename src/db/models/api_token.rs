//! API tokens: personal ones act as their user, machine ones belong to one project and
//! have no user. Only the SHA-256 of a token is stored.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::ids::{ApiTokenId, CompanyId, ProjectId, UserId};
use crate::db::models::tenant_finder::tenant_finder;
use crate::domain::{Role, TokenScope};
use crate::schema::{api_tokens, companies, users};

/// A token as found by its hash, with its company's switch and, for a personal token,
/// its user's name, role, switch and company.
#[derive(Debug)]
pub struct TokenHolding {
    pub token: ApiToken,
    pub company_active: bool,
    pub user: Option<TokenUser>,
}

pub type TokenUser = (String, Role, bool, CompanyId);

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_tokens, check_for_backend(diesel::pg::Pg))]
pub struct ApiToken {
    pub id: ApiTokenId,
    pub company_id: CompanyId,
    /// None: a machine token.
    pub user_id: Option<UserId>,
    pub name: String,
    pub token_prefix: String,
    pub scopes: Vec<Option<String>>,
    pub project_ids: Vec<Option<i32>>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub last_used_ip: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = api_tokens)]
pub struct NewApiToken<'a> {
    pub company_id: CompanyId,
    pub user_id: Option<UserId>,
    pub name: &'a str,
    pub token_hash: &'a [u8],
    pub token_prefix: &'a str,
    pub scopes: Vec<String>,
    pub project_ids: Vec<i32>,
    pub expires_at: DateTime<Utc>,
    pub created_by: Option<UserId>,
}

impl ApiToken {
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at > now
    }

    pub fn scopes(&self) -> Vec<TokenScope> {
        self.scopes
            .iter()
            .flatten()
            .filter_map(|s| TokenScope::parse(s))
            .collect()
    }

    pub fn has_scope(&self, scope: TokenScope) -> bool {
        self.scopes().contains(&scope)
    }

    /// The projects it is limited to (empty: every project its user may reach).
    pub fn projects(&self) -> Vec<ProjectId> {
        self.project_ids
            .iter()
            .flatten()
            .map(|id| ProjectId(*id))
            .collect()
    }

    /// The scopes as a person reads them ("upload, read").
    pub fn scopes_text(&self) -> String {
        self.scopes()
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn insert(conn: &mut PgConnection, new: &NewApiToken<'_>) -> QueryResult<ApiToken> {
        diesel::insert_into(api_tokens::table)
            .values(new)
            .returning(ApiToken::as_returning())
            .get_result(conn)
    }

    /// The token with this hash and what its use stands on, in one statement (a token is
    /// checked on every request a sync sends).
    pub fn find_by_hash(conn: &mut PgConnection, hash: &[u8]) -> QueryResult<Option<TokenHolding>> {
        api_tokens::table
            .inner_join(companies::table)
            .left_join(users::table.on(users::id.nullable().eq(api_tokens::user_id)))
            .filter(api_tokens::token_hash.eq(hash))
            .select((
                ApiToken::as_select(),
                companies::is_active,
                (
                    users::username,
                    users::role,
                    users::is_active,
                    users::company_id,
                )
                    .nullable(),
            ))
            .first::<(ApiToken, bool, Option<TokenUser>)>(conn)
            .map(|(token, company_active, user)| TokenHolding {
                token,
                company_active,
                user,
            })
            .optional()
    }

    tenant_finder!(
        /// A token of `company`, locked.
        pub fn lock_in_company(api_tokens, id: ApiTokenId) for no key update
    );

    /// A user's own tokens, newest first.
    pub fn of_user(
        conn: &mut PgConnection,
        company: CompanyId,
        user: UserId,
    ) -> QueryResult<Vec<ApiToken>> {
        api_tokens::table
            .filter(api_tokens::company_id.eq(company))
            .filter(api_tokens::user_id.eq(user))
            .order(api_tokens::created_at.desc())
            .select(ApiToken::as_select())
            .load(conn)
    }

    /// A project's machine tokens, newest first.
    pub fn machines_of(
        conn: &mut PgConnection,
        company: CompanyId,
        project: ProjectId,
    ) -> QueryResult<Vec<ApiToken>> {
        api_tokens::table
            .filter(api_tokens::company_id.eq(company))
            .filter(api_tokens::user_id.is_null())
            .filter(api_tokens::project_ids.contains(vec![Some(project.0)]))
            .order(api_tokens::created_at.desc())
            .select(ApiToken::as_select())
            .load(conn)
    }

    pub fn revoke(conn: &mut PgConnection, id: ApiTokenId) -> QueryResult<()> {
        diesel::update(api_tokens::table.find(id))
            .set(api_tokens::revoked_at.eq(diesel::dsl::now))
            .execute(conn)
            .map(|_| ())
    }

    /// Revokes every token of `user` not revoked yet; returns them (id, name, prefix).
    pub fn revoke_all_of_user(
        conn: &mut PgConnection,
        user: UserId,
    ) -> QueryResult<Vec<(ApiTokenId, String, String)>> {
        diesel::update(api_tokens::table)
            .filter(api_tokens::user_id.eq(user))
            .filter(api_tokens::revoked_at.is_null())
            .set(api_tokens::revoked_at.eq(diesel::dsl::now))
            .returning((api_tokens::id, api_tokens::name, api_tokens::token_prefix))
            .get_results(conn)
    }

    /// Records a use; at most one write a minute per token (a sync sends many requests).
    pub fn touch(
        conn: &mut PgConnection,
        id: ApiTokenId,
        ip: Option<&str>,
        now: DateTime<Utc>,
    ) -> QueryResult<bool> {
        diesel::update(api_tokens::table.find(id))
            .filter(
                api_tokens::last_used_at
                    .is_null()
                    .or(api_tokens::last_used_at.lt(now - chrono::Duration::minutes(1))),
            )
            .set((
                api_tokens::last_used_at.eq(now),
                api_tokens::last_used_ip.eq(ip),
            ))
            .execute(conn)
            .map(|n| n > 0)
    }
}
