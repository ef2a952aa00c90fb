//! A batch announced by its manifest (the API's `POST /api/v1/sessions`): every file's
//! relative path, size and SHA-256 before any byte moves. In one transaction the batch
//! starts and each file is decided: refused (recorded), a duplicate of content already
//! in the cycle (recorded as skipped; nothing to send), unchanged (its path's current
//! version has these bytes: nothing recorded), or an upload waiting for its bytes
//! through tus, which may replace the current version at the same path. One request
//! replaces a HEAD or LIST per file.

use diesel::prelude::*;
use uuid::Uuid;

use crate::db::ids::{CycleId, CycleRequestId, FileUploadId, SyncSessionId};
use crate::db::models::cycle::Cycle;
use crate::db::models::cycle_contents;
use crate::db::models::file_upload::FileUpload;
use crate::db::models::project::Project;
use crate::db::models::sync_session::SyncSession;
use crate::db::models::tus_upload::TusUpload;
use crate::domain::refusal::UploadRefused;
use crate::domain::resumable_sha256::ResumableSha256;
use crate::domain::RefusalKind;
use crate::domain::{FailReason, ObjectKey, TokenScope};
use crate::error::AppError;
use crate::schema::{cycles, tus_uploads};
use crate::services::actor::Actor;
use crate::services::file_life;
use crate::services::receipts::{self, Receipt};
use crate::services::uploads::session::{finish_session, plan_of_running, start_session, PlanUse};
use crate::services::uploads::tus::{self, drop::drop_upload, Created, Creation, Decision};
use crate::services::uploads::{may_upload_into, BatchPlan};
use crate::services::{projects, ServiceContext};

/// One file as the client announces it.
#[derive(Debug, Clone)]
pub struct ManifestFile {
    pub path: String,
    pub size: u64,
    /// Hex, lower case.
    pub sha256: String,
    pub request: Option<CycleRequestId>,
}

/// What the client is to do with one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Send it to this tus upload.
    Upload(Uuid),
    /// Send it to this tus upload; it becomes the current version of its path.
    Replaces {
        upload: Uuid,
        previous: FileUploadId,
    },
    /// The content is in the cycle already (under another path, or an older batch's
    /// copy): nothing to send; recorded as skipped.
    Duplicate(FileUploadId),
    /// This path's current version has these bytes: nothing to send, nothing recorded.
    Unchanged(FileUploadId),
    /// Not taken, and why.
    Refused(String),
}

