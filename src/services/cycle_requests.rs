//! A cycle's own requests: edited per cycle (add, remove, due dates), fulfilled by
//! uploads and reviewed item by item. Each change is audited with before and after and
//! re-derives the cycle's status in the same transaction (see `cycle_progress`).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;

use crate::db::ids::{CompanyId, CycleId, CycleRequestId, FileUploadId, ProjectId};
use crate::db::models::completeness::Completeness;
use crate::db::models::cycle::Cycle;
use crate::db::models::cycle_request::{CycleRequest, StatusChange};
use crate::db::models::document_request::RequestFields;
use crate::db::models::file_upload::{self, FileUpload};
use crate::db::models::project::Project;
use crate::db::models::superseded;
use crate::domain::{FileStatus, RequestDecision, RequestStatus};
use crate::error::AppError;
use crate::schema::file_uploads;
use crate::services::actor::Actor;
use crate::services::audit::actions;
use crate::services::cycle_progress::{follow_requests, MovedBy};
use crate::services::notifications::{self, Rejection};
use crate::services::{cycles, ServiceContext};

/// A request with the files that fulfil it.
pub struct RequestItem {
    pub request: CycleRequest,
    /// Its current files, newest first (superseded ones included: see `replaced_by`).
    pub files: Vec<FileUpload>,
    pub overdue: bool,
}

impl RequestItem {
    /// The newer file that supersedes `file` for this request, if one does.
    pub fn replaced_by(&self, file: &FileUpload) -> Option<&FileUpload> {
        superseded::newer_in(self.request.multiple_files, &self.files, file)
    }

    /// Its files that count: the superseded ones left out.
    pub fn standing_files(&self) -> impl Iterator<Item = &FileUpload> {
        self.files.iter().filter(|f| self.replaced_by(f).is_none())
    }
}

/// A cycle's requests, as its review page and upload page show them.
pub struct CycleRequests {
    pub project: Project,
    pub cycle: Cycle,
    pub items: Vec<RequestItem>,
    pub figures: Completeness,
    /// Stored files of the cycle that fulfil no request.
    pub other_files: Vec<FileUpload>,
}

/// The current (stored, not replaced, not deleted) files of a cycle, newest first.
fn current_files(
    conn: &mut PgConnection,
    company: CompanyId,
    cycle: CycleId,
) -> QueryResult<Vec<FileUpload>> {
    file_uploads::table
        .filter(file_uploads::company_id.eq(company))
        .filter(file_uploads::cycle_id.eq(cycle))
        .filter(file_upload::status_is(FileStatus::Completed))
        .filter(file_uploads::replaced_by.is_null())
        .filter(file_uploads::deleted_at.is_null())
        .order(file_uploads::id.desc())
        .limit(1000)
        .select(FileUpload::as_select())
        .load(conn)
}

/// The cycle's requests with their files (the project and cycle already scoped).
pub(in crate::services) fn view_of(
    conn: &mut PgConnection,
    project: Project,
    cycle: Cycle,
    now: DateTime<Utc>,
) -> Result<CycleRequests, AppError> {
    let requests = CycleRequest::for_cycle(conn, project.company_id, cycle.id)?;
    let mut files = current_files(conn, project.company_id, cycle.id)?;
    let items = requests
        .into_iter()
        .map(|request| {
            let (mine, rest) = files
                .drain(..)
                .partition(|f: &FileUpload| f.request_id == Some(request.id));
            files = rest;
            RequestItem {
                overdue: request.is_overdue(cycle.due_at, now),
                request,
                files: mine,
            }
        })
        .collect();
    let figures = Completeness::for_cycle(conn, cycle.id, now)?;
    Ok(CycleRequests {
        project,
        cycle,
        items,
        figures,
        other_files: files,
    })
}

/// The review page of a cycle (admins).
pub async fn view(
    ctx: &ServiceContext,
    actor: &Actor,
    project: ProjectId,
    cycle: CycleId,
) -> Result<CycleRequests, AppError> {
    let now = ctx.clock().now();
    ctx.run(actor, move |conn, actor| {
        let (project, cycle) = cycles::find(conn, actor, project, cycle)?;
        view_of(conn, project, cycle, now)
    })
    .await
}

