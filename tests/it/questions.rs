//! Questions beside documents (issue 31): a request list asks for text, a number, a date,
//! yes/no and one of given choices as well as files; each new cycle asks them again. A
//! sender answers on the link's cards (an answer that does not fit says why, 422), an
//! admin rejects with a reason, the sender answers again, the admin accepts, and the
//! cycle completes; the answers count in the figures, reach webhooks (`request.answered`),
//! the evidence export (`answers.csv`) and the API (`PUT /api/v1/requests/{id}/answer`),
//! and go with an erasure of the person who gave them.

use diesel::prelude::*;
use hopper::db::ids::{CycleId, CycleRequestId, ProjectId};
use hopper::schema::{cycle_requests, notifications, webhook_events};
use serde_json::{json, Value};

use crate::api::personal_token;
use crate::automation_api::call;
use crate::evidence_export::{fetch, read_with_python};
use crate::helpers::{create_company, create_project, Page, TestApp, UserFixture, UserSession};
use crate::requests::{decide, requests_of, setup, start_cycle, status_of};
use crate::upload_links::{create_link, Visitor};

/// Adds an item to the project's request list through the admin's form.
async fn ask(admin: &UserSession<'_>, project: ProjectId, fields: &[(&str, &str)]) -> Page {
    admin
        .post(&format!("/admin/projects/{project}/requests"), fields)
        .await
}

/// A list of a document and five questions, and a cycle started from it.
pub async fn cycle_with_questions(
    app: &TestApp,
    admin: &UserSession<'_>,
    project: ProjectId,
) -> CycleId {
    let items: [&[(&str, &str)]; 6] = [
        &[
            ("name", "Bank statement"),
            ("pattern", "*statement*.pdf"),
            ("required", "on"),
        ],
        &[
            ("name", "Turnover 2026"),
            ("kind", "number"),
            ("required", "on"),
        ],
        &[("name", "Year end"), ("kind", "date"), ("required", "on")],
        &[
            ("name", "VAT registered"),
            ("kind", "yes_no"),
            ("required", "on"),
        ],
        &[
            ("name", "Company form"),
            ("kind", "choice"),
            ("choices", "Sole trader\nLimited company\n"),
            ("required", "on"),
            // File rules given to a question are dropped, not kept half-true.
            ("pattern", "*.pdf"),
        ],
        &[("name", "Anything else?"), ("kind", "text")],
    ];
    for fields in items {
        let page = ask(admin, project, fields).await;
        assert_eq!(page.status, 303, "{}", page.body);
    }
    start_cycle(app, admin, project).await
}

/// A link of a week for five files of 5 MiB, labelled `label`; its path.
pub async fn small_link(
    admin: &UserSession<'_>,
    (project, cycle): (ProjectId, CycleId),
    label: &str,
) -> String {
    let fields = [
        ("label", label),
        ("days", "7"),
        ("max_files", "5"),
        ("max_mib", "5"),
    ];
    create_link(admin, project, cycle, &fields).await
}

fn kinds_of(app: &TestApp, cycle: CycleId) -> Vec<(String, String, Option<String>)> {
    cycle_requests::table
        .filter(cycle_requests::cycle_id.eq(cycle))
        .order(cycle_requests::position)
        .select((
            cycle_requests::name,
            cycle_requests::kind,
            cycle_requests::pattern,
        ))
        .load(&mut app.conn())
        .expect("requests")
}

fn answer_of(app: &TestApp, request: CycleRequestId) -> Option<String> {
    cycle_requests::table
        .find(request)
        .select(cycle_requests::answer)
        .first(&mut app.conn())
        .expect("request")
}

impl Visitor<'_> {
    /// Answers a card as the page's script does (htmx).
    async fn answer(&self, link: &str, request: CycleRequestId, answer: &str) -> Page {
        let token = self.get(link).await.csrf_token();
        self.answer_with(link, &token, (request, answer)).await
    }

    /// The same with a CSRF token taken earlier (a closed cycle's page has no form).
    async fn answer_with(
        &self,
        link: &str,
        token: &str,
        (request, answer): (CycleRequestId, &str),
    ) -> Page {
        TestApp::page(
            self.http()
                .post(self.url(&format!("{link}/requests/{request}/answer")))
                .header("HX-Request", "true")
                .header("X-CSRF-Token", token)
                .form(&[("answer", answer)])
                .send()
                .await
                .expect("answer"),
        )
        .await
    }
}

