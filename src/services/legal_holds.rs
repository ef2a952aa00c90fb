//! Legal holds: an admin places one on the company, a project or a cycle, with a reason;
//! while it is active it blocks every deletion of what it covers (an admin's delete of a
//! file or a project, retention), with a 409 and a sentence naming who placed it, when
//! and why. Only an admin lifts it, with a reason. Both are audited.

use diesel::prelude::*;
use serde_json::json;

use crate::db::ids::{CompanyId, CycleId, LegalHoldId, ProjectId};
use crate::db::models::cycle::Cycle;
use crate::db::models::legal_hold::{Covered, LegalHold, NewLegalHold};
use crate::db::models::project::Project;
use crate::domain::refusal::HoldRefused;
use crate::error::AppError;
use crate::services::actor::Actor;
use crate::services::audit::actions;
use crate::services::ServiceContext;
use crate::services::{legal_hold_objects, projects};

/// Where a new hold goes: the company (no project), a project, or one of its cycles.
#[derive(Debug, Clone)]
pub struct HoldInput {
    pub project: Option<ProjectId>,
    pub cycle: Option<CycleId>,
    pub reason: String,
}

/// A hold with what it covers, in words ("the whole company", "project Ledgers",
/// "cycle C1 of Ledgers").
#[derive(Debug, Clone)]
pub struct HoldView {
    pub hold: LegalHold,
    pub covers: String,
}

fn reason_of(text: &str) -> Result<String, AppError> {
    let reason = text.trim();
    if reason.is_empty() {
        return Err(HoldRefused::ReasonMissing.into());
    }
    Ok(reason.chars().take(1000).collect())
}

fn admin_only(actor: &Actor) -> Result<(), AppError> {
    if actor.is_admin() {
        Ok(())
    } else {
        Err(HoldRefused::AdminOnly.into())
    }
}

/// The facts a refusal names.
fn facts(hold: &LegalHold) -> (String, String, String) {
    (
        hold.placed_by_name.clone(),
        hold.placed_at.format("%Y-%m-%d").to_string(),
        hold.reason.clone(),
    )
}

/// Refuses a file's deletion when an active hold covers it.
pub(in crate::services) fn refuse_file_if_held(
    conn: &mut PgConnection,
    company: CompanyId,
    covered: Covered,
) -> Result<(), AppError> {
    refuse_if_held(conn, company, covered, |by, on, reason| {
        HoldRefused::FileHeld { by, on, reason }
    })
}

/// Refuses a project's deletion when an active hold covers it, or any of its cycles.
pub(in crate::services) fn refuse_project_if_held(
    conn: &mut PgConnection,
    company: CompanyId,
    project: ProjectId,
) -> Result<(), AppError> {
    refuse_if_held(
        conn,
        company,
        Covered::Project(project),
        |by, on, reason| HoldRefused::ProjectHeld { by, on, reason },
    )
}

/// The refusal `said` makes of the active hold covering `covered`, if there is one.
fn refuse_if_held(
    conn: &mut PgConnection,
    company: CompanyId,
    covered: Covered,
    said: impl FnOnce(String, String, String) -> HoldRefused,
) -> Result<(), AppError> {
    match LegalHold::active_covering(conn, company, covered)? {
        Some(hold) => {
            let (by, on, reason) = facts(&hold);
            Err(said(by, on, reason).into())
        }
        None => Ok(()),
    }
}

/// What `hold` covers, in words.
pub(in crate::services) fn covers(
    conn: &mut PgConnection,
    hold: &LegalHold,
) -> Result<String, AppError> {
    let Some(project) = hold.project_id else {
        return Ok("the whole company".to_owned());
    };
    let project = Project::find_in_company(conn, hold.company_id, project)?
        .map_or_else(|| format!("project {project}"), |p| p.project_name);
    Ok(match hold.cycle_id {
        None => format!("project {project}"),
        Some(cycle) => {
            let name =
                Cycle::find(conn, cycle)?.map_or_else(|| cycle.to_string(), |c| c.cycle_name);
            format!("cycle {name} of {project}")
        }
    })
}

fn views(conn: &mut PgConnection, holds: Vec<LegalHold>) -> Result<Vec<HoldView>, AppError> {
    holds
        .into_iter()
        .map(|hold| {
            let covers = covers(conn, &hold)?;
            Ok(HoldView { hold, covers })
        })
        .collect()
}

/// The active holds of the actor's company; with `project`, those covering it.
pub(in crate::services) fn active_in(
    conn: &mut PgConnection,
    actor: &Actor,
    project: Option<ProjectId>,
) -> Result<Vec<HoldView>, AppError> {
    let holds = LegalHold::active_in_company(conn, actor.company_id(), project)?;
    views(conn, holds)
}

