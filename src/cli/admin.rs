//! The operator's admin subcommands' arguments: accounts, the audit trail, reconciling.

use clap::{Args, Subcommand};

#[derive(Debug, Args)]
pub struct ReconcileArgs {
    /// Only uploads whose last progress is at least this old (a live node's uploads
    /// progress far more often).
    #[arg(long, default_value_t = 15)]
    pub older_than_minutes: u64,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute every audit row's hash chain; names the first row that was altered,
    /// removed or reordered, and exits non-zero if there is one.
    Verify(AuditVerifyArgs),
    /// Sign a digest of every chain whose head moved since its last digest (the server
    /// does this every hour) and print them as JSON lines, to keep elsewhere.
    Digest,
}

#[derive(Debug, Args)]
pub struct AuditVerifyArgs {
    /// Only this company's chain (its code); default: every chain.
    #[arg(long)]
    pub company: Option<String>,

    /// Also check the rows against signed digests kept elsewhere (a JSON-lines file as the
    /// audit page downloads it or `hopper audit digest` prints it): catches rows rewritten
    /// together with their hashes.
    #[arg(long, value_name = "FILE")]
    pub digests: Option<std::path::PathBuf>,

    /// A public key (64 hex digits) the digests may be signed with; repeatable. Default:
    /// the public half of this installation's signing key.
    #[arg(long = "public-key", value_name = "HEX")]
    pub public_keys: Vec<String>,

    /// Also check the audit rows an evidence export (a cycle's zip) carries: each row's
    /// hash recomputed from chain.json, and the same row in the database.
    #[arg(long, value_name = "ZIP")]
    pub export: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct CreateSuperadminArgs {
    #[arg(long)]
    pub username: String,
    #[arg(long)]
    pub email: String,
    #[arg(long)]
    pub full_name: Option<String>,
    /// Company code the account belongs to.
    #[arg(long, default_value = "DEFAULT")]
    pub company_code: String,
}

#[derive(Debug, Args)]
pub struct ResetPasswordArgs {
    #[arg(long)]
    pub username: String,
}
