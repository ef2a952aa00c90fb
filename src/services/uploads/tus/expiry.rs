//! The reaper's pass over abandoned resumable uploads: past `Upload-Expires`, an open
//! upload's file is failed, its own batch ended and its staged tail deleted. Its
//! multipart upload is then aborted by the reaper's usual pass (by the id on the row).

use serde_json::json;

use crate::db::models::file_upload::FileUpload;
use crate::db::models::storage_location::StorageLocation;
use crate::db::models::sync_session::SyncSession;
use crate::db::models::tus_upload::TusUpload;
use crate::error::AppError;
use crate::services::audit::{actions, AuditEvent};
use crate::services::cycle_progress::MovedBy;
use crate::services::file_life::{self, FileOf, Told};
use crate::services::{storage_locations, ServiceContext};
use crate::storage::ObjectTarget;

const REASON: &str = "expired: the upload was not finished in time";

/// Expires every open upload past its time; returns how many.
pub async fn expire_abandoned(ctx: &ServiceContext) -> Result<usize, AppError> {
    let now = ctx.clock().now();
    let (count, tails) = ctx
        .run_unscoped(move |conn| {
            let expired = TusUpload::expired(conn, now)?;
            let mut tails = Vec::new();
            for upload in &expired {
                let file = FileUpload::find_in_company(conn, upload.company_id, upload.file_id)?;
                if let Some(file) = &file {
                    let at = FileOf {
                        file: file.id,
                        session: upload.session_id,
                        project: Some(upload.project_id),
                    };
                    let told = Told::Reaped {
                        by: "tus expiry",
                        row: file,
                    };
                    let by = MovedBy::Hopper(upload.company_id);
                    let _ = file_life::fail(conn, by, at, (upload.landed, REASON), told)?;
                    if upload.tail_size > 0 {
                        if let Some(location) =
                            StorageLocation::find(conn, file.storage_location_id)?
                        {
                            let folder = file.s3_key.rsplit_once('/').map_or("", |(f, _)| f);
                            tails.push((
                                location,
                                format!("{folder}/.hopper-tus-{}.tail", upload.id),
                            ));
                        }
                    }
                }
                TusUpload::finish(conn, upload.id, "failed")?;
                if upload.finishes_session {
                    let closed = SyncSession::finish(conn, upload.session_id, Some(REASON))?;
                    AuditEvent::new(actions::UPLOAD_FINISHED)
                        .company(upload.company_id)
                        .project(upload.project_id)
                        .resource("sync_session", upload.session_id)
                        .details(
                            json!({ "status": closed.status, "error": REASON, "by": "tus expiry" }),
                        )
                        .record(conn)?;
                }
            }
            Ok((expired.len(), tails))
        })
        .await?;
    for (location, key) in tails {
        let tail = ObjectTarget {
            client: ctx
                .storage()
                .client_for(&storage_locations::place(&location)),
            bucket: location.bucket_name.clone(),
            key,
            content_type: String::new(),
            lock: None,
        };
        if let Err(e) = tail.delete().await {
            tracing::warn!(key = %tail.key, error = %e, "could not delete an expired upload's tail");
        }
    }
    if count > 0 {
        tracing::info!(count, "expired abandoned resumable uploads");
    }
    Ok(count)
}