#[actix_web::test]
async fn a_sender_answers_questions_through_a_link_and_the_cycle_completes() {
    let app = TestApp::spawn().await;
    let s = setup(&app, true).await;
    let admin = app.session_for(&s.admin).await;
    // The firm listens for answers.
    let token = personal_token(&admin, "erp", "admin").await;
    let hooks = json!({ "url": "http://127.0.0.1:9/hooks", "events": ["request.answered"] });
    crate::automation_api::register_hooks(&app, &token, hooks).await;

    let cycle = cycle_with_questions(&app, &admin, s.project).await;
    let kinds = kinds_of(&app, cycle);
    let names: Vec<(&str, &str)> = kinds
        .iter()
        .map(|(n, k, _)| (n.as_str(), k.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("Bank statement", "file"),
            ("Turnover 2026", "number"),
            ("Year end", "date"),
            ("VAT registered", "yes_no"),
            ("Company form", "choice"),
            ("Anything else?", "text"),
        ]
    );
    assert_eq!(kinds[4].2, None, "a question keeps no file pattern");
    let ids: Vec<CycleRequestId> = requests_of(&app, cycle).iter().map(|r| r.0).collect();
    let (statement, turnover, year_end, vat, form, notes) =
        (ids[0], ids[1], ids[2], ids[3], ids[4], ids[5]);

    let link = small_link(&admin, (s.project, cycle), "Client").await;
    let visitor = Visitor::new(&app);
    let entered = visitor
        .identify(&link, "Vera Client", "vera@example.com", "")
        .await;
    assert_eq!(entered.status, 303, "{}", entered.body);
    let page = visitor.get(&link).await;
    for kind in ["number", "date", "yes_no", "choice", "text"] {
        assert!(
            page.body.contains(&format!("data-kind=\"{kind}\"")),
            "{kind}"
        );
    }
    assert!(
        page.body.contains("<option>Limited company</option>"),
        "choices offered"
    );

    // Answers that do not fit say why, on the card, and change nothing.
    for (request, wrong, code_words) in [
        (turnover, "about a million", "not a number"),
        (year_end, "31/12/2026", "not a date"),
        (vat, "maybe", "yes or no"),
        (form, "Partnership", "Sole trader, Limited company"),
        (notes, "   ", "Type an answer"),
    ] {
        let said = visitor.answer(&link, request, wrong).await;
        assert_eq!(said.status, 422, "{wrong}: {}", said.body);
        assert!(said.body.contains(code_words), "{wrong}: {}", said.body);
        assert_eq!(status_of(&app, request), "missing");
    }
    let file_answer = visitor.answer(&link, statement, "here it is").await;
    assert_eq!(file_answer.status, 422, "{}", file_answer.body);

    // Answers that fit are kept in their canonical form and wait for review.
    for (request, typed, kept) in [
        (turnover, "1 234 567,50", "1234567.50"),
        (year_end, "2026-12-31", "2026-12-31"),
        (vat, "yes", "yes"),
        (form, "Limited company", "Limited company"),
    ] {
        let saved = visitor.answer(&link, request, typed).await;
        assert_eq!(saved.status, 200, "{typed}: {}", saved.body);
        assert_eq!(
            saved
                .headers
                .get("hx-trigger")
                .and_then(|v| v.to_str().ok()),
            Some("hopper:stored"),
            "the page reads its cards again"
        );
        assert_eq!(answer_of(&app, request).as_deref(), Some(kept));
        assert_eq!(status_of(&app, request), "submitted");
    }
    // The sender sees their answers; somebody else's link does not show them.
    assert!(visitor.get(&link).await.body.contains("1234567.50"));
    let other_link = small_link(&admin, (s.project, cycle), "Bank").await;
    let other = Visitor::new(&app);
    other
        .identify(&other_link, "Bob Banker", "bob@example.com", "")
        .await;
    let theirs = other.get(&other_link).await;
    assert!(theirs.body.contains("data-kind=\"number\""));
    assert!(!theirs.body.contains("1234567.50"), "{}", theirs.body);
    // The same answer again is no change (no second audit row).
    let again = visitor.answer(&link, vat, "Yes").await;
    assert_eq!(again.status, 200);
    assert_eq!(app.audit_rows("request.answered").len(), 4);

    // The admin sees the answers on the review page, rejects one with a reason.
    let review = admin
        .get(&format!(
            "/admin/projects/{}/cycles/{cycle}/requests",
            s.project
        ))
        .await;
    assert!(review.body.contains("1234567.50"), "{}", review.body);
    let p = (s.project, cycle);
    let rejected = decide(
        &admin,
        p,
        turnover,
        "reject",
        "Turnover is in euros, please.",
    )
    .await;
    assert_eq!(rejected.status, 303, "{}", rejected.body);
    // The sender hears it by email, in the words of a question.
    let told: Vec<(String, String)> = notifications::table
        .filter(notifications::recipient.eq("vera@example.com"))
        .select((notifications::subject, notifications::body))
        .load(&mut app.conn())
        .expect("messages");
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(
        told[0].0.contains("“Turnover 2026” needs a new answer"),
        "{told:?}"
    );
    assert!(
        told[0].1.contains("Turnover is in euros, please."),
        "{told:?}"
    );
    let page = visitor.get(&link).await;
    assert!(page.body.contains("Needs a new answer"), "{}", page.body);
    assert!(page.body.contains("Turnover is in euros, please."));
    // Answered again: submitted, the reason gone; then everything accepted.
    let saved = visitor.answer(&link, turnover, "1180000").await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert_eq!(status_of(&app, turnover), "submitted");
    let upload = visitor
        .upload(
            &link,
            crate::upload_links::files(&[(
                "march_statement.pdf",
                crate::requests::document(1000, 1, false),
            )]),
        )
        .await;
    assert_eq!(upload.status, 200, "{}", upload.body);
    for request in [statement, turnover, year_end, vat, form] {
        let accepted = decide(&admin, p, request, "accept", "").await;
        assert_eq!(accepted.status, 303, "{}", accepted.body);
        assert_eq!(status_of(&app, request), "accepted");
    }
    // The optional question left unanswered does not hold the cycle back.
    let cycle_status = crate::requests::cycle_status(&app, cycle);
    assert_eq!(cycle_status, "completed");

    // Webhooks heard each answer, with the answer and who gave it.
    let bodies: Vec<String> = webhook_events::table
        .filter(webhook_events::event_type.eq("request.answered"))
        .order(webhook_events::id)
        .select(webhook_events::payload)
        .load(&mut app.conn())
        .expect("events");
    assert_eq!(bodies.len(), 5);
    let last: Value = serde_json::from_str(&bodies[4]).expect("json");
    assert_eq!(last["type"], "request.answered");
    assert_eq!(last["data"]["request"]["answer"], "1180000");
    assert_eq!(last["data"]["request"]["kind"], "number");
    assert_eq!(last["data"]["answered_by"]["name"], "Vera Client");
    assert_eq!(
        last["data"]["answered_by"]["upload_link"]["label"],
        "Client"
    );

    // Once the cycle is closed the sender is told so in their words (no cycle code).
    let token = visitor.get(&link).await.csrf_token();
    let closed = admin
        .post(
            &format!("/admin/projects/{}/cycles/{cycle}/close", s.project),
            &[],
        )
        .await;
    assert_eq!(closed.status, 303, "{}", closed.body);
    let late = visitor
        .answer_with(&link, &token, (notes, "One more thing"))
        .await;
    assert_eq!(late.status, 422, "{}", late.body);
    assert!(late.body.contains("closed"), "{}", late.body);
    assert!(!late.body.contains("C1"), "{}", late.body);
    assert_eq!(answer_of(&app, notes), None);

    // The evidence export lists the questions with their answers.
    let read = personal_token(&admin, "auditor", "read").await;
    let url = app.url(&format!("/api/v1/cycles/{cycle}/export.zip"));
    let (status, _, zip) = fetch(&app.client, &url, Some(&read)).await;
    assert_eq!(status, 200);
    let archive = read_with_python(&zip);
    let answers = archive["answers"].as_str().expect("answers.csv");
    assert!(
        answers.starts_with("request,kind,answer,answered_by,answered_at_utc,review_state"),
        "{answers}"
    );
    assert!(
        answers.contains("Turnover 2026,number,1180000,Vera Client <vera@example.com>"),
        "{answers}"
    );
    assert!(
        answers.contains("Anything else?,text,,,,missing"),
        "{answers}"
    );

    // Erasing the sender takes their answers with them; the chain still verifies.
    let erased = hopper::services::erasure::erase_from_command_line(
        &app.state.services,
        "vera@example.com",
        false,
    )
    .await
    .expect("erase");
    assert!(erased.rows_changed > 0);
    assert_eq!(answer_of(&app, turnover).as_deref(), Some("erased"));
    assert_eq!(status_of(&app, turnover), "accepted", "still answered");
    let bodies: Vec<String> = webhook_events::table
        .filter(webhook_events::event_type.eq("request.answered"))
        .select(webhook_events::payload)
        .load(&mut app.conn())
        .expect("events");
    assert!(
        bodies
            .iter()
            .all(|b| !b.contains("1180000") && !b.contains("Vera")),
        "{bodies:?}"
    );
    let answered = app.audit_rows("request.answered");
    assert!(
        answered
            .iter()
            .all(|r| !r.details.to_string().contains("1180000")),
        "the audit rows' answers are erased"
    );
    let chains = hopper::services::audit_chain::verify_all(&mut app.conn(), None).expect("verify");
    assert!(
        chains.iter().all(|c| c.first_bad.is_none()),
        "the chains verify after the erasure: {:?}",
        chains.iter().map(|c| &c.first_bad).collect::<Vec<_>>()
    );
}

