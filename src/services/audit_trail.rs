//! Reading the audit log: filtered, newest first, a keyset page at a time, so that the
//! millionth row costs what the first does; and the same rows for the CSV export.

use bytes::Bytes;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;
use futures_util::Stream;

use crate::db::ids::{CompanyId, ProjectId, UserId};
use crate::db::models::audit_log::AuditRow;
use crate::domain::refusal::AccessRefused;
use crate::domain::Role;
use crate::error::AppError;
use crate::schema::{audit_log, companies, projects, users};
use crate::services::audit_chain::{self, LastVerification};
use crate::services::audit_digests::{self, DigestSummary};
use crate::services::audit_names::AuditNames;
use crate::services::{Actor, ServiceContext};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// `None` only for the operator's view of every company.
    pub company: Option<CompanyId>,
    pub project: Option<ProjectId>,
    pub actor: Option<UserId>,
    pub action: Option<String>,
    /// Inclusive lower bound.
    pub from: Option<DateTime<Utc>>,
    /// Exclusive upper bound.
    pub until: Option<DateTime<Utc>>,
}

/// The position after the last row shown: `(created_at, id)` of that row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditCursor {
    pub created_at: DateTime<Utc>,
    pub id: i64,
}

impl AuditCursor {
    pub fn encode(&self) -> String {
        format!("{}.{}", self.created_at.timestamp_micros(), self.id)
    }

    pub fn decode(value: &str) -> Option<AuditCursor> {
        let (micros, id) = value.split_once('.')?;
        Some(AuditCursor {
            created_at: DateTime::from_timestamp_micros(micros.parse().ok()?)?,
            id: id.parse().ok()?,
        })
    }
}

/// The start of `day` in `tz`, as UTC (a day typed by the viewer means their day).
pub fn start_of_day(day: NaiveDate, tz: Tz) -> Option<DateTime<Utc>> {
    let midnight = day.and_hms_opt(0, 0, 0)?;
    tz.from_local_datetime(&midnight)
        .earliest()
        .map(|at| at.with_timezone(&Utc))
}

pub fn page(
    conn: &mut PgConnection,
    filter: &AuditFilter,
    after: Option<AuditCursor>,
    limit: i64,
) -> Result<(Vec<AuditRow>, Option<AuditCursor>), AppError> {
    let mut query = audit_log::table.select(AuditRow::as_select()).into_boxed();
    if let Some(company) = filter.company {
        query = query.filter(audit_log::company_id.eq(company));
    }
    if let Some(project) = filter.project {
        query = query.filter(audit_log::project_id.eq(project));
    }
    if let Some(actor) = filter.actor {
        query = query.filter(audit_log::actor_user_id.eq(actor));
    }
    if let Some(action) = &filter.action {
        query = query.filter(audit_log::action.eq(action.clone()));
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_log::created_at.ge(from));
    }
    if let Some(until) = filter.until {
        query = query.filter(audit_log::created_at.lt(until));
    }
    if let Some(cursor) = after {
        // A row comparison, which the (…, created_at DESC, id DESC) indexes take as the
        // scan's start: the same bound written with OR is a filter, and a page a million
        // rows deep into every company's trail read those million entries (98 ms at 20M
        // rows). The plain bound lets PostgreSQL skip the newer monthly partitions.
        query = query
            .filter(audit_log::created_at.le(cursor.created_at))
            .filter(
                diesel::dsl::sql::<diesel::sql_types::Bool>(
                    "(audit_log.created_at, audit_log.id) < (",
                )
                .bind::<diesel::sql_types::Timestamptz, _>(cursor.created_at)
                .sql(", ")
                .bind::<diesel::sql_types::BigInt, _>(cursor.id)
                .sql(")"),
            );
    }
    let mut rows: Vec<AuditRow> = query
        .order((audit_log::created_at.desc(), audit_log::id.desc()))
        .limit(limit + 1)
        .load(conn)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = if more {
        rows.last().map(|r| AuditCursor {
            created_at: r.created_at,
            id: r.id,
        })
    } else {
        None
    };
    Ok((rows, next))
}

/// A CSV cell that a spreadsheet will not run: `= + - @` (and tab, CR) lead a formula, so
/// such a cell gets a leading apostrophe (OWASP CSV injection).
pub fn csv_safe(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_owned(),
    }
}

pub const CSV_HEADER: [&str; 11] = [
    "time_utc",
    "id",
    "actor",
    "company_id",
    "project_id",
    "action",
    "resource_type",
    "resource_id",
    "details",
    "ip_address",
    "user_agent",
];

/// Rows as CSV lines (no header), every cell made safe.
pub fn csv_lines(rows: &[AuditRow]) -> Result<Vec<u8>, AppError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        let cells = [
            row.created_at.to_rfc3339(),
            row.id.to_string(),
            row.actor_username.clone().unwrap_or_default(),
            row.company_id.map(|c| c.to_string()).unwrap_or_default(),
            row.project_id.map(|p| p.to_string()).unwrap_or_default(),
            row.action.clone(),
            row.resource_type.clone().unwrap_or_default(),
            row.resource_id.clone().unwrap_or_default(),
            row.details.to_string(),
            row.ip_address.clone().unwrap_or_default(),
            row.user_agent.clone().unwrap_or_default(),
        ];
        writer
            .write_record(cells.iter().map(|c| csv_safe(c)))
            .map_err(|e| AppError::Unexpected(e.into()))?;
    }
    writer
        .into_inner()
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("csv: {e}")))
}

