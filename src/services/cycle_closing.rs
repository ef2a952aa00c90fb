//! Closing a cycle: an admin's own act, apart from its status. Until then a cycle takes
//! uploads even once `completed` (everything required is in, optional items may still
//! come); once closed it takes none, whatever its status. Audited in the same transaction.

use serde_json::json;

use crate::db::ids::{CycleId, ProjectId};
use crate::db::models::completeness::Completeness;
use crate::db::models::cycle::Cycle;
use crate::domain::refusal::CycleRefused;
use crate::error::AppError;
use crate::services::actor::Actor;
use crate::services::audit::actions;
use crate::services::{cycles, ServiceContext};

/// Closes the cycle; refuses a cycle that is already closed.
pub async fn close(
    ctx: &ServiceContext,
    actor: &Actor,
    project: ProjectId,
    cycle: CycleId,
) -> Result<Cycle, AppError> {
    let now = ctx.clock().now();
    ctx.run(actor, move |conn, actor| {
        // Both rows locked: a batch that starts holds the cycle's row too, so it either
        // committed before the close or sees the cycle closed.
        let (project, before) = cycles::find(conn, actor, project, cycle)?;
        let Some(after) = Cycle::close(conn, before.id, now)? else {
            return Err(CycleRefused::AlreadyClosed {
                cycle: before.cycle_name,
            }
            .into());
        };
        let figures = Completeness::for_cycle(conn, before.id, now)?;
        actor
            .audit(actions::CYCLE_CLOSED)
            .project(project.id)
            .resource("cycle", before.id)
            .details(json!({
                "cycle_name": before.cycle_name,
                "status": before.status,
                "figures": figures,
                "before": { "closed_at": before.closed_at },
                "after": { "closed_at": after.closed_at },
            }))
            .record(conn)?;
        Ok(after)
    })
    .await
}
