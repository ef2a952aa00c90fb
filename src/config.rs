//! One configuration struct, built from flags and environment variables (see `cli`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// A value that must never reach a log line.
#[derive(Clone, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    /// `None`: run the embedded PostgreSQL cluster under `data_dir`.
    pub database_url: Option<Secret>,
    /// The application role's URL; `None`: requests run as the owner (embedded mode fills
    /// it in with its own `hopper_app` role).
    pub app_database_url: Option<Secret>,
    pub database_pool_size: u32,
    /// The PostgreSQL server binaries of the embedded cluster (`HOPPER_POSTGRES_BIN_DIR`);
    /// `None`: found on `PATH` or under `/usr/lib/postgresql/*/bin`.
    pub postgres_bin_dir: Option<PathBuf>,
    pub s3: S3Config,
    pub session: SessionConfig,
    pub sign_in: SignInPolicy,
    /// Proxies whose `X-Forwarded-For` is believed (`HOPPER_TRUSTED_PROXIES`).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Where people reach Hopper (`HOPPER_PUBLIC_URL`); links are built from it.
    pub public_url: Option<url::Url>,
    /// This node's name among several sharing a database (`HOPPER_NODE_ID`, default the
    /// host name): its uploads are settled at once when it restarts.
    pub node_id: String,
    /// Secret used to sign session cookies; generated into the data dir when absent.
    pub secret_key: Option<Secret>,
    /// The ed25519 key signing the audit chains' digests (`HOPPER_AUDIT_SIGNING_KEY`, 32
    /// bytes as hex or base64); generated into the data dir when absent.
    pub audit_signing_key: Option<Secret>,
    /// How many argon2 hashes may run at once (each takes ~19 MiB).
    pub max_concurrent_password_hashes: usize,
    pub uploads: UploadConfig,
    pub mail: MailConfig,
    /// clamd, when files are scanned for viruses before they are accepted (`HOPPER_CLAMD`).
    pub scanner: Option<crate::scanner::ScannerConfig>,
    pub webhooks: WebhookConfig,
}

/// Where webhooks may go.
#[derive(Debug, Clone, Copy, Default)]
pub struct WebhookConfig {
    /// Targets on loopback, private or link-local addresses are allowed
    /// (`HOPPER_WEBHOOK_ALLOW_PRIVATE`; for tests and closed networks).
    pub allow_private: bool,
}

/// Where notifications go: an SMTP server (`HOPPER_SMTP_URL`, e.g.
/// `smtps://user:pass@mail.example.com`), or, without one, the outbox table and the
/// maildir `outbox_dir`.
#[derive(Debug, Clone)]
pub struct MailConfig {
    pub smtp_url: Option<Secret>,
    /// The sender address (`HOPPER_MAIL_FROM`).
    pub from: String,
    pub outbox_dir: Option<PathBuf>,
}

/// Limits of browser uploads; memory is bounded by `part_size × max_part_buffers`.
#[derive(Debug, Clone)]
pub struct UploadConfig {
    /// S3 multipart part size; a smaller file is a single PutObject.
    pub part_size: usize,
    pub max_file_size: u64,
    pub max_files_per_batch: usize,
    /// A client that sends nothing for this long is cut off.
    pub idle_timeout: Duration,
    /// Part buffers in flight across all uploads of this node.
    pub max_part_buffers: usize,
    /// How long a file waits for a free part buffer before the batch is answered 503.
    pub buffer_wait: Duration,
    /// The slowest body accepted, in bytes per second over each `rate_window` of waiting
    /// for the client, and the longest an upload request may take.
    pub min_rate: u64,
    pub rate_window: Duration,
    pub max_request_duration: Duration,
    /// Upload batches running at once: per user, and on this node.
    pub max_batches_per_user: usize,
    pub max_batches_per_node: usize,
    /// Resumable uploads sending at once: per user, and on this node.
    pub max_writers_per_user: usize,
    pub max_writers_per_node: usize,
    /// The most one company holds of the node's part buffers, batches and writers, in
    /// percent: however many accounts it has, the others keep the rest.
    pub company_share_percent: usize,
    /// Resumable uploads stream their parts to S3 as the bytes arrive (where the location
    /// allows it and the request brings the whole part), holding no part in memory.
    pub stream_parts: bool,
    /// An `uploading` file without progress for this long is failed by the reaper.
    pub stale_after: Duration,
    pub reaper_interval: Duration,
}

impl UploadConfig {
    /// One company's share of `node_wide`: at least `floor`, at most all of it.
    pub fn company_share(&self, node_wide: usize, floor: usize) -> usize {
        (node_wide * self.company_share_percent / 100)
            .max(floor)
            .min(node_wide)
    }

