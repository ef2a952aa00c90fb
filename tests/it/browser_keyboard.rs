//! Keyboard only: an uploader signs in, picks the project, the cycle and one request at a
//! time and sends a file for each; an admin accepts one and rejects the other with a
//! reason. Only keys are pressed (Tab, Shift+Tab, Enter, Space and typing; a file path is
//! typed into the focused file input, as the system's picker would fill it), never a
//! click; every control reached shows where the focus is.

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::Client;

use crate::browser::{element, text_of, wait_for_text, Chromedriver};
use crate::helpers::{TestApp, TestUser};
use crate::requests::{add_to_list, requests_of, setup, start_cycle, status_of};

/// Presses `keys` together (the first ones held while the last is pressed), then lets go.
async fn press(browser: &Client, keys: &[Key]) {
    let mut actions = KeyActions::new("keyboard".into());
    for key in keys {
        actions = actions.then(KeyAction::Down {
            value: (*key).into(),
        });
    }
    for key in keys.iter().rev() {
        actions = actions.then(KeyAction::Up {
            value: (*key).into(),
        });
    }
    browser.perform_actions(actions).await.expect("keys");
}

/// Types `text` into whatever has the focus.
async fn type_text(browser: &Client, text: &str) {
    let mut actions = KeyActions::new("keyboard".into());
    for c in text.chars() {
        actions = actions
            .then(KeyAction::Down { value: c })
            .then(KeyAction::Up { value: c });
    }
    browser.perform_actions(actions).await.expect("typing");
}

/// Whether the focused element matches `css`.
async fn focused_is(browser: &Client, css: &str) -> bool {
    browser
        .execute(
            "return document.activeElement !== null && document.activeElement.matches(arguments[0]);",
            vec![serde_json::json!(css)],
        )
        .await
        .expect("focus")
        .as_bool()
        .unwrap_or(false)
}

/// The focused element shows it: it matches `:focus-visible` and has an outline.
async fn assert_focus_visible(browser: &Client, what: &str) {
    let style = browser
        .execute(
            "const e = document.activeElement, s = getComputedStyle(e);
             return [e.matches(':focus-visible'), s.outlineStyle, s.outlineWidth].join(' ');",
            vec![],
        )
        .await
        .expect("style");
    let style = style.as_str().unwrap_or_default().to_owned();
    let mut parts = style.split(' ');
    assert_eq!(
        parts.next(),
        Some("true"),
        "{what}: not :focus-visible ({style})"
    );
    assert_ne!(parts.next(), Some("none"), "{what}: no outline ({style})");
    let width: f64 = parts
        .next()
        .and_then(|w| w.trim_end_matches("px").parse().ok())
        .unwrap_or(0.0);
    assert!(width >= 2.0, "{what}: outline too thin ({style})");
}

/// Presses Tab until `css` has the focus (at most 150 times; none when it has it
/// already, as an autofocused field does), and checks that the focus shows. Waits for
/// `css` to be on the page first (the page may still be loading).
async fn tab_to(browser: &Client, css: &str) {
    element(browser, css).await;
    if focused_is(browser, css).await {
        assert_focus_visible(browser, css).await;
        return;
    }
    for _ in 0..150 {
        press(browser, &[Key::Tab]).await;
        if focused_is(browser, css).await {
            assert_focus_visible(browser, css).await;
            return;
        }
    }
    panic!("Tab never reached {css}");
}

async fn sign_in_by_keyboard(browser: &Client, app: &TestApp, user: &TestUser) {
    browser.delete_all_cookies().await.expect("sign out");
    browser
        .goto(&app.url("/login"))
        .await
        .expect("sign-in page");
    tab_to(browser, "#username").await;
    type_text(browser, &user.username).await;
    tab_to(browser, "#password").await;
    type_text(browser, &user.password).await;
    press(browser, &[Key::Enter]).await;
    // Only a signed-in person's pages have the account menu.
    element(browser, "#account-nav").await;
}

