//! Answering a question (a request of any kind but a file): on the request's card of a
//! member's upload page or an upload link's page, or through the API. Whoever may upload
//! into the cycle may answer its questions, while it takes uploads; an answer moves the
//! request like a file does (submitted for review, or accepted without review; a rejected
//! answer is answered again), is audited (`request.answered`, a webhook event) and
//! re-derives the cycle's status, all in one transaction.

use serde_json::json;

use crate::db::ids::{CycleId, CycleRequestId, ProjectId};
use crate::db::models::cycle::Cycle;
use crate::db::models::cycle_request::{Answering, CycleRequest};
use crate::error::AppError;
use crate::services::actor::Actor;
use crate::services::audit::actions;
use crate::services::cycle_progress::{follow_requests, MovedBy};
use crate::services::cycle_requests::record_move;
use crate::services::uploads::{closed_reason, uploadable, CycleLock};
use crate::services::ServiceContext;

/// The request with its answer, and its cycle (the same answer again to a request that
/// does not wait for one changes nothing and writes nothing).
pub struct Answered {
    pub request: CycleRequest,
    pub cycle: Cycle,
}

/// Answers request `id` with `raw`; `within`: the project and cycle a page's path names
/// (the request must be theirs).
pub async fn answer(
    ctx: &ServiceContext,
    actor: &Actor,
    within: Option<(ProjectId, CycleId)>,
    id: CycleRequestId,
    raw: String,
) -> Result<Answered, AppError> {
    let now = ctx.clock().now();
    ctx.run(actor, move |conn, actor| {
        let found = CycleRequest::find_in_company(conn, actor.company_id(), id)?
            .ok_or_else(|| actor.not_found("cycle_request", id))?;
        let cycle = Cycle::find_by_id(conn, found.cycle_id)?;
        if within.is_some_and(|(project, c)| project != cycle.project_id || c != cycle.id) {
            return Err(actor.not_found("cycle_request", id));
        }
        if let Some(visitor) = actor.link_visitor() {
            if !visitor.requests.is_empty() && !visitor.requests.contains(&id) {
                return Err(actor.not_found("cycle_request", id));
            }
        }
        // The cycle first, then the request: the order an upload and a review take.
        let (project, cycle) =
            uploadable(conn, actor, (cycle.project_id, cycle.id), CycleLock::Held)?;
        if let Some(closed) = closed_reason(&project, &cycle) {
            return Err(closed.into());
        }
        let before = CycleRequest::lock_in_cycle(conn, actor.company_id(), cycle.id, id)?
            .ok_or_else(|| actor.not_found("cycle_request", id))?;
        let answer = before.kind.parse_answer(&raw, &before.choice_list())?;
        if before.answer.as_deref() == Some(answer.as_str())
            && before.status != crate::domain::RequestStatus::Rejected
        {
            return Ok(Answered {
                request: before,
                cycle,
            });
        }
        let status = before.status.after_upload(project.review_uploads);
        let after = CycleRequest::set_answer(
            conn,
            id,
            &Answering {
                answer: &answer,
                status,
                at: now,
                by: actor.user_id(),
                visit: actor.link_visitor().map(|v| v.visit),
            },
        )?;
        actor
            .audit(actions::REQUEST_ANSWERED)
            .project(project.id)
            .resource("cycle_request", id)
            .details(json!({
                "cycle_name": cycle.cycle_name,
                "request": after.name,
                "kind": after.kind,
                "answer": answer,
                "previous_answer": before.answer,
            }))
            .record(conn)?;
        if before.status != after.status || before.note.is_some() {
            let by = MovedBy::Actor(actor);
            record_move(conn, by, project.id, &cycle, &before, &after, None)?;
        }
        let cycle = follow_requests(conn, MovedBy::Actor(actor), cycle.id, now)?.unwrap_or(cycle);
        Ok(Answered {
            request: after,
            cycle,
        })
    })
    .await
}
