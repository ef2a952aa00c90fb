//! Signed webhooks: a receiver started here on loopback verifies every delivery with an
//! independent implementation (the `standardwebhooks` package) and fails the first two
//! attempts of each event. Each event is accepted exactly once, every attempt carries the
//! same `webhook-id`, a cycle's events arrive in order, a change that rolled back sends
//! nothing, a private target is refused without the operator's flag, another company's
//! endpoint is a 404, and an endpoint failing for three days is switched off.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use chrono::Duration;
use diesel::prelude::*;
use diesel::sql_types::{Int4, Text};
use hopper::schema::webhook_endpoints;
use serde_json::Value;

use crate::api::create_token;
use crate::helpers::{create_company, free_port, test_python, TestApp, UserFixture};
use crate::requests::{
    add_to_list, allow_types, decide, document, requests_of, setup, start_cycle, status_of,
    upload_path,
};
use crate::uploads::{content, form};

/// The Python receiver, stopped when dropped.
struct Receiver {
    child: Child,
    port: u16,
    secret_file: PathBuf,
    log_file: PathBuf,
    _dir: tempfile::TempDir,
}

impl Receiver {
    fn start() -> Receiver {
        let dir = tempfile::tempdir().expect("receiver dir");
        let secret_file = dir.path().join("secret");
        let log_file = dir.path().join("log.jsonl");
        std::fs::write(&secret_file, "whsec_AAAA").expect("secret");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/webhooks/receiver.py");
        let mut child = Command::new(test_python())
            .arg(script)
            .arg(&secret_file)
            .arg(&log_file)
            .stdout(Stdio::piped())
            .spawn()
            .expect("the tests' Python (scripts/install-deps.sh --test)");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the receiver's port");
        let port = line.trim().parse().expect("a port");
        Receiver {
            child,
            port,
            secret_file,
            log_file,
            _dir: dir,
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hooks", self.port)
    }

    fn use_secret(&self, secret: &str) {
        std::fs::write(&self.secret_file, secret).expect("secret");
    }

    /// Every request received, in order.
    fn log(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log_file)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("a log line"))
            .collect()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(QueryableByName)]
struct EventRow {
    #[diesel(sql_type = Text)]
    msg_id: String,
    #[diesel(sql_type = Text)]
    event_type: String,
}

fn events_of_cycle(app: &TestApp, cycle: i32) -> Vec<(String, String)> {
    diesel::sql_query(
        "SELECT msg_id::text AS msg_id, event_type::text AS event_type FROM webhook_events
          WHERE cycle_id = $1 ORDER BY id",
    )
    .bind::<Int4, _>(cycle)
    .load::<EventRow>(&mut app.conn())
    .expect("events")
    .into_iter()
    .map(|r| (r.msg_id, r.event_type))
    .collect()
}

#[derive(QueryableByName)]
struct Due {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>)]
    next: Option<chrono::DateTime<chrono::Utc>>,
}

/// Sends what is due, moving the clock to each next attempt (never sleeping), until
/// nothing is pending or `rounds` passed.
async fn deliver_everything(app: &TestApp, rounds: usize) {
    let services = &app.state.services;
    for _ in 0..rounds {
        let report = hopper::services::webhooks::run_once(services)
            .await
            .expect("a delivery run");
        if report.attempted > 0 {
            continue;
        }
        // Nothing was due: the clock moves to the next attempt (a delivery waiting for an
        // earlier one of its cycle is due already, and waits on).
        let due: Due = diesel::sql_query(
            "SELECT min(next_attempt_at) AS next FROM webhook_deliveries
              WHERE status = 'pending' AND next_attempt_at > $1",
        )
        .bind::<diesel::sql_types::Timestamptz, _>(services.clock().now())
        .get_result(&mut app.conn())
        .expect("next due");
        let Some(next) = due.next else {
            return;
        };
        services
            .clock()
            .advance(next - services.clock().now() + Duration::milliseconds(10));
    }
    let states: Vec<String> = diesel::sql_query(
        "SELECT concat_ws(' ', d.id, d.status, d.attempts, d.next_attempt_at, d.retry_until, e.event_type,
                (SELECT string_agg(concat_ws('/', a.status_code, a.error), '; ') FROM webhook_attempts a
                  WHERE a.delivery_id = d.id)) AS status
           FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id ORDER BY d.id",
    )
    .load::<StatusRow>(&mut app.conn())
    .expect("deliveries")
    .into_iter()
    .map(|r| r.status)
    .collect();
    panic!(
        "deliveries still pending after {rounds} rounds (clock {}):\n{}",
        services.clock().now(),
        states.join("\n")
    );
}

