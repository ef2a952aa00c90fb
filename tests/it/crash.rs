//! `kill -9` of a node in the middle of uploads: after it restarts, every row is
//! completed (its bytes in S3) or failed with a reason, no multipart upload is left open,
//! counters equal rows, and S3 holds exactly the completed files.

use diesel::prelude::*;
use hopper::schema::{file_uploads, sync_sessions};

use crate::helpers::{free_port, TestApp};
use crate::node_process::{serve, wait_ready};
use crate::streamed::StreamedUpload;
use crate::upload_failures::eventually;
use crate::uploads::assert_every_batch_matches_its_rows;
use crate::uploads::assert_s3_holds_exactly_the_completed_files;
use crate::uploads::{content, target};

const MIB: usize = 1024 * 1024;

#[actix_web::test]
async fn a_node_killed_mid_upload_settles_every_file_when_it_restarts() {
    let app = TestApp::spawn_with_private_s3(|_| {}).await;
    let t = target(&app).await;
    let uma = app.session_for(&t.uploader).await;
    let port = free_port();
    let mut node = serve(&app, port, None);
    wait_ready(port).await;
    let address = format!("http://127.0.0.1:{port}{}", t.path());
    app.storage.ensure_bucket(&t.bucket).await.expect("bucket");

    // One batch: a small file that completes, then a multipart file cut after its first
    // part. Another batch: a single-part file cut half-way.
    let big = StreamedUpload::start_at(&uma, address.clone());
    big.file("whole.txt", b"arrived in full before the crash")
        .await;
    big.file_header("big.bin").await;
    let bytes = content(12 * MIB, 51);
    big.send_in_chunks(&bytes[..6 * MIB]).await;
    let small = StreamedUpload::start_at(&uma, address);
    small.file_header("small.bin").await;
    small.send(content(100_000, 52)).await;
    eventually(
        "the first part of big.bin is in S3 and small.bin is arriving",
        || {
            let open = app.open_upload_files();
            let rows: i64 = file_uploads::table
                .filter(file_uploads::status.eq("uploading"))
                .count()
                .get_result(&mut app.conn())
                .expect("count");
            open.iter().any(|f| f.ends_with(".part-1")) && rows == 2
        },
    )
    .await;

    node.0.kill().expect("kill -9");
    node.0.wait().expect("reap the killed node");
    drop((big, small));

    let node = serve(&app, port, None);
    wait_ready(port).await;
    eventually(
        "every file settled and every multipart upload aborted",
        || {
            let uploading: i64 = file_uploads::table
                .filter(file_uploads::status.eq("uploading"))
                .count()
                .get_result(&mut app.conn())
                .expect("count");
            uploading == 0 && app.open_upload_files().is_empty()
        },
    )
    .await;

    let files: Vec<(String, String, Option<String>, Option<i64>)> = file_uploads::table
        .order(file_uploads::id)
        .select((
            file_uploads::file_path,
            file_uploads::status,
            file_uploads::error_message,
            file_uploads::file_size,
        ))
        .load(&mut app.conn())
        .expect("rows");
    let of = |path: &str| files.iter().find(|f| f.0 == path).expect("row").clone();
    assert_eq!(of("whole.txt").1, "completed");
    for path in ["big.bin", "small.bin"] {
        let (_, status, reason, _) = of(path);
        assert_eq!(status, "failed", "{path}");
        assert!(reason.unwrap_or_default().contains("restarted"), "{path}");
    }
    // Progress is recorded with each part (and every few seconds): at least the first
    // part of big.bin is accounted for, not 0.
    assert!(of("big.bin").3.unwrap_or(0) >= 5 * MIB as i64);
    let statuses: Vec<String> = sync_sessions::table
        .select(sync_sessions::status)
        .load(&mut app.conn())
        .expect("sessions");
    assert!(
        statuses.iter().all(|s| s == "failed"),
        "closed, not left running: {statuses:?}"
    );
    assert_every_batch_matches_its_rows(&app);
    // S3 holds whole.txt with its bytes, and nothing else.
    assert_s3_holds_exactly_the_completed_files(&app, &t.bucket).await;

    // SIGTERM: a clean stop.
    // SAFETY: signalling our own child process.
    unsafe {
        libc::kill(node.0.id() as libc::pid_t, libc::SIGTERM);
    }
    let mut node = node;
    assert!(node.0.wait().expect("stopped").success());
}
