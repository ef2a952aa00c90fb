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
            Scope::Company(c) => ("r.company_id = $1", c.0, 0),
            Scope::Granted(c, u) => (
                "r.company_id = $1 AND p.id IN \
                 (SELECT project_id FROM project_access WHERE user_id = $2)",
                c.0,
                u.0,
            ),
            Scope::Project(c, p) => ("r.company_id = $1 AND p.id = $2", c.0, p.0),
        };
        let order = match sort {
            MissingSort::Due => {
                "due_at ASC NULLS LAST, p.project_name, c.cycle_number, r.position, r.id"
            }
            MissingSort::Project => "p.project_name, c.cycle_number, r.position, r.id",
        };
        let sql = format!(
            "SELECT r.id, r.name::text AS name, r.status::text AS status, r.kind::text AS kind,
                    r.required,
                    r.note::text AS note, coalesce(r.due_at, c.due_at) AS due_at,
                    c.id AS cycle_id, c.cycle_name::text AS cycle_name,
                    p.id AS project_id, p.project_name::text AS project_name
               FROM cycle_requests r
               JOIN cycles c ON c.id = r.cycle_id
               JOIN projects p ON p.id = c.project_id
              WHERE {filter} AND ($1 = $1 AND $2 = $2)
                AND r.status IN ('missing', 'submitted', 'rejected')
                AND c.status <> 'completed' AND p.deleted_at IS NULL
              ORDER BY {order}
              LIMIT {}",
            LIMIT + 1
        );
        Ok(diesel::sql_query(sql)
            .bind::<Int4, _>(company)
            .bind::<Int4, _>(user)
            .load(conn)?)
    })
    .await
}
