//! Upload links for people without an account: created by an admin for a cycle (and
//! chosen requests), opened by a visitor who gives a name and an email (and the PIN),
//! files through the same pipeline and receipt, limits on files and bytes, expiry,
//! revocation, a throttled PIN, and nothing of another company within reach.

use chrono::{Duration, Utc};
use diesel::prelude::*;
use hopper::db::ids::{CycleId, ProjectId};
use hopper::schema::{cycle_requests, notifications, sync_sessions, upload_links};
use reqwest::multipart::{Form, Part};

use crate::helpers::{create_company, create_project, Page, TestApp, UserFixture, UserSession};
use crate::requests::{add_to_list, decide, document, requests_of, setup, start_cycle, status_of};

/// A cycle with two requests: "Bank statement" (`*statement*.pdf`) and "Payroll"
/// (`payroll*.pdf`).
pub async fn cycle_with_requests(
    app: &TestApp,
    admin: &UserSession<'_>,
    project: ProjectId,
) -> CycleId {
    add_to_list(admin, project, "Bank statement", "*statement*.pdf").await;
    add_to_list(admin, project, "Payroll", "payroll*.pdf").await;
    start_cycle(app, admin, project).await
}

/// A project (see `requests::setup`) whose admin started a cycle of two requests (see
/// [`cycle_with_requests`]) and made a link into it with these form fields: the setup,
/// the cycle and the link's path.
pub async fn project_with_link(
    app: &TestApp,
    fields: &[(&str, &str)],
) -> (crate::requests::Setup, CycleId, String) {
    let s = setup(app, false).await;
    let admin = app.session_for(&s.admin).await;
    let cycle = cycle_with_requests(app, &admin, s.project).await;
    let link = create_link(&admin, s.project, cycle, fields).await;
    (s, cycle, link)
}

fn links_path(project: ProjectId, cycle: CycleId) -> String {
    format!("/admin/projects/{project}/cycles/{cycle}/links")
}

/// Creates a link through the admin's form; returns its path (`/u/{token}`).
pub async fn create_link(
    admin: &UserSession<'_>,
    project: ProjectId,
    cycle: CycleId,
    fields: &[(&str, &str)],
) -> String {
    let page = admin.post(&links_path(project, cycle), fields).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let marker = "id=\"upload-link\">";
    let start = page.body.find(marker).expect("the new link is shown") + marker.len();
    let end = page.body[start..].find('<').expect("link ends") + start;
    let url = &page.body[start..end];
    let path = &url[url.find("/u/").expect("a /u/ link")..];
    path.to_owned()
}

/// A browser without an account, keeping cookies.
pub struct Visitor<'a> {
    app: &'a TestApp,
    http: reqwest::Client,
}

impl<'a> Visitor<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            http: TestApp::new_client(),
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        self.app.get_with(&self.http, path).await
    }

    /// The address of `path` on the server.
    pub fn url(&self, path: &str) -> String {
        self.app.url(path)
    }

    /// The visitor's browser (its cookies: the visit's and the CSRF one).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    pub async fn identify(&self, link: &str, name: &str, email: &str, pin: &str) -> Page {
        let token = self.get(link).await.csrf_token();
        self.app
            .post_form_with(
                &self.http,
                link,
                &[
                    ("csrf_token", &token),
                    ("name", name),
                    ("email", email),
                    ("pin", pin),
                ],
            )
            .await
    }

    pub async fn upload(&self, link: &str, form: Form) -> Page {
        let token = self.get(link).await.csrf_token();
        self.upload_with(link, &token, form).await
    }

    /// An upload with a CSRF token taken earlier (a page without a form has none).
    pub async fn upload_with(&self, link: &str, token: &str, form: Form) -> Page {
        TestApp::page(
            self.http
                .post(self.app.url(&format!("{link}/upload")))
                .header("HX-Request", "true")
                .header("X-CSRF-Token", token)
                .multipart(form)
                .send()
                .await
                .expect("upload"),
        )
        .await
    }
}

