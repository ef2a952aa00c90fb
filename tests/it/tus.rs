//! tus 1.0 resumable uploads: a standard client (tuspy, which nobody here wrote) in
//! chunks that do not fit the part size, the protocol's answers (412, 409, 415, 423),
//! connections cut at random points then resumed to an exact SHA-256, a second node
//! continuing, termination, expiry, a duplicate known at creation, and another company's
//! upload out of reach.

use std::io::Write;
use std::time::Duration;

use diesel::prelude::*;
use hopper::db::ids::{CycleId, ProjectId};
use hopper::schema::{file_uploads, sync_sessions, tus_uploads};
use hopper::startup::Application;
use rand::{Rng, SeedableRng};
use tokio::io::AsyncWriteExt;

use crate::api::create_token;
use crate::helpers::{
    create_company, create_cycle, create_project, grant_access, test_config, TestApp, UserFixture,
};
use crate::uploads::{content, s3_object, sha256};

const MIB: usize = 1024 * 1024;

pub struct Setup {
    pub project: ProjectId,
    pub cycle: CycleId,
    pub token: String,
}

/// A project, a cycle and a machine token for it (upload and read).
pub async fn setup(app: &TestApp) -> Setup {
    let company = app.default_company();
    let project = create_project(app, company, "Archive");
    let cycle = create_cycle(app, project, 1);
    let admin = UserFixture::new("alice").role("admin").create(app).await;
    let admin = app.session_for(&admin).await;
    let token = create_token(
        &admin,
        &format!("/admin/projects/{project}/tokens"),
        &[
            ("name", "sync"),
            ("days", "1"),
            ("scope", "upload"),
            ("scope", "read"),
        ],
    )
    .await;
    Setup {
        project,
        cycle,
        token,
    }
}

pub fn b64(value: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(value)
}

pub async fn create(
    app_url: &str,
    token: &str,
    cycle: CycleId,
    name: &str,
    length: usize,
    extra: &str,
) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{app_url}/uploads/tus"))
        .bearer_auth(token)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", length.to_string())
        .header(
            "Upload-Metadata",
            format!(
                "filename {},cycle {}{extra}",
                b64(name),
                b64(&cycle.to_string())
            ),
        )
        .send()
        .await
        .expect("create")
}

