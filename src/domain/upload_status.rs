//! The statuses of a batch (`sync_sessions.status`) and of a file (`file_uploads.status`).
//! A file has no review of its own: an admin decides per request (`RequestStatus`).

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
        Scanning = "scanning", "Scanning";
        Quarantined = "quarantined", "Virus found";
    }
}

impl FileStatus {
    /// The states a file moves to this one from; empty for a state only a new row starts
    /// in. This table is the whole of a file's life: `services::file_life` moves a row only
    /// along it (the UPDATE is guarded by it), so a new state (scanning, quarantined) is a
    /// line here and a transition there, and no caller changes.
    pub fn reached_from(self) -> &'static [FileStatus] {
        match self {
            FileStatus::Pending | FileStatus::Uploading => &[],
            FileStatus::Skipped | FileStatus::Scanning => &[FileStatus::Uploading],
            // Stored bytes wait in `scanning` for their verdict; a scan that ends refused
            // (too large to scan) fails from there.
            FileStatus::Completed | FileStatus::Failed | FileStatus::Quarantined => {
                &[FileStatus::Uploading, FileStatus::Scanning]
            }
        }
    }

    /// A file in this state will not move again.
    pub fn is_final(self) -> bool {
        !FileStatus::ALL
            .iter()
            .any(|next| next.reached_from().contains(&self))
    }

    pub fn is_completed(self) -> bool {
        self == FileStatus::Completed
    }

    pub fn is_skipped(self) -> bool {
        self == FileStatus::Skipped
    }

    /// Ended without being stored: failed, or refused for a virus.
    pub fn is_not_stored(self) -> bool {
        matches!(self, FileStatus::Failed | FileStatus::Quarantined)
    }

    /// Stored, waiting for the virus scan's verdict.
    pub fn is_scanning(self) -> bool {
        self == FileStatus::Scanning
    }

    pub fn is_quarantined(self) -> bool {
        self == FileStatus::Quarantined
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

#[cfg(test)]
mod tests {
    use super::FileStatus;

    #[test]
    fn a_file_ends_once_and_never_moves_back() {
        for ended in [
            FileStatus::Completed,
            FileStatus::Skipped,
            FileStatus::Failed,
            FileStatus::Quarantined,
        ] {
            assert!(ended.is_final(), "{ended:?} must be final");
            assert!(!FileStatus::Uploading.reached_from().contains(&ended));
        }
        assert!(!FileStatus::Uploading.is_final());
        assert!(FileStatus::Completed
            .reached_from()
            .contains(&FileStatus::Uploading));
    }
}
