//! A batch's sync session: started (moving the cycle to in progress on its first upload)
//! and finished, each with its audit row, in the batch's transactions.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;

use crate::db::ids::{CycleId, ProjectId, StorageLocationId, SyncSessionId, UploadLinkId};
use crate::db::models::completeness::Completeness;
use crate::db::models::cycle::Cycle;
use crate::db::models::project::Project;
use crate::db::models::storage_location::StorageLocation;
use crate::db::models::sync_session::{BatchRows, LinkUploader, SyncSession};
use crate::db::models::upload_link::{LinkRoom, UploadLink};
use crate::domain::refusal::{LinkRefused, UploadRefused};
use crate::domain::{CycleStatus, FileStatus};
use crate::error::AppError;
use crate::schema::file_uploads;
use crate::services::actor::{Actor, Sender};
use crate::services::audit::actions;
use crate::services::cycle_requests;
use crate::services::notifications::{self, Digest};
use crate::services::uploads::matching::PlannedRequest;
use crate::services::uploads::{closed_reason, may_upload_into, uploadable, BatchPlan, CycleLock};

/// Starts the session and, on the cycle's first upload, moves the cycle
/// `pending → in_progress`; all in one transaction.
pub(super) fn start_session(
    conn: &mut PgConnection,
    actor: &Actor,
    project_id: ProjectId,
    cycle_id: CycleId,
    base_url: String,
    now: DateTime<Utc>,
) -> Result<(StorageLocation, BatchPlan), AppError> {
    // One lock order for every path: an upload link's row before the cycle's (a file
    // start through a link holds the link's lock and never waits for the cycle's).
    let via = match actor.link_visitor() {
        Some(visitor) => {
            link_room(conn, actor, visitor.link, now)?;
            Some(LinkUploader {
                link: visitor.link,
                visit: visitor.visit,
                name: &visitor.uploader_name,
                email: &visitor.uploader_email,
            })
        }
        None => None,
    };
    let (project, cycle) = uploadable(conn, actor, (project_id, cycle_id), CycleLock::Held)?;
    // New files go to the project's location now, under the company's root there.
    let location =
        StorageLocation::find_in_company(conn, actor.company_id(), project.storage_location_id)?
            .ok_or_else(|| actor.not_found("storage_location", project.storage_location_id))?;
    let prefix = location.key_prefix(&cycle.s3_prefix);
    if let Some(closed) = closed_reason(&project, &cycle) {
        return Err(closed.into());
    }
    if cycle.status == CycleStatus::Pending {
        let moved = Cycle::set_status(conn, cycle.id, CycleStatus::InProgress, Some(now), None)?;
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
    let session = SyncSession::start(
        conn,
        project.id,
        cycle.id,
        (actor.user_id(), actor.token_caller().map(|c| c.token)),
        via,
        &prefix,
    )?;
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
    let plan = plan_for(
        conn,
        actor,
        (&project, &cycle),
        (session.id, &location, prefix),
        (base_url, PlanUse::NewFiles),
    )?;
    Ok((location, plan))
}

/// What a batch's plan is made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PlanUse {
    /// Files still to be created, whose names are matched to the cycle's requests.
    NewFiles,
    /// The bytes of a file created earlier, which has its request already: the plan
    /// leaves the requests out (one statement fewer on every PATCH of a sync).
    CreatedFile,
}

/// The rules a batch of `session` runs under: where its bytes go, the project's review
/// switch and accepted types, the cycle's requests (a link's chosen ones only).
fn plan_for(
    conn: &mut PgConnection,
    actor: &Actor,
    (project, cycle): (&Project, &Cycle),
    (session, location, prefix): (SyncSessionId, &StorageLocation, String),
    (base_url, made_for): (String, PlanUse),
) -> Result<BatchPlan, AppError> {
    // A link for chosen requests files only under those; its other files are "other".
    let link_requests = actor
        .link_visitor()
        .map(|v| v.requests.clone())
        .unwrap_or_default();
    let requests = match made_for {
        PlanUse::NewFiles => cycle_requests::of_cycle(conn, actor.company_id(), cycle.id)?
            .iter()
            .filter(|r| link_requests.is_empty() || link_requests.contains(&r.id))
            // A question is answered on its card; no file fulfils it.
            .filter(|r| !r.is_question())
            .map(PlannedRequest::of)
            .collect(),
        PlanUse::CreatedFile => Vec::new(),
    };
    Ok(BatchPlan {
        session,
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
        link: actor.link_visitor().map(|v| v.link),
        project_name: project.project_name.clone(),
        cycle_name: cycle.cycle_name.clone(),
        base_url,
    })
}

