//! S3 Object Lock, against an S3 implementation that enforces it (moto's server, from the
//! test venv): a location declaring a lock on a bucket without Object Lock is refused; a
//! file written into a locked location carries its mode and retain-until date, and in
//! compliance mode its version cannot be deleted, not even with Hopper's own credentials;
//! Hopper's legal hold sets and clears S3's; retention reports a locked object as kept
//! until its date instead of failing over it.

use std::process::{Child, Command, Stdio};

use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_s3::types::{
    DefaultRetention, ObjectLockConfiguration, ObjectLockEnabled, ObjectLockLegalHoldStatus,
    ObjectLockMode, ObjectLockRetentionMode, ObjectLockRule,
};
use aws_sdk_s3::Client;
use diesel::prelude::*;
use hopper::schema::{legal_holds, projects, storage_locations};

use crate::helpers::{free_port, test_python, TestApp, UserFixture};
use crate::retention::{close, keep_for, run, setup, tombstone, upload};
use crate::uploads::content;

/// moto's S3 server, a child process of this test; killed when dropped (also on panic).
struct Moto {
    child: Child,
    endpoint: String,
}

impl Moto {
    async fn start() -> Moto {
        let port = free_port();
        let server = test_python().with_file_name("moto_server");
        let child = Command::new(&server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server in target/test-venv (scripts/install-deps.sh --test)");
        let moto = Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        // Wait until it answers (a condition, with a deadline).
        let http = reqwest::Client::new();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            if http.get(&moto.endpoint).send().await.is_ok() {
                return moto;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "moto_server did not start"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// A client with the same (any) credentials Hopper uses.
    fn client(&self) -> Client {
        let config = aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(&self.endpoint)
            .force_path_style(true)
            .credentials_provider(Credentials::new("test", "test", None, None, "test"))
            .build();
        Client::from_conf(config)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn legal_hold_of(s3: &Client, bucket: &str, key: &str) -> Option<ObjectLockLegalHoldStatus> {
    s3.get_object_legal_hold()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .expect("legal hold")
        .legal_hold()
        .and_then(|h| h.status().cloned())
}

#[actix_web::test]
async fn a_locked_location_writes_locked_objects_that_cannot_be_deleted_and_mirrors_legal_holds() {
    let moto = Moto::start().await;
    let s3 = moto.client();
    let (locked, plain) = ("hopper-locked", "hopper-plain");
    s3.create_bucket()
        .bucket(locked)
        .object_lock_enabled_for_bucket(true)
        .send()
        .await
        .expect("locked bucket");
    s3.create_bucket()
        .bucket(plain)
        .send()
        .await
        .expect("plain bucket");

    let app = TestApp::spawn().await;
    let company = app.default_company();
    let olga = UserFixture::new("olga")
        .role("superadmin")
        .create(&app)
        .await;
    let olga = app.session_for(&olga).await;
    let add = |bucket: &'static str, mode: &'static str| {
        let olga = &olga;
        let endpoint = moto.endpoint.clone();
        async move {
            olga.post(
                &format!("/operator/companies/{company}/locations"),
                &[
                    ("label", bucket),
                    ("bucket_name", bucket),
                    ("aws_region", "us-east-1"),
                    ("endpoint_url", &endpoint),
                    ("force_path_style", "on"),
                    ("object_lock_mode", mode),
                    ("object_lock_days", "30"),
                ],
            )
            .await
        }
    };

    // A lock declared on a bucket without Object Lock: refused with a sentence, no row.
    let refused = add(plain, "compliance").await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("does not have S3 Object Lock enabled"),
        "{}",
        refused.body
    );
    let rows: i64 = storage_locations::table
        .filter(storage_locations::bucket_name.eq(plain))
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(rows, 0, "no location was created");
    // A wrong number of days is a field message.
    let bad_days = olga
        .post(
            &format!("/operator/companies/{company}/locations"),
            &[
                ("label", "x"),
                ("bucket_name", locked),
                ("aws_region", "us-east-1"),
                ("endpoint_url", &moto.endpoint),
                ("object_lock_mode", "compliance"),
                ("object_lock_days", "0"),
            ],
        )
        .await;
    assert_eq!(bad_days.status, 422, "{}", bad_days.body);
    assert!(
        bad_days.body.contains("1 to 36500 days"),
        "{}",
        bad_days.body
    );

    let added = add(locked, "compliance").await;
    assert_eq!(added.status, 303, "{}", added.body);
    let location: i32 = storage_locations::table
        .filter(storage_locations::bucket_name.eq(locked))
        .select(storage_locations::id)
        .first(&mut app.conn())
        .expect("the locked location");
    let page = olga.get(&format!("/operator/companies/{company}")).await;
    assert!(page.body.contains("Compliance, 30 days"), "{}", page.body);

    // A project in the locked location; one small file (PutObject) and one in parts.
    let (t, admin) = setup(&app).await;
    diesel::update(projects::table.find(t.project))
        .set((
            projects::storage_location_id.eq(location),
            projects::bucket_name.eq(locked),
        ))
        .execute(&mut app.conn())
        .expect("move the project");
    let uma = app.session_for(&t.uploader).await;
    let large = content(6 * 1024 * 1024 + 17, 9);
    let now = app.state.services.clock().now();
    upload(
        &uma,
        t.project,
        t.cycle,
        &[("small.bin", &content(2000, 8)), ("large.bin", &large)],
    )
    .await;

    let keys = [
        format!("{}/small.bin", t.prefix),
        format!("{}/large.bin", t.prefix),
    ];
    for key in &keys {
        let head = s3
            .head_object()
            .bucket(locked)
            .key(key)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{key} is stored: {e:?}"));
        assert_eq!(head.object_lock_mode(), Some(&ObjectLockMode::Compliance));
        let until = head
            .object_lock_retain_until_date()
            .expect("a retain-until date")
            .secs();
        let expected = (now + chrono::Duration::days(30)).timestamp();
        assert!((until - expected).abs() < 120, "{until} vs {expected}");
        // Compliance mode: the version cannot be deleted, not even by Hopper's credentials.
        let version = head.version_id().expect("a versioned bucket").to_owned();
        let deleted = s3
            .delete_object()
            .bucket(locked)
            .key(key)
            .version_id(&version)
            .send()
            .await;
        let error = deleted.expect_err("a locked version cannot be deleted");
        assert_eq!(
            aws_sdk_s3::error::ProvideErrorMetadata::code(&error.into_service_error()),
            Some("AccessDenied")
        );
    }

    // Hopper's legal hold on the project sets S3's; lifting it clears it.
    let alice = app.session_for(&admin).await;
    let placed = alice
        .post(
            "/admin/holds",
            &[
                ("project_id", &t.project.to_string()),
                ("cycle_id", ""),
                ("reason", "Smith v. Acme"),
            ],
        )
        .await;
    assert_eq!(placed.status, 303, "{}", placed.body);
    // Files written while the hold stands carry S3's legal hold from their write.
    upload(
        &uma,
        t.project,
        t.cycle,
        &[
            ("held-small.bin", &content(1500, 10)),
            ("held-large.bin", &content(5 * 1024 * 1024 + 3, 11)),
        ],
    )
    .await;
    let keys = [
        keys[0].clone(),
        keys[1].clone(),
        format!("{}/held-small.bin", t.prefix),
        format!("{}/held-large.bin", t.prefix),
    ];
    for key in &keys {
        assert_eq!(
            legal_hold_of(&s3, locked, key).await,
            Some(ObjectLockLegalHoldStatus::On),
            "{key}"
        );
    }
    let hold: i32 = legal_holds::table
        .order(legal_holds::id.desc())
        .select(legal_holds::id)
        .first(&mut app.conn())
        .expect("the hold");
    let lifted = alice
        .post(
            &format!("/admin/holds/{hold}/lift"),
            &[("reason", "Settled")],
        )
        .await;
    assert_eq!(lifted.status, 303, "{}", lifted.body);
    for key in &keys {
        assert_eq!(
            legal_hold_of(&s3, locked, key).await,
            Some(ObjectLockLegalHoldStatus::Off),
            "{key}"
        );
    }

    // Retention's time comes before the lock's: the files are tombstoned, their objects
    // reported as kept until their retain-until date (not an error), and left in place.
    crate::retention::closed_a_day_past_retention(&app, &alice, &t).await;
    let report = run(&app, false).await;
    assert_eq!(report.deleted.len(), 4, "{report:?}");
    assert_eq!(report.locked_until.len(), 4, "{report:?}");
    assert_eq!(report.bytes_pending, 0, "{report:?}");
    assert_eq!(report.bytes_deleted, 0, "{report:?}");
    let lines = hopper::cli::retention_lines(&report).join("\n");
    assert!(lines.contains("kept by S3 Object Lock"), "{lines}");
    for (file, _) in &report.locked_until {
        assert!(tombstone(&app, *file).5.is_none(), "bytes not deleted yet");
    }
    for key in &keys {
        s3.head_object()
            .bucket(locked)
            .key(key)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{key} is still there: {e:?}"));
    }
    drop(moto);
}

#[actix_web::test]
async fn files_sent_over_tus_into_a_locked_location_are_locked_too() {
    let moto = Moto::start().await;
    let s3 = moto.client();
    let bucket = "hopper-locked-tus";
    s3.create_bucket()
        .bucket(bucket)
        .object_lock_enabled_for_bucket(true)
        .send()
        .await
        .expect("locked bucket");
    // A default retention too: S3 then wants Content-MD5 on every write into the bucket,
    // a staged tail's as well.
    s3.put_object_lock_configuration()
        .bucket(bucket)
        .object_lock_configuration(
            ObjectLockConfiguration::builder()
                .object_lock_enabled(ObjectLockEnabled::Enabled)
                .rule(
                    ObjectLockRule::builder()
                        .default_retention(
                            DefaultRetention::builder()
                                .mode(ObjectLockRetentionMode::Governance)
                                .days(1)
                                .build(),
                        )
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("default retention");
    let app = TestApp::spawn().await;
    let s = crate::tus::setup(&app).await;
    let location: i32 = diesel::insert_into(storage_locations::table)
        .values((
            storage_locations::company_id.eq(app.default_company()),
            storage_locations::label.eq("locked"),
            storage_locations::bucket_name.eq(bucket),
            storage_locations::aws_region.eq("us-east-1"),
            storage_locations::endpoint_url.eq(&moto.endpoint),
            storage_locations::force_path_style.eq(true),
            storage_locations::key_root.eq("default"),
            storage_locations::object_lock_mode.eq("governance"),
            storage_locations::object_lock_days.eq(3),
        ))
        .returning(storage_locations::id)
        .get_result(&mut app.conn())
        .expect("locked location");
    diesel::update(projects::table.find(s.project))
        .set((
            projects::storage_location_id.eq(location),
            projects::bucket_name.eq(bucket),
        ))
        .execute(&mut app.conn())
        .expect("move the project");

    // One file in two parts and a tail (two PATCHes), one small file sent whole.
    let big = content(11 * 1024 * 1024 + 5, 12);
    let small = content(700, 13);
    let mut keys = Vec::new();
    for (name, bytes, cut) in [
        ("big.bin", &big, 6 * 1024 * 1024),
        ("small.bin", &small, 700),
    ] {
        let created =
            crate::tus::create(&app.address, &s.token, s.cycle, name, bytes.len(), "").await;
        assert_eq!(created.status(), 201);
        let at = crate::tus::location_of(&created);
        let first = crate::tus::patch(&app.address, &at, &s.token, 0, &bytes[..cut]).await;
        assert_eq!(
            first.status(),
            204,
            "{}",
            first.text().await.unwrap_or_default()
        );
        if cut < bytes.len() {
            let rest = crate::tus::patch(&app.address, &at, &s.token, cut, &bytes[cut..]).await;
            assert_eq!(
                rest.status(),
                204,
                "{}",
                rest.text().await.unwrap_or_default()
            );
        }
        let (status, _, size, key) = crate::tus::file_of(&app, &at);
        assert_eq!(
            (status.as_str(), size),
            ("completed", Some(bytes.len() as i64))
        );
        keys.push(key);
    }
    for key in &keys {
        let head = s3
            .head_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{key} is stored: {e:?}"));
        assert_eq!(
            head.object_lock_mode(),
            Some(&ObjectLockMode::Governance),
            "{key}"
        );
        assert!(head.object_lock_retain_until_date().is_some(), "{key}");
    }
    // A staged tail has no retention of its own: at most the bucket's default (its
    // version stays behind a delete marker: the bucket is versioned).
    let versions = s3
        .list_object_versions()
        .bucket(bucket)
        .send()
        .await
        .expect("versions");
    let mut tails = 0;
    for version in versions.versions() {
        let key = version.key().unwrap_or_default();
        if keys.iter().any(|k| k == key) {
            continue;
        }
        assert!(key.contains(".hopper-tus-"), "{key}");
        tails += 1;
        let head = s3
            .head_object()
            .bucket(bucket)
            .key(key)
            .set_version_id(version.version_id().map(str::to_owned))
            .send()
            .await
            .expect("the tail's version");
        let until = head.object_lock_retain_until_date().map_or(0, |d| d.secs());
        let default_end = (chrono::Utc::now() + chrono::Duration::days(1)).timestamp();
        assert!(until <= default_end + 60, "{key}: {head:?}");
    }
    assert!(tails > 0, "the big file staged a tail");

    // The project's "Check bucket" writes its probe into this bucket too.
    let adam = UserFixture::new("adam").role("admin").create(&app).await;
    let adam = app.session_for(&adam).await;
    let checked = adam
        .post_htmx(&format!("/admin/projects/{}/check-bucket", s.project), &[])
        .await;
    assert!(
        checked
            .body
            .contains(&format!("Hopper can write to {bucket}")),
        "{}",
        checked.body
    );

    // Hopper's clock passes the retain-until date, S3's does not: S3 refuses to delete
    // the versions (AccessDenied) and retention reports them as kept, not as failures.
    keep_for(&adam, s.project, Some(1)).await;
    close(&adam, s.project, s.cycle).await;
    app.state
        .services
        .clock()
        .advance(chrono::Duration::days(5));
    let report = run(&app, false).await;
    assert_eq!(report.deleted.len(), 2, "{report:?}");
    assert_eq!(report.locked_until.len(), 2, "{report:?}");
    assert_eq!(report.bytes_pending, 0, "{report:?}");
    drop(moto);
}
