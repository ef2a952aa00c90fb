//! A small TCP fault proxy between Hopper and S3 or PostgreSQL, switched by the test:
//! pass bytes through, black-hole them (accept, read, never answer), reset every
//! connection (as a restarting server does), or answer the next requests with S3's
//! `503 SlowDown`, or hold back the requests whose first line names something (an S3
//! part number), to delay or shed them, or answer them `200 OK` with an error in the
//! body (as S3 may answer a CompleteMultipartUpload). Any change of mode drops the connections open at
//! that moment, so pooled connections meet the new behaviour at once.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UnixStream};
use tokio::sync::watch;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Pass,
    /// Connections are accepted and read; nothing is forwarded or answered.
    Blackhole,
    /// Connections are reset as soon as they open.
    Reset,
}

/// What happens to a request whose first line matches a [`FaultProxy::hold`] pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    /// Forwarded once the test opens the gate ([`FaultProxy::open_gate`]).
    Gate,
    /// Answered `503 SlowDown` (the next `times` matching requests).
    SlowDown,
    /// Answered `200 OK` with `<Error><Code>InternalError</Code>…` as the body: S3 sends
    /// the status of a CompleteMultipartUpload before it knows how the request ends.
    ErrorIn200,
}

#[derive(Debug, Clone)]
struct Rule {
    /// Every one of them is in the first line.
    patterns: Vec<String>,
    hold: Hold,
    times: usize,
}

/// Where the proxy forwards to.
#[derive(Debug, Clone)]
pub enum Upstream {
    Tcp(SocketAddr),
    Unix(PathBuf),
}

pub struct FaultProxy {
    pub address: SocketAddr,
    mode: watch::Sender<Fault>,
    slow_downs: Arc<AtomicUsize>,
    answered_slow_down: Arc<AtomicUsize>,
    answered_error_in_200: Arc<AtomicUsize>,
    /// Connections dropped at once because the proxy was resetting.
    refused: Arc<AtomicUsize>,
    gate: watch::Sender<bool>,
    /// The first lines of the held-back requests (with a rule set) answered in full.
    served: Arc<Mutex<Vec<String>>>,
    rule: Arc<Mutex<Option<Rule>>>,
    /// Bytes read from clients and passed on (in the plain pass-through mode).
    received: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl FaultProxy {
    pub async fn start(upstream: Upstream) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy bind");
        let address = listener.local_addr().expect("proxy address");
        let (mode, watcher) = watch::channel(Fault::Pass);
        let slow_downs = Arc::new(AtomicUsize::new(0));
        let answered_slow_down = Arc::new(AtomicUsize::new(0));
        let answered_error_in_200 = Arc::new(AtomicUsize::new(0));
        let (pending, answered) = (slow_downs.clone(), answered_slow_down.clone());
        let errors_in_200 = answered_error_in_200.clone();
        let refused = Arc::new(AtomicUsize::new(0));
        let refusals = refused.clone();
        let (gate, gate_watcher) = watch::channel(false);
        let served = Arc::new(Mutex::new(Vec::new()));
        let served_log = served.clone();
        let rule = Arc::new(Mutex::new(None));
        let rules = rule.clone();
        let received = Arc::new(AtomicU64::new(0));
        let counted = received.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let connection = Connection {
                    upstream: upstream.clone(),
                    mode: watcher.clone(),
                    slow_downs: pending.clone(),
                    answered: answered.clone(),
                    answered_error_in_200: errors_in_200.clone(),
                    refused: refusals.clone(),
                    gate: gate_watcher.clone(),
                    served: served_log.clone(),
                    rule: rules.clone(),
                    received: counted.clone(),
                };
                tokio::spawn(connection.serve(client));
            }
        });
        FaultProxy {
            address,
            mode,
            slow_downs,
            answered_slow_down,
            answered_error_in_200,
            refused,
            gate,
            served,
            rule,
            received,
            task,
        }
    }

    /// The next `times` requests whose first line contains `pattern` are held as `hold`
    /// says. Meanwhile every request goes on a connection of its own (the proxy asks the
    /// server to close it after answering), so each request's first line is seen.
    pub fn hold(&self, pattern: &str, hold: Hold, times: usize) {
        self.hold_all(&[pattern], hold, times);
    }

    /// As [`FaultProxy::hold`], for requests whose first line contains every one of
    /// `patterns` (`POST ` and `uploadId=`: a CompleteMultipartUpload).
    pub fn hold_all(&self, patterns: &[&str], hold: Hold, times: usize) {
        if let Ok(mut rule) = self.rule.lock() {
            *rule = Some(Rule {
                patterns: patterns.iter().map(|p| (*p).to_owned()).collect(),
                hold,
                times,
            });
        }
        self.set(Fault::Pass);
    }

    pub fn set(&self, fault: Fault) {
        // send_replace also wakes connections when the mode is set to what it was.
        self.mode.send_replace(fault);
    }

    /// The next `n` requests (each on a new connection) get `503 SlowDown`.
    pub fn slow_down_next(&self, n: usize) {
        self.slow_downs.store(n, Ordering::SeqCst);
        self.set(Fault::Pass);
    }

    pub fn slow_downs_answered(&self) -> usize {
        self.answered_slow_down.load(Ordering::SeqCst)
    }

    pub fn errors_in_200_answered(&self) -> usize {
        self.answered_error_in_200.load(Ordering::SeqCst)
    }

    /// Connections reset as they opened, so far.
    pub fn refused(&self) -> usize {
        self.refused.load(Ordering::SeqCst)
    }

    /// Lets the requests held at the gate go on.
    pub fn open_gate(&self) {
        self.gate.send_replace(true);
    }

    /// How many requests whose first line contains `pattern` were answered in full (while
    /// a hold rule is set).
    pub fn served(&self, pattern: &str) -> usize {
        self.served.lock().map_or(0, |lines| {
            lines.iter().filter(|l| l.contains(pattern)).count()
        })
    }

    /// Bytes clients sent through the proxy so far (request heads and bodies), in the
    /// plain pass-through mode: what the server behind it was sent.
    pub fn received(&self) -> u64 {
        self.received.load(Ordering::SeqCst)
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
        self.gate.send_replace(true);
        self.mode.send_replace(Fault::Reset);
    }
}

