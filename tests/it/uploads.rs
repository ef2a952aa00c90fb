//! Uploads: every byte lands in S3 under the cycle's prefix, checksummed and accounted for.

use diesel::prelude::*;
use hopper::db::ids::{CycleId, ProjectId, SyncSessionId};
use hopper::schema::{cycles, file_uploads, projects, sync_sessions};
use reqwest::multipart::{Form, Part};
use sha2::{Digest, Sha256};

use crate::helpers::{create_cycle, create_project, grant_access, TestApp, TestUser, UserFixture};

const MIB: usize = 1024 * 1024;
/// The test configuration's part size.
pub const PART: usize = 5 * MIB;

pub struct Target {
    pub project: ProjectId,
    pub cycle: CycleId,
    pub bucket: String,
    pub prefix: String,
    pub uploader: TestUser,
}

impl Target {
    pub fn path(&self) -> String {
        format!("/projects/{}/cycles/{}/upload", self.project, self.cycle)
    }
}

pub async fn target(app: &TestApp) -> Target {
    let company = app.default_company();
    let project = create_project(app, company, "Intake");
    let cycle = create_cycle(app, project, 1);
    let uploader = UserFixture::new("uma").create(app).await;
    grant_access(app, company, project, uploader.id, "uploader");
    let bucket: String = projects::table
        .find(project)
        .select(projects::bucket_name)
        .first(&mut app.conn())
        .expect("bucket");
    Target {
        project,
        cycle,
        bucket,
        // Every key lies under the company's root in its storage location.
        prefix: format!("default/p{project}/C1"),
        uploader,
    }
}

/// Deterministic, incompressible-looking content.
pub fn content(len: usize, seed: u8) -> Vec<u8> {
    let mut state = u64::from(seed).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

pub fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub fn form(files: &[(&str, &[u8])]) -> Form {
    files.iter().fold(Form::new(), |form, (name, bytes)| {
        form.part(
            "files",
            Part::bytes(bytes.to_vec()).file_name((*name).to_owned()),
        )
    })
}

pub async fn s3_object(app: &TestApp, bucket: &str, key: &str) -> Option<Vec<u8>> {
    let object = app
        .storage
        .client()
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .ok()?;
    Some(
        object
            .body
            .collect()
            .await
            .expect("body")
            .into_bytes()
            .to_vec(),
    )
}

pub fn latest_session(app: &TestApp) -> SyncSessionId {
    sync_sessions::table
        .order(sync_sessions::id.desc())
        .select(sync_sessions::id)
        .first(&mut app.conn())
        .expect("a session")
}

type Row = (
    String,
    String,
    Option<i64>,
    Option<String>,
    String,
    Option<String>,
);

pub fn rows(app: &TestApp, session: SyncSessionId) -> Vec<Row> {
    file_uploads::table
        .filter(file_uploads::session_id.eq(session))
        .order(file_uploads::id.asc())
        .select((
            file_uploads::file_path,
            file_uploads::s3_key,
            file_uploads::file_size,
            file_uploads::checksum,
            file_uploads::status,
            file_uploads::error_message,
        ))
        .load(&mut app.conn())
        .expect("rows")
}

type Counters = (
    Option<i32>,
    Option<i32>,
    Option<i32>,
    Option<i32>,
    Option<i64>,
    Option<i64>,
);

/// The session's counters say exactly what its file rows say.
pub fn assert_counters_match_rows(app: &TestApp, session: SyncSessionId) {
    let mut conn = app.conn();
    let counters: Counters = sync_sessions::table
        .find(session)
        .select((
            sync_sessions::total_files,
            sync_sessions::files_uploaded,
            sync_sessions::files_failed,
            sync_sessions::files_skipped,
            sync_sessions::total_size_bytes,
            sync_sessions::uploaded_size_bytes,
        ))
        .first(&mut conn)
        .expect("session");
    let files: Vec<(String, Option<i64>)> = file_uploads::table
        .filter(file_uploads::session_id.eq(session))
        .select((file_uploads::status, file_uploads::file_size))
        .load(&mut conn)
        .expect("files");
    let count = |status: &str| files.iter().filter(|(s, _)| s == status).count() as i32;
    let bytes = |only: Option<&str>| -> i64 {
        files
            .iter()
            .filter(|(s, _)| only.is_none_or(|o| o == s))
            .map(|(_, size)| size.unwrap_or(0))
            .sum()
    };
    assert_eq!(counters.0, Some(files.len() as i32), "total_files");
    assert_eq!(counters.1, Some(count("completed")), "files_uploaded");
    // A file refused for a virus is one the batch did not store: counted as failed.
    assert_eq!(
        counters.2,
        Some(count("failed") + count("quarantined")),
        "files_failed"
    );
    assert_eq!(counters.3, Some(count("skipped")), "files_skipped");
    assert_eq!(counters.4, Some(bytes(None)), "total_size_bytes");
    assert_eq!(
        counters.5,
        Some(bytes(Some("completed"))),
        "uploaded_size_bytes"
    );
    assert_eq!(count("uploading"), 0, "nothing left uploading");
}

fn outcome_of<'a>(rows: &'a [Row], path: &str) -> &'a Row {
    rows.iter()
        .find(|r| r.0 == path)
        .unwrap_or_else(|| panic!("no row for {path}"))
}