#[actix_web::test]
async fn the_api_answers_questions_and_refuses_what_does_not_fit() {
    let app = TestApp::spawn().await;
    let s = setup(&app, false).await;
    let admin = app.session_for(&s.admin).await;
    let admin_token = personal_token(&admin, "erp", "admin").await;
    let cycle = start_cycle(&app, &admin, s.project).await;
    // The automation API asks questions too.
    let ask = ("POST", &*format!("/api/v1/cycles/{cycle}/requests"));
    let choice = json!({ "name": "Company form", "kind": "choice",
                         "choices": ["Sole trader", "Limited company"] });
    let (status, _, added) = call(&app, &admin_token, ask, None, Some(choice)).await;
    assert_eq!(status, 201, "{added}");
    assert_eq!(added["kind"], "choice");
    assert_eq!(added["choices"], json!(["Sole trader", "Limited company"]));
    let form = added["id"].as_i64().expect("id");
    let lonely = json!({ "name": "Colour", "kind": "choice", "choices": ["Blue"] });
    let (status, _, refused) = call(&app, &admin_token, ask, None, Some(lonely)).await;
    assert_eq!(status, 400, "{refused}");
    let number = json!({ "name": "Staff", "kind": "number" });
    let (_, _, staff) = call(&app, &admin_token, ask, None, Some(number)).await;
    let staff = staff["id"].as_i64().expect("id");
    let (_, _, file) = call(
        &app,
        &admin_token,
        ask,
        None,
        Some(json!({ "name": "Payroll" })),
    )
    .await;
    let file = file["id"].as_i64().expect("id");

    // A member's token answers (without review: accepted at once).
    let uploader = app.session_for(&s.uploader).await;
    let token = personal_token(&uploader, "sync", "upload").await;
    let put = |id: i64| format!("/api/v1/requests/{id}/answer");
    let (status, _, answered) = call(
        &app,
        &token,
        ("PUT", &put(form)),
        None,
        Some(json!({ "value": "Limited company" })),
    )
    .await;
    assert_eq!(status, 200, "{answered}");
    assert_eq!(answered["answer"], "Limited company");
    assert_eq!(answered["status"], "accepted");
    for (id, value, code) in [
        (staff, "twelve", "answer.not_a_number"),
        (form, "Partnership", "answer.not_a_choice"),
        (file, "a file", "answer.not_a_question"),
        (staff, "", "answer.empty"),
    ] {
        let (status, _, refused) = call(
            &app,
            &token,
            ("PUT", &put(id)),
            None,
            Some(json!({ "value": value })),
        )
        .await;
        assert_eq!(
            (status, refused["code"].as_str()),
            (400, Some(code)),
            "{refused}"
        );
    }
    // Changing what an answered request asks is refused; an unanswered one may change.
    for (id, expected, field, value) in [
        (form, 409, "code", "request.kind_fixed"),
        (staff, 200, "kind", "text"),
    ] {
        let patch = ("PATCH", &*format!("/api/v1/requests/{id}"));
        let body = Some(json!({ "kind": "text" }));
        let (status, _, answer) = call(&app, &admin_token, patch, None, body).await;
        assert_eq!(
            (status, answer[field].as_str()),
            (expected, Some(value)),
            "{answer}"
        );
    }

    // A token that may only read hears a 404, as does another company's caller.
    let reader = personal_token(&uploader, "read", "read").await;
    let body = Some(json!({ "value": "Sole trader" }));
    let (status, _, _) = call(&app, &reader, ("PUT", &put(form)), None, body.clone()).await;
    assert_eq!(status, 404);
    let other = create_company(&app, "OTHER", true);
    let stranger_project = create_project(&app, other, "Theirs");
    let stranger = UserFixture::new("sam")
        .company(other)
        .role("admin")
        .create(&app)
        .await;
    let _ = stranger_project;
    let theirs = app.session_for(&stranger).await;
    let foreign = personal_token(&theirs, "x", "upload").await;
    let (status, _, _) = call(&app, &foreign, ("PUT", &put(form)), None, body.clone()).await;
    assert_eq!(status, 404);
    assert_eq!(
        answer_of(&app, CycleRequestId(form as i32)).as_deref(),
        Some("Limited company")
    );

    // A closed cycle takes no answers.
    let closed = admin
        .post(
            &format!("/admin/projects/{}/cycles/{cycle}/close", s.project),
            &[],
        )
        .await;
    assert_eq!(closed.status, 303, "{}", closed.body);
    let (status, _, refused) = call(&app, &token, ("PUT", &put(form)), None, body).await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (409, Some("upload.cycle_closed")),
        "{refused}"
    );
}

