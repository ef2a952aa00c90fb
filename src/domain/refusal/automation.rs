//! Refusals of the automation API (`/api/v1` with the `admin` scope).

refusals! {
    /// The automation API refuses this caller or this request.
    pub enum AutomationRefused {
        #[error("This needs a company admin's token with the admin scope.")]
        AdminScopeMissing => "automation.admin_scope_missing", NoRight;
        #[error("The decision is accept, reject or not_applicable (reject and not_applicable with a reason).")]
        DecisionUnknown => "automation.decision_unknown", BadInput;
        #[error("Say why, in a sentence the sender will read (reason).")]
        ReasonMissing => "automation.reason_missing", BadInput;
        #[error("Change at least one field of the request.")]
        NothingToChange => "automation.nothing_to_change", BadInput;
    }
}