struct Connection {
    upstream: Upstream,
    mode: watch::Receiver<Fault>,
    slow_downs: Arc<AtomicUsize>,
    answered: Arc<AtomicUsize>,
    answered_error_in_200: Arc<AtomicUsize>,
    refused: Arc<AtomicUsize>,
    gate: watch::Receiver<bool>,
    served: Arc<Mutex<Vec<String>>>,
    rule: Arc<Mutex<Option<Rule>>>,
    received: Arc<AtomicU64>,
}

impl Connection {
    /// The hold for a request whose head is `head`, counting it against the rule.
    fn hold_for(&self, head: &[u8]) -> Option<Hold> {
        let line = head.split(|b| *b == b'\n').next().unwrap_or_default();
        let line = String::from_utf8_lossy(line);
        let mut rule = self.rule.lock().ok()?;
        let matched = rule
            .as_mut()
            .filter(|r| r.times > 0 && r.patterns.iter().all(|p| line.contains(p.as_str())))?;
        matched.times -= 1;
        Some(matched.hold)
    }

    /// With a hold rule set: reads the request head, applies the rule, and forwards the
    /// request asking the server to close the connection after answering it.
    async fn serve_one_request(self, mut client: TcpStream) {
        let Some((head, rest)) = read_head(&mut client).await else {
            return;
        };
        match self.hold_for(&head) {
            Some(Hold::SlowDown) => {
                answer_slow_down(&mut client).await;
                self.answered.fetch_add(1, Ordering::SeqCst);
                return;
            }
            Some(Hold::ErrorIn200) => {
                answer_error_in_200(&mut client).await;
                self.answered_error_in_200.fetch_add(1, Ordering::SeqCst);
                return;
            }
            Some(Hold::Gate) => {
                let mut gate = self.gate.clone();
                let _ = gate.wait_for(|open| *open).await;
            }
            None => {}
        }
        let head = String::from_utf8_lossy(&head);
        let first_line = head.lines().next().unwrap_or_default().to_owned();
        let kept: Vec<&str> = head
            .trim_end_matches("\r\n")
            .split("\r\n")
            .filter(|line| !line.to_ascii_lowercase().starts_with("connection:"))
            .collect();
        let head = format!("{}\r\nConnection: close\r\n\r\n", kept.join("\r\n"));
        let Upstream::Tcp(address) = &self.upstream else {
            return;
        };
        let Ok(mut server) = TcpStream::connect(address).await else {
            return;
        };
        if server.write_all(head.as_bytes()).await.is_err()
            || server.write_all(&rest).await.is_err()
        {
            return;
        }
        pipe(client, server, self.mode).await;
        if let Ok(mut served) = self.served.lock() {
            served.push(first_line);
        }
    }

    async fn serve(mut self, mut client: TcpStream) {
        let fault = *self.mode.borrow_and_update();
        match fault {
            // Dropped at once, as by a server that is going down.
            Fault::Reset => {
                self.refused.fetch_add(1, Ordering::SeqCst);
                drop(client);
            }
            Fault::Blackhole => {
                let mut sink = vec![0u8; 64 * 1024];
                loop {
                    tokio::select! {
                        read = client.read(&mut sink) => if matches!(read, Ok(0) | Err(_)) { return },
                        _ = self.mode.changed() => return,
                    }
                }
            }
            Fault::Pass if self.rule.lock().is_ok_and(|r| r.is_some()) => {
                self.serve_one_request(client).await
            }
            Fault::Pass => {
                let take = self
                    .slow_downs
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
                if take.is_ok() {
                    if read_head(&mut client).await.is_none() {
                        return;
                    }
                    answer_slow_down(&mut client).await;
                    self.answered.fetch_add(1, Ordering::SeqCst);
                    return;
                }
                match &self.upstream {
                    Upstream::Tcp(address) => {
                        if let Ok(server) = TcpStream::connect(address).await {
                            let client = Counted {
                                inner: client,
                                read: self.received.clone(),
                            };
                            pipe(client, server, self.mode).await;
                        }
                    }
                    Upstream::Unix(path) => {
                        if let Ok(server) = UnixStream::connect(path).await {
                            pipe(client, server, self.mode).await;
                        }
                    }
                }
            }
        }
    }
}

