//! Hopper's legal hold, mirrored in S3: when a hold is placed, every stored object it
//! covers in a location with Object Lock gets S3's own legal hold (ON), so not even a
//! delete that goes around Hopper removes it; when a hold is lifted, objects no other
//! active hold covers get it cleared (OFF). Runs after the hold's transaction committed,
//! in batches; an object S3 refuses is logged and counted, never undoes the hold (the
//! database's hold still blocks every deletion through Hopper).

use diesel::prelude::*;

use crate::db::ids::{CompanyId, CycleId, FileUploadId, ProjectId};
use crate::db::models::legal_hold::{Covered, LegalHold};
use crate::db::models::storage_location::StorageLocation;
use crate::domain::FileStatus;
use crate::error::AppError;
use crate::schema::{file_uploads, storage_locations, sync_sessions};
use crate::services::actor::Actor;
use crate::services::{storage_locations as locations, ServiceContext};
use crate::storage::ObjectTarget;

/// Objects per batch (each batch one short read, then its S3 calls).
const BATCH: i64 = 200;

/// What mirroring a hold did in S3.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Mirrored {
    pub set: usize,
    pub failed: usize,
}

type Stored = (
    FileUploadId,
    String,
    ProjectId,
    Option<CycleId>,
    StorageLocation,
);

/// Whether an active hold covers a cycle: a file written there now gets S3's legal hold
/// with its bytes (`(company, project, cycle)`).
pub(in crate::services) fn held_at_write(
    conn: &mut PgConnection,
    (company, project, cycle): (CompanyId, ProjectId, CycleId),
) -> Result<bool, AppError> {
    Ok(LegalHold::active_covering(conn, company, Covered::Cycle(project, cycle))?.is_some())
}

/// [`held_at_write`] for a batch's files, asked only in a location with Object Lock.
pub(in crate::services) async fn held_for(
    ctx: &ServiceContext,
    actor: &Actor,
    location: &StorageLocation,
    scope: (CompanyId, ProjectId, CycleId),
) -> Result<bool, AppError> {
    if location.object_lock().is_none() {
        return Ok(false);
    }
    ctx.run(actor, move |conn, _| held_at_write(conn, scope))
        .await
}

/// The next batch of stored objects in locked locations covered by `hold`.
fn covered_objects(
    conn: &mut PgConnection,
    hold: &LegalHold,
    after: FileUploadId,
) -> QueryResult<Vec<Stored>> {
    let mut query = file_uploads::table
        .inner_join(sync_sessions::table)
        .inner_join(storage_locations::table)
        .filter(file_uploads::company_id.eq(hold.company_id))
        .filter(file_uploads::id.gt(after))
        .filter(file_uploads::status.eq(FileStatus::Completed))
        .filter(file_uploads::owns_key.eq(true))
        .filter(file_uploads::s3_key.ne(""))
        .filter(file_uploads::bytes_deleted_at.is_null())
        .filter(storage_locations::object_lock_mode.is_not_null())
        .into_boxed();
    if let Some(project) = hold.project_id {
        query = query.filter(sync_sessions::project_id.eq(project));
    }
    if let Some(cycle) = hold.cycle_id {
        query = query.filter(file_uploads::cycle_id.eq(cycle));
    }
    query
        .order(file_uploads::id.asc())
        .select((
            file_uploads::id,
            file_uploads::s3_key,
            sync_sessions::project_id,
            file_uploads::cycle_id,
            StorageLocation::as_select(),
        ))
        .limit(BATCH)
        .load(conn)
}

/// Sets (`on`) or clears S3 legal hold on what `hold` covers; clearing skips objects
/// another active hold of the company still covers.
pub(in crate::services) async fn mirror(
    ctx: &ServiceContext,
    hold: &LegalHold,
    on: bool,
) -> Result<Mirrored, AppError> {
    let mut done = Mirrored::default();
    let mut after = FileUploadId(0);
    let company: CompanyId = hold.company_id;
    loop {
        let scope = hold.clone();
        let (batch, others) = ctx
            .run_unscoped(move |conn| {
                let batch = covered_objects(conn, &scope, after)?;
                let others = LegalHold::active_in_company(conn, company, None)?;
                Ok((batch, others))
            })
            .await?;
        let Some(last) = batch.last().map(|row| row.0) else {
            return Ok(done);
        };
        for (file, key, project, cycle, location) in batch {
            // Clearing: another active hold over the file keeps S3's hold on.
            let held_otherwise = others
                .iter()
                .any(|h| h.id != hold.id && h.covers(project, cycle));
            if !on && held_otherwise {
                continue;
            }
            let target = ObjectTarget {
                client: ctx.storage().client_for(&locations::place(&location)),
                bucket: location.bucket_name.clone(),
                key,
                content_type: String::new(),
                lock: None,
            };
            match target.set_legal_hold(on).await {
                Ok(()) => done.set += 1,
                Err(error) => {
                    tracing::warn!(file = %file, key = %target.key, on, %error, "could not set the S3 legal hold of an object");
                    done.failed += 1;
                }
            }
        }
        after = last;
    }
}
