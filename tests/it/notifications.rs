//! Notifications through a real SMTP server started by the test: one digest per batch
//! (never one per file) to admins, a rejection to the uploader with the reason, each
//! person's switches honoured, reminders on the project's schedule (with the test's own
//! clock) queued once per step, and the outbox when no SMTP server is set.

use chrono::Duration;
use diesel::prelude::*;
use hopper::config::Secret;
use hopper::domain::NotificationStatus;
use hopper::schema::{cycles, notifications};

use crate::helpers::TestApp;
use crate::requests::{
    add_to_list, decide, document, requests_of, setup, start_cycle, upload_path,
};
use crate::smtp_sink::SmtpSink;
use crate::upload_failures::eventually;
use crate::uploads::{content, form};

#[actix_web::test]
async fn a_batch_sends_one_digest_and_a_rejection_reaches_the_uploader() {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app =
        TestApp::spawn_with(move |config| config.mail.smtp_url = Some(Secret::new(url))).await;
    let s = setup(&app, true).await;
    let admin = app.session_for(&s.admin).await;
    add_to_list(&admin, s.project, "Bank statements", "*statement*").await;
    add_to_list(&admin, s.project, "Payroll", "payroll*").await;
    add_to_list(&admin, s.project, "Contract", "").await;
    let cycle = start_cycle(&app, &admin, s.project).await;
    let uploader = app.session_for(&s.uploader).await;
    let receipt = uploader
        .upload(
            &upload_path(s.project, cycle),
            form(&[
                ("statement.pdf", &document(100, 1, false)),
                ("payroll.pdf", &document(100, 2, false)),
                ("a.txt", &content(10, 3)),
                ("b.txt", &content(10, 4)),
            ]),
        )
        .await;
    assert_eq!(receipt.status, 200, "{}", receipt.body);

    // One digest for the batch of four files, to the admin.
    let digests = sink.wait_for("alice@example.test", 1).await;
    let digest = &digests[0].data;
    assert!(
        digest.contains("uploaded 4 files to Year end C1"),
        "{digest}"
    );
    // The subject names the person who sent them, not the firm.
    assert!(
        digest.contains("Subject: uma sent 4 files to Year end C1"),
        "{digest}"
    );
    assert!(
        digest.contains("2 requests submitted, 1 still missing"),
        "{digest}"
    );
    // Whatever the batch queued for alice has been sent once nothing of hers waits in the
    // queue (the transaction that ended the batch queued it all): one message, no more.
    let waiting_for_alice = || -> i64 {
        notifications::table
            .filter(notifications::recipient.eq("alice@example.test"))
            .filter(notifications::status.eq(NotificationStatus::Pending))
            .count()
            .get_result(&mut app.conn())
            .expect("count")
    };
    eventually("alice's messages sent", || waiting_for_alice() == 0).await;
    let queued_for_alice: i64 = notifications::table
        .filter(notifications::recipient.eq("alice@example.test"))
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(
        queued_for_alice, 1,
        "one message per batch, never one per file"
    );
    assert_eq!(
        sink.messages()
            .iter()
            .filter(|m| m.to.iter().any(|t| t.contains("alice@")))
            .count(),
        1,
        "one message per batch, never one per file"
    );

    // A rejection reaches the uploader with the reason and the way back.
    let statement = requests_of(&app, cycle)[0].0;
    let page = decide(
        &admin,
        (s.project, cycle),
        statement,
        "reject",
        "Page 2 is missing",
    )
    .await;
    assert_eq!(page.status, 303);
    let to_uma = sink.wait_for("uma@example.test", 1).await;
    let text = &to_uma[0].data;
    assert!(text.contains("Page 2 is missing"), "{text}");
    assert!(text.contains(&format!("/projects/{}/cycles/{cycle}/upload", s.project)));

    // Every message sent is audited with recipient and kind, never its body or links. The
    // sender records a message after the SMTP server took it, so the row may follow the
    // mail by a moment.
    let rejection_audited = || {
        app.audit_rows("notification.sent").iter().any(|r| {
            r.details["recipient"] == "uma@example.test" && r.details["kind"] == "request_rejected"
        })
    };
    eventually("the rejection's notification.sent row", rejection_audited).await;
    let sent = app.audit_rows("notification.sent");
    assert!(sent
        .iter()
        .all(|r| !r.details.to_string().contains("/upload")));

    // Uma turns rejections off: the next one is not sent to her.
    let profile = uploader
        .post(
            "/account/profile",
            &[("timezone", "UTC"), ("notify_reminders", "on")],
        )
        .await;
    assert_eq!(profile.status, 303, "{}", profile.body);
    let payroll = requests_of(&app, cycle)[1].0;
    let page = decide(&admin, (s.project, cycle), payroll, "reject", "Wrong month").await;
    assert_eq!(page.status, 303);
    let queued_for_uma: i64 = notifications::table
        .filter(notifications::recipient.eq("uma@example.test"))
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(queued_for_uma, 1, "no second rejection message for uma");
}

