//! One figure, one value, wherever it is shown: batches with duplicates and refused files
//! across two cycles, then the same labelled figures (bytes stored and received, files
//! uploaded, skipped, failed and arrived, requests complete, overdue) read off the project
//! summary, the project's cycles, each cycle's dashboard, both wall screens and the home
//! page.

use chrono::{Duration, Utc};
use diesel::prelude::*;
use hopper::db::ids::{CycleId, ProjectId};
use hopper::domain::sizes::human_size;
use hopper::schema::cycle_requests;
use reqwest::multipart::{Form, Part};

use crate::helpers::{TestApp, UserSession};
use crate::requests::{
    add_to_list, allow_types, document, requests_of, setup, start_cycle, upload_path,
};

/// The text of the element whose opening tag holds `marker`, searched from `from`, tags
/// stripped and spaces collapsed; `end` closes the element.
fn text_at(body: &str, from: usize, marker: &str, end: &str) -> String {
    let at = body[from..]
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} not on the page"))
        + from;
    let open = body[at..].find('>').expect("tag ends") + at + 1;
    let close = body[open..].find(end).expect("element ends") + open;
    let mut text = String::new();
    let mut in_tag = false;
    for c in body[open..close].chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The value of a cell or figure: its text up to the first inner tag.
pub(crate) fn value_at(body: &str, from: usize, marker: &str) -> String {
    text_at(body, from, marker, "<")
}

pub(crate) fn row_of(body: &str, marker: &str) -> usize {
    body.find(marker)
        .unwrap_or_else(|| panic!("no row {marker}: {body}"))
}

async fn send(user: &UserSession<'_>, path: &str, files: &[(&str, Vec<u8>)]) {
    let form = files.iter().fold(Form::new(), |form, (name, bytes)| {
        form.part(
            "files",
            Part::bytes(bytes.clone()).file_name((*name).to_owned()),
        )
    });
    let page = user.upload(path, form).await;
    assert!(page.status < 500, "{}: {}", page.status, page.body);
    assert!(page.body.contains("Receipt"), "{}", page.body);
}

/// What one cycle's figures must read.
struct Expected {
    sent: i64,
    uploaded: i64,
    skipped: i64,
    failed: i64,
    stored: i64,
    received: i64,
    requests: &'static str,
}

