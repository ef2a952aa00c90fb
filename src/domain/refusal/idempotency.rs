//! Refusals of an `Idempotency-Key`: a key reused for another request, a key whose first
//! request is still running, a key that cannot be one.

refusals! {
    /// The API cannot honour this `Idempotency-Key` as sent.
    pub enum IdempotencyRefused {
        #[error("This Idempotency-Key was already used for a different request (another body or address); use a new key for a new request.")]
        KeyReused => "idempotency.key_reused", Unprocessable;
        #[error("The first request with this Idempotency-Key is still running; ask again in a moment to get its answer.")]
        InProgress => "idempotency.in_progress", StateForbids;
        #[error("An Idempotency-Key is 1 to 255 visible ASCII characters.")]
        KeyMalformed => "idempotency.key_malformed", BadInput;
    }
}
