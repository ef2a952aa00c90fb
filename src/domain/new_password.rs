//! A password someone chose: long enough, not too long, not a well-known one.

use crate::config::Secret;

pub const MIN_LENGTH: usize = 10;
/// Generous, so passphrases are never truncated, yet bounded so hashing stays cheap.
pub const MAX_LENGTH: usize = 1024;

/// Passwords that appear at the top of every breach list (and the seed's default).
const COMMON: &[&str] = &[
    "123456789012",
    "1234567890",
    "12345678910",
    "admin12345",
    "admin123456",
    "administrator",
    "password123",
    "password1234",
    "password12",
    "passw0rd123",
    "qwertyuiop",
    "qwerty12345",
    "qwerty123456",
    "iloveyou123",
    "1q2w3e4r5t",
    "1qaz2wsx3edc",
    "abc1234567",
    "abcdefghij",
    "letmein123",
    "welcome123",
    "welcome1234",
    "changeme123",
    "football123",
    "baseball123",
    "monkey12345",
    "sunshine123",
    "princess123",
    "dragon12345",
    "0123456789",
    "9876543210",
    "1111111111",
    "0000000000",
    "aaaaaaaaaa",
    "zaq12wsxcde",
    "trustno1234",
    "superman123",
    "hopper12345",
    "hopperadmin",
    "admin123admin",
];

#[derive(Debug, Clone)]
pub struct NewPassword(Secret);

impl NewPassword {
    /// Checks a new password; the message says what to change.
    pub fn parse(candidate: &str, username: &str) -> Result<NewPassword, String> {
        let length = candidate.chars().count();
        if length < MIN_LENGTH {
            return Err(format!("Use at least {MIN_LENGTH} characters."));
        }
        if length > MAX_LENGTH {
            return Err(format!("Use at most {MAX_LENGTH} characters."));
        }
        let lowered = candidate.to_lowercase();
        if COMMON.contains(&lowered.as_str()) {
            return Err("This password is too common; choose another.".into());
        }
        if lowered.contains(&username.to_lowercase()) && !username.is_empty() {
            return Err("The password must not contain your username.".into());
        }
        let first = candidate.chars().next();
        if candidate.chars().all(|c| Some(c) == first) {
            return Err("The password must not repeat one character.".into());
        }
        Ok(NewPassword(Secret::new(candidate)))
    }

    pub fn secret(&self) -> &Secret {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_short_common_and_username_passwords() {
        assert!(NewPassword::parse("short", "alice").is_err());
        assert!(NewPassword::parse("Password123", "alice").is_err());
        assert!(NewPassword::parse("alice-is-great", "alice").is_err());
        assert!(NewPassword::parse("zzzzzzzzzzzz", "alice").is_err());
    }

    #[test]
    fn accepts_long_unicode_passphrases_untruncated() {
        let long = "çava-bien-🙂-".repeat(10);
        let parsed = NewPassword::parse(&long, "alice").expect("valid");
        assert_eq!(parsed.secret().expose(), long);
    }
}
