//! Resumable uploads through an upload link: a visitor without an account opens a batch,
//! sends a file over tus in pieces and reads the receipt; the upload and the batch are
//! the visit's own (another visitor of the same link, even with the same name, gets a
//! 404); a file of a kind not taken is refused at its creation, before its body; the
//! link's byte limit counts the uploads still on their way; a revoked link stops them.

use diesel::prelude::*;
use hopper::schema::{
    audit_log, file_uploads, notifications, sync_sessions, tus_uploads, upload_links,
};

use crate::helpers::TestApp;
use crate::requests::{document, requests_of, status_of};
use crate::tus::b64;
use crate::upload_links::{project_with_link, Visitor};

/// A named visitor of `link` and the CSRF token its requests carry.
pub(crate) async fn named<'a>(app: &'a TestApp, link: &str, name: &str) -> (Visitor<'a>, String) {
    let visitor = Visitor::new(app);
    let said = visitor.identify(link, name, "vera@example.com", "").await;
    assert_eq!(said.status, 303, "{}", said.body);
    let csrf = visitor.get(link).await.csrf_token();
    (visitor, csrf)
}

fn tus(
    app: &TestApp,
    (visitor, csrf): &(Visitor<'_>, String),
    method: reqwest::Method,
    path: &str,
) -> reqwest::RequestBuilder {
    visitor
        .http()
        .request(method, app.url(path))
        .header("Tus-Resumable", "1.0.0")
        .header("X-CSRF-Token", csrf.as_str())
}

async fn open_batch(app: &TestApp, v: &(Visitor<'_>, String), link: &str) -> i64 {
    let response = tus(app, v, reqwest::Method::POST, &format!("{link}/batches"))
        .send()
        .await
        .expect("batch");
    assert_eq!(response.status(), 201);
    let body: serde_json::Value = response.json().await.expect("json");
    body["session_id"].as_i64().expect("a batch id")
}

/// Creates an upload of `bytes` named `name` in the link's cycle; `head`: announce its
/// first bytes, as the link page's script does.
pub(crate) async fn create(
    app: &TestApp,
    v: &(Visitor<'_>, String),
    link: &str,
    (name, length, head): (&str, usize, Option<&[u8]>),
    session: Option<i64>,
) -> reqwest::Response {
    use base64::Engine;
    let cycle: i32 = upload_links::table
        .select(upload_links::cycle_id)
        .first(&mut app.conn())
        .expect("link");
    let mut metadata = format!("filename {},cycle {}", b64(name), b64(&cycle.to_string()));
    if let Some(session) = session {
        metadata += &format!(",session {}", b64(&session.to_string()));
    }
    if let Some(head) = head {
        let encoded = base64::engine::general_purpose::STANDARD.encode(head);
        metadata += &format!(",head {}", b64(&encoded));
    }
    tus(app, v, reqwest::Method::POST, &format!("{link}/tus"))
        .header("Upload-Length", length.to_string())
        .header("Upload-Metadata", metadata)
        .send()
        .await
        .expect("create")
}

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("a location")
        .to_owned()
}

async fn patch(
    app: &TestApp,
    v: &(Visitor<'_>, String),
    at: &str,
    offset: usize,
    bytes: &[u8],
) -> reqwest::Response {
    tus(app, v, reqwest::Method::PATCH, at)
        .header("Content-Type", "application/offset+octet-stream")
        .header("Upload-Offset", offset.to_string())
        .body(bytes.to_vec())
        .send()
        .await
        .expect("patch")
}

async fn offset_of(app: &TestApp, v: &(Visitor<'_>, String), at: &str) -> (u16, Option<i64>) {
    let response = tus(app, v, reqwest::Method::HEAD, at)
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

pub(crate) async fn problem(response: reqwest::Response) -> (u16, String, String) {
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.expect("a problem");
    let text = |key: &str| body[key].as_str().unwrap_or_default().to_owned();
    (status, text("code"), text("detail"))
}

#[actix_web::test]
async fn a_visitor_sends_a_file_in_pieces_and_reads_its_receipt() {
    let app = TestApp::spawn().await;
    let (_, cycle, link) = project_with_link(&app, &[("label", "Client"), ("days", "7")]).await;
    let vera = named(&app, &link, "Vera Visitor").await;
    let session = open_batch(&app, &vera, &link).await;
    let bytes = document(300_000, 7, false);

    let created = create(
        &app,
        &vera,
        &link,
        ("march_statement.pdf", bytes.len(), Some(&bytes[..4096])),
        Some(session),
    )
    .await;
    assert_eq!(created.status(), 201);
    let at = location(&created);
    assert!(at.starts_with(&format!("{link}/tus/")), "{at}");
    let half = bytes.len() / 2;
    assert_eq!(
        patch(&app, &vera, &at, 0, &bytes[..half]).await.status(),
        204
    );
    assert_eq!(offset_of(&app, &vera, &at).await, (200, Some(half as i64)));
    assert_eq!(
        patch(&app, &vera, &at, half, &bytes[half..]).await.status(),
        204
    );

    let receipt = vera
        .0
        .http()
        .post(app.url(&format!("{link}/batches/{session}/finish")))
        .header("X-CSRF-Token", vera.1.as_str())
        .header("HX-Request", "true")
        .send()
        .await
        .expect("finish");
    assert_eq!(receipt.status(), 200);
    let receipt = receipt.text().await.expect("receipt").replace("<wbr>", "");
    assert!(receipt.contains("Receipt: 1 file received"), "{receipt}");
    assert!(receipt.contains("march_statement.pdf"), "{receipt}");
    assert!(
        !receipt.contains("/files/"),
        "no links into Hopper: {receipt}"
    );

    let (statement, ..) = requests_of(&app, cycle)[0].clone();
    // The project takes files without review: the matched request is fulfilled.
    assert_eq!(status_of(&app, statement), "accepted");
    let (name, visit): (Option<String>, Option<i32>) = sync_sessions::table
        .find(session as i32)
        .select((sync_sessions::uploader_name, sync_sessions::link_visit_id))
        .first(&mut app.conn())
        .expect("batch");
    assert_eq!(name.as_deref(), Some("Vera Visitor"));
    assert!(visit.is_some(), "the batch is the visit's");

    // The receipt by email, to the address Vera gave; once per batch, hers alone.
    let email = format!("{link}/batches/{session}/email");
    assert!(receipt.contains(&email), "the receipt offers it: {receipt}");
    let ask = |v: &(Visitor<'_>, String)| {
        v.0.http()
            .post(app.url(&email))
            .header("X-CSRF-Token", v.1.as_str())
            .header("HX-Request", "true")
            .send()
    };
    let sent = ask(&vera).await.expect("email");
    assert_eq!(sent.status(), 200);
    let sent = sent.text().await.expect("answer");
    assert!(sent.contains("on its way to vera@example.com"), "{sent}");
    let again = ask(&vera)
        .await
        .expect("email")
        .text()
        .await
        .expect("answer");
    assert!(again.contains("already sent"), "{again}");
    let other = named(&app, &link, "Vera Visitor").await;
    assert_eq!(ask(&other).await.expect("email").status(), 404);
    let mails: Vec<(String, String, String)> = notifications::table
        .filter(notifications::kind.eq("upload_receipt"))
        .select((
            notifications::recipient,
            notifications::subject,
            notifications::body,
        ))
        .load(&mut app.conn())
        .expect("outbox");
    assert_eq!(mails.len(), 1, "{mails:?}");
    let (to, subject, body) = &mails[0];
    assert_eq!(to, "vera@example.com");
    assert!(subject.contains("receipt"), "{subject}");
    assert!(
        body.contains("march_statement.pdf") && body.contains("Received"),
        "{body}"
    );
    let audited: i64 = audit_log::table
        .filter(audit_log::action.eq("upload_link.receipt_emailed"))
        .count()
        .get_result(&mut app.conn())
        .expect("audit");
    assert_eq!(audited, 1);
}

#[actix_web::test]
async fn another_visitor_of_the_same_link_cannot_touch_the_upload_or_the_batch() {
    let app = TestApp::spawn().await;
    let (_, _, link) = project_with_link(&app, &[("label", "Client"), ("days", "7")]).await;
    let vera = named(&app, &link, "Vera Visitor").await;
    // The same name and email from another browser: another visit.
    let other = named(&app, &link, "Vera Visitor").await;
    let session = open_batch(&app, &vera, &link).await;
    let bytes = document(100_000, 3, false);
    let created = create(
        &app,
        &vera,
        &link,
        ("statement.pdf", bytes.len(), None),
        Some(session),
    )
    .await;
    let at = location(&created);
    assert_eq!(
        patch(&app, &vera, &at, 0, &bytes[..1000]).await.status(),
        204
    );

    assert_eq!(offset_of(&app, &other, &at).await.0, 404);
    assert_eq!(
        patch(&app, &other, &at, 1000, &bytes[1000..])
            .await
            .status(),
        404
    );
    let cancelled = tus(&app, &other, reqwest::Method::DELETE, &at)
        .send()
        .await
        .expect("delete");
    assert_eq!(cancelled.status(), 404);
    let joined = create(&app, &other, &link, ("mine.pdf", 10, None), Some(session)).await;
    assert_eq!(joined.status(), 404, "another visit's batch is not joined");
    let finished = other
        .0
        .http()
        .post(app.url(&format!("{link}/batches/{session}/finish")))
        .header("X-CSRF-Token", other.1.as_str())
        .send()
        .await
        .expect("finish");
    assert_eq!(finished.status(), 404);

    // Someone who has not said who they are sends nothing.
    let stranger = Visitor::new(&app);
    let csrf = stranger.get(&link).await.csrf_token();
    let refused = create(&app, &(stranger, csrf), &link, ("anon.pdf", 10, None), None).await;
    let (status, code, _) = problem(refused).await;
    assert_eq!((status, code.as_str()), (403, "link.uploader_unknown"));

    // The upload is still Vera's to finish.
    assert_eq!(offset_of(&app, &vera, &at).await, (200, Some(1000)));
    assert_eq!(
        patch(&app, &vera, &at, 1000, &bytes[1000..]).await.status(),
        204
    );
}

#[actix_web::test]
async fn a_file_of_a_kind_not_taken_is_refused_at_creation_before_its_body() {
    let app = TestApp::spawn().await;
    let (_, _, link) = project_with_link(&app, &[("label", "Client"), ("days", "7")]).await;
    let vera = named(&app, &link, "Vera Visitor").await;
    // A zip named as a PDF: its first bytes give it away.
    let zip = document(50_000, 5, true);
    let refused = create(
        &app,
        &vera,
        &link,
        ("payroll_march.pdf", zip.len(), Some(&zip[..4096])),
        None,
    )
    .await;
    let (status, code, detail) = problem(refused).await;
    assert_eq!(
        (status, code.as_str()),
        (415, "kind.not_what_its_name_says"),
        "{detail}"
    );
    assert!(
        detail.contains("the name says pdf but the file is a ZIP archive"),
        "{detail}"
    );
    let waiting: i64 = tus_uploads::table
        .filter(tus_uploads::outcome.is_null())
        .count()
        .get_result(&mut app.conn())
        .expect("uploads");
    assert_eq!(waiting, 0, "no upload waits for its body");
    let failed: Vec<(String, Option<String>)> = file_uploads::table
        .select((file_uploads::status, file_uploads::error_message))
        .load(&mut app.conn())
        .expect("files");
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].0, "failed", "recorded in the sender's receipt");
}

#[actix_web::test]
async fn the_links_byte_limit_counts_the_uploads_on_their_way_and_a_revoked_link_stops_them() {
    let app = TestApp::spawn().await;
    let (s, cycle, link) = project_with_link(
        &app,
        &[("label", "Client"), ("days", "7"), ("max_mib", "1")],
    )
    .await;
    let vera = named(&app, &link, "Vera Visitor").await;
    let session = open_batch(&app, &vera, &link).await;
    let size = 700 * 1024;
    let first = create(&app, &vera, &link, ("a.pdf", size, None), Some(session)).await;
    assert_eq!(first.status(), 201);
    let first = location(&first);
    // Together with the first, still on its way, the second passes the link's 1 MiB.
    let second = create(&app, &vera, &link, ("b.pdf", size, None), Some(session)).await;
    let (status, code, detail) = problem(second).await;
    assert_eq!(
        (status, code.as_str()),
        (413, "link.does_not_fit"),
        "{detail}"
    );
    assert!(
        detail.contains("b.pdf") && detail.contains("left"),
        "{detail}"
    );

    // Cancelled, the first gives its room back.
    let cancelled = tus(&app, &vera, reqwest::Method::DELETE, &first)
        .send()
        .await
        .expect("delete");
    assert_eq!(cancelled.status(), 204);
    let third = create(&app, &vera, &link, ("c.pdf", size, None), Some(session)).await;
    assert_eq!(third.status(), 201);
    let third = location(&third);
    let bytes = document(size - 9, 4, false);
    assert_eq!(
        patch(&app, &vera, &third, 0, &bytes[..1000]).await.status(),
        204
    );

    // The admin revokes the link: the upload on its way stops at its next request.
    let admin = app.session_for(&s.admin).await;
    let id: i32 = upload_links::table
        .select(upload_links::id)
        .first(&mut app.conn())
        .expect("link");
    let revoked = admin
        .post(
            &format!(
                "/admin/projects/{}/cycles/{cycle}/links/{id}/revoke",
                s.project
            ),
            &[],
        )
        .await;
    assert!(revoked.status < 400, "{}", revoked.body);
    let stopped = patch(&app, &vera, &third, 1000, &bytes[1000..]).await;
    let (status, code, _) = problem(stopped).await;
    assert_eq!((status, code.as_str()), (403, "link.closed"));
    let landed: i64 = tus_uploads::table
        .filter(tus_uploads::session_id.eq(session as i32))
        .filter(tus_uploads::outcome.is_null())
        .select(tus_uploads::landed + tus_uploads::tail_size)
        .first(&mut app.conn())
        .expect("upload");
    assert_eq!(landed, 1000, "nothing more was taken");
}