    /// Within what S3 takes: parts of 5 MiB to 5 GiB, and no file larger than 10,000 of
    /// them (a larger one is refused with 413 before its bytes move).
    pub fn within_s3_limits(mut self) -> Self {
        use crate::domain::sizes::{largest_file, part_size_within_s3_limits};
        let part_size = part_size_within_s3_limits(self.part_size);
        let max_file_size = largest_file(part_size, self.max_file_size);
        if (part_size, max_file_size) != (self.part_size, self.max_file_size) {
            tracing::warn!(
                part_size,
                max_file_size,
                "the upload part size and largest file were brought within S3's limits"
            );
        }
        self.part_size = part_size;
        self.max_file_size = max_file_size;
        self
    }
}

impl Default for UploadConfig {
    fn default() -> Self {
        Self {
            part_size: 8 * 1024 * 1024,
            max_file_size: 5 * 1024 * 1024 * 1024,
            max_files_per_batch: 1000,
            idle_timeout: Duration::from_secs(60),
            max_part_buffers: 16,
            stream_parts: true,
            buffer_wait: Duration::from_secs(30),
            // 16 KiB/s: a 1 GiB file over a 20 Mbit/s line runs at 2.5 MB/s, far above.
            min_rate: 16 * 1024,
            rate_window: Duration::from_secs(30),
            // 5 GiB (the largest file) at 20 Mbit/s takes 36 minutes; six hours is ample.
            max_request_duration: Duration::from_secs(6 * 3600),
            max_batches_per_user: 4,
            max_batches_per_node: 64,
            max_writers_per_user: 8,
            // A thousand slow senders on one node is a goal; memory is bounded by the
            // part buffers, not by this.
            max_writers_per_node: 1024,
            company_share_percent: 25,
            stale_after: Duration::from_secs(15 * 60),
            reaper_interval: Duration::from_secs(5 * 60),
        }
    }
}

#[derive(Debug, Clone)]
pub struct S3Config {
    /// `None`: serve an S3-compatible endpoint on loopback over `<data_dir>/s3`.
    pub endpoint: Option<String>,
    pub region: String,
    pub force_path_style: bool,
    /// Explicit credentials; when `None` the standard AWS credential chain is used.
    pub credentials: Option<S3Credentials>,
    /// Buckets are created on demand only against Hopper's own embedded endpoint.
    pub create_missing_buckets: bool,
    /// Patience with S3: how long one attempt of a request may take, and how many
    /// attempts a retryable failure (5xx, SlowDown, a reset connection, a timeout) gets,
    /// with exponential backoff and jitter between them.
    pub retry: S3Retry,
}

#[derive(Debug, Clone, Copy)]
pub struct S3Retry {
    pub attempt_timeout: Duration,
    pub connect_timeout: Duration,
    pub max_attempts: u32,
}

impl Default for S3Retry {
    fn default() -> Self {
        Self {
            // A part is 8 MiB: two minutes allows for a very slow link; a black-holed
            // endpoint is noticed after that instead of never.
            attempt_timeout: Duration::from_secs(120),
            connect_timeout: Duration::from_secs(5),
            max_attempts: 4,
        }
    }
}

#[derive(Debug, Clone)]
pub struct S3Credentials {
    pub access_key_id: String,
    pub secret_access_key: Secret,
}

/// How the sign-in throttle spaces attempts at an account that is being guessed at.
#[derive(Debug, Clone)]
pub struct SignInPolicy {
    /// Between two attempts at such an account.
    pub spacing: Duration,
    /// An attempt whose slot is further away than this gets 429 and `Retry-After`
    /// instead of waiting.
    pub max_hold: Duration,
}

impl Default for SignInPolicy {
    fn default() -> Self {
        Self {
            spacing: Duration::from_secs(30),
            max_hold: Duration::from_secs(10),
        }
    }
}

#[derive(Debug, Clone)]
pub struct SessionConfig {
    pub idle_timeout: Duration,
    pub absolute_lifetime: Duration,
    /// Mark cookies `Secure` (and use the `__Host-` prefix): set when served over HTTPS.
    pub cookie_secure: bool,
}

impl SessionConfig {
    pub fn cookie_name(&self) -> &'static str {
        if self.cookie_secure {
            "__Host-hopper_session"
        } else {
            "hopper_session"
        }
    }
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            idle_timeout: Duration::from_secs(30 * 60),
            absolute_lifetime: Duration::from_secs(12 * 60 * 60),
            cookie_secure: false,
        }
    }
}

/// Writes a file only its owner can read (0600): generated secrets in the data dir.
pub fn write_private_file(path: &std::path::Path, contents: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;

    use anyhow::Context;

    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        if !parent.is_dir() {
            create_private_dir(parent)?;
        }
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    // A file that existed keeps its mode through `open`: narrow it.
    file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    file.write_all(contents)?;
    Ok(())
}

/// Creates a directory only its owner may enter (0700), with any missing parent, and
/// narrows an existing one to 0700: the data dir, the S3 store, the outbox.
pub fn create_private_dir(path: &std::path::Path) -> std::io::Result<()> {
    create_dir_with_mode(path, 0o700)
}

/// Creates a directory (with any missing parent) and sets its mode, narrowing an existing
/// one.
pub fn create_dir_with_mode(path: &std::path::Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};

    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(mode)
        .create(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}
