//! The test harness: `TestApp::spawn()` runs the real application on a random port
//! against its own database, with an HTTP client that keeps cookies.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use diesel::prelude::*;
use hopper::config::{Config, S3Config, Secret, SessionConfig};
use hopper::db::ids::{CompanyId, CycleId, ProjectId, UserId};
use hopper::db::models::audit_log::AuditRow;
use hopper::embedded::postgres::{EmbeddedPostgres, PostgresOptions};
use hopper::embedded::s3::EmbeddedS3;
use hopper::schema::{
    audit_log, companies, cycles, project_access, projects, sync_sessions, user_profiles, users,
};
use hopper::startup::Application;
use reqwest::redirect::Policy;

pub const TEMPLATE_DB: &str = "hopper_template";

pub struct Cluster {
    pub postgres: EmbeddedPostgres,
    pub s3: EmbeddedS3,
    pub dir: PathBuf,
    create_lock: Mutex<()>,
}

/// Started once per test process; postgres dies with the process (parent-death signal).
pub fn cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(|| {
        // HOPPER_TEST_LOG=hopper=debug shows the application's log lines (on stderr).
        if let Ok(filter) = std::env::var("HOPPER_TEST_LOG") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
                .with_writer(std::io::stderr)
                .try_init();
        }
        remove_stale_test_dirs();
        let dir = std::env::temp_dir().join(format!("hopper-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create test dir");
        // Run by root, the cluster runs as an unprivileged account, which must pass through
        // this folder whatever the process's umask is by now (the in-process S3 store sets
        // 077, and a test may have started one before the first cluster() call).
        let passable =
            <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o711);
        std::fs::set_permissions(&dir, passable).expect("test dir permissions");
        let postgres = EmbeddedPostgres::start(
            &dir.join("postgres"),
            &PostgresOptions {
                ephemeral: true,
                bin_dir: None,
            },
        )
        .expect("start the test PostgreSQL cluster");
        postgres
            .create_database(TEMPLATE_DB, None)
            .expect("create template database");
        let mut conn = PgConnection::establish(&postgres.database_url(TEMPLATE_DB))
            .expect("connect to template");
        hopper::db::migrations::run_pending(&mut conn).expect("migrate template");
        drop(conn);
        let s3 = EmbeddedS3::start(&dir.join("s3"), &dir.join("s3-credentials"))
            .expect("start the test S3 endpoint");
        Cluster {
            postgres,
            s3,
            dir,
            create_lock: Mutex::new(()),
        }
    })
}

