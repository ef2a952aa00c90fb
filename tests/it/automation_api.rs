//! The automation API: a firm drives a whole cycle from its own system with a token of
//! the `admin` scope (create it, ask, invite, review, read what is missing, revoke), every
//! POST honours `Idempotency-Key`, another company's ids are a 404 and a token without
//! the scope a 403.

use diesel::prelude::*;
use hopper::db::ids::{CycleId, CycleRequestId, ProjectId};
use hopper::schema::{cycles, idempotency_keys, upload_links, webhook_endpoints, webhook_events};
use serde_json::{json, Value};

use crate::api::{create_token, personal_token};
use crate::helpers::{create_company, create_project, TestApp, UserFixture, UserSession};
use crate::requests::{add_to_list, document, requests_of, setup, status_of};
use crate::upload_links::{create_link, cycle_with_requests, files, Visitor};

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

/// Registers a webhook endpoint through the API (`body`: its url and events).
pub async fn register_hooks(app: &TestApp, token: &str, body: serde_json::Value) {
    let post = ("POST", "/api/v1/webhooks");
    let (status, _, answer) = call(app, token, post, None, Some(body)).await;
    assert_eq!(status, 201, "{answer}");
}

/// A token of the company admin `admin` with the `admin` scope.
async fn admin_token(admin: &UserSession<'_>) -> String {
    personal_token(admin, "erp", "admin").await
}

fn cycles_in(app: &TestApp, project: ProjectId) -> i64 {
    cycles::table
        .filter(cycles::project_id.eq(project))
        .count()
        .get_result(&mut app.conn())
        .expect("count")
}

/// A review decision through the API.
async fn decide(
    app: &TestApp,
    token: &str,
    request: i64,
    key: Option<&str>,
    body: Value,
) -> (u16, bool, Value) {
    let path = format!("/api/v1/requests/{request}/review");
    call(app, token, ("POST", &path), key, Some(body)).await
}

