//! `hopper s3-serve`: the embedded S3 endpoint on its own, for nodes that share one store
//! which outlives any of them (a test cluster, `scripts/soak-cluster.sh`). The same store
//! `hopper serve` runs without `HOPPER_S3_ENDPOINT`: `<data-dir>/s3`, credentials in
//! `<data-dir>/s3-credentials`, on 127.0.0.1 only.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use clap::Args;
use tokio::signal::unix::{signal, SignalKind};

use crate::config::{S3Config, S3Retry};
use crate::embedded::s3::EmbeddedS3;
use crate::storage::Storage;

#[derive(Debug, Args)]
pub struct S3ServeArgs {
    /// Port on 127.0.0.1 (0: a free one). The endpoint's address is printed on stdout.
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// A bucket to create when it is missing (repeatable).
    #[arg(long = "bucket", value_name = "NAME")]
    pub buckets: Vec<String>,
}

/// Serves `<data_dir>/s3` until SIGINT or SIGTERM.
pub async fn run(data_dir: &Path, args: S3ServeArgs) -> anyhow::Result<()> {
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot watch SIGINT")?;
    let mut terminate = signal(SignalKind::terminate()).context("cannot watch SIGTERM")?;
    let mut s3 = EmbeddedS3::start_on(
        &data_dir.join("s3"),
        &data_dir.join("s3-credentials"),
        args.port,
    )?;
    let storage = Storage::connect(&S3Config {
        endpoint: Some(s3.endpoint()),
        region: "us-east-1".into(),
        force_path_style: true,
        credentials: Some(s3.credentials()),
        create_missing_buckets: true,
        retry: S3Retry::default(),
    })
    .await;
    for bucket in &args.buckets {
        if let Err(e) = storage.ensure_bucket(bucket).await {
            s3.stop();
            anyhow::bail!("cannot create the bucket {bucket}: {e}");
        }
    }
    tracing::info!(endpoint = %s3.endpoint(), "S3 endpoint started");
    // Whoever started it may stop reading (`| head -1`): the store goes on serving.
    let mut out = std::io::stdout();
    let _ = writeln!(out, "S3 endpoint: {}", s3.endpoint());
    let _ = writeln!(
        out,
        "Credentials: {} (access key id, then secret)",
        data_dir.join("s3-credentials").display()
    );
    tokio::select! {
        _ = interrupt.recv() => {},
        _ = terminate.recv() => {},
    }
    s3.stop();
    Ok(())
}
