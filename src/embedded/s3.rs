//! An S3-compatible endpoint on 127.0.0.1 over a local directory (s3s + s3s-fs), served
//! on its own runtime thread. Hopper talks to it through aws-sdk-s3 exactly as it talks
//! to AWS, MinIO or Garage: there is one storage code path.

use std::fs;
use std::net::SocketAddr;
use std::path::Path;
use std::thread::JoinHandle;

use anyhow::Context;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use rand::distr::{Alphanumeric, SampleString};
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;
use tokio::sync::oneshot;

use crate::config::{create_private_dir, write_private_file, S3Credentials, Secret};

pub struct EmbeddedS3 {
    address: SocketAddr,
    credentials: S3Credentials,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl EmbeddedS3 {
    /// Serves `root` on a free loopback port. Credentials are generated once and kept in
    /// `credentials_file` (mode 0600) so other S3 clients can be pointed at the store.
    pub fn start(root: &Path, credentials_file: &Path) -> anyhow::Result<Self> {
        Self::start_on(root, credentials_file, 0)
    }

    /// Same as [`EmbeddedS3::start`] on a given port (0: any free one), e.g. to bring a
    /// stopped endpoint back where its clients expect it.
    ///
    /// The store is private to Hopper's account: its root is 0700, and since the file
    /// system backend creates objects, parts and folders with the default modes, the
    /// process's umask becomes 077 (files 0600, folders 0700).
    pub fn start_on(root: &Path, credentials_file: &Path, port: u16) -> anyhow::Result<Self> {
        // SAFETY: umask(2) only sets the process's file mode creation mask.
        unsafe {
            libc::umask(0o077);
        }
        create_private_dir(root).with_context(|| format!("cannot create {}", root.display()))?;
        let credentials = load_or_create_credentials(credentials_file)?;
        let store = s3s_fs::FileSystem::new(root).map_err(|e| {
            anyhow::anyhow!("cannot open the S3 store at {}: {e:?}", root.display())
        })?;
        let service = {
            let mut builder = S3ServiceBuilder::new(store);
            builder.set_auth(SimpleAuth::from_single(
                credentials.access_key_id.clone(),
                credentials.secret_access_key.expose().to_owned(),
            ));
            builder.build()
        };

        let listener = std::net::TcpListener::bind(("127.0.0.1", port))
            .context("cannot bind the embedded S3 endpoint")?;
        listener.set_nonblocking(true)?;
        let address = listener.local_addr()?;
        let (shutdown_tx, mut shutdown_rx) = oneshot::channel::<()>();

        let store_root = root.to_path_buf();
        let thread = std::thread::Builder::new()
            .name("embedded-s3".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .thread_name("embedded-s3-worker")
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        tracing::error!(error = %e, "cannot start the embedded S3 runtime");
                        return;
                    }
                };
                runtime.block_on(async move {
                    tokio::spawn(super::upload_expiry::expire_periodically(store_root));
                    let listener = match tokio::net::TcpListener::from_std(listener) {
                        Ok(l) => l,
                        Err(e) => {
                            tracing::error!(error = %e, "embedded S3 listener failed");
                            return;
                        }
                    };
                    let http = ConnBuilder::new(TokioExecutor::new());
                    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
                    loop {
                        let socket = tokio::select! {
                            accepted = listener.accept() => match accepted {
                                Ok((socket, _)) => socket,
                                Err(e) => {
                                    tracing::warn!(error = %e, "embedded S3 accept failed");
                                    continue;
                                }
                            },
                            _ = &mut shutdown_rx => break,
                        };
                        let conn = http.serve_connection(TokioIo::new(socket), service.clone());
                        let conn = graceful.watch(conn.into_owned());
                        tokio::spawn(async move {
                            let _ = conn.await;
                        });
                    }
                    tokio::select! {
                        () = graceful.shutdown() => {},
                        () = tokio::time::sleep(std::time::Duration::from_secs(5)) => {},
                    }
                });
            })
            .context("cannot start the embedded S3 thread")?;

        Ok(Self {
            address,
            credentials,
            shutdown: Some(shutdown_tx),
            thread: Some(thread),
        })
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn credentials(&self) -> S3Credentials {
        self.credentials.clone()
    }

    pub fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for EmbeddedS3 {
    fn drop(&mut self) {
        self.stop();
    }
}

fn load_or_create_credentials(path: &Path) -> anyhow::Result<S3Credentials> {
    if let Ok(text) = fs::read_to_string(path) {
        let mut lines = text.lines();
        if let (Some(id), Some(secret)) = (lines.next(), lines.next()) {
            if !id.is_empty() && !secret.is_empty() {
                return Ok(S3Credentials {
                    access_key_id: id.to_owned(),
                    secret_access_key: Secret::new(secret),
                });
            }
        }
    }
    let mut rng = rand::rng();
    let credentials = S3Credentials {
        access_key_id: format!(
            "HOPPER{}",
            Alphanumeric.sample_string(&mut rng, 14).to_uppercase()
        ),
        secret_access_key: Secret::new(Alphanumeric.sample_string(&mut rng, 40)),
    };
    write_private_file(
        path,
        format!(
            "{}\n{}\n",
            credentials.access_key_id,
            credentials.secret_access_key.expose()
        )
        .as_bytes(),
    )?;
    Ok(credentials)
}
