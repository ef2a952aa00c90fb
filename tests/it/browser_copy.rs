//! Copy buttons beside what is shown once (an upload link here; share links, tokens and
//! one-time passwords use the same script): pressed in a real browser, the text lands on
//! the clipboard with a visible "Copied", or, where the browser refuses the clipboard, it
//! is selected for the person's own Ctrl+C and the page says so.

use crate::browser::{click, fill, sign_in, wait_for_text, with_element, Chromedriver};
use crate::helpers::TestApp;
use crate::requests::setup;
use crate::upload_links::cycle_with_requests;

#[actix_web::test]
async fn a_new_upload_link_is_copied_with_one_press() {
    let app = TestApp::spawn().await;
    let s = setup(&app, false).await;
    let alice = app.session_for(&s.admin).await;
    let cycle = cycle_with_requests(&app, &alice, s.project).await;
    let driver = Chromedriver::start();
    let browser = driver.connect().await;
    browser.set_window_size(1366, 900).await.expect("size");
    sign_in(&browser, &app, &s.admin.username, &s.admin.password).await;
    browser
        .goto(&app.url(&format!(
            "/admin/projects/{}/cycles/{cycle}/links",
            s.project
        )))
        .await
        .expect("links page");
    fill(&browser, "#label", "ACME accounting").await;
    click(&browser, "#create-link").await;
    let link = wait_for_text(&browser, "#upload-link", |t| t.contains("/u/")).await;
    let shown = with_element(
        &browser,
        "button[data-copy='upload-link']",
        "see the copy button",
        |b| async move { b.is_displayed().await },
    )
    .await;
    assert!(shown, "the script shows the button");
    click(&browser, "button[data-copy='upload-link']").await;
    let said = wait_for_text(&browser, ".copy-status", |t| !t.is_empty()).await;
    if said == "Copied" {
        let copied = browser
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 navigator.clipboard.readText().then(done, () => done(null));",
                vec![],
            )
            .await
            .expect("clipboard");
        // Reading back may be refused where writing was allowed; when it answers, it is
        // the link.
        if let Some(text) = copied.as_str() {
            assert_eq!(text, link.trim());
        }
    } else {
        assert!(said.starts_with("Selected"), "{said}");
        let selected = browser
            .execute("return window.getSelection().toString();", vec![])
            .await
            .expect("selection");
        assert_eq!(selected.as_str().map(str::trim), Some(link.trim()));
    }
}