pub async fn head(base: &str, location: &str, token: &str) -> (u16, Option<i64>) {
    let response = reqwest::Client::new()
        .head(format!("{base}{location}"))
        .bearer_auth(token)
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .expect("head");
    let offset = response
        .headers()
        .get("upload-offset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    (response.status().as_u16(), offset)
}

pub async fn patch(
    base: &str,
    location: &str,
    token: &str,
    offset: usize,
    bytes: &[u8],
) -> reqwest::Response {
    try_patch(base, location, token, offset, bytes)
        .await
        .expect("patch")
}

/// A PATCH whose answer may be a closed connection (the server answered before it read
/// the whole body).
pub async fn try_patch(
    base: &str,
    location: &str,
    token: &str,
    offset: usize,
    bytes: &[u8],
) -> Result<reqwest::Response, reqwest::Error> {
    let request = reqwest::Client::new()
        .patch(format!("{base}{location}"))
        .bearer_auth(token);
    as_tus_patch(request, offset)
        .body(bytes.to_vec())
        .send()
        .await
}

/// A PATCH's tus headers: the protocol, the body's type, where it starts.
pub fn as_tus_patch(request: reqwest::RequestBuilder, offset: usize) -> reqwest::RequestBuilder {
    request
        .header("Tus-Resumable", "1.0.0")
        .header("Content-Type", "application/offset+octet-stream")
        .header("Upload-Offset", offset.to_string())
}

/// A request body the test feeds piece by piece (dropping the sender ends it).
pub fn fed_body() -> (
    tokio::sync::mpsc::Sender<Result<bytes::Bytes, std::io::Error>>,
    reqwest::Body,
) {
    let (pieces, rx) = tokio::sync::mpsc::channel(1);
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    (pieces, reqwest::Body::wrap_stream(body))
}

/// Sends `bytes` at `offset` over a raw connection and closes it after `cut` of them:
/// the server sees a body that breaks off.
pub(crate) async fn cut_patch(
    base: &str,
    location: &str,
    token: &str,
    offset: usize,
    bytes: &[u8],
    cut: usize,
) {
    let address = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    let head = format!(
        "PATCH {location} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Tus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\n\
         Upload-Offset: {offset}\r\nContent-Length: {}\r\n\r\n",
        bytes.len()
    );
    stream.write_all(head.as_bytes()).await.expect("head");
    stream.write_all(&bytes[..cut]).await.expect("body");
    stream.flush().await.expect("flush");
    tokio::time::sleep(Duration::from_millis(50)).await;
    drop(stream);
}

/// Waits until no request holds the upload's claim (a cut request gives it back).
pub async fn until_released(app: &TestApp, location: &str) {
    let id: uuid::Uuid = location
        .rsplit('/')
        .next()
        .and_then(|id| id.parse().ok())
        .expect("an upload id");
    crate::upload_failures::eventually("the cut request gives its claim back", || {
        tus_uploads::table
            .find(id)
            .select(tus_uploads::writer)
            .first::<Option<uuid::Uuid>>(&mut app.conn())
            .expect("tus row")
            .is_none()
    })
    .await;
}

/// The bucket of the setup's project.
pub fn bucket_of(app: &TestApp, s: &Setup) -> String {
    hopper::schema::projects::table
        .find(s.project)
        .select(hopper::schema::projects::bucket_name)
        .first(&mut app.conn())
        .expect("bucket")
}

pub fn location_of(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("Location")
        .to_owned()
}

pub fn file_of(app: &TestApp, location: &str) -> (String, Option<String>, Option<i64>, String) {
    let id: uuid::Uuid = location
        .rsplit('/')
        .next()
        .and_then(|i| i.parse().ok())
        .expect("uuid");
    tus_uploads::table
        .inner_join(file_uploads::table)
        .filter(tus_uploads::id.eq(id))
        .select((
            file_uploads::status,
            file_uploads::checksum,
            file_uploads::file_size,
            file_uploads::s3_key,
        ))
        .first(&mut app.conn())
        .expect("file of the upload")
}

/// Resumes until the upload is complete: HEAD for the offset, PATCH the rest (a claim
/// still held by a cut request answers 423 for a moment).
pub async fn resume(base: &str, location: &str, token: &str, bytes: &[u8]) {
    for _ in 0..200 {
        let (status, offset) = head(base, location, token).await;
        assert_eq!(status, 200);
        let offset = usize::try_from(offset.expect("offset")).expect("offset");
        if offset == bytes.len() {
            return;
        }
        let answer = patch(base, location, token, offset, &bytes[offset..]).await;
        match answer.status().as_u16() {
            204 | 409 | 423 => {}
            other => panic!(
                "resume answered {other}: {}",
                answer.text().await.unwrap_or_default()
            ),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the upload did not complete");
}

#[actix_web::test]
async fn a_standard_tus_client_sends_a_file_in_chunks_of_any_size() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let bytes = content(12 * MIB + 12_345, 3);
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(&bytes).expect("write");
    // 3 MiB chunks against 5 MiB parts: most requests end between parts.
    let script = format!(
        "from tusclient import client\n\
         c = client.TusClient('{}/uploads/tus', headers={{'Authorization': 'Bearer {}'}})\n\
         u = c.uploader(file_path='{}', chunk_size=3*1024*1024, metadata={{'filename': 'scans/big.bin', 'cycle': '{}'}})\n\
         u.upload()\n\
         print(u.url)\n",
        app.address,
        s.token,
        file.path().display(),
        s.cycle
    );
    let output = std::process::Command::new(crate::helpers::test_python())
        .args(["-c", &script])
        .output()
        .expect("target/test-venv with tuspy (scripts/install-deps.sh --test makes it)");
    assert!(
        output.status.success(),
        "tuspy failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let url = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let location = &url[url.find("/uploads/tus/").expect("a tus URL")..];
    let (status, checksum, size, key) = file_of(&app, location);
    assert_eq!(status, "completed");
    assert_eq!(checksum.as_deref(), Some(sha256(&bytes).as_str()));
    assert_eq!(size, Some(bytes.len() as i64));
    let bucket = bucket_of(&app, &s);
    assert_eq!(
        s3_object(&app, &bucket, &key).await.as_deref(),
        Some(&bytes[..])
    );
    let tail = format!(
        "{}/.hopper-tus-{}.tail",
        key.rsplit_once('/').expect("folder").0,
        location.rsplit('/').next().expect("id")
    );
    assert_eq!(
        s3_object(&app, &bucket, &tail).await,
        None,
        "the staged tail is gone"
    );
    // Its own batch, closed, with the file counted.
    let (status, uploaded, user): (String, Option<i32>, Option<i32>) = sync_sessions::table
        .select((
            sync_sessions::status,
            sync_sessions::files_uploaded,
            sync_sessions::user_id,
        ))
        .first(&mut app.conn())
        .expect("session");
    assert_eq!(
        (status.as_str(), uploaded, user),
        ("completed", Some(1), None)
    );
}

#[actix_web::test]
async fn the_protocol_answers_as_tus_says() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let http = reqwest::Client::new();
    let options = http
        .request(reqwest::Method::OPTIONS, app.url("/uploads/tus"))
        .send()
        .await
        .expect("options");
    assert_eq!(options.status(), 204);
    let extensions = options.headers()["tus-extension"]
        .to_str()
        .unwrap_or_default();
    assert_eq!(extensions, "creation,termination,expiration");
    assert!(options.headers().get("tus-max-size").is_some());

    let old = http
        .post(app.url("/uploads/tus"))
        .bearer_auth(&s.token)
        .header("Tus-Resumable", "0.2.2")
        .send()
        .await
        .expect("old version");
    assert_eq!(old.status(), 412);
    let nameless = http
        .post(app.url("/uploads/tus"))
        .bearer_auth(&s.token)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", "10")
        .send()
        .await
        .expect("no metadata");
    assert_eq!(nameless.status(), 400);
    let huge = create(&app.address, &s.token, s.cycle, "huge.bin", 1 << 50, "").await;
    assert_eq!(
        huge.status(),
        413,
        "Upload-Length counts against the limit first"
    );
    let bad_name = create(&app.address, &s.token, s.cycle, "../escape.txt", 10, "").await;
    assert_eq!(bad_name.status(), 400);
    let refused: Vec<(String, Option<String>)> = file_uploads::table
        .select((file_uploads::status, file_uploads::error_message))
        .load(&mut app.conn())
        .expect("files");
    assert!(
        refused
            .iter()
            .any(|(status, why)| status == "failed"
                && why.as_deref().is_some_and(|w| w.contains(".."))),
        "a refusal is recorded in its batch: {refused:?}"
    );

    let bytes = content(7 * MIB, 9);
    let created = create(
        &app.address,
        &s.token,
        s.cycle,
        "report.bin",
        bytes.len(),
        "",
    )
    .await;
    assert_eq!(created.status(), 201);
    let location = location_of(&created);
    assert!(created.headers().get("upload-expires").is_some());
    assert_eq!(
        head(&app.address, &location, &s.token).await,
        (200, Some(0))
    );
    let wrong = patch(&app.address, &location, &s.token, 5, &bytes[..10]).await;
    assert_eq!(wrong.status(), 409);
    assert_eq!(wrong.headers()["upload-offset"], "0");
    let plain = http
        .patch(app.url(&location))
        .bearer_auth(&s.token)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", "0")
        .body(bytes[..10].to_vec())
        .send()
        .await
        .expect("patch");
    assert_eq!(plain.status(), 415);
    let first = patch(&app.address, &location, &s.token, 0, &bytes[..MIB]).await;
    assert_eq!(first.status(), 204);
    assert_eq!(first.headers()["upload-offset"], MIB.to_string().as_str());
    let rest = patch(&app.address, &location, &s.token, MIB, &bytes[MIB..]).await;
    assert_eq!(rest.status(), 204);
    assert_eq!(
        file_of(&app, &location).1.as_deref(),
        Some(sha256(&bytes).as_str())
    );
    let more = patch(&app.address, &location, &s.token, 0, b"x").await;
    assert_eq!(more.status(), 409, "a complete upload takes nothing more");
    assert_eq!(
        more.headers()["upload-offset"],
        bytes.len().to_string().as_str()
    );

    // The same content again, announced by its checksum: nothing needs to move.
    let sha = sha256(&bytes);
    let again = create(
        &app.address,
        &s.token,
        s.cycle,
        "copy.bin",
        bytes.len(),
        &format!(",sha256 {}", b64(&sha)),
    )
    .await;
    assert_eq!(again.status(), 201);
    assert!(again.headers().get("hopper-duplicate-of").is_some());
    assert_eq!(
        again.headers()["upload-offset"],
        bytes.len().to_string().as_str()
    );
    assert_eq!(file_of(&app, &location_of(&again)).0, "skipped");

    // Termination: the upload is gone and its file failed as cancelled.
    let doomed = create(&app.address, &s.token, s.cycle, "doomed.bin", 6 * MIB, "").await;
    let doomed = location_of(&doomed);
    patch(&app.address, &doomed, &s.token, 0, &content(5 * MIB + 7, 4)).await;
    let deleted = http
        .delete(app.url(&doomed))
        .bearer_auth(&s.token)
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .expect("delete");
    assert_eq!(deleted.status(), 204);
    assert_eq!(head(&app.address, &doomed, &s.token).await.0, 404);
    assert_eq!(file_of(&app, &doomed).0, "failed");
}

#[actix_web::test]
async fn cut_connections_resume_to_an_exact_checksum_on_either_node() {
    let app = TestApp::spawn_with_private_s3(|_| {}).await;
    let s = setup(&app).await;
    let mut config = test_config(app.database_url.clone());
    config.s3 = app.state.config.s3.clone();
    config.secret_key = app.state.config.secret_key.clone();
    config.node_id = "node-two".into();
    let node = Application::build(config).await.expect("second node");
    let other = format!("http://{}", node.address());
    actix_web::rt::spawn(node.run_until_stopped());

    let seed: u64 = rand::rng().random();
    println!("HOPPER_TUS_SEED={seed}");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let bytes = content(16 * MIB + 333, 5);
    let created = create(
        &app.address,
        &s.token,
        s.cycle,
        "video.bin",
        bytes.len(),
        "",
    )
    .await;
    let location = location_of(&created);
    // Cut several requests at random points, alternating nodes, then resume.
    for round in 0..4 {
        let base = if round % 2 == 0 { &app.address } else { &other };
        let (_, offset) = head(base, &location, &s.token).await;
        let offset = usize::try_from(offset.expect("offset")).expect("offset");
        let rest = &bytes[offset..];
        let cut = rng.random_range(1..rest.len());
        cut_patch(base, &location, &s.token, offset, rest, cut).await;
        until_released(&app, &location).await;
    }
    resume(&other, &location, &s.token, &bytes).await;
    let (status, checksum, size, _) = file_of(&app, &location);
    assert_eq!(status, "completed", "seed {seed}");
    assert_eq!(
        checksum.as_deref(),
        Some(sha256(&bytes).as_str()),
        "seed {seed}"
    );
    assert_eq!(size, Some(bytes.len() as i64));
    assert!(
        app.open_upload_files().is_empty(),
        "no multipart upload left open"
    );
}

#[actix_web::test]
async fn abandoned_uploads_expire_and_another_company_cannot_reach_them() {
    let app = TestApp::spawn_with_private_s3(|_| {}).await;
    let s = setup(&app).await;
    let created = create(&app.address, &s.token, s.cycle, "left.bin", 8 * MIB, "").await;
    let left = location_of(&created);
    patch(&app.address, &left, &s.token, 0, &content(5 * MIB + 1, 1)).await;
    assert!(!app.open_upload_files().is_empty(), "a part landed");

    // Another company's user with a token of their own: a 404 like a missing upload.
    let other = create_company(&app, "OTHER", true);
    let theirs = create_project(&app, other, "Theirs");
    let intruder = UserFixture::new("ivan").company(other).create(&app).await;
    grant_access(&app, other, theirs, intruder.id, "uploader");
    let session = app.session_for(&intruder).await;
    let foreign = &create_token(
        &session,
        "/account/tokens",
        &[("name", "t"), ("days", "1"), ("scope", "upload")],
    )
    .await;
    let denied = app.audit_rows("access_denied").len();
    assert_eq!(head(&app.address, &left, foreign).await.0, 404);
    assert_eq!(
        patch(&app.address, &left, foreign, 5 * MIB, b"x")
            .await
            .status(),
        404
    );
    assert_eq!(app.audit_rows("access_denied").len(), denied + 2);
    let into_theirs = create(
        &app.address,
        &s.token,
        create_cycle(&app, theirs, 1),
        "x.bin",
        1,
        "",
    )
    .await;
    assert_eq!(into_theirs.status(), 404, "another company's cycle");

    // Past its expiry the reaper fails it and aborts its multipart upload.
    diesel::update(tus_uploads::table)
        .set(tus_uploads::expires_at.eq(chrono::Utc::now() - chrono::Duration::minutes(1)))
        .execute(&mut app.conn())
        .expect("expire");
    hopper::services::reaper::run_once(&app.state.services, Duration::from_secs(900))
        .await
        .expect("reaper");
    assert_eq!(head(&app.address, &left, &s.token).await.0, 404);
    let (status, ..) = file_of(&app, &left);
    assert_eq!(status, "failed");
    assert!(app.open_upload_files().is_empty(), "its parts are gone");
}

/// An empty file: a tus client sends no PATCH for it (tus-js-client does not, and the
/// protocol allows that), so its creation completes it, as its last byte would: an empty
/// object, the empty SHA-256, its batch counted and closed, its request matched; the
/// same empty content again is a duplicate.
#[actix_web::test]
async fn an_empty_file_is_complete_at_its_creation() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let admin = UserFixture::new("adam").role("admin").create(&app).await;
    let admin = app.session_for(&admin).await;
    crate::requests::add_to_list(&admin, s.project, "Blank form", "blank*").await;
    let cycle = crate::requests::start_cycle(&app, &admin, s.project).await;
    let (request, _, before) = crate::requests::requests_of(&app, cycle)
        .into_iter()
        .next()
        .expect("the cycle's request");
    assert_eq!(before, "missing");

    let created = create(&app.address, &s.token, cycle, "blank.txt", 0, "").await;
    assert_eq!(created.status(), 201);
    let offset = created.headers().get("upload-offset").cloned();
    assert_eq!(offset.as_ref().and_then(|v| v.to_str().ok()), Some("0"));
    let location = location_of(&created);
    let (status, checksum, size, key) = file_of(&app, &location);
    assert_eq!(status, "completed", "nothing more is coming for it");
    assert_eq!(checksum.as_deref(), Some(sha256(b"").as_str()));
    assert_eq!(size, Some(0));
    let bucket = bucket_of(&app, &s);
    assert_eq!(
        s3_object(&app, &bucket, &key).await.as_deref(),
        Some(&b""[..]),
        "an empty object is stored"
    );
    let head = reqwest::Client::new()
        .head(app.url(&location))
        .bearer_auth(&s.token)
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .expect("head");
    assert_eq!(head.status(), 200);
    let header = |name: &str| {
        head.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    assert_eq!(
        (header("upload-offset"), header("upload-length")),
        (Some("0".into()), Some("0".into()))
    );
    assert_eq!(
        patch(&app.address, &location, &s.token, 0, b"")
            .await
            .status(),
        409,
        "it takes no more bytes"
    );
    let (batch, uploaded): (String, Option<i32>) = sync_sessions::table
        .filter(sync_sessions::cycle_id.eq(cycle))
        .select((sync_sessions::status, sync_sessions::files_uploaded))
        .first(&mut app.conn())
        .expect("its batch");
    assert_eq!((batch.as_str(), uploaded), ("completed", Some(1)));
    assert_eq!(app.audit_rows("file.uploaded").len(), 1);
    assert_ne!(
        crate::requests::status_of(&app, request),
        "missing",
        "the request it matches has its file"
    );

    // (That cycle is complete now.) Twice in another cycle: the second is a duplicate,
    // complete at once too.
    let first = create(&app.address, &s.token, s.cycle, "a/empty.txt", 0, "").await;
    assert_eq!(first.status(), 201);
    assert_eq!(file_of(&app, &location_of(&first)).0, "completed");
    let again = create(&app.address, &s.token, s.cycle, "b/empty.txt", 0, "").await;
    assert_eq!(again.status(), 201);
    let (status, checksum, ..) = file_of(&app, &location_of(&again));
    assert_eq!(status, "skipped");
    assert_eq!(checksum.as_deref(), Some(sha256(b"").as_str()));
    assert_eq!(app.audit_rows("file.skipped").len(), 1);
}

/// S3 takes parts of 5 MiB to 5 GiB and at most 10,000 of them: a part size configured
/// below 5 MiB is raised to it, and a file that would need more than 10,000 parts is
/// refused (413) at its creation, before any byte moves, not at its 10,001st part.
#[actix_web::test]
async fn part_sizes_and_the_largest_file_stay_within_s3_limits() {
    let app = TestApp::spawn_with(|config| {
        config.uploads.part_size = MIB;
        config.uploads.max_file_size = 1 << 40;
    })
    .await;
    let s = setup(&app).await;
    let largest = 10_000 * 5 * MIB;
    let options = reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, app.url("/uploads/tus"))
        .send()
        .await
        .expect("options");
    assert_eq!(
        options.headers()["tus-max-size"].to_str().ok(),
        Some(largest.to_string().as_str()),
        "10,000 parts of 5 MiB"
    );
    let over = create(&app.address, &s.token, s.cycle, "huge.bin", largest + 1, "").await;
    assert_eq!(over.status(), 413);
    let why = over.text().await.expect("body");
    assert!(why.contains("larger than the limit of 48.8 GiB"), "{why}");
    let fits = create(&app.address, &s.token, s.cycle, "fits.bin", largest, "").await;
    assert_eq!(fits.status(), 201);

    // 6 MiB sent of a 7 MiB file: one 5 MiB part lands (with 1 MiB parts, six would).
    let bytes = content(7 * MIB, 5);
    let created = create(
        &app.address,
        &s.token,
        s.cycle,
        "parts.bin",
        bytes.len(),
        "",
    )
    .await;
    let location = location_of(&created);
    let sent = patch(&app.address, &location, &s.token, 0, &bytes[..6 * MIB]).await;
    assert_eq!(sent.status(), 204);
    let landed: i64 = tus_uploads::table
        .inner_join(file_uploads::table)
        .filter(file_uploads::file_path.eq("parts.bin"))
        .select(tus_uploads::landed)
        .first(&mut app.conn())
        .expect("landed");
    assert_eq!(landed, 5 * MIB as i64, "parts are at least 5 MiB");
    resume(&app.address, &location, &s.token, &bytes).await;
    let (status, checksum, ..) = file_of(&app, &location);
    assert_eq!(status, "completed");
    assert_eq!(checksum.as_deref(), Some(sha256(&bytes).as_str()));
}
