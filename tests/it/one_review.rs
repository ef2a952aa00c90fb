//! One review: an admin decides per requested item on the cycle page, and every other
//! place reads that same decision: the admin's cycle page, the member's upload page, the
//! link page, both dashboards, the receipts and the API. A file that a newer one for its
//! item replaced is marked superseded wherever it is listed; the per-file queue is gone.

use diesel::prelude::*;
use hopper::db::ids::{CycleId, CycleRequestId, FileUploadId};
use hopper::schema::{file_uploads, sync_sessions};
use serde_json::Value;

use crate::api::create_token;
use crate::helpers::{Page, TestApp};
use crate::requests::{decide, document, requests_of, review_path, setup, upload_path};
use crate::upload_links::{create_link, cycle_with_requests, files, Visitor};

fn file_id(app: &TestApp, path: &str) -> FileUploadId {
    file_uploads::table
        .filter(file_uploads::file_path.eq(path))
        .select(file_uploads::id)
        .first(&mut app.conn())
        .expect("file")
}

fn batches(app: &TestApp) -> Vec<i32> {
    sync_sessions::table
        .order(sync_sessions::id)
        .select(sync_sessions::id)
        .load(&mut app.conn())
        .expect("batches")
}

/// The completeness figures as a page shows them (the same macro everywhere).
fn figures(page: &Page) -> String {
    let start = page
        .body
        .find("<div class=\"completeness\"")
        .unwrap_or_else(|| panic!("no figures: {}", page.body));
    let end = page.body[start..].find("</div>").expect("figures end") + start;
    // The same figures, however the page indents them.
    page.body[start..end]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// One request's row (the admin's page and the request table share its id).
fn row(page: &Page, request: CycleRequestId) -> String {
    let marker = format!("id=\"request-{request}\"");
    let start = page
        .body
        .find(&marker)
        .unwrap_or_else(|| panic!("no row {request}: {}", page.body));
    let rest = &page.body[start..];
    // A table row on the admin's page, a card on the upload pages.
    let end = ["</tr>", "</article>"]
        .iter()
        .filter_map(|marker| rest.find(marker))
        .min()
        .expect("row ends")
        + start;
    page.body[start..end].to_owned()
}

fn status_in(api_requests: &Value, name: &str) -> (String, Value) {
    let item = api_requests
        .as_array()
        .expect("a list")
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("{name} in {api_requests}"));
    (
        item["status"].as_str().expect("status").to_owned(),
        item["note"].clone(),
    )
}

struct Pages<'a> {
    app: &'a TestApp,
    cycle: CycleId,
    token: String,
}

impl Pages<'_> {
    async fn api(&self, path: &str) -> Value {
        let response = self
            .app
            .client
            .get(self.app.url(path))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("API call");
        assert_eq!(response.status().as_u16(), 200, "{path}");
        response.json().await.expect("JSON")
    }

    async fn api_requests(&self) -> Value {
        self.api(&format!("/api/v1/cycles/{}/requests", self.cycle))
            .await
    }

    async fn api_files(&self) -> Value {
        self.api(&format!("/api/v1/cycles/{}/files", self.cycle))
            .await
    }

    fn superseded_by(files: &Value, id: FileUploadId) -> Value {
        files["files"]
            .as_array()
            .expect("files")
            .iter()
            .find(|f| f["id"] == id.0)
            .unwrap_or_else(|| panic!("file {id} in {files}"))["superseded_by"]
            .clone()
    }
}

