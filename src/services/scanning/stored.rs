//! The scan of a stored file waiting in `scanning`: its object is read back from S3 into
//! clamd, then the file completes (clean), is quarantined (a virus: the object deleted
//! first), or is refused (too large to scan under the refusing policy: deleted first).
//! Without clamd's verdict it keeps waiting; deleting first makes a retry safe, as the
//! verdict of the same bytes does not change.

use diesel::prelude::*;

use crate::db::ids::{FileUploadId, ProjectId};
use crate::db::models::file_upload::FileUpload;
use crate::db::models::storage_location::StorageLocation;
use crate::domain::{FailReason, FileStatus};
use crate::error::AppError;
use crate::scanner::QuarantinePolicy;
use crate::schema::file_uploads;
use crate::services::cycle_progress::MovedBy;
use crate::services::file_life::{self, Completion, FileOf, Scanned, StoredFile, Told};
use crate::services::scanning::{judged, quarantine_key, Judged};
use crate::services::{storage_locations, ServiceContext};
use crate::storage::ObjectTarget;

/// How the scan of one waiting file ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanOutcome {
    Completed,
    Quarantined,
    Refused,
    /// No verdict (clamd or S3 did not answer): the file keeps waiting.
    NoVerdict(String),
    /// The file is not waiting for a scan (any more).
    NotWaiting,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ScanReport {
    pub completed: usize,
    pub quarantined: usize,
    pub refused: usize,
    pub waiting: usize,
}

struct Waiting {
    row: FileUpload,
    location: StorageLocation,
    project: ProjectId,
    review: bool,
}

fn load(conn: &mut PgConnection, file: FileUploadId) -> Result<Option<Waiting>, AppError> {
    let found = FileUpload::with_place(conn, file, FileStatus::Scanning)?;
    Ok(found.map(|(row, location, project, review)| Waiting {
        row,
        location,
        project,
        review,
    }))
}

/// Scans one waiting file from S3 and records the verdict.
pub async fn scan_stored(
    ctx: &ServiceContext,
    file: FileUploadId,
) -> Result<ScanOutcome, AppError> {
    let Some(scanner) = ctx.scanner() else {
        return Ok(ScanOutcome::NoVerdict("no scanner is configured".into()));
    };
    let Some(waiting) = ctx.run_unscoped(move |conn| load(conn, file)).await? else {
        return Ok(ScanOutcome::NotWaiting);
    };
    let target = ObjectTarget {
        client: ctx
            .storage()
            .client_for(&storage_locations::place(&waiting.location)),
        bucket: waiting.location.bucket_name.clone(),
        key: waiting.row.s3_key.clone(),
        content_type: String::new(),
        lock: None,
    };
    let size = waiting.row.file_size.and_then(|s| u64::try_from(s).ok());
    let mut feed = scanner.start(size).await;
    if feed.is_open() {
        let mut reader = match target.open_read().await {
            Ok(Some(reader)) => reader,
            Ok(None) => return record(ctx, waiting, Decided::Gone, None).await,
            Err(e) => return Ok(ScanOutcome::NoVerdict(e)),
        };
        loop {
            match reader.next_chunk().await {
                Ok(Some(chunk)) => feed.feed(&chunk).await,
                Ok(None) => break,
                Err(e) => return Ok(ScanOutcome::NoVerdict(e)),
            }
            if !feed.is_open() {
                break;
            }
        }
    }
    let decided = match judged(scanner, feed.verdict().await) {
        Judged::Take(Scanned::Pending) => {
            return Ok(ScanOutcome::NoVerdict("clamd gave no verdict".into()))
        }
        Judged::Take(scanned) => Decided::Take(scanned),
        Judged::Virus(signature) => Decided::Virus(signature),
        Judged::Refuse(refusal) => Decided::Refuse(FailReason::Refused(refusal.into())),
    };
    let keep = scanner.config().quarantine == QuarantinePolicy::Keep;
    let mut kept_at = None;
    match &decided {
        Decided::Virus(_) if keep => {
            let key = quarantine_key(&waiting.location.key_root, file, &target.key);
            if let Err(e) = target.move_to(&key).await {
                return Ok(ScanOutcome::NoVerdict(format!(
                    "S3 did not move the infected object to the quarantine: {e}"
                )));
            }
            kept_at = Some(key);
        }
        Decided::Virus(_) | Decided::Refuse(_) => {
            if let Err(e) = target.delete().await {
                return Ok(ScanOutcome::NoVerdict(format!(
                    "S3 did not delete the refused object: {e}"
                )));
            }
        }
        Decided::Take(_) | Decided::Gone => {}
    }
    record(ctx, waiting, decided, kept_at).await
}

