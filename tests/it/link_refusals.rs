//! A sender reads why a file was not taken in the link's language, wherever it is said:
//! beside the file when a resumable upload is refused at its creation, on the receipt of
//! a form upload, and in the receipt emailed afterwards (the failed file keeps the
//! refusal, not only its English sentence). A collection closed while the page was open
//! is "closed" in the sender's words, never the firm's cycle code.

use diesel::prelude::*;
use hopper::schema::{file_uploads, notifications};

use crate::helpers::TestApp;
use crate::link_tus::{create, named, problem};
use crate::requests::document;
use crate::upload_links::{files, project_with_link};

const GERMAN_WRONG_KIND: &str = "der Name endet auf .pdf, die Datei ist aber ein ZIP-Archiv";

#[actix_web::test]
async fn a_german_sender_reads_in_german_why_a_file_was_not_taken() {
    let app = TestApp::spawn().await;
    let (_, _, link) = project_with_link(
        &app,
        &[("label", "Kanzlei"), ("days", "7"), ("language", "de")],
    )
    .await;
    let vera = named(&app, &link, "Vera Besucherin").await;

    // Resumable: refused at creation, said in German, with the refusal's own code.
    let zip = document(20_000, 3, true);
    let refused = create(
        &app,
        &vera,
        &link,
        ("lohn_maerz.pdf", zip.len(), Some(&zip[..4096])),
        None,
    )
    .await;
    let (status, code, detail) = problem(refused).await;
    assert_eq!(
        (status, code.as_str()),
        (415, "kind.not_what_its_name_says")
    );
    assert!(detail.contains(GERMAN_WRONG_KIND), "{detail}");
    assert!(!detail.contains("the name says"), "{detail}");

    // The form: the receipt says it in German too.
    let receipt = TestApp::page(
        vera.0
            .http()
            .post(app.url(&format!("{link}/upload")))
            .header("HX-Request", "true")
            .header("X-CSRF-Token", vera.1.as_str())
            .multipart(files(&[
                ("payroll_march.pdf", zip.clone()),
                ("march_statement.pdf", document(3000, 1, false)),
            ]))
            .send()
            .await
            .expect("upload"),
    )
    .await;
    assert_eq!(receipt.status, 200, "{}", receipt.body);
    let said = format!("Nicht angenommen: {GERMAN_WRONG_KIND}");
    assert!(receipt.body.contains(&said), "{}", receipt.body);
    assert!(!receipt.body.contains("the name says"), "{}", receipt.body);
    assert!(receipt.body.contains("Gesendet von Vera Besucherin"));
    assert!(
        !receipt.body.contains("(upload link)"),
        "the firm's label for her is not hers to read"
    );

    // The row keeps the English sentence for the firm and the refusal for the sender.
    let kept: Vec<(Option<String>, Option<serde_json::Value>)> = file_uploads::table
        .filter(file_uploads::file_path.eq("payroll_march.pdf"))
        .select((file_uploads::error_message, file_uploads::refusal))
        .load(&mut app.conn())
        .expect("files");
    assert_eq!(kept.len(), 1, "{kept:?}");
    let (message, refusal) = &kept[0];
    assert!(
        message
            .as_deref()
            .is_some_and(|m| m.starts_with("refused: the name says pdf")),
        "{message:?}"
    );
    let refusal = refusal.as_ref().expect("the refusal is kept");
    assert_eq!(refusal["code"], "kind.not_what_its_name_says");
    assert_eq!(refusal["args"]["actual"], "zip");

    // Emailed afterwards: German again, from the kept refusal.
    let email = receipt
        .body
        .split('"')
        .find(|part| part.starts_with(&format!("{link}/batches/")) && part.ends_with("/email"))
        .expect("the receipt offers to email it")
        .to_owned();
    let asked = TestApp::page(
        vera.0
            .http()
            .post(app.url(&email))
            .header("HX-Request", "true")
            .header("X-CSRF-Token", vera.1.as_str())
            .send()
            .await
            .expect("email"),
    )
    .await;
    assert_eq!(asked.status, 200, "{}", asked.body);
    let bodies: Vec<String> = notifications::table
        .filter(notifications::kind.eq("upload_receipt"))
        .select(notifications::body)
        .load(&mut app.conn())
        .expect("outbox");
    assert_eq!(bodies.len(), 1);
    assert!(bodies[0].contains(&said), "{}", bodies[0]);
}

#[actix_web::test]
async fn a_collection_closed_while_the_page_was_open_is_closed_in_the_senders_words() {
    for (lang, closed) in [
        ("en", "This collection is closed"),
        ("de", "Diese Sammlung ist geschlossen"),
    ] {
        let app = TestApp::spawn().await;
        let (s, cycle, link) = project_with_link(
            &app,
            &[("label", "Client"), ("days", "7"), ("language", lang)],
        )
        .await;
        let vera = named(&app, &link, "Vera Visitor").await;
        let admin = app.session_for(&s.admin).await;
        let close = format!("/admin/projects/{}/cycles/{cycle}/close", s.project);
        assert_eq!(admin.post(&close, &[]).await.status, 303);

        let pdf = document(2000, 4, false);
        let refused = create(
            &app,
            &vera,
            &link,
            ("late.pdf", pdf.len(), Some(&pdf[..512])),
            None,
        )
        .await;
        let (status, code, detail) = problem(refused).await;
        assert!((400..500).contains(&status), "{status} {code}: {detail}");
        assert!(detail.contains(closed), "{lang}: {code}: {detail}");
        assert!(!detail.contains("C1"), "{lang}: {detail}");
    }
}
