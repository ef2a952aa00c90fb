//! A company's key root in a bucket: one path segment under which every object Hopper
//! writes for that company there lies. Set by the operator, never by a company admin; one
//! segment, so two roots in a bucket can only overlap by being equal, which the database
//! refuses.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRoot(String);

const MAX_LEN: usize = 63;

impl KeyRoot {
    pub fn parse(value: &str) -> Result<KeyRoot, String> {
        let value = value.trim();
        if value.is_empty() || value.len() > MAX_LEN {
            return Err(format!("A key root has 1 to {MAX_LEN} characters."));
        }
        let first_ok = value
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        let rest_ok = value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !first_ok || !rest_ok {
            return Err(
                "A key root is one segment of lowercase letters, digits, - and _, starting with \
                 a letter or digit."
                    .into(),
            );
        }
        Ok(KeyRoot(value.to_owned()))
    }

    /// The default root of a company: its code in lower case.
    pub fn for_company(company_code: &str) -> Result<KeyRoot, String> {
        KeyRoot::parse(&company_code.to_lowercase())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::KeyRoot;

    #[test]
    fn a_root_is_one_plain_segment() {
        assert_eq!(KeyRoot::for_company("ACME_EU").unwrap().as_str(), "acme_eu");
        for bad in ["", "a/b", "../x", "-x", "Acme", "a b", &"x".repeat(64)] {
            assert!(KeyRoot::parse(bad).is_err(), "{bad:?}");
        }
    }
}
