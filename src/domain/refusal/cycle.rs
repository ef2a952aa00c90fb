//! Refusals of a cycle's moves.

refusals! {
    /// A cycle cannot move this way now.
    pub enum CycleRefused {
        #[error("{cycle} is already {status}.")]
        AlreadyInStatus { cycle: String, status: String } => "cycle.already_in_status", StateForbids;
        /// A move outside the designed ones, asked without a reason (`{0}` says why).
        #[error("{0} To set it anyway, give a reason.")]
        MoveNeedsReason(String) => "cycle.move_needs_reason", StateForbids;
        #[error("{cycle} is already closed.")]
        AlreadyClosed { cycle: String } => "cycle.already_closed", StateForbids;
    }
}
