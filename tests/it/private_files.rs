//! What Hopper keeps on disk is its own account's: the embedded S3 store's objects,
//! multipart parts and folders, the outbox's mails and the database socket's folder are
//! closed to every other local user (files 0600, folders 0700).

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use diesel::prelude::*;
use hopper::schema::notifications;

use crate::helpers::{cluster, TestApp};
use crate::uploads::{content, form, target, PART};

/// Every folder and file under `root` (itself included) with a mode that lets anyone but
/// the owner in.
fn open_to_others(root: &Path) -> (usize, Vec<(PathBuf, u32)>) {
    let (mut seen, mut open) = (0, Vec::new());
    let mut stack = vec![root.to_path_buf()];
    while let Some(path) = stack.pop() {
        let meta = std::fs::symlink_metadata(&path).expect("stat");
        let mode = meta.permissions().mode() & 0o777;
        let wanted = if meta.is_dir() { 0o700 } else { 0o600 };
        seen += 1;
        if mode != wanted {
            open.push((path.clone(), mode));
        }
        if meta.is_dir() {
            for entry in std::fs::read_dir(&path).expect("read dir") {
                stack.push(entry.expect("entry").path());
            }
        }
    }
    (seen, open)
}

#[actix_web::test]
async fn stored_objects_parts_and_outbox_mails_are_closed_to_other_users() {
    let outbox_parent = tempfile::tempdir().expect("dir");
    let outbox = outbox_parent.path().join("outbox");
    let dir = outbox.clone();
    let app =
        TestApp::spawn_with_private_s3(move |config| config.mail.outbox_dir = Some(dir)).await;
    let t = target(&app).await;
    let uma = app.session_for(&t.uploader).await;
    let big = content(PART + 10, 3);
    let page = uma
        .upload(
            &t.path(),
            form(&[("folder/sub/small.txt", b"private"), ("big.bin", &big)]),
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    // An upload in flight: its part is on disk too.
    let key = format!("{}/in-flight.bin", t.prefix);
    let created = app
        .storage
        .client()
        .create_multipart_upload()
        .bucket(&t.bucket)
        .key(&key)
        .send()
        .await
        .expect("create upload");
    app.storage
        .client()
        .upload_part()
        .bucket(&t.bucket)
        .key(&key)
        .upload_id(created.upload_id().expect("id"))
        .part_number(1)
        .body(content(1024, 4).into())
        .send()
        .await
        .expect("part");
    assert!(!app.open_upload_files().is_empty());

    // A mail kept in the outbox.
    diesel::insert_into(notifications::table)
        .values((
            notifications::recipient.eq("uma@example.test"),
            notifications::kind.eq("due_soon"),
            notifications::subject.eq("Documents due"),
            notifications::body.eq("A link only uma may see"),
        ))
        .execute(&mut app.conn())
        .expect("notification");
    let report = hopper::services::notifications::send_pending(&app.state.services)
        .await
        .expect("send");
    assert_eq!(report.stored, 1, "{report:?}");

    let root = app
        .private_s3
        .as_ref()
        .expect("a private S3")
        .lock()
        .expect("lock")
        .root
        .clone();
    let (seen, open) = open_to_others(&root);
    assert!(seen >= 6, "the store holds the objects: {seen} entries");
    assert!(
        open.is_empty(),
        "open to other users in the S3 store: {open:?}"
    );
    let (seen, open) = open_to_others(&outbox);
    assert_eq!(seen, 4, "outbox, tmp, new and one mail");
    assert!(
        open.is_empty(),
        "open to other users in the outbox: {open:?}"
    );
}

/// The test cluster's socket folder (as Hopper's embedded mode makes it) lets only the
/// cluster's account in.
#[test]
fn the_database_socket_folder_is_the_clusters_alone() {
    let socket_dir = cluster().postgres.socket_dir();
    let meta = std::fs::symlink_metadata(socket_dir).expect("socket dir");
    assert!(meta.is_dir());
    assert_eq!(
        meta.permissions().mode() & 0o777,
        0o700,
        "{}",
        socket_dir.display()
    );
    let data = std::fs::metadata(socket_dir.parent().expect("cluster dir")).expect("dir");
    assert_eq!(data.uid(), meta.uid(), "owned by the cluster's account");
    let socket = std::fs::symlink_metadata(socket_dir.join(".s.PGSQL.5432")).expect("socket");
    assert_eq!(socket.permissions().mode() & 0o077, 0, "the socket itself");
}

/// A deep data dir puts the socket in the shared temp dir, under a name anyone can work
/// out: a symlink planted there is refused, not followed.
#[test]
fn a_planted_socket_folder_is_refused() {
    let base = tempfile::tempdir().expect("dir");
    let deep = base.path().join("d".repeat(100));
    std::fs::create_dir_all(&deep).expect("deep dir");
    let deep = deep.canonicalize().expect("canonical");
    let socket_dir = hopper::embedded::postgres::socket_dir_for(&deep);
    assert!(
        !socket_dir.starts_with(&deep),
        "the socket goes to the temp dir"
    );
    let elsewhere = tempfile::tempdir().expect("dir");
    let _ = std::fs::remove_file(&socket_dir);
    std::os::unix::fs::symlink(elsewhere.path(), &socket_dir).expect("plant a symlink");
    let started = hopper::embedded::postgres::EmbeddedPostgres::start(
        &deep,
        &hopper::embedded::postgres::PostgresOptions {
            ephemeral: true,
            bin_dir: None,
        },
    );
    let _ = std::fs::remove_file(&socket_dir);
    let error = started.expect_err("a planted socket folder must be refused");
    assert!(
        format!("{error:#}").contains("the database socket stays private"),
        "{error:#}"
    );
}