pub fn files(files: &[(&str, Vec<u8>)]) -> Form {
    files.iter().fold(Form::new(), |form, (name, bytes)| {
        form.part(
            "files",
            Part::bytes(bytes.clone()).file_name((*name).to_owned()),
        )
    })
}

/// A batch sent through a link: user, link, name and email as recorded.
type LinkBatch = (Option<i32>, Option<i32>, Option<String>, Option<String>);

fn link_sessions(app: &TestApp) -> Vec<LinkBatch> {
    sync_sessions::table
        .filter(sync_sessions::upload_link_id.is_not_null())
        .order(sync_sessions::id)
        .select((
            sync_sessions::user_id,
            sync_sessions::upload_link_id,
            sync_sessions::uploader_name,
            sync_sessions::uploader_email,
        ))
        .load(&mut app.conn())
        .expect("sessions")
}

#[actix_web::test]
async fn a_visitor_without_an_account_sends_files_for_the_chosen_request() {
    let app = TestApp::spawn().await;
    let s = setup(&app, false).await;
    let admin = app.session_for(&s.admin).await;
    let cycle = cycle_with_requests(&app, &admin, s.project).await;
    let requests = requests_of(&app, cycle);
    let statement = requests[0].0;
    let link = create_link(
        &admin,
        s.project,
        cycle,
        &[
            ("label", "ACME accounting"),
            ("days", "7"),
            ("max_files", "10"),
            ("max_mib", "50"),
            ("request", &statement.to_string()),
        ],
    )
    .await;
    let listed = admin.get(&links_path(s.project, cycle)).await;
    assert!(listed.body.contains("ACME accounting"), "{}", listed.body);
    assert!(!listed.body.contains(&link), "the token is shown only once");

    let visitor = Visitor::new(&app);
    let start = visitor.get(&link).await;
    assert_eq!(start.status, 200);
    assert!(start.body.contains("Your name"), "{}", start.body);
    let missing = visitor.identify(&link, "", "not an email", "").await;
    assert_eq!(missing.status, 422, "{}", missing.body);
    assert!(missing.body.contains("Enter a name."), "{}", missing.body);
    let named = visitor
        .identify(&link, "Vera Visitor", "vera@example.com", "")
        .await;
    assert_eq!(named.status, 303, "{}", named.body);
    assert_eq!(named.location.as_deref(), Some(link.as_str()));

    let page = visitor.get(&link).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Vera Visitor") && page.body.contains("vera@example.com"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Bank statement"));
    assert!(
        !page.body.contains("Payroll"),
        "only the chosen request is shown"
    );

    let receipt = visitor
        .upload(
            &link,
            files(&[
                ("march_statement.pdf", document(3000, 1, false)),
                ("payroll_march.pdf", document(3000, 2, false)),
            ]),
        )
        .await;
    assert_eq!(receipt.status, 200, "{}", receipt.body);
    assert!(
        !receipt.body.contains("/files/"),
        "a visitor gets no download links"
    );
    // The admins' digest names who sent the files, and how.
    let subjects: Vec<String> = notifications::table
        .select(notifications::subject)
        .load(&mut app.conn())
        .expect("notifications");
    assert!(
        subjects
            .iter()
            .any(|s| s.starts_with("Vera Visitor (upload link) sent 2 files to")),
        "{subjects:?}"
    );
    // Outcome first, in words; the fingerprint is there, folded away.
    assert!(
        !receipt.body.contains("<th>SHA-256</th>"),
        "{}",
        receipt.body
    );
    assert!(
        receipt.body.contains("SHA-256 fingerprint"),
        "{}",
        receipt.body
    );
    // The statement fulfils its request; the payroll file is "other" (not this link's).
    assert_eq!(status_of(&app, statement), "accepted");
    assert_eq!(status_of(&app, requests[1].0), "missing");
    assert_eq!(
        link_sessions(&app),
        vec![(
            None,
            Some(link_id(&app)),
            Some("Vera Visitor".to_owned()),
            Some("vera@example.com".to_owned())
        )]
    );
    let started = app.audit_rows("upload.started");
    let by = started
        .last()
        .and_then(|r| r.actor_username.clone())
        .unwrap_or_default();
    assert!(
        by.contains("Vera Visitor") && by.contains("ACME accounting"),
        "{by}"
    );
    assert_eq!(app.audit_rows("upload_link.created").len(), 1);
    assert_eq!(app.audit_rows("upload_link.opened").len(), 1);

    // The admin's list shows what the link received.
    let listed = admin.get(&links_path(s.project, cycle)).await;
    assert!(listed.body.contains("2 of 10 files"), "{}", listed.body);

    // A rejection reaches the visitor who sent the file, by email, without the link.
    let rejected = decide(
        &admin,
        (s.project, cycle),
        statement,
        "reject",
        "Page 2 is missing",
    )
    .await;
    assert_eq!(rejected.status, 303, "{}", rejected.body);
    let told: Vec<(Option<i32>, String, String)> = notifications::table
        .filter(notifications::kind.eq("request_rejected"))
        .select((
            notifications::user_id,
            notifications::recipient,
            notifications::body,
        ))
        .load(&mut app.conn())
        .expect("notifications");
    let to_vera: Vec<_> = told.iter().filter(|t| t.1 == "vera@example.com").collect();
    assert_eq!(to_vera.len(), 1, "{told:?}");
    assert_eq!(to_vera[0].0, None);
    assert!(to_vera[0].2.contains("Page 2 is missing"));
    assert!(to_vera[0].2.contains("upload link you were given"));
    assert!(
        !to_vera[0].2.contains("/u/"),
        "the link's secret is never sent again"
    );
    // Back on the link, the sender sees first what needs them, and why.
    let back = visitor.get(&link).await;
    let attention = &back.body[back.body.find("id=\"attention\"").expect("attention")..];
    assert!(
        attention.contains("1 item needs your attention")
            && attention.contains("Bank statement")
            && attention.contains("Page 2 is missing"),
        "{}",
        back.body
    );
}

