//! After a crash (or a request that vanished without its cleanup), uploads can be left
//! `uploading` with a multipart upload open in S3. The reaper — at start-up and every few
//! minutes, one node at a time under an advisory lock — fails such rows, closes their
//! sessions and aborts the multipart uploads by their stored ids. The database's upload
//! ids are the source of truth: some stores ignore lifecycle rules and list uploads only
//! by exact key.

use std::time::Duration;

use chrono::Utc;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};
use serde_json::json;

use crate::db::ids::{FileUploadId, SyncSessionId};
use crate::db::models::file_upload::FileUpload;
use crate::db::models::storage_location::StorageLocation;
use crate::db::models::sync_session::SyncSession;
use crate::domain::{FileStatus, SessionStatus};
use crate::error::AppError;
use crate::schema::{file_uploads, projects, storage_locations, sync_sessions, tus_uploads};
use crate::services::audit::{actions, AuditEvent};
use crate::services::cycle_progress::MovedBy;
use crate::services::file_life::{self, FileOf, Moved, Told};
use crate::services::{storage_locations as locations, ServiceContext};
use crate::storage::ObjectTarget;

/// Taken with `pg_try_advisory_xact_lock`: one reaper at a time across all nodes.
const REAPER_LOCK: i64 = 0x686f_7070_6572_0001;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ReapReport {
    pub failed_files: usize,
    pub closed_sessions: usize,
    pub aborted_uploads: usize,
}

#[derive(diesel::QueryableByName)]
struct Locked {
    #[diesel(sql_type = Bool)]
    locked: bool,
}

type AbortWork = (FileUploadId, StorageLocation, String, String);

fn reap_rows(
    conn: &mut PgConnection,
    stale_after: Duration,
    now: chrono::DateTime<Utc>,
) -> Result<Option<(ReapReport, Vec<AbortWork>)>, AppError> {
    let lock: Locked = diesel::sql_query("SELECT pg_try_advisory_xact_lock($1) AS locked")
        .bind::<BigInt, _>(REAPER_LOCK)
        .get_result(conn)?;
    if !lock.locked {
        return Ok(None);
    }
    let cutoff = now
        - chrono::Duration::from_std(stale_after).unwrap_or_else(|_| chrono::Duration::minutes(15));
    let minutes = stale_after.as_secs().div_ceil(60);
    let reason = format!(
        "interrupted: no progress for {minutes} minutes (Hopper restarted or the connection was lost)"
    );
    let mut report = ReapReport::default();

    let stale: Vec<FileUpload> = file_uploads::table
        .filter(file_uploads::status.eq(FileStatus::Uploading))
        .filter(file_uploads::updated_at.lt(cutoff))
        // S3 may hold its object: the reconciler reads it back before anything is failed.
        .filter(file_uploads::completing_since.is_null())
        // A resumable upload waits for its client until it expires (see tus::expiry).
        .filter(diesel::dsl::not(diesel::dsl::exists(
            tus_uploads::table
                .filter(tus_uploads::file_id.eq(file_uploads::id))
                .filter(tus_uploads::outcome.is_null()),
        )))
        .for_no_key_update()
        .skip_locked()
        .select(FileUpload::as_select())
        .load(conn)?;
    for file in &stale {
        let told = Told::Reaped {
            by: "reaper",
            row: file,
        };
        if reap(conn, file, &reason, told)?.moved() {
            report.failed_files += 1;
        }
    }

    // Sessions left open with nothing uploading any more.
    let open: Vec<(SyncSessionId, i32, i32)> = sync_sessions::table
        .inner_join(projects::table)
        .filter(sync_sessions::status.eq_any([SessionStatus::Pending, SessionStatus::InProgress]))
        .filter(sync_sessions::created_at.lt(cutoff))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            file_uploads::table
                .filter(file_uploads::session_id.eq(sync_sessions::id))
                .filter(file_uploads::status.eq(FileStatus::Uploading)),
        )))
        .select((sync_sessions::id, projects::id, projects::company_id))
        .load::<(SyncSessionId, i32, i32)>(conn)?;
    for (session, project, company) in open {
        SyncSession::finish(conn, session, Some(&reason))?;
        AuditEvent::new(actions::UPLOAD_FINISHED)
            .company(crate::db::ids::CompanyId(company))
            .project(crate::db::ids::ProjectId(project))
            .resource("sync_session", session)
            .details(json!({ "status": "failed", "error": reason, "by": "reaper" }))
            .record(conn)?;
        report.closed_sessions += 1;
    }

    // Each upload is aborted where it was started: the file's own location.
    let work: Vec<AbortWork> = file_uploads::table
        .inner_join(storage_locations::table)
        .filter(file_uploads::s3_upload_id.is_not_null())
        .filter(file_uploads::status.ne(FileStatus::Uploading))
        .select((
            file_uploads::id,
            StorageLocation::as_select(),
            file_uploads::s3_key,
            file_uploads::s3_upload_id.assume_not_null(),
        ))
        .limit(1000)
        .load(conn)?;
    Ok(Some((report, work)))
}

/// Fails an abandoned uploading file with the bytes that had arrived.
fn reap(
    conn: &mut PgConnection,
    file: &FileUpload,
    reason: &str,
    told: Told<'_>,
) -> Result<Moved, AppError> {
    let at = FileOf {
        file: file.id,
        session: file.session_id,
        project: None,
    };
    let size = file.file_size.unwrap_or(0);
    file_life::fail(
        conn,
        MovedBy::Hopper(file.company_id),
        at,
        (size, reason),
        told,
    )
}

