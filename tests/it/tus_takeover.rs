//! Who may go on with an upload while another request holds it: a live writer keeps its
//! claim however slow its client (its node renews it), and a killed node's claim lapses
//! within `WRITER_LAPSE_SECS`, so the client resumes on another node to an exact SHA-256
//! instead of waiting for the dead node to come back.

use hopper::db::models::tus_upload::WRITER_LAPSE_SECS;
use hopper::services::uploads::tus::liveness::renew_claims;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::helpers::{free_port, TestApp};
use crate::node_process::{serve, wait_ready};
use crate::tus::{create, file_of, head, location_of, patch, setup};
use crate::two_nodes::second_node;
use crate::uploads::{content, sha256};

const MIB: usize = 1024 * 1024;

/// A PATCH of the rest of `bytes` from `offset` whose client sends `sent` bytes of it and
/// then waits: the node holds the upload for as long as the connection stays open.
async fn slow_patch(
    base: &str,
    location: &str,
    token: &str,
    (bytes, offset, sent): (&[u8], usize, usize),
) -> TcpStream {
    let address = base.trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(&address).await.expect("connect");
    let rest = &bytes[offset..];
    let request = format!(
        "PATCH {location} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Tus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\n\
         Upload-Offset: {offset}\r\nContent-Length: {}\r\n\r\n",
        rest.len()
    );
    stream.write_all(request.as_bytes()).await.expect("head");
    stream.write_all(&rest[..sent]).await.expect("body");
    stream.flush().await.expect("flush");
    stream
}

fn claimed_by(app: &TestApp, location: &str) -> Option<String> {
    use diesel::prelude::*;
    use hopper::schema::tus_uploads;
    let id: uuid::Uuid = location
        .rsplit('/')
        .next()
        .and_then(|id| id.parse().ok())
        .expect("an upload id");
    tus_uploads::table
        .find(id)
        .filter(tus_uploads::writer.is_not_null())
        .select(tus_uploads::writer_node)
        .first::<Option<String>>(&mut app.conn())
        .ok()
        .flatten()
}

#[actix_web::test]
async fn a_killed_nodes_upload_goes_on_elsewhere_and_a_live_writer_keeps_its_own() {
    let app = TestApp::spawn_with_private_s3(|_| {}).await;
    let two = second_node(&app).await;
    let s = setup(&app).await;
    let bytes = content(12 * MIB + 77, 17);
    let lapse = chrono::Duration::seconds(WRITER_LAPSE_SECS + 1);

    // A node process takes a PATCH and is killed (SIGKILL) while it holds the upload,
    // after a part landed. It does not come back.
    let created = create(&app.address, &s.token, s.cycle, "scan.bin", bytes.len(), "").await;
    let location = location_of(&created);
    let port = free_port();
    let mut node = serve(&app, port, None);
    wait_ready(port).await;
    let base = format!("http://127.0.0.1:{port}");
    let cut = slow_patch(&base, &location, &s.token, (&bytes, 0, 6 * MIB)).await;
    crate::upload_failures::eventually("the node takes the PATCH and lands a part", || {
        claimed_by(&app, &location).as_deref() == Some("crash-node") && landed(&app, &location) > 0
    })
    .await;
    node.0.kill().expect("kill -9");
    node.0.wait().expect("reap the killed node");
    drop(cut);

    // Node two leaves it alone for a moment (the claim was renewed a moment ago); once the
    // claim has lapsed, node two takes it over and the upload completes there.
    let (status, offset) = head(&two.address, &location, &s.token).await;
    assert_eq!(status, 200);
    let offset = usize::try_from(offset.expect("offset")).expect("offset");
    assert!(offset >= 5 * MIB, "a part landed before the kill: {offset}");
    let early = patch(&two.address, &location, &s.token, offset, &[]).await;
    assert_eq!(
        early.status(),
        423,
        "the dead node's claim holds until it lapses"
    );
    two.state.services.clock().advance(lapse);
    let resumed = patch(&two.address, &location, &s.token, offset, &bytes[offset..]).await;
    assert_eq!(
        resumed.status(),
        204,
        "another node takes a dead node's upload over"
    );
    let (status, checksum, size, _) = file_of(&app, &location);
    assert_eq!(status, "completed");
    assert_eq!(checksum.as_deref(), Some(sha256(&bytes).as_str()));
    assert_eq!(size, Some(bytes.len() as i64));
    assert!(
        app.open_upload_files().is_empty(),
        "no multipart upload left open"
    );

    // Node one receives a PATCH whose client is slow. Longer than the lapse passes on both
    // nodes (their clocks kept together); node one renews the claims of its live requests,
    // as it does every few seconds, so node two still leaves the upload to it.
    app.state.services.clock().advance(lapse);
    let other = content(7 * MIB, 18);
    let created = create(
        &app.address,
        &s.token,
        s.cycle,
        "other.bin",
        other.len(),
        "",
    )
    .await;
    let location = location_of(&created);
    let slow = slow_patch(&app.address, &location, &s.token, (&other, 0, MIB)).await;
    let node_one = app.state.services.node().node_id.clone();
    crate::upload_failures::eventually("node one takes the PATCH", || {
        claimed_by(&app, &location).as_deref() == Some(node_one.as_str())
    })
    .await;
    app.state.services.clock().advance(lapse);
    two.state.services.clock().advance(lapse);
    assert!(renew_claims(&app.state.services).await.expect("renew") >= 1);
    let probe = patch(&two.address, &location, &s.token, 0, &[]).await;
    assert_eq!(probe.status(), 423, "a live writer keeps its upload");
    drop(slow);
    crate::tus::until_released(&app, &location).await;
}

fn landed(app: &TestApp, location: &str) -> i64 {
    use diesel::prelude::*;
    use hopper::schema::tus_uploads;
    let id: uuid::Uuid = location
        .rsplit('/')
        .next()
        .and_then(|id| id.parse().ok())
        .expect("an upload id");
    tus_uploads::table
        .find(id)
        .select(tus_uploads::landed)
        .first(&mut app.conn())
        .expect("tus row")
}