fn link_id(app: &TestApp) -> i32 {
    upload_links::table
        .select(upload_links::id)
        .order(upload_links::id.desc())
        .first(&mut app.conn())
        .expect("a link")
}

#[actix_web::test]
async fn a_link_takes_no_more_than_its_files_and_bytes() {
    let app = TestApp::spawn().await;
    let s = setup(&app, false).await;
    let admin = app.session_for(&s.admin).await;
    let cycle = cycle_with_requests(&app, &admin, s.project).await;
    let few = create_link(
        &admin,
        s.project,
        cycle,
        &[
            ("label", "Two files"),
            ("days", "7"),
            ("max_files", "2"),
            ("max_mib", "50"),
        ],
    )
    .await;
    let visitor = Visitor::new(&app);
    visitor.identify(&few, "Vera", "vera@example.com", "").await;
    let receipt = visitor
        .upload(
            &few,
            files(&[
                ("a.pdf", document(2000, 1, false)),
                ("b.pdf", document(2000, 2, false)),
                ("c.pdf", document(2000, 3, false)),
            ]),
        )
        .await;
    assert_eq!(receipt.status, 413, "{}", receipt.body);
    assert!(receipt.body.contains("at most 2 files"), "{}", receipt.body);
    let again = visitor
        .upload(&few, files(&[("d.pdf", document(2000, 4, false))]))
        .await;
    assert_eq!(again.status, 409, "{}", again.body);
    assert!(
        again.body.contains("has received them all"),
        "{}",
        again.body
    );

    let small = create_link(
        &admin,
        s.project,
        cycle,
        &[
            ("label", "One MiB"),
            ("days", "7"),
            ("max_files", "20"),
            ("max_mib", "1"),
        ],
    )
    .await;
    visitor
        .identify(&small, "Vera", "vera@example.com", "")
        .await;
    let receipt = visitor
        .upload(
            &small,
            files(&[
                ("first.pdf", document(700 * 1024, 5, false)),
                ("second.pdf", document(700 * 1024, 6, false)),
            ]),
        )
        .await;
    assert_eq!(receipt.status, 413, "{}", receipt.body);
    assert!(
        receipt.body.contains("second.pdf does not fit"),
        "{}",
        receipt.body
    );
    let stored: i64 = sync_sessions::table
        .filter(sync_sessions::upload_link_id.eq(link_id(&app)))
        .select(diesel::dsl::sum(sync_sessions::files_uploaded))
        .first::<Option<i64>>(&mut app.conn())
        .expect("sum")
        .unwrap_or(0);
    assert_eq!(stored, 1, "only the file that fitted is stored");
}

