//! A company's branding: an admin sets its display name, accent colour and logo; every
//! upload-link page (and its error pages) is headed by them; the logo is served by its
//! digest with the sniffed type and nothing else; SVG, oversized files and low-contrast
//! colours are refused with a sentence and nothing stored; another company neither sets
//! nor sees it; mails to link senders come from the firm; every change is audited.

use base64::Engine;
use diesel::prelude::*;
use hopper::db::ids::CompanyId;
use hopper::schema::{companies, notifications, storage_locations};
use reqwest::multipart::{Form, Part};
use sha2::{Digest, Sha256};

use crate::helpers::{create_company, create_location, Page, TestApp, UserFixture, UserSession};
use crate::upload_links::project_with_link;

/// A 1 × 1 PNG.
pub const PNG: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";
/// Another 1 × 1 PNG (another pixel).
const OTHER_PNG: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
const SVG: &[u8] = b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(document.cookie)</script></svg>";

pub fn png(encoded: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .expect("a PNG")
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Posts the logo form as a browser without JavaScript does (the CSRF token first).
pub async fn post_logo(admin: &UserSession<'_>, name: &str, mime: &str, bytes: Vec<u8>) -> Page {
    let form = Form::new().text("csrf_token", admin.csrf.clone()).part(
        "logo",
        Part::bytes(bytes)
            .file_name(name.to_owned())
            .mime_str(mime)
            .expect("mime"),
    );
    TestApp::page(
        admin
            .http
            .post(admin.app.url("/admin/branding/logo"))
            .multipart(form)
            .send()
            .await
            .expect("logo upload"),
    )
    .await
}

/// The branding columns of a company: display name, colour, logo digest.
fn stored(app: &TestApp, company: CompanyId) -> (Option<String>, Option<String>, Option<String>) {
    companies::table
        .find(company)
        .select((
            companies::display_name,
            companies::accent_colour,
            companies::logo_sha256,
        ))
        .first(&mut app.conn())
        .expect("company")
}

/// The keys under `_branding/` in the company's buckets.
async fn branding_objects(app: &TestApp, company: CompanyId) -> Vec<String> {
    let places: Vec<(String, String)> = storage_locations::table
        .filter(storage_locations::company_id.eq(company))
        .select((storage_locations::bucket_name, storage_locations::key_root))
        .load(&mut app.conn())
        .expect("locations");
    let mut keys = Vec::new();
    for (bucket, root) in places {
        // A bucket nothing was written to does not exist on the embedded endpoint, and a
        // listing of a missing bucket there is not to be trusted.
        let exists = app
            .storage
            .client()
            .head_bucket()
            .bucket(&bucket)
            .send()
            .await;
        if exists.is_err() {
            continue;
        }
        let listed = app
            .storage
            .client()
            .list_objects_v2()
            .bucket(&bucket)
            .prefix(format!("{root}/_branding/"))
            .send()
            .await;
        // A bucket nothing was written to yet does not exist on the embedded endpoint.
        if let Ok(listed) = listed {
            keys.extend(
                listed
                    .contents()
                    .iter()
                    .filter_map(|o| o.key().map(str::to_owned)),
            );
        }
    }
    keys
}

/// A browser without an account that says who it is on a link.
async fn named_visitor(app: &TestApp, link: &str) -> reqwest::Client {
    let http = TestApp::new_client();
    let token = app.get_with(&http, link).await.csrf_token();
    let named = app
        .post_form_with(
            &http,
            link,
            &[
                ("csrf_token", &token),
                ("name", "Vera Visitor"),
                ("email", "vera@example.com"),
                ("pin", ""),
            ],
        )
        .await;
    assert_eq!(named.status, 303, "{}", named.body);
    http
}

const LINK: &[(&str, &str)] = &[
    ("label", "Client"),
    ("days", "7"),
    ("max_files", "10"),
    ("max_mib", "50"),
];

#[actix_web::test]
async fn the_admins_branding_heads_the_link_pages_and_the_logo_serves_its_exact_bytes() {
    let app = TestApp::spawn().await;
    let (s, _cycle, link) = project_with_link(&app, LINK).await;
    let admin = app.session_for(&s.admin).await;

    // Before: the company's name and Hopper's colour, no logo.
    let before = app.get(&link).await;
    assert!(
        before.body.contains("id=\"brand-name\">Default Company<"),
        "{}",
        before.body
    );
    assert!(before.body.contains("/brand/style/2357c6.css"));
    assert!(!before.body.contains("brand-logo"));

    let saved = admin
        .post(
            "/admin/branding",
            &[
                ("display_name", "Acme Tax Advisers"),
                ("accent_colour", "#0B3D91"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let logo = png(PNG);
    let uploaded = post_logo(&admin, "acme.png", "image/png", logo.clone()).await;
    assert_eq!(uploaded.status, 303, "{}", uploaded.body);
    let sha = sha256(&logo);
    assert_eq!(
        stored(&app, s.company),
        (
            Some("Acme Tax Advisers".into()),
            Some("#0b3d91".into()),
            Some(sha.clone())
        )
    );
    let objects = branding_objects(&app, s.company).await;
    assert_eq!(objects.len(), 1, "{objects:?}");
    assert!(
        objects[0].ends_with(&format!("/_branding/logo-{sha}.png")),
        "{objects:?}"
    );
    let page = admin.get("/admin/branding").await;
    assert!(
        page.body.contains(&format!("/brand/logo/{sha}")),
        "{}",
        page.body
    );

    // The start page, the upload page and the receipt: the firm's header, no staff menu.
    let start = app.get(&link).await;
    let visitor = named_visitor(&app, &link).await;
    let upload_page = app.get_with(&visitor, &link).await;
    for page in [&start, &upload_page] {
        assert_eq!(page.status, 200);
        assert!(
            page.body.contains("id=\"brand-name\">Acme Tax Advisers<"),
            "{}",
            page.body
        );
        assert!(page.body.contains(&format!(
            "src=\"/brand/logo/{sha}\" alt=\"Acme Tax Advisers\""
        )));
        assert!(page.body.contains("href=\"/brand/style/0b3d91.css\""));
        assert!(page.body.contains("Send documents to Acme Tax Advisers"));
        assert!(!page.body.contains("href=\"/dashboard\""));
    }
    let token = upload_page.csrf_token();
    let receipt = TestApp::page(
        visitor
            .post(app.url(&format!("{link}/upload")))
            .header("HX-Request", "true")
            .header("X-CSRF-Token", token)
            .multipart(crate::upload_links::files(&[(
                "march_statement.pdf",
                crate::requests::document(2000, 1, false),
            )]))
            .send()
            .await
            .expect("upload"),
    )
    .await;
    assert_eq!(receipt.status, 200, "{}", receipt.body);
    // An error page of the link (a stranger posting files) is the firm's too.
    let stranger = TestApp::new_client();
    let csrf = app.get_with(&stranger, &link).await.csrf_token();
    let refused = TestApp::page(
        stranger
            .post(app.url(&format!("{link}/upload")))
            .header("X-CSRF-Token", csrf)
            .multipart(crate::upload_links::files(&[("a.pdf", vec![1, 2, 3])]))
            .send()
            .await
            .expect("upload"),
    )
    .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("id=\"brand-name\">Acme Tax Advisers<"),
        "{}",
        refused.body
    );
    assert!(!refused.body.contains("href=\"/dashboard\""));

    // The logo: the exact bytes, the sniffed type, never sniffed again, kept for good.
    let response = app
        .client
        .get(app.url(&format!("/brand/logo/{sha}")))
        .send()
        .await
        .expect("logo");
    assert_eq!(response.status(), 200);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(header("content-type"), "image/png");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert!(header("cache-control").contains("immutable"));
    assert!(header("content-disposition").starts_with("inline"));
    assert_eq!(response.bytes().await.expect("bytes").to_vec(), logo);

    let css = app.get("/brand/style/0b3d91.css").await;
    assert_eq!(css.status, 200);
    assert!(
        css.body.contains("--brand: #0b3d91; --on-brand: #ffffff;"),
        "{}",
        css.body
    );
    for unknown in [
        format!("/brand/logo/{}", "0".repeat(64)),
        "/brand/logo/..%2F..%2Fetc".to_owned(),
        "/brand/style/808080.css".to_owned(),
        "/brand/style/0B3D91.css".to_owned(),
    ] {
        assert_eq!(app.get(&unknown).await.status, 404, "{unknown}");
    }

    // Replaced: the old logo's address serves nothing, its object is gone; removed alike.
    let other = png(OTHER_PNG);
    let replaced = post_logo(&admin, "new.png", "image/png", other.clone()).await;
    assert_eq!(replaced.status, 303, "{}", replaced.body);
    assert_eq!(app.get(&format!("/brand/logo/{sha}")).await.status, 404);
    let objects = branding_objects(&app, s.company).await;
    assert_eq!(objects.len(), 1, "{objects:?}");
    assert!(objects[0].contains(&sha256(&other)));
    let removed = admin.post("/admin/branding/logo/delete", &[]).await;
    assert_eq!(removed.status, 303, "{}", removed.body);
    assert!(branding_objects(&app, s.company).await.is_empty());
    assert!(!app.get(&link).await.body.contains("brand-logo"));

    // Every change audited, in words of what it was and is.
    assert_eq!(app.audit_rows("company.branding_changed").len(), 1);
    assert_eq!(app.audit_rows("company.logo_set").len(), 2);
    assert_eq!(app.audit_rows("company.logo_removed").len(), 1);
}

#[actix_web::test]
async fn svg_other_files_oversized_logos_and_low_contrast_colours_are_refused_and_nothing_is_stored(
) {
    let app = TestApp::spawn().await;
    let (s, _cycle, _link) = project_with_link(&app, LINK).await;
    let admin = app.session_for(&s.admin).await;

    let mut big = png(PNG);
    big.resize(600 * 1024, 0);
    let refused_digests = [sha256(SVG), sha256(b"not a picture"), sha256(&big)];
    for (name, mime) in [("logo.svg", "image/svg+xml"), ("logo.png", "image/png")] {
        let page = post_logo(&admin, name, mime, SVG.to_vec()).await;
        assert_eq!(page.status, 415, "{name}: {}", page.body);
        assert!(
            page.body.contains("SVG logos are not accepted"),
            "{}",
            page.body
        );
    }
    let text = post_logo(&admin, "logo.jpg", "image/jpeg", b"not a picture".to_vec()).await;
    assert_eq!(text.status, 415, "{}", text.body);
    assert!(
        text.body.contains("not a PNG, JPEG or WebP picture"),
        "{}",
        text.body
    );
    let page = post_logo(&admin, "big.png", "image/png", big).await;
    assert_eq!(page.status, 413, "{}", page.body);
    assert!(
        page.body.contains("larger than the limit of 512.0 KiB"),
        "{}",
        page.body
    );
    let empty = post_logo(&admin, "", "application/octet-stream", Vec::new()).await;
    assert_eq!(empty.status, 400, "{}", empty.body);

    let grey = admin
        .post(
            "/admin/branding",
            &[
                ("display_name", "Grey Partners"),
                ("accent_colour", "#808080"),
            ],
        )
        .await;
    assert_eq!(grey.status, 422, "{}", grey.body);
    assert!(
        grey.body.contains("#808080 leaves too little contrast")
            && grey.body.contains("3.94:1 with white text")
            && grey.body.contains("at least 4.5:1"),
        "{}",
        grey.body
    );
    assert!(
        grey.body.contains("value=\"Grey Partners\""),
        "the typed name is kept"
    );

    assert_eq!(stored(&app, s.company), (None, None, None));
    // No refused file was stored (its key would name its digest). The listing is not
    // asserted empty: under parallel tests it has shown another test's logo (see the
    // report of the branding change; not explained yet).
    let objects = branding_objects(&app, s.company).await;
    for refused in refused_digests {
        assert!(!objects.iter().any(|k| k.contains(&refused)), "{objects:?}");
    }
    assert!(app.audit_rows("company.logo_set").is_empty());
    assert!(app.audit_rows("company.branding_changed").is_empty());
}

#[actix_web::test]
async fn another_company_neither_sets_nor_sees_the_branding() {
    let app = TestApp::spawn().await;
    let (s, _cycle, link) = project_with_link(&app, LINK).await;
    let admin_a = app.session_for(&s.admin).await;
    let saved = admin_a
        .post("/admin/branding", &[("display_name", "Acme Tax Advisers")])
        .await;
    assert_eq!(saved.status, 303);
    let logo = png(PNG);
    assert_eq!(
        post_logo(&admin_a, "a.png", "image/png", logo.clone())
            .await
            .status,
        303
    );
    let a_location: i32 = storage_locations::table
        .filter(storage_locations::company_id.eq(s.company))
        .select(storage_locations::id)
        .first(&mut app.conn())
        .expect("A's location");

    let other = create_company(&app, "OTHER", true);
    create_location(
        &app,
        other,
        &format!("bucket-{}", uuid::Uuid::new_v4().simple()),
    );
    let bob = UserFixture::new("bob")
        .role("admin")
        .company(other)
        .create(&app)
        .await;
    let admin_b = app.session_for(&bob).await;
    let page = admin_b.get("/admin/branding").await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("Acme Tax Advisers"), "{}", page.body);
    assert!(!page.body.contains(&sha256(&logo)));

    // B's changes are B's; B cannot remove A's logo nor keep its own in A's location.
    let b_saved = admin_b
        .post("/admin/branding", &[("display_name", "Other Ltd")])
        .await;
    assert_eq!(b_saved.status, 303);
    let b_removes = admin_b.post("/admin/branding/logo/delete", &[]).await;
    assert_eq!(b_removes.status, 409, "{}", b_removes.body);
    let form = Form::new()
        .text("csrf_token", admin_b.csrf.clone())
        .text("location", a_location.to_string())
        .part("logo", Part::bytes(png(OTHER_PNG)).file_name("b.png"));
    let denied_before = app.audit_rows("access_denied").len();
    let into_a = TestApp::page(
        admin_b
            .http
            .post(app.url("/admin/branding/logo"))
            .multipart(form)
            .send()
            .await
            .expect("logo"),
    )
    .await;
    assert_eq!(into_a.status, 404, "{}", into_a.body);
    assert_eq!(app.audit_rows("access_denied").len(), denied_before + 1);
    assert_eq!(stored(&app, other), (Some("Other Ltd".into()), None, None));
    assert_eq!(
        stored(&app, s.company),
        (Some("Acme Tax Advisers".into()), None, Some(sha256(&logo)))
    );
    assert!(app.get(&link).await.body.contains("Acme Tax Advisers"));

    // A company no longer active shows its logo to nobody.
    diesel::update(companies::table.find(s.company))
        .set(companies::is_active.eq(false))
        .execute(&mut app.conn())
        .expect("deactivate");
    let gone = app.get(&format!("/brand/logo/{}", sha256(&logo))).await;
    assert_eq!(gone.status, 404);
}

#[actix_web::test]
async fn mails_to_link_senders_come_from_the_firm_and_staff_mails_from_hopper() {
    let outbox = tempfile::tempdir().expect("dir");
    let dir = outbox.path().to_owned();
    let app = TestApp::spawn_with(move |config| config.mail.outbox_dir = Some(dir)).await;
    let (s, _cycle, _link) = project_with_link(&app, LINK).await;
    let admin = app.session_for(&s.admin).await;
    let saved = admin
        .post("/admin/branding", &[("display_name", "Acme Tax Advisers")])
        .await;
    assert_eq!(saved.status, 303);
    for (user, recipient) in [
        (None, "vera@example.com"),
        (Some(s.admin.id), "alice@example.test"),
    ] {
        diesel::insert_into(notifications::table)
            .values((
                notifications::company_id.eq(Some(s.company)),
                notifications::user_id.eq(user),
                notifications::recipient.eq(recipient),
                notifications::kind.eq("request_rejected"),
                notifications::subject.eq("Year end C1: a new file, please"),
                notifications::body.eq("Hello"),
            ))
            .execute(&mut app.conn())
            .expect("queue");
    }
    // The server's own sender may take a message first: either way it lands in the outbox.
    let mut mails = Vec::new();
    for _ in 0..50 {
        hopper::services::notifications::send_pending(&app.state.services)
            .await
            .expect("send");
        mails = std::fs::read_dir(outbox.path().join("new"))
            .map(|d| {
                d.flatten()
                    .filter_map(|f| std::fs::read_to_string(f.path()).ok())
                    .collect()
            })
            .unwrap_or_default();
        if mails.len() >= 2 {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert_eq!(mails.len(), 2, "{mails:?}");
    let from_of = |to: &str| {
        let mail = mails.iter().find(|m| m.contains(to)).expect("mail");
        mail.lines()
            .find(|l| l.starts_with("From:"))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(
        from_of("vera@example.com").contains("Acme Tax Advisers via Hopper"),
        "{mails:?}"
    );
    let staff = from_of("alice@example.test");
    assert!(
        staff.contains("Hopper") && !staff.contains("Acme"),
        "{staff}"
    );
}
