//! Retention: a project that keeps files N days after their cycle was closed has their
//! bytes deleted once that time has passed; each row stays as a tombstone (path, size,
//! checksum, when, why). `hopper retention run [--dry-run]` and the daily sweep of
//! [`spawn_daily`] run it, one node at a time under an advisory lock.
//!
//! Intent before effect: the decision (the tombstone, its audit row) commits first; then
//! S3 is asked to delete each object, and the row notes when it answered. A failure in
//! between leaves tombstones whose bytes the next run deletes. A legal hold over a file
//! keeps it, bytes and all, and the run reports it as held.

mod object_lock;
pub mod settings;

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Timestamptz};

use crate::db::ids::{CompanyId, FileUploadId, ProjectId};
use crate::db::models::file_upload::FileUpload;
use crate::db::models::legal_hold::LegalHold;
use crate::db::models::storage_location::StorageLocation;
use crate::domain::FileStatus;
use crate::error::AppError;
use crate::schema::{companies, cycles, file_uploads, projects, storage_locations, sync_sessions};
use crate::services::cycle_progress::MovedBy;
use crate::services::file_life;
use crate::services::{storage_locations as locations, ServiceContext};
use crate::storage::ObjectTarget;
use object_lock::LockedDelete;

/// Taken with `pg_try_advisory_xact_lock`: one retention run at a time across all nodes
/// (the reaper has …0001, the reconciler …0002).
const RETENTION_LOCK: i64 = 0x686f_7070_6572_0003;

/// One file a run deleted (or would), or kept because a hold covers it.
#[derive(Debug, Clone)]
pub struct RetentionLine {
    pub file: FileUploadId,
    pub company: String,
    pub project: String,
    pub cycle: String,
    pub path: String,
    pub size: Option<i64>,
    /// Why it goes, or which hold keeps it.
    pub why: String,
}

#[derive(Debug, Default, Clone)]
pub struct RetentionReport {
    /// Another node was running retention: this run did nothing.
    pub busy: bool,
    pub dry_run: bool,
    /// Files whose time has come: tombstoned now (or, in a dry run, that would be).
    pub deleted: Vec<RetentionLine>,
    /// Files whose time has come that a legal hold keeps.
    pub held: Vec<RetentionLine>,
    /// Objects deleted from S3 in this run (including earlier runs' leftovers).
    pub bytes_deleted: usize,
    /// Tombstones whose object S3 could not delete now; the next run retries.
    pub bytes_pending: usize,
    /// Tombstones whose object S3 Object Lock keeps until the date given: not an error;
    /// a run after that date deletes them.
    pub locked_until: Vec<(FileUploadId, DateTime<Utc>)>,
}

#[derive(diesel::QueryableByName)]
struct Locked {
    #[diesel(sql_type = Bool)]
    locked: bool,
}

type Candidate = (
    FileUpload,
    ProjectId,
    String,
    String,
    String,
    Option<DateTime<Utc>>,
    Option<i32>,
);

/// Files decided (and objects deleted) per transaction: a first run over years of files
/// neither holds one transaction open for long nor loads every row at once.
const BATCH: i64 = 1_000;

/// Completed files (deleted by an admin or not) whose cycle closed more than its
/// project's retention ago, and that are no tombstone yet: the next [`BATCH`] after
/// `after`, by id.
fn due(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    after: FileUploadId,
) -> QueryResult<Vec<Candidate>> {
    file_uploads::table
        .inner_join(cycles::table.inner_join(projects::table.inner_join(companies::table)))
        .filter(file_uploads::id.gt(after))
        .filter(file_uploads::retired_at.is_null())
        .filter(file_uploads::status.eq(FileStatus::Completed))
        .filter(cycles::closed_at.is_not_null())
        .filter(projects::retention_days.is_not_null())
        .filter(
            diesel::dsl::sql::<Bool>(
                "cycles.closed_at + make_interval(days => projects.retention_days) <= ",
            )
            .bind::<Timestamptz, _>(now),
        )
        .order(file_uploads::id.asc())
        .select((
            FileUpload::as_select(),
            projects::id,
            companies::company_code,
            projects::project_name,
            cycles::cycle_name,
            cycles::closed_at,
            projects::retention_days,
        ))
        .limit(BATCH)
        .load(conn)
}

