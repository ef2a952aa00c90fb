//! `hopper sync DIR`: send a folder to a project through the API.

use std::path::PathBuf;

use clap::Args;

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The folder to send (its sub-folders are kept in the files' paths).
    pub dir: PathBuf,
    /// Hopper's address, e.g. https://hopper.example.com.
    #[arg(long, env = "HOPPER_SERVER")]
    pub server: String,
    /// The project's id.
    #[arg(long)]
    pub project: i32,
    /// The cycle's id; default: the project's newest open cycle.
    #[arg(long)]
    pub cycle: Option<i32>,
    /// A file holding the API token (else HOPPER_TOKEN).
    #[arg(long)]
    pub token_file: Option<PathBuf>,
    /// The API token, from HOPPER_TOKEN (kept out of --help and of the process list:
    /// give it in the environment or in --token-file, not as a flag).
    #[arg(long, env = "HOPPER_TOKEN", hide = true, hide_env_values = true)]
    pub token: Option<String>,
    /// Hash and compare, send nothing.
    #[arg(long, default_value_t = false)]
    pub dry_run: bool,
    /// Print the receipt (or the dry run) as JSON, without progress bars.
    #[arg(long, default_value_t = false)]
    pub json: bool,
    /// Files hashed and sent at once. Each small file waits on a few round trips to the
    /// server's database; 8 in flight hid them (a sync of 1,000 small files took 13%
    /// less time than with 4, 16 gained nothing more, and rclone gained nothing from 8).
    #[arg(long, default_value_t = 8)]
    pub parallel: usize,
}