#[actix_web::test]
async fn files_of_every_size_and_a_folder_tree_land_in_s3_with_their_sha256() {
    let app = TestApp::spawn_with_private_s3(|_| {}).await;
    let t = target(&app).await;
    let uma = app.session_for(&t.uploader).await;
    let files: Vec<(String, Vec<u8>)> = vec![
        ("empty.txt".into(), Vec::new()),
        ("one-byte.bin".into(), vec![42]),
        ("exactly-one-part.bin".into(), content(PART, 1)),
        ("one-part-and-a-byte.bin".into(), content(PART + 1, 2)),
        ("several-parts.bin".into(), content(2 * PART + 123_456, 3)),
        (
            "folder/sub/deeper/notes.txt".into(),
            b"folder tree".to_vec(),
        ),
        (
            "folder/r\u{e9}sum\u{e9} \u{65e5}\u{672c}.txt".into(),
            b"unicode kept".to_vec(),
        ),
    ];
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let page = uma.upload(&t.path(), form(&refs)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        !page.body.contains("<html"),
        "htmx gets the receipt partial"
    );

    let session = latest_session(&app);
    let rows = rows(&app, session);
    assert_eq!(rows.len(), files.len());
    for (name, bytes) in &files {
        let row = outcome_of(&rows, name);
        assert_eq!(row.4, "completed", "{name}: {:?}", row.5);
        let digest = sha256(bytes);
        assert_eq!(row.3.as_deref(), Some(digest.as_str()), "{name}");
        assert_eq!(row.2, Some(bytes.len() as i64));
        assert_eq!(row.1, format!("{}/{name}", t.prefix));
        let stored = s3_object(&app, &t.bucket, &row.1)
            .await
            .expect("object in S3");
        assert_eq!(sha256(&stored), digest, "{name} read back from S3");
        assert!(
            page.body.contains(&digest),
            "receipt shows the SHA-256 of {name}"
        );
    }
    assert!(page.body.contains("folder/sub/deeper/notes.txt"));
    assert_counters_match_rows(&app, session);
    let status: String = sync_sessions::table
        .find(session)
        .select(sync_sessions::status)
        .first(&mut app.conn())
        .expect("session");
    assert_eq!(status, "completed");
    // The cycle moved to in_progress with its first upload.
    let cycle_status = crate::requests::cycle_status(&app, t.cycle);
    assert_eq!(cycle_status, "in_progress");
    assert!(
        app.open_upload_files().is_empty(),
        "no multipart parts left: {:?}",
        app.open_upload_files()
    );
    assert_eq!(app.audit_rows("file.uploaded").len(), files.len());
    assert_eq!(app.audit_rows("upload.finished").len(), 1);
}

