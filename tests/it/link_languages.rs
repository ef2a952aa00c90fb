//! An upload link speaks its sender's language: the link's own, else its company's, else
//! what the browser asks for, else English; every page of the link (start, wrong PIN,
//! requests, receipt, a link that does not open) is said in it, with `<html lang>`.

use diesel::prelude::*;
use hopper::schema::companies;
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