/// Test dirs of earlier runs whose process is gone.
fn remove_stale_test_dirs() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(pid) = name.strip_prefix("hopper-test-") {
            if !PathBuf::from(format!("/proc/{pid}")).exists() {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
}

/// A fresh database cloned from the migrated template; returns its URL.
pub fn fresh_database() -> String {
    let cluster = cluster();
    let name = format!("test_{}", uuid::Uuid::new_v4().simple());
    {
        let _guard = cluster
            .create_lock
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        cluster
            .postgres
            .create_database(&name, Some(TEMPLATE_DB))
            .expect("create test database");
    }
    cluster.postgres.database_url(&name)
}

/// The same database, as the application role (`hopper_app`).
pub fn app_role_url(database_url: &str) -> String {
    database_url.replacen("postgres://hopper@", "postgres://hopper_app@", 1)
}

pub fn test_config(database_url: String) -> Config {
    let cluster = cluster();
    Config {
        bind: "127.0.0.1:0".parse().expect("address"),
        data_dir: cluster.dir.join("app"),
        // Requests run as the application role, as in production: every use case in these
        // tests proves its privileges are enough.
        app_database_url: Some(Secret::new(app_role_url(&database_url))),
        database_url: Some(Secret::new(database_url)),
        database_pool_size: 4,
        postgres_bin_dir: None,
        s3: S3Config {
            endpoint: Some(cluster.s3.endpoint()),
            region: "us-east-1".into(),
            force_path_style: true,
            credentials: Some(cluster.s3.credentials()),
            create_missing_buckets: true,
            retry: Default::default(),
        },
        session: SessionConfig::default(),
        // Spacing short enough for a test to wait it out; a burst still gets 429.
        sign_in: hopper::config::SignInPolicy {
            spacing: std::time::Duration::from_secs(2),
            max_hold: std::time::Duration::from_secs(1),
        },
        trusted_proxies: Vec::new(),
        public_url: None,
        node_id: format!("test-node-{}", uuid::Uuid::new_v4().simple()),
        secret_key: Some(Secret::new(hopper::auth::csrf::generate_token())),
        audit_signing_key: None,
        max_concurrent_password_hashes: 4,
        mail: hopper::config::MailConfig {
            smtp_url: None,
            from: "Hopper <hopper@test.invalid>".into(),
            outbox_dir: None,
        },
        uploads: hopper::config::UploadConfig {
            // The smallest part S3 allows keeps multipart tests small.
            part_size: 5 * 1024 * 1024,
            ..Default::default()
        },
        scanner: None,
        // The tests' webhook receivers listen on loopback.
        webhooks: hopper::config::WebhookConfig {
            allow_private: true,
        },
    }
}

pub struct TestApp {
    pub address: String,
    pub database_url: String,
    pub pool: diesel::r2d2::Pool<diesel::r2d2::ConnectionManager<PgConnection>>,
    pub client: reqwest::Client,
    pub state: actix_web::web::Data<hopper::state::AppState>,
    /// The same S3 endpoint the app uses, for tests that look at (or plant) objects.
    pub storage: hopper::storage::Storage,
    /// An S3 endpoint of this test alone (see [`TestApp::spawn_with_private_s3`]).
    pub private_s3: Option<Mutex<PrivateS3>>,
}

/// An S3 endpoint owned by one test: it can be stopped, restarted on the same port, and
/// its directory inspected for leftover multipart parts.
pub struct PrivateS3 {
    pub s3: EmbeddedS3,
    pub root: PathBuf,
    pub credentials_file: PathBuf,
    pub port: u16,
    _dir: tempfile::TempDir,
}

impl PrivateS3 {
    pub fn start() -> PrivateS3 {
        let dir = tempfile::tempdir().expect("s3 dir");
        let root = dir.path().join("s3");
        let credentials_file = dir.path().join("credentials");
        let s3 = EmbeddedS3::start(&root, &credentials_file).expect("private S3");
        let port = s3.address().port();
        PrivateS3 {
            s3,
            root,
            credentials_file,
            port,
            _dir: dir,
        }
    }

    pub fn stop(&mut self) {
        self.s3.stop();
    }

    pub fn restart(&mut self) {
        self.s3 = EmbeddedS3::start_on(&self.root, &self.credentials_file, self.port)
            .expect("restart private S3");
    }

    /// Files the store keeps for multipart uploads still open (parts and upload records).
    pub fn open_upload_files(&self) -> Vec<String> {
        std::fs::read_dir(&self.root)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|name| name.starts_with(".upload"))
                    .collect()
            })
            .unwrap_or_default()
    }
}

pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    /// The CSRF token a page embeds in its forms.
    pub fn csrf_token(&self) -> String {
        let marker = "name=\"csrf_token\" value=\"";
        let start = self.body.find(marker).expect("page has a CSRF token") + marker.len();
        let end = self.body[start..].find('"').expect("token ends") + start;
        self.body[start..end].to_owned()
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(customize: impl FnOnce(&mut Config)) -> TestApp {
        Self::spawn_inner(customize, None).await
    }

    /// An app whose S3 endpoint belongs to this test alone.
    pub async fn spawn_with_private_s3(customize: impl FnOnce(&mut Config)) -> TestApp {
        Self::spawn_inner(customize, Some(PrivateS3::start())).await
    }

    pub async fn spawn_inner(
        customize: impl FnOnce(&mut Config),
        private_s3: Option<PrivateS3>,
    ) -> TestApp {
        let database_url = tokio::task::spawn_blocking(fresh_database)
            .await
            .expect("database task");
        let mut config = test_config(database_url.clone());
        if let Some(private) = &private_s3 {
            config.s3.endpoint = Some(private.s3.endpoint());
            config.s3.credentials = Some(private.s3.credentials());
        }
        // The test's own view of S3 goes straight to the endpoint, never through a fault
        // proxy the customisation may put in front of the app.
        let storage = hopper::storage::Storage::connect(&config.s3).await;
        customize(&mut config);
        let app = Application::build(config)
            .await
            .expect("build the application");
        let address = format!("http://{}", app.address());
        let state = app.state();
        let pool = {
            let url = database_url.clone();
            // The test's own connections, to look at rows: a plain r2d2 pool, so that
            // diesel's methods take them as they are.
            tokio::task::spawn_blocking(move || {
                diesel::r2d2::Pool::builder()
                    .max_size(4)
                    .build(diesel::r2d2::ConnectionManager::<PgConnection>::new(url))
            })
            .await
            .expect("pool task")
            .expect("test pool")
        };
        actix_web::rt::spawn(app.run_until_stopped());
        TestApp {
            address,
            database_url,
            pool,
            client: Self::new_client(),
            state,
            storage,
            private_s3: private_s3.map(Mutex::new),
        }
    }

    /// A browser-like client: keeps cookies, does not follow redirects (tests check them).
    pub fn new_client() -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .user_agent("hopper-tests/1.0")
            // Idle connections are dropped before the server's keep-alive (5 s) closes
            // them: a request sent on one the server is closing meanwhile fails with
            // "IncompleteMessage" (seen after a test waited on its mail sink).
            .pool_idle_timeout(std::time::Duration::from_secs(3))
            .build()
            .expect("http client")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn page(response: reqwest::Response) -> Page {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let location = headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response.text().await.expect("body");
        Page {
            status,
            location,
            headers,
            body,
        }
    }

    pub async fn get_with(&self, client: &reqwest::Client, path: &str) -> Page {
        Self::page(client.get(self.url(path)).send().await.expect("GET")).await
    }

    pub async fn get(&self, path: &str) -> Page {
        self.get_with(&self.client, path).await
    }

    pub async fn post_form_with(
        &self,
        client: &reqwest::Client,
        path: &str,
        fields: &[(&str, &str)],
    ) -> Page {
        Self::page(
            client
                .post(self.url(path))
                .form(fields)
                .send()
                .await
                .expect("POST"),
        )
        .await
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.post_form_with(&self.client, path, fields).await
    }

    /// Signs in through the form, as a browser would.
    pub async fn sign_in_with(
        &self,
        client: &reqwest::Client,
        username: &str,
        password: &str,
    ) -> Page {
        let login = self.get_with(client, "/login").await;
        assert_eq!(login.status, 200, "login page");
        let token = login.csrf_token();
        self.post_form_with(
            client,
            "/login",
            &[
                ("csrf_token", &token),
                ("username", username),
                ("password", password),
            ],
        )
        .await
    }

    pub async fn sign_in(&self, username: &str, password: &str) -> Page {
        self.sign_in_with(&self.client, username, password).await
    }

    /// Signs in and asserts the home page is reachable.
    pub async fn signed_in_as(&self, user: &TestUser) {
        let page = self.sign_in(&user.username, &user.password).await;
        assert_eq!(
            page.status, 303,
            "sign-in of {} failed: {}",
            user.username, page.body
        );
        assert_eq!(page.location.as_deref(), Some("/"));
    }

    pub async fn csrf_token(&self) -> String {
        self.get("/").await.csrf_token()
    }

    pub fn conn(
        &self,
    ) -> diesel::r2d2::PooledConnection<diesel::r2d2::ConnectionManager<PgConnection>> {
        self.pool.get().expect("test connection")
    }

    pub fn audit_rows(&self, action: &str) -> Vec<AuditRow> {
        audit_log::table
            .filter(audit_log::action.eq(action))
            .order(audit_log::id.asc())
            .select(AuditRow::as_select())
            .load(&mut self.conn())
            .expect("audit rows")
    }

    /// A fresh client signed in as `user`, adding the CSRF token to every POST.
    pub async fn session_for(&self, user: &TestUser) -> UserSession<'_> {
        let http = Self::new_client();
        let page = self
            .sign_in_with(&http, &user.username, &user.password)
            .await;
        assert_eq!(page.status, 303, "sign-in of {} failed", user.username);
        let csrf = self.get_with(&http, "/account/password").await.csrf_token();
        UserSession {
            app: self,
            user: user.id,
            http,
            csrf,
        }
    }

    fn private(&self) -> std::sync::MutexGuard<'_, PrivateS3> {
        self.private_s3
            .as_ref()
            .expect("spawned with a private S3")
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Leftover multipart upload files in this test's own S3 store.
    pub fn open_upload_files(&self) -> Vec<String> {
        self.private().open_upload_files()
    }

    pub fn stop_s3(&self) {
        self.private().stop();
    }

    pub fn restart_s3(&self) {
        self.private().restart();
    }

    /// Every audit row, oldest first.
    pub fn all_audit_rows(&self) -> Vec<AuditRow> {
        audit_log::table
            .order(audit_log::id.asc())
            .select(AuditRow::as_select())
            .load(&mut self.conn())
            .expect("audit rows")
    }

    pub fn default_company(&self) -> CompanyId {
        companies::table
            .filter(companies::company_code.eq("DEFAULT"))
            .select(companies::id)
            .first(&mut self.conn())
            .expect("default company")
    }
}

