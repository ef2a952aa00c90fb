//! Writing the zip. rawzip writes to any `Write` without seeking (sizes and CRCs in data
//! descriptors, ZIP64 records when an entry or the archive passes 4 GiB), so the archive
//! is made on a blocking thread into a small channel that the response drains: memory is
//! the channel's few chunks plus one S3 read, whatever the cycle holds. Reads from the
//! database and S3 go back to the runtime through its handle. A download cancelled by the
//! client closes the channel, and the next write ends the thread.

use std::io::{self, Write};

use bytes::{Buf, Bytes, BytesMut};
use sha2::{Digest, Sha256};
use tokio::runtime::Handle;
use tokio::sync::mpsc;

use crate::services::evidence_export::gather::ExportedFile;

/// What the response receives: a chunk, or the error that cut the archive short.
pub type Chunk = Result<Bytes, io::Error>;

const CHUNK: usize = 256 * 1024;
/// A large object is read as ranges of this size, a few ahead of the archive: one GET
/// stream reads at about half what the store serves (BENCHMARKS.md).
const RANGE: i64 = 8 * 1024 * 1024;
/// Ranges in flight: memory per export is at most this many ranges.
const RANGES_AHEAD: usize = 4;

/// A `Write` that hands full chunks to the response.
pub struct ChannelSink {
    tx: mpsc::Sender<Chunk>,
    buffer: BytesMut,
}

impl ChannelSink {
    pub fn new(tx: mpsc::Sender<Chunk>) -> Self {
        Self {
            tx,
            buffer: BytesMut::with_capacity(CHUNK),
        }
    }

    fn send(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = self.buffer.split().freeze();
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the download was cancelled"))
    }

    /// Tells the response the archive could not be finished (it ends unreadable, which a
    /// zip reader reports, rather than short and seemingly whole).
    pub fn fail(self, error: io::Error) {
        let _ = self.tx.blocking_send(Err(error));
    }
}

impl Write for ChannelSink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(data);
        if self.buffer.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

pub fn zip_error(e: rawzip::Error) -> io::Error {
    io::Error::other(e.to_string())
}

/// Adds one small entry whose bytes are at hand.
pub fn add_whole<W: Write>(
    archive: &mut rawzip::ZipArchiveWriter<W>,
    name: &str,
    bytes: &[u8],
) -> io::Result<()> {
    let (mut entry, config) = archive.new_file(name).start().map_err(zip_error)?;
    let mut writer = config.wrap(&mut entry);
    writer.write_all(bytes)?;
    let (_, descriptor) = writer.finish().map_err(zip_error)?;
    entry.finish(descriptor).map_err(zip_error)?;
    Ok(())
}

/// How one file's bytes went into the archive: its SHA-256 as read back from S3, or why
/// it could not be read (the entry then stays empty and the manifest says so).
pub enum Copied {
    Verified,
    /// Retention deleted the bytes before the export (when, why).
    Retired(String),
    Differs(String),
    Unreadable(String),
}

impl Copied {
    pub fn words(&self) -> String {
        match self {
            Copied::Verified => "verified".to_owned(),
            Copied::Retired(when_why) => format!("DELETED by retention {when_why}"),
            Copied::Differs(actual) => format!("DIFFERS: the stored bytes hash to {actual}"),
            Copied::Unreadable(why) => format!("MISSING: {why}"),
        }
    }
}

/// Streams one stored file from S3 into the archive, hashing it on the way.
pub fn add_file<W: Write>(
    archive: &mut rawzip::ZipArchiveWriter<W>,
    handle: &Handle,
    client: &aws_sdk_s3::Client,
    file: &ExportedFile,
) -> io::Result<Copied> {
    let name = format!("files/{}", file.path);
    let (mut entry, config) = archive.new_file(name.as_str()).start().map_err(zip_error)?;
    let mut writer = config.wrap(&mut entry);
    if file.size > RANGE {
        let copied = copy_ranges(&mut writer, handle, client, file)?;
        let (_, descriptor) = writer.finish().map_err(zip_error)?;
        entry.finish(descriptor).map_err(zip_error)?;
        return Ok(copied);
    }
    let object = handle.block_on(
        client
            .get_object()
            .bucket(&file.location.bucket_name)
            .key(&file.key)
            .send(),
    );
    let copied = match object {
        Err(e) => Copied::Unreadable(aws_sdk_s3::error::DisplayErrorContext(&e).to_string()),
        Ok(object) => {
            let mut body = object.body;
            let mut hasher = Sha256::new();
            let mut failed = None;
            loop {
                match handle.block_on(body.next()) {
                    None => break,
                    Some(Ok(bytes)) => {
                        hasher.update(&bytes);
                        writer.write_all(&bytes)?;
                    }
                    Some(Err(e)) => {
                        failed = Some(e.to_string());
                        break;
                    }
                }
            }
            match failed {
                // Cut off half-way: what arrived is in the entry; the manifest says so.
                Some(why) => Copied::Unreadable(format!("the read from storage broke off: {why}")),
                None => {
                    let actual = hex::encode(hasher.finalize());
                    if actual == file.sha256 {
                        Copied::Verified
                    } else {
                        Copied::Differs(actual)
                    }
                }
            }
        }
    };
    let (_, descriptor) = writer.finish().map_err(zip_error)?;
    entry.finish(descriptor).map_err(zip_error)?;
    Ok(copied)
}

/// A large object read as ranges, `RANGES_AHEAD` in flight and written in order.
fn copy_ranges(
    writer: &mut impl Write,
    handle: &Handle,
    client: &aws_sdk_s3::Client,
    file: &ExportedFile,
) -> io::Result<Copied> {
    use futures_util::StreamExt;
    let (client, bucket, key, size) = (
        client.clone(),
        file.location.bucket_name.clone(),
        file.key.clone(),
        file.size,
    );
    let mut ranges = futures_util::stream::iter((0..size).step_by(RANGE as usize))
        .map(move |start| {
            let (client, bucket, key) = (client.clone(), bucket.clone(), key.clone());
            async move {
                let end = (start + RANGE).min(size) - 1;
                let object = client
                    .get_object()
                    .bucket(bucket)
                    .key(key)
                    .range(format!("bytes={start}-{end}"))
                    .send()
                    .await
                    .map_err(|e| aws_sdk_s3::error::DisplayErrorContext(&e).to_string())?;
                // Kept as the chunks that arrived (`into_bytes` would copy them into one).
                let bytes = object
                    .body
                    .collect()
                    .await
                    .map_err(|e| format!("the read from storage broke off: {e}"))?;
                if bytes.remaining() as i64 != end + 1 - start {
                    return Err(format!(
                        "storage holds fewer bytes than recorded (a range of {} came back as {})",
                        end + 1 - start,
                        bytes.remaining()
                    ));
                }
                Ok::<_, String>(bytes)
            }
        })
        .buffered(RANGES_AHEAD);
    let mut hasher = Sha256::new();
    while let Some(range) = handle.block_on(ranges.next()) {
        match range {
            Ok(mut bytes) => {
                while bytes.has_remaining() {
                    let chunk = bytes.chunk();
                    hasher.update(chunk);
                    writer.write_all(chunk)?;
                    let written = chunk.len();
                    bytes.advance(written);
                }
            }
            // Cut off half-way: what arrived is in the entry; the manifest says so.
            Err(why) => return Ok(Copied::Unreadable(why)),
        }
    }
    let actual = hex::encode(hasher.finalize());
    Ok(if actual == file.sha256 {
        Copied::Verified
    } else {
        Copied::Differs(actual)
    })
}
