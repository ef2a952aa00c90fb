//! Settles uploads whose outcome in S3 is in doubt. Before completing an object Hopper
//! records its intent on the uploading row (`completing_since`, the checksum and size the
//! object must have). When the completion's answer is lost, the commit after it fails or
//! the node dies, the row stays `uploading` with that intent, and this reads the object
//! back: the bytes match → the row completes; something else or nothing is there → the
//! stray object is deleted (the row owns its key: see migration 12) and the row fails.
//! Every settlement is audited. It runs right after a doubtful completion, at start-up
//! (for this node's earlier runs), with the reaper, and as `hopper reconcile`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::db::ids::{FileUploadId, ProjectId};
use crate::db::models::file_upload::FileUpload;
use crate::db::models::storage_location::StorageLocation;
use crate::domain::FileStatus;
use crate::error::AppError;
use crate::schema::file_uploads;
use crate::services::actor::Actor;
use crate::services::cycle_progress::MovedBy;
use crate::services::file_life::{self, Completion, FileOf, Scanned, StoredFile, Told};
use crate::services::scanning;
use crate::services::{storage_locations, ServiceContext};
use crate::storage::read_back::Stored;
use crate::storage::ObjectTarget;

/// Taken with `pg_advisory_xact_lock` while choosing candidates: one choice at a time.
const RECONCILER_LOCK: i64 = 0x686f_7070_6572_0002;

/// How one doubtful upload ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settlement {
    /// The object holds the expected bytes: the row is completed.
    Completed,
    /// Nothing, or other bytes, were stored: the row is failed (a stray object deleted).
    Failed,
    /// S3 could not be asked; the row keeps its intent for a later pass.
    InDoubt(String),
    /// Nothing to do: the row is no longer an uploading one with an intent.
    NotInDoubt,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ReconcileReport {
    pub completed: usize,
    pub failed: usize,
    pub in_doubt: usize,
}

struct Doubt {
    row: FileUpload,
    location: StorageLocation,
    project: ProjectId,
    review: bool,
}

fn load_doubt(conn: &mut PgConnection, file: FileUploadId) -> Result<Option<Doubt>, AppError> {
    let found = FileUpload::with_place(conn, file, FileStatus::Uploading)?;
    Ok(found
        .filter(|(row, ..)| row.completing_since.is_some())
        .map(|(row, location, project, review)| Doubt {
            row,
            location,
            project,
            review,
        }))
}

/// Settles one file. `actor` is the person whose upload it was when they are still
/// there (the doubt arose in their request); otherwise the rows name Hopper itself.
pub async fn settle(
    ctx: &ServiceContext,
    actor: Option<&Actor>,
    file: FileUploadId,
) -> Result<Settlement, AppError> {
    let Some(doubt) = ctx.run_unscoped(move |conn| load_doubt(conn, file)).await? else {
        return Ok(Settlement::NotInDoubt);
    };
    let target = ObjectTarget {
        client: ctx
            .storage()
            .client_for(&storage_locations::place(&doubt.location)),
        bucket: doubt.location.bucket_name.clone(),
        key: doubt.row.s3_key.clone(),
        content_type: String::new(),
        lock: None,
    };
    let expected = (
        doubt.row.file_size.and_then(|s| u64::try_from(s).ok()),
        doubt.row.checksum.clone(),
    );
    let found = match target.read_back().await {
        Ok(found) => found,
        Err(e) => return Ok(Settlement::InDoubt(e)),
    };
    let verdict = match &found {
        Stored::Object { size, sha256 } if (Some(*size), Some(sha256.clone())) == expected => {
            Verdict::Matches
        }
        Stored::Object { .. } => {
            if let Err(e) = target.delete().await {
                return Ok(Settlement::InDoubt(e));
            }
            Verdict::Deleted
        }
        Stored::Nothing => Verdict::Missing,
    };
    let (actor, now) = (actor.cloned(), ctx.clock().now());
    // No scan saw these bytes to their end: with a scanner, they wait for it in `scanning`.
    let scan = scanning::unscanned(ctx);
    let settled = ctx
        .run_unscoped(move |conn| record(conn, actor.as_ref(), &doubt, (verdict, now), scan))
        .await;
    if matches!(settled, Ok(Settlement::Completed)) && scan == Scanned::Pending {
        scanning::scan_in_background(ctx.clone(), file);
    }
    settled
}

#[derive(Debug, Clone, Copy)]
enum Verdict {
    Matches,
    Deleted,
    Missing,
}