#[actix_web::test]
async fn duplicates_are_skipped_within_and_across_batches_and_a_new_version_replaces_the_object() {
    let app = TestApp::spawn_with_private_s3(|_| {}).await;
    let t = target(&app).await;
    let uma = app.session_for(&t.uploader).await;
    let big = content(PART + 10, 7);
    let page = uma
        .upload(
            &t.path(),
            form(&[
                ("a.txt", b"same bytes"),
                ("copy-of-a.txt", b"same bytes"),
                ("big.bin", &big),
            ]),
        )
        .await;
    assert_eq!(page.status, 200);
    let first = latest_session(&app);
    let r = rows(&app, first);
    assert_eq!(outcome_of(&r, "a.txt").4, "completed");
    assert_eq!(outcome_of(&r, "copy-of-a.txt").4, "skipped");
    assert!(
        page.body.contains(&format!(
            "skipped as a duplicate of <a href=\"/uploads/{first}\">a.txt</a> (batch #{first}, "
        )),
        "{}",
        page.body
    );
    assert!(
        s3_object(&app, &t.bucket, &format!("{}/copy-of-a.txt", t.prefix))
            .await
            .is_none(),
        "nothing new stored"
    );
    assert_counters_match_rows(&app, first);

    // Across batches, a multipart-sized duplicate is aborted: no parts remain.
    let again = uma
        .upload(
            &t.path(),
            form(&[("big-again.bin", &big), ("a.txt", b"new content for a")]),
        )
        .await;
    assert_eq!(again.status, 200);
    let second = latest_session(&app);
    let r2 = rows(&app, second);
    assert_eq!(outcome_of(&r2, "big-again.bin").4, "skipped");
    assert_eq!(
        outcome_of(&r2, "a.txt").4,
        "completed",
        "same path, new content"
    );
    assert!(
        s3_object(&app, &t.bucket, &format!("{}/big-again.bin", t.prefix))
            .await
            .is_none()
    );
    // One key per version: the first a.txt keeps its bytes, the new one has its own key.
    let plain = format!("{}/a.txt", t.prefix);
    let newest: String = file_uploads::table
        .filter(file_uploads::file_path.eq("a.txt"))
        .filter(file_uploads::replaced_by.is_null())
        .filter(file_uploads::status.eq("completed"))
        .select(file_uploads::s3_key)
        .first(&mut app.conn())
        .expect("the newest a.txt");
    assert_ne!(newest, plain);
    assert!(newest.ends_with(".txt"), "{newest}");
    let stored = s3_object(&app, &t.bucket, &newest)
        .await
        .expect("new a.txt");
    assert_eq!(stored, b"new content for a");
    let first_version = s3_object(&app, &t.bucket, &plain).await.expect("old a.txt");
    assert_ne!(first_version, b"new content for a");
    let replaced: i64 = file_uploads::table
        .filter(file_uploads::file_path.eq("a.txt"))
        .filter(file_uploads::replaced_by.is_not_null())
        .count()
        .get_result(&mut app.conn())
        .expect("history");
    assert_eq!(replaced, 1, "the first a.txt stays as history");
    let duplicate_of: Option<i32> = file_uploads::table
        .filter(file_uploads::file_path.eq("big-again.bin"))
        .select(file_uploads::duplicate_of)
        .first::<Option<hopper::db::ids::FileUploadId>>(&mut app.conn())
        .expect("row")
        .map(|id| id.0);
    assert!(duplicate_of.is_some());
    assert_counters_match_rows(&app, second);
    assert!(app.open_upload_files().is_empty());
}