#[actix_web::test]
async fn an_expired_or_revoked_link_opens_nothing() {
    let app = TestApp::spawn().await;
    let s = setup(&app, false).await;
    let admin = app.session_for(&s.admin).await;
    let cycle = cycle_with_requests(&app, &admin, s.project).await;
    let link = create_link(
        &admin,
        s.project,
        cycle,
        &[
            ("label", "Short"),
            ("days", "1"),
            ("max_files", "5"),
            ("max_mib", "5"),
        ],
    )
    .await;
    let visitor = Visitor::new(&app);
    visitor
        .identify(&link, "Vera", "vera@example.com", "")
        .await;
    assert_eq!(visitor.get("/u/not-a-token").await.status, 404);

    // Expired: the page and the upload say so.
    let id = link_id(&app);
    diesel::update(upload_links::table.find(id))
        .set(upload_links::expires_at.eq(Utc::now() - Duration::minutes(1)))
        .execute(&mut app.conn())
        .expect("expire");
    let expired = visitor.get(&link).await;
    assert_eq!(expired.status, 410);
    assert!(expired.body.contains("expired"), "{}", expired.body);
    diesel::update(upload_links::table.find(id))
        .set(upload_links::expires_at.eq(Utc::now() + Duration::days(1)))
        .execute(&mut app.conn())
        .expect("renew");
    assert_eq!(visitor.get(&link).await.status, 200);

    // Revoked: at once, for the visit already open too.
    let page = admin
        .post(
            &format!("{}/{id}/revoke", links_path(s.project, cycle)),
            &[],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let revoked = visitor.get(&link).await;
    assert_eq!(revoked.status, 410);
    assert!(revoked.body.contains("revoked"), "{}", revoked.body);
    let upload = visitor.upload_without_page(&link).await;
    assert_eq!(upload.status, 410, "{}", upload.body);
    assert_eq!(app.audit_rows("upload_link.revoked").len(), 1);
    assert!(link_sessions(&app).is_empty(), "nothing went through");
}

impl Visitor<'_> {
    /// An upload with the token of a page loaded earlier (the link's own page is gone).
    async fn upload_without_page(&self, link: &str) -> Page {
        let token = self.app.get_with(&self.http, "/login").await.csrf_token();
        TestApp::page(
            self.http
                .post(self.app.url(&format!("{link}/upload")))
                .header("X-CSRF-Token", token)
                .multipart(files(&[("late.pdf", document(100, 9, false))]))
                .send()
                .await
                .expect("upload"),
        )
        .await
    }
}

