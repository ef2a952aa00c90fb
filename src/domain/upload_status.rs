//! The statuses of a batch (`sync_sessions.status`), of a file (`file_uploads.status`)
//! and of a file's review (`file_uploads.review_status`).

crate::text_enum! {
    pub enum SessionStatus {
        Pending = "pending", "Pending";
        InProgress = "in_progress", "In progress";
        Completed = "completed", "Completed";
        Failed = "failed", "Failed";
    }
}

crate::text_enum! {
    pub enum FileStatus {
        Pending = "pending", "Pending";
        Uploading = "uploading", "Uploading";
        Completed = "completed", "Uploaded";
        Failed = "failed", "Failed";
        Skipped = "skipped", "Skipped";
    }
}

crate::text_enum! {
    pub enum ReviewStatus {
        Pending = "pending", "Waiting for review";
        Accepted = "accepted", "Accepted";
        Rejected = "rejected", "Rejected";
    }
}

impl FileStatus {
    pub fn is_completed(self) -> bool {
        self == FileStatus::Completed
    }

    pub fn is_skipped(self) -> bool {
        self == FileStatus::Skipped
    }

    pub fn is_failed(self) -> bool {
        self == FileStatus::Failed
    }
}

impl SessionStatus {
    /// Still receiving files.
    pub fn is_open(self) -> bool {
        matches!(self, SessionStatus::Pending | SessionStatus::InProgress)
    }
}