/// Starts a batch in `cycle` for the manifest's files (or adds them to the actor's open
/// batch `joining`) and decides each.
pub async fn start(
    ctx: &ServiceContext,
    actor: &Actor,
    cycle: CycleId,
    joining: Option<SyncSessionId>,
    manifest: Vec<ManifestFile>,
) -> Result<(Option<SyncSessionId>, Vec<(String, Action)>), AppError> {
    let max_files = ctx.uploads().max_files_per_batch;
    if manifest.len() > max_files {
        return Err(UploadRefused::ManifestTooLong { max_files }.into());
    }
    let too_large: Vec<Option<FailReason>> = manifest
        .iter()
        .map(|f| {
            tus::within_limit(ctx, &f.path, f.size)
                .err()
                .map(|e| match e {
                    AppError::Refused(refused) => FailReason::Refused(refused),
                    other => FailReason::Happened(other.to_string()),
                })
        })
        .collect();
    let empty: Vec<String> = manifest
        .iter()
        .filter(|f| f.size == 0)
        .map(|f| f.path.clone())
        .collect();
    let base_url = ctx.public_url().to_owned();
    let now = ctx.clock().now();
    let (session, decided): (_, Vec<(String, Action)>) = ctx
        .run(actor, move |conn, actor| {
            let (found, project) = sendable_cycle(conn, actor, cycle)?;
            // Each path's current version, found once: when every file is unchanged and no
            // batch is being joined, nothing happened and no batch is recorded (a machine
            // that syncs every hour leaves no empty batches on the dashboards).
            let relative: Vec<Option<String>> = manifest
                .iter()
                .map(|file| {
                    ObjectKey::parse(&found.s3_prefix, &file.path)
                        .ok()
                        .map(|key| key.relative_path)
                })
                .collect();
            let paths: Vec<String> = relative.iter().flatten().cloned().collect();
            let versions = cycle_contents::current_versions(conn, found.id, &paths)?;
            let currents: Vec<Option<(FileUploadId, Option<String>)>> = relative
                .iter()
                .map(|path| path.as_ref().and_then(|p| versions.get(p).cloned()))
                .collect();
            let unchanged = |(file, current): (
                &ManifestFile,
                &Option<(FileUploadId, Option<String>)>,
            )| {
                matches!(current, Some((_, Some(sha))) if *sha == file.sha256)
            };
            if joining.is_none()
                && too_large.iter().all(Option::is_none)
                && manifest.iter().zip(&currents).all(unchanged)
            {
                let decided = manifest
                    .iter()
                    .zip(&currents)
                    .filter_map(|(file, current)| {
                        current
                            .as_ref()
                            .map(|(id, _)| (file.path.clone(), Action::Unchanged(*id)))
                    })
                    .collect();
                return Ok((None, decided));
            }
            let plan = match joining {
                Some(session) => {
                    let plan = running_plan(conn, actor, session, base_url)?;
                    if plan.cycle != found.id {
                        return Err(AppError::from(UploadRefused::BatchOfAnotherCycle));
                    }
                    plan
                }
                None => start_session(conn, actor, project.id, found.id, base_url, now)?.1,
            };
            let checksums: Vec<String> = manifest.iter().map(|f| f.sha256.clone()).collect();
            let copies = cycle_contents::completed_copies(conn, plan.cycle, &checksums)?;
            // Each file decided first; the rows of those to upload then go in one statement
            // per table (a manifest of thousands of files is a sync's first request).
            let mut decided: Vec<Option<(String, Action)>> = Vec::with_capacity(manifest.len());
            let mut taking = Vec::new();
            // Every file but an unchanged one is a file of the batch; counted once, at the end.
            let mut started = 0;
            for ((file, too_large), current) in manifest.iter().zip(too_large).zip(currents) {
                if let Some(reason) = too_large {
                    tus::refuse(conn, actor, &plan, &file.path, &reason)?;
                    decided.push(Some((file.path.clone(), Action::Refused(reason.message()))));
                    started += 1;
                    continue;
                }
                // The same bytes at the same path: nothing happened, nothing is recorded.
                let previous = match current {
                    Some((id, Some(sha))) if sha == file.sha256 => {
                        decided.push(Some((file.path.clone(), Action::Unchanged(id))));
                        continue;
                    }
                    Some((id, _)) => Some(id),
                    None => None,
                };
                started += 1;
                let wanted = Creation {
                    path: file.path.clone(),
                    cycle: plan.cycle,
                    session: Some(plan.session),
                    request: file.request,
                    sha256: Some(file.sha256.clone()),
                    length: file.size,
                    head: None,
                };
                match tus::decide(&plan, &wanted) {
                    Decision::Refused { reason } => {
                        tus::refuse(conn, actor, &plan, &file.path, &reason)?;
                        decided.push(Some((file.path.clone(), Action::Refused(reason.message()))));
                    }
                    Decision::Taken { key, request } => {
                        // The first copy of these bytes decides for every file that has them.
                        let original = copies.get(&file.sha256.to_ascii_lowercase()).cloned();
                        let at = decided.len();
                        decided.push(None);
                        taking.push(Taking {
                            at,
                            wanted,
                            key,
                            request,
                            original,
                            previous,
                        });
                    }
                }
            }
            let rows: Vec<_> = taking
                .iter()
                .map(|t| (plan.file_row(&t.key.relative_path, None, t.request), &t.key))
                .collect();
            let files = file_life::start_all(conn, &rows)?;
            let initial = ResumableSha256::default().to_bytes();
            let uploads: Vec<_> = taking
                .iter()
                .zip(files)
                .map(|(t, file)| {
                    let duplicate = t.original.is_some();
                    tus::tus_row(
                        actor,
                        &plan,
                        (&t.wanted, file, &initial),
                        (now, false),
                        duplicate,
                    )
                })
                .collect();
            TusUpload::insert_all(conn, &uploads)?;
            for (t, new) in taking.iter().zip(&uploads) {
                let action =
                    match tus::opened(conn, actor, &plan, (new, &t.wanted), t.original.clone())? {
                        Created::Upload { id, .. } => match t.previous {
                            Some(previous) => Action::Replaces {
                                upload: id,
                                previous,
                            },
                            None => Action::Upload(id),
                        },
                        Created::Duplicate { of, .. } => Action::Duplicate(of),
                        Created::Refused { reason } => Action::Refused(reason.message()),
                    };
                decided[t.at] = Some((t.wanted.path.clone(), action));
            }
            let decided = decided.into_iter().flatten().collect();
            if started > 0 {
                file_life::started(conn, plan.session, started)?;
            }
            Ok((Some(plan.session), decided))
        })
        .await?;
    // An empty file has no bytes to send (and a client sends no PATCH for it): it is
    // complete now, or failed with the reason (the receipt tells).
    for (path, action) in &decided {
        let (Action::Upload(id) | Action::Replaces { upload: id, .. }) = action else {
            continue;
        };
        if empty.contains(path) {
            if let Err(e) = tus::complete_empty(ctx, actor, *id).await {
                tracing::warn!(upload = %id, error = %e, "an empty file of a manifest was not stored");
            }
        }
    }
    Ok((session, decided))
}

