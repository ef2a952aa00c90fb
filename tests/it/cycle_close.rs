//! Completion that thanks: a cycle whose required items are accepted thanks the sender
//! (what arrived, and when) on the link page and the member's upload page, and still
//! takes optional items until an admin closes it, an audited act of its own that the
//! admin's page asks to confirm; then the link refuses with a sentence.

use diesel::prelude::*;
use hopper::db::ids::CycleRequestId;
use hopper::schema::{cycles, file_uploads};

use crate::helpers::{create_company, create_project, TestApp, UserFixture};
use crate::requests::{
    add_to_list, decide, document, requests_of, review_path, setup, start_cycle, upload_path,
};
use crate::upload_links::{create_link, files, Visitor};

fn request_of_file(app: &TestApp, path: &str) -> Option<CycleRequestId> {
    file_uploads::table
        .filter(file_uploads::file_path.eq(path))
        .select(file_uploads::request_id)
        .first(&mut app.conn())
        .expect("file")
}

#[actix_web::test]
async fn a_completed_cycle_thanks_the_sender_and_takes_optional_items_until_it_is_closed() {
    let app = TestApp::spawn().await;
    let s = setup(&app, true).await;
    let admin = app.session_for(&s.admin).await;
    add_to_list(&admin, s.project, "Bank statement", "*statement*.pdf").await;
    let optional = admin
        .post(
            &format!("/admin/projects/{}/requests", s.project),
            &[("name", "Receipts"), ("pattern", "receipt*.pdf")],
        )
        .await;
    assert_eq!(optional.status, 303, "{}", optional.body);
    let cycle = start_cycle(&app, &admin, s.project).await;
    let requests = requests_of(&app, cycle);
    let (statement, receipts) = (requests[0].0, requests[1].0);
    let link = create_link(
        &admin,
        s.project,
        cycle,
        &[
            ("label", "ACME"),
            ("days", "7"),
            ("max_files", "10"),
            ("max_mib", "50"),
        ],
    )
    .await;
    let visitor = Visitor::new(&app);
    let named = visitor
        .identify(&link, "Vera Visitor", "vera@example.com", "")
        .await;
    assert_eq!(named.status, 303, "{}", named.body);
    let sent = visitor
        .upload(
            &link,
            files(&[("march_statement.pdf", document(2000, 1, false))]),
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let before = visitor.get(&link).await;
    assert!(!before.body.contains("id=\"thank-you\""), "{}", before.body);

    // The last required item accepted: the cycle completes, and thanks.
    let accepted = decide(&admin, (s.project, cycle), statement, "accept", "").await;
    assert_eq!(accepted.status, 303, "{}", accepted.body);
    let status = crate::requests::cycle_status(&app, cycle);
    assert_eq!(status, "completed");
    let thanked = visitor.get(&link).await;
    assert_eq!(thanked.status, 200);
    for said in [
        "id=\"thank-you\"",
        "Thank you: everything required has arrived",
        "<strong>Bank statement</strong>: accepted",
        "march_statement.pdf</span>, received",
        "id=\"thank-you-optional\"",
        "<strong>Receipts</strong>",
    ] {
        assert!(thanked.body.contains(said), "{said}: {}", thanked.body);
    }
    assert!(
        !thanked.body.contains("accepts no more uploads"),
        "{}",
        thanked.body
    );
    assert!(
        thanked.body.contains("id=\"files\""),
        "the form is still there"
    );
    // The member's upload page thanks the same way.
    let uma = app.session_for(&s.uploader).await;
    let member_page = uma.get(&upload_path(s.project, cycle)).await;
    assert!(
        member_page.body.contains("id=\"thank-you\"")
            && member_page
                .body
                .contains("march_statement.pdf</span>, received"),
        "{}",
        member_page.body
    );

    // An optional item is still taken, through the link and by a member.
    let optional = visitor
        .upload(
            &link,
            files(&[("receipt_taxi.pdf", document(1500, 2, false))]),
        )
        .await;
    assert_eq!(optional.status, 200, "{}", optional.body);
    assert!(
        optional.body.contains("1 file received"),
        "{}",
        optional.body
    );
    assert_eq!(request_of_file(&app, "receipt_taxi.pdf"), Some(receipts));
    let hotel = document(1500, 3, false);
    let by_member = uma
        .upload(
            &upload_path(s.project, cycle),
            crate::uploads::form(&[("receipt_hotel.pdf", hotel.as_slice())]),
        )
        .await;
    assert_eq!(by_member.status, 200, "{}", by_member.body);
    assert_eq!(request_of_file(&app, "receipt_hotel.pdf"), Some(receipts));

    // The admin's page offers to close, and asks first.
    let page = admin.get(&review_path(s.project, cycle)).await;
    let close = format!("/admin/projects/{}/cycles/{cycle}/close", s.project);
    assert!(
        page.body.contains(&format!("action=\"{close}\"")),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(
            "hx-confirm=\"Close C1? Its upload links and upload page will take no more files"
        ),
        "{}",
        page.body
    );
    assert!(app.audit_rows("cycle.closed").is_empty());
    let token = visitor.get(&link).await.csrf_token();
    let closed = admin.post(&close, &[]).await;
    assert_eq!(closed.status, 303, "{}", closed.body);
    let rows = app.audit_rows("cycle.closed");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].details["cycle_name"], "C1");
    assert_eq!(rows[0].details["status"], "completed");
    assert!(rows[0].details["after"]["closed_at"].is_string());
    let again = admin.post(&close, &[]).await;
    assert_eq!(again.status, 409, "{}", again.body);
    assert!(
        again.body.contains("C1 is already closed."),
        "{}",
        again.body
    );
    assert_eq!(app.audit_rows("cycle.closed").len(), 1);
    let page = admin.get(&review_path(s.project, cycle)).await;
    assert!(page.body.contains("id=\"closed-notice\""), "{}", page.body);
    assert!(!page.body.contains(&format!("action=\"{close}\"")));

    // Closed: the link says so in the sender's words (no cycle code) and takes nothing more.
    let refused_page = visitor.get(&link).await;
    assert!(
        refused_page
            .body
            .contains("This collection is closed: nothing more can be sent here."),
        "{}",
        refused_page.body
    );
    assert!(!refused_page.body.contains("C1"), "{}", refused_page.body);
    assert!(!refused_page.body.contains("id=\"files\""));
    let refused = visitor
        .upload_with(
            &link,
            &token,
            files(&[("receipt_late.pdf", document(1500, 4, false))]),
        )
        .await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    // In the sender's words: the firm's cycle code is not theirs.
    assert!(
        refused
            .body
            .contains("This collection is closed: nothing more can be sent here."),
        "{}",
        refused.body
    );
    assert!(!refused.body.contains("C1"), "{}", refused.body);
    let late: i64 = file_uploads::table
        .filter(file_uploads::file_path.eq("receipt_late.pdf"))
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(late, 0);
    let late_file = document(1500, 4, false);
    let member_refused = uma
        .upload(
            &upload_path(s.project, cycle),
            crate::uploads::form(&[("receipt_late.pdf", late_file.as_slice())]),
        )
        .await;
    assert_eq!(member_refused.status, 409);
    // The cycle's dashboard says it is closed.
    let dashboard = admin.get(&format!("/dashboard/cycles/{cycle}")).await;
    assert!(
        dashboard.body.contains("id=\"cycle-closed\""),
        "{}",
        dashboard.body
    );
}

#[actix_web::test]
async fn only_an_admin_of_the_company_closes_a_cycle() {
    let app = TestApp::spawn().await;
    let s = setup(&app, false).await;
    let admin = app.session_for(&s.admin).await;
    let cycle = start_cycle(&app, &admin, s.project).await;
    let close = format!("/admin/projects/{}/cycles/{cycle}/close", s.project);
    let uma = app.session_for(&s.uploader).await;
    assert_eq!(uma.post(&close, &[]).await.status, 403);
    let other = create_company(&app, "OTHER", true);
    let _theirs = create_project(&app, other, "Theirs");
    let outsider = UserFixture::new("otto")
        .role("admin")
        .company(other)
        .create(&app)
        .await;
    let otto = app.session_for(&outsider).await;
    assert_eq!(otto.post(&close, &[]).await.status, 404);
    let closed_at: Option<chrono::DateTime<chrono::Utc>> = cycles::table
        .find(cycle)
        .select(cycles::closed_at)
        .first(&mut app.conn())
        .expect("cycle");
    assert!(closed_at.is_none());
    assert!(app.audit_rows("cycle.closed").is_empty());
}
