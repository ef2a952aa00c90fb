//! Refusals of an upload: where it goes, what it holds, how its batch stands.

use crate::domain::sizes::human_size;

refusals! {
    /// An upload (a file or its batch) that is not taken.
    pub enum UploadRefused {
        #[error("This project is inactive and accepts no uploads.")]
        ProjectInactive => "upload.project_inactive", StateForbids;
        #[error("{cycle} is {status}; it accepts no more uploads.")]
        CycleClosed { cycle: String, status: String } => "upload.cycle_closed", StateForbids;
        #[error("This batch is finished; start another one.")]
        BatchFinished => "upload.batch_finished", StateForbids;
        #[error("These files are still being sent; the receipt can be emailed once they have all arrived.")]
        BatchStillOpen => "upload.batch_still_open", StateForbids;
        #[error("That batch belongs to another cycle.")]
        BatchOfAnotherCycle => "upload.batch_of_another_cycle", BadInput;
        /// The project's storage cannot be written now; the sentence names it.
        #[error("{0}")]
        StorageUnusable(String) => "upload.storage_unusable", StateForbids;
        #[error("the file's upload ended meanwhile")]
        FileEnded => "upload.file_ended", StateForbids;
        /// The file failed while its batch went on; the sentence says why.
        #[error("{0}")]
        FileFailed(String) => "upload.file_failed", StateForbids;
        #[error("No free S3 key is left for a new version of this file; rename it and send it again.")]
        NoFreeKey => "upload.no_free_key", StateForbids;
        #[error("A manifest holds at most {max_files} files; send the rest with session_id set to add them to the same batch.")]
        ManifestTooLong { max_files: usize } => "upload.manifest_too_long", OverLimit;
        #[error("{path} is larger than the limit of {}.", human_size(*.limit))]
        TooLarge { path: String, limit: u64 } => "upload.too_large", OverLimit;
        /// Refused by its name or its request, before any byte moved.
        #[error("{0}")]
        NotAccepted(String) => "upload.not_accepted", BadInput;
        /// The bytes are not those announced (`{0}` says both checksums).
        #[error("Refused: {0}.")]
        ChecksumMismatch(String) => "upload.checksum_mismatch", BadInput;
        #[error("{path}: sha256 is 64 hex digits.")]
        Sha256Malformed { path: String } => "upload.sha256_malformed", BadInput;
        #[error("No file was chosen: choose files or a folder, then upload.")]
        NothingChosen => "upload.nothing_chosen", BadInput;
        /// A form upload's batch stopped before any file (the sentence says why).
        #[error("{0}")]
        BatchStopped(String) => "upload.batch_stopped", BadInput;
        #[error("{0}")]
        TooManyFiles(String) => "upload.too_many_files", OverLimit;
    }
}
