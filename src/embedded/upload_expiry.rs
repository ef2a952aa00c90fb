//! The embedded endpoint's lifecycle rule: incomplete multipart uploads expire after a
//! day, as `AbortIncompleteMultipartUpload` does on AWS. Hopper aborts every upload whose
//! id it recorded; this catches the ones it never learned of (S3 created the upload but
//! the answer was lost, or the node died before recording the id), which s3s-fs cannot
//! list through the S3 API.

use std::path::Path;
use std::time::{Duration, SystemTime};

/// How old an incomplete upload's files must be before they expire.
pub const EXPIRE_AFTER: Duration = Duration::from_secs(24 * 3600);

/// Removes the files of incomplete uploads (`.upload-<id>.json`, `.upload_id-<id>.part-N`)
/// last written more than `older_than` ago; returns how many it removed.
pub fn expire_incomplete_uploads(root: &Path, older_than: Duration) -> usize {
    let Ok(entries) = std::fs::read_dir(root) else {
        return 0;
    };
    let now = SystemTime::now();
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with(".upload-") || name.starts_with(".upload_id-")) {
            continue;
        }
        let old_enough = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|modified| now.duration_since(modified).ok())
            .is_some_and(|age| age >= older_than);
        if old_enough && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    if removed > 0 {
        tracing::info!(removed, "expired incomplete multipart upload files");
    }
    removed
}

/// Runs the rule every hour on the endpoint's runtime.
pub async fn expire_periodically(root: std::path::PathBuf) {
    let mut ticks = tokio::time::interval(Duration::from_secs(3600));
    loop {
        ticks.tick().await;
        let root = root.clone();
        let _ = tokio::task::spawn_blocking(move || expire_incomplete_uploads(&root, EXPIRE_AFTER))
            .await;
    }
}
