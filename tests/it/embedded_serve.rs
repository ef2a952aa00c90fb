//! `hopper serve` as an operator runs it: embedded PostgreSQL and S3 under a data dir.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::free_port;

fn hopper() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hopper"));
    cmd.env_remove("DATABASE_URL")
        .env_remove("HOPPER_S3_ENDPOINT")
        .env("RUST_LOG", "warn");
    cmd
}

/// A folder for a data dir, as an operator's usually is: others may pass through it. (The
/// test process's umask is 077 once the in-process S3 store started, and as root Hopper
/// runs its cluster as `postgres`, which must reach the data dir.)
fn data_dir_parent() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
        .expect("chmod the temp dir");
    dir
}

fn serve(data_dir: &Path, port: u16) -> Child {
    hopper()
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(data_dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start hopper")
}

/// Polls /readyz; returns how long it took to become ready.
async fn wait_ready(port: u16, started: Instant) -> Duration {
    let client = reqwest::Client::new();
    let deadline = started + Duration::from_secs(90);
    loop {
        if let Ok(r) = client
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
        {
            if r.status() == 200 {
                return started.elapsed();
            }
        }
        assert!(Instant::now() < deadline, "hopper did not become ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn postmaster_pid(data_dir: &Path) -> Option<i32> {
    std::fs::read_to_string(data_dir.join("postgres/data/postmaster.pid"))
        .ok()?
        .lines()
        .next()?
        .trim()
        .parse()
        .ok()
}

fn alive(pid: i32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
        && std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|s| !s.contains(") Z "))
            .unwrap_or(false)
}

async fn wait_gone(pid: i32) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while alive(pid) {
        assert!(Instant::now() < deadline, "postgres {pid} outlived hopper");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[actix_web::test]
async fn serve_starts_fresh_survives_a_kill_and_stops_cleanly() {
    let dir = data_dir_parent();
    let data_dir = dir.path().join("var");
    let port = free_port();

    let started = Instant::now();
    let mut first = serve(&data_dir, port);
    let fresh = wait_ready(port, started).await;
    let pg = postmaster_pid(&data_dir).expect("postgres is running");
    assert!(alive(pg));

    // Killed without a chance to clean up: postgres must not stay behind.
    first.kill().expect("kill hopper");
    first.wait().expect("reap hopper");
    wait_gone(pg).await;

    let started = Instant::now();
    let mut second = serve(&data_dir, port);
    let existing = wait_ready(port, started).await;
    let pg = postmaster_pid(&data_dir).expect("postgres is running again");

    // SIGTERM: graceful stop, exit code 0, postgres stopped with it.
    // SAFETY: signalling our own child.
    unsafe {
        libc::kill(second.id() as libc::pid_t, libc::SIGTERM);
    }
    let status = second.wait().expect("wait");
    assert!(status.success(), "hopper exited with {status}");
    wait_gone(pg).await;
    assert!(
        !data_dir.join("postgres/data/postmaster.pid").exists(),
        "postgres shut down cleanly"
    );
    println!(
        "readiness: empty data dir {} ms, existing data dir {} ms (debug build)",
        fresh.as_millis(),
        existing.as_millis()
    );
}

#[test]
fn without_postgres_binaries_hopper_says_what_to_do() {
    let dir = data_dir_parent();
    let output = hopper()
        .args(["migrate", "--data-dir"])
        .arg(dir.path())
        .env("HOPPER_POSTGRES_BIN_DIR", dir.path().join("no-such-dir"))
        .output()
        .expect("run hopper");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one clear line: {stderr}");
    assert!(
        lines[0].contains("install PostgreSQL") && lines[0].contains("DATABASE_URL"),
        "{stderr}"
    );
}

#[test]
fn help_explains_every_setting() {
    let output = hopper().arg("--help").output().expect("run hopper");
    let help = String::from_utf8_lossy(&output.stdout);
    for expected in [
        "--bind",
        "HOPPER_BIND",
        "--data-dir",
        "HOPPER_DATA_DIR",
        "DATABASE_URL",
        "HOPPER_S3_ENDPOINT",
        "HOPPER_S3_REGION",
        "HOPPER_S3_FORCE_PATH_STYLE",
        "AWS_ACCESS_KEY_ID",
        "serve",
        "migrate",
        "create-superadmin",
        "reset-password",
    ] {
        assert!(help.contains(expected), "--help mentions {expected}");
    }
}

/// A known password is never served to the network: on a non-loopback address with the
/// seeded admin password still in place, `hopper serve` refuses to start (it stops before
/// binding, so nothing listens) and says how to set a password.
#[test]
fn serve_refuses_a_public_address_while_the_seeded_password_is_in_place() {
    let data_dir = data_dir_parent();
    let output = hopper()
        .args(["serve", "--bind", "0.0.0.0:0", "--data-dir"])
        .arg(data_dir.path())
        .output()
        .expect("run hopper");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains("hopper reset-password --username admin"),
        "{stderr}"
    );
    assert!(!data_dir
        .path()
        .join("postgres/data/postmaster.pid")
        .exists());
}

/// `hopper s3-serve`: the embedded store alone, on a given port, with the bucket asked
/// for; its address on stdout, its credentials in the data dir; SIGTERM stops it.
#[actix_web::test]
async fn s3_serve_serves_the_store_alone_with_its_bucket_until_sigterm() {
    use std::io::{BufRead, BufReader};
    let parent = data_dir_parent();
    let data_dir = parent.path().join("store");
    let port = free_port();
    let mut store = hopper()
        .args([
            "s3-serve",
            "--port",
            &port.to_string(),
            "--bucket",
            "shared",
        ])
        .arg("--data-dir")
        .arg(&data_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start hopper s3-serve");
    let mut first = String::new();
    // Read one line, then stop reading: the store goes on all the same.
    BufReader::new(store.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("the endpoint line");
    let endpoint = format!("http://127.0.0.1:{port}");
    assert_eq!(first.trim(), format!("S3 endpoint: {endpoint}"));

    let credentials =
        std::fs::read_to_string(data_dir.join("s3-credentials")).expect("credentials");
    let mut lines = credentials.lines();
    let storage = hopper::storage::Storage::connect(&hopper::config::S3Config {
        endpoint: Some(endpoint),
        region: "us-east-1".into(),
        force_path_style: true,
        credentials: Some(hopper::config::S3Credentials {
            access_key_id: lines.next().expect("key id").to_owned(),
            secret_access_key: hopper::config::Secret::new(lines.next().expect("secret")),
        }),
        create_missing_buckets: false,
        retry: Default::default(),
    })
    .await;
    storage
        .ensure_bucket("shared")
        .await
        .expect("the bucket exists");

    // SAFETY: kill(2) on our own child.
    unsafe {
        libc::kill(store.id() as libc::pid_t, libc::SIGTERM);
    }
    let status = store.wait().expect("wait");
    assert!(status.success(), "stopped cleanly: {status}");
}