fn locked_request(
    conn: &mut PgConnection,
    actor: &Actor,
    project: ProjectId,
    cycle: CycleId,
    id: CycleRequestId,
) -> Result<(Project, Cycle, CycleRequest), AppError> {
    let (project, cycle) = cycles::find(conn, actor, project, cycle)?;
    let request = CycleRequest::lock_in_cycle(conn, actor.company_id(), cycle.id, id)?
        .ok_or_else(|| actor.not_found("cycle_request", id))?;
    Ok((project, cycle, request))
}

/// Adds a request to this cycle only.
pub async fn add(
    ctx: &ServiceContext,
    actor: &Actor,
    (project, cycle): (ProjectId, CycleId),
    fields: RequestFields,
    due_at: Option<DateTime<Utc>>,
) -> Result<CycleRequest, AppError> {
    let now = ctx.clock().now();
    ctx.run(actor, move |conn, actor| {
        let (project, cycle) = cycles::find(conn, actor, project, cycle)?;
        let added = CycleRequest::insert(conn, actor.company_id(), cycle.id, &fields, due_at)?;
        actor
            .audit(actions::REQUEST_CHANGED)
            .project(project.id)
            .resource("cycle_request", added.id)
            .details(json!({ "cycle_name": cycle.cycle_name, "change": "added", "after": added }))
            .record(conn)?;
        follow_requests(conn, MovedBy::Actor(actor), cycle.id, now)?;
        Ok(added)
    })
    .await
}

/// Removes a request from this cycle; its files stay, as "other".
pub async fn remove(
    ctx: &ServiceContext,
    actor: &Actor,
    (project, cycle): (ProjectId, CycleId),
    id: CycleRequestId,
) -> Result<CycleRequest, AppError> {
    let now = ctx.clock().now();
    ctx.run(actor, move |conn, actor| {
        let (project, cycle, before) = locked_request(conn, actor, project, cycle, id)?;
        CycleRequest::delete(conn, id)?;
        actor
            .audit(actions::REQUEST_CHANGED)
            .project(project.id)
            .resource("cycle_request", id)
            .details(
                json!({ "cycle_name": cycle.cycle_name, "change": "removed", "before": before }),
            )
            .record(conn)?;
        follow_requests(conn, MovedBy::Actor(actor), cycle.id, now)?;
        Ok(before)
    })
    .await
}

/// An admin's decision on one request: accept, reject (the note is what the uploader
/// reads), not applicable (with a note), or reopen.
pub async fn decide(
    ctx: &ServiceContext,
    actor: &Actor,
    (project, cycle): (ProjectId, CycleId),
    id: CycleRequestId,
    decision: RequestDecision,
    note: Option<String>,
) -> Result<CycleRequest, AppError> {
    let now = ctx.clock().now();
    let base = ctx.public_url().to_owned();
    ctx.run(actor, move |conn, actor| {
        let (project, cycle, before) = locked_request(conn, actor, project, cycle, id)?;
        if decision.needs_note() && note.is_none() {
            let mut errors = crate::domain::FieldErrors::default();
            errors.add("note", "Say why, in a sentence the uploader will read.");
            return Err(AppError::Invalid(errors));
        }
        let has_file = CycleRequest::is_fulfilled(conn, &before)?;
        let status = before
            .status
            .decide(decision, has_file)
            .map_err(AppError::from)?;
        let after = CycleRequest::set_status(
            conn,
            id,
            &StatusChange {
                status,
                note: if decision.needs_note() {
                    note.as_deref()
                } else {
                    None
                },
                reviewed_by: actor.user_id(),
                reviewed_at: Some(now),
            },
        )?;
        record_move(
            conn,
            MovedBy::Actor(actor),
            project.id,
            &cycle,
            &before,
            &after,
            None,
        )?;
        if after.status == RequestStatus::Rejected {
            let upload_url = format!("{base}/projects/{}/cycles/{}/upload", project.id, cycle.id);
            notifications::request_rejected(
                conn,
                &Rejection {
                    company: project.company_id,
                    project: project.id,
                    project_name: &project.project_name,
                    cycle_name: &cycle.cycle_name,
                    upload_url,
                    request: after.id,
                    request_name: &after.name,
                    reason: after.note.as_deref().unwrap_or(""),
                    question: after.is_question(),
                },
            )?;
        }
        follow_requests(conn, MovedBy::Actor(actor), cycle.id, now)?;
        Ok(after)
    })
    .await
}

