//! Two-factor sign-in in a real browser on a phone-sized window (390×844): enrolment with
//! the key the page shows, the recovery codes, then a sign-in with a code.

use crate::browser::{click, element, fill, screenshot_path, sign_in, text_of, Chromedriver};
use crate::helpers::{TestApp, UserFixture};
use crate::two_factor::{base32_decode, code_now, STEP};

async fn fits_the_width(browser: &fantoccini::Client) -> bool {
    browser
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth;",
            vec![],
        )
        .await
        .expect("script")
        == serde_json::Value::Bool(true)
}

#[actix_web::test]
async fn a_person_turns_on_two_factor_and_signs_in_with_a_code_on_a_phone() {
    let app = TestApp::spawn().await;
    let user = UserFixture::new("phone").create(&app).await;
    let driver = Chromedriver::start();
    let browser = driver.connect().await;
    browser.set_window_size(390, 844).await.expect("size");

    sign_in(&browser, &app, &user.username, &user.password).await;
    browser
        .goto(&app.url("/account/two-factor"))
        .await
        .expect("open enrolment");
    element(&browser, "#totp-qr").await;
    assert!(fits_the_width(&browser).await, "enrolment fits 390 px");
    let secret = base32_decode(&text_of(&browser, "#totp-secret").await);
    fill(&browser, "#enrol-code", &code_now(&app, &secret)).await;
    click(&browser, "#confirm-two-factor").await;
    let codes = text_of(&browser, "#recovery-codes").await;
    assert!(codes.contains("shown only this once"), "{codes}");
    assert!(fits_the_width(&browser).await, "recovery codes fit 390 px");
    let png = browser.screenshot().await.expect("screenshot");
    std::fs::write(screenshot_path("two-factor/recovery-codes-390.png"), png)
        .expect("save screenshot");

    // A new visit, as after closing the browser (the account menu folds away at 390 px).
    browser
        .delete_all_cookies()
        .await
        .expect("forget the session");
    browser
        .goto(&app.url("/login"))
        .await
        .expect("open the sign-in page");
    element(&browser, "#sign-in").await;
    fill(&browser, "#username", &user.username).await;
    fill(&browser, "#password", &user.password).await;
    click(&browser, "#sign-in").await;
    element(&browser, "#code").await;
    assert!(
        fits_the_width(&browser).await,
        "the second step fits 390 px"
    );
    app.state.services.clock().advance(STEP);
    fill(&browser, "#code", &code_now(&app, &secret)).await;
    click(&browser, "#verify-code").await;
    element(&browser, "#account-nav").await;
    browser.close().await.expect("close browser");

    let rows = app.audit_rows("auth.sign_in");
    let last = rows.last().expect("sign-in row");
    assert_eq!(last.details["method"], "password+totp");
}
