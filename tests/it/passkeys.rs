//! Passkeys over HTTP, the refusals a browser never shows: options name Hopper as the
//! relying party `localhost` and the member by name; a sign-in challenge is given for any
//! account name alike (none tells which accounts exist or have passkeys); an answer that
//! is not a valid signature is refused and audited; a ceremony answers once; another
//! company's passkey is a 404 and stays. (Registering and signing in for real:
//! `browser_passkeys`, with Chromium's virtual authenticator.)

use diesel::prelude::*;
use hopper::schema::{companies, passkeys};
use serde_json::{json, Value};

use crate::helpers::{create_company, TestApp, UserFixture, UserSession};

async fn post_json(session: &UserSession<'_>, path: &str, body: &Value) -> (u16, Value) {
    let response = session
        .http
        .post(session.app.url(path))
        .header("X-CSRF-Token", &session.csrf)
        .json(body)
        .send()
        .await
        .expect("POST");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// An answer shaped like a browser's, signed by nothing.
fn forged_answer() -> Value {
    json!({
        "id": "AAAA",
        "rawId": "AAAA",
        "type": "public-key",
        "response": {
            "authenticatorData": "AAAA",
            "clientDataJSON": "AAAA",
            "signature": "AAAA",
            "userHandle": null
        },
        "extensions": {}
    })
}

#[actix_web::test]
async fn options_name_the_relying_party_and_the_member() {
    let app = TestApp::spawn().await;
    let uma = UserFixture::new("uma").create(&app).await;
    let anonymous = app.get("/account/passkeys").await;
    assert_eq!(anonymous.status, 303, "signed in only");
    let session = app.session_for(&uma).await;
    let page = session.get("/account/passkeys").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("You have no passkey yet."));
    let (status, started) = post_json(&session, "/account/passkeys/options", &json!({})).await;
    assert_eq!(status, 200, "{started}");
    let options = &started["options"]["publicKey"];
    assert_eq!(options["rp"]["id"], "localhost");
    assert_eq!(options["user"]["name"], "uma");
    assert!(options["challenge"].as_str().is_some_and(|c| c.len() >= 22));
    assert_eq!(
        options["authenticatorSelection"]["userVerification"],
        "required"
    );

    // A forged answer is refused, and the ceremony is spent.
    let answer = json!({
        "ceremony": started["ceremony"],
        "name": "Forged",
        "credential": {
            "id": "AAAA", "rawId": "AAAA", "type": "public-key",
            "response": { "attestationObject": "AAAA", "clientDataJSON": "AAAA" },
            "extensions": {}
        }
    });
    let (status, problem) = post_json(&session, "/account/passkeys", &answer).await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(problem["code"], "passkey.not_registered");
    let (status, problem) = post_json(&session, "/account/passkeys", &answer).await;
    assert_eq!(status, 409, "{problem}");
    assert_eq!(problem["code"], "passkey.ceremony_over");
    let kept: i64 = passkeys::table
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(kept, 0);
}

#[actix_web::test]
async fn a_sign_in_challenge_is_the_same_for_any_name_and_a_forged_answer_is_refused() {
    let app = TestApp::spawn().await;
    let _uma = UserFixture::new("uma").create(&app).await;
    let login = app.get("/login").await;
    let token = login.csrf_token();
    let start = |name: &str| {
        app.client
            .post(app.url("/login/passkey/options"))
            .header("X-CSRF-Token", token.clone())
            .json(&json!({ "username": name }))
            .send()
    };
    let known: Value = start("uma")
        .await
        .expect("options")
        .json()
        .await
        .expect("json");
    let unknown: Value = start("nobody")
        .await
        .expect("options")
        .json()
        .await
        .expect("json");
    // A name no account can have (a NUL, a novel) is nobody too, not a server error.
    let odd = start("a\u{0}b").await.expect("options");
    assert_eq!(odd.status(), 200);
    let long = start(&"x".repeat(10_000)).await.expect("options");
    assert_eq!(long.status(), 200);
    for started in [&known, &unknown] {
        let options = &started["options"]["publicKey"];
        assert!(options["challenge"].as_str().is_some(), "{started}");
        assert_eq!(options["rpId"], "localhost");
        assert!(started.get("mediation").is_none() && started["options"]["mediation"].is_null());
    }

    let answer = |started: &Value| json!({ "ceremony": started["ceremony"], "credential": forged_answer(), "next": "/" });
    let refused = app
        .client
        .post(app.url("/login/passkey"))
        .header("X-CSRF-Token", token.clone())
        .json(&answer(&unknown))
        .send()
        .await
        .expect("finish");
    assert_eq!(refused.status(), 403);
    let problem: Value = refused.json().await.expect("problem");
    assert_eq!(problem["code"], "passkey.not_accepted");
    let failed = app.audit_rows("auth.sign_in_failed");
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].details["method"], "passkey");
    assert!(app.audit_rows("auth.sign_in").is_empty());
}

#[actix_web::test]
async fn another_companys_passkey_is_a_404_and_stays() {
    let app = TestApp::spawn().await;
    let uma = UserFixture::new("uma").create(&app).await;
    let elsewhere = create_company(&app, "ELSE", true);
    let eve = UserFixture::new("eve")
        .role("admin")
        .company(elsewhere)
        .create(&app)
        .await;
    let id: i32 = diesel::insert_into(passkeys::table)
        .values((
            passkeys::user_id.eq(uma.id.0),
            passkeys::company_id.eq(uma.company_id.0),
            passkeys::name.eq("Uma's phone"),
            passkeys::credential_id.eq(vec![1_u8, 2, 3]),
            passkeys::credential.eq(json!({})),
        ))
        .returning(passkeys::id)
        .get_result(&mut app.conn())
        .expect("a passkey");
    let eve = app.session_for(&eve).await;
    let tried = eve
        .post(&format!("/account/passkeys/{id}/revoke"), &[])
        .await;
    assert_eq!(tried.status, 404, "{}", tried.body);
    let kept: i64 = passkeys::table
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(kept, 1);
    assert!(app.audit_rows("auth.passkey_revoked").is_empty());
    assert_eq!(app.audit_rows("access_denied").len(), 1);
}

#[actix_web::test]
async fn a_member_the_policy_sends_to_enrolment_may_choose_a_passkey() {
    let app = TestApp::spawn().await;
    let max = UserFixture::new("max").create(&app).await;
    diesel::update(companies::table.find(max.company_id.0))
        .set(companies::require_two_factor.eq(true))
        .execute(&mut app.conn())
        .expect("require two factors");
    let session = app.session_for(&max).await;
    assert_eq!(
        session.get("/").await.location.as_deref(),
        Some("/account/two-factor")
    );
    let enrolment = session.get("/account/two-factor").await;
    assert!(
        enrolment.body.contains("href=\"/account/passkeys\""),
        "{}",
        enrolment.body
    );
    // The passkey page and its ceremony are open to him before any second factor.
    assert_eq!(session.get("/account/passkeys").await.status, 200);
    let (status, started) = post_json(&session, "/account/passkeys/options", &json!({})).await;
    assert_eq!(status, 200, "{started}");
    // Once he has one (registered as in browser_passkeys), he is enrolled.
    diesel::insert_into(passkeys::table)
        .values((
            passkeys::user_id.eq(max.id.0),
            passkeys::company_id.eq(max.company_id.0),
            passkeys::name.eq("Max's laptop"),
            passkeys::credential_id.eq(vec![7_u8, 7, 7]),
            passkeys::credential.eq(json!({})),
        ))
        .execute(&mut app.conn())
        .expect("a passkey");
    assert_eq!(session.get("/").await.status, 200);
}