async fn pipe<C, S>(mut client: C, mut server: S, mut mode: watch::Receiver<Fault>)
where
    C: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
        _ = mode.changed() => {}
    }
}

/// A request's head (through its blank line) and the bytes read after it.
async fn read_head(client: &mut TcpStream) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut read = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        if let Some(end) = read.windows(4).position(|w| w == b"\r\n\r\n") {
            let rest = read.split_off(end + 4);
            return Some((read, rest));
        }
        if read.len() > 64 * 1024 {
            return None;
        }
        match client.read(&mut buffer).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => read.extend_from_slice(&buffer[..n]),
        }
    }
}

/// Answers a request whose head was read as S3 does when it sheds load.
async fn answer_slow_down(client: &mut TcpStream) {
    let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>";
    answer(client, "503 Slow Down", body).await;
}

/// Answers as S3 may a CompleteMultipartUpload: `200 OK` (sent early, then whitespace
/// while it works), and the error it ended in.
async fn answer_error_in_200(client: &mut TcpStream) {
    let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\n  \n<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message><RequestId>FAULTPROXY</RequestId><HostId>fault-proxy</HostId></Error>";
    answer(client, "200 OK", body).await;
}

async fn answer(client: &mut TcpStream, status: &str, body: &str) {
    let mut byte = [0u8; 1024];
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = client.write_all(response.as_bytes()).await;
    let _ = client.shutdown().await;
    // Let the client finish sending its body, so it reads the answer, not a reset.
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        while matches!(client.read(&mut byte).await, Ok(n) if n > 0) {}
    })
    .await;
}

/// The parts of a test database URL (`postgres://USER@/DB?host=DIR&port=N`).
fn url_parts(url: &str) -> (String, String, std::collections::HashMap<String, String>) {
    let rest = url.strip_prefix("postgres://").expect("postgres url");
    let (user, rest) = rest.split_once("@/").expect("user@/database");
    let (database, query) = rest.split_once('?').unwrap_or((rest, ""));
    let params = query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    (user.to_owned(), database.to_owned(), params)
}

/// The unix socket behind a test database URL.
pub fn database_socket(url: &str) -> PathBuf {
    let (_, _, params) = url_parts(url);
    PathBuf::from(&params["host"]).join(format!(".s.PGSQL.{}", params["port"]))
}

/// The same database URL, over TCP through `proxy`.
pub fn database_url_via(url: &str, proxy: SocketAddr) -> String {
    let (user, database, _) = url_parts(url);
    format!("postgres://{user}@{proxy}/{database}")
}

/// Proxies in front of an app's S3 (its own endpoint) and PostgreSQL.
pub struct Faults {
    pub s3: FaultProxy,
    pub db: FaultProxy,
}

/// An app that reaches S3 and PostgreSQL only through fault proxies; the test's own
/// `app.conn()` and `app.storage` go straight to them.
pub async fn spawn_with_faults(
    customize: impl FnOnce(&mut hopper::config::Config),
) -> (crate::helpers::TestApp, Faults) {
    let private = crate::helpers::PrivateS3::start();
    let s3 = FaultProxy::start(Upstream::Tcp(private.s3.address())).await;
    let socket = database_socket(&crate::helpers::cluster().postgres.database_url("any"));
    let db = FaultProxy::start(Upstream::Unix(socket)).await;
    let (s3_endpoint, db_address) = (s3.endpoint(), db.address);
    let app = crate::helpers::TestApp::spawn_inner(
        move |config| {
            config.s3.endpoint = Some(s3_endpoint);
            let direct = config.database_url.take().expect("database url");
            config.database_url = Some(hopper::config::Secret::new(database_url_via(
                direct.expose(),
                db_address,
            )));
            let app_role = config.app_database_url.take().expect("app role url");
            config.app_database_url = Some(hopper::config::Secret::new(database_url_via(
                app_role.expose(),
                db_address,
            )));
            customize(config);
        },
        Some(private),
    )
    .await;
    (app, Faults { s3, db })
}

/// A client connection that counts the bytes read from it.
struct Counted {
    inner: TcpStream,
    read: Arc<AtomicU64>,
}

impl tokio::io::AsyncRead for Counted {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = std::pin::Pin::new(&mut self.inner).poll_read(cx, buf);
        let read = (buf.filled().len() - before) as u64;
        self.read.fetch_add(read, Ordering::SeqCst);
        polled
    }
}

impl tokio::io::AsyncWrite for Counted {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