/// The plan of a batch that is already running (a resumable upload's, on any node),
/// rebuilt from its rows: the session of the actor's company, still open, in a cycle the
/// actor may upload into, writing to `location`.
pub(super) fn plan_of_running(
    conn: &mut PgConnection,
    actor: &Actor,
    session: SyncSessionId,
    location: StorageLocationId,
    (base_url, made_for): (String, PlanUse),
) -> Result<(StorageLocation, BatchPlan), AppError> {
    // One statement for the batch, its project, cycle and location. The cycle is not
    // locked: a running batch does not look at its status.
    let rows = SyncSession::find_with_rows(conn, actor.company_id(), session, location)?
        .ok_or_else(|| actor.not_found("sync_session", session))?;
    plan_of_rows(conn, actor, rows, (base_url, made_for))
}

/// [`plan_of_running`] of rows already read (a PATCH reads them with its file).
pub(super) fn plan_of_rows(
    conn: &mut PgConnection,
    actor: &Actor,
    (row, project, cycle, location): BatchRows,
    (base_url, made_for): (String, PlanUse),
) -> Result<(StorageLocation, BatchPlan), AppError> {
    let session = row.id;
    if project.deleted_at.is_some() {
        return Err(actor.not_found("project", project.id));
    }
    may_upload_into(conn, actor, &project, cycle.id)?;
    // A batch is joined only by whoever started it (the same user, or the same token).
    let own = actor.is_sender(Sender {
        user: row.user_id,
        token: row.api_token_id,
        visit: row.link_visit_id,
    });
    if !own {
        return Err(actor.not_found("sync_session", session));
    }
    if !row.status.is_open() {
        return Err(AppError::from(UploadRefused::BatchFinished));
    }
    let prefix = row.s3_prefix.clone().unwrap_or_default();
    let plan = plan_for(
        conn,
        actor,
        (&project, &cycle),
        (row.id, &location, prefix),
        (base_url, made_for),
    )?;
    Ok((location, plan))
}

/// What an upload link still takes, under its row lock (file starts through one link
/// are serialised, on every node); refuses when it is full or no longer live.
pub(super) fn link_room(
    conn: &mut PgConnection,
    actor: &Actor,
    id: UploadLinkId,
    now: DateTime<Utc>,
) -> Result<LinkRoom, AppError> {
    let link = UploadLink::lock_in_company(conn, actor.company_id(), id)?
        .ok_or_else(|| actor.not_found("upload_link", id))?;
    if !link.is_live(now) {
        return Err(AppError::from(LinkRefused::Closed));
    }
    let room = UploadLink::room(conn, &link)?;
    if let Some(full) = room.full() {
        return Err(full.into());
    }
    Ok(room)
}

pub(super) fn finish_session(
    conn: &mut PgConnection,
    actor: &Actor,
    plan: &BatchPlan,
    error: Option<&str>,
) -> Result<SyncSession, AppError> {
    let session = SyncSession::finish(conn, plan.session, error)?;
    if session.files_uploaded.unwrap_or(0) > 0 {
        queue_digest(conn, actor, plan, &session)?;
    }
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

/// One message to the company's admins per batch that stored files (never one per file).
fn queue_digest(
    conn: &mut PgConnection,
    actor: &Actor,
    plan: &BatchPlan,
    session: &SyncSession,
) -> Result<(), AppError> {
    let requests_submitted: i64 = file_uploads::table
        .filter(file_uploads::session_id.eq(plan.session))
        .filter(file_uploads::status.eq(FileStatus::Completed))
        .filter(file_uploads::request_id.is_not_null())
        .select(diesel::dsl::count(file_uploads::request_id).aggregate_distinct())
        .first(conn)?;
    // What is still missing as the batch ended (its `completed_at`, set by `finish`).
    let ended = session.completed_at.unwrap_or(session.created_at);
    let figures = Completeness::for_cycle(conn, plan.cycle, ended)?;
    notifications::upload_digest(
        conn,
        &Digest {
            company: plan.company,
            sender: &actor
                .link_visitor()
                .map(|v| format!("{} (upload link)", v.uploader_name))
                .unwrap_or_else(|| actor.audit_name()),
            uploader: &actor.audit_name(),
            project_name: &plan.project_name,
            cycle_name: &plan.cycle_name,
            uploaded: session.files_uploaded.unwrap_or(0),
            skipped: session.files_skipped.unwrap_or(0),
            failed: session.files_failed.unwrap_or(0),
            requests_submitted,
            still_missing: figures.missing + figures.rejected,
            review_url: format!(
                "{}/admin/projects/{}/cycles/{}/requests",
                plan.base_url, plan.project, plan.cycle
            ),
        },
    )?;
    Ok(())
}