/// An admin corrects a question of one cycle on its edit page (a choice mistyped), the
/// review page offers to reject an answer as it does a file, and what a request asks for
/// stays once it is answered.
#[actix_web::test]
async fn an_admin_edits_a_question_and_rejects_an_answer_from_the_review_page() {
    let app = TestApp::spawn().await;
    let s = setup(&app, true).await;
    let admin = app.session_for(&s.admin).await;
    let cycle = cycle_with_questions(&app, &admin, s.project).await;
    let form = requests_of(&app, cycle)[4].0;
    let base = format!("/admin/projects/{}/cycles/{cycle}/requests", s.project);
    let page = admin.get(&format!("{base}/{form}/edit")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Limited company"), "{}", page.body);
    let fields = [
        ("name", "Company form"),
        ("kind", "choice"),
        ("choices", "Sole trader\nLimited company\nPartnership"),
        ("required", "on"),
    ];
    let saved = admin.post(&format!("{base}/{form}/edit"), &fields).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let choices: Vec<Option<String>> = cycle_requests::table
        .find(form)
        .select(cycle_requests::choices)
        .first(&mut app.conn())
        .expect("choices");
    assert_eq!(choices.len(), 3);
    // One choice only is no choice question: said on the form, nothing saved.
    let one = [
        ("name", "Company form"),
        ("kind", "choice"),
        ("choices", "Sole trader"),
    ];
    let refused = admin.post(&format!("{base}/{form}/edit"), &one).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body.contains("at least two choices"),
        "{}",
        refused.body
    );

    let link = small_link(&admin, (s.project, cycle), "Client").await;
    let visitor = Visitor::new(&app);
    visitor
        .identify(&link, "Vera Client", "vera@example.com", "")
        .await;
    assert_eq!(visitor.answer(&link, form, "Partnership").await.status, 200);
    let review = admin.get(&base).await;
    assert!(
        review
            .body
            .contains(&format!("{base}/{form}/decide\" class=\"inline reject\"")),
        "the answer can be rejected from the review page: {}",
        review.body
    );
    let as_text = [("name", "Company form"), ("kind", "text")];
    let fixed = admin.post(&format!("{base}/{form}/edit"), &as_text).await;
    assert_eq!(fixed.status, 409, "{}", fixed.body);
    assert_eq!(answer_of(&app, form).as_deref(), Some("Partnership"));
    // Another company's admin finds no such request.
    let other = create_company(&app, "OTHER", true);
    let stranger = UserFixture::new("sam")
        .company(other)
        .role("admin")
        .create(&app)
        .await;
    let theirs = app.session_for(&stranger).await;
    assert_eq!(theirs.get(&format!("{base}/{form}/edit")).await.status, 404);
}
