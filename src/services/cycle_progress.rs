//! A cycle's status follows its requests: `in_progress` from its first upload,
//! `completed` once every required request is accepted (or set aside), `incomplete` once
//! its due date passes with some still owed, and back to `in_progress` when a request is
//! reopened or the due date moves out. An admin who sets the status by hand takes it
//! over until they hand it back. Every move is audited in the caller's transaction.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;

use crate::db::ids::{CompanyId, CycleId};
use crate::db::models::completeness::Completeness;
use crate::db::models::cycle::Cycle;
use crate::domain::CycleStatus;
use crate::error::AppError;
use crate::schema::{cycles, projects};
use crate::services::actor::Actor;
use crate::services::audit::{actions, AuditEvent};
use crate::services::ServiceContext;

/// The status a cycle's requests call for, if they call for a change.
pub fn derived_status(
    cycle: &Cycle,
    figures: &Completeness,
    now: DateTime<Utc>,
) -> Option<CycleStatus> {
    if cycle.status_set_by_hand || !figures.has_requests() {
        return None;
    }
    let past_due = cycle.due_at.is_some_and(|due| due < now);
    let started = cycle.started_at.is_some() || figures.received() + figures.rejected > 0;
    let wanted = if figures.is_complete() {
        CycleStatus::Completed
    } else if past_due {
        CycleStatus::Incomplete
    } else if started {
        CycleStatus::InProgress
    } else {
        CycleStatus::Pending
    };
    (wanted != cycle.status).then_some(wanted)
}

/// Who moved a request or a cycle: a person's action, or Hopper itself (the deadline
/// pass, the reconciler) in a company.
#[derive(Clone, Copy)]
pub(in crate::services) enum MovedBy<'a> {
    Actor(&'a Actor),
    Hopper(CompanyId),
}

impl<'a> MovedBy<'a> {
    pub(in crate::services) fn company(&self) -> CompanyId {
        match self {
            MovedBy::Actor(actor) => actor.company_id(),
            MovedBy::Hopper(company) => *company,
        }
    }

    pub(in crate::services) fn audit(&self, action: &'a str) -> AuditEvent<'a> {
        match self {
            MovedBy::Actor(actor) => actor.audit(action),
            MovedBy::Hopper(company) => AuditEvent::new(action).company(*company),
        }
    }
}

/// Re-derives the cycle's status after a change to its requests or due date.
pub(in crate::services) fn follow_requests(
    conn: &mut PgConnection,
    by: MovedBy<'_>,
    cycle_id: CycleId,
    now: DateTime<Utc>,
) -> Result<Option<Cycle>, AppError> {
    let cycle: Cycle = cycles::table
        .find(cycle_id)
        .select(Cycle::as_select())
        .for_no_key_update()
        .first(conn)?;
    let figures = Completeness::for_cycle(conn, cycle_id, now)?;
    let Some(to) = derived_status(&cycle, &figures, now) else {
        return Ok(None);
    };
    let started_at = match to {
        CycleStatus::Pending => cycle.started_at,
        _ => cycle.started_at.or(Some(now)),
    };
    let completed_at = match to {
        CycleStatus::Completed | CycleStatus::Incomplete => Some(now),
        _ => None,
    };
    let after = Cycle::set_status(conn, cycle.id, to, started_at, completed_at)?;
    let reason = match to {
        CycleStatus::Completed => "every required request is accepted or not applicable",
        CycleStatus::Incomplete => "the due date passed with required requests still open",
        _ => "its requests changed",
    };
    by.audit(actions::CYCLE_STATUS_CHANGED)
        .project(cycle.project_id)
        .resource("cycle", cycle.id)
        .details(json!({
            "cycle_name": cycle.cycle_name,
            "reason": reason,
            "figures": figures,
            "before": { "status": cycle.status, "completed_at": cycle.completed_at },
            "after": { "status": after.status, "completed_at": after.completed_at },
        }))
        .record(conn)?;
    Ok(Some(after))
}

/// What one deadline pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeadlineReport {
    pub checked: usize,
    pub marked_incomplete: usize,
}

/// Marks every open cycle whose due date passed before `now` with required requests
/// still open as incomplete (each in its own transaction). The reaper's loop runs it
/// every pass; tests call it with a clock of their own.
pub async fn deadline_pass(
    ctx: &ServiceContext,
    now: DateTime<Utc>,
) -> Result<DeadlineReport, AppError> {
    let due = ctx
        .run_unscoped(move |conn| Ok(Cycle::past_due(conn, now)?))
        .await?;
    let mut report = DeadlineReport {
        checked: due.len(),
        ..DeadlineReport::default()
    };
    for cycle in due {
        let moved = ctx
            .run_unscoped(move |conn| {
                let company: CompanyId = cycles::table
                    .inner_join(projects::table)
                    .filter(cycles::id.eq(cycle))
                    .select(projects::company_id)
                    .first(conn)?;
                follow_requests(conn, MovedBy::Hopper(company), cycle, now)
            })
            .await?;
        if moved.is_some_and(|c| c.status == CycleStatus::Incomplete) {
            report.marked_incomplete += 1;
        }
    }
    Ok(report)
}

/// How often the deadline pass runs: a cycle turns incomplete within this of its due date.
const DEADLINE_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

/// Runs the deadline and reminder passes for as long as the server runs.
pub fn spawn_deadlines(ctx: ServiceContext) {
    actix_web::rt::spawn(async move {
        let mut ticks = actix_web::rt::time::interval(DEADLINE_EVERY);
        loop {
            ticks.tick().await;
            let now = ctx.clock().now();
            if let Err(e) = deadline_pass(&ctx, now).await {
                tracing::warn!(error = %e, "deadline pass failed");
            }
            if let Err(e) = crate::services::notifications::reminder_pass(&ctx, now).await {
                tracing::warn!(error = %e, "reminder pass failed");
            }
        }
    });
}
