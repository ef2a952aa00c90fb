//! An upload link speaks its sender's language: the link's own, else its company's, else
//! what the browser asks for, else English; every page of the link (start, wrong PIN,
//! requests, receipt, a link that does not open) is said in it, with `<html lang>`; so is
//! the receipt a sender asks to have emailed. The company's language is its admin's to set.

use diesel::prelude::*;
use hopper::schema::{companies, notifications};
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT_LANGUAGE};

use crate::helpers::{Page, TestApp};
use crate::requests::document;
use crate::upload_links::{files, project_with_link};

/// A browser without an account that asks for `accept_language` (if any).
fn browser(accept_language: Option<&str>) -> reqwest::Client {
    let mut headers = HeaderMap::new();
    if let Some(wanted) = accept_language {
        headers.insert(
            ACCEPT_LANGUAGE,
            HeaderValue::from_str(wanted).expect("header"),
        );
    }
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .expect("http client")
}

async fn identify(app: &TestApp, http: &reqwest::Client, link: &str, pin: &str) -> Page {
    let token = app.get_with(http, link).await.csrf_token();
    app.post_form_with(
        http,
        link,
        &[
            ("csrf_token", token.as_str()),
            ("name", "Vera Besucherin"),
            ("email", "vera@example.com"),
            ("pin", pin),
        ],
    )
    .await
}

fn in_language(page: &Page, lang: &str) {
    assert!(
        page.body.contains(&format!("<html lang=\"{lang}\">")),
        "not in {lang}: {}",
        page.body
    );
}

#[actix_web::test]
async fn a_german_link_says_every_page_in_german() {
    let app = TestApp::spawn().await;
    let (_, _, link) = project_with_link(
        &app,
        &[
            ("label", "Kanzlei"),
            ("days", "7"),
            ("pin", "4321"),
            ("max_files", "10"),
            ("max_mib", "50"),
            ("language", "de"),
        ],
    )
    .await;
    // The browser asks for English: the link's own language goes first.
    let http = browser(Some("en-US,en;q=0.9"));
    let start = app.get_with(&http, &link).await;
    assert_eq!(start.status, 200);
    in_language(&start, "de");
    assert!(start.body.contains("Dokumente an"), "{}", start.body);
    assert!(start.body.contains("Ihr Name") && start.body.contains("Weiter"));
    assert!(!start.body.contains("Your name"));

    let wrong = identify(&app, &http, &link, "9999").await;
    assert_eq!(wrong.status, 403, "{}", wrong.body);
    in_language(&wrong, "de");
    assert!(
        wrong.body.contains("Diese PIN stimmt nicht"),
        "{}",
        wrong.body
    );
    assert!(wrong.body.contains("Vera Besucherin"), "the name is kept");
    assert!(!wrong.body.contains("Dashboard"), "no staff menu");

    let named = identify(&app, &http, &link, "4321").await;
    assert_eq!(named.status, 303, "{}", named.body);
    let page = app.get_with(&http, &link).await;
    assert_eq!(page.status, 200);
    in_language(&page, "de");
    for words in [
        "Angeforderte Dokumente",
        "Hochladen",
        "Sie senden als",
        "Fällig",
    ] {
        assert!(page.body.contains(words), "{words} missing: {}", page.body);
    }
    assert!(
        page.body.contains("\"pause\":\"Anhalten\""),
        "the scripts' messages"
    );

    let token = page.csrf_token();
    let receipt = TestApp::page(
        http.post(app.url(&format!("{link}/upload")))
            .header("HX-Request", "true")
            .header("X-CSRF-Token", token)
            .multipart(files(&[("march_statement.pdf", document(3000, 1, false))]))
            .send()
            .await
            .expect("upload"),
    )
    .await;
    assert_eq!(receipt.status, 200, "{}", receipt.body);
    assert!(
        receipt.body.contains("Quittung: 1 Datei erhalten"),
        "{}",
        receipt.body
    );
    assert!(receipt.body.contains("Erhalten") && receipt.body.contains("2,9 KiB"));
    let after = app.get_with(&http, &link).await;
    assert!(
        after.body.contains("Angenommen") || after.body.contains("Eingereicht"),
        "the card's state in German: {}",
        after.body
    );
    assert!(after.body.contains("gesendet"), "{}", after.body);

    // The receipt, emailed on her asking, is in the link's language too.
    let email = receipt
        .body
        .split('"')
        .find(|part| part.starts_with(&format!("{link}/batches/")) && part.ends_with("/email"))
        .expect("the receipt offers to email it")
        .to_owned();
    let asked = TestApp::page(
        http.post(app.url(&email))
            .header("HX-Request", "true")
            .header("X-CSRF-Token", page.csrf_token())
            .send()
            .await
            .expect("email"),
    )
    .await;
    assert_eq!(asked.status, 200, "{}", asked.body);
    assert!(
        asked
            .body
            .contains("Die Quittung ist unterwegs an vera@example.com"),
        "{}",
        asked.body
    );
    let (subject, body) = emailed_receipt(&app);
    assert!(subject.starts_with("Ihre Quittung von "), "{subject}");
    for words in [
        "Guten Tag Vera Besucherin,",
        "die Quittung über die Dateien",
        "- march_statement.pdf (2,9 KiB): Erhalten",
        "SHA-256 ",
        "Bewahren Sie diese Nachricht",
    ] {
        assert!(body.contains(words), "{words} missing: {body}");
    }
    assert!(
        !body.contains("Hello") && !body.contains("Received"),
        "{body}"
    );
}

