//! `hopper serve` as a process of its own, for tests that kill it.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::{app_role_url, TestApp};

/// A node process, killed when the test ends however it ends.
pub struct Node(pub Child);

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `hopper serve` as a process of its own, on the test's database and S3 (another
/// endpoint than its own, so the bucket must exist: the test creates it).
pub fn serve(app: &TestApp, port: u16, s3_endpoint: Option<&str>) -> Node {
    let s3 = app.private_s3.as_ref().expect("private S3");
    let (endpoint, credentials) = {
        let s3 = s3.lock().unwrap_or_else(|e| e.into_inner());
        (s3.s3.endpoint(), s3.s3.credentials())
    };
    let endpoint = s3_endpoint.map_or(endpoint, str::to_owned);
    let secret = app.state.config.secret_key.as_ref().expect("secret key");
    Command::new(env!("CARGO_BIN_EXE_hopper"))
        .arg("serve")
        .env("RUST_LOG", "warn")
        .env("HOPPER_BIND", format!("127.0.0.1:{port}"))
        .env("DATABASE_URL", &app.database_url)
        .env("HOPPER_APP_DATABASE_URL", app_role_url(&app.database_url))
        .env("HOPPER_S3_ENDPOINT", endpoint)
        .env("HOPPER_S3_FORCE_PATH_STYLE", "true")
        .env("AWS_ACCESS_KEY_ID", &credentials.access_key_id)
        .env(
            "AWS_SECRET_ACCESS_KEY",
            credentials.secret_access_key.expose(),
        )
        .env("HOPPER_SECRET_KEY", secret.expose())
        .env("HOPPER_NODE_ID", "crash-node")
        .env("HOPPER_UPLOAD_PART_MIB", "5")
        // Patience with a failing S3 kept short, so faults resolve within a test.
        .env("HOPPER_S3_ATTEMPT_TIMEOUT_SECS", "2")
        .env("HOPPER_S3_MAX_ATTEMPTS", "2")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(Node)
        .expect("start hopper serve")
}

pub async fn wait_ready(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let ready = reqwest::get(format!("http://127.0.0.1:{port}/readyz")).await;
        if ready.is_ok_and(|r| r.status() == 200) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "hopper serve did not become ready"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
