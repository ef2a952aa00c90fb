//! Failures lose nothing and leave nothing behind: S3 going away mid-upload, a client that
//! disconnects or goes silent, and a crash cleaned up by the reaper.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use hopper::db::ids::SyncSessionId;
use hopper::schema::{file_uploads, sync_sessions};

use crate::helpers::TestApp;
use crate::planted::Abandoned;
use crate::streamed::StreamedUpload;
use crate::uploads::{assert_counters_match_rows, content, form, latest_session, rows, target};

const MIB: usize = 1024 * 1024;

pub async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn upload_id_of(app: &TestApp, path: &str) -> Option<String> {
    file_uploads::table
        .filter(file_uploads::file_path.eq(path))
        .order(file_uploads::id.desc())
        .select(file_uploads::s3_upload_id)
        .first::<Option<String>>(&mut app.conn())
        .ok()
        .flatten()
}

fn first_part_stored(app: &TestApp) -> bool {
    app.open_upload_files()
        .iter()
        .any(|f| f.ends_with(".part-1"))
}

#[actix_web::test]
async fn s3_going_away_mid_upload_fails_that_file_and_the_reaper_cleans_up_after() {
    let app = TestApp::spawn_with_private_s3(|_| {}).await;
    let t = target(&app).await;
    let uma = app.session_for(&t.uploader).await;
    let upload = StreamedUpload::start(&uma, &t);
    upload.file("before.txt", b"stored before the outage").await;
    upload.file_header("big.bin").await;
    let big = content(6 * MIB, 11);
    upload.send_in_chunks(&big[..5 * MIB + 1]).await;
    eventually("the first part reaches S3", || {
        upload_id_of(&app, "big.bin").is_some() && first_part_stored(&app)
    })
    .await;

    app.stop_s3();
    upload.send_in_chunks(&big[5 * MIB + 1..]).await;
    upload.send("\r\n").await;
    upload.file("after.txt", b"sent while S3 is down").await;
    let response = upload.finish().await;
    assert_eq!(response.status(), 200);
    let receipt = response.text().await.expect("receipt");

    let session = latest_session(&app);
    let r = rows(&app, session);
    let status = |path: &str| r.iter().find(|row| row.0 == path).expect("row").4.clone();
    assert_eq!(status("before.txt"), "completed");
    assert_eq!(status("big.bin"), "failed");
    // S3 may or may not have stored after.txt before it went away: in doubt, not failed.
    assert_eq!(status("after.txt"), "uploading");
    assert!(receipt.contains("failed: S3"), "{receipt}");
    assert!(receipt.contains("being checked"), "{receipt}");
    // The abort could not reach S3 either: the upload id stays for the reaper.
    assert!(upload_id_of(&app, "big.bin").is_some());
    assert!(!app.open_upload_files().is_empty());

    app.restart_s3();
    // Once S3 answers, reading back settles it: nothing was stored, so it failed.
    let sweep = hopper::services::reconciler::Sweep {
        older_than: Duration::ZERO,
        earlier_runs_of_this_node: false,
    };
    hopper::services::reconciler::run_once(&app.state.services, sweep)
        .await
        .expect("reconciler");
    let r = rows(&app, session);
    let after = r.iter().find(|row| row.0 == "after.txt").expect("row");
    assert_eq!(after.4, "failed");
    assert!(
        after
            .5
            .as_deref()
            .unwrap_or("")
            .contains("S3 did not store the file"),
        "{after:?}"
    );
    assert_counters_match_rows(&app, session);
    let report = hopper::services::reaper::run_once(&app.state.services, Duration::from_secs(3600))
        .await
        .expect("reaper");
    assert_eq!(report.aborted_uploads, 1);
    assert!(upload_id_of(&app, "big.bin").is_none());
    assert!(
        app.open_upload_files().is_empty(),
        "no parts remain: {:?}",
        app.open_upload_files()
    );

    // And a later upload succeeds.
    let again = uma
        .upload(&t.path(), form(&[("after.txt", b"sent again")]))
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(rows(&app, latest_session(&app))[0].4, "completed");
}

