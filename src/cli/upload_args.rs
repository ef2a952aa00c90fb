//! The upload limits of `hopper serve` (flags and environment).

use std::time::Duration;

use clap::Args;

use crate::config::UploadConfig;

#[derive(Debug, Clone, Args)]
pub struct UploadArgs {
    /// S3 multipart part size in MiB (5–5120); smaller files are one PutObject.
    #[arg(
        long,
        env = "HOPPER_UPLOAD_PART_MIB",
        default_value_t = 8,
        global = true
    )]
    pub upload_part_mib: usize,

    /// Largest file accepted, in MiB.
    #[arg(long, env = "HOPPER_UPLOAD_MAX_FILE_MIB", default_value_t = 5 * 1024, global = true)]
    pub upload_max_file_mib: u64,

    /// Most files in one upload batch.
    #[arg(
        long,
        env = "HOPPER_UPLOAD_MAX_FILES",
        default_value_t = 1000,
        global = true
    )]
    pub upload_max_files: usize,

    /// Part buffers in flight on this node (memory ≈ this × part size; at least 3: an
    /// upload fills one while two are sent).
    #[arg(
        long,
        env = "HOPPER_UPLOAD_MAX_PART_BUFFERS",
        default_value_t = 16,
        global = true
    )]
    pub upload_max_part_buffers: usize,

    /// Slowest upload body accepted, in KiB/s (measured while Hopper waits for the client).
    #[arg(
        long,
        env = "HOPPER_UPLOAD_MIN_KIB_PER_SEC",
        default_value_t = 16,
        global = true
    )]
    pub upload_min_kib_per_sec: u64,

    /// Longest an upload request may take, in minutes.
    #[arg(
        long,
        env = "HOPPER_UPLOAD_MAX_MINUTES",
        default_value_t = 360,
        global = true
    )]
    pub upload_max_minutes: u64,

    /// Upload batches one user may run at once.
    #[arg(
        long,
        env = "HOPPER_UPLOAD_BATCHES_PER_USER",
        default_value_t = 4,
        global = true
    )]
    pub upload_batches_per_user: usize,

    /// Upload batches this node runs at once.
    #[arg(
        long,
        env = "HOPPER_UPLOAD_BATCHES_PER_NODE",
        default_value_t = 64,
        global = true
    )]
    pub upload_batches_per_node: usize,

    /// Files one user may be sending at once through resumable uploads (`hopper sync`
    /// sends 8).
    #[arg(
        long,
        env = "HOPPER_UPLOAD_WRITERS_PER_USER",
        default_value_t = 8,
        global = true
    )]
    pub upload_writers_per_user: usize,

    /// The most one company holds of this node's part buffers, batches and resumable
    /// uploads sending at once, in percent (whatever its number of accounts).
    #[arg(
        long,
        env = "HOPPER_UPLOAD_COMPANY_SHARE_PERCENT",
        default_value_t = 25,
        value_parser = clap::value_parser!(u8).range(1..=100),
        global = true
    )]
    pub upload_company_share_percent: u8,

    /// Stream each part of a resumable upload to S3 as it arrives (no part held in
    /// memory); `false` holds every part whole first, for a store that cuts long slow
    /// requests. Object Lock locations and signed payloads always hold parts whole.
    #[arg(
        long,
        env = "HOPPER_UPLOAD_STREAM_PARTS",
        default_value_t = true,
        action = clap::ArgAction::Set,
        global = true
    )]
    pub upload_stream_parts: bool,
}

impl UploadArgs {
    pub fn config(&self) -> UploadConfig {
        UploadConfig {
            part_size: crate::domain::sizes::part_size_within_s3_limits(
                self.upload_part_mib.saturating_mul(1024 * 1024),
            ),
            max_file_size: self.upload_max_file_mib.max(1) * 1024 * 1024,
            max_files_per_batch: self.upload_max_files.max(1),
            // Each upload holds up to one part buffer filling and the parts sending.
            max_part_buffers: self
                .upload_max_part_buffers
                .max(crate::storage::multipart::PARTS_IN_FLIGHT + 1),
            min_rate: self.upload_min_kib_per_sec * 1024,
            max_request_duration: Duration::from_secs(self.upload_max_minutes.max(1) * 60),
            max_batches_per_user: self.upload_batches_per_user.max(1),
            max_batches_per_node: self.upload_batches_per_node.max(1),
            max_writers_per_user: self.upload_writers_per_user.max(1),
            company_share_percent: self.upload_company_share_percent.into(),
            stream_parts: self.upload_stream_parts,
            ..UploadConfig::default()
        }
    }
}
