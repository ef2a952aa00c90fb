//! Passkeys in a real browser: Chromium's virtual authenticator (WebDriver's WebAuthn
//! extension) stands in for a phone's screen lock. A member registers a passkey on their
//! account page; her password then asks for it as the second factor; she signs in with it
//! and no password; a revoked passkey signs nobody in; a passkey answers only for its own
//! account.
//!
//! Browsers take no IP address as a WebAuthn relying party, so the browser opens Hopper
//! at `localhost` (Hopper on a loopback address is the relying party `localhost`).

use diesel::prelude::*;
use fantoccini::Client;
use hopper::schema::passkeys;

use crate::browser::{alert_text, click, element, fill, wait_for_text, wait_until, Chromedriver};
use crate::helpers::{TestApp, UserFixture};

/// Chromium's virtual authenticator: a platform authenticator that verifies its user
/// (as a fingerprint would) and consents to every prompt.
#[derive(Debug)]
struct AddVirtualAuthenticator;

impl fantoccini::wd::WebDriverCompatibleCommand for AddVirtualAuthenticator {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        let session = session.unwrap_or_default();
        base.join(&format!("session/{session}/webauthn/authenticator"))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let authenticator = serde_json::json!({
            "protocol": "ctap2",
            "transport": "internal",
            "hasResidentKey": true,
            "hasUserVerification": true,
            "isUserConsenting": true,
            "isUserVerified": true,
        });
        (http::Method::POST, Some(authenticator.to_string()))
    }
}

/// `path` of Hopper at `localhost`.
fn at_localhost(app: &TestApp, path: &str) -> String {
    app.url(path).replacen("127.0.0.1", "localhost", 1)
}

/// Signs out through the menu's form (folded away on a phone's width, so submitted as its
/// button would).
async fn sign_out(browser: &Client) {
    browser
        .execute(
            "document.querySelector(\"#account-nav form[action='/logout']\").requestSubmit();",
            vec![],
        )
        .await
        .expect("sign out");
    element(browser, "#sign-in").await;
}

/// Who the page says is signed in (the menu is folded away on a phone, so read, not seen).
async fn signed_in_as(browser: &Client) -> String {
    const WHO: &str =
        "var who = document.querySelector('#account-nav .who'); return who ? who.textContent : '';";
    let read = || async {
        browser
            .execute(WHO, vec![])
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    };
    wait_until("a signed-in page", || async { !read().await.is_empty() }).await;
    read().await
}

async fn sign_in_with_passkey(browser: &Client, app: &TestApp, username: &str) {
    browser
        .goto(&at_localhost(app, "/login"))
        .await
        .expect("sign-in page");
    fill(browser, "#username", username).await;
    click(browser, "#sign-in-passkey").await;
}

#[actix_web::test]
async fn a_member_registers_a_passkey_and_signs_in_with_it_without_a_password() {
    let app = TestApp::spawn().await;
    let uma = UserFixture::new("uma").create(&app).await;
    let other = UserFixture::new("otto").create(&app).await;
    let driver = Chromedriver::start();
    let browser = driver.connect().await;
    browser.set_window_size(390, 844).await.expect("size");
    browser
        .issue_cmd(AddVirtualAuthenticator)
        .await
        .expect("a virtual authenticator");

    // With her password, then a passkey on her account page.
    browser
        .goto(&at_localhost(&app, "/login"))
        .await
        .expect("sign-in page");
    fill(&browser, "#username", &uma.username).await;
    fill(&browser, "#password", &uma.password).await;
    click(&browser, "#sign-in").await;
    element(&browser, "#account-nav").await;
    browser
        .goto(&at_localhost(&app, "/account/passkeys"))
        .await
        .expect("passkeys page");
    element(&browser, "#no-passkeys").await;
    fill(&browser, "#passkey-name", "Uma's phone").await;
    click(&browser, "#add-passkey-button").await;
    let listed = wait_for_text(&browser, "#passkeys", |t| t.contains("Uma's phone")).await;
    assert!(listed.contains("never"), "not used yet: {listed}");
    assert_eq!(app.audit_rows("auth.passkey_registered").len(), 1);
    let keys: Vec<(i32, i32)> = passkeys::table
        .select((passkeys::id, passkeys::user_id))
        .load(&mut app.conn())
        .expect("passkeys");
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].1, uma.id.0);

    // Her password now asks for her second factor: the passkey.
    sign_out(&browser).await;
    fill(&browser, "#username", &uma.username).await;
    fill(&browser, "#password", &uma.password).await;
    click(&browser, "#sign-in").await;
    click(&browser, "#use-passkey").await;
    let who = signed_in_as(&browser).await;
    assert!(who.contains("uma Example"), "{who}");
    let methods: Vec<String> = app
        .audit_rows("auth.sign_in")
        .iter()
        .map(|row| {
            row.details["method"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert_eq!(methods, ["password", "password+passkey"]);

    // Signed out: the passkey alone signs her in.
    sign_out(&browser).await;
    let signed_in_before = app.audit_rows("auth.sign_in").len();
    sign_in_with_passkey(&browser, &app, &uma.username).await;
    let who = signed_in_as(&browser).await;
    assert!(who.contains("uma Example"), "{who}");
    let signed_in = app.audit_rows("auth.sign_in");
    assert_eq!(signed_in.len(), signed_in_before + 1);
    assert_eq!(signed_in[signed_in_before].details["method"], "passkey");
    let used: Option<chrono::DateTime<chrono::Utc>> = passkeys::table
        .select(passkeys::last_used_at)
        .first(&mut app.conn())
        .expect("passkey");
    assert!(used.is_some(), "its use is recorded");

    // Her passkey does not answer for Otto's account.
    sign_out(&browser).await;
    sign_in_with_passkey(&browser, &app, &other.username).await;
    let said = wait_for_text(&browser, "#passkey-error", |t| !t.is_empty()).await;
    assert!(
        said.contains("passkey") && !said.contains("Otto"),
        "a plain refusal: {said}"
    );
    assert!(
        browser
            .find(fantoccini::Locator::Css("#account-nav"))
            .await
            .is_err(),
        "not signed in"
    );

    // She revokes it (the page asks first); then it signs nobody in.
    sign_in_with_passkey(&browser, &app, &uma.username).await;
    signed_in_as(&browser).await;
    browser
        .goto(&at_localhost(&app, "/account/passkeys"))
        .await
        .expect("passkeys page");
    click(
        &browser,
        &format!("#passkey-{} form[action$='/revoke'] button", keys[0].0),
    )
    .await;
    let question = alert_text(&browser).await;
    assert!(
        question.contains("Revoke the passkey “Uma's phone”"),
        "{question}"
    );
    browser.accept_alert().await.expect("confirm");
    element(&browser, "#no-passkeys").await;
    assert_eq!(app.audit_rows("auth.passkey_revoked").len(), 1);
    sign_out(&browser).await;
    let signed_in_before = app.audit_rows("auth.sign_in").len();
    sign_in_with_passkey(&browser, &app, &uma.username).await;
    let said = wait_for_text(&browser, "#passkey-error", |t| !t.is_empty()).await;
    assert!(said.contains("passkey"), "{said}");
    // The browser found no passkey it may use for her any more: nobody signed in.
    assert_eq!(app.audit_rows("auth.sign_in").len(), signed_in_before);
    browser.close().await.expect("close browser");
}
