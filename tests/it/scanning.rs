//! Scanning before acceptance, against a real clamd: the EICAR test file is refused through
//! the form, tus (whole, in parts, resumed) and an upload link, and never stays in S3;
//! clean files are accepted and marked clean; with clamd stopped files wait in `scanning`
//! and complete once it is back; a file larger than clamd scans follows the policy; the
//! readiness check reports the scanner.

use diesel::prelude::*;
use hopper::scanner::TooLargePolicy;
use hopper::schema::{file_uploads, notifications};

use crate::clamd::{Clamd, EICAR};
use crate::helpers::{TestApp, UserFixture};
use crate::link_tus::problem;
use crate::tus::{bucket_of, create, location_of, patch, setup};
use crate::upload_failures::eventually;
use crate::uploads::{
    assert_counters_match_rows, content, form, latest_session, s3_object, target, PART,
};

/// (status, scan_result, virus_name, error_message, s3_key) of the newest file at `path`.
type Scan = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
);

fn scan_of(app: &TestApp, path: &str) -> Scan {
    file_uploads::table
        .filter(file_uploads::file_path.eq(path))
        .order(file_uploads::id.desc())
        .select((
            file_uploads::status,
            file_uploads::scan_result,
            file_uploads::virus_name,
            file_uploads::error_message,
            file_uploads::s3_key,
        ))
        .first(&mut app.conn())
        .expect("a file row")
}

fn status_of(app: &TestApp, path: &str) -> String {
    scan_of(app, path).0
}

/// A file that holds the test virus after `before` bytes of harmless content.
fn infected(before: usize) -> Vec<u8> {
    let mut bytes = content(before, 9);
    bytes.extend_from_slice(EICAR);
    bytes.extend_from_slice(&content(1000, 10));
    bytes
}

/// The project's page as a new admin of its company sees it (an admin to tell, too).
async fn admin_project_page(app: &TestApp, project: hopper::db::ids::ProjectId) -> String {
    let ada = UserFixture::new("ada").role("admin").create(app).await;
    let session = app.session_for(&ada).await;
    session
        .get(&format!("/admin/projects/{project}"))
        .await
        .body
}

async fn app_with(clamd: &Clamd, too_large: TooLargePolicy, max: u64) -> TestApp {
    let scanner = clamd.config(too_large, max);
    TestApp::spawn_with_private_s3(move |config| config.scanner = Some(scanner)).await
}

fn assert_quarantined(app: &TestApp, path: &str) -> String {
    let (status, result, virus, message, key) = scan_of(app, path);
    assert_eq!(status, "quarantined", "{path}");
    assert_eq!(result.as_deref(), Some("infected"));
    assert_eq!(virus.as_deref(), Some("Eicar-Test-Signature"));
    assert_eq!(
        message.as_deref(),
        Some("refused: a virus was found (Eicar-Test-Signature)")
    );
    key
}

