//! Tenant isolation and the authorisation matrix, generated from the router's own table
//! (`hopper::routes::ROUTES`): a new route fails here until its placeholders are known.

use diesel::prelude::*;
use hopper::db::ids::{
    CompanyId, CycleId, FileUploadId, ProjectId, StorageLocationId, SyncSessionId, UserId,
};
use hopper::routes::{Access, RouteSpec, ROUTES};
use hopper::schema::{
    api_tokens, auth_sessions, cycles, file_uploads, legal_holds, project_access, projects,
    share_links, sync_sessions, users,
};
use uuid::Uuid;

use crate::helpers::{
    create_company, create_cycle, create_project, grant_access, Page, TestApp, TestUser,
    UserFixture, UserSession,
};

struct Ids {
    company: CompanyId,
    project: ProjectId,
    cycle: CycleId,
    user: UserId,
    session: Uuid,
    sync_session: SyncSessionId,
    file: FileUploadId,
    link: i32,
    /// A request of the cycle, and an item of the project's request list.
    request: i32,
    item: i32,
    /// A personal API token of the world's user.
    token: i32,
    /// A legal hold of the company (lifted: it blocks nothing here).
    hold: i32,
    /// A webhook endpoint of the company (switched off) and a delivery of it.
    endpoint: i32,
    delivery: i64,
}

fn path_for(route: &RouteSpec, ids: &Ids) -> String {
    let mut path = route.path.to_owned();
    for (placeholder, value) in [
        ("{company_id}", ids.company.to_string()),
        ("{project_id}", ids.project.to_string()),
        ("{cycle_id}", ids.cycle.to_string()),
        ("{user_id}", ids.user.to_string()),
        ("{session_id}", ids.session.to_string()),
        ("{sync_session_id}", ids.sync_session.to_string()),
        ("{file_id}", ids.file.to_string()),
        ("{link_id}", ids.link.to_string()),
        ("{request_id}", ids.request.to_string()),
        ("{item_id}", ids.item.to_string()),
        ("{token_id}", ids.token.to_string()),
        ("{hold_id}", ids.hold.to_string()),
        ("{endpoint_id}", ids.endpoint.to_string()),
        ("{delivery_id}", ids.delivery.to_string()),
        // A passkey is only ever its owner's: any id answers 404 to everyone else.
        ("{passkey_id}", "1".to_owned()),
        ("{token}", "no-such-token".to_owned()),
        ("{tus_id}", Uuid::new_v4().to_string()),
        ("{sha256}", "0".repeat(64)),
        ("{colour}", "2357c6".to_owned()),
    ] {
        path = path.replace(placeholder, &value);
    }
    assert!(
        !path.contains('{'),
        "route {} has a placeholder this matrix does not know; classify it here",
        route.path
    );
    path
}

fn has_tenant_id(route: &RouteSpec) -> bool {
    [
        "{project_id}",
        "{cycle_id}",
        "{user_id}",
        "{session_id}",
        "{sync_session_id}",
        "{file_id}",
        "{link_id}",
        "{request_id}",
        "{item_id}",
        "{token_id}",
        "{hold_id}",
        "{endpoint_id}",
    ]
    .iter()
    .any(|p| route.path.contains(p))
}

/// A body that would be valid for every form, with a tampered `company_id` thrown in.
fn plausible_form(user: UserId, company: CompanyId) -> Vec<(&'static str, String)> {
    vec![
        ("company_id", company.to_string()),
        ("user_id", user.to_string()),
        ("access_role", "uploader".into()),
        ("status", "in_progress".into()),
        ("s3_prefix", "stolen/prefix".into()),
        ("description", "stolen".into()),
        ("project_name", "Stolen".into()),
        ("bucket_name", "stolen-bucket".into()),
        ("aws_region", "us-east-1".into()),
        ("email", "stolen@example.test".into()),
        ("full_name", "Stolen".into()),
        ("role", "admin".into()),
        ("timezone", "UTC".into()),
        ("name", "Stolen".into()),
        ("decision", "accept".into()),
        ("note", "stolen".into()),
        ("due", "2030-01-01".into()),
    ]
}

