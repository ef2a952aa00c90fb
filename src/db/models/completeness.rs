//! A cycle's completeness: counts of its required requests by status, and how many are
//! overdue. Read from the view `v_cycle_completeness`, so what SQL users query and what
//! the dashboards show are one definition; the view aggregates per-request rows only.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Int4};

use crate::db::ids::{CycleId, ProjectId};
use crate::db::sql_functions::cycle_overdue_requests;

// The view, for queries diesel can prepare once per connection and reuse (a raw
// `sql_query` is planned again on every call: ≈ 0.8 ms for this view). Not in schema.rs,
// which holds what `diesel print-schema` prints for tables.
diesel::table! {
    v_cycle_completeness (cycle_id) {
        cycle_id -> Int4,
        project_id -> Int4,
        company_id -> Int4,
        required -> Int4,
        submitted -> Int4,
        accepted -> Int4,
        rejected -> Int4,
        not_applicable -> Int4,
        missing -> Int4,
        due_at -> Nullable<Timestamptz>,
        overdue -> Int4,
    }
}

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Queryable, QueryableByName, serde::Serialize,
)]
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

    /// The figures of these cycles, with what was overdue at `at` (Hopper's clock).
    pub fn for_cycles(
        conn: &mut PgConnection,
        ids: &[CycleId],
        at: DateTime<Utc>,
    ) -> QueryResult<Vec<Completeness>> {
        use self::v_cycle_completeness::dsl as v;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i32> = ids.iter().map(|id| id.0).collect();
        v::v_cycle_completeness
            .filter(v::cycle_id.eq_any(ids))
            .select((
                v::cycle_id,
                v::required,
                v::submitted,
                v::accepted,
                v::rejected,
                v::not_applicable,
                v::missing,
                cycle_overdue_requests(v::cycle_id, v::due_at, v::missing + v::rejected, at),
            ))
            .load(conn)
    }

    pub fn for_cycle(
        conn: &mut PgConnection,
        id: CycleId,
        at: DateTime<Utc>,
    ) -> QueryResult<Completeness> {
        Ok(Self::for_cycles(conn, &[id], at)?
            .into_iter()
            .next()
            .unwrap_or(Completeness {
                cycle_id: id.0,
                ..Completeness::default()
            }))
    }

    /// Each project's latest cycle's figures (keyed by that cycle), for summaries. The
    /// latest cycles are found first (one index probe per project), then the view is asked
    /// for just those: a filter on its grouping column reaches the scan, while a join
    /// against it (DISTINCT ON over the view) aggregated every cycle of the projects.
    pub fn latest_of_projects(
        conn: &mut PgConnection,
        ids: &[ProjectId],
        at: DateTime<Utc>,
    ) -> QueryResult<Vec<(ProjectId, Completeness)>> {
        #[derive(QueryableByName)]
        struct Latest {
            #[diesel(sql_type = Int4)]
            project_id: i32,
            #[diesel(sql_type = Int4)]
            cycle_id: i32,
        }
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i32> = ids.iter().map(|id| id.0).collect();
        let latest: Vec<Latest> = diesel::sql_query(
            "SELECT p.id AS project_id, l.id AS cycle_id
               FROM unnest($1::int[]) AS p(id)
               JOIN LATERAL (SELECT c.id FROM cycles c WHERE c.project_id = p.id
                              ORDER BY c.cycle_number DESC LIMIT 1) l ON true",
        )
        .bind::<Array<Int4>, _>(ids)
        .load(conn)?;
        let cycles: Vec<CycleId> = latest.iter().map(|l| CycleId(l.cycle_id)).collect();
        let figures = Self::for_cycles(conn, &cycles, at)?;
        Ok(latest
            .iter()
            .filter_map(|l| {
                figures
                    .iter()
                    .find(|f| f.cycle_id == l.cycle_id)
                    .map(|f| (ProjectId(l.project_id), *f))
            })
            .collect())
    }
}