#[actix_web::test]
async fn a_wrong_pin_is_refused_and_a_burst_of_guesses_is_throttled() {
    let app = TestApp::spawn().await;
    let s = setup(&app, false).await;
    let admin = app.session_for(&s.admin).await;
    let cycle = cycle_with_requests(&app, &admin, s.project).await;
    let link = create_link(
        &admin,
        s.project,
        cycle,
        &[
            ("label", "With PIN"),
            ("days", "7"),
            ("pin", "482913"),
            ("max_files", "5"),
            ("max_mib", "5"),
        ],
    )
    .await;
    let pin_hash: Option<String> = upload_links::table
        .select(upload_links::pin_hash)
        .first(&mut app.conn())
        .expect("link");
    assert!(
        pin_hash.is_some_and(|h| h.starts_with("$argon2id$")),
        "the PIN is hashed"
    );

    let owner = Visitor::new(&app);
    let right = owner
        .identify(&link, "Vera", "vera@example.com", "482913")
        .await;
    assert_eq!(right.status, 303, "{}", right.body);

    let guesser = Visitor::new(&app);
    let wrong = guesser
        .identify(&link, "Mallory", "m@example.com", "000000")
        .await;
    assert_eq!(wrong.status, 403, "{}", wrong.body);
    assert!(
        guesser.get(&link).await.body.contains("PIN"),
        "still asked for the PIN"
    );

    // A burst: the first guesses are checked, the rest wait their turn (429).
    let token = guesser.get(&link).await.csrf_token();
    let attempts = (0..12).map(|i| {
        let pin = format!("{:06}", 100_000 + i);
        let token = token.clone();
        let http = guesser.http.clone();
        let url = app.url(&link);
        async move {
            http.post(url)
                .form(&[
                    ("csrf_token", token.as_str()),
                    ("name", "Mallory"),
                    ("email", "m@example.com"),
                    ("pin", pin.as_str()),
                ])
                .send()
                .await
                .expect("guess")
                .status()
                .as_u16()
        }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    let checked = statuses.iter().filter(|s| **s == 403).count();
    let throttled = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(checked + throttled, 12, "{statuses:?}");
    assert_eq!(
        checked, 4,
        "five attempts after the last success are free: {statuses:?}"
    );
    assert_eq!(app.audit_rows("upload_link.pin_failed").len(), 5);
    // Even the right PIN waits its turn now.
    let late = owner
        .identify(&link, "Vera", "vera@example.com", "482913")
        .await;
    assert_eq!(late.status, 429, "{}", late.body);
    assert!(late.headers.get("retry-after").is_some());
}

#[actix_web::test]
async fn another_companys_links_are_out_of_reach() {
    let app = TestApp::spawn().await;
    let s = setup(&app, false).await;
    let admin = app.session_for(&s.admin).await;
    let cycle = cycle_with_requests(&app, &admin, s.project).await;
    let link = create_link(
        &admin,
        s.project,
        cycle,
        &[
            ("label", "Ours"),
            ("days", "7"),
            ("max_files", "5"),
            ("max_mib", "5"),
        ],
    )
    .await;
    let id = link_id(&app);

    let other = create_company(&app, "OTHER", true);
    let other_project = create_project(&app, other, "Theirs");
    let intruder = UserFixture::new("ivan")
        .role("admin")
        .company(other)
        .create(&app)
        .await;
    let intruder = app.session_for(&intruder).await;
    assert_eq!(
        intruder.get(&links_path(s.project, cycle)).await.status,
        404
    );
    let revoke = intruder
        .post(
            &format!("{}/{id}/revoke", links_path(s.project, cycle)),
            &[],
        )
        .await;
    assert_eq!(revoke.status, 404);
    // A request id of another company's cycle is refused when creating a link.
    let own_cycle = start_cycle(&app, &intruder, other_project).await;
    let foreign_request: i32 = cycle_requests::table
        .filter(cycle_requests::cycle_id.eq(cycle))
        .select(cycle_requests::id)
        .first(&mut app.conn())
        .expect("request");
    let forged = intruder
        .post(
            &links_path(other_project, own_cycle),
            &[
                ("label", "Forged"),
                ("days", "7"),
                ("max_files", "5"),
                ("max_mib", "5"),
                ("request", &foreign_request.to_string()),
            ],
        )
        .await;
    assert_eq!(forged.status, 404, "{}", forged.body);
    assert!(upload_links::table
        .filter(upload_links::label.eq("Forged"))
        .count()
        .get_result::<i64>(&mut app.conn())
        .is_ok_and(|n| n == 0));

    // A visit of one link does not open another.
    let visitor = Visitor::new(&app);
    visitor
        .identify(&link, "Vera", "vera@example.com", "")
        .await;
    let second = create_link(
        &admin,
        s.project,
        cycle,
        &[
            ("label", "Second"),
            ("days", "7"),
            ("max_files", "5"),
            ("max_mib", "5"),
        ],
    )
    .await;
    assert!(visitor.get(&second).await.body.contains("Your name"));
    let refused = visitor
        .upload(&second, files(&[("x.pdf", document(10, 1, false))]))
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
}