/// The one receipt in the outbox: its subject and body.
fn emailed_receipt(app: &TestApp) -> (String, String) {
    let mails: Vec<(String, String)> = notifications::table
        .filter(notifications::kind.eq("upload_receipt"))
        .select((notifications::subject, notifications::body))
        .load(&mut app.conn())
        .expect("outbox");
    assert_eq!(mails.len(), 1, "{mails:?}");
    mails.into_iter().next().expect("one mail")
}

/// The company's default language as stored.
fn company_language(app: &TestApp, company: hopper::db::ids::CompanyId) -> Option<String> {
    companies::table
        .find(company.0)
        .select(companies::default_language)
        .first(&mut app.conn())
        .expect("company")
}

#[actix_web::test]
async fn the_admin_sets_the_companys_language_for_links_without_their_own() {
    let app = TestApp::spawn().await;
    let (s, _, link) = project_with_link(
        &app,
        &[
            ("label", "Anyone"),
            ("days", "7"),
            ("max_files", "10"),
            ("max_mib", "50"),
        ],
    )
    .await;
    let admin = app.session_for(&s.admin).await;
    let page = admin.get("/admin/branding").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("name=\"default_language\"")
            && page
                .body
                .contains("<option value=\"\" selected>The visitor's browser"),
        "{}",
        page.body
    );

    // A value not in the list: the page again, said why, nothing stored or audited.
    let refused = admin
        .post("/admin/branding/language", &[("default_language", "fr")])
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("Choose a language from the list."));
    assert!(
        refused.body.contains("id=\"save-language\""),
        "the form is kept"
    );
    assert_eq!(company_language(&app, s.company), None);
    assert!(app.audit_rows("company.language_changed").is_empty());

    let saved = admin
        .post("/admin/branding/language", &[("default_language", "de")])
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(company_language(&app, s.company).as_deref(), Some("de"));
    let shown = admin.get("/admin/branding").await;
    assert!(shown.body.contains("Language saved."), "{}", shown.body);
    assert!(
        shown.body.contains("<option value=\"de\" selected>Deutsch"),
        "{}",
        shown.body
    );

    // The link chose no language: the company's goes before the browser's English.
    let english_browser = browser(Some("en-US,en;q=0.9"));
    let start = app.get_with(&english_browser, &link).await;
    in_language(&start, "de");
    assert!(start.body.contains("Dokumente an"), "{}", start.body);

    // Saving the same again changes nothing and audits nothing; back to the browser's.
    admin
        .post("/admin/branding/language", &[("default_language", "de")])
        .await;
    let back = admin
        .post("/admin/branding/language", &[("default_language", "")])
        .await;
    assert_eq!(back.status, 303, "{}", back.body);
    assert_eq!(company_language(&app, s.company), None);
    in_language(&app.get_with(&english_browser, &link).await, "en");

    let audited = app.audit_rows("company.language_changed");
    assert_eq!(audited.len(), 2, "{audited:?}");
    assert_eq!(audited[0].company_id, Some(s.company));
    assert_eq!(
        audited[0].details,
        serde_json::json!({ "before": null, "after": "de" })
    );
    assert_eq!(
        audited[1].details,
        serde_json::json!({ "before": "de", "after": null })
    );
    let trail = admin.get("/dashboard/audit").await;
    assert_eq!(trail.status, 200);
    assert!(
        trail.body.contains("Changed the language the company"),
        "{}",
        trail.body
    );
}

#[actix_web::test]
async fn a_link_without_a_language_follows_its_company_then_the_browser() {
    let app = TestApp::spawn().await;
    let (s, _, link) = project_with_link(
        &app,
        &[
            ("label", "Anyone"),
            ("days", "7"),
            ("max_files", "10"),
            ("max_mib", "50"),
        ],
    )
    .await;
    let english = app.get_with(&browser(None), &link).await;
    in_language(&english, "en");
    assert!(
        english.body.contains("Send documents to"),
        "{}",
        english.body
    );
    let french = app.get_with(&browser(Some("fr-FR,fr;q=0.9")), &link).await;
    in_language(&french, "en");
    let german = app
        .get_with(&browser(Some("fr;q=0.9, de-AT;q=0.8, en;q=0.5")), &link)
        .await;
    in_language(&german, "de");
    assert!(german.body.contains("Dokumente an"), "{}", german.body);

    // The company's default goes before the browser.
    let mut conn = app.conn();
    diesel::update(companies::table.find(s.company.0))
        .set(companies::default_language.eq("en"))
        .execute(&mut conn)
        .expect("company language");
    let company = app.get_with(&browser(Some("de")), &link).await;
    in_language(&company, "en");
    assert!(company.body.contains("Send documents to"));

    // A link that does not exist is said in the browser's language, without staff menu.
    let unknown = app.get_with(&browser(Some("de")), "/u/no-such-token").await;
    assert_eq!(unknown.status, 404);
    in_language(&unknown, "de");
    assert!(
        unknown.body.contains("Diesen Upload-Link gibt es nicht"),
        "{}",
        unknown.body
    );
}
