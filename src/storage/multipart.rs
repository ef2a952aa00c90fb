//! Writing one object: a single PutObject for a file smaller than a part, otherwise an
//! S3 multipart upload whose next part is read while earlier ones are sent. Every part
//! buffer holds a permit of the node-wide [`PartBudget`](super::PartBudget), so memory
//! stays bounded however many uploads run at once.

use std::collections::VecDeque;

use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use aws_sdk_s3::Client;
use bytes::Bytes;
use tokio::task::JoinHandle;

use super::object_lock::{content_md5, ObjectLock};
use super::part_budget::PartBuffer;
use super::sends_unsigned_payloads;

pub(super) fn describe<E: std::error::Error>(e: E) -> String {
    DisplayErrorContext(e).to_string()
}

/// Sends one part of an open multipart upload; returns its ETag.
async fn upload_one_part(
    target: &ObjectTarget,
    upload_id: &str,
    number: i32,
    body: Bytes,
) -> Result<Option<String>, String> {
    let request = target
        .client
        .upload_part()
        .bucket(&target.bucket)
        .key(&target.key)
        .upload_id(upload_id)
        .part_number(number)
        // A part of an object under Object Lock needs its Content-MD5 (S3 requires it).
        .set_content_md5(target.lock.map(|_| content_md5(&body)))
        .body(ByteStream::from(body));
    let sent = if sends_unsigned_payloads(&target.client) {
        request.customize().disable_payload_signing().send().await
    } else {
        request.send().await
    }
    .map_err(describe)?;
    Ok(sent.e_tag().map(str::to_owned))
}

/// Where an object goes.
#[derive(Clone)]
pub struct ObjectTarget {
    pub client: Client,
    pub bucket: String,
    pub key: String,
    pub content_type: String,
    /// Object Lock to write the object with (its location declares one); None for every
    /// object that is not a file's bytes (probes, staged tails, logos) and every read or
    /// delete.
    pub lock: Option<ObjectLock>,
}

impl ObjectTarget {
    pub async fn put(&self, body: Bytes) -> Result<(), String> {
        let request = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(&self.key)
            .content_type(&self.content_type)
            .set_content_md5(self.lock.map(|_| content_md5(&body)))
            .set_object_lock_mode(self.lock.and_then(|l| l.s3_mode()))
            .set_object_lock_retain_until_date(self.lock.and_then(|l| l.s3_retain_until()))
            .set_object_lock_legal_hold_status(self.lock.and_then(|l| l.s3_legal_hold()))
            .body(ByteStream::from(body));
        let sent = if sends_unsigned_payloads(&self.client) {
            request.customize().disable_payload_signing().send().await
        } else {
            request.send().await
        };
        sent.map(|_| ()).map_err(describe)
    }

    pub async fn start_multipart(&self) -> Result<MultipartUpload, String> {
        let created = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(&self.key)
            .content_type(&self.content_type)
            .set_object_lock_mode(self.lock.and_then(|l| l.s3_mode()))
            .set_object_lock_retain_until_date(self.lock.and_then(|l| l.s3_retain_until()))
            .set_object_lock_legal_hold_status(self.lock.and_then(|l| l.s3_legal_hold()))
            .send()
            .await
            .map_err(describe)?;
        let upload_id = created
            .upload_id()
            .ok_or("S3 did not return an upload id")?
            .to_owned();
        Ok(MultipartUpload {
            target: self.clone(),
            upload_id,
            parts: Vec::new(),
            in_flight: VecDeque::new(),
        })
    }

    /// The object's bytes (a resumable upload's staged tail: small, read whole).
    pub async fn get(&self) -> Result<Bytes, String> {
        let object = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(&self.key)
            .send()
            .await
            .map_err(describe)?;
        object
            .body
            .collect()
            .await
            .map(|data| data.into_bytes())
            .map_err(|e| e.to_string())
    }

    /// Sends one part of an open multipart upload and waits for it; returns its ETag.
    pub async fn upload_part(
        &self,
        upload_id: &str,
        number: i32,
        buffer: PartBuffer,
    ) -> Result<Option<String>, String> {
        upload_one_part(self, upload_id, number, buffer.into_bytes()).await
    }

    /// A multipart upload started earlier (by any node), with the parts that landed.
    pub fn resume_multipart(
        &self,
        upload_id: &str,
        landed: impl IntoIterator<Item = (i32, Option<String>)>,
    ) -> MultipartUpload {
        MultipartUpload {
            target: self.clone(),
            upload_id: upload_id.to_owned(),
            parts: landed
                .into_iter()
                .map(|(number, etag)| {
                    CompletedPart::builder()
                        .part_number(number)
                        .set_e_tag(etag)
                        .build()
                })
                .collect(),
            in_flight: VecDeque::new(),
        }
    }