/// Registers an endpoint for every event on the admin page; answers its secret.
async fn register(admin: &crate::helpers::UserSession<'_>, url: &str) -> String {
    let mut fields = vec![("url", url.to_owned()), ("description", "ERP".to_owned())];
    for event in hopper::domain::WebhookEvent::ALL {
        fields.push(("events", event.as_str().to_owned()));
    }
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let page = admin.post("/admin/webhooks", &fields).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let marker = "id=\"webhook-secret\">";
    let start = page.body.find(marker).expect("the secret is shown") + marker.len();
    let end = page.body[start..].find('<').expect("secret ends") + start;
    page.body[start..end].to_owned()
}

#[actix_web::test]
async fn every_event_is_delivered_once_signed_and_in_order() {
    let app = TestApp::spawn().await;
    let s = setup(&app, true).await;
    allow_types(&app, s.project, &["pdf"]);
    let admin = app.session_for(&s.admin).await;
    add_to_list(&admin, s.project, "Bank statements", "*statement*.pdf").await;
    add_to_list(&admin, s.project, "Payroll", "payroll*.pdf").await;
    let cycle = start_cycle(&app, &admin, s.project).await;
    let ids: Vec<_> = requests_of(&app, cycle).iter().map(|r| r.0).collect();
    let (statement, payroll) = (ids[0], ids[1]);

    let receiver = Receiver::start();
    let secret = register(&admin, &receiver.url()).await;
    assert!(secret.starts_with("whsec_"), "{secret}");
    receiver.use_secret(&secret);
    let listed = admin.get("/admin/webhooks").await;
    assert!(listed.body.contains(&receiver.url()));
    assert!(
        !listed.body.contains(&secret),
        "the secret is shown only once"
    );
    assert_eq!(app.audit_rows("webhook.created").len(), 1);
    // The database keeps the secret sealed, never as it was shown (every delivery below
    // is signed with it, opened, and verified by the receiver).
    let stored: String = webhook_endpoints::table
        .select(webhook_endpoints::secret)
        .first(&mut app.conn())
        .expect("the secret");
    assert!(stored.starts_with("sealed:v1:"), "{stored}");
    assert!(!stored.contains(&secret["whsec_".len()..]), "{stored}");

    // Stored, refused, submitted.
    let uploader = app.session_for(&s.uploader).await;
    let first = document(1500, 1, false);
    let refused = content(100, 2);
    let receipt = uploader
        .upload(
            &upload_path(s.project, cycle),
            form(&[("statement-03.pdf", &first), ("notes.txt", &refused)]),
        )
        .await;
    assert_eq!(receipt.status, 200, "{}", receipt.body);
    assert_eq!(status_of(&app, statement), "submitted");

    // A rejection that rolls back (its email cannot be queued) sends nothing.
    diesel::sql_query(
        "CREATE FUNCTION webhook_test_refuse() RETURNS trigger AS $$
         BEGIN RAISE EXCEPTION 'refused by the test'; END $$ LANGUAGE plpgsql",
    )
    .execute(&mut app.conn())
    .expect("function");
    diesel::sql_query(
        "CREATE TRIGGER webhook_test_refuse BEFORE INSERT ON notifications
         FOR EACH ROW EXECUTE FUNCTION webhook_test_refuse()",
    )
    .execute(&mut app.conn())
    .expect("trigger");
    let page = decide(
        &admin,
        (s.project, cycle),
        statement,
        "reject",
        "Page 2 is missing",
    )
    .await;
    assert_eq!(page.status, 500, "{}", page.body);
    assert_eq!(status_of(&app, statement), "submitted");
    diesel::sql_query("DROP TRIGGER webhook_test_refuse ON notifications")
        .execute(&mut app.conn())
        .expect("drop trigger");

    // Rejected for real, sent again, accepted; the second request completes the cycle.
    let page = decide(
        &admin,
        (s.project, cycle),
        statement,
        "reject",
        "Page 2 is missing",
    )
    .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let receipt = uploader
        .upload(
            &upload_path(s.project, cycle),
            form(&[("statement-03-complete.pdf", &document(1600, 3, false))]),
        )
        .await;
    assert_eq!(receipt.status, 200, "{}", receipt.body);
    let page = decide(&admin, (s.project, cycle), statement, "accept", "").await;
    assert_eq!(page.status, 303, "{}", page.body);
    let receipt = uploader
        .upload(
            &upload_path(s.project, cycle),
            form(&[("payroll-03.pdf", &document(1700, 4, false))]),
        )
        .await;
    assert_eq!(receipt.status, 200, "{}", receipt.body);
    let page = decide(&admin, (s.project, cycle), payroll, "accept", "").await;
    assert_eq!(page.status, 303, "{}", page.body);

    let events = events_of_cycle(&app, cycle.0);
    let types: Vec<&str> = events.iter().map(|(_, t)| t.as_str()).collect();
    for wanted in [
        "file.stored",
        "file.refused",
        "request.submitted",
        "request.rejected",
        "request.accepted",
        "cycle.completed",
    ] {
        assert!(types.contains(&wanted), "{wanted} missing from {types:?}");
    }
    assert_eq!(
        types.iter().filter(|t| **t == "request.rejected").count(),
        1,
        "the rolled-back rejection wrote no event: {types:?}"
    );
    assert_eq!(types.last(), Some(&"cycle.completed"), "{types:?}");

    deliver_everything(&app, 200).await;

    let log = receiver.log();
    assert!(log.iter().all(|l| l["verified"] == true), "{log:?}");
    let mut attempts: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for line in &log {
        attempts
            .entry(line["id"].as_str().expect("id").to_owned())
            .or_default()
            .push(line["status"].as_i64().expect("status"));
    }
    // Each event: two refused attempts and one accepted, all with its one webhook-id.
    assert_eq!(attempts.len(), events.len(), "{attempts:?}");
    for (msg_id, _) in &events {
        assert_eq!(attempts.get(msg_id), Some(&vec![500, 500, 200]), "{msg_id}");
    }
    // Accepted in the order they happened.
    let accepted: Vec<&str> = log
        .iter()
        .filter(|l| l["status"] == 200)
        .map(|l| l["id"].as_str().expect("id"))
        .collect();
    let happened: Vec<&str> = events.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(accepted, happened);

    // Bodies name what they are about.
    let body_of = |kind: &str| {
        log.iter()
            .find(|l| l["status"] == 200 && l["type"] == kind)
            .map(|l| l["body"].clone())
            .expect(kind)
    };
    let stored = body_of("file.stored");
    assert_eq!(stored["data"]["project"]["name"], "Year end");
    assert_eq!(stored["data"]["file"]["name"], "statement-03.pdf");
    assert_eq!(stored["data"]["request"]["name"], "Bank statements");
    assert_eq!(stored["data"]["cycle"]["name"], "C1");
    assert_eq!(stored["data"]["sender"]["user"], "uma");
    let rejected = body_of("request.rejected");
    assert_eq!(rejected["data"]["request"]["note"], "Page 2 is missing");
    let refused = body_of("file.refused");
    assert_eq!(refused["data"]["file"]["name"], "notes.txt");
    assert!(refused["data"]["file"]["refusal_code"].is_string());
    let completed = body_of("cycle.completed");
    assert_eq!(
        completed["data"]["requests"].as_array().map(Vec::len),
        Some(2)
    );

    // The log shows each delivery; sending one again uses its webhook-id once more.
    let endpoint: i32 = diesel::sql_query("SELECT id FROM webhook_endpoints")
        .get_result::<IdRow>(&mut app.conn())
        .expect("endpoint")
        .id;
    let page = admin.get(&format!("/admin/webhooks/{endpoint}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("delivered") && page.body.contains(&events[0].0));
    let delivery: i64 = diesel::sql_query(
        "SELECT d.id AS id FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
          WHERE e.msg_id = $1",
    )
    .bind::<Text, _>(&events[0].0)
    .get_result::<BigIdRow>(&mut app.conn())
    .expect("delivery")
    .id;
    // A secret stored bare by an earlier version still signs (the redelivery below is
    // verified); the next start seals it.
    diesel::update(webhook_endpoints::table)
        .set(webhook_endpoints::secret.eq(&secret))
        .execute(&mut app.conn())
        .expect("a bare secret");
    let page = admin
        .post(
            &format!("/admin/webhooks/{endpoint}/deliveries/{delivery}/redeliver"),
            &[],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    deliver_everything(&app, 10).await;
    let again: Vec<Value> = receiver
        .log()
        .into_iter()
        .filter(|l| l["id"] == events[0].0.as_str())
        .collect();
    assert_eq!(again.len(), 4);
    assert_eq!(again[3]["status"], 200);
    assert_eq!(app.audit_rows("webhook.redelivered").len(), 1);
    let sealed = hopper::services::webhooks::seal_stored(&app.state.services)
        .await
        .expect("seal");
    assert_eq!(sealed, 1);
    let stored: String = webhook_endpoints::table
        .select(webhook_endpoints::secret)
        .first(&mut app.conn())
        .expect("the secret");
    assert!(stored.starts_with("sealed:v1:"), "{stored}");
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = Int4)]
    id: i32,
}

#[derive(QueryableByName)]
struct BigIdRow {
    #[diesel(sql_type = diesel::sql_types::Int8)]
    id: i64,
}

#[actix_web::test]
async fn the_api_manages_endpoints_and_another_company_gets_404() {
    let app = TestApp::spawn().await;
    let s = setup(&app, false).await;
    let admin = app.session_for(&s.admin).await;
    let token = create_token(
        &admin,
        "/account/tokens",
        &[("name", "erp"), ("days", "30"), ("scope", "admin")],
    )
    .await;
    let reader = create_token(
        &admin,
        "/account/tokens",
        &[("name", "reader"), ("days", "30"), ("scope", "read")],
    )
    .await;
    let url = format!("http://127.0.0.1:{}/hooks", free_port());
    let body = serde_json::json!({ "url": url, "events": ["file.stored", "cycle.completed"] });
    let refused = app
        .client
        .post(app.url("/api/v1/webhooks"))
        .bearer_auth(&reader)
        .json(&body)
        .send()
        .await
        .expect("POST");
    assert_eq!(refused.status(), 403);
    let created = app
        .client
        .post(app.url("/api/v1/webhooks"))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .expect("POST");
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.expect("JSON");
    assert!(created["secret"]
        .as_str()
        .expect("secret")
        .starts_with("whsec_"));
    let id = created["endpoint"]["id"].as_i64().expect("id");
    assert_eq!(created["endpoint"]["events"][1], "cycle.completed");
    let bad = app
        .client
        .post(app.url("/api/v1/webhooks"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "url": url, "events": ["file.eaten"] }))
        .send()
        .await
        .expect("POST");
    assert_eq!(bad.status(), 400);
    let bad: Value = bad.json().await.expect("problem");
    assert_eq!(bad["code"], "webhook.event_unknown");
    let listed: Value = app
        .client
        .get(app.url("/api/v1/webhooks"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("JSON");
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert!(listed[0].get("secret").is_none());

    // Another company's admin: the endpoint is not there.
    let other = create_company(&app, "OTHER", true);
    let stranger = UserFixture::new("olga")
        .role("admin")
        .company(other)
        .create(&app)
        .await;
    let stranger = app.session_for(&stranger).await;
    let page = stranger.get(&format!("/admin/webhooks/{id}")).await;
    assert_eq!(page.status, 404);
    let page = stranger
        .post(&format!("/admin/webhooks/{id}/delete"), &[])
        .await;
    assert_eq!(page.status, 404);
    let theirs = create_token(
        &stranger,
        "/account/tokens",
        &[("name", "x"), ("days", "1"), ("scope", "admin")],
    )
    .await;
    let gone = app
        .client
        .delete(app.url(&format!("/api/v1/webhooks/{id}")))
        .bearer_auth(&theirs)
        .send()
        .await
        .expect("DELETE");
    assert_eq!(gone.status(), 404);
    let theirs_listed: Value = app
        .client
        .get(app.url("/api/v1/webhooks"))
        .bearer_auth(&theirs)
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("JSON");
    assert_eq!(theirs_listed, serde_json::json!([]));

    let deleted = app
        .client
        .delete(app.url(&format!("/api/v1/webhooks/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("DELETE");
    assert_eq!(deleted.status(), 204);
    assert_eq!(app.audit_rows("webhook.deleted").len(), 1);

    // The document lists the endpoints and the events.
    let doc: Value =
        serde_json::from_str(&app.get("/api/v1/openapi.json").await.body).expect("JSON");
    assert!(doc["paths"]["/api/v1/webhooks"]["post"].is_object());
    assert!(doc["webhooks"]["request.accepted"]["post"].is_object());
}

#[actix_web::test]
async fn a_private_target_is_refused_without_the_operators_flag() {
    let app = TestApp::spawn_with(|c| c.webhooks.allow_private = false).await;
    let s = setup(&app, false).await;
    let admin = app.session_for(&s.admin).await;
    for url in [
        format!("http://127.0.0.1:{}/hooks", free_port()),
        "http://localhost/hooks".to_owned(),
        "http://169.254.169.254/latest/meta-data".to_owned(),
        "http://[::1]/hooks".to_owned(),
    ] {
        let page = admin
            .post(
                "/admin/webhooks",
                &[("url", url.as_str()), ("events", "file.stored")],
            )
            .await;
        assert_eq!(page.status, 400, "{url}: {}", page.body);
        assert!(page.body.contains("private"), "{}", page.body);
    }
    let count: i64 = diesel::sql_query("SELECT count(*) AS n FROM webhook_endpoints")
        .get_result::<Count>(&mut app.conn())
        .expect("count")
        .n;
    assert_eq!(count, 0);
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::Int8)]
    n: i64,
}

#[actix_web::test]
async fn an_endpoint_failing_for_three_days_is_switched_off_and_its_admins_told() {
    let app = TestApp::spawn().await;
    let s = setup(&app, false).await;
    let admin = app.session_for(&s.admin).await;
    let cycle = start_cycle(&app, &admin, s.project).await;
    // Nothing listens there.
    let dead = format!("http://127.0.0.1:{}/hooks", free_port());
    register(&admin, &dead).await;
    let send = |n: u8| {
        let path = upload_path(s.project, cycle);
        let (app, who) = (&app, &s.uploader);
        async move {
            // A new session each time: the clock moves days.
            let uploader = app.session_for(who).await;
            let name = format!("file-{n}.pdf");
            let receipt = uploader
                .upload(&path, form(&[(name.as_str(), &document(300, n, false))]))
                .await;
            assert_eq!(receipt.status, 200, "{}", receipt.body);
        }
    };
    send(1).await;
    let services = &app.state.services;
    hopper::services::webhooks::run_once(services)
        .await
        .expect("run");
    // A day later the first event is given up; the endpoint is still on.
    services.clock().advance(Duration::hours(25));
    hopper::services::webhooks::run_once(services)
        .await
        .expect("run");
    let states: Vec<String> =
        diesel::sql_query("SELECT status::text AS status FROM webhook_deliveries")
            .load::<StatusRow>(&mut app.conn())
            .expect("deliveries")
            .into_iter()
            .map(|r| r.status)
            .collect();
    assert!(states.iter().all(|s| s == "failed"), "{states:?}");
    assert!(app.audit_rows("webhook.disabled").is_empty());
    // Three days after the first failure, one more failure switches it off.
    services.clock().advance(Duration::hours(48));
    send(2).await;
    hopper::services::webhooks::run_once(services)
        .await
        .expect("run");
    let disabled = app.audit_rows("webhook.disabled");
    assert_eq!(disabled.len(), 1);
    let mail: i64 = diesel::sql_query(
        "SELECT count(*) AS n FROM notifications WHERE kind = 'webhook_disabled'",
    )
    .get_result::<Count>(&mut app.conn())
    .expect("mail")
    .n;
    assert_eq!(mail, 1, "the admin is told");
    let admin = app.session_for(&s.admin).await;
    let page = admin.get("/admin/webhooks").await;
    assert!(page.body.contains("off"), "{}", page.body);
    // Nothing more is sent to it until it is switched on.
    send(3).await;
    let report = hopper::services::webhooks::run_once(services)
        .await
        .expect("run");
    assert_eq!(report.attempted, 0);
    // A month on, the log of what was given up is pruned; what still waits is kept.
    services.clock().advance(Duration::days(31));
    let pruned = hopper::services::webhooks::prune(services)
        .await
        .expect("prune");
    assert_eq!(pruned, 1, "the event given up");
    let left: i64 = diesel::sql_query("SELECT count(*) AS n FROM webhook_deliveries")
        .get_result::<Count>(&mut app.conn())
        .expect("count")
        .n;
    assert_eq!(
        left, 1,
        "the delivery waiting for the endpoint to be switched on"
    );
}

#[derive(QueryableByName)]
struct StatusRow {
    #[diesel(sql_type = Text)]
    status: String,
}

#[derive(QueryableByName)]
struct PayloadRow {
    #[diesel(sql_type = Text)]
    payload: String,
}

#[actix_web::test]
async fn files_sent_through_an_upload_link_tell_who_sent_them() {
    let app = TestApp::spawn().await;
    let (s, _, link) = crate::upload_links::project_with_link(
        &app,
        &[
            ("label", "ACME accounting"),
            ("days", "7"),
            ("max_files", "10"),
            ("max_mib", "50"),
        ],
    )
    .await;
    let admin = app.session_for(&s.admin).await;
    register(&admin, &format!("http://127.0.0.1:{}/hooks", free_port())).await;
    let visitor = crate::upload_links::Visitor::new(&app);
    let named = visitor
        .identify(&link, "Vera Visitor", "vera@example.com", "")
        .await;
    assert_eq!(named.status, 303, "{}", named.body);
    let sent = visitor
        .upload(
            &link,
            crate::upload_links::files(&[("statement-04.pdf", document(900, 7, false))]),
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let used: Vec<Value> = diesel::sql_query(
        "SELECT payload FROM webhook_events WHERE event_type = 'upload_link.used'",
    )
    .load::<PayloadRow>(&mut app.conn())
    .expect("events")
    .into_iter()
    .map(|r| serde_json::from_str(&r.payload).expect("JSON"))
    .collect();
    assert_eq!(used.len(), 1, "{used:?}");
    let data = &used[0]["data"];
    assert_eq!(data["sender"]["name"], "Vera Visitor");
    assert_eq!(data["sender"]["email"], "vera@example.com");
    assert_eq!(data["sender"]["upload_link"]["label"], "ACME accounting");
    assert_eq!(data["batch"]["files_uploaded"], 1);
    let stored: i64 = diesel::sql_query(
        "SELECT count(*) AS n FROM webhook_events WHERE event_type = 'file.stored'
            AND payload::jsonb #>> '{data,sender,upload_link,label}' = 'ACME accounting'",
    )
    .get_result::<Count>(&mut app.conn())
    .expect("count")
    .n;
    assert_eq!(stored, 1);
}

#[actix_web::test]
async fn a_due_date_that_passes_with_requests_open_tells_cycle_overdue() {
    let app = TestApp::spawn().await;
    let s = setup(&app, true).await;
    let admin = app.session_for(&s.admin).await;
    add_to_list(&admin, s.project, "Balance sheet", "").await;
    let cycle = start_cycle(&app, &admin, s.project).await;
    register(&admin, &format!("http://127.0.0.1:{}/hooks", free_port())).await;
    let tomorrow = (chrono::Utc::now() + Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let page = admin
        .post(
            &format!("/admin/projects/{}/cycles/{cycle}/due", s.project),
            &[("due", &tomorrow)],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let services = &app.state.services;
    let later = services.clock().now() + Duration::days(3);
    let pass = hopper::services::cycle_progress::deadline_pass(services, later)
        .await
        .expect("pass");
    assert_eq!(pass.marked_incomplete, 1);
    let events = events_of_cycle(&app, cycle.0);
    let types: Vec<&str> = events.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(types, ["cycle.overdue"]);
    let body: PayloadRow =
        diesel::sql_query("SELECT payload FROM webhook_events WHERE event_type = 'cycle.overdue'")
            .get_result(&mut app.conn())
            .expect("event");
    let body: Value = serde_json::from_str(&body.payload).expect("JSON");
    assert_eq!(body["data"]["cycle"]["status"], "incomplete");
    assert_eq!(body["data"]["requests"][0]["name"], "Balance sheet");
    assert_eq!(body["data"]["requests"][0]["status"], "missing");
}
