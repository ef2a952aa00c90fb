//! The project summary: one row per project with its figures, keyset-paginated.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Int4};

use crate::db::ids::ProjectId;
use crate::db::models::company::escape_like;
use crate::db::models::completeness::Completeness;
use crate::db::sql_functions::overdue_count_at;
use crate::error::AppError;
use crate::schema::{
    companies, project_access, project_completeness, project_tags, projects, tags,
};
use crate::services::dashboards::figures::{session_figures, FiguresBy};
use crate::services::dashboards::Scope;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectSort {
    Name,
    Newest,
    /// The latest cycle least complete first.
    Completeness,
    /// The latest cycle's overdue requests, most first.
    Overdue,
}

impl ProjectSort {
    pub fn parse(value: &str) -> ProjectSort {
        match value {
            "newest" => ProjectSort::Newest,
            "completeness" => ProjectSort::Completeness,
            "overdue" => ProjectSort::Overdue,
            _ => ProjectSort::Name,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ProjectSort::Name => "name",
            ProjectSort::Newest => "newest",
            ProjectSort::Completeness => "completeness",
            ProjectSort::Overdue => "overdue",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ProjectFilter {
    pub text: Option<String>,
    pub tag: Option<String>,
    pub active: Option<bool>,
}

/// Where a page ordered by a figure starts: the last row's figure, name and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FigureAfter {
    pub key: i32,
    pub name: String,
    pub id: ProjectId,
}

/// Where the next page starts: the last row's sort key and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProjectCursor {
    Name(String, ProjectId),
    Newest(DateTime<Utc>, ProjectId),
    Figure(FigureAfter),
}

impl ProjectCursor {
    pub fn encode(&self) -> String {
        match self {
            ProjectCursor::Name(name, id) => format!("n.{id}.{name}"),
            ProjectCursor::Newest(at, id) => format!("t.{id}.{}", at.timestamp_micros()),
            ProjectCursor::Figure(f) => format!("f.{}.{}.{}", f.id, f.key, f.name),
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
            "f" => {
                let (key, name) = rest.split_once('.')?;
                Some(ProjectCursor::Figure(FigureAfter {
                    key: key.parse().ok()?,
                    name: name.to_owned(),
                    id,
                }))
            }
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
    /// The latest cycle's requests (none without cycles).
    pub requests: Option<Completeness>,
    /// The earliest due date among the latest cycle's open requests (past when overdue).
    #[serde(skip)]
    pub next_due: Option<DateTime<Utc>>,
    /// What "least complete first" orders by (101 without cycles).
    #[serde(skip)]
    pub latest_percent: i16,
    /// What "most overdue first" orders by: the latest cycle's overdue requests.
    #[serde(skip)]
    pub latest_overdue: i32,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = Int4)]
    key: i32,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// A project's own columns and its latest cycle's figures, as the page query selects them.
#[derive(diesel::Queryable)]
struct ProjectBase {
    id: ProjectId,
    company_name: String,
    company_code: String,
    project_name: String,
    bucket_name: String,
    aws_region: String,
    is_active: bool,
    created_at: DateTime<Utc>,
    latest_percent: i16,
    latest_overdue: i32,
    latest_open_due: Vec<Option<DateTime<Utc>>>,
}

/// One page of the project summary and the cursor of the next, if any.
pub fn project_summary(
    conn: &mut PgConnection,
    scope: Scope,
    filter: &ProjectFilter,
    sort: ProjectSort,
    after: Option<&ProjectCursor>,
    (limit, now): (i64, DateTime<Utc>),
) -> Result<(Vec<ProjectRow>, Option<ProjectCursor>), AppError> {
    // Every project has its `project_completeness` row (kept by triggers from its
    // creation on), so the inner join drops none.
    let mut query = projects::table
        .inner_join(companies::table)
        .inner_join(project_completeness::table)
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
            project_completeness::latest_percent,
            overdue_count_at(project_completeness::latest_open_due, now),
            project_completeness::latest_open_due,
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
        (ProjectSort::Completeness, Some(ProjectCursor::Figure(after))) => {
            let key = i16::try_from(after.key).unwrap_or(i16::MAX);
            let percent = project_completeness::latest_percent;
            query.filter(
                percent.gt(key).or(percent.eq(key).and(
                    projects::project_name
                        .gt(after.name.clone())
                        .or(projects::project_name
                            .eq(after.name.clone())
                            .and(projects::id.gt(after.id))),
                )),
            )
        }
        (ProjectSort::Overdue, Some(ProjectCursor::Figure(after))) => {
            let overdue = overdue_count_at(project_completeness::latest_open_due, now);
            query.filter(
                overdue.lt(after.key).or(overdue.eq(after.key).and(
                    projects::project_name
                        .gt(after.name.clone())
                        .or(projects::project_name
                            .eq(after.name.clone())
                            .and(projects::id.gt(after.id))),
                )),
            )
        }
        _ => query,
    };
    query = match sort {
        ProjectSort::Newest => query.order((projects::created_at.desc(), projects::id.desc())),
        // Least complete first, most overdue first: figures kept per project.
        ProjectSort::Completeness => query.order((
            project_completeness::latest_percent.asc(),
            projects::project_name.asc(),
            projects::id.asc(),
        )),
        ProjectSort::Overdue => query.order((
            overdue_count_at(project_completeness::latest_open_due, now).desc(),
            projects::project_name.asc(),
            projects::id.asc(),
        )),
        ProjectSort::Name => query.order((projects::project_name.asc(), projects::id.asc())),
    };
    let mut base: Vec<ProjectBase> = query.limit(limit + 1).load(conn)?;
    let more = base.len() as i64 > limit;
    base.truncate(limit as usize);

    let ids: Vec<i32> = base.iter().map(|b| b.id.0).collect();
    let figures = session_figures(conn, FiguresBy::Project, &ids)?;
    let cycle_counts: Vec<Count> = diesel::sql_query(
        "SELECT project_id AS key, count(*) AS n FROM cycles WHERE project_id = ANY($1) GROUP BY project_id",
    )
    .bind::<Array<Int4>, _>(&ids)
    .load(conn)?;

    let project_ids: Vec<ProjectId> = base.iter().map(|b| b.id).collect();
    let latest = Completeness::latest_of_projects(conn, &project_ids, now)?;
    let rows: Vec<ProjectRow> = base
        .into_iter()
        .map(|b| {
            let id = b.id;
            let f = figures.iter().find(|f| f.key == id.0);
            ProjectRow {
                id,
                company_name: b.company_name,
                company_code: b.company_code,
                project_name: b.project_name,
                bucket_name: b.bucket_name,
                aws_region: b.aws_region,
                is_active: b.is_active,
                created_at: b.created_at,
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
                requests: latest.iter().find(|(p, _)| *p == id).map(|(_, c)| *c),
                next_due: b.latest_open_due.iter().flatten().min().copied(),
                latest_percent: b.latest_percent,
                latest_overdue: b.latest_overdue,
            }
        })
        .collect();
    let next = if more {
        rows.last().map(|r| match sort {
            ProjectSort::Name => ProjectCursor::Name(r.project_name.clone(), r.id),
            ProjectSort::Newest => ProjectCursor::Newest(r.created_at, r.id),
            ProjectSort::Completeness | ProjectSort::Overdue => {
                ProjectCursor::Figure(FigureAfter {
                    key: match sort {
                        ProjectSort::Overdue => r.latest_overdue,
                        _ => i32::from(r.latest_percent),
                    },
                    name: r.project_name.clone(),
                    id: r.id,
                })
            }
        })
    } else {
        None
    };
    Ok((rows, next))
}
