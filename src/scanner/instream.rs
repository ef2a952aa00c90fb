//! clamd's `INSTREAM`: `zINSTREAM\0`, then chunks (a 4-byte big-endian length and the
//! bytes), then a zero length; clamd answers `stream: OK`, `stream: <name> FOUND`, or an
//! error such as `INSTREAM size limit exceeded. ERROR` (and closes early in that case).

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufWriter};

use super::{ClamdAddress, ScannerConfig};

/// clamd's largest chunk is bounded by its own buffer; 1 MiB chunks are well within it
/// and few enough that their 4-byte headers cost nothing.
const CHUNK: usize = 1 << 20;
/// An upload's chunks are often small (a form's body arrives in pieces of a few KiB):
/// gathered into writes of this size, each is not a system call of its own.
const WRITE_BUFFER: usize = 256 * 1024;
/// The longest reply read (a signature name is short).
const MAX_REPLY: usize = 4096;

trait Connection: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Connection for T {}

/// What clamd said of a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Clean,
    /// The signature's name (clamd's `.UNOFFICIAL` mark for a local database left off).
    Infected(String),
    /// More bytes than clamd scans in one stream: not scanned.
    TooLarge,
    /// No verdict: clamd could not be reached, broke off or answered something else.
    Unknown(String),
}

enum State {
    Open(Box<dyn Connection>),
    TooLarge,
    Lost(String),
}

/// One stream being scanned: fed in order, once per byte, then asked for its verdict.
pub struct ScanFeed {
    state: State,
    sent: u64,
    max: u64,
    timeout: Duration,
}

async fn connect(config: &ScannerConfig) -> Result<Box<dyn Connection>, String> {
    let connecting = async {
        Ok::<Box<dyn Connection>, std::io::Error>(match &config.address {
            ClamdAddress::Tcp(address) => Box::new(BufWriter::with_capacity(
                WRITE_BUFFER,
                tokio::net::TcpStream::connect(address).await?,
            )),
            ClamdAddress::Unix(path) => Box::new(BufWriter::with_capacity(
                WRITE_BUFFER,
                tokio::net::UnixStream::connect(path).await?,
            )),
        })
    };
    match tokio::time::timeout(config.timeout, connecting).await {
        Ok(Ok(connection)) => Ok(connection),
        Ok(Err(e)) => Err(format!(
            "clamd at {} cannot be reached: {e}",
            config.address
        )),
        Err(_) => Err(format!("clamd at {} did not answer", config.address)),
    }
}

/// Reads clamd's reply, up to its NUL.
async fn reply(connection: &mut Box<dyn Connection>, timeout: Duration) -> Result<String, String> {
    let reading = async {
        connection.flush().await.map_err(|e| e.to_string())?;
        let mut reply = Vec::new();
        let mut byte = [0u8; 256];
        loop {
            let n = connection
                .read(&mut byte)
                .await
                .map_err(|e| e.to_string())?;
            if n == 0 {
                break;
            }
            reply.extend_from_slice(&byte[..n]);
            if reply.contains(&0) || reply.len() > MAX_REPLY {
                break;
            }
        }
        let end = reply.iter().position(|b| *b == 0).unwrap_or(reply.len());
        Ok::<String, String>(String::from_utf8_lossy(&reply[..end]).trim().to_owned())
    };
    match tokio::time::timeout(timeout, reading).await {
        Ok(Ok(reply)) if !reply.is_empty() => Ok(reply),
        Ok(Ok(_)) => Err("clamd closed the connection without a verdict".into()),
        Ok(Err(e)) => Err(format!("clamd's answer broke off: {e}")),
        Err(_) => Err("clamd gave no verdict in time".into()),
    }
}

pub(super) async fn ping(config: &ScannerConfig) -> Result<(), String> {
    let mut connection = connect(config).await?;
    write(&mut connection, b"zPING\0", config.timeout).await?;
    match reply(&mut connection, config.timeout).await?.as_str() {
        "PONG" => Ok(()),
        other => Err(format!("clamd answered {other:?} to PING")),
    }
}

async fn write(
    connection: &mut Box<dyn Connection>,
    bytes: &[u8],
    timeout: Duration,
) -> Result<(), String> {
    match tokio::time::timeout(timeout, connection.write_all(bytes)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(format!("clamd stopped reading: {e}")),
        Err(_) => Err("clamd stopped reading (timed out)".into()),
    }
}

