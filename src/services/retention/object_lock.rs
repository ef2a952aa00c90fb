//! Retention in a location with S3 Object Lock. The bucket is versioned (Object Lock
//! needs it), so a plain delete would only hide the object behind a delete marker while
//! its bytes stay: retention deletes the object's version itself. While that version is
//! under retention, S3 refuses (in compliance mode even Hopper's own credentials; in
//! governance mode Hopper does not ask to bypass): retention does not ask, it reports the
//! file as kept until its retain-until date, and a run after that date deletes it.

use chrono::{DateTime, Utc};

use crate::storage::ObjectTarget;

/// Why an object in a locked location was not deleted.
#[derive(Debug)]
pub(super) enum LockedDelete {
    /// Object Lock keeps it until this date.
    KeptUntil(DateTime<Utc>),
    /// S3 failed; the next run retries.
    Failed(String),
}

/// Deletes the object's current version unless its retention runs past `now`.
pub(super) async fn delete_locked(
    target: &ObjectTarget,
    now: DateTime<Utc>,
) -> Result<(), LockedDelete> {
    let Some(retained) = target.retained().await.map_err(LockedDelete::Failed)? else {
        // Nothing at the key: already gone.
        return Ok(());
    };
    if let Some(until) = retained.retain_until.filter(|until| *until > now) {
        return Err(LockedDelete::KeptUntil(until));
    }
    let Some(version) = retained.version_id else {
        return target.delete().await.map_err(LockedDelete::Failed);
    };
    match target.delete_version(&version).await {
        Ok(()) => Ok(()),
        // S3's clock says the retention still runs (or an S3 legal hold is on).
        Err((true, error)) => match retained.retain_until {
            Some(until) => Err(LockedDelete::KeptUntil(until)),
            None => Err(LockedDelete::Failed(error)),
        },
        Err((false, error)) => Err(LockedDelete::Failed(error)),
    }
}