async fn request(
    session: &UserSession<'_>,
    route: &RouteSpec,
    path: &str,
    form: &[(&'static str, String)],
    htmx: bool,
) -> Page {
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    match (route.method, htmx) {
        ("get", false) => session.get(path).await,
        ("get", true) => session.get_htmx(path).await,
        ("post", false) => session.post(path, &fields).await,
        ("post", true) => session.post_htmx(path, &fields).await,
        (other, _) => panic!("method {other} of {} is not covered", route.path),
    }
}

/// An upload batch with one stored file (row and S3 object).
async fn stored_file(
    app: &TestApp,
    company: CompanyId,
    project: ProjectId,
    cycle: CycleId,
    user: UserId,
) -> (SyncSessionId, FileUploadId) {
    let bucket: String = projects::table
        .find(project)
        .select(projects::bucket_name)
        .first(&mut app.conn())
        .expect("bucket");
    let key = format!("p{project}/C1/report.txt");
    let storage = &app.storage;
    storage.ensure_bucket(&bucket).await.expect("bucket");
    storage
        .client()
        .put_object()
        .bucket(&bucket)
        .key(&key)
        .body(b"quarterly figures".to_vec().into())
        .send()
        .await
        .expect("object");
    let session: SyncSessionId = diesel::insert_into(sync_sessions::table)
        .values((
            sync_sessions::project_id.eq(project),
            sync_sessions::cycle_id.eq(cycle),
            sync_sessions::user_id.eq(user),
            sync_sessions::status.eq("completed"),
            sync_sessions::total_files.eq(1),
            sync_sessions::files_uploaded.eq(1),
        ))
        .returning(sync_sessions::id)
        .get_result(&mut app.conn())
        .expect("session");
    let file: FileUploadId = diesel::insert_into(file_uploads::table)
        .values((
            file_uploads::session_id.eq(session),
            file_uploads::company_id.eq(company),
            file_uploads::cycle_id.eq(cycle),
            file_uploads::file_path.eq("report.txt"),
            file_uploads::s3_key.eq(&key),
            file_uploads::status.eq("completed"),
            file_uploads::file_size.eq(17i64),
        ))
        .returning(file_uploads::id)
        .get_result(&mut app.conn())
        .expect("file");
    (session, file)
}

fn share_link(app: &TestApp, company: CompanyId) -> i32 {
    diesel::insert_into(share_links::table)
        .values((
            share_links::company_id.eq(company),
            share_links::label.eq("Lobby"),
            share_links::token_hash.eq(uuid::Uuid::new_v4().as_bytes().repeat(2)),
            share_links::expires_at.eq(chrono::Utc::now() + chrono::Duration::days(1)),
        ))
        .returning(share_links::id)
        .get_result(&mut app.conn())
        .expect("share link")
}

fn api_token(app: &TestApp, company: CompanyId, user: UserId) -> i32 {
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::company_id.eq(company),
            api_tokens::user_id.eq(user),
            api_tokens::name.eq("nightly"),
            api_tokens::token_hash.eq(uuid::Uuid::new_v4().as_bytes().repeat(2)),
            api_tokens::token_prefix.eq("hop_xxxxxx"),
            api_tokens::scopes.eq(vec!["upload"]),
            api_tokens::expires_at.eq(chrono::Utc::now() + chrono::Duration::days(1)),
        ))
        .returning(api_tokens::id)
        .get_result(&mut app.conn())
        .expect("api token")
}

/// A request in `cycle` and an item in the project's request list, inserted as an
/// operator's SQL would.
fn requests(app: &TestApp, company: CompanyId, project: ProjectId, cycle: CycleId) -> (i32, i32) {
    use diesel::sql_types::Int4;
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = Int4)]
        id: i32,
    }
    let request: Id = diesel::sql_query(
        "INSERT INTO cycle_requests (company_id, cycle_id, name) VALUES ($1, $2, 'Ledger') RETURNING id",
    )
    .bind::<Int4, _>(company.0)
    .bind::<Int4, _>(cycle.0)
    .get_result(&mut app.conn())
    .expect("cycle request");
    let item: Id = diesel::sql_query(
        "INSERT INTO document_requests (company_id, project_id, name) VALUES ($1, $2, 'Ledger') RETURNING id",
    )
    .bind::<Int4, _>(company.0)
    .bind::<Int4, _>(project.0)
    .get_result(&mut app.conn())
    .expect("document request");
    (request.id, item.id)
}

