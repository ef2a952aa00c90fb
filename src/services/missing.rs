//! What is missing: every open request (missing, waiting for review, or needing a new
//! file) across the projects the actor sees, by due date or by project.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Int4, Nullable, Text, Timestamptz};

use crate::db::ids::{CycleId, CycleRequestId, ProjectId};
use crate::domain::{RequestKind, RequestStatus};
use crate::error::AppError;
use crate::services::dashboards::{scope_for, Scope};
use crate::services::{Actor, ServiceContext};

/// How the list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingSort {
    /// Soonest due first (no due date last).
    Due,
    Project,
}

impl MissingSort {
    pub fn parse(value: &str) -> MissingSort {
        if value == "project" {
            MissingSort::Project
        } else {
            MissingSort::Due
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MissingSort::Due => "due",
            MissingSort::Project => "project",
        }
    }
}

#[derive(Debug, Clone, QueryableByName)]
pub struct OpenRequest {
    #[diesel(sql_type = Int4)]
    pub id: CycleRequestId,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub status: RequestStatus,
    /// A file, or the kind of question.
    #[diesel(sql_type = Text)]
    pub kind: RequestKind,
    #[diesel(sql_type = Bool)]
    pub required: bool,
    #[diesel(sql_type = Nullable<Text>)]
    pub note: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub due_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Int4)]
    pub cycle_id: CycleId,
    #[diesel(sql_type = Text)]
    pub cycle_name: String,
    #[diesel(sql_type = Int4)]
    pub project_id: ProjectId,
    #[diesel(sql_type = Text)]
    pub project_name: String,
}

impl OpenRequest {
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.required && self.status.is_owed() && self.due_at.is_some_and(|d| d < now)
    }
}

/// At most this many rows; the page says so when there are more.
pub const LIMIT: i64 = 500;

/// Open requests of open cycles in the projects the actor sees.
pub async fn open_requests(
    ctx: &ServiceContext,
    actor: &Actor,
    sort: MissingSort,
) -> Result<Vec<OpenRequest>, AppError> {
    open_requests_in(ctx, actor, scope_for(actor), sort).await
}

// The list is read cycle by cycle: the open cycles in the list's order (few: each
// project's newest, found by `cycles_open_by_project`), then each one's open requests,
// until the page is full. Ordering the open requests themselves would read every one of
// them first — 14,400 for the operator at ten million files, 40 ms a page. A request with
// a due date of its own is ordered by it, not by its cycle's, so those few come from their
// own index (`cycle_requests_open_own_due`) and the two ordered lists are merged.
// `OFFSET 0` keeps PostgreSQL from turning the per-cycle lookup into a join of all.

const OPEN: &str = "r.status IN ('missing', 'submitted', 'rejected')";

/// The open cycles the filter keeps, in `order`, as `oc`.
fn open_cycles(filter: &str, order: &str) -> String {
    format!(
        "(SELECT c.id, c.due_at, c.cycle_name::text AS cycle_name, c.cycle_number,
                 p.id AS project_id, p.project_name::text AS project_name
            FROM cycles c JOIN projects p ON p.id = c.project_id
           WHERE {filter} AND ($1 = $1 AND $2 = $2)
             AND c.status <> 'completed' AND p.deleted_at IS NULL
           ORDER BY {order} OFFSET 0) oc"
    )
}

const COLUMNS: &str = "r.id, r.name::text AS name, r.status::text AS status,
    r.kind::text AS kind, r.required, r.note::text AS note";

fn by_due(filter: &str) -> String {
    let cycles = open_cycles(
        filter,
        "c.due_at ASC NULLS LAST, p.project_name, c.cycle_number, c.id",
    );
    format!(
        "SELECT * FROM (
           (SELECT {COLUMNS}, oc.due_at, oc.id AS cycle_id, oc.cycle_name, oc.project_id,
                   oc.project_name, oc.cycle_number, r.position
              FROM {cycles}
             CROSS JOIN LATERAL (SELECT * FROM cycle_requests r
                                  WHERE r.cycle_id = oc.id AND r.due_at IS NULL AND {OPEN}
                                 OFFSET 0) r
             ORDER BY oc.due_at ASC NULLS LAST, oc.project_name, oc.cycle_number, r.position, r.id
             LIMIT {limit})
           UNION ALL
           (SELECT {COLUMNS}, r.due_at, c.id, c.cycle_name::text, p.id, p.project_name::text,
                   c.cycle_number, r.position
              FROM cycle_requests r
              JOIN cycles c ON c.id = r.cycle_id JOIN projects p ON p.id = c.project_id
             WHERE {filter} AND ($1 = $1 AND $2 = $2)
               AND r.due_at IS NOT NULL AND {OPEN}
               AND c.status <> 'completed' AND p.deleted_at IS NULL
             ORDER BY r.due_at, p.project_name, c.cycle_number, r.position, r.id
             LIMIT {limit})
         ) listed
         ORDER BY due_at ASC NULLS LAST, project_name, cycle_number, position, id
         LIMIT {limit}",
        limit = LIMIT + 1
    )
}

fn by_project(filter: &str) -> String {
    let cycles = open_cycles(filter, "p.project_name, c.cycle_number, c.id");
    format!(
        "SELECT {COLUMNS}, coalesce(r.due_at, oc.due_at) AS due_at, oc.id AS cycle_id,
                oc.cycle_name, oc.project_id, oc.project_name
           FROM {cycles}
          CROSS JOIN LATERAL (SELECT * FROM cycle_requests r
                               WHERE r.cycle_id = oc.id AND {OPEN} OFFSET 0) r
          ORDER BY oc.project_name, oc.cycle_number, r.position, r.id
          LIMIT {limit}",
        limit = LIMIT + 1
    )
}

/// Open requests of open cycles in `scope` (the automation API: the token's company).
pub(in crate::services) async fn open_requests_in(
    ctx: &ServiceContext,
    actor: &Actor,
    scope: Scope,
    sort: MissingSort,
) -> Result<Vec<OpenRequest>, AppError> {
    ctx.run(actor, move |conn, _| {
        let (filter, company, user) = match scope {
            Scope::All => ("TRUE", 0, 0),
            Scope::Company(c) => ("p.company_id = $1", c.0, 0),
            Scope::Granted(c, u) => (
                "p.company_id = $1 AND p.id IN \
                 (SELECT project_id FROM project_access WHERE user_id = $2)",
                c.0,
                u.0,
            ),
            Scope::Project(c, p) => ("p.company_id = $1 AND p.id = $2", c.0, p.0),
        };
        let sql = match sort {
            MissingSort::Due => by_due(filter),
            MissingSort::Project => by_project(filter),
        };
        Ok(diesel::sql_query(sql)
            .bind::<Int4, _>(company)
            .bind::<Int4, _>(user)
            .load(conn)?)
    })
    .await
}