/// A wall link made through the admin's form; its path (`/wall/{token}`).
async fn wall_link(admin: &UserSession<'_>, project: Option<ProjectId>) -> String {
    let project = project.map(|p| p.to_string()).unwrap_or_default();
    let created = admin
        .post(
            "/admin/share-links",
            &[("label", "Office"), ("project", &project), ("days", "7")],
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let url = value_at(&created.body, 0, "id=\"share-link\"");
    let (_, token) = url.split_once("/wall/").expect("a wall link");
    format!("/wall/{token}")
}

/// The project's per-cycle table and a cycle's own dashboard read `e`.
fn check_cycle(project_page: &str, cycle_page: &str, cycle: CycleId, e: &Expected) {
    let row = row_of(project_page, &format!("data-cycle=\"{cycle}\""));
    let cell = |class: &str| value_at(project_page, row, &format!("class=\"num {class}\""));
    assert_eq!(cell("total"), e.sent.to_string(), "files sent, {cycle}");
    assert_eq!(cell("uploaded"), e.uploaded.to_string());
    assert_eq!(cell("skipped"), e.skipped.to_string());
    assert_eq!(cell("failed"), e.failed.to_string());
    assert_eq!(
        cell("stored"),
        human_size(e.stored as u64),
        "stored, {cycle}"
    );
    let requests = text_at(project_page, row, "class=\"completeness-text\"", "</div>");
    assert_eq!(requests, e.requests, "requests of {cycle}");
    let arrived = (e.uploaded + e.skipped) * 100 / e.sent;
    assert!(project_page[row..].contains(&format!(
        "aria-label=\"{arrived}% of the files sent arrived\""
    )));

    let figure = |id: &str| value_at(cycle_page, 0, &format!("id=\"{id}\""));
    assert_eq!(figure("files-sent"), e.sent.to_string());
    assert_eq!(figure("files-uploaded"), e.uploaded.to_string());
    assert_eq!(figure("files-skipped"), e.skipped.to_string());
    assert_eq!(figure("files-failed"), e.failed.to_string());
    assert_eq!(figure("stored-bytes"), human_size(e.stored as u64));
    assert_eq!(figure("received-bytes"), human_size(e.received as u64));
    assert_eq!(
        text_at(cycle_page, 0, "id=\"files-arrived\"", "</dd>"),
        format!("{arrived}%")
    );
    assert_eq!(
        text_at(cycle_page, 0, "class=\"completeness-text\"", "</div>"),
        e.requests
    );
}

/// A wall's headline figures for everything sent today.
fn check_headline(wall: &str, total: &Expected, percent: &str, accepted: &str, overdue: &str) {
    let figure = |id: &str| {
        value_at(
            wall,
            row_of(wall, &format!("id=\"{id}\"")),
            "class=\"figure-value\"",
        )
    };
    assert_eq!(figure("headline-requests"), percent);
    let note = text_at(
        wall,
        row_of(wall, "id=\"headline-requests\""),
        "class=\"figure-note\"",
        "</dd>",
    );
    assert!(note.starts_with(accepted), "{note}");
    assert_eq!(figure("headline-overdue"), overdue);
    assert_eq!(
        figure("headline-files"),
        (total.uploaded + total.skipped).to_string()
    );
    let files = text_at(
        wall,
        row_of(wall, "id=\"headline-files\""),
        "class=\"figure-note\"",
        "</dd>",
    );
    assert_eq!(
        files,
        format!("of {} sent, {} failed", total.sent, total.failed)
    );
    assert_eq!(figure("headline-bytes"), human_size(total.received as u64));
    let stored = text_at(
        wall,
        row_of(wall, "id=\"headline-bytes\""),
        "class=\"figure-note\"",
        "</dd>",
    );
    assert_eq!(
        stored,
        format!("Stored {}, the files kept", human_size(total.stored as u64))
    );
    assert!(wall.contains("since 00:00 UTC"), "says which day");
}

#[actix_web::test]
async fn the_same_figures_read_the_same_on_every_page() {
    let app = TestApp::spawn().await;
    let s = setup(&app, false).await;
    allow_types(&app, s.project, &["pdf", "txt"]);
    let admin = app.session_for(&s.admin).await;
    add_to_list(&admin, s.project, "Bank statement", "*statement*.pdf").await;
    add_to_list(&admin, s.project, "Payroll", "payroll*.pdf").await;
    let uma = app.session_for(&s.uploader).await;

    // C1: the statement and a refused program, then the statement again (a duplicate)
    // with the payroll, which completes the cycle.
    let c1 = start_cycle(&app, &admin, s.project).await;
    let statement = document(91, 1, false); // 100 bytes
    let payroll = document(111, 2, false); // 120 bytes
    let program = b"MZ\x90\x00 not a document".repeat(3)[..40].to_vec();
    let to_c1 = upload_path(s.project, c1);
    send(
        &uma,
        &to_c1,
        &[
            ("statement.pdf", statement.clone()),
            ("tool.exe", program.clone()),
        ],
    )
    .await;
    send(
        &uma,
        &to_c1,
        &[("statement.pdf", statement), ("payroll.pdf", payroll)],
    )
    .await;
    // C2: a new statement and notes, a refused program, then the notes again.
    let c2 = start_cycle(&app, &admin, s.project).await;
    let to_c2 = upload_path(s.project, c2);
    let notes = b"called the bank about March".to_vec(); // 27 bytes
    send(
        &uma,
        &to_c2,
        &[
            ("statement.pdf", document(101, 3, false)),
            ("notes.txt", notes.clone()),
            ("virus.exe", program),
        ],
    )
    .await;
    send(&uma, &to_c2, &[("notes.txt", notes)]).await;
    // C2's payroll is overdue.
    let payroll_c2 = requests_of(&app, c2)
        .into_iter()
        .find(|r| r.1 == "Payroll")
        .expect("payroll")
        .0;
    diesel::update(cycle_requests::table.find(payroll_c2))
        .set(cycle_requests::due_at.eq(Some(Utc::now() - Duration::days(2))))
        .execute(&mut app.conn())
        .expect("due");
    let c1_status = crate::requests::cycle_status(&app, c1);
    assert_eq!(c1_status, "completed", "both documents accepted on arrival");

    let first = Expected {
        sent: 4,
        uploaded: 2,
        skipped: 1,
        failed: 1,
        stored: 220,
        received: 100 + 120 + 100 + 40,
        requests: "2 of 2 required received, 2 accepted",
    };
    let second = Expected {
        sent: 4,
        uploaded: 2,
        skipped: 1,
        failed: 1,
        stored: 110 + 27,
        received: 110 + 27 + 40 + 27,
        requests: "1 of 2 required received, 1 accepted, 1 overdue",
    };
    let total = Expected {
        sent: 8,
        uploaded: 4,
        skipped: 2,
        failed: 2,
        stored: first.stored + second.stored,
        received: first.received + second.received,
        requests: second.requests,
    };

    // Each cycle, on the project's table and on its own dashboard.
    let project_page = admin
        .get(&format!("/dashboard/projects/{}", s.project))
        .await
        .body;
    for (cycle, expected) in [(c1, &first), (c2, &second)] {
        let cycle_page = admin.get(&format!("/dashboard/cycles/{cycle}")).await.body;
        check_cycle(&project_page, &cycle_page, cycle, expected);
    }

    // The project summary adds the cycles up; its requests are the latest cycle's. So
    // does the company's wall screen, which has no bucket or region columns.
    let screen = TestApp::new_client();
    let company_wall = app
        .get_with(&screen, &wall_link(&admin, None).await)
        .await
        .body;
    let summary = admin.get("/dashboard").await.body;
    for page in [&summary, &company_wall] {
        let row = row_of(page, &format!("data-project=\"{}\"", s.project));
        let cell = |class: &str| value_at(page, row, &format!("class=\"num {class}\""));
        assert_eq!(cell("cycles"), "2");
        assert_eq!(cell("sessions"), "4");
        assert_eq!(cell("uploaded"), total.uploaded.to_string());
        assert_eq!(cell("skipped"), total.skipped.to_string());
        assert_eq!(cell("failed"), total.failed.to_string());
        assert_eq!(cell("stored"), human_size(total.stored as u64));
        assert_eq!(
            text_at(page, row, "class=\"completeness-text\"", "</div>"),
            total.requests
        );
    }

    // Both walls' headline figures: everything was sent today.
    check_headline(
        &company_wall,
        &total,
        "50 %",
        "1 of 2 required accepted",
        "1",
    );
    let project_wall = app
        .get_with(&screen, &wall_link(&admin, Some(s.project)).await)
        .await
        .body;
    check_headline(
        &project_wall,
        &total,
        "50 %",
        "1 of 2 required accepted in C2",
        "1",
    );
    for (cycle, expected) in [(c1, &first), (c2, &second)] {
        let row = row_of(&project_wall, &format!("data-cycle=\"{cycle}\""));
        let stored = value_at(&project_wall, row, "class=\"num stored\"");
        assert_eq!(stored, human_size(expected.stored as u64));
    }

    // The home page counts the same open and overdue requests (C1 is complete).
    let home = admin.get("/").await.body;
    assert_eq!(
        text_at(&home, 0, "id=\"home-missing\"", "<ul"),
        "What is missing 1 open request, 1 overdue. See them all"
    );
}
