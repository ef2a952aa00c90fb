//! What is missing lists open requests of open cycles in a fixed order: by due date (a
//! request's own, else its cycle's; none last), then project, cycle, position; or by
//! project. It is read cycle by cycle, with the requests that carry their own date merged
//! in (services/missing.rs): every viewer — company admin, a member with one project, the
//! operator — sees exactly their requests, in that order, on the page and on the home page.

use diesel::connection::SimpleConnection;

use crate::helpers::{
    create_company, create_cycle, create_project, grant_access, TestApp, UserFixture,
};

/// The names on `body`, in the order they appear; each must appear once.
fn order_on(body: &str, names: &[&str]) -> Vec<String> {
    let mut found: Vec<(usize, String)> = names
        .iter()
        .filter_map(|name| {
            let at = body.find(&format!(">{name}<"))?;
            assert_eq!(body.matches(&format!(">{name}<")).count(), 1, "{name}");
            Some((at, (*name).to_owned()))
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, name)| name).collect()
}

const ALL: &[&str] = &[
    "A1-old",
    "A2-first",
    "A2-second",
    "A2-done",
    "A2-own-early",
    "B1-first",
    "B1-own-late",
    "B2-nodue",
    "Other-co",
];

#[actix_web::test]
async fn each_viewer_sees_their_open_requests_by_due_date_or_by_project() {
    let app = TestApp::spawn().await;
    let company = app.default_company();
    let alpha = create_project(&app, company, "Alpha");
    let beta = create_project(&app, company, "Beta");
    let (a1, a2) = (create_cycle(&app, alpha, 1), create_cycle(&app, alpha, 2));
    let (b1, b2) = (create_cycle(&app, beta, 1), create_cycle(&app, beta, 2));
    let other_company = create_company(&app, "OTHER", true);
    let other = create_project(&app, other_company, "Gamma");
    let o1 = create_cycle(&app, other, 1);
    let request = |cycle: i32, name: &str, position: i32, status: &str, due: &str| {
        format!(
            "INSERT INTO cycle_requests (company_id, cycle_id, name, status, position, due_at)
             SELECT p.company_id, c.id, '{name}', '{status}', {position}, {due}
             FROM cycles c JOIN projects p ON p.id = c.project_id WHERE c.id = {cycle};"
        )
    };
    let mut sql = format!(
        "UPDATE cycles SET status = 'completed', due_at = now() - interval '9 days' WHERE id = {a1};
         UPDATE cycles SET status = 'in_progress', due_at = now() + interval '5 days' WHERE id = {a2};
         UPDATE cycles SET status = 'in_progress', due_at = now() + interval '3 days' WHERE id = {b1};
         UPDATE cycles SET status = 'pending', due_at = NULL WHERE id = {b2};
         UPDATE cycles SET status = 'in_progress', due_at = now() + interval '4 days' WHERE id = {o1};"
    );
    for (cycle, name, position, status, due) in [
        (a1, "A1-old", 1, "missing", "NULL"),
        (a2, "A2-second", 2, "submitted", "NULL"),
        (a2, "A2-first", 1, "missing", "NULL"),
        (a2, "A2-done", 3, "accepted", "NULL"),
        (
            a2,
            "A2-own-early",
            4,
            "rejected",
            "now() + interval '1 day'",
        ),
        (
            b1,
            "B1-own-late",
            2,
            "missing",
            "now() + interval '10 days'",
        ),
        (b1, "B1-first", 1, "missing", "NULL"),
        (b2, "B2-nodue", 1, "missing", "NULL"),
        (o1, "Other-co", 1, "missing", "NULL"),
    ] {
        sql.push_str(&request(cycle.0, name, position, status, due));
    }
    app.conn().batch_execute(&sql).expect("cycles and requests");

    let admin = UserFixture::new("ada").role("admin").create(&app).await;
    let admin = app.session_for(&admin).await;
    let by_due = [
        "A2-own-early",
        "B1-first",
        "A2-first",
        "A2-second",
        "B1-own-late",
        "B2-nodue",
    ];
    let page = admin.get("/missing").await;
    assert_eq!(page.status, 200);
    assert_eq!(order_on(&page.body, ALL), by_due);
    let page = admin.get("/missing?sort=project").await;
    assert_eq!(
        order_on(&page.body, ALL),
        [
            "A2-first",
            "A2-second",
            "A2-own-early",
            "B1-first",
            "B1-own-late",
            "B2-nodue"
        ]
    );
    let home = admin.get("/").await;
    assert_eq!(order_on(&home.body, ALL), by_due[..5]);

    let member = UserFixture::new("bea").role("user").create(&app).await;
    grant_access(&app, company, beta, member.id, "viewer");
    let member = app.session_for(&member).await;
    let page = member.get("/missing").await;
    assert_eq!(
        order_on(&page.body, ALL),
        ["B1-first", "B1-own-late", "B2-nodue"]
    );

    let operator = UserFixture::new("olga")
        .role("superadmin")
        .create(&app)
        .await;
    let operator = app.session_for(&operator).await;
    let page = operator.get("/missing").await;
    assert_eq!(
        order_on(&page.body, ALL),
        [
            "A2-own-early",
            "B1-first",
            "Other-co",
            "A2-first",
            "A2-second",
            "B1-own-late",
            "B2-nodue"
        ]
    );
}
