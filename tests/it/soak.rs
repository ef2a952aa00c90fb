//! A seeded, randomised soak: uploads (small and multipart), duplicates, new versions of
//! one path, cancelled uploads, S3 black-holed, reset or shedding load, and a `kill -9`
//! of the node, mixed for a while; then every invariant is checked. About 40 s by
//! default; `HOPPER_SOAK_SECS` runs it longer and `HOPPER_SOAK_SEED` repeats a run.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use hopper::schema::file_uploads;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::fault_proxy::{Fault, FaultProxy, Upstream};
use crate::helpers::{free_port, grant_access, TestApp, UserFixture, UserSession};
use crate::node_process::{serve, wait_ready};
use crate::streamed::StreamedUpload;
use crate::uploads::assert_every_batch_matches_its_rows;
use crate::uploads::assert_s3_holds_exactly_the_completed_files;
use crate::uploads::{content, target, Target};

const MIB: usize = 1024 * 1024;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A few contents, so that duplicates are common; one of them is multipart-sized.
fn contents() -> Vec<Vec<u8>> {
    let mut all: Vec<Vec<u8>> = (0..5)
        .map(|n| content(1_000 + n * 37_000, 60 + n as u8))
        .collect();
    all.push(content(6 * MIB, 70));
    all
}

const NAMES: &[&str] = &["a.dat", "b.txt", "docs/c.csv", "docs/d.bin", "e.bin"];

/// One batch through the node: its HTTP status, or `None` when the connection broke
/// (the node was killed under it).
async fn batch(session: &UserSession<'_>, url: &str, files: Vec<(String, Vec<u8>)>) -> Option<u16> {
    let form = files
        .into_iter()
        .fold(reqwest::multipart::Form::new(), |form, (name, bytes)| {
            form.part(
                "files",
                reqwest::multipart::Part::bytes(bytes).file_name(name),
            )
        });
    let sent = session
        .http
        .post(url)
        .header("HX-Request", "true")
        .header("X-CSRF-Token", &session.csrf)
        .multipart(form)
        .timeout(Duration::from_secs(60))
        .send()
        .await;
    sent.ok().map(|r| r.status().as_u16())
}

/// A batch whose browser goes away half-way through a file.
async fn cancelled(session: &UserSession<'_>, url: &str, bytes: &[u8]) {
    let upload = StreamedUpload::start_at(session, url.to_owned());
    upload.file_header("cancelled.bin").await;
    let _ = upload.try_send_some(&bytes[..bytes.len() / 2]).await;
    upload.break_connection().await;
}

#[actix_web::test]
async fn a_seeded_mix_of_uploads_faults_and_a_crash_keeps_every_invariant() {
    let seed: u64 = env_or("HOPPER_SOAK_SEED", rand::random());
    let seconds: u64 = env_or("HOPPER_SOAK_SECS", 40);
    println!("soak: seed {seed}, {seconds} s (HOPPER_SOAK_SEED={seed} repeats it)");
    let mut rng = StdRng::seed_from_u64(seed);

    let app = TestApp::spawn_with_private_s3(|_| {}).await;
    let t = target(&app).await;
    app.storage.ensure_bucket(&t.bucket).await.expect("bucket");
    let s3_address = {
        let s3 = app.private_s3.as_ref().expect("private S3");
        s3.lock().unwrap_or_else(|e| e.into_inner()).s3.address()
    };
    let proxy = FaultProxy::start(Upstream::Tcp(s3_address)).await;
    let port = free_port();
    let mut node = serve(&app, port, Some(&proxy.endpoint()));
    wait_ready(port).await;
    let url = format!("http://127.0.0.1:{port}{}", t.path());
    let sessions = sessions(&app, &t).await;
    let pool = contents();

    let deadline = Instant::now() + Duration::from_secs(seconds);
    let kill_at = Instant::now() + Duration::from_secs(seconds / 2);
    let mut killed = false;
    let mut statuses = Vec::new();
    let mut rounds = 0;
    while Instant::now() < deadline {
        rounds += 1;
        // A few batches at once, from different users.
        let mut work = Vec::new();
        for session in &sessions {
            if rng.random_bool(0.3) {
                continue;
            }
            let files: Vec<(String, Vec<u8>)> = (0..rng.random_range(1..=3))
                .map(|_| {
                    let name = NAMES[rng.random_range(0..NAMES.len())].to_owned();
                    // Mostly small files; now and then the multipart one.
                    let which = if rng.random_bool(0.15) {
                        5
                    } else {
                        rng.random_range(0..5)
                    };
                    (name, pool[which].clone())
                })
                .collect();
            work.push((session, files, rng.random_bool(0.1)));
        }
        let fault = match rng.random_range(0..10) {
            0 => Some(Fault::Blackhole),
            1 => Some(Fault::Reset),
            2 => {
                proxy.slow_down_next(rng.random_range(1..=3));
                None
            }
            _ => None,
        };
        let uploads = work.into_iter().map(|(session, files, cancel)| {
            let url = url.clone();
            let big = pool[5].clone();
            async move {
                if cancel {
                    cancelled(session, &url, &big).await;
                    None
                } else {
                    batch(session, &url, files).await
                }
            }
        });
        let fault_after = Duration::from_millis(rng.random_range(0..150));
        let faults = async {
            if let Some(fault) = fault {
                tokio::time::sleep(fault_after).await;
                proxy.set(fault);
                tokio::time::sleep(Duration::from_millis(2500)).await;
                proxy.set(Fault::Pass);
            }
        };
        let crash = async {
            if !killed && Instant::now() >= kill_at {
                // Killed with a file surely on its way in.
                let doomed = StreamedUpload::start_at(&sessions[0], url.clone());
                doomed.file_header("doomed.bin").await;
                doomed.try_send_some(&pool[5][..3 * MIB]).await;
                // Killed once the node took the file (its row is there), or after 5 s of
                // asking if a fault keeps it from ever starting.
                for _ in 0..100 {
                    let taken: i64 = file_uploads::table
                        .filter(file_uploads::file_path.eq("doomed.bin"))
                        .count()
                        .get_result(&mut app.conn())
                        .expect("count");
                    if taken > 0 {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                node.0.kill().expect("kill -9");
                node.0.wait().expect("reap");
                true
            } else {
                false
            }
        };
        let (results, (), crashed) =
            futures_util::join!(futures_util::future::join_all(uploads), faults, crash);
        statuses.extend(results.into_iter().flatten());
        if crashed {
            killed = true;
            node = serve(&app, port, Some(&proxy.endpoint()));
            wait_ready(port).await;
        }
    }
    proxy.set(Fault::Pass);
    assert!(killed, "the node was killed once");
    println!("soak: {rounds} rounds, statuses {statuses:?}");
    assert!(
        statuses
            .iter()
            .all(|s| [200, 408, 409, 429, 503].contains(s)),
        "never a 500: {statuses:?}"
    );
    assert!(statuses.contains(&200));

    settle(&app).await;
    let outcomes: Vec<(String, Option<String>)> = file_uploads::table
        .select((file_uploads::status, file_uploads::error_message))
        .load(&mut app.conn())
        .expect("outcomes");
    let count = |status: &str| outcomes.iter().filter(|o| o.0 == status).count();
    println!(
        "soak: {} files: {} completed, {} skipped, {} failed",
        outcomes.len(),
        count("completed"),
        count("skipped"),
        count("failed")
    );
    let mut reasons: Vec<String> = outcomes
        .iter()
        .filter_map(|o| o.1.as_deref())
        .map(|r| r.chars().take(60).collect())
        .collect();
    reasons.sort();
    reasons.dedup();
    println!("soak: failure reasons {reasons:#?}");
    assert!(count("skipped") > 0, "the mix had duplicates");
    check_invariants(&app, &t).await;
    drop(node);
}

async fn sessions<'a>(app: &'a TestApp, t: &Target) -> Vec<UserSession<'a>> {
    let mut all = vec![app.session_for(&t.uploader).await];
    for name in ["soak-b", "soak-c"] {
        let user = UserFixture::new(name).create(app).await;
        grant_access(app, app.default_company(), t.project, user.id, "uploader");
        all.push(app.session_for(&user).await);
    }
    all
}

