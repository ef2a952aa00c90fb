//! Refused for want of a right: the asker is known, and may not do this.

refusals! {
    /// The asker may not do this (they may see that the thing exists).
    pub enum AccessRefused {
        #[error("Open a company from the company list to administer it.")]
        NoCompanyOpen => "access.no_company_open", NoRight;
        #[error("The company you opened no longer exists; open another.")]
        OpenedCompanyGone => "access.opened_company_gone", NoRight;
        #[error("Only a company administrator can do this.")]
        AdminOnly => "access.admin_only", NoRight;
        #[error("Only the operator of this installation can do this.")]
        OperatorOnly => "access.operator_only", NoRight;
        #[error("Only the operator assigns storage.")]
        OperatorAssignsStorage => "access.operator_assigns_storage", NoRight;
        #[error("The operator's account can only be changed by the operator.")]
        OperatorAccount => "access.operator_account", NoRight;
        #[error("This needs an account: a link can only do what it was made for.")]
        AccountNeeded => "access.account_needed", NoRight;
        #[error("You may view this project but not upload into it.")]
        ViewOnly => "access.view_only", NoRight;
        #[error("Only admins can read the audit trail.")]
        AuditTrailAdminOnly => "access.audit_trail_admin_only", NoRight;
        #[error("This token may only upload; reading files needs the read scope.")]
        ReadScopeMissing => "access.read_scope_missing", NoRight;
        #[error("The admin scope belongs to a company admin's own token (Account → API tokens); a machine token cannot have it.")]
        AdminScopeForMachine => "access.admin_scope_for_machine", BadInput;
        #[error("Requests from other sites are not accepted.")]
        CrossSite => "access.cross_site", NoRight;
        #[error("This form has expired or did not come from Hopper. Reload the page and try again.")]
        FormNotFromHopper => "access.form_not_from_hopper", NoRight;
    }
}
