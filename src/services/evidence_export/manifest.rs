//! `manifest.csv`: one row per exported file, in the archive's order, with whether its
//! bytes read back from storage still hash to the SHA-256 recorded when it arrived.

use crate::services::audit_trail::csv_safe;
use crate::services::evidence_export::archive::Copied;
use crate::services::evidence_export::gather::ExportedFile;

const HEADER: [&str; 12] = [
    "path",
    "file_id",
    "size",
    "sha256",
    "request",
    "sent_by",
    "sent_at_utc",
    "review_state",
    "reviewer",
    "review_reason",
    "read_back",
    "archive_path",
];

pub fn csv(files: &[ExportedFile], copied: &[Copied]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(HEADER)?;
    for (file, copied) in files.iter().zip(copied) {
        writer.write_record([
            csv_safe(&file.path),
            file.id.to_string(),
            file.size.to_string(),
            file.sha256.clone(),
            csv_safe(file.request.as_deref().unwrap_or("")),
            csv_safe(&file.sent_by),
            file.sent_at
                .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                .unwrap_or_default(),
            file.review
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            csv_safe(file.reviewer.as_deref().unwrap_or("")),
            csv_safe(file.review_reason.as_deref().unwrap_or("")),
            copied.words(),
            if matches!(copied, Copied::Retired(_)) {
                String::new()
            } else {
                format!("files/{}", file.path)
            },
        ])?;
    }
    writer
        .into_inner()
        .map_err(|e| csv::Error::from(std::io::Error::other(e.to_string())))
}
