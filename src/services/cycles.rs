//! Collection cycles of a project: C1, C2, … with their key prefix and status.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;

use crate::db::ids::{CycleId, ProjectId};
use crate::db::models::completeness::Completeness;
use crate::db::models::cycle::{Cycle, NewCycle};
use crate::db::models::cycle_request::CycleRequest;
use crate::db::models::project::Project;
use crate::domain::refusal::CycleRefused;
use crate::domain::FieldErrors;
use crate::domain::{CycleStatus, S3Prefix};
use crate::error::AppError;
use crate::services::actor::Actor;
use crate::services::audit::actions;
use crate::services::cycle_progress::{derived_status, follow_requests, MovedBy};
use crate::services::projects;
use crate::services::ServiceContext;

/// A cycle of a live project of the actor's company, both rows locked for a change.
pub(in crate::services) fn find(
    conn: &mut PgConnection,
    actor: &Actor,
    project: ProjectId,
    id: CycleId,
) -> Result<(Project, Cycle), AppError> {
    let project = projects::lock_live(conn, actor, project)?;
    let cycle = Cycle::lock_in_project(conn, project.id, id)?
        .ok_or_else(|| actor.not_found("cycle", id))?;
    Ok((project, cycle))
}

/// A cycle for its edit page, and whether uploads have fixed its prefix.
pub async fn for_edit(
    ctx: &ServiceContext,
    actor: &Actor,
    project: ProjectId,
    id: CycleId,
) -> Result<(Project, Cycle, bool), AppError> {
    ctx.run(actor, move |conn, actor| {
        let project = projects::find(conn, actor, project)?;
        let cycle = Cycle::lock_in_project(conn, project.id, id)?
            .ok_or_else(|| actor.not_found("cycle", id))?;
        let fixed = Cycle::has_uploads(conn, id)?;
        Ok((project, cycle, fixed))
    })
    .await
}

pub async fn start_next(
    ctx: &ServiceContext,
    actor: &Actor,
    project: ProjectId,
) -> Result<Cycle, AppError> {
    start_next_due(ctx, actor, project, None).await
}

/// Starts the project's next cycle due at `due_at` (set in the same transaction, so a
/// cycle never exists without the due date it was asked with).
pub async fn start_next_due(
    ctx: &ServiceContext,
    actor: &Actor,
    project: ProjectId,
    due_at: Option<DateTime<Utc>>,
) -> Result<Cycle, AppError> {
    ctx.run(actor, move |conn, actor| {
        start_next_in(conn, actor, project, due_at)
    })
    .await
}

pub async fn update(
    ctx: &ServiceContext,
    actor: &Actor,
    project: ProjectId,
    id: CycleId,
    prefix: S3Prefix,
    description: Option<String>,
) -> Result<Cycle, AppError> {
    ctx.run(actor, move |conn, actor| {
        update_in(conn, actor, project, id, &prefix, description.as_deref())
    })
    .await
}

/// Sets a cycle's status by hand. Without a note only the designed moves are allowed
/// (any other is a 409 with a sentence); with a note (why) any status is, and the cycle
/// stops following its requests until [`follow_requests_again`] (so does a move the
/// requests would undo at once).
pub async fn change_status(
    ctx: &ServiceContext,
    actor: &Actor,
    project: ProjectId,
    id: CycleId,
    to: CycleStatus,
    note: Option<String>,
) -> Result<Cycle, AppError> {
    let now = ctx.clock().now();
    ctx.run(actor, move |conn, actor| {
        change_status_in(conn, actor, project, id, to, note.as_deref(), now)
    })
    .await
}

/// Hands the status back to the cycle's requests and derives it now.
pub async fn follow_requests_again(
    ctx: &ServiceContext,
    actor: &Actor,
    project: ProjectId,
    id: CycleId,
) -> Result<Cycle, AppError> {
    let now = ctx.clock().now();
    ctx.run(actor, move |conn, actor| {
        let (project, before) = find(conn, actor, project, id)?;
        let cycle = Cycle::set_by_hand(conn, id, false, None)?;
        record_status_change(
            conn,
            actor,
            (project.id, &before),
            Some("the status follows the requests again"),
            json!({ "status_set_by_hand": true, "status_note": before.status_note }),
            json!({ "status_set_by_hand": false }),
        )?;
        let moved = follow_requests(conn, MovedBy::Actor(actor), id, now)?;
        Ok(moved.unwrap_or(cycle))
    })
    .await
}

