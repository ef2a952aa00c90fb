use diesel::prelude::*;

use crate::db::ids::{CompanyId, ProjectId};
use crate::schema::{project_tags, tags};

pub struct Tag;

impl Tag {
    /// The names of a project's tags, alphabetically.
    pub fn names_for_project(
        conn: &mut PgConnection,
        project: ProjectId,
    ) -> QueryResult<Vec<String>> {
        project_tags::table
            .inner_join(tags::table)
            .filter(project_tags::project_id.eq(project))
            .select(tags::tag_name)
            .order(tags::tag_name.asc())
            .load(conn)
    }

    /// Makes the project's tags exactly `names`, creating the company's missing tags.
    pub fn set_for_project(
        conn: &mut PgConnection,
        company: CompanyId,
        project: ProjectId,
        names: &[String],
    ) -> QueryResult<()> {
        let rows: Vec<_> = names
            .iter()
            .map(|n| (tags::company_id.eq(company), tags::tag_name.eq(n)))
            .collect();
        diesel::insert_into(tags::table)
            .values(&rows)
            .on_conflict((tags::company_id, tags::tag_name))
            .do_nothing()
            .execute(conn)?;
        let ids: Vec<i32> = tags::table
            .filter(tags::company_id.eq(company))
            .filter(tags::tag_name.eq_any(names))
            .select(tags::id)
            .load(conn)?;
        diesel::delete(project_tags::table.filter(project_tags::project_id.eq(project)))
            .execute(conn)?;
        let links: Vec<_> = ids
            .iter()
            .map(|id| {
                (
                    project_tags::project_id.eq(project),
                    project_tags::tag_id.eq(id),
                    project_tags::company_id.eq(company),
                )
            })
            .collect();
        diesel::insert_into(project_tags::table)
            .values(&links)
            .execute(conn)
            .map(|_| ())
    }
}