#[actix_web::test]
async fn a_virus_sent_through_the_form_is_refused_and_never_stored() {
    let clamd = Clamd::start().await;
    let app = app_with(&clamd, TooLargePolicy::Refuse, 100 << 20).await;
    let t = target(&app).await;
    assert!(
        admin_project_page(&app, t.project)
            .await
            .contains("Virus scanning on"),
        "the admin sees files are scanned"
    );
    let uma = app.session_for(&t.uploader).await;
    let clean_big = content(PART + 4321, 3);
    let infected_big = infected(PART + 77);

    let page = uma
        .upload(
            &t.path(),
            form(&[
                ("clean.txt", b"a clean letter"),
                ("eicar.txt", EICAR),
                ("clean-big.bin", &clean_big),
                ("infected-big.bin", &infected_big),
            ]),
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body
            .contains("not accepted: a virus was found (Eicar-Test-Signature)"),
        "the sender reads why: {}",
        page.body
    );

    for clean in ["clean.txt", "clean-big.bin"] {
        let (status, result, ..) = scan_of(&app, clean);
        assert_eq!(status, "completed", "{clean}");
        assert_eq!(result.as_deref(), Some("clean"), "{clean}");
    }
    for path in ["eicar.txt", "infected-big.bin"] {
        let key = assert_quarantined(&app, path);
        assert!(
            s3_object(&app, &t.bucket, &key).await.is_none(),
            "{path} is not in S3"
        );
    }
    // The infected multipart upload was aborted, not left behind.
    assert!(
        app.open_upload_files().is_empty(),
        "{:?}",
        app.open_upload_files()
    );
    assert_counters_match_rows(&app, latest_session(&app));
    let audited = app.audit_rows("file.quarantined");
    assert_eq!(audited.len(), 2);
    assert!(audited
        .iter()
        .all(|row| row.details["virus"] == "Eicar-Test-Signature"));
    // The company's admins are told.
    let told: Vec<String> = notifications::table
        .filter(notifications::kind.eq("virus_found"))
        .select(notifications::subject)
        .load(&mut app.conn())
        .expect("notifications");
    assert!(
        told.iter().any(|s| s.contains("eicar.txt")),
        "admins are told: {told:?}"
    );
}

#[actix_web::test]
async fn a_virus_sent_over_tus_is_refused_whole_in_parts_and_resumed() {
    let mut clamd = Clamd::start().await;
    let app = app_with(&clamd, TooLargePolicy::Refuse, 100 << 20).await;
    let s = setup(&app).await;
    let bucket = bucket_of(&app, &s);

    // Small and whole in one PATCH: refused in that PATCH, with the problem's code.
    let created = create(
        &app.address,
        &s.token,
        s.cycle,
        "small.txt",
        EICAR.len(),
        "",
    )
    .await;
    assert_eq!(created.status(), 201);
    let answer = patch(&app.address, &location_of(&created), &s.token, 0, EICAR).await;
    let (status, code, detail) = problem(answer).await;
    assert!((400..500).contains(&status), "{status}");
    assert_eq!(code, "scan.virus_found");
    assert!(detail.contains("Eicar-Test-Signature"), "{detail}");
    assert_quarantined(&app, "small.txt");

    // Several parts in one PATCH: scanned part by part as they go; the upload is aborted.
    let big = infected(2 * PART + 5);
    let created = create(&app.address, &s.token, s.cycle, "big.bin", big.len(), "").await;
    let answer = patch(&app.address, &location_of(&created), &s.token, 0, &big).await;
    let (_, code, _) = problem(answer).await;
    assert_eq!(code, "scan.virus_found");
    let key = assert_quarantined(&app, "big.bin");
    assert!(s3_object(&app, &bucket, &key).await.is_none());

    // Over two requests to this node: the scan kept between them reads on where it
    // stopped, so the virus is still found in the same pass, in the request that ends it.
    let resumed = infected(PART + 10);
    let created = create(
        &app.address,
        &s.token,
        s.cycle,
        "resumed.bin",
        resumed.len(),
        "",
    )
    .await;
    let location = location_of(&created);
    let first = patch(&app.address, &location, &s.token, 0, &resumed[..PART]).await;
    assert_eq!(first.status(), 204);
    let rest = patch(&app.address, &location, &s.token, PART, &resumed[PART..]).await;
    let (_, code, _) = problem(rest).await;
    assert_eq!(code, "scan.virus_found");
    let key = assert_quarantined(&app, "resumed.bin");
    assert!(s3_object(&app, &bucket, &key).await.is_none());

    // A clean file in three requests (the second cut between parts) completes as clean.
    let clean = content(2 * PART + 10, 4);
    let created = create(
        &app.address,
        &s.token,
        s.cycle,
        "clean.bin",
        clean.len(),
        "",
    )
    .await;
    let location = location_of(&created);
    for (from, to) in [
        (0, PART + 7),
        (PART + 7, 2 * PART + 3),
        (2 * PART + 3, clean.len()),
    ] {
        let sent = patch(&app.address, &location, &s.token, from, &clean[from..to]).await;
        assert_eq!(sent.status(), 204, "{from}..{to}");
    }
    let (status, result, ..) = scan_of(&app, "clean.bin");
    assert_eq!(
        (status.as_str(), result.as_deref()),
        ("completed", Some("clean"))
    );
    let key = scan_of(&app, "clean.bin").4;
    assert_eq!(s3_object(&app, &bucket, &key).await, Some(clean));

    // Resumed where no scan was kept (another node, a restart; here clamd dropped the
    // connection): stored into `scanning`, read back to clamd at once, quarantined and
    // deleted from S3.
    let late = infected(PART + 20);
    let created = create(&app.address, &s.token, s.cycle, "late.bin", late.len(), "").await;
    let location = location_of(&created);
    patch(&app.address, &location, &s.token, 0, &late[..PART]).await;
    clamd.restart().await;
    let rest = patch(&app.address, &location, &s.token, PART, &late[PART..]).await;
    assert_eq!(rest.status(), 204, "stored, waiting for its scan");
    eventually("the resumed upload's scan from S3", || {
        status_of(&app, "late.bin") != "scanning"
    })
    .await;
    let key = assert_quarantined(&app, "late.bin");
    assert!(s3_object(&app, &bucket, &key).await.is_none());
}

