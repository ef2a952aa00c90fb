//! Storage belongs to the operator: companies share buckets without sharing keys, a company
//! admin can only pick their company's locations, and every file remembers where its
//! bytes are.

use diesel::prelude::*;
use hopper::db::ids::{CompanyId, CycleId, ProjectId, StorageLocationId};
use hopper::schema::{cycles, file_uploads, projects, storage_locations};

use crate::helpers::{
    create_company, create_cycle, grant_access, TestApp, UserFixture, UserSession,
};
use crate::uploads::{form, s3_object};

fn location(app: &TestApp, company: CompanyId, bucket: &str, root: &str) -> StorageLocationId {
    diesel::insert_into(storage_locations::table)
        .values((
            storage_locations::company_id.eq(company),
            storage_locations::label.eq(format!("{bucket} ({root})")),
            storage_locations::bucket_name.eq(bucket),
            storage_locations::aws_region.eq("us-east-1"),
            storage_locations::key_root.eq(root),
        ))
        .returning(storage_locations::id)
        .get_result(&mut app.conn())
        .expect("location")
}

fn project_in(app: &TestApp, company: CompanyId, name: &str, at: StorageLocationId) -> ProjectId {
    let bucket: String = storage_locations::table
        .find(at)
        .select(storage_locations::bucket_name)
        .first(&mut app.conn())
        .expect("bucket");
    diesel::insert_into(projects::table)
        .values((
            projects::company_id.eq(company),
            projects::project_name.eq(name),
            projects::bucket_name.eq(bucket),
            projects::aws_region.eq("us-east-1"),
            projects::storage_location_id.eq(at),
        ))
        .returning(projects::id)
        .get_result(&mut app.conn())
        .expect("project")
}

fn unique_bucket(tag: &str) -> String {
    format!("{tag}-{}", &uuid::Uuid::new_v4().simple().to_string()[..12])
}

