//! The virus scanner's flags and `HOPPER_CLAMD*` variables.

use std::time::Duration;

use clap::Args;

/// Virus scanning with ClamAV's clamd.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// clamd's address (tcp://host:port, or its unix socket's path): every file is scanned
    /// while it arrives and accepted only when clean. Unset: files are not scanned.
    #[arg(long, env = "HOPPER_CLAMD", value_parser = clap::value_parser!(crate::scanner::ClamdAddress), global = true)]
    pub clamd: Option<crate::scanner::ClamdAddress>,

    /// Seconds clamd may take to take bytes, answer a ping or give its verdict.
    #[arg(
        long,
        env = "HOPPER_CLAMD_TIMEOUT_SECS",
        default_value_t = 60,
        global = true
    )]
    pub clamd_timeout_secs: u64,

    /// The largest file clamd scans, in bytes: keep it at clamd's StreamMaxLength.
    #[arg(
        long,
        env = "HOPPER_CLAMD_MAX_BYTES",
        default_value_t = 100 * 1024 * 1024,
        global = true
    )]
    pub clamd_max_bytes: u64,

    /// A file larger than that: `refuse` it, or `accept` it marked "not scanned: too large".
    #[arg(
        long,
        env = "HOPPER_CLAMD_TOO_LARGE",
        value_enum,
        default_value = "refuse",
        global = true
    )]
    pub clamd_too_large: crate::scanner::TooLargePolicy,

    /// A file with a virus: `delete` its bytes, or `keep` them under the company root's
    /// `.quarantine/` prefix (same bucket) for inspection.
    #[arg(
        long,
        env = "HOPPER_CLAMD_QUARANTINE",
        value_enum,
        default_value = "delete",
        global = true
    )]
    pub clamd_quarantine: crate::scanner::QuarantinePolicy,
}

impl ScanArgs {
    pub fn config(&self) -> Option<crate::scanner::ScannerConfig> {
        let address = self.clamd.clone()?;
        Some(crate::scanner::ScannerConfig {
            address,
            timeout: Duration::from_secs(self.clamd_timeout_secs.max(1)),
            max_stream_bytes: self.clamd_max_bytes.max(1),
            too_large: self.clamd_too_large,
            quarantine: self.clamd_quarantine,
        })
    }
}
