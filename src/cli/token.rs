//! `hopper token …`: API tokens made at the command line.

use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a machine token for a project (no user; its batches record the token) and
    /// print it once. The creation is audited in the project's company.
    Create(TokenCreateArgs),
}

#[derive(Debug, Args)]
pub struct TokenCreateArgs {
    /// The project's id (on its admin page's address).
    #[arg(long)]
    pub project: i32,
    /// What the token may do: upload, read, or both (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "upload")]
    pub scope: Vec<String>,
    /// Days until it expires (1–730).
    #[arg(long, default_value_t = 365)]
    pub expires_days: i64,
    /// A name for it, shown in the project's token list.
    #[arg(long, default_value = "created with hopper token create")]
    pub name: String,
}