/// The cycle and its project, when the actor may send into it: the `upload` scope, the
/// project among the token's, and the right to upload there. Checked before anything of
/// the cycle is read (its current versions would tell whether guessed bytes are there),
/// and every refusal is the 404 of a missing cycle.
fn sendable_cycle(
    conn: &mut PgConnection,
    actor: &Actor,
    cycle: CycleId,
) -> Result<(Cycle, Project), AppError> {
    let absent = || actor.not_found("cycle", cycle);
    if !actor.may(TokenScope::Upload) {
        return Err(absent());
    }
    let found: Cycle = cycles::table
        .find(cycle)
        .select(Cycle::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(absent)?;
    let project = projects::find_live(conn, actor, found.project_id).map_err(|_| absent())?;
    match may_upload_into(conn, actor, &project, found.id) {
        Ok(()) => Ok((found, project)),
        Err(AppError::Denied(_) | AppError::NotFound) => Err(absent()),
        Err(AppError::Refused(refused)) if refused.kind() == RefusalKind::NoRight => Err(absent()),
        Err(other) => Err(other),
    }
}

/// A file to upload, decided, before its rows are written.
struct Taking {
    /// Its place in the manifest.
    at: usize,
    wanted: Creation,
    key: ObjectKey,
    request: Option<CycleRequestId>,
    /// The stored copy of its content in the cycle, if any: then it is a duplicate.
    original: Option<FileUpload>,
    /// The current version at its path, which it replaces.
    previous: Option<FileUploadId>,
}

/// Starts an empty batch in the cycle, for a browser that sends its files one by one
/// through tus (each naming the batch), and ends it with [`finish`].
pub async fn open(
    ctx: &ServiceContext,
    actor: &Actor,
    project: crate::db::ids::ProjectId,
    cycle: CycleId,
) -> Result<SyncSessionId, AppError> {
    let base_url = ctx.public_url().to_owned();
    let now = ctx.clock().now();
    ctx.run(actor, move |conn, actor| {
        Ok(start_session(conn, actor, project, cycle, base_url, now)?
            .1
            .session)
    })
    .await
}

/// The plan of the actor's own open batch `session` (its project's location).
fn running_plan(
    conn: &mut PgConnection,
    actor: &Actor,
    session: SyncSessionId,
    base_url: String,
) -> Result<BatchPlan, AppError> {
    let row = SyncSession::find_in_company(conn, actor.company_id(), session)?
        .ok_or_else(|| actor.not_found("sync_session", session))?;
    let location = projects::find_live(conn, actor, row.project_id)?.storage_location_id;
    Ok(plan_of_running(
        conn,
        actor,
        session,
        location,
        (base_url, PlanUse::NewFiles),
    )?
    .1)
}

/// Ends a batch: uploads not finished by now are dropped (their files fail), the batch
/// closes (the admins' digest goes out) and its receipt is returned.
pub async fn finish(
    ctx: &ServiceContext,
    actor: &Actor,
    session: SyncSessionId,
) -> Result<Receipt, AppError> {
    let pending: Vec<TusUpload> = ctx
        .run(actor, move |conn, actor| {
            // Scoped and owned like any batch the actor joins.
            running_plan(conn, actor, session, String::new())?;
            Ok(tus_uploads::table
                .filter(tus_uploads::session_id.eq(session))
                .filter(tus_uploads::outcome.is_null())
                .select(TusUpload::as_select())
                .load(conn)?)
        })
        .await?;
    for upload in &pending {
        drop_upload(
            ctx,
            actor,
            upload,
            "failed",
            "not sent before the batch was finished",
        )
        .await?;
    }
    let base_url = ctx.public_url().to_owned();
    ctx.run(actor, move |conn, actor| {
        let plan = running_plan(conn, actor, session, base_url)?;
        finish_session(conn, actor, &plan, None)?;
        Ok(())
    })
    .await?;
    receipts::finished(ctx, actor, session).await
}