pub struct TestUser {
    pub id: UserId,
    pub username: String,
    pub password: String,
    pub company_id: CompanyId,
}

/// Builds a user straight in the database (hashing its password as Hopper does).
pub struct UserFixture {
    username: String,
    role: &'static str,
    company: Option<CompanyId>,
    active: bool,
    must_change_password: bool,
}

impl UserFixture {
    pub fn new(username: &str) -> Self {
        Self {
            username: username.to_owned(),
            role: "user",
            company: None,
            active: true,
            must_change_password: false,
        }
    }

    pub fn role(mut self, role: &'static str) -> Self {
        self.role = role;
        self
    }

    pub fn company(mut self, company: CompanyId) -> Self {
        self.company = Some(company);
        self
    }

    pub fn inactive(mut self) -> Self {
        self.active = false;
        self
    }

    pub fn must_change_password(mut self) -> Self {
        self.must_change_password = true;
        self
    }

    pub async fn create(self, app: &TestApp) -> TestUser {
        let password = format!("{}-long-secret-42", self.username);
        let hash = hopper::services::password_hasher::PasswordHasher::new(1)
            .hash(&Secret::new(password.clone()))
            .await
            .expect("hash");
        let company = self.company.unwrap_or_else(|| app.default_company());
        let mut conn = app.conn();
        let id: UserId = diesel::insert_into(users::table)
            .values((
                users::company_id.eq(company),
                users::username.eq(&self.username),
                users::email.eq(format!("{}@example.test", self.username)),
                users::password_hash.eq(hash),
                users::full_name.eq(format!("{} Example", self.username)),
                users::role.eq(self.role),
                users::is_active.eq(self.active),
            ))
            .returning(users::id)
            .get_result(&mut conn)
            .expect("insert user");
        diesel::insert_into(user_profiles::table)
            .values((
                user_profiles::user_id.eq(id),
                user_profiles::must_change_password.eq(self.must_change_password),
            ))
            .execute(&mut conn)
            .expect("insert profile");
        TestUser {
            id,
            username: self.username,
            password,
            company_id: company,
        }
    }
}

pub fn create_company(app: &TestApp, code: &str, active: bool) -> CompanyId {
    diesel::insert_into(companies::table)
        .values((
            companies::company_name.eq(format!("Company {code}")),
            companies::company_code.eq(code),
            companies::contact_email.eq(format!("contact@{}.test", code.to_lowercase())),
            companies::is_active.eq(active),
        ))
        .returning(companies::id)
        .get_result(&mut app.conn())
        .expect("insert company")
}

/// The `name=value` pair of the session cookie a response sets, if any.
pub fn session_cookie(headers: &reqwest::header::HeaderMap) -> Option<String> {
    set_cookie_header(headers).and_then(|c| c.split(';').next().map(str::to_owned))
}

/// The whole `Set-Cookie` header of the session cookie, attributes included.
pub fn set_cookie_header(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("hopper_session="))
        .map(str::to_owned)
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// A signed-in user's browser: cookies kept, CSRF token sent with every POST.
pub struct UserSession<'a> {
    pub app: &'a TestApp,
    /// Who is signed in.
    pub user: UserId,
    pub http: reqwest::Client,
    pub csrf: String,
}