/// The verdict in clamd's reply.
fn verdict_of(reply: &str) -> Verdict {
    let said = reply.strip_prefix("stream: ").unwrap_or(reply);
    if said == "OK" {
        return Verdict::Clean;
    }
    if let Some(name) = said.strip_suffix(" FOUND") {
        let name = name.trim();
        let name = name.strip_suffix(".UNOFFICIAL").unwrap_or(name);
        return Verdict::Infected(name.chars().take(200).collect());
    }
    if said.contains("size limit exceeded") {
        return Verdict::TooLarge;
    }
    Verdict::Unknown(format!(
        "clamd answered {:?}",
        reply.chars().take(200).collect::<String>()
    ))
}

impl ScanFeed {
    pub(super) async fn open(config: &ScannerConfig, declared: Option<u64>) -> ScanFeed {
        let mut feed = ScanFeed {
            state: State::TooLarge,
            sent: 0,
            max: config.max_stream_bytes,
            timeout: config.timeout,
        };
        if declared.is_some_and(|size| size > config.max_stream_bytes) {
            return feed;
        }
        feed.state = match connect(config).await {
            Ok(mut connection) => {
                match write(&mut connection, b"zINSTREAM\0", config.timeout).await {
                    Ok(()) => State::Open(connection),
                    Err(e) => State::Lost(e),
                }
            }
            Err(e) => State::Lost(e),
        };
        feed
    }

    /// Bytes fed so far (the offset a resumed upload must continue from).
    pub fn offset(&self) -> u64 {
        self.sent
    }

    /// Whether this stream can still give a verdict.
    pub fn is_open(&self) -> bool {
        matches!(self.state, State::Open(_))
    }

    /// Sends the next bytes. A failure is not the caller's: the stream ends without a
    /// verdict ([`Verdict::Unknown`]) and the file is scanned later from S3.
    pub async fn feed(&mut self, bytes: &[u8]) {
        self.sent += bytes.len() as u64;
        let State::Open(connection) = &mut self.state else {
            return;
        };
        if self.sent > self.max {
            self.state = State::TooLarge;
            return;
        }
        for chunk in bytes.chunks(CHUNK) {
            let length = u32::try_from(chunk.len()).unwrap_or(u32::MAX).to_be_bytes();
            let sent = match write(connection, &length, self.timeout).await {
                Ok(()) => write(connection, chunk, self.timeout).await,
                Err(e) => Err(e),
            };
            if let Err(e) = sent {
                // clamd closes a stream it will not take further, after saying why.
                let why = match reply(connection, Duration::from_millis(500)).await {
                    Ok(said) if verdict_of(&said) == Verdict::TooLarge => {
                        self.state = State::TooLarge;
                        return;
                    }
                    Ok(said) => format!("{e} ({said})"),
                    Err(_) => e,
                };
                self.state = State::Lost(why);
                return;
            }
        }
    }

    /// Ends the stream and waits for clamd's verdict.
    pub async fn verdict(self) -> Verdict {
        let mut connection = match self.state {
            State::Open(connection) => connection,
            State::TooLarge => return Verdict::TooLarge,
            State::Lost(why) => return Verdict::Unknown(why),
        };
        if let Err(e) = write(&mut connection, &0u32.to_be_bytes(), self.timeout).await {
            return Verdict::Unknown(e);
        }
        match reply(&mut connection, self.timeout).await {
            Ok(said) => verdict_of(&said),
            Err(e) => Verdict::Unknown(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamd_replies_are_read_as_verdicts() {
        assert_eq!(verdict_of("stream: OK"), Verdict::Clean);
        assert_eq!(
            verdict_of("stream: Eicar-Test-Signature.UNOFFICIAL FOUND"),
            Verdict::Infected("Eicar-Test-Signature".into())
        );
        assert_eq!(
            verdict_of("stream: Win.Test.EICAR_HDB-1 FOUND"),
            Verdict::Infected("Win.Test.EICAR_HDB-1".into())
        );
        assert_eq!(
            verdict_of("INSTREAM size limit exceeded. ERROR"),
            Verdict::TooLarge
        );
        assert!(matches!(verdict_of("UNKNOWN COMMAND"), Verdict::Unknown(_)));
    }
}