    /// Aborts a multipart upload by its id (also used by the reaper after a crash). An
    /// upload that is already gone counts as aborted: an earlier abort whose answer was
    /// lost left nothing to do. S3 says NoSuchUpload; s3s-fs (the embedded endpoint) says
    /// AccessDenied for an id it no longer knows. Should a real store deny access, the
    /// upload is still caught by the sweep of unknown uploads or the lifecycle rule.
    pub async fn abort(&self, upload_id: &str) -> Result<(), String> {
        let aborted = self
            .client
            .abort_multipart_upload()
            .bucket(&self.bucket)
            .key(&self.key)
            .upload_id(upload_id)
            .send()
            .await;
        match aborted {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error().is_some_and(|e| {
                    e.is_no_such_upload() || e.meta().code() == Some("AccessDenied")
                }) =>
            {
                Ok(())
            }
            Err(e) => Err(describe(e)),
        }
    }
}

/// Parts of one upload on the wire at once, while the next one is read. The store is
/// often the slower end: with one in flight, each part waited for the one before it to
/// be stored (a 1 GiB tus upload took 12.6 s with one, 9.1 s with two, 9.9 s with three).
pub const PARTS_IN_FLIGHT: usize = 2;

pub struct MultipartUpload {
    target: ObjectTarget,
    pub upload_id: String,
    parts: Vec<CompletedPart>,
    /// Oldest first; settled in order, so `parts` stays in part-number order.
    in_flight: VecDeque<JoinHandle<Result<CompletedPart, String>>>,
}

impl MultipartUpload {
    /// Waits for the oldest part on the wire; false when none is.
    async fn settle_oldest(&mut self) -> Result<bool, String> {
        let Some(handle) = self.in_flight.pop_front() else {
            return Ok(false);
        };
        let part = handle
            .await
            .map_err(|e| format!("part upload task failed: {e}"))??;
        self.parts.push(part);
        Ok(true)
    }

    async fn settle(&mut self) -> Result<(), String> {
        while self.settle_oldest().await? {}
        Ok(())
    }

    /// Sends a part in the background, once fewer than [`PARTS_IN_FLIGHT`] parts are on
    /// the wire (it waits for the oldest to land first).
    pub async fn send_part(&mut self, buffer: PartBuffer) -> Result<(), String> {
        while self.in_flight.len() >= PARTS_IN_FLIGHT {
            self.settle_oldest().await?;
        }
        let number = i32::try_from(self.parts.len() + self.in_flight.len() + 1)
            .ok()
            .filter(|n| *n <= 10_000)
            .ok_or("a file may have at most 10,000 parts")?;
        let target = self.target.clone();
        let upload_id = self.upload_id.clone();
        // The buffer (and its permit) returns to the budget when the SDK drops the body.
        let body = buffer.into_bytes();
        self.in_flight.push_back(tokio::spawn(async move {
            let e_tag = upload_one_part(&target, &upload_id, number, body).await?;
            Ok(CompletedPart::builder()
                .part_number(number)
                .set_e_tag(e_tag)
                .build())
        }));
        Ok(())
    }

    /// Waits until every part sent has landed (or one failed).
    pub async fn parts_landed(&mut self) -> Result<(), String> {
        self.settle().await
    }

    /// Waits for the last part and completes the object. On failure the upload stays
    /// open: the caller aborts it (see [`MultipartUpload::abort`]). Under Object Lock the
    /// completed object's retention is then set again with PutObjectRetention: S3 takes
    /// it from the CreateMultipartUpload, but not every S3 implementation does (moto
    /// ignores it), and an object that should be locked must not stay unlocked; so is
    /// its legal hold.
    pub async fn complete(&mut self) -> Result<(), String> {
        self.complete_parts().await?;
        let Some(lock) = self.target.lock else {
            return Ok(());
        };
        if let Some(retention) = lock.retention {
            self.target.put_retention(retention).await?;
        }
        if lock.legal_hold {
            self.target.set_legal_hold(true).await?;
        }
        Ok(())
    }

    async fn complete_parts(&mut self) -> Result<(), String> {
        self.settle().await?;
        let parts = std::mem::take(&mut self.parts);
        self.target
            .client
            .complete_multipart_upload()
            .bucket(&self.target.bucket)
            .key(&self.target.key)
            .upload_id(&self.upload_id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(parts))
                    .build(),
            )
            .send()
            .await
            .map(|_| ())
            .map_err(describe)
    }

    /// Drops what was sent: no parts remain in the bucket. The parts still on the wire
    /// are awaited first, or one could land after the abort and stay behind. False when
    /// S3 could not be told (the stored upload id then lets the reaper try again).
    pub async fn abort(mut self) -> bool {
        for handle in self.in_flight.drain(..) {
            // Whether the part landed no longer matters; only that it is done.
            if let Err(e) = handle.await {
                tracing::debug!(error = %e, "a part's task ended abnormally");
            }
        }
        match self.target.abort(&self.upload_id).await {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(key = %self.target.key, error = %e, "could not abort a multipart upload; the reaper retries");
                false
            }
        }
    }
}
