//! Refusals about a stored file: its download and deletion.

refusals! {
    /// A stored file cannot be used or changed this way now.
    pub enum FileRefused {
        #[error("Only completed files can be downloaded.")]
        NotCompleted => "file.not_completed", StateForbids;
        #[error("A newer upload replaced this file before Hopper kept older versions; download the newer one.")]
        ReplacedUnkept => "file.replaced_unkept", StateForbids;
        #[error("This file is already deleted.")]
        AlreadyDeleted => "file.already_deleted", StateForbids;
    }
}
