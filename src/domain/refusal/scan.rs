//! Refusals of a file's content by the virus scan.

refusals! {
    /// The virus scan did not let the file in.
    pub enum ScanRefused {
        #[error("a virus was found ({signature})")]
        VirusFound { signature: String } => "scan.virus_found", TypeNotTaken;
        #[error("the file is larger than the virus scanner checks ({limit} bytes), and unscanned files are not accepted")]
        TooLargeToScan { limit: u64 } => "scan.too_large", OverLimit;
    }
}
