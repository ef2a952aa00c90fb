//! Two-factor sign-in with an authenticator app (issue 29): enrolment, the second step of
//! a sign-in with a code or a recovery code, replay, the throttle, turning it off. The
//! codes are computed here by RFC 6238 written out with `hmac` and `sha1`, independent of
//! the `totp-rs` the application uses; time passes on the app's clock.

use hmac::{Hmac, Mac};
use sha1::Sha1;

use crate::helpers::{TestApp, TestUser, UserFixture, UserSession};
use hopper::services::audit::actions;

/// A 30-second step: a code of the next step is not a replay of the last one.
pub const STEP: chrono::Duration = chrono::Duration::seconds(30);

pub fn base32_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut bits, mut held, mut out) = (0u64, 0u32, Vec::new());
    for c in text.bytes().filter(|c| *c != b'=') {
        let value = ALPHABET
            .iter()
            .position(|a| *a == c.to_ascii_uppercase())
            .expect("a base32 character") as u64;
        bits = (bits << 5) | value;
        held += 5;
        if held >= 8 {
            held -= 8;
            out.push((bits >> held) as u8);
            bits &= (1 << held) - 1;
        }
    }
    out
}

/// RFC 6238 with HMAC-SHA-1, 30-second steps, 6 digits (RFC 4226's dynamic truncation).
pub fn totp_at(secret: &[u8], unix_seconds: i64) -> String {
    let counter = (unix_seconds / 30) as u64;
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).expect("any key length");
    mac.update(&counter.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let offset = usize::from(hash[19] & 0x0f);
    let binary = (u32::from(hash[offset]) & 0x7f) << 24
        | u32::from(hash[offset + 1]) << 16
        | u32::from(hash[offset + 2]) << 8
        | u32::from(hash[offset + 3]);
    format!("{:06}", binary % 1_000_000)
}

/// The code the user's app shows now, by the app's clock.
pub fn code_now(app: &TestApp, secret: &[u8]) -> String {
    totp_at(secret, app.state.services.clock().now().timestamp())
}

/// The text between `start` and the next `end` after it.
fn between<'a>(body: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = body.find(start)? + start.len();
    let to = body[from..].find(end)? + from;
    Some(&body[from..to])
}

/// Turns on two-factor sign-in for the signed-in user: the secret their app holds and
/// their recovery codes.
pub async fn enrol(session: &UserSession<'_>) -> (Vec<u8>, Vec<String>) {
    let page = session.get("/account/two-factor").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let uri = between(&page.body, "id=\"totp-uri\" class=\"wrap\">", "<").expect("the URI");
    assert!(uri.starts_with("otpauth://totp/Hopper:"), "{uri}");
    assert!(
        page.body.contains("src=\"data:image/png;base64,"),
        "QR code"
    );
    let secret = base32_decode(between(&page.body, "id=\"totp-secret\">", "<").expect("key"));
    assert!(uri.contains("secret="), "{uri}");
    let code = code_now(session.app, &secret);
    let done = session
        .post("/account/two-factor", &[("code", &code)])
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    let codes: Vec<String> = done
        .body
        .split("<li><code>")
        .skip(1)
        .filter_map(|rest| rest.split('<').next())
        .map(str::to_owned)
        .collect();
    assert_eq!(codes.len(), 10, "ten recovery codes: {}", done.body);
    (secret, codes)
}

/// Signs in with the password from a new browser: it is asked for the second factor.
pub async fn password_step(app: &TestApp, user: &TestUser) -> reqwest::Client {
    let browser = TestApp::new_client();
    let page = app
        .sign_in_with(&browser, &user.username, &user.password)
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.location.as_deref(), Some("/login/two-factor"));
    browser
}

pub async fn second_step(
    app: &TestApp,
    browser: &reqwest::Client,
    code: &str,
) -> crate::helpers::Page {
    let form = app.get_with(browser, "/login/two-factor").await;
    assert_eq!(form.status, 200, "{}", form.body);
    let token = form.csrf_token();
    app.post_form_with(
        browser,
        "/login/two-factor",
        &[("csrf_token", &token), ("code", code)],
    )
    .await
}

