//! Dashboards: figures equal the seed's views, company A never sees company B, share
//! links for wall screens, the audit trail's keyset pages and CSV export.

use chrono::{Duration, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Int4};
use hopper::db::ids::{CompanyId, ProjectId};
use hopper::schema::{audit_log, share_links, user_profiles};
use hopper::services::audit_trail::{self, AuditFilter};
use hopper::services::dashboards::{self, ProjectFilter, ProjectSort, Scope};

use crate::helpers::{create_company, create_cycle, create_project, TestApp, UserFixture};

/// Generated look-alike data: per company projects, cycles and finished sessions with
/// varied counters, straight into the tables.
fn generate(app: &TestApp, company: CompanyId, projects: usize) -> Vec<ProjectId> {
    let mut ids = Vec::new();
    for p in 0..projects {
        let project = create_project(app, company, &format!("Project {p:02}"));
        for c in 1..=(p % 4 + 1) as i32 {
            let cycle = create_cycle(app, project, c);
            diesel::sql_query(
                "INSERT INTO sync_sessions (project_id, cycle_id, status, total_files, files_uploaded,
                     files_failed, files_skipped, total_size_bytes, uploaded_size_bytes, started_at, completed_at)
                 SELECT $1, $2, 'completed', u + f + s, u, f, s, (u + f + s) * 1000, u * 1000,
                        now() - (g || ' hours')::interval, now() - (g || ' hours')::interval + interval '5 minutes'
                 FROM (SELECT g, (g * 7 + $3) % 13 AS u, (g + $3) % 3 AS f, (g * 5) % 4 AS s
                       FROM generate_series(1, 3 + $3 % 5) AS g) AS x",
            )
            .bind::<Int4, _>(project.0)
            .bind::<Int4, _>(cycle.0)
            .bind::<Int4, _>((p * 10) as i32 + c)
            .execute(&mut app.conn())
            .expect("sessions");
        }
        ids.push(project);
    }
    ids
}

#[derive(QueryableByName, Debug, PartialEq, Eq)]
struct ViewProject {
    #[diesel(sql_type = Int4)]
    project_id: i32,
    #[diesel(sql_type = BigInt)]
    total_cycles: i64,
    #[diesel(sql_type = BigInt)]
    total_sessions: i64,
}

#[derive(QueryableByName, Debug, PartialEq, Eq)]
struct ViewCycle {
    #[diesel(sql_type = Int4)]
    cycle_id: i32,
    #[diesel(sql_type = BigInt)]
    total_sessions: i64,
    #[diesel(sql_type = BigInt)]
    total_files: i64,
    #[diesel(sql_type = BigInt)]
    files_uploaded: i64,
    #[diesel(sql_type = BigInt)]
    files_failed: i64,
    #[diesel(sql_type = BigInt)]
    total_size_bytes: i64,
}

