//! Ending an upload that will not complete: terminated by its client, refused by its
//! content, expired, or left out when its batch was finished.

use serde_json::json;

use crate::db::models::file_upload::FileUpload;
use crate::db::models::storage_location::StorageLocation;
use crate::db::models::sync_session::SyncSession;
use crate::db::models::tus_upload::TusUpload;
use crate::domain::FailReason;
use crate::error::AppError;
use crate::services::actor::Actor;
use crate::services::audit::actions;
use crate::services::cycle_progress::MovedBy;
use crate::services::file_life::{self, FileOf, Told};
use crate::services::uploads::file_guard::forget_upload_id;
use crate::services::uploads::tus::finish::delete_quietly;
use crate::services::{storage_locations, ServiceContext};
use crate::storage::ObjectTarget;

/// Ends an upload that will not complete (terminated, refused, expired): its multipart
/// upload is aborted (the reaper retries by the stored id), the tail deleted, the file
/// failed with `reason`, its own batch ended.
pub(in crate::services::uploads) async fn drop_upload(
    ctx: &ServiceContext,
    actor: &Actor,
    upload: &TusUpload,
    outcome: &'static str,
    reason: impl Into<FailReason>,
) -> Result<(), AppError> {
    let (id, file_id, landed) = (upload.id, upload.file_id, upload.landed);
    let (session, project, closes) = (
        upload.session_id,
        upload.project_id,
        upload.finishes_session,
    );
    let reason: FailReason = reason.into();
    let (file, location) = ctx
        .run(actor, move |conn, actor| {
            let file = FileUpload::find_in_company(conn, actor.company_id(), file_id)?
                .ok_or(AppError::NotFound)?;
            let location =
                StorageLocation::find(conn, file.storage_location_id)?.ok_or(AppError::NotFound)?;
            let at = FileOf {
                file: file.id,
                session,
                project: Some(project),
            };
            let told = Told::Sender { via: Some("tus") };
            let _ = file_life::fail(conn, MovedBy::Actor(actor), at, (landed, &reason), told)?;
            TusUpload::finish(conn, id, outcome)?;
            if closes {
                let reason = reason.message();
                let closed = SyncSession::finish(conn, session, Some(&reason))?;
                actor
                    .audit(actions::UPLOAD_FINISHED)
                    .project(project)
                    .resource("sync_session", session)
                    .details(json!({ "status": closed.status, "error": reason }))
                    .record(conn)?;
            }
            Ok((file, location))
        })
        .await?;
    let target = ObjectTarget {
        client: ctx
            .storage()
            .client_for(&storage_locations::place(&location)),
        bucket: location.bucket_name.clone(),
        key: file.s3_key.clone(),
        content_type: String::new(),
        lock: None,
    };
    if let Some(upload_id) = &file.s3_upload_id {
        if target.abort(upload_id).await.is_ok() {
            forget_upload_id(ctx, actor, file.id).await;
        }
    }
    if upload.tail_size > 0 {
        let folder = file.s3_key.rsplit_once('/').map_or("", |(f, _)| f);
        let tail = ObjectTarget {
            key: format!("{folder}/.hopper-tus-{}.tail", upload.id),
            ..target
        };
        delete_quietly(&tail).await;
    }
    Ok(())
}
