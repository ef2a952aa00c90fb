//! SHA-256 whose state can be stored between requests: a resumable upload hashes each
//! part as it lands, saves the state (40 bytes) with the part, and any node continues
//! from there. The file is never read back to recompute the hash.
//!
//! The compression is `sha2`'s own (`compress256`, with its SHA-NI/assembly backends);
//! this type only keeps the running state and the length, and pads at the end as
//! FIPS 180-4 §5.1.1 says. Parts are whole 64-byte blocks (every part but the last is a
//! multiple of 1 MiB), so no partial block is ever carried between requests.

use sha2::digest::generic_array::GenericArray;

const INITIAL: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

/// Bytes of a stored state: eight state words and the length, big-endian.
pub const STATE_BYTES: usize = 40;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResumableSha256 {
    state: [u32; 8],
    /// Bytes hashed so far (always a multiple of 64).
    length: u64,
}

impl Default for ResumableSha256 {
    fn default() -> Self {
        Self {
            state: INITIAL,
            length: 0,
        }
    }
}

impl ResumableSha256 {
    /// Bytes hashed so far.
    pub fn length(&self) -> u64 {
        self.length
    }

    /// Hashes whole blocks; `bytes.len()` must be a multiple of 64 (else `Err`, and the
    /// state is unchanged).
    pub fn update_blocks(&mut self, bytes: &[u8]) -> Result<(), &'static str> {
        if bytes.len() % 64 != 0 {
            return Err("a part that is not a whole number of 64-byte blocks");
        }
        // One block at a time, straight from the caller's buffer (no copy of the part).
        for block in bytes.chunks_exact(64) {
            sha2::compress256(
                &mut self.state,
                std::slice::from_ref(GenericArray::from_slice(block)),
            );
        }
        self.length += bytes.len() as u64;
        Ok(())
    }

    /// The digest of everything hashed plus `rest` (any length).
    pub fn finish(mut self, rest: &[u8]) -> [u8; 32] {
        let whole = rest.len() - rest.len() % 64;
        // Cannot fail: `whole` is a multiple of 64.
        let _ = self.update_blocks(&rest[..whole]);
        let tail = &rest[whole..];
        let bits = (self.length + tail.len() as u64).wrapping_mul(8);
        let mut last = Vec::with_capacity(128);
        last.extend_from_slice(tail);
        last.push(0x80);
        while last.len() % 64 != 56 {
            last.push(0);
        }
        last.extend_from_slice(&bits.to_be_bytes());
        let _ = self.update_blocks(&last);
        let mut out = [0u8; 32];
        for (chunk, word) in out.chunks_exact_mut(4).zip(self.state) {
            chunk.copy_from_slice(&word.to_be_bytes());
        }
        out
    }

    pub fn to_bytes(&self) -> [u8; STATE_BYTES] {
        let mut out = [0u8; STATE_BYTES];
        for (chunk, word) in out[..32].chunks_exact_mut(4).zip(self.state) {
            chunk.copy_from_slice(&word.to_be_bytes());
        }
        out[32..].copy_from_slice(&self.length.to_be_bytes());
        out
    }

    /// A stored state; `None` for bytes that are not one.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != STATE_BYTES {
            return None;
        }
        let mut state = [0u32; 8];
        for (word, chunk) in state.iter_mut().zip(bytes[..32].chunks_exact(4)) {
            *word = u32::from_be_bytes(chunk.try_into().ok()?);
        }
        let length = u64::from_be_bytes(bytes[32..].try_into().ok()?);
        (length % 64 == 0).then_some(Self { state, length })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    fn bytes(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 31 % 251) as u8).collect()
    }

    #[test]
    fn equals_sha256_across_stored_states_for_every_tail_length() {
        for tail in [0usize, 1, 55, 56, 63, 64, 65, 119, 120, 1000] {
            for parts in [0usize, 1, 3] {
                let data = bytes(parts * 128 + tail);
                let mut hasher = ResumableSha256::default();
                for part in data[..parts * 128].chunks(128) {
                    hasher.update_blocks(part).unwrap();
                    // As if another node picked up from the stored state.
                    hasher = ResumableSha256::from_bytes(&hasher.to_bytes()).unwrap();
                }
                let ours = hasher.finish(&data[parts * 128..]);
                assert_eq!(
                    ours.to_vec(),
                    Sha256::digest(&data).to_vec(),
                    "{parts} parts, tail {tail}"
                );
            }
        }
    }

    #[test]
    fn partial_blocks_and_foreign_states_are_refused() {
        let mut hasher = ResumableSha256::default();
        assert!(hasher.update_blocks(&[0; 65]).is_err());
        assert_eq!(hasher.length(), 0);
        assert!(ResumableSha256::from_bytes(&[0; 39]).is_none());
        let mut odd = ResumableSha256::default().to_bytes();
        odd[39] = 1;
        assert!(
            ResumableSha256::from_bytes(&odd).is_none(),
            "a length off the block grid"
        );
    }
}
