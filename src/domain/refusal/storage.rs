//! Refusals about a storage location the operator assigns.

refusals! {
    /// A storage location cannot be set up this way.
    pub enum StorageRefused {
        #[error("The bucket {bucket} does not have S3 Object Lock enabled, so Hopper cannot lock what it writes there. Object Lock can only be enabled when a bucket is created (or by AWS support): use a bucket created with Object Lock, or declare no lock.")]
        ObjectLockNotEnabled { bucket: String } => "storage.object_lock_not_enabled", StateForbids;
        #[error("S3 did not say whether the bucket {bucket} has Object Lock enabled; the details are in Hopper's log. Try again, or check the endpoint and the bucket.")]
        ObjectLockUnknown { bucket: String } => "storage.object_lock_unknown", StateForbids;
    }
}
