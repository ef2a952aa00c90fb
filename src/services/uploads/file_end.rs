//! A form upload's file after its last byte: the virus scan's verdict, the duplicate
//! check, then the object completed (or put whole) and the row completed.

use bytes::{Bytes, BytesMut};

use crate::domain::file_kind::{self, SNIFF_BYTES};
use crate::domain::FailReason;
use crate::scanner::ScanFeed;
use crate::services::scanning::{self, Judged};
use crate::services::uploads::file_guard::{Failure, FileGuard};
use crate::services::ServiceContext;
use crate::storage::part_budget::PartBuffer;

/// What had arrived when the body ended.
pub(super) struct Arrived {
    pub size: u64,
    pub checksum: String,
    /// The first bytes, when they never filled the staging buffer (a small file)…
    pub staged: Option<BytesMut>,
    /// …else the part being filled.
    pub buffer: Option<PartBuffer>,
    /// The type sniffed from the first part (a multipart upload's).
    pub content_type: Option<String>,
    /// The scan that read the same bytes.
    pub scan: Option<ScanFeed>,
}

pub(super) async fn store_arrived(
    ctx: &ServiceContext,
    guard: &mut FileGuard,
    arrived: Arrived,
    file_name: &str,
    allowed: &[String],
) -> Result<(), Failure> {
    let Arrived {
        size,
        checksum,
        staged,
        buffer,
        content_type,
        scan,
    } = arrived;
    guard.scanned = match scanning::judge(ctx, scan).await {
        Judged::Take(scanned) => scanned,
        Judged::Virus(signature) => {
            guard.quarantine(size, &checksum, &signature).await;
            return Ok(());
        }
        Judged::Refuse(refusal) => return Err(Failure::File(FailReason::Refused(refusal.into()))),
    };
    let Some(upload) = guard.multipart.as_mut() else {
        let data = match (staged, buffer) {
            (Some(small), _) => small.freeze(),
            (None, Some(part)) => part.into_bytes(),
            (None, None) => Bytes::new(),
        };
        let head = &data[..data.len().min(SNIFF_BYTES)];
        let kind =
            file_kind::check(file_name, head, allowed).map_err(|r| Failure::File(r.into()))?;
        if guard.claim_or_skip(size, &checksum, &kind).await? {
            return Ok(());
        }
        guard.target.content_type = kind.clone();
        // The intent is on the row: a lost answer is settled by reading back.
        if let Err(e) = guard.target.put(data).await {
            return guard
                .settle_in_doubt(&format!("S3 did not confirm the file: {e}"))
                .await
                .map(|_| ());
        }
        return guard.complete(size, &checksum, &kind).await;
    };
    if let Some(last) = buffer.filter(|b| !b.data.is_empty()) {
        if let Err(e) = upload.send_part(last).await {
            return Err(Failure::File(FailReason::Happened(format!(
                "S3 refused a part: {e}"
            ))));
        }
    }
    // Every part in before the intent is recorded: only the completion is ever in doubt.
    if let Err(e) = upload.parts_landed().await {
        return Err(Failure::File(FailReason::Happened(format!(
            "S3 refused a part: {e}"
        ))));
    }
    let kind = content_type.unwrap_or_else(|| "application/octet-stream".into());
    if guard.claim_or_skip(size, &checksum, &kind).await? {
        // Skipped (recorded first, so the stored upload id lets the reaper finish the
        // abort if S3 does not answer now).
        guard.abort_open_upload().await;
        return Ok(());
    }
    if let Some(upload) = guard.multipart.as_mut() {
        if let Err(e) = upload.complete().await {
            return guard
                .settle_in_doubt(&format!("S3 did not confirm the file: {e}"))
                .await
                .map(|_| ());
        }
    }
    guard.multipart = None;
    guard.complete(size, &checksum, &kind).await
}