#[actix_web::test]
async fn bad_names_and_lying_content_fail_their_file_and_the_batch_goes_on() {
    let app = TestApp::spawn_with_private_s3(|_| {}).await;
    let t = target(&app).await;
    let uma = app.session_for(&t.uploader).await;
    let mut elf =
        b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00".to_vec();
    elf.resize(4096, 0);
    let long = "x".repeat(300);
    let page = uma
        .upload(
            &t.path(),
            form(&[
                ("../escape.txt", b"1"),
                ("/absolute.txt", b"2"),
                ("a//b.txt", b"3"),
                ("evil\u{202E}fdp.exe", b"4"),
                ("tab\there.txt", b"5"),
                (&long, b"6"),
                ("invoice.pdf", &elf),
                ("fine.txt", b"fine"),
            ]),
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let session = latest_session(&app);
    let r = rows(&app, session);
    assert_eq!(r.len(), 8);
    for (name, reason) in [
        ("../escape.txt", ". or .."),
        ("/absolute.txt", "absolute"),
        ("a//b.txt", "empty segment"),
        ("evil\u{202E}fdp.exe", "text-direction"),
        ("tab\\there.txt", "control"),
        (long.as_str(), "longer than 255 bytes"),
        ("invoice.pdf", "the name says pdf but the file is"),
    ] {
        let row = outcome_of(&r, name);
        assert_eq!(row.4, "failed", "{name}");
        let message = row.5.clone().unwrap_or_default();
        assert!(message.contains(reason), "{name}: {message}");
    }
    assert_eq!(outcome_of(&r, "fine.txt").4, "completed");
    assert!(
        s3_object(&app, &t.bucket, &format!("{}/invoice.pdf", t.prefix))
            .await
            .is_none()
    );
    assert_counters_match_rows(&app, session);

    // A project may accept only some kinds of files.
    diesel::update(projects::table.find(t.project))
        .set(projects::allowed_file_types.eq(vec![Some("pdf".to_owned())]))
        .execute(&mut app.conn())
        .expect("restrict");
    uma.upload(&t.path(), form(&[("notes.txt", b"text")])).await;
    let r = rows(&app, latest_session(&app));
    assert!(r[0].5.as_deref().unwrap_or("").contains("accepts only pdf"));
}

#[actix_web::test]
async fn over_limit_batches_get_413_and_nothing_half_stored() {
    let app = TestApp::spawn_with_private_s3(|c| {
        c.uploads.max_file_size = 6 * MIB as u64;
        c.uploads.max_files_per_batch = 3;
    })
    .await;
    let t = target(&app).await;
    let uma = app.session_for(&t.uploader).await;

    let too_big = content(7 * MIB, 9);
    let page = uma
        .upload(
            &t.path(),
            form(&[
                ("ok.txt", b"ok"),
                ("too-big.bin", &too_big),
                ("after.txt", b"x"),
            ]),
        )
        .await;
    assert_eq!(page.status, 413, "{}", page.body);
    assert!(
        page.body
            .contains("too-big.bin is larger than the limit of 6.0 MiB"),
        "{}",
        page.body
    );
    let session = latest_session(&app);
    let r = rows(&app, session);
    assert_eq!(
        outcome_of(&r, "ok.txt").4,
        "completed",
        "files before the limit are kept"
    );
    assert_eq!(outcome_of(&r, "too-big.bin").4, "failed");
    assert!(
        s3_object(&app, &t.bucket, &format!("{}/too-big.bin", t.prefix))
            .await
            .is_none()
    );
    assert!(
        app.open_upload_files().is_empty(),
        "the part sent was aborted"
    );
    assert_counters_match_rows(&app, session);
    let (status, error): (String, Option<String>) = sync_sessions::table
        .find(session)
        .select((sync_sessions::status, sync_sessions::error_message))
        .first(&mut app.conn())
        .expect("session");
    assert_eq!(status, "failed");
    assert!(error.unwrap_or_default().contains("larger than the limit"));

    let many = uma
        .upload(
            &t.path(),
            form(&[("1", b"1"), ("2", b"2"), ("3", b"3"), ("4", b"4")]),
        )
        .await;
    assert_eq!(many.status, 413);
    assert!(many.body.contains("at most 3 files"));
    assert_counters_match_rows(&app, latest_session(&app));
}

#[actix_web::test]
async fn only_uploaders_and_admins_may_upload() {
    let app = TestApp::spawn().await;
    let t = target(&app).await;
    let viewer = UserFixture::new("vera").create(&app).await;
    grant_access(&app, app.default_company(), t.project, viewer.id, "viewer");
    let stranger = UserFixture::new("stan").create(&app).await;
    let vera = app.session_for(&viewer).await;
    let stan = app.session_for(&stranger).await;
    assert_eq!(
        vera.upload(&t.path(), form(&[("a.txt", b"a")]))
            .await
            .status,
        403
    );
    assert_eq!(
        stan.upload(&t.path(), form(&[("a.txt", b"a")]))
            .await
            .status,
        404
    );
    assert_eq!(vera.get(&t.path()).await.status, 403);
    let none: i64 = sync_sessions::table
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(none, 0, "no session was started");
    // Not a multipart form at all.
    let uma = app.session_for(&t.uploader).await;
    assert_eq!(
        uma.post_htmx(&t.path(), &[("files", "x")]).await.status,
        400
    );
    // A closed cycle takes no uploads (an incomplete one neither: see cycle_close.rs).
    diesel::update(cycles::table.find(t.cycle))
        .set(cycles::closed_at.eq(Some(chrono::Utc::now())))
        .execute(&mut app.conn())
        .expect("close");
    let closed = uma.upload(&t.path(), form(&[("a.txt", b"a")])).await;
    assert_eq!(closed.status, 409);
    assert!(closed.body.contains("accepts no more uploads"));
}

fn file_id(app: &TestApp, path: &str) -> hopper::db::ids::FileUploadId {
    file_uploads::table
        .filter(file_uploads::file_path.eq(path))
        .order(file_uploads::id.desc())
        .select(file_uploads::id)
        .first(&mut app.conn())
        .expect("file")
}

#[actix_web::test]
async fn downloads_are_attachments_never_rendered_and_are_audited() {
    let app = TestApp::spawn().await;
    let t = target(&app).await;
    let uma = app.session_for(&t.uploader).await;
    let html = b"<html><script>alert(1)</script></html>";
    let page = uma
        .upload(&t.path(), form(&[("r\u{e9}port <1>.html", html)]))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let id = file_id(&app, "r\u{e9}port <1>.html");
    let response = uma
        .http
        .get(app.url(&format!("/files/{id}/download")))
        .send()
        .await
        .expect("download");
    assert_eq!(response.status(), 200);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(header("content-type"), "application/octet-stream");
    assert_eq!(header("x-content-type-options"), "nosniff");
    let disposition = header("content-disposition");
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(
        disposition.contains("filename*=UTF-8''r%C3%A9port%20%3C1%3E.html"),
        "{disposition}"
    );
    assert_eq!(response.bytes().await.expect("body").as_ref(), html);
    let rows = app.audit_rows("file.downloaded");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].actor_username.as_deref(), Some("uma"));

    // Another company's user gets the 404 of a missing file.
    let other = crate::helpers::create_company(&app, "OTHER", true);
    let outsider = UserFixture::new("otto")
        .role("admin")
        .company(other)
        .create(&app)
        .await;
    let otto = app.session_for(&outsider).await;
    assert_eq!(otto.get(&format!("/files/{id}/download")).await.status, 404);
}

