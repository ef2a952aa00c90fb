//! The project summary ordered by its latest cycles' requests (least complete first,
//! most overdue first), paged by keyset without gaps, and a project's reminder schedule
//! edited in its form.

use chrono::{Duration, Utc};
use diesel::prelude::*;
use hopper::db::ids::{CycleId, ProjectId};
use hopper::schema::{cycle_requests, cycles, projects};
use hopper::services::dashboards::{project_summary, ProjectFilter, ProjectSort, Scope};

use crate::helpers::{create_cycle, create_project, TestApp, UserFixture};

/// A project whose latest cycle has `required` required requests, `accepted` of them
/// accepted and `overdue` of the rest past their due date.
fn project_with(
    app: &TestApp,
    name: &str,
    required: i32,
    accepted: i32,
    overdue: i32,
) -> ProjectId {
    let company = app.default_company();
    let project = create_project(app, company, name);
    // An older cycle that is complete must not count: only the latest one does.
    let old = create_cycle(app, project, 1);
    add_requests(app, old, 2, 2, 0);
    let latest = create_cycle(app, project, 2);
    add_requests(app, latest, required, accepted, overdue);
    project
}

fn add_requests(app: &TestApp, cycle: CycleId, required: i32, accepted: i32, overdue: i32) {
    let company = app.default_company();
    for i in 0..required {
        let status = if i < accepted { "accepted" } else { "missing" };
        let due = (i >= accepted && i < accepted + overdue).then(|| Utc::now() - Duration::days(2));
        diesel::insert_into(cycle_requests::table)
            .values((
                cycle_requests::company_id.eq(company),
                cycle_requests::cycle_id.eq(cycle),
                cycle_requests::name.eq(format!("Document {i}")),
                cycle_requests::status.eq(status),
                cycle_requests::due_at.eq(due),
            ))
            .execute(&mut app.conn())
            .expect("request");
    }
}

fn order_on_page(body: &str) -> Vec<ProjectId> {
    body.match_indices("data-project=\"")
        .filter_map(|(at, marker)| {
            let rest = &body[at + marker.len()..];
            rest[..rest.find('"')?].parse().ok().map(ProjectId)
        })
        .collect()
}

#[actix_web::test]
async fn the_summary_orders_projects_by_completeness_and_by_overdue_requests() {
    let app = TestApp::spawn().await;
    let half = project_with(&app, "Half", 4, 2, 1);
    let done = project_with(&app, "Done", 3, 3, 0);
    let behind = project_with(&app, "Behind", 4, 0, 3);
    let quarter = project_with(&app, "Quarter", 4, 1, 2);
    let admin = UserFixture::new("alice").role("admin").create(&app).await;
    let admin = app.session_for(&admin).await;

    let by_completeness = admin.get("/dashboard?sort=completeness").await;
    assert_eq!(by_completeness.status, 200);
    assert_eq!(
        order_on_page(&by_completeness.body),
        [behind, quarter, half, done],
        "least complete first"
    );
    let by_overdue = admin.get_htmx("/dashboard?sort=overdue").await;
    assert_eq!(
        order_on_page(&by_overdue.body),
        [behind, quarter, half, done],
        "most overdue first (3, 2, 1, 0)"
    );

    // Paged two by two, the keyset gives every project once, in the same order.
    let mut conn = app.conn();
    let scope = Scope::Company(app.default_company());
    let filter = ProjectFilter::default();
    let now = app.state.services.clock().now();
    let (first, next) = project_summary(
        &mut conn,
        scope,
        &filter,
        ProjectSort::Completeness,
        None,
        (2, now),
    )
    .expect("first page");
    let (second, last) = project_summary(
        &mut conn,
        scope,
        &filter,
        ProjectSort::Completeness,
        next.as_ref(),
        (2, now),
    )
    .expect("second page");
    let ids: Vec<ProjectId> = first.iter().chain(&second).map(|r| r.id).collect();
    assert_eq!(ids, [behind, quarter, half, done]);
    assert!(last.is_none(), "no third page");
    // Most overdue first pages the same way, from the due dates kept per project.
    let mut overdue_order = Vec::new();
    let mut after = None;
    loop {
        let (page, next) = project_summary(
            &mut conn,
            scope,
            &filter,
            ProjectSort::Overdue,
            after.as_ref(),
            (1, now),
        )
        .expect("overdue page");
        overdue_order.extend(page.iter().map(|r| r.id));
        match next {
            Some(cursor) => after = Some(cursor),
            None => break,
        }
    }
    assert_eq!(overdue_order, [behind, quarter, half, done], "one by one");
    // The figures shown are the latest cycle's.
    let shown = second[0].requests.expect("figures");
    assert_eq!((shown.required, shown.accepted, shown.overdue), (4, 2, 1));
}

