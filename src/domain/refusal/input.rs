//! Refused because what was sent cannot be used: a body that cannot be read, a choice
//! that is not one of those offered.

refusals! {
    /// What was sent cannot be used as it is.
    pub enum InputRefused {
        #[error("The form could not be read: {0}")]
        FormUnreadable(String) => "input.form_unreadable", BadInput;
        #[error("The JSON body could not be read: {0}")]
        JsonUnreadable(String) => "input.json_unreadable", BadInput;
        #[error("The address is not valid: {0}")]
        AddressInvalid(String) => "input.address_invalid", BadInput;
        #[error("The form is too large.")]
        FormTooLarge => "input.form_too_large", BadInput;
        #[error("Send the files as a multipart/form-data form.")]
        NotMultipart => "input.not_multipart", BadInput;
        #[error("{0:?} is not a cycle status.")]
        UnknownCycleStatus(String) => "input.unknown_cycle_status", BadInput;
        #[error("{0:?} is not a decision.")]
        UnknownDecision(String) => "input.unknown_decision", BadInput;
        #[error("Choose a user to grant access to.")]
        UserNotChosen => "input.user_not_chosen", BadInput;
        #[error("Choose uploader or viewer access.")]
        AccessRoleNotChosen => "input.access_role_not_chosen", BadInput;
        #[error("Choose a project or the whole company.")]
        ScopeNotChosen => "input.scope_not_chosen", BadInput;
        #[error("A link lasts 1 to 365 days.")]
        LinkDaysOutOfRange => "input.link_days_out_of_range", BadInput;
        #[error("The {0} date must look like 2026-11-22.")]
        DateMalformed(String) => "input.date_malformed", BadInput;
        #[error("The text contains a NUL character (\\0), which cannot be stored; remove it and try again.")]
        NulCharacter => "input.nul_character", BadInput;
        /// A field of a form that re-renders no form (an inline action): its sentence.
        #[error("{0}")]
        Field(String) => "input.field", BadInput;
    }
}
