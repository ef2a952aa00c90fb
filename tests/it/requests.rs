//! Document requests: a project's request list copied into each new cycle, uploads filed
//! under requests by pattern or by choice, per-item review, the cycle's status derived
//! from its requests (including the due date, with a clock of the test's own), the
//! figures of `v_cycle_completeness`, and another company's requests out of reach.

use chrono::{Duration, Utc};
use diesel::prelude::*;
use diesel::sql_types::Int4;
use hopper::db::ids::{CompanyId, CycleId, CycleRequestId, ProjectId};
use hopper::db::models::completeness::Completeness;
use hopper::schema::{cycle_requests, cycles, file_uploads, projects};

use crate::helpers::{
    create_company, create_project, grant_access, TestApp, TestUser, UserFixture, UserSession,
};
use crate::uploads::{content, form};

pub struct Setup {
    pub company: CompanyId,
    pub project: ProjectId,
    pub admin: TestUser,
    pub uploader: TestUser,
}

/// Lets the project take only these file types (the upload page shows and filters them).
pub fn allow_types(app: &TestApp, project: ProjectId, types: &[&str]) {
    let types: Vec<Option<String>> = types.iter().map(|t| Some((*t).to_owned())).collect();
    diesel::update(projects::table.find(project))
        .set(projects::allowed_file_types.eq(types))
        .execute(&mut app.conn())
        .expect("types");
}

pub async fn setup(app: &TestApp, review: bool) -> Setup {
    let company = app.default_company();
    let project = create_project(app, company, "Year end");
    diesel::update(projects::table.find(project))
        .set(projects::review_uploads.eq(review))
        .execute(&mut app.conn())
        .expect("review switch");
    let admin = UserFixture::new("alice").role("admin").create(app).await;
    let uploader = UserFixture::new("uma").create(app).await;
    grant_access(app, company, project, uploader.id, "uploader");
    Setup {
        company,
        project,
        admin,
        uploader,
    }
}