#[actix_web::test]
async fn a_repeated_post_with_its_key_is_answered_again_without_a_second_effect() {
    let app = TestApp::spawn().await;
    let s = setup(&app, false).await;
    let admin = app.session_for(&s.admin).await;
    let token = admin_token(&admin).await;
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

#[actix_web::test]
async fn two_duplicates_at_once_make_one_cycle() {
    let app = TestApp::spawn().await;
    let s = setup(&app, false).await;
    let admin = app.session_for(&s.admin).await;
    let token = admin_token(&admin).await;
    let path = format!("/api/v1/projects/{}/cycles", s.project);
    let one = call(&app, &token, ("POST", &path), Some("same"), None);
    let two = call(&app, &token, ("POST", &path), Some("same"), None);
    let ((first, _, a), (second, _, b)) = futures_util::join!(one, two);
    let mut statuses = [first, second];
    statuses.sort_unstable();
    // Either the second waited for nothing and was told to ask again, or it came after
    // the first had answered and heard the same answer.
    assert!(
        statuses == [201, 201] || statuses == [201, 409],
        "{statuses:?}: {a} {b}"
    );
    if statuses == [201, 201] {
        assert_eq!(a, b);
    }
    let cycles = cycles_in(&app, s.project);
    assert_eq!(cycles, 1);
    // Asked again afterwards, the answer is the first one.
    let (status, replayed, again) = call(&app, &token, ("POST", &path), Some("same"), None).await;
    assert_eq!((status, replayed), (201, true));
    assert_eq!(again["cycle"]["name"], "C1");
}

fn id_of(value: &Value) -> i64 {
    value["id"].as_i64().expect("an id")
}

/// The names of what is missing in `cycle`, with their status.
fn missing_in(list: &Value, cycle: i64) -> Vec<(String, String)> {
    list["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .filter(|r| r["cycle_id"] == cycle)
        .map(|r| {
            (
                r["name"].as_str().unwrap_or_default().to_owned(),
                r["status"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[actix_web::test]
async fn a_firm_drives_a_whole_cycle_through_the_api() {
    let app = TestApp::spawn().await;
    let s = setup(&app, true).await;
    let admin = app.session_for(&s.admin).await;
    add_to_list(&admin, s.project, "Bank statement", "*statement*.pdf").await;
    let token = admin_token(&admin).await;
    let p = s.project;
    // The firm's system listens too (registered through the API, with the same token).
    let hooks = json!({ "url": "http://127.0.0.1:9/hooks", "events": [
        "request.submitted", "request.accepted", "request.rejected", "cycle.completed",
        "upload_link.used",
    ] });
    register_hooks(&app, &token, hooks).await;

    // A cycle from the project's request list, once however often the key is sent.
    let start = ("POST", &*format!("/api/v1/projects/{p}/cycles"));
    let (status, _, started) = call(&app, &token, start, Some("start-c1"), None).await;
    assert_eq!(status, 201, "{started}");
    assert_eq!(started["cycle"]["name"], "C1");
    assert_eq!(started["requests"][0]["name"], "Bank statement");
    assert_eq!(started["requests"][0]["status"], "missing");
    let (status, replayed, again) = call(&app, &token, start, Some("start-c1"), None).await;
    assert_eq!((status, replayed), (201, true));
    assert_eq!(again, started);
    let cycles = cycles_in(&app, p);
    assert_eq!(cycles, 1, "one cycle for one key");
    let (status, _, reused) = call(
        &app,
        &token,
        start,
        Some("start-c1"),
        Some(json!({ "x": 1 })),
    )
    .await;
    assert_eq!(status, 422, "{reused}");
    assert_eq!(reused["code"], "idempotency.key_reused");
    let cycle = id_of(&started["cycle"]);
    let statement = id_of(&started["requests"][0]);
    assert_eq!(app.audit_rows("cycle.created").len(), 1);

    // Ask for more, change it, remove what is not needed.
    let requests = ("POST", &*format!("/api/v1/cycles/{cycle}/requests"));
    let payroll =
        json!({ "name": "Payroll", "pattern": "payroll*.pdf", "accepted_types": ["pdf"] });
    let (status, _, added) = call(&app, &token, requests, Some("ask-payroll"), Some(payroll)).await;
    assert_eq!(status, 201, "{added}");
    assert_eq!(
        (added["required"].as_bool(), added["status"].as_str()),
        (Some(true), Some("missing"))
    );
    let payroll = id_of(&added);
    let (status, _, bad) = call(&app, &token, requests, None, Some(json!({ "name": " " }))).await;
    assert_eq!(status, 400, "{bad}");
    assert_eq!(bad["code"], "input.field");
    let edit = ("PATCH", &*format!("/api/v1/requests/{payroll}"));
    let (status, _, edited) = call(
        &app,
        &token,
        edit,
        None,
        Some(json!({ "instructions": "March only", "due_at": "2030-01-31T17:00:00Z" })),
    )
    .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["instructions"], "March only");
    assert_eq!(edited["due_at"], "2030-01-31T17:00:00Z");
    assert_eq!(edited["pattern"], "payroll*.pdf", "what is not sent stays");
    let (status, _, nothing) = call(&app, &token, edit, None, Some(json!({}))).await;
    assert_eq!(status, 400, "{nothing}");
    assert_eq!(nothing["code"], "automation.nothing_to_change");
    let (status, _, extra) = call(
        &app,
        &token,
        requests,
        None,
        Some(json!({ "name": "Extra" })),
    )
    .await;
    assert_eq!(status, 201, "{extra}");
    let extra = id_of(&extra);
    let (status, _, _) = call(
        &app,
        &token,
        ("DELETE", &format!("/api/v1/requests/{extra}")),
        None,
        None,
    )
    .await;
    assert_eq!(status, 204);
    let names: Vec<String> = requests_of(&app, CycleId(cycle as i32))
        .into_iter()
        .map(|(_, name, _)| name)
        .collect();
    assert_eq!(names, ["Bank statement", "Payroll"]);

    // What is missing: both.
    let (status, _, missing) = call(&app, &token, ("GET", "/api/v1/missing"), None, None).await;
    assert_eq!(status, 200, "{missing}");
    assert_eq!(
        missing_in(&missing, cycle),
        [
            ("Payroll".to_owned(), "missing".to_owned()),
            ("Bank statement".to_owned(), "missing".to_owned())
        ]
    );

    // Invite: a link with a PIN; a visitor sends both files through it.
    let links = ("POST", &*format!("/api/v1/cycles/{cycle}/links"));
    let (status, _, link) = call(
        &app,
        &token,
        links,
        Some("link-1"),
        Some(json!({ "label": "ACME", "days": 7, "pin": "4321" })),
    )
    .await;
    assert_eq!(status, 201, "{link}");
    assert_eq!(link["link"]["has_pin"], true);
    let url = link["url"].as_str().expect("the link's address");
    let path = url[url.find("/u/").expect("a /u/ address")..].to_owned();
    let (status, replayed, again) = call(
        &app,
        &token,
        links,
        Some("link-1"),
        Some(json!({ "label": "ACME", "days": 7, "pin": "4321" })),
    )
    .await;
    assert_eq!((status, replayed), (201, true));
    assert_eq!(again["url"], link["url"], "the same link, not a second one");
    // The kept answers are sealed with the token: the link's address is not in the table.
    let kept: Vec<Option<Vec<u8>>> = idempotency_keys::table
        .select(idempotency_keys::response_body)
        .load(&mut app.conn())
        .expect("kept answers");
    let secret = path.trim_start_matches("/u/").as_bytes();
    assert!(kept.len() >= 3);
    assert!(
        kept.iter()
            .flatten()
            .all(|body| !body.windows(secret.len()).any(|w| w == secret)),
        "a link's token is never kept in the clear"
    );
    assert_eq!(app.audit_rows("upload_link.created").len(), 1);
    let (status, _, bad) = call(
        &app,
        &token,
        links,
        None,
        Some(json!({ "label": "x", "pin": "12" })),
    )
    .await;
    assert_eq!(status, 400, "{bad}");

    let visitor = Visitor::new(&app);
    let named = visitor
        .identify(&path, "Vera", "vera@example.com", "4321")
        .await;
    assert_eq!(named.status, 303, "{}", named.body);
    let receipt = visitor
        .upload(
            &path,
            files(&[
                ("march_statement.pdf", document(3000, 1, false)),
                ("payroll_march.pdf", document(3000, 2, false)),
            ]),
        )
        .await;
    assert_eq!(receipt.status, 200, "{}", receipt.body);
    let (_, _, missing) = call(&app, &token, ("GET", "/api/v1/missing"), None, None).await;
    assert_eq!(
        missing_in(&missing, cycle),
        [
            ("Payroll".to_owned(), "submitted".to_owned()),
            ("Bank statement".to_owned(), "submitted".to_owned())
        ]
    );

    // Review: a rejection needs its reason; accept one, reject the other, then accept it.
    let (status, _, refused) = decide(
        &app,
        &token,
        statement,
        None,
        json!({ "decision": "reject" }),
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["code"], "automation.reason_missing");
    let (status, _, refused) = decide(
        &app,
        &token,
        statement,
        None,
        json!({ "decision": "maybe" }),
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["code"], "automation.decision_unknown");
    let (status, _, rejected) = decide(
        &app,
        &token,
        statement,
        Some("reject-1"),
        json!({ "decision": "reject", "reason": "Page 2 is missing." }),
    )
    .await;
    assert_eq!(status, 200, "{rejected}");
    assert_eq!(
        (rejected["status"].as_str(), rejected["note"].as_str()),
        (Some("rejected"), Some("Page 2 is missing."))
    );
    let (status, _, accepted) =
        decide(&app, &token, payroll, None, json!({ "decision": "accept" })).await;
    assert_eq!(status, 200, "{accepted}");
    assert_eq!(accepted["status"], "accepted");
    let (_, _, missing) = call(&app, &token, ("GET", "/api/v1/missing"), None, None).await;
    assert_eq!(
        missing_in(&missing, cycle),
        [("Bank statement".to_owned(), "rejected".to_owned())]
    );
    let (status, _, accepted) = decide(
        &app,
        &token,
        statement,
        None,
        json!({ "decision": "accept" }),
    )
    .await;
    assert_eq!(status, 200, "{accepted}");
    assert_eq!(
        status_of(&app, CycleRequestId(statement as i32)),
        "accepted"
    );
    let (_, _, missing) = call(&app, &token, ("GET", "/api/v1/missing"), None, None).await;
    assert!(missing_in(&missing, cycle).is_empty(), "{missing}");
    let status = crate::requests::cycle_status(&app, CycleId(cycle as i32));
    assert_eq!(status, "completed");

    // Revoke the link: its page ends; a second revocation says so.
    let revoke = (
        "DELETE",
        &*format!("/api/v1/links/{}", id_of(&link["link"])),
    );
    let (status, _, _) = call(&app, &token, revoke, None, None).await;
    assert_eq!(status, 204);
    let (status, _, again) = call(&app, &token, revoke, None, None).await;
    assert_eq!(status, 409, "{again}");
    assert_eq!(again["code"], "link.already_revoked");
    assert_ne!(visitor.get(&path).await.status, 200);
    assert_eq!(app.audit_rows("upload_link.revoked").len(), 1);
    // Every decision is audited, named by the token's user, and heard by the webhook.
    assert!(app.audit_rows("request.status_changed").len() >= 3);
    let heard: Vec<String> = webhook_events::table
        .order(webhook_events::id)
        .select(webhook_events::event_type)
        .load(&mut app.conn())
        .expect("events");
    for event in [
        "upload_link.used",
        "request.submitted",
        "request.rejected",
        "request.accepted",
        "cycle.completed",
    ] {
        assert!(heard.iter().any(|e| e == event), "{event} not in {heard:?}");
    }
    assert_eq!(heard.last().map(String::as_str), Some("cycle.completed"));
}

#[actix_web::test]
async fn another_companys_ids_are_missing_and_a_token_without_the_admin_scope_is_refused() {
    let app = TestApp::spawn().await;
    let s = setup(&app, false).await;
    let admin = app.session_for(&s.admin).await;
    let token = admin_token(&admin).await;
    let reader = create_token(
        &admin,
        "/account/tokens",
        &[
            ("name", "reader"),
            ("days", "30"),
            ("scope", "read"),
            ("scope", "upload"),
        ],
    )
    .await;

    // Another company's project, cycle, request and link.
    let other = create_company(&app, "OTHER", true);
    let theirs = create_project(&app, other, "Theirs");
    let olga = UserFixture::new("olga")
        .company(other)
        .role("admin")
        .create(&app)
        .await;
    let olga = app.session_for(&olga).await;
    let their_cycle = cycle_with_requests(&app, &olga, theirs).await;
    create_link(&olga, theirs, their_cycle, &[("label", "x"), ("days", "3")]).await;
    let their_request = requests_of(&app, their_cycle)[0].0;
    let their_link: i32 = upload_links::table
        .filter(upload_links::cycle_id.eq(their_cycle))
        .select(upload_links::id)
        .first(&mut app.conn())
        .expect("their link");

    // The calls, with their ids or with ids that do not exist.
    let calls = |(project, cycle, request, link): (i64, i64, i64, i64)| {
        [
            ("POST", format!("/api/v1/projects/{project}/cycles"), None),
            (
                "POST",
                format!("/api/v1/cycles/{cycle}/requests"),
                Some(json!({ "name": "Mine now" })),
            ),
            (
                "PATCH",
                format!("/api/v1/requests/{request}"),
                Some(json!({ "name": "Renamed" })),
            ),
            (
                "POST",
                format!("/api/v1/requests/{request}/review"),
                Some(json!({ "decision": "not_applicable", "reason": "x" })),
            ),
            ("DELETE", format!("/api/v1/requests/{request}"), None),
            (
                "POST",
                format!("/api/v1/cycles/{cycle}/links"),
                Some(json!({ "label": "x" })),
            ),
            ("DELETE", format!("/api/v1/links/{link}"), None),
        ]
    };
    let their_ids = (
        i64::from(theirs.0),
        i64::from(their_cycle.0),
        i64::from(their_request.0),
        i64::from(their_link),
    );
    let before = app.audit_rows("access_denied").len();
    let absent_calls = calls((999_999, 999_999, 999_999, 999_999));
    for ((method, path, body), (_, missing, _)) in calls(their_ids).iter().zip(&absent_calls) {
        let (status, _, problem) = call(&app, &token, (method, path), None, body.clone()).await;
        assert_eq!(status, 404, "{method} {path}: {problem}");
        assert_eq!(problem["code"], "not_found");
        let (status, _, absent) = call(&app, &token, (method, missing), None, body.clone()).await;
        assert_eq!(status, 404);
        assert_eq!(absent, problem, "{path} looks like a missing id");
    }
    let calls = absent_calls;
    assert!(app.audit_rows("access_denied").len() >= before + calls.len());
    // Nothing of theirs changed, and their open requests are not listed.
    assert_eq!(requests_of(&app, their_cycle).len(), 2);
    assert_eq!(requests_of(&app, their_cycle)[0].1, "Bank statement");
    let (_, _, missing) = call(&app, &token, ("GET", "/api/v1/missing"), None, None).await;
    assert!(
        missing_in(&missing, i64::from(their_cycle.0)).is_empty(),
        "{missing}"
    );

    // A token without the admin scope: 403, with its code, for every automation call.
    let mine = [
        (
            "POST",
            format!("/api/v1/projects/{}/cycles", s.project),
            None,
        ),
        ("GET", "/api/v1/missing".to_owned(), None),
        ("DELETE", "/api/v1/links/1".to_owned(), None),
        (
            "POST",
            "/api/v1/requests/1/review".to_owned(),
            Some(json!({ "decision": "accept" })),
        ),
    ];
    for (method, path, body) in &mine {
        let key = format!("k-{method}-{path}");
        let (status, _, problem) =
            call(&app, &reader, (method, path), Some(&key), body.clone()).await;
        assert_eq!(status, 403, "{method} {path}: {problem}");
        assert_eq!(problem["code"], "automation.admin_scope_missing");
    }
    let cycles = cycles_in(&app, s.project);
    assert_eq!(cycles, 0);
}

#[actix_web::test]
async fn a_cycle_started_by_api_is_due_when_its_body_says() {
    let app = TestApp::spawn().await;
    let s = setup(&app, false).await;
    let admin = app.session_for(&s.admin).await;
    let token = admin_token(&admin).await;
    let path = format!("/api/v1/projects/{}/cycles", s.project);
    let start = ("POST", path.as_str());

    let due = json!({ "due_at": "2027-01-31T17:00:00Z" });
    let (status, _, started) = call(&app, &token, start, None, Some(due)).await;
    assert_eq!(status, 201, "{started}");
    assert_eq!(started["cycle"]["due_at"], "2027-01-31T17:00:00Z");
    let id = i32::try_from(id_of(&started["cycle"])).expect("an id");
    let stored: Option<chrono::DateTime<chrono::Utc>> = cycles::table
        .find(CycleId(id))
        .select(cycles::due_at)
        .first(&mut app.conn())
        .expect("the cycle");
    assert_eq!(
        stored.map(|d| d.to_rfc3339()),
        Some("2027-01-31T17:00:00+00:00".into())
    );

    // No body: no due date. A body that is no cycle: a 400 that says why, and no cycle.
    let (status, _, started) = call(&app, &token, start, None, None).await;
    assert_eq!(status, 201, "{started}");
    assert!(started["cycle"]["due_at"].is_null());
    // A decision is undone by `reopen`: set aside, then reopened, the request is missing.
    let requests = format!("/api/v1/cycles/{id}/requests");
    let (status, _, added) = call(
        &app,
        &token,
        ("POST", &requests),
        None,
        Some(json!({ "name": "Passport" })),
    )
    .await;
    assert_eq!(status, 201, "{added}");
    let passport = id_of(&added);
    let set_aside = json!({ "decision": "not_applicable", "reason": "No travel this year." });
    let (status, _, decided) = decide(&app, &token, passport, None, set_aside).await;
    assert_eq!(
        (status, decided["status"].as_str()),
        (200, Some("not_applicable"))
    );
    let (status, _, reopened) = decide(
        &app,
        &token,
        passport,
        None,
        json!({ "decision": "reopen" }),
    )
    .await;
    assert_eq!(
        (status, reopened["status"].as_str()),
        (200, Some("missing")),
        "{reopened}"
    );

    let before = cycles_in(&app, s.project);
    let (status, _, refused) =
        call(&app, &token, start, None, Some(json!({ "due_at": "soon" }))).await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["code"], "input.json_unreadable");
    assert_eq!(cycles_in(&app, s.project), before);
}

/// A caller without the scope a POST needs is refused before anything of its body is
/// read or kept, with an `Idempotency-Key` as without one.
#[actix_web::test]
async fn a_keyed_post_without_its_scope_is_refused_and_nothing_is_kept() {
    let app = TestApp::spawn().await;
    let s = setup(&app, false).await;
    let uploader = app.session_for(&s.uploader).await;
    let reader = personal_token(&uploader, "read", "read").await;
    let manifest = json!({ "cycle_id": 1, "files": [] });
    let (status, _, _) = call(
        &app,
        &reader,
        ("POST", "/api/v1/sessions"),
        Some("k-1"),
        Some(manifest),
    )
    .await;
    assert_eq!(status, 404);
    let hooks = json!({ "url": "http://127.0.0.1:9/hooks", "events": ["file.stored"] });
    let (status, _, refused) = call(
        &app,
        &reader,
        ("POST", "/api/v1/webhooks"),
        Some("k-2"),
        Some(hooks),
    )
    .await;
    assert_eq!(status, 403, "{refused}");
    let kept: i64 = idempotency_keys::table
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(kept, 0, "nothing was kept for a caller without the scope");
}
