//! Refusals of a decision on a cycle's request (accept, reject, not applicable, reopen), or
//! of a change to what it asks.

refusals! {
    /// A request cannot take this decision in its status.
    pub enum RequestRefused {
        #[error("Nothing has been sent for this request yet (no file, no answer).")]
        NothingUploaded => "request.nothing_uploaded", StateForbids;
        #[error("The request is already {status}.")]
        AlreadyInStatus { status: String } => "request.already_in_status", StateForbids;
        #[error("“{request}” already has an answer or files; add a new request to ask otherwise.")]
        KindFixed { request: String } => "request.kind_fixed", StateForbids;
    }
}
