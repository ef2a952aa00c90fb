//! The `hopper` command line: `serve` (the default), `migrate` and admin subcommands.

mod admin;
pub mod audit_digests;
mod erase;
pub mod evidence_check;
mod retention;
pub mod s3_serve;
mod scan_args;
mod sso;
mod sync;
mod token;
mod upload_args;

pub use scan_args::ScanArgs;
pub use upload_args::UploadArgs;

pub use admin::{
    AuditCommand, AuditVerifyArgs, CreateSuperadminArgs, ReconcileArgs, ResetPasswordArgs,
};
pub use erase::{run as erase, EraseArgs};
pub use retention::{report_lines as retention_lines, RetentionCommand, RetentionRunArgs};
pub use sso::{run as run_sso, SsoCommand, SsoRemoveArgs, SsoSetArgs};
pub use sync::SyncArgs;
pub use token::{TokenCommand, TokenCreateArgs};

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::config::{Config, S3Config, S3Credentials, Secret, SessionConfig, SignInPolicy};

#[derive(Debug, Parser)]
#[command(
    name = "hopper",
    version,
    about = "Hopper: a multi-tenant document intake portal",
    long_about = "Hopper: a multi-tenant document intake portal.\n\n\
        With no configuration, `hopper serve` runs its own PostgreSQL cluster (from the \
        system's PostgreSQL server binaries) and its own S3-compatible endpoint on loopback, \
        both under --data-dir."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(flatten)]
    pub serve: ServeArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Directory for Hopper's own data: the embedded PostgreSQL cluster, the embedded S3
    /// store and the cookie-signing key.
    #[arg(long, env = "HOPPER_DATA_DIR", default_value = "./var", global = true)]
    pub data_dir: PathBuf,

    /// PostgreSQL connection URL. Unset: Hopper runs its own cluster under the data dir.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, global = true)]
    pub database_url: Option<String>,

    /// PostgreSQL URL of the application role requests run as (it owns nothing; `hopper
    /// migrate` creates it and grants its privileges). Unset with an external database:
    /// requests run as the owner of DATABASE_URL, and Hopper warns loudly.
    #[arg(
        long,
        env = "HOPPER_APP_DATABASE_URL",
        hide_env_values = true,
        global = true
    )]
    pub app_database_url: Option<String>,

    /// Connections in the database pool.
    #[arg(
        long,
        env = "HOPPER_DATABASE_POOL_SIZE",
        default_value_t = 10,
        global = true
    )]
    pub database_pool_size: u32,

    /// S3 endpoint URL (AWS, MinIO, Garage, ...). Unset: Hopper serves its own on 127.0.0.1.
    /// Credentials come from the standard AWS variables (AWS_ACCESS_KEY_ID, ...).
    #[arg(long, env = "HOPPER_S3_ENDPOINT", global = true)]
    pub s3_endpoint: Option<String>,

    /// S3 region used for signing requests.
    #[arg(
        long,
        env = "HOPPER_S3_REGION",
        default_value = "us-east-1",
        global = true
    )]
    pub s3_region: String,

    /// Address buckets in the path (http://host/bucket/key), as MinIO and Garage expect.
    /// Always on for the embedded endpoint.
    #[arg(
        long,
        env = "HOPPER_S3_FORCE_PATH_STYLE",
        default_value_t = false,
        global = true
    )]
    pub s3_force_path_style: bool,

    /// Longest one attempt of an S3 request may take, in seconds.
    #[arg(
        long,
        env = "HOPPER_S3_ATTEMPT_TIMEOUT_SECS",
        default_value_t = 120,
        global = true
    )]
    pub s3_attempt_timeout_secs: u64,

    /// Attempts per S3 request on a retryable failure (backoff between them).
    #[arg(
        long,
        env = "HOPPER_S3_MAX_ATTEMPTS",
        default_value_t = 4,
        global = true
    )]
    pub s3_max_attempts: u32,

    /// Log as JSON lines instead of compact text.
    #[arg(long, env = "HOPPER_LOG_JSON", default_value_t = false, global = true)]
    pub log_json: bool,

    /// Where the embedded cluster's PostgreSQL server binaries are (initdb, postgres).
    /// Unset: found on PATH or under /usr/lib/postgresql/*/bin.
    #[arg(long, env = "HOPPER_POSTGRES_BIN_DIR", global = true)]
    pub postgres_bin_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web application (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create a superadmin account; prints a one-time password that must be changed at first sign-in.
    CreateSuperadmin(CreateSuperadminArgs),
    /// Reset a user's password; prints a one-time password and signs the user out everywhere.
    ResetPassword(ResetPasswordArgs),
    /// Work with the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Work with API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// A company's single sign-on through its OpenID Connect provider.
    #[command(subcommand)]
    Sso(SsoCommand),
    /// Send a folder to a project's cycle through the API (token from HOPPER_TOKEN or
    /// --token-file): only what the server lacks travels, interrupted runs resume, and
    /// the exit code is 1 when any file failed.
    Sync(SyncArgs),
    /// Settle uploads whose outcome in S3 is in doubt (a crash or an outage between S3
    /// storing a file and Hopper recording it): read each object back, complete the row
    /// if the bytes match, otherwise delete the stray object and fail the row. Then clean
    /// up interrupted uploads as the reaper does. Safe while nodes serve.
    Reconcile(ReconcileArgs),
    /// Records and safety: delete files kept past their project's retention.
    #[command(subcommand)]
    Retention(RetentionCommand),
    /// Records and safety: erase a person's personal data (name, email, addresses,
    /// browsers) from every row and audit detail; the audit chains keep verifying.
    /// Refused while a legal hold covers them.
    Erase(EraseArgs),
    /// Serve the embedded S3 endpoint alone (`<data-dir>/s3` on 127.0.0.1), for nodes that
    /// share one store which outlives each of them, e.g. a test cluster.
    S3Serve(s3_serve::S3ServeArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(
        long,
        env = "HOPPER_BIND",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub bind: SocketAddr,

    /// Reverse proxies (addresses or CIDR ranges, comma-separated) whose X-Forwarded-For
    /// names the client. Unset: the peer's address is the client's.
    #[arg(
        long,
        env = "HOPPER_TRUSTED_PROXIES",
        value_delimiter = ',',
        value_parser = parse_proxy,
        global = true
    )]
    pub trusted_proxies: Vec<ipnet::IpNet>,

    /// Minutes of inactivity after which a session ends.
    #[arg(
        long,
        env = "HOPPER_SESSION_IDLE_MINUTES",
        default_value_t = 30,
        global = true
    )]
    pub session_idle_minutes: u64,

    /// Hours after sign-in after which a session ends, however active.
    #[arg(
        long,
        env = "HOPPER_SESSION_LIFETIME_HOURS",
        default_value_t = 12,
        global = true
    )]
    pub session_lifetime_hours: u64,

    /// Set when Hopper is served over HTTPS: Secure cookies, `__Host-` cookie name, HSTS.
    #[arg(
        long,
        env = "HOPPER_COOKIE_SECURE",
        default_value_t = false,
        global = true
    )]
    pub cookie_secure: bool,

    /// This node's name when several share one database (default: the host name). A node
    /// that restarts settles the uploads its earlier run left unfinished at once.
    #[arg(long, env = "HOPPER_NODE_ID", global = true)]
    pub node_id: Option<String>,

    /// The address people reach Hopper at (e.g. https://intake.example.com): wall-screen
    /// links are built from it, never from request headers. Unset: the address Hopper
    /// listens on.
    #[arg(long, env = "HOPPER_PUBLIC_URL", global = true)]
    pub public_url: Option<url::Url>,

    /// SMTP server for notifications (smtp:// or smtps://, credentials in the URL). Unset:
    /// messages are kept in the outbox (the operator's page and <data-dir>/outbox).
    #[arg(long, env = "HOPPER_SMTP_URL", hide_env_values = true, global = true)]
    pub smtp_url: Option<String>,

    /// The From address of notifications.
    #[arg(
        long,
        env = "HOPPER_MAIL_FROM",
        default_value = "Hopper <hopper@localhost>",
        global = true
    )]
    pub mail_from: String,

    /// Secret for signing session cookies (at least 64 bytes); all nodes of one installation
    /// share it. Unset: generated once into the data dir.
    #[arg(long, env = "HOPPER_SECRET_KEY", hide_env_values = true, global = true)]
    pub secret_key: Option<String>,

    /// The ed25519 key that signs the audit chains' digests: 32 bytes as 64 hex digits or
    /// base64; all nodes of one installation share it. Unset: generated once into
    /// <data-dir>/audit-signing.key.
    #[arg(
        long,
        env = "HOPPER_AUDIT_SIGNING_KEY",
        hide_env_values = true,
        global = true
    )]
    pub audit_signing_key: Option<String>,

    /// Password hashes computed at once (each argon2id hash takes ~19 MiB).
    #[arg(
        long,
        env = "HOPPER_MAX_CONCURRENT_HASHES",
        default_value_t = 4,
        global = true
    )]
    pub max_concurrent_hashes: usize,

    /// Let webhooks go to loopback, private and link-local addresses (refused otherwise).
    #[arg(
        long,
        env = "HOPPER_WEBHOOK_ALLOW_PRIVATE",
        default_value_t = false,
        global = true
    )]
    pub webhook_allow_private: bool,

    #[command(flatten)]
    pub uploads: UploadArgs,

    #[command(flatten)]
    pub scanning: ScanArgs,
}