#[actix_web::test]
async fn one_decision_reads_the_same_on_every_page() {
    let app = TestApp::spawn().await;
    let s = setup(&app, true).await;
    let admin = app.session_for(&s.admin).await;
    let cycle = cycle_with_requests(&app, &admin, s.project).await;
    let requests = requests_of(&app, cycle);
    let (statement, payroll) = (requests[0].0, requests[1].0);
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
    let uma = app.session_for(&s.uploader).await;
    let pages = Pages {
        app: &app,
        cycle,
        token: create_token(
            &uma,
            "/account/tokens",
            &[("name", "reader"), ("days", "1"), ("scope", "read")],
        )
        .await,
    };
    let (old, pay) = (document(2000, 1, false), document(2000, 2, false));
    let first = uma
        .upload(
            &upload_path(s.project, cycle),
            crate::uploads::form(&[
                ("old_statement.pdf", old.as_slice()),
                ("payroll_march.pdf", pay.as_slice()),
            ]),
        )
        .await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(
        first.body.matches("awaiting review").count(),
        2,
        "{}",
        first.body
    );
    let first_batch = batches(&app)[0];

    // One page decides: the statement is rejected, the payroll accepted.
    let at = (s.project, cycle);
    let rejected = decide(&admin, at, statement, "reject", "Unreadable scan").await;
    assert_eq!(rejected.status, 303, "{}", rejected.body);
    assert_eq!(decide(&admin, at, payroll, "accept", "").await.status, 303);

    let admin_page = admin.get(&review_path(s.project, cycle)).await;
    let member_page = uma.get(&upload_path(s.project, cycle)).await;
    let visitor = Visitor::new(&app);
    let named = visitor
        .identify(&link, "Vera Visitor", "vera@example.com", "")
        .await;
    assert_eq!(named.status, 303, "{}", named.body);
    let link_page = visitor.get(&link).await;
    let project_dashboard = admin
        .get(&format!("/dashboard/projects/{}", s.project))
        .await;
    let cycle_dashboard = admin.get(&format!("/dashboard/cycles/{cycle}")).await;
    for page in [&admin_page, &member_page, &link_page] {
        assert!(
            row(page, statement).contains("data-status=\"rejected\"")
                && row(page, statement).contains("Unreadable scan"),
            "{}",
            page.body
        );
        assert!(row(page, payroll).contains("data-status=\"accepted\""));
    }
    assert!(link_page.body.contains("1 item needs your attention"));
    let said = figures(&admin_page);
    assert!(said.contains("1 accepted, 1 need a new file"), "{said}");
    for page in [
        &member_page,
        &link_page,
        &project_dashboard,
        &cycle_dashboard,
    ] {
        assert_eq!(figures(page), said, "{}", page.body);
    }
    let api_requests = pages.api_requests().await;
    assert_eq!(
        status_in(&api_requests, "Bank statement"),
        ("rejected".to_owned(), Value::from("Unreadable scan"))
    );
    assert_eq!(status_in(&api_requests, "Payroll").0, "accepted");
    let receipt = uma.get(&format!("/uploads/{first_batch}")).await;
    assert!(
        receipt.body.contains("rejected: “Unreadable scan”")
            && receipt.body.contains(" · accepted"),
        "{}",
        receipt.body
    );
    assert!(
        !receipt.body.contains("awaiting review"),
        "{}",
        receipt.body
    );

    // The sender sends a new statement through the link; the admin accepts it.
    let sent = visitor
        .upload(
            &link,
            files(&[("new_statement.pdf", document(2000, 3, false))]),
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert!(sent.body.contains("awaiting review"), "{}", sent.body);
    assert_eq!(
        decide(&admin, at, statement, "accept", "").await.status,
        303
    );
    let (old_id, new_id) = (
        file_id(&app, "old_statement.pdf"),
        file_id(&app, "new_statement.pdf"),
    );

    let admin_page = admin.get(&review_path(s.project, cycle)).await;
    let member_page = uma.get(&upload_path(s.project, cycle)).await;
    let link_page = visitor.get(&link).await;
    let project_dashboard = admin
        .get(&format!("/dashboard/projects/{}", s.project))
        .await;
    let cycle_dashboard = admin.get(&format!("/dashboard/cycles/{cycle}")).await;
    for page in [&admin_page, &member_page, &link_page] {
        for request in [statement, payroll] {
            assert!(
                row(page, request).contains("data-status=\"accepted\""),
                "{}",
                page.body
            );
        }
        assert!(!page.body.contains("Unreadable scan"), "{}", page.body);
    }
    // The rejected file is marked as replaced where the item's files are listed.
    for page in [&admin_page, &member_page] {
        let statement_row = row(page, statement);
        assert!(
            statement_row.contains(&format!(
                "data-superseded-by=\"{new_id}\">superseded: replaced by new_statement.pdf"
            )),
            "{statement_row}"
        );
        assert_eq!(statement_row.matches("superseded:").count(), 1);
        assert!(!row(page, payroll).contains("superseded"));
    }
    assert!(!link_page.body.contains("needs your attention"));
    assert!(link_page.body.contains("id=\"thank-you\""));
    let said = figures(&admin_page);
    assert!(said.contains("2 accepted"), "{said}");
    for page in [
        &member_page,
        &link_page,
        &project_dashboard,
        &cycle_dashboard,
    ] {
        assert_eq!(figures(page), said, "{}", page.body);
    }
    assert!(cycle_dashboard.body.contains("Status Completed"));
    let api_requests = pages.api_requests().await;
    for name in ["Bank statement", "Payroll"] {
        assert_eq!(
            status_in(&api_requests, name),
            ("accepted".to_owned(), Value::Null)
        );
    }
    let api_files = pages.api_files().await;
    assert_eq!(
        Pages::superseded_by(&api_files, old_id),
        Value::from(new_id.0)
    );
    assert_eq!(Pages::superseded_by(&api_files, new_id), Value::Null);
    let payroll_file = file_id(&app, "payroll_march.pdf");
    assert_eq!(Pages::superseded_by(&api_files, payroll_file), Value::Null);
    let receipt = uma.get(&format!("/uploads/{first_batch}")).await;
    assert!(
        receipt
            .body
            .contains("superseded: replaced by new_statement.pdf"),
        "{}",
        receipt.body
    );
    assert!(!receipt.body.contains("rejected"), "{}", receipt.body);
    let api_receipt = pages.api(&format!("/api/v1/sessions/{first_batch}")).await;
    let old_in_receipt = api_receipt["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|f| f["path"] == "old_statement.pdf")
        .expect("the old file")
        .clone();
    assert_eq!(old_in_receipt["superseded_by"], new_id.0);

    // The per-file queue that disagreed is gone.
    assert_eq!(
        admin
            .get(&format!("/admin/projects/{}/review", s.project))
            .await
            .status,
        404
    );
}