fn why(cycle: &str, closed_at: Option<DateTime<Utc>>, days: Option<i32>) -> String {
    let closed = closed_at.map_or_else(String::new, |at| at.format("%Y-%m-%d").to_string());
    let days = days.unwrap_or_default();
    format!("retention: the project keeps files {days} days after their cycle closes; {cycle} closed on {closed}")
}

/// One batch of decisions.
#[derive(Debug, Default)]
struct Decided {
    deleted: Vec<RetentionLine>,
    held: Vec<RetentionLine>,
    /// The last file looked at, when the batch was full (more may follow).
    more_after: Option<FileUploadId>,
}

/// A batch of decisions, in one transaction: each due file after `after` tombstoned (or,
/// dry, listed), unless held. `None`: another node holds the lock.
fn decide(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    dry_run: bool,
    after: FileUploadId,
) -> Result<Option<Decided>, AppError> {
    let lock: Locked = diesel::sql_query("SELECT pg_try_advisory_xact_lock($1) AS locked")
        .bind::<BigInt, _>(RETENTION_LOCK)
        .get_result(conn)?;
    if !lock.locked {
        return Ok(None);
    }
    let holds = LegalHold::all_active(conn)?;
    let due = due(conn, now, after)?;
    let mut report = Decided {
        more_after: (due.len() == BATCH as usize)
            .then(|| due.last().map(|row| row.0.id))
            .flatten(),
        ..Decided::default()
    };
    for (file, project, company, project_name, cycle, closed_at, days) in due {
        let hold = holds
            .iter()
            .find(|h| h.company_id == file.company_id && h.covers(project, file.cycle_id));
        let mut line = RetentionLine {
            file: file.id,
            company,
            project: project_name,
            cycle: cycle.clone(),
            path: file.file_path.clone(),
            size: file.file_size,
            why: why(&cycle, closed_at, days),
        };
        if let Some(hold) = hold {
            line.why = format!(
                "held: legal hold placed by {} on {}: {}",
                hold.placed_by_name,
                hold.placed_at.format("%Y-%m-%d"),
                hold.reason
            );
            report.held.push(line);
            continue;
        }
        if !dry_run {
            let by = MovedBy::Hopper(file.company_id);
            if !file_life::retire(conn, by, (&file, project), now, &line.why)?.moved() {
                continue;
            }
        }
        report.deleted.push(line);
    }
    Ok(Some(report))
}

type Pending = (FileUpload, ProjectId, StorageLocation);

/// Tombstones whose bytes are still to be deleted, the next [`BATCH`] after `after`; and
/// of those, the ones no hold covers meanwhile.
fn pending(
    conn: &mut PgConnection,
    after: FileUploadId,
) -> QueryResult<(Vec<Pending>, Option<FileUploadId>)> {
    let rows: Vec<Pending> = file_uploads::table
        .inner_join(sync_sessions::table)
        .inner_join(storage_locations::table)
        .filter(file_uploads::id.gt(after))
        .filter(file_uploads::retired_at.is_not_null())
        .filter(file_uploads::bytes_deleted_at.is_null())
        .order(file_uploads::id.asc())
        .select((
            FileUpload::as_select(),
            sync_sessions::project_id,
            StorageLocation::as_select(),
        ))
        .limit(BATCH)
        .load(conn)?;
    let more_after = (rows.len() == BATCH as usize)
        .then(|| rows.last().map(|row| row.0.id))
        .flatten();
    let holds = LegalHold::all_active(conn)?;
    let free = rows
        .into_iter()
        .filter(|(file, project, _)| {
            !holds
                .iter()
                .any(|h| h.company_id == file.company_id && h.covers(*project, file.cycle_id))
        })
        .collect();
    Ok((free, more_after))
}

