//! A cycle's completeness: counts of its required requests by status, and how many are
//! overdue. Read from the view `v_cycle_completeness`, so what SQL users query and what
//! the dashboards show are one definition; the view aggregates per-request rows only.

use diesel::prelude::*;
use diesel::sql_types::{Array, Int4};

use crate::db::ids::{CycleId, ProjectId};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, QueryableByName, serde::Serialize)]
pub struct Completeness {
    #[diesel(sql_type = Int4)]
    pub cycle_id: i32,
    #[diesel(sql_type = Int4)]
    pub required: i32,
    #[diesel(sql_type = Int4)]
    pub submitted: i32,
    #[diesel(sql_type = Int4)]
    pub accepted: i32,
    #[diesel(sql_type = Int4)]
    pub rejected: i32,
    #[diesel(sql_type = Int4)]
    pub not_applicable: i32,
    #[diesel(sql_type = Int4)]
    pub missing: i32,
    #[diesel(sql_type = Int4)]
    pub overdue: i32,
}

const COLUMNS: &str = "v.cycle_id, v.required, v.submitted, v.accepted, v.rejected, \
                       v.not_applicable, v.missing, v.overdue";

impl Completeness {
    /// Required requests that still apply (not set aside).
    pub fn expected(&self) -> i32 {
        self.required - self.not_applicable
    }

    /// Files in for them: waiting for review or accepted.
    pub fn received(&self) -> i32 {
        self.submitted + self.accepted
    }

    /// Whether the cycle has a request list at all.
    pub fn has_requests(&self) -> bool {
        self.required > 0
    }

    /// Every required request accepted or set aside.
    pub fn is_complete(&self) -> bool {
        self.required > 0 && self.accepted == self.expected()
    }

    /// Accepted out of expected, in percent (100 when nothing is expected).
    pub fn percent(&self) -> i32 {
        if self.expected() <= 0 {
            100
        } else {
            self.accepted * 100 / self.expected()
        }
    }

    pub fn for_cycles(conn: &mut PgConnection, ids: &[CycleId]) -> QueryResult<Vec<Completeness>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i32> = ids.iter().map(|id| id.0).collect();
        diesel::sql_query(format!(
            "SELECT {COLUMNS} FROM v_cycle_completeness v WHERE v.cycle_id = ANY($1)"
        ))
        .bind::<Array<Int4>, _>(ids)
        .load(conn)
    }

    pub fn for_cycle(conn: &mut PgConnection, id: CycleId) -> QueryResult<Completeness> {
        Ok(Self::for_cycles(conn, &[id])?
            .into_iter()
            .next()
            .unwrap_or(Completeness {
                cycle_id: id.0,
                ..Completeness::default()
            }))
    }

    /// Each project's latest cycle's figures (keyed by that cycle), for summaries.
    pub fn latest_of_projects(
        conn: &mut PgConnection,
        ids: &[ProjectId],
    ) -> QueryResult<Vec<(ProjectId, Completeness)>> {
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = Int4)]
            project_id: i32,
            #[diesel(embed)]
            figures: Completeness,
        }
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i32> = ids.iter().map(|id| id.0).collect();
        let rows: Vec<Row> = diesel::sql_query(format!(
            "SELECT DISTINCT ON (c.project_id) c.project_id, {COLUMNS}
               FROM cycles c JOIN v_cycle_completeness v ON v.cycle_id = c.id
              WHERE c.project_id = ANY($1) AND v.project_id = ANY($1)
              ORDER BY c.project_id, c.cycle_number DESC"
        ))
        .bind::<Array<Int4>, _>(ids)
        .load(conn)?;
        Ok(rows
            .into_iter()
            .map(|r| (ProjectId(r.project_id), r.figures))
            .collect())
    }
}
