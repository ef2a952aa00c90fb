//! A link page on a phone (390 × 844) is headed by the firm's branding: its logo (loaded,
//! so the CSP lets it in) and a long display name that wraps instead of widening the
//! page, on the firm's colour, which the primary button wears too.

use crate::branding::{png, post_logo, PNG};
use crate::browser::{element, screenshot_path, text_of, wait_until, Chromedriver};
use crate::helpers::TestApp;
use crate::upload_links::project_with_link;

const LONG_NAME: &str = "Müller, Schmidt & Partner Steuerberatungsgesellschaft mbH";

async fn number(browser: &fantoccini::Client, script: &str) -> f64 {
    browser
        .execute(script, vec![])
        .await
        .expect("script")
        .as_f64()
        .unwrap_or(f64::NAN)
}

async fn style(browser: &fantoccini::Client, css: &str, property: &str) -> String {
    let script = format!(
        "return getComputedStyle(document.querySelector('{css}')).getPropertyValue('{property}');"
    );
    browser
        .execute(&script, vec![])
        .await
        .expect("style")
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[actix_web::test]
async fn the_firms_header_fits_a_phone_and_its_colour_is_on_the_button() {
    let app = TestApp::spawn().await;
    let link_fields = [
        ("label", "Client"),
        ("days", "7"),
        ("max_files", "5"),
        ("max_mib", "5"),
    ];
    let (s, _, link) = project_with_link(&app, &link_fields).await;
    let admin = app.session_for(&s.admin).await;
    let saved = admin
        .post(
            "/admin/branding",
            &[("display_name", LONG_NAME), ("accent_colour", "#0b3d91")],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let logo = post_logo(&admin, "logo.png", "image/png", png(PNG)).await;
    assert_eq!(logo.status, 303, "{}", logo.body);

    let driver = Chromedriver::start();
    let browser = driver.connect_with(&["--window-size=390,844"]).await;
    browser.goto(&app.url(&link)).await.expect("link");
    element(&browser, "#continue").await;
    assert_eq!(text_of(&browser, "#brand-name").await, LONG_NAME);
    wait_until("the logo loads", || async {
        number(
            &browser,
            "const i = document.getElementById('brand-logo'); return i.complete ? i.naturalWidth : 0;",
        )
        .await
            > 0.0
    })
    .await;
    let alt = browser
        .execute("return document.getElementById('brand-logo').alt;", vec![])
        .await
        .expect("alt");
    assert_eq!(alt.as_str(), Some(LONG_NAME));

    // The firm's colour on the bar and the button, with white text on it.
    wait_until("the firm's stylesheet applies", || async {
        style(&browser, "#brand-header", "background-color").await == "rgb(11, 61, 145)"
    })
    .await;
    assert_eq!(
        style(&browser, "#brand-header", "color").await,
        "rgb(255, 255, 255)"
    );
    assert_eq!(
        style(&browser, "#continue", "background-color").await,
        "rgb(11, 61, 145)"
    );

    // Nothing wider than the screen: the long name wraps inside the bar.
    let inner = number(&browser, "return window.innerWidth;").await;
    let page = number(&browser, "return document.documentElement.scrollWidth;").await;
    assert!(
        page <= inner,
        "the page is {page} px wide on a {inner} px screen"
    );
    let right = number(
        &browser,
        "return Math.max(...[...document.querySelectorAll('#brand-header, #brand-header *')].map(e => e.getBoundingClientRect().right));",
    )
    .await;
    assert!(
        right <= inner,
        "the header reaches {right} px on a {inner} px screen"
    );

    let png = browser.screenshot().await.expect("screenshot");
    let path = screenshot_path("sender/branded-start-390.png");
    std::fs::create_dir_all(path.parent().expect("folder")).expect("screenshot folder");
    std::fs::write(path, png).expect("write screenshot");
}