#[actix_web::test]
async fn review_is_per_item_only_and_an_admin_soft_deletes_a_file_with_history() {
    let app = TestApp::spawn().await;
    let t = target(&app).await;
    diesel::update(projects::table.find(t.project))
        .set(projects::review_uploads.eq(true))
        .execute(&mut app.conn())
        .expect("review on");
    let uma = app.session_for(&t.uploader).await;
    let receipt = uma
        .upload(
            &t.path(),
            form(&[("good.txt", b"good"), ("bad.txt", b"bad")]),
        )
        .await;
    // Files for no request have no review of their own: decisions are taken per
    // requested item (tests/it/one_review.rs), so the receipt promises none.
    assert_eq!(receipt.status, 200, "{}", receipt.body);
    assert!(
        !receipt.body.contains("awaiting review"),
        "{}",
        receipt.body
    );
    let admin = UserFixture::new("alice").role("admin").create(&app).await;
    let alice = app.session_for(&admin).await;
    let bad = file_id(&app, "bad.txt");
    // The per-file review queue and its decisions are gone.
    assert_eq!(
        alice
            .get(&format!("/admin/projects/{}/review", t.project))
            .await
            .status,
        404
    );
    assert_eq!(
        alice
            .post(
                &format!("/admin/files/{bad}/review"),
                &[("decision", "reject"), ("reason", "Unreadable scan")],
            )
            .await
            .status,
        404
    );
    assert!(app.audit_rows("file.reviewed").is_empty());

    // Soft delete: gone from downloads, kept as a row, audited.
    assert_eq!(
        uma.post(&format!("/admin/files/{bad}/delete"), &[])
            .await
            .status,
        403
    );
    assert_eq!(
        alice
            .post(&format!("/admin/files/{bad}/delete"), &[])
            .await
            .status,
        303
    );
    assert_eq!(uma.get(&format!("/files/{bad}/download")).await.status, 404);
    let kept: i64 = file_uploads::table
        .filter(file_uploads::id.eq(bad))
        .filter(file_uploads::deleted_at.is_not_null())
        .count()
        .get_result(&mut app.conn())
        .expect("row");
    assert_eq!(kept, 1);
    assert_eq!(app.audit_rows("file.deleted").len(), 1);
}

