//! Creating an upload (POST): a file row and its tus row, or a refusal, or a duplicate
//! known by its announced checksum. An empty file has no bytes to send, and a tus client
//! sends no PATCH for it (tus-js-client does not; the protocol allows that): it completes
//! at its creation, by the same end as a last byte (see `finish::complete`).

use diesel::prelude::*;
use uuid::Uuid;

use crate::db::ids::UploadLinkId;
use crate::db::models::cycle::Cycle;
use crate::db::models::file_upload::FileUpload;
use crate::domain::refusal::{LinkRefused, TusRefused, UploadRefused};
use crate::domain::resumable_sha256::ResumableSha256;
use crate::domain::sizes::human_size;
use crate::error::AppError;
use crate::schema::cycles;
use crate::services::actor::Actor;
use crate::services::file_life;
use crate::services::scanning;
use crate::services::uploads::session::{
    finish_session, link_room, plan_of_running, start_session, PlanUse,
};
use crate::services::uploads::tus::claim::claim;
use crate::services::uploads::tus::drop::drop_upload;
use crate::services::uploads::tus::{
    create_in, finish, own_upload, within_limit, Created, Creation, Refusal,
};
use crate::services::{projects, ServiceContext};
use crate::storage::part_budget::PartBuffer;
use chrono::{DateTime, Utc};

/// Creates an upload, in a batch of its own unless it names one. A refusal is recorded
/// (and its own batch ended) before it is answered.
pub async fn create(
    ctx: &ServiceContext,
    actor: &Actor,
    wanted: Creation,
) -> Result<Created, AppError> {
    within_limit(ctx, &wanted.path, wanted.length)?;
    let length = wanted.length;
    let base_url = ctx.public_url().to_owned();
    let now = ctx.clock().now();
    let created = ctx
        .run(actor, move |conn, actor| {
            let cycle: Cycle = cycles::table
                .find(wanted.cycle)
                .select(Cycle::as_select())
                .first(conn)
                .optional()?
                .ok_or_else(|| actor.not_found("cycle", wanted.cycle))?;
            // Another company's cycle is a 404 (find_live scopes the project).
            let project = projects::find_live(conn, actor, cycle.project_id)
                .map_err(|_| actor.not_found("cycle", wanted.cycle))?;
            let (plan, own_batch) = match wanted.session {
                Some(session) => {
                    let location = project.storage_location_id;
                    let (_, plan) = plan_of_running(
                        conn,
                        actor,
                        session,
                        location,
                        (base_url, PlanUse::NewFiles),
                    )?;
                    if plan.cycle != cycle.id {
                        return Err(AppError::from(UploadRefused::BatchOfAnotherCycle));
                    }
                    (plan, false)
                }
                None => (
                    start_session(conn, actor, project.id, cycle.id, base_url, now)?.1,
                    true,
                ),
            };
            if let Some(link) = plan.link {
                fits_link(conn, actor, link, &wanted, now)?;
            }
            let original = match &wanted.sha256 {
                Some(sha) => FileUpload::completed_copy(conn, plan.cycle, sha)?,
                None => None,
            };
            let created = create_in(conn, actor, &plan, (&wanted, original), (now, own_batch))?;
            file_life::started(conn, plan.session, 1)?;
            if own_batch {
                match &created {
                    Created::Upload { .. } => {}
                    Created::Duplicate { .. } => {
                        finish_session(conn, actor, &plan, None)?;
                    }
                    Created::Refused { reason } => {
                        finish_session(conn, actor, &plan, Some(&reason.message()))?;
                    }
                }
            }
            Ok(created)
        })
        .await?;
    match created {
        Created::Upload { id, .. } if length == 0 => {
            complete_empty(ctx, actor, id).await?;
            Ok(created)
        }
        created => Ok(created),
    }
}

/// Through an upload link, the announced length must fit in what the link still takes,
/// counting what its other unfinished uploads announced; checked under the link's lock,
/// so parallel creations cannot pass its limit together.
fn fits_link(
    conn: &mut PgConnection,
    actor: &Actor,
    link: UploadLinkId,
    wanted: &Creation,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let room = link_room(conn, actor, link, now)?;
    if wanted.length > room.bytes_left() {
        return Err(LinkRefused::DoesNotFit {
            path: wanted.path.clone(),
            limit: human_size(u64::try_from(room.max_bytes).unwrap_or(0)),
            left: human_size(room.bytes_left()),
        }
        .into());
    }
    Ok(())
}

/// Completes the just created upload `id` of an empty file, as its last byte would: an
/// empty object stored, the file completed (or skipped as a duplicate of empty content
/// already in the cycle), its batch counted, audited, its request matched. Should that
/// fail, the upload is failed with the reason rather than left waiting for bytes that
/// never come, and the creation answers the error.
pub(in crate::services::uploads) async fn complete_empty(
    ctx: &ServiceContext,
    actor: &Actor,
    id: Uuid,
) -> Result<(), AppError> {
    let (writing, _) = claim(ctx, actor, (id, 0), None)
        .await
        .map_err(|refusal| match refusal {
            Refusal::App(e) => e,
            Refusal::WrongOffset(_) | Refusal::Ended => {
                AppError::from(TusRefused::EmptyUploadEnded)
            }
        })?;
    let arrived = finish::Arrived {
        hasher: ResumableSha256::default(),
        parts: Vec::new(),
        kind: None,
        upload_id: None,
        scan: scanning::start(ctx, Some(0)).await,
    };
    let completed = finish::complete(
        ctx,
        actor,
        &writing,
        arrived,
        finish::Last::Buffered(PartBuffer::empty()),
    )
    .await;
    let Err(e) = completed else {
        return Ok(());
    };
    finish::release(ctx, actor, &writing).await;
    let open = ctx
        .run(actor, move |conn, actor| own_upload(conn, actor, id))
        .await
        .map(|upload| upload.outcome.is_none().then_some(upload));
    if let Ok(Some(upload)) = open {
        let reason = format!("not stored: {e}");
        if let Err(dropped) = drop_upload(ctx, actor, &upload, "failed", &reason).await {
            tracing::warn!(upload = %id, error = %dropped, "could not fail an empty upload; it expires");
        }
    }
    Err(e)
}
