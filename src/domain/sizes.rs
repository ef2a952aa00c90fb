//! Sizes as people read them.

/// `1.5 GiB`, `12 KiB`, `7 B`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// S3's multipart limits: every part but the last is 5 MiB to 5 GiB, and an object has
/// at most 10,000 parts.
pub const MIN_PART_SIZE: usize = 5 * 1024 * 1024;
pub const MAX_PART_SIZE: usize = 5 * 1024 * 1024 * 1024;
pub const MAX_PARTS: u64 = 10_000;

/// A part size S3 takes: `wanted`, raised to 5 MiB or lowered to 5 GiB.
pub fn part_size_within_s3_limits(wanted: usize) -> usize {
    wanted.clamp(MIN_PART_SIZE, MAX_PART_SIZE)
}

/// The largest file accepted: `max_file_size`, or less when more than 10,000 parts of
/// `part_size` would be needed (a larger file is refused before its bytes move).
pub fn largest_file(part_size: usize, max_file_size: u64) -> u64 {
    max_file_size.min((part_size as u64).saturating_mul(MAX_PARTS))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: usize = 1024 * 1024;

    #[test]
    fn a_part_size_outside_what_s3_takes_is_brought_within_it() {
        assert_eq!(part_size_within_s3_limits(0), 5 * MIB);
        assert_eq!(part_size_within_s3_limits(MIB), 5 * MIB);
        assert_eq!(part_size_within_s3_limits(5 * MIB - 1), 5 * MIB);
        assert_eq!(part_size_within_s3_limits(8 * MIB), 8 * MIB);
        assert_eq!(part_size_within_s3_limits(5120 * MIB), 5120 * MIB);
        assert_eq!(part_size_within_s3_limits(5121 * MIB), 5120 * MIB);
    }

    #[test]
    fn no_file_needs_more_than_10000_parts() {
        const GIB: u64 = 1024 * 1024 * 1024;
        // 8 MiB parts: 10,000 of them are 78.1 GiB, above the default 5 GiB limit.
        assert_eq!(largest_file(8 * MIB, 5 * GIB), 5 * GIB);
        // 5 MiB parts and a 1 TiB limit: the limit comes down to 10,000 parts.
        let capped = largest_file(5 * MIB, 1024 * GIB);
        assert_eq!(capped, 50_000 * MIB as u64);
        assert_eq!(capped.div_ceil(5 * MIB as u64), MAX_PARTS);
        assert_eq!(largest_file(MAX_PART_SIZE, u64::MAX), 50_000 * GIB);
    }

    #[test]
    fn an_upload_config_is_brought_within_s3_limits() {
        let config = crate::config::UploadConfig {
            part_size: MIB,
            max_file_size: u64::MAX,
            ..Default::default()
        }
        .within_s3_limits();
        assert_eq!(config.part_size, 5 * MIB);
        assert_eq!(config.max_file_size, 50_000 * MIB as u64);
        let default = crate::config::UploadConfig::default();
        let kept = default.clone().within_s3_limits();
        assert_eq!(
            (kept.part_size, kept.max_file_size),
            (default.part_size, default.max_file_size)
        );
    }
}
