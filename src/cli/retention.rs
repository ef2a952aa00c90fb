//! `hopper retention run [--dry-run]`: retention, once, as the daily sweep runs it.

use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// Delete the bytes of files kept past their project's retention (their rows stay as
    /// tombstones); files under legal hold are kept. Prints one line per file.
    Run(RetentionRunArgs),
}

#[derive(Debug, Args)]
pub struct RetentionRunArgs {
    /// Print what would be deleted; delete nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// A size as people read it.
fn size(bytes: Option<i64>) -> String {
    bytes.map_or_else(|| "?".to_owned(), |b| format!("{b} bytes"))
}

/// What a run did (or would do), one line per file, then a summary.
pub fn report_lines(report: &crate::services::retention::RetentionReport) -> Vec<String> {
    if report.busy {
        return vec!["retention: another node is running retention right now; nothing done".into()];
    }
    let verb = if report.dry_run {
        "would delete"
    } else {
        "deleted"
    };
    let said = |what: &str, line: &crate::services::retention::RetentionLine| {
        format!(
            "{what}: {} / {} / {} / {} ({}): {}",
            line.company,
            line.project,
            line.cycle,
            line.path,
            size(line.size),
            line.why
        )
    };
    let mut lines: Vec<String> = report.deleted.iter().map(|l| said(verb, l)).collect();
    lines.extend(report.held.iter().map(|l| said("kept", l)));
    let total: i64 = report.deleted.iter().filter_map(|l| l.size).sum();
    lines.push(if report.dry_run {
        format!(
            "dry run: {} files ({total} bytes) would be deleted, {} kept under legal hold; nothing was deleted",
            report.deleted.len(),
            report.held.len()
        )
    } else {
        format!(
            "retention: {} files ({total} bytes) deleted, {} kept under legal hold; {} objects removed from storage, {} still to remove (storage unreachable; the next run retries)",
            report.deleted.len(),
            report.held.len(),
            report.bytes_deleted,
            report.bytes_pending
        )
    });
    if !report.locked_until.is_empty() {
        let last = report.locked_until.iter().map(|(_, until)| *until).max();
        lines.push(format!(
            "{} objects are kept by S3 Object Lock (until {} at the latest); a run after their retain-until date deletes them",
            report.locked_until.len(),
            last.map_or_else(String::new, |d| d.format("%Y-%m-%d %H:%M UTC").to_string())
        ));
    }
    lines
}
