//! Project and cycle summaries for dashboards and wall screens. Figures come from the
//! per-session counters (never a scan of `file_uploads`), aggregated only for the rows
//! on the page; lists page by keyset, so any page costs the same.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Date, Int4, Nullable, Text, Timestamptz};

use crate::db::ids::{CompanyId, CycleId, ProjectId};
use crate::db::models::company::escape_like;
use crate::db::models::sync_session::SyncSession;
use crate::error::AppError;
use crate::schema::{
    companies, cycles, project_access, project_tags, projects, sync_sessions, tags,
};

/// Whose projects a summary shows.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    /// Every company's (the operator).
    All,
    Company(CompanyId),
    /// The company's projects granted to one user.
    Granted(CompanyId, crate::db::ids::UserId),
    /// One project (a project-scoped wall screen).
    Project(CompanyId, ProjectId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectSort {
    Name,
    Newest,
}

impl ProjectSort {
    pub fn parse(value: &str) -> ProjectSort {
        if value == "newest" {
            ProjectSort::Newest
        } else {
            ProjectSort::Name
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ProjectSort::Name => "name",
            ProjectSort::Newest => "newest",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ProjectFilter {
    pub text: Option<String>,
    pub tag: Option<String>,
    pub active: Option<bool>,
}

/// Where the next page starts: the last row's sort key and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProjectCursor {
    Name(String, ProjectId),
    Newest(DateTime<Utc>, ProjectId),
}

impl ProjectCursor {
    pub fn encode(&self) -> String {
        match self {
            ProjectCursor::Name(name, id) => format!("n.{id}.{name}"),
            ProjectCursor::Newest(at, id) => format!("t.{id}.{}", at.timestamp_micros()),
        }
    }

    pub fn decode(value: &str) -> Option<ProjectCursor> {
        let mut parts = value.splitn(3, '.');
        let (kind, id, rest) = (parts.next()?, parts.next()?, parts.next()?);
        let id = ProjectId(id.parse().ok()?);
        match kind {
            "n" => Some(ProjectCursor::Name(rest.to_owned(), id)),
            "t" => Some(ProjectCursor::Newest(
                DateTime::from_timestamp_micros(rest.parse().ok()?)?,
                id,
            )),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ProjectRow {
    pub id: ProjectId,
    pub company_name: String,
    pub company_code: String,
    pub project_name: String,
    pub bucket_name: String,
    pub aws_region: String,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub cycles: i64,
    pub sessions: i64,
    pub files_uploaded: i64,
    pub files_failed: i64,
    pub files_skipped: i64,
    pub bytes: i64,
    pub last_upload: Option<DateTime<Utc>>,
}

#[derive(QueryableByName)]
struct SessionFigures {
    #[diesel(sql_type = Int4)]
    key: i32,
    #[diesel(sql_type = BigInt)]
    sessions: i64,
    #[diesel(sql_type = BigInt)]
    total_files: i64,
    #[diesel(sql_type = BigInt)]
    files_uploaded: i64,
    #[diesel(sql_type = BigInt)]
    files_failed: i64,
    #[diesel(sql_type = BigInt)]
    files_skipped: i64,
    #[diesel(sql_type = BigInt)]
    total_bytes: i64,
    #[diesel(sql_type = BigInt)]
    uploaded_bytes: i64,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    last_upload: Option<DateTime<Utc>>,
}

/// Counter sums of the sessions of the given projects or cycles (`by` is the column).
fn session_figures(
    conn: &mut PgConnection,
    by: &str,
    keys: &[i32],
) -> QueryResult<Vec<SessionFigures>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let column = if by == "cycle_id" {
        "cycle_id"
    } else {
        "project_id"
    };
    diesel::sql_query(format!(
        "SELECT {column} AS key,
                count(*) AS sessions,
                coalesce(sum(total_files), 0)::bigint AS total_files,
                coalesce(sum(files_uploaded), 0)::bigint AS files_uploaded,
                coalesce(sum(files_failed), 0)::bigint AS files_failed,
                coalesce(sum(files_skipped), 0)::bigint AS files_skipped,
                coalesce(sum(total_size_bytes), 0)::bigint AS total_bytes,
                coalesce(sum(uploaded_size_bytes), 0)::bigint AS uploaded_bytes,
                max(coalesce(completed_at, started_at, created_at)) AS last_upload
         FROM sync_sessions WHERE {column} = ANY($1) GROUP BY {column}"
    ))
    .bind::<Array<Int4>, _>(keys)
    .load(conn)
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = Int4)]
    key: i32,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

type ProjectBase = (
    ProjectId,
    String,
    String,
    String,
    String,
    String,
    bool,
    DateTime<Utc>,
);

/// One page of the project summary and the cursor of the next, if any.
pub fn project_summary(
    conn: &mut PgConnection,
    scope: Scope,
    filter: &ProjectFilter,
    sort: ProjectSort,
    after: Option<&ProjectCursor>,
    limit: i64,
) -> Result<(Vec<ProjectRow>, Option<ProjectCursor>), AppError> {
    let mut query = projects::table
        .inner_join(companies::table)
        .filter(projects::deleted_at.is_null())
        .select((
            projects::id,
            companies::company_name,
            companies::company_code,
            projects::project_name,
            projects::bucket_name,
            projects::aws_region,
            projects::is_active,
            projects::created_at,
        ))
        .into_boxed();
    query = match scope {
        Scope::All => query,
        Scope::Company(company) => query.filter(projects::company_id.eq(company)),
        Scope::Granted(company, user) => query.filter(projects::company_id.eq(company)).filter(
            projects::id.eq_any(
                project_access::table
                    .filter(project_access::user_id.eq(user))
                    .select(project_access::project_id),
            ),
        ),
        Scope::Project(company, project) => query
            .filter(projects::company_id.eq(company))
            .filter(projects::id.eq(project)),
    };
    if let Some(text) = &filter.text {
        let pattern = format!("%{}%", escape_like(text));
        query = query.filter(
            projects::project_name
                .ilike(pattern.clone())
                .or(projects::bucket_name.ilike(pattern.clone()))
                .or(companies::company_name.ilike(pattern)),
        );
    }
    if let Some(tag) = &filter.tag {
        query = query.filter(
            projects::id.eq_any(
                project_tags::table
                    .inner_join(tags::table)
                    .filter(tags::tag_name.eq(tag.clone()))
                    .select(project_tags::project_id),
            ),
        );
    }
    if let Some(active) = filter.active {
        query = query.filter(projects::is_active.eq(active));
    }
    query = match (sort, after) {
        (ProjectSort::Name, Some(ProjectCursor::Name(name, id))) => query.filter(
            projects::project_name
                .gt(name.clone())
                .or(projects::project_name
                    .eq(name.clone())
                    .and(projects::id.gt(*id))),
        ),
        (ProjectSort::Newest, Some(ProjectCursor::Newest(at, id))) => query.filter(
            projects::created_at
                .lt(*at)
                .or(projects::created_at.eq(*at).and(projects::id.lt(*id))),
        ),
        _ => query,
    };
    query = match sort {
        ProjectSort::Name => query.order((projects::project_name.asc(), projects::id.asc())),
        ProjectSort::Newest => query.order((projects::created_at.desc(), projects::id.desc())),
    };
    let mut base: Vec<ProjectBase> = query.limit(limit + 1).load(conn)?;
    let more = base.len() as i64 > limit;
    base.truncate(limit as usize);

    let ids: Vec<i32> = base.iter().map(|b| b.0 .0).collect();
    let figures = session_figures(conn, "project_id", &ids)?;
    let cycle_counts: Vec<Count> = diesel::sql_query(
        "SELECT project_id AS key, count(*) AS n FROM cycles WHERE project_id = ANY($1) GROUP BY project_id",
    )
    .bind::<Array<Int4>, _>(&ids)
    .load(conn)?;

    let rows: Vec<ProjectRow> = base
        .into_iter()
        .map(
            |(
                id,
                company_name,
                company_code,
                project_name,
                bucket_name,
                aws_region,
                is_active,
                created_at,
            )| {
                let f = figures.iter().find(|f| f.key == id.0);
                ProjectRow {
                    id,
                    company_name,
                    company_code,
                    project_name,
                    bucket_name,
                    aws_region,
                    is_active,
                    created_at,
                    cycles: cycle_counts
                        .iter()
                        .find(|c| c.key == id.0)
                        .map_or(0, |c| c.n),
                    sessions: f.map_or(0, |f| f.sessions),
                    files_uploaded: f.map_or(0, |f| f.files_uploaded),
                    files_failed: f.map_or(0, |f| f.files_failed),
                    files_skipped: f.map_or(0, |f| f.files_skipped),
                    bytes: f.map_or(0, |f| f.uploaded_bytes),
                    last_upload: f.and_then(|f| f.last_upload),
                }
            },
        )
        .collect();
    let next = if more {
        rows.last().map(|r| match sort {
            ProjectSort::Name => ProjectCursor::Name(r.project_name.clone(), r.id),
            ProjectSort::Newest => ProjectCursor::Newest(r.created_at, r.id),
        })
    } else {
        None
    };
    Ok((rows, next))
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct CycleRow {
    pub id: CycleId,
    pub cycle_name: String,
    pub cycle_number: i32,
    pub status: String,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub sessions: i64,
    pub total_files: i64,
    pub files_uploaded: i64,
    pub files_failed: i64,
    pub files_skipped: i64,
    pub total_bytes: i64,
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
    String,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

/// A project's cycles, newest first, a page at a time (`before`: a cycle number).
pub fn cycle_summary(
    conn: &mut PgConnection,
    project: ProjectId,
    before: Option<i32>,
    limit: i64,
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
    let figures = session_figures(conn, "cycle_id", &ids)?;
    let rows: Vec<CycleRow> = base
        .into_iter()
        .map(
            |(id, cycle_name, cycle_number, status, started_at, completed_at)| {
                let f = figures.iter().find(|f| f.key == id.0);
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

/// Files and bytes that arrived per day, in the viewer's timezone, over `days` days.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct DayFigures {
    #[diesel(sql_type = Date)]
    pub day: NaiveDate,
    #[diesel(sql_type = BigInt)]
    pub files: i64,
    #[diesel(sql_type = BigInt)]
    pub bytes: i64,
}

pub fn per_day(
    conn: &mut PgConnection,
    project: ProjectId,
    cycle: Option<CycleId>,
    timezone: Tz,
    days: i64,
) -> Result<Vec<DayFigures>, AppError> {
    let filter = if cycle.is_some() {
        "AND cycle_id = $4"
    } else {
        ""
    };
    let sql = format!(
        "SELECT (started_at AT TIME ZONE $2)::date AS day,
                coalesce(sum(files_uploaded), 0)::bigint AS files,
                coalesce(sum(uploaded_size_bytes), 0)::bigint AS bytes
         FROM sync_sessions
         WHERE project_id = $1 AND started_at >= now() - make_interval(days => $3) {filter}
         GROUP BY 1 ORDER BY 1"
    );
    let query = diesel::sql_query(sql)
        .bind::<Int4, _>(project.0)
        .bind::<Text, _>(timezone.name())
        .bind::<Int4, _>(i32::try_from(days).unwrap_or(30));
    Ok(match cycle {
        Some(cycle) => query.bind::<Int4, _>(cycle.0).load(conn)?,
        None => query.load(conn)?,
    })
}
