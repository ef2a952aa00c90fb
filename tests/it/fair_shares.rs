//! One company cannot take a node from the others: no byte of a tus PATCH is read or
//! buffered before the caller's right to the upload is known, and one company's uploads,
//! however many accounts send them, hold no more than their share of the part buffers.

use std::time::Duration;

use bytes::Bytes;
use tokio::sync::mpsc;

use crate::helpers::{
    create_company, create_cycle, create_project, grant_access, TestApp, UserFixture, UserSession,
};
use crate::tus::b64;
use crate::uploads::{content, form, latest_session, rows};

const MIB: usize = 1024 * 1024;

/// A node with the default 16 part buffers, no pace rule (the trickles stay) and a short
/// wait for a buffer (a starved upload answers 503 in seconds, not half a minute). Parts
/// are held whole, as where a location cannot stream them (Object Lock, signed payloads):
/// the buffers' shares are what these tests are about.
async fn node(customize: impl FnOnce(&mut hopper::config::UploadConfig)) -> TestApp {
    TestApp::spawn_with_private_s3(|c| {
        c.uploads.min_rate = 0;
        c.uploads.stream_parts = false;
        c.uploads.max_part_buffers = 16;
        c.uploads.buffer_wait = Duration::from_secs(2);
        customize(&mut c.uploads);
    })
    .await
}

/// A PATCH whose body the test feeds: a first piece, then nothing until dropped.
struct Trickle {
    tx: mpsc::Sender<Result<Bytes, std::io::Error>>,
    answer: tokio::task::JoinHandle<Result<reqwest::Response, reqwest::Error>>,
}

impl Trickle {
    async fn start(session: &UserSession<'_>, location: &str, length: usize) -> Trickle {
        let (tx, body) = crate::tus::fed_body();
        let request = session
            .http
            .patch(session.app.url(location))
            .header("X-CSRF-Token", &session.csrf);
        let request = crate::tus::as_tus_patch(request, 0)
            .header("Content-Length", length.to_string())
            .body(body)
            .send();
        let trickle = Trickle {
            tx,
            answer: tokio::spawn(request),
        };
        // The first 64 KiB, taken by the connection: the request is under way.
        let _ = trickle.tx.send(Ok(Bytes::from(vec![7u8; 64 * 1024]))).await;
        trickle
    }

    fn answered(&self) -> bool {
        self.answer.is_finished()
    }

    /// Ends the body early; the answer, or the error of a connection the server closed.
    async fn stop(self) -> Option<u16> {
        drop(self.tx);
        match self.answer.await.expect("the PATCH's task") {
            Ok(response) => Some(response.status().as_u16()),
            Err(_) => None,
        }
    }
}

/// Creates a tus upload as a signed-in browser does; returns its address.
async fn create_upload(
    session: &UserSession<'_>,
    cycle: impl std::fmt::Display,
    name: &str,
    length: usize,
) -> String {
    let created = session
        .http
        .post(session.app.url("/uploads/tus"))
        .header("X-CSRF-Token", &session.csrf)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", length.to_string())
        .header(
            "Upload-Metadata",
            format!("filename {},cycle {}", b64(name), b64(&cycle.to_string())),
        )
        .send()
        .await
        .expect("create");
    assert_eq!(created.status(), 201);
    created.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned()
}

/// Another company's uploader and its project's upload page.
async fn other_company_uploader(app: &TestApp) -> (UserSession<'_>, String, i32) {
    let company = create_company(app, "OTHER", true);
    let project = create_project(app, company, "Elsewhere");
    let cycle = create_cycle(app, project, 1);
    let user = UserFixture::new("olga").company(company).create(app).await;
    grant_access(app, company, project, user.id, "uploader");
    let path = format!("/projects/{project}/cycles/{cycle}/upload");
    (app.session_for(&user).await, path, cycle.0)
}

/// The other company's 20 MiB form upload and a 6 MiB tus upload, both needing part
/// buffers, complete while the trickles hold on.
async fn other_company_uploads_complete(app: &TestApp) {
    let (olga, path, cycle) = other_company_uploader(app).await;
    let bytes = content(20 * MIB, 3);
    let answer = olga.upload(&path, form(&[("big.bin", &bytes)])).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let files = rows(app, latest_session(app));
    assert_eq!(files[0].4, "completed", "{files:?}");

    let length = 6 * MIB;
    let location = create_upload(&olga, cycle, "tus.bin", length).await;
    let patched = olga
        .http
        .patch(app.url(&location))
        .header("X-CSRF-Token", &olga.csrf)
        .header("Tus-Resumable", "1.0.0")
        .header("Content-Type", "application/offset+octet-stream")
        .header("Upload-Offset", "0")
        .body(content(length, 4))
        .send()
        .await
        .expect("patch");
    assert_eq!(patched.status(), 204, "{:?}", patched.text().await);
}

