//! The sender's side on a phone (390 × 844): a link's pages are the firm's, never the
//! staff's — a wrong PIN shows the form again with what was typed kept and the PIN field
//! asks for digits; a bad link and a closed one say so without the staff's menu, even in
//! a browser that is also signed in as staff.

use crate::browser::{click, element, fill, sign_in, text_of, value_of, Chromedriver};
use crate::helpers::TestApp;

use crate::upload_links::project_with_link;

/// No element of the staff's navigation is on the page.
async fn no_staff_menu(browser: &fantoccini::Client, what: &str) {
    let found = browser
        .execute(
            "return document.querySelectorAll('nav.sections, nav.account, #menu-toggle, a[href=\"/dashboard\"]').length;",
            vec![],
        )
        .await
        .expect("query");
    assert_eq!(found.as_u64(), Some(0), "{what}: the staff's menu is shown");
}

async fn fits_the_screen(browser: &fantoccini::Client, what: &str) {
    let wider = browser
        .execute(
            "return document.documentElement.scrollWidth > window.innerWidth;",
            vec![],
        )
        .await
        .expect("width");
    assert_eq!(
        wider.as_bool(),
        Some(false),
        "{what}: wider than the screen"
    );
}

#[actix_web::test]
async fn a_wrong_pin_keeps_the_form_and_no_link_page_shows_the_staff_menu() {
    let app = TestApp::spawn().await;
    let (s, _, link) = project_with_link(
        &app,
        &[
            ("label", "Client"),
            ("days", "7"),
            ("pin", "482913"),
            ("max_files", "5"),
            ("max_mib", "5"),
        ],
    )
    .await;

    let driver = Chromedriver::start();
    let browser = driver.connect_with(&["--window-size=390,844"]).await;
    // The same browser is signed in as staff: link pages still show none of it.
    sign_in(&browser, &app, &s.admin.username, &s.admin.password).await;

    browser.goto(&app.url(&link)).await.expect("link");
    element(&browser, "#pin").await;
    no_staff_menu(&browser, "the start page").await;
    let keypad = browser
        .execute("return document.getElementById('pin').inputMode;", vec![])
        .await
        .expect("inputmode");
    assert_eq!(keypad.as_str(), Some("numeric"), "a phone shows digits");
    assert!(!text_of(&browser, "main").await.contains("(UTC)"));

    fill(&browser, "#name", "Vera Client").await;
    fill(&browser, "#email", "vera@example.com").await;
    fill(&browser, "#pin", "000000").await;
    click(&browser, "#continue").await;
    let said = text_of(&browser, "#pin-error").await;
    assert!(said.contains("PIN"), "{said}");
    assert_eq!(value_of(&browser, "#name").await, "Vera Client");
    assert_eq!(value_of(&browser, "#email").await, "vera@example.com");
    no_staff_menu(&browser, "the wrong-PIN page").await;
    fits_the_screen(&browser, "the wrong-PIN page").await;
    browser
        .screenshot()
        .await
        .map(|png| {
            std::fs::write(
                crate::browser::screenshot_path("sender-wrong-pin-390.png"),
                png,
            )
        })
        .expect("screenshot")
        .expect("write");

    // The right PIN opens the request list.
    fill(&browser, "#pin", "482913").await;
    click(&browser, "#continue").await;
    let sender = text_of(&browser, "#uploader").await;
    assert!(sender.contains("Vera Client"), "{sender}");
    no_staff_menu(&browser, "the request list").await;
    assert!(!text_of(&browser, "main").await.contains("(UTC)"));

    // A link that does not exist: its own page, no staff menu.
    browser
        .goto(&app.url("/u/not-a-real-link"))
        .await
        .expect("bad link");
    let status = text_of(&browser, ".error-page .status").await;
    assert_eq!(status, "404");
    no_staff_menu(&browser, "the unknown link's page").await;
    fits_the_screen(&browser, "the unknown link's page").await;
}
