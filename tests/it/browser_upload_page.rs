//! The upload page guides: accepted types shown and used by the picker, nothing sent
//! when nothing is chosen, chosen files listed with sizes and removable, and a duplicate
//! named by the original's path and batch; leaving with files chosen or being sent asks
//! first.

use diesel::prelude::*;
use hopper::schema::sync_sessions;

use crate::browser::{click, element, fill, sign_in, text_of, wait_for_text, Chromedriver};
use crate::helpers::TestApp;
use crate::requests::{allow_types, setup, start_cycle};
use crate::upload_links::create_link;

fn batches(app: &TestApp) -> i64 {
    sync_sessions::table
        .count()
        .get_result(&mut app.conn())
        .expect("batches")
}

#[actix_web::test]
async fn the_upload_page_lists_filters_and_removes_chosen_files() {
    let app = TestApp::spawn().await;
    let s = setup(&app, false).await;
    allow_types(&app, s.project, &["pdf", "txt"]);
    let admin = app.session_for(&s.admin).await;
    let cycle = start_cycle(&app, &admin, s.project).await;
    // A form without files is refused before any batch is recorded.
    let uma = app.session_for(&s.uploader).await;
    let form_path = format!("/projects/{}/cycles/{cycle}/upload", s.project);
    let empty = uma
        .upload(
            &form_path,
            reqwest::multipart::Form::new().text("note", "no files"),
        )
        .await;
    assert_eq!(empty.status, 400, "{}", empty.body);
    assert!(empty.body.contains("No file was chosen"), "{}", empty.body);
    assert_eq!(batches(&app), 0);
    let dir = tempfile::tempdir().expect("dir");
    let unwanted = dir.path().join("draft.txt");
    let wanted = dir.path().join("statement.pdf");
    std::fs::write(&unwanted, b"not this one").expect("file");
    std::fs::write(&wanted, b"%PDF-1.7\n% the statement\n").expect("file");

    let driver = Chromedriver::start();
    let browser = driver.connect().await;
    sign_in(&browser, &app, &s.uploader.username, &s.uploader.password).await;
    let page = app.url(&format!("/projects/{}/cycles/{cycle}/upload", s.project));
    browser.goto(&page).await.expect("upload page");
    element(&browser, "#files").await;

    let accept = browser
        .execute("return document.getElementById('files').accept;", vec![])
        .await
        .expect("accept");
    assert_eq!(accept.as_str(), Some(".pdf,.txt"));
    assert!(text_of(&browser, "#accepted-types")
        .await
        .contains(".pdf, .txt"));

    // Nothing chosen: nothing is sent, nothing recorded.
    click(&browser, "#upload-button").await;
    wait_for_text(&browser, "#upload-list", |t| {
        t.contains("Choose files or a folder first")
    })
    .await;
    assert_eq!(batches(&app), 0);

    let both = format!("{}\n{}", unwanted.display(), wanted.display());
    fill(&browser, "#files", &both).await;
    wait_for_text(&browser, "#chosen-heading", |t| {
        t.starts_with("2 files chosen")
    })
    .await;
    click(&browser, "button[aria-label='Remove draft.txt']").await;
    wait_for_text(&browser, "#chosen-heading", |t| {
        t.starts_with("1 file chosen")
    })
    .await;
    click(&browser, "#upload-button").await;
    let receipt = wait_for_text(&browser, "#receipt", |t| t.contains("Receipt")).await;
    assert!(receipt.contains("statement.pdf"), "{receipt}");
    assert!(
        !receipt.contains("draft.txt"),
        "a removed file is not sent: {receipt}"
    );
    let first: i32 = sync_sessions::table
        .select(sync_sessions::id)
        .first(&mut app.conn())
        .expect("the batch");

    // The same file again: the receipt names the original, its batch, and links to it.
    browser.goto(&page).await.expect("upload page");
    fill(&browser, "#files", &wanted.display().to_string()).await;
    click(&browser, "#upload-button").await;
    let again = wait_for_text(&browser, "#receipt", |t| t.contains("duplicate")).await;
    assert!(
        again.contains(&format!(
            "skipped as a duplicate of statement.pdf (batch #{first}, "
        )),
        "{again}"
    );
    let link = browser
        .execute(
            "return document.querySelector('#receipt td.outcome a').getAttribute('href');",
            vec![],
        )
        .await
        .expect("link");
    assert_eq!(link.as_str(), Some(format!("/uploads/{first}").as_str()));
}

