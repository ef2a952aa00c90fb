//! Listing the multipart uploads open under a prefix, for the reaper's sweep of uploads
//! Hopper never learned the id of (S3 created one but the answer was lost).

use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::Client;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone)]
pub struct OpenUpload {
    pub key: String,
    pub upload_id: String,
    pub initiated: Option<DateTime<Utc>>,
}

/// The open uploads under `prefix` (at most `limit`), or `None` when the store does not
/// implement the listing (s3s-fs; its files expire by themselves, see
/// `embedded::upload_expiry`).
pub async fn list(
    client: &Client,
    bucket: &str,
    prefix: &str,
    limit: usize,
) -> Result<Option<Vec<OpenUpload>>, String> {
    let mut found = Vec::new();
    let (mut key_marker, mut id_marker) = (None::<String>, None::<String>);
    loop {
        let page = client
            .list_multipart_uploads()
            .bucket(bucket)
            .prefix(prefix)
            .set_key_marker(key_marker.clone())
            .set_upload_id_marker(id_marker.clone())
            .send()
            .await;
        let page = match page {
            Ok(page) => page,
            Err(e) => {
                let text = DisplayErrorContext(&e).to_string();
                if text.contains("NotImplemented") {
                    return Ok(None);
                }
                return Err(text);
            }
        };
        for upload in page.uploads() {
            if let (Some(key), Some(id)) = (upload.key(), upload.upload_id()) {
                found.push(OpenUpload {
                    key: key.to_owned(),
                    upload_id: id.to_owned(),
                    initiated: upload
                        .initiated()
                        .and_then(|t| DateTime::from_timestamp(t.secs(), t.subsec_nanos())),
                });
            }
        }
        if !page.is_truncated().unwrap_or(false) || found.len() >= limit {
            return Ok(Some(found));
        }
        key_marker = page.next_key_marker().map(str::to_owned);
        id_marker = page.next_upload_id_marker().map(str::to_owned);
        if key_marker.is_none() {
            return Ok(Some(found));
        }
    }
}