async fn upload(
    session: &UserSession<'_>,
    project: ProjectId,
    cycle: CycleId,
    name: &str,
    bytes: &[u8],
) {
    let page = session
        .upload(
            &format!("/projects/{project}/cycles/{cycle}/upload"),
            form(&[(name, bytes)]),
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
}

fn stored_key(app: &TestApp, project: ProjectId, name: &str) -> (String, StorageLocationId) {
    file_uploads::table
        .inner_join(cycles::table)
        .filter(cycles::project_id.eq(project))
        .filter(file_uploads::file_path.eq(name))
        .filter(file_uploads::status.eq("completed"))
        .order(file_uploads::id.desc())
        .select((file_uploads::s3_key, file_uploads::storage_location_id))
        .first(&mut app.conn())
        .expect("file row")
}

#[actix_web::test]
async fn two_companies_in_one_bucket_never_share_a_key() {
    let app = TestApp::spawn().await;
    let bucket = unique_bucket("shared");
    let alpha = create_company(&app, "ALPHA", true);
    let bravo = create_company(&app, "BRAVO", true);
    let alpha_at = location(&app, alpha, &bucket, "alpha");
    let bravo_at = location(&app, bravo, &bucket, "bravo");

    // The database refuses a root that another location already uses in the bucket.
    let clash = diesel::insert_into(storage_locations::table)
        .values((
            storage_locations::company_id.eq(alpha),
            storage_locations::label.eq("sneaky"),
            storage_locations::bucket_name.eq(&bucket),
            storage_locations::aws_region.eq("us-east-1"),
            storage_locations::key_root.eq("bravo"),
        ))
        .execute(&mut app.conn());
    assert!(clash.is_err(), "two locations share a root in one bucket");
    // And a root is one segment: no `bravo/x` that would lie inside bravo's.
    let nested = diesel::sql_query(format!(
        "INSERT INTO storage_locations (company_id, label, bucket_name, aws_region, key_root) \
         VALUES ({alpha}, 'nested', '{bucket}', 'us-east-1', 'bravo/x')"
    ))
    .execute(&mut app.conn());
    assert!(nested.is_err(), "a nested root is refused");

    // B stores its ledger.
    let bravo_project = project_in(&app, bravo, "Ledgers", bravo_at);
    let bravo_cycle = create_cycle(&app, bravo_project, 1);
    let bea = UserFixture::new("bea").company(bravo).create(&app).await;
    grant_access(&app, bravo, bravo_project, bea.id, "uploader");
    let bea = app.session_for(&bea).await;
    upload(&bea, bravo_project, bravo_cycle, "ledger.csv", b"bravo,1\n").await;
    let (bravo_key, _) = stored_key(&app, bravo_project, "ledger.csv");
    assert!(bravo_key.starts_with("bravo/"), "{bravo_key}");

    // A's admin points A's cycle at B's key prefix, plain and htmx, and uploads the same
    // name: A's bytes land under A's root; B's object stays byte-identical.
    let alpha_project = project_in(&app, alpha, "Ledgers", alpha_at);
    let alpha_cycle = create_cycle(&app, alpha_project, 1);
    let ada = UserFixture::new("ada")
        .role("admin")
        .company(alpha)
        .create(&app)
        .await;
    let ada = app.session_for(&ada).await;
    let bravo_prefix = bravo_key.trim_end_matches("/ledger.csv").to_owned();
    let edit = format!("/admin/projects/{alpha_project}/cycles/{alpha_cycle}");
    for attempt in [bravo_prefix.as_str(), "../bravo", "/bravo/p/C1"] {
        let page = ada.post(&edit, &[("s3_prefix", attempt)]).await;
        let htmx = ada.post_htmx(&edit, &[("s3_prefix", attempt)]).await;
        assert!(
            [303, 200, 422].contains(&page.status) && [200, 422].contains(&htmx.status),
            "{attempt}: {} / {}",
            page.status,
            htmx.status
        );
    }
    let saved = ada.post(&edit, &[("s3_prefix", &bravo_prefix)]).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    upload(
        &ada,
        alpha_project,
        alpha_cycle,
        "ledger.csv",
        b"alpha overwrote you",
    )
    .await;
    let (alpha_key, alpha_loc) = stored_key(&app, alpha_project, "ledger.csv");
    assert_eq!(alpha_loc, alpha_at);
    assert_eq!(alpha_key, format!("alpha/{bravo_prefix}/ledger.csv"));
    assert_eq!(
        s3_object(&app, &bucket, &bravo_key).await.as_deref(),
        Some(&b"bravo,1\n"[..]),
        "B's object is untouched"
    );

    // A cannot read B's file either.
    let bravo_file: i32 = file_uploads::table
        .filter(file_uploads::s3_key.eq(&bravo_key))
        .select(file_uploads::id)
        .first(&mut app.conn())
        .expect("b's file");
    let refused = ada.get(&format!("/files/{bravo_file}/download")).await;
    assert_eq!(refused.status, 404);
}

#[actix_web::test]
async fn a_company_admin_picks_only_their_companys_locations_and_a_forged_one_is_refused() {
    let app = TestApp::spawn().await;
    let alpha = create_company(&app, "ALPHA", true);
    let bravo = create_company(&app, "BRAVO", true);
    let alpha_at = location(&app, alpha, &unique_bucket("alpha"), "alpha");
    let bravo_at = location(&app, bravo, &unique_bucket("bravo"), "bravo");
    let ada = UserFixture::new("ada")
        .role("admin")
        .company(alpha)
        .create(&app)
        .await;
    let ada = app.session_for(&ada).await;

    let form_page = ada.get("/admin/projects/new").await;
    // Options of the location select (other fields may hold the same number).
    assert!(form_page
        .body
        .contains(&format!("<option value=\"{alpha_at}\"")));
    assert!(!form_page
        .body
        .contains(&format!("<option value=\"{bravo_at}\"")));
    // No bucket field to type into.
    assert!(!form_page.body.contains("name=\"bucket_name\""));

    let denied_before = app.audit_rows("access_denied").len();
    for htmx in [false, true] {
        let fields = [
            ("project_name", "Borrowed"),
            ("storage_location_id", &bravo_at.to_string()),
            ("bucket_name", "other-bucket"),
        ];
        let page = if htmx {
            ada.post_htmx("/admin/projects", &fields).await
        } else {
            ada.post("/admin/projects", &fields).await
        };
        assert_eq!(page.status, 404, "htmx {htmx}");
    }
    let denied = app.audit_rows("access_denied");
    assert_eq!(denied.len(), denied_before + 2);
    assert_eq!(
        denied
            .iter()
            .filter(|row| row.resource_type.as_deref() == Some("storage_location"))
            .count(),
        2
    );
    let borrowed: i64 = projects::table
        .filter(projects::project_name.eq("Borrowed"))
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(borrowed, 0);

    let own = ada
        .post(
            "/admin/projects",
            &[
                ("project_name", "Own"),
                ("storage_location_id", &alpha_at.to_string()),
            ],
        )
        .await;
    assert_eq!(own.status, 303, "{}", own.body);
}

#[actix_web::test]
async fn a_moved_project_still_serves_its_old_files_from_where_they_were_written() {
    let app = TestApp::spawn().await;
    let company = app.default_company();
    let first = location(&app, company, &unique_bucket("first"), "default");
    let second_bucket = unique_bucket("second");
    let second = location(&app, company, &second_bucket, "default");
    let project = project_in(&app, company, "Archive", first);
    let cycle = create_cycle(&app, project, 1);
    let alice = UserFixture::new("alice").role("admin").create(&app).await;
    let alice = app.session_for(&alice).await;
    upload(
        &alice,
        project,
        cycle,
        "old.txt",
        b"written to the first bucket",
    )
    .await;

    let edit_page = alice.get(&format!("/admin/projects/{project}")).await;
    assert!(edit_page.body.contains("affects new uploads only"));
    let moved = alice
        .post(
            &format!("/admin/projects/{project}"),
            &[
                ("project_name", "Archive"),
                ("storage_location_id", &second.to_string()),
                ("is_active", "on"),
            ],
        )
        .await;
    assert_eq!(moved.status, 303, "{}", moved.body);
    upload(
        &alice,
        project,
        cycle,
        "new.txt",
        b"written to the second bucket",
    )
    .await;

    let (_, old_at) = stored_key(&app, project, "old.txt");
    let (new_key, new_at) = stored_key(&app, project, "new.txt");
    assert_eq!((old_at, new_at), (first, second));
    assert!(s3_object(&app, &second_bucket, &new_key).await.is_some());
    let old_id: i32 = file_uploads::table
        .filter(file_uploads::file_path.eq("old.txt"))
        .select(file_uploads::id)
        .first(&mut app.conn())
        .expect("old file");
    let download = alice
        .http
        .get(app.url(&format!("/files/{old_id}/download")))
        .send()
        .await
        .expect("download");
    assert_eq!(download.status(), 200);
    assert_eq!(
        download.bytes().await.expect("body").as_ref(),
        b"written to the first bucket"
    );
}

#[actix_web::test]
async fn the_embedded_start_gives_the_operators_company_a_location_and_the_operator_adds_more() {
    let app = TestApp::spawn().await;
    let company = app.default_company();
    let roots: Vec<(String, String)> = storage_locations::table
        .filter(storage_locations::company_id.eq(company))
        .select((storage_locations::bucket_name, storage_locations::key_root))
        .load(&mut app.conn())
        .expect("locations");
    assert_eq!(roots, vec![("hopper".to_owned(), "default".to_owned())]);

    let other = create_company(&app, "ACME_EU", true);
    let olga = UserFixture::new("olga")
        .role("superadmin")
        .create(&app)
        .await;
    let olga = app.session_for(&olga).await;
    let bucket = unique_bucket("acme");
    let added = olga
        .post(
            &format!("/operator/companies/{other}/locations"),
            &[
                ("label", "EU archive"),
                ("bucket_name", &bucket),
                ("aws_region", "eu-central-1"),
            ],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.body);
    let root: String = storage_locations::table
        .filter(storage_locations::company_id.eq(other))
        .select(storage_locations::key_root)
        .first(&mut app.conn())
        .expect("root");
    assert_eq!(root, "acme_eu", "defaults to the company code");
    assert_eq!(app.audit_rows("storage_location.created").len(), 2);

    // The same root again in that bucket is refused with a sentence.
    let again = olga
        .post(
            &format!("/operator/companies/{company}/locations"),
            &[
                ("label", "Clash"),
                ("bucket_name", &bucket),
                ("aws_region", "eu-central-1"),
                ("key_root", "acme_eu"),
            ],
        )
        .await;
    assert_eq!(again.status, 422);
    assert!(again.body.contains("roots never overlap"), "{}", again.body);

    // A company admin cannot assign storage.
    let admin = UserFixture::new("adam").role("admin").create(&app).await;
    let admin = app.session_for(&admin).await;
    let refused = admin
        .post(
            &format!("/operator/companies/{company}/locations"),
            &[
                ("label", "Mine"),
                ("bucket_name", "mine-only"),
                ("aws_region", "us-east-1"),
            ],
        )
        .await;
    assert_eq!(refused.status, 403);
}
