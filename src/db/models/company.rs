use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::ids::CompanyId;
use crate::schema::companies;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
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

impl Company {
    pub fn find_by_code(conn: &mut PgConnection, code: &str) -> QueryResult<Option<Company>> {
        companies::table
            .filter(companies::company_code.eq(code))
            .select(Company::as_select())
            .first(conn)
            .optional()
    }
}