#[actix_web::test]
async fn upload_and_review_work_with_the_keyboard_alone() {
    let app = TestApp::spawn().await;
    let s = setup(&app, true).await;
    let admin = app.session_for(&s.admin).await;
    add_to_list(&admin, s.project, "Bank statement", "*statement*.pdf").await;
    add_to_list(&admin, s.project, "Payroll", "payroll*.pdf").await;
    let cycle = start_cycle(&app, &admin, s.project).await;
    let ids: Vec<_> = requests_of(&app, cycle).into_iter().map(|r| r.0).collect();
    let dir = tempfile::tempdir().expect("dir");
    let statement = dir.path().join("statement-march.pdf");
    std::fs::write(&statement, b"%PDF-1.7\n% statement\n").expect("file");
    let payroll = dir.path().join("payroll-march.pdf");
    std::fs::write(&payroll, b"%PDF-1.7\n% payroll\n").expect("file");

    let driver = Chromedriver::start();
    let browser = driver.connect().await;
    sign_in_by_keyboard(&browser, &app, &s.uploader).await;
    // Home → Projects → the project → the cycle's upload page, by links.
    tab_to(&browser, "a[href='/projects']").await;
    press(&browser, &[Key::Enter]).await;
    wait_for_text(&browser, "h1", |t| t.contains("Projects")).await;
    tab_to(&browser, &format!("a[href='/projects/{}']", s.project)).await;
    press(&browser, &[Key::Enter]).await;
    let upload = format!("/projects/{}/cycles/{cycle}/upload", s.project);
    tab_to(&browser, &format!("a[href='{upload}']")).await;
    press(&browser, &[Key::Enter]).await;
    wait_for_text(&browser, "h1", |t| t.starts_with("Upload to")).await;

    // One request at a time: its file input, then its own button.
    for (id, file) in [(ids[0], &statement), (ids[1], &payroll)] {
        tab_to(&browser, &format!("#file-for-{id}")).await;
        browser
            .active_element()
            .await
            .expect("the file input")
            .send_keys(&file.display().to_string())
            .await
            .expect("choose the file");
        tab_to(
            &browser,
            &format!("#request-{id} form.request-upload button"),
        )
        .await;
        press(&browser, &[Key::Enter]).await;
        let receipt = wait_for_text(&browser, "#receipt", |t| t.contains("Receipt")).await;
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        assert!(receipt.contains(name), "{receipt}");
        assert_eq!(status_of(&app, id), "submitted");
        browser.refresh().await.expect("reload");
    }

    // The admin accepts the statement (Space on its button) and rejects the payroll
    // with a reason (typed, Enter in the field).
    sign_in_by_keyboard(&browser, &app, &s.admin).await;
    let review = app.url(&format!(
        "/admin/projects/{}/cycles/{cycle}/requests",
        s.project
    ));
    browser.goto(&review).await.expect("review page");
    tab_to(
        &browser,
        &format!("#request-{} form input[value=accept] ~ button", ids[0]),
    )
    .await;
    press(&browser, &[Key::Space]).await;
    wait_for_text(&browser, ".flash", |t| t.starts_with("Accepted “")).await;
    tab_to(&browser, &format!("#reject-{}", ids[1])).await;
    type_text(&browser, "Page 2 is missing").await;
    // Tab on to the Reject button and Shift+Tab back: the reason is still there.
    tab_to(&browser, &format!("#request-{} form.reject button", ids[1])).await;
    press(&browser, &[Key::Shift, Key::Tab]).await;
    assert!(focused_is(&browser, &format!("#reject-{}", ids[1])).await);
    assert_focus_visible(&browser, "the reason").await;
    press(&browser, &[Key::Enter]).await;
    wait_for_text(&browser, ".flash", |t| t.contains("needs a new file")).await;

    assert_eq!(status_of(&app, ids[0]), "accepted");
    assert_eq!(status_of(&app, ids[1]), "rejected");
    let row = text_of(&browser, &format!("#request-{}", ids[1])).await;
    assert!(row.contains("Page 2 is missing"), "{row}");
}
