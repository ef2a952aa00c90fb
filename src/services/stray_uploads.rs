//! Multipart uploads Hopper never learned the id of: S3 created one but its answer was
//! lost (and the SDK's retry created another), or a node died between the two. Where the
//! store can list open uploads, the reaper aborts those under a company root that no file
//! row names and that are older than an hour (a live upload records its id within
//! milliseconds of creating it). Stores that cannot list them rely on a lifecycle rule
//! (AWS `AbortIncompleteMultipartUpload`; the embedded endpoint expires them after a day).

use std::collections::HashSet;

use diesel::prelude::*;

use crate::db::models::storage_location::StorageLocation;
use crate::error::AppError;
use crate::schema::{file_uploads, storage_locations};
use crate::services::{storage_locations as locations, ServiceContext};
use crate::storage::{open_uploads, ObjectTarget};

/// Younger uploads may belong to a request that is about to record their id.
const GRACE: chrono::Duration = chrono::Duration::hours(1);

/// Aborts the unknown uploads; returns how many.
pub async fn abort_unknown(ctx: &ServiceContext) -> Result<usize, AppError> {
    let locations: Vec<StorageLocation> = ctx
        .run_unscoped(|conn| {
            Ok(storage_locations::table
                .select(StorageLocation::as_select())
                .load(conn)?)
        })
        .await?;
    let mut aborted = 0;
    for location in locations {
        let client = ctx.storage().client_for(&locations::place(&location));
        let prefix = format!("{}/", location.key_root);
        let open = match open_uploads::list(&client, &location.bucket_name, &prefix, 1000).await {
            Ok(Some(open)) => open,
            Ok(None) => continue,
            Err(e) => {
                tracing::debug!(bucket = %location.bucket_name, error = %e, "cannot list open uploads");
                continue;
            }
        };
        let cutoff = ctx.clock().now() - GRACE;
        let candidates: Vec<_> = open
            .into_iter()
            .filter(|u| u.initiated.is_some_and(|t| t < cutoff))
            .collect();
        if candidates.is_empty() {
            continue;
        }
        let ids: Vec<String> = candidates.iter().map(|u| u.upload_id.clone()).collect();
        let known: HashSet<String> = ctx
            .run_unscoped(move |conn| {
                Ok(file_uploads::table
                    .filter(file_uploads::s3_upload_id.eq_any(&ids))
                    .select(file_uploads::s3_upload_id.assume_not_null())
                    .load::<String>(conn)?
                    .into_iter()
                    .collect())
            })
            .await?;
        for upload in candidates
            .into_iter()
            .filter(|u| !known.contains(&u.upload_id))
        {
            let target = ObjectTarget {
                client: client.clone(),
                bucket: location.bucket_name.clone(),
                key: upload.key.clone(),
                content_type: String::new(),
                lock: None,
            };
            match target.abort(&upload.upload_id).await {
                Ok(()) => {
                    tracing::info!(key = %upload.key, "aborted a multipart upload Hopper never recorded");
                    aborted += 1;
                }
                Err(e) => {
                    tracing::warn!(key = %upload.key, error = %e, "could not abort an unknown upload")
                }
            }
        }
    }
    Ok(aborted)
}