/// Deletes the objects of the pending tombstones; notes each S3 confirms.
async fn delete_bytes(ctx: &ServiceContext, report: &mut RetentionReport) -> Result<(), AppError> {
    let mut after = FileUploadId(0);
    loop {
        let (work, more_after) = ctx
            .run_unscoped(move |conn| Ok(pending(conn, after)?))
            .await?;
        delete_objects(ctx, work, report).await?;
        match more_after {
            Some(last) => after = last,
            None => return Ok(()),
        }
    }
}

/// Deletes each object, then notes it on its tombstone (its own small transaction).
async fn delete_objects(
    ctx: &ServiceContext,
    work: Vec<Pending>,
    report: &mut RetentionReport,
) -> Result<(), AppError> {
    for (file, project, location) in work {
        // A row that never owned its key (an older Hopper overwrote it with a newer
        // version, whose row owns the object) has no bytes of its own to delete.
        let own_object = file.owns_key && !file.s3_key.is_empty();
        if own_object {
            let target = ObjectTarget {
                client: ctx.storage().client_for(&locations::place(&location)),
                bucket: location.bucket_name.clone(),
                key: file.s3_key.clone(),
                content_type: String::new(),
                lock: None,
            };
            let deleted = if location.object_lock().is_some() {
                object_lock::delete_locked(&target, ctx.clock().now()).await
            } else {
                target.delete().await.map_err(LockedDelete::Failed)
            };
            match deleted {
                Ok(()) => {}
                Err(LockedDelete::KeptUntil(until)) => {
                    tracing::info!(file = %file.id, key = %file.s3_key, %until, "retention: S3 Object Lock keeps the object until its retain-until date");
                    report.locked_until.push((file.id, until));
                    continue;
                }
                Err(LockedDelete::Failed(error)) => {
                    tracing::warn!(file = %file.id, key = %file.s3_key, %error, "retention could not delete an object; the next run retries");
                    report.bytes_pending += 1;
                    continue;
                }
            }
        }
        let now = ctx.clock().now();
        let company: CompanyId = file.company_id;
        let moved = ctx
            .run_unscoped(move |conn| {
                file_life::bytes_gone(
                    conn,
                    MovedBy::Hopper(company),
                    (&file, project),
                    now,
                    own_object,
                )
            })
            .await?;
        if moved.moved() {
            report.bytes_deleted += 1;
        }
    }
    Ok(())
}

/// One run: decide, then (unless dry) delete the bytes.
pub async fn run_once(ctx: &ServiceContext, dry_run: bool) -> Result<RetentionReport, AppError> {
    let now = ctx.clock().now();
    let mut report = RetentionReport {
        dry_run,
        ..RetentionReport::default()
    };
    let mut after = FileUploadId(0);
    loop {
        let decided = ctx
            .run_unscoped(move |conn| decide(conn, now, dry_run, after))
            .await?;
        let Some(decided) = decided else {
            // Another node runs retention: it decides the rest (and deletes the bytes).
            report.busy = after == FileUploadId(0);
            return Ok(report);
        };
        report.deleted.extend(decided.deleted);
        report.held.extend(decided.held);
        match decided.more_after {
            Some(last) => after = last,
            None => break,
        }
    }
    if !dry_run {
        delete_bytes(ctx, &mut report).await?;
    }
    Ok(report)
}

/// Runs retention once a day (the first run a minute after start-up).
pub fn spawn_daily(ctx: ServiceContext) {
    actix_web::rt::spawn(async move {
        actix_web::rt::time::sleep(Duration::from_secs(60)).await;
        let mut interval = actix_web::rt::time::interval(Duration::from_secs(24 * 3600));
        loop {
            interval.tick().await;
            match run_once(&ctx, false).await {
                Ok(report) if !report.busy => tracing::info!(
                    deleted = report.deleted.len(),
                    held = report.held.len(),
                    bytes_deleted = report.bytes_deleted,
                    bytes_pending = report.bytes_pending,
                    "retention ran"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "retention failed; it runs again tomorrow"),
            }
        }
    });
}
