//! The automation API: a firm drives a whole cycle from its own system with a token of
//! the `admin` scope (create it, ask, invite, review, read what is missing, revoke), every
//! POST honours `Idempotency-Key`, another company's ids are a 404 and a token without
//! the scope a 403.

use diesel::prelude::*;
use hopper::schema::{idempotency_keys, webhook_endpoints};
use serde_json::{json, Value};

use crate::api::create_token;
use crate::helpers::TestApp;
use crate::requests::setup;

/// A JSON call with a token (and an idempotency key); the status, the replay header and
/// the JSON answer.
pub async fn call(
    app: &TestApp,
    token: &str,
    (method, path): (&str, &str),
    key: Option<&str>,
    body: Option<Value>,
) -> (u16, bool, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut request = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("API call");
    let status = response.status().as_u16();
    let replayed = response.headers().contains_key("idempotency-replayed");
    let text = response.text().await.expect("body");
    (
        status,
        replayed,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

#[actix_web::test]
async fn a_repeated_post_with_its_key_is_answered_again_without_a_second_effect() {
    let app = TestApp::spawn().await;
    let s = setup(&app, false).await;
    let admin = app.session_for(&s.admin).await;
    let token = create_token(
        &admin,
        "/account/tokens",
        &[("name", "erp"), ("days", "30"), ("scope", "admin")],
    )
    .await;
    let body = json!({ "url": "http://127.0.0.1:9/hooks", "events": ["file.stored"] });
    let post = ("POST", "/api/v1/webhooks");

    let (status, replayed, first) = call(&app, &token, post, Some("k-1"), Some(body.clone())).await;
    assert_eq!(status, 201, "{first}");
    assert!(!replayed);
    let (status, replayed, again) = call(&app, &token, post, Some("k-1"), Some(body.clone())).await;
    assert_eq!(status, 201, "{again}");
    assert!(replayed, "the second answer is a replay");
    assert_eq!(again, first, "the same answer, secret and all");
    let endpoints: i64 = webhook_endpoints::table
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(endpoints, 1, "one effect");

    // The same key for another body is refused with its own code, and nothing happens.
    let other = json!({ "url": "http://127.0.0.1:9/other", "events": ["file.stored"] });
    let (status, _, refused) = call(&app, &token, post, Some("k-1"), Some(other.clone())).await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["code"], "idempotency.key_reused");
    // A key that cannot be one.
    let long = "x".repeat(256);
    let (status, _, refused) = call(&app, &token, post, Some(&long), Some(other.clone())).await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["code"], "idempotency.key_malformed");
    // Another key is another request; no key at all works as before.
    let (status, replayed, _) = call(&app, &token, post, Some("k-2"), Some(other)).await;
    assert_eq!((status, replayed), (201, false));
    let endpoints: i64 = webhook_endpoints::table
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(endpoints, 2);

    // A refusal is kept too: the same refused request gets the same refusal.
    let bad = json!({ "url": "ftp://x", "events": ["file.stored"] });
    let (status, _, first) = call(&app, &token, post, Some("k-3"), Some(bad.clone())).await;
    assert_eq!(status, 400, "{first}");
    let (status, replayed, again) = call(&app, &token, post, Some("k-3"), Some(bad)).await;
    assert_eq!((status, replayed), (400, true));
    assert_eq!(again, first);

    // A first request still running: a duplicate hears 409 and may ask again later.
    diesel::update(idempotency_keys::table.filter(idempotency_keys::idempotency_key.eq("k-2")))
        .set((
            idempotency_keys::response_status.eq(None::<i16>),
            idempotency_keys::response_body.eq(None::<Vec<u8>>),
            idempotency_keys::locked_until
                .eq(Some(chrono::Utc::now() + chrono::Duration::minutes(5))),
        ))
        .execute(&mut app.conn())
        .expect("a key in progress");
    let other = json!({ "url": "http://127.0.0.1:9/other", "events": ["file.stored"] });
    let (status, _, busy) = call(&app, &token, post, Some("k-2"), Some(other.clone())).await;
    assert_eq!(status, 409, "{busy}");
    assert_eq!(busy["code"], "idempotency.in_progress");

    // Keys are kept a day: after it, the key is a new one.
    app.state
        .services
        .clock()
        .advance(chrono::Duration::hours(25));
    let (status, replayed, _) = call(&app, &token, post, Some("k-1"), Some(body)).await;
    assert_eq!((status, replayed), (201, false));
}
