//! What a file's audit row says of a move: its action and details, decided here for every
//! path a file takes, so the same move reads the same whoever made it.

use serde_json::{json, Value};

use crate::db::models::file_upload::FileUpload;
use crate::services::audit::actions;

/// Who moved the file, as its audit row tells it.
#[derive(Debug, Clone, Copy)]
pub(in crate::services) enum Told<'a> {
    /// The sender's own request (the form, tus, a manifest); `via` is named in the
    /// details when set (e.g. `"tus"`).
    Sender { via: Option<&'static str> },
    /// Hopper gave up on an abandoned upload; `by` names the sweep (`"reaper"`,
    /// `"restart"`, `"tus expiry"`).
    Reaped {
        by: &'static str,
        row: &'a FileUpload,
    },
    /// The scanner read the stored object back from S3 and gave its verdict.
    Scanned { row: &'a FileUpload },
    /// The reconciler read the object back from S3; `outcome` says what it found.
    ReadBack {
        row: &'a FileUpload,
        outcome: &'static str,
    },
}

/// The facts of a move the details may name.
pub(super) struct Facts<'a> {
    pub size: i64,
    pub reason: Option<&'a str>,
}

impl Facts<'_> {
    /// A file whose bytes are stored: its size, no reason.
    pub(super) fn stored(size: i64) -> Self {
        Self { size, reason: None }
    }
}

/// What the sender's details say of stored bytes: where they are and what they hash to.
pub(super) fn stored_details(row: &FileUpload, size: i64, checksum: &str) -> Value {
    json!({
        "path": row.file_path,
        "s3_key": row.s3_key,
        "size": size,
        "sha256": checksum,
    })
}

impl Told<'_> {
    /// The audit action of a move by this teller; `sender_action` is the one the sender's
    /// own request writes (uploaded, skipped, failed).
    pub(super) fn action(&self, sender_action: &'static str) -> &'static str {
        match self {
            Told::Sender { .. } | Told::Scanned { .. } => sender_action,
            Told::Reaped { .. } => actions::UPLOADS_REAPED,
            Told::ReadBack { .. } => actions::FILE_RECONCILED,
        }
    }

    /// The details: `sender` (what the sender's own move says) for a sender, the sweep's
    /// or the read-back's own otherwise.
    pub(super) fn details(&self, sender: Value, facts: &Facts<'_>) -> Value {
        match *self {
            Told::Sender { via } => {
                let mut details = sender;
                if let Some(via) = via {
                    details["via"] = json!(via);
                }
                details
            }
            Told::Scanned { row } => {
                let mut details = sender;
                details["path"] = json!(row.file_path);
                details["scanned"] = json!("after the upload, from S3");
                details
            }
            Told::Reaped { by, row } => {
                let mut details =
                    json!({ "path": row.file_path, "reason": facts.reason, "by": by });
                if let Some(upload_id) = &row.s3_upload_id {
                    details["s3_upload_id"] = json!(upload_id);
                }
                details
            }
            Told::ReadBack { row, outcome } => json!({
                "path": row.file_path,
                "s3_key": row.s3_key,
                "sha256": row.checksum,
                "size": facts.size,
                "outcome": outcome,
                "reason": facts.reason,
            }),
        }
    }
}