impl UserSession<'_> {
    pub async fn get(&self, path: &str) -> Page {
        self.app.get_with(&self.http, path).await
    }

    /// A GET as htmx sends it (the partial, when the route has one).
    pub async fn get_htmx(&self, path: &str) -> Page {
        TestApp::page(
            self.http
                .get(self.app.url(path))
                .header("HX-Request", "true")
                .send()
                .await
                .expect("GET"),
        )
        .await
    }

    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut all = vec![("csrf_token", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.app.post_form_with(&self.http, path, &all).await
    }

    /// A POST as htmx sends it: the token in the header, `HX-Request` set.
    pub async fn post_htmx(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        TestApp::page(
            self.http
                .post(self.app.url(path))
                .header("HX-Request", "true")
                .header("X-CSRF-Token", &self.csrf)
                .form(fields)
                .send()
                .await
                .expect("POST"),
        )
        .await
    }
}

impl UserSession<'_> {
    /// Posts files as the upload form does with htmx (token in the header).
    pub async fn upload(&self, path: &str, form: reqwest::multipart::Form) -> Page {
        TestApp::page(
            self.http
                .post(self.app.url(path))
                .header("HX-Request", "true")
                .header("X-CSRF-Token", &self.csrf)
                .multipart(form)
                .send()
                .await
                .expect("upload"),
        )
        .await
    }
}

pub fn create_project(app: &TestApp, company: CompanyId, name: &str) -> ProjectId {
    let bucket = format!("bucket-{}", uuid::Uuid::new_v4().simple());
    let location = create_location(app, company, &bucket);
    diesel::insert_into(projects::table)
        .values((
            projects::company_id.eq(company),
            projects::project_name.eq(name),
            projects::bucket_name.eq(&bucket),
            projects::aws_region.eq("us-east-1"),
            projects::storage_location_id.eq(location),
        ))
        .returning(projects::id)
        .get_result(&mut app.conn())
        .expect("insert project")
}

/// A storage location of `company` in `bucket`, rooted at the company's code.
pub fn create_location(
    app: &TestApp,
    company: CompanyId,
    bucket: &str,
) -> hopper::db::ids::StorageLocationId {
    use hopper::schema::{companies, storage_locations};
    let code: String = companies::table
        .find(company)
        .select(companies::company_code)
        .first(&mut app.conn())
        .expect("company code");
    diesel::insert_into(storage_locations::table)
        .values((
            storage_locations::company_id.eq(company),
            storage_locations::label.eq(bucket),
            storage_locations::bucket_name.eq(bucket),
            storage_locations::aws_region.eq("us-east-1"),
            storage_locations::key_root.eq(code.to_lowercase()),
        ))
        .returning(storage_locations::id)
        .get_result(&mut app.conn())
        .expect("insert storage location")
}

pub fn create_cycle(app: &TestApp, project: ProjectId, number: i32) -> CycleId {
    diesel::insert_into(cycles::table)
        .values((
            cycles::project_id.eq(project),
            cycles::cycle_name.eq(format!("C{number}")),
            cycles::cycle_number.eq(number),
            cycles::s3_prefix.eq(format!("p{project}/C{number}")),
        ))
        .returning(cycles::id)
        .get_result(&mut app.conn())
        .expect("insert cycle")
}

pub fn grant_access(
    app: &TestApp,
    company: CompanyId,
    project: ProjectId,
    user: UserId,
    role: &str,
) {
    diesel::insert_into(project_access::table)
        .values((
            project_access::company_id.eq(company),
            project_access::project_id.eq(project),
            project_access::user_id.eq(user),
            project_access::access_role.eq(role),
        ))
        .execute(&mut app.conn())
        .expect("grant access");
}

/// An upload session in a cycle (what the upload issue creates), so its prefix is in use.
pub fn add_sync_session(app: &TestApp, project: ProjectId, cycle: CycleId) {
    diesel::insert_into(sync_sessions::table)
        .values((
            sync_sessions::project_id.eq(project),
            sync_sessions::cycle_id.eq(cycle),
        ))
        .execute(&mut app.conn())
        .expect("insert sync session");
}

/// The Python of the tests' own virtual environment (tuspy, openapi-spec-validator), made by
/// `scripts/install-deps.sh --test`; never the system's.
pub fn test_python() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-venv/bin/python")
}
