//! Refusals of single sign-on: finding the company's provider, the answer coming back
//! from it, and who that answer may sign in as.

refusals! {
    /// A sign-in through a company's OpenID Connect provider is refused.
    pub enum SsoRefused {
        #[error("No organisation sign-in is set up for {0:?}. Check the email address or company code, or sign in with your password.")]
        UnknownOrganisation(String) => "sso.unknown_organisation", BadInput;
        #[error("This sign-in was already used or was not started here. Start again from the sign-in page.")]
        UnknownState => "sso.unknown_state", BadInput;
        #[error("This sign-in took too long. Start again from the sign-in page.")]
        AttemptExpired => "sso.attempt_expired", BadInput;
        #[error("This sign-in was started in another browser. Start again from the sign-in page in this one.")]
        OtherBrowser => "sso.other_browser", BadInput;
        #[error("Your organisation's sign-in answered with an error ({0}). Try again, or ask your administrator.")]
        ProviderError(String) => "sso.provider_error", BadInput;
        #[error("Your organisation's sign-in could not be reached or did not complete. Try again later, or ask your administrator.")]
        ProviderUnavailable => "sso.provider_unavailable", StateForbids;
        #[error("The sign-in could not be verified: the identity token was issued for another application. Nobody was signed in.")]
        WrongAudience => "sso.wrong_audience", NoRight;
        #[error("The sign-in could not be verified: the identity token belongs to another sign-in. Nobody was signed in.")]
        WrongNonce => "sso.wrong_nonce", NoRight;
        #[error("The sign-in could not be verified: the identity token has expired. Start again from the sign-in page.")]
        TokenExpired => "sso.token_expired", NoRight;
        #[error("The sign-in could not be verified: the identity token comes from another provider. Nobody was signed in.")]
        WrongIssuer => "sso.wrong_issuer", NoRight;
        #[error("The sign-in could not be verified: the identity token's signature is not the provider's. Nobody was signed in.")]
        BadSignature => "sso.bad_signature", NoRight;
        #[error("The sign-in could not be verified ({0}). Nobody was signed in.")]
        InvalidToken(String) => "sso.invalid_token", NoRight;
        #[error("Your organisation did not give an email address, so Hopper cannot tell which account is yours. Ask your administrator.")]
        NoEmail => "sso.no_email", NoRight;
        #[error("Your organisation has not verified your email address, so Hopper cannot tell which account is yours. Verify it there, or ask your administrator.")]
        EmailUnverified => "sso.email_unverified", NoRight;
        #[error("Addresses at {0} cannot sign in to this organisation.")]
        DomainNotAllowed(String) => "sso.domain_not_allowed", NoRight;
        #[error("There is no account for {0} in this organisation. Ask your administrator to create one.")]
        NoAccount(String) => "sso.no_account", NoRight;
        #[error("Your account is not active. Ask your administrator.")]
        Inactive => "sso.inactive", NoRight;
        #[error("Your account is already linked to another account of your organisation's sign-in. Ask your administrator.")]
        LinkedElsewhere => "sso.linked_elsewhere", NoRight;
        #[error("{company} signs in through its organisation's account: use “Sign in with your organisation”.")]
        SsoOnly { company: String } => "sso.sso_only", NoRight;
    }
}