/// Whether leaving the page now would ask first: the page's own `beforeunload` handlers,
/// run by the cancellable event a browser sends before it leaves.
async fn leaving_asks(browser: &fantoccini::Client) -> bool {
    browser
        .execute(
            "return !window.dispatchEvent(new Event('beforeunload', { cancelable: true }));",
            vec![],
        )
        .await
        .expect("beforeunload")
        .as_bool()
        .expect("a yes or no")
}

#[actix_web::test]
async fn leaving_the_upload_page_asks_first_while_files_wait_or_are_being_sent() {
    let app = TestApp::spawn().await;
    let s = setup(&app, false).await;
    let admin = app.session_for(&s.admin).await;
    let cycle = start_cycle(&app, &admin, s.project).await;
    let link = create_link(
        &admin,
        s.project,
        cycle,
        &[("label", "Accounting"), ("days", "7")],
    )
    .await;
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("ledger.txt");
    std::fs::write(&file, b"the ledger").expect("file");

    let driver = Chromedriver::start();
    let browser = driver.connect().await;
    browser.goto(&app.url(&link)).await.expect("link page");
    fill(&browser, "#name", "Vera Visitor").await;
    fill(&browser, "#email", "vera@example.com").await;
    click(&browser, "#continue").await;
    text_of(&browser, "#upload-form").await;
    // The plain form, as a browser without the resumable script sends it: the form's
    // resumable addresses are taken away, so the script leaves the form to htmx.
    let plain_form = browser
        .execute(
            "var form = document.getElementById('upload-form');
             var resumable = !!form.dataset.batches;
             delete form.dataset.batches;
             return resumable;",
            vec![],
        )
        .await
        .expect("form");
    assert_eq!(
        plain_form.as_bool(),
        Some(true),
        "the link page offers resumable uploads"
    );
    assert!(
        !leaving_asks(&browser).await,
        "nothing chosen: leave freely"
    );

    fill(&browser, "#files", &file.display().to_string()).await;
    wait_for_text(&browser, "#chosen-heading", |t| t.starts_with("1 file")).await;
    assert!(leaving_asks(&browser).await, "a chosen file not sent yet");

    // While the form is on its way, leaving asks even with the picker emptied (the
    // request already holds the file): the answer is taken as the request goes out.
    browser
        .execute(
            "document.addEventListener('htmx:beforeSend', function () {
                 document.getElementById('files').value = '';
                 window.askedInFlight =
                     !window.dispatchEvent(new Event('beforeunload', { cancelable: true }));
             }, { once: true });",
            vec![],
        )
        .await
        .expect("listener");
    click(&browser, "#upload-button").await;
    let receipt = wait_for_text(&browser, "#receipt", |t| t.contains("Receipt")).await;
    assert!(receipt.contains("ledger.txt"), "{receipt}");
    let in_flight = browser
        .execute("return window.askedInFlight;", vec![])
        .await
        .expect("flag");
    assert_eq!(in_flight.as_bool(), Some(true), "asked while sending");
    assert!(!leaving_asks(&browser).await, "sent: leave freely");
    assert_eq!(batches(&app), 1);

    // The signed-in page (resumable uploads) asks the same for files chosen, not sent.
    sign_in(&browser, &app, &s.uploader.username, &s.uploader.password).await;
    let page = app.url(&format!("/projects/{}/cycles/{cycle}/upload", s.project));
    browser.goto(&page).await.expect("upload page");
    text_of(&browser, "#upload-form").await;
    assert!(!leaving_asks(&browser).await);
    fill(&browser, "#files", &file.display().to_string()).await;
    wait_for_text(&browser, "#chosen-heading", |t| t.starts_with("1 file")).await;
    assert!(leaving_asks(&browser).await, "a chosen file not sent yet");
    click(&browser, "#upload-button").await;
    wait_for_text(&browser, "#receipt", |t| t.contains("Receipt")).await;
    assert!(!leaving_asks(&browser).await, "sent: leave freely");
}
