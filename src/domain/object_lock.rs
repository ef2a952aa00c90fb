//! S3 Object Lock as a storage location declares it: the mode every object is written
//! with, and for how many days from its write.

crate::text_enum! {
    /// `storage_locations.object_lock_mode`. Governance: a user with the special right
    /// (s3:BypassGovernanceRetention) can still delete early. Compliance: nobody can, not
    /// even the bucket's owner, until the retain-until date.
    pub enum ObjectLockMode {
        Governance = "governance", "Governance";
        Compliance = "compliance", "Compliance";
    }
}

/// The lock a location declares: its mode and its retention in days (1 to 36500).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectLockRule {
    pub mode: ObjectLockMode,
    pub days: i32,
}

impl ObjectLockRule {
    /// From the form's mode ("" for none) and days.
    pub fn parse(mode: &str, days: &str) -> Result<Option<ObjectLockRule>, &'static str> {
        let mode = match mode.trim() {
            "" | "none" => return Ok(None),
            other => ObjectLockMode::parse(other).ok_or("Choose governance or compliance.")?,
        };
        let days = days
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|d| (1..=36500).contains(d))
            .ok_or("Object Lock keeps each object 1 to 36500 days.")?;
        Ok(Some(ObjectLockRule { mode, days }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_needs_a_mode_and_days_in_range() {
        assert_eq!(ObjectLockRule::parse("", "5"), Ok(None));
        assert_eq!(
            ObjectLockRule::parse("compliance", "30"),
            Ok(Some(ObjectLockRule {
                mode: ObjectLockMode::Compliance,
                days: 30
            }))
        );
        assert!(ObjectLockRule::parse("compliance", "0").is_err());
        assert!(ObjectLockRule::parse("strict", "3").is_err());
    }
}
