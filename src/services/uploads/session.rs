//! A batch's sync session: started (moving the cycle to in progress on its first upload)
//! and finished, each with its audit row, in the batch's transactions.

use diesel::prelude::*;
use serde_json::json;

use crate::db::ids::{CycleId, ProjectId};
use crate::db::models::cycle::Cycle;
use crate::db::models::storage_location::StorageLocation;
use crate::db::models::sync_session::SyncSession;
use crate::domain::CycleStatus;
use crate::error::AppError;
use crate::services::actor::Actor;
use crate::services::audit::actions;
use crate::services::cycle_requests;
use crate::services::uploads::matching::PlannedRequest;
use crate::services::uploads::{closed_reason, uploadable, BatchPlan};

/// Starts the session and, on the cycle's first upload, moves the cycle
/// `pending → in_progress`; all in one transaction.
pub(super) fn start_session(
    conn: &mut PgConnection,
    actor: &Actor,
    project_id: ProjectId,
    cycle_id: CycleId,
) -> Result<(StorageLocation, BatchPlan), AppError> {
    let (project, cycle) = uploadable(conn, actor, project_id, cycle_id)?;
    // New files go to the project's location now, under the company's root there.
    let location =
        StorageLocation::find_in_company(conn, actor.company_id(), project.storage_location_id)?
            .ok_or_else(|| actor.not_found("storage_location", project.storage_location_id))?;
    let prefix = location.key_prefix(&cycle.s3_prefix);
    if let Some(reason) = closed_reason(&project, &cycle) {
        return Err(AppError::Conflict(reason));
    }
    if cycle.status == CycleStatus::Pending {
        let moved = Cycle::set_status(
            conn,
            cycle.id,
            CycleStatus::InProgress,
            Some(chrono::Utc::now()),
            None,
        )?;
        actor
            .audit(actions::CYCLE_STATUS_CHANGED)
            .project(project.id)
            .resource("cycle", cycle.id)
            .details(json!({
                "cycle_name": cycle.cycle_name,
                "reason": "first upload",
                "before": { "status": cycle.status },
                "after": { "status": moved.status, "started_at": moved.started_at },
            }))
            .record(conn)?;
    }
    let session = SyncSession::start(conn, project.id, cycle.id, actor.user_id(), &prefix)?;
    actor
        .audit(actions::UPLOAD_STARTED)
        .project(project.id)
        .resource("sync_session", session.id)
        .details(json!({
            "cycle": cycle.cycle_name,
            "bucket": location.bucket_name,
            "s3_prefix": prefix,
        }))
        .record(conn)?;
    let requests = cycle_requests::of_cycle(conn, actor.company_id(), cycle.id)?
        .iter()
        .map(PlannedRequest::of)
        .collect();
    let plan = BatchPlan {
        session: session.id,
        company: actor.company_id(),
        project: project.id,
        cycle: cycle.id,
        location: location.id,
        prefix,
        review: project.review_uploads,
        allowed: project
            .allowed_file_types
            .iter()
            .flatten()
            .cloned()
            .collect(),
        requests,
    };
    Ok((location, plan))
}

pub(super) fn finish_session(
    conn: &mut PgConnection,
    actor: &Actor,
    plan: &BatchPlan,
    error: Option<&str>,
) -> Result<SyncSession, AppError> {
    let session = SyncSession::finish(conn, plan.session, error)?;
    actor
        .audit(actions::UPLOAD_FINISHED)
        .project(plan.project)
        .resource("sync_session", session.id)
        .details(json!({
            "status": session.status,
            "total_files": session.total_files,
            "files_uploaded": session.files_uploaded,
            "files_skipped": session.files_skipped,
            "files_failed": session.files_failed,
            "uploaded_size_bytes": session.uploaded_size_bytes,
            "error": error,
        }))
        .record(conn)?;
    Ok(session)
}