#[actix_web::test]
async fn malformed_multipart_gets_a_fast_4xx_and_no_panic() {
    let app = TestApp::spawn().await;
    let t = target(&app).await;
    let uma = app.session_for(&t.uploader).await;
    let send = |content_type: String, body: Vec<u8>| {
        uma.http
            .post(app.url(&t.path()))
            .header("X-CSRF-Token", &uma.csrf)
            .header("Content-Type", content_type)
            .body(body)
            .send()
    };
    let b = "XyZ";
    let cases: Vec<(&str, String, Vec<u8>, u16)> = vec![
        ("no boundary", "multipart/form-data".into(), b"--x\r\n\r\n".to_vec(), 400),
        (
            "unterminated body",
            format!("multipart/form-data; boundary={b}"),
            format!("--{b}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.txt\"\r\n\r\nhalf").into_bytes(),
            400,
        ),
        (
            "a 70 KiB header block",
            format!("multipart/form-data; boundary={b}"),
            format!(
                "--{b}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.txt\"\r\nX-Pad: {}\r\n\r\nx\r\n--{b}--\r\n",
                "p".repeat(70 * 1024)
            )
            .into_bytes(),
            400,
        ),
        (
            "40 headers in one part",
            format!("multipart/form-data; boundary={b}"),
            format!(
                "--{b}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.txt\"\r\n{}\r\nx\r\n--{b}--\r\n",
                (0..40).map(|i| format!("X-H{i}: v\r\n")).collect::<String>()
            )
            .into_bytes(),
            400,
        ),
        (
            "10,000 empty parts",
            format!("multipart/form-data; boundary={b}"),
            format!(
                "{}--{b}--\r\n",
                format!("--{b}\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\n\r\n").repeat(10_000)
            )
            .into_bytes(),
            413,
        ),
    ];
    for (what, content_type, body, expected) in cases {
        let response = send(content_type, body).await.expect(what);
        assert_eq!(response.status().as_u16(), expected, "{what}");
    }
    // The server is still up and every session it opened was closed with a reason.
    assert_eq!(uma.get("/").await.status, 200);
    let open: i64 = sync_sessions::table
        .filter(sync_sessions::status.eq("in_progress"))
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(open, 0);
}

/// Every batch's counters equal its rows; returns how many batches there are.
pub fn assert_every_batch_matches_its_rows(app: &TestApp) -> usize {
    let sessions: Vec<SyncSessionId> = sync_sessions::table
        .select(sync_sessions::id)
        .load(&mut app.conn())
        .expect("sessions");
    for session in &sessions {
        assert_counters_match_rows(app, *session);
    }
    sessions.len()
}

/// S3 holds exactly the completed files of the bucket, each with its bytes: nothing stored
/// is unreferenced, nothing referenced is missing.
pub async fn assert_s3_holds_exactly_the_completed_files(app: &TestApp, bucket: &str) {
    let completed: Vec<(String, String)> = file_uploads::table
        .filter(file_uploads::status.eq("completed"))
        .select((
            file_uploads::s3_key,
            file_uploads::checksum.assume_not_null(),
        ))
        .load(&mut app.conn())
        .expect("rows");
    let listed = app
        .storage
        .client()
        .list_objects_v2()
        .bucket(bucket)
        .send()
        .await
        .expect("list");
    let mut keys: Vec<String> = listed
        .contents()
        .iter()
        .filter_map(|o| o.key().map(str::to_owned))
        .collect();
    keys.sort();
    let mut expected: Vec<String> = completed.iter().map(|(k, _)| k.clone()).collect();
    expected.sort();
    assert_eq!(keys, expected, "S3 holds exactly the completed files");
    for (key, checksum) in completed {
        let bytes = s3_object(app, bucket, &key).await.expect("object");
        assert_eq!(sha256(&bytes), checksum, "{key} holds its bytes");
    }
}
