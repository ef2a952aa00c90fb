//! Reading an object back to learn what S3 actually holds: used when Hopper cannot tell
//! whether a completion took effect (the answer was lost, the node died, the commit
//! failed), never on the normal path.

use aws_sdk_s3::error::DisplayErrorContext;
use sha2::{Digest, Sha256};

use crate::storage::ObjectTarget;

/// What is stored at a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    Nothing,
    Object { size: u64, sha256: String },
}

impl ObjectTarget {
    /// Streams the object through SHA-256 (bounded memory, whatever its size).
    pub async fn read_back(&self) -> Result<Stored, String> {
        let Some(mut reader) = self.open_read().await? else {
            return Ok(Stored::Nothing);
        };
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        while let Some(chunk) = reader.next_chunk().await? {
            size += chunk.len() as u64;
            hasher.update(&chunk);
        }
        Ok(Stored::Object {
            size,
            sha256: hex::encode(hasher.finalize()),
        })
    }

    /// Deletes the object (S3 answers success for a key that is already gone).
    pub async fn delete(&self) -> Result<(), String> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(&self.key)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| DisplayErrorContext(e).to_string())
    }

    /// Moves the object to `key` in the same bucket: copied (S3's CopyObject, up to 5 GiB),
    /// then deleted here. A copy that fails leaves the object where it was.
    pub async fn move_to(&self, key: &str) -> Result<(), String> {
        // CopySource is `bucket/key`, URL-encoded; the key's slashes stay.
        const KEY: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
            .remove(b'/')
            .remove(b'-')
            .remove(b'_')
            .remove(b'.')
            .remove(b'~');
        let source = format!(
            "{}/{}",
            self.bucket,
            percent_encoding::utf8_percent_encode(&self.key, KEY)
        );
        self.client
            .copy_object()
            .bucket(&self.bucket)
            .key(key)
            .copy_source(source)
            .send()
            .await
            .map_err(|e| DisplayErrorContext(e).to_string())?;
        self.delete().await
    }

    /// Opens the object for reading in order, chunk by chunk (bounded memory); `None` when
    /// nothing is stored at the key.
    pub async fn open_read(&self) -> Result<Option<ObjectReader>, String> {
        let response = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(&self.key)
            .send()
            .await;
        match response {
            Ok(object) => Ok(Some(ObjectReader { body: object.body })),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_no_such_key()) => Ok(None),
            Err(e) => Err(DisplayErrorContext(e).to_string()),
        }
    }
}

/// An object's bytes as S3 sends them.
pub struct ObjectReader {
    body: aws_sdk_s3::primitives::ByteStream,
}

impl ObjectReader {
    /// The next chunk; `None` at the end.
    pub async fn next_chunk(&mut self) -> Result<Option<bytes::Bytes>, String> {
        self.body
            .try_next()
            .await
            .map_err(|e| DisplayErrorContext(e).to_string())
    }
}