enum Decided {
    Take(Scanned),
    Virus(String),
    Refuse(FailReason),
    /// S3 no longer holds the object.
    Gone,
}

async fn record(
    ctx: &ServiceContext,
    waiting: Waiting,
    decided: Decided,
    kept_at: Option<String>,
) -> Result<ScanOutcome, AppError> {
    let now = ctx.clock().now();
    ctx.run_unscoped(move |conn| {
        let row = &waiting.row;
        let by = MovedBy::Hopper(row.company_id);
        let at = FileOf {
            file: row.id,
            session: row.session_id,
            project: Some(waiting.project),
        };
        let size = row.file_size.unwrap_or(0);
        let checksum = row.checksum.as_deref().unwrap_or_default();
        let told = Told::Scanned { row };
        let (moved, outcome) = match decided {
            Decided::Take(scan) => {
                let stored = StoredFile {
                    size,
                    checksum,
                    content_type: row
                        .content_type
                        .as_deref()
                        .unwrap_or("application/octet-stream"),
                };
                let completion = Completion {
                    project: waiting.project,
                    review: waiting.review,
                    scan,
                };
                let completed =
                    file_life::complete(conn, by, (at, completion), &stored, (told, now), |_| {
                        Ok(())
                    })?;
                (completed.moved(), ScanOutcome::Completed)
            }
            Decided::Virus(signature) => {
                let moved = file_life::quarantine(
                    conn,
                    by,
                    at,
                    (size, checksum, &signature),
                    (told, kept_at.as_deref()),
                )?;
                (moved.moved(), ScanOutcome::Quarantined)
            }
            Decided::Refuse(reason) => {
                let moved = file_life::fail(conn, by, at, (size, reason), told)?;
                (moved.moved(), ScanOutcome::Refused)
            }
            Decided::Gone => {
                let reason = "S3 no longer holds the file it was to scan; please upload it again";
                let moved = file_life::fail(conn, by, at, (size, reason), told)?;
                (moved.moved(), ScanOutcome::Refused)
            }
        };
        Ok(if moved {
            outcome
        } else {
            ScanOutcome::NotWaiting
        })
    })
    .await
}

/// Scans one waiting file in the background, right after its upload stored it.
pub fn scan_in_background(ctx: ServiceContext, file: FileUploadId) {
    tokio::spawn(async move {
        match scan_stored(&ctx, file).await {
            Ok(ScanOutcome::NoVerdict(why)) => {
                tracing::warn!(file = %file, error = %why, "file waits for its scan; the scanner pass retries");
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(file = %file, error = %e, "could not scan a stored file"),
        }
    });
}

/// One pass over the files waiting for their scan (oldest first).
pub async fn run_once(ctx: &ServiceContext) -> Result<ScanReport, AppError> {
    let mut report = ScanReport::default();
    if ctx.scanner().is_none() {
        return Ok(report);
    }
    let waiting: Vec<FileUploadId> = ctx
        .run_unscoped(|conn| {
            Ok(file_uploads::table
                .filter(file_uploads::status.eq(FileStatus::Scanning))
                .order(file_uploads::id.asc())
                .select(file_uploads::id)
                .limit(500)
                .load(conn)?)
        })
        .await?;
    for file in waiting {
        match scan_stored(ctx, file).await? {
            ScanOutcome::Completed => report.completed += 1,
            ScanOutcome::Quarantined => report.quarantined += 1,
            ScanOutcome::Refused => report.refused += 1,
            ScanOutcome::NoVerdict(why) => {
                report.waiting += 1;
                tracing::warn!(file = %file, error = %why, "file still waits for its scan");
            }
            ScanOutcome::NotWaiting => {}
        }
    }
    Ok(report)
}
