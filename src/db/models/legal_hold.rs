//! Legal holds: on a company (no project), a project (no cycle) or a cycle. An active
//! hold (not lifted) blocks every deletion of what it covers.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::ids::{CompanyId, CycleId, LegalHoldId, ProjectId, UserId};
use crate::db::models::tenant_finder::tenant_finder;
use crate::schema::legal_holds;

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = legal_holds, check_for_backend(diesel::pg::Pg))]
pub struct LegalHold {
    pub id: LegalHoldId,
    pub company_id: CompanyId,
    pub project_id: Option<ProjectId>,
    pub cycle_id: Option<CycleId>,
    pub reason: String,
    pub placed_by: UserId,
    pub placed_by_name: String,
    pub placed_at: DateTime<Utc>,
    pub lifted_by: Option<UserId>,
    pub lifted_by_name: Option<String>,
    pub lifted_at: Option<DateTime<Utc>>,
    pub lift_reason: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = legal_holds)]
pub struct NewLegalHold<'a> {
    pub company_id: CompanyId,
    pub project_id: Option<ProjectId>,
    pub cycle_id: Option<CycleId>,
    pub reason: &'a str,
    pub placed_by: UserId,
    pub placed_by_name: &'a str,
    pub placed_at: DateTime<Utc>,
}

/// What a deletion would touch: everything of a company, of a project, or one cycle's
/// files.
#[derive(Debug, Clone, Copy)]
pub enum Covered {
    Project(ProjectId),
    Cycle(ProjectId, CycleId),
}

impl LegalHold {
    tenant_finder!(
        /// A hold of `company`, active or lifted, locked for its lifting.
        pub fn lock_in_company(legal_holds, id: LegalHoldId) for update
    );

    pub fn insert(conn: &mut PgConnection, new: &NewLegalHold<'_>) -> QueryResult<LegalHold> {
        diesel::insert_into(legal_holds::table)
            .values(new)
            .returning(LegalHold::as_returning())
            .get_result(conn)
    }

    /// The oldest active hold of `company` that covers `what`: a hold on the company, on
    /// the project, or (for a cycle) on that cycle; for a whole project, a hold on any of
    /// its cycles too.
    pub fn active_covering(
        conn: &mut PgConnection,
        company: CompanyId,
        what: Covered,
    ) -> QueryResult<Option<LegalHold>> {
        let query = legal_holds::table
            .filter(legal_holds::company_id.eq(company))
            .filter(legal_holds::lifted_at.is_null())
            .select(LegalHold::as_select())
            .order(legal_holds::id.asc())
            .into_boxed();
        let query = match what {
            Covered::Project(project) => query.filter(
                legal_holds::project_id
                    .is_null()
                    .or(legal_holds::project_id.eq(project)),
            ),
            Covered::Cycle(project, cycle) => query.filter(
                legal_holds::project_id
                    .is_null()
                    .or(legal_holds::project_id.eq(project).and(
                        legal_holds::cycle_id
                            .is_null()
                            .or(legal_holds::cycle_id.eq(cycle)),
                    )),
            ),
        };
        query.first(conn).optional()
    }

    /// The company's active holds, oldest first; with `project`, only those that cover
    /// something of it (the company's, the project's and its cycles').
    pub fn active_in_company(
        conn: &mut PgConnection,
        company: CompanyId,
        project: Option<ProjectId>,
    ) -> QueryResult<Vec<LegalHold>> {
        let mut query = legal_holds::table
            .filter(legal_holds::company_id.eq(company))
            .filter(legal_holds::lifted_at.is_null())
            .select(LegalHold::as_select())
            .order(legal_holds::id.asc())
            .into_boxed();
        if let Some(project) = project {
            query = query.filter(
                legal_holds::project_id
                    .is_null()
                    .or(legal_holds::project_id.eq(project)),
            );
        }
        query.load(conn)
    }

    /// Every active hold, of every company (retention's sweep).
    pub fn all_active(conn: &mut PgConnection) -> QueryResult<Vec<LegalHold>> {
        legal_holds::table
            .filter(legal_holds::lifted_at.is_null())
            .select(LegalHold::as_select())
            .order(legal_holds::id.asc())
            .load(conn)
    }

    /// Lifts an active hold; `None` when it was lifted already.
    pub fn lift(
        conn: &mut PgConnection,
        id: LegalHoldId,
        by: (UserId, &str),
        reason: &str,
        at: DateTime<Utc>,
    ) -> QueryResult<Option<LegalHold>> {
        diesel::update(
            legal_holds::table
                .find(id)
                .filter(legal_holds::lifted_at.is_null()),
        )
        .set((
            legal_holds::lifted_by.eq(by.0),
            legal_holds::lifted_by_name.eq(by.1),
            legal_holds::lifted_at.eq(at),
            legal_holds::lift_reason.eq(reason),
        ))
        .returning(LegalHold::as_returning())
        .get_result(conn)
        .optional()
    }

    /// Whether this active hold covers a file of `project`'s `cycle`.
    pub fn covers(&self, project: ProjectId, cycle: Option<CycleId>) -> bool {
        match (self.project_id, self.cycle_id) {
            (None, _) => true,
            (Some(p), None) => p == project,
            (Some(p), Some(c)) => p == project && cycle == Some(c),
        }
    }
}