fn record(
    conn: &mut PgConnection,
    actor: Option<&Actor>,
    doubt: &Doubt,
    (verdict, now): (Verdict, DateTime<Utc>),
    scan: Scanned,
) -> Result<Settlement, AppError> {
    let row = &doubt.row;
    let size = row.file_size.unwrap_or(0);
    let by = match actor {
        Some(actor) => MovedBy::Actor(actor),
        None => MovedBy::Hopper(row.company_id),
    };
    let at = FileOf {
        file: row.id,
        session: row.session_id,
        project: Some(doubt.project),
    };
    let outcome = match verdict {
        Verdict::Matches => "completed: the stored bytes match",
        Verdict::Deleted => "failed: other bytes were stored and deleted",
        Verdict::Missing => "failed: nothing was stored",
    };
    let told = Told::ReadBack { row, outcome };
    let moved = match verdict {
        Verdict::Matches => {
            let stored = StoredFile {
                size,
                checksum: row.checksum.as_deref().unwrap_or_default(),
                content_type: row
                    .content_type
                    .as_deref()
                    .unwrap_or("application/octet-stream"),
            };
            let completion = Completion {
                project: doubt.project,
                review: doubt.review,
                scan,
            };
            let completed =
                file_life::complete(conn, by, (at, completion), &stored, (told, now), |_| Ok(()))?;
            completed.moved().then_some(Settlement::Completed)
        }
        Verdict::Deleted | Verdict::Missing => {
            let reason = match verdict {
                Verdict::Deleted => "S3 held other bytes than the ones sent, so they were deleted; please upload the file again",
                _ => "S3 did not store the file; please upload it again",
            };
            let failed = file_life::fail(conn, by, at, (size, reason), told)?;
            failed.moved().then_some(Settlement::Failed)
        }
    };
    Ok(moved.unwrap_or(Settlement::NotInDoubt))
}

/// Which uploads in doubt a pass takes.
#[derive(Debug, Clone, Copy)]
pub struct Sweep {
    /// Those whose intent (and last progress) is older than this.
    pub older_than: Duration,
    /// Also, at once, those of this node's earlier runs (a serving node at start-up; not
    /// an operator's command, which is no node and must not judge a live one's uploads).
    pub earlier_runs_of_this_node: bool,
}

/// The uploads in doubt that nobody is working on any more.
fn candidates(
    conn: &mut PgConnection,
    ctx_node: &crate::services::context::NodeIdentity,
    (sweep, now): (Sweep, DateTime<Utc>),
) -> Result<Vec<FileUploadId>, AppError> {
    // Passes take their candidates one after another (a blocking lock held for this
    // query only): a pass that skipped while another held it would report "nothing in
    // doubt" to an operator's `hopper reconcile` although there was. Settling twice is
    // harmless; `record` only moves rows that are still uploading.
    diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
        .bind::<BigInt, _>(RECONCILER_LOCK)
        .execute(conn)?;
    let cutoff = now
        - chrono::Duration::from_std(sweep.older_than)
            .unwrap_or_else(|_| chrono::Duration::minutes(15));
    let mut query = file_uploads::table
        .filter(file_uploads::status.eq(FileStatus::Uploading))
        .filter(file_uploads::completing_since.is_not_null())
        .into_boxed();
    query = if sweep.earlier_runs_of_this_node {
        let earlier_run_of_mine = file_uploads::node_id
            .eq(ctx_node.node_id.clone())
            .and(file_uploads::boot_id.ne(ctx_node.boot_id));
        query.filter(
            file_uploads::updated_at
                .lt(cutoff)
                .or(earlier_run_of_mine.assume_not_null()),
        )
    } else {
        query.filter(file_uploads::updated_at.lt(cutoff))
    };
    Ok(query
        .order(file_uploads::id.asc())
        .select(file_uploads::id)
        .limit(500)
        .load(conn)?)
}

/// One pass over the uploads in doubt.
pub async fn run_once(ctx: &ServiceContext, sweep: Sweep) -> Result<ReconcileReport, AppError> {
    let node = ctx.node().clone();
    let now = ctx.clock().now();
    let files = ctx
        .run_unscoped(move |conn| candidates(conn, &node, (sweep, now)))
        .await?;
    let mut report = ReconcileReport::default();
    for file in files {
        match settle(ctx, None, file).await? {
            Settlement::Completed => report.completed += 1,
            Settlement::Failed => report.failed += 1,
            Settlement::InDoubt(why) => {
                tracing::warn!(file = %file, error = %why, "upload still in doubt; S3 could not be asked");
                report.in_doubt += 1;
            }
            Settlement::NotInDoubt => {}
        }
    }
    if report != ReconcileReport::default() {
        tracing::info!(?report, "reconciler settled uploads in doubt");
    }
    Ok(report)
}

/// After a doubtful completion in a request: tries again in the background with growing
/// pauses while S3 (or the database) is away; the periodic pass takes over after that.
pub fn retry_in_background(ctx: ServiceContext, actor: Actor, file: FileUploadId) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    runtime.spawn(async move {
        for pause in [2u64, 5, 15, 30, 60, 120, 300] {
            tokio::time::sleep(Duration::from_secs(pause)).await;
            match settle(&ctx, Some(&actor), file).await {
                Ok(Settlement::InDoubt(_)) | Err(_) => continue,
                Ok(_) => return,
            }
        }
        tracing::warn!(file = %file, "upload still in doubt; the periodic reconciler will settle it");
    });
}
