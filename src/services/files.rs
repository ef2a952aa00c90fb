//! Reading what arrived: receipts, downloads, the review queue; and an admin's soft delete
//! and review decisions. Every finder is scoped to the actor's company.

use chrono::Utc;
use diesel::prelude::*;
use serde_json::json;

use crate::db::ids::{FileUploadId, ProjectId, SyncSessionId};
use crate::db::models::cycle::Cycle;
use crate::db::models::file_upload::FileUpload;
use crate::db::models::project::Project;
use crate::db::models::project_access::ProjectAccess;
use crate::db::models::sync_session::SyncSession;
use crate::error::AppError;
use crate::schema::{cycles, file_uploads, sync_sessions};
use crate::services::actor::Actor;
use crate::services::audit::actions;

/// Whether the actor may see the project's files: admins, and anyone granted access.
fn may_see(conn: &mut PgConnection, actor: &Actor, project: ProjectId) -> QueryResult<bool> {
    Ok(actor.is_admin() || ProjectAccess::role_of(conn, project, actor.user_id)?.is_some())
}

pub struct Receipt {
    pub session: SyncSession,
    pub project: Project,
    pub cycle_name: String,
    pub files: Vec<FileUpload>,
}

pub fn receipt(
    conn: &mut PgConnection,
    actor: &Actor,
    id: SyncSessionId,
) -> Result<Receipt, AppError> {
    let session = SyncSession::find_in_company(conn, actor.company_id, id)?
        .ok_or_else(|| actor.not_found("sync_session", id))?;
    let project = Project::find_in_company(conn, actor.company_id, session.project_id)?
        .ok_or_else(|| actor.not_found("sync_session", id))?;
    let own = session.user_id == Some(actor.user_id);
    if !own && !may_see(conn, actor, project.id)? {
        return Err(actor.not_found("sync_session", id));
    }
    let cycle_name = match session.cycle_id {
        Some(cycle) => cycles::table
            .find(cycle)
            .select(cycles::cycle_name)
            .first(conn)
            .optional()?
            .unwrap_or_default(),
        None => String::new(),
    };
    let files = FileUpload::for_session(conn, id)?;
    Ok(Receipt {
        session,
        project,
        cycle_name,
        files,
    })
}

/// The last sessions of a cycle, newest first.
pub fn recent_sessions(
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

/// A file the actor may download, with its bucket and region; the download is audited.
pub fn download(
    conn: &mut PgConnection,
    actor: &Actor,
    id: FileUploadId,
) -> Result<(FileUpload, Project), AppError> {
    let file = FileUpload::find_in_company(conn, actor.company_id, id)?
        .ok_or_else(|| actor.not_found("file", id))?;
    let project_id: ProjectId = sync_sessions::table
        .find(file.session_id)
        .select(sync_sessions::project_id)
        .first(conn)?;
    let project = Project::find_in_company(conn, actor.company_id, project_id)?
        .filter(|p| p.deleted_at.is_none())
        .ok_or_else(|| actor.not_found("file", id))?;
    if !may_see(conn, actor, project.id)? || file.deleted_at.is_some() {
        return Err(actor.not_found("file", id));
    }
    if file.status != "completed" {
        return Err(AppError::Conflict(
            "Only completed files can be downloaded.".into(),
        ));
    }
    if file.replaced_by.is_some() {
        return Err(AppError::Conflict(
            "A newer upload replaced this file; download the newer one.".into(),
        ));
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
    let file = FileUpload::find_in_company(conn, actor.company_id, id)?
        .ok_or_else(|| actor.not_found("file", id))?;
    let project: ProjectId = sync_sessions::table
        .find(file.session_id)
        .select(sync_sessions::project_id)
        .first(conn)?;
    Ok((file, project))
}

/// Soft delete: the file leaves lists and downloads; its row and history stay.
pub fn delete(
    conn: &mut PgConnection,
    actor: &Actor,
    id: FileUploadId,
) -> Result<FileUpload, AppError> {
    let (file, project) = admin_file(conn, actor, id)?;
    if file.deleted_at.is_some() {
        return Err(AppError::Conflict("This file is already deleted.".into()));
    }
    let now = Utc::now();
    diesel::update(file_uploads::table.find(id))
        .set(file_uploads::deleted_at.eq(now))
        .execute(conn)?;
    actor
        .audit(actions::FILE_DELETED)
        .project(project)
        .resource("file", id)
        .details(json!({
            "path": file.file_path,
            "before": { "deleted_at": null },
            "after": { "deleted_at": now },
        }))
        .record(conn)?;
    Ok(file)
}

/// Files of a project waiting for an admin's review, oldest first.
pub fn review_queue(
    conn: &mut PgConnection,
    actor: &Actor,
    project: ProjectId,
) -> Result<(Project, Vec<FileUpload>), AppError> {
    let project = Project::find_in_company(conn, actor.company_id, project)?
        .ok_or_else(|| actor.not_found("project", project))?;
    let sessions = sync_sessions::table
        .filter(sync_sessions::project_id.eq(project.id))
        .select(sync_sessions::id);
    let files = file_uploads::table
        .filter(file_uploads::company_id.eq(actor.company_id))
        .filter(file_uploads::review_status.eq("pending"))
        .filter(file_uploads::deleted_at.is_null())
        .filter(file_uploads::session_id.eq_any(sessions))
        .order(file_uploads::created_at.asc())
        .limit(200)
        .select(FileUpload::as_select())
        .load(conn)?;
    Ok((project, files))
}

pub fn review(
    conn: &mut PgConnection,
    actor: &Actor,
    id: FileUploadId,
    decision: &str,
    reason: Option<&str>,
) -> Result<(FileUpload, ProjectId, bool), AppError> {
    let (file, project) = admin_file(conn, actor, id)?;
    let accept = match decision {
        "accept" => true,
        "reject" => false,
        _ => return Err(AppError::BadRequest("Choose accept or reject.".into())),
    };
    if file.review_status.as_deref() != Some("pending") {
        return Err(AppError::Conflict(
            "This file is not waiting for review.".into(),
        ));
    }
    if !accept && reason.is_none() {
        return Err(AppError::BadRequest("Say why the file is rejected.".into()));
    }
    let decision = if accept { "accepted" } else { "rejected" };
    diesel::update(file_uploads::table.find(id))
        .set((
            file_uploads::review_status.eq(decision),
            file_uploads::review_reason.eq(reason),
            file_uploads::reviewed_by.eq(actor.user_id),
            file_uploads::reviewed_at.eq(diesel::dsl::now),
        ))
        .execute(conn)?;
    actor
        .audit(actions::FILE_REVIEWED)
        .project(project)
        .resource("file", id)
        .details(json!({
            "path": file.file_path,
            "before": { "review_status": "pending" },
            "after": { "review_status": decision, "review_reason": reason },
        }))
        .record(conn)?;
    Ok((file, project, accept))
}
