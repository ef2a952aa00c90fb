//! A wall screen's headline figures: where the latest cycles' required requests stand,
//! what arrived today, and how many requests are overdue. Read from the per-request view
//! (for the latest cycle of each project only) and from the per-session counters of
//! today's sessions (the `(project_id, started_at)` index), never from `file_uploads`.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Int4, Text, Timestamptz};

use crate::db::ids::ProjectId;
use crate::db::models::completeness::Completeness;
use crate::error::AppError;
use crate::schema::{project_access, projects};
use crate::services::dashboards::Scope;
use crate::services::{Actor, ServiceContext};

/// What a wall screen shows in large type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Headline {
    /// The latest cycle of each project, added up (a project without cycles adds nothing).
    pub requests: Completeness,
    /// How many latest cycles have a request list.
    pub cycles_with_requests: usize,
    /// The latest cycle's name when the wall shows one project.
    pub cycle_name: Option<String>,
    pub today: Today,
    /// The timezone "today" is read in.
    pub timezone: Tz,
}

/// Figures of the batches started today, from their counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, QueryableByName)]
pub struct Today {
    #[diesel(sql_type = BigInt)]
    pub files_sent: i64,
    /// Uploaded, or already there (skipped as a duplicate): "files arrived".
    #[diesel(sql_type = BigInt)]
    pub files_arrived: i64,
    #[diesel(sql_type = BigInt)]
    pub files_failed: i64,
    /// Everything sent, duplicates and failed files included.
    #[diesel(sql_type = BigInt)]
    pub bytes_received: i64,
    /// The files kept.
    #[diesel(sql_type = BigInt)]
    pub bytes_stored: i64,
}

impl Headline {
    /// The completeness sentence's numbers are worth showing.
    pub fn has_requests(&self) -> bool {
        self.requests.has_requests()
    }
}

/// The ids of the projects `scope` shows (not deleted), as the summary lists them.
fn projects_of(conn: &mut PgConnection, scope: Scope) -> QueryResult<Vec<ProjectId>> {
    let live = projects::table
        .filter(projects::deleted_at.is_null())
        .select(projects::id)
        .into_boxed();
    let query = match scope {
        Scope::All => live,
        Scope::Company(c) => live.filter(projects::company_id.eq(c)),
        Scope::Granted(c, user) => live.filter(projects::company_id.eq(c)).filter(
            projects::id.eq_any(
                project_access::table
                    .filter(project_access::user_id.eq(user))
                    .select(project_access::project_id),
            ),
        ),
        Scope::Project(c, p) => live
            .filter(projects::company_id.eq(c))
            .filter(projects::id.eq(p)),
    };
    query.load(conn)
}

/// Sums of the counters of the projects' sessions started since midnight in `timezone`
/// (the midnight before `now`).
fn today(
    conn: &mut PgConnection,
    ids: &[i32],
    timezone: Tz,
    now: DateTime<Utc>,
) -> QueryResult<Today> {
    diesel::sql_query(
        "SELECT coalesce(sum(total_files), 0)::bigint AS files_sent,
                coalesce(sum(coalesce(files_uploaded, 0) + coalesce(files_skipped, 0)), 0)::bigint
                    AS files_arrived,
                coalesce(sum(files_failed), 0)::bigint AS files_failed,
                coalesce(sum(total_size_bytes), 0)::bigint AS bytes_received,
                coalesce(sum(uploaded_size_bytes), 0)::bigint AS bytes_stored
           FROM sync_sessions
          WHERE project_id = ANY($1)
            AND started_at >= (date_trunc('day', $3 AT TIME ZONE $2) AT TIME ZONE $2)",
    )
    .bind::<Array<Int4>, _>(ids)
    .bind::<Text, _>(timezone.name())
    .bind::<Timestamptz, _>(now)
    .get_result(conn)
}

fn headline_in(
    conn: &mut PgConnection,
    scope: Scope,
    (timezone, now): (Tz, DateTime<Utc>),
) -> Result<Headline, AppError> {
    let ids = projects_of(conn, scope)?;
    let latest = Completeness::latest_of_projects(conn, &ids, now)?;
    let mut requests = Completeness::default();
    let mut cycles_with_requests = 0;
    for (_, c) in latest.iter().filter(|(_, c)| c.has_requests()) {
        cycles_with_requests += 1;
        requests.required += c.required;
        requests.submitted += c.submitted;
        requests.accepted += c.accepted;
        requests.rejected += c.rejected;
        requests.not_applicable += c.not_applicable;
        requests.missing += c.missing;
        requests.overdue += c.overdue;
    }
    let cycle_name = match (scope, latest.first()) {
        (Scope::Project(..), Some((_, c))) => {
            use crate::schema::cycles;
            cycles::table
                .find(c.cycle_id)
                .select(cycles::cycle_name)
                .first(conn)
                .optional()?
        }
        _ => None,
    };
    let raw: Vec<i32> = ids.iter().map(|id| id.0).collect();
    let today = today(conn, &raw, timezone, now)?;
    Ok(Headline {
        requests,
        cycles_with_requests,
        cycle_name,
        today,
        timezone,
    })
}

/// The headline figures of the projects `scope` shows, "today" read in `timezone`.
pub async fn headline(
    ctx: &ServiceContext,
    actor: &Actor,
    scope: Scope,
    timezone: Tz,
) -> Result<Headline, AppError> {
    let now = ctx.clock().now();
    ctx.run(actor, move |conn, _| {
        headline_in(conn, scope, (timezone, now))
    })
    .await
}