/// A lifted legal hold of `company`, placed and lifted by `user`.
fn lifted_hold(app: &TestApp, company: CompanyId, user: UserId) -> i32 {
    let now = chrono::Utc::now();
    diesel::insert_into(legal_holds::table)
        .values((
            legal_holds::company_id.eq(company),
            legal_holds::reason.eq("Litigation"),
            legal_holds::placed_by.eq(user),
            legal_holds::placed_by_name.eq("someone"),
            legal_holds::placed_at.eq(now),
            legal_holds::lifted_by.eq(user),
            legal_holds::lifted_by_name.eq("someone"),
            legal_holds::lifted_at.eq(now),
            legal_holds::lift_reason.eq("Settled"),
        ))
        .returning(legal_holds::id)
        .get_result(&mut app.conn())
        .expect("legal hold")
}

/// A webhook endpoint of `company` (switched off, so nothing is sent) with one event
/// delivered to it: the endpoint's id and the delivery's.
fn webhook_endpoint(app: &TestApp, company: CompanyId) -> (i32, i64) {
    #[derive(QueryableByName)]
    struct Made {
        #[diesel(sql_type = diesel::sql_types::Int4)]
        endpoint: i32,
        #[diesel(sql_type = diesel::sql_types::Int8)]
        delivery: i64,
    }
    let made: Made = diesel::sql_query(
        "WITH e AS (INSERT INTO webhook_endpoints (company_id, url, events, secret, enabled, created_at)
                    VALUES ($1, 'https://example.com/hooks', ARRAY['file.stored'], 'whsec_AAAA', false, now())
                    RETURNING id),
              m AS (INSERT INTO webhook_events (company_id, msg_id, event_type, payload, created_at)
                    VALUES ($1, 'msg_' || md5(random()::text), 'file.stored', '{}', now()) RETURNING id),
              d AS (INSERT INTO webhook_deliveries (company_id, event_id, endpoint_id, status,
                                                     next_attempt_at, retry_until, created_at)
                    SELECT $1, m.id, e.id, 'delivered', now(), now(), now() FROM e, m RETURNING id, endpoint_id)
         SELECT endpoint_id AS endpoint, id AS delivery FROM d",
    )
    .bind::<diesel::sql_types::Int4, _>(company.0)
    .get_result(&mut app.conn())
    .expect("webhook endpoint");
    (made.endpoint, made.delivery)
}

