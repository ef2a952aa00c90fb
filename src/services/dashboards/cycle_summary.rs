//! A project's cycles with their figures, a cycle's batches, and the per-day series.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;
use diesel::sql_types::{Int4, Text, Timestamptz};

use crate::db::ids::{CycleId, ProjectId};
use crate::db::models::completeness::Completeness;
pub use crate::db::models::day_figures::DayFigures;
use crate::db::models::sync_session::SyncSession;
use crate::domain::CycleStatus;
use crate::error::AppError;
use crate::schema::{cycles, sync_sessions};
use crate::services::dashboards::figures::{session_figures, FiguresBy};

#[derive(Debug, Clone, serde::Serialize)]
pub struct CycleRow {
    pub id: CycleId,
    pub cycle_name: String,
    pub cycle_number: i32,
    pub status: CycleStatus,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub sessions: i64,
    pub total_files: i64,
    pub files_uploaded: i64,
    pub files_failed: i64,
    pub files_skipped: i64,
    /// Bytes sent, duplicates and failures included ("received").
    pub total_bytes: i64,
    /// Bytes of the files kept ("stored"): what the project summary adds up.
    pub stored_bytes: i64,
    /// Where its requests stand (from per-request rows).
    pub requests: Completeness,
    pub due_at: Option<DateTime<Utc>>,
}

impl CycleRow {
    /// Files that arrived (uploaded or already there) out of those sent, in percent.
    pub fn progress(&self) -> i64 {
        if self.total_files == 0 {
            0
        } else {
            (self.files_uploaded + self.files_skipped) * 100 / self.total_files
        }
    }
}

type CycleBase = (
    CycleId,
    String,
    i32,
    CycleStatus,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

/// A project's cycles, newest first, a page at a time (`before`: a cycle number).
pub fn cycle_summary(
    conn: &mut PgConnection,
    project: ProjectId,
    before: Option<i32>,
    (limit, now): (i64, DateTime<Utc>),
) -> Result<(Vec<CycleRow>, Option<i32>), AppError> {
    let mut query = cycles::table
        .filter(cycles::project_id.eq(project))
        .select((
            cycles::id,
            cycles::cycle_name,
            cycles::cycle_number,
            cycles::status,
            cycles::started_at,
            cycles::completed_at,
            cycles::due_at,
        ))
        .order(cycles::cycle_number.desc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(cycles::cycle_number.lt(before));
    }
    let mut base: Vec<CycleBase> = query.load(conn)?;
    let more = base.len() as i64 > limit;
    base.truncate(limit as usize);
    let ids: Vec<i32> = base.iter().map(|b| b.0 .0).collect();
    let figures = session_figures(conn, FiguresBy::Cycle, &ids)?;
    let cycle_ids: Vec<CycleId> = base.iter().map(|b| b.0).collect();
    let requests = Completeness::for_cycles(conn, &cycle_ids, now)?;
    let rows: Vec<CycleRow> = base
        .into_iter()
        .map(
            |(id, cycle_name, cycle_number, status, started_at, completed_at, due_at)| {
                let f = figures.iter().find(|f| f.key == id.0);
                let requests = requests
                    .iter()
                    .find(|r| r.cycle_id == id.0)
                    .copied()
                    .unwrap_or_default();
                CycleRow {
                    id,
                    cycle_name,
                    cycle_number,
                    status,
                    started_at,
                    completed_at,
                    sessions: f.map_or(0, |f| f.sessions),
                    total_files: f.map_or(0, |f| f.total_files),
                    files_uploaded: f.map_or(0, |f| f.files_uploaded),
                    files_failed: f.map_or(0, |f| f.files_failed),
                    files_skipped: f.map_or(0, |f| f.files_skipped),
                    total_bytes: f.map_or(0, |f| f.total_bytes),
                    stored_bytes: f.map_or(0, |f| f.uploaded_bytes),
                    requests,
                    due_at,
                }
            },
        )
        .collect();
    let next = if more {
        rows.last().map(|r| r.cycle_number)
    } else {
        None
    };
    Ok((rows, next))
}

/// A cycle's sessions, newest first, a page at a time (`before`: a session id).
pub fn cycle_sessions(
    conn: &mut PgConnection,
    cycle: CycleId,
    before: Option<i32>,
    limit: i64,
) -> Result<(Vec<SyncSession>, Option<i32>), AppError> {
    let mut query = sync_sessions::table
        .filter(sync_sessions::cycle_id.eq(cycle))
        .order(sync_sessions::id.desc())
        .limit(limit + 1)
        .select(SyncSession::as_select())
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(sync_sessions::id.lt(before));
    }
    let mut rows: Vec<SyncSession> = query.load(conn)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = if more {
        rows.last().map(|s| s.id.0)
    } else {
        None
    };
    Ok((rows, next))
}

pub fn per_day(
    conn: &mut PgConnection,
    project: ProjectId,
    cycle: Option<CycleId>,
    timezone: Tz,
    (days, now): (i64, DateTime<Utc>),
) -> Result<Vec<DayFigures>, AppError> {
    let filter = if cycle.is_some() {
        "AND cycle_id = $5"
    } else {
        ""
    };
    let sql = format!(
        "SELECT (started_at AT TIME ZONE $2)::date AS day,
                coalesce(sum(files_uploaded), 0)::bigint AS files,
                coalesce(sum(uploaded_size_bytes), 0)::bigint AS bytes
         FROM sync_sessions
         WHERE project_id = $1 AND started_at >= $4 - make_interval(days => $3) {filter}
         GROUP BY 1 ORDER BY 1"
    );
    let query = diesel::sql_query(sql)
        .bind::<Int4, _>(project.0)
        .bind::<Text, _>(timezone.name())
        .bind::<Int4, _>(i32::try_from(days).unwrap_or(30))
        .bind::<Timestamptz, _>(now);
    Ok(match cycle {
        Some(cycle) => query.bind::<Int4, _>(cycle.0).load(conn)?,
        None => query.load(conn)?,
    })
}
