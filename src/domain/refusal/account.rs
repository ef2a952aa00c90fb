//! Refusals about accounts, companies and their sessions and tokens.

refusals! {
    /// An account, a company, a session or a token cannot be changed this way.
    pub enum AccountRefused {
        #[error("You cannot deactivate the company your own account belongs to.")]
        OwnCompany => "account.own_company", StateForbids;
        #[error("You cannot deactivate your own account.")]
        OwnAccount => "account.own_account", StateForbids;
        #[error("This is the session you are using; sign out instead.")]
        CurrentSession => "account.current_session", StateForbids;
        #[error("This token is already revoked.")]
        TokenAlreadyRevoked => "account.token_already_revoked", StateForbids;
        #[error("No company with code {0:?}.")]
        CompanyUnknown(String) => "account.company_unknown", BadInput;
        #[error("The username {0:?} is taken.")]
        UsernameTaken(String) => "account.username_taken", BadInput;
        #[error("No user named {0:?}.")]
        UserUnknown(String) => "account.user_unknown", BadInput;
        #[error("Two-factor sign-in is already on for this account.")]
        TwoFactorAlreadyOn => "account.two_factor_already_on", StateForbids;
        #[error("Two-factor sign-in is not on for this account.")]
        TwoFactorOff => "account.two_factor_off", StateForbids;
        #[error("Your company requires two-factor sign-in; it cannot be turned off.")]
        TwoFactorRequired => "account.two_factor_required", StateForbids;
    }
}