#[actix_web::test]
async fn a_viewers_trickling_patches_to_made_up_uploads_hold_no_buffer() {
    // No share or per-person cap to hide behind: only the check before the first byte.
    let app = node(|u| {
        u.company_share_percent = 100;
        u.max_writers_per_user = 100;
    })
    .await;
    let company = app.default_company();
    let project = create_project(&app, company, "Intake");
    let viewer = UserFixture::new("vic").create(&app).await;
    grant_access(&app, company, project, viewer.id, "viewer");
    let vic = app.session_for(&viewer).await;
    // Small bodies (under a part) at offset 0: the kind read whole before the claim.
    let mut trickles = Vec::new();
    for _ in 0..16 {
        let location = format!("/uploads/tus/{}", uuid::Uuid::new_v4());
        trickles.push(Trickle::start(&vic, &location, MIB).await);
    }
    other_company_uploads_complete(&app).await;
    for trickle in trickles {
        let status = trickle.stop().await;
        assert!(
            status.is_none_or(|s| s == 404),
            "a made-up upload is not found: {status:?}"
        );
    }
}

#[actix_web::test]
async fn sixteen_uploaders_of_one_company_hold_only_its_share_of_the_buffers() {
    let app = node(|_| {}).await;
    let company = app.default_company();
    let project = create_project(&app, company, "Intake");
    let cycle = create_cycle(&app, project, 1);
    let length = 20 * MIB;
    let mut sessions = Vec::new();
    for n in 0..16 {
        let user = UserFixture::new(&format!("sender{n}")).create(&app).await;
        grant_access(&app, company, project, user.id, "uploader");
        sessions.push(app.session_for(&user).await);
    }
    let mut trickles = Vec::new();
    for (n, session) in sessions.iter().enumerate() {
        let location = create_upload(session, cycle, &format!("slow-{n}.bin"), length).await;
        trickles.push(Trickle::start(session, &location, length).await);
    }
    other_company_uploads_complete(&app).await;
    // Those beyond the share wait 2 s for a buffer, then answer; the others hold theirs.
    crate::upload_failures::eventually("the uploads beyond the share are answered", || {
        trickles.iter().filter(|t| t.answered()).count() >= 12
    })
    .await;
    let mut answers = Vec::new();
    for trickle in trickles {
        answers.push(trickle.stop().await);
    }
    let starved = answers.iter().filter(|a| **a == Some(503)).count();
    assert_eq!(
        starved, 12,
        "beyond its share (4 of 16 buffers), the company's own uploads wait, then 503: {answers:?}"
    );
}

/// As many uploads as the company has buffers, each of several parts, sent at once: each
/// gives its full part to S3 before it asks for the next buffer, so none waits on a
/// buffer another holds while waiting itself (they all did, until the wait ran out).
#[actix_web::test]
async fn uploads_filling_the_share_all_complete_without_waiting_on_each_other() {
    let app = node(|_| {}).await;
    let company = app.default_company();
    let project = create_project(&app, company, "Intake");
    let cycle = create_cycle(&app, project, 1);
    let user = UserFixture::new("sender").create(&app).await;
    grant_access(&app, company, project, user.id, "uploader");
    let session = app.session_for(&user).await;
    let length = 20 * MIB;
    let mut locations = Vec::new();
    for n in 0..4 {
        locations.push(create_upload(&session, cycle, &format!("big-{n}.bin"), length).await);
    }
    let patches = locations.iter().enumerate().map(|(n, location)| {
        session
            .http
            .patch(app.url(location))
            .header("X-CSRF-Token", &session.csrf)
            .header("Tus-Resumable", "1.0.0")
            .header("Content-Type", "application/offset+octet-stream")
            .header("Upload-Offset", "0")
            .body(content(length, 10 + n as u8))
            .send()
    });
    let answers: Vec<u16> = futures_util::future::join_all(patches)
        .await
        .into_iter()
        .map(|answer| answer.expect("patch").status().as_u16())
        .collect();
    assert_eq!(answers, vec![204; 4], "every upload completes in one PATCH");
    use diesel::prelude::*;
    use hopper::schema::file_uploads;
    let completed: i64 = file_uploads::table
        .filter(file_uploads::status.eq("completed"))
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(completed, 4);
}