fn place_in(
    conn: &mut PgConnection,
    actor: &Actor,
    input: &HoldInput,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<HoldView, AppError> {
    admin_only(actor)?;
    let reason = reason_of(&input.reason)?;
    let user = actor.user()?;
    // The project and cycle must be the company's (another company's is a 404).
    if let Some(project) = input.project {
        projects::find(conn, actor, project)?;
        if let Some(cycle) = input.cycle {
            Cycle::find_in_project(conn, project, cycle)?
                .ok_or_else(|| actor.not_found("cycle", cycle))?;
        }
    } else if let Some(cycle) = input.cycle {
        return Err(actor.not_found("cycle", cycle));
    }
    let name = actor.audit_name();
    let hold = LegalHold::insert(
        conn,
        &NewLegalHold {
            company_id: actor.company_id(),
            project_id: input.project,
            cycle_id: input.cycle,
            reason: &reason,
            placed_by: user,
            placed_by_name: &name,
            placed_at: now,
        },
    )?;
    let covers = covers(conn, &hold)?;
    hold_event(actor, actions::LEGAL_HOLD_PLACED, &hold)
        .details(json!({
            "covers": covers,
            "project_id": hold.project_id,
            "cycle_id": hold.cycle_id,
            "reason": hold.reason,
            "placed_at": now,
        }))
        .record(conn)?;
    Ok(HoldView { hold, covers })
}

/// The audit row of a hold's placing or lifting, under its project when it has one.
fn hold_event<'a>(
    actor: &'a Actor,
    action: &'a str,
    hold: &LegalHold,
) -> crate::services::audit::AuditEvent<'a> {
    let event = actor.audit(action).resource("legal_hold", hold.id);
    match hold.project_id {
        Some(project) => event.project(project),
        None => event,
    }
}

fn lift_in(
    conn: &mut PgConnection,
    actor: &Actor,
    id: LegalHoldId,
    reason: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<HoldView, AppError> {
    admin_only(actor)?;
    let before = LegalHold::lock_in_company(conn, actor.company_id(), id)?
        .ok_or_else(|| actor.not_found("legal_hold", id))?;
    let reason = reason_of(reason)?;
    let user = actor.user()?;
    let name = actor.audit_name();
    let Some(hold) = LegalHold::lift(conn, before.id, (user, &name), &reason, now)? else {
        return Err(HoldRefused::AlreadyLifted.into());
    };
    let covers = covers(conn, &hold)?;
    hold_event(actor, actions::LEGAL_HOLD_LIFTED, &hold)
        .details(json!({
            "covers": covers,
            "placed_by": hold.placed_by_name,
            "placed_at": hold.placed_at,
            "hold_reason": hold.reason,
            "reason": reason,
            "before": { "lifted_at": null },
            "after": { "lifted_at": now },
        }))
        .record(conn)?;
    Ok(HoldView { hold, covers })
}

/// Places a hold; the actor must be an admin, and say why.
pub async fn place(
    ctx: &ServiceContext,
    actor: &Actor,
    input: HoldInput,
) -> Result<HoldView, AppError> {
    let now = ctx.clock().now();
    let view = ctx
        .run(actor, move |conn, actor| place_in(conn, actor, &input, now))
        .await?;
    mirror_in_s3(ctx, &view, true).await;
    Ok(view)
}

/// After the hold's commit: S3's own legal hold on the objects it covers in locations
/// with Object Lock (see `legal_hold_objects`). A failure is logged, the hold stands. The
/// request waits for it (so an admin's next step finds S3 told), but the work runs as
/// its own task: a browser that leaves does not stop it half-way.
async fn mirror_in_s3(ctx: &ServiceContext, view: &HoldView, on: bool) {
    let (ctx, hold) = (ctx.clone(), view.hold.clone());
    let task = actix_web::rt::spawn(async move {
        match legal_hold_objects::mirror(&ctx, &hold, on).await {
            Ok(done) if done.failed > 0 => tracing::warn!(
                hold = %hold.id, on, set = done.set, failed = done.failed,
                "S3 refused the legal hold of some objects; Hopper's own hold still blocks their deletion"
            ),
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(hold = %hold.id, on, error = %e, "could not mirror a legal hold in S3")
            }
        }
    });
    if let Err(e) = task.await {
        tracing::warn!(error = %e, "the legal hold's S3 task ended abnormally");
    }
}

/// Lifts an active hold of the actor's company; an admin only, with a reason.
pub async fn lift(
    ctx: &ServiceContext,
    actor: &Actor,
    id: LegalHoldId,
    reason: String,
) -> Result<HoldView, AppError> {
    let now = ctx.clock().now();
    let view = ctx
        .run(actor, move |conn, actor| {
            lift_in(conn, actor, id, &reason, now)
        })
        .await?;
    mirror_in_s3(ctx, &view, false).await;
    Ok(view)
}

/// The company's active holds and its projects (for the form that places one), for the
/// holds page.
pub async fn page(
    ctx: &ServiceContext,
    actor: &Actor,
) -> Result<(Vec<HoldView>, Vec<(Project, Vec<Cycle>)>), AppError> {
    ctx.run(actor, move |conn, actor| {
        admin_only(actor)?;
        let holds = active_in(conn, actor, None)?;
        let window = crate::domain::ListWindow::first(500);
        let mut projects = Vec::new();
        for project in projects::visible_in(conn, actor, &window)? {
            let cycles = Cycle::for_project(conn, project.id)?;
            projects.push((project, cycles));
        }
        Ok((holds, projects))
    })
    .await
}

/// The refusal an active hold makes of an erasure it covers.
pub(in crate::services) fn blocks_erasure(hold: &LegalHold) -> HoldRefused {
    let (by, on, reason) = facts(hold);
    HoldRefused::BlocksErasure { by, on, reason }
}
