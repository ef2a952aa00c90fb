//! Refusals about webhook endpoints: an address that is not usable or not allowed, and
//! the events an endpoint asks for.

refusals! {
    /// An endpoint cannot be registered (or reached) as asked.
    pub enum WebhookRefused {
        #[error("“{url}” is not a web address a webhook can be sent to (http or https, a host, no user name or password).")]
        UrlInvalid { url: String } => "webhook.url_invalid", BadInput;
        #[error("{host} resolves to a private, loopback or link-local address; webhooks go to public addresses only (the operator can allow private ones with HOPPER_WEBHOOK_ALLOW_PRIVATE).")]
        TargetPrivate { host: String } => "webhook.target_private", BadInput;
        #[error("{host} could not be resolved to an address.")]
        TargetUnresolved { host: String } => "webhook.target_unresolved", BadInput;
        #[error("Choose at least one event to send.")]
        NoEvents => "webhook.no_events", BadInput;
        #[error("“{event}” is not an event Hopper sends.")]
        EventUnknown { event: String } => "webhook.event_unknown", BadInput;
        #[error("Only a company admin (or a token of one with the admin scope) manages webhooks.")]
        AdminOnly => "webhook.admin_only", NoRight;
    }
}