#[actix_web::test]
async fn a_projects_reminder_schedule_is_edited_in_its_form() {
    let app = TestApp::spawn().await;
    let project = create_project(&app, app.default_company(), "Year end");
    let admin = UserFixture::new("alice").role("admin").create(&app).await;
    let admin = app.session_for(&admin).await;
    let form = admin.get(&format!("/admin/projects/{project}")).await;
    assert!(form.body.contains("value=\"7, 3, 1\""), "{}", form.body);
    let location: i32 = projects::table
        .find(project)
        .select(projects::storage_location_id)
        .first(&mut app.conn())
        .expect("project");
    let location = location.to_string();
    let fields = |days: &'static str, every: &'static str| {
        vec![
            ("project_name", "Year end"),
            ("storage_location_id", location.as_str()),
            ("is_active", "on"),
            ("reminder_days", days),
            ("overdue_every_days", every),
        ]
    };

    let wrong = admin
        .post(
            &format!("/admin/projects/{project}"),
            &fields("2, soon", "0"),
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(
        wrong.body.contains("“soon” is not a number of days"),
        "{}",
        wrong.body
    );
    assert!(wrong.body.contains("every 1 to 60 days"));

    let saved = admin
        .post(
            &format!("/admin/projects/{project}"),
            &fields("2, 10, 2", "5"),
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let (days, every): (Vec<Option<i32>>, i32) = projects::table
        .find(project)
        .select((projects::reminder_days, projects::overdue_every_days))
        .first(&mut app.conn())
        .expect("project");
    assert_eq!(days, [Some(10), Some(2)], "sorted, without repeats");
    assert_eq!(every, 5);
    let audited = app.audit_rows("project.updated");
    let change = &audited.last().expect("audit row").details;
    assert_eq!(change["before"]["reminder_days"], "7, 3, 1");
    assert_eq!(change["after"]["reminder_days"], "10, 2");
    assert_eq!(change["after"]["overdue_every_days"], 5);
    // The cycles are untouched by a schedule change.
    let count: i64 = cycles::table
        .filter(cycles::project_id.eq(project))
        .count()
        .get_result(&mut app.conn())
        .expect("cycles");
    assert_eq!(count, 0);
}

/// Each cycle's counts as kept by the triggers, next to a recount of its requests.
fn kept_and_recounted(app: &TestApp) -> (Vec<[i32; 7]>, Vec<[i32; 7]>) {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Int4)]
        cycle_id: i32,
        #[diesel(sql_type = diesel::sql_types::Int4)]
        required: i32,
        #[diesel(sql_type = diesel::sql_types::Int4)]
        submitted: i32,
        #[diesel(sql_type = diesel::sql_types::Int4)]
        accepted: i32,
        #[diesel(sql_type = diesel::sql_types::Int4)]
        rejected: i32,
        #[diesel(sql_type = diesel::sql_types::Int4)]
        not_applicable: i32,
        #[diesel(sql_type = diesel::sql_types::Int4)]
        missing: i32,
    }
    let load = |sql: &str| -> Vec<[i32; 7]> {
        diesel::sql_query(sql)
            .load::<Row>(&mut app.conn())
            .expect("counts")
            .into_iter()
            .map(|r| {
                [
                    r.cycle_id,
                    r.required,
                    r.submitted,
                    r.accepted,
                    r.rejected,
                    r.not_applicable,
                    r.missing,
                ]
            })
            .collect()
    };
    let kept = load(
        "SELECT cycle_id, required, submitted, accepted, rejected, not_applicable, missing
           FROM v_cycle_completeness ORDER BY cycle_id",
    );
    let recounted = load(
        "SELECT c.id AS cycle_id,
                count(r.id) FILTER (WHERE r.required)::int AS required,
                count(r.id) FILTER (WHERE r.required AND r.status = 'submitted')::int AS submitted,
                count(r.id) FILTER (WHERE r.required AND r.status = 'accepted')::int AS accepted,
                count(r.id) FILTER (WHERE r.required AND r.status = 'rejected')::int AS rejected,
                count(r.id) FILTER (WHERE r.required AND r.status = 'not_applicable')::int AS not_applicable,
                count(r.id) FILTER (WHERE r.required AND r.status = 'missing')::int AS missing
           FROM cycles c LEFT JOIN cycle_requests r ON r.cycle_id = c.id
          GROUP BY c.id ORDER BY c.id",
    );
    assert_eq!(projects_out_of_step(app), 0, "project_completeness");
    (kept, recounted)
}

