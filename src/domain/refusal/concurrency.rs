//! Refused because another request changed the same thing first.

refusals! {
    /// A concurrent request won the race.
    pub enum ConcurrencyRefused {
        /// Forms check uniqueness first; this is a concurrent request saving the same.
        #[error("Someone else just saved the same thing. Reload the page and try again.")]
        SavedMeanwhile => "concurrency.saved_meanwhile", StateForbids;
    }
}
