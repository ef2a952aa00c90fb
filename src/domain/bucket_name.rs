//! S3 general-purpose bucket naming rules, as AWS documents them, so a project cannot be
//! bound to a bucket S3 would refuse.

use std::net::Ipv4Addr;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketName(String);

const RESERVED_PREFIXES: [&str; 3] = ["xn--", "sthree-", "amzn-s3-demo-"];
const RESERVED_SUFFIXES: [&str; 5] = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];

impl BucketName {
    pub fn parse(value: &str) -> Result<BucketName, String> {
        let name = value.trim();
        if name.len() < 3 || name.len() > 63 {
            return Err("A bucket name has 3 to 63 characters.".into());
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
        {
            return Err(
                "A bucket name uses only lowercase letters, digits, dots (.) and hyphens (-)."
                    .into(),
            );
        }
        let alphanumeric = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
        if !alphanumeric(name.chars().next()) || !alphanumeric(name.chars().last()) {
            return Err("A bucket name begins and ends with a letter or a digit.".into());
        }
        if name.contains("..") {
            return Err("A bucket name has no two dots in a row.".into());
        }
        if name.parse::<Ipv4Addr>().is_ok() {
            return Err("A bucket name cannot look like an IP address.".into());
        }
        if let Some(prefix) = RESERVED_PREFIXES.iter().find(|p| name.starts_with(*p)) {
            return Err(format!("A bucket name cannot begin with {prefix:?}."));
        }
        if let Some(suffix) = RESERVED_SUFFIXES.iter().find(|s| name.ends_with(*s)) {
            return Err(format!("A bucket name cannot end with {suffix:?}."));
        }
        Ok(BucketName(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::BucketName;

    #[test]
    fn accepts_what_s3_accepts() {
        for ok in ["abc", "my-bucket.2026", "a1b", &"x".repeat(63)] {
            assert!(BucketName::parse(ok).is_ok(), "{ok} should be accepted");
        }
    }

    #[test]
    fn refuses_what_s3_refuses() {
        for bad in [
            "ab",
            &"x".repeat(64),
            "My-Bucket",
            "under_score",
            "-leading",
            "trailing-",
            "two..dots",
            "192.168.5.4",
            "xn--bucket",
            "sthree-bucket",
            "bucket-s3alias",
            "bucket--ol-s3",
            "bucket.mrap",
            "bück",
        ] {
            assert!(BucketName::parse(bad).is_err(), "{bad} should be refused");
        }
    }
}
