//! Reading what arrived: receipts and downloads; and an admin's soft delete. Decisions
//! are taken per request (`cycle_requests`), never per file. Every finder is scoped to
//! the actor's company.

use std::pin::Pin;

use aws_sdk_s3::error::DisplayErrorContext;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use futures_util::Stream;
use serde_json::json;
use tokio_util::io::ReaderStream;

use crate::db::ids::{FileUploadId, ProjectId};
use crate::db::models::cycle::Cycle;
use crate::db::models::file_upload::FileUpload;
use crate::db::models::project::Project;
use crate::db::models::storage_location::StorageLocation;
use crate::db::models::sync_session::SyncSession;
use crate::domain::refusal::FileRefused;
use crate::domain::FileStatus;
use crate::error::AppError;
use crate::schema::sync_sessions;
use crate::services::actor::Actor;
use crate::services::audit::actions;
use crate::services::cycle_progress::MovedBy;
use crate::services::file_life;
use crate::services::project_access;
use crate::services::{storage_locations, ServiceContext};

/// Whether the actor may see the project's files: admins, and anyone granted access.
pub(in crate::services) fn may_see(
    conn: &mut PgConnection,
    actor: &Actor,
    project: ProjectId,
) -> QueryResult<bool> {
    Ok(project_access::right_in(conn, actor, project)?.is_some())
}

/// The last sessions of a cycle, newest first.
pub(in crate::services) fn recent_sessions(
    conn: &mut PgConnection,
    cycle: &Cycle,
    limit: i64,
) -> Result<Vec<SyncSession>, AppError> {
    Ok(sync_sessions::table
        .filter(sync_sessions::cycle_id.eq(cycle.id))
        .order(sync_sessions::id.desc())
        .limit(limit)
        .select(SyncSession::as_select())
        .load(conn)?)
}

/// A stored file on its way to the browser.
pub struct Download {
    /// The last segment of the file's path.
    pub file_name: String,
    pub length: Option<u64>,
    pub body: Pin<Box<dyn Stream<Item = Result<Bytes, std::io::Error>>>>,
}

/// Streams a file the actor may download from S3; the download is audited.
pub async fn download(
    ctx: &ServiceContext,
    actor: &Actor,
    id: FileUploadId,
) -> Result<Download, AppError> {
    let (file, location) = ctx
        .run(actor, move |conn, actor| {
            let (file, _) = download_in(conn, actor, id)?;
            // The bytes are where they were written, whatever the project says now.
            let location =
                StorageLocation::find(conn, file.storage_location_id)?.ok_or(AppError::NotFound)?;
            Ok((file, location))
        })
        .await?;
    let object = ctx
        .storage()
        .client_for(&storage_locations::place(&location))
        .get_object()
        .bucket(&location.bucket_name)
        .key(&file.s3_key)
        .send()
        .await
        .map_err(|e| {
            tracing::warn!(file = %id, error = %DisplayErrorContext(&e), "download failed");
            AppError::Unavailable(
                "The file could not be read from storage right now; please try again.".into(),
            )
        })?;
    let file_name = file
        .file_path
        .rsplit('/')
        .next()
        .unwrap_or("download")
        .to_owned();
    Ok(Download {
        file_name,
        length: object.content_length.and_then(|l| u64::try_from(l).ok()),
        body: Box::pin(ReaderStream::new(object.body.into_async_read())),
    })
}

fn download_in(
    conn: &mut PgConnection,
    actor: &Actor,
    id: FileUploadId,
) -> Result<(FileUpload, Project), AppError> {
    let file = FileUpload::find_in_company(conn, actor.company_id(), id)?
        .ok_or_else(|| actor.not_found("file", id))?;
    let project_id: ProjectId = sync_sessions::table
        .find(file.session_id)
        .select(sync_sessions::project_id)
        .first(conn)?;
    let project = Project::find_in_company(conn, actor.company_id(), project_id)?
        .filter(|p| p.deleted_at.is_none())
        .ok_or_else(|| actor.not_found("file", id))?;
    if !may_see(conn, actor, project.id)? || file.deleted_at.is_some() {
        return Err(actor.not_found("file", id));
    }
    if file.status != FileStatus::Completed {
        return Err(AppError::from(FileRefused::NotCompleted));
    }
    // Since one key per version, an older version keeps its own bytes; before that, a
    // newer upload overwrote them.
    if file.replaced_by.is_some() && !file.owns_key {
        return Err(AppError::from(FileRefused::ReplacedUnkept));
    }
    actor
        .audit(actions::FILE_DOWNLOADED)
        .project(project.id)
        .resource("file", id)
        .details(json!({ "path": file.file_path, "size": file.file_size }))
        .record(conn)?;
    Ok((file, project))
}

fn admin_file(
    conn: &mut PgConnection,
    actor: &Actor,
    id: FileUploadId,
) -> Result<(FileUpload, ProjectId), AppError> {
    let file = FileUpload::find_in_company(conn, actor.company_id(), id)?
        .ok_or_else(|| actor.not_found("file", id))?;
    let project: ProjectId = sync_sessions::table
        .find(file.session_id)
        .select(sync_sessions::project_id)
        .first(conn)?;
    Ok((file, project))
}

/// Soft delete: the file leaves lists and downloads; its row and history stay.
pub async fn delete(
    ctx: &ServiceContext,
    actor: &Actor,
    id: FileUploadId,
) -> Result<FileUpload, AppError> {
    let now = ctx.clock().now();
    ctx.run(actor, move |conn, actor| delete_in(conn, actor, id, now))
        .await
}

fn delete_in(
    conn: &mut PgConnection,
    actor: &Actor,
    id: FileUploadId,
    now: DateTime<Utc>,
) -> Result<FileUpload, AppError> {
    let (file, project) = admin_file(conn, actor, id)?;
    if file.deleted_at.is_some() {
        return Err(AppError::from(FileRefused::AlreadyDeleted));
    }
    let by = MovedBy::Actor(actor);
    if !file_life::delete(conn, by, (&file, project), now)?.moved() {
        // Another admin deleted it meanwhile.
        return Err(AppError::from(FileRefused::AlreadyDeleted));
    }
    Ok(file)
}