/// Who may read which audit rows: the operator every company's (or the one they chose),
/// a company admin their company's, nobody else. An admin's chosen company is replaced.
fn scoped(actor: &Actor, filter: AuditFilter) -> Result<AuditFilter, AppError> {
    let company = match actor.role() {
        Some(Role::Superadmin) => filter.company,
        Some(Role::Admin) => Some(actor.company_id()),
        _ => return Err(AppError::from(AccessRefused::AuditTrailAdminOnly)),
    };
    Ok(AuditFilter { company, ..filter })
}

/// One page of the audit trail as the actor may see it.
pub struct AuditView {
    pub rows: Vec<AuditRow>,
    /// The names of the people and things the rows refer to.
    pub names: AuditNames,
    pub next: Option<AuditCursor>,
    /// The chosen company's projects and users for the filters (for the operator, once
    /// a company is chosen).
    pub projects: Vec<(ProjectId, String)>,
    pub users: Vec<(UserId, String)>,
    /// The operator sees every company.
    pub all_companies: bool,
    /// For the operator: every company by name, for the filter and the rows.
    pub companies: Vec<(CompanyId, String)>,
    /// For the operator: the last run of `hopper audit verify`.
    pub last_verification: Option<LastVerification>,
    /// The signed digests the actor may download (the operator's: every chain's).
    pub digests: DigestSummary,
}

pub async fn view(
    ctx: &ServiceContext,
    actor: &Actor,
    filter: AuditFilter,
    after: Option<AuditCursor>,
    limit: i64,
) -> Result<AuditView, AppError> {
    let filter = scoped(actor, filter)?;
    let operator = actor.role() == Some(Role::Superadmin);
    let (signer, chain) = (ctx.audit_signer(), audit_digests::summary_chain(actor));
    ctx.run(actor, move |conn, _| {
        let (rows, next) = page(conn, &filter, after, limit)?;
        let names = AuditNames::load(conn, filter.company, &rows)?;
        let companies = if operator {
            companies::table
                .order(companies::company_name.asc())
                .select((companies::id, companies::company_name))
                .load(conn)?
        } else {
            Vec::new()
        };
        let (projects, users) = match filter.company {
            Some(company) => (
                projects::table
                    .filter(projects::company_id.eq(company))
                    .order(projects::project_name.asc())
                    .select((projects::id, projects::project_name))
                    .load(conn)?,
                users::table
                    .filter(users::company_id.eq(company))
                    .order(users::username.asc())
                    .select((users::id, users::username))
                    .load(conn)?,
            ),
            None => (Vec::new(), Vec::new()),
        };
        let last_verification = if operator {
            audit_chain::last_verification(conn)?
        } else {
            None
        };
        Ok(AuditView {
            rows,
            names,
            next,
            projects,
            users,
            all_companies: operator,
            companies,
            last_verification,
            digests: audit_digests::summary(conn, &signer, chain)?,
        })
    })
    .await
}

/// The filtered rows as CSV, one keyset batch per chunk, so memory stays flat however
/// many rows match. The first chunk is the header line.
pub fn csv_stream(
    ctx: &ServiceContext,
    actor: &Actor,
    filter: AuditFilter,
    batch: i64,
) -> Result<impl Stream<Item = Result<Bytes, AppError>>, AppError> {
    let filter = scoped(actor, filter)?;
    let mut header_line = csv::Writer::from_writer(Vec::new());
    header_line
        .write_record(CSV_HEADER)
        .map_err(|e| AppError::Unexpected(e.into()))?;
    let header = header_line
        .into_inner()
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("csv: {e}")))?;
    let (ctx, actor) = (ctx.clone(), actor.clone());
    Ok(futures_util::stream::unfold(
        (Some(header), None::<AuditCursor>, false),
        move |(header, after, done)| {
            let (ctx, actor, filter) = (ctx.clone(), actor.clone(), filter.clone());
            async move {
                if let Some(header) = header {
                    return Some((Ok(Bytes::from(header)), (None, None, false)));
                }
                if done {
                    return None;
                }
                let lines = ctx
                    .run(&actor, move |conn, _| {
                        let (rows, next) = page(conn, &filter, after, batch)?;
                        Ok((csv_lines(&rows)?, next))
                    })
                    .await;
                Some(match lines {
                    Ok((bytes, next)) => (Ok(Bytes::from(bytes)), (None, next, next.is_none())),
                    Err(e) => (Err(e), (None, None, true)),
                })
            }
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_defused() {
        assert_eq!(
            csv_safe("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(csv_safe("+1"), "'+1");
        assert_eq!(csv_safe("-2"), "'-2");
        assert_eq!(csv_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_safe("plain"), "plain");
    }

    #[test]
    fn cursors_round_trip() {
        let cursor = AuditCursor {
            created_at: DateTime::from_timestamp_micros(1_790_000_000_123_456).unwrap(),
            id: 42,
        };
        assert_eq!(AuditCursor::decode(&cursor.encode()), Some(cursor));
        assert_eq!(AuditCursor::decode("garbage"), None);
    }

    #[test]
    fn a_day_starts_at_the_viewers_midnight() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let tokyo = start_of_day(day, chrono_tz::Asia::Tokyo).unwrap();
        assert_eq!(tokyo.to_rfc3339(), "2026-11-21T15:00:00+00:00");
    }
}
