//! Refusals about upload links and share links.

refusals! {
    /// An upload link (or a share link) refuses this.
    pub enum LinkRefused {
        #[error("This upload link was revoked or has expired; nothing more can be sent through it.")]
        Closed => "link.closed", NoRight;
        /// The link took all the files it takes.
        #[error("This upload link takes at most {max_files} files, and has received them all.")]
        FullFiles { max_files: i32 } => "link.full_files", StateForbids;
        /// The link took all the bytes it takes.
        #[error("This upload link takes at most {} in all, and has received it.", crate::domain::sizes::human_size(*.limit))]
        FullBytes { limit: u64 } => "link.full_bytes", StateForbids;
        /// A resumable upload announced more than the link still takes.
        #[error("{path} does not fit: this upload link takes at most {limit} in all and has {left} left; nothing was sent.")]
        DoesNotFit { path: String, limit: String, left: String } => "link.does_not_fit", OverLimit;
        #[error("{cycle} accepts no more uploads, so it cannot have an upload link.")]
        CycleClosed { cycle: String } => "link.cycle_closed", StateForbids;
        /// What the sender through a link reads once the cycle takes nothing more (its
        /// code, "C1", is the firm's word, not theirs).
        #[error("This collection is closed: nothing more can be sent here.")]
        CollectionClosed => "link.collection_closed", StateForbids;
        #[error("This link is already revoked.")]
        AlreadyRevoked => "link.already_revoked", StateForbids;
        #[error("This link is already revoked.")]
        ShareLinkAlreadyRevoked => "link.share_link_already_revoked", StateForbids;
        #[error("That PIN is not right. Check the message the link came with and try again.")]
        WrongPin => "link.wrong_pin", NoRight;
        #[error("This company has sent {per_hour} invitations in the last hour, as many as an hour allows. Copy the link and send it yourself, or try again later.")]
        TooManyInvitations { per_hour: i64 } => "link.too_many_invitations", OverLimit;
        #[error("Tell us who you are first: reload the page and fill in your name and email.")]
        UploaderUnknown => "link.uploader_unknown", NoRight;
    }
}