struct World {
    app: TestApp,
    admin_a: TestUser,
    user_a: TestUser,
    viewer_a: TestUser,
    operator: TestUser,
    own: Ids,
    other: Ids,
    missing: Ids,
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    // Look-alike data: both companies have a project and users of the same shape.
    let a = create_company(&app, "ALPHA", true);
    let b = create_company(&app, "BRAVO", true);
    let admin_a = UserFixture::new("admin.a")
        .role("admin")
        .company(a)
        .create(&app)
        .await;
    let user_a = UserFixture::new("user.a").company(a).create(&app).await;
    let viewer_a = UserFixture::new("viewer.a")
        .role("viewer")
        .company(a)
        .create(&app)
        .await;
    let user_b = UserFixture::new("user.b").company(b).create(&app).await;
    UserFixture::new("admin.b")
        .role("admin")
        .company(b)
        .create(&app)
        .await;
    let operator = UserFixture::new("operator")
        .role("superadmin")
        .create(&app)
        .await;
    let project_a = create_project(&app, a, "Books");
    let project_b = create_project(&app, b, "Books");
    let cycle_a = create_cycle(&app, project_a, 1);
    let cycle_b = create_cycle(&app, project_b, 1);
    grant_access(&app, a, project_a, user_a.id, "uploader");
    grant_access(&app, b, project_b, user_b.id, "uploader");
    let (sync_a, file_a) = stored_file(&app, a, project_a, cycle_a, user_a.id).await;
    let (sync_b, file_b) = stored_file(&app, b, project_b, cycle_b, user_b.id).await;
    let (request_a, item_a) = requests(&app, a, project_a, cycle_a);
    let (request_b, item_b) = requests(&app, b, project_b, cycle_b);
    // user.b is signed in somewhere: their session id is a target too.
    app.session_for(&user_b).await;
    let session_b: Uuid = auth_sessions::table
        .filter(auth_sessions::user_id.eq(user_b.id))
        .select(auth_sessions::id)
        .first(&mut app.conn())
        .expect("session of user.b");
    let (endpoint_a, endpoint_b) = (webhook_endpoint(&app, a), webhook_endpoint(&app, b));
    World {
        own: Ids {
            company: a,
            project: project_a,
            cycle: cycle_a,
            user: user_a.id,
            session: Uuid::new_v4(),
            sync_session: sync_a,
            file: file_a,
            link: share_link(&app, a),
            request: request_a,
            item: item_a,
            token: api_token(&app, a, user_a.id),
            hold: lifted_hold(&app, a, user_a.id),
            endpoint: endpoint_a.0,
            delivery: endpoint_a.1,
        },
        other: Ids {
            company: b,
            project: project_b,
            cycle: cycle_b,
            user: user_b.id,
            session: session_b,
            sync_session: sync_b,
            file: file_b,
            link: share_link(&app, b),
            request: request_b,
            item: item_b,
            token: api_token(&app, b, user_b.id),
            hold: lifted_hold(&app, b, user_b.id),
            endpoint: endpoint_b.0,
            delivery: endpoint_b.1,
        },
        missing: Ids {
            company: CompanyId(999_999),
            project: ProjectId(999_999),
            cycle: CycleId(999_999),
            user: UserId(999_999),
            session: Uuid::new_v4(),
            sync_session: SyncSessionId(999_999),
            file: FileUploadId(999_999),
            link: 999_999,
            request: 999_999,
            item: 999_999,
            token: 999_999,
            hold: 999_999,
            endpoint: 999_999,
            delivery: 999_999,
        },
        app,
        admin_a,
        user_a,
        viewer_a,
        operator,
    }
}

#[actix_web::test]
async fn every_route_refuses_the_anonymous_and_the_wrong_role() {
    let w = world().await;
    let app = &w.app;
    let anonymous = TestApp::new_client();
    let token = app.get_with(&anonymous, "/login").await.csrf_token();
    let user_a = app.session_for(&w.user_a).await;
    let viewer_a = app.session_for(&w.viewer_a).await;
    let admin_a = app.session_for(&w.admin_a).await;
    let operator = app.session_for(&w.operator).await;

    for route in ROUTES {
        let path = path_for(route, &w.own);
        if matches!(route.access, Access::Token | Access::Uploader) {
            // The API takes a bearer token only: no token, or only a session cookie, is
            // a 401 problem, never a redirect to the sign-in page. Resumable uploads also
            // take a session, but an anonymous caller gets the same 401.
            let callers: &[(&str, &reqwest::Client)] = match route.access {
                Access::Token => &[("anonymous", &anonymous), ("signed in", &user_a.http)],
                _ => &[("anonymous", &anonymous)],
            };
            for (who, client) in callers {
                let method = reqwest::Method::from_bytes(route.method.to_uppercase().as_bytes())
                    .expect("method");
                let response = client
                    .request(method, app.url(&path))
                    .header("Tus-Resumable", "1.0.0")
                    .header("X-CSRF-Token", &token)
                    .send()
                    .await
                    .expect("request");
                assert_eq!(response.status(), 401, "{who}: {} {path}", route.method);
                let kind = response
                    .headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                assert_eq!(
                    kind, "application/problem+json",
                    "{who}: {} {path}",
                    route.method
                );
            }
            continue;
        }
        if route.access != Access::Public {
            let response = match route.method {
                "get" => anonymous.get(app.url(&path)).send().await,
                _ => {
                    anonymous
                        .post(app.url(&path))
                        .header("X-CSRF-Token", &token)
                        .send()
                        .await
                }
            }
            .expect("request");
            let location = response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            assert_eq!(response.status(), 303, "anonymous {} {path}", route.method);
            assert!(
                location.starts_with("/login"),
                "anonymous {} {path}",
                route.method
            );
        }
        let refused: Vec<(&str, &UserSession)> = match route.access {
            Access::CompanyAdmin => vec![
                ("user", &user_a),
                ("viewer", &viewer_a),
                ("operator without an opened company", &operator),
            ],
            Access::Operator => vec![("admin", &admin_a), ("user", &user_a)],
            Access::Auditor => vec![("user", &user_a), ("viewer", &viewer_a)],
            _ => vec![],
        };
        for (who, session) in refused {
            let page = request(session, route, &path, &[], false).await;
            assert_eq!(page.status, 403, "{who}: {} {path}", route.method);
        }
        // The right role reaches every page (actions are exercised by their own tests).
        if route.method == "get" {
            let allowed = match route.access {
                Access::Public | Access::Token | Access::Uploader => None,
                Access::SignedIn | Access::Member => Some(&user_a),
                Access::CompanyAdmin | Access::Auditor => Some(&admin_a),
                Access::Operator => Some(&operator),
            };
            if let Some(session) = allowed {
                let page = request(session, route, &path, &[], false).await;
                assert_eq!(page.status, 200, "GET {path}: {}", page.body);
                let partial = request(session, route, &path, &[], true).await;
                assert_eq!(partial.status, 200, "htmx GET {path}");
            }
        }
    }
}