#[actix_web::test]
async fn reminders_follow_the_schedule_once_per_step_and_land_in_the_outbox() {
    let outbox = tempfile::tempdir().expect("dir");
    let dir = outbox.path().to_owned();
    let app = TestApp::spawn_with(move |config| config.mail.outbox_dir = Some(dir)).await;
    let s = setup(&app, true).await;
    let admin = app.session_for(&s.admin).await;
    add_to_list(&admin, s.project, "Balance sheet", "").await;
    add_to_list(&admin, s.project, "Ledger", "").await;
    let cycle = start_cycle(&app, &admin, s.project).await;
    // Ten days out: the server's own passes (on the app's clock) have nothing to send.
    let due = app.state.services.clock().now() + Duration::days(10);
    diesel::update(cycles::table.find(cycle))
        .set(cycles::due_at.eq(due))
        .execute(&mut app.conn())
        .expect("due date");

    let services = &app.state.services;
    let pass = |at| hopper::services::notifications::reminder_pass(services, at);
    assert_eq!(
        pass(due - Duration::hours(6 * 24 + 12))
            .await
            .expect("pass")
            .queued,
        1,
        "7 days before"
    );
    assert_eq!(
        pass(due - Duration::hours(6 * 24 + 11))
            .await
            .expect("pass")
            .queued,
        0,
        "once per step"
    );
    assert_eq!(
        pass(due - Duration::hours(5 * 24))
            .await
            .expect("pass")
            .queued,
        0,
        "not on the schedule"
    );
    assert_eq!(
        pass(due - Duration::hours(12)).await.expect("pass").queued,
        1,
        "1 day before"
    );
    assert_eq!(
        pass(due + Duration::hours(1)).await.expect("pass").queued,
        1,
        "overdue"
    );
    assert_eq!(
        pass(due + Duration::days(2)).await.expect("pass").queued,
        0,
        "every 3 days"
    );
    assert_eq!(
        pass(due + Duration::days(3) + Duration::hours(1))
            .await
            .expect("pass")
            .queued,
        1
    );

    // One message lists both requests.
    let subjects: Vec<String> = notifications::table
        .filter(notifications::recipient.eq("uma@example.test"))
        .order(notifications::id)
        .select(notifications::subject)
        .load(&mut app.conn())
        .expect("subjects");
    assert_eq!(subjects.len(), 4);
    assert_eq!(subjects[0], "Year end C1: 2 documents due in 7 days");
    assert_eq!(subjects[2], "Year end C1: 2 documents overdue");

    // Without SMTP: kept, written to the maildir, shown to the operator.
    let report = hopper::services::notifications::send_pending(services)
        .await
        .expect("send");
    let files = std::fs::read_dir(outbox.path().join("new"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert!(
        report.stored + files >= 4 && files >= 4,
        "{report:?}, {files} files"
    );
    let operator = crate::helpers::UserFixture::new("olga")
        .role("superadmin")
        .create(&app)
        .await;
    let page = app
        .session_for(&operator)
        .await
        .get("/operator/outbox")
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("2 documents due in 7 days"));
    assert!(page.body.contains("Kept in the outbox"));
}

/// The body of a mail as written, with quoted-printable soft line breaks joined.
fn unfolded(data: &str) -> String {
    data.replace("=\r\n", "").replace("=\n", "")
}

#[actix_web::test]
async fn an_upload_link_goes_by_email_without_its_pin_and_a_bad_address_keeps_the_form() {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app =
        TestApp::spawn_with(move |config| config.mail.smtp_url = Some(Secret::new(url))).await;
    let s = setup(&app, false).await;
    let admin = app.session_for(&s.admin).await;
    let cycle = crate::upload_links::cycle_with_requests(&app, &admin, s.project).await;
    let links = format!("/admin/projects/{}/cycles/{cycle}/links", s.project);

    // A bad address: the form again, as typed, and no link made.
    let refused = admin
        .post(
            &links,
            &[
                ("label", "Bob's papers"),
                ("days", "14"),
                ("max_files", "50"),
                ("max_mib", "500"),
                ("invite_email", "bob at example"),
                ("invite_message", "Hello Bob"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused
        .body
        .contains("Enter an email address like name@example.com."));
    assert!(refused.body.contains("value=\"bob at example\""));
    assert!(refused.body.contains(">Hello Bob</textarea>"));
    assert!(!refused.body.contains("id=\"upload-link\""));

    let path = crate::upload_links::create_link(
        &admin,
        s.project,
        cycle,
        &[
            ("label", "Bob's papers"),
            ("days", "14"),
            ("pin", "271828"),
            ("max_files", "50"),
            ("max_mib", "500"),
            ("invite_email", "bob@client.test"),
            ("invite_message", "Hi Bob,\nthe year-end papers, please."),
        ],
    )
    .await;
    let shown = admin.get(&links).await;
    assert_eq!(shown.status, 200);

    let mail = unfolded(&sink.wait_for("bob@client.test", 1).await[0].data);
    assert!(mail.contains(&path), "the link is in the mail: {mail}");
    assert!(!mail.contains("271828"), "never the PIN: {mail}");
    assert!(mail.contains("the year-end papers, please."), "{mail}");
    assert!(mail.contains("by phone or"), "{mail}");

    // Audited, naming the recipient; the PIN is in no audit row's words either.
    let details: Vec<serde_json::Value> = hopper::schema::audit_log::table
        .filter(hopper::schema::audit_log::action.eq("upload_link.invited"))
        .select(hopper::schema::audit_log::details)
        .load(&mut app.conn())
        .expect("audit rows");
    assert_eq!(details.len(), 1);
    assert_eq!(details[0]["recipient"], "bob@client.test");
    assert!(!details[0].to_string().contains("271828"));
    let kinds: Vec<String> = notifications::table
        .filter(notifications::recipient.eq("bob@client.test"))
        .select(notifications::kind)
        .load(&mut app.conn())
        .expect("queued");
    assert_eq!(kinds, vec!["upload_invitation".to_owned()]);
}

#[actix_web::test]
async fn invitations_stop_at_the_hours_allowance_and_the_form_stays() {
    let app = TestApp::spawn().await;
    let s = setup(&app, false).await;
    let admin = app.session_for(&s.admin).await;
    let cycle = crate::upload_links::cycle_with_requests(&app, &admin, s.project).await;
    // The hour's allowance already used (50 invitations queued).
    for n in 0..50 {
        diesel::insert_into(notifications::table)
            .values((
                notifications::company_id.eq(s.company),
                notifications::recipient.eq(format!("client{n}@client.test")),
                notifications::kind.eq("upload_invitation"),
                notifications::subject.eq("please send your documents"),
                notifications::body.eq("…"),
            ))
            .execute(&mut app.conn())
            .expect("an earlier invitation");
    }
    let refused = admin
        .post(
            &format!("/admin/projects/{}/cycles/{cycle}/links", s.project),
            &[
                ("label", "One too many"),
                ("days", "14"),
                ("max_files", "50"),
                ("max_mib", "500"),
                ("invite_email", "late@client.test"),
            ],
        )
        .await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert!(refused.body.contains("as many as an hour allows"));
    assert!(refused.body.contains("value=\"late@client.test\""));
    assert!(refused.body.contains("value=\"One too many\""));
    // Refused whole: no link, no audit row, nothing queued.
    let links: i64 = hopper::schema::upload_links::table
        .count()
        .get_result(&mut app.conn())
        .expect("links");
    assert_eq!(links, 0);
    assert!(app.audit_rows("upload_link.created").is_empty());
    let queued: i64 = notifications::table
        .filter(notifications::recipient.eq("late@client.test"))
        .count()
        .get_result(&mut app.conn())
        .expect("queued");
    assert_eq!(queued, 0);
}
