//! Refusals about passkeys: registering one, signing in with one, revoking one.

refusals! {
    /// A passkey ceremony that cannot go on.
    pub enum PasskeyRefused {
        #[error("Passkeys need Hopper at a domain name (its public address is {address}); ask the operator to set HOPPER_PUBLIC_URL.")]
        NoDomain { address: String } => "passkey.no_domain", StateForbids;
        #[error("That passkey request has expired or was already used; try again.")]
        CeremonyOver => "passkey.ceremony_over", StateForbids;
        #[error("That passkey was not accepted. Use a passkey registered for this account, or your password.")]
        NotAccepted => "passkey.not_accepted", NoRight;
        #[error("The passkey could not be registered: {reason}.")]
        NotRegistered { reason: String } => "passkey.not_registered", BadInput;
        #[error("A passkey is named with 1 to 100 characters.")]
        NameMalformed => "passkey.name_malformed", BadInput;
    }
}
