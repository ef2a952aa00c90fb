//! S3 Object Lock: objects written with a mode and a retain-until date (and the
//! Content-MD5 S3 requires on such writes), the bucket's own Object Lock setting checked
//! before a location declares a lock, S3 legal holds set and cleared, and what retention
//! needs to know before it asks to delete a version.

use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::types::{
    ObjectLockEnabled, ObjectLockLegalHold, ObjectLockLegalHoldStatus,
    ObjectLockMode as S3LockMode, ObjectLockRetention, ObjectLockRetentionMode,
};
use aws_sdk_s3::Client;
use base64::Engine;
use chrono::{DateTime, Utc};

use crate::domain::ObjectLockMode;
use crate::storage::{ObjectTarget, Storage};

/// How an object is written into a bucket with Object Lock. Every such write carries
/// Content-MD5: S3 requires it with lock headers, and for any write into a bucket with a
/// default retention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectLock {
    /// The mode and retain-until date; None for an object that must stay deletable (a
    /// staged tus tail).
    pub retention: Option<(ObjectLockMode, DateTime<Utc>)>,
    /// S3 legal hold ON from the write: a Hopper legal hold covers the file already.
    pub legal_hold: bool,
}

impl ObjectLock {
    /// An object of a locked bucket written with no retention of its own.
    pub fn none_of_its_own() -> ObjectLock {
        ObjectLock {
            retention: None,
            legal_hold: false,
        }
    }

    pub(super) fn s3_mode(&self) -> Option<S3LockMode> {
        self.retention.map(|(mode, _)| match mode {
            ObjectLockMode::Governance => S3LockMode::Governance,
            ObjectLockMode::Compliance => S3LockMode::Compliance,
        })
    }

    pub(super) fn s3_legal_hold(&self) -> Option<ObjectLockLegalHoldStatus> {
        self.legal_hold.then_some(ObjectLockLegalHoldStatus::On)
    }

    pub(super) fn s3_retain_until(&self) -> Option<aws_sdk_s3::primitives::DateTime> {
        self.retention
            .map(|(_, until)| aws_sdk_s3::primitives::DateTime::from_secs(until.timestamp()))
    }
}

/// The base64 MD5 of a body: the Content-MD5 header S3 requires with Object Lock.
pub(super) fn content_md5(body: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(md5::compute(body).0)
}

/// Whether a bucket has Object Lock enabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockSupport {
    Enabled,
    NotEnabled,
    /// S3 did not answer as expected (the details are in the log).
    Unknown,
}

/// An object's current version and the date its retention ends (if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retained {
    pub version_id: Option<String>,
    pub retain_until: Option<DateTime<Utc>>,
}

impl Storage {
    /// GetObjectLockConfiguration: a bucket created without Object Lock has none (S3 says
    /// ObjectLockConfigurationNotFoundError).
    pub async fn object_lock_support(&self, client: &Client, bucket: &str) -> LockSupport {
        match client
            .get_object_lock_configuration()
            .bucket(bucket)
            .send()
            .await
        {
            Ok(answer) => {
                let enabled = answer
                    .object_lock_configuration()
                    .and_then(|c| c.object_lock_enabled())
                    == Some(&ObjectLockEnabled::Enabled);
                if enabled {
                    LockSupport::Enabled
                } else {
                    LockSupport::NotEnabled
                }
            }
            Err(e)
                if e.as_service_error()
                    .and_then(|s| aws_sdk_s3::error::ProvideErrorMetadata::code(s))
                    == Some("ObjectLockConfigurationNotFoundError") =>
            {
                LockSupport::NotEnabled
            }
            Err(e) => {
                tracing::warn!(bucket, error = %DisplayErrorContext(&e), "could not read the bucket's Object Lock configuration");
                LockSupport::Unknown
            }
        }
    }
}

impl ObjectTarget {
    /// PutObjectRetention: the object's mode and retain-until date (the SDK adds the
    /// checksum S3 requires on this request).
    pub async fn put_retention(
        &self,
        (mode, until): (ObjectLockMode, DateTime<Utc>),
    ) -> Result<(), String> {
        self.client
            .put_object_retention()
            .bucket(&self.bucket)
            .key(&self.key)
            .retention(
                ObjectLockRetention::builder()
                    .mode(match mode {
                        ObjectLockMode::Governance => ObjectLockRetentionMode::Governance,
                        ObjectLockMode::Compliance => ObjectLockRetentionMode::Compliance,
                    })
                    .retain_until_date(aws_sdk_s3::primitives::DateTime::from_secs(
                        until.timestamp(),
                    ))
                    .build(),
            )
            .send()
            .await
            .map(|_| ())
            .map_err(|e| DisplayErrorContext(e).to_string())
    }

    /// Sets (ON) or clears (OFF) the object's S3 legal hold.
    pub async fn set_legal_hold(&self, on: bool) -> Result<(), String> {
        let status = if on {
            ObjectLockLegalHoldStatus::On
        } else {
            ObjectLockLegalHoldStatus::Off
        };
        self.client
            .put_object_legal_hold()
            .bucket(&self.bucket)
            .key(&self.key)
            .legal_hold(ObjectLockLegalHold::builder().status(status).build())
            .send()
            .await
            .map(|_| ())
            .map_err(|e| DisplayErrorContext(e).to_string())
    }

    /// HeadObject: the current version and its retain-until date; None when the key holds
    /// nothing.
    pub async fn retained(&self) -> Result<Option<Retained>, String> {
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(&self.key)
            .send()
            .await
        {
            Ok(head) => Ok(Some(Retained {
                version_id: head.version_id().map(str::to_owned),
                retain_until: head
                    .object_lock_retain_until_date()
                    .and_then(|d| DateTime::<Utc>::from_timestamp(d.secs(), 0)),
            })),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => Ok(None),
            Err(e) => Err(DisplayErrorContext(e).to_string()),
        }
    }

    /// Deletes one version of the object (in a versioned bucket a delete without one only
    /// hides the object behind a delete marker). `Err(true)`: S3 refused with AccessDenied,
    /// as Object Lock does for a version under retention or legal hold.
    pub async fn delete_version(&self, version_id: &str) -> Result<(), (bool, String)> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(&self.key)
            .version_id(version_id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                let denied = e
                    .as_service_error()
                    .and_then(|s| aws_sdk_s3::error::ProvideErrorMetadata::code(s))
                    == Some("AccessDenied");
                (denied, DisplayErrorContext(e).to_string())
            })
    }
}
