//! "Check bucket": can Hopper write into a project's bucket? HeadBucket says whether the
//! bucket exists and answers our credentials; a tiny probe object proves writing.

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{DisplayErrorContext, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::Client;

use crate::storage::Storage;

/// Written under the company's root, so a check never touches another company's keys.
const PROBE_NAME: &str = ".hopper-write-check";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BucketCheck {
    /// The bucket exists and a probe object was written.
    Writable {
        created: bool,
    },
    Missing,
    /// The bucket exists but our credentials may not use it (or may only read).
    Forbidden {
        can_read: bool,
    },
    /// The bucket lives in another region than the project says.
    WrongRegion,
    /// S3 did not answer as expected (the details are in the log).
    Unreachable,
}

impl BucketCheck {
    pub fn is_ok(&self) -> bool {
        matches!(self, BucketCheck::Writable { .. })
    }

    /// A sentence for the admin.
    pub fn message(&self, bucket: &str, region: &str) -> String {
        match self {
            BucketCheck::Writable { created: false } => {
                format!("Hopper can write to {bucket} ({region}).")
            }
            BucketCheck::Writable { created: true } => format!(
                "{bucket} did not exist on Hopper's own S3 endpoint, so Hopper created it; Hopper can write there."
            ),
            BucketCheck::Missing => format!(
                "The bucket {bucket} does not exist in {region}: ask the operator to create it or correct the storage location."
            ),
            BucketCheck::Forbidden { can_read: true } => format!(
                "Hopper can see {bucket} but may not write into it: grant its credentials s3:PutObject."
            ),
            BucketCheck::Forbidden { can_read: false } => format!(
                "Hopper's credentials may not use {bucket}: grant them access to the bucket."
            ),
            BucketCheck::WrongRegion => format!(
                "The bucket {bucket} is not in {region}: ask the operator to correct the storage location."
            ),
            BucketCheck::Unreachable => format!(
                "S3 did not answer as expected for {bucket}; the details are in Hopper's log."
            ),
        }
    }
}

fn status_of<E>(error: &SdkError<E, HttpResponse>) -> Option<u16> {
    error.raw_response().map(|r| r.status().as_u16())
}

impl Storage {
    /// HeadBucket, then a probe object written and deleted under `root` (the company's own
    /// root in this bucket, never anywhere else in it). SDK details go to the log; the
    /// result is one of a few plain answers.
    pub async fn check_bucket(&self, client: &Client, bucket: &str, root: &str) -> BucketCheck {
        let head = client.head_bucket().bucket(bucket).send().await;
        let mut created = false;
        if let Err(error) = head {
            match status_of(&error) {
                Some(404) if self.creates_missing_buckets() => {
                    if let Err(e) = self.ensure_bucket_with(client, bucket).await {
                        return unreachable(bucket, &e.to_string());
                    }
                    created = true;
                }
                Some(404) => return BucketCheck::Missing,
                Some(403) => return BucketCheck::Forbidden { can_read: false },
                Some(301) => return BucketCheck::WrongRegion,
                _ => return unreachable(bucket, &DisplayErrorContext(&error).to_string()),
            }
        }
        let probe = format!("{root}/{PROBE_NAME}");
        let put = client
            .put_object()
            .bucket(bucket)
            .key(&probe)
            // S3 requires Content-MD5 on any write into a bucket with Object Lock and a
            // default retention; harmless everywhere else.
            .content_md5(super::object_lock::content_md5(b""))
            .body(ByteStream::from_static(b""))
            .send()
            .await;
        match put {
            Ok(_) => {
                // Leaving the probe behind is harmless; failing to delete it is worth a
                // line in the log, not an error.
                let deleted = client
                    .delete_object()
                    .bucket(bucket)
                    .key(&probe)
                    .send()
                    .await;
                if let Err(e) = deleted {
                    tracing::info!(bucket, error = %DisplayErrorContext(&e), "could not delete the bucket probe");
                }
                BucketCheck::Writable { created }
            }
            Err(error) if status_of(&error) == Some(403) => {
                BucketCheck::Forbidden { can_read: true }
            }
            Err(error) => unreachable(bucket, &DisplayErrorContext(&error).to_string()),
        }
    }
}

fn unreachable(bucket: &str, detail: &str) -> BucketCheck {
    tracing::warn!(bucket, error = %detail, "bucket check: S3 did not answer as expected");
    BucketCheck::Unreachable
}