#[actix_web::test]
async fn a_virus_sent_through_an_upload_link_is_refused_in_the_senders_words() {
    let clamd = Clamd::start().await;
    let app = app_with(&clamd, TooLargePolicy::Refuse, 100 << 20).await;
    let (_, _, link) =
        crate::upload_links::project_with_link(&app, &[("label", "Client"), ("days", "7")]).await;
    let visitor = crate::upload_links::Visitor::new(&app);
    let said = visitor
        .identify(&link, "Vera Visitor", "vera@example.com", "")
        .await;
    assert_eq!(said.status, 303, "{}", said.body);
    let receipt = visitor
        .upload(
            &link,
            crate::upload_links::files(&[("notes.txt", EICAR.to_vec())]),
        )
        .await;
    assert!(
        receipt
            .body
            .contains("a virus was found (Eicar-Test-Signature)"),
        "{}",
        receipt.body
    );
    assert_quarantined(&app, "notes.txt");
}

#[actix_web::test]
async fn with_clamd_away_files_wait_in_scanning_and_complete_when_it_returns() {
    let mut clamd = Clamd::start().await;
    let app = app_with(&clamd, TooLargePolicy::Refuse, 100 << 20).await;
    let t = target(&app).await;
    let uma = app.session_for(&t.uploader).await;
    clamd.stop();

    let ready = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("readyz");
    // The node still serves (its new files wait for their scan), and says why.
    assert_eq!(ready.status(), 200);
    let report = ready.text().await.expect("report");
    assert!(report.contains("virus scanner: unavailable"), "{report}");

    let page = uma
        .upload(
            &t.path(),
            form(&[
                ("a.txt", b"first letter"),
                ("b.txt", b"second letter"),
                ("eicar.txt", EICAR),
            ]),
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    for path in ["a.txt", "b.txt", "eicar.txt"] {
        assert_eq!(
            status_of(&app, path),
            "scanning",
            "{path} waits, never accepted unscanned"
        );
    }
    // Nothing waiting is downloadable or counted as received.
    let report = hopper::services::scanning::run_once(&app.state.services)
        .await
        .expect("a pass with clamd away");
    assert_eq!(report.waiting, 3);
    assert_eq!(status_of(&app, "a.txt"), "scanning");

    clamd.restart().await;
    hopper::services::scanning::run_once(&app.state.services)
        .await
        .expect("a pass with clamd back");
    assert_eq!(status_of(&app, "a.txt"), "completed");
    assert_eq!(status_of(&app, "b.txt"), "completed");
    let key = assert_quarantined(&app, "eicar.txt");
    assert!(s3_object(&app, &t.bucket, &key).await.is_none());
    assert_counters_match_rows(&app, latest_session(&app));
    let ready = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("readyz");
    let report = ready.text().await.expect("report");
    assert!(report.contains("virus scanner: ok"), "{report}");
}

#[actix_web::test]
async fn a_file_larger_than_clamd_scans_follows_the_operators_policy() {
    let clamd = Clamd::start().await;
    let refusing = app_with(&clamd, TooLargePolicy::Refuse, 1000).await;
    let t = target(&refusing).await;
    let uma = refusing.session_for(&t.uploader).await;
    let page = uma
        .upload(
            &t.path(),
            form(&[("big.bin", &content(5000, 1)), ("small.txt", b"ok")]),
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let (status, _, _, message, _) = scan_of(&refusing, "big.bin");
    assert_eq!(status, "failed");
    assert!(
        message
            .unwrap_or_default()
            .contains("larger than the virus scanner checks"),
        "the sender reads why"
    );
    assert_eq!(status_of(&refusing, "small.txt"), "completed");

    let accepting = app_with(&clamd, TooLargePolicy::Accept, 1000).await;
    let t = target(&accepting).await;
    let uma = accepting.session_for(&t.uploader).await;
    uma.upload(&t.path(), form(&[("big.bin", &content(5000, 1))]))
        .await;
    let (status, result, ..) = scan_of(&accepting, "big.bin");
    assert_eq!(status, "completed");
    assert_eq!(result.as_deref(), Some("too_large"), "marked not scanned");
}

#[actix_web::test]
async fn without_a_scanner_files_are_not_scanned_and_readiness_says_so() {
    let app = TestApp::spawn().await;
    let ready = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("readyz");
    assert_eq!(ready.status(), 200);
    let report = ready.text().await.expect("report");
    assert!(report.contains("virus scanner: off"), "{report}");
    let t = target(&app).await;
    assert!(
        admin_project_page(&app, t.project)
            .await
            .contains("Virus scanning off"),
        "the admin pages say files are not scanned"
    );
    let uma = app.session_for(&t.uploader).await;
    uma.upload(&t.path(), form(&[("eicar.txt", EICAR)])).await;
    let (status, result, ..) = scan_of(&app, "eicar.txt");
    assert_eq!(status, "completed");
    assert_eq!(result, None, "not scanned");
}

#[actix_web::test]
async fn kept_quarantine_moves_the_bytes_under_the_quarantine_prefix() {
    let clamd = Clamd::start().await;
    let mut scanner = clamd.config(TooLargePolicy::Refuse, 100 << 20);
    scanner.quarantine = hopper::scanner::QuarantinePolicy::Keep;
    let app = TestApp::spawn_with(move |config| config.scanner = Some(scanner)).await;
    let t = target(&app).await;
    let uma = app.session_for(&t.uploader).await;
    let infected_big = infected(PART + 33);
    uma.upload(
        &t.path(),
        form(&[("eicar.txt", EICAR), ("infected-big.bin", &infected_big)]),
    )
    .await;
    for (path, bytes) in [
        ("eicar.txt", EICAR.to_vec()),
        ("infected-big.bin", infected_big),
    ] {
        eventually("the kept file's quarantine", || {
            status_of(&app, path) == "quarantined"
        })
        .await;
        let key = assert_quarantined(&app, path);
        let kept: Option<String> = file_uploads::table
            .filter(file_uploads::file_path.eq(path))
            .select(file_uploads::quarantine_key)
            .first(&mut app.conn())
            .expect("row");
        let kept = kept.expect("kept somewhere");
        assert!(
            kept.starts_with("default/.quarantine/") && kept.ends_with(path),
            "{kept}"
        );
        assert!(
            s3_object(&app, &t.bucket, &key).await.is_none(),
            "{path} left its key"
        );
        assert_eq!(
            s3_object(&app, &t.bucket, &kept).await,
            Some(bytes),
            "{path} kept whole"
        );
    }
    assert_counters_match_rows(&app, latest_session(&app));
}
