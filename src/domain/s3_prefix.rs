//! The key prefix of a cycle: `{project slug}/C{n}` by default, editable by an admin until
//! the first upload arrives.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Prefix(String);

const MAX_LEN: usize = 100;

/// The folder under a company's key root where its logo lies; no cycle's prefix may be it.
pub const BRANDING_SEGMENT: &str = "_branding";

impl S3Prefix {
    pub fn parse(value: &str) -> Result<S3Prefix, String> {
        let value = value.trim().trim_matches('/');
        if value.is_empty() {
            return Err("Enter a prefix, e.g. my-project/C1.".into());
        }
        if value.len() > MAX_LEN {
            return Err(format!("A prefix has at most {MAX_LEN} characters."));
        }
        if !value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
        {
            return Err("A prefix uses letters, digits, - _ . and / only.".into());
        }
        if value
            .split('/')
            .any(|segment| segment.is_empty() || segment == "." || segment == "..")
        {
            return Err("A prefix has no empty, `.` or `..` segments.".into());
        }
        if value.split('/').next() == Some(BRANDING_SEGMENT) {
            return Err(format!(
                "A prefix may not start with {BRANDING_SEGMENT}: Hopper keeps the company's logo there."
            ));
        }
        Ok(S3Prefix(value.to_owned()))
    }

    /// The default prefix for cycle `number` of a project.
    pub fn derive(project_name: &str, number: i32) -> S3Prefix {
        let mut slug = String::new();
        for c in project_name.chars().flat_map(char::to_lowercase) {
            if c.is_ascii_alphanumeric() {
                slug.push(c);
            } else if !slug.ends_with('-') && !slug.is_empty() {
                slug.push('-');
            }
        }
        let cycle = format!("C{number}");
        let mut slug = slug.trim_end_matches('-').to_owned();
        slug.truncate(MAX_LEN - cycle.len() - 1);
        let slug = slug.trim_end_matches('-');
        if slug.is_empty() {
            S3Prefix(format!("project/{cycle}"))
        } else {
            S3Prefix(format!("{slug}/{cycle}"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::S3Prefix;

    #[test]
    fn derived_prefixes_are_slugs_with_the_cycle() {
        assert_eq!(
            S3Prefix::derive("Annual Report 2026", 3).as_str(),
            "annual-report-2026/C3"
        );
        assert_eq!(S3Prefix::derive("Ünïcode!!", 1).as_str(), "n-code/C1");
        assert_eq!(S3Prefix::derive("***", 2).as_str(), "project/C2");
        assert!(S3Prefix::derive(&"x".repeat(300), 12).as_str().len() <= 100);
        let long = S3Prefix::derive(&"x".repeat(300), 12);
        assert!(S3Prefix::parse(long.as_str()).is_ok());
    }

    #[test]
    fn edited_prefixes_are_checked() {
        assert!(S3Prefix::parse("a/../b").is_err());
        assert!(S3Prefix::parse("a//b").is_err());
        assert!(S3Prefix::parse("a b").is_err());
        assert_eq!(S3Prefix::parse("/a/b/").unwrap().as_str(), "a/b");
        assert!(S3Prefix::parse("_branding/C1").is_err());
        assert!(S3Prefix::parse("x/_branding").is_ok());
    }
}