#[actix_web::test]
async fn a_client_that_disconnects_leaves_a_failed_session_and_no_parts() {
    let app = TestApp::spawn_with_private_s3(|_| {}).await;
    let t = target(&app).await;
    let uma = app.session_for(&t.uploader).await;
    let upload = StreamedUpload::start(&uma, &t);
    upload
        .file("kept.txt", b"complete before the disconnect")
        .await;
    upload.file_header("half.bin").await;
    upload.send_in_chunks(&content(5 * MIB + 100, 12)).await;
    eventually("the first part reaches S3", || first_part_stored(&app)).await;
    upload.break_connection().await;

    let session = latest_session(&app);
    eventually("the session is closed", || {
        session_status(&app, session) != "in_progress"
    })
    .await;
    eventually("the multipart upload is aborted", || {
        app.open_upload_files().is_empty()
    })
    .await;
    let r = rows(&app, session);
    assert_eq!(r[0].4, "completed");
    assert_eq!(r[1].4, "failed");
    assert!(
        r[1].5.as_deref().unwrap_or("").contains("interrupted"),
        "{:?}",
        r[1].5
    );
    assert_eq!(session_status(&app, session), "failed");
    eventually("the upload id is forgotten", || {
        upload_id_of(&app, "half.bin").is_none()
    })
    .await;
    assert_counters_match_rows(&app, session);
}

fn session_status(app: &TestApp, session: SyncSessionId) -> String {
    sync_sessions::table
        .find(session)
        .select(sync_sessions::status)
        .first(&mut app.conn())
        .expect("session")
}

#[actix_web::test]
async fn a_client_that_goes_silent_is_cut_off() {
    let app =
        TestApp::spawn_with_private_s3(|c| c.uploads.idle_timeout = Duration::from_secs(1)).await;
    let t = target(&app).await;
    let uma = app.session_for(&t.uploader).await;
    let upload = StreamedUpload::start(&uma, &t);
    upload.file_header("slow.bin").await;
    upload.send(vec![1u8; 1000]).await;
    // Then nothing: the server answers on its own.
    let response = upload.answer().await;
    assert_eq!(response.status(), 408);
    let body = response.text().await.expect("body");
    assert!(body.contains("sent nothing for 1 s"), "{body}");
    let session = latest_session(&app);
    assert_eq!(session_status(&app, session), "failed");
    assert_eq!(rows(&app, session)[0].4, "failed");
    assert_counters_match_rows(&app, session);
    assert!(app.open_upload_files().is_empty());
}

#[actix_web::test]
async fn the_reaper_fails_uploads_left_by_a_crash_and_aborts_them_by_their_stored_ids() {
    let app = TestApp::spawn_with_private_s3(|_| {}).await;
    let t = target(&app).await;
    let storage = &app.storage;
    storage.ensure_bucket(&t.bucket).await.expect("bucket");
    // What a node that crashed mid-upload leaves: an open multipart upload with a part...
    let key = format!("{}/crashed.bin", t.prefix);
    let created = storage
        .client()
        .create_multipart_upload()
        .bucket(&t.bucket)
        .key(&key)
        .send()
        .await
        .expect("create upload");
    let upload_id = created.upload_id().expect("id").to_owned();
    storage
        .client()
        .upload_part()
        .bucket(&t.bucket)
        .key(&key)
        .upload_id(&upload_id)
        .part_number(1)
        .body(content(5 * MIB, 13).into())
        .send()
        .await
        .expect("part");
    assert!(!app.open_upload_files().is_empty());
    // ...and rows saying `uploading`, last touched long ago.
    let crashed = Abandoned {
        age: chrono::Duration::hours(2),
        upload_id: Some(&upload_id),
        ..Abandoned::new("crashed.bin")
    }
    .plant(&app, &t);
    let (file, session) = (crashed.file, crashed.session);

    let report = hopper::services::reaper::run_once(&app.state.services, Duration::from_secs(600))
        .await
        .expect("reaper");
    assert_eq!(report.failed_files, 1);
    assert_eq!(report.closed_sessions, 1);
    assert_eq!(report.aborted_uploads, 1);
    let (status, reason, id): (String, Option<String>, Option<String>) = file_uploads::table
        .find(file)
        .select((
            file_uploads::status,
            file_uploads::error_message,
            file_uploads::s3_upload_id,
        ))
        .first(&mut app.conn())
        .expect("file");
    assert_eq!(status, "failed");
    assert!(reason.unwrap_or_default().contains("interrupted"));
    assert!(id.is_none());
    assert_eq!(session_status(&app, session), "failed");
    assert!(app.open_upload_files().is_empty(), "parts aborted");
    assert_counters_match_rows(&app, session);
    assert_eq!(app.audit_rows("upload.reaped").len(), 1);

    // A second pass finds nothing more to do.
    let again = hopper::services::reaper::run_once(&app.state.services, Duration::from_secs(600))
        .await
        .expect("reaper");
    assert_eq!(again, hopper::services::reaper::ReapReport::default());
}
