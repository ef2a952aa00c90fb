//! "Check bucket": can Hopper write into a project's bucket? HeadBucket says whether the
//! bucket exists and answers our credentials; a tiny probe object proves writing.

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::config::Region;
use aws_sdk_s3::error::{DisplayErrorContext, SdkError};
use aws_sdk_s3::primitives::ByteStream;

use crate::storage::Storage;

const PROBE_KEY: &str = ".hopper/write-check";

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
    /// S3 did not answer as expected.
    Unreachable(String),
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
                "The bucket {bucket} does not exist in {region}. Create it, or correct the name."
            ),
            BucketCheck::Forbidden { can_read: true } => format!(
                "Hopper can see {bucket} but may not write into it: grant its credentials s3:PutObject."
            ),
            BucketCheck::Forbidden { can_read: false } => format!(
                "Hopper's credentials may not use {bucket}: grant them access to the bucket."
            ),
            BucketCheck::WrongRegion => format!(
                "The bucket {bucket} is not in {region}: correct the project's region."
            ),
            BucketCheck::Unreachable(reason) => {
                format!("S3 did not answer as expected: {reason}")
            }
        }
    }
}

fn status_of<E>(error: &SdkError<E, HttpResponse>) -> Option<u16> {
    error.raw_response().map(|r| r.status().as_u16())
}

impl Storage {
    pub async fn check_bucket(&self, bucket: &str, region: &str) -> BucketCheck {
        let region = Region::new(region.to_owned());
        let head = self
            .client()
            .head_bucket()
            .bucket(bucket)
            .customize()
            .config_override(aws_sdk_s3::config::Builder::default().region(region.clone()))
            .send()
            .await;
        let mut created = false;
        if let Err(error) = head {
            match status_of(&error) {
                Some(404) if self.creates_missing_buckets() => {
                    if let Err(e) = self.ensure_bucket(bucket).await {
                        return BucketCheck::Unreachable(e.to_string());
                    }
                    created = true;
                }
                Some(404) => return BucketCheck::Missing,
                Some(403) => return BucketCheck::Forbidden { can_read: false },
                Some(301) => return BucketCheck::WrongRegion,
                _ => {
                    return BucketCheck::Unreachable(DisplayErrorContext(&error).to_string());
                }
            }
        }
        let put = self
            .client()
            .put_object()
            .bucket(bucket)
            .key(PROBE_KEY)
            .body(ByteStream::from_static(b""))
            .customize()
            .config_override(aws_sdk_s3::config::Builder::default().region(region.clone()))
            .send()
            .await;
        match put {
            Ok(_) => {
                // Leaving the probe behind is harmless; failing to delete it is not an error,
                // but it is worth a line in the log.
                let deleted = self
                    .client()
                    .delete_object()
                    .bucket(bucket)
                    .key(PROBE_KEY)
                    .customize()
                    .config_override(aws_sdk_s3::config::Builder::default().region(region))
                    .send()
                    .await;
                if let Err(e) = deleted {
                    tracing::info!(bucket, error = %aws_sdk_s3::error::DisplayErrorContext(&e), "could not delete the bucket probe");
                }
                BucketCheck::Writable { created }
            }
            Err(error) if status_of(&error) == Some(403) => {
                BucketCheck::Forbidden { can_read: true }
            }
            Err(error) => BucketCheck::Unreachable(DisplayErrorContext(&error).to_string()),
        }
    }
}