/// Projects whose kept figures differ from their latest cycle's as the view computes them
/// (percent, 101 without cycles; overdue requests now), or that have no row.
fn projects_out_of_step(app: &TestApp) -> i64 {
    diesel::sql_query(
        "SELECT count(*) AS n FROM projects p
           LEFT JOIN project_completeness pc ON pc.project_id = p.id
           LEFT JOIN LATERAL (SELECT c.id FROM cycles c WHERE c.project_id = p.id
                               ORDER BY c.cycle_number DESC LIMIT 1) l ON true
           LEFT JOIN v_cycle_completeness v ON v.cycle_id = l.id
          WHERE pc.latest_percent IS DISTINCT FROM
                CASE WHEN l.id IS NULL THEN 101
                     WHEN v.required - v.not_applicable <= 0 THEN 100
                     ELSE v.accepted * 100 / (v.required - v.not_applicable) END
             OR overdue_count(pc.latest_open_due) <> coalesce(v.overdue, 0)",
    )
    .get_result::<Orphans>(&mut app.conn())
    .expect("projects in step")
    .n
}

#[actix_web::test]
async fn the_counts_kept_with_the_requests_equal_a_recount_whoever_writes_them() {
    let app = TestApp::spawn().await;
    let a = project_with(&app, "Counted A", 4, 1, 1);
    let b = project_with(&app, "Counted B", 3, 0, 0);
    let (kept, recounted) = kept_and_recounted(&app);
    assert_eq!(kept, recounted, "after inserts");
    assert!(kept.iter().any(|k| k[1] == 4 && k[3] == 1), "{kept:?}");

    // An operator's SQL: statements over several cycles at once, in both projects.
    let statements = [
        "UPDATE cycle_requests SET status = 'submitted' WHERE status = 'missing' AND name LIKE '%1'",
        "UPDATE cycle_requests SET status = 'rejected', note = 'blurred' WHERE name = 'Document 2'",
        "UPDATE cycle_requests SET required = false WHERE name = 'Document 0'",
        "UPDATE cycle_requests SET note = 'only a note'",
        "UPDATE cycle_requests SET due_at = now() - interval '1 hour' WHERE name = 'Document 2'",
        "UPDATE cycles SET due_at = now() - interval '1 day'",
        "UPDATE cycle_requests SET due_at = now() + interval '3 days' WHERE name = 'Document 2'",
        "UPDATE cycle_requests SET status = 'not_applicable' WHERE name = 'Document 3'",
        "DELETE FROM cycle_requests WHERE name = 'Document 1'",
    ];
    for sql in statements {
        diesel::sql_query(sql).execute(&mut app.conn()).expect(sql);
        let (kept, recounted) = kept_and_recounted(&app);
        assert_eq!(kept, recounted, "after {sql}");
    }
    // A request moved to another project's cycle counts there, and a deleted cycle takes
    // its counts along.
    let target: i32 = cycles::table
        .filter(cycles::project_id.eq(b))
        .select(cycles::id)
        .order(cycles::cycle_number.desc())
        .first(&mut app.conn())
        .expect("cycle of B");
    diesel::sql_query(format!(
        "UPDATE cycle_requests SET cycle_id = {target}, required = true
          WHERE cycle_id IN (SELECT id FROM cycles WHERE project_id = {a}) AND name = 'Document 0'"
    ))
    .execute(&mut app.conn())
    .expect("move");
    let (kept, recounted) = kept_and_recounted(&app);
    assert_eq!(kept, recounted, "after a move");
    diesel::delete(cycles::table.filter(cycles::project_id.eq(a)))
        .execute(&mut app.conn())
        .expect("delete cycles");
    let (kept, recounted) = kept_and_recounted(&app);
    assert_eq!(kept, recounted, "after deleting cycles");
    let emptied: i16 = diesel::sql_query(format!(
        "SELECT latest_percent AS n FROM project_completeness WHERE project_id = {a}"
    ))
    .get_result::<Percent>(&mut app.conn())
    .expect("row of A")
    .n;
    assert_eq!(emptied, 101, "a project without cycles comes last");
    let orphans: i64 = diesel::sql_query(
        "SELECT count(*) AS n FROM cycle_request_counts k
          WHERE NOT EXISTS (SELECT 1 FROM cycles c WHERE c.id = k.cycle_id)",
    )
    .get_result::<Orphans>(&mut app.conn())
    .expect("orphans")
    .n;
    assert_eq!(orphans, 0);
}

#[derive(QueryableByName)]
struct Orphans {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Percent {
    #[diesel(sql_type = diesel::sql_types::SmallInt)]
    n: i16,
}
