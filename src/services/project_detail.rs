//! The project's administration page: the project, its tags, cycles (and which have
//! uploads), grants, who could be granted, and its history from the audit log; and the
//! bucket check shown there.

use diesel::prelude::*;

use crate::db::ids::ProjectId;
use crate::db::models::audit_log::AuditRow;
use crate::db::models::cycle::Cycle;
use crate::db::models::project::Project;
use crate::db::models::project_access::{Grant, ProjectAccess};
use crate::db::models::tag::Tag;
use crate::db::models::user::User;
use crate::error::AppError;
use crate::schema::audit_log;
use crate::services::actor::Actor;
use crate::services::projects::find;
use crate::services::ServiceContext;
use crate::storage::BucketCheck;

/// Everything the project's administration page shows.
pub struct ProjectDetail {
    pub project: Project,
    pub tags: Vec<String>,
    pub cycles: Vec<(Cycle, bool)>,
    pub grants: Vec<Grant>,
    /// Active users of the company without a grant yet, for the grant form.
    pub grantable: Vec<User>,
    pub history: Vec<AuditRow>,
}

pub const HISTORY_ROWS: i64 = 50;

fn detail_in(
    conn: &mut PgConnection,
    actor: &Actor,
    id: ProjectId,
) -> Result<ProjectDetail, AppError> {
    let project = find(conn, actor, id)?;
    let tags = Tag::names_for_project(conn, id)?;
    let cycles = Cycle::for_project(conn, id)?;
    let ids: Vec<_> = cycles.iter().map(|c| c.id).collect();
    let used = Cycle::with_uploads(conn, &ids)?;
    let cycles = cycles
        .into_iter()
        .map(|c| {
            let has_uploads = used.contains(&c.id);
            (c, has_uploads)
        })
        .collect();
    let grants = ProjectAccess::for_project(conn, id)?;
    let grantable = User::list_in_company(conn, actor.company_id(), None, Some(true), 0, 1000)?
        .into_iter()
        .filter(|u| !grants.iter().any(|g| g.user_id == u.id))
        .collect();
    let history = audit_log::table
        .filter(audit_log::company_id.eq(actor.company_id()))
        .filter(audit_log::project_id.eq(id))
        .order((audit_log::created_at.desc(), audit_log::id.desc()))
        .limit(HISTORY_ROWS)
        .select(AuditRow::as_select())
        .load(conn)?;
    Ok(ProjectDetail {
        project,
        tags,
        cycles,
        grants,
        grantable,
        history,
    })
}

pub async fn detail(
    ctx: &ServiceContext,
    actor: &Actor,
    id: ProjectId,
) -> Result<ProjectDetail, AppError> {
    ctx.run(actor, move |conn, actor| detail_in(conn, actor, id))
        .await
}

/// HeadBucket plus a probe write into the project's bucket, answered in one sentence.
pub async fn check_bucket(
    ctx: &ServiceContext,
    actor: &Actor,
    id: ProjectId,
) -> Result<(ProjectDetail, BucketCheck), AppError> {
    let detail = detail(ctx, actor, id).await?;
    let check = ctx
        .storage()
        .check_bucket(&detail.project.bucket_name, &detail.project.aws_region)
        .await;
    Ok((detail, check))
}
