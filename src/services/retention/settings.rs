//! How long a project keeps its files: for ever, or N days after their cycle was closed.
//! An admin's setting, audited with its before and after.

use serde_json::json;

use crate::db::ids::ProjectId;
use crate::db::models::project::Project;
use crate::domain::refusal::HoldRefused;
use crate::error::AppError;
use crate::services::actor::Actor;
use crate::services::audit::actions;
use crate::services::projects;
use crate::services::ServiceContext;

/// The longest a project may keep files before retention deletes them (100 years).
pub const MAX_DAYS: i32 = 36_500;

/// Sets the project's retention: `None` keeps files for ever (`Some(0)` and other days
/// out of range are refused, once the project is known to be the actor's).
pub async fn set(
    ctx: &ServiceContext,
    actor: &Actor,
    id: ProjectId,
    days: Option<i32>,
) -> Result<Project, AppError> {
    if !actor.is_admin() {
        return Err(HoldRefused::AdminOnly.into());
    }
    ctx.run(actor, move |conn, actor| {
        let before = projects::lock_live(conn, actor, id)?;
        if days.is_some_and(|d| !(1..=MAX_DAYS).contains(&d)) {
            return Err(HoldRefused::RetentionOutOfRange.into());
        }
        if before.retention_days == days {
            return Ok(before);
        }
        let after = Project::set_retention(conn, id, days)?;
        actor
            .audit(actions::PROJECT_RETENTION_CHANGED)
            .project(id)
            .resource("project", id)
            .details(json!({
                "project_name": after.project_name,
                "before": { "retention_days": before.retention_days },
                "after": { "retention_days": after.retention_days },
            }))
            .record(conn)?;
        Ok(after)
    })
    .await
}