impl GlobalArgs {
    pub fn into_config(self, serve: &ServeArgs) -> Config {
        let embedded_s3 = self.s3_endpoint.is_none();
        let outbox_dir = self.data_dir.join("outbox");
        Config {
            bind: serve.bind,
            data_dir: self.data_dir,
            database_url: self.database_url.map(Secret::new),
            app_database_url: self.app_database_url.map(Secret::new),
            database_pool_size: self.database_pool_size.max(1),
            postgres_bin_dir: self.postgres_bin_dir,
            s3: S3Config {
                endpoint: self.s3_endpoint,
                region: self.s3_region,
                force_path_style: self.s3_force_path_style || embedded_s3,
                credentials: None::<S3Credentials>,
                create_missing_buckets: embedded_s3,
                retry: crate::config::S3Retry {
                    attempt_timeout: Duration::from_secs(self.s3_attempt_timeout_secs.max(1)),
                    max_attempts: self.s3_max_attempts.max(1),
                    ..Default::default()
                },
            },
            sign_in: SignInPolicy::default(),
            trusted_proxies: serve.trusted_proxies.clone(),
            public_url: serve.public_url.clone(),
            node_id: serve.node_id.clone().unwrap_or_else(host_name),
            session: SessionConfig {
                idle_timeout: Duration::from_secs(serve.session_idle_minutes.max(1) * 60),
                absolute_lifetime: Duration::from_secs(serve.session_lifetime_hours.max(1) * 3600),
                cookie_secure: serve.cookie_secure,
            },
            secret_key: serve.secret_key.clone().map(Secret::new),
            audit_signing_key: serve.audit_signing_key.clone().map(Secret::new),
            max_concurrent_password_hashes: serve.max_concurrent_hashes.max(1),
            mail: crate::config::MailConfig {
                smtp_url: serve.smtp_url.clone().map(Secret::new),
                from: serve.mail_from.clone(),
                outbox_dir: Some(outbox_dir),
            },
            uploads: serve.uploads.config(),
            scanner: serve.scanning.config(),
            webhooks: crate::config::WebhookConfig {
                allow_private: serve.webhook_allow_private,
            },
        }
    }
}

/// A proxy's address (`10.0.0.2`) or range (`10.0.0.0/8`).
fn parse_proxy(value: &str) -> Result<ipnet::IpNet, String> {
    let value = value.trim();
    value
        .parse::<ipnet::IpNet>()
        .or_else(|_| value.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("{value:?} is not an IP address or CIDR range"))
}

/// The machine's host name, as the default node id.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|name| name.trim().chars().take(100).collect::<String>())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "hopper".to_owned())
}
