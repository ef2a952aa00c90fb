//! Editing what one of a cycle's requests asks for (name, instructions, required, types,
//! pattern, files, its own due date): audited with before and after, and the cycle's
//! status derived again (a request made optional may complete it).

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::db::ids::{CycleId, CycleRequestId, ProjectId};
use crate::db::models::cycle::Cycle;
use crate::db::models::cycle_request::CycleRequest;
use crate::db::models::document_request::RequestFields;
use crate::db::models::project::Project;
use crate::domain::refusal::{InputRefused, RequestRefused};
use crate::domain::RequestKind;
use crate::error::AppError;
use crate::services::actor::Actor;
use crate::services::audit::actions;
use crate::services::cycle_progress::{follow_requests, MovedBy};
use crate::services::{cycles, ServiceContext};

/// The fields to change (already parsed); `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct RequestPatch {
    pub name: Option<String>,
    pub instructions: Option<Option<String>>,
    pub required: Option<bool>,
    pub accepted_types: Option<Vec<String>>,
    pub pattern: Option<Option<String>>,
    pub multiple_files: Option<bool>,
    pub kind: Option<RequestKind>,
    pub choices: Option<Vec<String>>,
    pub due_at: Option<Option<DateTime<Utc>>>,
}

impl RequestPatch {
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.instructions.is_none()
            && self.required.is_none()
            && self.accepted_types.is_none()
            && self.pattern.is_none()
            && self.multiple_files.is_none()
            && self.kind.is_none()
            && self.choices.is_none()
            && self.due_at.is_none()
    }

    /// The request's fields with this patch applied (made to fit their kind), and its due
    /// date.
    fn applied_to(
        self,
        r: &CycleRequest,
    ) -> Result<(RequestFields, Option<DateTime<Utc>>), AppError> {
        let fields = RequestFields {
            name: self.name.unwrap_or_else(|| r.name.clone()),
            instructions: self.instructions.unwrap_or_else(|| r.instructions.clone()),
            required: self.required.unwrap_or(r.required),
            accepted_types: self
                .accepted_types
                .unwrap_or_else(|| r.accepted_types.iter().flatten().cloned().collect()),
            pattern: self.pattern.unwrap_or_else(|| r.pattern.clone()),
            multiple_files: self.multiple_files.unwrap_or(r.multiple_files),
            kind: self.kind.unwrap_or(r.kind),
            choices: self.choices.unwrap_or_else(|| r.choice_list()),
        };
        let fields = fields.fitted().map_err(InputRefused::Field)?;
        Ok((fields, self.due_at.unwrap_or(r.due_at)))
    }
}

/// One request of a cycle as its edit page shows it, with its project and cycle, and
/// whether something (a file, an answer) fulfils it.
pub async fn one(
    ctx: &ServiceContext,
    actor: &Actor,
    (project, cycle): (ProjectId, CycleId),
    id: CycleRequestId,
) -> Result<(Project, Cycle, CycleRequest, bool), AppError> {
    ctx.run(actor, move |conn, actor| {
        let (project, cycle) = cycles::find(conn, actor, project, cycle)?;
        let request = CycleRequest::find_in_company(conn, actor.company_id(), id)?
            .filter(|r| r.cycle_id == cycle.id)
            .ok_or_else(|| actor.not_found("cycle_request", id))?;
        let fulfilled = CycleRequest::is_fulfilled(conn, &request)?;
        Ok((project, cycle, request, fulfilled))
    })
    .await
}

impl RequestPatch {
    /// Every field set, as the edit page sends them all.
    pub fn whole(fields: RequestFields, due_at: Option<DateTime<Utc>>) -> RequestPatch {
        RequestPatch {
            name: Some(fields.name),
            instructions: Some(fields.instructions),
            required: Some(fields.required),
            accepted_types: Some(fields.accepted_types),
            pattern: Some(fields.pattern),
            multiple_files: Some(fields.multiple_files),
            kind: Some(fields.kind),
            choices: Some(fields.choices),
            due_at: Some(due_at),
        }
    }
}

/// Changes one request of a cycle.
pub async fn edit(
    ctx: &ServiceContext,
    actor: &Actor,
    (project, cycle): (ProjectId, CycleId),
    id: CycleRequestId,
    patch: RequestPatch,
) -> Result<CycleRequest, AppError> {
    let now = ctx.clock().now();
    ctx.run(actor, move |conn, actor| {
        let (project, cycle) = cycles::find(conn, actor, project, cycle)?;
        let before = CycleRequest::lock_in_cycle(conn, actor.company_id(), cycle.id, id)?
            .ok_or_else(|| actor.not_found("cycle_request", id))?;
        let (fields, due_at) = patch.applied_to(&before)?;
        if fields.kind != before.kind && CycleRequest::is_fulfilled(conn, &before)? {
            return Err(RequestRefused::KindFixed {
                request: before.name,
            }
            .into());
        }
        let after = CycleRequest::set_fields(conn, id, &fields, due_at)?;
        actor
            .audit(actions::REQUEST_CHANGED)
            .project(project.id)
            .resource("cycle_request", id)
            .details(json!({
                "cycle_name": cycle.cycle_name,
                "change": "edited",
                "before": before,
                "after": after,
            }))
            .record(conn)?;
        follow_requests(conn, MovedBy::Actor(actor), cycle.id, now)?;
        Ok(after)
    })
    .await
}
