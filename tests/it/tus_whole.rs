//! A small file sent whole in one PATCH takes its content claim with the upload's claim
//! (one transaction fewer per file). These cover that path and every case it leaves to
//! the common one: a checksum that is not the announced one, a type the name denies,
//! the same content already stored or claimed by another upload in flight. Also a PUT S3
//! did not take (the client is told), and a manifest whose rows do not fit one statement.

use diesel::prelude::*;
use hopper::schema::{audit_log, file_uploads, sync_sessions, tus_uploads};

use crate::fault_proxy::spawn_with_faults;
use crate::helpers::TestApp;
use crate::tus::{b64, bucket_of, create, file_of, head, location_of, patch, setup, Setup};
use crate::uploads::{content, s3_object, sha256};

fn announcing(sha: &str) -> String {
    format!(",sha256 {}", b64(sha))
}

async fn created(app: &TestApp, s: &Setup, name: &str, len: usize, extra: &str) -> String {
    let response = create(&app.address, &s.token, s.cycle, name, len, extra).await;
    assert_eq!(response.status(), 201, "{name}");
    location_of(&response)
}

#[actix_web::test]
async fn a_small_file_sent_whole_is_stored_recorded_and_audited() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let bytes = [b"id,value\n".as_slice(), &content(40 * 1024, 3)].concat();
    let sha = sha256(&bytes);
    let location = created(&app, &s, "docs/ledger.csv", bytes.len(), &announcing(&sha)).await;

    let sent = patch(&app.address, &location, &s.token, 0, &bytes).await;
    assert_eq!(sent.status(), 204);
    assert_eq!(
        sent.headers()["upload-offset"],
        bytes.len().to_string().as_str()
    );
    let (status, checksum, size, key) = file_of(&app, &location);
    assert_eq!(status, "completed");
    assert_eq!(checksum.as_deref(), Some(sha.as_str()));
    assert_eq!(size, Some(bytes.len() as i64));
    assert_eq!(
        s3_object(&app, &bucket_of(&app, &s), &key).await.as_deref(),
        Some(bytes.as_slice())
    );
    let outcome: Option<String> = tus_uploads::table
        .select(tus_uploads::outcome)
        .first(&mut app.conn())
        .expect("tus row");
    assert_eq!(outcome.as_deref(), Some("completed"));
    let uploaded: i64 = audit_log::table
        .filter(audit_log::action.eq("file.uploaded"))
        .count()
        .get_result(&mut app.conn())
        .expect("audit");
    assert_eq!(uploaded, 1, "the file's upload is audited once");
    let (files, stored, ended): (Option<i32>, Option<i32>, String) = sync_sessions::table
        .select((
            sync_sessions::total_files,
            sync_sessions::files_uploaded,
            sync_sessions::status,
        ))
        .first(&mut app.conn())
        .expect("batch");
    assert_eq!((files, stored), (Some(1), Some(1)));
    assert_ne!(ended, "in_progress", "an upload of its own batch ends it");
    assert_eq!(
        head(&app.address, &location, &s.token).await,
        (200, Some(bytes.len() as i64))
    );
}

#[actix_web::test]
async fn what_the_whole_body_path_leaves_alone_ends_as_before() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;

    // Bytes that are not the announced ones: refused, the file failed.
    let bytes = [b"id,value\n".as_slice(), &content(9 * 1024, 4)].concat();
    let other = sha256(b"something else");
    let lying = created(&app, &s, "lying.csv", bytes.len(), &announcing(&other)).await;
    let refused = patch(&app.address, &lying, &s.token, 0, &bytes).await;
    assert_eq!(refused.status(), 400);
    assert_eq!(file_of(&app, &lying).0, "failed");

    // A name that says PDF over an image: the type is refused (415), the file failed.
    let png = [b"\x89PNG\r\n\x1a\n".as_slice(), &content(4 * 1024, 5)].concat();
    let renamed = created(&app, &s, "scan.pdf", png.len(), "").await;
    let refused = patch(&app.address, &renamed, &s.token, 0, &png).await;
    assert_eq!(refused.status(), 415);
    assert_eq!(file_of(&app, &renamed).0, "failed");

    // The same bytes already stored in the cycle (the checksum was not announced, so
    // creation could not tell): the second upload is the first one's duplicate.
    let first = created(&app, &s, "a/first.csv", bytes.len(), "").await;
    let second = created(&app, &s, "b/second.csv", bytes.len(), "").await;
    assert_eq!(
        patch(&app.address, &first, &s.token, 0, &bytes)
            .await
            .status(),
        204
    );
    assert_eq!(
        patch(&app.address, &second, &s.token, 0, &bytes)
            .await
            .status(),
        204
    );
    assert_eq!(file_of(&app, &first).0, "completed");
    let (status, _, _, key) = file_of(&app, &second);
    assert_eq!(status, "skipped");
    assert_eq!(s3_object(&app, &bucket_of(&app, &s), &key).await, None);

    // Two uploads of the same new bytes at once: one claims the content, the other waits
    // for it and ends as its duplicate; the bytes are stored once.
    let same = [b"id,value\n".as_slice(), &content(30 * 1024, 6)].concat();
    let one = created(&app, &s, "c/one.csv", same.len(), "").await;
    let two = created(&app, &s, "c/two.csv", same.len(), "").await;
    let (a, b) = tokio::join!(
        patch(&app.address, &one, &s.token, 0, &same),
        patch(&app.address, &two, &s.token, 0, &same)
    );
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (204, 204));
    let mut outcomes = [file_of(&app, &one).0, file_of(&app, &two).0];
    outcomes.sort();
    assert_eq!(outcomes, ["completed", "skipped"]);
    let stored: i64 = file_uploads::table
        .filter(file_uploads::checksum.eq(sha256(&same)))
        .filter(file_uploads::status.eq("completed"))
        .count()
        .get_result(&mut app.conn())
        .expect("stored copies");
    assert_eq!(stored, 1);
}