#[actix_web::test]
async fn figures_equal_the_seed_views_on_generated_data() {
    let app = TestApp::spawn().await;
    let a = create_company(&app, "ALPHA", true);
    let b = create_company(&app, "BRAVO", true);
    generate(&app, a, 7);
    generate(&app, b, 5);
    let mut conn = app.conn();
    let view: Vec<ViewProject> = diesel::sql_query(
        "SELECT project_id, total_cycles, total_sessions FROM v_project_summary ORDER BY project_id",
    )
    .load(&mut conn)
    .expect("view");
    let (mut rows, mut after) = (Vec::new(), None);
    loop {
        // Small pages: the figures must survive keyset paging too.
        let (page, next) = dashboards::project_summary(
            &mut conn,
            Scope::All,
            &ProjectFilter::default(),
            ProjectSort::Name,
            after.as_ref(),
            (5, app.state.services.clock().now()),
        )
        .expect("summary");
        rows.extend(page);
        match next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    assert_eq!(rows.len(), 12);
    for v in &view {
        let row = rows
            .iter()
            .find(|r| r.id.0 == v.project_id)
            .expect("project in summary");
        assert_eq!(
            (row.cycles, row.sessions),
            (v.total_cycles, v.total_sessions),
            "project {}",
            v.project_id
        );
    }

    let cycles: Vec<ViewCycle> = diesel::sql_query(
        "SELECT cycle_id, total_sessions, total_files::bigint, files_uploaded::bigint,
                files_failed::bigint, total_size_bytes::bigint
         FROM v_cycle_summary ORDER BY cycle_id",
    )
    .load(&mut conn)
    .expect("cycle view");
    let mut checked = 0;
    for project in rows.iter().map(|r| r.id) {
        let (summary, _) = dashboards::cycle_summary(
            &mut conn,
            project,
            None,
            (100, app.state.services.clock().now()),
        )
        .expect("cycles");
        for c in summary {
            let v = cycles
                .iter()
                .find(|v| v.cycle_id == c.id.0)
                .expect("cycle in view");
            assert_eq!(
                (
                    c.sessions,
                    c.total_files,
                    c.files_uploaded,
                    c.files_failed,
                    c.total_bytes
                ),
                (
                    v.total_sessions,
                    v.total_files,
                    v.files_uploaded,
                    v.files_failed,
                    v.total_size_bytes
                ),
                "cycle {}",
                v.cycle_id
            );
            checked += 1;
        }
    }
    assert_eq!(checked, cycles.len());
}

#[actix_web::test]
async fn company_a_never_sees_company_b_on_dashboards_or_in_the_audit_trail() {
    let app = TestApp::spawn().await;
    let a = create_company(&app, "ALPHA", true);
    let b = create_company(&app, "BRAVO", true);
    let a_projects = generate(&app, a, 2);
    let b_projects = generate(&app, b, 2);
    let admin = UserFixture::new("admin.a")
        .role("admin")
        .company(a)
        .create(&app)
        .await;
    let other = UserFixture::new("admin.b")
        .role("admin")
        .company(b)
        .create(&app)
        .await;
    let alice = app.session_for(&admin).await;
    let _bob = app.session_for(&other).await; // leaves company B audit rows (sign-in)

    let page = alice.get("/dashboard").await;
    assert_eq!(page.status, 200);
    for p in &a_projects {
        assert!(page.body.contains(&format!("data-project=\"{p}\"")));
    }
    for p in &b_projects {
        assert!(!page.body.contains(&format!("data-project=\"{p}\"")));
        assert_eq!(
            alice.get(&format!("/dashboard/projects/{p}")).await.status,
            404
        );
    }
    let trail = alice.get("/dashboard/audit").await;
    assert_eq!(trail.status, 200);
    assert!(trail.body.contains("admin.a"));
    assert!(!trail.body.contains("admin.b"), "no company B rows");
    let csv = alice.get("/dashboard/audit.csv").await;
    assert!(csv.body.contains("admin.a") && !csv.body.contains("admin.b"));
    // Uploaders see only the projects granted to them; viewers see the company's.
    let uploader = UserFixture::new("up.a").company(a).create(&app).await;
    let up = app.session_for(&uploader).await;
    assert!(!up.get("/dashboard").await.body.contains("data-project="));
    assert_eq!(up.get("/dashboard/audit").await.status, 403);
}

#[actix_web::test]
async fn share_links_open_a_read_only_dashboard_until_they_expire_or_are_revoked() {
    let app = TestApp::spawn().await;
    let company = app.default_company();
    let projects = generate(&app, company, 3);
    let other = create_company(&app, "OTHER", true);
    let foreign = generate(&app, other, 1);
    let admin = UserFixture::new("alice").role("admin").create(&app).await;
    let alice = app.session_for(&admin).await;

    let created = alice
        .post(
            "/admin/share-links",
            &[("label", "Lobby"), ("project", ""), ("days", "7")],
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let marker = "id=\"share-link\">";
    let start = created.body.find(marker).expect("link shown once") + marker.len();
    let url = created.body[start..]
        .split('<')
        .next()
        .expect("link")
        .to_owned();
    let path = url
        .split_once("/wall/")
        .map(|(_, t)| format!("/wall/{t}"))
        .expect("wall path");

    let screen = TestApp::new_client();
    let wall = app.get_with(&screen, &path).await;
    assert_eq!(wall.status, 200);
    for p in &projects {
        assert!(wall.body.contains(&format!("data-project=\"{p}\"")));
    }
    assert!(!wall
        .body
        .contains(&format!("data-project=\"{}\"", foreign[0])));
    assert!(!wall.body.contains("<form"), "read-only: no forms");
    assert!(
        wall.body.contains("hx-trigger=\"every 30s\""),
        "refreshes itself"
    );
    assert_eq!(app.audit_rows("share_link.used").len(), 1);
    // Its own refresh is not another use.
    let refresh = screen
        .get(app.url(&path))
        .header("HX-Request", "true")
        .send()
        .await
        .expect("refresh");
    assert_eq!(refresh.status(), 200);
    assert_eq!(app.audit_rows("share_link.used").len(), 1);
    // Nothing else opens with it: the link is not a session.
    assert_eq!(
        app.get_with(&screen, "/dashboard")
            .await
            .location
            .as_deref(),
        Some("/login")
    );

    // A project-scoped link shows that project's cycles only.
    let scoped = alice
        .post(
            "/admin/share-links",
            &[
                ("label", "Project screen"),
                ("project", &projects[2].to_string()),
                ("days", "1"),
            ],
        )
        .await;
    let start = scoped.body.find(marker).expect("link") + marker.len();
    let scoped_path = format!(
        "/wall/{}",
        scoped.body[start..]
            .split('<')
            .next()
            .and_then(|u| u.split("/wall/").nth(1))
            .expect("token")
    );
    let project_wall = app.get_with(&screen, &scoped_path).await;
    assert!(project_wall.body.contains("Project 02"));
    assert!(project_wall.body.contains("data-cycle="));
    assert!(!project_wall.body.contains("Project 00"));

    // Expired, revoked, unknown: a clear page each.
    diesel::update(share_links::table.filter(share_links::label.eq("Project screen")))
        .set((
            share_links::created_at.eq(Utc::now() - Duration::days(3)),
            share_links::expires_at.eq(Utc::now() - Duration::days(1)),
        ))
        .execute(&mut app.conn())
        .expect("expire");
    let expired = app.get_with(&screen, &scoped_path).await;
    assert_eq!(expired.status, 410);
    assert!(expired.body.contains("Link expired"));
    let id: i32 = share_links::table
        .filter(share_links::label.eq("Lobby"))
        .select(share_links::id)
        .first(&mut app.conn())
        .expect("link");
    assert_eq!(
        alice
            .post(&format!("/admin/share-links/{id}/revoke"), &[])
            .await
            .status,
        303
    );
    let revoked = app.get_with(&screen, &path).await;
    assert_eq!(revoked.status, 410);
    assert!(revoked.body.contains("Link revoked"));
    assert_eq!(
        app.get_with(&screen, "/wall/not-a-real-token").await.status,
        404
    );
    assert_eq!(app.audit_rows("share_link.created").len(), 2);
    assert_eq!(app.audit_rows("share_link.revoked").len(), 1);
}

fn insert_audit(
    app: &TestApp,
    company: CompanyId,
    at: chrono::DateTime<Utc>,
    actor: &str,
    agent: &str,
) {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::created_at.eq(at),
            audit_log::company_id.eq(company),
            audit_log::actor_username.eq(actor),
            audit_log::action.eq("project.updated"),
            audit_log::user_agent.eq(agent),
            audit_log::details.eq(serde_json::json!({ "note": "=1+1" })),
        ))
        .execute(&mut app.conn())
        .expect("audit row");
}