fn access_denied_count(app: &TestApp) -> usize {
    app.audit_rows("access_denied").len()
}

#[actix_web::test]
async fn another_companys_objects_are_a_404_like_missing_ones_and_are_audited() {
    let w = world().await;
    let app = &w.app;
    let admin_a = app.session_for(&w.admin_a).await;
    let user_a = app.session_for(&w.user_a).await;
    let form = plausible_form(w.other.user, w.other.company);

    let mut checked = 0;
    for route in ROUTES.iter().filter(|r| has_tenant_id(r)) {
        let asker = match route.access {
            Access::CompanyAdmin => &admin_a,
            Access::Member | Access::SignedIn => &user_a,
            // The API's tenant checks are in api.rs (they need a token).
            // Resumable uploads' tenant checks are in tus.rs.
            Access::Operator
            | Access::Public
            | Access::Auditor
            | Access::Token
            | Access::Uploader => continue,
        };
        for htmx in [false, true] {
            let before = access_denied_count(app);
            let other = request(asker, route, &path_for(route, &w.other), &form, htmx).await;
            assert_eq!(
                other.status, 404,
                "{} {} (htmx {htmx})",
                route.method, route.path
            );
            assert_eq!(
                access_denied_count(app),
                before + 1,
                "access_denied row for {} {}",
                route.method,
                route.path
            );
            let missing = request(asker, route, &path_for(route, &w.missing), &form, htmx).await;
            assert_eq!(missing.status, 404);
            assert_eq!(
                other.body, missing.body,
                "{} looks different from a missing id",
                route.path
            );
            checked += 1;
        }
    }
    assert!(checked >= 30, "only {checked} requests checked");

    // A cycle of another company's project, reached through one's own project id.
    let mixed = format!("/admin/projects/{}/cycles/{}", w.own.project, w.other.cycle);
    assert_eq!(admin_a.get(&mixed).await.status, 404);
    // Granting one's own project to another company's user.
    let grant = admin_a
        .post(
            &format!("/admin/projects/{}/access", w.own.project),
            &[
                ("user_id", &w.other.user.to_string()),
                ("access_role", "uploader"),
            ],
        )
        .await;
    assert_eq!(grant.status, 404);

    let denied = app.audit_rows("access_denied");
    let last = denied.last().expect("rows");
    assert_eq!(last.actor_username.as_deref(), Some("admin.a"));
    assert_eq!(last.company_id, Some(w.own.company));
    assert_eq!(last.resource_type.as_deref(), Some("user"));

    // Company B's data is exactly as it was.
    let mut conn = app.conn();
    let (name, deleted): (String, Option<chrono::DateTime<chrono::Utc>>) = projects::table
        .find(w.other.project)
        .select((projects::project_name, projects::deleted_at))
        .first(&mut conn)
        .expect("project b");
    assert_eq!(name, "Books");
    assert!(deleted.is_none());
    let (status, prefix): (String, String) = cycles::table
        .find(w.other.cycle)
        .select((cycles::status, cycles::s3_prefix))
        .first(&mut conn)
        .expect("cycle b");
    assert_eq!(
        (status.as_str(), prefix.as_str()),
        ("pending", format!("p{}/C1", w.other.project).as_str())
    );
    let (active, role, email): (bool, String, String) = users::table
        .find(w.other.user)
        .select((users::is_active, users::role, users::email))
        .first(&mut conn)
        .expect("user b");
    assert!(active);
    assert_eq!(role, "user");
    assert_eq!(email, "user.b@example.test");
    let grants: i64 = project_access::table
        .filter(project_access::project_id.eq(w.other.project))
        .count()
        .get_result(&mut conn)
        .expect("grants");
    assert_eq!(grants, 1);
    let live: Option<chrono::DateTime<chrono::Utc>> = auth_sessions::table
        .find(w.other.session)
        .select(auth_sessions::revoked_at)
        .first(&mut conn)
        .expect("session b");
    assert!(live.is_none(), "user.b's session is still live");
    let (deleted, status): (Option<chrono::DateTime<chrono::Utc>>, String) = file_uploads::table
        .find(w.other.file)
        .select((file_uploads::deleted_at, file_uploads::status))
        .first(&mut conn)
        .expect("file b");
    assert!(deleted.is_none());
    assert_eq!(status, "completed");
    let batches: i64 = sync_sessions::table
        .filter(sync_sessions::project_id.eq(w.other.project))
        .count()
        .get_result(&mut conn)
        .expect("batches of b");
    assert_eq!(batches, 1, "no upload session was started in company B");
    let revoked: Option<chrono::DateTime<chrono::Utc>> = share_links::table
        .find(w.other.link)
        .select(share_links::revoked_at)
        .first(&mut conn)
        .expect("link b");
    assert!(revoked.is_none(), "company B's wall link still works");
}

