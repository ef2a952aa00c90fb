use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::ids::CompanyId;
use crate::domain::ListWindow;
use crate::schema::companies;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = companies, check_for_backend(diesel::pg::Pg))]
pub struct Company {
    pub id: CompanyId,
    pub company_name: String,
    pub company_code: String,
    pub contact_email: Option<String>,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = companies)]
pub struct NewCompany<'a> {
    pub company_name: &'a str,
    pub company_code: &'a str,
    pub contact_email: Option<&'a str>,
}

#[derive(Debug, AsChangeset)]
#[diesel(table_name = companies, treat_none_as_null = true)]
pub struct CompanyChanges<'a> {
    pub company_name: &'a str,
    pub company_code: &'a str,
    pub contact_email: Option<&'a str>,
}

impl Company {
    pub fn find_by_code(conn: &mut PgConnection, code: &str) -> QueryResult<Option<Company>> {
        companies::table
            .filter(companies::company_code.eq(code))
            .select(Company::as_select())
            .first(conn)
            .optional()
    }

    pub fn find(conn: &mut PgConnection, id: CompanyId) -> QueryResult<Option<Company>> {
        companies::table
            .find(id)
            .select(Company::as_select())
            .first(conn)
            .optional()
    }

    /// Companies whose name or code contains `text`, by name; `active` filters the state.
    pub fn list(
        conn: &mut PgConnection,
        window: &ListWindow,
        active: Option<bool>,
    ) -> QueryResult<Vec<Company>> {
        let mut query = companies::table.select(Company::as_select()).into_boxed();
        if let Some(text) = &window.text {
            let pattern = format!("%{}%", escape_like(text));
            query = query.filter(
                companies::company_name
                    .ilike(pattern.clone())
                    .or(companies::company_code.ilike(pattern)),
            );
        }
        if let Some(active) = active {
            query = query.filter(companies::is_active.eq(active));
        }
        query
            .order((companies::company_name.asc(), companies::id.asc()))
            .offset(window.offset)
            .limit(window.limit)
            .load(conn)
    }

    pub fn insert(conn: &mut PgConnection, new: &NewCompany<'_>) -> QueryResult<Company> {
        diesel::insert_into(companies::table)
            .values(new)
            .returning(Company::as_returning())
            .get_result(conn)
    }

    pub fn update(
        conn: &mut PgConnection,
        id: CompanyId,
        changes: &CompanyChanges<'_>,
    ) -> QueryResult<Company> {
        diesel::update(companies::table.find(id))
            .set(changes)
            .returning(Company::as_returning())
            .get_result(conn)
    }

    pub fn set_active(conn: &mut PgConnection, id: CompanyId, active: bool) -> QueryResult<()> {
        diesel::update(companies::table.find(id))
            .set(companies::is_active.eq(active))
            .execute(conn)
            .map(|_| ())
    }
}

/// Escapes `%`, `_` and `\` so a filter typed by a user matches literally.
pub fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}