/// Creates `C{n}` with the next number and a prefix derived from the project's name.
fn start_next_in(
    conn: &mut PgConnection,
    actor: &Actor,
    project: ProjectId,
    due_at: Option<DateTime<Utc>>,
) -> Result<Cycle, AppError> {
    let project = projects::lock_live(conn, actor, project)?;
    let number = Cycle::next_number(conn, project.id)?;
    let name = format!("C{number}");
    let prefix = S3Prefix::derive(&project.project_name, number);
    let cycle = Cycle::insert(
        conn,
        &NewCycle {
            project_id: project.id,
            cycle_name: &name,
            cycle_number: number,
            s3_prefix: prefix.as_str(),
            description: None,
        },
    )?;
    let requests = CycleRequest::copy_template(conn, actor.company_id(), project.id, cycle.id)?;
    let cycle = match due_at {
        Some(due) => {
            Cycle::set_due(conn, cycle.id, Some(due))?;
            Cycle {
                due_at: Some(due),
                ..cycle
            }
        }
        None => cycle,
    };
    actor
        .audit(actions::CYCLE_CREATED)
        .project(project.id)
        .resource("cycle", cycle.id)
        .details(json!({ "after": cycle, "requests_copied": requests }))
        .record(conn)?;
    Ok(cycle)
}

/// Edits the description, and the prefix while no upload has used it.
fn update_in(
    conn: &mut PgConnection,
    actor: &Actor,
    project: ProjectId,
    id: CycleId,
    prefix: &S3Prefix,
    description: Option<&str>,
) -> Result<Cycle, AppError> {
    let (project, before) = find(conn, actor, project, id)?;
    if prefix.as_str() != before.s3_prefix && Cycle::has_uploads(conn, id)? {
        let mut errors = FieldErrors::default();
        errors.add(
            "s3_prefix",
            "Uploads have already arrived under this prefix; it can no longer change.",
        );
        return Err(AppError::Invalid(errors));
    }
    let after = Cycle::set_details(conn, id, prefix.as_str(), description)?;
    actor
        .audit(actions::CYCLE_UPDATED)
        .project(project.id)
        .resource("cycle", id)
        .details(json!({
            "cycle_name": before.cycle_name,
            "before": { "s3_prefix": before.s3_prefix, "description": before.description },
            "after": { "s3_prefix": after.s3_prefix, "description": after.description },
        }))
        .record(conn)?;
    Ok(after)
}

fn change_status_in(
    conn: &mut PgConnection,
    actor: &Actor,
    project: ProjectId,
    id: CycleId,
    to: CycleStatus,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Cycle, AppError> {
    let (project, before) = find(conn, actor, project, id)?;
    if to == before.status {
        return Err(CycleRefused::AlreadyInStatus {
            cycle: before.cycle_name,
            status: to.label().to_lowercase(),
        }
        .into());
    }
    if let Err(why) = before.status.check_move(to) {
        if note.is_none() {
            return Err(CycleRefused::MoveNeedsReason(why).into());
        }
    }
    let started_at = match to {
        CycleStatus::InProgress => before.started_at.or(Some(now)),
        _ => before.started_at,
    };
    let completed_at = match to {
        CycleStatus::Completed | CycleStatus::Incomplete => Some(now),
        _ => None,
    };
    let moved = Cycle::set_status(conn, id, to, started_at, completed_at)?;
    // A move with a reason is an override, held until handed back; so is one the
    // requests would undo. Otherwise the cycle goes on following its requests.
    let figures = Completeness::for_cycle(conn, id, now)?;
    let against_requests = note.is_some() || derived_status(&moved, &figures, now).is_some();
    let after = Cycle::set_by_hand(conn, id, against_requests, note)?;
    record_status_change(
        conn,
        actor,
        (project.id, &before),
        note,
        json!({ "status": before.status, "started_at": before.started_at, "completed_at": before.completed_at }),
        json!({ "status": after.status, "started_at": after.started_at, "completed_at": after.completed_at, "status_set_by_hand": after.status_set_by_hand }),
    )?;
    Ok(after)
}

/// The audit row of a status set (or handed back) by hand: why, and what it changed.
fn record_status_change(
    conn: &mut PgConnection,
    actor: &Actor,
    (project, cycle): (ProjectId, &Cycle),
    reason: Option<&str>,
    before: serde_json::Value,
    after: serde_json::Value,
) -> QueryResult<()> {
    actor
        .audit(actions::CYCLE_STATUS_CHANGED)
        .project(project)
        .resource("cycle", cycle.id)
        .details(json!({
            "cycle_name": cycle.cycle_name,
            "reason": reason,
            "before": before,
            "after": after,
        }))
        .record(conn)
}
