//! Random secrets handed to browsers: CSRF tokens, share-link tokens.

use base64::Engine;
use rand::RngCore;

/// 256 random bits, URL-safe base64 without padding.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