pub async fn add_to_list(admin: &UserSession<'_>, project: ProjectId, name: &str, pattern: &str) {
    let page = admin
        .post(
            &format!("/admin/projects/{project}/requests"),
            &[("name", name), ("pattern", pattern), ("required", "on")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
}

/// The project's newest cycle.
pub fn latest_cycle(app: &TestApp, project: ProjectId) -> CycleId {
    cycles::table
        .filter(cycles::project_id.eq(project))
        .order(cycles::cycle_number.desc())
        .select(cycles::id)
        .first(&mut app.conn())
        .expect("a cycle")
}

pub async fn start_cycle(app: &TestApp, admin: &UserSession<'_>, project: ProjectId) -> CycleId {
    let page = admin
        .post(&format!("/admin/projects/{project}/cycles"), &[])
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    latest_cycle(app, project)
}

pub fn requests_of(app: &TestApp, cycle: CycleId) -> Vec<(CycleRequestId, String, String)> {
    cycle_requests::table
        .filter(cycle_requests::cycle_id.eq(cycle))
        .order((cycle_requests::position, cycle_requests::id))
        .select((
            cycle_requests::id,
            cycle_requests::name,
            cycle_requests::status,
        ))
        .load(&mut app.conn())
        .expect("requests")
}

pub fn status_of(app: &TestApp, request: CycleRequestId) -> String {
    cycle_requests::table
        .find(request)
        .select(cycle_requests::status)
        .first(&mut app.conn())
        .expect("request")
}

/// A cycle's status as stored.
pub(crate) fn cycle_status(app: &TestApp, cycle: CycleId) -> String {
    cycles::table
        .find(cycle)
        .select(cycles::status)
        .first(&mut app.conn())
        .expect("cycle")
}

/// Bytes a content sniffer takes for a PDF (or, with `zip`, for an Office file).
pub fn document(len: usize, seed: u8, zip: bool) -> Vec<u8> {
    let mut bytes = if zip {
        b"PK\x03\x04".to_vec()
    } else {
        b"%PDF-1.7\n".to_vec()
    };
    bytes.extend(content(len, seed));
    bytes
}

pub fn upload_path(project: ProjectId, cycle: CycleId) -> String {
    format!("/projects/{project}/cycles/{cycle}/upload")
}

pub fn review_path(project: ProjectId, cycle: CycleId) -> String {
    format!("/admin/projects/{project}/cycles/{cycle}/requests")
}

pub async fn decide(
    admin: &UserSession<'_>,
    (project, cycle): (ProjectId, CycleId),
    request: CycleRequestId,
    decision: &str,
    note: &str,
) -> crate::helpers::Page {
    admin
        .post(
            &format!("{}/{request}/decide", review_path(project, cycle)),
            &[("decision", decision), ("note", note)],
        )
        .await
}

/// The view's figures for a cycle, read the way an SQL user would.
fn view_figures(app: &TestApp, cycle: CycleId) -> Completeness {
    diesel::sql_query(
        "SELECT cycle_id, required, submitted, accepted, rejected, not_applicable, missing, overdue
           FROM v_cycle_completeness WHERE cycle_id = $1",
    )
    .bind::<Int4, _>(cycle.0)
    .get_result(&mut app.conn())
    .expect("view row")
}

#[actix_web::test]
async fn the_request_list_is_copied_into_each_new_cycle() {
    let app = TestApp::spawn().await;
    let s = setup(&app, true).await;
    let admin = app.session_for(&s.admin).await;
    add_to_list(&admin, s.project, "Bank statements", "*statement*.pdf").await;
    add_to_list(&admin, s.project, "Payroll", "payroll*").await;

    // Bad input: a broken pattern and a name already in the list (any case) get a message.
    let broken = admin
        .post(
            &format!("/admin/projects/{}/requests", s.project),
            &[("name", "Invoices"), ("pattern", "[unclosed")],
        )
        .await;
    assert_eq!(broken.status, 422);
    assert!(
        broken.body.contains("not a valid pattern"),
        "{}",
        broken.body
    );
    let twice = admin
        .post(
            &format!("/admin/projects/{}/requests", s.project),
            &[("name", "payroll")],
        )
        .await;
    assert_eq!(twice.status, 422);
    assert!(twice.body.contains("already has a request with that name"));

    let c1 = start_cycle(&app, &admin, s.project).await;
    let names: Vec<String> = requests_of(&app, c1).into_iter().map(|r| r.1).collect();
    assert_eq!(names, ["Bank statements", "Payroll"]);
    assert!(requests_of(&app, c1).iter().all(|r| r.2 == "missing"));

    // Changing the list changes future cycles only.
    add_to_list(&admin, s.project, "Contracts", "").await;
    let c2 = start_cycle(&app, &admin, s.project).await;
    assert_eq!(requests_of(&app, c1).len(), 2);
    assert_eq!(requests_of(&app, c2).len(), 3);
    let audited = app.audit_rows("request_list.changed");
    assert_eq!(audited.len(), 3, "one audit row per change of the list");
    let created = app.audit_rows("cycle.created");
    assert_eq!(created.last().expect("row").details["requests_copied"], 3);
}

#[actix_web::test]
async fn uploads_fill_requests_and_review_completes_the_cycle() {
    let app = TestApp::spawn().await;
    let s = setup(&app, true).await;
    let admin = app.session_for(&s.admin).await;
    add_to_list(&admin, s.project, "Bank statements", "*statement*.pdf").await;
    add_to_list(&admin, s.project, "Payroll", "payroll_??.xlsx").await;
    add_to_list(&admin, s.project, "Signed contract", "").await;
    let cycle = start_cycle(&app, &admin, s.project).await;
    let ids: Vec<CycleRequestId> = requests_of(&app, cycle).iter().map(|r| r.0).collect();
    let (statement, payroll, contract) = (ids[0], ids[1], ids[2]);
    assert_eq!(cycle_status(&app, cycle), "pending");

    // A folder: two files match by pattern, one is "other".
    let uploader = app.session_for(&s.uploader).await;
    let (a, b, c) = (
        document(2000, 1, false),
        document(3000, 2, true),
        content(100, 3),
    );
    let receipt = uploader
        .upload(
            &upload_path(s.project, cycle),
            form(&[
                ("March/Bank Statement 03.PDF", &a),
                ("March/Payroll_03.xlsx", &b),
                ("March/notes.txt", &c),
            ]),
        )
        .await;
    assert_eq!(receipt.status, 200, "{}", receipt.body);
    assert!(receipt.body.contains("Bank statements") && receipt.body.contains(">other<"));
    assert_eq!(status_of(&app, statement), "submitted");
    assert_eq!(status_of(&app, payroll), "submitted");
    assert_eq!(status_of(&app, contract), "missing");
    assert_eq!(cycle_status(&app, cycle), "in_progress");

    // Dropped onto one item: the chosen request, whatever the name.
    let chosen = reqwest::multipart::Form::new()
        .text("request_id", contract.to_string())
        .part(
            "files",
            reqwest::multipart::Part::bytes(document(500, 4, false)).file_name("scan0001.pdf"),
        );
    let receipt = uploader
        .upload(&upload_path(s.project, cycle), chosen)
        .await;
    assert_eq!(receipt.status, 200, "{}", receipt.body);
    assert!(receipt.body.contains("Signed contract"));
    assert_eq!(status_of(&app, contract), "submitted");

    // Rejected with a reason the uploader reads; a new file submits it again.
    let page = decide(&admin, (s.project, cycle), statement, "reject", "").await;
    assert_eq!(page.status, 400, "a rejection needs a reason");
    let page = decide(
        &admin,
        (s.project, cycle),
        statement,
        "reject",
        "Page 2 is missing",
    )
    .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(status_of(&app, statement), "rejected");
    let upload_page = uploader.get(&upload_path(s.project, cycle)).await;
    assert!(upload_page.body.contains("Needs a new file"));
    assert!(upload_page.body.contains("Page 2 is missing"));
    assert!(upload_page.body.contains("Send a new file"));
    let figures = view_figures(&app, cycle);
    assert_eq!(
        (figures.required, figures.submitted, figures.rejected),
        (3, 2, 1)
    );
    let receipt = uploader
        .upload(
            &upload_path(s.project, cycle),
            form(&[("statement-03-complete.pdf", &document(2500, 5, false))]),
        )
        .await;
    assert_eq!(receipt.status, 200);
    assert_eq!(status_of(&app, statement), "submitted");

    // Accepting every required request completes the cycle.
    for request in [statement, payroll] {
        let page = decide(&admin, (s.project, cycle), request, "accept", "").await;
        assert_eq!(page.status, 303, "{}", page.body);
    }
    assert_eq!(cycle_status(&app, cycle), "in_progress");
    let page = decide(&admin, (s.project, cycle), contract, "accept", "").await;
    assert_eq!(page.status, 303);
    assert_eq!(cycle_status(&app, cycle), "completed");
    let figures = view_figures(&app, cycle);
    assert_eq!(
        (figures.required, figures.accepted, figures.missing),
        (3, 3, 0)
    );

    // The dashboards show the view's figures.
    let dashboard = admin
        .get(&format!("/dashboard/projects/{}", s.project))
        .await;
    assert!(
        dashboard
            .body
            .contains("<strong>3 of 3</strong> required received, 3 accepted"),
        "{}",
        dashboard.body
    );
    // Every move is audited with before and after.
    let moves = app.audit_rows("request.status_changed");
    assert!(moves
        .iter()
        .any(|r| r.details["before"]["status"] == "submitted"
            && r.details["after"]["status"] == "rejected"
            && r.details["after"]["note"] == "Page 2 is missing"));
    let completed = app.audit_rows("cycle.status_changed");
    assert!(completed
        .iter()
        .any(|r| r.details["after"]["status"] == "completed"));

    // Reopening an accepted item takes the cycle back to in progress.
    let page = decide(&admin, (s.project, cycle), payroll, "reopen", "").await;
    assert_eq!(page.status, 303);
    assert_eq!(status_of(&app, payroll), "submitted");
    assert_eq!(cycle_status(&app, cycle), "in_progress");
}

#[actix_web::test]
async fn without_review_uploads_accept_and_not_applicable_counts_as_done() {
    let app = TestApp::spawn().await;
    let s = setup(&app, false).await;
    let admin = app.session_for(&s.admin).await;
    add_to_list(&admin, s.project, "Invoices", "*.pdf").await;
    add_to_list(&admin, s.project, "Inventory count", "").await;
    let cycle = start_cycle(&app, &admin, s.project).await;
    let ids: Vec<CycleRequestId> = requests_of(&app, cycle).iter().map(|r| r.0).collect();
    let uploader = app.session_for(&s.uploader).await;
    let receipt = uploader
        .upload(
            &upload_path(s.project, cycle),
            form(&[("inv.pdf", &document(100, 9, false))]),
        )
        .await;
    assert_eq!(receipt.status, 200);
    assert_eq!(status_of(&app, ids[0]), "accepted", "accepted on arrival");
    assert_eq!(cycle_status(&app, cycle), "in_progress");
    let page = decide(&admin, (s.project, cycle), ids[1], "not_applicable", "").await;
    assert_eq!(page.status, 400, "setting aside needs a note");
    let page = decide(
        &admin,
        (s.project, cycle),
        ids[1],
        "not_applicable",
        "No stock this year",
    )
    .await;
    assert_eq!(page.status, 303);
    assert_eq!(cycle_status(&app, cycle), "completed");
    let figures = view_figures(&app, cycle);
    assert_eq!((figures.accepted, figures.not_applicable), (1, 1));
}

#[actix_web::test]
async fn the_due_date_turns_an_open_cycle_incomplete() {
    let app = TestApp::spawn().await;
    let s = setup(&app, true).await;
    let admin = app.session_for(&s.admin).await;
    add_to_list(&admin, s.project, "Balance sheet", "").await;
    let cycle = start_cycle(&app, &admin, s.project).await;
    let tomorrow = (Utc::now() + Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let page = admin
        .post(
            &format!("/admin/projects/{}/cycles/{cycle}/due", s.project),
            &[("due", &tomorrow)],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let due: chrono::DateTime<Utc> = cycles::table
        .find(cycle)
        .select(cycles::due_at.assume_not_null())
        .first(&mut app.conn())
        .expect("due");

    // Before the due date nothing moves; a minute after it, the cycle is incomplete.
    let services = &app.state.services;
    let early = hopper::services::cycle_progress::deadline_pass(services, due - Duration::hours(1))
        .await
        .expect("pass");
    assert_eq!(early.marked_incomplete, 0);
    assert_eq!(cycle_status(&app, cycle), "pending");
    let late =
        hopper::services::cycle_progress::deadline_pass(services, due + Duration::minutes(1))
            .await
            .expect("pass");
    assert_eq!(late.marked_incomplete, 1);
    assert_eq!(cycle_status(&app, cycle), "incomplete");
    let row = app.audit_rows("cycle.status_changed");
    let row = row.last().expect("audited");
    assert_eq!(row.details["after"]["status"], "incomplete");
    assert!(row.actor_user_id.is_none(), "Hopper moved it, not a person");

    // An admin overrides with a reason; the next pass leaves the cycle alone.
    let page = admin
        .post(
            &format!("/admin/projects/{}/cycles/{cycle}/status", s.project),
            &[
                ("status", "in_progress"),
                ("note", "Extension agreed by phone"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    hopper::services::cycle_progress::deadline_pass(services, due + Duration::minutes(2))
        .await
        .expect("pass");
    assert_eq!(cycle_status(&app, cycle), "in_progress");
    let review = admin.get(&review_path(s.project, cycle)).await;
    assert!(review.body.contains("Extension agreed by phone"));
}

#[actix_web::test]
async fn requests_inserted_by_sql_work_like_the_browser_ones() {
    let app = TestApp::spawn().await;
    let s = setup(&app, true).await;
    let admin = app.session_for(&s.admin).await;
    let cycle = start_cycle(&app, &admin, s.project).await;
    diesel::sql_query(
        "INSERT INTO cycle_requests (company_id, cycle_id, name, required, pattern, status, due_at)
         VALUES ($1, $2, 'Tax return', true, '*tax*', 'missing', now() - interval '1 day')",
    )
    .bind::<Int4, _>(s.company.0)
    .bind::<Int4, _>(cycle.0)
    .execute(&mut app.conn())
    .expect("insert by hand");
    let figures = view_figures(&app, cycle);
    assert_eq!(
        (figures.required, figures.missing, figures.overdue),
        (1, 1, 1)
    );

    let uploader = app.session_for(&s.uploader).await;
    let receipt = uploader
        .upload(
            &upload_path(s.project, cycle),
            form(&[("2026 TAX return.pdf", &document(300, 7, false))]),
        )
        .await;
    assert_eq!(receipt.status, 200);
    assert!(receipt.body.contains("Tax return"));
    let request: CycleRequestId = file_uploads::table
        .filter(file_uploads::cycle_id.eq(cycle))
        .select(file_uploads::request_id.assume_not_null())
        .first(&mut app.conn())
        .expect("filed under the request");
    assert_eq!(status_of(&app, request), "submitted");
    assert_eq!(
        view_figures(&app, cycle).overdue,
        0,
        "submitted is not owed"
    );

    // A row naming another company than the cycle's is refused by the database.
    let other = create_company(&app, "OTHER", true);
    let refused = diesel::sql_query(
        "INSERT INTO cycle_requests (company_id, cycle_id, name) VALUES ($1, $2, 'Sneaky')",
    )
    .bind::<Int4, _>(other.0)
    .bind::<Int4, _>(cycle.0)
    .execute(&mut app.conn());
    assert!(refused.is_err());
    let bad_status = diesel::sql_query(
        "INSERT INTO cycle_requests (company_id, cycle_id, name, status) VALUES ($1, $2, 'X', 'done')",
    )
    .bind::<Int4, _>(s.company.0)
    .bind::<Int4, _>(cycle.0)
    .execute(&mut app.conn());
    assert!(
        bad_status.is_err(),
        "the CHECK constraint refuses unknown statuses"
    );
}

#[actix_web::test]
async fn another_companys_requests_are_not_there() {
    let app = TestApp::spawn().await;
    let s = setup(&app, true).await;
    let admin = app.session_for(&s.admin).await;
    add_to_list(&admin, s.project, "Secret ledger", "*ledger*").await;
    let cycle = start_cycle(&app, &admin, s.project).await;
    let request = requests_of(&app, cycle)[0].0;

    let other = create_company(&app, "RIVAL", true);
    let rival_project = create_project(&app, other, "Rival intake");
    let rival_cycle = crate::helpers::create_cycle(&app, rival_project, 1);
    let rival_admin = UserFixture::new("rita")
        .role("admin")
        .company(other)
        .create(&app)
        .await;
    let rival_uploader = UserFixture::new("ron").company(other).create(&app).await;
    grant_access(&app, other, rival_project, rival_uploader.id, "uploader");
    let rival = app.session_for(&rival_admin).await;

    assert_eq!(rival.get(&review_path(s.project, cycle)).await.status, 404);
    assert_eq!(
        rival
            .get(&format!("/admin/projects/{}/requests", s.project))
            .await
            .status,
        404
    );
    // Own project in the path, the other company's request id: still nothing there.
    let page = decide(&rival, (rival_project, rival_cycle), request, "accept", "").await;
    assert_eq!(page.status, 404);
    assert_eq!(status_of(&app, request), "missing");
    let missing = rival.get("/missing").await;
    assert!(!missing.body.contains("Secret ledger"));
    let own = admin.get("/missing").await;
    assert!(own.body.contains("Secret ledger"));

    // Uploading "for" another company's request is refused, and nothing is filed under it.
    let uploader = app.session_for(&rival_uploader).await;
    let sneaky = reqwest::multipart::Form::new()
        .text("request_id", request.to_string())
        .part(
            "files",
            reqwest::multipart::Part::bytes(content(50, 1)).file_name("ledger.txt"),
        );
    let page = uploader
        .upload(&upload_path(rival_project, rival_cycle), sneaky)
        .await;
    assert_eq!(page.status, 400, "{}", page.body);
    let filed: i64 = file_uploads::table
        .filter(file_uploads::request_id.eq(request))
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(filed, 0);
}