fn last_sign_in_method(app: &TestApp) -> String {
    let rows = app.audit_rows(actions::SIGN_IN);
    let last = rows.last().expect("a sign-in row");
    last.details["method"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn the_tests_own_totp_gives_the_rfc_6238_codes() {
    let secret = b"12345678901234567890";
    assert_eq!(totp_at(secret, 59), "287082");
    assert_eq!(totp_at(secret, 1_111_111_109), "081804");
    assert_eq!(totp_at(secret, 2_000_000_000), "279037");
    assert_eq!(base32_decode("GEZDGNBVGY3TQOJQ"), b"1234567890");
}

#[actix_web::test]
async fn enrolment_then_sign_in_with_a_code_or_a_recovery_code_each_once() {
    let app = TestApp::spawn().await;
    let user = UserFixture::new("alice").create(&app).await;
    let session = app.session_for(&user).await;
    assert_eq!(last_sign_in_method(&app), "password");
    let (secret, recovery) = enrol(&session).await;
    assert_eq!(app.audit_rows(actions::TWO_FACTOR_ENABLED).len(), 1);
    // The secret is never shown again.
    let later = session.get("/account/two-factor").await;
    assert!(!later.body.contains("totp-secret"), "{}", later.body);

    // The password alone signs in no longer: the session is pending, nothing opens.
    app.state.services.clock().advance(STEP);
    let browser = password_step(&app, &user).await;
    let home = app.get_with(&browser, "/").await;
    assert_eq!(home.status, 303);
    assert!(home.location.unwrap_or_default().starts_with("/login"));
    let code = code_now(&app, &secret);
    let done = second_step(&app, &browser, &code).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location.as_deref(), Some("/"));
    assert_eq!(app.get_with(&browser, "/").await.status, 200);
    assert_eq!(last_sign_in_method(&app), "password+totp");
    let sessions = app.get_with(&browser, "/account/sessions").await;
    assert!(
        sessions.body.contains("Password and authenticator app"),
        "{}",
        sessions.body
    );

    // The same code again, from another browser, within its window: refused.
    let replay = password_step(&app, &user).await;
    let refused = second_step(&app, &replay, &code).await;
    assert_eq!(refused.status, 401, "a replayed code");
    assert_eq!(app.get_with(&replay, "/").await.status, 303);

    // A recovery code signs in once.
    let used = second_step(&app, &replay, &recovery[3].to_uppercase()).await;
    assert_eq!(used.status, 303, "{}", used.body);
    assert_eq!(last_sign_in_method(&app), "password+recovery_code");
    let again = password_step(&app, &user).await;
    assert_eq!(second_step(&app, &again, &recovery[3]).await.status, 401);
    let failed = app.audit_rows(actions::SIGN_IN_FAILED);
    assert_eq!(failed.len(), 2);
    assert!(failed.iter().all(|r| r.details["reason"] == "wrong_code"));
}

#[actix_web::test]
async fn wrong_codes_are_throttled_and_the_owner_gets_back_in() {
    let app = TestApp::spawn().await;
    let user = UserFixture::new("bob").create(&app).await;
    let session = app.session_for(&user).await;
    let (secret, _) = enrol(&session).await;
    let browser = password_step(&app, &user).await;
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..6 {
        let page = second_step(&app, &browser, "000000").await;
        statuses.push(page.status);
        if page.status == 429 {
            retry_after = page.headers.get("retry-after").cloned();
            break;
        }
    }
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    assert!(statuses[..statuses.len() - 1].iter().all(|s| *s == 401));
    assert!(retry_after.is_some(), "Retry-After");
    // Time passes (never a lock-out): the owner's right code is taken.
    app.state.services.clock().advance(STEP);
    let done = second_step(&app, &browser, &code_now(&app, &secret)).await;
    assert_eq!(done.status, 303, "{}", done.body);
}

#[actix_web::test]
async fn turning_it_off_takes_the_password_and_a_code() {
    let app = TestApp::spawn().await;
    let user = UserFixture::new("carol").create(&app).await;
    let session = app.session_for(&user).await;
    let (secret, _) = enrol(&session).await;
    app.state.services.clock().advance(STEP);
    let code = code_now(&app, &secret);
    let wrong_password = session
        .post(
            "/account/two-factor/disable",
            &[("password", "not-my-password"), ("code", &code)],
        )
        .await;
    assert_eq!(wrong_password.status, 422);
    let wrong_code = session
        .post(
            "/account/two-factor/disable",
            &[("password", &user.password), ("code", "123456")],
        )
        .await;
    assert_eq!(wrong_code.status, 422);
    assert!(app.audit_rows(actions::TWO_FACTOR_DISABLED).is_empty());
    let off = session
        .post(
            "/account/two-factor/disable",
            &[("password", &user.password), ("code", &code)],
        )
        .await;
    assert_eq!(off.status, 303, "{}", off.body);
    assert_eq!(app.audit_rows(actions::TWO_FACTOR_DISABLED).len(), 1);
    let page = app
        .sign_in_with(&TestApp::new_client(), &user.username, &user.password)
        .await;
    assert_eq!(
        page.location.as_deref(),
        Some("/"),
        "the password alone again"
    );
}

#[actix_web::test]
async fn new_recovery_codes_replace_the_old_ones() {
    let app = TestApp::spawn().await;
    let user = UserFixture::new("dave").create(&app).await;
    let session = app.session_for(&user).await;
    let (secret, old) = enrol(&session).await;
    app.state.services.clock().advance(STEP);
    let page = session
        .post(
            "/account/two-factor/recovery-codes",
            &[
                ("password", &user.password),
                ("code", &code_now(&app, &secret)),
            ],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.body.matches("<li><code>").count(), 10);
    assert_eq!(app.audit_rows(actions::RECOVERY_CODES_REGENERATED).len(), 1);
    let browser = password_step(&app, &user).await;
    assert_eq!(second_step(&app, &browser, &old[0]).await.status, 401);
}

/// The database alone does not give an authenticator's codes: the secret is stored sealed
/// (not the enrolled bytes, and it does not open on another row); a secret stored bare by
/// an earlier version is sealed at the next start, and signing in with it keeps working.
#[actix_web::test]
async fn an_authenticators_secret_is_stored_sealed_and_old_bare_ones_are_sealed_at_start() {
    use diesel::prelude::*;
    use hopper::schema::user_totp;

    let app = TestApp::spawn().await;
    let user = UserFixture::new("carol").create(&app).await;
    let session = app.session_for(&user).await;
    let (secret, _) = enrol(&session).await;
    let stored: (Vec<u8>, bool) = user_totp::table
        .find(user.id)
        .select((user_totp::secret, user_totp::sealed))
        .first(&mut app.conn())
        .expect("the authenticator");
    assert!(stored.1, "sealed");
    assert!(
        !stored
            .0
            .windows(secret.len())
            .any(|w| w == secret.as_slice()),
        "the bare secret is not in the row"
    );
    // A row of an earlier version: the bare secret, not sealed.
    diesel::update(user_totp::table.find(user.id))
        .set((user_totp::secret.eq(&secret), user_totp::sealed.eq(false)))
        .execute(&mut app.conn())
        .expect("a bare row");
    app.state.services.clock().advance(STEP);
    let browser = password_step(&app, &user).await;
    let done = second_step(&app, &browser, &code_now(&app, &secret)).await;
    assert_eq!(done.status, 303, "a bare row still signs in: {}", done.body);
    let sealed = hopper::services::two_factor::seal_stored(&app.state.services)
        .await
        .expect("seal");
    assert_eq!(sealed, 1);
    let (again, is_sealed): (Vec<u8>, bool) = user_totp::table
        .find(user.id)
        .select((user_totp::secret, user_totp::sealed))
        .first(&mut app.conn())
        .expect("the authenticator");
    assert!(is_sealed && again != secret);
    app.state.services.clock().advance(STEP);
    let browser = password_step(&app, &user).await;
    let done = second_step(&app, &browser, &code_now(&app, &secret)).await;
    assert_eq!(done.status, 303, "the sealed row signs in: {}", done.body);
}
