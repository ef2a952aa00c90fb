//! RFC 6238 codes through `totp-rs`: SHA-1, 6 digits, 30-second steps, one step either
//! side for clocks that drift. Which step a code matched is what makes a code usable once.

use chrono::{DateTime, Utc};
use rand::RngCore;
use totp_rs::{Algorithm, TOTP};

use crate::error::AppError;

pub const STEP_SECONDS: u64 = 30;
const DIGITS: usize = 6;
/// Steps accepted either side of the current one.
const SKEW_STEPS: i64 = 1;
/// 160 bits, the size of SHA-1's output, as RFC 4226 recommends.
const SECRET_BYTES: usize = 20;
const ISSUER: &str = "Hopper";

pub fn new_secret() -> Vec<u8> {
    let mut secret = vec![0u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut secret);
    secret
}

fn totp(secret: &[u8], account: &str) -> Result<TOTP, AppError> {
    // The otpauth label is `issuer:account`: a colon in the account would split it.
    let account = account.replace(':', "_");
    TOTP::new(
        Algorithm::SHA1,
        DIGITS,
        0,
        STEP_SECONDS,
        secret.to_vec(),
        Some(ISSUER.to_owned()),
        account,
    )
    .map_err(|e| AppError::Unexpected(anyhow::anyhow!("TOTP parameters refused: {e:?}")))
}

/// What an authenticator app needs: the `otpauth://` URI, its QR code as a PNG data URI,
/// and the secret in base32 for typing in.
pub struct Provisioning {
    pub uri: String,
    pub qr_data_uri: String,
    pub secret_base32: String,
}

pub fn provisioning(secret: &[u8], account: &str) -> Result<Provisioning, AppError> {
    let totp = totp(secret, account)?;
    let qr = totp
        .get_qr_base64()
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("QR code: {e}")))?;
    Ok(Provisioning {
        uri: totp.get_url(),
        qr_data_uri: format!("data:image/png;base64,{qr}"),
        secret_base32: totp.get_secret_base32(),
    })
}

fn step_of(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(STEP_SECONDS as i64)
}

/// The step whose code `code` is (within the skew, and later than `after`), if any.
pub fn matching_step(
    secret: &[u8],
    code: &str,
    now: DateTime<Utc>,
    after: Option<i64>,
) -> Result<Option<i64>, AppError> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS || !code.chars().all(|c| c.is_ascii_digit()) {
        return Ok(None);
    }
    let totp = totp(secret, "check")?;
    let current = step_of(now);
    for step in current - SKEW_STEPS..=current + SKEW_STEPS {
        if step < 0 || after.is_some_and(|used| step <= used) {
            continue;
        }
        let expected = totp.generate(step as u64 * STEP_SECONDS);
        if subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), code.as_bytes()).into() {
            return Ok(Some(step));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B: the SHA-1 secret "12345678901234567890" (8-digit codes there;
    /// these are their last six digits, which is what a 6-digit code is).
    #[test]
    fn the_rfc_6238_vectors_match() {
        let secret = b"12345678901234567890";
        for (time, code) in [
            (59_i64, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            let at = DateTime::from_timestamp(time, 0).expect("time");
            assert_eq!(
                matching_step(secret, code, at, None).expect("check"),
                Some(step_of(at)),
                "{time}"
            );
        }
    }

    #[test]
    fn a_used_step_and_steps_beyond_the_skew_are_refused() {
        let secret = b"12345678901234567890";
        let at = DateTime::from_timestamp(59, 0).expect("time");
        assert_eq!(
            matching_step(secret, "287082", at, Some(1)).expect("check"),
            None
        );
        let later = DateTime::from_timestamp(59 + 90, 0).expect("time");
        assert_eq!(
            matching_step(secret, "287082", later, None).expect("check"),
            None
        );
        assert_eq!(
            matching_step(secret, "28708", at, None).expect("check"),
            None
        );
    }
}
