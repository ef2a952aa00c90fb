//! Refusals of a decision on a cycle's request (accept, reject, not applicable, reopen).

refusals! {
    /// A request cannot take this decision in its status.
    pub enum RequestRefused {
        #[error("Nothing has been uploaded for this request yet.")]
        NothingUploaded => "request.nothing_uploaded", StateForbids;
        #[error("The request is already {status}.")]
        AlreadyInStatus { status: String } => "request.already_in_status", StateForbids;
    }
}