pub(in crate::services) fn record_move(
    conn: &mut PgConnection,
    by: MovedBy<'_>,
    project: ProjectId,
    cycle: &Cycle,
    before: &CycleRequest,
    after: &CycleRequest,
    file: Option<FileUploadId>,
) -> Result<(), AppError> {
    by.audit(actions::REQUEST_STATUS_CHANGED)
        .project(project)
        .resource("cycle_request", after.id)
        .details(json!({
            "cycle_name": cycle.cycle_name,
            "request": after.name,
            "file": file,
            "before": { "status": before.status, "note": before.note },
            "after": { "status": after.status, "note": after.note },
        }))
        .record(conn)?;
    Ok(())
}

/// Sets the cycle's due date, or one request's own (`request`); `None` clears it.
pub async fn set_due(
    ctx: &ServiceContext,
    actor: &Actor,
    (project, cycle): (ProjectId, CycleId),
    request: Option<CycleRequestId>,
    due_at: Option<DateTime<Utc>>,
) -> Result<Cycle, AppError> {
    let now = ctx.clock().now();
    ctx.run(actor, move |conn, actor| {
        let (project, cycle) = cycles::find(conn, actor, project, cycle)?;
        let (resource, id, before) = match request {
            None => {
                Cycle::set_due(conn, cycle.id, due_at)?;
                ("cycle", cycle.id.0, cycle.due_at)
            }
            Some(id) => {
                let request = CycleRequest::lock_in_cycle(conn, actor.company_id(), cycle.id, id)?
                    .ok_or_else(|| actor.not_found("cycle_request", id))?;
                CycleRequest::set_due(conn, id, due_at)?;
                ("cycle_request", id.0, request.due_at)
            }
        };
        actor
            .audit(actions::CYCLE_DUE_CHANGED)
            .project(project.id)
            .resource(resource, id)
            .details(json!({
                "cycle_name": cycle.cycle_name,
                "before": { "due_at": before },
                "after": { "due_at": due_at },
            }))
            .record(conn)?;
        let moved = follow_requests(conn, MovedBy::Actor(actor), cycle.id, now)?;
        match moved {
            Some(after) => Ok(after),
            None => Ok(Cycle::find_by_id(conn, cycle.id)?),
        }
    })
    .await
}

/// A file stored for a request, in the transaction that records it as completed.
pub(in crate::services) struct Submission {
    pub project: ProjectId,
    /// Whether the project reviews uploads (else the request is accepted on arrival).
    pub review: bool,
    pub cycle: CycleId,
    pub request: CycleRequestId,
    pub file: FileUploadId,
}

/// Submits the request (or accepts it without review). The cycle's row is locked first,
/// in the same order as an admin's change, so the two never deadlock.
pub(in crate::services) fn submit(
    conn: &mut PgConnection,
    by: MovedBy<'_>,
    s: &Submission,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let Some(cycle) = Cycle::lock_in_project(conn, s.project, s.cycle)? else {
        return Ok(());
    };
    let Some(before) = CycleRequest::lock_in_cycle(conn, by.company(), cycle.id, s.request)? else {
        // Removed while the file was on its way: the file stays, as "other".
        return Ok(());
    };
    let status = before.status.after_upload(s.review);
    let after = CycleRequest::set_submitted(conn, s.request, status, now)?;
    if before.status != after.status || before.note.is_some() {
        record_move(conn, by, s.project, &cycle, &before, &after, Some(s.file))?;
    }
    follow_requests(conn, by, cycle.id, now)?;
    Ok(())
}

/// The requests a batch can fulfil, in list order, for matching files to them.
pub(in crate::services) fn of_cycle(
    conn: &mut PgConnection,
    company: CompanyId,
    cycle: CycleId,
) -> QueryResult<Vec<CycleRequest>> {
    CycleRequest::for_cycle(conn, company, cycle)
}

/// Whether the request still takes files (an item set aside as not applicable does not
/// attract pattern matches, though an uploader may still choose it).
pub fn takes_matches(request: &CycleRequest) -> bool {
    request.status != RequestStatus::NotApplicable
}