/// One pass. The database work commits before any S3 call.
pub async fn run_once(ctx: &ServiceContext, stale_after: Duration) -> Result<ReapReport, AppError> {
    // Abandoned resumable uploads first: their rows then fail and are aborted below.
    crate::services::uploads::tus::expire_abandoned(ctx).await?;
    let now = ctx.clock().now();
    let Some((mut report, work)) = ctx
        .run_unscoped(move |conn| reap_rows(conn, stale_after, now))
        .await?
    else {
        return Ok(ReapReport::default());
    };
    for (file, location, key, upload_id) in work {
        let target = ObjectTarget {
            client: ctx.storage().client_for(&locations::place(&location)),
            bucket: location.bucket_name,
            key,
            content_type: String::new(),
            lock: None,
        };
        let gone = match target.abort(&upload_id).await {
            Ok(()) => true,
            // Already aborted or completed elsewhere: nothing is left to clean.
            Err(e) if e.contains("NoSuchUpload") => true,
            Err(e) => {
                tracing::warn!(file = %file, error = %e, "reaper could not abort an upload; retrying later");
                false
            }
        };
        if gone {
            ctx.run_unscoped(move |conn| Ok(FileUpload::set_upload_id(conn, file, None)?))
                .await?;
            report.aborted_uploads += 1;
        }
    }
    if report != ReapReport::default() {
        tracing::info!(?report, "reaper cleaned up interrupted uploads");
    }
    Ok(report)
}

/// At start-up: the uploads this node's earlier runs left `uploading` cannot be running
/// any more (a crash, `kill -9`, a power cut), so they are failed at once, with the bytes
/// that had arrived, and their sessions closed when nothing else of theirs is uploading.
/// Other nodes' uploads are the stale-progress rule's business.
pub async fn settle_previous_boots(ctx: &ServiceContext) -> Result<usize, AppError> {
    let node = ctx.node().clone();
    let settled = ctx
        .run_unscoped(move |conn| {
            let rows: Vec<FileUpload> = file_uploads::table
                .filter(file_uploads::status.eq(FileStatus::Uploading))
                .filter(file_uploads::node_id.eq(&node.node_id))
                .filter(file_uploads::boot_id.ne(node.boot_id))
                // Those S3 may have completed are the reconciler's (run next).
                .filter(file_uploads::completing_since.is_null())
                .for_no_key_update()
                .skip_locked()
                .select(FileUpload::as_select())
                .load(conn)?;
            for file in &rows {
                let size = file.file_size.unwrap_or(0);
                let reason = format!(
                    "interrupted: Hopper restarted while this file was arriving ({size} bytes had arrived)"
                );
                let told = Told::Reaped { by: "restart", row: file };
                let _ = reap(conn, file, &reason, told)?;
            }
            // Their batches, and those whose last files the reconciler just settled.
            let sessions: Vec<(SyncSessionId, crate::db::ids::CompanyId)> = sync_sessions::table
                .inner_join(file_uploads::table)
                .filter(sync_sessions::status.eq_any([SessionStatus::Pending, SessionStatus::InProgress]))
                .filter(file_uploads::node_id.eq(&node.node_id))
                .filter(file_uploads::boot_id.ne(node.boot_id))
                .select((sync_sessions::id, file_uploads::company_id))
                .distinct()
                .load(conn)?;
            for (session, company) in sessions {
                let still_uploading: bool = diesel::select(diesel::dsl::exists(
                    file_uploads::table
                        .filter(file_uploads::session_id.eq(session))
                        .filter(file_uploads::status.eq(FileStatus::Uploading)),
                ))
                .get_result(conn)?;
                if !still_uploading {
                    let closed = SyncSession::finish(conn, session, Some("The upload was interrupted: Hopper restarted."))?;
                    AuditEvent::new(actions::UPLOAD_FINISHED)
                        .company(company)
                        .project(closed.project_id)
                        .resource("sync_session", session)
                        .details(json!({ "status": closed.status, "by": "restart" }))
                        .record(conn)?;
                }
            }
            Ok(rows.len())
        })
        .await?;
    if settled > 0 {
        tracing::info!(
            settled,
            "failed the uploads an earlier run of this node left unfinished"
        );
    }
    Ok(settled)
}

/// Settles this node's earlier runs, then runs the reconciler and the reaper now (which
/// also aborts their multipart uploads by their stored ids) and every `reaper_interval`.
pub fn spawn(ctx: ServiceContext) {
    actix_web::rt::spawn(async move {
        let (stale_after, interval) = (ctx.uploads().stale_after, ctx.uploads().reaper_interval);
        let sweep = crate::services::reconciler::Sweep {
            older_than: stale_after,
            earlier_runs_of_this_node: true,
        };
        // Uploads S3 may have completed are read back first; the rest of this node's
        // earlier runs are then failed and their batches closed.
        if let Err(e) = crate::services::reconciler::run_once(&ctx, sweep).await {
            tracing::warn!(error = %e, "reconciler pass failed");
        }
        if let Err(e) = settle_previous_boots(&ctx).await {
            tracing::warn!(error = %e, "could not settle this node's interrupted uploads");
        }
        let mut ticks = actix_web::rt::time::interval(interval);
        loop {
            ticks.tick().await;
            // Part buffers pooled after a burst of uploads go back to the system.
            ctx.part_budget().trim_idle(interval);
            if let Err(e) = crate::services::reconciler::run_once(&ctx, sweep).await {
                tracing::warn!(error = %e, "reconciler pass failed");
            }
            if let Err(e) = run_once(&ctx, stale_after).await {
                tracing::warn!(error = %e, "reaper pass failed");
            }
            if let Err(e) = crate::services::stray_uploads::abort_unknown(&ctx).await {
                tracing::warn!(error = %e, "sweep of unknown multipart uploads failed");
            }
        }
    });
}
