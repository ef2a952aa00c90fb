//! A node killed (SIGKILL) in the middle of a PATCH: after it restarts (same node id, a
//! new boot), HEAD reports what safely landed and the upload resumes there to an exact
//! SHA-256. The earlier boot's clean-up at start-up must not take the upload away.

use tokio::io::AsyncWriteExt;

use crate::helpers::{free_port, TestApp};
use crate::node_process::{serve, wait_ready};
use crate::tus::{create, file_of, head, location_of, patch, resume, setup};
use crate::uploads::{content, sha256};

const MIB: usize = 1024 * 1024;

#[actix_web::test]
async fn a_node_killed_mid_patch_resumes_to_an_exact_checksum_after_its_restart() {
    let app = TestApp::spawn_with_private_s3(|_| {}).await;
    let s = setup(&app).await;
    let bytes = content(12 * MIB + 77, 9);
    // The upload starts on the in-process node (which makes the bucket on its store).
    let created = create(&app.address, &s.token, s.cycle, "scan.bin", bytes.len(), "").await;
    let location = location_of(&created);
    assert_eq!(
        patch(&app.address, &location, &s.token, 0, &bytes[..6 * MIB])
            .await
            .status(),
        204
    );

    // The process node takes the rest and is killed half-way through the body.
    let port = free_port();
    let mut node = serve(&app, port, None);
    wait_ready(port).await;
    let base = format!("http://127.0.0.1:{port}");
    let (_, offset) = head(&base, &location, &s.token).await;
    let offset = usize::try_from(offset.expect("offset")).expect("offset");
    let address = base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connect");
    let rest = &bytes[offset..];
    let request = format!(
        "PATCH {location} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\n\
         Tus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\n\
         Upload-Offset: {offset}\r\nContent-Length: {}\r\n\r\n",
        s.token,
        rest.len()
    );
    stream.write_all(request.as_bytes()).await.expect("head");
    stream
        .write_all(&rest[..rest.len() / 2])
        .await
        .expect("body");
    stream.flush().await.expect("flush");
    // Killed once the node has taken the PATCH (its claim is recorded), bytes in flight.
    crate::upload_failures::eventually("the node takes the PATCH", || {
        use diesel::prelude::*;
        use hopper::schema::tus_uploads;
        tus_uploads::table
            .select(tus_uploads::writer)
            .first::<Option<uuid::Uuid>>(&mut app.conn())
            .expect("tus row")
            .is_some()
    })
    .await;
    node.0.kill().expect("kill -9");
    node.0.wait().expect("reap the killed node");
    drop(stream);

    // Restarted: the same node id, a new boot.
    let port = free_port();
    let _node = serve(&app, port, None);
    wait_ready(port).await;
    let base = format!("http://127.0.0.1:{port}");
    let (status, landed) = head(&base, &location, &s.token).await;
    assert_eq!(status, 200, "the upload survived the restart");
    let landed = usize::try_from(landed.expect("offset")).expect("offset");
    assert!(
        landed >= offset && landed < bytes.len(),
        "{offset} ≤ {landed}"
    );
    resume(&base, &location, &s.token, &bytes).await;
    let (status, checksum, size, _) = file_of(&app, &location);
    assert_eq!(status, "completed");
    assert_eq!(checksum.as_deref(), Some(sha256(&bytes).as_str()));
    assert_eq!(size, Some(bytes.len() as i64));
    assert!(
        app.open_upload_files().is_empty(),
        "no multipart upload left open"
    );
}
