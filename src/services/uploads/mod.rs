//! Uploads from the browser: a batch (one sync session) whose files stream into S3,
//! hashed with SHA-256 on the way. Nothing is lost on failure: a failed file is recorded
//! with its reason and its multipart upload aborted; an interrupted one is cleaned up by
//! a guard or, after a crash, by the reaper.
//!
//! `batch` runs a sync session, `file_guard` one file's row, `limited` the rules on a
//! file's bytes, `stop` why a batch ends early; this file decides who may upload where.

mod batch;
mod file_end;
mod file_guard;
mod limited;
pub mod manifest;
mod matching;
mod session;
mod slots;
mod stop;
pub mod tus;

pub use batch::Batch;
pub use slots::{BatchSlots, Counted, SlotLimits};
pub use stop::Stop;

use crate::db::ids::{
    CompanyId, CycleId, CycleRequestId, FileUploadId, ProjectId, StorageLocationId, SyncSessionId,
    UploadLinkId,
};
use crate::db::models::cycle::Cycle;
use crate::db::models::file_upload::NewFile;
use crate::db::models::project::Project;
use crate::db::models::sync_session::SyncSession;
use crate::domain::refusal::{AccessRefused, UploadRefused};
use crate::domain::FailReason;
use crate::error::AppError;
use crate::services::actor::Actor;
use crate::services::cycle_requests::{self, CycleRequests};
use crate::services::file_life::{self, FileOf};
use crate::services::{files, project_access, projects, ServiceContext};
use diesel::PgConnection;

/// Where a batch goes and under which rules, fixed when it starts.
#[derive(Clone)]
struct BatchPlan {
    session: SyncSessionId,
    company: CompanyId,
    project: ProjectId,
    cycle: CycleId,
    /// Where the batch's bytes go (recorded on every file row).
    location: StorageLocationId,
    /// The company's root in that location, then the cycle's prefix.
    prefix: String,
    review: bool,
    allowed: Vec<String>,
    /// The cycle's requests a file can fulfil, in list order.
    requests: Vec<matching::PlannedRequest>,
    /// The upload link the batch came through: its limits are checked for every file.
    link: Option<UploadLinkId>,
    /// For the admins' digest when the batch ends.
    project_name: String,
    cycle_name: String,
    base_url: String,
}

impl BatchPlan {
    /// Records a file of this batch refused before any byte was stored (its row failed,
    /// counted as ended, audited; the caller counts it started). The name is kept as
    /// sent, with control characters escaped (PostgreSQL refuses NUL; CR/LF could forge
    /// log lines).
    fn refuse_file(
        &self,
        conn: &mut PgConnection,
        actor: &Actor,
        path: &str,
        reason: &FailReason,
        via: Option<&'static str>,
    ) -> Result<FileUploadId, AppError> {
        let path = crate::domain::client_info::sanitize(path);
        let row = self.file_row(&path, None, None);
        let by = crate::services::cycle_progress::MovedBy::Actor(actor);
        file_life::refuse(conn, by, (&row, self.project), reason, via)
    }

    /// One of this batch's files, as its life's transitions take it.
    fn file_of(&self, file: FileUploadId) -> FileOf {
        FileOf {
            file,
            session: self.session,
            project: Some(self.project),
        }
    }

    /// A file row of this batch at `path`, run by `runner` (none for a file refused before
    /// any byte was stored); its key is chosen when it is inserted.
    fn file_row<'a>(
        &self,
        path: &'a str,
        runner: Option<(&'a str, uuid::Uuid)>,
        request: Option<CycleRequestId>,
    ) -> NewFile<'a> {
        NewFile {
            runner,
            session: self.session,
            company: self.company,
            location: self.location,
            cycle: self.cycle,
            file_path: path,
            s3_key: "",
            request,
        }
    }
}

