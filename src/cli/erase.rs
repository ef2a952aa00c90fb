//! `hopper erase --email ADDRESS [--dry-run]`: a person's personal data erased everywhere
//! (accounts, link visits, uploads' sender fields, messages, audit rows), the audit chains
//! still verifying; refused while a legal hold covers them.

use clap::Args;

use crate::services::erasure::{self, ErasureReport};
use crate::services::ServiceContext;

#[derive(Debug, Args)]
pub struct EraseArgs {
    /// The person's email address (any case).
    #[arg(long)]
    pub email: String,
    /// Print what would be erased; change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// What an erasure did (or would do), in a few lines.
pub fn report_lines(report: &ErasureReport) -> Vec<String> {
    if report.is_empty() {
        return vec!["erase: nothing holds that address; nothing changed".to_owned()];
    }
    let verb = if report.dry_run {
        "would erase"
    } else {
        "erased"
    };
    let mut lines = vec![
        format!(
            "{verb}: {} accounts, {} upload-link visits, {} uploads' sender fields, in {} companies",
            report.accounts, report.visits, report.uploads, report.companies
        ),
        format!(
            "{verb}: {} rows outside the audit trail, {} audit rows ({} written before salted hashes: their hashes are kept as recorded)",
            report.rows_changed, report.audit_rows, report.audit_rows_v1
        ),
    ];
    lines.push(if report.dry_run {
        "dry run: nothing was changed".to_owned()
    } else {
        "the audit chains still verify (hopper audit verify); the erasure is audited as person.erased, without the address".to_owned()
    });
    lines
}

/// Runs it and prints what it did.
pub async fn run(services: &ServiceContext, args: EraseArgs) -> anyhow::Result<()> {
    let report = erasure::erase_from_command_line(services, &args.email, args.dry_run).await?;
    for line in report_lines(&report) {
        println!("{line}");
    }
    Ok(())
}
