use diesel::prelude::*;

use crate::db::ids::CompanyId;
use crate::domain::LinkPlatform;
use crate::schema::company_links;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = company_links, check_for_backend(diesel::pg::Pg))]
pub struct CompanyLink {
    pub platform: LinkPlatform,
    pub url: String,
}

impl CompanyLink {
    pub fn for_company(
        conn: &mut PgConnection,
        company: CompanyId,
    ) -> QueryResult<Vec<CompanyLink>> {
        company_links::table
            .filter(company_links::company_id.eq(company))
            .select(CompanyLink::as_select())
            .order(company_links::platform.asc())
            .load(conn)
    }

    /// Makes the company's links exactly `links` (one per platform).
    pub fn replace_all(
        conn: &mut PgConnection,
        company: CompanyId,
        links: &[CompanyLink],
    ) -> QueryResult<()> {
        diesel::delete(company_links::table.filter(company_links::company_id.eq(company)))
            .execute(conn)?;
        let rows: Vec<_> = links
            .iter()
            .map(|l| {
                (
                    company_links::company_id.eq(company),
                    company_links::platform.eq(&l.platform),
                    company_links::url.eq(&l.url),
                )
            })
            .collect();
        diesel::insert_into(company_links::table)
            .values(&rows)
            .execute(conn)
            .map(|_| ())
    }
}
