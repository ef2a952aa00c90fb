use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::ids::{CompanyId, UserId};
use crate::db::models::company::escape_like;
use crate::db::models::tenant_finder::tenant_finder;
use crate::domain::{ListWindow, Role};
use crate::schema::users;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct User {
    pub id: UserId,
    pub company_id: CompanyId,
    pub username: String,
    pub email: String,
    pub password_hash: String,
    pub full_name: Option<String>,
    pub role: Role,
    pub is_active: bool,
    pub last_login: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub company_id: CompanyId,
    pub username: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub full_name: Option<&'a str>,
    pub role: Role,
}

#[derive(Debug, AsChangeset)]
#[diesel(table_name = users, treat_none_as_null = true)]
pub struct UserChanges<'a> {
    pub email: &'a str,
    pub full_name: Option<&'a str>,
    pub role: Role,
}

impl User {
    /// The company's admins, active ones first, by name.
    pub fn admins_of(conn: &mut PgConnection, company: CompanyId) -> QueryResult<Vec<User>> {
        users::table
            .filter(users::company_id.eq(company))
            .filter(users::role.eq(Role::Admin))
            .order((users::is_active.desc(), users::username.asc()))
            .select(User::as_select())
            .load(conn)
    }
}

impl User {
    pub fn display_name(&self) -> &str {
        self.full_name.as_deref().unwrap_or(&self.username)
    }

    tenant_finder!(
        /// A user of `company`.
        pub fn find_in_company(users, id: UserId)
    );

    /// The company's users whose username, name or email contains `text`.
    pub fn list_in_company(
        conn: &mut PgConnection,
        company: CompanyId,
        window: &ListWindow,
        active: Option<bool>,
    ) -> QueryResult<Vec<User>> {
        let mut query = users::table
            .filter(users::company_id.eq(company))
            .select(User::as_select())
            .into_boxed();
        if let Some(text) = &window.text {
            let pattern = format!("%{}%", escape_like(text));
            query = query.filter(
                users::username
                    .ilike(pattern.clone())
                    .or(users::full_name.ilike(pattern.clone()))
                    .or(users::email.ilike(pattern)),
            );
        }
        if let Some(active) = active {
            query = query.filter(users::is_active.eq(active));
        }
        query
            .order((users::username.asc(), users::id.asc()))
            .offset(window.offset)
            .limit(window.limit)
            .load(conn)
    }

    pub fn update(
        conn: &mut PgConnection,
        id: UserId,
        changes: &UserChanges<'_>,
    ) -> QueryResult<User> {
        diesel::update(users::table.find(id))
            .set(changes)
            .returning(User::as_returning())
            .get_result(conn)
    }

    pub fn set_active(conn: &mut PgConnection, id: UserId, active: bool) -> QueryResult<()> {
        diesel::update(users::table.find(id))
            .set(users::is_active.eq(active))
            .execute(conn)
            .map(|_| ())
    }

    pub fn email_taken(
        conn: &mut PgConnection,
        email: &str,
        except: Option<UserId>,
    ) -> QueryResult<bool> {
        let mut query = users::table
            .filter(users::email.eq(email))
            .select(users::id)
            .into_boxed();
        if let Some(except) = except {
            query = query.filter(users::id.ne(except));
        }
        Ok(query.first::<UserId>(conn).optional()?.is_some())
    }

    pub fn find_by_username(conn: &mut PgConnection, username: &str) -> QueryResult<Option<User>> {
        users::table
            .filter(users::username.eq(username))
            .select(User::as_select())
            .first(conn)
            .optional()
    }

    pub fn find(conn: &mut PgConnection, id: UserId) -> QueryResult<Option<User>> {
        users::table
            .find(id)
            .select(User::as_select())
            .first(conn)
            .optional()
    }

    pub fn insert(conn: &mut PgConnection, new: &NewUser<'_>) -> QueryResult<User> {
        diesel::insert_into(users::table)
            .values(new)
            .returning(User::as_returning())
            .get_result(conn)
    }

    pub fn set_password_hash(conn: &mut PgConnection, id: UserId, hash: &str) -> QueryResult<()> {
        diesel::update(users::table.find(id))
            .set(users::password_hash.eq(hash))
            .execute(conn)
            .map(|_| ())
    }
}
