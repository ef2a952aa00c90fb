//! S3 and PostgreSQL failing under Hopper, through the fault proxy: answers of 503
//! SlowDown are retried, a black-holed S3 fails the file with a reason and leaves nothing
//! open once it is back, a CompleteMultipartUpload answered 200 with an error in its body
//! fails the file (form and tus), and a database outage is a quick 503 that Hopper
//! recovers from.

use std::time::Duration;

use diesel::prelude::*;
use hopper::schema::file_uploads;

use crate::fault_proxy::{spawn_with_faults, Fault, Hold};
use crate::streamed::StreamedUpload;
use crate::upload_failures::eventually;
use crate::uploads::{
    assert_counters_match_rows, assert_s3_holds_exactly_the_completed_files, content, form,
    latest_session, rows, target,
};

const MIB: usize = 1024 * 1024;

#[actix_web::test]
async fn s3_shedding_load_is_retried_and_the_batch_completes() {
    let (app, faults) = spawn_with_faults(|_| {}).await;
    let t = target(&app).await;
    let uma = app.session_for(&t.uploader).await;
    let big = content(7 * MIB, 21);
    faults.s3.slow_down_next(3);
    let page = uma
        .upload(
            &t.path(),
            form(&[("big.bin", &big), ("small.txt", b"small and steady")]),
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(faults.s3.slow_downs_answered(), 3);
    let session = latest_session(&app);
    let files = rows(&app, session);
    assert!(files.iter().all(|f| f.4 == "completed"), "{files:?}");
    assert_counters_match_rows(&app, session);
    assert_s3_holds_exactly_the_completed_files(&app, &t.bucket).await;
    assert!(app.open_upload_files().is_empty());
}

#[actix_web::test]
async fn a_black_holed_s3_fails_the_file_with_a_reason_and_nothing_stays_open_once_it_is_back() {
    let (app, faults) = spawn_with_faults(|c| {
        c.s3.retry.attempt_timeout = Duration::from_secs(1);
        c.s3.retry.max_attempts = 2;
    })
    .await;
    let t = target(&app).await;
    let uma = app.session_for(&t.uploader).await;
    let upload = StreamedUpload::start(&uma, &t);
    upload.file("before.txt", b"stored before the outage").await;
    upload.file_header("big.bin").await;
    let big = content(7 * MIB, 22);
    upload.send_in_chunks(&big[..5 * MIB + 1]).await;
    eventually("the first part reaches S3", || {
        app.open_upload_files()
            .iter()
            .any(|f| f.ends_with(".part-1"))
    })
    .await;

    // S3 now swallows every request and never answers.
    faults.s3.set(Fault::Blackhole);
    upload.send_in_chunks(&big[5 * MIB + 1..]).await;
    upload.send("\r\n").await;
    // The next part's header tells the server that big.bin has ended.
    upload.file_header("after.txt").await;
    eventually("big.bin fails", || {
        rows(&app, latest_session(&app))
            .iter()
            .any(|f| f.0 == "big.bin" && f.4 == "failed")
    })
    .await;
    faults.s3.set(Fault::Pass);
    upload.send(&b"sent once S3 is back"[..]).await;
    upload.send("\r\n").await;
    let response = upload.finish().await;
    assert_eq!(response.status(), 200);
    let receipt = response.text().await.expect("receipt");
    assert!(receipt.contains("failed: S3"), "{receipt}");

    let session = latest_session(&app);
    let files = rows(&app, session);
    let status = |path: &str| files.iter().find(|f| f.0 == path).expect("row").4.clone();
    assert_eq!(status("before.txt"), "completed");
    assert_eq!(status("big.bin"), "failed");
    assert_eq!(status("after.txt"), "completed");
    assert_counters_match_rows(&app, session);
    // The abort may not have got through the black hole; the reaper finishes it by id.
    hopper::services::reaper::run_once(&app.state.services, Duration::from_secs(3600))
        .await
        .expect("reaper");
    assert!(
        app.open_upload_files().is_empty(),
        "no multipart upload is left open: {:?}",
        app.open_upload_files()
    );
    assert_s3_holds_exactly_the_completed_files(&app, &t.bucket).await;
}

#[actix_web::test]
async fn a_database_outage_is_a_quick_503_and_hopper_recovers_without_half_written_rows() {
    let (app, faults) = spawn_with_faults(|_| {}).await;
    let t = target(&app).await;
    let uma = app.session_for(&t.uploader).await;
    assert_eq!(uma.get("/").await.status, 200);

    // PostgreSQL restarts: every connection is cut, new ones are refused for a while.
    faults.db.set(Fault::Reset);
    let started = std::time::Instant::now();
    let page = uma.get("/").await;
    assert_eq!(page.status, 503, "{}", page.body);
    assert!(page.headers.get("retry-after").is_some());
    assert!(page.headers.get("content-security-policy").is_some());
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "answered, not hung"
    );
    let refused = uma
        .upload(
            &t.path(),
            form(&[("during.txt", b"sent while the database is away")]),
        )
        .await;
    assert_eq!(refused.status, 503, "{}", refused.body);
    assert_eq!(
        app.get("/healthz").await.status,
        200,
        "liveness needs no database"
    );

    faults.db.set(Fault::Pass);
    let mut back = uma.get("/").await;
    for _ in 0..100 {
        if back.status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        back = uma.get("/").await;
    }
    assert_eq!(back.status, 200, "the same session works again");
    let page = uma
        .upload(
            &t.path(),
            form(&[("after.txt", b"sent once the database is back")]),
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    // Nothing of the refused upload was half-written: no row names it.
    let during: i64 = file_uploads::table
        .filter(file_uploads::file_path.eq("during.txt"))
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(during, 0);
    let session = latest_session(&app);
    assert_eq!(rows(&app, session)[0].4, "completed");
    assert_counters_match_rows(&app, session);
}

/// The first line of a CompleteMultipartUpload (CreateMultipartUpload is a POST too, but
/// names no upload id; UploadPart and AbortMultipartUpload are a PUT and a DELETE).
const COMPLETE_MULTIPART: [&str; 2] = ["POST ", "uploadId="];

/// S3 may answer a CompleteMultipartUpload `200 OK` with `<Error>` in its body (the
/// status goes out before the work ends). That is a failure, whoever notices it (the SDK
/// does, for this operation): a form upload's file fails with its reason in the receipt
/// (not a 500), is not recorded as completed, and its multipart upload is aborted.
#[actix_web::test]
async fn a_completion_answered_200_with_an_error_fails_the_form_file() {
    let (app, faults) = spawn_with_faults(|_| {}).await;
    let t = target(&app).await;
    let uma = app.session_for(&t.uploader).await;
    let big = content(7 * MIB, 24);
    // Every attempt of it: a retry that passed would rightly complete the file.
    faults
        .s3
        .hold_all(&COMPLETE_MULTIPART, Hold::ErrorIn200, 100);
    let page = uma
        .upload(
            &t.path(),
            form(&[
                ("big.bin", &big),
                ("small.txt", b"one PutObject, untouched"),
            ]),
        )
        .await;
    assert_eq!(
        page.status, 200,
        "a receipt, not an error page: {}",
        page.body
    );
    assert!(faults.s3.errors_in_200_answered() >= 1, "the rule was met");
    assert!(page.body.contains("failed: S3"), "{}", page.body);
    let session = latest_session(&app);
    let files = rows(&app, session);
    let status = |path: &str| files.iter().find(|f| f.0 == path).expect("row").4.clone();
    assert_eq!(status("big.bin"), "failed", "{files:?}");
    assert_eq!(status("small.txt"), "completed");
    assert_counters_match_rows(&app, session);
    assert_s3_holds_exactly_the_completed_files(&app, &t.bucket).await;
    assert!(
        app.open_upload_files().is_empty(),
        "its multipart upload is aborted: {:?}",
        app.open_upload_files()
    );
}

/// The same answer to the completion of a tus upload's last PATCH: the client is told
/// (a 503 that says to send the file again), the file is failed, not completed, and the
/// upload is gone (HEAD 404), its parts aborted.
#[actix_web::test]
async fn a_completion_answered_200_with_an_error_fails_the_tus_upload() {
    let (app, faults) = spawn_with_faults(|_| {}).await;
    let s = crate::tus::setup(&app).await;
    let bytes = content(7 * MIB, 25);
    let created =
        crate::tus::create(&app.address, &s.token, s.cycle, "big.bin", bytes.len(), "").await;
    assert_eq!(created.status(), 201);
    let location = crate::tus::location_of(&created);
    faults
        .s3
        .hold_all(&COMPLETE_MULTIPART, Hold::ErrorIn200, 100);
    let sent = crate::tus::patch(&app.address, &location, &s.token, 0, &bytes).await;
    let status = sent.status().as_u16();
    let why = sent.text().await.unwrap_or_default();
    assert_eq!(status, 503, "{why}");
    assert!(why.contains("send it again"), "{why}");
    assert!(faults.s3.errors_in_200_answered() >= 1, "the rule was met");
    let (file_status, ..) = crate::tus::file_of(&app, &location);
    assert_eq!(file_status, "failed");
    assert_eq!(
        crate::tus::head(&app.address, &location, &s.token).await.0,
        404
    );
    assert!(
        app.open_upload_files().is_empty(),
        "its multipart upload is aborted: {:?}",
        app.open_upload_files()
    );
}