/// What a later pass of the node would do: settle doubts, then clean up. The node is
/// idle now, so nothing is legitimately uploading.
async fn settle(app: &TestApp) {
    let services = &app.state.services;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let sweep = hopper::services::reconciler::Sweep {
            older_than: Duration::ZERO,
            earlier_runs_of_this_node: false,
        };
        let report = hopper::services::reconciler::run_once(services, sweep)
            .await
            .expect("reconciler");
        hopper::services::reaper::run_once(services, Duration::ZERO)
            .await
            .expect("reaper");
        let known_open: i64 = file_uploads::table
            .filter(file_uploads::s3_upload_id.is_not_null())
            .count()
            .get_result(&mut app.conn())
            .expect("count");
        if report.in_doubt == 0 && known_open == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "uploads stayed in doubt or open: {report:?}, {known_open} upload ids"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Every upload Hopper knew of is aborted. What is left are uploads S3 created but whose
    // answer the faults swallowed (Hopper never learned their ids) and parts that landed
    // after their abort: the store's lifecycle rule expires them (here, at once).
    let root = {
        let s3 = app.private_s3.as_ref().expect("private S3");
        s3.lock().unwrap_or_else(|e| e.into_inner()).root.clone()
    };
    let leftover = app.open_upload_files().len();
    let expired = hopper::embedded::upload_expiry::expire_incomplete_uploads(&root, Duration::ZERO);
    println!(
        "soak: {leftover} store files of uploads Hopper never learned of; {expired} expired by the lifecycle rule"
    );
}

async fn check_invariants(app: &TestApp, t: &Target) {
    let mut conn = app.conn();
    let uploading: i64 = file_uploads::table
        .filter(file_uploads::status.eq("uploading"))
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert_eq!(uploading, 0, "every file ended");
    assert_every_batch_matches_its_rows(app);
    let completed: Vec<(
        String,
        String,
        String,
        Option<hopper::db::ids::FileUploadId>,
    )> = file_uploads::table
        .filter(file_uploads::status.eq("completed"))
        .select((
            file_uploads::s3_key,
            file_uploads::checksum.assume_not_null(),
            file_uploads::file_path,
            file_uploads::replaced_by,
        ))
        .load(&mut conn)
        .expect("completed");
    // One current copy per content in the cycle (a replaced version may share its bytes
    // with a later file); one current version per path.
    let mut checksums: Vec<&String> = completed
        .iter()
        .filter(|c| c.3.is_none())
        .map(|c| &c.1)
        .collect();
    checksums.sort();
    let before = checksums.len();
    checksums.dedup();
    assert_eq!(
        checksums.len(),
        before,
        "a content is stored once per cycle"
    );
    let mut paths: Vec<&String> = completed.iter().map(|c| &c.2).collect();
    paths.sort();
    paths.dedup();
    for path in paths {
        let current = completed
            .iter()
            .filter(|c| &c.2 == path && c.3.is_none())
            .count();
        assert_eq!(current, 1, "{path} has one current version");
    }
    assert_s3_holds_exactly_the_completed_files(app, &t.bucket).await;
    assert!(app.open_upload_files().is_empty());
}