#[actix_web::test]
async fn a_small_first_chunk_of_a_bigger_file_is_kept_for_the_next_request() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let bytes = [b"id,value\n".as_slice(), &content(300 * 1024, 7)].concat();
    let location = created(&app, &s, "big.csv", bytes.len(), "").await;
    let first = patch(&app.address, &location, &s.token, 0, &bytes[..100 * 1024]).await;
    assert_eq!(first.status(), 204);
    assert_eq!(
        first.headers()["upload-offset"],
        (100 * 1024).to_string().as_str()
    );
    // More than the upload's length, from its start: refused before anything is kept.
    let fresh = created(&app, &s, "small.csv", 10, "").await;
    let too_much = patch(&app.address, &fresh, &s.token, 0, &bytes[..20]).await;
    assert_eq!(too_much.status(), 400);
    assert_eq!(head(&app.address, &fresh, &s.token).await, (200, Some(0)));
    let rest = patch(
        &app.address,
        &location,
        &s.token,
        100 * 1024,
        &bytes[100 * 1024..],
    )
    .await;
    assert_eq!(rest.status(), 204);
    let (status, checksum, _, _) = file_of(&app, &location);
    assert_eq!(status, "completed");
    assert_eq!(checksum.as_deref(), Some(sha256(&bytes).as_str()));
}

#[actix_web::test]
async fn a_manifest_larger_than_one_statement_takes_every_file() {
    // PostgreSQL binds at most 65,535 values per statement; 5,000 files' tus rows
    // (16 values each) are more.
    let app = TestApp::spawn_with_private_s3(|c| c.uploads.max_files_per_batch = 5_000).await;
    let s = setup(&app).await;
    let files: Vec<serde_json::Value> = (0..5_000)
        .map(|i| {
            let bytes = format!("id,value\n{i},x\n");
            serde_json::json!({
                "path": format!("many/f{i:04}.csv"),
                "size": bytes.len(),
                "sha256": sha256(bytes.as_bytes()),
            })
        })
        .collect();
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/sessions", app.address))
        .bearer_auth(&s.token)
        .json(&serde_json::json!({ "cycle_id": s.cycle.0, "files": files }))
        .send()
        .await
        .expect("manifest");
    assert_eq!(response.status(), 201);
    let plan: serde_json::Value = response.json().await.expect("JSON");
    let planned = plan["files"].as_array().expect("files");
    assert_eq!(planned.len(), 5_000);
    assert!(planned.iter().all(|f| f["action"] == "upload"));
    // Each answer is its own file's: the last one's upload sends that file's bytes.
    let last = planned[4_999]["upload_url"].as_str().expect("url");
    let bytes = b"id,value\n4999,x\n";
    let sent = patch(&app.address, last, &s.token, 0, bytes).await;
    assert_eq!(sent.status(), 204);
    let (status, checksum, _, key) = file_of(&app, last);
    assert_eq!(status, "completed");
    assert_eq!(checksum.as_deref(), Some(sha256(bytes).as_str()));
    assert!(key.ends_with("many/f4999.csv"), "{key}");
    let rows: i64 = tus_uploads::table
        .count()
        .get_result(&mut app.conn())
        .expect("tus rows");
    assert_eq!(rows, 5_000);
}

#[actix_web::test]
async fn a_whole_file_s3_did_not_store_is_not_reported_as_done() {
    // Every attempt of the PUT is shed (503 SlowDown); the read-back then finds nothing.
    let (app, faults) = spawn_with_faults(|c| c.s3.retry.max_attempts = 2).await;
    let s = setup(&app).await;
    let bytes = [b"id,value\n".as_slice(), &content(12 * 1024, 8)].concat();
    let location = created(&app, &s, "lost.csv", bytes.len(), "").await;
    faults.s3.slow_down_next(2);
    let sent = patch(&app.address, &location, &s.token, 0, &bytes).await;
    assert_eq!(faults.s3.slow_downs_answered(), 2);
    assert_eq!(sent.status(), 503, "the client must not take it for stored");
    let (status, _, _, key) = file_of(&app, &location);
    assert_eq!(status, "failed");
    assert_eq!(s3_object(&app, &bucket_of(&app, &s), &key).await, None);
    assert_eq!(
        head(&app.address, &location, &s.token).await.0,
        404,
        "the upload is over: a new one sends the file again"
    );
    // And sent again as a new upload, it is stored.
    let again = created(&app, &s, "lost.csv", bytes.len(), "").await;
    assert_eq!(
        patch(&app.address, &again, &s.token, 0, &bytes)
            .await
            .status(),
        204
    );
    assert_eq!(file_of(&app, &again).0, "completed");
}