fn location_of(app: &TestApp, project: ProjectId) -> StorageLocationId {
    projects::table
        .find(project)
        .select(projects::storage_location_id)
        .first(&mut app.conn())
        .expect("location")
}

#[actix_web::test]
async fn a_tampered_company_id_is_ignored() {
    let w = world().await;
    let app = &w.app;
    let admin_a = app.session_for(&w.admin_a).await;
    let own_location = location_of(app, w.own.project);
    let created = admin_a
        .post(
            "/admin/projects",
            &[
                ("company_id", &w.other.company.to_string()),
                ("project_name", "Planted"),
                ("storage_location_id", &own_location.to_string()),
                ("bucket_name", "planted-bucket"),
                ("aws_region", "us-east-1"),
            ],
        )
        .await;
    assert_eq!(created.status, 303);
    let owner: CompanyId = projects::table
        .filter(projects::project_name.eq("Planted"))
        .select(projects::company_id)
        .first(&mut app.conn())
        .expect("project");
    assert_eq!(owner, w.own.company);

    let user = admin_a
        .post(
            "/admin/users?company_id=2",
            &[
                ("company_id", &w.other.company.to_string()),
                ("username", "planted.user"),
                ("email", "planted@example.test"),
                ("role", "user"),
            ],
        )
        .await;
    assert_eq!(user.status, 200);
    let owner: CompanyId = users::table
        .filter(users::username.eq("planted.user"))
        .select(users::company_id)
        .first(&mut app.conn())
        .expect("user");
    assert_eq!(owner, w.own.company);
}

#[actix_web::test]
async fn lists_never_show_another_companys_look_alike_rows() {
    let w = world().await;
    let app = &w.app;
    let admin_a = app.session_for(&w.admin_a).await;
    let users = admin_a.get("/admin/users").await;
    assert!(users.body.contains("user.a"));
    assert!(!users.body.contains("user.b") && !users.body.contains("admin.b"));
    let projects = admin_a.get("/admin/projects?q=Books").await;
    assert_eq!(
        projects.body.matches("<a href=\"/admin/projects/").count(),
        1
    );
    assert!(projects
        .body
        .contains(&format!("/admin/projects/{}\"", w.own.project)));
    let mine = app.session_for(&w.user_a).await.get("/projects").await;
    assert!(mine
        .body
        .contains(&format!("/projects/{}\"", w.own.project)));
    assert!(!mine
        .body
        .contains(&format!("/projects/{}\"", w.other.project)));
}
