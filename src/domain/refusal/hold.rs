//! Refusals about legal holds and retention: a deletion a hold blocks, and the hold's own
//! placing and lifting, and an erasure a hold blocks.

refusals! {
    /// A legal hold blocks this, or the hold cannot be changed this way.
    pub enum HoldRefused {
        #[error("This file is under legal hold (placed by {by} on {on}: {reason}); it cannot be deleted until an admin lifts the hold.")]
        FileHeld { by: String, on: String, reason: String } => "hold.file_held", StateForbids;
        #[error("This project is under legal hold (placed by {by} on {on}: {reason}); it cannot be deleted until an admin lifts the hold.")]
        ProjectHeld { by: String, on: String, reason: String } => "hold.project_held", StateForbids;
        #[error("This person's data is under legal hold (placed by {by} on {on}: {reason}); it cannot be erased until an admin lifts the hold.")]
        BlocksErasure { by: String, on: String, reason: String } => "hold.blocks_erasure", StateForbids;
        #[error("This hold was already lifted.")]
        AlreadyLifted => "hold.already_lifted", StateForbids;
        #[error("Say why: a legal hold is placed and lifted with a reason.")]
        ReasonMissing => "hold.reason_missing", BadInput;
        #[error("Only an admin can place or lift a legal hold, or change how long files are kept.")]
        AdminOnly => "hold.admin_only", NoRight;
        #[error("Keep files for ever, or delete them 1 to 36500 days after their cycle was closed.")]
        RetentionOutOfRange => "hold.retention_out_of_range", BadInput;
    }
}