#[actix_web::test]
async fn csv_export_defuses_formulas() {
    let app = TestApp::spawn().await;
    let admin = UserFixture::new("alice").role("admin").create(&app).await;
    insert_audit(
        &app,
        admin.company_id,
        Utc::now(),
        "=HYPERLINK(\"http://evil\")",
        "@SUM(A1)",
    );
    insert_audit(&app, admin.company_id, Utc::now(), "+danger", "-minus");
    let alice = app.session_for(&admin).await;
    let response = alice
        .get("/dashboard/audit.csv?action=project.updated")
        .await;
    assert_eq!(response.status, 200);
    let mut reader = csv::Reader::from_reader(response.body.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("record")).collect();
    assert_eq!(records.len(), 2);
    for record in &records {
        for cell in record.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@']),
                "unsafe cell {cell:?}"
            );
        }
    }
    assert!(records
        .iter()
        .any(|r| r.get(2) == Some("'=HYPERLINK(\"http://evil\")")));
    assert!(records.iter().any(|r| r.get(10) == Some("'@SUM(A1)")));
}

#[actix_web::test]
async fn keyset_pages_have_no_duplicates_or_gaps_while_new_rows_arrive() {
    let app = TestApp::spawn().await;
    let company = app.default_company();
    let base = Utc::now() - Duration::hours(1);
    for i in 0..120 {
        // Some rows share a timestamp: the id breaks the tie.
        insert_audit(&app, company, base + Duration::seconds(i / 3), "seed", "ua");
    }
    let filter = AuditFilter {
        company: Some(company),
        action: Some("project.updated".into()),
        ..AuditFilter::default()
    };
    let (mut seen, mut after) = (Vec::new(), None);
    loop {
        let (rows, next) = audit_trail::page(&mut app.conn(), &filter, after, 50).expect("page");
        seen.extend(rows.iter().map(|r| r.id));
        // New activity lands while the reader pages back.
        insert_audit(&app, company, Utc::now(), "newcomer", "ua");
        match next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "no duplicates");
    assert_eq!(seen.len(), 120, "exactly the rows that existed, no gaps");

    // Through HTTP, "older" continues from the last row shown.
    let admin = UserFixture::new("alice").role("admin").create(&app).await;
    let alice = app.session_for(&admin).await;
    let first = alice.get("/dashboard/audit?action=project.updated").await;
    let older = first
        .body
        .split("hx-get=\"")
        .find(|s| s.starts_with("/dashboard/audit?") && s.contains("after="))
        .and_then(|s| s.split('"').next())
        .expect("older link")
        .replace("&amp;", "&")
        .replace("&#38;", "&");
    let next = alice.get_htmx(&older).await;
    assert!(!next.body.contains("<html"));
    let ids = |body: &str| -> Vec<String> {
        body.split("data-id=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .map(str::to_owned)
            .collect()
    };
    let (a, b) = (ids(&first.body), ids(&next.body));
    assert_eq!(a.len(), 50);
    assert!(
        a.iter().all(|id| !b.contains(id)),
        "the next page repeats nothing"
    );
}

#[actix_web::test]
async fn the_audit_trail_reads_dates_and_shows_times_in_the_viewers_timezone() {
    let app = TestApp::spawn().await;
    let admin = UserFixture::new("alice").role("admin").create(&app).await;
    diesel::update(user_profiles::table.find(admin.id))
        .set(user_profiles::timezone.eq("Asia/Tokyo"))
        .execute(&mut app.conn())
        .expect("timezone");
    // 16:00 UTC on the 21st is 01:00 on the 22nd in Tokyo.
    let at = chrono::DateTime::parse_from_rfc3339("2026-11-21T16:00:00Z")
        .expect("time")
        .with_timezone(&Utc);
    insert_audit(&app, admin.company_id, at, "tokyo-row", "ua");
    let alice = app.session_for(&admin).await;
    let on_22nd = alice
        .get("/dashboard/audit?from=2026-11-22&to=2026-11-22")
        .await;
    assert!(on_22nd.body.contains("tokyo-row"), "{}", on_22nd.body);
    assert!(on_22nd.body.contains("2026-11-22 01:00 JST"));
    let on_21st = alice
        .get("/dashboard/audit?from=2026-11-21&to=2026-11-21")
        .await;
    assert!(!on_21st.body.contains("tokyo-row"));
    let bad = alice.get("/dashboard/audit?from=22.11.2026").await;
    assert_eq!(bad.status, 400);
}

/// A wall screen goes dark with its company: deactivated, its links answer 410.
#[actix_web::test]
async fn wall_links_stop_when_their_company_is_deactivated() {
    use hopper::schema::companies;
    let app = TestApp::spawn().await;
    let company = crate::helpers::create_company(&app, "WALLCO", true);
    let token = "wall-token-for-a-deactivated-company";
    diesel::insert_into(share_links::table)
        .values((
            share_links::company_id.eq(company),
            share_links::label.eq("Lobby"),
            share_links::token_hash
                .eq(<sha2::Sha256 as sha2::Digest>::digest(token.as_bytes()).to_vec()),
            share_links::expires_at.eq(chrono::Utc::now() + chrono::Duration::days(1)),
        ))
        .execute(&mut app.conn())
        .expect("link");
    let screen = TestApp::new_client();
    assert_eq!(
        app.get_with(&screen, &format!("/wall/{token}"))
            .await
            .status,
        200
    );
    diesel::update(companies::table.find(company))
        .set(companies::is_active.eq(false))
        .execute(&mut app.conn())
        .expect("deactivate");
    let dark = app.get_with(&screen, &format!("/wall/{token}")).await;
    assert_eq!(dark.status, 410);
    assert!(dark.body.contains("not active"), "{}", dark.body);
}

/// Links shown to admins are built from the configured public URL, not the Host header.
#[actix_web::test]
async fn share_link_addresses_come_from_the_public_url_not_the_request() {
    let app = TestApp::spawn_with(|config| {
        config.public_url = Some("https://intake.example.test/".parse().expect("url"));
    })
    .await;
    let admin = crate::helpers::UserFixture::new("alice")
        .role("admin")
        .create(&app)
        .await;
    let alice = app.session_for(&admin).await;
    let created = alice
        .http
        .post(app.url("/admin/share-links"))
        .header("Host", "evil.example")
        .header("X-Forwarded-Host", "evil.example")
        .header("X-CSRF-Token", &alice.csrf)
        .form(&[("label", "Lobby"), ("project", ""), ("days", "7")])
        .send()
        .await
        .expect("create link");
    let body = created.text().await.expect("body");
    assert!(body.contains("https://intake.example.test/wall/"), "{body}");
    assert!(!body.contains("evil.example"));
}

/// The audit trail reads in words: people and things by their names, each action as a
/// sentence, the details folded away and in words, no raw JSON and no row ids.
#[actix_web::test]
async fn the_audit_trail_names_people_and_things_and_says_what_happened() {
    let app = TestApp::spawn().await;
    let s = crate::requests::setup(&app, false).await;
    let alice = app.session_for(&s.admin).await;
    let cycle = crate::upload_links::cycle_with_requests(&app, &alice, s.project).await;
    crate::upload_links::create_link(
        &alice,
        s.project,
        cycle,
        &[
            ("label", "ACME accounting"),
            ("days", "7"),
            ("max_files", "10"),
            ("max_mib", "50"),
        ],
    )
    .await;
    let uma = app.session_for(&s.uploader).await;
    let sent = uma
        .upload(
            &crate::requests::upload_path(s.project, cycle),
            crate::uploads::form(&[("march-statement.pdf", b"%PDF-1.7\n% march\n")]),
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);

    let page = alice.get("/dashboard/audit").await;
    assert_eq!(page.status, 200);
    let start = page.body.find("id=\"audit-table\"").expect("the table");
    let table = &page.body[start..];
    for words in [
        // Who, by name.
        "<td class=\"actor\">alice Example</td>",
        "<td class=\"actor\">uma Example</td>",
        // What, as a sentence; about what, by name and project.
        "Created an upload link",
        "upload link “ACME accounting” in Year end",
        "Uploaded a file",
        "file “march-statement.pdf” in Year end",
        "Started a cycle",
        "<summary>Details</summary>",
    ] {
        assert!(table.contains(words), "{words:?} is missing:\n{table}");
    }
    let link_id: i32 = hopper::schema::upload_links::table
        .select(hopper::schema::upload_links::id)
        .first(&mut app.conn())
        .expect("the link");
    for raw in [
        "{&quot;",
        "{\"",
        "upload_link",
        "file.uploaded",
        "sync_session",
        &format!("upload link {link_id}"),
        &format!("project {}", s.project),
    ] {
        assert!(!table.contains(raw), "{raw:?} is shown:\n{table}");
    }
    // The filter offers the actions as sentences too.
    assert!(page
        .body
        .contains("<option value=\"upload_link.created\">Created an upload link</option>"));
    // The export keeps the raw fields for programs.
    let csv = alice.get("/dashboard/audit.csv").await;
    assert!(csv.body.contains("upload_link.created"));
}
