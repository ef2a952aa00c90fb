//! Virus scanning with ClamAV's daemon. A file's bytes go to clamd over `INSTREAM` as they
//! pass on their way to S3 (the same pass: no second read), and the file is accepted only
//! when clamd has said "OK". Like `storage`, this is an adapter to a server outside
//! Hopper: it knows clamd's protocol, nothing of files, rows or companies.
//!
//! The protocol is a few lines (a command, length-prefixed chunks, a zero-length end, one
//! reply), written here rather than taken from a crate: the crates (`clamav-client`,
//! `clamav-stream`) scan a stream they own from start to end, while an upload needs a
//! connection it can feed from its own loop (and from each part of a resumable upload),
//! writing the bytes it already holds without copying them.

mod instream;

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

pub use instream::{ScanFeed, Verdict};

/// Where clamd listens: `tcp://host:port`, or a unix socket's path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClamdAddress {
    Tcp(String),
    Unix(PathBuf),
}

impl FromStr for ClamdAddress {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let value = value.trim();
        if let Some(address) = value.strip_prefix("tcp://") {
            let address = address.trim_end_matches('/');
            if address.rsplit_once(':').is_some_and(|(host, port)| {
                !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0)
            }) {
                return Ok(ClamdAddress::Tcp(address.to_owned()));
            }
            return Err(format!("{value}: expected tcp://host:port"));
        }
        let path = value.strip_prefix("unix://").unwrap_or(value);
        if path.starts_with('/') {
            return Ok(ClamdAddress::Unix(PathBuf::from(path)));
        }
        Err(format!(
            "{value}: expected tcp://host:port or the absolute path of clamd's unix socket"
        ))
    }
}

impl std::fmt::Display for ClamdAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClamdAddress::Tcp(address) => write!(f, "tcp://{address}"),
            ClamdAddress::Unix(path) => write!(f, "{}", path.display()),
        }
    }
}

/// What happens to a file larger than clamd will scan (its `StreamMaxLength`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TooLargePolicy {
    /// Refused: nothing unscanned is accepted.
    Refuse,
    /// Accepted, marked "not scanned: too large".
    Accept,
}

/// What happens to the bytes of a file with a virus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum QuarantinePolicy {
    /// Discarded: never stored (an upload aborted), or deleted from S3.
    Delete,
    /// Kept for inspection under the company root's `.quarantine/` prefix in the same
    /// location (never downloadable through Hopper).
    Keep,
}

/// How Hopper talks to clamd.
#[derive(Debug, Clone)]
pub struct ScannerConfig {
    pub address: ClamdAddress,
    /// How long clamd may take to answer a write, a ping or its verdict.
    pub timeout: Duration,
    /// The most bytes clamd scans in one stream (keep it at clamd's `StreamMaxLength`).
    pub max_stream_bytes: u64,
    pub too_large: TooLargePolicy,
    pub quarantine: QuarantinePolicy,
}

/// A handle on clamd; cheap to clone.
#[derive(Debug, Clone)]
pub struct Scanner {
    config: std::sync::Arc<ScannerConfig>,
}

impl Scanner {
    pub fn new(config: ScannerConfig) -> Self {
        Scanner {
            config: std::sync::Arc::new(config),
        }
    }

    pub fn config(&self) -> &ScannerConfig {
        &self.config
    }

    /// Whether clamd answers `PING` with `PONG`.
    pub async fn ping(&self) -> Result<(), String> {
        instream::ping(&self.config).await
    }

    /// A stream to scan, opened now. `declared`: the size the file will have, when known
    /// (a file larger than clamd scans is not sent at all).
    pub async fn start(&self, declared: Option<u64>) -> ScanFeed {
        ScanFeed::open(&self.config, declared).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_tcp_or_a_socket_path() {
        assert_eq!(
            "tcp://127.0.0.1:3310".parse(),
            Ok(ClamdAddress::Tcp("127.0.0.1:3310".into()))
        );
        assert_eq!(
            "/run/clamav/clamd.ctl".parse(),
            Ok(ClamdAddress::Unix("/run/clamav/clamd.ctl".into()))
        );
        assert_eq!(
            "unix:///tmp/c.sock".parse(),
            Ok(ClamdAddress::Unix("/tmp/c.sock".into()))
        );
        for bad in ["tcp://host", "tcp://:3310", "clamd.sock", "tcp://h:0", ""] {
            assert!(bad.parse::<ClamdAddress>().is_err(), "{bad}");
        }
    }
}