/// What the upload page shows: the project, the cycle with its requests and where each
/// stands, and its last ten batches.
pub async fn upload_page(
    ctx: &ServiceContext,
    actor: &Actor,
    project: ProjectId,
    cycle: CycleId,
) -> Result<(CycleRequests, Vec<SyncSession>), AppError> {
    let now = ctx.clock().now();
    ctx.run(actor, move |conn, actor| {
        let (project, cycle) = uploadable(conn, actor, (project, cycle), CycleLock::NotNeeded)?;
        let recent = files::recent_sessions(conn, &cycle, 10)?;
        let requests = cycle_requests::view_of(conn, project, cycle, now)?;
        Ok((requests, recent))
    })
    .await
}

/// Refuses early, before the body is read: another company's project is a 404 whatever
/// the body looks like.
pub async fn check_uploadable(
    ctx: &ServiceContext,
    actor: &Actor,
    project: ProjectId,
    cycle: CycleId,
) -> Result<(), AppError> {
    ctx.run(actor, move |conn, actor| {
        uploadable(conn, actor, (project, cycle), CycleLock::NotNeeded).map(|_| ())
    })
    .await
}

/// Whether [`uploadable`] keeps the cycle's row locked to the end of the transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::services) enum CycleLock {
    /// The start of a batch: the cycle cannot close before its session row commits.
    Held,
    /// A page, an early check, a running batch's next file: nothing here depends on the
    /// status staying put, and every file of a batch would queue on the row.
    NotNeeded,
}

/// The project and cycle the actor may upload into, or why not. An upload link opens its
/// own cycle and nothing else.
pub(in crate::services) fn uploadable(
    conn: &mut PgConnection,
    actor: &Actor,
    (project_id, cycle_id): (ProjectId, CycleId),
    lock: CycleLock,
) -> Result<(Project, Cycle), AppError> {
    let project = projects::find_live(conn, actor, project_id)?;
    may_upload_into(conn, actor, &project, cycle_id)?;
    let cycle = match lock {
        CycleLock::Held => Cycle::lock_in_project(conn, project.id, cycle_id)?,
        CycleLock::NotNeeded => Cycle::find_in_project(conn, project.id, cycle_id)?,
    }
    .ok_or_else(|| actor.not_found("cycle", cycle_id))?;
    Ok((project, cycle))
}

/// Whether the actor may upload into this cycle of `project` (a live project of the
/// actor's company): a link only into its own cycle, anyone else by their right.
pub(in crate::services) fn may_upload_into(
    conn: &mut PgConnection,
    actor: &Actor,
    project: &Project,
    cycle_id: CycleId,
) -> Result<(), AppError> {
    match actor.link_visitor() {
        Some(visitor) if visitor.project == project.id && visitor.cycle == cycle_id => Ok(()),
        Some(_) => Err(actor.not_found("cycle", cycle_id)),
        None => match project_access::right_in(conn, actor, project.id)? {
            Some(right) if right.can_upload() => Ok(()),
            Some(_) => Err(AppError::from(AccessRefused::ViewOnly)),
            None => Err(actor.not_found("project", project.id)),
        },
    }
}

/// Why the cycle takes no uploads now, if it does not.
pub fn closed_reason(project: &Project, cycle: &Cycle) -> Option<UploadRefused> {
    if !project.is_active {
        return Some(UploadRefused::ProjectInactive);
    }
    if cycle.takes_uploads() {
        return None;
    }
    let status = match cycle.closed_at {
        Some(_) => "closed".to_owned(),
        None => cycle.status.label().to_lowercase(),
    };
    Some(UploadRefused::CycleClosed {
        cycle: cycle.cycle_name.clone(),
        status,
    })
}

/// Runs cleanup from a `Drop`, when a runtime is there to run it.
fn spawn_cleanup(task: impl std::future::Future<Output = ()> + Send + 'static) {
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(task);
    }
}

fn internal(e: AppError) -> Stop {
    tracing::error!(error = ?e, "upload bookkeeping failed");
    Stop::Disconnected("Hopper could not record the upload; please try again.".into())
}
