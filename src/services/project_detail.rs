//! The project's administration page: the project, its tags, cycles (and which have
//! uploads), grants, who could be granted, and its history from the audit log; and the
//! bucket check shown there.

use diesel::prelude::*;
use serde_json::json;

use crate::db::ids::{ProjectId, UserId};
use crate::db::models::audit_log::AuditRow;
use crate::db::models::cycle::Cycle;
use crate::db::models::project::Project;
use crate::db::models::project_access::{Grant, ProjectAccess};
use crate::db::models::storage_location::StorageLocation;
use crate::db::models::tag::Tag;
use crate::db::models::user::User;
use crate::domain::ListWindow;
use crate::error::AppError;
use crate::schema::{audit_log, users};
use crate::services::actor::Actor;
use crate::services::audit::actions;
use crate::services::legal_holds::{self, HoldView};
use crate::services::projects::find;
use crate::services::storage_locations;
use crate::services::ServiceContext;

/// Everything the project's administration page shows.
pub struct ProjectDetail {
    pub project: Project,
    pub tags: Vec<String>,
    pub cycles: Vec<(Cycle, bool)>,
    pub grants: Vec<Grant>,
    /// Active users of the company without a grant yet, for the grant form.
    pub grantable: Vec<User>,
    pub history: Vec<AuditRow>,
    /// The people the history rows are about (access granted to whom) and who acted in
    /// them, by user id.
    pub people: Vec<(UserId, String)>,
    /// The company's storage locations, for the project form.
    pub locations: Vec<StorageLocation>,
    /// The active legal holds over the project: the company's, its own, its cycles'.
    pub holds: Vec<HoldView>,
    /// Whether files are scanned for viruses before they are accepted (`HOPPER_CLAMD`).
    pub scanned: bool,
}

pub const HISTORY_ROWS: i64 = 50;

impl ProjectDetail {
    /// Whom a history row is about, by name: "Bob Smith (bob)" for an access grant.
    pub fn subject(&self, row: &AuditRow) -> Option<&str> {
        let id = user_of(row)?;
        self.people
            .iter()
            .find(|(user, _)| *user == id)
            .map(|(_, name)| name.as_str())
    }
}

impl ProjectDetail {
    /// Who made a history row's change, by name ("Alice Admin (alice)").
    pub fn who(&self, row: &AuditRow) -> String {
        row.actor_user_id
            .and_then(|id| self.people.iter().find(|(user, _)| *user == id))
            .map(|(_, name)| name.clone())
            .or_else(|| row.actor_username.clone())
            .unwrap_or_else(|| "Hopper".to_owned())
    }

    /// A changed value as recorded, with a storage location by its label rather than its
    /// id (any other field as it is).
    pub fn value(&self, field: &str, recorded: &str) -> String {
        if field == "storage_location_id" {
            if let Some(location) = self
                .locations
                .iter()
                .find(|l| l.id.0.to_string() == recorded)
            {
                return location.label.clone();
            }
        }
        recorded.to_owned()
    }
}

/// The user a history row is about, when it is about one.
fn user_of(row: &AuditRow) -> Option<UserId> {
    match row.resource_type.as_deref() {
        Some("user") => row.resource_id.as_deref()?.parse().ok().map(UserId),
        _ => None,
    }
}

/// The names of the users `history` is about, in one query (the company's users only).
fn people_of(
    conn: &mut PgConnection,
    actor: &Actor,
    history: &[AuditRow],
) -> QueryResult<Vec<(UserId, String)>> {
    let mut ids: Vec<UserId> = history
        .iter()
        .filter_map(user_of)
        .chain(history.iter().filter_map(|row| row.actor_user_id))
        .collect();
    ids.sort_by_key(|id| id.0);
    ids.dedup();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let found: Vec<(UserId, String, Option<String>)> = users::table
        .filter(users::company_id.eq(actor.company_id()))
        .filter(users::id.eq_any(ids))
        .select((users::id, users::username, users::full_name))
        .load(conn)?;
    Ok(found
        .into_iter()
        .map(|(id, username, full_name)| {
            let name = match full_name.filter(|n| !n.trim().is_empty()) {
                Some(full) => format!("{full} ({username})"),
                None => username,
            };
            (id, name)
        })
        .collect())
}

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
    let grantable = User::list_in_company(
        conn,
        actor.company_id(),
        &ListWindow::first(1000),
        Some(true),
    )?
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
    let people = people_of(conn, actor, &history)?;
    let locations = StorageLocation::for_company(conn, actor.company_id())?;
    let holds = legal_holds::active_in(conn, actor, Some(id))?;
    Ok(ProjectDetail {
        project,
        tags,
        cycles,
        grants,
        grantable,
        history,
        people,
        locations,
        holds,
        scanned: false,
    })
}

pub async fn detail(
    ctx: &ServiceContext,
    actor: &Actor,
    id: ProjectId,
) -> Result<ProjectDetail, AppError> {
    let scanned = ctx.scanner().is_some();
    ctx.run(actor, move |conn, actor| detail_in(conn, actor, id))
        .await
        .map(|detail| ProjectDetail { scanned, ..detail })
}

/// HeadBucket plus a probe written and deleted under the company's root in the project's
/// location, answered in one sentence and audited.
pub async fn check_bucket(
    ctx: &ServiceContext,
    actor: &Actor,
    id: ProjectId,
) -> Result<(ProjectDetail, String, bool), AppError> {
    let detail = detail(ctx, actor, id).await?;
    let Some(location) = detail
        .locations
        .iter()
        .find(|l| l.id == detail.project.storage_location_id)
        .cloned()
    else {
        return Err(actor.not_found("storage_location", detail.project.storage_location_id));
    };
    let client = ctx
        .storage()
        .client_for(&storage_locations::place(&location));
    let check = ctx
        .storage()
        .check_bucket(&client, &location.bucket_name, &location.key_root)
        .await;
    let message = check.message(&location.bucket_name, &location.aws_region);
    let ok = check.is_ok();
    let (audited_message, project) = (message.clone(), detail.project.id);
    ctx.run(actor, move |conn, actor| {
        actor
            .audit(actions::BUCKET_CHECKED)
            .project(project)
            .resource("storage_location", location.id)
            .details(json!({ "bucket": location.bucket_name, "ok": ok, "answer": audited_message }))
            .record(conn)?;
        Ok(())
    })
    .await?;
    Ok((detail, message, ok))
}
