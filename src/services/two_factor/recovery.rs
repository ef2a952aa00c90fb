//! Recovery codes: ten per user, shown once, kept as SHA-256. Each carries 80 random bits
//! (16 base32 characters, shown in groups of four), so a fast hash is enough and a guess
//! is hopeless.

use rand::RngCore;
use sha2::{Digest, Sha256};

pub const COUNT: usize = 10;
const ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";
const CHARS: usize = 16;

/// A new code, as shown: `abcd-efgh-jkmn-pqrs`.
pub fn new_code() -> String {
    let mut bytes = [0u8; CHARS];
    rand::rng().fill_bytes(&mut bytes);
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(b % 32)]))
        .collect();
    chars
        .chunks(4)
        .map(|group| group.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// The code as typed, without separators or case, or `None` when it cannot be one.
fn normalised(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (code.len() == CHARS && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

/// What is stored of a code; `None` when `typed` cannot be a recovery code.
pub fn digest(typed: &str) -> Option<Vec<u8>> {
    normalised(typed).map(|code| Sha256::digest(code.as_bytes()).to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_found_however_it_is_typed() {
        let code = new_code();
        assert_eq!(code.len(), 19);
        assert_eq!(
            digest(&code),
            digest(&code.to_uppercase().replace('-', " "))
        );
        assert!(digest("123456").is_none());
    }
}
