//! A PATCH takes its upload: one writer at a time, at the offset the upload stands at,
//! with what the bytes need (the file, its location, its batch's plan), in one
//! transaction; a small body read whole beforehand also takes its content there.

use uuid::Uuid;

use crate::db::models::file_upload::FileUpload;
use crate::db::models::storage_location::StorageLocation;
use crate::db::models::sync_session::SyncSession;
use crate::db::models::tus_upload::TusUpload;
use crate::domain::refusal::TusRefused;
use crate::error::AppError;
use crate::services::actor::Actor;
use crate::services::uploads::session::{plan_of_rows, PlanUse};
use crate::services::uploads::tus::liveness::LiveClaim;
use crate::services::uploads::tus::patch::Refusal;
use crate::services::uploads::tus::{finish, is_own, own_upload, whole};
use crate::services::uploads::BatchPlan;
use crate::services::{legal_hold_objects, storage_locations, ServiceContext};
use crate::storage::{ObjectLock, ObjectTarget};

/// What a PATCH works with, read under the upload's row lock when it claims it.
pub(super) struct Writing {
    pub(super) upload: TusUpload,
    pub(super) file: FileUpload,
    pub(super) location: StorageLocation,
    pub(super) plan: BatchPlan,
    pub(super) writer: Uuid,
    /// A legal hold covers the file's cycle (only asked in a location with Object Lock).
    pub(super) held: bool,
    /// Renewed by the node while the request lives (see `liveness`).
    _live: LiveClaim,
}

impl Writing {
    pub(super) fn owner(&self) -> finish::PartOwner {
        finish::PartOwner {
            upload: self.upload.id,
            writer: self.writer,
            file: self.plan.file_of(self.file.id),
        }
    }

    pub(super) fn target(&self, ctx: &ServiceContext, content_type: &str) -> ObjectTarget {
        ObjectTarget {
            client: ctx
                .storage()
                .client_for(&storage_locations::place(&self.location)),
            bucket: self.location.bucket_name.clone(),
            key: self.file.s3_key.clone(),
            content_type: content_type.to_owned(),
            lock: storage_locations::lock_from(
                self.location.object_lock(),
                ctx.clock().now(),
                self.held,
            ),
        }
    }

    /// Where the bytes between whole parts wait: beside the file, under a name no
    /// upload produces (a random id).
    pub(super) fn tail(&self, ctx: &ServiceContext) -> ObjectTarget {
        let mut target = self.target(ctx, "application/octet-stream");
        let folder = target.key.rsplit_once('/').map_or("", |(folder, _)| folder);
        target.key = format!("{folder}/.hopper-tus-{}.tail", self.upload.id);
        // A staged tail is deleted once the upload ends: no retention or hold of its own
        // (still written with the checksum a locked bucket may require).
        target.lock = target.lock.map(|_| ObjectLock::none_of_its_own());
        target
    }
}

/// Whether `actor` may send this upload's bytes at `offset` now, read without a lock or a
/// transaction (one statement). `false` leaves the answer to the claim.
pub(super) async fn may_write(
    ctx: &ServiceContext,
    actor: &Actor,
    (id, offset): (Uuid, i64),
) -> Result<bool, AppError> {
    let company = actor.company_id();
    let upload = ctx
        .read_unscoped(move |conn| TusUpload::peek(conn, company, id))
        .await?;
    Ok(upload.is_some_and(|u| is_own(actor, &u) && u.outcome.is_none() && u.offset() == offset))
}

/// Claims the upload for this request; with the facts of a whole small body read first,
/// also its content when it can (see `whole`).
pub(super) async fn claim(
    ctx: &ServiceContext,
    actor: &Actor,
    (id, offset): (Uuid, i64),
    facts: Option<whole::Facts>,
) -> Result<(Writing, Option<whole::ContentClaim>), Refusal> {
    let base_url = ctx.public_url().to_owned();
    let now = ctx.clock().now();
    let writer = Uuid::new_v4();
    let node = ctx.node().clone();
    let live = ctx.live_claims().clone();
    let claimed = ctx
        .run(actor, move |conn, actor| {
            // The common case is one statement: the upload is open, at this offset and
            // free. Anything else is told apart by reading it.
            let me = (node.node_id.as_str(), node.boot_id);
            let claimed =
                TusUpload::claim(conn, (actor.company_id(), id, offset), writer, me, now)?;
            let upload = match claimed {
                Some(upload) if is_own(actor, &upload) => upload,
                // Rolled back with the 404.
                Some(_) => return Err(actor.not_found("tus_upload", id)),
                None => return refusal(conn, actor, (id, offset), now).map(Err),
            };
            // The file and its batch's rows in one statement (every PATCH of a sync).
            let (file, rows) =
                SyncSession::find_file_with_rows(conn, actor.company_id(), upload.file_id)?
                    .ok_or_else(|| actor.not_found("sync_session", upload.session_id))?;
            let (location, plan) =
                plan_of_rows(conn, actor, rows, (base_url, PlanUse::CreatedFile))?;
            let held = location.object_lock().is_some()
                && legal_hold_objects::held_at_write(
                    conn,
                    (plan.company, plan.project, plan.cycle),
                )?;
            let writing = Writing {
                upload,
                file,
                location,
                plan,
                writer,
                held,
                _live: live.hold(id, writer),
            };
            let content = match &facts {
                Some(facts) => whole::claim_content(conn, &writing, facts)?,
                None => None,
            };
            Ok(Ok((writing, content)))
        })
        .await?;
    claimed
}

/// Why an upload could not be claimed: another company's or another uploader's (404), it
/// ended or expired, it is at another offset, or another request holds it (423).
fn refusal(
    conn: &mut diesel::PgConnection,
    actor: &Actor,
    (id, offset): (Uuid, i64),
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Refusal, AppError> {
    let upload = own_upload(conn, actor, id)?;
    if upload.outcome.is_some() || upload.expires_at <= now {
        return Ok(Refusal::Ended);
    }
    if upload.offset() != offset {
        return Ok(Refusal::WrongOffset(upload.offset()));
    }
    Err(AppError::from(TusRefused::Claimed))
}
